//! `/plots/...` over HTTP.

use actix_web::http::StatusCode;

use crate::common::http::{bad, get};

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
