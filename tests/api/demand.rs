//! Power-demand estimates and the timeline (issue 12), on the bundled data: every expected value
//! is computed here from the CSV files, not copied from the code.

use std::collections::{BTreeMap, HashMap};

use actix_web::http::StatusCode;

use crate::common;
use crate::common::http::{bad, get};

type Row = HashMap<String, String>;

/// A level's figures, how a site is placed at it, and its units' adcodes.
type Level<'a> = (
    &'a [compute_atlas::figures::UnitFigures],
    fn(&compute_atlas::atlas::SitePlace) -> Option<usize>,
    Vec<u32>,
);

fn read(name: &str) -> Vec<Row> {
    let mut r = csv::Reader::from_path(common::data_dir().join(name)).unwrap();
    r.deserialize().map(|row| row.unwrap()).collect()
}

fn num(rows: &[Row], key: &str, name: &str, field: &str) -> f64 {
    let row = rows
        .iter()
        .find(|r| r[key] == name)
        .unwrap_or_else(|| panic!("{name} missing"));
    row[field]
        .parse()
        .unwrap_or_else(|_| panic!("{name}.{field} = {:?}", row[field]))
}

/// (low, central, high) power in MW of `chips` H100-class accelerators, from the CSV rows the
/// README says to combine: accelerators / 8 × server maximum × average fraction × PUE.
fn by_hand(chips: f64, pue: Option<f64>, fraction: Option<f64>) -> [f64; 3] {
    let a = read("power_assumptions.csv");
    let c = read("chips.csv");
    let tdp_kw = num(&c, "chip", "H100 SXM", "tdp_w") / 1000.0;
    let server_max = num(&a, "name", "server_max_power_dgx_h100", "central");
    let overhead = server_max / (8.0 * tdp_kw);
    let fractions = [
        num(&a, "name", "server_typical_power_dgx_h100", "low") / server_max,
        num(
            &a,
            "name",
            "ai_server_average_power_fraction_of_max",
            "high",
        ),
        num(&a, "name", "server_typical_power_dgx_h100", "high") / server_max,
    ];
    let pues = [
        num(&a, "name", "pue_limit_cluster_start_area_qingyang", "high"),
        num(&a, "name", "pue_limit_new_large_dc_national_2025", "high"),
        num(&a, "name", "pue_industry_average_uptime_2023", "central"),
    ];
    std::array::from_fn(|i| {
        chips * tdp_kw * overhead * fraction.unwrap_or(fractions[i]) * pue.unwrap_or(pues[i])
            / 1000.0
    })
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * b.abs().max(1.0)
}

#[actix_web::test]
async fn nyocor_estimate_is_chips_times_tdp_overhead_fraction_and_pue() {
    let sites = read("sites.csv");
    let nyocor = sites
        .iter()
        .find(|s| s["id"] == "xj-nyocor-changji")
        .unwrap();
    let chips: f64 = nyocor["chip_count"].parse().unwrap();
    let want = by_hand(chips, None, None);
    let v = get("/collections/sites/items/xj-nyocor-changji")
        .await
        .json();
    let p = &v["properties"];
    assert_eq!(p["power_basis"], "chips");
    assert_eq!(p["power_chip_model"], "H100 SXM", "alias H100 -> H100 SXM");
    for (name, w) in ["power_mw_low", "power_mw_central", "power_mw_high"]
        .iter()
        .zip(want)
    {
        let got = p[*name].as_f64().unwrap();
        assert!((got - w).abs() < 1e-3, "{name}: {got} vs {w}");
    }
    assert!(want[0] < want[1] && want[1] < want[2]);
}

