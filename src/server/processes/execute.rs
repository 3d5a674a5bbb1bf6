//! `POST /processes/locate/execution`: the body (CSV, GeoJSON, GeoParquet) is read as it
//! arrives and the located rows are written back as they are made. The response starts once
//! the input's header (or schema) has been accepted, so a missing column is still a 400; an
//! error after that (a row limit, an upload growing past the limit, a malformed feature) cuts
//! the body short and is recorded in the job.

use std::io::{Cursor, Read, Write};

use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::Value;

use super::super::http::{base_url, get, only_params, pairs};
use super::super::stream::{self, ChannelBody, TooLarge};
use super::super::{ApiError, AppState};
use super::jobs;
use crate::locate::{self, LocateError, LocateOptions, Locator, PointFormat};

/// Largest JSON execute request read whole (inline inputs are for small jobs; large ones go
/// as raw bodies, which are streamed).
const MAX_JSON_REQUEST: u64 = 256 << 20;

fn parse_bool(name: &str, v: Option<&str>) -> Result<bool, ApiError> {
    match v {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(v) => Err(ApiError::bad_request(format!(
            "{name} is true or false, got {v:?}"
        ))),
    }
}

fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "the request body is larger than this server's limit of {limit} bytes ({} MB; serve --max-upload-mb); split the input",
            limit >> 20
        ),
    )
}

fn from_locate(e: LocateError, limit: u64) -> ApiError {
    if let LocateError::Io(io) = &e {
        if io.get_ref().is_some_and(|i| i.is::<TooLarge>()) {
            return too_large(limit);
        }
    }
    if let LocateError::Csv(c) = &e {
        if let csv::ErrorKind::Io(io) = c.kind() {
            if io.get_ref().is_some_and(|i| i.is::<TooLarge>()) {
                return too_large(limit);
            }
        }
    }
    if e.is_client_error() {
        ApiError::bad_request(e.to_string()).caused_by(e)
    } else {
        ApiError::internal(e.to_string()).caused_by(e)
    }
}

/// An OGC execute request (`{"inputs": {...}}`): the points as bytes in their format, and the
/// options given as inputs.
fn execute_request(
    doc: &Value,
    opts: &mut LocateOptions,
) -> Result<(PointFormat, Vec<u8>), ApiError> {
    let inputs = doc["inputs"]
        .as_object()
        .ok_or_else(|| ApiError::bad_request("inputs must be an object"))?;
    for (k, v) in inputs {
        match k.as_str() {
            "points" => {}
            "lon_column" | "lat_column" => {
                let s = v
                    .as_str()
                    .ok_or_else(|| ApiError::bad_request(format!("{k} is a string")))?;
                if k == "lon_column" {
                    opts.lon_column = s.into();
                } else {
                    opts.lat_column = s.into();
                }
            }
            "nearest" => {
                opts.nearest = v
                    .as_bool()
                    .ok_or_else(|| ApiError::bad_request("nearest is true or false"))?;
            }
            other => {
                return Err(ApiError::bad_request(format!(
                    "unknown input `{other}`; locate takes points, lon_column, lat_column, nearest"
                )))
            }
        }
    }
    let points = inputs
        .get("points")
        .ok_or_else(|| ApiError::bad_request("the input `points` is missing"))?;
    if points.get("href").is_some() {
        return Err(ApiError::bad_request(
            "points by reference (href) are not fetched; send them inline or as the request body",
        ));
    }
    if points["type"] == "FeatureCollection" {
        return Ok((PointFormat::GeoJson, points.to_string().into_bytes()));
    }
    let value = &points["value"];
    let media = points["mediaType"].as_str().unwrap_or("");
    match (value, PointFormat::from_media_type(media)) {
        (Value::String(s), Some(PointFormat::Csv)) => Ok((PointFormat::Csv, s.clone().into_bytes())),
        (Value::Object(_), Some(PointFormat::GeoJson) | None) if value["type"] == "FeatureCollection" => {
            Ok((PointFormat::GeoJson, value.to_string().into_bytes()))
        }
        _ => Err(ApiError::bad_request(
            "points: give a GeoJSON FeatureCollection, or {\"value\": \"<CSV text>\", \"mediaType\": \"text/csv\"}; GeoParquet goes as the request body (Content-Type: application/vnd.apache.parquet)",
        )),
    }
}

