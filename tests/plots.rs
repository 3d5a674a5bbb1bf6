//! Plots rendered from the real bundled data (and the shared power-plant files when present).

use std::path::PathBuf;
use std::sync::OnceLock;

use compute_atlas::plot::{self, Fonts, Format, PlotKind, PlotRequest};
use compute_atlas::{Atlas, AtlasConfig};

#[path = "common/mod.rs"]
mod common;
#[path = "plots/timeline_balance.rs"]
mod timeline_balance;

fn shared_dir() -> PathBuf {
    std::env::var_os("COMPUTE_ATLAS_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"))
}

fn plant_files() -> Vec<PathBuf> {
    let dir = shared_dir().join("data/china_power");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    name.ends_with(".csv") && !name.starts_with("nea_pv_")
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// The atlas with plants when the shared plant files are there.
fn atlas() -> &'static Atlas {
    static A: OnceLock<Atlas> = OnceLock::new();
    A.get_or_init(|| {
        let mut config = AtlasConfig::new(compute_atlas::atlas::default_data_dir());
        config.plant_files = plant_files();
        if std::env::var_os("COMPUTE_ATLAS_REQUIRE_EXTERNAL").is_some() {
            assert!(
                !config.plant_files.is_empty(),
                "no plant files under {}",
                shared_dir().display()
            );
        }
        Atlas::build(&config).expect("atlas builds")
    })
}

/// The atlas without plant files.
fn bare_atlas() -> &'static Atlas {
    static A: OnceLock<Atlas> = OnceLock::new();
    A.get_or_init(|| {
        Atlas::build(&AtlasConfig::new(compute_atlas::atlas::default_data_dir()))
            .expect("atlas builds")
    })
}

fn fonts() -> &'static Fonts {
    static F: OnceLock<Fonts> = OnceLock::new();
    // Fails with the message naming the Debian package to install when no font is found.
    F.get_or_init(|| Fonts::load(None).unwrap_or_else(|e| panic!("{e}")))
}