#[actix_web::test]
async fn sites_without_a_usable_input_have_no_estimate_and_are_counted() {
    let sites = read("sites.csv");
    // PFLOPS only, no chip model, no power, chips or servers: never estimated.
    let pflops_only: Vec<&Row> = sites
        .iter()
        .filter(|s| {
            !s["reported_pflops"].is_empty()
                && s["chip_model"].is_empty()
                && s["power_mw"].is_empty()
                && s["chip_count"].is_empty()
                && s["server_count"].is_empty()
        })
        .collect();
    assert!(!pflops_only.is_empty());
    for s in pflops_only {
        let v = get(&format!("/collections/sites/items/{}", s["id"]))
            .await
            .json();
        assert_eq!(v["properties"]["power_basis"], "", "{}", s["id"]);
        assert!(v["properties"]["power_mw_central"].is_null(), "{}", s["id"]);
    }
    // A chip count over a list of models some of which chips.csv does not know has no estimate.
    let mixed: Vec<&Row> = sites
        .iter()
        .filter(|s| {
            s["power_mw"].is_empty() && !s["chip_count"].is_empty() && s["chip_model"].contains(';')
        })
        .collect();
    for s in mixed {
        let known = read("chips.csv");
        let parts: Vec<String> = s["chip_model"]
            .split([';', ','])
            .map(|p| p.trim().to_lowercase())
            .collect();
        let all_known = parts
            .iter()
            .all(|p| known.iter().any(|c| p.contains(&c["chip"].to_lowercase())));
        if !all_known {
            let v = get(&format!("/collections/sites/items/{}", s["id"]))
                .await
                .json();
            assert_eq!(v["properties"]["power_basis"], "", "{}", s["id"]);
        }
    }
    // A reported power_mw is taken as it is.
    let reported: Vec<&Row> = sites.iter().filter(|s| !s["power_mw"].is_empty()).collect();
    assert!(!reported.is_empty());
    for s in reported {
        let v = get(&format!("/collections/sites/items/{}", s["id"]))
            .await
            .json();
        let mw: f64 = s["power_mw"].parse().unwrap();
        assert_eq!(v["properties"]["power_basis"], "reported_power_mw");
        assert_eq!(v["properties"]["power_mw_low"].as_f64(), Some(mw));
        assert_eq!(v["properties"]["power_mw_high"].as_f64(), Some(mw));
    }
    // "estimated for N of M sites": the province figures count them.
    let a = common::atlas();
    let estimated = a.site_demand.iter().filter(|e| e.is_some()).count() as u32;
    let counted: u32 = a
        .province_figures
        .iter()
        .map(|f| f.power_estimated_sites)
        .sum();
    assert_eq!(counted, estimated);
    assert!(estimated > 0 && (estimated as usize) < a.sites.len());
}

