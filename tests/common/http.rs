//! The HTTP API through actix's test service, on the real data (with the power-plant files
//! when available): the shared state and request helpers of tests/api.
#![allow(dead_code)]

use std::sync::OnceLock;

use actix_web::http::{header, StatusCode};
use actix_web::test as atest;
use actix_web::web::Data;
use compute_atlas::server::{app, AppState, Served, WebConfig};
use compute_atlas::{Atlas, AtlasConfig};
use serde_json::Value;

pub fn state() -> Data<AppState> {
    static S: OnceLock<Data<AppState>> = OnceLock::new();
    S.get_or_init(|| {
        let mut config = AtlasConfig::new(super::data_dir());
        config.plant_files = super::plant_files().unwrap_or_default();
        let atlas = Atlas::build(&config).expect("atlas builds");
        Data::new(AppState::new(Served::from_atlas(atlas), config))
    })
    .clone()
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: header::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    }
}

pub async fn get_with(uri: &str, headers: &[(&str, &str)]) -> Resp {
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

pub async fn get(uri: &str) -> Resp {
    get_with(uri, &[]).await
}

pub async fn bad(uri: &str, status: StatusCode, needle: &str) {
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

pub fn ids(v: &Value) -> Vec<String> {
    v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

pub fn link<'a>(v: &'a Value, rel: &str) -> Option<&'a Value> {
    v["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == rel)
}

/// Strips scheme and host from a link so the test service can follow it.
pub fn local(href: &str) -> String {
    let rest = href.split_once("://").unwrap().1;
    rest[rest.find('/').unwrap()..].to_string()
}
