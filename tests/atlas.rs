//! The atlas core on the real bundled data: loading, validation, indexes, figures.

mod common;

use std::collections::HashMap;
use std::io::Write;

use common::{atlas, atlas_with_plants, data_dir};
use compute_atlas::index::{geodesic_km, PointIndex, PreparedPolygon};
use compute_atlas::load::{self, LoadError, Problems, Severity};
use compute_atlas::model::{Fuel, PlantStatus, ProvinceInfo};
use compute_atlas::{Atlas, AtlasConfig};

#[test]
fn layer_counts_match_the_sources() {
    let a = atlas();
    assert_eq!(a.counties.len(), 1093);
    assert_eq!(a.prefectures.len(), 141);
    assert_eq!(a.provinces.len(), 12);
    // 65 since the 2026-12-02 audit: gs-qingyang-domestic-40k merged into gs-qingyang-cmcc,
    // gs-qingyang-suihong and im-ulanqab-gds added (shared/data/curated/CHANGES.md).
    assert_eq!(a.sites.len(), 65);
    assert_eq!(a.renewable_bases.len(), 22);
    // 122 since the curated 2026-12-02 updates (curtailment, utilisation hours, 2025 solar).
    assert_eq!(a.province_stats.len(), 122);
    assert_eq!(a.chips.len(), 14);
    assert_eq!(
        a.problems.errors().count(),
        0,
        "bundled data has errors: {:?}",
        a.problems.errors().collect::<Vec<_>>()
    );
}

#[test]
fn known_points_fall_in_known_counties() {
    let a = atlas();
    let yiwu = a.county_at(94.688, 43.250).expect("Yiwu point is covered");
    assert_eq!(
        (yiwu.adcode, yiwu.name_en.as_str()),
        (650522, "Yiwu County")
    );
    assert_eq!(yiwu.prefecture_adcode, 650500);
    let shapotou = a
        .county_at(105.19, 37.51)
        .expect("Shapotou point is covered");
    assert_eq!(
        (shapotou.adcode, shapotou.name_zh.as_str()),
        (640502, "沙坡头区")
    );
    assert_eq!(
        a.province_at(105.19, 37.51).map(|p| p.short_en.as_str()),
        Some("Ningxia")
    );
    assert_eq!(
        a.prefecture_at(94.688, 43.250).map(|p| p.adcode),
        Some(650500)
    );
    assert!(
        a.county_at(116.4, 39.9).is_none(),
        "Beijing is outside the western provinces"
    );
    assert!(a.county_at(f64::NAN, 40.0).is_none());
    assert!(a.county_at(500.0, 40.0).is_none());
}

/// The grid must agree with the plain R-tree + exact test everywhere, including points on
/// borders and vertices.
#[test]
fn grid_lookup_agrees_with_rtree_lookup() {
    let a = atlas();
    let order: Vec<u32> = a.counties.iter().map(|c| c.adcode).collect();
    // Deterministic pseudo-random points over the whole bbox of the issue (73-127E, 20-54N).
    let mut s: u64 = 0x9E3779B97F4A7C15;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut inside = 0;
    let mut points = Vec::new();
    for _ in 0..100_000 {
        let (x, y) = (73.0 + 54.0 * next(), 20.0 + 34.0 * next());
        let g = a.county_index.locate(x, y);
        assert_eq!(g, a.county_index.locate_by_tree(x, y, &order), "at {x},{y}");
        inside += g.is_some() as u32;
        points.push((x, y));
    }
    assert!(inside > 30_000, "{inside} of 100k random points inside");
    // Vertices and edge midpoints of real borders.
    for c in a.counties.iter().step_by(7) {
        for w in c.geometry.0[0].exterior().0.windows(2).step_by(13) {
            for (x, y) in [
                (w[0].x, w[0].y),
                ((w[0].x + w[1].x) / 2.0, (w[0].y + w[1].y) / 2.0),
            ] {
                assert_eq!(
                    a.county_index.locate(x, y),
                    a.county_index.locate_by_tree(x, y, &order),
                    "at {x},{y}"
                );
                points.push((x, y));
            }
        }
    }
    // The batched lookup gives the same answers, including off the grid and for NaN.
    points.extend([
        (f64::NAN, 30.0),
        (104.0, f64::INFINITY),
        (0.0, 0.0),
        (200.0, 95.0),
    ]);
    let mut many = Vec::new();
    a.county_index.locate_many(&points, &mut many);
    assert_eq!(many.len(), points.len());
    for (&(x, y), got) in points.iter().zip(&many) {
        assert_eq!(*got, a.county_index.locate(x, y), "locate_many at {x},{y}");
    }
}

#[test]
fn county_layer_is_the_atlas_counties() {
    let a = atlas();
    let layer = compute_atlas::atlas::CountyLayer::load(&AtlasConfig::new(data_dir())).unwrap();
    assert_eq!(layer.counties.len(), a.counties.len());
    for (l, c) in layer.counties.iter().zip(&a.counties) {
        assert_eq!(
            (l.adcode, &l.name_en, &l.prefecture_en, &l.province_en),
            (c.adcode, &c.name_en, &c.prefecture_en, &c.province_en)
        );
    }
    for (x, y) in [(104.06, 30.67), (91.1, 29.65), (87.6, 43.8), (0.0, 0.0)] {
        assert_eq!(layer.county_index.locate(x, y), a.county_index.locate(x, y));
    }
}

