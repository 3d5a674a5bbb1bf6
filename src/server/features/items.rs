//! `/collections/{id}/items` and `/collections/{id}/items/{fid}`: pages of features, filtered,
//! sorted and reprojected, as GeoJSON or CSV.

use actix_web::http::header::{self, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Map, Value};

use super::super::html::{respond_html, Link};
use super::super::http::{
    base_url, content_crs, get, link, negotiate_html, only_params, page_key, pairs, respond,
    Format, CSV, GEOJSON, JSON,
};
use super::super::layer::find_layer;
use super::super::{ApiError, AppState};
use super::selection::{parse_items_query, select, ItemsQuery};
use super::MAX_LIMIT;
use crate::crs::{self, Crs};
use crate::layers::{self, LayerFeature, DEFAULT_PRECISION};

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
        .map_err(|e| ApiError::from(e).for_param("crs"))
}

fn url_with(base: &str, path: &str, pairs: &[(String, String)], set: &[(&str, String)]) -> String {
    let mut out: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| !set.iter().any(|(s, _)| s == k))
        .cloned()
        .collect();
    out.extend(set.iter().map(|(k, v)| (k.to_string(), v.clone())));
    let enc = |s: &str| super::super::http::url_component(s);
    let qs: Vec<String> = out
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect();
    format!("{base}{path}?{}", qs.join("&"))
}

/// The GeoJSON a page's map draws: the page's request as JSON, in longitude and latitude
/// whatever `crs` the page was asked in (it changes the coordinates, not which features).
fn map_data_url(base: &str, path: &str, pairs: &[(String, String)]) -> String {
    let mut set = vec![("f", "json".to_string())];
    if get(pairs, "crs").is_some() {
        set.push(("crs", Crs::CRS84_URI.to_string()));
    }
    url_with(base, path, pairs, &set)
}

pub(super) async fn items(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let p = pairs(&req)?;
    let served = state.snapshot();
    let layer = find_layer(&served, &path)?;
    let q = parse_items_query(&req, layer, &p)?;
    let idx = select(layer, &q);
    if let Format::Download(d) = q.format {
        return Ok(super::download::respond(
            &req, &served, layer, idx, &q, d, &p,
        ));
    }
    let matched = idx.len() as u64;
    let start = q.offset.min(matched) as usize;
    let end = (q.offset.saturating_add(q.limit)).min(matched) as usize;
    let page = &idx[start..end];
    if q.format == Format::Csv {
        let body = super::csv::csv_body(layer, page, &q)?;
        let mut resp = respond(&req, &served, "text/csv; charset=utf-8", body);
        let (k, v) = content_crs(q.crs);
        resp.headers_mut().insert(k, v);
        resp.headers_mut().insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&format!("attachment; filename=\"{}.csv\"", layer.id))
                .expect("ascii"),
        );
        return Ok(resp);
    }
    let base = base_url(&req);
    let path_s = format!("/collections/{}/items", layer.id);
    if q.format == Format::Html {
        let mut paging = Vec::new();
        if q.offset > 0 {
            let prev = q
                .offset
                .saturating_sub(q.limit)
                .min(matched.saturating_sub(1));
            paging.push(Link::new(
                url_with(
                    &base,
                    &path_s,
                    &p,
                    &[("offset", prev.to_string()), ("limit", q.limit.to_string())],
                ),
                "Previous page",
            ));
        }
        if (end as u64) < matched {
            paging.push(Link::new(
                url_with(
                    &base,
                    &path_s,
                    &p,
                    &[("offset", end.to_string()), ("limit", q.limit.to_string())],
                ),
                "Next page",
            ));
        }
        paging.push(Link::new(
            url_with(&base, &path_s, &p, &[("f", "json".into())]),
            "This page as GeoJSON",
        ));
        paging.push(Link::new(
            url_with(&base, &path_s, &p, &[("f", "csv".into())]),
            "This page as CSV",
        ));
        let feats: Vec<&LayerFeature> = page.iter().map(|&i| &layer.features[i]).collect();
        let mut html = super::pages::items(
            layer,
            &base,
            &feats,
            matched,
            start as u64,
            paging,
            &q.sel.properties,
        );
        html.map = super::pages::feature_map(&served, &base, map_data_url(&base, &path_s, &p));
        return respond_html(&req, &served, &html);
    }
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
            CSV,
            "This page as CSV",
        ),
        link(
            url_with(&base, &path_s, &p, &[("f", "html".into())]),
            "alternate",
            "text/html",
            "This page as HTML",
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
    let make = || -> Result<Bytes, ApiError> {
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
        // No `timeStamp` (optional in OGC API - Features): the page is cached and sent by any
        // replica, so a generation time would be stale or differ between replicas. The data version
        // is in the `Data-Version` header and the ETag.
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
        Ok(body.into())
    };
    // Features in the stored form are copied; a property selection, another CRS or precision
    // re-serialises every geometry (milliseconds for counties), so that page is kept.
    let stored_form =
        q.crs == Crs::Crs84 && q.precision == DEFAULT_PRECISION && q.sel.properties.is_none();
    let body = if stored_form {
        make()?
    } else {
        state
            .cache
            .page(&served.version, &page_key(&req, q.format), make)?
    };
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

pub(super) async fn item(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let p = pairs(&req)?;
    only_params(&p, &["f", "crs", "properties", "precision"])?;
    let format = negotiate_html(&req, get(&p, "f"), false)?;
    let served = state.snapshot();
    let (cid, fid) = path.into_inner();
    let layer = find_layer(&served, &cid)?;
    let edits = state.edits.as_ref().filter(|_| cid == "sites");
    let i = layer.feature_index(&fid).ok_or_else(|| {
        if edits.is_some_and(|e| e.is_retired(&fid)) {
            ApiError::new(
                actix_web::http::StatusCode::GONE,
                format!("site `{fid}` was retired (see /collections/sites/items/{fid}/history)"),
            )
        } else {
            ApiError::not_found(format!("no feature `{fid}` in collection `{cid}`"))
        }
    })?;
    let q = parse_items_query(&req, layer, &p)?;
    let f = &layer.features[i];
    let base = base_url(&req);
    if format == Format::Html {
        let mut page = super::pages::item(layer, &base, f);
        let item_path = format!(
            "/collections/{cid}/items/{}",
            super::super::http::url_component(&fid)
        );
        page.map = super::pages::feature_map(&served, &base, map_data_url(&base, &item_path, &p));
        return respond_html(&req, &served, &page);
    }
    let text = feature_text(f, &q)?;
    let fid_enc = super::super::http::url_component(&fid);
    let links = json!([
        link(
            format!("{base}/collections/{cid}/items/{fid_enc}"),
            "self",
            GEOJSON,
            "This feature"
        ),
        link(
            format!("{base}/collections/{cid}/items/{fid_enc}?f=html"),
            "alternate",
            "text/html",
            "This feature as HTML"
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
    // An edited collection tags each feature by its version: the If-Match of a write.
    if let Some(tag) = edits.and_then(|e| e.etag(&fid)) {
        if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&tag) {
            resp.headers_mut().insert(actix_web::http::header::ETAG, v);
        }
    }
    Ok(resp)
}
