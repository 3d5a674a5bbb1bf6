//! GeoJSON in, GeoJSON out: a FeatureCollection read one feature at a time (geojson's
//! streaming reader), each feature written back with the added properties, and the summary
//! as a `summary` member after the features.

use std::io::{BufWriter, Read, Write};

use serde_json::{json, Map, Value};

use super::{check_point, LocateError, Locator, Summary};

fn point_of(f: &geojson::Feature) -> Result<(f64, f64), String> {
    let g = f.geometry.as_ref().ok_or("geometry is null")?;
    match &g.value {
        geojson::GeometryValue::Point { coordinates } => {
            let c = coordinates.as_slice();
            check_point(c.first().copied(), c.get(1).copied())
        }
        other => Err(format!("geometry is a {}, not a Point", other.type_name())),
    }
}

pub fn run<R: Read, W: Write>(
    loc: &Locator<'_>,
    input: R,
    out: W,
    ready: &mut dyn FnMut(),
) -> Result<Summary, LocateError> {
    let mut features =
        geojson::FeatureReader::from_reader(std::io::BufReader::with_capacity(1 << 16, input))
            .features()
            .peekable();
    // The first feature (or the end) shows the input is a FeatureCollection at all.
    if let Some(Err(e)) = features.peek() {
        return Err(LocateError::Input(format!(
            "the body is not a GeoJSON FeatureCollection: {e}"
        )));
    }
    if let Some(Ok(f)) = features.peek() {
        if let Some(p) = &f.properties {
            loc.check_clash(p.keys().map(String::as_str))?;
        }
    }
    ready();
    let columns = loc.columns();
    let nearest_cols = &columns[4..columns.len() - 2];
    let mut w = BufWriter::with_capacity(1 << 16, out);
    w.write_all(b"{\"type\":\"FeatureCollection\",\"features\":[")?;
    let mut summary = Summary::default();
    for (n, f) in features.enumerate() {
        let mut f = f.map_err(|e| {
            LocateError::Input(format!("feature {}: not a GeoJSON Feature: {e}", n + 1))
        })?;
        loc.count_row(&mut summary)?;
        let point = point_of(&f);
        let props = f.properties.get_or_insert_with(Map::new);
        match point {
            Ok((x, y)) => {
                let found = loc.find(x, y, &mut summary);
                let cells = loc.place_cells(found.county);
                for (k, v) in super::PLACE_COLUMNS.iter().zip(cells) {
                    props.insert(
                        (*k).into(),
                        if v.is_empty() { Value::Null } else { json!(v) },
                    );
                }
                for (k, v) in nearest_cols.iter().zip(&found.nearest) {
                    let value = if v.is_empty() {
                        Value::Null
                    } else if k.ends_with("_km") {
                        v.parse::<f64>().map_or(Value::Null, |d| json!(d))
                    } else {
                        json!(v)
                    };
                    props.insert(k.clone(), value);
                }
                props.insert("error".into(), Value::Null);
                props.insert("error_line".into(), Value::Null);
            }
            Err(reason) => {
                let msg = format!("feature {}: {reason}", n + 1);
                summary.bad_row(&msg);
                for k in super::PLACE_COLUMNS
                    .iter()
                    .map(|s| s.to_string())
                    .chain(nearest_cols.iter().cloned())
                {
                    props.insert(k, Value::Null);
                }
                props.insert("error".into(), json!(msg));
                props.insert("error_line".into(), json!(n + 1));
            }
        }
        if n > 0 {
            w.write_all(b",")?;
        }
        serde_json::to_writer(&mut w, &f).map_err(std::io::Error::from)?;
    }
    w.write_all(b"],\"summary\":")?;
    serde_json::to_writer(&mut w, &summary).map_err(std::io::Error::from)?;
    w.write_all(b"}")?;
    w.flush()?;
    Ok(summary)
}
