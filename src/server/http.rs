//! HTTP helpers every API part shares: content negotiation, links, the base URL, query
//! parameters, and conditional (ETag) responses. Imports no API part.

use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::encoding;
use super::negotiation;
use super::query;
use super::{ApiError, AppState, Served};
use crate::crs::Crs;

pub const GEOJSON: &str = "application/geo+json";
pub const JSON: &str = "application/json";
pub const CSV: &str = "text/csv";
pub const OPENAPI: &str = "application/vnd.oai.openapi+json;version=3.0";

/// Output format asked for by `f` or the Accept header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    /// An HTML page (resources that have one: [`negotiate_html`]).
    Html,
    /// A file download (GeoPackage, FlatGeobuf, GeoParquet) of the whole selection.
    Download(crate::export::ExportFormat),
}

/// Media types answered with JSON, in the server's order of preference. Browsers asking for
/// text/html get JSON, which they display.
const JSON_TYPES: [&str; 5] = [
    GEOJSON,
    JSON,
    "application/problem+json",
    "application/vnd.oai.openapi+json",
    "application/schema+json",
];
const HTML: &str = "text/html";

/// Reads `f` (json, geojson, csv) or negotiates from Accept (q-values, wildcards); `f`
/// overrides Accept. Nothing acceptable is 406, listing what is offered.
pub fn negotiate(req: &HttpRequest, f: Option<&str>, allow_csv: bool) -> Result<Format, ApiError> {
    negotiate_formats(req, f, allow_csv, false)
}

/// As [`negotiate`], for a resource that also has an HTML page: `f=html`, or an Accept that
/// prefers text/html (a browser), answers [`Format::Html`].
pub fn negotiate_html(
    req: &HttpRequest,
    f: Option<&str>,
    allow_csv: bool,
) -> Result<Format, ApiError> {
    negotiate_formats(req, f, allow_csv, true)
}

fn negotiate_formats(
    req: &HttpRequest,
    f: Option<&str>,
    allow_csv: bool,
    allow_html: bool,
) -> Result<Format, ApiError> {
    match f.map(|s| s.to_ascii_lowercase()) {
        Some(f) if f == "json" || f == "geojson" => return Ok(Format::Json),
        Some(f) if f == "csv" && allow_csv => return Ok(Format::Csv),
        Some(f) if f == "html" && allow_html => return Ok(Format::Html),
        Some(f) => {
            let allowed = match (allow_csv, allow_html) {
                (true, true) => "json, geojson, csv, html",
                (true, false) => "json, geojson, csv",
                (false, true) => "json, html",
                (false, false) => "json",
            };
            return Err(ApiError::not_acceptable(format!(
                "format f={f} is not offered here; use one of: {allowed}"
            )));
        }
        None => {}
    }
    // CSV goes before text/html: html is only answered (with JSON) for browsers that name it,
    // while `text/*` asks for a text format and CSV is the one text format offered.
    let mut offers = JSON_TYPES.to_vec();
    if allow_csv {
        offers.push(CSV);
    }
    offers.push(HTML);
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    match negotiation::choose(accept, &offers) {
        Some(CSV) => Ok(Format::Csv),
        Some(HTML) if allow_html => Ok(Format::Html),
        Some(_) => Ok(Format::Json),
        None => {
            let offered: &[&'static str] = if allow_csv {
                &[GEOJSON, JSON, CSV]
            } else {
                &[GEOJSON, JSON]
            };
            Err(ApiError::not_acceptable(format!(
                "cannot produce any of the media types in Accept: {}; offered: {}",
                accept.unwrap_or(""),
                offered.join(", ")
            ))
            .offering(offered))
        }
    }
}

/// The service's base URL as the client sees it (scheme and host of the request).
pub fn base_url(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

/// Characters escaped in a URL path segment or query value: all but RFC 3986's unreserved ones
/// (letters, digits, `-`, `.`, `_`, `~`), so ids like `xj-yiwu-acc` stay readable in links.
const COMPONENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `s` percent-encoded for a path segment or a query value.
pub fn url_component(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, COMPONENT).to_string()
}

