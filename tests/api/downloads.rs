//! Downloads as GIS tools read them: GDAL/OGR opens the GeoPackage and FlatGeobuf files of
//! every collection (feature counts, geometry types, field types), and GeoPandas (pyogrio,
//! pyarrow) reads the GeoParquet and FlatGeobuf files.

use actix_web::http::StatusCode;

use crate::common::http::{get, state};
use compute_atlas::layers::{GeometryKind, Layer, PropType};

/// Says loudly when a test skips for want of a tool; fails in CI.
fn skip(msg: &str) {
    if std::env::var("COMPUTE_ATLAS_REQUIRE_EXTERNAL").as_deref() == Ok("1") {
        panic!("{msg}; COMPUTE_ATLAS_REQUIRE_EXTERNAL=1 forbids skipping");
    }
    eprintln!("\n!!!! SKIPPED: {msg} !!!!\n");
}

fn have_ogrinfo() -> bool {
    let have = std::process::Command::new("ogrinfo")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        skip("ogrinfo (Debian package gdal-bin) is not installed");
    }
    have
}

/// The Python that has GeoPandas, pyogrio and pyarrow: `COMPUTE_ATLAS_PYTHON` (set by .ci/run
/// to its virtual environment) or `python3`.
fn geopandas_python() -> Option<String> {
    let py = std::env::var("COMPUTE_ATLAS_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = std::process::Command::new(&py)
        .args(["-c", "import geopandas, pyogrio, pyarrow"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        Some(py)
    } else {
        skip(&format!(
            "{py} lacks geopandas, pyogrio or pyarrow (pip install geopandas pyogrio pyarrow)"
        ));
        None
    }
}

/// One layer as `ogrinfo -so` describes it.
#[derive(Debug)]
struct OgrLayer {
    name: String,
    geometry: String,
    count: usize,
    fields: Vec<(String, String)>,
}

fn ogrinfo(path: &std::path::Path) -> Vec<OgrLayer> {
    let o = std::process::Command::new("ogrinfo")
        .args(["-ro", "-so", "-al"])
        .arg(path)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    let mut layers: Vec<OgrLayer> = Vec::new();
    for line in text.lines() {
        if let Some(n) = line.strip_prefix("Layer name: ") {
            layers.push(OgrLayer {
                name: n.trim().into(),
                geometry: String::new(),
                count: 0,
                fields: Vec::new(),
            });
            continue;
        }
        let Some(l) = layers.last_mut() else { continue };
        if let Some(g) = line.strip_prefix("Geometry: ") {
            l.geometry = g.trim().into();
        } else if let Some(c) = line.strip_prefix("Feature Count: ") {
            l.count = c.trim().parse().unwrap();
        } else if let Some((name, rest)) = line.split_once(": ") {
            // Field lines: `name: Type (width.precision)`.
            if !name.contains(' ') && rest.ends_with(')') && rest.contains(" (") {
                let ty = rest.split(" (").next().unwrap();
                l.fields.push((name.into(), ty.into()));
            }
        }
    }
    layers
}

fn ogr_type(kind: PropType) -> &'static str {
    match kind {
        PropType::String => "String",
        PropType::Integer => "Integer64",
        PropType::Number => "Real",
        PropType::Boolean => "Integer(Boolean)",
    }
}

fn ogr_geometry(kind: GeometryKind) -> &'static str {
    match kind {
        GeometryKind::Point => "Point",
        GeometryKind::MultiPolygon => "Multi Polygon",
        GeometryKind::None => "None",
    }
}

/// What GDAL read matches the layer: count, geometry type, every property with its type.
fn assert_layer(read: &OgrLayer, layer: &Layer, count: usize) {
    assert_eq!(read.name, layer.id);
    assert_eq!(read.count, count, "{}: feature count", layer.id);
    assert_eq!(read.geometry, ogr_geometry(layer.geometry), "{}", layer.id);
    for p in &layer.properties {
        let t = read
            .fields
            .iter()
            .find(|(n, _)| n == p.name)
            .unwrap_or_else(|| panic!("{}: no field {} in {:?}", layer.id, p.name, read.fields));
        assert_eq!(t.1, ogr_type(p.kind), "{}.{}", layer.id, p.name);
    }
}

