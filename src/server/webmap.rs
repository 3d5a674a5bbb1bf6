//! The web map's static files (built from web/ by build.rs), embedded in the binary.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::ApiError;

#[derive(rust_embed::RustEmbed)]
#[folder = "web/dist/"]
struct Assets;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/map", web::get().to(map))
        .route("/map/", web::get().to(map))
        .route("/assets/{path:.*}", web::get().to(asset))
        .route("/config.json", web::get().to(config));
}

/// Settings of the page chosen at start-up (e.g. an optional raster basemap).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct WebConfig {
    pub basemap: Option<String>,
}

/// `true` when a browser asks for a page (Accept names text/html before JSON).
pub fn wants_html(req: &HttpRequest) -> bool {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    accept
        .split(',')
        .next()
        .is_some_and(|m| m.trim().starts_with("text/html"))
}

pub async fn map(cfg: web::Data<WebConfig>) -> Result<HttpResponse, ApiError> {
    let mut page = serve_file("index.html", "no-cache")?;
    for (name, value) in super::security::html_headers(cfg.basemap.as_deref()) {
        page.headers_mut().insert(name, value);
    }
    Ok(page)
}

fn serve_file(path: &str, cache: &str) -> Result<HttpResponse, ApiError> {
    let file =
        Assets::get(path).ok_or_else(|| ApiError::not_found(format!("no asset `{path}`")))?;
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, mime.as_ref()))
        .insert_header((header::CACHE_CONTROL, cache))
        .body(file.data.into_owned()))
}

async fn asset(path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let p = path.into_inner();
    // rust-embed only knows the embedded names, so `..` cannot leave the folder; reject it anyway
    // with a clear message.
    if p.split('/').any(|s| s == ".." || s.is_empty()) || p.contains('\\') {
        return Err(ApiError::bad_request(format!("invalid asset path `{p}`")));
    }
    // Vite puts a content hash in asset names: cache them for a year.
    serve_file(
        &format!("assets/{p}"),
        "public, max-age=31536000, immutable",
    )
}

async fn config(cfg: web::Data<WebConfig>) -> HttpResponse {
    HttpResponse::Ok().json(cfg.get_ref())
}
