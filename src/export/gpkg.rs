//! GeoPackage 1.3 through SQLite (rusqlite, bundled): one feature table per layer with its
//! `gpkg_contents`, `gpkg_geometry_columns` and `gpkg_spatial_ref_sys` rows, an R-tree spatial
//! index (the `gpkg_rtree_index` extension, as GDAL and QGIS expect), and the metadata and
//! attribution both in the contents description and in `gpkg_metadata` (the metadata
//! extension), one record for the file and one per layer.

use std::io::Write;
use std::path::Path;

use geozero::{CoordDimensions, ToWkb};
use rusqlite::{params, Connection};

use super::{bounds, cell, epsg_code, Cell, ExportError, ExportMeta, LayerExport};
use crate::layers::{GeometryKind, PropType};

const GEOMETRY_COLUMN: &str = "geom";

/// Writes the layers as one GeoPackage to `out` (built in a temporary file, then copied).
pub fn write<W: Write>(
    layers: &[LayerExport<'_>],
    meta: &ExportMeta,
    mut out: W,
) -> Result<(), ExportError> {
    // A directory rather than a named file: SQLite creates the file itself.
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("download.gpkg");
    write_file(layers, meta, &path)?;
    std::io::copy(&mut std::fs::File::open(&path)?, &mut out)?;
    out.flush()?;
    Ok(())
}

/// Writes the layers as one GeoPackage at `path` (replacing what is there).
pub fn write_file(
    layers: &[LayerExport<'_>],
    meta: &ExportMeta,
    path: &Path,
) -> Result<(), ExportError> {
    if path.exists() {
        std::fs::remove_file(path)?;
    }
    let mut db = Connection::open(path)?;
    // The file is written once, start to end: no journal needed.
    db.execute_batch(
        "PRAGMA application_id = 1196444487; PRAGMA user_version = 10300;
         PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA page_size = 4096;",
    )?;
    let tx = db.transaction()?;
    tx.execute_batch(SCHEMA)?;
    let mut srs_done: Vec<u32> = vec![4326];
    for l in layers {
        let code = epsg_code(l.crs);
        if !srs_done.contains(&code) {
            tx.execute(
                "INSERT INTO gpkg_spatial_ref_sys VALUES (?1, ?2, 'EPSG', ?2, ?3, ?4)",
                params![format!("EPSG:{code}"), code, l.crs.wkt1()?, l.crs.uri()],
            )?;
            srs_done.push(code);
        }
        write_layer(&tx, l, meta)?;
    }
    tx.execute(
        "INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata) VALUES ('dataset', 'https://www.rfc-editor.org/rfc/rfc8259', 'application/json', ?1)",
        params![serde_json::json!({
            "title": "compute-atlas",
            "description": "AI computing sites in western China set against power plants and renewable bases; unknown figures are null, never zero.",
            "layers": layers.iter().map(|l| l.layer.id).collect::<Vec<_>>(),
            "attribution": layers.iter().map(|l| l.layer.attribution.as_str()).collect::<Vec<_>>(),
            "data_version": meta.version,
            "built_at": meta.built_at,
            "source": meta.source,
        })
        .to_string()],
    )?;
    let id = tx.last_insert_rowid();
    tx.execute(
        "INSERT INTO gpkg_metadata_reference (reference_scope, md_file_id) VALUES ('geopackage', ?1)",
        params![id],
    )?;
    tx.commit()?;
    db.close().map_err(|(_, e)| e)?;
    Ok(())
}

fn sql_type(k: PropType) -> &'static str {
    match k {
        PropType::String => "TEXT",
        PropType::Integer => "INTEGER",
        PropType::Number => "REAL",
        PropType::Boolean => "BOOLEAN",
    }
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn write_layer(
    tx: &rusqlite::Transaction<'_>,
    l: &LayerExport<'_>,
    meta: &ExportMeta,
) -> Result<(), ExportError> {
    let table = l.layer.id;
    let srs = epsg_code(l.crs) as i32;
    let geom_type = match l.layer.geometry {
        GeometryKind::Point => "POINT",
        GeometryKind::MultiPolygon => "MULTIPOLYGON",
        GeometryKind::None => "GEOMETRY",
    };
    let mut cols = vec![
        "fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL".to_string(),
        format!("{GEOMETRY_COLUMN} {geom_type}"),
        "feature_id TEXT NOT NULL UNIQUE".to_string(),
    ];
    cols.extend(
        l.properties
            .iter()
            .map(|p| format!("{} {}", quote(p.name), sql_type(p.kind))),
    );
    tx.execute_batch(&format!(
        "CREATE TABLE {} ({});",
        quote(table),
        cols.join(", ")
    ))?;
    let placeholders: Vec<String> = (1..=l.properties.len() + 2)
        .map(|i| format!("?{i}"))
        .collect();
    let names: Vec<String> = l.properties.iter().map(|p| quote(p.name)).collect();
    let mut insert = tx.prepare(&format!(
        "INSERT INTO {} ({GEOMETRY_COLUMN}, feature_id{}{}) VALUES ({})",
        quote(table),
        if names.is_empty() { "" } else { ", " },
        names.join(", "),
        placeholders.join(", ")
    ))?;
    let mut rtree = Vec::with_capacity(l.features.len());
    let mut extent: Option<[f64; 4]> = None;
    for f in l.features() {
        let g = l.geometry(f)?;
        let blob = match &g {
            None => None,
            Some(g) => {
                let b = bounds(g);
                if let Some([x0, y0, x1, y1]) = b {
                    extent = Some(match extent {
                        None => [x0, y0, x1, y1],
                        Some(e) => [e[0].min(x0), e[1].min(y0), e[2].max(x1), e[3].max(y1)],
                    });
                }
                // Points carry no envelope (it would repeat the point); polygons do, so
                // readers can skip them without parsing.
                let env = match (l.layer.geometry, b) {
                    (GeometryKind::MultiPolygon, Some([x0, y0, x1, y1])) => vec![x0, x1, y0, y1],
                    _ => Vec::new(),
                };
                Some((g.to_gpkg_wkb(CoordDimensions::xy(), Some(srs), env)?, b))
            }
        };
        let mut values: Vec<rusqlite::types::Value> = Vec::with_capacity(l.properties.len() + 2);
        values.push(match &blob {
            Some((b, _)) => rusqlite::types::Value::Blob(b.clone()),
            None => rusqlite::types::Value::Null,
        });
        values.push(rusqlite::types::Value::Text(f.id.clone()));
        for p in &l.properties {
            use rusqlite::types::Value as V;
            values.push(match cell(f, p) {
                None => V::Null,
                Some(Cell::Text(s)) => V::Text(s.to_string()),
                Some(Cell::Int(i)) => V::Integer(i),
                Some(Cell::Real(x)) => V::Real(x),
                Some(Cell::Bool(b)) => V::Integer(b as i64),
            });
        }
        insert.execute(rusqlite::params_from_iter(values))?;
        if let Some((_, Some(b))) = blob {
            rtree.push((tx.last_insert_rowid(), b));
        }
    }
    drop(insert);
    let [min_x, min_y, max_x, max_y] = match extent {
        Some(e) => e.map(Some),
        None => [None; 4],
    };
    tx.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, min_x, min_y, max_x, max_y, srs_id)
         VALUES (?1, 'features', ?2, ?3, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?4, ?5, ?6, ?7, ?8)",
        params![table, l.layer.title, l.description(meta), min_x, min_y, max_x, max_y, srs],
    )?;
    tx.execute(
        "INSERT INTO gpkg_geometry_columns VALUES (?1, ?2, ?3, ?4, 0, 0)",
        params![table, GEOMETRY_COLUMN, geom_type, srs],
    )?;
    if l.layer.geometry != GeometryKind::None {
        spatial_index(tx, table, &rtree)?;
    }
    tx.execute(
        "INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata) VALUES ('dataset', 'https://www.rfc-editor.org/rfc/rfc8259', 'application/json', ?1)",
        params![l.metadata_json(meta).to_string()],
    )?;
    let id = tx.last_insert_rowid();
    tx.execute(
        "INSERT INTO gpkg_metadata_reference (reference_scope, table_name, md_file_id) VALUES ('table', ?1, ?2)",
        params![table, id],
    )?;
    Ok(())
}

