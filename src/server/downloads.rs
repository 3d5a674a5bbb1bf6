//! `/downloads/atlas.gpkg`: every layer in one GeoPackage, with its metadata and attribution.
//! Built once per data version into a temporary file (a GeoPackage is a database, written in
//! place) and streamed from there; a reload makes the next request build the new one.

use std::sync::{Arc, Mutex};

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::features::download::{attachment, meta};
use super::http::{base_url, link, only_params, pairs, respond_stream};
use super::oas::Paths;
use super::stream::ChannelBody;
use super::{ApiError, AppState, Served};
use crate::export::{gpkg, ExportFormat, LayerExport};

pub const ATLAS_GPKG: &str = "/downloads/atlas.gpkg";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(ATLAS_GPKG, web::get().to(atlas_gpkg));
}

/// The landing page's link to the whole-atlas download.
pub fn links(base: &str) -> Vec<Value> {
    vec![link(
        format!("{base}{ATLAS_GPKG}"),
        "enclosure",
        ExportFormat::Gpkg.media_type(),
        "Every collection in one GeoPackage",
    )]
}

pub fn openapi_paths(paths: &mut Paths) {
    paths.insert(
        ATLAS_GPKG.into(),
        json!({"get": {"summary": "Every collection in one GeoPackage (one table per collection, CRS84, metadata in gpkg_metadata)", "operationId": "getAtlasGeoPackage",
            "responses": {"200": {"description": "The GeoPackage", "content": {ExportFormat::Gpkg.media_type(): {"schema": {"type": "string", "format": "binary"}}}}}}}),
    );
}

/// The file of the current version, when built.
type Built = Option<(String, Arc<tempfile::TempPath>)>;

fn cache() -> &'static Mutex<Built> {
    static CACHE: std::sync::OnceLock<Mutex<Built>> = std::sync::OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(None))
}

/// The GeoPackage of `served`, built on first use. The lock is held while building so that
/// concurrent first requests build it once.
fn built(
    served: &Served,
    source: String,
) -> Result<Arc<tempfile::TempPath>, crate::export::ExportError> {
    let mut c = cache().lock().unwrap_or_else(|p| p.into_inner());
    if let Some((v, path)) = c.as_ref() {
        if *v == served.version {
            return Ok(path.clone());
        }
    }
    let tmp = tempfile::NamedTempFile::new()?.into_temp_path();
    let layers: Vec<LayerExport<'_>> = served.layers.iter().map(LayerExport::whole).collect();
    gpkg::write_file(&layers, &meta(served, source), &tmp)?;
    let tmp = Arc::new(tmp);
    *c = Some((served.version.clone(), tmp.clone()));
    Ok(tmp)
}

async fn atlas_gpkg(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    only_params(&pairs(&req)?, &[])?;
    let served = state.snapshot();
    let snapshot = served.clone();
    let source = format!("{}{ATLAS_GPKG}", base_url(&req));
    let body = ChannelBody::new(move |w| {
        let path = built(&snapshot, source)?;
        std::io::copy(&mut std::fs::File::open(&*path)?, w)?;
        Ok(())
    });
    let mut resp = respond_stream(&req, &served, ExportFormat::Gpkg.media_type(), body);
    let (k, v) = attachment("compute-atlas.gpkg");
    resp.headers_mut().insert(k, v);
    Ok(resp)
}
