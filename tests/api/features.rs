//! OGC API - Features: collections, items (paging, filters, sorting, dates, CRS), single
//! features, CSV, and the power-plant layer.

use std::collections::HashSet;

use actix_web::http::StatusCode;
use serde_json::Value;

use crate::common;
use crate::common::http::{bad, get, get_with, ids, link, local};

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
