//! The jobs of the locate process: one per execution, kept in memory for the last
//! [`KEPT`] executions, with the OGC statusInfo document and the summary once finished.

use std::collections::VecDeque;
use std::sync::Mutex;

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::super::html::respond_html;
use super::super::http::{base_url, json_or_html, link, Format, JSON};
use super::super::{ApiError, AppState};
use crate::locate::Summary;

/// Jobs remembered.
const KEPT: usize = 1000;

#[derive(Debug, Clone)]
struct Job {
    id: String,
    status: &'static str,
    message: String,
    created: String,
    finished: Option<String>,
    summary: Option<Summary>,
}

fn jobs() -> &'static Mutex<VecDeque<Job>> {
    static JOBS: std::sync::OnceLock<Mutex<VecDeque<Job>>> = std::sync::OnceLock::new();
    JOBS.get_or_init(|| Mutex::new(VecDeque::new()))
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Registers a running execution and returns its id.
pub fn start() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let id = format!("locate-{}-{n}", chrono::Utc::now().format("%Y%m%dT%H%M%S"));
    let mut j = jobs().lock().unwrap_or_else(|p| p.into_inner());
    if j.len() >= KEPT {
        j.pop_front();
    }
    j.push_back(Job {
        id: id.clone(),
        status: "running",
        message: "locating; the summary is here when the response body has been written".into(),
        created: now(),
        finished: None,
        summary: None,
    });
    id
}

/// Records how an execution ended.
pub fn finish(id: &str, result: Result<&Summary, String>) {
    let mut j = jobs().lock().unwrap_or_else(|p| p.into_inner());
    if let Some(job) = j.iter_mut().find(|x| x.id == id) {
        job.finished = Some(now());
        match result {
            Ok(s) => {
                job.status = "successful";
                job.message = format!(
                    "{} rows: {} located, {} outside the atlas's area, {} with bad coordinates",
                    s.rows, s.located, s.outside, s.bad
                );
                job.summary = Some(s.clone());
            }
            Err(e) => {
                job.status = "failed";
                job.message = e;
            }
        }
    }
}

pub async fn status(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let format = json_or_html(&req)?;
    let id = path.into_inner();
    let job = jobs()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .find(|x| x.id == id)
        .cloned()
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "no job `{id}` (the last {KEPT} executions are kept)"
            ))
        })?;
    let base = base_url(&req);
    let mut body = json!({
        "jobID": job.id,
        "processID": "locate",
        "type": "process",
        "status": job.status,
        "message": job.message,
        "created": job.created,
        "started": job.created,
        "updated": job.finished.clone().unwrap_or_else(|| job.created.clone()),
        "links": [
            link(format!("{base}/jobs/{}", job.id), "self", JSON, "This job"),
            link(format!("{base}/jobs/{}?f=html", job.id), "alternate", "text/html", "This job as HTML"),
        ],
    });
    if let Some(f) = &job.finished {
        body["finished"] = json!(f);
        body["progress"] = json!(100);
    }
    if let Some(s) = &job.summary {
        body["summary"] = serde_json::to_value(s)?;
    }
    // A job changes until it ends: no caching.
    if format == Format::Html {
        let mut page = respond_html(&req, &state.snapshot(), &super::pages::job(&base, &body))?;
        page.headers_mut().insert(
            actix_web::http::header::CACHE_CONTROL,
            actix_web::http::header::HeaderValue::from_static("no-store"),
        );
        return Ok(page);
    }
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .content_type(JSON)
        .body(Value::to_string(&body)))
}