/// What a computed response depends on besides the snapshot: the base URL its links use, the
/// path and query as sent, and the negotiated format (a key of [`super::cache::RenderCache::page`]).
pub fn page_key(req: &HttpRequest, format: Format) -> String {
    format!("{} {} {format:?}", base_url(req), req.uri())
}

/// The query parameter that pins a URL to a data version (`?v=...`): tiles and plots asked for
/// with the current version are cached for a year (`immutable`), since their content cannot
/// change under that URL.
pub const VERSION_PARAM: &str = "v";

/// The header that names the data version a response was made from.
pub const DATA_VERSION_HEADER: &str = "data-version";

const SHORT_CACHE: &str = "public, max-age=60, must-revalidate";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// `true` when the request's `v` names the data version being served.
pub fn versioned(req: &HttpRequest, served: &Served) -> bool {
    query::parse_pairs(req.query_string())
        .map(|p| get(&p, VERSION_PARAM) == Some(served.version.as_str()))
        .unwrap_or(false)
}

/// The ETag of `body`: the data version and a hash of the content, the same on every replica.
pub fn etag(version: &str, content_type: &str, body: &[u8]) -> String {
    format!(
        "W/\"{version}-{:016x}\"",
        encoding::content_hash(content_type, body)
    )
}

/// Answers 304 when the client's `If-None-Match` names the current ETag, else the body in the
/// best coding the client accepts (compressed once per content, see [`send`]). Cacheable for a
/// minute, or a year when the URL carries the current data version (`v`).
pub fn respond(
    req: &HttpRequest,
    served: &Served,
    content_type: &str,
    body: impl Into<Bytes>,
) -> HttpResponse {
    let body = body.into();
    let tag = etag(&served.version, content_type, &body);
    let cache = if versioned(req, served) {
        IMMUTABLE
    } else {
        SHORT_CACHE
    };
    let mut r = send(req, content_type, body, &tag, cache);
    let headers = r.headers_mut();
    headers.insert(
        header::HeaderName::from_static(DATA_VERSION_HEADER),
        HeaderValue::from_str(&served.version).unwrap_or(HeaderValue::from_static("unknown")),
    );
    if let Ok(link) = HeaderValue::from_str(&format!(
        "<{}/data-version>; rel=\"describedby\"; type=\"application/json\"",
        base_url(req)
    )) {
        headers.insert(header::LINK, link);
    }
    r
}

/// A streamed body (a download written while it is sent): it cannot be hashed before it is
/// sent, so its ETag is the data version with a hash of the request (path and query) and the
/// media type, which is the same on every replica; 304 when `If-None-Match` names it. Sent
/// as it is written (the formats are compressed already, or binary).
pub fn respond_stream<B: actix_web::body::MessageBody + 'static>(
    req: &HttpRequest,
    served: &Served,
    content_type: &str,
    body: B,
) -> HttpResponse {
    let uri = req.uri().to_string();
    let tag = etag(&served.version, content_type, uri.as_bytes());
    let matches = req
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .any(|v| negotiation::none_match_hits(v, &tag));
    let mut b = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    b.insert_header((header::ETAG, tag))
        .insert_header((header::CACHE_CONTROL, SHORT_CACHE))
        .insert_header((
            header::HeaderName::from_static(DATA_VERSION_HEADER),
            HeaderValue::from_str(&served.version).unwrap_or(HeaderValue::from_static("unknown")),
        ));
    if matches {
        return b.finish();
    }
    b.insert_header((header::CONTENT_TYPE, content_type))
        .body(body)
}