/// A point on a border two counties share belongs to exactly one of them.
#[test]
fn shared_border_points_get_exactly_one_county() {
    let a = atlas();
    let prepared: Vec<PreparedPolygon> = a
        .counties
        .iter()
        .map(|c| PreparedPolygon::new(&c.geometry))
        .collect();
    // Index each edge (direction-free) to the counties having it, to find shared edges.
    let key = |x: f64, y: f64| ((x * 1e7).round() as i64, (y * 1e7).round() as i64);
    type Edge = ((i64, i64), (i64, i64));
    let mut owners: HashMap<Edge, Vec<usize>> = HashMap::new();
    for (i, c) in a.counties.iter().enumerate() {
        for p in &c.geometry.0 {
            for w in p.exterior().0.windows(2) {
                let (k1, k2) = (key(w[0].x, w[0].y), key(w[1].x, w[1].y));
                let o = owners.entry((k1.min(k2), k1.max(k2))).or_default();
                if !o.contains(&i) {
                    o.push(i);
                }
            }
        }
    }
    let mut checked = 0;
    for (i, c) in a.counties.iter().enumerate().step_by(3) {
        for w in c.geometry.0[0].exterior().0.windows(2) {
            let (k1, k2) = (key(w[0].x, w[0].y), key(w[1].x, w[1].y));
            let o = &owners[&(k1.min(k2), k1.max(k2))];
            let Some(&j) = o.iter().find(|&&j| j != i) else {
                continue;
            };
            if o.len() != 2 {
                continue;
            }
            let (mx, my) = ((w[0].x + w[1].x) / 2.0, (w[0].y + w[1].y) / 2.0);
            let claims = [prepared[i].contains(mx, my), prepared[j].contains(mx, my)];
            assert_eq!(
                claims.iter().filter(|c| **c).count(),
                1,
                "midpoint {mx},{my} of {} / {}",
                c.adcode,
                a.counties[j].adcode
            );
            let got = a
                .county_index
                .locate(mx, my)
                .expect("a border point is covered");
            assert!(got == i || got == j);
            assert_eq!(a.county_index.locate(mx, my), Some(got), "deterministic");
            checked += 1;
        }
    }
    assert!(checked > 1000, "only {checked} shared edges checked");
}

#[test]
fn sites_are_located_and_mismatches_reported() {
    let a = atlas();
    let i = a.site_by_id("xj-yiwu-acc").expect("site exists");
    let c = a.site_places[i].county.map(|c| a.counties[c].adcode);
    assert_eq!(c, Some(650522));
    // Xinxing City (659011) is newer than the boundaries: reported as a warning, data unchanged.
    let xinxing: Vec<_> = a
        .sites
        .iter()
        .filter(|s| s.county_adcode == Some(659011))
        .collect();
    assert!(!xinxing.is_empty());
    for s in xinxing {
        assert!(
            a.problems
                .warnings()
                .any(|p| p.line == Some(s.line) && p.column.as_deref() == Some("county_adcode")),
            "no warning for {}",
            s.id
        );
        assert_eq!(s.county_adcode, Some(659011), "the data is not changed");
    }
    // All 65 sites (64 before the 2026-12-02 audit) fall in a county.
    assert_eq!(
        a.site_places.iter().filter(|p| p.county.is_some()).count(),
        65
    );
}

#[test]
fn many_sites_share_points_and_radius_queries_see_them_all() {
    let a = atlas();
    // 8 sites share the Zhongwei point.
    let i = a
        .site_by_id("nx-zhongwei-cmcc")
        .or_else(|| a.sites.iter().position(|s| s.prefecture_en == "Zhongwei"))
        .unwrap();
    let (x, y) = (a.sites[i].lon, a.sites[i].lat);
    let same: Vec<usize> = (0..a.sites.len())
        .filter(|&j| a.sites[j].lon == x && a.sites[j].lat == y)
        .collect();
    let near = a.sites_within(x, y, 0.001);
    let mut got: Vec<usize> = near.iter().map(|n| n.index).collect();
    got.sort();
    assert_eq!(got, same);
    assert!(same.len() >= 2);
    let k = a.site_index.nearest(x, y, same.len());
    assert!(k.iter().all(|n| n.distance_km < 1e-6));
}

#[test]
fn nearest_and_within_agree_with_brute_force() {
    // Points spread over western China, including high latitudes where degrees mislead.
    let mut pts = Vec::new();
    for i in 0..400 {
        let f = i as f64;
        pts.push((75.0 + (f * 7.31) % 50.0, 21.0 + (f * 3.77) % 32.0));
    }
    let idx = PointIndex::new(pts.clone());
    for &(qx, qy) in &[(94.688, 43.25), (121.0, 52.9), (100.0, 25.0), (88.0, 48.0)] {
        let mut brute: Vec<(f64, usize)> = pts
            .iter()
            .enumerate()
            .map(|(i, &(x, y))| (geodesic_km(qx, qy, x, y), i))
            .collect();
        brute.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let k = idx.nearest(qx, qy, 10);
        assert_eq!(
            k.iter().map(|n| n.index).collect::<Vec<_>>(),
            brute[..10].iter().map(|b| b.1).collect::<Vec<_>>()
        );
        let r = idx.within_km(qx, qy, 300.0);
        let want: Vec<usize> = brute.iter().filter(|b| b.0 <= 300.0).map(|b| b.1).collect();
        assert_eq!(r.iter().map(|n| n.index).collect::<Vec<_>>(), want);
    }
}

