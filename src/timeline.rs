//! The build-out over time: sites by the date they were first reported (`reported_date`), with
//! cumulative counts, PFLOPS and chips by status.
//!
//! Date precision is honoured: a site counts in the period that holds the end of its date's span,
//! so a `YYYY` date counts in that year (by month: in December, flagged as a coarser date, never
//! as January) and a `YYYY-MM` date in that month. Undated sites are counted apart. Sums count each
//! overlap group once, like the unit figures.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::atlas::Atlas;
use crate::figures::grouped_sum;
use crate::model::{ReportedDate, SiteStatus};

/// Period length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Month,
    Quarter,
    Year,
}

impl Step {
    /// The period holding `d`: its label, first and last day.
    fn period(self, d: NaiveDate) -> (String, NaiveDate, NaiveDate) {
        let (y, m) = (d.year(), d.month());
        let (label, first_month, months) = match self {
            Step::Month => (format!("{y:04}-{m:02}"), m, 1),
            Step::Quarter => {
                let q = (m - 1) / 3 + 1;
                (format!("{y:04}-Q{q}"), (q - 1) * 3 + 1, 3)
            }
            Step::Year => (format!("{y:04}"), 1, 12),
        };
        let start = NaiveDate::from_ymd_opt(y, first_month, 1).expect("valid month");
        let end = start
            .checked_add_months(chrono::Months::new(months))
            .and_then(|d| d.pred_opt())
            .expect("in range");
        (label, start, end)
    }

    /// `true` when a date of this precision is coarser than the step (its span covers more than
    /// one period).
    fn coarser(self, d: &ReportedDate) -> bool {
        match self {
            Step::Year => false,
            Step::Quarter => d.month.is_none(),
            Step::Month => d.month.is_none(),
        }
    }
}

/// Counts or sums by status, and their total.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ByStatus {
    pub announced: f64,
    pub tendered: f64,
    pub under_construction: f64,
    pub operational: f64,
    pub total: f64,
}

impl ByStatus {
    /// The figure of status `s`.
    pub fn of(&self, s: SiteStatus) -> f64 {
        match s {
            SiteStatus::Announced => self.announced,
            SiteStatus::Tendered => self.tendered,
            SiteStatus::UnderConstruction => self.under_construction,
            SiteStatus::Operational => self.operational,
        }
    }

    fn slot(&mut self, s: SiteStatus) -> &mut f64 {
        match s {
            SiteStatus::Announced => &mut self.announced,
            SiteStatus::Tendered => &mut self.tendered,
            SiteStatus::UnderConstruction => &mut self.under_construction,
            SiteStatus::Operational => &mut self.operational,
        }
    }
}

/// One period of the timeline.
#[derive(Debug, Clone, Serialize)]
pub struct Period {
    pub period: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// Sites first reported in the period, by status.
    pub new_sites: ByStatus,
    /// Of those, the sites whose date is coarser than the step (a year-only date by month or
    /// quarter), placed at the end of their date's span.
    pub new_sites_coarser_date: u32,
    pub new_site_ids: Vec<String>,
    /// Up to the end of the period: sites, reported PFLOPS, planned PFLOPS totals and chips,
    /// by status as reported (each overlap group counted once).
    pub cumulative_sites: ByStatus,
    pub cumulative_pflops: ByStatus,
    pub cumulative_pflops_planned_total: ByStatus,
    pub cumulative_chips: ByStatus,
}

/// The sites without a date.
#[derive(Debug, Clone, Serialize)]
pub struct Undated {
    pub sites: ByStatus,
    pub ids: Vec<String>,
    pub pflops: ByStatus,
    pub chips: ByStatus,
}

/// The timeline of one selection of sites.
#[derive(Debug, Clone, Serialize)]
pub struct Timeline {
    pub by: Step,
    pub province: Option<String>,
    pub sites: usize,
    pub dated_sites: usize,
    pub periods: Vec<Period>,
    pub undated: Undated,
    pub notes: &'static str,
}

/// The province filter named no province of the sites.
#[derive(Debug, thiserror::Error)]
#[error("unknown province {given:?}; provinces with sites: {known}")]
pub struct TimelineError {
    pub given: String,
    pub known: String,
}

