//! GeoParquet 1.1 through polars' parquet writer: the geometry as WKB in `geometry`, a
//! `bbox` struct column (xmin, ymin, xmax, ymax) declared as its covering so readers can skip
//! row groups by box, and the `geo` file metadata (version, primary column, encoding,
//! geometry types, bbox, and the CRS as PROJJSON when it is not OGC:CRS84).

use std::io::Write;

use geozero::{CoordDimensions, ToWkb};
use polars::prelude::*;
use serde_json::{json, Value};

use super::{bounds, cell, Cell, ExportError, ExportMeta, LayerExport};
use crate::crs::Crs;
use crate::layers::{GeometryKind, PropType};

/// GeoParquet specification version written.
pub const GEOPARQUET_VERSION: &str = "1.1.0";

/// The `geo` metadata of a file whose geometry column holds `types` in `crs`.
pub fn geo_metadata(
    types: &[&str],
    crs: Crs,
    bbox: Option<[f64; 4]>,
) -> Result<Value, ExportError> {
    let mut col = json!({
        "encoding": "WKB",
        "geometry_types": types,
        "covering": {"bbox": {
            "xmin": ["bbox", "xmin"], "ymin": ["bbox", "ymin"],
            "xmax": ["bbox", "xmax"], "ymax": ["bbox", "ymax"],
        }},
    });
    if let Some(b) = bbox {
        col["bbox"] = json!(b);
    }
    // Absent means OGC:CRS84; anything else is spelled out.
    if crs != Crs::Crs84 {
        col["crs"] = crs.projjson()?;
    }
    Ok(json!({
        "version": GEOPARQUET_VERSION,
        "primary_column": "geometry",
        "columns": {"geometry": col},
    }))
}

/// The `bbox` covering column of per-row boxes (null for rows without geometry).
pub fn bbox_column(boxes: &[Option<[f64; 4]>]) -> PolarsResult<Column> {
    let part = |name: &str, k: usize| {
        Series::new(
            name.into(),
            boxes.iter().map(|b| b.map(|b| b[k])).collect::<Vec<_>>(),
        )
    };
    let fields = [
        part("xmin", 0),
        part("ymin", 1),
        part("xmax", 2),
        part("ymax", 3),
    ];
    Ok(
        StructChunked::from_series("bbox".into(), boxes.len(), fields.iter())?
            .into_series()
            .into_column(),
    )
}

/// Writes `df` with the `geo` metadata (zstd, row groups of 64 Ki rows so the covering
/// statistics let readers skip).
pub fn write_frame<W: Write>(df: &mut DataFrame, geo: &Value, out: W) -> PolarsResult<u64> {
    ParquetWriter::new(out)
        .with_row_group_size(Some(65_536))
        .with_key_value_metadata(Some(KeyValueMetadata::from_static(vec![(
            "geo".to_string(),
            geo.to_string(),
        )])))
        .finish(df)
}

/// Writes one layer as GeoParquet to `out`.
pub fn write<W: Write>(
    l: &LayerExport<'_>,
    _meta: &ExportMeta,
    mut out: W,
) -> Result<(), ExportError> {
    let n = l.features.len();
    let mut ids: Vec<String> = Vec::with_capacity(n);
    let mut wkb: Vec<Option<Vec<u8>>> = Vec::with_capacity(n);
    let mut boxes: Vec<Option<[f64; 4]>> = Vec::with_capacity(n);
    let mut extent: Option<[f64; 4]> = None;
    for f in l.features() {
        ids.push(f.id.clone());
        match l.geometry(f)? {
            None => {
                wkb.push(None);
                boxes.push(None);
            }
            Some(g) => {
                wkb.push(Some(g.to_wkb(CoordDimensions::xy())?));
                let b = bounds(&g);
                if let Some([x0, y0, x1, y1]) = b {
                    extent = Some(match extent {
                        None => [x0, y0, x1, y1],
                        Some(e) => [e[0].min(x0), e[1].min(y0), e[2].max(x1), e[3].max(y1)],
                    });
                }
                boxes.push(b);
            }
        }
    }
    let mut cols: Vec<Column> = vec![Series::new("feature_id".into(), ids).into_column()];
    for p in &l.properties {
        let name: PlSmallStr = p.name.into();
        let s = match p.kind {
            PropType::String => Series::new(
                name,
                l.features()
                    .map(|f| match cell(f, p) {
                        Some(Cell::Text(s)) => Some(s.to_string()),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
            PropType::Integer => Series::new(
                name,
                l.features()
                    .map(|f| match cell(f, p) {
                        Some(Cell::Int(x)) => Some(x),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
            PropType::Number => Series::new(
                name,
                l.features()
                    .map(|f| match cell(f, p) {
                        Some(Cell::Real(x)) => Some(x),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
            PropType::Boolean => Series::new(
                name,
                l.features()
                    .map(|f| match cell(f, p) {
                        Some(Cell::Bool(b)) => Some(b),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
        };
        cols.push(s.into_column());
    }
    cols.push(Series::new("geometry".into(), wkb).into_column());
    cols.push(bbox_column(&boxes)?);
    let mut df = DataFrame::new(n, cols)?;
    let types: &[&str] = match l.layer.geometry {
        GeometryKind::Point => &["Point"],
        GeometryKind::MultiPolygon => &["MultiPolygon"],
        GeometryKind::None => &[],
    };
    let geo = geo_metadata(types, l.crs, extent)?;
    write_frame(&mut df, &geo, &mut out)?;
    out.flush()?;
    Ok(())
}
