//! The web map in a real browser: headless Debian Chromium driven by playwright-core
//! (tests/browser/e2e.mjs) against the real binary with the real data.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn skip_or_fail(msg: &str) {
    if std::env::var("COMPUTE_ATLAS_REQUIRE_EXTERNAL").as_deref() == Ok("1") {
        panic!("{msg}; COMPUTE_ATLAS_REQUIRE_EXTERNAL=1 forbids skipping");
    }
    eprintln!("\n!!!! SKIPPED: {msg} !!!!\n");
}

struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn web_map_in_headless_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return skip_or_fail(&format!("{chromium} not found (Debian package chromium)"));
    }
    if Command::new("node").arg("--version").output().is_err() {
        return skip_or_fail("node not found (Node.js 20)");
    }
    let index = std::fs::read_to_string(root.join("web/dist/index.html")).unwrap_or_default();
    assert!(
        index.contains("<script"),
        "web/dist was not built by build.rs (is npm installed?)"
    );
    let browser_dir = root.join("tests/browser");
    if !browser_dir.join("node_modules/playwright-core").exists() {
        let ok = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&browser_dir)
            .status();
        if !ok.is_ok_and(|s| s.success()) {
            return skip_or_fail("npm ci in tests/browser failed (npm registry unreachable?)");
        }
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_compute-atlas"));
    cmd.args(["serve", "--bind", &format!("127.0.0.1:{port}")]);
    let plants = common::plant_files().unwrap_or_default();
    for f in &plants {
        cmd.arg("--plants").arg(f);
    }
    let _server = Server(cmd.stderr(Stdio::null()).spawn().unwrap());
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let shot = std::env::var("SCREENSHOT").unwrap_or_else(|_| {
        std::env::temp_dir()
            .join("compute-atlas-web.png")
            .display()
            .to_string()
    });
    let out = Command::new("node")
        .arg("e2e.mjs")
        .arg(format!("http://127.0.0.1:{port}/"))
        .env("SCREENSHOT", &shot)
        .env("CHROMIUM", &chromium)
        .env(
            "E2E_EXPECT_PLANTS",
            if plants.is_empty() { "0" } else { "1" },
        )
        .current_dir(&browser_dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "browser test failed:\n{stdout}");
    let last = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    assert!(
        last.ends_with(" 0 failed") && !last.starts_with("0 passed"),
        "{last}"
    );
    assert!(Path::new(&shot).exists(), "no screenshot at {shot}");
}
