use std::collections::{HashMap, HashSet};
use std::path::Path;

use super::table::{Row, Table};
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

/// The columns of `sites.csv`, in the bundled file's order: the schema of a site record, of the
/// properties an edit may write, and of `export-sites`.
pub const SITE_COLUMNS: &[&str] = &[
    "id",
    "name_en",
    "name_zh",
    "operator",
    "parent",
    "province_en",
    "province_zh",
    "prefecture_en",
    "prefecture_zh",
    "county_en",
    "county_zh",
    "county_adcode",
    "longitude",
    "latitude",
    "location_precision",
    "status",
    "reported_date",
    "reported_pflops",
    "pflops_precision",
    "pflops_scope",
    "pflops_planned_total",
    "chip_model",
    "chip_count",
    "server_count",
    "racks",
    "racks_scope",
    "power_mw",
    "investment_cny",
    "confidence",
    "source_urls",
    "notes",
    "overlaps_with",
];

/// One site as text, a field per [`SITE_COLUMNS`] entry (`None` when empty), with where it came
/// from (the CSV file and line, or a change of the edit store) for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteRecord {
    /// File (or store change) named in problems about this record.
    pub origin: String,
    /// 1-based line in `origin` (0 when it has none).
    pub line: u64,
    pub fields: Vec<Option<String>>,
}

impl SiteRecord {
    /// The field of `column` (a [`SITE_COLUMNS`] name).
    pub fn get(&self, column: &str) -> Option<&str> {
        let i = SITE_COLUMNS.iter().position(|c| *c == column)?;
        self.fields.get(i)?.as_deref()
    }

    /// Sets the field of `column`; unknown columns are ignored (callers check names first).
    pub fn set(&mut self, column: &str, value: Option<String>) {
        if let Some(i) = SITE_COLUMNS.iter().position(|c| *c == column) {
            self.fields[i] = value;
        }
    }

    /// The record's id (empty when missing).
    pub fn id(&self) -> &str {
        self.get("id").unwrap_or("")
    }

    /// The record as a JSON object of column -> text (null when empty), for the edit store.
    pub fn to_json(&self) -> serde_json::Value {
        SITE_COLUMNS
            .iter()
            .zip(&self.fields)
            .map(|(c, v)| (c.to_string(), serde_json::json!(v)))
            .collect::<serde_json::Map<_, _>>()
            .into()
    }

    /// Reads what [`SiteRecord::to_json`] wrote; `None` when it is not such an object.
    pub fn from_json(v: &serde_json::Value, origin: String) -> Option<SiteRecord> {
        let m = v.as_object()?;
        let fields = SITE_COLUMNS
            .iter()
            .map(|c| match m.get(*c) {
                Some(serde_json::Value::String(s)) => Some(Some(s.clone())),
                Some(serde_json::Value::Null) | None => Some(None),
                Some(_) => None,
            })
            .collect::<Option<Vec<_>>>()?;
        Some(SiteRecord {
            origin,
            line: 0,
            fields,
        })
    }
}

/// Loads `sites.csv`: every figure as reported, blanks as unknown.
///
/// Checks vocabularies, numbers, dates, unique ids, that each row has a source and that the
/// province is one of the twelve western provinces. Location against the boundaries is checked
/// later, by the atlas, which has the county index. `overlaps_with` links are checked across
/// rows once all are read (see [`check_overlaps`]).
pub fn load_sites(path: &Path, problems: &mut Problems) -> Result<Vec<Site>, LoadError> {
    let records = read_site_records(path, problems)?;
    Ok(sites_from_records(&records, problems))
}

/// Reads `sites.csv` as text records (unreadable rows reported and left out).
pub fn read_site_records(
    path: &Path,
    problems: &mut Problems,
) -> Result<Vec<SiteRecord>, LoadError> {
    let table = Table::read(path, problems)?;
    table.require_columns(path, REQUIRED)?;
    Ok(table
        .rows()
        .map(|row| SiteRecord {
            origin: table.file.clone(),
            line: row.line(),
            fields: SITE_COLUMNS.iter().map(|c| row.text(c)).collect(),
        })
        .collect())
}

