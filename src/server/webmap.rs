//! The web map's static files (built from web/ by build.rs), embedded in the binary: the full
//! map (`/`, `/map`) and the embeddable map (`/embed`: no side panel, may sit in a frame on any
//! site). The page learns the data version and its mode from `<meta>` tags put in its head here
//! (the published folder's copies get theirs from `publish`), so it needs no inline script.

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};

use super::http::{etag, send};
use super::oas::Paths;
use super::security::{html_headers, Framing};
use super::{ApiError, AppState};

#[derive(rust_embed::RustEmbed)]
#[folder = "web/dist/"]
struct Assets;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/map", web::get().to(map))
        .route("/map/", web::get().to(map))
        .route("/embed", web::get().to(embed))
        .route("/assets/{path:.*}", web::get().to(asset))
        // The page's asset URLs are relative (`./assets/`, for the published folder), so the
        // page at `/map/` asks for them here.
        .route("/map/assets/{path:.*}", web::get().to(asset))
        .route("/config.json", web::get().to(config));
}

/// The two pages in the OpenAPI document (HTML only: they are for people).
pub fn openapi_paths(paths: &mut Paths) {
    let page = |summary: &str, id: &str| {
        serde_json::json!({"get": {"summary": summary, "operationId": id,
            "responses": {"200": {"description": "The page", "content": {"text/html": {"schema": {"type": "string"}}}}}}})
    };
    paths.insert(
        "/map".into(),
        page("The web map (also at / for browsers)", "getMap"),
    );
    paths.insert(
        "/embed".into(),
        page(
            "The map alone, for an iframe on any site: view, layers, metric and date from the URL hash",
            "getEmbed",
        ),
    );
}

/// Settings of the page chosen at start-up (e.g. an optional raster basemap).
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct WebConfig {
    pub basemap: Option<String>,
}

/// How the page runs: its data source and whether it is the embeddable map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageMode {
    /// The full map on the live API.
    Map,
    /// The map alone (no panel) on the live API, for frames.
    Embed,
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

/// The built page, or `None` when web/dist holds only build.rs's placeholder.
pub fn page_html() -> Option<String> {
    Assets::get("index.html").and_then(|f| String::from_utf8(f.data.into_owned()).ok())
}

/// The files a page needs to run one entry of the web bundle (other than index.html): its
/// module script and the style sheets of it and the chunks it imports, as paths under the
/// service (`/assets/...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryAssets {
    pub script: String,
    pub styles: Vec<String>,
}

/// The entry built from `src` (e.g. `src/pagemap.js`), found in Vite's manifest: the names
/// carry content hashes, so they are looked up, not written down. `None` without a build.
pub fn entry_assets(src: &str) -> Option<EntryAssets> {
    static MANIFEST: std::sync::OnceLock<Option<serde_json::Value>> = std::sync::OnceLock::new();
    let manifest = MANIFEST
        .get_or_init(|| {
            Assets::get(".vite/manifest.json").and_then(|f| serde_json::from_slice(&f.data).ok())
        })
        .as_ref()?;
    entry_in(manifest, src)
}

fn entry_in(manifest: &serde_json::Value, src: &str) -> Option<EntryAssets> {
    let entry = manifest.get(src)?;
    let script = entry["file"].as_str()?;
    let mut styles = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut todo = vec![src.to_string()];
    while let Some(key) = todo.pop() {
        if !seen.insert(key.clone()) {
            continue;
        }
        let chunk = &manifest[key.as_str()];
        for css in chunk["css"].as_array().into_iter().flatten() {
            if let Some(css) = css.as_str() {
                let path = format!("/{css}");
                if !styles.contains(&path) {
                    styles.push(path);
                }
            }
        }
        let imports = chunk["imports"].as_array().into_iter().flatten();
        todo.extend(imports.filter_map(|i| i.as_str().map(str::to_string)));
    }
    Some(EntryAssets {
        script: format!("/{script}"),
        styles,
    })
}

/// Every file of the built web map (path under web/dist, bytes), for `publish`.
pub fn asset_files() -> Vec<(String, Vec<u8>)> {
    Assets::iter()
        .filter_map(|p| Assets::get(&p).map(|f| (p.to_string(), f.data.into_owned())))
        .collect()
}

