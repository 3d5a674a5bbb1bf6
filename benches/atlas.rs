//! Start-up, memory and point-in-county lookup of the atlas (issue targets: start-up < 1 s with
//! all plant files, RSS < 250 MB, >= 5x GeoPandas sjoin on 1 M points, one core).
//!
//! Run: `cargo bench --bench atlas` (plant files from ../shared/data/china_power or
//! $COMPUTE_ATLAS_SHARED). The GeoPandas side and the ratio: `bench/run_all.sh`.

use std::path::PathBuf;
use std::time::Instant;

use compute_atlas::{Atlas, AtlasConfig};

fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<f64>()
                    .unwrap_or(0.0)
            })
        })
        .unwrap_or(0.0)
        / 1024.0
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let shared = std::env::var_os("COMPUTE_ATLAS_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared"));
    let dir = shared.join("data/china_power");
    let mut config = AtlasConfig::new(root.join("geodata"));
    for f in [
        "gem_gcpt_china_units_2024-07.csv",
        "gem_ghpt_china_2024-05.csv",
        "gem_gogpt_china_2024-08.csv",
        "gem_gnpt_china_2024-07.csv",
        "gem_gbpt_china_2024-09.csv",
        "gppd_v1.3.0_china.csv",
    ] {
        if dir.join(f).exists() {
            config.plant_files.push(dir.join(f));
        }
    }
    let mut best = f64::MAX;
    let mut atlas = None;
    for _ in 0..3 {
        let t = Instant::now();
        let a = Atlas::build(&config).expect("atlas builds");
        best = best.min(t.elapsed().as_secs_f64());
        atlas = Some(a);
    }
    let atlas = atlas.unwrap();
    println!(
        "{{\"bench\":\"startup\",\"plant_files\":{},\"plants\":{},\"seconds\":{best:.3},\"stages\":{:?}}}",
        config.plant_files.len(),
        atlas.plants.len(),
        atlas.timings
    );
    println!("{{\"bench\":\"rss_after_startup\",\"mb\":{:.1}}}", rss_mb());

    // What a write to the sites costs before its 200: a new snapshot with the edited records
    // (here the bundled rows, one note changed) and its layers and version. Before: the whole
    // atlas built again; now: the sites' part rebuilt on the atlas's base.
    let mut problems = compute_atlas::load::Problems::default();
    let mut records =
        compute_atlas::load::read_site_records(&root.join("geodata/sites.csv"), &mut problems)
            .expect("sites.csv reads");
    let notes = compute_atlas::load::SITE_COLUMNS
        .iter()
        .position(|c| *c == "notes")
        .expect("a notes column");
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (mut full, mut incremental, mut layers) = (Vec::new(), Vec::new(), Vec::new());
    let mut stages = Vec::new();
    let edited = |i: usize, records: &mut Vec<compute_atlas::load::SiteRecord>| {
        records[0].fields[notes] = Some(format!("benchmark edit {i}"));
        let mut edited = config.clone();
        edited.sites = Some(std::sync::Arc::new(records.clone()));
        edited
    };
    // One loop per way, as a server keeps one base between edits.
    let mut versions = (String::new(), String::new());
    for i in 0..7 {
        let edited = edited(i, &mut records);
        let t = Instant::now();
        let served = compute_atlas::server::Served::from_atlas(
            Atlas::build(&edited).expect("edited atlas builds"),
        );
        full.push(t.elapsed().as_secs_f64());
        versions.0 = served.version.clone();
    }
    for i in 0..7 {
        let edited = edited(i, &mut records);
        let t = Instant::now();
        let rebuilt = atlas.with_sites(&edited).expect("edited atlas rebuilds");
        stages = rebuilt.timings.clone();
        let t_layers = Instant::now();
        let served = compute_atlas::server::Served::from_atlas(rebuilt);
        layers.push(t_layers.elapsed().as_secs_f64());
        incremental.push(t.elapsed().as_secs_f64());
        versions.1 = served.version.clone();
    }
    assert_eq!(versions.0, versions.1, "the same snapshot either way");
    let (full, incremental) = (median(full), median(incremental));
    println!(
        "{{\"bench\":\"snapshot_after_site_edit\",\"full_rebuild_s\":{full:.4},\"on_base_s\":{incremental:.4},\"ratio\":{:.1},\"layers_and_version_s\":{:.4},\"stages\":{stages:?}}}",
        full / incremental,
        median(layers)
    );

    // 1,000,000 uniform points in 73-127E, 20-54N (xorshift, fixed seed).
    let mut s: u64 = 0x2545F4914F6CDD1D;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let pts: Vec<(f64, f64)> = (0..1_000_000)
        .map(|_| (73.0 + 54.0 * next(), 20.0 + 34.0 * next()))
        .collect();
    let mut best = f64::MAX;
    let mut matched = 0;
    for _ in 0..5 {
        let t = Instant::now();
        matched = pts
            .iter()
            .filter(|&&(x, y)| atlas.county_index.locate(x, y).is_some())
            .count();
        best = best.min(t.elapsed().as_secs_f64());
    }
    // The batched lookup `locate --input` uses, on the same points.
    let mut many = Vec::new();
    let mut best_many = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        atlas.county_index.locate_many(&pts, &mut many);
        best_many = best_many.min(t.elapsed().as_secs_f64());
    }
    assert_eq!(many.iter().filter(|c| c.is_some()).count(), matched);
    println!(
        "{{\"bench\":\"locate_1m\",\"matched\":{matched},\"seconds\":{best:.4},\"points_per_s\":{:.0},\"batched_points_per_s\":{:.0},\"grid_mb\":{:.1}}}",
        1e6 / best,
        1e6 / best_many,
        atlas.county_index.grid_bytes() as f64 / 1e6
    );
    // The points of bench/locate.sh: a county at random (equal weight), a uniform position in
    // its bounding box; small counties, nearly all border cells, weigh as much as large ones.
    let boxes: Vec<geo::Rect<f64>> = atlas
        .counties
        .iter()
        .filter_map(|c| geo::BoundingRect::bounding_rect(&*c.geometry))
        .collect();
    let box_pts: Vec<(f64, f64)> = (0..1_000_000)
        .map(|_| {
            let b = boxes[(next() * boxes.len() as f64) as usize % boxes.len()];
            (
                b.min().x + next() * b.width(),
                b.min().y + next() * b.height(),
            )
        })
        .collect();
    let mut best_boxes = f64::MAX;
    for _ in 0..7 {
        let t = Instant::now();
        atlas.county_index.locate_many(&box_pts, &mut many);
        best_boxes = best_boxes.min(t.elapsed().as_secs_f64());
    }
    println!(
        "{{\"bench\":\"locate_county_boxes_1m\",\"matched\":{},\"batched_points_per_s\":{:.0}}}",
        many.iter().filter(|c| c.is_some()).count(),
        1e6 / best_boxes
    );
    let order: Vec<u32> = atlas.counties.iter().map(|c| c.adcode).collect();
    let t = Instant::now();
    let m2 = pts
        .iter()
        .take(200_000)
        .filter(|&&(x, y)| atlas.county_index.locate_by_tree(x, y, &order).is_some())
        .count();
    let tree = t.elapsed().as_secs_f64();
    println!(
        "{{\"bench\":\"locate_rtree_only_200k\",\"matched\":{m2},\"points_per_s\":{:.0}}}",
        2e5 / tree
    );
}
