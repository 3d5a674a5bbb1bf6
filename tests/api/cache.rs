//! The render cache: concurrent misses of one tile render it once, and `/status` counts.

use actix_web::test as atest;
use actix_web::web::Data;
use compute_atlas::server::{app, AppState, Served, WebConfig};
use compute_atlas::{Atlas, AtlasConfig};
use serde_json::Value;

use crate::common;

#[actix_web::test]
async fn concurrent_misses_of_one_tile_render_it_once() {
    // A state of its own, so the counters see no other test's requests.
    let config = AtlasConfig::new(common::data_dir());
    let atlas = Atlas::build(&config).expect("atlas builds");
    let state = Data::new(AppState::new(Served::from_atlas(atlas), config));
    let svc = atest::init_service(app(state, Data::new(WebConfig::default()), None)).await;
    let status = || async {
        let r =
            atest::call_service(&svc, atest::TestRequest::get().uri("/status").to_request()).await;
        assert_eq!(r.status(), 200);
        let v: Value = serde_json::from_slice(&atest::read_body(r).await).unwrap();
        v
    };
    let before = status().await;
    assert_eq!(before["cache"]["tile_renders"], 0);
    assert_eq!(before["cache"]["entries"], 0);
    // The whole-world tile of the counties: the slowest there is, so both requests are in
    // flight while it renders (the first waits on the blocking pool when the second arrives).
    let uri = "/collections/counties/tiles/WebMercatorQuad/0/0/0";
    let (a, b) = tokio::join!(
        atest::call_service(&svc, atest::TestRequest::get().uri(uri).to_request()),
        atest::call_service(&svc, atest::TestRequest::get().uri(uri).to_request()),
    );
    assert_eq!(a.status(), 200);
    assert_eq!(b.status(), 200);
    let (a, b) = (atest::read_body(a).await, atest::read_body(b).await);
    assert!(!a.is_empty());
    assert_eq!(a, b, "both got the one rendered tile");
    let after = status().await;
    let cache = &after["cache"];
    assert_eq!(cache["tile_renders"], 1, "{after}");
    assert_eq!(
        (cache["misses"].as_u64(), cache["hits"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(cache["entries"], 1);
    assert!(cache["bytes"].as_u64().unwrap() >= a.len() as u64);
    assert_eq!(after["data_version"].as_str().unwrap().len(), 16);
    // Asked again, it comes from the cache.
    let r = atest::call_service(&svc, atest::TestRequest::get().uri(uri).to_request()).await;
    assert_eq!(atest::read_body(r).await, a);
    let cache = &status().await["cache"];
    assert_eq!(
        (cache["tile_renders"].as_u64(), cache["hits"].as_u64()),
        (Some(1), Some(2))
    );
}
