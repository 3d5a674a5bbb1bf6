//! The query-string parsers of the HTTP layer must answer every input with a value or a
//! clear error, never a panic.
#![no_main]

use compute_atlas::crs::Crs;
use compute_atlas::server::query;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    if let Ok(pairs) = query::parse_pairs(s) {
        for (_, v) in &pairs {
            for crs in [Crs::Crs84, Crs::Epsg(4326), Crs::Epsg(3857), Crs::Epsg(32646)] {
                if let Ok(b) = query::parse_bbox(v, crs) {
                    let _ = b.to_crs84(crs);
                }
            }
            let _ = query::parse_datetime(v);
            let _ = query::parse_sortby(v);
            let _ = query::parse_uint("limit", v, 1, 10_000);
            let _ = Crs::parse(v);
        }
    }
});
