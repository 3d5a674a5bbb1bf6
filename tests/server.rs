//! OGC API - Features through actix's test server, on the real data (with the power-plant
//! files when available), and GDAL/OGR as a real client against the real binary.

mod common;

use std::collections::HashSet;
use std::sync::OnceLock;

use actix_web::http::{header, StatusCode};
use actix_web::test as atest;
use actix_web::web::Data;
use compute_atlas::server::{app, AppState, Served, WebConfig};
use compute_atlas::{Atlas, AtlasConfig};
use serde_json::Value;

fn state() -> Data<AppState> {
    static S: OnceLock<Data<AppState>> = OnceLock::new();
    S.get_or_init(|| {
        let mut config = AtlasConfig::new(common::data_dir());
        config.plant_files = common::plant_files().unwrap_or_default();
        let atlas = Atlas::build(&config).expect("atlas builds");
        Data::new(AppState::new(Served::from_atlas(atlas), config))
    })
    .clone()
}

struct Resp {
    status: StatusCode,
    headers: header::HeaderMap,
    body: Vec<u8>,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    }
}

async fn get_with(uri: &str, headers: &[(&str, &str)]) -> Resp {
    let svc = atest::init_service(app(state(), Data::new(WebConfig::default()), None)).await;
    let mut req = atest::TestRequest::get().uri(uri);
    for (k, v) in headers {
        req = req.insert_header((*k, *v));
    }
    let resp = atest::call_service(&svc, req.to_request()).await;
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = atest::read_body(resp).await.to_vec();
    Resp {
        status,
        headers,
        body,
    }
}

async fn get(uri: &str) -> Resp {
    get_with(uri, &[]).await
}

async fn bad(uri: &str, status: StatusCode, needle: &str) {
    let r = get(uri).await;
    assert_eq!(r.status, status, "{uri}: {}", r.text());
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/problem+json"),
        "{uri}"
    );
    let detail = r.json()["detail"].as_str().unwrap().to_string();
    assert!(
        detail.contains(needle),
        "{uri}: detail {detail:?} lacks {needle:?}"
    );
}

fn ids(v: &Value) -> Vec<String> {
    v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

fn link<'a>(v: &'a Value, rel: &str) -> Option<&'a Value> {
    v["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == rel)
}

/// Strips scheme and host from a link so the test service can follow it.
fn local(href: &str) -> String {
    let rest = href.split_once("://").unwrap().1;
    rest[rest.find('/').unwrap()..].to_string()
}

#[actix_web::test]
async fn landing_conformance_and_api() {
    let r = get("/").await;
    assert_eq!(r.status, 200);
    let v = r.json();
    for (rel, ty) in [
        ("self", "application/json"),
        (
            "service-desc",
            "application/vnd.oai.openapi+json;version=3.0",
        ),
        ("conformance", "application/json"),
        ("data", "application/json"),
        ("service-doc", "text/html"),
    ] {
        assert_eq!(
            link(&v, rel).unwrap_or_else(|| panic!("no {rel}"))["type"],
            ty
        );
    }
    let c = get("/conformance").await.json();
    let classes: Vec<&str> = c["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap())
        .collect();
    assert!(classes.contains(&"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"));
    assert!(classes.contains(&"http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs"));
    assert!(
        !classes.iter().any(|c| c.ends_with("/html")),
        "no HTML encoding is served"
    );
    let r = get("/api").await;
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/vnd.oai.openapi+json;version=3.0")
    );
    let api = r.text();
    let doc: Value = serde_json::from_str(&api).unwrap();
    assert_eq!(doc["openapi"], "3.0.3");
    let params = doc["paths"]["/collections/sites/items"]["get"]["parameters"]
        .as_array()
        .unwrap();
    for p in [
        "limit",
        "bbox",
        "bbox-crs",
        "crs",
        "datetime",
        "sortby",
        "properties",
        "status",
        "province",
    ] {
        assert!(
            params.iter().any(|x| x["name"] == p),
            "sites items lacks parameter {p}"
        );
    }
    assert!(doc["paths"]["/collections/counties/items/{featureId}"].is_object());
    // Self-contained: every $ref is local.
    for (i, _) in api.match_indices("\"$ref\":\"") {
        assert!(
            api[i + 8..].starts_with("#/"),
            "external $ref near {}",
            &api[i..i + 60]
        );
    }
}