/// `html` with `<meta>` tags naming each `(name, content)` right after `<head>`. Contents are
/// versions and fixed words, but are escaped all the same.
pub fn with_meta(html: &str, metas: &[(&str, &str)]) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('<', "&lt;")
    };
    let tags: String = metas
        .iter()
        .map(|(n, c)| format!("\n    <meta name=\"{}\" content=\"{}\" />", esc(n), esc(c)))
        .collect();
    match html.find("<head>") {
        Some(i) => format!("{}{tags}{}", &html[..i + 6], &html[i + 6..]),
        None => format!("{tags}{html}"),
    }
}

/// The page for `mode`: the built index.html with the data version and mode in its head.
pub async fn page(
    req: &HttpRequest,
    cfg: &WebConfig,
    state: &AppState,
    mode: PageMode,
) -> Result<HttpResponse, ApiError> {
    let html = page_html().ok_or_else(|| ApiError::not_found("no asset `index.html`"))?;
    let served = state.snapshot();
    let (mode_name, framing) = match mode {
        PageMode::Map => ("map", Framing::Denied),
        PageMode::Embed => ("embed", Framing::Anyone),
    };
    let html = with_meta(
        &html,
        &[
            ("compute-atlas-version", served.version.as_str()),
            ("compute-atlas-mode", mode_name),
            ("compute-atlas-source", "api"),
        ],
    );
    const HTML: &str = "text/html; charset=utf-8";
    let body = Bytes::from(html);
    let tag = etag(&served.version, HTML, &body);
    let mut page = send(req, HTML, body, &tag, "no-cache");
    for (name, value) in html_headers(cfg.basemap.as_deref(), framing) {
        page.headers_mut().insert(name, value);
    }
    Ok(page)
}

pub async fn map(
    req: HttpRequest,
    cfg: web::Data<WebConfig>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    page(&req, &cfg, &state, PageMode::Map).await
}

async fn embed(
    req: HttpRequest,
    cfg: web::Data<WebConfig>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    page(&req, &cfg, &state, PageMode::Embed).await
}

async fn asset(req: HttpRequest, path: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let p = path.into_inner();
    // rust-embed only knows the embedded names, so `..` cannot leave the folder; reject it anyway
    // with a clear message.
    if p.split('/').any(|s| s == ".." || s.is_empty()) || p.contains('\\') {
        return Err(ApiError::bad_request(format!("invalid asset path `{p}`")));
    }
    let name = format!("assets/{p}");
    let file =
        Assets::get(&name).ok_or_else(|| ApiError::not_found(format!("no asset `{name}`")))?;
    let mime = mime_guess::from_path(&name).first_or_octet_stream();
    let body = Bytes::from(file.data.into_owned());
    // Vite puts a content hash in asset names: cache them for a year.
    let tag = format!("\"{}\"", hex::encode(file.metadata.sha256_hash()));
    Ok(send(
        &req,
        mime.as_ref(),
        body,
        &tag,
        "public, max-age=31536000, immutable",
    ))
}

async fn config(cfg: web::Data<WebConfig>) -> HttpResponse {
    HttpResponse::Ok().json(cfg.get_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_takes_the_styles_of_the_chunks_it_imports() {
        let manifest = serde_json::json!({
            "_maplibre-gl-B.css": {"file": "assets/maplibre-gl-B.css"},
            "_maplibre-gl-C.js": {"file": "assets/maplibre-gl-C.js", "css": ["assets/maplibre-gl-B.css"], "imports": ["_shared.js"]},
            "_shared.js": {"file": "assets/shared.js", "imports": ["_maplibre-gl-C.js"], "css": ["assets/s.css"]},
            "src/pagemap.js": {"file": "assets/pagemap-A.js", "isEntry": true, "imports": ["_maplibre-gl-C.js"], "css": ["assets/s.css"]},
        });
        assert_eq!(
            entry_in(&manifest, "src/pagemap.js"),
            Some(EntryAssets {
                script: "/assets/pagemap-A.js".into(),
                styles: vec!["/assets/s.css".into(), "/assets/maplibre-gl-B.css".into()],
            })
        );
        assert_eq!(entry_in(&manifest, "src/other.js"), None);
    }
}