#[test]
fn figures_add_up() {
    let a = atlas();
    let county_sites: u32 = a.county_figures.iter().map(|f| f.sites).sum();
    let pref_sites: u32 = a.prefecture_figures.iter().map(|f| f.sites).sum();
    let prov_sites: u32 = a.province_figures.iter().map(|f| f.sites).sum();
    // 65 sites since the 2026-12-02 audit (one row merged, two added).
    assert_eq!((county_sites, pref_sites, prov_sites), (65, 65, 65));
    // The plain sum of the sites is the provinces' upper bound; the at-least sums count each
    // overlap group once, so they are smaller (checked exactly in the overlap tests).
    let direct: f64 = a.site_places.iter().filter_map(|p| p.pflops).sum();
    let by_province: f64 = a
        .province_figures
        .iter()
        .filter_map(|f| f.pflops_reported_upper)
        .sum();
    assert!((direct - by_province).abs() < 1e-6);
    let at_least: f64 = a
        .province_figures
        .iter()
        .filter_map(|f| f.pflops_reported)
        .sum();
    assert!(at_least < direct);
    // Still 22: the merged row's 10000 left, gs-qingyang-suihong's 20000 came in.
    let known = a.site_places.iter().filter(|p| p.pflops.is_some()).count();
    assert_eq!(known, 22, "PFLOPS known for 22 of 65 sites");
    assert_eq!(
        a.province_figures
            .iter()
            .map(|f| f.pflops_known_sites)
            .sum::<u32>(),
        22
    );
    // Planned totals are kept apart from reported figures.
    let planned: f64 = a.sites.iter().filter_map(|s| s.pflops_planned_total).sum();
    let planned_prov: f64 = a
        .province_figures
        .iter()
        .filter_map(|f| f.pflops_planned_total_upper)
        .sum();
    assert!((planned - planned_prov).abs() < 1e-6);
    // Every prefecture's sites are the sum of its counties'.
    for (p, f) in a.prefectures.iter().zip(&a.prefecture_figures) {
        let s: u32 = a
            .counties
            .iter()
            .zip(&a.county_figures)
            .filter(|(c, _)| c.prefecture_adcode == p.adcode)
            .map(|(_, f)| f.sites)
            .sum();
        assert_eq!(s, f.sites, "prefecture {}", p.adcode);
    }
    // Unknown stays unknown: counties without sites have no PFLOPS, not zero.
    let empty = a.county_figures.iter().find(|f| f.sites == 0).unwrap();
    assert_eq!(empty.pflops_reported, None);
    assert_eq!(empty.pflops_per_10k_km2, None);
    assert_eq!(
        empty.plant_mw_total, None,
        "no plant file loaded: capacity unknown"
    );
    // Yiwu: 60000 PFLOPS reported by xj-yiwu-acc, plus any other Yiwu site.
    let yiwu = a.county_by_adcode(650522).unwrap();
    let f = &a.county_figures[yiwu];
    assert!(f.sites >= 4 && f.pflops_reported.unwrap() >= 60_000.0);
    let area = a.counties[yiwu].area_km2;
    assert!((19_000.0..21_000.0).contains(&area), "Yiwu area {area} km²");
    assert!((f.pflops_per_10k_km2.unwrap() - f.pflops_reported.unwrap() / area * 1e4).abs() < 1e-9);
}

#[test]
fn areas_sum_up_the_hierarchy() {
    let a = atlas();
    let counties: f64 = a.counties.iter().map(|c| c.area_km2).sum();
    let provinces: f64 = a.provinces.iter().map(|c| c.area_km2).sum();
    assert!(
        (counties - provinces).abs() / provinces < 1e-3,
        "{counties} vs {provinces}"
    );
    // Western China is about 6.8 million km².
    assert!((6.5e6..7.2e6).contains(&provinces), "{provinces}");
}

#[test]
fn chips_derive_pflops_only_when_unambiguous() {
    let a = atlas();
    let mut site = a.sites[0].clone();
    site.reported_pflops = None;
    site.chip_count = Some(1000);
    site.chip_model = Some("Huawei Ascend 910C".into());
    let (p, chip) = compute_atlas::atlas::site_pflops(&site, &a.chips);
    let tf = a
        .chips
        .iter()
        .find(|c| c.chip == "Ascend 910C")
        .unwrap()
        .dense_bf16_tflops
        .unwrap();
    assert_eq!(p, Some(1000.0 * tf / 1000.0));
    assert_eq!(chip.map(|c| c.chip.as_str()), Some("Ascend 910C"));
    // chips.csv gives the 910B no BF16 figure: nothing is derived.
    site.chip_model = Some("Huawei Ascend 910B".into());
    assert_eq!(compute_atlas::atlas::site_pflops(&site, &a.chips).0, None);
    // "H20" must not match inside "H200".
    site.chip_model = Some("Nvidia H200".into());
    assert_eq!(compute_atlas::atlas::site_pflops(&site, &a.chips).0, None);
    site.chip_model = Some("Nvidia H20 (planned)".into());
    assert_eq!(
        compute_atlas::atlas::site_pflops(&site, &a.chips).0,
        Some(148.0)
    );
    // "H100" names both the SXM and the PCIe model: ambiguous, left unknown.
    site.chip_model = Some("Nvidia H100".into());
    assert_eq!(compute_atlas::atlas::site_pflops(&site, &a.chips).0, None);
}