#[actix_web::test]
async fn collections_describe_extent_crs_and_attribution() {
    let v = get("/collections").await.json();
    let cols = v["collections"].as_array().unwrap();
    let names: Vec<&str> = cols.iter().map(|c| c["id"].as_str().unwrap()).collect();
    for id in [
        "sites",
        "counties",
        "prefectures",
        "provinces",
        "renewable-bases",
    ] {
        assert!(names.contains(&id), "{names:?}");
    }
    for c in cols {
        assert!(c["attribution"].as_str().unwrap().len() > 20);
        assert_eq!(
            c["storageCrs"],
            "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
        );
        assert!(c["crs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x == "http://www.opengis.net/def/crs/EPSG/0/3857"));
    }
    let sites = get("/collections/sites").await.json();
    let bbox = &sites["extent"]["spatial"]["bbox"][0];
    assert!(bbox[0].as_f64().unwrap() > 73.0 && bbox[2].as_f64().unwrap() < 127.0);
    assert!(sites["extent"]["temporal"]["interval"][0][0]
        .as_str()
        .unwrap()
        .starts_with("20"));
    assert!(get("/collections/counties").await.json()["extent"]
        .get("temporal")
        .is_none());
    bad(
        "/collections/nope",
        StatusCode::NOT_FOUND,
        "no collection `nope`",
    )
    .await;
    if common::plant_files().is_some() {
        let p = get("/collections/power-plants").await.json();
        assert!(p["attribution"]
            .as_str()
            .unwrap()
            .contains("Global Energy Monitor"));
        assert!(p["attribution"].as_str().unwrap().contains("CC BY 4.0"));
    }
}

#[actix_web::test]
async fn paging_through_counties_yields_each_once() {
    let mut uri = "/collections/counties/items?limit=100".to_string();
    let mut seen = HashSet::new();
    let mut pages = 0;
    loop {
        let v = get(&uri).await.json();
        assert_eq!(v["numberMatched"], 1093);
        assert_eq!(
            v["numberReturned"].as_u64().unwrap() as usize,
            ids(&v).len()
        );
        for id in ids(&v) {
            assert!(seen.insert(id.clone()), "{id} twice");
        }
        pages += 1;
        if pages > 1 {
            assert!(link(&v, "prev").is_some());
        }
        match link(&v, "next") {
            Some(l) => uri = local(l["href"].as_str().unwrap()),
            None => break,
        }
    }
    assert_eq!((seen.len(), pages), (1093, 11));
    let v = get("/collections/counties/items?offset=2000").await.json();
    assert_eq!(v["numberReturned"], 0);
    assert!(link(&v, "next").is_none());
}

#[actix_web::test]
async fn bbox_and_property_filters() {
    // Around Hami: the Yiwu cluster.
    let v = get("/collections/sites/items?bbox=93,42,96,44.5")
        .await
        .json();
    let got = ids(&v);
    assert!(got.contains(&"xj-yiwu-acc".to_string()), "{got:?}");
    assert!(got.iter().all(|id| id.starts_with("xj-")));
    let v = get("/collections/counties/items?bbox=94.5,43.1,94.8,43.3&limit=1000")
        .await
        .json();
    assert!(ids(&v).contains(&"650522".to_string()));
    let v = get("/collections/sites/items?province=Xinjiang")
        .await
        .json();
    assert_eq!(v["numberMatched"], 13);
    let v = get("/collections/counties/items?province=xinjiang&limit=1")
        .await
        .json();
    assert_eq!(v["numberMatched"], 106);
    let v = get("/collections/sites/items?status=operational&province=Qinghai")
        .await
        .json();
    for f in v["features"].as_array().unwrap() {
        assert_eq!(f["properties"]["status"], "operational");
    }
    // The same box given in Web Mercator finds the same sites.
    let (x0, y0) = (
        93.0f64.to_radians() * 6378137.0,
        (std::f64::consts::FRAC_PI_4 + 42f64.to_radians() / 2.0)
            .tan()
            .ln()
            * 6378137.0,
    );
    let (x1, y1) = (
        96.0f64.to_radians() * 6378137.0,
        (std::f64::consts::FRAC_PI_4 + 44.5f64.to_radians() / 2.0)
            .tan()
            .ln()
            * 6378137.0,
    );
    let uri = format!("/collections/sites/items?bbox={x0},{y0},{x1},{y1}&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/3857");
    assert_eq!(ids(&get(&uri).await.json()), got);
    // EPSG:4326 bbox is latitude first.
    let v = get("/collections/sites/items?bbox=42,93,44.5,96&bbox-crs=EPSG:4326")
        .await
        .json();
    assert_eq!(ids(&v), got);
    bad(
        "/collections/sites/items?bbox=96,42,93,44",
        StatusCode::BAD_REQUEST,
        "lower corner",
    )
    .await;
    bad(
        "/collections/sites/items?bbox=93,42,96",
        StatusCode::BAD_REQUEST,
        "4 numbers",
    )
    .await;
    bad(
        "/collections/sites/items?bbox=93,NaN,96,44",
        StatusCode::BAD_REQUEST,
        "finite",
    )
    .await;
    bad(
        "/collections/sites/items?bbox-crs=EPSG:3857",
        StatusCode::BAD_REQUEST,
        "without bbox",
    )
    .await;
    bad(
        "/collections/sites/items?province=Xinjiang&foo=1",
        StatusCode::BAD_REQUEST,
        "unknown parameter `foo`",
    )
    .await;
    bad(
        "/collections/sites/items?a=1&a=2",
        StatusCode::BAD_REQUEST,
        "more than once",
    )
    .await;
}

#[actix_web::test]
async fn limits_offsets_properties_and_sorting() {
    let v = get("/collections/counties/items?limit=20000&properties=adcode")
        .await
        .json();
    assert_eq!(v["numberReturned"], 1093);
    assert!(v["notes"][0].as_str().unwrap().contains("10000"));
    bad(
        "/collections/counties/items?limit=0",
        StatusCode::BAD_REQUEST,
        "out of range",
    )
    .await;
    bad(
        "/collections/counties/items?limit=ten",
        StatusCode::BAD_REQUEST,
        "whole number",
    )
    .await;
    bad(
        "/collections/counties/items?offset=-1",
        StatusCode::BAD_REQUEST,
        "whole number",
    )
    .await;
    bad(
        "/collections/counties/items?offset=99999999999",
        StatusCode::BAD_REQUEST,
        "out of range",
    )
    .await;
    let v = get("/collections/sites/items?properties=id,status&limit=3")
        .await
        .json();
    let props = v["features"][0]["properties"].as_object().unwrap();
    assert_eq!(props.keys().collect::<Vec<_>>(), vec!["id", "status"]);
    bad(
        "/collections/sites/items?properties=id,nope",
        StatusCode::BAD_REQUEST,
        "`nope` is not a property",
    )
    .await;
    let v = get("/collections/sites/items?sortby=-reported_pflops&limit=3")
        .await
        .json();
    assert_eq!(ids(&v)[0], "xj-yiwu-acc");
    let vals: Vec<f64> = v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["reported_pflops"].as_f64().unwrap())
        .collect();
    assert!(vals.windows(2).all(|w| w[0] >= w[1]));
    // Nulls sort last in both directions.
    let v = get("/collections/sites/items?sortby=reported_pflops&limit=64")
        .await
        .json();
    let f = v["features"].as_array().unwrap();
    assert!(f[0]["properties"]["reported_pflops"].is_number());
    assert!(f[63]["properties"]["reported_pflops"].is_null());
    bad(
        "/collections/sites/items?sortby=nope",
        StatusCode::BAD_REQUEST,
        "sortby",
    )
    .await;
    bad(
        "/collections/sites/items?precision=12",
        StatusCode::BAD_REQUEST,
        "precision",
    )
    .await;
}

#[actix_web::test]
async fn datetime_filters_layers_with_dates() {
    let a = common::atlas();
    let in_2025 = a
        .sites
        .iter()
        .filter(|s| {
            s.reported_date.is_some_and(|d| {
                chrono::Datelike::year(&d.end()) >= 2025
                    && chrono::Datelike::year(&d.start()) <= 2025
            })
        })
        .count();
    let v = get("/collections/sites/items?datetime=2025-01-01/2025-12-31&limit=100")
        .await
        .json();
    assert_eq!(v["numberMatched"].as_u64().unwrap() as usize, in_2025);
    let open = get("/collections/sites/items?datetime=2026-01-01/..")
        .await
        .json();
    let n2026 = a
        .sites
        .iter()
        .filter(|s| s.reported_date.is_some_and(|d| d.year >= 2026))
        .count();
    assert_eq!(open["numberMatched"].as_u64().unwrap() as usize, n2026);
    let instant = get("/collections/sites/items?datetime=2025-10-15T00:00:00Z")
        .await
        .json();
    assert!(
        ids(&instant).contains(&"xj-yiwu-acc".to_string()),
        "2025-10 covers 15 October"
    );
    bad(
        "/collections/counties/items?datetime=2025-01-01",
        StatusCode::BAD_REQUEST,
        "no date property",
    )
    .await;
    bad(
        "/collections/sites/items?datetime=2025-13-01",
        StatusCode::BAD_REQUEST,
        "datetime",
    )
    .await;
    bad(
        "/collections/sites/items?datetime=../..",
        StatusCode::BAD_REQUEST,
        "open",
    )
    .await;
}

#[actix_web::test]
async fn crs_output_agrees_with_proj() {
    // Checked with PROJ: EPSG:4326 -> EPSG:3857 of (93.5153, 42.8185) = (10410075.577, 5284386.374).
    let mut c = [(93.5153, 42.8185)];
    compute_atlas::crs::from_crs84(compute_atlas::crs::Crs::Epsg(3857), &mut c).unwrap();
    assert!(
        (c[0].0 - 10410075.577).abs() < 0.01 && (c[0].1 - 5284386.374).abs() < 0.01,
        "{c:?}"
    );
    let r =
        get("/collections/sites/items/xj-yiwu-acc?crs=http://www.opengis.net/def/crs/EPSG/0/3857")
            .await;
    assert_eq!(
        r.header("content-crs").as_deref(),
        Some("<http://www.opengis.net/def/crs/EPSG/0/3857>")
    );
    let xy = r.json()["geometry"]["coordinates"].clone();
    let (lon, lat) = (94.68801f64, 43.24968f64);
    let want = (
        lon.to_radians() * 6378137.0,
        (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0)
            .tan()
            .ln()
            * 6378137.0,
    );
    assert!(
        (xy[0].as_f64().unwrap() - want.0).abs() < 0.1
            && (xy[1].as_f64().unwrap() - want.1).abs() < 0.1,
        "{xy}"
    );
    // EPSG:4326 and CGCS2000 are latitude first.
    for code in ["4326", "4490"] {
        let v = get(&format!(
            "/collections/sites/items/xj-yiwu-acc?crs=EPSG:{code}"
        ))
        .await
        .json();
        assert_eq!(v["geometry"]["coordinates"], serde_json::json!([lat, lon]));
    }
    // UTM 46N (Yiwu lies at 94.7E): the inverse gives the point back.
    let v = get("/collections/sites/items/xj-yiwu-acc?crs=EPSG:32646")
        .await
        .json();
    let (e, n) = (
        v["geometry"]["coordinates"][0].as_f64().unwrap(),
        v["geometry"]["coordinates"][1].as_f64().unwrap(),
    );
    assert!(
        (400_000.0..900_000.0).contains(&e) && (4_700_000.0..4_900_000.0).contains(&n),
        "{e},{n}"
    );
    let back = compute_atlas::crs::to_crs84(compute_atlas::crs::Crs::Epsg(32646), e, n).unwrap();
    assert!((back.0 - lon).abs() < 1e-5 && (back.1 - lat).abs() < 1e-5);
    let r = get("/collections/counties/items?limit=2").await;
    assert_eq!(
        r.header("content-crs").as_deref(),
        Some("<http://www.opengis.net/def/crs/OGC/1.3/CRS84>")
    );
    bad(
        "/collections/sites/items?crs=EPSG:2000",
        StatusCode::BAD_REQUEST,
        "http://www.opengis.net/def/crs/EPSG/0/32649",
    )
    .await;
}

fn signed_area(ring: &[Value]) -> f64 {
    ring.windows(2)
        .map(|w| {
            w[0][0].as_f64().unwrap() * w[1][1].as_f64().unwrap()
                - w[1][0].as_f64().unwrap() * w[0][1].as_f64().unwrap()
        })
        .sum::<f64>()
        / 2.0
}

#[actix_web::test]
async fn geojson_is_rfc7946() {
    let v = get("/collections/counties/items?limit=10000").await.json();
    for f in v["features"].as_array().unwrap() {
        assert_eq!(
            f["geometry"]["type"], "MultiPolygon",
            "one geometry type per layer"
        );
        for poly in f["geometry"]["coordinates"].as_array().unwrap() {
            let rings = poly.as_array().unwrap();
            assert!(
                signed_area(rings[0].as_array().unwrap()) > 0.0,
                "exterior of {} is not counter-clockwise",
                f["id"]
            );
            for hole in &rings[1..] {
                assert!(
                    signed_area(hole.as_array().unwrap()) < 0.0,
                    "hole of {} is not clockwise",
                    f["id"]
                );
            }
            let c = &rings[0][0];
            assert!(
                (73.0..127.0).contains(&c[0].as_f64().unwrap())
                    && (20.0..54.0).contains(&c[1].as_f64().unwrap())
            );
        }
    }
    // About 1 m: five decimals by default, configurable.
    let s = get("/collections/sites/items/xj-yiwu-acc").await.json();
    assert_eq!(
        s["geometry"]["coordinates"],
        serde_json::json!([94.68801, 43.24968])
    );
    let s = get("/collections/sites/items/xj-yiwu-acc?precision=2")
        .await
        .json();
    assert_eq!(
        s["geometry"]["coordinates"],
        serde_json::json!([94.69, 43.25])
    );
    // Unknown figures are null, not zero.
    let s = get("/collections/sites/items/xj-xinxing-tianyu")
        .await
        .json();
    assert!(s["properties"]
        .as_object()
        .unwrap()
        .values()
        .any(Value::is_null));
}

#[actix_web::test]
async fn single_features_and_errors() {
    let r = get("/collections/sites/items/xj-yiwu-acc").await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/geo+json")
    );
    let v = r.json();
    assert_eq!(
        v["properties"]["name_en"],
        "Yiwu Advanced Computing Cluster"
    );
    assert_eq!(v["properties"]["located_county_adcode"], "650522");
    assert!(link(&v, "self").is_some() && link(&v, "collection").is_some());
    assert_eq!(
        get("/collections/counties/items/650522").await.json()["properties"]["name_en"],
        "Yiwu County"
    );
    bad(
        "/collections/sites/items/nope",
        StatusCode::NOT_FOUND,
        "no feature `nope`",
    )
    .await;
    bad(
        "/collections/sites/items?f=xml",
        StatusCode::NOT_ACCEPTABLE,
        "f=xml",
    )
    .await;
    let r = get_with("/collections/sites/items", &[("Accept", "application/xml")]).await;
    assert_eq!(r.status, StatusCode::NOT_ACCEPTABLE);
    for accept in ["application/geo+json", "application/json", "*/*"] {
        let r = get_with("/collections/sites/items?limit=1", &[("Accept", accept)]).await;
        assert_eq!(r.status, 200, "{accept}");
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("application/geo+json")
        );
    }
    bad("/nowhere", StatusCode::NOT_FOUND, "/nowhere").await;
    bad(
        "/collections/sites/items?province=%FF",
        StatusCode::BAD_REQUEST,
        "UTF-8",
    )
    .await;
    let long = format!("/collections/sites/items?province={}", "x".repeat(9000));
    bad(&long, StatusCode::BAD_REQUEST, "limit is 8192").await;
}

