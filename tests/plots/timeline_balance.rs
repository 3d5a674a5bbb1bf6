//! The `timeline` and `power-balance` plots against the analytics API they draw, over HTTP (the
//! test service on the real data) and from the command line.

use actix_web::http::StatusCode;
use compute_atlas::plot::colour::{self, Rgb};
use compute_atlas::plot::{Format, PlotKind, PlotRequest};
use serde_json::Value;

use super::common::http::{bad, get};
use super::{bare_atlas, req, svg};

const STATUSES: [(&str, &str, &str); 4] = [
    ("operational", "Operational", "运营中"),
    ("under_construction", "Under construction", "在建"),
    ("tendered", "Tendered", "已招标"),
    ("announced", "Announced", "已宣布"),
];

/// A whole text element's content as plotters writes it in SVG (escaped, on its own line).
fn text_el(s: &str) -> String {
    let escaped = s
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;");
    format!(">\n{escaped}\n<")
}

fn hex((r, g, b): Rgb) -> String {
    format!("fill=\"#{r:02X}{g:02X}{b:02X}\"")
}

async fn ok_svg(uri: &str) -> String {
    let r = get(uri).await;
    assert_eq!(r.status, 200, "{uri}: {}", r.text());
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("image/svg+xml"),
        "{uri}"
    );
    r.text()
}

