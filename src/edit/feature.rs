//! A GeoJSON Feature written by an editor, read into a site record and checked by the rules of
//! `sites.csv` ([`crate::load::validate_site`]) and against the boundaries.

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::atlas::Atlas;
use crate::load::{validate_site, Severity, SiteRecord, SITE_COLUMNS};
use crate::model::ProvinceInfo;

/// What is wrong (or doubtful, for a warning) with one property of a written feature.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl FieldError {
    fn new(field: &str, reason: impl Into<String>) -> FieldError {
        FieldError {
            field: field.to_string(),
            reason: reason.into(),
            value: None,
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)?;
        if let Some(v) = &self.value {
            let shown: String = v.chars().take(80).collect();
            write!(f, " (value {shown:?})")?;
        }
        Ok(())
    }
}

/// Properties the `sites` layer serves that are derived from the data, not written: a feature
/// read from the API may be sent back with them, and they are ignored.
pub const DERIVED: &[&str] = &[
    "located_county_adcode",
    "located_county_en",
    "pflops_derived",
    "overlap_group",
    "renewable_bases",
];

/// Properties written as lists (a JSON array of strings, or the CSV's ` | `-separated text).
const LISTS: &[&str] = &["source_urls", "overlaps_with"];

/// Reads a GeoJSON Feature into a site record (no rule checked yet but the shape): a `Point`
/// geometry, properties named as the CSV columns (`province` is accepted for `province_en`, as
/// the layer serves it), text, numbers or null as values. Every problem found is returned.
pub fn record_from_feature(body: &Value, origin: &str) -> Result<SiteRecord, Vec<FieldError>> {
    let (record, errors) = read_feature(body, origin);
    if errors.is_empty() {
        Ok(record)
    } else {
        Err(errors)
    }
}

/// As [`record_from_feature`], but returns what could be read with the errors, so that the
/// rules of a site row can report their findings in the same answer.
pub fn read_feature(body: &Value, origin: &str) -> (SiteRecord, Vec<FieldError>) {
    let mut errors = Vec::new();
    let Some(obj) = body.as_object() else {
        return (
            SiteRecord {
                origin: origin.to_string(),
                line: 0,
                fields: vec![None; SITE_COLUMNS.len()],
            },
            vec![FieldError::new(
                "(body)",
                "expected a GeoJSON Feature object",
            )],
        );
    };
    if obj.get("type").and_then(Value::as_str) != Some("Feature") {
        errors.push(FieldError::new("type", "expected \"Feature\""));
    }
    let mut record = SiteRecord {
        origin: origin.to_string(),
        line: 0,
        fields: vec![None; SITE_COLUMNS.len()],
    };
    match point(obj.get("geometry")) {
        Ok((lon, lat)) => {
            record.set("longitude", Some(number_text(lon)));
            record.set("latitude", Some(number_text(lat)));
        }
        Err(e) => errors.push(e),
    }
    let empty = Map::new();
    let props = match obj.get("properties") {
        Some(Value::Object(m)) => m,
        None | Some(Value::Null) => &empty,
        Some(_) => {
            errors.push(FieldError::new("properties", "expected an object"));
            &empty
        }
    };
    // A feature read from the layer and sent back carries a derived PFLOPS figure as
    // `reported_pflops`: writing it would turn an estimate into a reported figure.
    if props.get("pflops_derived") == Some(&Value::Bool(true))
        && props.get("reported_pflops").is_some_and(|v| !v.is_null())
    {
        errors.push(FieldError::new(
            "reported_pflops",
            "the layer derived this figure from chip_count and chips.csv (pflops_derived is true); send reported_pflops only as a source reports it (null when none does)",
        ));
    }
    let mut unknown = Vec::new();
    for (key, value) in props {
        let column = if key == "province" {
            "province_en"
        } else {
            key.as_str()
        };
        if DERIVED.contains(&column) {
            continue;
        }
        if !SITE_COLUMNS.contains(&column) {
            unknown.push(key.clone());
            continue;
        }
        if column == "longitude" || column == "latitude" {
            // The point is the geometry; a copy in the properties must agree with it.
            let given = value.as_f64().or_else(|| value.as_str()?.parse().ok());
            let from_geometry = record.get(column).and_then(|t| t.parse::<f64>().ok());
            if given != from_geometry {
                errors.push(FieldError {
                    field: column.into(),
                    reason: "differs from the point geometry (the geometry gives the location; leave this property out)".into(),
                    value: Some(value.to_string()),
                });
            }
            continue;
        }
        match text(column, value) {
            Ok(t) => record.set(column, t),
            Err(e) => errors.push(e),
        }
    }
    if !unknown.is_empty() {
        errors.push(FieldError {
            field: unknown.join(", "),
            reason: format!(
                "unknown propert{} (allowed: {})",
                if unknown.len() == 1 { "y" } else { "ies" },
                SITE_COLUMNS
                    .iter()
                    .filter(|c| !matches!(**c, "longitude" | "latitude"))
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            value: None,
        });
    }
    // The feature's own id, when given, must be the property's.
    if let Some(fid) = obj.get("id") {
        let fid = fid
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| fid.to_string());
        match record.get("id") {
            None => record.set("id", Some(fid)),
            Some(pid) if pid != fid => errors.push(FieldError {
                field: "id".into(),
                reason: format!("the feature id {fid:?} differs from the id property"),
                value: Some(pid.to_string()),
            }),
            Some(_) => {}
        }
    }
    (record, errors)
}

