//! OGC API - Features, Part 1 (Core, GeoJSON, OpenAPI 3.0) and Part 2 (CRS by reference).

use std::cmp::Ordering;
use std::hash::{Hash, Hasher};

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Map, Value};

use super::query::{self, Interval, SortKey};
use super::{ApiError, AppState, Served};
use crate::crs::{self, Crs};
use crate::layers::{
    self, FeatureGeometry, GeometryKind, Layer, LayerFeature, PropType, DEFAULT_PRECISION,
};

pub const GEOJSON: &str = "application/geo+json";
pub const JSON: &str = "application/json";
pub const OPENAPI: &str = "application/vnd.oai.openapi+json;version=3.0";
pub const DEFAULT_LIMIT: u64 = 100;
pub const MAX_LIMIT: u64 = 10_000;
/// Beyond this an offset cannot match anything (and is probably a mistake).
pub const MAX_OFFSET: u64 = 10_000_000;

pub const CONFORMANCE: [&str; 5] = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(landing))
        .route("/conformance", web::get().to(conformance))
        .route("/api", web::get().to(api))
        .route("/collections", web::get().to(collections))
        .route("/collections/{id}", web::get().to(collection))
        .route("/collections/{id}/queryables", web::get().to(queryables))
        .route("/collections/{id}/items", web::get().to(items))
        .route("/collections/{id}/items/{fid}", web::get().to(item));
}

/// Output format asked for by `f` or the Accept header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
}

/// Reads `f` (json, geojson, csv) or negotiates from Accept; anything else is 406.
pub fn negotiate(req: &HttpRequest, f: Option<&str>, allow_csv: bool) -> Result<Format, ApiError> {
    match f.map(|s| s.to_ascii_lowercase()) {
        Some(f) if f == "json" || f == "geojson" => return Ok(Format::Json),
        Some(f) if f == "csv" && allow_csv => return Ok(Format::Csv),
        Some(f) => {
            let allowed = if allow_csv {
                "json, geojson, csv"
            } else {
                "json"
            };
            return Err(ApiError::not_acceptable(format!(
                "format f={f} is not offered here; use one of: {allowed}"
            )));
        }
        None => {}
    }
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("*/*");
    let accepted = accept.split(',').any(|m| {
        let m = m
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        m.is_empty()
            || m == "*/*"
            || m == "application/*"
            || m == "application/json"
            || m == "application/geo+json"
            || m == "application/problem+json"
            || m == "text/html" // browsers get JSON, which they display
            || m == "application/vnd.oai.openapi+json"
            || (allow_csv && m == "text/csv")
    });
    if !accepted {
        return Err(ApiError::not_acceptable(format!(
            "cannot produce any of the media types in Accept: {accept}; offered: application/geo+json, application/json{}",
            if allow_csv { ", text/csv" } else { "" }
        )));
    }
    if allow_csv && accept.trim().to_ascii_lowercase().starts_with("text/csv") {
        return Ok(Format::Csv);
    }
    Ok(Format::Json)
}

/// The service's base URL as the client sees it (scheme and host of the request).
pub fn base_url(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

fn etag_for(served: &Served, req: &HttpRequest) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    req.path().hash(&mut h);
    req.query_string().hash(&mut h);
    format!("W/\"{}-{:016x}\"", served.version, h.finish())
}

/// Answers 304 when the client's `If-None-Match` matches, else sets ETag and caching headers.
pub fn respond<B: actix_web::body::MessageBody + 'static>(
    req: &HttpRequest,
    served: &Served,
    content_type: &str,
    body: B,
) -> HttpResponse {
    let etag = etag_for(served, req);
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut b = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    b.insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, "public, max-age=60, must-revalidate"));
    if matches {
        return b.finish();
    }
    b.insert_header((header::CONTENT_TYPE, content_type))
        .body(body)
}

pub(crate) fn pairs(req: &HttpRequest) -> Result<Vec<(String, String)>, ApiError> {
    Ok(query::parse_pairs(req.query_string())?)
}