#[test]
fn gem_coal_per_province_matches_the_csv() {
    let Some(a) = atlas_with_plants() else { return };
    let path = common::shared_dir().join("data/china_power/gem_gcpt_china_units_2024-07.csv");
    let mut rdr = csv::Reader::from_path(&path).unwrap();
    let h = rdr.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (cs, cc, cp, clat, clon) = (
        col("status"),
        col("capacity_mw"),
        col("province"),
        col("latitude"),
        col("longitude"),
    );
    // Direct computation by GEM's own province column, and the correction for plants whose
    // point lies in another province than GEM's label (border plants).
    let mut by_label: HashMap<String, f64> = HashMap::new();
    let mut moved_in: HashMap<String, f64> = HashMap::new();
    let mut moved_out: HashMap<String, f64> = HashMap::new();
    for r in rdr.records() {
        let r = r.unwrap();
        if &r[cs] != "operating" {
            continue;
        }
        let mw: f64 = r[cc].parse().unwrap();
        let label = r[cp].to_string();
        *by_label.entry(label.clone()).or_default() += mw;
        let (lon, lat): (f64, f64) = (r[clon].parse().unwrap(), r[clat].parse().unwrap());
        let located = a
            .province_at(lon, lat)
            .map(|p| p.short_en.clone())
            .unwrap_or_default();
        if located != label {
            *moved_out.entry(label).or_default() += mw;
            *moved_in.entry(located).or_default() += mw;
        }
    }
    let mut compared = 0;
    for (p, f) in a.provinces.iter().zip(&a.province_figures) {
        let name = &p.short_en;
        let direct = by_label.get(name).copied().unwrap_or(0.0)
            - moved_out.get(name).copied().unwrap_or(0.0)
            + moved_in.get(name).copied().unwrap_or(0.0);
        let ours = f.plant_mw_of(Fuel::Coal).unwrap();
        assert!(
            (ours - direct).abs() < 1e-6,
            "{name}: atlas {ours} MW vs CSV {direct} MW"
        );
        // The labels alone agree to within 2 % (a few border plants).
        let label = by_label.get(name).copied().unwrap_or(0.0);
        assert!(
            (ours - label).abs() <= 0.02 * label.max(1.0),
            "{name}: {ours} vs label {label}"
        );
        compared += 1;
    }
    assert_eq!(compared, 12);
    assert!(by_label.get("Xinjiang").copied().unwrap_or(0.0) > 50_000.0);
}

#[test]
fn plants_load_every_format_and_prefer_gem() {
    let Some(a) = atlas_with_plants() else { return };
    assert_eq!(a.plant_files.len(), 6);
    let rows: usize = a.plant_files.iter().map(|f| f.rows).sum();
    assert_eq!(rows, a.plants.len());
    assert!(a.plants.len() > 14_000);
    // GPPD coal is superseded by GEM coal; GPPD wind and solar still count.
    for (p, counted) in a.plants.iter().zip(&a.plant_counted) {
        if p.source == compute_atlas::model::PlantSource::Gppd && p.fuel == Fuel::Coal {
            assert!(!counted);
        }
        if p.status != PlantStatus::Operating {
            assert!(!counted);
        }
    }
    assert!(a
        .plants
        .iter()
        .zip(&a.plant_counted)
        .any(|(p, c)| *c && p.fuel == Fuel::Wind));
    // Per-site power: Yiwu has operating coal within 200 km (Hami's coal bases).
    let i = a.site_by_id("xj-yiwu-acc").unwrap();
    let sp = &a.site_power[i];
    assert_eq!(sp.within.len(), 3);
    assert!(
        sp.within[0].total_mw <= sp.within[1].total_mw
            && sp.within[1].total_mw <= sp.within[2].total_mw
    );
    let coal = sp
        .nearest
        .iter()
        .find(|n| n.fuel == Fuel::Coal)
        .expect("a nearest coal plant");
    let pi = a.plant_by_id(&coal.plant_id).unwrap();
    let brute = a
        .plants
        .iter()
        .zip(&a.plant_counted)
        .filter(|(p, c)| **c && p.fuel == Fuel::Coal)
        .map(|(p, _)| geodesic_km(a.sites[i].lon, a.sites[i].lat, p.lon, p.lat))
        .fold(f64::MAX, f64::min);
    assert!((coal.distance_km - brute).abs() < 1e-9);
    assert_eq!(a.plants[pi].fuel, Fuel::Coal);
    // Province figures now know plant capacity, and renewable MW is the sum of renewable fuels.
    for f in &a.province_figures {
        let ren: f64 = Fuel::ALL
            .iter()
            .filter(|f| f.is_renewable())
            .map(|x| f.plant_mw_of(*x).unwrap())
            .sum();
        assert!((ren - f.renewable_mw.unwrap()).abs() < 1e-6);
    }
}

