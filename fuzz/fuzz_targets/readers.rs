//! The data-file readers must turn any bytes into rows and problems (or a clear error), never a
//! panic: the first byte picks the reader, the rest is the file. Users' CSV points for
//! `locate` are one more reader: every row read is counted once, as located, outside or bad.
#![no_main]

use std::io::Write;
use std::sync::OnceLock;

use compute_atlas::atlas::CountyLayer;
use compute_atlas::load::{self, Problems};
use compute_atlas::locate::{self, LocateOptions, Locator};
use compute_atlas::AtlasConfig;
use libfuzzer_sys::fuzz_target;

fn counties() -> &'static CountyLayer {
    static LAYER: OnceLock<CountyLayer> = OnceLock::new();
    LAYER.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../geodata");
        CountyLayer::load(&AtlasConfig::new(dir)).expect("the bundled counties load")
    })
}

fn locate_csv(body: &[u8]) {
    let loc = Locator::on_counties(counties(), LocateOptions::default()).expect("locator");
    let mut out = Vec::new();
    if let Ok(s) = locate::csv::run(&loc, body, &mut out, &mut || {}) {
        assert_eq!(s.rows, s.located + s.outside + s.bad, "rows not all counted once");
        assert!(out.ends_with(b"\n"), "output does not end with a whole row");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else { return };
    if which % 8 == 7 {
        return locate_csv(body);
    }
    let dir = std::env::temp_dir().join(format!("compute-atlas-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("input");
    let mut f = std::fs::File::create(&path).expect("temp file");
    f.write_all(body).expect("write");
    drop(f);
    let mut p = Problems::default();
    match which % 8 {
        0 => drop(load::load_sites(&path, &mut p)),
        1 => drop(load::load_province_stats(&path, &mut p)),
        2 => drop(load::load_renewable_bases(&path, &mut p)),
        3 => drop(load::load_chips(&path, &mut p)),
        4 => drop(load::load_plants(&path, &mut p)),
        5 => drop(load::load_counties(&path, &mut p)),
        _ => drop(load::load_provinces(&path, &mut p)),
    }
    // Every problem must render as a message.
    for problem in &p.0 {
        let _ = problem.to_string();
    }
});
