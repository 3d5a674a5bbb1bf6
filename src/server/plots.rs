//! `/plots/{kind}.{png|svg}`: report plots rendered on request, cached per data snapshot.

use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};

use super::ogc::{pairs, respond};
use super::{ApiError, AppState};
use crate::plot::{self, Format, PlotError, PlotKind, PlotRequest};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/plots/{name}", web::get().to(plot_route));
}

impl From<PlotError> for ApiError {
    fn from(e: PlotError) -> ApiError {
        match e {
            PlotError::BadRequest(m) => ApiError::bad_request(m),
            // The server cannot draw text: say which package is missing, as a 503 (a set-up
            // problem of this server, not a fault of the request).
            PlotError::Font(m) => ApiError {
                status: StatusCode::SERVICE_UNAVAILABLE,
                detail: m,
            },
            e => ApiError::internal(e.to_string()),
        }
    }
}

async fn plot_route(
    req: HttpRequest,
    name: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (kind, ext) = name.rsplit_once('.').ok_or_else(|| {
        ApiError::not_found(format!(
            "plot `{name}`: use /plots/KIND.png or /plots/KIND.svg"
        ))
    })?;
    let kind = PlotKind::parse(kind).map_err(|e| ApiError::not_found(e.to_string()))?;
    let format = Format::parse(ext).map_err(|e| ApiError::not_acceptable(e.to_string()))?;
    let p = pairs(&req)?;
    let request = PlotRequest::from_query(kind, format, &p)?;
    let served = state.snapshot();
    let key = request.cache_key();
    let cached = served
        .plots
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&key)
        .cloned();
    let bytes = match cached {
        Some(b) => b,
        None => {
            let fonts = state.fonts()?;
            let permit = state
                .plot_slots
                .clone()
                .acquire_owned()
                .await
                .map_err(|e| ApiError::internal(e.to_string()))?;
            let served2 = served.clone();
            let fonts = fonts.clone();
            let bytes = web::block(move || {
                let _permit = permit;
                plot::render(&served2.atlas, &request, &fonts)
            })
            .await
            .map_err(|e| ApiError::internal(format!("plot task failed: {e}")))??;
            let bytes = Bytes::from(bytes);
            let mut cache = served.plots.lock().unwrap_or_else(|e| e.into_inner());
            // A simple bound: plots are a few hundred KB; start afresh past 200 entries.
            if cache.len() >= 200 {
                cache.clear();
            }
            cache.insert(key, bytes.clone());
            bytes
        }
    };
    Ok(respond(&req, &served, format.content_type(), bytes))
}