#[actix_web::test]
async fn csv_output_for_spreadsheets() {
    let r = get("/collections/sites/items?f=csv&limit=100").await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/csv"));
    let mut rdr = csv::Reader::from_reader(r.body.as_slice());
    let h = rdr.headers().unwrap().clone();
    assert_eq!(&h[0], "feature_id");
    assert!(h.iter().any(|c| c == "lon") && h.iter().any(|c| c == "lat"));
    // 65 sites since the 2026-12-02 audit (one row merged, two added; geodata/README.md).
    assert_eq!(rdr.records().count(), 65);
    let r = get("/collections/counties/items?f=csv&limit=5&properties=adcode,name_en").await;
    let text = r.text();
    let first = text.lines().nth(1).unwrap();
    assert!(
        first.contains("MULTIPOLYGON((("),
        "{}",
        &first[..80.min(first.len())]
    );
}

#[actix_web::test]
async fn http_niceties_cors_gzip_etag() {
    let r = get_with(
        "/collections/sites/items",
        &[("Origin", "http://example.org")],
    )
    .await;
    assert_eq!(
        r.header("access-control-allow-origin").as_deref(),
        Some("http://example.org")
    );
    let r = get_with(
        "/collections/counties/items?limit=50",
        &[("Accept-Encoding", "gzip")],
    )
    .await;
    assert_eq!(r.header("content-encoding").as_deref(), Some("gzip"));
    let r = get("/collections/sites/items?limit=5").await;
    let etag = r.header("etag").unwrap();
    assert!(r.header("cache-control").unwrap().contains("max-age"));
    let r2 = get_with(
        "/collections/sites/items?limit=5",
        &[("If-None-Match", etag.as_str())],
    )
    .await;
    assert_eq!(r2.status, StatusCode::NOT_MODIFIED);
    let r3 = get_with(
        "/collections/sites/items?limit=6",
        &[("If-None-Match", etag.as_str())],
    )
    .await;
    assert_eq!(r3.status, 200, "another query has another ETag");
}

