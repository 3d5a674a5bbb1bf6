//! `/plots/{kind}.{png|svg}`: report plots rendered on request, cached per data snapshot.

use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};

use super::cache::Rendered;
use super::http::{link, pairs, respond, VERSION_PARAM};
use super::oas::{param, Paths};
use super::{ApiError, AppState};
use crate::plot::{self, Format, PlotError, PlotKind, PlotRequest};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/plots/{name}", web::get().to(plot_route));
}

/// The plots on the landing page.
pub fn links(base: &str) -> Vec<serde_json::Value> {
    vec![link(
        format!("{base}/plots/choropleth.png"),
        "related",
        "image/png",
        "Plots for reports (also top-counties, compute-vs-power, province-power, timeline, power-balance; .png or .svg)",
    )]
}

/// One path per plot kind and format, with the parameters that kind takes.
pub fn openapi_paths(paths: &mut Paths) {
    use serde_json::json;
    let describe = |p: &str| -> (&'static str, serde_json::Value) {
        match p {
            "width" | "height" => ("Size in pixels", json!({"type": "integer"})),
            "scale" => ("Pixel ratio (2 for print)", json!({"type": "number"})),
            "lang" => ("Labels", json!({"type": "string", "enum": ["en", "zh"]})),
            "title" => ("A title of your own", json!({"type": "string"})),
            "metric" => ("A metric of /analytics/metrics", json!({"type": "string"})),
            "province" => ("Only this province", json!({"type": "string"})),
            "breaks" => (
                "Class breaks",
                json!({"type": "string", "enum": ["quantile", "jenks"]}),
            ),
            "top" => (
                "Number of counties",
                json!({"type": "integer", "minimum": 1}),
            ),
            "level" => ("Units plotted", json!({"type": "string"})),
            "by" => (
                "Period",
                json!({"type": "string", "enum": ["month", "quarter", "year"]}),
            ),
            "pue" => (
                "Power usage effectiveness instead of the sourced range",
                json!({"type": "number"}),
            ),
            "utilisation" => (
                "Average draw as a share of maximum instead of the sourced range",
                json!({"type": "number"}),
            ),
            _ => ("", json!({"type": "string"})),
        }
    };
    for kind in PlotKind::ALL {
        let params: Vec<serde_json::Value> = ["width", "height", "scale", "lang", "title"]
            .iter()
            .chain(kind.parameters())
            .map(|p| {
                let (description, schema) = describe(p);
                param(p, description, schema)
            })
            .collect();
        for (ext, media) in [("png", "image/png"), ("svg", "image/svg+xml")] {
            paths.insert(
                format!("/plots/{}.{ext}", kind.as_str()),
                json!({"get": {"summary": format!("The {} plot as {}", kind.as_str(), ext.to_uppercase()),
                    "operationId": format!("getPlot{}{}", kind.as_str().replace('-', ""), ext),
                    "parameters": params,
                    "responses": {"200": {"description": "The plot", "content": {media: {"schema": {"type": "string", "format": "binary"}}}},
                        "400": {"description": "A parameter is malformed or does not apply to this kind"}}}}),
            );
        }
    }
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
