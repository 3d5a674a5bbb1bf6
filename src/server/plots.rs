//! `/plots/{kind}.{png|svg}`: report plots rendered on request, cached per data snapshot.

use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};

use super::cache::Rendered;
use super::http::{pairs, respond, VERSION_PARAM};
use super::{ApiError, AppState};
use crate::plot::{self, Format, PlotError, PlotKind, PlotRequest};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/plots/{name}", web::get().to(plot_route));
}

impl From<PlotError> for ApiError {
    fn from(e: PlotError) -> ApiError {
        match e {
            PlotError::BadRequest(ref m) => ApiError::bad_request(m.clone()).caused_by(e),
            // The server cannot draw text: say which package is missing, as a 503 (a set-up
            // problem of this server, not a fault of the request).
            PlotError::Font(ref m) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, m.clone()).caused_by(e)
            }
            e => ApiError::internal(e.to_string()).caused_by(e),
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
    let mut p = pairs(&req)?;
    // `v` pins the URL to a data version (see `http::respond`); it does not change the plot.
    p.retain(|(k, _)| k != VERSION_PARAM);
    let request = PlotRequest::from_query(kind, format, &p)?;
    let served = state.snapshot();
    let key = request.cache_key();
    let render = async {
        let fonts = state.fonts()?.clone();
        let permit = state.plot_slots.clone().acquire_owned().await?;
        let snapshot = served.clone();
        let plot = web::block(move || {
            let _permit = permit;
            plot::render(&snapshot.atlas, &request, &fonts)
        })
        .await??;
        Ok(Bytes::from(plot))
    };
    let bytes = state
        .cache
        .get_or_render(Rendered::Plot, &served.version, &key, render)
        .await?;
    Ok(respond(&req, &served, format.content_type(), bytes))
}
