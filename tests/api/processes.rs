//! OGC API - Processes `locate` and `compute-atlas locate --input`: the sites' own coordinates
//! land in the counties the atlas places them in; bad rows are kept and marked.

use actix_web::http::StatusCode;
use actix_web::test as atest;
use actix_web::web::Data;
use compute_atlas::server::{app, WebConfig};

use crate::common::http::{get, state, Resp};

async fn post(uri: &str, content_type: &str, body: Vec<u8>) -> Resp {
    let svc = atest::init_service(app(state(), Data::new(WebConfig::default()), None)).await;
    let req = atest::TestRequest::post()
        .uri(uri)
        .insert_header(("content-type", content_type))
        .set_payload(body)
        .to_request();
    let resp = atest::call_service(&svc, req).await;
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = atest::read_body(resp).await.to_vec();
    Resp {
        status,
        headers,
        body,
    }
}

/// Every site with a county as `id,lon,lat` rows, then two bad rows; with the adcode the atlas
/// gives each site.
fn sites_csv() -> (String, Vec<(String, String)>) {
    let served = state().snapshot();
    let atlas = &served.atlas;
    let mut csv = String::from("id,note,lon,lat\n");
    let mut expected = Vec::new();
    for (s, place) in atlas.sites.iter().zip(&atlas.site_places) {
        let Some(c) = place.county else { continue };
        csv.push_str(&format!(
            "{},\"a, quoted note\",{},{}\n",
            s.id, s.lon, s.lat
        ));
        expected.push((s.id.clone(), atlas.counties[c].adcode.to_string()));
    }
    assert!(
        expected.len() > 20,
        "sites with a county: {}",
        expected.len()
    );
    csv.push_str("bad-text,x,east,40\n");
    csv.push_str("bad-range,x,200,40\n");
    (csv, expected)
}

/// Checks a located CSV: input columns first, the sites in their counties, the bad rows kept
/// with the reason and their line.
fn check_located(out: &str, expected: &[(String, String)]) {
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        &header[..8],
        [
            "id",
            "note",
            "lon",
            "lat",
            "county_adcode",
            "county",
            "prefecture",
            "province"
        ]
    );
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let (adcode, error, line) = (col("county_adcode"), col("error"), col("error_line"));
    let rows: Vec<csv::StringRecord> = r.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), expected.len() + 2);
    for (row, (id, code)) in rows.iter().zip(expected) {
        assert_eq!(&row[0], id);
        assert_eq!(&row[1], "a, quoted note");
        assert_eq!(&row[adcode], code, "site {id}");
        assert!(!row[col("province")].is_empty(), "site {id}");
        assert_eq!(&row[error], "");
    }
    let n = expected.len();
    // The header is line 1, so the first bad row is line n + 2.
    let text = &rows[n];
    assert_eq!(&text[0], "bad-text");
    assert_eq!(&text[adcode], "");
    assert!(text[error].contains("not a number"), "{:?}", &text[error]);
    assert_eq!(&text[line], (n + 2).to_string());
    let range = &rows[n + 1];
    assert!(
        range[error].contains("longitude 200"),
        "{:?}",
        &range[error]
    );
    assert_eq!(&range[line], (n + 3).to_string());
}

#[actix_web::test]
async fn locate_process_places_the_sites_in_their_counties() {
    let (csv, expected) = sites_csv();
    let r = post("/processes/locate/execution", "text/csv", csv.into_bytes()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.header("content-type").unwrap().starts_with("text/csv"));
    check_located(&r.text(), &expected);
}

#[actix_web::test]
async fn locate_process_takes_geojson_points() {
    let served = state().snapshot();
    let atlas = &served.atlas;
    let (i, c) = atlas
        .site_places
        .iter()
        .enumerate()
        .find_map(|(i, p)| p.county.map(|c| (i, c)))
        .unwrap();
    let s = &atlas.sites[i];
    let fc = serde_json::json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": s.id}, "geometry": {"type": "Point", "coordinates": [s.lon, s.lat]}},
        {"type": "Feature", "properties": {"id": "none"}, "geometry": null},
    ]});
    let r = post(
        "/processes/locate/execution",
        "application/geo+json",
        fc.to_string().into_bytes(),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    let f = &v["features"];
    assert_eq!(f[0]["properties"]["id"], s.id.as_str());
    assert_eq!(
        f[0]["properties"]["county_adcode"],
        atlas.counties[c].adcode.to_string()
    );
    assert!(f[1]["properties"]["error"]
        .as_str()
        .unwrap()
        .contains("geometry is null"));
}

#[actix_web::test]
async fn locate_process_refuses_what_it_cannot_do() {
    let r = post(
        "/processes/locate/execution",
        "text/csv",
        b"id,name\n1,2\n".to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let detail = r.json()["detail"].as_str().unwrap().to_string();
    assert!(detail.contains("no column `lon`"), "{detail}");
    let r = post("/processes/locate/execution", "image/png", b"x".to_vec()).await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let r = post(
        "/processes/locate/execution?nearest=maybe",
        "text/csv",
        b"lon,lat\n".to_vec(),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[actix_web::test]
async fn processes_are_described_and_declared() {
    let list = get("/processes").await.json();
    assert_eq!(list["processes"][0]["id"], "locate");
    let d = get("/processes/locate").await.json();
    assert!(d["inputs"]["points"].is_object());
    assert!(d["outputs"].is_object());
    let conf = get("/conformance").await.json();
    assert!(conf["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c == "http://www.opengis.net/spec/ogcapi-processes-1/1.0/conf/core"));
    let api = get("/api").await.json();
    assert!(api["paths"]["/processes/locate/execution"]["post"].is_object());
}

#[test]
fn locate_command_streams_a_csv_file() {
    let (csv, expected) = sites_csv();
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("points.csv");
    let output = dir.path().join("out.csv");
    std::fs::write(&input, csv).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_compute-atlas"))
        .args(["locate", "--data"])
        .arg(crate::common::data_dir())
        .arg("--input")
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    check_located(&std::fs::read_to_string(&output).unwrap(), &expected);
}
