//! The web map in a real browser: headless Debian Chromium driven by playwright-core
//! (tests/browser/e2e.mjs) against the real binary with the real data; the map of the HTML
//! items pages (tests/browser/items-map.mjs); and the published folder on nginx.

mod common;

use common::browser::{assert_all_passed, playwright, skip_or_fail};

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn web_map_in_headless_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return skip_or_fail(&format!("{chromium} not found (Debian package chromium)"));
    }
    if Command::new("node").arg("--version").output().is_err() {
        return skip_or_fail("node not found (Node.js 20)");
    }
    let index = std::fs::read_to_string(root.join("web/dist/index.html")).unwrap_or_default();
    assert!(
        index.contains("<script"),
        "web/dist was not built by build.rs (is npm installed?)"
    );
    let Some(browser_dir) = playwright(root) else {
        return;
    };
    let port = common::free_port();
    // An edit store and an editor's token, so the test can make one edit and see the site
    // panel's "last changed" line follow the history.
    let edits = tempfile::tempdir().unwrap();
    let tokens = edits.path().join("tokens");
    let token = common::token(&tokens, "e2e-editor", "editor");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_compute-atlas"));
    cmd.args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .arg("--store")
        .arg(edits.path().join("edits.sqlite"))
        .arg("--tokens")
        .arg(&tokens);
    let plants = common::plant_files().unwrap_or_default();
    for f in &plants {
        cmd.arg("--plants").arg(f);
    }
    let _server = Server(cmd.stderr(Stdio::null()).spawn().unwrap());
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let shot = std::env::var("SCREENSHOT").unwrap_or_else(|_| {
        std::env::temp_dir()
            .join("compute-atlas-web.png")
            .display()
            .to_string()
    });
    let out = Command::new("node")
        .arg("e2e.mjs")
        .arg(format!("http://127.0.0.1:{port}/"))
        .env("SCREENSHOT", &shot)
        .env("CHROMIUM", &chromium)
        .env("E2E_EDIT_TOKEN", &token)
        .env(
            "E2E_EXPECT_PLANTS",
            if plants.is_empty() { "0" } else { "1" },
        )
        .current_dir(&browser_dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "browser test failed:\n{stdout}");
    assert_all_passed(&stdout);
    assert!(Path::new(&shot).exists(), "no screenshot at {shot}");
}

/// The map of the HTML items and item pages draws exactly the features of the page, from the
/// server's own origin, with no console error or policy violation (tests/browser/items-map.mjs).
#[test]
fn items_page_map_in_headless_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let Some(chromium) = common::browser::chromium() else {
        return;
    };
    common::browser::assert_web_built(root);
    let Some(browser_dir) = playwright(root) else {
        return;
    };
    let port = common::free_port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_compute-atlas"));
    cmd.args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .arg("--data")
        .arg(common::data_dir());
    let mut server = Server(
        cmd.stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = server.0.try_wait() {
            panic!("server exited at start-up: {status}");
        }
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = Command::new("node")
        .arg("items-map.mjs")
        .arg(format!("http://127.0.0.1:{port}/"))
        .env("CHROMIUM", &chromium)
        .current_dir(&browser_dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success(),
        "items map browser test failed:\n{stdout}"
    );
    assert_all_passed(&stdout);
    // Every page was checked, each with its features.
    assert_eq!(
        stdout
            .matches("the map draws exactly the page's features")
            .count(),
        5
    );
}