#[actix_web::test]
async fn power_plants_layer() {
    if common::plant_files().is_none() {
        bad(
            "/collections/power-plants/items",
            StatusCode::NOT_FOUND,
            "--plants",
        )
        .await;
        return;
    }
    let v =
        get("/collections/power-plants/items?fuel=coal&status=operating&province=Xinjiang&limit=1")
            .await
            .json();
    assert!(v["numberMatched"].as_u64().unwrap() > 100);
    assert_eq!(v["features"][0]["properties"]["fuel"], "coal");
    let v = get("/collections/power-plants/items?datetime=2020-01-01/2020-12-31&limit=10000&properties=start_year").await.json();
    for f in v["features"].as_array().unwrap() {
        assert_eq!(f["properties"]["start_year"], 2020);
    }
    let v = get("/collections/power-plants/items?bbox=93,42,96,44.5&limit=10000")
        .await
        .json();
    for f in v["features"].as_array().unwrap() {
        let c = &f["geometry"]["coordinates"];
        assert!(
            (93.0..=96.0).contains(&c[0].as_f64().unwrap())
                && (42.0..=44.5).contains(&c[1].as_f64().unwrap())
        );
    }
}

/// GDAL/OGR, a real OGC API client, against the real binary.
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
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
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
    // 65 sites since the 2026-12-02 audit (one row merged, two added).
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