fn point(geometry: Option<&Value>) -> Result<(f64, f64), FieldError> {
    let bad = || {
        FieldError::new(
            "geometry",
            "expected a Point with [longitude, latitude] in decimal degrees (WGS84)",
        )
    };
    let g = geometry.and_then(Value::as_object).ok_or_else(bad)?;
    if g.get("type").and_then(Value::as_str) != Some("Point") {
        return Err(bad());
    }
    let c = g
        .get("coordinates")
        .and_then(Value::as_array)
        .ok_or_else(bad)?;
    match (
        c.first().and_then(Value::as_f64),
        c.get(1).and_then(Value::as_f64),
    ) {
        (Some(lon), Some(lat)) if c.len() <= 3 => Ok((lon, lat)),
        _ => Err(bad()),
    }
}

/// A number as the CSV writes it: the shortest text that reads back the same.
fn number_text(v: f64) -> String {
    format!("{v}")
}

fn text(column: &str, value: &Value) -> Result<Option<String>, FieldError> {
    let err = |reason: &str| FieldError {
        field: column.to_string(),
        reason: reason.to_string(),
        value: Some(value.to_string()),
    };
    let t = match value {
        Value::Null => return Ok(None),
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Array(items) if LISTS.contains(&column) => {
            let mut parts = Vec::new();
            for item in items {
                match item.as_str().map(str::trim) {
                    Some(s) if s.contains(" | ") => {
                        return Err(err("a list item cannot contain \" | \""))
                    }
                    Some("") => {}
                    Some(s) => parts.push(s.to_string()),
                    None => return Err(err("expected a list of strings")),
                }
            }
            parts.join(" | ")
        }
        _ if LISTS.contains(&column) => {
            return Err(err(
                "expected a list of strings or a ' | '-separated string",
            ))
        }
        _ => return Err(err("expected a string, a number or null")),
    };
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(err("control characters are not allowed"));
    }
    Ok((!t.is_empty()).then_some(t))
}

/// A record as a GeoJSON Feature with the CSV's property names (the base a merge patch applies
/// to, and what the history shows).
pub fn feature_of_record(record: &SiteRecord) -> Value {
    let num = |c: &str| record.get(c).and_then(|t| t.parse::<f64>().ok());
    let mut props = Map::new();
    for (c, v) in SITE_COLUMNS.iter().zip(&record.fields) {
        if matches!(*c, "longitude" | "latitude") {
            continue;
        }
        props.insert(c.to_string(), json!(v));
    }
    json!({
        "type": "Feature",
        "id": record.id(),
        "geometry": {"type": "Point", "coordinates": [num("longitude"), num("latitude")]},
        "properties": props,
    })
}

/// JSON merge patch (RFC 7396): `patch`'s members replace `target`'s, null removes one, and
/// objects merge recursively.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(p) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let t = target.as_object_mut().expect("made an object above");
    for (k, v) in p {
        if v.is_null() {
            t.remove(k);
        } else {
            merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
        }
    }
}

