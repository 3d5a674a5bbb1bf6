//! `/analytics/...`: tables, site power and summaries.

use actix_web::http::StatusCode;

use crate::common;
use crate::common::http::{bad, get};

#[actix_web::test]
async fn analytics_tables_filter_sort_and_say_what_is_known() {
    let v = get("/analytics/counties?province=Xinjiang&sort=-pflops_per_10k_km2&top=5")
        .await
        .json();
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    assert_eq!(v["units"], 106);
    assert_eq!(
        rows[0]["adcode"], "650522",
        "Yiwu leads Xinjiang by PFLOPS density"
    );
    let vals: Vec<f64> = rows
        .iter()
        .filter_map(|r| r["pflops_per_10k_km2"].as_f64())
        .collect();
    assert!(vals.windows(2).all(|w| w[0] >= w[1]));
    assert_eq!(v["known"]["sites"], 13);
    assert!(v["known"]["reported_pflops"].as_u64().unwrap() <= 13);
    // The same order as a direct sort of the atlas figures.
    let a = common::atlas();
    let mut direct: Vec<(f64, u32)> = a
        .counties
        .iter()
        .zip(&a.county_figures)
        .filter(|(c, f)| c.province_adcode == 650000 && f.pflops_per_10k_km2.is_some())
        .map(|(c, f)| (f.pflops_per_10k_km2.unwrap(), c.adcode))
        .collect();
    direct.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
    let got: Vec<String> = rows
        .iter()
        .map(|r| r["adcode"].as_str().unwrap().to_string())
        .collect();
    let want: Vec<String> = direct.iter().take(5).map(|d| d.1.to_string()).collect();
    assert_eq!(got[..want.len().min(5)], want[..]);
    let all = get("/analytics/counties?top=10000").await.json();
    assert_eq!(all["rows"].as_array().unwrap().len(), 1093);
    let p = get("/analytics/provinces?sort=-sites").await.json();
    assert_eq!(p["rows"][0]["name_en"], "Xinjiang");
    let total: u64 = p["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["sites"].as_u64().unwrap())
        .sum();
    // 65 sites since the 2026-12-02 audit (one row merged, two added; geodata/README.md).
    assert_eq!(total, 65);
    let csv = get("/analytics/prefectures?f=csv&province=Qinghai").await;
    assert!(csv.text().starts_with("adcode,name_en"));
    bad(
        "/analytics/counties?sort=-nope",
        StatusCode::BAD_REQUEST,
        "unknown metric `nope`",
    )
    .await;
    bad(
        "/analytics/counties?province=Atlantis",
        StatusCode::BAD_REQUEST,
        "unknown province",
    )
    .await;
    bad("/analytics/counties?top=0", StatusCode::BAD_REQUEST, "top").await;
}

#[actix_web::test]
async fn analytics_site_power_and_summary() {
    let v = get("/analytics/sites/xj-yiwu-acc/power?radius_km=200")
        .await
        .json();
    assert_eq!(v["radius_km"], 200.0);
    if common::plant_files().is_some() {
        let a = common::atlas_with_plants().unwrap();
        let i = a.site_by_id("xj-yiwu-acc").unwrap();
        assert_eq!(
            v["operating_mw"].as_f64().unwrap(),
            a.site_power[i].within[2].total_mw
        );
        assert!(v["nearest"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["fuel"] == "coal"));
    } else {
        assert!(v["operating_mw"].is_null());
    }
    bad(
        "/analytics/sites/nope/power",
        StatusCode::NOT_FOUND,
        "no site `nope`",
    )
    .await;
    bad(
        "/analytics/sites/xj-yiwu-acc/power?radius_km=-5",
        StatusCode::BAD_REQUEST,
        "radius_km",
    )
    .await;
    bad(
        "/analytics/sites/xj-yiwu-acc/power?radius_km=NaN",
        StatusCode::BAD_REQUEST,
        "radius_km",
    )
    .await;
    let s = get("/analytics/summary").await.json();
    let xq = &s["xinjiang_and_qinghai"];
    assert_eq!(xq["sites"], 20);
    assert_eq!(xq["reported_pflops"]["sites"], 20);
    let a = common::atlas();
    let direct: f64 = a
        .sites
        .iter()
        .zip(&a.site_places)
        .filter(|(s, _)| s.province_en == "Xinjiang" || s.province_en == "Qinghai")
        .filter_map(|(_, p)| p.pflops)
        .sum();
    // The plain sum is now the upper bound; the total counts the Yiwu overlap group once, by
    // its 60000 zone figure, so it drops the 128 + 2000 PFLOPS of the rows inside that zone.
    assert_eq!(
        xq["reported_pflops"]["value_upper"].as_f64().unwrap(),
        direct
    );
    assert_eq!(
        xq["reported_pflops"]["value"].as_f64().unwrap(),
        direct - 2128.0
    );
    assert_eq!(xq["chips_reported_nvidia"]["value"], 2000.0);
    // 65 sites since the 2026-12-02 audit (one row merged, two added; geodata/README.md).
    assert_eq!(s["all_western_provinces"]["sites"], 65);
}
