//! Content negotiation by q-value and conditional requests with entity-tag lists.

use actix_web::http::StatusCode;

use crate::common::http::{get, get_with};

const ITEMS: &str = "/collections/sites/items?limit=3";

#[actix_web::test]
async fn q_zero_rules_csv_out() {
    let r = get_with(ITEMS, &[("Accept", "text/csv;q=0, application/json")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/geo+json")
    );
    assert_eq!(r.json()["type"], "FeatureCollection");
}

#[actix_web::test]
async fn the_higher_q_wins_whatever_the_order() {
    let r = get_with(
        ITEMS,
        &[("Accept", "text/csv;q=0.5, application/geo+json;q=0.9")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/geo+json")
    );
    let r = get_with(
        ITEMS,
        &[("Accept", "application/geo+json;q=0.5, text/csv;q=0.9")],
    )
    .await;
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("text/csv; charset=utf-8")
    );
    assert!(r.text().starts_with("feature_id,"), "{}", r.text());
}

#[actix_web::test]
async fn wildcards_and_f_override() {
    let r = get_with(ITEMS, &[("Accept", "text/*")]).await;
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("text/csv; charset=utf-8"),
        "text/* names CSV, the only text type items offer"
    );
    let r = get_with(ITEMS, &[("Accept", "*/*;q=0.1")]).await;
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/geo+json")
    );
    let r = get_with(&format!("{ITEMS}&f=csv"), &[("Accept", "application/json")]).await;
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("text/csv; charset=utf-8"),
        "f overrides Accept"
    );
}

#[actix_web::test]
async fn only_unsupported_types_get_406_listing_the_offer() {
    let r = get_with(ITEMS, &[("Accept", "image/png, application/xml;q=0.5")]).await;
    assert_eq!(r.status, StatusCode::NOT_ACCEPTABLE, "{}", r.text());
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/problem+json")
    );
    let v = r.json();
    let offered: Vec<&str> = v["offered"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap())
        .collect();
    assert_eq!(
        offered,
        ["application/geo+json", "application/json", "text/csv"]
    );
    // A type the client allows only with q=0 is as good as not named.
    let r = get_with("/collections", &[("Accept", "application/json;q=0")]).await;
    assert_eq!(r.status, StatusCode::NOT_ACCEPTABLE, "{}", r.text());
    assert!(r.json()["offered"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m != "text/csv"));
}

#[actix_web::test]
async fn if_none_match_lists_are_read_whole() {
    let etag = get(ITEMS).await.header("etag").unwrap();
    let list = format!("\"something-else\", {etag}");
    let r = get_with(ITEMS, &[("If-None-Match", list.as_str())]).await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    assert_eq!(r.header("etag").as_deref(), Some(etag.as_str()));
    assert!(r.body.is_empty());
    // Weak comparison: the same tag without W/ matches too.
    let strong = format!("\"x\", {}", etag.trim_start_matches("W/"));
    let r = get_with(ITEMS, &[("If-None-Match", strong.as_str())]).await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    let r = get_with(ITEMS, &[("If-None-Match", "*")]).await;
    assert_eq!(r.status, StatusCode::NOT_MODIFIED);
    let r = get_with(ITEMS, &[("If-None-Match", "\"a\", W/\"b\"")]).await;
    assert_eq!(r.status, StatusCode::OK, "no tag of the list is current");
}