#[actix_web::test]
async fn analytics_tables_filter_sort_and_say_what_is_known() {
    let v = get("/analytics/counties?province=Xinjiang&sort=-pflops_per_10k_km2&top=5")
        .await
        .json();
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    assert_eq!(v["units"], 106);
    assert_eq!(
        rows[0]["adcode"], "650522",
        "Yiwu leads Xinjiang by PFLOPS density"
    );
    let vals: Vec<f64> = rows
        .iter()
        .filter_map(|r| r["pflops_per_10k_km2"].as_f64())
        .collect();
    assert!(vals.windows(2).all(|w| w[0] >= w[1]));
    assert_eq!(v["known"]["sites"], 13);
    assert!(v["known"]["reported_pflops"].as_u64().unwrap() <= 13);
    // The same order as a direct sort of the atlas figures.
    let a = common::atlas();
    let mut direct: Vec<(f64, u32)> = a
        .counties
        .iter()
        .zip(&a.county_figures)
        .filter(|(c, f)| c.province_adcode == 650000 && f.pflops_per_10k_km2.is_some())
        .map(|(c, f)| (f.pflops_per_10k_km2.unwrap(), c.adcode))
        .collect();
    direct.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
    let got: Vec<String> = rows
        .iter()
        .map(|r| r["adcode"].as_str().unwrap().to_string())
        .collect();
    let want: Vec<String> = direct.iter().take(5).map(|d| d.1.to_string()).collect();
    assert_eq!(got[..want.len().min(5)], want[..]);
    let all = get("/analytics/counties?top=10000").await.json();
    assert_eq!(all["rows"].as_array().unwrap().len(), 1093);
    let p = get("/analytics/provinces?sort=-sites").await.json();
    assert_eq!(p["rows"][0]["name_en"], "Xinjiang");
    let total: u64 = p["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["sites"].as_u64().unwrap())
        .sum();
    // 65 sites since the 2026-12-02 audit (one row merged, two added).
    assert_eq!(total, 65);
    let csv = get("/analytics/prefectures?f=csv&province=Qinghai").await;
    assert!(csv.text().starts_with("adcode,name_en"));
    bad(
        "/analytics/counties?sort=-nope",
        StatusCode::BAD_REQUEST,
        "unknown metric `nope`",
    )
    .await;
    bad(
        "/analytics/counties?province=Atlantis",
        StatusCode::BAD_REQUEST,
        "unknown province",
    )
    .await;
    bad("/analytics/counties?top=0", StatusCode::BAD_REQUEST, "top").await;
}

#[actix_web::test]
async fn analytics_site_power_and_summary() {
    let v = get("/analytics/sites/xj-yiwu-acc/power?radius_km=200")
        .await
        .json();
    assert_eq!(v["radius_km"], 200.0);
    if common::plant_files().is_some() {
        let a = common::atlas_with_plants().unwrap();
        let i = a.site_by_id("xj-yiwu-acc").unwrap();
        assert_eq!(
            v["operating_mw"].as_f64().unwrap(),
            a.site_power[i].within[2].total_mw
        );
        assert!(v["nearest"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["fuel"] == "coal"));
    } else {
        assert!(v["operating_mw"].is_null());
    }
    bad(
        "/analytics/sites/nope/power",
        StatusCode::NOT_FOUND,
        "no site `nope`",
    )
    .await;
    bad(
        "/analytics/sites/xj-yiwu-acc/power?radius_km=-5",
        StatusCode::BAD_REQUEST,
        "radius_km",
    )
    .await;
    bad(
        "/analytics/sites/xj-yiwu-acc/power?radius_km=NaN",
        StatusCode::BAD_REQUEST,
        "radius_km",
    )
    .await;
    let s = get("/analytics/summary").await.json();
    let xq = &s["xinjiang_and_qinghai"];
    assert_eq!(xq["sites"], 20);
    assert_eq!(xq["reported_pflops"]["sites"], 20);
    let a = common::atlas();
    let direct: f64 = a
        .sites
        .iter()
        .zip(&a.site_places)
        .filter(|(s, _)| s.province_en == "Xinjiang" || s.province_en == "Qinghai")
        .filter_map(|(_, p)| p.pflops)
        .sum();
    // The plain sum is now the upper bound; the total counts the Yiwu overlap group once, by
    // its 60000 zone figure, so it drops the 128 + 2000 PFLOPS of the rows inside that zone.
    assert_eq!(
        xq["reported_pflops"]["value_upper"].as_f64().unwrap(),
        direct
    );
    assert_eq!(
        xq["reported_pflops"]["value"].as_f64().unwrap(),
        direct - 2128.0
    );
    assert_eq!(xq["chips_reported_nvidia"]["value"], 2000.0);
    // 65 sites since the 2026-12-02 audit (one row merged, two added).
    assert_eq!(s["all_western_provinces"]["sites"], 65);
}

#[actix_web::test]
async fn plots_over_http() {
    let r = get("/plots/choropleth.png?width=800&height=600&province=Xinjiang").await;
    assert_eq!(
        r.status,
        200,
        "{}",
        String::from_utf8_lossy(&r.body[..r.body.len().min(300)])
    );
    assert_eq!(r.header("content-type").as_deref(), Some("image/png"));
    let img = image::load_from_memory(&r.body).unwrap();
    assert_eq!((img.width(), img.height()), (800, 600));
    let again = get("/plots/choropleth.png?width=800&height=600&province=Xinjiang").await;
    assert_eq!(again.body, r.body, "deterministic (and cached)");
    let svg = get("/plots/top-counties.svg?top=10").await;
    assert_eq!(svg.status, 200);
    assert!(svg.text().starts_with("<svg") || svg.text().starts_with("<?xml"));
    bad(
        "/plots/choropleth.png?metric=nope",
        StatusCode::BAD_REQUEST,
        "nope",
    )
    .await;
    bad(
        "/plots/choropleth.png?width=0",
        StatusCode::BAD_REQUEST,
        "width",
    )
    .await;
    bad(
        "/plots/choropleth.png?width=100000",
        StatusCode::BAD_REQUEST,
        "width",
    )
    .await;
    bad(
        "/plots/choropleth.png?province=Atlantis",
        StatusCode::BAD_REQUEST,
        "Atlantis",
    )
    .await;
    bad("/plots/pie.png", StatusCode::NOT_FOUND, "pie").await;
    bad("/plots/choropleth.gif", StatusCode::NOT_ACCEPTABLE, "gif").await;
}

#[actix_web::test]
async fn path_tricks_get_4xx_json_never_a_file() {
    for uri in [
        "/assets/../Cargo.toml",
        "/assets/%2e%2e/%2e%2e/Cargo.toml",
        "/assets/..%2F..%2FCargo.toml",
        "/assets/%2e%2e%2fsrc%2fmain.rs",
        "/collections/..%2Fconformance",
        "/collections/sites%2F..%2Fcounties/items",
        "/collections/sites/items/..%2F..%2Fapi",
        "/collections/sites/items/%2e%2e",
        "/plots/..%2Fchoropleth.png",
    ] {
        let r = get(uri).await;
        assert!(r.status.is_client_error(), "{uri}: {}", r.status);
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("application/problem+json"),
            "{uri}"
        );
        assert!(
            !r.text().contains("[package]") && !r.text().contains("fn main"),
            "{uri} leaked a file"
        );
    }
}

