//! `/api`: the OpenAPI 3.0 document, assembled from the paths each API part describes and
//! generated from the layers, so it always describes what is served. Self-contained: no
//! external `$ref` (clients here may have no internet).

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Map, Value};

use super::http::{base_url, json_only, respond, OPENAPI};
use super::oas::simple;
use super::{
    analytics, demand, downloads, features, landing, plots, processes, status, tiles, transactions,
    webmap, ApiError, AppState, Served,
};
use crate::layers::GeometryKind;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api", web::get().to(api));
}

async fn api(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    json_only(&req)?;
    let served = state.snapshot();
    let doc = document(&served, &base_url(&req));
    Ok(respond(&req, &served, OPENAPI, doc.to_string()))
}

/// Builds the document for the layers being served.
pub fn document(served: &Served, base: &str) -> Value {
    let mut paths = Map::new();
    landing::openapi_paths(&mut paths);
    paths.insert("/api".into(), simple("This API definition", "getApi"));
    features::openapi::paths(&mut paths);
    tiles::openapi::paths(&mut paths);
    downloads::openapi_paths(&mut paths);
    processes::openapi_paths(&mut paths);
    analytics::openapi_paths(&mut paths);
    demand::openapi_paths(&mut paths);
    status::openapi_paths(&mut paths);
    webmap::openapi_paths(&mut paths);
    plots::openapi_paths(&mut paths);
    let mut schemas = Map::new();
    schemas.insert(
        "problem".into(),
        json!({"type": "object", "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"}, "detail": {"type": "string"}}}),
    );
    for layer in &served.layers {
        features::openapi::layer_paths(&mut paths, &mut schemas, layer);
        if layer.geometry != GeometryKind::None {
            tiles::openapi::layer_paths(&mut paths, layer);
        }
    }
    transactions::openapi_paths(&mut paths);
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "compute-atlas",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "OGC API - Features (Part 1 Core, Part 2 CRS) and OGC API - Tiles (vector tiles) over a cited atlas of AI computing sites, counties and power in western China.",
            "license": {"name": "Code MIT; data: see each collection's attribution"},
        },
        "servers": [{"url": base}],
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    })
}
