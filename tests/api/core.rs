//! Landing page, conformance, the OpenAPI document, and what every resource does (CORS,
//! gzip, ETags, security headers, 4xx for bad paths and parameters).

use actix_web::http::StatusCode;
use serde_json::Value;

use crate::common::http::{get, get_with, link};

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
        classes.contains(&"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html"),
        "the HTML encoding is served (tests/api/html.rs)"
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
    // Brotli when accepted, the same bytes every time (compressed once, then kept), and the data
    // version in a header instead of a `timeStamp` in the body.
    let br = |_| {
        get_with(
            "/collections/counties/items?limit=50",
            &[("Accept-Encoding", "gzip, br")],
        )
    };
    let (b1, b2) = (br(1).await, br(2).await);
    assert_eq!(b1.header("content-encoding").as_deref(), Some("br"));
    assert_eq!(b1.body, b2.body);
    assert_eq!(b1.header("etag"), b2.header("etag"));
    assert!(b1.header("data-version").is_some());
    let plain = get("/collections/counties/items?limit=50").await;
    assert!(plain.header("content-encoding").is_none());
    assert_eq!(
        plain.header("etag"),
        b1.header("etag"),
        "one ETag per content"
    );
    assert!(!plain.text().contains("timeStamp"));
    // A tile asked for with the current data version is immutable; without it, short-lived.
    let v = plain.header("data-version").unwrap();
    let tile = "/collections/counties/tiles/WebMercatorQuad/4/6/12";
    let pinned = get(&format!("{tile}?v={v}")).await;
    assert!(pinned
        .header("cache-control")
        .unwrap()
        .contains("immutable"));
    assert_eq!(pinned.body, get(tile).await.body);
    assert!(get(tile)
        .await
        .header("cache-control")
        .unwrap()
        .contains("max-age=60"));
}

#[actix_web::test]
async fn security_headers_on_every_response_and_a_policy_on_html() {
    // Every kind of answer: JSON, GeoJSON, CSV, a tile, a plot, an error, the page.
    for uri in [
        "/",
        "/collections/sites/items?limit=1",
        "/collections/sites/items?f=csv&limit=1",
        "/collections/counties/tiles/WebMercatorQuad/4/6/12",
        "/plots/top-counties.svg",
        "/collections/nope",
        "/map",
    ] {
        let r = get(uri).await;
        assert_eq!(
            r.header("x-content-type-options").as_deref(),
            Some("nosniff"),
            "{uri} ({})",
            r.status
        );
    }
    for r in [
        get("/map").await,
        get_with("/", &[("Accept", "text/html")]).await,
    ] {
        assert!(r.header("content-type").unwrap().starts_with("text/html"));
        let csp = r
            .header("content-security-policy")
            .expect("a policy on HTML");
        // No inline script and no script from elsewhere: the policy's script source is only
        // the service itself.
        let script = csp
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src"))
            .unwrap();
        assert_eq!(script, "script-src 'self'", "{csp}");
        assert!(csp.contains("object-src 'none'"), "{csp}");
        assert_eq!(r.header("referrer-policy").as_deref(), Some("no-referrer"));
    }
    // JSON is not a page: it carries no page policy, only the refusal to be framed.
    let r = get("/collections").await;
    assert_eq!(
        r.header("content-security-policy").as_deref(),
        Some("frame-ancestors 'none'")
    );
    // The embeddable map alone may sit in any page's frame.
    let r = get_with("/embed", &[("Accept", "text/html")]).await;
    assert_eq!(r.status, 200);
    let csp = r.header("content-security-policy").unwrap();
    assert!(csp.ends_with("frame-ancestors *"), "{csp}");
    assert!(r
        .text()
        .contains("<meta name=\"compute-atlas-mode\" content=\"embed\""));
    let r = get_with("/map", &[("Accept", "text/html")]).await;
    let csp = r.header("content-security-policy").unwrap();
    assert!(csp.ends_with("frame-ancestors 'none'"), "{csp}");
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

/// The OpenAPI document and the landing page describe what is served: every path without a
/// path parameter answers, and every link of the landing page (JSON and HTML) resolves.
#[actix_web::test]
async fn every_documented_path_and_landing_link_answers() {
    let doc = get("/api").await.json();
    let paths = doc["paths"].as_object().unwrap();
    for route in [
        "/analytics/counties",
        "/analytics/summary",
        "/analytics/metrics",
        "/analytics/power-estimate",
        "/analytics/power-balance",
        "/analytics/timeline",
        "/data-version",
        "/embed",
        "/map",
        "/plots/timeline.svg",
        "/plots/power-balance.png",
    ] {
        assert!(paths.contains_key(route), "{route} is not in /api");
    }
    for (path, item) in paths {
        if path.contains('{') || item.get("get").is_none() {
            continue;
        }
        // The one path whose answer needs parameters is called as its own example.
        let uri = if path == "/analytics/power-estimate" {
            format!("{path}?chip_model=H100&chips=1000")
        } else {
            path.clone()
        };
        let media = item["get"]["responses"]["200"]["content"]
            .as_object()
            .and_then(|c| c.keys().next().cloned())
            .unwrap_or_else(|| "application/json".into());
        let r = get_with(&uri, &[("Accept", &media)]).await;
        assert_eq!(r.status, 200, "{uri} (Accept: {media}): {}", r.text());
    }
    let landing = get("/").await.json();
    let hrefs: Vec<String> = landing["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| crate::common::http::local(l["href"].as_str().unwrap()))
        .collect();
    assert!(hrefs
        .iter()
        .any(|h| h.starts_with("/analytics/power-balance")));
    assert!(hrefs.iter().any(|h| h.starts_with("/analytics/timeline")));
    for href in &hrefs {
        let r = get(href).await;
        assert_eq!(r.status, 200, "landing link {href}: {}", r.text());
    }
    let html = get("/?f=html").await.text();
    assert!(
        html.contains("/analytics/power-estimate?chip_model=H100&#38;chips=115000"),
        "the HTML landing page lists the answers, escaped"
    );
}