/// Per status, the grouped sum of a figure over the chosen sites.
fn sums(atlas: &Atlas, chosen: &[usize], figure: impl Fn(usize) -> Option<f64>) -> ByStatus {
    let mut out = ByStatus::default();
    for status in SiteStatus::ALL {
        let values: Vec<(&str, Option<f64>)> = chosen
            .iter()
            .filter(|&&i| atlas.sites[i].status == status)
            .map(|&i| (atlas.site_group_key(i), figure(i)))
            .collect();
        *out.slot(status) = grouped_sum(&values).value.unwrap_or(0.0);
    }
    let all: Vec<(&str, Option<f64>)> = chosen
        .iter()
        .map(|&i| (atlas.site_group_key(i), figure(i)))
        .collect();
    out.total = grouped_sum(&all).value.unwrap_or(0.0);
    out
}

fn counts(atlas: &Atlas, chosen: &[usize]) -> ByStatus {
    let mut out = ByStatus::default();
    for &i in chosen {
        *out.slot(atlas.sites[i].status) += 1.0;
        out.total += 1.0;
    }
    out
}

/// The timeline by `step`, of the sites of `province` (short English name, any case) or all.
pub fn timeline(
    atlas: &Atlas,
    step: Step,
    province: Option<&str>,
) -> Result<Timeline, TimelineError> {
    let province = province.map(str::trim).filter(|p| !p.is_empty());
    if let Some(p) = province {
        if !atlas
            .sites
            .iter()
            .any(|s| s.province_en.eq_ignore_ascii_case(p))
        {
            let mut known: Vec<&str> = atlas.sites.iter().map(|s| s.province_en.as_str()).collect();
            known.sort_unstable();
            known.dedup();
            return Err(TimelineError {
                given: p.to_string(),
                known: known.join(", "),
            });
        }
    }
    let chosen: Vec<usize> = (0..atlas.sites.len())
        .filter(|&i| province.is_none_or(|p| atlas.sites[i].province_en.eq_ignore_ascii_case(p)))
        .collect();
    let pflops = |i: usize| atlas.site_places[i].pflops;
    let planned = |i: usize| atlas.sites[i].pflops_planned_total;
    let chips = |i: usize| atlas.sites[i].chip_count.map(|c| c as f64);
    let (dated, undated): (Vec<usize>, Vec<usize>) = chosen
        .iter()
        .partition(|&&i| atlas.sites[i].reported_date.is_some());
    // Each site at the end of its date's span.
    let placed: Vec<(usize, NaiveDate)> = dated
        .iter()
        .map(|&i| (i, atlas.sites[i].reported_date.expect("dated").end()))
        .collect();
    let mut periods = Vec::new();
    if let (Some(first), Some(last)) = (
        placed.iter().map(|p| p.1).min(),
        placed.iter().map(|p| p.1).max(),
    ) {
        let mut cursor = step.period(first);
        loop {
            let (label, start, end) = cursor.clone();
            let new: Vec<usize> = placed
                .iter()
                .filter(|(_, d)| *d >= start && *d <= end)
                .map(|p| p.0)
                .collect();
            let upto: Vec<usize> = placed
                .iter()
                .filter(|(_, d)| *d <= end)
                .map(|p| p.0)
                .collect();
            periods.push(Period {
                period: label,
                start,
                end,
                new_sites: counts(atlas, &new),
                new_sites_coarser_date: new
                    .iter()
                    .filter(|&&i| step.coarser(&atlas.sites[i].reported_date.expect("dated")))
                    .count() as u32,
                new_site_ids: new.iter().map(|&i| atlas.sites[i].id.clone()).collect(),
                cumulative_sites: counts(atlas, &upto),
                cumulative_pflops: sums(atlas, &upto, pflops),
                cumulative_pflops_planned_total: sums(atlas, &upto, planned),
                cumulative_chips: sums(atlas, &upto, chips),
            });
            if end >= last {
                break;
            }
            cursor = step.period(end.succ_opt().expect("in range"));
        }
    }
    Ok(Timeline {
        by: step,
        province: province.map(str::to_string),
        sites: chosen.len(),
        dated_sites: dated.len(),
        periods,
        undated: Undated {
            sites: counts(atlas, &undated),
            ids: undated.iter().map(|&i| atlas.sites[i].id.clone()).collect(),
            pflops: sums(atlas, &undated, pflops),
            chips: sums(atlas, &undated, chips),
        },
        notes: "Sites by the date of the report that first gives them (reported_date), with the status that report gives. A date counts in the period holding the end of its span: a year-only date counts in that year (by month or quarter: in its last period, counted in new_sites_coarser_date), never in January. Undated sites are counted apart. PFLOPS and chips: sums with each overlap group counted once; 0 where no site in the selection reports the figure.",
    })
}
