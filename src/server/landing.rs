//! The landing page and the conformance declaration, assembled from what each API part
//! declares (its conformance classes and its landing links).

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::http::{base_url, get, json_only, link, negotiate, only_params, pairs, respond};
use super::http::{JSON, OPENAPI};
use super::oas::{simple, Paths};
use super::{features, tiles, webmap, ApiError, AppState, Served};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(landing))
        .route("/conformance", web::get().to(conformance));
}

/// The landing page and conformance in the OpenAPI document.
pub fn openapi_paths(paths: &mut Paths) {
    paths.insert("/".into(), simple("Landing page", "getLandingPage"));
    paths.insert(
        "/conformance".into(),
        simple("Conformance classes", "getConformance"),
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
    negotiate(&req, get(&p, "f"), false)?;
    let served = state.snapshot();
    let base = base_url(&req);
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
    ];
    links.extend(features::links(&base));
    links.extend(tiles::links(&base));
    let body = json!({
        "title": "compute-atlas",
        "description": "AI computing sites in western China set against power plants and renewable bases: a cited dataset served as OGC API - Features. Unknown figures are null, never zero.",
        "links": links,
        "attribution": attribution(&served),
    });
    Ok(respond(&req, &served, JSON, body.to_string()))
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
    json_only(&req)?;
    let served = state.snapshot();
    let classes: Vec<&str> = [features::CONFORMANCE, tiles::CONFORMANCE].concat();
    Ok(respond(
        &req,
        &served,
        JSON,
        json!({ "conformsTo": classes }).to_string(),
    ))
}
