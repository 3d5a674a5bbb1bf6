//! What an items request asks for (format, page, box, CRS, selection, order) and the features
//! it selects: shared by the page encoders (GeoJSON, CSV, HTML) and the downloads, which
//! import it and not each other.

use std::cmp::Ordering;

use actix_web::http::header;
use actix_web::HttpRequest;
use serde_json::Value;

use super::super::http::{get, negotiate_html, Format, CSV, GEOJSON, JSON};
use super::super::layer::{parse_selection, Selection, FILTER_PARAMS};
use super::super::negotiation;
use super::super::query::{self, SortKey};
use super::super::ApiError;
use super::{DEFAULT_LIMIT, MAX_LIMIT, MAX_OFFSET};
use crate::crs::Crs;
use crate::export::ExportFormat;
use crate::layers::{Layer, DEFAULT_PRECISION};

/// Everything an items request asks for, validated.
pub(super) struct ItemsQuery {
    pub(super) format: Format,
    pub(super) limit: u64,
    pub(super) clamped_from: Option<u64>,
    pub(super) offset: u64,
    pub(super) bbox: Option<geo_types::Rect<f64>>,
    pub(super) crs: Crs,
    pub(super) sel: Selection,
    pub(super) sortby: Vec<SortKey>,
    pub(super) precision: u8,
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

pub(super) fn parse_items_query(
    req: &HttpRequest,
    layer: &Layer,
    p: &[(String, String)],
) -> Result<ItemsQuery, ApiError> {
    for (k, _) in p {
        if !ITEMS_PARAMS.contains(&k.as_str())
            && !FILTER_PARAMS.contains(&k.as_str())
            && !layer.property(k).is_some_and(|d| d.queryable)
        {
            let q: Vec<&str> = layer
                .properties
                .iter()
                .filter(|d| d.queryable)
                .map(|d| d.name)
                .collect();
            return Err(ApiError::bad_request(format!(
                "unknown parameter `{k}`; items accept {}, {} and the queryable properties of `{}`: {}",
                ITEMS_PARAMS.join(", "),
                FILTER_PARAMS.join(", "),
                layer.id,
                q.join(", ")
            )));
        }
    }
    let format = match download_asked(req, get(p, "f")) {
        Some(d) => Format::Download(d),
        None => negotiate_html(req, get(p, "f"), true)?,
    };
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
        .map_err(|e| ApiError::from(e).for_param("crs"))?
        .unwrap_or(Crs::Crs84);
    let bbox_crs = get(p, "bbox-crs")
        .map(Crs::parse)
        .transpose()
        .map_err(|e| ApiError::from(e).for_param("bbox-crs"))?;
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
pub(super) fn select(layer: &Layer, q: &ItemsQuery) -> Vec<usize> {
    // The R-tree narrows to `bbox`, or else to the box a spatial CQL2 predicate implies
    // (the predicate itself is still tested on each candidate).
    let mut idx: Vec<usize> = match q.bbox.or_else(|| q.sel.envelope()) {
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

/// The download format asked for by `f`, or by an Accept header that prefers one of the file
/// media types to JSON and CSV; `None` leaves the choice to the ordinary negotiation.
fn download_asked(req: &HttpRequest, f: Option<&str>) -> Option<ExportFormat> {
    if let Some(f) = f {
        return ExportFormat::parse(f);
    }
    let accept = req.headers().get(header::ACCEPT)?.to_str().ok()?;
    let mut offers = vec![GEOJSON, JSON, CSV];
    offers.extend(ExportFormat::ALL.iter().map(|f| f.media_type()));
    negotiation::choose(Some(accept), &offers).and_then(ExportFormat::from_media_type)
}
