//! OGC API - Features Part 3: CQL2 filters on items (text and JSON), queryables, conformance,
//! and the errors for bad filters, checked against the bundled tables read independently.

use actix_web::http::StatusCode;
use serde_json::Value;

use crate::common;
use crate::common::http::{bad, get, ids};

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The items of `layer` matching the cql2-text `filter` (all of them: limit 10000).
async fn filtered(layer: &str, filter: &str) -> Value {
    let r = get(&format!(
        "/collections/{layer}/items?limit=10000&filter={}",
        enc(filter)
    ))
    .await;
    assert_eq!(r.status, StatusCode::OK, "{filter}: {}", r.text());
    r.json()
}

fn sorted_ids(v: &Value) -> Vec<String> {
    let mut v = ids(v);
    v.sort();
    v
}

/// Rows of geodata/sites.csv, as column name to value.
fn site_rows() -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_path(common::data_dir().join("sites.csv")).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

#[actix_web::test]
async fn property_filter_counts_match_the_sites_table() {
    let rows = site_rows();
    let want = rows
        .iter()
        .filter(|r| r["status"] == "operational" && r["province_en"] == "Xinjiang")
        .count();
    assert!(want > 0);
    let v = filtered("sites", "status = 'operational' AND province = 'Xinjiang'").await;
    assert_eq!(v["numberMatched"], want);
    assert_eq!(ids(&v).len(), want);
    // The same in cql2-json.
    let json = r#"{"op":"and","args":[{"op":"=","args":[{"property":"status"},"operational"]},{"op":"=","args":[{"property":"province"},"Xinjiang"]}]}"#;
    let r = get(&format!(
        "/collections/sites/items?limit=10000&filter-lang=cql2-json&filter={}",
        enc(json)
    ))
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(sorted_ids(&r.json()), sorted_ids(&v));

    // IN, NOT, CASEI, LIKE against the table.
    let in_two = rows
        .iter()
        .filter(|r| r["province_en"] == "Xinjiang" || r["province_en"] == "Qinghai")
        .count();
    let v = filtered("sites", "province IN ('Xinjiang', 'Qinghai')").await;
    assert_eq!(v["numberMatched"], in_two);
    let v = filtered("sites", "NOT province IN ('Xinjiang', 'Qinghai')").await;
    assert_eq!(v["numberMatched"], rows.len() - in_two);
    let v = filtered("sites", "CASEI(province) = casei('XINJIANG')").await;
    let xj = rows
        .iter()
        .filter(|r| r["province_en"] == "Xinjiang")
        .count();
    assert_eq!(v["numberMatched"], xj);
    let like = rows
        .iter()
        .filter(|r| r["id"].starts_with("xj-yiwu"))
        .count();
    assert!(like >= 4);
    let v = filtered("sites", "id LIKE 'xj-yiwu%'").await;
    assert_eq!(v["numberMatched"], like);
}

#[actix_web::test]
async fn numeric_filters_match_the_table() {
    let rows = site_rows();
    let want = rows
        .iter()
        .filter(|r| {
            r["reported_pflops"]
                .parse::<f64>()
                .is_ok_and(|x| (100.0..=5000.0).contains(&x))
        })
        .count();
    assert!(want > 0);
    let v = filtered("sites", "reported_pflops BETWEEN 100 AND 5000").await;
    assert_eq!(v["numberMatched"], want);
    // Arithmetic: the same range, scaled.
    let v = filtered(
        "sites",
        "reported_pflops * 1000 >= 100000 AND reported_pflops / 5 <= 1000",
    )
    .await;
    assert_eq!(v["numberMatched"], want);
    // An unknown figure is neither above nor below: IS NULL finds exactly those rows.
    let nulls = rows
        .iter()
        .filter(|r| r["reported_pflops"].is_empty())
        .count();
    let v = filtered("sites", "reported_pflops IS NULL").await;
    assert_eq!(v["numberMatched"], nulls);
    let v = filtered("sites", "reported_pflops > 0 OR reported_pflops <= 0").await;
    assert_eq!(v["numberMatched"], rows.len() - nulls);
}

