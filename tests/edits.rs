//! Edits through the API against the real binary and the bundled data: every status code of
//! the write routes, concurrent writers with the same If-Match, `export-sites`, and crash
//! safety under SIGKILL. Its own binary: it spawns `compute-atlas` servers.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

/// The binary under test, copied once: the tests restart it many times, and a build in the
/// same target directory must not swap it underneath them.
fn bin() -> &'static Path {
    static BIN: std::sync::OnceLock<(tempfile::TempDir, PathBuf)> = std::sync::OnceLock::new();
    &BIN.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("compute-atlas");
        std::fs::copy(env!("CARGO_BIN_EXE_compute-atlas"), &path).unwrap();
        (dir, path)
    })
    .1
}

/// A response: status, headers (lower-case names) and body.
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// One HTTP/1.1 request on a new connection (`Connection: close`); `None` when the server is
/// not there (or died while answering).
fn request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Option<Resp> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(120))).ok()?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).ok()?;
    s.write_all(body).ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n")?;
    let mut lines = head.lines();
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    Some(Resp {
        status,
        headers,
        body,
    })
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// A running server on a free port, killed when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(store: Option<&Path>, tokens: Option<&Path>) -> Server {
    let port = common::free_port();
    let mut cmd = Command::new(bin());
    cmd.args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .arg("--data")
        .arg(common::data_dir())
        .env_remove("COMPUTE_ATLAS_ADMIN_TOKEN")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(s) = store {
        cmd.arg("--store").arg(s);
    }
    if let Some(t) = tokens {
        cmd.arg("--tokens").arg(t);
    }
    let mut child = cmd.spawn().expect("start compute-atlas");
    for _ in 0..600 {
        if request(port, "GET", "/conformance", &[], b"").is_some_and(|r| r.status == 200) {
            return Server { child, port };
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("server exited at start-up: {status}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("server did not start");
}

fn new_site(id: &str) -> Value {
    // Yiwu county seat, as the bundled rows of Yiwu give it.
    json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [94.68801, 43.24968]},
      "properties": {"id": id, "name_en": "Edit test site", "location_precision": "county_seat",
        "status": "announced", "confidence": "low", "source_urls": ["https://www.hami.gov.cn/"]}})
}

const ITEMS: &str = "/collections/sites/items";

struct Editor<'a> {
    port: u16,
    auth: &'a str,
}

impl Editor<'_> {
    fn send(&self, method: &str, path: &str, extra: &[(&str, &str)], body: &Value) -> Resp {
        let auth = format!("Bearer {}", self.auth);
        let mut h: Vec<(&str, &str)> = vec![("Authorization", &auth)];
        let ct = if method == "PATCH" {
            "application/merge-patch+json"
        } else {
            "application/geo+json"
        };
        if !extra.iter().any(|(k, _)| *k == "Content-Type") {
            h.push(("Content-Type", ct));
        }
        h.extend_from_slice(extra);
        let body = if body.is_null() {
            Vec::new()
        } else {
            body.to_string().into_bytes()
        };
        request(self.port, method, path, &h, &body).expect("server answers")
    }
}

fn etag(port: u16, id: &str) -> String {
    let r = request(port, "GET", &format!("{ITEMS}/{id}"), &[], b"").unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    r.header("etag").expect("ETag on a site").to_string()
}

