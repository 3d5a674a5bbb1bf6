//! Items as CSV for spreadsheets: one row per feature, points as two coordinate columns and
//! polygons as WKT.

use super::super::http::csv_cell;
use super::super::ApiError;
use super::selection::ItemsQuery;
use crate::crs;
use crate::layers::{self, FeatureGeometry, GeometryKind, Layer};

pub(super) fn csv_body(layer: &Layer, page: &[usize], q: &ItemsQuery) -> Result<String, ApiError> {
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
    w.write_record(&header)?;
    for &i in page {
        let f = &layer.features[i];
        let mut rec: Vec<String> = vec![f.id.clone()];
        for n in &names {
            rec.push(csv_cell(f.properties.get(n)));
        }
        match &f.geometry {
            FeatureGeometry::Point(x, y) => {
                let mut c = [(*x, *y)];
                crs::from_crs84(q.crs, &mut c).map_err(|e| ApiError::from(e).for_param("crs"))?;
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
                .map_err(|e| ApiError::from(e).for_param("crs"))?;
                rec.push(geojson_to_wkt(&g).map_err(|e| {
                    ApiError::internal(format!("writing WKT of `{}` failed: {e}", f.id))
                })?);
            }
            FeatureGeometry::None => {}
        }
        w.write_record(&rec)?;
    }
    let bytes = w.into_inner().map_err(|e| {
        let detail = format!("writing CSV failed: {e}");
        ApiError::internal(detail).caused_by(e.into_error())
    })?;
    Ok(String::from_utf8(bytes)?)
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
