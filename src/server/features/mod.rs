//! OGC API - Features, Part 1 (Core, GeoJSON) and Part 2 (CRS by reference), Part 3
//! queryables: the collections and their items (GeoJSON or CSV).

mod csv;
pub mod download;
mod items;
pub mod openapi;
mod pages;
mod selection;

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Map, Value};

use super::html::respond_html;
use super::http::{base_url, json_or_html, link, respond, Format, CSV, GEOJSON, JSON};
use super::layer::{find_layer, queryables as layer_queryables};
use super::{tiles, ApiError, AppState};
use crate::crs::Crs;
use crate::export::ExportFormat;
use crate::layers::Layer;

pub const DEFAULT_LIMIT: u64 = 100;
pub const MAX_LIMIT: u64 = 10_000;
/// Beyond this an offset cannot match anything (and is probably a mistake).
pub const MAX_OFFSET: u64 = 10_000_000;

pub const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/collections", web::get().to(collections))
        .route("/collections/{id}", web::get().to(collection))
        .route("/collections/{id}/queryables", web::get().to(queryables))
        .route("/collections/{id}/items", web::get().to(items::items))
        .route("/collections/{id}/items/{fid}", web::get().to(items::item));
}

/// The landing page's links to this part.
pub fn links(base: &str) -> Vec<Value> {
    vec![link(
        format!("{base}/collections"),
        "data",
        JSON,
        "The collections",
    )]
}

fn collection_json(layer: &Layer, base: &str) -> Value {
    let id = layer.id;
    let mut extent = Map::new();
    if let Some(e) = layer.extent {
        extent.insert(
            "spatial".into(),
            json!({"bbox": [e], "crs": Crs::CRS84_URI}),
        );
    }
    if let Some((a, b)) = layer.temporal_extent {
        extent.insert(
            "temporal".into(),
            json!({"interval": [[format!("{a}T00:00:00Z"), format!("{b}T23:59:59Z")]], "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}),
        );
    }
    let mut v = json!({
        "id": id,
        "title": layer.title,
        "description": layer.description,
        "attribution": layer.attribution,
        "itemType": "feature",
        "crs": Crs::supported_uris(),
        "storageCrs": Crs::CRS84_URI,
        "links": [
            link(format!("{base}/collections/{id}"), "self", JSON, "This collection"),
            link(format!("{base}/collections/{id}/items?f=json"), "items", GEOJSON, "Items as GeoJSON"),
            link(format!("{base}/collections/{id}/items?f=csv"), "items", CSV, "Items as CSV"),
            link(format!("{base}/collections/{id}/items?f=html"), "items", "text/html", "Items as HTML"),
            link(format!("{base}/collections/{id}?f=html"), "alternate", "text/html", "This collection as HTML"),
            link(format!("{base}/collections/{id}/items?f=gpkg"), "enclosure", ExportFormat::Gpkg.media_type(), "Every feature as GeoPackage"),
            link(format!("{base}/collections/{id}/items?f=fgb"), "enclosure", ExportFormat::Fgb.media_type(), "Every feature as FlatGeobuf (with its spatial index)"),
            link(format!("{base}/collections/{id}/items?f=parquet"), "enclosure", ExportFormat::Parquet.media_type(), "Every feature as GeoParquet 1.1"),
            link(format!("{base}/downloads/atlas.gpkg"), "enclosure", ExportFormat::Gpkg.media_type(), "Every collection in one GeoPackage"),
            link(format!("{base}/collections/{id}/queryables"), "http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json", "Queryable properties"),
        ],
    });
    if let Some(links) = v["links"].as_array_mut() {
        links.extend(tiles::collection_links(layer, base));
        links.extend(layer.related.iter().map(|r| {
            link(
                format!("{base}{}", r.path),
                "related",
                r.media_type,
                r.title,
            )
        }));
    }
    if !extent.is_empty() {
        v["extent"] = Value::Object(extent);
    }
    v
}

async fn collections(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let format = json_or_html(&req)?;
    let served = state.snapshot();
    let base = base_url(&req);
    if format == Format::Html {
        return respond_html(&req, &served, &pages::collections(&served, &base));
    }
    let body = json!({
        "links": [
            link(format!("{base}/collections"), "self", JSON, "The collections"),
            link(format!("{base}/collections?f=html"), "alternate", "text/html", "The collections as HTML"),
        ],
        "crs": Crs::supported_uris(),
        "collections": served.layers.iter().map(|l| collection_json(l, &base)).collect::<Vec<_>>(),
    });
    Ok(respond(&req, &served, JSON, body.to_string()))
}

async fn collection(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let format = json_or_html(&req)?;
    let served = state.snapshot();
    let layer = find_layer(&served, &path)?;
    let base = base_url(&req);
    if format == Format::Html {
        return respond_html(&req, &served, &pages::collection(layer, &base));
    }
    Ok(respond(
        &req,
        &served,
        JSON,
        collection_json(layer, &base).to_string(),
    ))
}

async fn queryables(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let format = json_or_html(&req)?;
    let served = state.snapshot();
    let layer = find_layer(&served, &path)?;
    let base = base_url(&req);
    let schema = layer_queryables(layer, &base);
    if format == Format::Html {
        return respond_html(&req, &served, &pages::queryables(layer, &base, &schema));
    }
    Ok(respond(
        &req,
        &served,
        "application/schema+json",
        schema.to_string(),
    ))
}