async fn api(uri: &str) -> Value {
    let r = get(uri).await;
    assert_eq!(r.status, 200, "{uri}: {}", r.text());
    r.json()
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// The timeline plot holds one stacked area per status with dated sites, a key entry per status
/// in either panel, the API's final cumulative count, and the undated sites in a note.
async fn timeline_matches_the_api(query: &str) {
    let t = api(&format!("/analytics/timeline?{query}")).await;
    let s = ok_svg(&format!("/plots/timeline.svg?{query}")).await;
    let periods = t["periods"].as_array().unwrap();
    assert!(!periods.is_empty(), "{query}: the data has dated sites");
    let last = periods.last().unwrap();
    let mut areas = 0;
    for (key, label, _) in STATUSES {
        let sites = num(&last["cumulative_sites"][key]);
        let pflops = num(&last["cumulative_pflops"][key]);
        areas += usize::from(sites > 0.0);
        assert_eq!(
            s.contains(&text_el(label)),
            sites > 0.0 || pflops > 0.0,
            "{query}: key entry {label} (sites {sites}, PFLOPS {pflops})"
        );
    }
    assert!(areas >= 2, "{query}: the real data has several statuses");
    assert_eq!(
        s.matches("<polygon").count(),
        areas,
        "{query}: one area per status"
    );
    let dated = num(&last["cumulative_sites"]["total"]) as u64;
    let undated = num(&t["undated"]["sites"]["total"]) as u64;
    assert_eq!(dated + undated, t["sites"].as_u64().unwrap());
    assert_eq!(dated, t["dated_sites"].as_u64().unwrap());
    assert!(
        s.contains(&format!("total {dated} sites")),
        "{query}: end label"
    );
    if undated > 0 {
        let note = format!(
            "{undated} site{} without a date",
            if undated == 1 { "" } else { "s" }
        );
        assert!(s.contains(&note), "{query}: {note:?}");
    } else {
        assert!(s.contains("Every site has a date"), "{query}");
    }
    let coarser: u64 = periods
        .iter()
        .map(|p| p["new_sites_coarser_date"].as_u64().unwrap())
        .sum();
    assert_eq!(
        s.contains("dated to the year only"),
        coarser > 0,
        "{query}: {coarser} year-only dates"
    );
    // The first period's label is the API's.
    let first = periods[0]["period"].as_str().unwrap();
    assert!(s.contains(&text_el(first)), "{query}: first period {first}");
}

#[actix_web::test]
async fn timeline_plot_draws_the_timeline_api() {
    timeline_matches_the_api("by=year").await;
    timeline_matches_the_api("by=month").await;
    timeline_matches_the_api("by=quarter&province=Xinjiang").await;
    // By month the one year-only date (real data) lands in December, said in the note.
    let t = api("/analytics/timeline?by=month").await;
    let coarser: u64 = t["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["new_sites_coarser_date"].as_u64().unwrap())
        .sum();
    assert!(coarser > 0, "sites.csv has a year-only date");
    let s = ok_svg("/plots/timeline.svg?by=month").await;
    assert!(s.contains("not in January"));

    let zh = ok_svg("/plots/timeline.svg?lang=zh").await;
    for needle in ["合计", "站点数（累计）", "没有日期", "运营中"] {
        assert!(zh.contains(needle), "zh: {needle}");
    }
    let r = get("/plots/timeline.png?width=900&height=600").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type").as_deref(), Some("image/png"));
    let img = image::load_from_memory(&r.body).unwrap();
    assert_eq!((img.width(), img.height()), (900, 600));
}

/// A western province without sites (Shaanxi's one site dropped from a copy of the data) is an
/// empty plot that says so, while the timeline API refuses the name.
#[test]
fn timeline_of_a_province_without_sites_says_so() {
    let dir = super::common::data_dir_copy();
    let path = dir.path().join("sites.csv");
    let mut rd = csv::Reader::from_path(&path).unwrap();
    let header = rd.headers().unwrap().clone();
    let col = header.iter().position(|h| h == "province_en").unwrap();
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_record(&header).unwrap();
    let mut dropped = 0;
    for r in &rows {
        if &r[col] == "Shaanxi" {
            dropped += 1;
        } else {
            w.write_record(r).unwrap();
        }
    }
    w.flush().unwrap();
    assert!(dropped > 0, "sites.csv has a site in Shaanxi");
    let a = compute_atlas::Atlas::build(&compute_atlas::AtlasConfig::new(dir.path())).unwrap();
    assert!(compute_atlas::timeline::timeline(
        &a,
        compute_atlas::timeline::Step::Year,
        Some("Shaanxi")
    )
    .is_err());
    let r = req(PlotKind::Timeline, Format::Svg, &[("province", "Shaanxi")]);
    let s = svg(&a, &r);
    assert!(s.contains("No site in Shaanxi"));
    assert_eq!(s.matches("<polygon").count(), 0);
    let r = req(PlotKind::Timeline, Format::Svg, &[("province", "Xinjiang")]);
    assert!(svg(&a, &r).contains("<polygon"));
}

/// Wind plus solar of a balance row's `field` (`generation_gwh`, `curtailed_gwh`); `None` when
/// both are unknown.
fn both(r: &Value, field: &str) -> Option<f64> {
    let (w, s) = (r["wind"][field].as_f64(), r["solar"][field].as_f64());
    (w.is_some() || s.is_some()).then(|| w.unwrap_or(0.0) + s.unwrap_or(0.0))
}

/// The power-balance plot has one row label per row of the API with something to draw (others
/// are counted in a note), one generation and one curtailment bar per row with such energy, the
/// estimate called one, and the coverage caveat where plant-file capacity is shown.
async fn balance_matches_the_api(level: &str, query: &str) {
    let b = api(&format!("/analytics/power-balance?level={level}&{query}")).await;
    let s = ok_svg(&format!("/plots/power-balance.svg?level={level}&{query}")).await;
    let rows = b["rows"].as_array().unwrap();
    assert!(!rows.is_empty(), "{level}");
    let positive = |r: &Value, field: &str| both(r, field).is_some_and(|v| v > 0.0);
    let drawn: Vec<&Value> = rows
        .iter()
        .filter(|r| {
            !r["demand_mw"]["central"].is_null()
                || positive(r, "generation_gwh")
                || positive(r, "curtailed_gwh")
        })
        .collect();
    let generation = drawn
        .iter()
        .filter(|r| positive(r, "generation_gwh"))
        .count();
    let curtailed = drawn
        .iter()
        .filter(|r| positive(r, "curtailed_gwh"))
        .count();
    assert!(generation > 0, "{level}: some row has generation");
    // One bar per row with the energy, plus the key's swatch.
    assert_eq!(
        s.matches(&hex(colour::GENERATION)).count(),
        generation + 1,
        "{level}"
    );
    assert_eq!(
        s.matches(&hex(colour::CURTAILED)).count(),
        curtailed + 1,
        "{level}"
    );
    let from_files = |r: &Value| {
        ["wind", "solar"]
            .iter()
            .any(|f| !r[f]["capacity_mw"].is_null() && r[f]["capacity_from"] == "plant files")
    };
    let label = |r: &Value| {
        let name = r["name"].as_str().unwrap();
        text_el(&if from_files(r) {
            format!("{name} *")
        } else {
            name.to_string()
        })
    };
    for r in &drawn {
        let same = drawn.iter().filter(|o| label(o) == label(r)).count();
        assert_eq!(
            s.matches(&label(r)).count(),
            same,
            "{level}: row {}",
            label(r)
        );
    }
    let left_out = rows.len() - drawn.len();
    assert_eq!(
        s.contains("with sites but neither a demand estimate"),
        left_out > 0,
        "{level}: {left_out} rows left out"
    );
    if left_out > 0 {
        assert!(s.contains(&format!(
            "{left_out} {}",
            if level == "county" {
                "count"
            } else {
                "province"
            }
        )));
    }
    assert!(s.contains("Estimated demand"), "{level}: key");
    assert!(s.contains("Demand is an estimate"), "{level}: subtitle");
    assert_eq!(
        s.contains("hold only part of each province"),
        drawn.iter().any(|r| from_files(r)),
        "{level}: coverage caveat where plant-file capacity is shown"
    );
}

#[actix_web::test]
async fn power_balance_plot_draws_the_balance_api() {
    balance_matches_the_api("province", "").await;
    balance_matches_the_api("county", "").await;
    balance_matches_the_api("province", "pue=1.2&utilisation=0.5").await;
    // Province is the default level of the plot.
    assert_eq!(
        ok_svg("/plots/power-balance.svg").await,
        ok_svg("/plots/power-balance.svg?level=province").await
    );
    let set = ok_svg("/plots/power-balance.svg?pue=1.2").await;
    assert!(set.contains("PUE = 1.2") && set.contains("set by the request"));
    assert_ne!(set, ok_svg("/plots/power-balance.svg").await);
    // The county level uses plant-file capacity (with plants loaded): the caveat is there.
    if super::common::plant_files().is_some() {
        let s = ok_svg("/plots/power-balance.svg?level=county").await;
        assert!(s.contains("hold only part of each province"));
    }
    let zh = ok_svg("/plots/power-balance.svg?lang=zh").await;
    for needle in ["估算需求", "风电 + 光伏发电量", "弃风弃光电量", "新疆"] {
        assert!(zh.contains(needle), "zh: {needle}");
    }
    let r = get("/plots/power-balance.png?width=1000&height=700&level=county").await;
    assert_eq!(r.status, 200);
    let img = image::load_from_memory(&r.body).unwrap();
    assert_eq!((img.width(), img.height()), (1000, 700));
}

#[actix_web::test]
async fn new_kinds_refuse_bad_parameters_like_the_api() {
    // The overrides are refused with the analytics API's own words (the allowed range).
    for q in ["pue=9", "pue=abc", "utilisation=0", "utilisation=1.5"] {
        let api = get(&format!("/analytics/power-balance?{q}")).await;
        assert_eq!(api.status, StatusCode::BAD_REQUEST, "{q}");
        let detail = api.json()["detail"].as_str().unwrap().to_string();
        assert!(detail.contains("must be a number from"), "{detail}");
        // The API names the parameter before the message (`pue: ...`); the message is the same.
        let name = q.split('=').next().unwrap();
        let message = detail.strip_prefix(&format!("{name}: ")).unwrap_or(&detail);
        bad(
            &format!("/plots/power-balance.png?{q}"),
            StatusCode::BAD_REQUEST,
            message,
        )
        .await;
    }
    bad(
        "/plots/power-balance.svg?level=site",
        StatusCode::BAD_REQUEST,
        "county or province",
    )
    .await;
    bad(
        "/plots/power-balance.svg?by=year",
        StatusCode::BAD_REQUEST,
        "does not apply",
    )
    .await;
    bad(
        "/plots/timeline.png?by=week",
        StatusCode::BAD_REQUEST,
        "month, quarter or year",
    )
    .await;
    bad(
        "/plots/timeline.svg?pue=1.2",
        StatusCode::BAD_REQUEST,
        "does not apply",
    )
    .await;
    bad(
        "/plots/timeline.svg?province=Atlantis",
        StatusCode::BAD_REQUEST,
        "Atlantis",
    )
    .await;
    let r = PlotRequest::from_query(PlotKind::PowerBalance, Format::Png, &[]).unwrap();
    assert_eq!(r.level, compute_atlas::plot::PlotLevel::Province);
}

/// Without power_assumptions.csv no demand is estimated: the plot says why instead of drawing.
#[test]
fn power_balance_without_the_demand_model_says_so() {
    let r = req(PlotKind::PowerBalance, Format::Svg, &[]);
    let a = bare_atlas();
    assert!(a.demand_model.is_some(), "the bundled data has the model");
    let s = svg(a, &r);
    assert!(s.contains("Estimated demand"));
    // No plant files: the province level still draws generation from the provincial statistics,
    // and no caveat is due where no plant-file capacity is used.
    assert!(!s.contains("not available"));
    let dir = super::common::data_dir_copy();
    std::fs::remove_file(dir.path().join("power_assumptions.csv")).unwrap();
    let a = compute_atlas::Atlas::build(&compute_atlas::AtlasConfig::new(dir.path())).unwrap();
    assert!(a.demand_model.is_none());
    let s = svg(&a, &r);
    assert!(
        s.contains("Power-demand estimates are not available"),
        "message"
    );
    assert_eq!(
        s.matches(&hex(colour::GENERATION)).count(),
        1,
        "only the key"
    );
}

#[test]
fn cli_writes_both_new_kinds() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_compute-atlas"))
            .arg("plot")
            .args(args)
            .output()
            .unwrap()
    };
    let png = dir.path().join("timeline.png");
    let o = run(&["timeline", "--by", "quarter", "-o", png.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let img = image::open(&png).unwrap();
    assert_eq!((img.width(), img.height()), (1400, 900));
    let svg_path = dir.path().join("balance.svg");
    let o = run(&[
        "power-balance",
        "--level",
        "county",
        "--pue",
        "1.5",
        "-o",
        svg_path.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s = std::fs::read_to_string(&svg_path).unwrap();
    assert!(s.contains("PUE = 1.5") && s.contains("by county"));
    let refused = dir.path().join("refused.svg");
    let o = run(&[
        "power-balance",
        "--pue",
        "7",
        "-o",
        refused.to_str().unwrap(),
    ]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("pue must be a number from 1 to 3"), "{err}");
    assert!(!refused.exists());
    let o = run(&["timeline", "--pue", "1.5", "-o", refused.to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("does not apply"));
}
