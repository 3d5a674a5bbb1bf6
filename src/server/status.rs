//! `GET /status`: what is being served (data version, build time, counts) and how the
//! render cache is doing (entries, bytes, hits, misses, renders); `GET /data-version`: the
//! data version alone, cacheable (no per-process state).

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::http::{respond, JSON};
use super::oas::{simple, Paths};
use super::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/status", web::get().to(status))
        .route("/data-version", web::get().to(data_version));
}

/// `/data-version` and `/status` in the OpenAPI document.
pub fn openapi_paths(paths: &mut Paths) {
    paths.insert(
        "/data-version".into(),
        simple(
            "The data version every cacheable response names, and the layers' feature counts",
            "getDataVersion",
        ),
    );
    let mut status = simple(
        "What this process serves and how its render cache is doing (not cacheable)",
        "getStatus",
    );
    status["get"]["parameters"] = json!([]);
    paths.insert("/status".into(), status);
}

/// The data version every cacheable response names (`Data-Version` header, ETags) and the
/// layer counts it holds: the same on every replica serving the same files, so cacheable.
async fn data_version(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let served = state.snapshot();
    let body = json!({
        "data_version": served.version,
        "layers": served.layers.iter().map(|l| json!({"id": l.id, "features": l.features.len()})).collect::<Vec<_>>(),
    });
    respond(&req, &served, JSON, body.to_string())
}

async fn status(state: web::Data<AppState>) -> HttpResponse {
    let served = state.snapshot();
    let cache = state.cache.status().await;
    tracing::info!("render cache: {cache}");
    HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(json!({
            "data_version": served.version,
            "built_at": served.built_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "layers": served.layers.iter().map(|l| json!({"id": l.id, "features": l.features.len()})).collect::<Vec<_>>(),
            "cache": cache,
        }))
}