/// Checks a record by the rules of `sites.csv` and places its point: outside the covered area
/// is an error; empty county, prefecture and province fields are filled from the county the
/// point falls in; a stated county that differs is a warning. Returns the warnings, or the
/// errors.
pub fn check_record(
    record: &mut SiteRecord,
    atlas: &Atlas,
) -> Result<Vec<FieldError>, Vec<FieldError>> {
    let lon = record.get("longitude").and_then(|t| t.parse::<f64>().ok());
    let lat = record.get("latitude").and_then(|t| t.parse::<f64>().ok());
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    if let (Some(lon), Some(lat)) = (lon, lat) {
        match atlas.county_index.locate(lon, lat) {
            None => errors.push(FieldError {
                field: "geometry".into(),
                reason: "the point lies outside every county of the covered area (the twelve western provinces)".into(),
                value: Some(format!("{lon}, {lat}")),
            }),
            Some(ci) => {
                let c = &atlas.counties[ci];
                let mut fill = |col: &str, v: String| {
                    if record.get(col).is_none() {
                        record.set(col, Some(v));
                    }
                };
                if let Some(p) = ProvinceInfo::by_adcode(c.province_adcode) {
                    fill("province_en", p.short_en.to_string());
                }
                fill("province_zh", c.province_zh.clone());
                fill("prefecture_en", c.prefecture_en.clone());
                fill("prefecture_zh", c.prefecture_zh.clone());
                if record.get("county_adcode").is_none() {
                    record.set("county_adcode", Some(c.adcode.to_string()));
                    record.set("county_en", Some(c.name_en.clone()));
                    record.set("county_zh", Some(c.name_zh.clone()));
                } else if record.get("county_adcode") != Some(&c.adcode.to_string()) {
                    warnings.push(FieldError {
                        field: "county_adcode".into(),
                        reason: format!(
                            "differs from the county the point falls in: {} {} ({})",
                            c.adcode, c.name_en, c.name_zh
                        ),
                        value: record.get("county_adcode").map(str::to_string),
                    });
                }
                let stated = record
                    .get("province_en")
                    .and_then(ProvinceInfo::by_short_name);
                if stated.is_some_and(|p| p.adcode != c.province_adcode) {
                    errors.push(FieldError {
                        field: "province_en".into(),
                        reason: format!("the point falls in {}", c.province_en),
                        value: record.get("province_en").map(str::to_string),
                    });
                }
            }
        }
    }
    let (_, problems) = validate_site(record);
    for p in problems.0 {
        let e = FieldError {
            field: p.column.unwrap_or_default(),
            reason: p.reason.trim_end_matches("; row left out").to_string(),
            value: p.value,
        };
        match p.severity {
            Severity::Error => errors.push(e),
            Severity::Warning => warnings.push(e),
        }
    }
    if errors.is_empty() {
        Ok(warnings)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feature(props: Value) -> Value {
        json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [94.68801, 43.24968]}, "properties": props})
    }

    #[test]
    fn unknown_properties_are_named() {
        let e = record_from_feature(
            &feature(json!({"id": "xj-a", "colour": "red", "size": 1})),
            "t",
        )
        .unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].field, "colour, size");
        assert!(e[0].reason.starts_with("unknown properties"));
    }

    #[test]
    fn lists_and_numbers_become_csv_text() {
        let r = record_from_feature(
            &feature(json!({"id": "xj-a", "source_urls": ["https://a.example/1", "https://b.example/2"], "reported_pflops": 60000, "notes": null})),
            "t",
        )
        .unwrap();
        assert_eq!(
            r.get("source_urls"),
            Some("https://a.example/1 | https://b.example/2")
        );
        assert_eq!(r.get("reported_pflops"), Some("60000"));
        assert_eq!(r.get("longitude"), Some("94.68801"));
        assert_eq!(r.get("notes"), None);
    }

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut t = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        merge_patch(&mut t, &json!({"a": "z", "c": {"f": null}}));
        assert_eq!(t, json!({"a": "z", "c": {"d": "e"}}));
    }
}