/// Validates site records as one table: each record by [`validate_site`], then unique ids and
/// `overlaps_with` links across them. Records with an error are reported and left out.
pub fn sites_from_records(records: &[SiteRecord], problems: &mut Problems) -> Vec<Site> {
    let mut seen = HashSet::new();
    let mut sites = Vec::new();
    let mut links = Vec::new();
    for record in records {
        let table = Table::single(&record.origin, SITE_COLUMNS, record.line, &record.fields);
        let mut row = table.rows().next().expect("one row");
        let id = row.text("id").unwrap_or_default();
        if !id.is_empty() {
            links.push(Link {
                id: id.clone(),
                file: record.origin.clone(),
                line: record.line,
                overlaps_with: split_list(row.text("overlaps_with")),
            });
        }
        if !id.is_empty() && !seen.insert(id.clone()) {
            row.error("id", Some(&id), "duplicate id");
        }
        let site = site_from_row(&mut row);
        if row.finish(problems) {
            if let Some(site) = site {
                sites.push(site);
            }
        }
    }
    check_overlaps(&links, &mut sites, problems);
    sites
}

/// Validates one record on its own (every rule but unique ids and `overlaps_with` links, which
/// need the whole table): the site, or the problems that keep it out. Warnings come with a
/// site. The one place the rules of a site row live: loading `sites.csv` and the edits of the
/// API both use it.
pub fn validate_site(record: &SiteRecord) -> (Option<Site>, Problems) {
    let table = Table::single(&record.origin, SITE_COLUMNS, record.line, &record.fields);
    let mut row = table.rows().next().expect("one row");
    let site = site_from_row(&mut row);
    let mut problems = Problems::default();
    let ok = row.finish(&mut problems);
    (site.filter(|_| ok), problems)
}

/// Whether `id` is a well-formed site id: lower-case ASCII letters, digits and single hyphens,
/// starting with a letter (`xj-yiwu-acc`), at most 80 characters.
pub fn is_site_id(id: &str) -> bool {
    id.len() <= 80
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The rules of one site row: required fields, vocabularies, numbers, dates, sources.
fn site_from_row(row: &mut Row<'_>) -> Option<Site> {
    let id = row.required("id");
    if !id.is_empty() && !is_site_id(&id) {
        row.error(
            "id",
            Some(&id),
            "expected lower-case letters, digits and single hyphens, starting with a letter (e.g. xj-yiwu-acc), at most 80 characters",
        );
    }
    let overlaps_with = split_list(row.text("overlaps_with"));
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
        if !is_http_url(u) {
            row.error(
                "source_urls",
                Some(u),
                "expected an http(s) URL (http:// or https:// followed by a host, no spaces)",
            );
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
    let (lon, lat) = lonlat?;
    Some(Site {
        id,
        name_en,
        name_zh: row.text("name_zh"),
        operator: row.text("operator"),
        parent: row.text("parent"),
        province_en,
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
}

/// An `http://` or `https://` URL with a host and no whitespace or control characters: the
/// only links shown to readers (a `javascript:` or `data:` URL never is).
fn is_http_url(u: &str) -> bool {
    let rest = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"));
    rest.is_some_and(|r| {
        !r.is_empty()
            && !r.starts_with('/')
            && !u.chars().any(|c| c.is_whitespace() || c.is_control())
    })
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
    file: String,
    line: u64,
    overlaps_with: Vec<String>,
}

/// Checks that every `overlaps_with` id names another row that lists this one back. A row with
/// a bad link is an error and is left out: a one-sided or unknown link would make the
/// deduplicated sums depend on which row is read. Links to rows left out are then dropped, so
/// that the kept rows' links are symmetric and name only kept rows.
fn check_overlaps(links: &[Link], sites: &mut Vec<Site>, problems: &mut Problems) {
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
                file: l.file.clone(),
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
