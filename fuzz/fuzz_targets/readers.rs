//! The data-file readers must turn any bytes into rows and problems (or a clear error), never a
//! panic: the first byte picks the reader, the rest is the file.
#![no_main]

use std::io::Write;

use compute_atlas::load::{self, Problems};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else { return };
    let dir = std::env::temp_dir().join(format!("compute-atlas-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("input");
    let mut f = std::fs::File::create(&path).expect("temp file");
    f.write_all(body).expect("write");
    drop(f);
    let mut p = Problems::default();
    match which % 7 {
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
