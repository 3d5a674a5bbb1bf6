//! OGC API - Processes, Part 1: one process, `locate`, run synchronously on users' own points
//! (CSV, GeoJSON or GeoParquet bodies, streamed in and out; see `crate::locate`). Each
//! execution is also a job whose status document (`/jobs/{jobId}`, linked from the response
//! with rel `monitor`) holds the summary once the body has been written: rows, located,
//! outside, bad.

mod execute;
mod jobs;
mod pages;

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::html::respond_html;
use super::http::{base_url, json_or_html, link, respond, Format, JSON};
use super::oas::{html_page, Paths};
use super::{ApiError, AppState};

pub const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/ogc-process-description",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/json",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/oas30",
];

const REL_PROCESSES: &str = "http://www.opengis.net/def/rel/ogc/1.0/processes";
const REL_EXECUTE: &str = "http://www.opengis.net/def/rel/ogc/1.0/execute";
const HTML: &str = "text/html";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/processes", web::get().to(processes))
        .route("/processes/locate", web::get().to(locate_description))
        .route(
            "/processes/locate/execution",
            web::post().to(execute::execute),
        )
        .route("/jobs/{id}", web::get().to(jobs::status));
}

/// The landing page's link to this part.
pub fn links(base: &str) -> Vec<Value> {
    vec![link(
        format!("{base}/processes"),
        REL_PROCESSES,
        JSON,
        "Processes: locate your own points in the atlas's counties",
    )]
}

fn summary(base: &str) -> Value {
    json!({
        "id": "locate",
        "title": "Locate points in counties",
        "description": "Adds to each point of a CSV, GeoJSON or GeoParquet input the county (adcode and name), prefecture and province it falls in (empty outside the twelve western provinces), and optionally the nearest operating plant of each fuel and the nearest site with geodesic distances. Input and output are streamed; rows with bad coordinates are kept and marked in `error` with their line (`error_line`).",
        "version": "1.0.0",
        "jobControlOptions": ["sync-execute"],
        "outputTransmission": ["value"],
        "links": [
            link(format!("{base}/processes/locate"), "self", JSON, "The process description"),
            link(format!("{base}/processes/locate?f=html"), "alternate", HTML, "The process description as HTML"),
            link(format!("{base}/processes/locate/execution"), REL_EXECUTE, JSON, "Execute the process (POST)"),
        ],
    })
}

/// The process description (OGC process description JSON).
pub fn description(base: &str) -> Value {
    let mut d = summary(base);
    let point_formats = json!({"oneOf": [
        {"type": "string", "contentMediaType": "text/csv"},
        {"allOf": [{"format": "geojson-feature-collection"}, {"type": "object"}], "contentMediaType": "application/geo+json"},
        {"type": "string", "contentEncoding": "binary", "contentMediaType": "application/vnd.apache.parquet"},
    ]});
    d["inputs"] = json!({
        "points": {
            "title": "Points",
            "description": "The points: a CSV with a header (longitude and latitude columns named by lon_column and lat_column, WGS84 degrees), a GeoJSON FeatureCollection of Points, or a GeoParquet file (WKB Points) or Parquet file with lon/lat columns. Sent as the request body with its Content-Type (text/csv, application/geo+json, application/vnd.apache.parquet), or inline in an execute request (application/json) as {\"value\": \"...\", \"mediaType\": \"text/csv\"} or a FeatureCollection.",
            "minOccurs": 1, "maxOccurs": 1,
            "schema": point_formats,
        },
        "lon_column": {"title": "Longitude column", "description": "CSV/Parquet column of longitudes; the default also finds longitude, lng, long, x.", "minOccurs": 0, "maxOccurs": 1, "schema": {"type": "string", "default": "lon"}},
        "lat_column": {"title": "Latitude column", "description": "CSV/Parquet column of latitudes; the default also finds latitude, y.", "minOccurs": 0, "maxOccurs": 1, "schema": {"type": "string", "default": "lat"}},
        "nearest": {"title": "Nearest plant and site", "description": "Also add the nearest operating plant of each fuel (nearest_<fuel>_plant, _plant_id, _km) and the nearest site (nearest_site, nearest_site_km), geodesic km.", "minOccurs": 0, "maxOccurs": 1, "schema": {"type": "boolean", "default": false}},
    });
    d["outputs"] = json!({
        "located": {
            "title": "Located points",
            "description": "The input rows, their columns first, then county_adcode, county, prefecture, province (empty outside the atlas's area), the nearest columns if asked for, and error, error_line (empty for good rows). Same format as the input. The summary (rows, located, outside, bad) is in the job document linked with rel=monitor, and in GeoJSON also as the member `summary`.",
            "schema": point_formats,
        }
    });
    d
}