#[test]
fn every_status_code_of_the_write_routes() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens");
    let alice = common::token(&tokens, "alice", "editor");
    let root = common::token(&tokens, "root", "admin");
    let store = dir.path().join("edits.sqlite");

    // Without a store or tokens the routes answer 405 with a message.
    {
        let ro = start(None, None);
        let r = Editor {
            port: ro.port,
            auth: "x",
        }
        .send("POST", ITEMS, &[], &new_site("xj-edit-test"));
        assert_eq!(r.status, 405);
        assert!(r.body.contains("--tokens"), "{}", r.body);
    }

    let srv = start(Some(&store), Some(&tokens));
    let port = srv.port;
    let ed = Editor { port, auth: &alice };
    let conf = request(port, "GET", "/conformance", &[], b"")
        .unwrap()
        .json();
    assert!(conf
        .to_string()
        .contains("ogcapi-features-4/1.0/conf/create-replace-delete"));
    let api = request(port, "GET", "/api", &[], b"").unwrap().json();
    assert!(api["paths"]["/collections/sites/items"]["post"].is_object());
    assert!(api["paths"]["/collections/sites/items/{featureId}"]["patch"].is_object());

    // 401 without or with an unknown token, 403 for an editor on the admin route.
    let r = request(
        port,
        "POST",
        ITEMS,
        &[("Content-Type", "application/geo+json")],
        new_site("xj-edit-test").to_string().as_bytes(),
    )
    .unwrap();
    assert_eq!(r.status, 401, "{}", r.body);
    // RFC 6750: the 401 names the scheme to use.
    assert!(r
        .header("www-authenticate")
        .is_some_and(|v| v.starts_with("Bearer")));
    let r = Editor {
        port,
        auth: "not-a-token",
    }
    .send("POST", ITEMS, &[], &new_site("xj-edit-test"));
    assert_eq!(r.status, 401);
    let r = ed.send("POST", "/admin/reload", &[], &Value::Null);
    assert_eq!(r.status, 403, "{}", r.body);
    // 405 for a collection that is not written.
    let r = ed.send(
        "POST",
        "/collections/counties/items",
        &[],
        &new_site("xj-edit-test"),
    );
    assert_eq!(r.status, 405);
    // 415 for a body that is not JSON.
    let r = ed.send(
        "POST",
        ITEMS,
        &[("Content-Type", "text/plain")],
        &new_site("xj-edit-test"),
    );
    assert_eq!(r.status, 415);
    // 413 over 256 KB.
    let mut big = new_site("xj-edit-test");
    big["properties"]["notes"] = json!("x".repeat(300 * 1024));
    assert_eq!(ed.send("POST", ITEMS, &[], &big).status, 413);

    // 400: a javascript: source, an unknown property, a point outside the area; each named.
    let mut bad = new_site("xj-edit-test");
    bad["properties"]["source_urls"] = json!(["javascript:alert(1)"]);
    bad["properties"]["colour"] = json!("red");
    let r = ed.send("POST", ITEMS, &[], &bad);
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("source_urls: expected an http(s) URL"),
        "{}",
        r.body
    );
    assert!(r.body.contains("colour: unknown property"), "{}", r.body);
    let mut bad = new_site("xj-edit-test");
    bad["properties"]["source_urls"] = json!([]);
    let r = ed.send("POST", ITEMS, &[], &bad);
    assert!(
        r.status == 400
            && r.body
                .contains("source_urls: every site needs at least one source URL"),
        "{}",
        r.body
    );
    let mut bad = new_site("xj-edit-test");
    bad["geometry"]["coordinates"] = json!([116.39, 39.9]);
    let r = ed.send("POST", ITEMS, &[], &bad);
    assert!(
        r.status == 400 && r.body.contains("outside every county"),
        "{}",
        r.body
    );
    let mut bad = new_site("xj-edit-test");
    bad["properties"]["status"] = json!("rumoured");
    let r = ed.send("POST", ITEMS, &[], &bad);
    assert!(
        r.status == 400 && r.body.contains("status: expected one of announced"),
        "{}",
        r.body
    );

    // 201 + Location; the county comes from the point; the site is served at once.
    let before = request(port, "GET", &format!("{ITEMS}?limit=1000"), &[], b"")
        .unwrap()
        .json();
    let r = ed.send(
        "POST",
        ITEMS,
        &[("X-Change-Comment", "new site from a test")],
        &new_site("xj-edit-test"),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r
        .header("location")
        .unwrap()
        .ends_with("/collections/sites/items/xj-edit-test"));
    assert_eq!(r.json()["properties"]["county_adcode"], "650522");
    let after = request(port, "GET", &format!("{ITEMS}?limit=1000"), &[], b"")
        .unwrap()
        .json();
    assert_eq!(
        after["numberMatched"].as_u64().unwrap(),
        before["numberMatched"].as_u64().unwrap() + 1
    );
    // 409 for an id that exists.
    assert_eq!(
        ed.send("POST", ITEMS, &[], &new_site("xj-edit-test"))
            .status,
        409
    );

    // PUT/PATCH: 428 without If-Match, 412 stale, 200 with the current tag.
    let path = format!("{ITEMS}/xj-edit-test");
    let patch = json!({"properties": {"notes": "patched", "reported_pflops": 12.5}});
    assert_eq!(ed.send("PATCH", &path, &[], &patch).status, 428);
    assert_eq!(
        ed.send(
            "PATCH",
            &path,
            &[("If-Match", "\"0-000000000000\"")],
            &patch
        )
        .status,
        412
    );
    let tag = etag(port, "xj-edit-test");
    let r = ed.send("PATCH", &path, &[("If-Match", &tag)], &patch);
    assert_eq!(r.status, 200, "{}", r.body);
    let served = request(port, "GET", &path, &[], b"").unwrap().json();
    assert_eq!(served["properties"]["notes"], "patched");
    assert_eq!(served["properties"]["reported_pflops"], 12.5);
    let mut put = new_site("xj-edit-test");
    put["properties"]["name_en"] = json!("Renamed");
    assert_eq!(
        ed.send("PUT", &path, &[("If-Match", &tag)], &put).status,
        412
    );
    let r = ed.send(
        "PUT",
        &path,
        &[("If-Match", &etag(port, "xj-edit-test"))],
        &put,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // A PUT to a missing id is 404.
    assert_eq!(
        ed.send(
            "PUT",
            &format!("{ITEMS}/xj-no-such-site"),
            &[("If-Match", "*")],
            &put
        )
        .status,
        404
    );

    // DELETE: 204, then GET 410, and the history tells who did what.
    let r = ed.send(
        "DELETE",
        &path,
        &[("If-Match", &etag(port, "xj-edit-test"))],
        &Value::Null,
    );
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(request(port, "GET", &path, &[], b"").unwrap().status, 410);
    let h = request(port, "GET", &format!("{path}/history"), &[], b"")
        .unwrap()
        .json();
    let kinds: Vec<&str> = h["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["create", "update", "update", "retire"]);
    assert_eq!(h["versions"][0]["author"], "alice");
    assert_eq!(h["versions"][0]["comment"], "new site from a test");
    assert_eq!(
        h["versions"][1]["fields_changed"],
        json!(["reported_pflops", "notes"])
    );
    let c = request(port, "GET", "/changes?since=2", &[], b"")
        .unwrap()
        .json();
    assert_eq!(c["changes"].as_array().unwrap().len(), 2);
    assert_eq!(c["last"], 4);
    // The admin token reloads; the retired site stays retired.
    let r = Editor { port, auth: &root }.send("POST", "/admin/reload", &[], &Value::Null);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(request(port, "GET", &path, &[], b"").unwrap().status, 410);
    drop(srv);

    // 503 when the store cannot be written; nothing changes.
    let srv = start(Some(&store), Some(&tokens));
    let ed = Editor {
        port: srv.port,
        auth: &alice,
    };
    let tag = etag(srv.port, "xj-yiwu-acc");
    // Another process holds the write lock past the server's 5 s wait: the store is locked.
    let other = rusqlite::Connection::open(&store).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let r = ed.send(
        "PATCH",
        &format!("{ITEMS}/xj-yiwu-acc"),
        &[("If-Match", &tag)],
        &json!({"properties": {"notes": "x"}}),
    );
    other.execute_batch("ROLLBACK").unwrap();
    assert_eq!(r.status, 503, "{}", r.body);
    assert!(r.body.contains("nothing was changed"), "{}", r.body);
    assert_eq!(
        etag(srv.port, "xj-yiwu-acc"),
        tag,
        "a refused write changed nothing"
    );
}

/// `check --strict --store`: the store replays over the bundled rows with no problem.
fn check_store_strict(store: &Path) {
    let out = Command::new(bin())
        .args(["check", "--strict", "--data"])
        .arg(common::data_dir())
        .arg("--store")
        .arg(store)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "check --store: {text}");
    assert!(text.contains("0 not applicable"), "{text}");
}

