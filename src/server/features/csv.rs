//! Items as CSV for spreadsheets: one row per feature, points as two coordinate columns and
//! polygons as WKT.

use serde_json::Value;

use super::super::ApiError;
use super::items::ItemsQuery;
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
            rec.push(match f.properties.get(n) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(v) => v.to_string(),
            });
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
                rec.push(geojson_multipolygon_to_wkt(&g));
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

/// Turns the GeoJSON MultiPolygon text written by `write_geometry` into WKT, reusing its
/// rounding: `[[[[x,y],...]]]` -> `MULTIPOLYGON(((x y,...)))`.
fn geojson_multipolygon_to_wkt(g: &str) -> String {
    let coords = g
        .trim_start_matches("{\"type\":\"MultiPolygon\",\"coordinates\":")
        .trim_end_matches('}');
    let mut out = String::with_capacity(coords.len() + 16);
    out.push_str("MULTIPOLYGON");
    let mut depth = 0;
    for c in coords.chars() {
        match c {
            '[' => {
                depth += 1;
                if depth < 4 {
                    out.push('(');
                }
            }
            ']' => {
                if depth < 4 {
                    out.push(')');
                }
                depth -= 1;
            }
            ',' if depth == 4 => out.push(' '),
            _ => out.push(c),
        }
    }
    out
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
            super::geojson_multipolygon_to_wkt(g),
            "MULTIPOLYGON(((0 0,1 0,1 1,0 0)))"
        );
    }
}