/// The `gpkg_rtree_index` extension: an SQLite R-tree of the features' boxes and the triggers
/// the specification requires to keep it current if the file is edited.
fn spatial_index(
    tx: &rusqlite::Transaction<'_>,
    table: &str,
    boxes: &[(i64, [f64; 4])],
) -> Result<(), ExportError> {
    let c = GEOMETRY_COLUMN;
    let rt = format!("rtree_{table}_{c}");
    let (t, qrt) = (quote(table), quote(&rt));
    tx.execute_batch(&format!(
        "CREATE VIRTUAL TABLE {qrt} USING rtree(id, minx, maxx, miny, maxy);"
    ))?;
    {
        let mut ins = tx.prepare(&format!("INSERT INTO {qrt} VALUES (?1, ?2, ?3, ?4, ?5)"))?;
        for (id, [x0, y0, x1, y1]) in boxes {
            ins.execute(params![id, x0, x1, y0, y1])?;
        }
    }
    tx.execute(
        "INSERT INTO gpkg_extensions VALUES (?1, ?2, 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
        params![table, c],
    )?;
    // The triggers of GeoPackage 1.2 Annex L (ST_* functions are the reader's, e.g. GDAL's).
    tx.execute_batch(&format!(
        "CREATE TRIGGER {ins} AFTER INSERT ON {t} WHEN (new.{c} NOT NULL AND NOT ST_IsEmpty(NEW.{c}))
         BEGIN INSERT OR REPLACE INTO {qrt} VALUES (NEW.fid, ST_MinX(NEW.{c}), ST_MaxX(NEW.{c}), ST_MinY(NEW.{c}), ST_MaxY(NEW.{c})); END;
         CREATE TRIGGER {upd1} AFTER UPDATE OF {c} ON {t} WHEN OLD.fid = NEW.fid AND (NEW.{c} NOTNULL AND NOT ST_IsEmpty(NEW.{c}))
         BEGIN INSERT OR REPLACE INTO {qrt} VALUES (NEW.fid, ST_MinX(NEW.{c}), ST_MaxX(NEW.{c}), ST_MinY(NEW.{c}), ST_MaxY(NEW.{c})); END;
         CREATE TRIGGER {upd2} AFTER UPDATE OF {c} ON {t} WHEN OLD.fid = NEW.fid AND (NEW.{c} ISNULL OR ST_IsEmpty(NEW.{c}))
         BEGIN DELETE FROM {qrt} WHERE id = OLD.fid; END;
         CREATE TRIGGER {upd3} AFTER UPDATE ON {t} WHEN OLD.fid != NEW.fid AND (NEW.{c} NOTNULL AND NOT ST_IsEmpty(NEW.{c}))
         BEGIN DELETE FROM {qrt} WHERE id = OLD.fid; INSERT OR REPLACE INTO {qrt} VALUES (NEW.fid, ST_MinX(NEW.{c}), ST_MaxX(NEW.{c}), ST_MinY(NEW.{c}), ST_MaxY(NEW.{c})); END;
         CREATE TRIGGER {upd4} AFTER UPDATE ON {t} WHEN OLD.fid != NEW.fid AND (NEW.{c} ISNULL OR ST_IsEmpty(NEW.{c}))
         BEGIN DELETE FROM {qrt} WHERE id IN (OLD.fid, NEW.fid); END;
         CREATE TRIGGER {del} AFTER DELETE ON {t} WHEN old.{c} NOT NULL
         BEGIN DELETE FROM {qrt} WHERE id = OLD.fid; END;",
        ins = quote(&format!("{rt}_insert")),
        upd1 = quote(&format!("{rt}_update1")),
        upd2 = quote(&format!("{rt}_update2")),
        upd3 = quote(&format!("{rt}_update3")),
        upd4 = quote(&format!("{rt}_update4")),
        del = quote(&format!("{rt}_delete")),
    ))?;
    Ok(())
}

