use std::sync::Arc;

use actix_web::http::{header, StatusCode};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde_json::json;

use crate::crs::CrsError;

/// An error answer: status plus a message saying what was wrong, written as RFC 7807 problem
/// details JSON. The error it came from is kept as its source, for the log.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{detail}")]
pub struct ApiError {
    pub status: StatusCode,
    pub detail: String,
    /// Media types the resource offers, listed in a 406 answer.
    pub offered: Vec<&'static str>,
    /// Where in a CQL2 filter the error lies (written as `position` in the body).
    pub filter_position: Option<Box<serde_json::Value>>,
    #[source]
    pub source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            detail: detail.into(),
            offered: Vec::new(),
            filter_position: None,
            source: None,
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, detail)
    }

    pub fn not_acceptable(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_ACCEPTABLE, detail)
    }

    pub fn internal(detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, detail)
    }

    /// Keeps `cause` as the source of this answer.
    pub fn caused_by(mut self, cause: impl std::error::Error + Send + Sync + 'static) -> ApiError {
        self.source = Some(Arc::new(cause));
        self
    }

    /// Names the parameter the error is about: `crs: unsupported CRS ...`.
    pub fn for_param(mut self, name: &str) -> ApiError {
        self.detail = format!("{name}: {}", self.detail);
        self
    }

    /// Lists the media types offered (in a 406 body).
    pub fn offering(mut self, offered: &[&'static str]) -> ApiError {
        self.offered = offered.to_vec();
        self
    }
}

impl From<super::query::QueryError> for ApiError {
    fn from(e: super::query::QueryError) -> ApiError {
        ApiError::bad_request(e.0.clone()).caused_by(e)
    }
}

impl From<CrsError> for ApiError {
    fn from(e: CrsError) -> ApiError {
        ApiError::bad_request(e.to_string()).caused_by(e)
    }
}

impl From<crate::filter::FilterError> for ApiError {
    fn from(e: crate::filter::FilterError) -> ApiError {
        let mut a = ApiError::bad_request(format!("filter: {e}"));
        a.filter_position = e.position().map(|p| Box::new(p.to_json()));
        a.caused_by(e)
    }
}

impl From<csv::Error> for ApiError {
    fn from(e: csv::Error) -> ApiError {
        ApiError::internal(format!("writing CSV failed: {e}")).caused_by(e)
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> ApiError {
        ApiError::internal(format!("background task failed: {e}")).caused_by(e)
    }
}

impl From<tokio::sync::AcquireError> for ApiError {
    fn from(e: tokio::sync::AcquireError) -> ApiError {
        ApiError::internal(e.to_string()).caused_by(e)
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> ApiError {
        ApiError::internal(format!("writing JSON failed: {e}")).caused_by(e)
    }
}

impl From<std::string::FromUtf8Error> for ApiError {
    fn from(e: std::string::FromUtf8Error) -> ApiError {
        ApiError::internal(e.to_string()).caused_by(e)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if self.status.is_server_error() {
            match &self.source {
                Some(cause) => {
                    tracing::error!("{}: {} (cause: {cause:?})", self.status, self.detail);
                }
                None => tracing::error!("{}: {}", self.status, self.detail),
            }
        }
        let mut body = json!({
            "type": "about:blank",
            "title": self.status.canonical_reason().unwrap_or("Error"),
            "status": self.status.as_u16(),
            "detail": self.detail,
        });
        if !self.offered.is_empty() {
            body["offered"] = json!(self.offered);
        }
        if let Some(p) = &self.filter_position {
            body["position"] = (**p).clone();
        }
        let mut res = HttpResponse::build(self.status);
        res.insert_header((header::CONTENT_TYPE, "application/problem+json"));
        if self.status == StatusCode::UNAUTHORIZED {
            // RFC 6750: a 401 names the scheme the client should use.
            res.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"compute-atlas\""));
        }
        res.body(body.to_string())
    }
}

pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found(format!(
        "no resource at {}; start at / (landing page) or /collections",
        req.path()
    )))
}
