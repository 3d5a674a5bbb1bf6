//! Data updates without downtime: reloads under continuous load, on the real binary.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Server(Child, u16);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(data: &Path, extra: &[&str]) -> Server {
    start_with(data, &[&["--admin-token", "s3cret"], extra].concat())
}

fn start_with(data: &Path, extra: &[&str]) -> Server {
    let port = common::free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_compute-atlas"))
        .args([
            "serve",
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--data",
            data.to_str().unwrap(),
        ])
        .args(extra)
        .env_remove("COMPUTE_ATLAS_ADMIN_TOKEN")
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Server(child, port)
}

/// A minimal HTTP/1.1 request; returns status and body.
/// `POST /admin/reload` with a bearer token: status and body.
fn reload(port: u16, token: &str) -> (u16, String) {
    request(
        port,
        "POST",
        "/admin/reload",
        &format!("Authorization: Bearer {token}\r\n"),
    )
    .unwrap()
}

fn request(port: u16, method: &str, path: &str, headers: &str) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(s, "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: 0\r\n{headers}\r\n")?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf)?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|x| x.1.to_string())
        .unwrap_or_default();
    Ok((status, body))
}

/// Version B of sites.csv: every English name marked, so a response mixing versions shows.
fn marked_sites(original: &str) -> String {
    let mut rdr = csv::Reader::from_reader(original.as_bytes());
    let mut w = csv::Writer::from_writer(Vec::new());
    let h = rdr.headers().unwrap().clone();
    let name = h.iter().position(|c| c == "name_en").unwrap();
    w.write_record(&h).unwrap();
    for r in rdr.records() {
        let r = r.unwrap();
        let rec: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(i, v)| {
                if i == name {
                    format!("{v} [B]")
                } else {
                    v.to_string()
                }
            })
            .collect();
        w.write_record(&rec).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

#[test]
fn twenty_reloads_under_load_lose_nothing_and_never_mix() {
    let dir = common::data_dir_copy();
    let sites = dir.path().join("sites.csv");
    let original = std::fs::read_to_string(&sites).unwrap();
    let marked = marked_sites(&original);
    let server = start(dir.path(), &[]);
    let port = server.1;
    let stop = Arc::new(AtomicBool::new(false));
    let (ok, old_seen, new_seen) = (
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
        Arc::new(AtomicUsize::new(0)),
    );
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (stop, ok, old_seen, new_seen) =
                (stop.clone(), ok.clone(), old_seen.clone(), new_seen.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let (status, body) = request(
                        port,
                        "GET",
                        "/collections/sites/items?limit=100&properties=name_en",
                        "",
                    )
                    .expect("request fails");
                    assert_eq!(status, 200, "a request failed during reloads: {body}");
                    let v: serde_json::Value = serde_json::from_str(&body).expect("complete JSON");
                    let names: Vec<&str> = v["features"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|f| f["properties"]["name_en"].as_str().unwrap())
                        .collect();
                    // 65 sites since the audited table (one row merged, two added).
                    assert_eq!(names.len(), 65);
                    let marked = names.iter().filter(|n| n.ends_with(" [B]")).count();
                    assert!(
                        marked == 0 || marked == 65,
                        "a response mixed old and new data ({marked} of 65 new)"
                    );
                    if marked == 0 { &old_seen } else { &new_seen }.fetch_add(1, Ordering::Relaxed);
                    ok.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for i in 0..20 {
        std::fs::write(&sites, if i % 2 == 0 { &marked } else { &original }).unwrap();
        let (status, body) = reload(port, "s3cret");
        assert_eq!(status, 200, "reload {i}: {body}");
        std::thread::sleep(Duration::from_millis(100));
    }
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().expect("no client saw a failure");
    }
    let (n, a, b) = (
        ok.load(Ordering::Relaxed),
        old_seen.load(Ordering::Relaxed),
        new_seen.load(Ordering::Relaxed),
    );
    println!("{n} requests during 20 reloads: {a} old, {b} new");
    assert!(n >= 40 && a > 0 && b > 0, "{n} requests, {a} old, {b} new");
    // Without the right token: 401, and the route does not exist without a token at all.
    assert_eq!(reload(port, "nope").0, 401);
}

#[test]
fn a_failed_strict_reload_keeps_the_old_data_and_says_why() {
    let dir = common::data_dir_copy();
    let server = start(dir.path(), &["--strict"]);
    let port = server.1;
    let before = request(port, "GET", "/collections/sites/items/xj-yiwu-acc", "").unwrap();
    assert_eq!(before.0, 200);
    let sites = dir.path().join("sites.csv");
    let text = std::fs::read_to_string(&sites)
        .unwrap()
        .replacen(",operational,", ",running,", 1);
    std::fs::write(&sites, text).unwrap();
    let (status, body) = reload(port, "s3cret");
    assert_eq!(status, 409, "{body}");
    assert!(
        body.contains("still serving") && body.contains("sites.csv") && body.contains("running"),
        "{body}"
    );
    let after = request(port, "GET", "/collections/sites/items/xj-yiwu-acc", "").unwrap();
    assert_eq!(after, before, "the old data is still served");
}

#[test]
fn sighup_reloads_and_no_token_means_no_admin_route() {
    let dir = common::data_dir_copy();
    let server = start_with(dir.path(), &[]);
    let port = server.1;
    assert_eq!(reload(port, "x").0, 404);
    let sites = dir.path().join("sites.csv");
    std::fs::write(
        &sites,
        marked_sites(&std::fs::read_to_string(&sites).unwrap()),
    )
    .unwrap();
    let pid = server.0.id().to_string();
    assert!(Command::new("kill")
        .args(["-HUP", &pid])
        .status()
        .unwrap()
        .success());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, body) = request(port, "GET", "/collections/sites/items/xj-yiwu-acc", "").unwrap();
        if body.contains("[B]") {
            break;
        }
        assert!(Instant::now() < deadline, "SIGHUP did not reload");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Slow clients (slowloris) and repeated largest plots must not stop the server answering others.
#[test]
fn slow_clients_and_heavy_plots_do_not_block_others() {
    let server = start(&common::data_dir(), &[]);
    let port = server.1;
    // 50 connections that send half a request head and then nothing.
    let slow: Vec<TcpStream> = (0..50)
        .map(|_| {
            let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
            s.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .unwrap();
            s
        })
        .collect();
    // Two clients asking for the largest plot over and over (a new title each time defeats the cache).
    let stop = Arc::new(AtomicBool::new(false));
    let heavy: Vec<_> = (0..2)
        .map(|t| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let path =
                        format!("/plots/choropleth.png?width=4000&height=4000&title=t{t}-{i}");
                    let (status, _) = request(port, "GET", &path, "").unwrap();
                    assert_eq!(status, 200);
                    i += 1;
                }
                i
            })
        })
        .collect();
    let mut worst = Duration::ZERO;
    for _ in 0..20 {
        let t = Instant::now();
        let (status, body) =
            request(port, "GET", "/collections/sites/items/xj-yiwu-acc", "").unwrap();
        assert_eq!(status, 200, "{body}");
        worst = worst.max(t.elapsed());
        std::thread::sleep(Duration::from_millis(100));
    }
    stop.store(true, Ordering::Relaxed);
    let plots: u32 = heavy.into_iter().map(|h| h.join().unwrap()).sum();
    println!("worst latency of a small request while slow clients and {plots} large plots ran: {worst:?}");
    assert!(
        worst < Duration::from_secs(3),
        "a small request waited {worst:?}"
    );
    // The slow clients are cut off after the 5 s request-head timeout.
    std::thread::sleep(Duration::from_secs(6));
    for mut s in slow {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut buf = Vec::new();
        let r = s.read_to_end(&mut buf);
        assert!(
            r.is_ok(),
            "a slow client is still connected 11 s later: {r:?}"
        );
        let text = String::from_utf8_lossy(&buf);
        assert!(
            buf.is_empty() || text.starts_with("HTTP/1.1 408"),
            "slow client got {text:?}"
        );
    }
}

