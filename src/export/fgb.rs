//! FlatGeobuf through the `flatgeobuf` crate: one layer per file, features sorted along a
//! Hilbert curve with the packed R-tree index before them (the writer's default), so QGIS and
//! GDAL read a box without reading the file.

use std::io::Write;

use flatgeobuf::{ColumnType, FgbCrs, FgbWriter, FgbWriterOptions, GeometryType};
use geozero::{ColumnValue, PropertyProcessor};

use super::{cell, epsg_code, Cell, ExportError, ExportMeta, LayerExport};
use crate::layers::{GeometryKind, PropType};

/// Writes one layer as FlatGeobuf to `out`.
pub fn write<W: Write>(
    l: &LayerExport<'_>,
    meta: &ExportMeta,
    mut out: W,
) -> Result<(), ExportError> {
    let geometry_type = match l.layer.geometry {
        GeometryKind::Point => GeometryType::Point,
        GeometryKind::MultiPolygon => GeometryType::MultiPolygon,
        GeometryKind::None => GeometryType::Unknown,
    };
    let wkt = l.crs.wkt1()?;
    let description = l.description(meta);
    let metadata = l.metadata_json(meta).to_string();
    let mut fgb = FgbWriter::create_with_options(
        l.layer.id,
        geometry_type,
        FgbWriterOptions {
            write_index: true,
            detect_type: false,
            promote_to_multi: true,
            crs: FgbCrs {
                code: epsg_code(l.crs) as i32,
                wkt: Some(&wkt),
                ..Default::default()
            },
            title: Some(l.layer.title),
            description: Some(&description),
            metadata: Some(&metadata),
            ..Default::default()
        },
    )?;
    fgb.add_column("feature_id", ColumnType::String, |_, c| c.nullable = false);
    for p in &l.properties {
        let ty = match p.kind {
            PropType::String => ColumnType::String,
            PropType::Integer => ColumnType::Long,
            PropType::Number => ColumnType::Double,
            PropType::Boolean => ColumnType::Bool,
        };
        fgb.add_column(p.name, ty, |_, c| {
            c.nullable = true;
        });
    }
    for f in l.features() {
        let g = l
            .geometry(f)?
            .unwrap_or(geo_types::Geometry::GeometryCollection(Default::default()));
        let mut failed = None;
        fgb.add_feature_geom(g, |w| {
            let mut put = |i: usize, name: &str, v: &ColumnValue<'_>| {
                if let Err(e) = w.property(i, name, v) {
                    failed.get_or_insert(e);
                }
            };
            put(0, "feature_id", &ColumnValue::String(&f.id));
            // A null is an absent property in FlatGeobuf.
            for (i, p) in l.properties.iter().enumerate() {
                let v = match cell(f, p) {
                    None => continue,
                    Some(Cell::Text(s)) => ColumnValue::String(s),
                    Some(Cell::Int(x)) => ColumnValue::Long(x),
                    Some(Cell::Real(x)) => ColumnValue::Double(x),
                    Some(Cell::Bool(b)) => ColumnValue::Bool(b),
                };
                put(i + 1, p.name, &v);
            }
        })?;
        if let Some(e) = failed {
            return Err(e.into());
        }
    }
    fgb.write(&mut out)?;
    out.flush()?;
    Ok(())
}