/// Every parameter of every endpoint, given garbage, answers 4xx with a JSON body: never 500.
#[actix_web::test]
async fn garbage_parameters_never_reach_500() {
    let endpoints = [
        "/collections/sites/items",
        "/collections/counties/items",
        "/collections/sites/items/xj-yiwu-acc",
        "/analytics/counties",
        "/analytics/sites/xj-yiwu-acc/power",
        "/analytics/summary",
        "/plots/choropleth.png",
        "/plots/top-counties.svg",
        "/collections/counties/tiles/WebMercatorQuad/5/11/24",
        "/collections/sites/tiles/WebMercatorQuad",
    ];
    let params = [
        "limit",
        "offset",
        "bbox",
        "bbox-crs",
        "crs",
        "datetime",
        "properties",
        "sortby",
        "precision",
        "f",
        "province",
        "sort",
        "top",
        "radius_km",
        "metric",
        "width",
        "height",
        "scale",
        "lang",
        "breaks",
        "level",
        "title",
        "zzz",
    ];
    let values = [
        "",
        "NaN",
        "inf",
        "-1",
        "1e309",
        "99999999999999999999",
        "%00",
        "a,b,c,d",
        "..",
        "%FF%FE",
        "1,2,3,4,5",
        "2025-99-99/..",
    ];
    for e in endpoints {
        for p in params {
            for v in values {
                let uri = format!("{e}?{p}={v}");
                let r = get(&uri).await;
                assert!(r.status.as_u16() < 500, "{uri}: {} {}", r.status, r.text());
                if !r.status.is_success() {
                    let ct = r.header("content-type").unwrap_or_default();
                    assert_eq!(ct, "application/problem+json", "{uri}");
                    assert!(!r.json()["detail"].as_str().unwrap().is_empty(), "{uri}");
                }
            }
        }
    }
}

