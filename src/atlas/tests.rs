//! An atlas rebuilt on its base after an edit of the sites ([`Atlas::with_sites`]) is the atlas
//! a full build of the same records gives: the same layers, byte for byte, and the same
//! problems and site power, with the boundaries, indexes and plants shared rather than read again.

use std::path::PathBuf;
use std::sync::Arc;

use super::{Atlas, AtlasConfig};
use crate::layers::build_layers;
use crate::load::{read_site_records, Problems, SITE_COLUMNS};

fn config() -> AtlasConfig {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut config = AtlasConfig::new(root.join("geodata"));
    // Two plant files when the shared data is here, so the plant columns take part.
    let shared = std::env::var_os("COMPUTE_ATLAS_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared"));
    for f in ["gem_gcpt_china_units_2024-07.csv", "gppd_v1.3.0_china.csv"] {
        let path = shared.join("data/china_power").join(f);
        if path.exists() {
            config.plant_files.push(path);
        }
    }
    config
}

fn layers_json(atlas: &Atlas) -> Vec<(String, Vec<String>)> {
    build_layers(atlas)
        .into_iter()
        .map(|l| {
            (
                l.id.to_string(),
                l.features.iter().map(|f| f.json.clone()).collect(),
            )
        })
        .collect()
}

fn problems(atlas: &Atlas) -> Vec<String> {
    let mut v: Vec<String> = atlas.problems.0.iter().map(|p| p.to_string()).collect();
    v.sort();
    v
}

#[test]
fn a_site_edit_on_the_base_equals_a_full_build() {
    let config = config();
    let first = Atlas::build(&config).expect("bundled data builds");
    let mut read = Problems::default();
    let mut records =
        read_site_records(&config.data_dir.join("sites.csv"), &mut read).expect("sites.csv reads");
    let col = |name: &str| SITE_COLUMNS.iter().position(|c| *c == name).unwrap();
    let (pflops, lon, lat, overlaps) = (
        col("reported_pflops"),
        col("longitude"),
        col("latitude"),
        col("overlaps_with"),
    );
    // A new figure on one row, a row moved onto another row's point (another county: its
    // stated county now disagrees, a warning in both builds), and a row retired.
    records[0].fields[pflops] = Some("1234.5".into());
    records[1].fields[lon] = records[40].fields[lon].clone();
    records[1].fields[lat] = records[40].fields[lat].clone();
    let retired = records
        .iter()
        .rposition(|r| r.fields[overlaps].is_none())
        .expect("a row outside every overlap group");
    records.remove(retired);
    let mut edited = config.clone();
    edited.sites = Some(Arc::new(records));

    let full = Atlas::build(&edited).expect("edited records build");
    let rebuilt = first.with_sites(&edited).expect("edited records rebuild");
    assert_eq!(rebuilt.sites.len(), first.sites.len() - 1);
    assert_eq!(layers_json(&rebuilt), layers_json(&full));
    assert_eq!(problems(&rebuilt), problems(&full));
    // The power around each site: lent by the first atlas where the point did not move,
    // computed again for the moved row; the same either way.
    assert_eq!(
        serde_json::to_string(&rebuilt.site_power).unwrap(),
        serde_json::to_string(&full.site_power).unwrap()
    );
    assert_ne!(
        layers_json(&rebuilt),
        layers_json(&first),
        "the edit changes the layers"
    );
    // The base is shared, not rebuilt.
    assert!(Arc::ptr_eq(&first.county_index, &rebuilt.county_index));
    assert!(Arc::ptr_eq(&first.plants, &rebuilt.plants));
    assert!(Arc::ptr_eq(
        &first.counties[0].geometry,
        &rebuilt.counties[0].geometry
    ));
    // A full build reads everything again.
    assert!(!Arc::ptr_eq(&first.county_index, &full.county_index));
}