async fn processes(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let format = json_or_html(&req)?;
    let served = state.snapshot();
    let base = base_url(&req);
    let body = json!({
        "processes": [summary(&base)],
        "links": [
            link(format!("{base}/processes"), "self", JSON, "The processes"),
            link(format!("{base}/processes?f=html"), "alternate", HTML, "The processes as HTML"),
        ],
    });
    if format == Format::Html {
        return respond_html(&req, &served, &pages::processes(&base, &body));
    }
    Ok(respond(&req, &served, JSON, body.to_string()))
}

async fn locate_description(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let format = json_or_html(&req)?;
    let served = state.snapshot();
    let base = base_url(&req);
    let d = description(&base);
    if format == Format::Html {
        return respond_html(&req, &served, &pages::process(&base, &d));
    }
    Ok(respond(&req, &served, JSON, d.to_string()))
}

/// The paths of this part in the OpenAPI document.
pub fn openapi_paths(paths: &mut Paths) {
    paths.insert(
        "/processes".into(),
        html_page("The processes", "getProcesses"),
    );
    paths.insert(
        "/processes/locate".into(),
        html_page(
            "Description of the locate process",
            "getProcessDescription-locate",
        ),
    );
    let problem =
        json!({"application/problem+json": {"schema": {"$ref": "#/components/schemas/problem"}}});
    let bodies = json!({
        "text/csv": {"schema": {"type": "string"}},
        "application/geo+json": {"schema": {"type": "object"}},
        "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
        "application/json": {"schema": {"type": "object", "description": "OGC execute request: {\"inputs\": {\"points\": ..., \"lon_column\": ..., \"nearest\": ...}}"}},
    });
    let param = |name: &str, d: &str, schema: Value| json!({"name": name, "in": "query", "required": false, "description": d, "schema": schema});
    paths.insert(
        "/processes/locate/execution".into(),
        json!({"post": {
            "summary": "Locate points in counties (synchronous, streamed)",
            "operationId": "execute-locate",
            "parameters": [
                param("lon_column", "CSV/Parquet longitude column", json!({"type": "string", "default": "lon"})),
                param("lat_column", "CSV/Parquet latitude column", json!({"type": "string", "default": "lat"})),
                param("nearest", "Add the nearest plant of each fuel and the nearest site", json!({"type": "boolean", "default": false})),
            ],
            "requestBody": {"required": true, "content": bodies},
            "responses": {
                "200": {"description": "The located rows, in the input's format; header Link rel=monitor names the job holding the summary", "content": bodies},
                "400": {"description": "Malformed input or parameter", "content": problem},
                "413": {"description": "Body larger than the configured limit", "content": problem},
                "415": {"description": "Content-Type not offered", "content": problem},
                "503": {"description": "Too many executions at once; retry", "content": problem},
            },
        }}),
    );
    paths.insert(
        "/jobs/{jobId}".into(),
        json!({"get": {"summary": "Status and summary of an execution", "operationId": "getStatus",
            "parameters": [{"name": "jobId", "in": "path", "required": true, "schema": {"type": "string"}},
                {"name": "f", "in": "query", "required": false, "description": "Output format: the statusInfo JSON or an HTML page", "schema": {"type": "string", "enum": ["json", "html"]}}],
            "responses": {"200": {"description": "statusInfo", "content": {"application/json": {"schema": {"type": "object"}}, "text/html": {"schema": {"type": "string"}}}},
                          "404": {"description": "No such job (jobs are kept for the last 1,000 executions)", "content": problem}}}}),
    );
}