#[test]
fn broken_rows_are_reported_with_file_line_column_and_value() {
    let dir = common::data_dir_copy();
    let path = dir.path().join("sites.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Line 2: unknown status; line 3: latitude out of range; line 4: duplicate of line 2's id.
    lines[1] = lines[1].replacen(",operational,", ",running,", 1);
    assert!(lines[1].contains(",running,"));
    let mut f: Vec<String> = lines[2].split(',').map(str::to_string).collect();
    let lat_col = text
        .lines()
        .next()
        .unwrap()
        .split(',')
        .position(|c| c == "latitude")
        .unwrap();
    f[lat_col] = "95.5".into();
    lines[2] = f.join(",");
    let id2 = lines[1].split(',').next().unwrap().to_string();
    let rest4 = lines[3].split_once(',').unwrap().1.to_string();
    lines[3] = format!("{id2},{rest4}");
    let mut bytes = lines.join("\n").into_bytes();
    bytes.extend_from_slice(b"\nbroken-row,\"unterminated\n");
    std::fs::write(&path, &bytes).unwrap();

    let a = Atlas::build(&AtlasConfig::new(dir.path())).expect("good rows still load");
    let errs: Vec<_> = a.problems.errors().collect();
    let find = |line: u64, col: &str| {
        errs.iter()
            .find(|p| p.line == Some(line) && p.column.as_deref() == Some(col))
    };
    let p = find(2, "status").expect("status problem");
    assert_eq!(p.value.as_deref(), Some("running"));
    assert!(p.file.ends_with("sites.csv") && p.reason.contains("one of announced"));
    assert!(
        p.to_string()
            .contains("line 2 column `status` value \"running\""),
        "{p}"
    );
    let p = find(3, "latitude").expect("latitude problem");
    assert_eq!(p.value.as_deref(), Some("95.5"));
    assert!(find(4, "id")
        .expect("duplicate")
        .reason
        .contains("duplicate"));
    assert!(
        errs.iter()
            .any(|p| p.reason.contains("row left out") && p.line.unwrap_or(0) >= 65),
        "{errs:?}"
    );
    // 62 = 65 rows (since the 2026-12-02 audit) less the three bad ones; the bad rows' overlap
    // links to other Yiwu rows leave those rows in (links to left-out rows are dropped).
    assert_eq!(
        a.sites.len(),
        62,
        "three bad rows and the broken last row are left out, nothing else"
    );
    // Strict mode fails on the same data and names the first problem.
    let mut strict = AtlasConfig::new(dir.path());
    strict.strict = true;
    match Atlas::build(&strict) {
        Err(compute_atlas::AtlasError::Load(LoadError::Strict { count, first })) => {
            assert!(count >= 4);
            assert!(first.contains("sites.csv"), "{first}");
        }
        other => panic!("strict build should fail, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn missing_truncated_and_non_utf8_files_are_errors_not_panics() {
    let dir = common::data_dir_copy();
    // Missing file.
    std::fs::remove_file(dir.path().join("chips.csv")).unwrap();
    std::fs::remove_file(dir.path().join("renewable_bases.csv")).unwrap();
    match Atlas::build(&AtlasConfig::new(dir.path())) {
        Err(compute_atlas::AtlasError::Load(LoadError::Io { path, .. })) => {
            assert!(path.ends_with("renewable_bases.csv"));
        }
        other => panic!("expected an I/O error, got {:?}", other.map(|_| ())),
    }
    // Truncated GeoJSON.
    let counties = dir.path().join("boundaries/counties_west.geojson");
    let bytes = std::fs::read(&counties).unwrap();
    std::fs::write(&counties, &bytes[..bytes.len() / 2]).unwrap();
    let mut problems = Problems::default();
    assert!(matches!(
        load::load_counties(&counties, &mut problems),
        Err(LoadError::GeoJson { .. })
    ));
    // Non-UTF-8 and truncated CSV rows, for every reader.
    let bad = dir.path().join("bad.csv");
    let sites = std::fs::read(data_dir().join("sites.csv")).unwrap();
    let mut b = sites[..sites.len() * 2 / 3].to_vec();
    b.extend_from_slice(b"\xff\xfe,\xc3\x28\n");
    std::fs::write(&bad, &b).unwrap();
    let mut problems = Problems::default();
    let got = load::load_sites(&bad, &mut problems).unwrap();
    assert!(got.len() < 64 && !got.is_empty());
    assert!(problems.0.iter().any(|p| p.severity == Severity::Error));
    let _ = load::load_province_stats(&bad, &mut Problems::default());
    let _ = load::load_renewable_bases(&bad, &mut Problems::default());
    let _ = load::load_chips(&bad, &mut Problems::default());
    // A plant file with an unknown header is a clear error; garbage never panics.
    let mut garbage = std::fs::File::create(&bad).unwrap();
    garbage.write_all(b"a,b,c\n1,2\n\xff\n").unwrap();
    match load::load_plants(&bad, &mut Problems::default()) {
        Err(e @ LoadError::UnknownPlantFormat { .. }) => assert!(e.to_string().contains("GEM")),
        other => panic!("{:?}", other.map(|_| ())),
    }
    std::fs::write(&bad, b"").unwrap();
    assert!(load::load_sites(&bad, &mut Problems::default()).is_err());
}

#[test]
fn truncated_plant_files_keep_good_rows_and_report_the_cut() {
    let Some(files) = common::plant_files() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let cut = dir.path().join(f.file_name().unwrap());
        std::fs::write(&cut, &bytes[..bytes.len() / 3]).unwrap();
        let mut problems = Problems::default();
        let (_, plants) = load::load_plants(&cut, &mut problems).unwrap();
        assert!(!plants.is_empty(), "{}", cut.display());
        assert!(
            !problems.is_empty(),
            "the cut row of {} is reported",
            cut.display()
        );
    }
}

#[test]
fn province_short_names_cover_the_sites() {
    let a = atlas();
    for s in &a.sites {
        let p = ProvinceInfo::by_short_name(&s.province_en).unwrap();
        assert!(
            s.id.starts_with(p.site_prefix),
            "{} in {}",
            s.id,
            s.province_en
        );
    }
}

/// Found by the fuzzer: positions with one number made the GeoJSON conversion panic.
#[test]
fn malformed_geojson_positions_are_problems_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("counties.geojson");
    let real =
        std::fs::read_to_string(data_dir().join("boundaries/counties_west.geojson")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&real).unwrap();
    let good = v["features"][0].clone();
    let ring = match good["geometry"]["type"].as_str().unwrap() {
        "Polygon" => good["geometry"]["coordinates"][0].clone(),
        _ => good["geometry"]["coordinates"][0][0].clone(),
    };
    let mut broken_ring = ring.as_array().unwrap().clone();
    broken_ring[1] = serde_json::json!([112.0]);
    let mut f = good.clone();
    f["geometry"] = serde_json::json!({"type": "Polygon", "coordinates": [broken_ring]});
    let mut short = good.clone();
    short["geometry"] = serde_json::json!({"type": "Polygon", "coordinates": [[[112.0, 41.0], [112.1, 41.0], [112.0, 41.0]]]});
    let fc = serde_json::json!({"type": "FeatureCollection", "features": [f, short, good]});
    std::fs::write(&path, fc.to_string()).unwrap();
    let mut problems = Problems::default();
    let counties = load::load_counties(&path, &mut problems).unwrap();
    assert_eq!(counties.len(), 1, "the good feature loads");
    let reasons: Vec<String> = problems
        .0
        .iter()
        .map(std::string::ToString::to_string)
        .collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("features[0]") && r.contains("two are needed")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("features[1]") && r.contains("at least 4")),
        "{reasons:?}"
    );
}

