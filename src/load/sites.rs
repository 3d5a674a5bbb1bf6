use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::table::Table;
use super::{LoadError, Problem, Problems, Severity};
use crate::model::{Confidence, LocationPrecision, ProvinceInfo, ReportedDate, Site, SiteStatus};

const REQUIRED: &[&str] = &[
    "id",
    "name_en",
    "province_en",
    "longitude",
    "latitude",
    "location_precision",
    "status",
    "confidence",
    "source_urls",
];

/// Loads `sites.csv`: every figure as reported, blanks as unknown.
///
/// Checks vocabularies, numbers, dates, unique ids, that each row has a source and that the
/// province is one of the twelve western provinces. Location against the boundaries is checked
/// later, by the atlas, which has the county index. `overlaps_with` links are checked across
/// rows once all are read (see [`check_overlaps`]).
pub fn load_sites(path: &Path, problems: &mut Problems) -> Result<Vec<Site>, LoadError> {
    let table = Table::read(path, problems)?;
    table.require_columns(path, REQUIRED)?;
    let mut seen = HashSet::new();
    let mut sites = Vec::new();
    let mut links = Vec::new();
    for mut row in table.rows() {
        let id = row.required("id");
        let overlaps_with = split_list(row.text("overlaps_with"));
        if !id.is_empty() {
            links.push(Link {
                id: id.clone(),
                line: row.line(),
                overlaps_with: overlaps_with.clone(),
            });
        }
        if !id.is_empty() && !seen.insert(id.clone()) {
            row.error("id", Some(&id), "duplicate id");
        }
        let province_en = row.required("province_en");
        if !province_en.is_empty() && ProvinceInfo::by_short_name(&province_en).is_none() {
            row.error(
                "province_en",
                Some(&province_en),
                "not one of the twelve western provinces",
            );
        }
        let lonlat = row.lon_lat("longitude", "latitude");
        let location_precision = row.parse(
            "location_precision",
            "one of exact, district, county_seat, prefecture",
            LocationPrecision::parse,
        );
        if row.text("location_precision").is_none() {
            row.error("location_precision", None, "required value is empty");
        }
        let status = row.parse(
            "status",
            "one of announced, tendered, under_construction, operational",
            SiteStatus::parse,
        );
        if row.text("status").is_none() {
            row.error("status", None, "required value is empty");
        }
        let confidence = row.parse("confidence", "one of high, medium, low", Confidence::parse);
        if row.text("confidence").is_none() {
            row.error("confidence", None, "required value is empty");
        }
        let reported_date = row.parse(
            "reported_date",
            "a date YYYY, YYYY-MM or YYYY-MM-DD",
            ReportedDate::parse,
        );
        let county_adcode = row.parse("county_adcode", "a six-digit adcode", |s| {
            (s.len() == 6).then(|| s.parse::<u32>().ok()).flatten()
        });
        let source_urls = split_list(row.text("source_urls"));
        if source_urls.is_empty() {
            row.error(
                "source_urls",
                None,
                "every site needs at least one source URL",
            );
        }
        for u in &source_urls {
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                row.error("source_urls", Some(u), "expected an http(s) URL");
            }
        }
        let reported_pflops = row.non_negative("reported_pflops");
        let pflops_planned_total = row.non_negative("pflops_planned_total");
        let chip_count = row.integer("chip_count");
        let server_count = row.integer("server_count");
        let racks = row.integer("racks");
        let power_mw = row.non_negative("power_mw");
        let investment_cny = row.integer("investment_cny");
        let name_en = row.required("name_en");
        let line = row.line();
        let site = (|| {
            let (lon, lat) = lonlat?;
            Some(Site {
                id: id.clone(),
                name_en,
                name_zh: row.text("name_zh"),
                operator: row.text("operator"),
                parent: row.text("parent"),
                province_en: province_en.clone(),
                province_zh: row.text("province_zh").unwrap_or_default(),
                prefecture_en: row.text("prefecture_en").unwrap_or_default(),
                prefecture_zh: row.text("prefecture_zh").unwrap_or_default(),
                county_en: row.text("county_en"),
                county_zh: row.text("county_zh"),
                county_adcode,
                lon,
                lat,
                location_precision: location_precision?,
                status: status?,
                reported_date,
                reported_pflops,
                pflops_precision: row.text("pflops_precision"),
                pflops_scope: row.text("pflops_scope"),
                pflops_planned_total,
                chip_model: row.text("chip_model"),
                chip_count,
                server_count,
                racks,
                racks_scope: row.text("racks_scope"),
                power_mw,
                investment_cny,
                confidence: confidence?,
                source_urls,
                notes: row.text("notes"),
                overlaps_with,
                line,
            })
        })();
        if row.finish(problems) {
            if let Some(site) = site {
                sites.push(site);
            }
        }
    }
    check_overlaps(&table.file, &links, &mut sites, problems);
    Ok(sites)
}

/// Splits a ` | `-separated list, dropping blanks.
fn split_list(field: Option<String>) -> Vec<String> {
    field
        .map(|s| {
            s.split(" | ")
                .map(|u| u.trim().to_string())
                .filter(|u| !u.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// One row's `overlaps_with` as read, kept for every row with an id (also rows left out for
/// another error), so that a link to such a row is not misreported as an unknown id.
struct Link {
    id: String,
    line: u64,
    overlaps_with: Vec<String>,
}

/// Checks that every `overlaps_with` id names another row that lists this one back. A row with
/// a bad link is an error and is left out: a one-sided or unknown link would make the
/// deduplicated sums depend on which row is read. Links to rows left out are then dropped, so
/// that the kept rows' links are symmetric and name only kept rows.
fn check_overlaps(file: &str, links: &[Link], sites: &mut Vec<Site>, problems: &mut Problems) {
    // The first row of an id answers for it: a duplicate is already an error of its own.
    let mut listed: HashMap<&str, &[String]> = HashMap::new();
    for l in links {
        listed.entry(&l.id).or_insert(&l.overlaps_with);
    }
    let mut bad: HashSet<&str> = HashSet::new();
    for l in links {
        for other in &l.overlaps_with {
            let reason = if other == &l.id {
                "a row cannot overlap itself".to_string()
            } else {
                match listed.get(other.as_str()) {
                    None => "no row has this id".to_string(),
                    Some(back) if !back.contains(&l.id) => format!(
                        "row `{other}` does not list `{}` back in its overlaps_with (links must be listed on both rows)",
                        l.id
                    ),
                    Some(_) => continue,
                }
            };
            bad.insert(l.id.as_str());
            problems.push(Problem {
                severity: Severity::Error,
                file: file.to_string(),
                line: Some(l.line),
                column: Some("overlaps_with".into()),
                value: Some(other.clone()),
                reason: format!("{reason}; row left out"),
            });
        }
    }
    sites.retain(|s| !bad.contains(s.id.as_str()));
    let kept: HashSet<String> = sites.iter().map(|s| s.id.clone()).collect();
    for s in sites.iter_mut() {
        s.overlaps_with.retain(|o| kept.contains(o));
        s.overlaps_with.dedup();
    }
}
