//! Text written by an editor never becomes code: tests/browser/xss.mjs writes sites whose
//! name, notes and other text hold script payloads through the OGC API Features Part 4 routes
//! (with an editor's bearer token), then looks at them in headless Debian Chromium on the web
//! map and the HTML pages, with the content security policy in force and with it bypassed (so
//! escaping alone is tested too). It also checks that a `javascript:` source URL is refused,
//! that the CSV export neutralises a formula, and the security headers of the HTML responses.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::browser;

/// The server under test, killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn editor_text_never_runs_as_script_in_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let Some(chromium) = browser::chromium() else {
        return;
    };
    browser::assert_web_built(root);
    let Some(browser_dir) = browser::playwright(root) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let tokens = dir.path().join("tokens");
    let token = common::token(&tokens, "xss-editor", "editor");
    let port = common::free_port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_compute-atlas"));
    cmd.args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .arg("--data")
        .arg(common::data_dir())
        .arg("--store")
        .arg(dir.path().join("edits.sqlite"))
        .arg("--tokens")
        .arg(&tokens)
        .env_remove("COMPUTE_ATLAS_ADMIN_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut server = Server(cmd.spawn().expect("start compute-atlas"));
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = server.0.try_wait() {
            panic!("server exited at start-up: {status}");
        }
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = Command::new("node")
        .arg("xss.mjs")
        .arg(format!("http://127.0.0.1:{port}/"))
        .env("CHROMIUM", &chromium)
        .env("XSS_TOKEN", &token)
        .current_dir(&browser_dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "XSS browser test failed:\n{stdout}");
    browser::assert_all_passed(&stdout);
    // The sites the script wrote are in the store: it wrote through the API, not around it.
    let changes = common::nginx::get(port, "/changes", &[]).unwrap();
    assert_eq!(changes.status, 200);
    let v: serde_json::Value = serde_json::from_slice(&changes.body).unwrap();
    let authors: Vec<&str> = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["author"].as_str())
        .collect();
    assert!(
        authors.len() >= 2 && authors.iter().all(|a| *a == "xss-editor"),
        "changes by {authors:?}"
    );
}