fn query(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn req(kind: PlotKind, format: Format, pairs: &[(&str, &str)]) -> PlotRequest {
    PlotRequest::from_query(kind, format, &query(pairs)).expect("valid request")
}

fn png(atlas: &Atlas, r: &PlotRequest) -> image::RgbImage {
    let bytes = plot::render(atlas, r, fonts()).expect("renders");
    if let Some(dir) = std::env::var_os("PLOTS_OUT") {
        let name = format!("{}-{}.png", r.kind, r.cache_key().len());
        std::fs::write(PathBuf::from(dir).join(name), &bytes).unwrap();
    }
    image::load_from_memory(&bytes)
        .expect("PNG decodes")
        .to_rgb8()
}

fn svg(atlas: &Atlas, r: &PlotRequest) -> String {
    String::from_utf8(plot::render(atlas, r, fonts()).expect("renders")).expect("SVG is UTF-8")
}

fn variance(img: &image::RgbImage) -> f64 {
    let n = (img.width() * img.height()) as f64;
    let lum: Vec<f64> = img
        .pixels()
        .map(|p| 0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64)
        .collect();
    let mean = lum.iter().sum::<f64>() / n;
    lum.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / n
}

#[test]
fn fonts_are_found() {
    let f = fonts();
    assert!(f.latin.contains("DejaVu"), "{}", f.latin);
    assert!(
        f.cjk.is_some(),
        "{}",
        compute_atlas::plot::font::MISSING_CJK
    );
}

#[test]
fn choropleth_png_has_the_asked_size_and_is_not_blank() {
    let r = req(
        PlotKind::Choropleth,
        Format::Png,
        &[("width", "1000"), ("height", "750")],
    );
    let img = png(atlas(), &r);
    assert_eq!((img.width(), img.height()), (1000, 750));
    assert!(variance(&img) > 200.0, "variance {}", variance(&img));
    let r2 = req(
        PlotKind::Choropleth,
        Format::Png,
        &[("width", "500"), ("height", "400"), ("scale", "2")],
    );
    let img = png(atlas(), &r2);
    assert_eq!((img.width(), img.height()), (1000, 800));
}

#[test]
fn yiwu_is_filled_with_its_legend_class_colour() {
    let a = atlas();
    let yiwu = a
        .county_by_adcode(650522)
        .expect("Yiwu County is in the atlas");
    // All western provinces (Yiwu is ~50 px wide, much of it under the site rings drawn at its
    // seat), and Xinjiang alone (Yiwu ~150 px wide).
    for (breaks, province, share) in [
        ("quantile", "all", 60),
        ("jenks", "all", 60),
        ("quantile", "Xinjiang", 85),
    ] {
        let r = req(
            PlotKind::Choropleth,
            Format::Png,
            &[("breaks", breaks), ("province", province)],
        );
        let value = plot::metric_value(&a.county_figures[yiwu], &r.metric);
        assert!(value.unwrap_or(0.0) > 0.0, "Yiwu has compute: {value:?}");
        let classes = plot::choropleth_classes(a, &r).unwrap();
        let expected = classes.colour_of(value);
        assert!(
            classes.classes.iter().any(|c| c.colour == expected),
            "a value class, not no data"
        );
        let img = png(a, &r);
        // The seat (94.688E 43.250N) is under the site markers; a grid of interior points is
        // checked instead: most of them (the rest fall on borders, rings, labels) show the colour.
        let (x, y) = plot::pixel_of(a, &r, 94.688, 43.250).unwrap();
        assert!(x < img.width() && y < img.height());
        let (mut inside, mut matching) = (0, 0);
        for i in 0..=25 {
            for j in 0..=15 {
                let (lon, lat) = (93.63 + i as f64 * 0.1, 42.84 + j as f64 * 0.1);
                if a.county_at(lon, lat).map(|c| c.adcode) != Some(650522) {
                    continue;
                }
                inside += 1;
                let (x, y) = plot::pixel_of(a, &r, lon, lat).unwrap();
                let p = img.get_pixel(x, y);
                if (p[0], p[1], p[2]) == expected {
                    matching += 1;
                } else if std::env::var_os("PLOTS_DEBUG").is_some() {
                    eprintln!("MISMATCH {lon:.2} {lat:.2} -> ({x}, {y}) {p:?}");
                }
            }
        }
        assert!(inside >= 50, "{inside} grid points inside Yiwu");
        assert!(
            matching * 100 >= inside * share,
            "{matching} of {inside} Yiwu pixels have the class colour ({breaks}, {province})"
        );
    }
}

#[test]
fn single_province_map_renders() {
    let r = req(
        PlotKind::Choropleth,
        Format::Png,
        &[
            ("province", "xinjiang"),
            ("metric", "sites"),
            ("breaks", "jenks"),
        ],
    );
    assert_eq!(r.province.as_deref(), Some("Xinjiang"));
    let img = png(atlas(), &r);
    assert_eq!((img.width(), img.height()), (1600, 1200));
    assert!(variance(&img) > 200.0);
}

#[test]
fn choropleth_svg_has_title_legend_and_sources() {
    let r = req(
        PlotKind::Choropleth,
        Format::Svg,
        &[("title", "Compute & power test map")],
    );
    let s = svg(atlas(), &r);
    assert!(s.starts_with("<svg") || s.contains("<svg"));
    assert!(
        s.contains("Compute &amp; power test map"),
        "title is escaped and present"
    );
    assert!(s.contains("no data"));
    assert!(s.contains("PFLOPS per 10,000 km²"));
    assert!(s.contains("Boundaries follow the PRC"));
    assert!(s.contains("font-family=\"DejaVu Sans"));
    let classes = plot::choropleth_classes(atlas(), &r).unwrap();
    for c in &classes.classes {
        assert!(s.contains(&c.label), "legend entry {}", c.label);
    }
}

#[test]
fn chinese_labels_render() {
    let r = req(
        PlotKind::Choropleth,
        Format::Svg,
        &[("lang", "zh"), ("province", "Xinjiang")],
    );
    let s = svg(atlas(), &r);
    assert!(s.contains("新疆"));
    assert!(s.contains("无数据"));
    let r = req(PlotKind::TopCounties, Format::Png, &[("lang", "zh")]);
    let img = png(atlas(), &r);
    assert!(variance(&img) > 100.0);
}

#[test]
fn top_counties_follow_a_direct_sort() {
    let a = atlas();
    let r = req(PlotKind::TopCounties, Format::Svg, &[("top", "10")]);
    let rows = plot::top_counties(a, &r.metric, None, r.top);
    let mut direct: Vec<(u32, f64)> = a
        .county_figures
        .iter()
        .filter_map(|f| f.pflops_reported.map(|v| (f.adcode, v)))
        .collect();
    direct.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
    direct.truncate(10);
    let got: Vec<(u32, f64)> = rows
        .iter()
        .map(|&(i, v)| (a.counties[i].adcode, v))
        .collect();
    assert_eq!(got, direct);
    assert_eq!(got[0].0, 650522, "Yiwu leads");
    // The SVG lists the names in that order, top to bottom.
    let s = svg(a, &r);
    let mut last = 0;
    for &(i, _) in &rows {
        let name = format!("{} · ", a.counties[i].name_en);
        let at = s.find(&name).unwrap_or_else(|| panic!("{name} in SVG"));
        assert!(at > last, "{name} after the previous");
        last = at;
    }
    assert!(s.contains("Reported compute (PFLOPS)"), "axis label");
}

#[test]
fn top_counties_mark_lower_bounds_and_zone_aggregates() {
    let a = atlas();
    let r = req(PlotKind::TopCounties, Format::Svg, &[("top", "10")]);
    let rows = plot::top_counties(a, &r.metric, None, r.top);
    let s = svg(a, &r);
    // pflops_reported counts each overlap group once: a lower bound, said on the axis and bars.
    assert!(s.contains("Reported compute (PFLOPS), at least"), "axis");
    let flagged = rows
        .iter()
        .filter(|&&(i, _)| a.county_figures[i].pflops_zone_aggregate)
        .count();
    assert!(
        a.county_figures[rows[0].0].pflops_zone_aggregate,
        "Yiwu's total rests on the zone-wide 60,000 PFLOPS row"
    );
    // One dagger per flagged bar, plus the one in the key of the subtitle.
    assert_eq!(s.matches('†').count(), flagged + 1);
    // Every bar's value reads "≥ N"; the subtitle's key explains the sign once ("≥: at least").
    assert_eq!(s.matches("≥ ").count(), rows.len());
    assert!(s.contains("≥: at least"));
    // A metric that is not a site sum has neither mark.
    let area = req(
        PlotKind::TopCounties,
        Format::Svg,
        &[("top", "10"), ("metric", "area_km2")],
    );
    let s = svg(a, &area);
    assert!(!s.contains('†') && !s.contains('≥'));
}

#[test]
fn compute_vs_power_states_what_is_left_out() {
    let a = atlas();
    for level in ["county", "province"] {
        let r = req(PlotKind::ComputeVsPower, Format::Svg, &[("level", level)]);
        let s = svg(a, &r);
        assert!(s.contains("left out"), "{level}");
        assert!(s.contains("Reported compute (PFLOPS"), "y axis label");
        assert!(s.contains("Operating renewable capacity"), "x axis label");
        let img = png(
            a,
            &PlotRequest {
                format: Format::Png,
                ..r
            },
        );
        assert_eq!((img.width(), img.height()), (1400, 900));
    }
}

#[test]
fn province_power_with_and_without_plants() {
    let r = req(PlotKind::ProvincePower, Format::Svg, &[]);
    let s = svg(atlas(), &r);
    assert!(s.contains("Xinjiang") && s.contains("PFLOPS") && s.contains("sites"));
    if atlas().has_plants() {
        assert!(s.contains(" GW"));
        assert!(s.contains("Coal"));
    }
    let s = svg(bare_atlas(), &r);
    assert!(s.contains("No power-plant files are loaded"));
    let img = png(
        bare_atlas(),
        &PlotRequest {
            format: Format::Png,
            ..r
        },
    );
    assert_eq!((img.width(), img.height()), (1400, 900));
}

#[test]
fn output_is_deterministic() {
    let r = req(
        PlotKind::Choropleth,
        Format::Png,
        &[("width", "800"), ("height", "600")],
    );
    let a = plot::render(atlas(), &r, fonts()).unwrap();
    let b = plot::render(atlas(), &r, fonts()).unwrap();
    assert_eq!(a, b);
}

#[test]
fn bad_parameters_are_rejected_with_clear_messages() {
    let bad = |kind, pairs: &[(&str, &str)]| {
        let e = PlotRequest::from_query(kind, Format::Png, &query(pairs)).unwrap_err();
        assert!(e.is_client_error());
        e.to_string()
    };
    let m = bad(PlotKind::Choropleth, &[("metric", "gigawatts")]);
    assert!(
        m.contains("unknown metric `gigawatts`") && m.contains("pflops_per_10k_km2"),
        "{m}"
    );
    let m = bad(PlotKind::Choropleth, &[("width", "0")]);
    assert!(
        m.contains("width") && m.contains("200") && m.contains("4000"),
        "{m}"
    );
    let m = bad(PlotKind::Choropleth, &[("width", "100000")]);
    assert!(m.contains("width must be"), "{m}");
    let m = bad(PlotKind::TopCounties, &[("height", "abc")]);
    assert!(m.contains("height must be"), "{m}");
    let m = bad(PlotKind::Choropleth, &[("province", "Atlantis")]);
    assert!(
        m.contains("unknown province `Atlantis`") && m.contains("Xinjiang"),
        "{m}"
    );
    let m = bad(
        PlotKind::Choropleth,
        &[("width", "4000"), ("height", "4000"), ("scale", "3")],
    );
    assert!(m.contains("device pixels"), "{m}");
    let m = bad(PlotKind::Choropleth, &[("scale", "4")]);
    assert!(m.contains("scale"), "{m}");
    let m = bad(PlotKind::Choropleth, &[("colour", "red")]);
    assert!(m.contains("unknown parameter `colour`"), "{m}");
    let m = bad(PlotKind::ProvincePower, &[("metric", "sites")]);
    assert!(m.contains("does not apply"), "{m}");
    let m = bad(PlotKind::Choropleth, &[("breaks", "equal")]);
    assert!(m.contains("quantile or jenks"), "{m}");
    let m = bad(PlotKind::TopCounties, &[("top", "0")]);
    assert!(m.contains("top must be"), "{m}");
    let m = bad(PlotKind::Choropleth, &[("width", "800"), ("width", "900")]);
    assert!(m.contains("more than once"), "{m}");
    assert!(PlotKind::parse("pie")
        .unwrap_err()
        .to_string()
        .contains("choropleth"));
}

#[test]
fn defaults_and_cache_keys() {
    let map = PlotRequest::from_query(PlotKind::Choropleth, Format::Png, &[]).unwrap();
    assert_eq!((map.width, map.height), (1600, 1200));
    assert_eq!(map.metric, "pflops_per_10k_km2");
    let chart = PlotRequest::from_query(PlotKind::TopCounties, Format::Png, &[]).unwrap();
    assert_eq!((chart.width, chart.height, chart.top), (1400, 900, 15));
    let a = req(
        PlotKind::Choropleth,
        Format::Png,
        &[("province", "xinjiang"), ("breaks", "jenks")],
    );
    let b = req(
        PlotKind::Choropleth,
        Format::Png,
        &[("breaks", "jenks"), ("province", "Xinjiang")],
    );
    assert_eq!(a.cache_key(), b.cache_key());
    let c = req(
        PlotKind::Choropleth,
        Format::Svg,
        &[("province", "Xinjiang"), ("breaks", "jenks")],
    );
    assert_ne!(a.cache_key(), c.cache_key());
    let d = req(
        PlotKind::Choropleth,
        Format::Png,
        &[("province", "Xinjiang")],
    );
    assert_ne!(a.cache_key(), d.cache_key());
    let balance = |pairs: &[(&str, &str)]| req(PlotKind::PowerBalance, Format::Svg, pairs);
    assert_eq!(
        balance(&[]).cache_key(),
        balance(&[("level", "province")]).cache_key()
    );
    assert_ne!(
        balance(&[]).cache_key(),
        balance(&[("pue", "1.2")]).cache_key()
    );
    assert_ne!(
        balance(&[("pue", "1.2")]).cache_key(),
        balance(&[("utilisation", "0.5")]).cache_key()
    );
    let timeline = |pairs: &[(&str, &str)]| req(PlotKind::Timeline, Format::Svg, pairs);
    assert_eq!(
        timeline(&[]).cache_key(),
        timeline(&[("by", "year")]).cache_key()
    );
    assert_ne!(
        timeline(&[]).cache_key(),
        timeline(&[("by", "month")]).cache_key()
    );
}

/// Writes the example plots of docs/ (run with `PLOTS_DOCS=docs cargo test --test plots -- --ignored`).
#[test]
#[ignore]
fn write_docs_examples() {
    let Some(dir) = std::env::var_os("PLOTS_DOCS").map(PathBuf::from) else {
        return;
    };
    std::fs::create_dir_all(&dir).unwrap();
    let size: &[(&str, &str)] = &[("width", "1200"), ("height", "900")];
    for (kind, name) in [
        (PlotKind::Choropleth, "plot-choropleth"),
        (PlotKind::TopCounties, "plot-top-counties"),
        (PlotKind::ComputeVsPower, "plot-compute-vs-power"),
        (PlotKind::ProvincePower, "plot-province-power"),
        (PlotKind::Timeline, "plot-timeline"),
        (PlotKind::PowerBalance, "plot-power-balance"),
    ] {
        let r = req(kind, Format::Png, size);
        let bytes = plot::render(atlas(), &r, fonts()).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), &bytes).unwrap();
        if std::env::var_os("PLOTS_DOCS_SVG").is_some() {
            let bytes = plot::render(
                atlas(),
                &PlotRequest {
                    format: Format::Svg,
                    ..r
                },
                fonts(),
            )
            .unwrap();
            std::fs::write(dir.join(format!("{name}.svg")), &bytes).unwrap();
        }
    }
}

