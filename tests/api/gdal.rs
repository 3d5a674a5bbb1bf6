//! GDAL/OGR, a real OGC API client, against the real binary.

use actix_web::http::StatusCode;

use crate::common;
use crate::common::http::get;

/// Whether GDAL's command-line tools are here; says loudly when a test skips for want of them.
fn have_gdal() -> bool {
    let have = std::process::Command::new("ogrinfo")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        let msg = "ogrinfo (Debian package gdal-bin) is not installed";
        if std::env::var("COMPUTE_ATLAS_REQUIRE_EXTERNAL").as_deref() == Ok("1") {
            panic!("{msg}; COMPUTE_ATLAS_REQUIRE_EXTERNAL=1 forbids skipping");
        }
        eprintln!("\n!!!! SKIPPED: {msg} !!!!\n");
    }
    have
}

#[actix_web::test]
async fn gdal_decodes_a_vector_tile_where_the_data_says() {
    use geo::Contains;
    if !have_gdal() {
        return;
    }
    let r =
        get("/collections/counties/tiles/WebMercatorQuad/7/46/97?properties=adcode,name_en").await;
    assert_eq!(r.status, StatusCode::OK);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tile.pbf");
    std::fs::write(&file, &r.body).unwrap();
    // GDAL's MVT driver places the tile on the grid from X/Y/Z and reprojects to WGS84.
    let o = std::process::Command::new("ogr2ogr")
        .args(["-f", "GeoJSON", "/vsistdout/"])
        .arg(&file)
        .args([
            "-oo",
            "X=97",
            "-oo",
            "Y=46",
            "-oo",
            "Z=7",
            "-t_srs",
            "EPSG:4326",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let fc: geojson::FeatureCollection = String::from_utf8_lossy(&o.stdout).parse().unwrap();
    let yiwu = fc
        .features
        .iter()
        .find(|f| f.property("adcode").and_then(|v| v.as_str()) == Some("650522"))
        .expect("Yiwu county in the tile GDAL read");
    assert_eq!(
        yiwu.property("name_en").and_then(|v| v.as_str()),
        Some("Yiwu County")
    );
    let g: geo_types::Geometry<f64> = yiwu.geometry.clone().unwrap().try_into().unwrap();
    // The Yiwu computing cluster's point lies in Yiwu county, and Hami's seat does not.
    assert!(g.contains(&geo_types::Point::new(94.68801, 43.24968)));
    assert!(!g.contains(&geo_types::Point::new(93.5153, 42.8185)));
}

#[test]
fn gdal_reads_every_layer() {
    if !have_gdal() {
        return;
    }
    let port = common::free_port();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_compute-atlas"));
    cmd.args(["serve", "--bind", &format!("127.0.0.1:{port}")]);
    for f in common::plant_files().unwrap_or_default() {
        cmd.arg("--plants").arg(f);
    }
    let mut child = cmd.stderr(std::process::Stdio::null()).spawn().unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _guard = Kill(child_take(&mut child));
    let url = format!("OAPIF:http://127.0.0.1:{port}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "server did not start");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let run = |args: &[&str]| -> String {
        let o = std::process::Command::new(args[0])
            .args(&args[1..])
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            !err.contains("Warning") && !err.contains("ERROR"),
            "{args:?} warned: {err}"
        );
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let list = run(&["ogrinfo", "-ro", "-q", &url]);
    for l in [
        "sites",
        "counties",
        "prefectures",
        "provinces",
        "renewable-bases",
    ] {
        assert!(list.contains(l), "{list}");
    }
    let count = |layer: &str, extra: &[&str]| -> usize {
        let mut a = vec!["ogrinfo", "-ro", "-so", "-al", &url, layer];
        a.splice(4..4, extra.iter().copied());
        let out = run(&a);
        let line = out
            .lines()
            .find(|l| l.starts_with("Feature Count:"))
            .unwrap_or_else(|| panic!("{out}"));
        line["Feature Count:".len()..].trim().parse().unwrap()
    };
    assert_eq!(count("counties", &[]), 1093);
    // 65 sites since the 2026-12-02 audit (one row merged, two added; geodata/README.md).
    assert_eq!(count("sites", &[]), 65);
    assert_eq!(count("prefectures", &[]), 141);
    // Attribute filter and bbox.
    let out = run(&[
        "ogrinfo",
        "-ro",
        "-q",
        &url,
        "sites",
        "-where",
        "province = 'Xinjiang'",
    ]);
    assert_eq!(out.matches("OGRFeature(sites)").count(), 13);
    let out = run(&[
        "ogrinfo", "-ro", "-q", &url, "sites", "-spat", "93", "42", "96", "44.5",
    ]);
    assert!(out.contains("xj-yiwu-acc"));
    // Copy a whole layer to a GeoPackage.
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("counties.gpkg");
    run(&[
        "ogr2ogr",
        "-f",
        "GPKG",
        gpkg.to_str().unwrap(),
        &url,
        "counties",
    ]);
    let out = run(&["ogrinfo", "-ro", "-so", gpkg.to_str().unwrap(), "counties"]);
    assert!(out.contains("Feature Count: 1093"), "{out}");
    assert!(
        out.contains("pflops_reported: Real"),
        "declared types reach GDAL: {out}"
    );
}

fn child_take(c: &mut std::process::Child) -> std::process::Child {
    std::mem::replace(c, std::process::Command::new("true").spawn().unwrap())
}

/// GDAL's OAPIF driver turns `-where` into a CQL2 `filter` once the server declares Part 3:
/// the server's request log shows it, and the count is the table's.
#[test]
fn gdal_where_is_sent_as_a_cql2_filter() {
    if !have_gdal() {
        return;
    }
    let port = common::free_port();
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_compute-atlas"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let _guard = Kill(child);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "server did not start");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let url = format!("OAPIF:http://127.0.0.1:{port}");
    // GDAL 3.6 (Debian 12) sends CQL only with this option (as `filter-lang=cql-text`, which
    // the server reads as cql2-text); 3.7 on send cql2-text from the conformance classes.
    let o = std::process::Command::new("ogrinfo")
        .env("OGR_OAPIF_ALLOW_CQL_TEXT", "YES")
        .args(["-ro", "-q", &url, "sites", "-where"])
        .arg("status = 'operational' AND province = 'Xinjiang'")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    let mut r = csv::Reader::from_path(common::data_dir().join("sites.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let (st, pr) = (
        h.iter().position(|c| c == "status").unwrap(),
        h.iter().position(|c| c == "province_en").unwrap(),
    );
    let want = r
        .records()
        .map(Result::unwrap)
        .filter(|rec| &rec[st] == "operational" && &rec[pr] == "Xinjiang")
        .count();
    assert!(want > 0);
    assert_eq!(out.matches("OGRFeature(sites)").count(), want, "{out}");
    let log = std::fs::read_to_string(&log_path).unwrap();
    let items: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("/collections/sites/items"))
        .collect();
    assert!(
        items.iter().any(|l| l.contains("filter=")),
        "GDAL sent no CQL2 filter: {items:#?}"
    );
}
