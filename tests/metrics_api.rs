//! `/analytics/metrics` (the metric catalogue) and the deduplicated sums over HTTP, on the real
//! bundled data.

mod common;

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
        let config = AtlasConfig::new(common::data_dir());
        let atlas = Atlas::build(&config).expect("atlas builds");
        Data::new(AppState::new(Served::from_atlas(atlas), config))
    })
    .clone()
}

async fn get_with(uri: &str, headers: &[(&str, &str)]) -> (StatusCode, header::HeaderMap, Vec<u8>) {
    let svc = atest::init_service(app(state(), Data::new(WebConfig::default()), None)).await;
    let mut req = atest::TestRequest::get().uri(uri);
    for (k, v) in headers {
        req = req.insert_header((*k, *v));
    }
    let resp = atest::call_service(&svc, req.to_request()).await;
    let status = resp.status();
    let headers = resp.headers().clone();
    (status, headers, atest::read_body(resp).await.to_vec())
}

#[actix_web::test]
async fn the_catalogue_is_served_with_caching_headers() {
    let (status, headers, body) = get_with("/analytics/metrics", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    assert!(headers.contains_key(header::CACHE_CONTROL));
    let etag = headers
        .get(header::ETAG)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["default"], "pflops_per_10k_km2");
    let metrics = v["metrics"].as_array().unwrap();
    // The same names, in the same order, as the tables' metric list and the layers' properties.
    let names: Vec<&str> = metrics
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, compute_atlas::analytics::metrics());
    let keys = [
        "name",
        "type",
        "unit",
        "label",
        "description",
        "levels",
        "classification",
        "group",
        "site_field",
        "at_least",
    ];
    for m in metrics {
        let obj = m.as_object().unwrap();
        assert_eq!(obj.len(), keys.len(), "{m}");
        for k in keys {
            assert!(obj.contains_key(k), "{k} missing in {m}");
        }
        assert!(["integer", "number"].contains(&m["type"].as_str().unwrap()));
        assert!(["quantile", "jenks", "none"].contains(&m["classification"].as_str().unwrap()));
        assert!(["sites", "compute", "power", "area"].contains(&m["group"].as_str().unwrap()));
        assert!(m["unit"]["en"].is_string() && m["unit"]["zh"].is_string());
        assert!(!m["label"]["en"].as_str().unwrap().is_empty());
        assert!(!m["label"]["zh"].as_str().unwrap().is_empty());
    }
    let p = metrics
        .iter()
        .find(|m| m["name"] == "pflops_reported")
        .unwrap();
    assert_eq!(p["type"], "number");
    assert_eq!(p["unit"]["en"], "PFLOPS");
    assert_eq!(
        p["levels"],
        serde_json::json!(["county", "prefecture", "province"])
    );
    assert_eq!(p["site_field"], "reported_pflops");
    assert_eq!(p["at_least"], true);
    assert_eq!(p["group"], "compute");
    let u = metrics
        .iter()
        .find(|m| m["name"] == "pflops_reported_upper")
        .unwrap();
    assert_eq!(u["at_least"], false);
    // Revalidation answers 304 like the other analytics endpoints.
    let (status, _, _) = get_with("/analytics/metrics", &[("if-none-match", &etag)]).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    let (status, _, body) = get_with("/analytics/metrics?nope=1", &[]).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "{}",
        String::from_utf8_lossy(&body)
    );
}

#[actix_web::test]
async fn the_merged_row_is_a_404() {
    // gs-qingyang-domestic-40k was merged into gs-qingyang-cmcc (2026-12-02 audit).
    for uri in [
        "/collections/sites/items/gs-qingyang-domestic-40k",
        "/analytics/sites/gs-qingyang-domestic-40k/power",
    ] {
        let (status, _, body) = get_with(uri, &[]).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{uri}: {}",
            String::from_utf8_lossy(&body)
        );
    }
}

#[actix_web::test]
async fn tables_carry_the_upper_bounds_and_the_overlapping_rows() {
    let (status, headers, body) =
        get_with("/analytics/counties?f=csv&province=Xinjiang", &[]).await;
    assert_eq!(status, StatusCode::OK);
    // The CSV keeps machine column names; the catalogue it links to says which are "at least".
    let links: Vec<&str> = headers
        .get_all(header::LINK)
        .map(|v| v.to_str().unwrap())
        .collect();
    assert!(
        links
            .iter()
            .any(|l| l.contains("</analytics/metrics>") && l.contains("describedby")),
        "{links:?}"
    );
    let mut rdr = csv::Reader::from_reader(body.as_slice());
    let h = rdr.headers().unwrap().clone();
    let col = |n: &str| {
        h.iter()
            .position(|c| c == n)
            .unwrap_or_else(|| panic!("no {n}"))
    };
    let (adcode, at_least, upper, overlap) = (
        col("adcode"),
        col("pflops_reported"),
        col("pflops_reported_upper"),
        col("overlap_sites"),
    );
    let yiwu = rdr
        .records()
        .map(Result::unwrap)
        .find(|r| &r[adcode] == "650522")
        .unwrap();
    // Yiwu's zone figure (60000) includes its other rows' 128 + 2000 PFLOPS.
    assert_eq!(&yiwu[at_least], "60000.0");
    assert_eq!(&yiwu[upper], "62128.0");
    assert!(yiwu[overlap].contains("xj-yiwu-acc"));
    assert!(yiwu[col("renewable_base_names")].contains("Yiwu"));
    let (status, _, body) =
        get_with("/analytics/counties?sort=-pflops_reported_upper&top=1", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["rows"][0]["adcode"], "650522");
}