#[actix_web::test]
async fn unit_totals_are_the_sums_of_their_sites_with_groups_counted_once() {
    let a = common::atlas();
    let levels: [Level<'_>; 3] = [
        (
            &a.county_figures,
            |p| p.county,
            a.counties.iter().map(|c| c.adcode).collect(),
        ),
        (
            &a.prefecture_figures,
            |p| p.prefecture,
            a.prefectures.iter().map(|c| c.adcode).collect(),
        ),
        (
            &a.province_figures,
            |p| p.province,
            a.provinces.iter().map(|c| c.adcode).collect(),
        ),
    ];
    let mut checked = 0;
    for (figures, unit_of, adcodes) in levels {
        // Per unit, per overlap group, the largest estimate of each bound.
        let mut want: BTreeMap<u32, BTreeMap<String, [f64; 3]>> = BTreeMap::new();
        for (i, e) in a.site_demand.iter().enumerate() {
            let (Some(e), Some(u)) = (e, unit_of(&a.site_places[i])) else {
                continue;
            };
            let g = want
                .entry(adcodes[u])
                .or_default()
                .entry(a.site_group_key(i).to_string())
                .or_insert([0.0; 3]);
            g[0] = g[0].max(e.power_mw.low);
            g[1] = g[1].max(e.power_mw.central);
            g[2] = g[2].max(e.power_mw.high);
        }
        for f in figures {
            match want.get(&f.adcode) {
                None => assert!(f.power_mw_central.is_none(), "{}", f.adcode),
                Some(groups) => {
                    for (k, got) in [f.power_mw_low, f.power_mw_central, f.power_mw_high]
                        .iter()
                        .enumerate()
                    {
                        let sum: f64 = groups.values().map(|g| g[k]).sum();
                        assert!(close(got.unwrap(), sum), "{}: {got:?} vs {sum}", f.adcode);
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 3);
    // Served on the unit layers and the analytics tables.
    let v = get("/analytics/provinces?province=Xinjiang").await.json();
    let xj = a
        .province_figures
        .iter()
        .find(|f| f.adcode == 650000)
        .unwrap();
    assert!(close(
        v["rows"][0]["power_mw_central"].as_f64().unwrap(),
        xj.power_mw_central.unwrap()
    ));
    assert!(crate::common::http::get("/analytics/metrics")
        .await
        .text()
        .contains("power_mw_high"));
}

#[actix_web::test]
async fn power_estimate_what_if_with_aliases_overrides_and_errors() {
    let want = by_hand(115_000.0, None, None);
    let v = get("/analytics/power-estimate?chip_model=H100&chips=115000")
        .await
        .json();
    assert_eq!(v["chip_model"], "H100 SXM");
    for (k, w) in ["low", "central", "high"].iter().zip(want) {
        assert!(close(v["power_mw"][k].as_f64().unwrap(), w), "{k}");
    }
    let hours = num(
        &read("power_assumptions.csv"),
        "name",
        "hours_per_year",
        "central",
    );
    assert!(close(
        v["energy_gwh_per_year"]["central"].as_f64().unwrap(),
        want[1] * hours / 1000.0
    ));
    let params = v["parameters"].as_array().unwrap();
    assert!(params.iter().all(|p| p["how"].is_string()));
    let pue = params.iter().find(|p| p["name"] == "pue").unwrap();
    assert!(!pue["sources"].as_array().unwrap().is_empty());
    // Servers are 8 accelerators: 14,375 servers = 115,000 chips.
    let s = get("/analytics/power-estimate?chip_model=h100%20sxm&servers=14375")
        .await
        .json();
    assert!(close(s["power_mw"]["central"].as_f64().unwrap(), want[1]));
    // Overrides change the result, to the value computed by hand.
    let o = get("/analytics/power-estimate?chip_model=H100&chips=115000&pue=1.1&utilisation=0.7")
        .await
        .json();
    let w = by_hand(115_000.0, Some(1.1), Some(0.7));
    assert!(close(o["power_mw"]["low"].as_f64().unwrap(), w[0]));
    assert!(close(o["power_mw"]["high"].as_f64().unwrap(), w[2]));
    assert!(o["power_mw"]["central"].as_f64().unwrap() < want[1]);
    // Bad input: 400 with what is allowed.
    bad(
        "/analytics/power-estimate?chip_model=H100&chips=115000&pue=0.5",
        StatusCode::BAD_REQUEST,
        "from 1 to 3",
    )
    .await;
    bad(
        "/analytics/power-estimate?chip_model=H100&chips=115000&utilisation=2",
        StatusCode::BAD_REQUEST,
        "utilisation must be",
    )
    .await;
    bad(
        "/analytics/power-estimate?chip_model=H100&chips=115000&pue=abc",
        StatusCode::BAD_REQUEST,
        "pue must be",
    )
    .await;
    bad(
        "/analytics/power-estimate?chip_model=H999&chips=10",
        StatusCode::BAD_REQUEST,
        "H100 SXM | H100",
    )
    .await;
    bad(
        "/analytics/power-estimate?chip_model=H100",
        StatusCode::BAD_REQUEST,
        "chips or servers",
    )
    .await;
    bad(
        "/analytics/power-estimate?chip_model=H100&chips=-3",
        StatusCode::BAD_REQUEST,
        "chips",
    )
    .await;
    bad(
        "/analytics/power-estimate?chip_model=H100&chips=1&bogus=1",
        StatusCode::BAD_REQUEST,
        "bogus",
    )
    .await;
}

#[actix_web::test]
async fn timeline_totals_equal_the_site_table_and_honour_date_precision() {
    let sites = read("sites.csv");
    let undated = sites
        .iter()
        .filter(|s| s["reported_date"].is_empty())
        .count();
    for by in ["year", "quarter", "month"] {
        let v = get(&format!("/analytics/timeline?by={by}")).await.json();
        assert_eq!(v["sites"], sites.len());
        assert_eq!(
            v["undated"]["sites"]["total"].as_f64().unwrap() as usize,
            undated
        );
        let periods = v["periods"].as_array().unwrap();
        let last = periods.last().unwrap();
        assert_eq!(
            last["cumulative_sites"]["total"].as_f64().unwrap() as usize + undated,
            sites.len(),
            "{by}"
        );
        let new: f64 = periods
            .iter()
            .map(|p| p["new_sites"]["total"].as_f64().unwrap())
            .sum();
        assert_eq!(new as usize + undated, sites.len());
        for status in ["announced", "tendered", "under_construction", "operational"] {
            let n = sites
                .iter()
                .filter(|s| s["status"] == status && !s["reported_date"].is_empty())
                .count();
            assert_eq!(
                last["cumulative_sites"][status].as_f64().unwrap() as usize,
                n,
                "{by} {status}"
            );
        }
    }
    // A year-only date lands in its year, and by month in December (flagged), never January.
    let year_only = sites
        .iter()
        .find(|s| s["reported_date"].len() == 4)
        .expect("a year-only date");
    let (id, year) = (
        year_only["id"].as_str(),
        year_only["reported_date"].as_str(),
    );
    let find = |v: &serde_json::Value| -> String {
        v["periods"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| {
                p["new_site_ids"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|x| x == id)
            })
            .map(|p| p["period"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(find(&get("/analytics/timeline?by=year").await.json()), year);
    let m = get("/analytics/timeline?by=month").await.json();
    assert_eq!(find(&m), format!("{year}-12"));
    let dec = m["periods"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["period"] == format!("{year}-12"))
        .unwrap();
    assert!(dec["new_sites_coarser_date"].as_u64().unwrap() >= 1);
    // Province filter and errors.
    let q = get("/analytics/timeline?by=year&province=qinghai")
        .await
        .json();
    let n = sites
        .iter()
        .filter(|s| s["province_en"] == "Qinghai")
        .count();
    assert_eq!(q["sites"], n);
    bad(
        "/analytics/timeline?by=week",
        StatusCode::BAD_REQUEST,
        "month, quarter or year",
    )
    .await;
    bad(
        "/analytics/timeline?province=Atlantis",
        StatusCode::BAD_REQUEST,
        "Xinjiang",
    )
    .await;
}

#[actix_web::test]
async fn summary_sets_the_reporting_csv_beside_the_dataset() {
    let rows = read("reporting.csv");
    let v = get("/analytics/summary").await.json();
    let block = v["reporting_vs_dataset"]["figures"].as_array().unwrap();
    assert_eq!(block.len(), rows.len());
    for (r, b) in rows.iter().zip(block) {
        assert_eq!(b["figure"], r["figure"].as_str());
        assert_eq!(
            b["reported"]["value"].as_f64(),
            r["value"].parse::<f64>().ok()
        );
        assert_eq!(b["reported"]["quote"], r["quote"].as_str());
        let sources: Vec<&str> = r["source_urls"].split(" | ").collect();
        assert_eq!(b["reported"]["sources"], serde_json::json!(sources));
    }
    // The chips figure gets the power it would draw, by hand from the CSVs.
    let chips_row = rows
        .iter()
        .find(|r| r["unit"] == "chips" && r["what"].contains("H100"))
        .unwrap();
    let b = block
        .iter()
        .find(|b| b["figure"] == chips_row["figure"].as_str())
        .unwrap();
    let want = by_hand(chips_row["value"].parse().unwrap(), None, None);
    assert!(close(
        b["power_if_built"]["power_mw"]["central"].as_f64().unwrap(),
        want[1]
    ));
    // A site-scoped figure is compared with that site.
    let site_row = rows
        .iter()
        .find(|r| r["scope"] == "xj-nyocor-changji")
        .unwrap();
    let b = block
        .iter()
        .find(|b| b["figure"] == site_row["figure"].as_str())
        .unwrap();
    assert_eq!(b["dataset"]["sites_in_scope"], 1);
    let servers: f64 = read("sites.csv")
        .iter()
        .find(|s| s["id"] == "xj-nyocor-changji")
        .unwrap()["server_count"]
        .parse()
        .unwrap();
    assert_eq!(
        b["dataset"]["figures"]["nvidia_servers"]["value"].as_f64(),
        Some(servers)
    );
    let power = &v["all_western_provinces"]["power_demand_mw"];
    assert_eq!(power["estimate"], true);
    let n = read("sites.csv").len();
    assert_eq!(power["sites"].as_u64(), Some(n as u64));
    assert!(power["note"]
        .as_str()
        .unwrap()
        .contains(&format!("of {n} sites")));
}

#[test]
fn changing_reporting_csv_changes_the_block() {
    let dir = common::data_dir_copy();
    let path = dir.path().join("reporting.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text.replacen(",115000,chips,", ",116500,chips,", 1);
    assert_ne!(edited, text, "the chips row is in reporting.csv");
    std::fs::write(&path, edited).unwrap();
    let atlas = compute_atlas::Atlas::build(&compute_atlas::AtlasConfig::new(dir.path())).unwrap();
    let block = compute_atlas::reporting::reporting_vs_dataset(&atlas);
    let first = &block["figures"][0];
    assert_eq!(first["reported"]["value"].as_f64(), Some(116_500.0));
    let want = by_hand(116_500.0, None, None);
    assert!(close(
        first["power_if_built"]["power_mw"]["central"]
            .as_f64()
            .unwrap(),
        want[1]
    ));
    // Without the file the block is empty, not invented.
    std::fs::remove_file(&path).unwrap();
    let atlas = compute_atlas::Atlas::build(&compute_atlas::AtlasConfig::new(dir.path())).unwrap();
    assert_eq!(
        compute_atlas::reporting::reporting_vs_dataset(&atlas)["figures"],
        serde_json::json!([])
    );
}

#[actix_web::test]
async fn power_balance_sets_demand_against_supply_with_coverage() {
    let a = common::atlas();
    let v = get("/analytics/power-balance?level=county").await.json();
    let rows = v["rows"].as_array().unwrap();
    let with_sites: std::collections::BTreeSet<usize> =
        a.site_places.iter().filter_map(|p| p.county).collect();
    assert_eq!(rows.len(), with_sites.len());
    for r in rows {
        let f = a
            .county_figures
            .iter()
            .find(|f| f.adcode.to_string() == r["id"].as_str().unwrap())
            .unwrap();
        assert_eq!(
            r["demand_mw"]["central"].as_f64(),
            f.power_mw_central,
            "{}",
            r["id"]
        );
    }
    // National fallbacks are marked as such, with the period the hours cover.
    let stats = read("province_power.csv");
    let national_hours = stats
        .iter()
        .find(|s| s["province"] == "China total" && s["metric"] == "solar_utilization_hours")
        .unwrap();
    let yiwu = rows.iter().find(|r| r["id"] == "650522").unwrap();
    assert_eq!(yiwu["solar"]["utilisation_hours"]["level"], "national");
    assert_eq!(
        yiwu["solar"]["utilisation_hours"]["period"],
        national_hours["year"].as_str()
    );
    // Coverage: plant-file solar against the latest NEA figure of the province.
    let p = get("/analytics/power-balance?level=province").await.json();
    let xj = p["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Xinjiang")
        .unwrap();
    let nea = stats
        .iter()
        .filter(|s| {
            s["province"] == "Xinjiang"
                && s["metric"] == "solar_pv_cumulative_grid_connected_capacity"
        })
        .max_by(|x, y| x["year"].cmp(&y["year"]))
        .unwrap();
    let nea_mw: f64 = nea["value"].parse::<f64>().unwrap() * 10.0;
    assert_eq!(
        xj["coverage"]["solar_statistics"]["period"],
        nea["year"].as_str()
    );
    assert!(close(
        xj["coverage"]["solar_statistics"]["value"]
            .as_f64()
            .unwrap(),
        nea_mw
    ));
    if let Some(files) = xj["coverage"]["solar_plant_files_mw"].as_f64() {
        assert!(close(
            xj["coverage"]["solar_ratio"].as_f64().unwrap(),
            files / nea_mw
        ));
    }
    assert_eq!(xj["solar"]["capacity_from"], "provincial statistics");
    // A changed parameter is recomputed; bad input is a 400.
    let o = get("/analytics/power-balance?level=province&pue=2")
        .await
        .json();
    let xo = o["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Xinjiang")
        .unwrap();
    assert!(xo["demand_mw"]["low"].as_f64().unwrap() > xj["demand_mw"]["low"].as_f64().unwrap());
    bad(
        "/analytics/power-balance?level=planet",
        StatusCode::BAD_REQUEST,
        "site, county or province",
    )
    .await;
    bad(
        "/analytics/power-balance?level=site&pue=9",
        StatusCode::BAD_REQUEST,
        "from 1 to 3",
    )
    .await;
    let csv = get("/analytics/power-balance?level=site&f=csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    let text = csv.text();
    assert!(text.lines().next().unwrap().contains("demand_mw_central"));
    assert_eq!(text.lines().count(), a.sites.len() + 1);
}

#[test]
fn period_hours_follow_the_calendar() {
    use compute_atlas::balance::period_hours;
    assert_eq!(period_hours("2023"), Some(8760.0));
    assert_eq!(period_hours("2024H1"), Some(182.0 * 24.0));
    assert_eq!(period_hours("2024 Jan-Apr"), Some(121.0 * 24.0));
    assert_eq!(period_hours("unclear"), None);
}