#[actix_web::test]
async fn county_codes_filter_as_text() {
    let v = filtered("counties", "adcode = '650522'").await;
    assert_eq!(ids(&v).len(), 1);
    assert_eq!(v["features"][0]["properties"]["name_en"], "Yiwu County");
}

#[actix_web::test]
async fn spatial_filters_agree_with_bbox() {
    for layer in ["sites", "counties"] {
        let by_bbox = get(&format!(
            "/collections/{layer}/items?limit=10000&bbox=93,42,96,44.5"
        ))
        .await
        .json();
        let want = sorted_ids(&by_bbox);
        assert!(!want.is_empty());
        let v = filtered(layer, "S_INTERSECTS(geometry, BBOX(93,42,96,44.5))").await;
        assert_eq!(sorted_ids(&v), want, "{layer}");
        // The same box as a polygon.
        let v = filtered(
            layer,
            "S_INTERSECTS(geometry, POLYGON((93 42, 96 42, 96 44.5, 93 44.5, 93 42)))",
        )
        .await;
        assert_eq!(sorted_ids(&v), want, "{layer}");
        // Disjoint is the rest.
        let all = get(&format!("/collections/{layer}/items?limit=1"))
            .await
            .json()["numberMatched"]
            .as_u64()
            .unwrap();
        let v = filtered(layer, "S_DISJOINT(geometry, BBOX(93,42,96,44.5))").await;
        assert_eq!(
            v["numberMatched"].as_u64().unwrap() + want.len() as u64,
            all
        );
    }
    // A point: the county that contains the Yiwu cluster's point.
    let v = filtered("counties", "S_CONTAINS(geometry, POINT(94.68801 43.24968))").await;
    assert_eq!(ids(&v).len(), 1);
    assert_eq!(v["features"][0]["properties"]["adcode"], "650522");
    // Sites within Yiwu county's box and in Xinjiang, spatial and property together.
    let v = filtered(
        "sites",
        "S_WITHIN(geometry, BBOX(93,42,96,44.5)) AND province = 'Xinjiang'",
    )
    .await;
    assert!(sorted_ids(&v).contains(&"xj-yiwu-acc".to_string()));
    // filter-crs: the same box in Web Mercator.
    let v = get(&format!(
        "/collections/sites/items?limit=10000&filter-crs={}&filter={}",
        enc("http://www.opengis.net/def/crs/EPSG/0/3857"),
        enc("S_INTERSECTS(geometry, BBOX(10352712,5160979,10686671,5542711))")
    ))
    .await;
    assert_eq!(r_status(&v), StatusCode::OK, "{}", v.text());
    assert!(sorted_ids(&v.json()).contains(&"xj-yiwu-acc".to_string()));
}

fn r_status(r: &common::http::Resp) -> StatusCode {
    r.status
}

#[actix_web::test]
async fn temporal_filter_agrees_with_datetime() {
    let by_dt = get("/collections/sites/items?limit=10000&datetime=2025-01-01/..")
        .await
        .json();
    let want = sorted_ids(&by_dt);
    assert!(!want.is_empty());
    let v = filtered(
        "sites",
        "T_INTERSECTS(reported_date, INTERVAL('2025-01-01', '..'))",
    )
    .await;
    assert_eq!(sorted_ids(&v), want);
    bad(
        &format!(
            "/collections/counties/items?filter={}",
            enc("T_AFTER(reported_date, DATE('2025-01-01'))")
        ),
        StatusCode::BAD_REQUEST,
        "no date property",
    )
    .await;
}

