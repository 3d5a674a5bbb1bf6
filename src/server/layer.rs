//! What features and tiles both ask of a layer: finding it by id, the JSON schema of its
//! properties, and the selection a request makes (dates, properties, filters).

use serde_json::{json, Map, Value};

use super::http::get;
use super::query::{self, Interval};
use super::{ApiError, Served};
use crate::layers::{GeometryKind, Layer, LayerFeature, PropType};

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

/// What a request keeps of a layer besides its box: a date interval, property values, and
/// which properties it returns. Shared by items and tiles.
pub struct Selection {
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
