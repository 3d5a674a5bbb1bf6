//! What a browser test needs before it starts: Debian's Chromium, Node.js, the built web map
//! and tests/browser with its Playwright installed. Each says loudly why a test skips, and
//! fails instead under `COMPUTE_ATLAS_REQUIRE_EXTERNAL=1` (set by CI).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Skips (saying so) or, under `COMPUTE_ATLAS_REQUIRE_EXTERNAL=1`, fails.
pub fn skip_or_fail(msg: &str) {
    if std::env::var("COMPUTE_ATLAS_REQUIRE_EXTERNAL").as_deref() == Ok("1") {
        panic!("{msg}; COMPUTE_ATLAS_REQUIRE_EXTERNAL=1 forbids skipping");
    }
    eprintln!("\n!!!! SKIPPED: {msg} !!!!\n");
}

/// The Chromium to drive (`$CHROMIUM`, else Debian's `/usr/bin/chromium`), or `None` after
/// [`skip_or_fail`].
pub fn chromium() -> Option<String> {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if Path::new(&chromium).exists() {
        Some(chromium)
    } else {
        skip_or_fail(&format!("{chromium} not found (Debian package chromium)"));
        None
    }
}

/// tests/browser with its Playwright installed (npm ci on first use), or `None` after
/// [`skip_or_fail`] has said why.
pub fn playwright(root: &Path) -> Option<PathBuf> {
    if Command::new("node").arg("--version").output().is_err() {
        skip_or_fail("node not found (Node.js 20)");
        return None;
    }
    let browser_dir = root.join("tests/browser");
    if !browser_dir.join("node_modules/playwright-core").exists() {
        let ok = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&browser_dir)
            .status();
        if !ok.is_ok_and(|s| s.success()) {
            skip_or_fail("npm ci in tests/browser failed (npm registry unreachable?)");
            return None;
        }
    }
    Some(browser_dir)
}

/// Panics unless build.rs built the web map into web/dist (not its placeholder page).
pub fn assert_web_built(root: &Path) {
    let index = std::fs::read_to_string(root.join("web/dist/index.html")).unwrap_or_default();
    assert!(
        index.contains("<script"),
        "web/dist was not built by build.rs (is npm installed? unset COMPUTE_ATLAS_SKIP_WEB_BUILD)"
    );
}

/// The last non-empty line of a browser script's output (`N passed, M failed`) says every
/// check ran and none failed.
pub fn assert_all_passed(stdout: &str) {
    let last = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    assert!(
        last.ends_with(" 0 failed") && !last.starts_with("0 passed"),
        "{last}"
    );
}