#[actix_web::test]
async fn vector_tiles_over_http() {
    use geozero::mvt::{Message, Tile};
    // Discovery, as an OGC API - Tiles client walks it.
    let conf = get("/conformance").await.json();
    let classes: Vec<&str> = conf["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(classes.contains(&"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt"));
    let c = get("/collections/counties").await.json();
    let sets =
        link(&c, "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector").expect("tilesets link");
    let list = get(&local(sets["href"].as_str().unwrap())).await.json();
    let ts = &list["tilesets"][0];
    assert_eq!(ts["dataType"], "vector");
    let item = ts["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "item")
        .unwrap();
    assert_eq!(item["type"], "application/vnd.mapbox-vector-tile");
    let template = local(item["href"].as_str().unwrap());
    assert!(
        template.ends_with("/{tileMatrix}/{tileRow}/{tileCol}"),
        "{template}"
    );
    let scheme = ts["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme")
        .unwrap();
    let tms = get(&local(scheme["href"].as_str().unwrap())).await.json();
    assert_eq!(tms["crs"], "http://www.opengis.net/def/crs/EPSG/0/3857");
    let m = tms["tileMatrices"].as_array().unwrap();
    assert_eq!(m.len(), 19);
    assert!((m[0]["cellSize"].as_f64().unwrap() - 156_543.033_928_041).abs() < 1e-6);
    assert_eq!(m[10]["matrixWidth"], 1024);
    let meta = get("/collections/counties/tiles/WebMercatorQuad")
        .await
        .json();
    assert_eq!(meta["layers"][0]["id"], "counties");
    assert_eq!(meta["layers"][0]["geometryDimension"], 2);
    // Yiwu's tile lies within the advertised limits at zoom 7.
    let lim = &meta["tileMatrixSetLimits"][7];
    assert_eq!(lim["tileMatrix"], "7");
    assert!(lim["minTileCol"].as_u64().unwrap() <= 97 && 97 <= lim["maxTileCol"].as_u64().unwrap());
    assert!(lim["minTileRow"].as_u64().unwrap() <= 46 && 46 <= lim["maxTileRow"].as_u64().unwrap());
    let tj = get("/collections/counties/tiles/WebMercatorQuad?f=tilejson")
        .await
        .json();
    assert_eq!(tj["tilejson"], "3.0.0");
    assert!(tj["tiles"][0].as_str().unwrap().ends_with("/{z}/{y}/{x}"));
    assert_eq!(
        tj["vector_layers"][0]["fields"]["pflops_reported"],
        "Number"
    );

    // The tile under Yiwu (z7, row 46, column 97): its county, with only the asked properties.
    let uri = template
        .replace("{tileMatrix}", "7")
        .replace("{tileRow}", "46")
        .replace("{tileCol}", "97");
    let r = get(&format!("{uri}?properties=adcode,name_en")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/vnd.mapbox-vector-tile")
    );
    assert!(r.header("etag").is_some());
    let tile = Tile::decode(&r.body[..]).unwrap();
    let l = &tile.layers[0];
    assert_eq!(l.name, "counties");
    let mut keys = l.keys.clone();
    keys.sort();
    assert_eq!(keys, ["adcode", "name_en"]);
    let names: Vec<&str> = l
        .values
        .iter()
        .filter_map(|v| v.string_value.as_deref())
        .collect();
    assert!(
        names.contains(&"650522") && names.contains(&"Yiwu County"),
        "{names:?}"
    );
    // Filters select features as for items; an empty tile is 204.
    let r = get("/collections/sites/tiles/WebMercatorQuad/7/46/97?status=operational").await;
    let t = Tile::decode(&r.body[..]).unwrap();
    let l = &t.layers[0];
    let status_key = l.keys.iter().position(|k| k == "status").unwrap() as u32;
    for f in &l.features {
        let v = f.tags.chunks(2).find(|kv| kv[0] == status_key).unwrap()[1];
        assert_eq!(
            l.values[v as usize].string_value.as_deref(),
            Some("operational")
        );
    }
    let r = get("/collections/counties/tiles/WebMercatorQuad/5/10/10").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(r.body.is_empty());
    // Errors say what was wrong.
    bad(
        "/collections/counties/tiles/WebMercatorQuad/19/0/0",
        StatusCode::NOT_FOUND,
        "zoom 19",
    )
    .await;
    bad(
        "/collections/counties/tiles/WebMercatorQuad/3/8/0",
        StatusCode::NOT_FOUND,
        "does not exist at zoom 3",
    )
    .await;
    bad(
        "/collections/counties/tiles/WebMercatorQuad/a/0/0",
        StatusCode::BAD_REQUEST,
        "not a whole number",
    )
    .await;
    bad(
        "/collections/counties/tiles/WorldCRS84Quad/0/0/0",
        StatusCode::NOT_FOUND,
        "WebMercatorQuad",
    )
    .await;
    bad(
        "/collections/counties/tiles/WebMercatorQuad/0/0/0?limit=5",
        StatusCode::BAD_REQUEST,
        "unknown parameter `limit`",
    )
    .await;
    bad(
        "/collections/counties/tiles/WebMercatorQuad/0/0/0?properties=nope",
        StatusCode::BAD_REQUEST,
        "nope",
    )
    .await;
    bad(
        "/collections/counties/tiles/WebMercatorQuad/0/0/0?f=json",
        StatusCode::NOT_ACCEPTABLE,
        "f=mvt",
    )
    .await;
    // The renewable bases have outlines since their rows name their counties or prefectures
    // (issue 16), so their tiles exist: this was a 404 "no geometry" before.
    assert_eq!(
        get("/collections/renewable-bases/tiles").await.status,
        StatusCode::OK
    );
    bad(
        "/collections/nope/tiles/WebMercatorQuad/0/0/0",
        StatusCode::NOT_FOUND,
        "no collection",
    )
    .await;
}
