//! HTML pages of the OGC resources: negotiation (f=html, Accept: text/html), content on the
//! real data, escaping of text from the data, the content security policy and JSON-LD.

use actix_web::http::StatusCode;
use actix_web::test as atest;
use actix_web::web::Data;
use compute_atlas::server::{app, AppState, Served, WebConfig};
use compute_atlas::{Atlas, AtlasConfig};

use crate::common;
use crate::common::http::{get, get_with};

pub const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// A page: 200 HTML with the security headers, and no script but JSON-LD data and, on pages
/// with a map, the bundle's map module loaded from this service (nothing inline runs).
pub fn assert_page(r: &common::http::Resp, what: &str) {
    assert_eq!(r.status, StatusCode::OK, "{what}: {}", r.text());
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("text/html; charset=utf-8"),
        "{what}"
    );
    let csp = r.header("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'self';"), "{what}: {csp}");
    assert_eq!(
        r.header("x-content-type-options").as_deref(),
        Some("nosniff"),
        "{what}"
    );
    let html = r.text();
    assert!(html.starts_with("<!DOCTYPE html>"), "{what}");
    let scripts = html.matches("<script").count();
    let data = html
        .matches("<script type=\"application/ld+json\">")
        .count();
    let modules: Vec<&str> = html
        .split("<script type=\"module\" src=\"")
        .skip(1)
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .collect();
    assert_eq!(scripts, data + modules.len(), "{what}");
    for src in &modules {
        assert!(
            src.contains("/assets/pagemap-") && src.ends_with(".js"),
            "{what}: {src}"
        );
        let tag = format!("<script type=\"module\" src=\"{src}\"></script>");
        assert!(
            html.contains(&tag),
            "{what}: the module script is not empty"
        );
    }
}

#[actix_web::test]
async fn every_resource_has_a_page() {
    for uri in [
        "/?f=html",
        "/conformance?f=html",
        "/collections?f=html",
        "/collections/sites?f=html",
        "/collections/sites/queryables?f=html",
        "/collections/sites/items?f=html",
        "/collections/counties/items?f=html&limit=5",
        "/collections/sites/items/xj-yiwu-acc?f=html",
    ] {
        assert_page(&get(uri).await, uri);
    }
    // A browser gets pages from Accept alone, except at `/`, which stays the web map.
    let r = get_with("/collections/sites", &[("Accept", BROWSER)]).await;
    assert_page(&r, "Accept");
    assert!(r.text().contains("Yiwu") || r.text().contains("sites"));
    let map = get_with("/", &[("Accept", BROWSER)]).await;
    assert!(!map.text().contains("Conformance classes"));
    // JSON clients are unchanged.
    let j = get_with("/collections/sites", &[("Accept", "application/json")]).await;
    assert_eq!(j.json()["id"], "sites");
    let conf = get("/conformance?f=html").await.text();
    assert!(conf.contains("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html"));
}

#[actix_web::test]
async fn items_page_is_a_table_with_paging() {
    let total = get("/collections/sites/items?limit=1").await.json()["numberMatched"]
        .as_u64()
        .unwrap();
    let html = get("/collections/sites/items?f=html&limit=10&offset=10")
        .await
        .text();
    assert!(
        html.contains(&format!("Features 11 to 20 of {total} matched.")),
        "{html}"
    );
    assert_eq!(html.matches("<tr>").count(), 11, "a header and 10 rows");
    assert!(html.contains("Next page") && html.contains("Previous page"));
    assert!(html.contains("offset=20"));
    // Filters reach the page too.
    let html = get("/collections/sites/items?f=html&filter=id%20%3D%20%27xj-yiwu-acc%27")
        .await
        .text();
    assert!(html.contains("Features 1 to 1 of 1 matched."), "{html}");
}

#[actix_web::test]
async fn item_page_links_sources_and_escapes_text() {
    let html = get("/collections/sites/items/qh-xining-unicom-sanjiangyuan?f=html")
        .await
        .text();
    // A source URL with `&` is a link, its `&` escaped in the attribute and the text.
    assert!(
        html.contains("<a href=\"https://qhszgh.com/index.php?c=show&#38;id=31090\">"),
        "{html}"
    );
    assert!(!html.contains("c=show&id"));
    // Unknown figures say so.
    assert!(html.contains("unknown"));
    let landing = get("/?f=html").await.text();
    assert!(landing.contains("<script type=\"application/ld+json\">"));
    assert!(landing.contains("\"@type\":\"Dataset\""));
    let col = get("/collections/counties?f=html").await.text();
    assert!(col.contains("\"@type\":\"Dataset\""));
}

#[actix_web::test]
async fn markup_in_the_data_is_shown_as_text() {
    // A copy of the data whose first site's notes hold markup and a script URL as operator.
    let dir = common::data_dir_copy();
    let path = dir.path().join("sites.csv");
    let mut r = csv::Reader::from_path(&path).unwrap();
    let headers = r.headers().unwrap().clone();
    let mut rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let notes = headers.iter().position(|h| h == "notes").unwrap();
    let operator = headers.iter().position(|h| h == "operator").unwrap();
    let id = rows[0][0].to_string();
    let mut first: Vec<String> = rows[0].iter().map(str::to_string).collect();
    first[notes] = "<script>alert(1)</script> & <b>bold</b>".into();
    first[operator] = "javascript:alert(1)".into();
    rows[0] = csv::StringRecord::from(first);
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_record(&headers).unwrap();
    for row in &rows {
        w.write_record(row).unwrap();
    }
    w.flush().unwrap();
    drop(w);
    let config = AtlasConfig::new(dir.path().to_path_buf());
    let atlas = Atlas::build(&config).expect("atlas builds");
    let state = Data::new(AppState::new(Served::from_atlas(atlas), config));
    let svc = atest::init_service(app(state, Data::new(WebConfig::default()), None)).await;
    for uri in [
        format!("/collections/sites/items/{id}?f=html"),
        format!("/collections/sites/items?f=html&filter=id%3D%27{id}%27"),
    ] {
        let req = atest::TestRequest::get().uri(&uri).to_request();
        let resp = atest::call_service(&svc, req).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let html = String::from_utf8(atest::read_body(resp).await.to_vec()).unwrap();
        assert!(
            html.contains(
                "&#60;script&#62;alert(1)&#60;/script&#62; &#38; &#60;b&#62;bold&#60;/b&#62;"
            ),
            "{uri}: {html}"
        );
        assert!(!html.contains("<script>alert"), "{uri}");
        assert!(!html.contains("<b>bold"), "{uri}");
        assert!(!html.contains("href=\"javascript:"), "{uri}");
    }
}