/// The core tables (GeoPackage 1.3 §1.1), the three required spatial reference systems, and
/// the metadata extension's tables.
const SCHEMA: &str = r#"
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
INSERT INTO gpkg_spatial_ref_sys VALUES
 ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
 ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system'),
 ('WGS 84 geodetic', 4326, 'EPSG', 4326, 'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]', 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
CREATE TABLE gpkg_extensions (
  table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL,
  scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
CREATE TABLE gpkg_metadata (
  id INTEGER CONSTRAINT m_pk PRIMARY KEY ASC NOT NULL, md_scope TEXT NOT NULL DEFAULT 'dataset',
  md_standard_uri TEXT NOT NULL, mime_type TEXT NOT NULL DEFAULT 'text/xml', metadata TEXT NOT NULL DEFAULT '');
CREATE TABLE gpkg_metadata_reference (
  reference_scope TEXT NOT NULL, table_name TEXT, column_name TEXT, row_id_value INTEGER,
  timestamp DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  md_file_id INTEGER NOT NULL, md_parent_id INTEGER,
  CONSTRAINT crmr_mfi_fk FOREIGN KEY (md_file_id) REFERENCES gpkg_metadata(id),
  CONSTRAINT crmr_mpi_fk FOREIGN KEY (md_parent_id) REFERENCES gpkg_metadata(id));
INSERT INTO gpkg_extensions VALUES
 ('gpkg_metadata', NULL, 'gpkg_metadata', 'http://www.geopackage.org/spec120/#extension_metadata', 'read-write'),
 ('gpkg_metadata_reference', NULL, 'gpkg_metadata', 'http://www.geopackage.org/spec120/#extension_metadata', 'read-write');
"#;