/// The rows of the bundled sites.csv as read by the csv crate: independent of the code under
/// test, for checking its sums.
fn csv_sites() -> Vec<HashMap<String, String>> {
    let mut rdr = csv::Reader::from_path(data_dir().join("sites.csv")).unwrap();
    let header = rdr.headers().unwrap().clone();
    rdr.records()
        .map(|r| {
            let r = r.unwrap();
            header
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// (at least, plain sum) of `field` over `rows`: each connected group of `overlaps_with` links
/// counted once by its largest figure. `None` when no row has the figure.
fn dedup_sum(rows: &[&HashMap<String, String>], field: &str) -> (Option<f64>, Option<f64>) {
    // Group label by flooding the links (within the rows summed).
    let ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str()).collect();
    let mut label: Vec<usize> = (0..rows.len()).collect();
    loop {
        let mut changed = false;
        for (i, r) in rows.iter().enumerate() {
            for other in r["overlaps_with"].split(" | ").filter(|s| !s.is_empty()) {
                if let Some(j) = ids.iter().position(|id| *id == other) {
                    let m = label[i].min(label[j]);
                    if label[i] != m || label[j] != m {
                        label[i] = m;
                        label[j] = m;
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    let mut largest: HashMap<usize, f64> = HashMap::new();
    let mut plain = 0.0;
    let mut n = 0;
    for (i, r) in rows.iter().enumerate() {
        if let Ok(v) = r[field].parse::<f64>() {
            n += 1;
            plain += v;
            let e = largest.entry(label[i]).or_insert(v);
            *e = e.max(v);
        }
    }
    if n == 0 {
        (None, None)
    } else {
        (Some(largest.values().sum()), Some(plain))
    }
}

#[test]
fn overlap_groups_come_from_overlaps_with() {
    let a = atlas();
    // The curated data lists 6 rows in 2 groups (CHANGES.md, 2026-12-02): the four Yiwu rows
    // under the zone figure of xj-yiwu-acc, and the two Qingyang rows.
    let mut groups: Vec<Vec<&str>> = a
        .overlap_groups
        .iter()
        .map(|g| g.iter().map(|&i| a.sites[i].id.as_str()).collect())
        .collect();
    groups.sort();
    assert_eq!(
        groups,
        vec![
            vec!["gs-qingyang-cmcc", "gs-qingyang-suihong"],
            vec![
                "xj-yiwu-acc",
                "xj-yiwu-cloud-silk-road",
                "xj-yiwu-huixin",
                "xj-yiwu-windey-2000p"
            ],
        ]
    );
    for (i, s) in a.sites.iter().enumerate() {
        assert_eq!(
            a.site_group[i].is_some(),
            !s.overlaps_with.is_empty(),
            "{}",
            s.id
        );
    }
}

#[test]
fn yiwu_counts_its_zone_figure_once() {
    let a = atlas();
    let f = &a.county_figures[a.county_by_adcode(650522).unwrap()];
    // xj-yiwu-acc's 60000 PFLOPS is the zone-wide figure that includes the other Yiwu rows
    // (128 of xj-yiwu-cloud-silk-road, 2000 of xj-yiwu-windey-2000p): counted once, the county
    // has 60000; the plain sum, 62128, is the upper bound.
    assert_eq!(f.pflops_reported, Some(60_000.0));
    assert_eq!(f.pflops_reported_upper, Some(62_128.0));
    assert_eq!(f.pflops_known_sites, 3);
    // 60000 is a zone aggregate, and the unit lists the rows it rests on.
    assert!(f.pflops_zone_aggregate);
    assert_eq!(
        f.overlap_sites.as_deref(),
        Some("xj-yiwu-acc | xj-yiwu-cloud-silk-road | xj-yiwu-huixin | xj-yiwu-windey-2000p")
    );
    // The density rests on the at-least figure.
    let area = a.counties[a.county_by_adcode(650522).unwrap()].area_km2;
    assert!((f.pflops_per_10k_km2.unwrap() - 60_000.0 / area * 1e4).abs() < 1e-9);
    // A county without overlapping rows has no list and equal sums.
    let horinger = &a.county_figures[a.county_by_adcode(150123).unwrap()];
    assert_eq!(horinger.overlap_sites, None);
    assert_eq!(horinger.pflops_reported, horinger.pflops_reported_upper);
}

#[test]
fn qingyang_prefecture_counts_its_group_once() {
    let a = atlas();
    let rows = csv_sites();
    let qingyang: Vec<&HashMap<String, String>> = rows
        .iter()
        .filter(|r| r["prefecture_en"] == "Qingyang")
        .collect();
    let i = a
        .prefectures
        .iter()
        .position(|p| p.name_en.starts_with("Qingyang"))
        .expect("Qingyang prefecture");
    let f = &a.prefecture_figures[i];
    // gs-qingyang-suihong (20000) may be the cluster hosted in gs-qingyang-cmcc's N01 (30000):
    // the group counts once, by 30000, so the prefecture has 20000 less than the plain sum.
    let (at_least, plain) = dedup_sum(&qingyang, "reported_pflops");
    assert_eq!(f.pflops_reported, at_least);
    assert_eq!(f.pflops_reported_upper, plain);
    assert_eq!(plain.unwrap() - at_least.unwrap(), 20_000.0);
    let ids = f.overlap_sites.as_deref().unwrap();
    assert!(ids.contains("gs-qingyang-cmcc") && ids.contains("gs-qingyang-suihong"));
    // Neither Qingyang figure is a zone or park aggregate.
    assert!(!f.pflops_zone_aggregate);
}

#[test]
fn gansu_totals_are_the_deduplicated_sums_of_the_csv() {
    let a = atlas();
    let rows = csv_sites();
    let gansu: Vec<&HashMap<String, String>> = rows
        .iter()
        .filter(|r| r["province_en"] == "Gansu")
        .collect();
    // 6 Gansu rows (the merged row left, gs-qingyang-suihong came in).
    assert_eq!(gansu.len(), 6);
    let i = a
        .provinces
        .iter()
        .position(|p| p.short_en == "Gansu")
        .unwrap();
    let f = &a.province_figures[i];
    assert_eq!(f.sites, 6);
    for (field, at_least, upper) in [
        (
            "reported_pflops",
            f.pflops_reported,
            f.pflops_reported_upper,
        ),
        (
            "pflops_planned_total",
            f.pflops_planned_total,
            f.pflops_planned_total_upper,
        ),
        ("chip_count", f.chips, f.chips_upper),
        ("racks", f.racks, f.racks_upper),
        ("investment_cny", f.investment_cny, f.investment_cny_upper),
    ] {
        assert_eq!((at_least, upper), dedup_sum(&gansu, field), "{field}");
    }
    let operational: Vec<&HashMap<String, String>> = gansu
        .iter()
        .copied()
        .filter(|r| r["status"] == "operational")
        .collect();
    assert_eq!(
        (f.pflops_operational, f.pflops_operational_upper),
        dedup_sum(&operational, "reported_pflops")
    );
}

#[test]
fn the_merged_qingyang_row_is_gone_from_every_layer_and_table() {
    let a = atlas();
    let gone = "gs-qingyang-domestic-40k";
    assert!(a.site_by_id(gone).is_none());
    for layer in compute_atlas::layers::build_layers(a) {
        for f in layer.features.iter() {
            assert_ne!(f.id, gone, "layer {}", layer.id);
            // gs-qingyang-cmcc's notes name the merged row (the data's own history); no id,
            // link or overlap list may.
            let refs = ["id", "overlaps_with", "overlap_group", "overlap_sites"]
                .map(|k| f.properties.get(k).and_then(|v| v.as_str()).unwrap_or(""));
            assert!(
                !refs.iter().any(|v| v.contains(gone)),
                "layer {} feature {}",
                layer.id,
                f.id
            );
        }
    }
    use compute_atlas::analytics::{self, Level};
    for level in [Level::County, Level::Prefecture, Level::Province] {
        let t = analytics::table(a, level, None, None, None).unwrap();
        assert!(!serde_json::to_string(&t).unwrap().contains(gone));
    }
    assert!(!analytics::summary(a, &[])
        .unwrap()
        .to_string()
        .contains(gone));
    assert!(matches!(
        analytics::site_power(a, gone, 50.0),
        Err(analytics::AnalyticsError::UnknownSite(_))
    ));
}

/// Rewrites the copied sites.csv with `overlaps_with` of some rows replaced; returns the lines
/// of the changed rows by id.
fn write_overlaps(dir: &std::path::Path, changes: &[(&str, &str)]) -> HashMap<String, u64> {
    let path = dir.join("sites.csv");
    let mut rdr = csv::Reader::from_path(&path).unwrap();
    let header = rdr.headers().unwrap().clone();
    let col = header.iter().position(|h| h == "overlaps_with").unwrap();
    let mut records = Vec::new();
    for r in rdr.records() {
        let mut fields: Vec<String> = r.unwrap().iter().map(str::to_string).collect();
        if let Some((_, v)) = changes.iter().find(|c| c.0 == fields[0]) {
            fields[col] = v.to_string();
        }
        records.push(fields);
    }
    // The line a text editor shows for each changed row: newlines written before it, plus one.
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(&header).unwrap();
    let mut lines = HashMap::new();
    for r in records {
        w.flush().unwrap();
        let written = w.get_ref();
        let line = 1 + written.iter().filter(|&&c| c == b'\n').count() as u64;
        if changes.iter().any(|c| c.0 == r[0]) {
            lines.insert(r[0].clone(), line);
        }
        w.write_record(&r).unwrap();
    }
    std::fs::write(&path, w.into_inner().unwrap()).unwrap();
    lines
}

#[test]
fn one_sided_and_unknown_overlaps_fail_check_strict() {
    let dir = common::data_dir_copy();
    // One-sided: xj-yiwu-cloud-silk-road lists xj-yiwu-huixin, which lists only xj-yiwu-acc.
    // Unknown: gs-hezuo-huasheng lists an id no row has. Self: a row naming itself.
    let lines = write_overlaps(
        dir.path(),
        &[
            ("xj-yiwu-cloud-silk-road", "xj-yiwu-acc | xj-yiwu-huixin"),
            ("gs-hezuo-huasheng", "gs-no-such-site"),
            ("xj-urumqi-ceec", "xj-urumqi-ceec"),
        ],
    );
    assert_eq!(lines.len(), 3);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_compute-atlas"))
        .args(["check", "--strict", "--data"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    for (id, value) in [
        ("xj-yiwu-cloud-silk-road", "xj-yiwu-huixin"),
        ("gs-hezuo-huasheng", "gs-no-such-site"),
        ("xj-urumqi-ceec", "xj-urumqi-ceec"),
    ] {
        let want = format!(
            "sites.csv line {} column `overlaps_with` value \"{value}\"",
            lines[id]
        );
        assert!(stdout.contains(&want), "no {want:?} in:\n{stdout}");
    }
    assert!(
        stdout.contains("does not list `xj-yiwu-cloud-silk-road` back"),
        "{stdout}"
    );
    assert!(stdout.contains("strict: failing"), "{stdout}");
    // Lenient loading leaves exactly the three bad rows out and keeps the groups symmetric.
    let a = Atlas::build(&AtlasConfig::new(dir.path())).unwrap();
    assert_eq!(a.sites.len(), 62);
    for s in &a.sites {
        for o in &s.overlaps_with {
            let other = &a.sites[a.site_by_id(o).expect("links name kept rows")];
            assert!(other.overlaps_with.contains(&s.id));
        }
    }
}

#[test]
fn the_metric_catalogue_describes_every_unit_figure() {
    use compute_atlas::figures::Level;
    use compute_atlas::layers::PropType;
    use compute_atlas::metrics::{MetricType, METRICS};
    let layers = compute_atlas::layers::build_layers(atlas());
    for (id, level) in [
        ("counties", Level::County),
        ("prefectures", Level::Prefecture),
        ("provinces", Level::Province),
    ] {
        let layer = layers.iter().find(|l| l.id == id).unwrap();
        for m in METRICS.iter().filter(|m| m.exists_at(level)) {
            let p = layer
                .property(m.name)
                .unwrap_or_else(|| panic!("{id} lacks metric {}", m.name));
            let want = match m.kind {
                MetricType::Integer => PropType::Integer,
                MetricType::Number => PropType::Number,
            };
            assert_eq!(p.kind, want, "{id}.{}", m.name);
            // Values have the declared type in every feature.
            for f in layer.features.iter() {
                let v = &f.properties[m.name];
                assert!(
                    v.is_null()
                        || (want == PropType::Integer && v.is_u64())
                        || (want == PropType::Number && v.is_number()),
                    "{id} {} {}: {v}",
                    f.id,
                    m.name
                );
            }
        }
        for p in &layer.properties {
            let numeric = matches!(p.kind, PropType::Integer | PropType::Number);
            // The NEA solar columns of the provinces are statistics of province_power.csv, not
            // figures of the sites and plants joins.
            if numeric && !p.name.starts_with("nea_solar_pv_mw_") {
                assert!(
                    METRICS
                        .iter()
                        .any(|m| m.name == p.name && m.exists_at(level)),
                    "{id}.{} is not in the catalogue",
                    p.name
                );
            }
        }
    }
}