pub async fn execute(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let p = pairs(&req)?;
    only_params(&p, &["lon_column", "lat_column", "nearest", "f"])?;
    let limits = state.processes.clone();
    let permit = limits.slots.clone().try_acquire_owned().map_err(|_| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "{} locate executions are running, the most this server runs at once; retry in a moment",
                limits.concurrency
            ),
        )
    })?;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.max_body) {
        return Err(too_large(limits.max_body));
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut format = PointFormat::from_media_type(content_type).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "Content-Type {content_type:?} is not offered; send text/csv, application/geo+json, application/vnd.apache.parquet, or an execute request as application/json"
            ),
        )
    })?;
    let mut opts = LocateOptions {
        lon_column: get(&p, "lon_column").unwrap_or("lon").to_string(),
        lat_column: get(&p, "lat_column").unwrap_or("lat").to_string(),
        nearest: parse_bool("nearest", get(&p, "nearest"))?,
        max_rows: limits.max_rows,
    };
    let is_json_doc = content_type
        .split(';')
        .next()
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
    let reader: Box<dyn Read + Send> = if is_json_doc {
        let limit = limits.max_body.min(MAX_JSON_REQUEST);
        let bytes = payload
            .to_bytes_limited(limit as usize)
            .await
            .map_err(|_| too_large(limit))?
            .map_err(|e| ApiError::bad_request(format!("reading the body failed: {e}")))?;
        let doc: Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::bad_request(format!("the body is not JSON: {e}")))?;
        if doc.get("inputs").is_some() {
            let (f, data) = execute_request(&doc, &mut opts)?;
            format = f;
            Box::new(Cursor::new(data))
        } else {
            Box::new(Cursor::new(bytes))
        }
    } else {
        Box::new(stream::pump(payload, limits.max_body))
    };
    if let Some(f) = get(&p, "f") {
        match PointFormat::parse(f) {
            Some(o) if o == format => {}
            Some(o) => {
                return Err(ApiError::bad_request(format!(
                "f={}: the output is written in the input's format ({}); converting is not offered",
                o.name(),
                format.name()
            )))
            }
            None => {
                return Err(ApiError::bad_request(format!(
                    "f={f}: use csv, geojson or parquet (the input's format)"
                )))
            }
        }
    }
    let served = state.snapshot();
    let job = jobs::start();
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel::<Result<(), LocateError>>();
    let (mut writer, body) = ChannelBody::channel();
    let job_id = job.clone();
    actix_web::rt::task::spawn_blocking(move || {
        let _permit = permit;
        let loc = Locator::new(&served.atlas, opts);
        let mut ready_tx = Some(ready_tx);
        let result = locate::run(&loc, format, reader, &mut writer, &mut || {
            if let Some(tx) = ready_tx.take() {
                let _ = tx.send(Ok(()));
            }
        });
        match result {
            Ok(summary) => {
                let ended = writer.flush();
                drop(writer);
                match ended {
                    Ok(()) => jobs::finish(&job_id, Ok(&summary)),
                    Err(e) => jobs::finish(&job_id, Err(format!("sending failed: {e}"))),
                }
            }
            Err(e) => {
                let msg = e.to_string();
                jobs::finish(&job_id, Err(msg.clone()));
                match ready_tx.take() {
                    Some(tx) => {
                        let _ = tx.send(Err(e));
                    }
                    None => writer.fail(std::io::Error::other(msg)),
                }
            }
        }
    });
    match ready_rx.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(from_locate(e, limits.max_body)),
        Err(_) => {
            return Err(ApiError::internal(
                "the execution stopped before it started",
            ))
        }
    }
    let media = match format {
        PointFormat::Csv => "text/csv; charset=utf-8",
        f => f.media_type(),
    };
    let monitor = format!(
        "<{}/jobs/{job}>; rel=\"monitor\"; type=\"application/json\"",
        base_url(&req)
    );
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, media))
        .insert_header((header::LINK, monitor))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}
