//! What features and tiles both ask of a layer: finding it by id, the JSON schema of its
//! properties, and the selection a request makes (dates, properties, filters).

use std::sync::Arc;

use serde_json::{json, Map, Value};

use super::http::get;
use super::query::{self, Interval};
use super::{ApiError, Served};
use crate::crs::Crs;
use crate::filter::{Filter, FilterLang};
use crate::layers::{GeometryKind, Layer, LayerFeature, PropType};

/// The query parameters of a CQL2 filter (OGC API - Features Part 3), accepted wherever a
/// selection is (items, tiles).
pub const FILTER_PARAMS: [&str; 3] = ["filter", "filter-lang", "filter-crs"];

pub fn find_layer<'a>(served: &'a Served, id: &str) -> Result<&'a Layer, ApiError> {
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

/// Most distinct values a text property may have to be listed as an `enum` in the queryables
/// (status, fuel, province...; names and codes have far more).
const MAX_ENUM: usize = 64;

/// The queryables of a layer (OGC API - Features Part 3): every property a CQL2 filter may
/// name, with its type, and the values of the categorical text properties as `enum`; the
/// geometry is the queryable `geometry`.
pub fn queryables(layer: &Layer, base: &str) -> Value {
    let mut props = Map::new();
    if layer.geometry != GeometryKind::None {
        let kind = layer.geometry.name();
        props.insert(
            crate::filter::GEOMETRY_QUERYABLE.into(),
            json!({
                "title": "geometry",
                "description": "The feature's geometry, for the spatial functions (S_INTERSECTS...)",
                "format": format!("geometry-{}", kind.to_ascii_lowercase()),
                "x-ogc-role": "primary-geometry",
            }),
        );
    }
    for pd in &layer.properties {
        let mut q = json!({
            "type": pd.kind.json_type(),
            "title": pd.name,
            "description": pd.description,
        });
        if pd.kind == PropType::String {
            let mut values: Vec<&str> = Vec::new();
            for f in layer.features.iter() {
                if let Some(Value::String(s)) = f.properties.get(pd.name) {
                    if !values.contains(&s.as_str()) {
                        values.push(s);
                        if values.len() > MAX_ENUM {
                            break;
                        }
                    }
                }
            }
            // Listed only when the values repeat: a name or code on every feature is not a
            // category.
            if values.len() <= MAX_ENUM && values.len() * 2 <= layer.features.len() {
                values.sort_unstable();
                q["enum"] = json!(values);
            }
        }
        if layer.temporal_property == Some(pd.name) {
            q["x-ogc-role"] = json!("primary-instant");
        }
        props.insert(pd.name.into(), q);
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

/// What a request keeps of a layer besides its box: a date interval, property values, and
/// which properties it returns. Shared by items and tiles.
pub struct Selection {
    pub datetime: Option<Interval>,
    pub properties: Option<Vec<String>>,
    pub filters: Vec<(String, String)>,
    /// The CQL2 `filter`, checked against the layer.
    pub filter: Option<Arc<Filter>>,
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
            && self.filter.as_ref().is_none_or(|c| c.matches(f))
    }

    /// A CRS84 box outside of which nothing is kept (from a spatial predicate of the CQL2
    /// filter), for the R-tree.
    pub fn envelope(&self) -> Option<geo_types::Rect<f64>> {
        self.filter.as_ref().and_then(|c| c.envelope())
    }
}

/// Parses `datetime`, `properties` and the queryable property filters of a request.
pub fn parse_selection(layer: &Layer, p: &[(String, String)]) -> Result<Selection, ApiError> {
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
    let filter = parse_filter(layer, p)?;
    Ok(Selection {
        datetime,
        properties,
        filters,
        filter,
    })
}

/// The selection of a tile URL's query string (`status=operating&properties=id,fuel`), checked
/// as the tile route checks it; `publish` makes the web map's archives with it.
pub fn tile_selection(layer: &Layer, query_string: &str) -> Result<Selection, ApiError> {
    let p = query::parse_pairs(query_string)?;
    parse_selection(layer, &p)
}

/// Parses `filter`, `filter-lang` and `filter-crs`.
fn parse_filter(layer: &Layer, p: &[(String, String)]) -> Result<Option<Arc<Filter>>, ApiError> {
    let lang = get(p, "filter-lang")
        .map(FilterLang::parse)
        .transpose()?
        .unwrap_or(FilterLang::Cql2Text);
    let crs = get(p, "filter-crs")
        .map(Crs::parse)
        .transpose()
        .map_err(|e| ApiError::from(e).for_param("filter-crs"))?
        .unwrap_or(Crs::Crs84);
    let Some(text) = get(p, "filter") else {
        if get(p, "filter-lang").is_some() || get(p, "filter-crs").is_some() {
            return Err(ApiError::bad_request(
                "filter-lang and filter-crs are given without filter",
            ));
        }
        return Ok(None);
    };
    // A filter depends only on its text and the layer's schema, which is fixed per layer id:
    // the parsed and checked form is kept, so a repeated filter (a map or dashboard asking the
    // same query, every tile of a filtered layer) is parsed once. Errors are not kept.
    static PARSED: std::sync::OnceLock<moka::sync::Cache<String, Arc<Filter>>> =
        std::sync::OnceLock::new();
    let parsed = PARSED.get_or_init(|| moka::sync::Cache::new(PARSED_FILTERS));
    let key = format!("{} {} {} {text}", layer.id, lang.name(), crs.uri());
    if let Some(f) = parsed.get(&key) {
        return Ok(Some(f));
    }
    let f = Arc::new(Filter::parse(layer, text, lang, crs)?);
    parsed.insert(key, f.clone());
    Ok(Some(f))
}

/// Parsed filters kept (each at most [`crate::filter::MAX_FILTER_BYTES`] of text).
const PARSED_FILTERS: u64 = 512;

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
