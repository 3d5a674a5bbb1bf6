//! GeoJSON text of features, written directly (a request copies pre-serialised bytes or writes
//! coordinates straight into the body, never building `serde_json` objects per vertex).

use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::{round, FeatureGeometry, LayerFeature};

/// A coordinate transformation applied in place (CRS84 in, output CRS out).
pub type Transform<'a> = dyn FnMut(&mut [(f64, f64)]) -> Result<(), crate::crs::CrsError> + 'a;

/// Writes a coordinate value rounded to `precision` decimals, shortest form.
pub fn write_num(out: &mut String, v: f64, precision: u8) {
    let r = round(v, precision);
    let r = if r == 0.0 { 0.0 } else { r }; // no "-0"
    let _ = write!(out, "{r}");
}

/// Writes GeoJSON geometry text, transforming each coordinate with `f` (CRS84 in).
pub fn write_geometry(
    out: &mut String,
    geometry: &FeatureGeometry,
    precision: u8,
    f: &mut Transform<'_>,
) -> Result<(), crate::crs::CrsError> {
    let pt = |out: &mut String, x: f64, y: f64| {
        out.push('[');
        write_num(out, x, precision);
        out.push(',');
        write_num(out, y, precision);
        out.push(']');
    };
    match geometry {
        FeatureGeometry::None => out.push_str("null"),
        FeatureGeometry::Point(x, y) => {
            let mut c = [(*x, *y)];
            f(&mut c)?;
            out.push_str("{\"type\":\"Point\",\"coordinates\":");
            pt(out, c[0].0, c[0].1);
            out.push('}');
        }
        FeatureGeometry::MultiPolygon(mp) => {
            out.push_str("{\"type\":\"MultiPolygon\",\"coordinates\":[");
            let mut buf: Vec<(f64, f64)> = Vec::new();
            for (pi, poly) in mp.0.iter().enumerate() {
                if pi > 0 {
                    out.push(',');
                }
                out.push('[');
                for (ri, ring) in std::iter::once(poly.exterior())
                    .chain(poly.interiors())
                    .enumerate()
                {
                    if ri > 0 {
                        out.push(',');
                    }
                    buf.clear();
                    buf.extend(ring.0.iter().map(|c| (c.x, c.y)));
                    f(&mut buf)?;
                    // At coarse precision neighbouring vertices round to the same position:
                    // drop the repeats (every ring rounds the same way, so shared borders stay
                    // shared), unless the ring would collapse below a triangle.
                    let rounded: Vec<(f64, f64)> = buf
                        .iter()
                        .map(|c| (round(c.0, precision), round(c.1, precision)))
                        .collect();
                    let mut kept: Vec<(f64, f64)> = Vec::with_capacity(rounded.len());
                    for c in &rounded {
                        if kept.last() != Some(c) {
                            kept.push(*c);
                        }
                    }
                    if kept.len() >= 4 {
                        buf = kept;
                    }
                    out.push('[');
                    for (i, c) in buf.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        pt(out, c.0, c.1);
                    }
                    out.push(']');
                }
                out.push(']');
            }
            out.push_str("]}");
        }
    }
    Ok(())
}

/// Serialises one feature as GeoJSON text around its geometry's text, written before.
pub(super) fn feature_json_with(
    feature: &LayerFeature,
    geometry: &str,
    properties: &Map<String, Value>,
) -> String {
    let mut out = String::with_capacity(geometry.len() + 256);
    out.push_str("{\"type\":\"Feature\",\"id\":");
    out.push_str(&Value::String(feature.id.clone()).to_string());
    out.push_str(",\"geometry\":");
    out.push_str(geometry);
    out.push_str(",\"properties\":");
    out.push_str(&serde_json::to_string(properties).unwrap_or_else(|_| "{}".into()));
    out.push('}');
    out
}

/// Serialises one feature as GeoJSON text.
pub fn feature_json(
    feature: &LayerFeature,
    properties: &Map<String, Value>,
    precision: u8,
    f: &mut Transform<'_>,
) -> Result<String, crate::crs::CrsError> {
    let mut geometry = String::with_capacity(64);
    write_geometry(&mut geometry, &feature.geometry, precision, f)?;
    Ok(feature_json_with(feature, &geometry, properties))
}

pub(super) fn no_transform(_: &mut [(f64, f64)]) -> Result<(), crate::crs::CrsError> {
    Ok(())
}