#[actix_web::test]
async fn bad_filters_are_400_naming_the_reason_and_position() {
    let cases = [
        ("nosuch = 'x'", "unknown property `nosuch`"),
        ("status = 5", "type mismatch"),
        ("frobnicate(status) = 'x'", "unsupported function"),
        ("status = ", "malformed cql2-text"),
        ("status = 'operational' AND", "malformed cql2-text"),
    ];
    for (f, needle) in cases {
        let uri = format!("/collections/sites/items?filter={}", enc(f));
        bad(&uri, StatusCode::BAD_REQUEST, needle).await;
        let body = get(&uri).await.json();
        assert!(body["position"].is_object(), "{f}: {body}");
    }
    let r = get(&format!(
        "/collections/sites/items?filter={}",
        enc("province = 'Xinjiang' AND nosuch = 1")
    ))
    .await
    .json();
    assert_eq!(r["position"]["column"], 27, "{r}");
    // Deep nesting and long chains are refused, not a stack overflow.
    // (The query string itself is limited to 8 KiB.)
    let deep = format!("{}status = 'x'{}", "(".repeat(100), ")".repeat(100));
    bad(
        &format!("/collections/sites/items?filter={}", enc(&deep)),
        StatusCode::BAD_REQUEST,
        "deeper",
    )
    .await;
    let chain = vec!["x=1"; 300].join(" OR ");
    bad(
        &format!("/collections/sites/items?filter={}", enc(&chain)),
        StatusCode::BAD_REQUEST,
        "operators",
    )
    .await;
    // A short text on which the parser would backtrack for minutes (found by the fuzzer):
    // refused at once, on items and on tiles alike.
    let backtracking = "stc-----om-(\r\r( ((\rt/\rto (\r\r------om-(\rM( (c-----om-(\r\r( ((\rt/\rto (\r\r------om-(\rM( ((\rt/\r(\r\r((Tt/\rt*--(\rt/\r(\r\r((Tt/\rt*------t";
    bad(
        &format!("/collections/sites/items?filter={}", enc(backtracking)),
        StatusCode::BAD_REQUEST,
        "too complex to parse",
    )
    .await;
    bad(
        &format!(
            "/collections/sites/tiles/WebMercatorQuad/0/0/0?filter={}",
            enc(backtracking)
        ),
        StatusCode::BAD_REQUEST,
        "too complex to parse",
    )
    .await;
    let deep_json = format!(
        "{}true{}",
        r#"{"op":"not","args":["#.repeat(100),
        "]}".repeat(100)
    );
    bad(
        &format!(
            "/collections/sites/items?filter-lang=cql2-json&filter={}",
            enc(&deep_json)
        ),
        StatusCode::BAD_REQUEST,
        "deeper",
    )
    .await;
    bad(
        "/collections/sites/items?filter-lang=sql&filter=x",
        StatusCode::BAD_REQUEST,
        "filter-lang",
    )
    .await;
    bad(
        "/collections/sites/items?filter-lang=cql2-json&filter=%7Bnope",
        StatusCode::BAD_REQUEST,
        "malformed cql2-json",
    )
    .await;
}

#[actix_web::test]
async fn filters_reach_tiles() {
    // A filter matching nothing leaves the tile empty (204); without it the tile has sites.
    let tile = "/collections/sites/tiles/WebMercatorQuad/4/5/12";
    assert_eq!(get(tile).await.status, StatusCode::OK);
    let r = get(&format!("{tile}?filter={}", enc("province = 'Nowhere'"))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = get(&format!("{tile}?filter={}", enc("nosuch = 1"))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[actix_web::test]
async fn queryables_list_every_property_with_types_and_enums() {
    let r = get("/collections/sites/queryables").await;
    assert_eq!(r.status, StatusCode::OK);
    let v = r.json();
    let props = v["properties"].as_object().unwrap();
    assert_eq!(props["geometry"]["format"], "geometry-point");
    let status: Vec<&str> = props["status"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(status.contains(&"operational"), "{status:?}");
    assert_eq!(props["reported_pflops"]["type"], "number");
    assert!(props["province"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p == "Xinjiang"));
    // Every property of a feature is a queryable.
    let f = get("/collections/sites/items?limit=1").await.json();
    for k in f["features"][0]["properties"].as_object().unwrap().keys() {
        assert!(props.contains_key(k), "{k} missing from the queryables");
    }
    let c = get("/collections/counties/queryables").await.json();
    assert_eq!(c["properties"]["adcode"]["type"], "string");
    assert!(c["properties"]["adcode"].get("enum").is_none());
    let conf = get("/conformance").await.json();
    let classes: Vec<&str> = conf["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for c in [
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
        "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    ] {
        assert!(classes.contains(&c), "{c}");
    }
}