/// A site's `overlaps_with` as served (null when none).
fn links_of(port: u16, id: &str) -> Value {
    let r = request(port, "GET", &format!("{ITEMS}/{id}"), &[], b"").unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["properties"]["overlaps_with"].clone()
}

fn changes_since(port: u16, since: i64) -> Vec<Value> {
    let c = request(port, "GET", &format!("/changes?since={since}"), &[], b"")
        .unwrap()
        .json();
    c["changes"].as_array().unwrap().clone()
}

#[test]
fn overlaps_with_links_are_written_on_both_rows() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens");
    let alice = common::token(&tokens, "alice", "editor");
    let store = dir.path().join("edits.sqlite");
    let srv = start(Some(&store), Some(&tokens));
    let port = srv.port;
    let ed = Editor { port, auth: &alice };
    // Two bundled sites of Xinxing City, located in Yizhou District (650502), not linked.
    let (a, b) = ("xj-xinxing-tianyu", "xj-xinxing-guoxin");
    let (pa, pb) = (format!("{ITEMS}/{a}"), format!("{ITEMS}/{b}"));
    let county = |port: u16| {
        request(port, "GET", "/collections/counties/items/650502", &[], b"")
            .unwrap()
            .json()["properties"]
            .clone()
    };
    let c = county(port);
    assert_eq!(
        (
            c["pflops_reported"].as_f64(),
            c["pflops_reported_upper"].as_f64()
        ),
        (Some(6000.0), Some(6000.0))
    );
    assert_eq!(links_of(port, b), Value::Null);
    let b_before = request(port, "GET", &pb, &[], b"").unwrap().json();

    // Links to no row or to the site itself are refused, naming the field; nothing is stored.
    let tag_a = etag(port, a);
    for bad in [
        json!(["xj-no-such-site"]),
        json!([a]),
        json!([b, "xj-no-such-site"]),
    ] {
        let r = ed.send(
            "PATCH",
            &pa,
            &[("If-Match", &tag_a)],
            &json!({"properties": {"overlaps_with": bad}}),
        );
        assert!(
            r.status == 409 || r.status == 400,
            "{}: {}",
            r.status,
            r.body
        );
        assert!(r.body.contains("overlaps_with"), "{}", r.body);
        assert!(r.header("x-also-changed").is_none());
    }
    assert!(
        changes_since(port, 0).is_empty(),
        "a refused write stored a change"
    );
    assert_eq!(etag(port, a), tag_a);
    assert_eq!(links_of(port, b), Value::Null);

    // Linking A to B writes the back-link on B, as a change of its own by the same author.
    let tag_b = etag(port, b);
    let r = ed.send(
        "PATCH",
        &pa,
        &[
            ("If-Match", &tag_a),
            ("X-Change-Comment", "same project per the 2025 report"),
            ("Origin", "https://example.org"),
        ],
        &json!({"properties": {"overlaps_with": [b]}}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("x-also-changed"), Some(b));
    assert!(r
        .header("access-control-expose-headers")
        .is_some_and(|v| v.contains("X-Also-Changed")));
    assert_eq!(r.json()["id"], a);
    assert_eq!(r.json()["properties"]["overlaps_with"], b);
    assert_eq!(links_of(port, b), json!(a));
    // The rest of B is as it was.
    let b_after = request(port, "GET", &pb, &[], b"").unwrap().json();
    for (k, v) in b_before["properties"].as_object().unwrap() {
        if k != "overlaps_with" && k != "overlap_group" {
            assert_eq!(&b_after["properties"][k], v, "{k} of {b} changed");
        }
    }
    let list = changes_since(port, 0);
    let who: Vec<(&str, &str, &str)> = list
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap(),
                c["author"].as_str().unwrap(),
                c["kind"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(who, [(a, "alice", "update"), (b, "alice", "update")]);
    assert_eq!(list[1]["fields_changed"], json!(["overlaps_with"]));
    let note = list[1]["comment"].as_str().unwrap();
    assert!(
        note.contains("same project per the 2025 report")
            && note.contains(&format!(
                "kept symmetric with change {} to {a}",
                list[0]["change"]
            )),
        "{note}"
    );
    let h = request(port, "GET", &format!("{pb}/history"), &[], b"")
        .unwrap()
        .json();
    assert_eq!(h["versions"].as_array().unwrap().len(), 1);
    assert_eq!(h["versions"][0]["change"], list[1]["change"]);
    assert_eq!(h["versions"][0]["before"]["overlaps_with"], Value::Null);
    assert_eq!(h["versions"][0]["after"]["overlaps_with"], a);
    // B has a new version: its old tag is stale.
    assert_ne!(etag(port, b), tag_b);
    assert_eq!(
        ed.send(
            "PATCH",
            &pb,
            &[("If-Match", &tag_b)],
            &json!({"properties": {"notes": "x"}})
        )
        .status,
        412
    );
    // The county counts the group once, by its larger figure; the plain sum is unchanged.
    let c = county(port);
    assert_eq!(
        (
            c["pflops_reported"].as_f64(),
            c["pflops_reported_upper"].as_f64()
        ),
        (Some(5000.0), Some(6000.0))
    );
    let group = c["overlap_sites"].as_str().unwrap_or("");
    assert!(group.contains(a) && group.contains(b), "{group}");
    check_store_strict(&store);

    // A restart on the same store replays both changes.
    drop(srv);
    let srv = start(Some(&store), Some(&tokens));
    let port = srv.port;
    let ed = Editor { port, auth: &alice };
    assert_eq!(links_of(port, a), json!(b));
    assert_eq!(links_of(port, b), json!(a));
    assert_eq!(county(port)["pflops_reported"].as_f64(), Some(5000.0));

    // Unlinking A from B removes A from B.
    let r = ed.send(
        "PATCH",
        &pa,
        &[("If-Match", &etag(port, a))],
        &json!({"properties": {"overlaps_with": null}}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("x-also-changed"), Some(b));
    assert_eq!(links_of(port, b), Value::Null);
    assert_eq!(county(port)["pflops_reported"].as_f64(), Some(6000.0));
    assert_eq!(changes_since(port, 0).len(), 4);
    // A write that leaves the links alone changes no other site.
    let r = ed.send(
        "PATCH",
        &pa,
        &[("If-Match", &etag(port, a))],
        &json!({"properties": {"notes": "unchanged links"}}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.header("x-also-changed").is_none());
    assert_eq!(changes_since(port, 0).len(), 5);

    // A store that cannot be written: 503, and neither site changes.
    let (tag_a, tag_b) = (etag(port, a), etag(port, b));
    let other = rusqlite::Connection::open(&store).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let r = ed.send(
        "PATCH",
        &pa,
        &[("If-Match", &tag_a)],
        &json!({"properties": {"overlaps_with": [b]}}),
    );
    other.execute_batch("ROLLBACK").unwrap();
    assert_eq!(r.status, 503, "{}", r.body);
    assert_eq!((etag(port, a), etag(port, b)), (tag_a.clone(), tag_b));
    assert_eq!(links_of(port, b), Value::Null);
    assert_eq!(changes_since(port, 0).len(), 5);

    // Link again from B's side, then retire B: A loses the link.
    let r = ed.send(
        "PATCH",
        &pb,
        &[("If-Match", &etag(port, b))],
        &json!({"properties": {"overlaps_with": a}}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.header("x-also-changed"), Some(a));
    assert_eq!(links_of(port, a), json!(b));
    let r = ed.send("DELETE", &pb, &[("If-Match", &etag(port, b))], &Value::Null);
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(r.header("x-also-changed"), Some(a));
    assert_eq!(request(port, "GET", &pb, &[], b"").unwrap().status, 410);
    assert_eq!(links_of(port, a), Value::Null);
    let last = changes_since(port, 7);
    let who: Vec<(&str, &str)> = last
        .iter()
        .map(|c| (c["id"].as_str().unwrap(), c["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(who, [(b, "retire"), (a, "update")]);
    // A link to the retired site is refused.
    let r = ed.send(
        "PATCH",
        &pa,
        &[("If-Match", &etag(port, a))],
        &json!({"properties": {"overlaps_with": [b]}}),
    );
    assert!(r.status == 409 || r.status == 400, "{}", r.body);
    assert_eq!(changes_since(port, 0).len(), 9);
    assert_eq!(county(port)["pflops_reported"].as_f64(), Some(5000.0));

    // And all of it replays: at start-up and in `check --store`.
    drop(srv);
    check_store_strict(&store);
    let srv = start(Some(&store), Some(&tokens));
    assert_eq!(links_of(srv.port, a), Value::Null);
    assert_eq!(request(srv.port, "GET", &pb, &[], b"").unwrap().status, 410);
    assert_eq!(changes_since(srv.port, 0).len(), 9);
}

#[test]
fn eight_puts_with_the_same_if_match_one_wins() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens");
    let alice = common::token(&tokens, "alice", "editor");
    let srv = start(Some(&dir.path().join("edits.sqlite")), Some(&tokens));
    let port = srv.port;
    let id = "xj-yiwu-acc";
    let tag = etag(port, id);
    let current = request(port, "GET", &format!("{ITEMS}/{id}"), &[], b"")
        .unwrap()
        .json();
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let (tag, alice, current) = (&tag, &alice, &current);
                s.spawn(move || {
                    let mut f = current.clone();
                    let props = f["properties"].as_object_mut().unwrap();
                    props.retain(|k, _| {
                        compute_atlas::load::SITE_COLUMNS.contains(&k.as_str()) || k == "province"
                    });
                    props.insert("notes".into(), json!(format!("writer {i}")));
                    f.as_object_mut().unwrap().remove("links");
                    Editor { port, auth: alice }
                        .send("PUT", &format!("{ITEMS}/{id}"), &[("If-Match", tag)], &f)
                        .status
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok = statuses.iter().filter(|s| **s == 200).count();
    let stale = statuses.iter().filter(|s| **s == 412).count();
    assert_eq!((ok, stale), (1, 7), "{statuses:?}");
}

/// Writes to different sites at once commit one after another but share rebuilds: each must
/// still be visible at its own 200 (item text and ETag), and none may be lost.
#[test]
fn concurrent_writes_to_different_sites_are_each_visible_at_their_200() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens");
    let alice = common::token(&tokens, "alice", "editor");
    let srv = start(Some(&dir.path().join("edits.sqlite")), Some(&tokens));
    let port = srv.port;
    let sites = [
        "xj-yiwu-acc",
        "xj-nyocor-changji",
        "xj-karamay-tanhe",
        "xj-urumqi-ceec",
        "qh-golmud-chaidamu",
        "qh-xining-unicom-sanjiangyuan",
        "xj-toli-green-carbon",
        "gs-qingyang-cmcc",
    ];
    const ROUNDS: usize = 5;
    std::thread::scope(|s| {
        for (i, id) in sites.iter().enumerate() {
            let alice = &alice;
            s.spawn(move || {
                let path = format!("{ITEMS}/{id}");
                for k in 0..ROUNDS {
                    let note = format!("writer {i} round {k}");
                    let tag = etag(port, id);
                    let r = Editor { port, auth: alice }.send(
                        "PATCH",
                        &path,
                        &[("If-Match", &tag)],
                        &json!({"properties": {"notes": note}}),
                    );
                    assert_eq!(r.status, 200, "{id} round {k}: {}", r.body);
                    let acked = r.header("etag").expect("ETag on a 200").to_string();
                    let now = request(port, "GET", &path, &[], b"").unwrap();
                    assert_eq!(now.header("etag"), Some(acked.as_str()), "{id} round {k}");
                    assert_eq!(now.json()["properties"]["notes"], json!(note), "{id}");
                }
            });
        }
    });
    let feed = request(port, "GET", "/changes", &[], b"").unwrap().json();
    assert_eq!(
        feed["changes"].as_array().unwrap().len(),
        sites.len() * ROUNDS
    );
    for (i, id) in sites.iter().enumerate() {
        let h = request(port, "GET", &format!("{ITEMS}/{id}/history"), &[], b"")
            .unwrap()
            .json();
        let versions = h["versions"].as_array().unwrap();
        assert_eq!(versions.len(), ROUNDS, "{id}");
        let last = &versions[ROUNDS - 1]["after"]["notes"];
        assert_eq!(last, &json!(format!("writer {i} round {}", ROUNDS - 1)));
    }
}

#[test]
fn export_sites_reproduces_the_bundled_file_and_passes_strict_check() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sites.csv");
    let st = Command::new(bin())
        .args(["export-sites", "--data"])
        .arg(common::data_dir())
        .arg("-o")
        .arg(&out)
        .status()
        .unwrap();
    assert!(st.success());
    assert_eq!(
        std::fs::read(&out).unwrap(),
        std::fs::read(common::data_dir().join("sites.csv")).unwrap(),
        "export-sites with no changes differs from geodata/sites.csv"
    );
    let copy = common::data_dir_copy();
    std::fs::copy(&out, copy.path().join("sites.csv")).unwrap();
    let st = Command::new(bin())
        .args(["check", "--strict", "--data"])
        .arg(copy.path())
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success(), "check --strict fails on the export");
}

#[test]
fn sigkill_loses_no_acknowledged_write() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Mutex;
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens");
    let alice = common::token(&tokens, "alice", "editor");
    let store = dir.path().join("edits.sqlite");
    let ids = [
        "xj-yiwu-acc",
        "xj-yiwu-huixin",
        "xj-yiwu-windey-2000p",
        "xj-yiwu-cloud-silk-road",
    ];
    // Acknowledged notes per site, in order; the notes in flight when the server died.
    let acked: Mutex<Vec<Vec<String>>> = Mutex::new(vec![Vec::new(); ids.len()]);
    let mut seed = std::process::id() as u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut n = 0u64;
    for round in 0..10 {
        let mut srv = start(Some(&store), Some(&tokens));
        let port = srv.port;
        let stop = AtomicBool::new(false);
        std::thread::scope(|s| {
            for (w, id) in ids.iter().enumerate() {
                let (acked, stop, alice) = (&acked, &stop, &alice);
                let base = n + (w as u64) * 1000;
                s.spawn(move || {
                    let mut k = 0;
                    while !stop.load(Ordering::Relaxed) {
                        let Some(tag) = request(port, "GET", &format!("{ITEMS}/{id}"), &[], b"")
                            .and_then(|r| r.header("etag").map(str::to_string))
                        else {
                            return;
                        };
                        let note = format!("round {round} write {}", base + k);
                        k += 1;
                        let ed = Editor { port, auth: alice };
                        let auth = format!("Bearer {alice}");
                        let body = json!({"properties": {"notes": note}}).to_string();
                        let r = request(
                            ed.port,
                            "PATCH",
                            &format!("{ITEMS}/{id}"),
                            &[
                                ("Authorization", &auth),
                                ("Content-Type", "application/merge-patch+json"),
                                ("If-Match", &tag),
                            ],
                            body.as_bytes(),
                        );
                        match r {
                            Some(r) if r.status == 200 => acked.lock().unwrap()[w].push(note),
                            Some(r) => assert_eq!(r.status, 412, "{}", r.body),
                            None => return,
                        }
                    }
                });
            }
            // Kill at a random moment after this round's first acknowledged write, so that
            // every round has something to lose however slow the machine is.
            let count = || acked.lock().unwrap().iter().map(Vec::len).sum::<usize>();
            let before = count();
            for _ in 0..6000 {
                if count() > before {
                    break;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            assert!(
                count() > before,
                "no write acknowledged within 300 s in round {round}"
            );
            std::thread::sleep(Duration::from_millis(next() % 3000));
            // SIGKILL: no chance to flush anything.
            srv.child.kill().unwrap();
            stop.store(true, Ordering::Relaxed);
        });
        let _ = srv.child.wait();
        n += 10_000;
    }
    let total: usize = acked.lock().unwrap().iter().map(Vec::len).sum();
    assert!(total > 0, "no write was acknowledged");
    let srv = start(Some(&store), Some(&tokens));
    for (w, id) in ids.iter().enumerate() {
        let h = request(srv.port, "GET", &format!("{ITEMS}/{id}/history"), &[], b"")
            .unwrap()
            .json();
        let stored: Vec<String> = h["versions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v["after"]["notes"].as_str().map(str::to_string))
            .collect();
        for note in &acked.lock().unwrap()[w] {
            assert!(
                stored.contains(note),
                "acknowledged write {note:?} to {id} lost"
            );
        }
        // The served site is its last stored version, whole.
        let served = request(srv.port, "GET", &format!("{ITEMS}/{id}"), &[], b"")
            .unwrap()
            .json();
        assert_eq!(
            served["properties"]["notes"].as_str(),
            stored.last().map(String::as_str)
        );
    }
    drop(srv);
    let check = compute_atlas::store::Store::open(&store)
        .unwrap()
        .integrity_check()
        .unwrap();
    assert_eq!(check, "ok");
    // `check --store` replays the same store over the bundled rows: strict passes, and it says
    // how far it replayed.
    let out = Command::new(bin())
        .args(["check", "--strict", "--data"])
        .arg(common::data_dir())
        .arg("--store")
        .arg(&store)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "check --store: {text}");
    assert!(
        text.contains("changes up to number") && text.contains("0 not applicable"),
        "{text}"
    );
    eprintln!("{total} acknowledged writes over 10 SIGKILLs, all present");
}

/// OWSLib's OGC API - Features transaction calls (create, update, delete) against the binary.
const OWSLIB_SCRIPT: &str = r#"
import json, sys, urllib.request
from owslib.ogcapi.features import Features
url, token = sys.argv[1], sys.argv[2]
api = Features(url, headers={"Authorization": "Bearer " + token, "Content-Type": "application/geo+json"})
site = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [94.68801, 43.24968]},
        "properties": {"id": "xj-owslib-test", "name_en": "OWSLib test", "location_precision": "county_seat",
                       "status": "announced", "confidence": "low", "source_urls": ["https://www.hami.gov.cn/"]}}
def etag():
    with urllib.request.urlopen(url + "/collections/sites/items/xj-owslib-test") as r:
        return r.headers["ETag"]
assert api.collection_item_create("sites", json.dumps(site))
assert api.collection_item("sites", "xj-owslib-test")["properties"]["county_adcode"] == "650522"
site["properties"]["name_en"] = "OWSLib test, renamed"
api.headers["If-Match"] = etag()
assert api.collection_item_update("sites", "xj-owslib-test", json.dumps(site))
assert api.collection_item("sites", "xj-owslib-test")["properties"]["name_en"] == "OWSLib test, renamed"
api.headers["If-Match"] = etag()
assert api.collection_item_delete("sites", "xj-owslib-test")
try:
    api.collection_item("sites", "xj-owslib-test")
    sys.exit("retired site still served")
except RuntimeError as e:
    assert "retired" in str(e), e
print("owslib ok")
"#;

#[test]
fn owslib_creates_updates_and_deletes() {
    let has_owslib =
        Command::new(std::env::var("COMPUTE_ATLAS_PYTHON").unwrap_or_else(|_| "python3".into()))
            .args(["-c", "import owslib.ogcapi.features"])
            .status()
            .is_ok_and(|s| s.success());
    if !has_owslib {
        let msg = "python3 with OWSLib not found (pip install owslib)";
        if std::env::var("COMPUTE_ATLAS_REQUIRE_EXTERNAL").as_deref() == Ok("1") {
            panic!("{msg}; COMPUTE_ATLAS_REQUIRE_EXTERNAL=1 forbids skipping");
        }
        eprintln!("\n!!!! SKIPPED: {msg} !!!!\n");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens");
    let alice = common::token(&tokens, "alice", "editor");
    let srv = start(Some(&dir.path().join("edits.sqlite")), Some(&tokens));
    let out =
        Command::new(std::env::var("COMPUTE_ATLAS_PYTHON").unwrap_or_else(|_| "python3".into()))
            .args([
                "-c",
                OWSLIB_SCRIPT,
                &format!("http://127.0.0.1:{}", srv.port),
                &alice,
            ])
            .output()
            .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let h = request(
        srv.port,
        "GET",
        &format!("{ITEMS}/xj-owslib-test/history"),
        &[],
        b"",
    )
    .unwrap()
    .json();
    assert_eq!(h["versions"].as_array().unwrap().len(), 3);
}
