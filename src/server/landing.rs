//! The landing page and the conformance declaration, assembled from what each API part
//! declares (its conformance classes and its landing links).

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::html::{dataset_ld, respond_html, Cell, Link, Page, Table};
use super::http::{
    base_url, get, json_or_html, link, negotiate_html, only_params, pairs, respond, Format,
};
use super::http::{JSON, OPENAPI};
use super::oas::{html_page, Paths};
use super::{
    analytics, demand, downloads, features, plots, processes, tiles, transactions, webmap,
    ApiError, AppState, Served,
};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(landing))
        .route("/conformance", web::get().to(conformance));
}

/// The landing page and conformance in the OpenAPI document.
pub fn openapi_paths(paths: &mut Paths) {
    paths.insert("/".into(), html_page("Landing page", "getLandingPage"));
    paths.insert(
        "/conformance".into(),
        html_page("Conformance classes", "getConformance"),
    );
}

async fn landing(
    req: HttpRequest,
    state: web::Data<AppState>,
    web_config: web::Data<webmap::WebConfig>,
) -> Result<HttpResponse, ApiError> {
    let p = pairs(&req)?;
    if p.is_empty() && webmap::wants_html(&req) {
        return webmap::map(req, web_config, state).await;
    }
    only_params(&p, &["f"])?;
    let format = negotiate_html(&req, get(&p, "f"), false)?;
    let served = state.snapshot();
    let base = base_url(&req);
    if format == Format::Html {
        return respond_html(&req, &served, &landing_page(&served, &base));
    }
    let mut links = vec![
        link(format!("{base}/"), "self", JSON, "This document"),
        link(
            format!("{base}/api"),
            "service-desc",
            OPENAPI,
            "The API definition (OpenAPI 3.0)",
        ),
        link(
            format!("{base}/map"),
            "service-doc",
            "text/html",
            "The web map",
        ),
        link(
            format!("{base}/embed"),
            "alternate",
            "text/html",
            "The map alone, for an iframe (view, layers and metric from the URL hash)",
        ),
        link(
            format!("{base}/data-version"),
            "describedby",
            JSON,
            "The data version every response names (Data-Version header, ETags)",
        ),
        link(
            format!("{base}/conformance"),
            "conformance",
            JSON,
            "Conformance classes implemented",
        ),
        link(
            format!("{base}/?f=html"),
            "alternate",
            "text/html",
            "This document as HTML",
        ),
    ];
    links.extend(features::links(&base));
    links.extend(tiles::links(&base));
    links.extend(transactions::links(&base));
    links.extend(downloads::links(&base));
    links.extend(processes::links(&base));
    links.extend(analytics::links(&base));
    links.extend(demand::links(&base));
    links.extend(plots::links(&base));
    let body = json!({
        "title": "compute-atlas",
        "description": DESCRIPTION,
        "links": links,
        "attribution": attribution(&served),
    });
    Ok(respond(&req, &served, JSON, body.to_string()))
}

const DESCRIPTION: &str = "AI computing sites in western China set against power plants and renewable bases: a cited dataset served as OGC API - Features. Unknown figures are null, never zero.";

fn landing_page(served: &Served, base: &str) -> Page {
    let attribution = attribution(served);
    let mut ld = dataset_ld(
        "compute-atlas",
        DESCRIPTION,
        &format!("{base}/"),
        &attribution,
    );
    ld["hasPart"] = served
        .layers
        .iter()
        .map(|l| {
            json!({"@type": "Dataset", "name": l.title, "url": format!("{base}/collections/{}", l.id)})
        })
        .collect();
    Page {
        title: "compute-atlas".into(),
        description: DESCRIPTION.into(),
        notes: vec![format!("Sources: {attribution}")],
        link_lists: vec![
            (
                "Start here".into(),
                vec![
                    Link::new(format!("{base}/map"), "The web map"),
                    Link::new(
                        format!("{base}/collections?f=html"),
                        "The collections (layers)",
                    ),
                    Link::new(
                        format!("{base}/tileMatrixSets?f=html"),
                        "Tile matrix sets (vector tiles)",
                    ),
                    Link::new(
                        format!("{base}/processes?f=html"),
                        "Processes: locate your own points",
                    ),
                    Link::new(format!("{base}/conformance?f=html"), "Conformance classes"),
                    Link::new(format!("{base}/api"), "The API definition (OpenAPI 3.0)"),
                    Link::new(format!("{base}/?f=json"), "This page as JSON"),
                ],
            ),
            (
                "Answers".into(),
                analytics::links(base)
                    .into_iter()
                    .chain(demand::links(base))
                    .filter_map(|l| {
                        Some(Link::new(
                            l["href"].as_str()?.to_string(),
                            l["title"].as_str()?.to_string(),
                        ))
                    })
                    .collect(),
            ),
        ],
        json_ld: Some(ld),
        ..Page::default()
    }
}

fn attribution(served: &Served) -> String {
    let mut v: Vec<&str> = served
        .layers
        .iter()
        .map(|l| l.attribution.as_str())
        .collect();
    v.dedup();
    v.join(" · ")
}

async fn conformance(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let format = json_or_html(&req)?;
    let served = state.snapshot();
    let mut classes: Vec<&str> = [
        features::CONFORMANCE,
        crate::filter::CONFORMANCE,
        tiles::CONFORMANCE,
        processes::CONFORMANCE,
    ]
    .concat();
    if state.edits.is_some() && state.tokens.is_some() {
        classes.extend(transactions::CONFORMANCE);
    }
    if format == Format::Html {
        let base = base_url(&req);
        let page = Page {
            title: "Conformance".into(),
            description: "The OGC standards' conformance classes this service implements.".into(),
            crumbs: vec![Link::new(format!("{base}/?f=html"), "compute-atlas")],
            tables: vec![Table {
                caption: "Conformance classes".into(),
                headers: vec!["Class".into()],
                rows: classes
                    .iter()
                    .map(|c| vec![vec![Cell::link(*c, *c)]])
                    .collect(),
            }],
            ..Page::default()
        };
        return respond_html(&req, &served, &page);
    }
    Ok(respond(
        &req,
        &served,
        JSON,
        json!({ "conformsTo": classes }).to_string(),
    ))
}