/// The replica routes compared byte for byte: pages, items (JSON, CSV), a tile with and without
/// the version pin, analytics, a plot, the OpenAPI document.
const REPLICA_PATHS: &[&str] = &[
    "/?f=json",
    "/collections",
    "/collections/sites/items?limit=100",
    "/collections/counties/items?limit=20",
    "/collections/sites/items?f=csv",
    "/collections/sites/items/xj-yiwu-acc",
    "/collections/counties/tiles/WebMercatorQuad/4/6/12",
    "/analytics/counties",
    "/plots/top-counties.svg",
    "/plots/top-counties.png",
    "/api",
    "/data-version",
];

/// Two replicas (the binary twice, started seconds apart) behind nginx on loopback: every
/// response is the same bytes with the same ETag whichever replica sends it, in every content
/// coding; then both reload new data under load through the balancer with no failed request
/// and no response mixing versions, and agree again.
#[test]
fn two_replicas_behind_nginx_answer_alike_and_reload_without_a_failure() {
    if !common::nginx::available() {
        return;
    }
    use common::nginx::{get, Nginx};
    let dir = common::data_dir_copy();
    let a = start(dir.path(), &[]);
    // A different start time must not show in any response.
    std::thread::sleep(Duration::from_millis(1500));
    let b = start(dir.path(), &[]);
    let lb = Nginx::start(&format!(
        "upstream atlas {{ server 127.0.0.1:{}; server 127.0.0.1:{}; }}\n\
         server {{\n  listen 127.0.0.1:{{port}};\n  location / {{\n\
         proxy_pass http://atlas;\n    proxy_http_version 1.1;\n\
         proxy_set_header Connection \"\";\n    proxy_set_header Host $http_host;\n\
         add_header X-Upstream $upstream_addr always;\n  }}\n}}",
        a.1, b.1
    ));
    let same_everywhere = |label: &str| -> String {
        let mut version = String::new();
        for path in REPLICA_PATHS {
            for coding in ["identity", "gzip", "br"] {
                let h = [("Accept-Encoding", coding)];
                // The Host the balancer passes on, so links are the same too.
                let host = format!("127.0.0.1:{}", lb.port);
                let direct = |port: u16| {
                    let mut r = get(
                        port,
                        path,
                        &[("Accept-Encoding", coding), ("X-Forwarded-Host", &host)],
                    )
                    .unwrap();
                    // The order of header lines is not meaning (actix keeps them in a hash
                    // map); every value, lists included, must be the same.
                    r.headers.retain(|(n, _)| n != "date");
                    r.headers.sort();
                    r
                };
                let (ra, rb) = (direct(a.1), direct(b.1));
                assert_eq!(ra.status, 200, "{label} {path}: {}", ra.text());
                assert!(
                    ra.body == rb.body,
                    "{label} {path} ({coding}): bodies differ between replicas"
                );
                assert_eq!(ra.headers, rb.headers, "{label} {path} ({coding})");
                let etag = ra.header("etag").expect("an ETag").to_string();
                assert!(
                    ra.header("cache-control").unwrap().contains("max-age"),
                    "{path}"
                );
                if coding != "identity" && !path.ends_with(".png") {
                    assert_eq!(ra.header("content-encoding"), Some(coding), "{path}");
                }
                // Through the balancer, twice (round robin: once from each replica).
                let mut upstreams = std::collections::BTreeSet::new();
                for _ in 0..2 {
                    let r = get(lb.port, path, &h).unwrap();
                    assert_eq!(r.status, 200, "{label} {path} through nginx");
                    assert!(r.body == ra.body, "{label} {path} ({coding}) through nginx");
                    assert_eq!(r.header("etag"), Some(etag.as_str()), "{path}");
                    upstreams.insert(r.header("x-upstream").unwrap_or("").to_string());
                }
                assert_eq!(upstreams.len(), 2, "both replicas answered {path}");
                version = ra.header("data-version").expect("Data-Version").to_string();
            }
        }
        version
    };
    let v1 = same_everywhere("before reload");

    // Both reload new data, one after the other, while clients go through the balancer.
    let sites = dir.path().join("sites.csv");
    let original = std::fs::read_to_string(&sites).unwrap();
    std::fs::write(&sites, marked_sites(&original)).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicUsize::new(0));
    let port = lb.port;
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (stop, ok) = (stop.clone(), ok.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let r = get(
                        port,
                        "/collections/sites/items?limit=100&properties=name_en",
                        &[("Accept-Encoding", "identity")],
                    )
                    .expect("request fails");
                    assert_eq!(
                        r.status,
                        200,
                        "a request failed during reloads: {}",
                        r.text()
                    );
                    let v: serde_json::Value =
                        serde_json::from_slice(&r.body).expect("complete JSON");
                    let feats = v["features"].as_array().unwrap();
                    let marked = feats
                        .iter()
                        .filter(|f| {
                            f["properties"]["name_en"]
                                .as_str()
                                .unwrap()
                                .ends_with(" [B]")
                        })
                        .count();
                    assert!(
                        marked == 0 || marked == feats.len(),
                        "a response mixed versions"
                    );
                    ok.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    for s in [&a, &b] {
        let (status, body) = reload(s.1, "s3cret");
        assert_eq!(status, 200, "{body}");
        std::thread::sleep(Duration::from_millis(300));
    }
    stop.store(true, Ordering::Relaxed);
    for c in clients {
        c.join().expect("no client saw a failure");
    }
    assert!(ok.load(Ordering::Relaxed) > 10);
    let v2 = same_everywhere("after reload");
    assert_ne!(v1, v2, "new data, new version");
    let r = get(lb.port, "/collections/sites/items/xj-yiwu-acc", &[]).unwrap();
    assert!(r.text().contains("[B]"));
}