pub(crate) fn only_params(pairs: &[(String, String)], allowed: &[&str]) -> Result<(), ApiError> {
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

pub(crate) fn get<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

pub(crate) fn link(href: String, rel: &str, ty: &str, title: &str) -> Value {
    json!({"href": href, "rel": rel, "type": ty, "title": title})
}

async fn landing(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let p = pairs(&req)?;
    if p.is_empty() && super::webmap::wants_html(&req) {
        return super::webmap::map().await;
    }
    only_params(&p, &["f"])?;
    negotiate(&req, get(&p, "f"), false)?;
    let served = state.snapshot();
    let base = base_url(&req);
    let body = json!({
        "title": "compute-atlas",
        "description": "AI computing sites in western China set against power plants and renewable bases: a cited dataset served as OGC API - Features. Unknown figures are null, never zero.",
        "links": [
            link(format!("{base}/"), "self", JSON, "This document"),
            link(format!("{base}/api"), "service-desc", OPENAPI, "The API definition (OpenAPI 3.0)"),
            link(format!("{base}/map"), "service-doc", "text/html", "The web map"),
            link(format!("{base}/conformance"), "conformance", JSON, "Conformance classes implemented"),
            link(format!("{base}/collections"), "data", JSON, "The collections"),
            link(format!("{base}/tileMatrixSets"), "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes", JSON, "Tile matrix sets of the vector tiles"),
        ],
        "attribution": attribution(&served),
    });
    Ok(respond(&req, &served, JSON, body.to_string()))
}

fn attribution(served: &Served) -> String {
    let mut v: Vec<&str> = served
        .layers
        .iter()
        .map(|l| l.attribution.as_str())
        .collect();
    v.dedup();
    v.join(" · ")
}

async fn conformance(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let p = pairs(&req)?;
    only_params(&p, &["f"])?;
    negotiate(&req, get(&p, "f"), false)?;
    let served = state.snapshot();
    Ok(respond(
        &req,
        &served,
        JSON,
        json!({"conformsTo": CONFORMANCE.iter().chain(super::tiles::CONFORMANCE.iter()).collect::<Vec<_>>()}).to_string(),
    ))
}

async fn api(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let p = pairs(&req)?;
    only_params(&p, &["f"])?;
    negotiate(&req, get(&p, "f"), false)?;
    let served = state.snapshot();
    let doc = super::openapi::document(&served, &base_url(&req));
    Ok(respond(&req, &served, OPENAPI, doc.to_string()))
}

fn collection_json(layer: &Layer, base: &str) -> Value {
    let id = layer.id;
    let mut extent = Map::new();
    if let Some(e) = layer.extent {
        extent.insert(
            "spatial".into(),
            json!({"bbox": [e], "crs": Crs::CRS84_URI}),
        );
    }
    if let Some((a, b)) = layer.temporal_extent {
        extent.insert(
            "temporal".into(),
            json!({"interval": [[format!("{a}T00:00:00Z"), format!("{b}T23:59:59Z")]], "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}),
        );
    }
    let mut v = json!({
        "id": id,
        "title": layer.title,
        "description": layer.description,
        "attribution": layer.attribution,
        "itemType": "feature",
        "crs": Crs::supported_uris(),
        "storageCrs": Crs::CRS84_URI,
        "links": [
            link(format!("{base}/collections/{id}"), "self", JSON, "This collection"),
            link(format!("{base}/collections/{id}/items?f=json"), "items", GEOJSON, "Items as GeoJSON"),
            link(format!("{base}/collections/{id}/items?f=csv"), "items", "text/csv", "Items as CSV"),
            link(format!("{base}/collections/{id}/queryables"), "http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json", "Queryable properties"),
        ],
    });
    if let Some(links) = v["links"].as_array_mut() {
        links.extend(super::tiles::collection_links(layer, base));
        links.extend(layer.related.iter().map(|r| {
            link(
                format!("{base}{}", r.path),
                "related",
                r.media_type,
                r.title,
            )
        }));
    }
    if !extent.is_empty() {
        v["extent"] = Value::Object(extent);
    }
    v
}

async fn collections(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let p = pairs(&req)?;
    only_params(&p, &["f"])?;
    negotiate(&req, get(&p, "f"), false)?;
    let served = state.snapshot();
    let base = base_url(&req);
    let body = json!({
        "links": [link(format!("{base}/collections"), "self", JSON, "The collections")],
        "crs": Crs::supported_uris(),
        "collections": served.layers.iter().map(|l| collection_json(l, &base)).collect::<Vec<_>>(),
    });
    Ok(respond(&req, &served, JSON, body.to_string()))
}

pub(crate) fn find_layer<'a>(served: &'a Served, id: &str) -> Result<&'a Layer, ApiError> {
    served.layer(id).ok_or_else(|| {
        let ids: Vec<&str> = served.layers.iter().map(|l| l.id).collect();
        let hint = if id == "power-plants" {
            " (no power-plant files were given at start-up: run with --plants FILE)"
        } else {
            ""
        };
        ApiError::not_found(format!(
            "no collection `{id}`{hint}; collections: {}",
            ids.join(", ")
        ))
    })
}

async fn collection(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let p = pairs(&req)?;
    only_params(&p, &["f"])?;
    negotiate(&req, get(&p, "f"), false)?;
    let served = state.snapshot();
    let layer = find_layer(&served, &path)?;
    Ok(respond(
        &req,
        &served,
        JSON,
        collection_json(layer, &base_url(&req)).to_string(),
    ))
}

/// JSON schema of a layer's properties (all of them, or only the queryable ones).
pub fn schema(layer: &Layer, queryable_only: bool, base: &str) -> Value {
    let mut props = Map::new();
    if layer.geometry != GeometryKind::None && !queryable_only {
        props.insert(
            "geometry".into(),
            json!({"format": format!("geometry-{}", layer.geometry.name().to_ascii_lowercase()), "x-ogc-role": "primary-geometry"}),
        );
    }
    for pd in layer
        .properties
        .iter()
        .filter(|p| p.queryable || !queryable_only)
    {
        props.insert(
            pd.name.into(),
            json!({"type": [pd.kind.json_type(), "null"], "title": pd.name, "description": pd.description}),
        );
    }
    json!({
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": format!("{base}/collections/{}/queryables", layer.id),
        "type": "object",
        "title": layer.title,
        "properties": props,
        "additionalProperties": false,
    })
}

async fn queryables(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let p = pairs(&req)?;
    only_params(&p, &["f"])?;
    negotiate(&req, get(&p, "f"), false)?;
    let served = state.snapshot();
    let layer = find_layer(&served, &path)?;
    Ok(respond(
        &req,
        &served,
        "application/schema+json",
        schema(layer, true, &base_url(&req)).to_string(),
    ))
}

/// Everything an items request asks for, validated.
struct ItemsQuery {
    format: Format,
    limit: u64,
    clamped_from: Option<u64>,
    offset: u64,
    bbox: Option<geo_types::Rect<f64>>,
    crs: Crs,
    sel: Selection,
    sortby: Vec<SortKey>,
    precision: u8,
}

/// What a request keeps of a layer besides its box: a date interval, property values, and
/// which properties it returns. Shared by items and tiles.
pub(crate) struct Selection {
    pub datetime: Option<Interval>,
    pub properties: Option<Vec<String>>,
    pub filters: Vec<(String, String)>,
}

impl Selection {
    /// Whether a feature passes the date and property filters.
    pub fn keeps(&self, f: &LayerFeature) -> bool {
        let time_ok = self
            .datetime
            .is_none_or(|iv| f.period.is_some_and(|(a, b)| iv.overlaps(a, b)));
        time_ok
            && self
                .filters
                .iter()
                .all(|(k, v)| matches_filter(f.properties.get(k), v))
    }
}

const ITEMS_PARAMS: [&str; 10] = [
    "f",
    "limit",
    "offset",
    "bbox",
    "bbox-crs",
    "crs",
    "datetime",
    "properties",
    "sortby",
    "precision",
];

fn parse_items_query(
    req: &HttpRequest,
    layer: &Layer,
    p: &[(String, String)],
) -> Result<ItemsQuery, ApiError> {
    for (k, _) in p {
        if !ITEMS_PARAMS.contains(&k.as_str()) && !layer.property(k).is_some_and(|d| d.queryable) {
            let q: Vec<&str> = layer
                .properties
                .iter()
                .filter(|d| d.queryable)
                .map(|d| d.name)
                .collect();
            return Err(ApiError::bad_request(format!(
                "unknown parameter `{k}`; items accept {} and the queryable properties of `{}`: {}",
                ITEMS_PARAMS.join(", "),
                layer.id,
                q.join(", ")
            )));
        }
    }
    let format = negotiate(req, get(p, "f"), true)?;
    let (limit, clamped_from) = match get(p, "limit") {
        None => (DEFAULT_LIMIT, None),
        Some(v) => {
            let n = query::parse_uint("limit", v, 1, u64::MAX)?;
            if n > MAX_LIMIT {
                (MAX_LIMIT, Some(n))
            } else {
                (n, None)
            }
        }
    };
    let offset = get(p, "offset")
        .map(|v| query::parse_uint("offset", v, 0, MAX_OFFSET))
        .transpose()?
        .unwrap_or(0);
    let crs = get(p, "crs")
        .map(Crs::parse)
        .transpose()
        .map_err(|e| ApiError::bad_request(format!("crs: {e}")))?
        .unwrap_or(Crs::Crs84);
    let bbox_crs = get(p, "bbox-crs")
        .map(Crs::parse)
        .transpose()
        .map_err(|e| ApiError::bad_request(format!("bbox-crs: {e}")))?;
    if bbox_crs.is_some() && get(p, "bbox").is_none() {
        return Err(ApiError::bad_request("bbox-crs is given without bbox"));
    }
    let bbox = match get(p, "bbox") {
        None => None,
        Some(v) => {
            let c = bbox_crs.unwrap_or(Crs::Crs84);
            Some(query::parse_bbox(v, c)?.to_crs84(c)?)
        }
    };
    let sel = parse_selection(layer, p)?;
    let sortby = match get(p, "sortby") {
        None => Vec::new(),
        Some(v) => {
            let keys = query::parse_sortby(v)?;
            for k in &keys {
                if layer.property(&k.property).is_none() {
                    return Err(ApiError::bad_request(format!(
                        "sortby: `{}` is not a property of `{}`",
                        k.property, layer.id
                    )));
                }
            }
            keys
        }
    };
    let precision = match get(p, "precision") {
        None => DEFAULT_PRECISION,
        Some(v) => query::parse_uint("precision", v, 0, 9)? as u8,
    };
    Ok(ItemsQuery {
        format,
        limit,
        clamped_from,
        offset,
        bbox,
        crs,
        sel,
        sortby,
        precision,
    })
}

/// Parses `datetime`, `properties` and the queryable property filters of a request.
pub(crate) fn parse_selection(
    layer: &Layer,
    p: &[(String, String)],
) -> Result<Selection, ApiError> {
    let datetime = match get(p, "datetime") {
        None => None,
        Some(v) => {
            if layer.temporal_property.is_none() {
                return Err(ApiError::bad_request(format!(
                    "collection `{}` has no date property; datetime applies to sites (reported_date) and power-plants (start_year)",
                    layer.id
                )));
            }
            Some(query::parse_datetime(v)?)
        }
    };
    let properties = match get(p, "properties") {
        None => None,
        Some(v) => {
            let names: Vec<String> = v
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            for n in &names {
                if layer.property(n).is_none() {
                    return Err(ApiError::bad_request(format!(
                        "properties: `{n}` is not a property of `{}`",
                        layer.id
                    )));
                }
            }
            Some(names)
        }
    };
    let mut filters = Vec::new();
    for (k, v) in p {
        if let Some(d) = layer.property(k).filter(|d| d.queryable) {
            match d.kind {
                PropType::Boolean if !matches!(v.as_str(), "true" | "false") => {
                    return Err(ApiError::bad_request(format!(
                        "`{k}` is a boolean: use true or false"
                    )));
                }
                PropType::Integer | PropType::Number
                    if v.parse::<f64>().map_or(true, |x| !x.is_finite()) =>
                {
                    return Err(ApiError::bad_request(format!(
                        "`{k}` is a number, got {v:?}"
                    )));
                }
                _ => {}
            }
            filters.push((k.clone(), v.clone()));
        }
    }
    Ok(Selection {
        datetime,
        properties,
        filters,
    })
}

fn matches_filter(value: Option<&Value>, wanted: &str) -> bool {
    match value {
        Some(Value::String(s)) => s.eq_ignore_ascii_case(wanted),
        Some(Value::Number(n)) => n
            .as_f64()
            .zip(wanted.parse::<f64>().ok())
            .is_some_and(|(a, b)| a == b),
        Some(Value::Bool(b)) => b.to_string() == wanted,
        _ => false,
    }
}

fn cmp_values(a: Option<&Value>, b: Option<&Value>) -> Ordering {
    match (a, b) {
        (Some(Value::Number(x)), Some(Value::Number(y))) => x
            .as_f64()
            .unwrap_or(0.0)
            .total_cmp(&y.as_f64().unwrap_or(0.0)),
        (Some(Value::String(x)), Some(Value::String(y))) => x.cmp(y),
        (Some(Value::Bool(x)), Some(Value::Bool(y))) => x.cmp(y),
        // Nulls sort last whichever the direction (handled by the caller).
        _ => Ordering::Equal,
    }
}

fn is_null(v: Option<&Value>) -> bool {
    matches!(v, None | Some(Value::Null))
}

/// Indexes of the layer's features that satisfy the query, in output order.
fn select(layer: &Layer, q: &ItemsQuery) -> Vec<usize> {
    let mut idx: Vec<usize> = match q.bbox {
        None => (0..layer.features.len()).collect(),
        Some(b) => layer.features_in(b),
    };
    idx.retain(|&i| q.sel.keeps(&layer.features[i]));
    if !q.sortby.is_empty() {
        idx.sort_by(|&a, &b| {
            for k in &q.sortby {
                let (va, vb) = (
                    layer.features[a].properties.get(&k.property),
                    layer.features[b].properties.get(&k.property),
                );
                let o = match (is_null(va), is_null(vb)) {
                    (true, true) => Ordering::Equal,
                    (true, false) => Ordering::Greater,
                    (false, true) => Ordering::Less,
                    _ => {
                        let o = cmp_values(va, vb);
                        if k.descending {
                            o.reverse()
                        } else {
                            o
                        }
                    }
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
            a.cmp(&b)
        });
    }
    idx
}

fn selected_props(f: &LayerFeature, names: &Option<Vec<String>>) -> Map<String, Value> {
    match names {
        None => f.properties.clone(),
        Some(names) => names
            .iter()
            .filter_map(|n| f.properties.get(n).map(|v| (n.clone(), v.clone())))
            .collect(),
    }
}

fn feature_text(f: &LayerFeature, q: &ItemsQuery) -> Result<String, ApiError> {
    if q.crs == Crs::Crs84 && q.precision == DEFAULT_PRECISION && q.sel.properties.is_none() {
        return Ok(f.json.clone());
    }
    let props = selected_props(f, &q.sel.properties);
    let crs = q.crs;
    let precision = if crs.is_geographic() {
        q.precision
    } else {
        q.precision.saturating_sub(5).max(1)
    };
    layers::feature_json(f, &props, precision, &mut |c| crs::from_crs84(crs, c))
        .map_err(|e| ApiError::bad_request(format!("crs: {e}")))
}

fn url_with(base: &str, path: &str, pairs: &[(String, String)], set: &[(&str, String)]) -> String {
    let mut out: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| !set.iter().any(|(s, _)| s == k))
        .cloned()
        .collect();
    out.extend(set.iter().map(|(k, v)| (k.to_string(), v.clone())));
    let enc = |s: &str| {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    let qs: Vec<String> = out
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect();
    format!("{base}{path}?{}", qs.join("&"))
}

fn content_crs(crs: Crs) -> (header::HeaderName, HeaderValue) {
    (
        header::HeaderName::from_static("content-crs"),
        HeaderValue::from_str(&format!("<{}>", crs.uri())).expect("URI is ASCII"),
    )
}

async fn items(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let p = pairs(&req)?;
    let served = state.snapshot();
    let layer = find_layer(&served, &path)?;
    let q = parse_items_query(&req, layer, &p)?;
    let idx = select(layer, &q);
    let matched = idx.len() as u64;
    let start = q.offset.min(matched) as usize;
    let end = (q.offset.saturating_add(q.limit)).min(matched) as usize;
    let page = &idx[start..end];
    if q.format == Format::Csv {
        let body = csv_body(layer, page, &q)?;
        let mut resp = respond(&req, &served, "text/csv; charset=utf-8", body);
        resp.headers_mut()
            .insert(content_crs(q.crs).0, content_crs(q.crs).1);
        resp.headers_mut().insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&format!("attachment; filename=\"{}.csv\"", layer.id))
                .expect("ascii"),
        );
        return Ok(resp);
    }
    let base = base_url(&req);
    let path_s = format!("/collections/{}/items", layer.id);
    let mut links = vec![
        link(
            url_with(&base, &path_s, &p, &[]),
            "self",
            GEOJSON,
            "This page",
        ),
        link(
            url_with(&base, &path_s, &p, &[("f", "csv".into())]),
            "alternate",
            "text/csv",
            "This page as CSV",
        ),
        link(
            format!("{base}/collections/{}", layer.id),
            "collection",
            JSON,
            "The collection",
        ),
    ];
    if (end as u64) < matched {
        links.push(link(
            url_with(
                &base,
                &path_s,
                &p,
                &[("offset", end.to_string()), ("limit", q.limit.to_string())],
            ),
            "next",
            GEOJSON,
            "Next page",
        ));
    }
    if q.offset > 0 {
        let prev = q
            .offset
            .saturating_sub(q.limit)
            .min(matched.saturating_sub(1));
        links.push(link(
            url_with(
                &base,
                &path_s,
                &p,
                &[("offset", prev.to_string()), ("limit", q.limit.to_string())],
            ),
            "prev",
            GEOJSON,
            "Previous page",
        ));
    }
    let mut body = String::with_capacity(
        page.iter()
            .map(|&i| layer.features[i].json.len() + 1)
            .sum::<usize>()
            + 1024,
    );
    body.push_str("{\"type\":\"FeatureCollection\",\"features\":[");
    for (n, &i) in page.iter().enumerate() {
        if n > 0 {
            body.push(',');
        }
        body.push_str(&feature_text(&layer.features[i], &q)?);
    }
    body.push_str("],\"numberMatched\":");
    body.push_str(&matched.to_string());
    body.push_str(",\"numberReturned\":");
    body.push_str(&page.len().to_string());
    body.push_str(",\"timeStamp\":");
    body.push_str(
        &json!(served
            .built_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .to_string(),
    );
    body.push_str(",\"links\":");
    body.push_str(&Value::Array(links).to_string());
    if let Some(n) = q.clamped_from {
        body.push_str(",\"notes\":");
        body.push_str(
            &json!([format!(
                "limit={n} exceeds the maximum of {MAX_LIMIT}; {MAX_LIMIT} was used"
            )])
            .to_string(),
        );
    }
    body.push('}');
    let mut resp = respond(&req, &served, GEOJSON, body);
    let (k, v) = content_crs(q.crs);
    resp.headers_mut().insert(k, v);
    if let Some(n) = q.clamped_from {
        resp.headers_mut().insert(
            header::WARNING,
            HeaderValue::from_str(&format!(
                "199 compute-atlas \"limit {n} clamped to {MAX_LIMIT}\""
            ))
            .expect("ascii"),
        );
    }
    Ok(resp)
}

fn csv_body(layer: &Layer, page: &[usize], q: &ItemsQuery) -> Result<String, ApiError> {
    let names: Vec<String> = match &q.sel.properties {
        Some(n) => n.clone(),
        None => layer
            .properties
            .iter()
            .map(|p| p.name.to_string())
            .collect(),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = vec!["feature_id".into()];
    header.extend(names.iter().cloned());
    match layer.geometry {
        GeometryKind::Point => {
            let (a, b) = if q.crs.lat_first() {
                ("lat", "lon")
            } else if q.crs.is_geographic() {
                ("lon", "lat")
            } else {
                ("x", "y")
            };
            header.push(a.into());
            header.push(b.into());
        }
        GeometryKind::MultiPolygon => header.push("wkt".into()),
        GeometryKind::None => {}
    }
    let csv_err = |e: csv::Error| ApiError::internal(format!("writing CSV failed: {e}"));
    w.write_record(&header).map_err(csv_err)?;
    for &i in page {
        let f = &layer.features[i];
        let mut rec: Vec<String> = vec![f.id.clone()];
        for n in &names {
            rec.push(match f.properties.get(n) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(v) => v.to_string(),
            });
        }
        match &f.geometry {
            FeatureGeometry::Point(x, y) => {
                let mut c = [(*x, *y)];
                crs::from_crs84(q.crs, &mut c)
                    .map_err(|e| ApiError::bad_request(format!("crs: {e}")))?;
                let mut s = String::new();
                layers::write_num(&mut s, c[0].0, q.precision);
                rec.push(s.clone());
                s.clear();
                layers::write_num(&mut s, c[0].1, q.precision);
                rec.push(s);
            }
            FeatureGeometry::MultiPolygon(_) => {
                let mut g = String::new();
                let crs = q.crs;
                layers::write_geometry(&mut g, &f.geometry, q.precision, &mut |c| {
                    crs::from_crs84(crs, c)
                })
                .map_err(|e| ApiError::bad_request(format!("crs: {e}")))?;
                rec.push(geojson_to_wkt(&g).map_err(|e| {
                    ApiError::internal(format!("writing WKT of `{}` failed: {e}", f.id))
                })?);
            }
            FeatureGeometry::None => {}
        }
        w.write_record(&rec).map_err(csv_err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| ApiError::internal(format!("writing CSV failed: {e}")))?;
    String::from_utf8(bytes).map_err(|e| ApiError::internal(e.to_string()))
}

/// WKT of the GeoJSON geometry text written by `write_geometry`, so that the CSV carries the
/// same rounded coordinates as the GeoJSON. The text is read back (each number parses to the
/// value it was printed from, and geozero prints it the same way) and written by geozero's
/// WKT writer.
fn geojson_to_wkt(g: &str) -> Result<String, String> {
    use geozero::ToWkt;
    let geometry: geojson::Geometry = g.parse().map_err(|e| format!("{e}"))?;
    let geometry = geo_types::Geometry::<f64>::try_from(geometry).map_err(|e| format!("{e}"))?;
    geometry.to_wkt().map_err(|e| format!("{e}"))
}

async fn item(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let p = pairs(&req)?;
    only_params(&p, &["f", "crs", "properties", "precision"])?;
    negotiate(&req, get(&p, "f"), false)?;
    let served = state.snapshot();
    let (cid, fid) = path.into_inner();
    let layer = find_layer(&served, &cid)?;
    let i = layer
        .feature_index(&fid)
        .ok_or_else(|| ApiError::not_found(format!("no feature `{fid}` in collection `{cid}`")))?;
    let q = parse_items_query(&req, layer, &p)?;
    let f = &layer.features[i];
    let text = feature_text(f, &q)?;
    let base = base_url(&req);
    let fid_enc =
        percent_encoding::utf8_percent_encode(&fid, percent_encoding::NON_ALPHANUMERIC).to_string();
    let links = json!([
        link(
            format!("{base}/collections/{cid}/items/{fid_enc}"),
            "self",
            GEOJSON,
            "This feature"
        ),
        link(
            format!("{base}/collections/{cid}"),
            "collection",
            JSON,
            "The collection"
        ),
    ]);
    // Insert the links before the closing brace of the feature object.
    let body = format!("{},\"links\":{}}}", &text[..text.len() - 1], links);
    let mut resp = respond(&req, &served, GEOJSON, body);
    let (k, v) = content_crs(q.crs);
    resp.headers_mut().insert(k, v);
    Ok(resp)
}

#[cfg(test)]
mod tests {
    #[test]
    fn wkt_from_geojson_text() {
        let g = "{\"type\":\"MultiPolygon\",\"coordinates\":[[[[0,0],[1,0],[1,1],[0,0]]]]}";
        assert_eq!(
            super::geojson_to_wkt(g).unwrap(),
            "MULTIPOLYGON(((0 0,1 0,1 1,0 0)))"
        );
        // A hole, a second polygon and rounded decimals keep their digits as written.
        let g = "{\"type\":\"MultiPolygon\",\"coordinates\":[[[[94.6881,43.25],[96,43.25],[96,44.125],[94.6881,43.25]],[[95,43.5],[95.5,43.5],[95.5,43.75],[95,43.5]]],[[[-1.5,0],[0,0],[0,1],[-1.5,0]]]]}";
        assert_eq!(
            super::geojson_to_wkt(g).unwrap(),
            "MULTIPOLYGON(((94.6881 43.25,96 43.25,96 44.125,94.6881 43.25),(95 43.5,95.5 43.5,95.5 43.75,95 43.5)),((-1.5 0,0 0,0 1,-1.5 0)))"
        );
        // No polygon at all is valid WKT too (the hand-written converter gave a bare keyword).
        let g = "{\"type\":\"MultiPolygon\",\"coordinates\":[]}";
        assert_eq!(super::geojson_to_wkt(g).unwrap(), "MULTIPOLYGON EMPTY");
    }
}