/// `compute-atlas publish` into a new folder, served by nginx under a path prefix (a plain
/// static server with range requests): the map loads the same layers and counts from the
/// PMTiles archives with no request outside the folder, and `embed.html` loads inside an iframe
/// of another origin (tests/browser/static.mjs).
#[test]
fn published_folder_on_nginx_in_headless_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return skip_or_fail(&format!("{chromium} not found (Debian package chromium)"));
    }
    if !common::nginx::available() {
        return;
    }
    let Some(browser_dir) = playwright(root) else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    let site = out.path().join("atlas");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_compute-atlas"));
    cmd.arg("publish")
        .arg(&site)
        .arg("--data")
        .arg(common::data_dir());
    let plants = common::plant_files().unwrap_or_default();
    for f in &plants {
        cmd.arg("--plants").arg(f);
    }
    let published = cmd.stderr(Stdio::null()).output().unwrap();
    assert!(published.status.success(), "publish failed");
    let report: serde_json::Value = serde_json::from_slice(&published.stdout).unwrap();
    let version: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(site.join("data-version.json")).unwrap())
            .unwrap();
    assert_eq!(version["data_version"], report["data_version"]);
    let sites: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(site.join("data/sites.geojson")).unwrap())
            .unwrap();
    let n_sites = sites["features"].as_array().unwrap().len();
    // Every layer with geometry has its archive, a PMTiles v3 file, and its downloads.
    for layer in version["layers"].as_array().unwrap() {
        let id = layer["id"].as_str().unwrap();
        let archive = std::fs::read(site.join(format!("tiles/{id}.pmtiles"))).unwrap();
        assert_eq!(&archive[..8], b"PMTiles\x03", "{id}");
        // The map's layers have their map archive too (the tiles the page draws).
        if compute_atlas::publish::MAP_TILE_QUERIES
            .iter()
            .any(|(m, _)| *m == id)
        {
            let map = std::fs::read(site.join(format!("tiles/map/{id}.pmtiles"))).unwrap();
            assert_eq!(&map[..8], b"PMTiles\x03", "map/{id}");
        }
        let geojson = std::fs::read_to_string(site.join(format!("data/{id}.geojson"))).unwrap();
        let v: serde_json::Value = serde_json::from_str(&geojson).unwrap();
        assert_eq!(
            v["features"].as_array().unwrap().len() as u64,
            layer["features"].as_u64().unwrap(),
            "{id}"
        );
        assert!(site.join(format!("data/{id}.csv")).exists());
    }
    for f in [
        "index.html",
        "embed.html",
        "ATTRIBUTION.md",
        "plots/index.json",
        "plots/choropleth-zh.svg",
        "data/analytics/counties.csv",
    ] {
        assert!(site.join(f).exists(), "{f}");
    }
    published_analytics_match_the_live_api(&site);
    gdal_reads_the_archives(&site, &sites, !plants.is_empty());
    let frame_dir = out.path().join("frame");
    std::fs::create_dir(&frame_dir).unwrap();
    let atlas_port = common::free_port();
    std::fs::write(
        frame_dir.join("frame.html"),
        format!("<!doctype html><html><body><iframe src=\"http://127.0.0.1:{atlas_port}/atlas/embed.html\" width=\"600\" height=\"400\"></iframe></body></html>"),
    )
    .unwrap();
    // The folder under /atlas/ (its URLs are relative), and a page of another origin framing it.
    let nginx = common::nginx::Nginx::start(&format!(
        "default_type application/octet-stream;\n\
         server {{ listen 127.0.0.1:{atlas_port}; location /atlas/ {{ alias {}/; }} }}\n\
         server {{ listen 127.0.0.1:{{port}}; root {}; }}",
        site.display(),
        frame_dir.display()
    ));
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", atlas_port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "nginx did not listen on {atlas_port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = Command::new("node")
        .arg("static.mjs")
        .arg(format!("http://127.0.0.1:{atlas_port}/atlas/"))
        .arg(format!("http://127.0.0.1:{}/frame.html", nginx.port))
        .env("CHROMIUM", &chromium)
        .env("EXPECT_SITES", n_sites.to_string())
        .env("EXPECT_PLANTS", if plants.is_empty() { "0" } else { "1" })
        .current_dir(&browser_dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success(),
        "static browser test failed:\n{stdout}"
    );
    assert_all_passed(&stdout);
}

/// The power balance and timeline files of a published folder against what the live API (the
/// app in process, on the same data) answers for the same requests: JSON parsed and compared
/// (the live `links` left out, as publish leaves them out), CSV byte for byte.
fn published_analytics_match_the_live_api(site: &Path) {
    let read = |rel: &str| {
        std::fs::read(site.join(rel)).unwrap_or_else(|e| panic!("{rel} not published: {e}"))
    };
    actix_web::rt::System::new().block_on(async {
        let mut checked = Vec::new();
        for level in ["county", "province", "site"] {
            checked.push((
                format!("data/analytics/power-balance-{level}.json"),
                format!("/analytics/power-balance?level={level}"),
            ));
            checked.push((
                format!("data/analytics/power-balance-{level}.csv"),
                format!("/analytics/power-balance?level={level}&f=csv"),
            ));
        }
        for by in ["month", "quarter", "year"] {
            checked.push((
                format!("data/analytics/timeline-{by}.json"),
                format!("/analytics/timeline?by={by}"),
            ));
        }
        for (file, uri) in checked {
            let live = common::http::get(&uri).await;
            assert_eq!(live.status, 200, "{uri}: {}", live.text());
            let published = read(&file);
            if file.ends_with(".csv") {
                assert!(live.body.contains(&b'\n'), "{uri}: no CSV rows");
                assert!(published == live.body, "{file} differs from {uri}");
                continue;
            }
            let mut want = live.json();
            if let Some(o) = want.as_object_mut() {
                o.remove("links");
            }
            let got: serde_json::Value = serde_json::from_slice(&published).unwrap();
            assert!(
                got.get("rows")
                    .or(got.get("periods"))
                    .is_some_and(|r| r.as_array().is_some_and(|a| !a.is_empty())),
                "{file} has no rows"
            );
            assert_eq!(got, want, "{file} differs from {uri}");
        }
    });
}

