//! Builds the web map (web/, npm + Vite) into web/dist so the binary can embed it.
//!
//! Needs Node.js and npm on the PATH and the npm registry (first build only). Set
//! COMPUTE_ATLAS_SKIP_WEB_BUILD=1 to skip; without a build the server answers /map with a page
//! that says how to build it.

use std::path::Path;
use std::process::Command;

fn main() {
    for p in [
        "web/src",
        "web/index.html",
        "web/package.json",
        "web/package-lock.json",
        "web/vite.config.js",
        "web/public",
    ] {
        println!("cargo:rerun-if-changed={p}");
    }
    println!("cargo:rerun-if-env-changed=COMPUTE_ATLAS_SKIP_WEB_BUILD");
    println!("cargo:rerun-if-env-changed=COMPUTE_ATLAS_REQUIRE_EXTERNAL");
    let dist = Path::new("web/dist");
    let skip = std::env::var_os("COMPUTE_ATLAS_SKIP_WEB_BUILD").is_some_and(|v| v == "1");
    if !skip && Path::new("web/package.json").exists() {
        if let Err(e) = build_web() {
            // CI (and anyone who sets COMPUTE_ATLAS_REQUIRE_EXTERNAL=1) must not test a stale map.
            if std::env::var_os("COMPUTE_ATLAS_REQUIRE_EXTERNAL").is_some_and(|v| v == "1") {
                panic!("web map not built: {e}");
            }
            println!("cargo:warning=web map not built: {e}");
        }
    }
    if !dist.join("index.html").exists() {
        std::fs::create_dir_all(dist).expect("create web/dist");
        std::fs::write(
            dist.join("index.html"),
            "<!doctype html><meta charset=utf-8><title>compute-atlas</title>\
             <p>The web map was not built. Install Node.js 20 and npm, then rebuild \
             (<code>cargo build</code> runs <code>npm ci &amp;&amp; npm run build</code> in web/). \
             The OGC API is at <a href=\"/collections\">/collections</a>.</p>",
        )
        .expect("write placeholder");
        println!("cargo:warning=web/dist/index.html is a placeholder: the web map was not built");
    }
}

fn npm(args: &[&str]) -> Result<(), String> {
    let status = Command::new("npm")
        .args(args)
        .current_dir("web")
        .status()
        .map_err(|e| format!("cannot run npm ({e}); install Node.js 20 and npm"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`npm {}` failed ({status})", args.join(" ")))
    }
}

fn build_web() -> Result<(), String> {
    // npm writes node_modules/.package-lock.json on install: older than the lock file means a
    // dependency was added or changed since (a merge, a pull).
    let modified = |p: &str| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let installed = modified("web/node_modules/.package-lock.json");
    if installed.is_none() || installed < modified("web/package-lock.json") {
        npm(&["ci", "--no-audit", "--no-fund"])?;
    }
    npm(&["run", "build"])
}
