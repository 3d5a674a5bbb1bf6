//! Render time of the plots (issue target: the choropleth of all 1,093 counties at 1600×1200
//! PNG, uncached, under 150 ms in release; matplotlib takes ~460 ms).
//!
//! Run: `cargo bench --bench plot [-- RUNS]` (plant files from ../shared/data/china_power or
//! $COMPUTE_ATLAS_SHARED). Prints one JSON line per plot (`{"kind":"plot","impl":"compute-atlas",
//! ...}`) on stdout, as `bench/matplotlib_choropleth.py` does; human text on stderr. The geometry
//! is projected once (as the server does at its first plot); each timed run renders and encodes
//! from scratch, without the caller's plot cache.

use std::path::PathBuf;
use std::time::Instant;

use compute_atlas::plot::{self, Fonts, Format, PlotKind, PlotRequest, ProjectedAtlas};
use compute_atlas::{Atlas, AtlasConfig};

fn main() {
    let runs: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(11);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let shared = std::env::var_os("COMPUTE_ATLAS_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared"));
    let mut config = AtlasConfig::new(compute_atlas::atlas::default_data_dir());
    if let Ok(dir) = std::fs::read_dir(shared.join("data/china_power")) {
        let mut files: Vec<PathBuf> = dir
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "csv"))
            .filter(|p| {
                !p.file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("")
                    .starts_with("nea_pv_")
            })
            .collect();
        files.sort();
        config.plant_files = files;
    }
    let atlas = Atlas::build(&config).expect("atlas builds");
    let fonts = Fonts::load(None).unwrap_or_else(|e| panic!("{e}"));
    let t = Instant::now();
    let projected = ProjectedAtlas::new(&atlas).expect("projection");
    let project_ms = t.elapsed().as_secs_f64() * 1000.0;
    eprintln!("[compute-atlas] projecting all geometry once: {project_ms:.0} ms");
    let out_dir = std::env::temp_dir();
    type Case<'a> = (&'a str, PlotKind, Format, Vec<(&'a str, &'a str)>);
    let cases: Vec<Case<'_>> = vec![
        ("choropleth", PlotKind::Choropleth, Format::Png, vec![]),
        ("choropleth-svg", PlotKind::Choropleth, Format::Svg, vec![]),
        (
            "choropleth-jenks",
            PlotKind::Choropleth,
            Format::Png,
            vec![("breaks", "jenks"), ("metric", "area_km2")],
        ),
        ("top-counties", PlotKind::TopCounties, Format::Png, vec![]),
        (
            "compute-vs-power",
            PlotKind::ComputeVsPower,
            Format::Png,
            vec![],
        ),
        (
            "province-power",
            PlotKind::ProvincePower,
            Format::Png,
            vec![],
        ),
    ];
    for (name, kind, format, pairs) in cases {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let req = PlotRequest::from_query(kind, format, &pairs).expect("request");
        let _ = plot::render_with(&atlas, &projected, &req, &fonts).expect("warm-up render");
        let mut times = Vec::with_capacity(runs);
        let mut bytes = Vec::new();
        for _ in 0..runs {
            let t = Instant::now();
            bytes = plot::render_with(&atlas, &projected, &req, &fonts).expect("render");
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let mut sorted = times.clone();
        sorted.sort_by(f64::total_cmp);
        let median = sorted[sorted.len() / 2];
        let path = out_dir.join(format!("plot-bench-{name}.{}", format.as_str()));
        std::fs::write(&path, &bytes).expect("write output");
        let (w, h) = req.pixel_size();
        eprintln!(
            "[compute-atlas] {name}: median {median:.1} ms over {runs} runs (min {:.1}, max {:.1}); {w}x{h}, {} bytes -> {}",
            sorted[0],
            sorted[sorted.len() - 1],
            bytes.len(),
            path.display()
        );
        let json = serde_json::json!({
            "kind": "plot",
            "impl": "compute-atlas",
            "plot": name,
            "format": format.as_str(),
            "ms": median,
            "ms_all": times,
            "prepare_ms": project_ms,
            "size_px": [w, h],
            "bytes": bytes.len(),
            "counties": atlas.counties.len(),
            "sites": atlas.sites.len(),
        });
        println!("{json}");
    }
}