#[test]
fn font_override_and_family_names() {
    let err = Fonts::load(Some(std::path::Path::new("/nonexistent/font.ttf"))).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/font.ttf"), "{err}");
    let f = fonts();
    // The CJK family comes from a .ttc collection (index 0), named from its own name table.
    let cjk = f.cjk.as_deref().unwrap();
    assert!(cjk.ends_with(", sans-serif"), "{cjk}");
    let path = f
        .files
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "ttc" || e == "otf"))
        .cloned();
    if let Some(path) = path {
        let loaded = Fonts::load(Some(&path)).unwrap();
        assert_eq!(loaded.latin, cjk);
        let r = req(
            PlotKind::TopCounties,
            Format::Png,
            &[("lang", "zh"), ("width", "600"), ("height", "400")],
        );
        let img = image::load_from_memory(&plot::render(atlas(), &r, &loaded).unwrap()).unwrap();
        assert_eq!((img.width(), img.height()), (600, 400));
    }
}

/// Render time of the default choropleth (run in release:
/// `cargo test --release --test plots timing -- --ignored --nocapture`; `benches/plot.rs` is the
/// full benchmark).
#[test]
#[ignore]
fn timing_of_the_default_choropleth() {
    let a = atlas();
    let t = std::time::Instant::now();
    let projected = plot::ProjectedAtlas::new(a).unwrap();
    eprintln!("projection: {:.1} ms", t.elapsed().as_secs_f64() * 1000.0);
    for format in [Format::Png, Format::Svg] {
        let r = req(PlotKind::Choropleth, format, &[]);
        let _ = plot::render_with(a, &projected, &r, fonts()).unwrap();
        let mut times: Vec<f64> = (0..9)
            .map(|_| {
                let t = std::time::Instant::now();
                let _ = plot::render_with(a, &projected, &r, fonts()).unwrap();
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        times.sort_by(f64::total_cmp);
        eprintln!(
            "choropleth {format:?} 1600x1200: median {:.1} ms (min {:.1}, max {:.1})",
            times[4], times[0], times[8]
        );
    }
}

/// Renders one plot for a look: `PLOT="choropleth.png?metric=sites&lang=zh" PLOT_OUT=/tmp/p.png
/// cargo test --test plots render_one -- --ignored`.
#[test]
#[ignore]
fn render_one() {
    let (Some(spec), Some(out)) = (std::env::var("PLOT").ok(), std::env::var_os("PLOT_OUT")) else {
        return;
    };
    let (path, query) = spec.split_once('?').unwrap_or((&spec, ""));
    let (kind, format) = path.split_once('.').unwrap_or((path, "png"));
    let pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_string(), v.replace('+', " "))
        })
        .collect();
    let r = PlotRequest::from_query(
        PlotKind::parse(kind).unwrap(),
        Format::parse(format).unwrap(),
        &pairs,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(out, plot::render(atlas(), &r, fonts()).unwrap()).unwrap();
}
