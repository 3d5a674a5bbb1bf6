//! A write body of the edit routes must turn into a site record or field errors, never a
//! panic: the bytes are the body (JSON), read as a feature, merged as a patch onto a record's
//! feature, and checked by the rules of a site row.
#![no_main]

use compute_atlas::edit::{feature_of_record, merge_patch, read_feature};
use compute_atlas::load::validate_site;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let (record, errors) = read_feature(&body, "fuzz");
    for e in &errors {
        let _ = e.to_string();
    }
    let (_, problems) = validate_site(&record);
    for p in &problems.0 {
        let _ = p.to_string();
    }
    // A merge patch of the body onto the record's own feature, as PATCH does.
    let mut feature = feature_of_record(&record);
    merge_patch(&mut feature, &body);
    let (patched, _) = read_feature(&feature, "fuzz");
    let _ = validate_site(&patched);
});