/// A cacheable body with its ETag and `Cache-Control`: 304 when `If-None-Match` names the tag,
/// else the body in the coding chosen from `Accept-Encoding`, taken from (or put in) the render
/// cache's compressed bodies, so each content is compressed once, not per request.
pub fn send(
    req: &HttpRequest,
    content_type: &str,
    body: Bytes,
    etag: &str,
    cache_control: &str,
) -> HttpResponse {
    let matches = req
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .any(|v| negotiation::none_match_hits(v, etag));
    let mut b = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    b.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache_control))
        .insert_header((header::VARY, "Accept, Accept-Encoding"));
    if matches {
        return b.finish();
    }
    let coding = if encoding::compressible(content_type) && !body.is_empty() {
        encoding::choose(req)
    } else {
        encoding::Coding::Identity
    };
    let body = match coding.token() {
        None => body,
        Some(token) => {
            b.insert_header((header::CONTENT_ENCODING, token));
            match req.app_data::<actix_web::web::Data<AppState>>() {
                Some(state) => state.cache.encoded(etag, token, || coding.compress(&body)),
                None => coding.compress(&body),
            }
        }
    };
    b.insert_header((header::CONTENT_TYPE, content_type))
        .body(body)
}

/// The `Content-Crs` header of a response in `crs`.
pub fn content_crs(crs: Crs) -> (header::HeaderName, HeaderValue) {
    (
        header::HeaderName::from_static("content-crs"),
        HeaderValue::from_str(&format!("<{}>", crs.uri())).expect("URI is ASCII"),
    )
}

pub fn pairs(req: &HttpRequest) -> Result<Vec<(String, String)>, ApiError> {
    Ok(query::parse_pairs(req.query_string())?)
}

pub fn only_params(pairs: &[(String, String)], allowed: &[&str]) -> Result<(), ApiError> {
    for (k, _) in pairs {
        if !allowed.contains(&k.as_str()) {
            return Err(ApiError::bad_request(format!(
                "unknown parameter `{k}`; this resource accepts: {}",
                allowed.join(", ")
            )));
        }
    }
    Ok(())
}

pub fn get<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The checks of a metadata document: only `f`, and JSON acceptable.
pub fn json_only(req: &HttpRequest) -> Result<(), ApiError> {
    let p = pairs(req)?;
    only_params(&p, &["f"])?;
    negotiate(req, get(&p, "f"), false)?;
    Ok(())
}

/// The checks of a metadata document that also has an HTML page: only `f`; JSON or HTML.
pub fn json_or_html(req: &HttpRequest) -> Result<Format, ApiError> {
    let p = pairs(req)?;
    only_params(&p, &["f"])?;
    negotiate_html(req, get(&p, "f"), false)
}

pub fn link(href: String, rel: &str, ty: &str, title: &str) -> Value {
    json!({"href": href, "rel": rel, "type": ty, "title": title})
}

/// A JSON value as a CSV cell: null is empty, text as is, numbers and booleans as JSON writes
/// them. Text starting with `=`, `+`, `-`, `@`, tab or carriage return is prefixed with `'`, so
/// a spreadsheet shows it as text instead of running it as a formula (text comes from data and
/// editors; numbers never pass through here as text, so negative figures are untouched).
pub fn csv_cell(v: Option<&serde_json::Value>) -> String {
    use serde_json::Value;
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) if s.starts_with(['=', '+', '-', '@', '\t', '\r']) => {
            format!("'{s}")
        }
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn formulas_become_text_and_numbers_stay_numbers() {
        let cell = |v: serde_json::Value| super::csv_cell(Some(&v));
        assert_eq!(
            cell(json!("=HYPERLINK(\"http://x\")")),
            "'=HYPERLINK(\"http://x\")"
        );
        for s in ["+1", "-1+1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(cell(json!(s)), format!("'{s}"));
        }
        assert_eq!(cell(json!("Yiwu County")), "Yiwu County");
        assert_eq!(cell(json!(-12.5)), "-12.5");
        assert_eq!(cell(json!(null)), "");
        assert_eq!(super::csv_cell(None), "");
    }
}
