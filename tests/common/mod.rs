//! Shared test helpers: the bundled data, and the power-plant files read in place from
//! `../shared/data/china_power` (or `$COMPUTE_ATLAS_SHARED/data/china_power`).
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::OnceLock;

use compute_atlas::{Atlas, AtlasConfig};

pub mod browser;
pub mod http;
pub mod nginx;

/// A bearer token for `name` with `role`, made with the binary's own `token` command, its line
/// appended to `file`.
pub fn token(file: &std::path::Path, name: &str, role: &str) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_compute-atlas"))
        .args(["token", name, role, "--tokens"])
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A free loopback port for a server a test starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn shared_dir() -> PathBuf {
    std::env::var_os("COMPUTE_ATLAS_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"))
}

/// The GEM and GPPD files, or `None` after saying loudly that tests needing them skip.
/// With `COMPUTE_ATLAS_REQUIRE_EXTERNAL=1` (set by CI) a missing file fails the test instead.
pub fn plant_files() -> Option<Vec<PathBuf>> {
    let dir = shared_dir().join("data/china_power");
    let names = [
        "gem_gcpt_china_units_2024-07.csv",
        "gem_ghpt_china_2024-05.csv",
        "gem_gogpt_china_2024-08.csv",
        "gem_gnpt_china_2024-07.csv",
        "gem_gbpt_china_2024-09.csv",
        "gppd_v1.3.0_china.csv",
    ];
    let files: Vec<PathBuf> = names.iter().map(|n| dir.join(n)).collect();
    if let Some(missing) = files.iter().find(|f| !f.exists()) {
        let msg = format!(
            "power-plant file {} not found (set COMPUTE_ATLAS_SHARED to the folder holding data/china_power)",
            missing.display()
        );
        if std::env::var("COMPUTE_ATLAS_REQUIRE_EXTERNAL").as_deref() == Ok("1") {
            panic!("{msg}; COMPUTE_ATLAS_REQUIRE_EXTERNAL=1 forbids skipping");
        }
        eprintln!("\n!!!! SKIPPED: {msg} !!!!\n");
        return None;
    }
    Some(files)
}

pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("geodata")
}

/// The atlas of the bundled data alone.
pub fn atlas() -> &'static Atlas {
    static A: OnceLock<Atlas> = OnceLock::new();
    A.get_or_init(|| Atlas::build(&AtlasConfig::new(data_dir())).expect("bundled data builds"))
}

/// The atlas with every plant file, when they are available.
pub fn atlas_with_plants() -> Option<&'static Atlas> {
    static A: OnceLock<Option<Atlas>> = OnceLock::new();
    A.get_or_init(|| {
        let files = plant_files()?;
        let mut config = AtlasConfig::new(data_dir());
        config.plant_files = files;
        Some(Atlas::build(&config).expect("bundled data with plants builds"))
    })
    .as_ref()
}

/// A writable copy of the bundled data, for tests that change files.
pub fn data_dir_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = data_dir();
    std::fs::create_dir(dir.path().join("boundaries")).unwrap();
    for f in [
        "counties_west.geojson",
        "prefectures_west.geojson",
        "provinces_west.geojson",
    ] {
        std::fs::copy(
            src.join("boundaries").join(f),
            dir.path().join("boundaries").join(f),
        )
        .unwrap();
    }
    for f in [
        "sites.csv",
        "province_power.csv",
        "renewable_bases.csv",
        "chips.csv",
        "power_assumptions.csv",
        "reporting.csv",
    ] {
        std::fs::copy(src.join(f), dir.path().join(f)).unwrap();
    }
    dir
}