/// Another reader of the archives: GDAL's PMTiles driver (the GDAL bundled in pyogrio) finds at
/// the deepest zoom every site with its id, every county (a county cut by tile edges comes in
/// several pieces carrying the same adcode) and every located base; in the map's archives,
/// every county again with the map's four fields, and (with plant files) exactly the plants
/// the map draws (operating, counted, in the covered area) with the map's five fields.
fn gdal_reads_the_archives(site: &Path, sites: &serde_json::Value, with_plants: bool) {
    let python = std::env::var("COMPUTE_ATLAS_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = r#"
import json, os, sys, pyogrio
out = {}
for name, key in [("sites", "id"), ("counties", "adcode"), ("renewable-bases", "name"),
                  ("map/counties", "adcode"), ("map/power-plants", "id")]:
    path = f"{sys.argv[1]}/tiles/{name}.pmtiles"
    if not os.path.exists(path):
        continue
    layers = pyogrio.list_layers(path)
    df = pyogrio.read_dataframe(path, layer=layers[0][0])
    out[name] = sorted(str(v) for v in df[key].unique())
    out[name + " fields"] = sorted(c for c in df.columns if c not in ("geometry", "mvt_id"))
print(json.dumps(out))
"#;
    let run = Command::new(&python)
        .args(["-c", script])
        .arg(site)
        .output();
    let run = match run {
        Ok(r) if r.status.success() => r,
        Ok(r) => {
            let err = String::from_utf8_lossy(&r.stderr);
            if err.contains("No module named") {
                return skip_or_fail(&format!("pyogrio not importable by {python}: {err}"));
            }
            panic!("GDAL could not read the archives: {err}");
        }
        Err(e) => return skip_or_fail(&format!("{python} not runnable: {e}")),
    };
    let found: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let mut site_ids: Vec<String> = sites["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    site_ids.sort();
    assert_eq!(found["sites"], serde_json::json!(site_ids));
    let geojson = |id: &str| -> serde_json::Value {
        serde_json::from_str(
            &std::fs::read_to_string(site.join(format!("data/{id}.geojson"))).unwrap(),
        )
        .unwrap()
    };
    let mut adcodes: Vec<String> = geojson("counties")["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            f["properties"]["adcode"]
                .to_string()
                .trim_matches('"')
                .to_string()
        })
        .collect();
    adcodes.sort();
    assert_eq!(found["counties"], serde_json::json!(adcodes));
    let mut bases: Vec<String> = geojson("renewable-bases")["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !f["geometry"].is_null())
        .map(|f| f["properties"]["name"].as_str().unwrap().to_string())
        .collect();
    bases.sort();
    bases.dedup();
    assert_eq!(found["renewable-bases"], serde_json::json!(bases));
    assert_eq!(found["map/counties"], serde_json::json!(adcodes));
    assert_eq!(
        found["map/counties fields"],
        serde_json::json!(["adcode", "name_en", "pflops_zone_aggregate", "province"])
    );
    if !with_plants {
        return;
    }
    let mut drawn: Vec<String> = geojson("power-plants")["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            let p = &f["properties"];
            p["status"] == "operating" && p["counted"] == true && p["in_area"] == true
        })
        .map(|f| f["properties"]["id"].as_str().unwrap().to_string())
        .collect();
    drawn.sort();
    drawn.dedup();
    assert!(drawn.len() > 100, "{} plants drawn", drawn.len());
    assert_eq!(found["map/power-plants"], serde_json::json!(drawn));
    assert_eq!(
        found["map/power-plants fields"],
        serde_json::json!(["capacity_mw", "fuel", "id", "name", "unit"])
    );
}