async fn download(uri: &str, dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    let r = get(uri).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "{uri}: {}",
        String::from_utf8_lossy(&r.body)
    );
    let path = dir.join(name);
    std::fs::write(&path, &r.body).unwrap();
    path
}

#[actix_web::test]
async fn gdal_reads_every_collection_as_geopackage_and_flatgeobuf() {
    if !have_ogrinfo() {
        return;
    }
    let served = state().snapshot();
    let dir = tempfile::tempdir().unwrap();
    for layer in &served.layers {
        for f in ["gpkg", "fgb"] {
            let r = get(&format!("/collections/{}/items?f={f}", layer.id)).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            let media = if f == "gpkg" {
                "application/geopackage+sqlite3"
            } else {
                "application/flatgeobuf"
            };
            assert_eq!(r.header("content-type").as_deref(), Some(media));
            let path = dir.path().join(format!("{}.{f}", layer.id));
            std::fs::write(&path, &r.body).unwrap();
            let read = ogrinfo(&path);
            assert_eq!(read.len(), 1, "{f} of {}", layer.id);
            assert_layer(&read[0], layer, layer.features.len());
        }
    }
}

#[actix_web::test]
async fn the_atlas_geopackage_holds_every_layer_with_its_attribution() {
    if !have_ogrinfo() {
        return;
    }
    let served = state().snapshot();
    let dir = tempfile::tempdir().unwrap();
    let path = download("/downloads/atlas.gpkg", dir.path(), "atlas.gpkg").await;
    let read = ogrinfo(&path);
    assert_eq!(read.len(), served.layers.len());
    for layer in &served.layers {
        let l = read.iter().find(|l| l.name == layer.id).unwrap();
        assert_layer(l, layer, layer.features.len());
    }
    // The attribution travels in the file (gpkg_contents.description).
    let o = std::process::Command::new("ogrinfo")
        .args(["-ro", "-so", "-al", "-mdd", "all"])
        .arg(&path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    for layer in &served.layers {
        if !layer.attribution.is_empty() {
            assert!(
                text.contains(&layer.attribution),
                "{}: attribution missing from the GeoPackage",
                layer.id
            );
        }
    }
}

#[actix_web::test]
async fn downloads_honour_bbox_and_properties_like_items() {
    if !have_ogrinfo() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Xinjiang's east: the same selection as items.
    let q = "bbox=88,39,96,46&properties=name_en,adcode";
    let items = get(&format!("/collections/counties/items?{q}&limit=1"))
        .await
        .json();
    let matched = items["numberMatched"].as_u64().unwrap() as usize;
    assert!(matched > 0);
    for f in ["gpkg", "fgb"] {
        let path = download(
            &format!("/collections/counties/items?f={f}&{q}"),
            dir.path(),
            &format!("part.{f}"),
        )
        .await;
        let read = ogrinfo(&path);
        assert_eq!(read[0].count, matched, "{f}");
        let names: Vec<&str> = read[0].fields.iter().map(|(n, _)| n.as_str()).collect();
        assert!(
            names.contains(&"name_en") && names.contains(&"adcode"),
            "{f}: {names:?}"
        );
        assert!(!names.contains(&"province_en"), "{f}: {names:?}");
    }
}

#[actix_web::test]
async fn geopandas_reads_the_geoparquet_and_the_flatgeobuf() {
    let Some(py) = geopandas_python() else { return };
    let served = state().snapshot();
    let dir = tempfile::tempdir().unwrap();
    for layer in &served.layers {
        let pq = download(
            &format!("/collections/{}/items?f=parquet", layer.id),
            dir.path(),
            &format!("{}.parquet", layer.id),
        )
        .await;
        let fgb = download(
            &format!("/collections/{}/items?f=fgb", layer.id),
            dir.path(),
            &format!("{}.fgb", layer.id),
        )
        .await;
        // Prints: rows, geometry types, CRS, and whether the bbox covering is declared.
        let script = r#"
import json, sys, geopandas, pyarrow.parquet as pq
a = geopandas.read_parquet(sys.argv[1])
b = geopandas.read_file(sys.argv[2], engine="pyogrio")
geo = json.loads(pq.ParquetFile(sys.argv[1]).metadata.metadata[b"geo"])
print(json.dumps({
  "parquet_rows": len(a), "fgb_rows": len(b),
  "parquet_types": sorted(set(a.geom_type.dropna())), "fgb_types": sorted(set(b.geom_type.dropna())),
  "parquet_crs": a.crs.to_string(), "fgb_epsg": b.crs.to_epsg(),
  "covering": geo["columns"]["geometry"].get("covering"), "version": geo["version"],
  "columns": list(a.columns),
}))
"#;
        let o = std::process::Command::new(&py)
            .args(["-c", script])
            .arg(&pq)
            .arg(&fgb)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let n = layer.features.len();
        assert_eq!(v["parquet_rows"], n, "{}", layer.id);
        assert_eq!(v["fgb_rows"], n, "{}", layer.id);
        let ty = ogr_geometry(layer.geometry).replace(' ', "");
        assert_eq!(v["parquet_types"], serde_json::json!([ty]), "{}", layer.id);
        assert_eq!(v["fgb_types"], serde_json::json!([ty]), "{}", layer.id);
        // GeoParquet without a `crs` member is OGC:CRS84 (longitude first).
        assert_eq!(v["parquet_crs"], "OGC:CRS84");
        assert_eq!(v["fgb_epsg"], 4326);
        assert_eq!(v["version"], "1.1.0");
        assert_eq!(
            v["covering"]["bbox"]["xmin"],
            serde_json::json!(["bbox", "xmin"])
        );
        for p in &layer.properties {
            assert!(
                v["columns"].as_array().unwrap().iter().any(|c| c == p.name),
                "{}.{} missing from the GeoParquet",
                layer.id,
                p.name
            );
        }
    }
}

#[actix_web::test]
async fn downloads_are_linked_with_their_media_types() {
    let landing = get("/").await;
    let landing = if landing.header("content-type").as_deref() == Some("application/json") {
        landing.json()
    } else {
        get("/?f=json").await.json()
    };
    let links = landing["links"].as_array().unwrap();
    assert!(links.iter().any(|l| l["href"]
        .as_str()
        .unwrap()
        .ends_with("/downloads/atlas.gpkg")
        && l["type"] == "application/geopackage+sqlite3"));
    let c = get("/collections/sites").await.json();
    for (f, media) in [
        ("gpkg", "application/geopackage+sqlite3"),
        ("fgb", "application/flatgeobuf"),
        ("parquet", "application/vnd.apache.parquet"),
    ] {
        assert!(
            c["links"].as_array().unwrap().iter().any(|l| l["href"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/collections/sites/items?f={f}"))
                && l["type"] == media),
            "{f}"
        );
    }
}

#[test]
fn export_layers_writes_what_gdal_reads() {
    if !have_ogrinfo() {
        return;
    }
    let served = state().snapshot();
    // The same data and plant files as the test service, so the same layers.
    let plants = crate::common::plant_files().unwrap_or_default();
    let dir = tempfile::tempdir().unwrap();
    for f in ["gpkg", "fgb"] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_compute-atlas"))
            .args(["export-layers", "--format", f, "-o"])
            .arg(dir.path())
            .arg("--data")
            .arg(crate::common::data_dir())
            .args(
                plants
                    .iter()
                    .flat_map(|p| [std::ffi::OsStr::new("--plants"), p.as_os_str()]),
            )
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let atlas = ogrinfo(&dir.path().join("atlas.gpkg"));
    assert_eq!(atlas.len(), served.layers.len());
    for layer in &served.layers {
        let l = atlas.iter().find(|l| l.name == layer.id).unwrap();
        assert_layer(l, layer, layer.features.len());
        let fgb = ogrinfo(&dir.path().join(format!("{}.fgb", layer.id)));
        assert_layer(&fgb[0], layer, layer.features.len());
    }
}
