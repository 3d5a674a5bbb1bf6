use std::fmt;

use serde::Serialize;

use super::Adcode;

/// Status of a site as of its `reported_date`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SiteStatus {
    Announced,
    Tendered,
    UnderConstruction,
    Operational,
}

impl SiteStatus {
    pub const ALL: [SiteStatus; 4] = [
        SiteStatus::Announced,
        SiteStatus::Tendered,
        SiteStatus::UnderConstruction,
        SiteStatus::Operational,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SiteStatus::Announced => "announced",
            SiteStatus::Tendered => "tendered",
            SiteStatus::UnderConstruction => "under_construction",
            SiteStatus::Operational => "operational",
        }
    }

    pub fn parse(s: &str) -> Option<SiteStatus> {
        SiteStatus::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// What the site's point stands for: the sources never give the site itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationPrecision {
    Exact,
    District,
    CountySeat,
    Prefecture,
}

impl LocationPrecision {
    pub const ALL: [LocationPrecision; 4] = [
        LocationPrecision::Exact,
        LocationPrecision::District,
        LocationPrecision::CountySeat,
        LocationPrecision::Prefecture,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LocationPrecision::Exact => "exact",
            LocationPrecision::District => "district",
            LocationPrecision::CountySeat => "county_seat",
            LocationPrecision::Prefecture => "prefecture",
        }
    }

    pub fn parse(s: &str) -> Option<LocationPrecision> {
        LocationPrecision::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Reliability grade of a site row (see `geodata/README.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    High,
    Medium,
    Low,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::High => "high",
            Confidence::Medium => "medium",
            Confidence::Low => "low",
        }
    }

    pub fn parse(s: &str) -> Option<Confidence> {
        [Confidence::High, Confidence::Medium, Confidence::Low]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// A report date of year, month or day precision (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`).
///
/// It stands for the whole period it names: `2025-10` covers 1-31 October 2025.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ReportedDate {
    pub year: i32,
    pub month: Option<u32>,
    pub day: Option<u32>,
}

impl ReportedDate {
    /// Parses `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, checking that the date exists.
    ///
    /// ```
    /// use compute_atlas::model::ReportedDate;
    /// assert!(ReportedDate::parse("2025-10").is_some());
    /// assert!(ReportedDate::parse("2025-02-30").is_none());
    /// ```
    pub fn parse(s: &str) -> Option<ReportedDate> {
        let parts: Vec<&str> = s.trim().split('-').collect();
        let num = |p: &str, len: usize| -> Option<u32> {
            (p.len() == len && p.bytes().all(|b| b.is_ascii_digit())).then(|| p.parse().ok())?
        };
        let year = num(parts.first()?, 4)? as i32;
        let month = match parts.get(1) {
            Some(m) => Some(num(m, 2).filter(|m| (1..=12).contains(m))?),
            None => None,
        };
        let day = match parts.get(2) {
            Some(d) => Some(num(d, 2)?),
            None => None,
        };
        if parts.len() > 3 {
            return None;
        }
        let date = ReportedDate { year, month, day };
        if let (Some(m), Some(d)) = (month, day) {
            chrono::NaiveDate::from_ymd_opt(year, m, d)?;
        }
        Some(date)
    }

    /// First day of the period.
    pub fn start(&self) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(self.year, self.month.unwrap_or(1), self.day.unwrap_or(1))
            .expect("validated at parse time")
    }

    /// Last day of the period.
    pub fn end(&self) -> chrono::NaiveDate {
        match (self.month, self.day) {
            (Some(m), Some(d)) => chrono::NaiveDate::from_ymd_opt(self.year, m, d),
            (Some(m), None) => {
                let (y, nm) = if m == 12 {
                    (self.year + 1, 1)
                } else {
                    (self.year, m + 1)
                };
                chrono::NaiveDate::from_ymd_opt(y, nm, 1).and_then(|d| d.pred_opt())
            }
            _ => chrono::NaiveDate::from_ymd_opt(self.year, 12, 31),
        }
        .expect("validated at parse time")
    }
}

impl fmt::Display for ReportedDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
        }
        if let Some(d) = self.day {
            write!(f, "-{d:02}")?;
        }
        Ok(())
    }
}

/// A data-centre or AI computing site from `sites.csv`, every figure as reported.
#[derive(Debug, Clone)]
pub struct Site {
    pub id: String,
    pub name_en: String,
    pub name_zh: Option<String>,
    pub operator: Option<String>,
    pub parent: Option<String>,
    pub province_en: String,
    pub province_zh: String,
    pub prefecture_en: String,
    pub prefecture_zh: String,
    pub county_en: Option<String>,
    pub county_zh: Option<String>,
    /// The county the sources name (may be a functional zone or a unit newer than the boundaries).
    pub county_adcode: Option<Adcode>,
    pub lon: f64,
    pub lat: f64,
    pub location_precision: LocationPrecision,
    pub status: SiteStatus,
    pub reported_date: Option<ReportedDate>,
    pub reported_pflops: Option<f64>,
    pub pflops_precision: Option<String>,
    pub pflops_scope: Option<String>,
    pub pflops_planned_total: Option<f64>,
    pub chip_model: Option<String>,
    pub chip_count: Option<u64>,
    pub server_count: Option<u64>,
    pub racks: Option<u64>,
    pub racks_scope: Option<String>,
    pub power_mw: Option<f64>,
    pub investment_cny: Option<u64>,
    pub confidence: Confidence,
    pub source_urls: Vec<String>,
    pub notes: Option<String>,
    /// Ids of rows whose figures may also be counted in this row's (listed on both rows; checked
    /// at load time). Sums count each overlap group once.
    pub overlaps_with: Vec<String>,
    /// 1-based line of the row in its file, for messages.
    pub line: u64,
}

/// Overlap groups: the connected components (of two or more rows) of the `overlaps_with` links.
///
/// Returns, per site, the index of its group in the second value (`None` for a site that
/// overlaps no other), and the groups as site indexes in file order. A group is named after its
/// first member in file order, which stays stable while rows are only appended.
pub fn overlap_groups(sites: &[Site]) -> (Vec<Option<usize>>, Vec<Vec<usize>>) {
    let by_id: std::collections::HashMap<&str, usize> = sites
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let mut group_of: Vec<Option<usize>> = vec![None; sites.len()];
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for start in 0..sites.len() {
        if group_of[start].is_some() || sites[start].overlaps_with.is_empty() {
            continue;
        }
        // Breadth-first over the links; links to unknown ids were reported and dropped at load.
        let g = groups.len();
        let mut members = vec![start];
        group_of[start] = Some(g);
        let mut next = 0;
        while next < members.len() {
            let i = members[next];
            next += 1;
            for other in &sites[i].overlaps_with {
                if let Some(&j) = by_id.get(other.as_str()) {
                    if group_of[j].is_none() {
                        group_of[j] = Some(g);
                        members.push(j);
                    }
                }
            }
        }
        members.sort_unstable();
        groups.push(members);
    }
    (group_of, groups)
}
