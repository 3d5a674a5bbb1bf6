//! `GET /status`: what is being served (data version, build time, counts) and how the
//! render cache is doing (entries, bytes, hits, misses, renders).

use actix_web::{web, HttpResponse};
use serde_json::json;

use super::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/status", web::get().to(status));
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
