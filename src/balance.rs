//! Demand against supply (issue 12, part 2): for each site, county with sites or province with
//! sites, the estimated power demand range next to the operating capacity around it, the wind and
//! solar generation that capacity would give over the period the utilisation hours cover, the
//! curtailed energy where a curtailment rate is known, and how much of the province's reported
//! capacity the plant files hold (the coverage ratio, carried with every local figure).
//!
//! Every statistic says the level it comes from (`province`, or `national` as a fallback) and its
//! period; nothing is annualised that the sources give for part of a year.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::atlas::demand::{sum_estimates, Estimate, Overrides};
use crate::atlas::Atlas;
use crate::model::{Fuel, ProvinceStat};

/// Which rows the balance has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BalanceLevel {
    Site,
    County,
    Province,
}

impl BalanceLevel {
    pub fn parse(s: &str) -> Option<BalanceLevel> {
        match s {
            "site" => Some(BalanceLevel::Site),
            "county" => Some(BalanceLevel::County),
            "province" => Some(BalanceLevel::Province),
            _ => None,
        }
    }
}

/// Radius of the capacity around a site, km (one of the precomputed site radii).
pub const SITE_RADIUS_KM: f64 = 100.0;
/// The national rows of `province_power.csv`.
const NATIONAL: &str = "China total";

/// One statistic of `province_power.csv` as used, with its level and period.
#[derive(Debug, Clone, Serialize)]
pub struct StatUsed {
    pub value: f64,
    pub unit: String,
    /// `province` or `national` (a fallback where the province has no figure).
    pub level: &'static str,
    pub period: String,
    pub source_url: String,
}

/// Low, central and high of a quantity derived from the demand range.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Span {
    pub low: Option<f64>,
    pub central: Option<f64>,
    pub high: Option<f64>,
}

/// Wind or solar: capacity, generation over the hours' period, curtailment.
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub capacity_mw: Option<f64>,
    /// Where the capacity comes from: the plant files around the place, or provincial statistics.
    pub capacity_from: &'static str,
    pub utilisation_hours: Option<StatUsed>,
    pub generation_gwh: Option<f64>,
    pub curtailment_rate_percent: Option<StatUsed>,
    /// Energy curtailed over the same period: generation × r / (1 − r) (the rate is curtailed
    /// energy over generation plus curtailed energy).
    pub curtailed_gwh: Option<f64>,
}

/// The province's wind and solar capacity in the plant files against its statistics.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub province: String,
    pub solar_plant_files_mw: Option<f64>,
    pub solar_statistics: Option<StatUsed>,
    pub solar_ratio: Option<f64>,
    pub wind_plant_files_mw: Option<f64>,
    pub wind_statistics: Option<StatUsed>,
    pub wind_ratio: Option<f64>,
}

/// One row of the balance.
#[derive(Debug, Clone, Serialize)]
pub struct BalanceRow {
    pub id: String,
    pub name: String,
    pub province: String,
    pub sites: u32,
    pub estimated_sites: u32,
    pub demand_mw: Span,
    /// Demand energy over each source's hours period (the same hours), GWh.
    pub demand_gwh_over_period: Span,
    pub period_hours: Option<f64>,
    /// Where the local capacity is counted.
    pub capacity_scope: String,
    pub operating_mw_total: Option<f64>,
    pub operating_mw_renewable: Option<f64>,
    pub wind: Source,
    pub solar: Source,
    /// Demand over the period as a share of the wind and solar generation (low to high), %.
    pub demand_share_of_wind_solar_generation_percent: Span,
    pub demand_share_of_curtailed_percent: Span,
    pub coverage: Coverage,
}

/// The latest row of `metric` for the province, else the national one.
fn stat(stats: &[ProvinceStat], province: &str, metric: &str) -> Option<StatUsed> {
    let latest = |who: &str| {
        stats
            .iter()
            .filter(|s| s.metric == metric && s.province == who && s.value.is_some())
            .max_by(|a, b| a.as_of.cmp(&b.as_of))
    };
    let (row, level) = match latest(province) {
        Some(r) => (r, "province"),
        None => (latest(NATIONAL)?, "national"),
    };
    Some(StatUsed {
        value: row.value?,
        unit: row.unit.clone(),
        level,
        period: row.year.clone(),
        source_url: row.source_url.clone(),
    })
}

/// Hours in a period label of `province_power.csv`: `YYYY`, `YYYYH1`, `YYYYH2` or
/// `YYYY Mon-Mon` (calendar hours from the first day of the first month to the last of the last).
pub fn period_hours(label: &str) -> Option<f64> {
    let label = label.trim();
    let year: i32 = label.get(..4)?.parse().ok()?;
    let rest = label[4..].trim();
    let (m1, m2) = match rest {
        "" => (1, 12),
        "H1" => (1, 6),
        "H2" => (7, 12),
        r => {
            let (a, b) = r.split_once('-')?;
            let month = |s: &str| {
                NaiveDate::parse_from_str(&format!("1 {s} {year}"), "%d %b %Y")
                    .ok()
                    .map(|d| d.month())
            };
            (month(a.trim())?, month(b.trim())?)
        }
    };
    let start = NaiveDate::from_ymd_opt(year, m1, 1)?;
    let end = NaiveDate::from_ymd_opt(year, m2, 1)?.checked_add_months(chrono::Months::new(1))?;
    Some((end - start).num_days() as f64 * 24.0)
}

fn span(sum: &crate::atlas::demand::DemandSum) -> Span {
    Span {
        low: sum.low,
        central: sum.central,
        high: sum.high,
    }
}

fn scale(s: Span, f: impl Fn(f64) -> Option<f64>) -> Span {
    Span {
        low: s.low.and_then(&f),
        central: s.central.and_then(&f),
        high: s.high.and_then(&f),
    }
}

fn source(
    stats: &[ProvinceStat],
    province: &str,
    fuel: &str,
    capacity_mw: Option<f64>,
    from: &'static str,
) -> Source {
    let hours = stat(stats, province, &format!("{fuel}_utilization_hours"));
    let rate = stat(stats, province, &format!("{fuel}_curtailment_rate"));
    let generation_gwh = match (capacity_mw, &hours) {
        (Some(c), Some(h)) => Some(c * h.value / 1000.0),
        _ => None,
    };
    let curtailed_gwh = match (generation_gwh, &rate) {
        (Some(g), Some(r)) if r.value < 100.0 => Some(g * r.value / (100.0 - r.value)),
        _ => None,
    };
    Source {
        capacity_mw,
        capacity_from: from,
        utilisation_hours: hours,
        generation_gwh,
        curtailment_rate_percent: rate,
        curtailed_gwh,
    }
}

/// Plant-file wind and solar in each province against the statistics.
fn coverage(atlas: &Atlas, p: usize) -> Coverage {
    let prov = &atlas.provinces[p];
    let fig = atlas
        .province_figures
        .iter()
        .find(|f| f.adcode == prov.adcode);
    let files = |fuel| fig.and_then(|f| f.plant_mw_of(fuel));
    let solar_stat = atlas
        .province_solar_mw
        .iter()
        .filter(|(name, _, _)| *name == prov.short_en)
        .max_by(|a, b| a.1.cmp(&b.1))
        .map(|(_, year, mw)| StatUsed {
            value: *mw,
            unit: "MW".into(),
            level: "province",
            period: year.clone(),
            source_url: atlas
                .province_stats
                .iter()
                .find(|s| {
                    s.province == prov.short_en
                        && s.year == *year
                        && s.metric == "solar_pv_cumulative_grid_connected_capacity"
                })
                .map(|s| s.source_url.clone())
                .unwrap_or_default(),
        });
    let wind_stat = atlas
        .province_stats
        .iter()
        .filter(|s| {
            s.province == prov.short_en
                && s.metric == "wind_installed_capacity"
                && s.value_mw().is_some()
        })
        .max_by(|a, b| a.as_of.cmp(&b.as_of))
        .map(|s| StatUsed {
            value: s.value_mw().unwrap_or_default(),
            unit: "MW".into(),
            level: "province",
            period: s.year.clone(),
            source_url: s.source_url.clone(),
        });
    let ratio = |a: Option<f64>, b: &Option<StatUsed>| match (a, b) {
        (Some(a), Some(b)) if b.value > 0.0 => Some(a / b.value),
        _ => None,
    };
    Coverage {
        province: prov.short_en.clone(),
        solar_plant_files_mw: files(Fuel::Solar),
        solar_ratio: ratio(files(Fuel::Solar), &solar_stat),
        solar_statistics: solar_stat,
        wind_plant_files_mw: files(Fuel::Wind),
        wind_ratio: ratio(files(Fuel::Wind), &wind_stat),
        wind_statistics: wind_stat,
    }
}

/// The balance at `level`, with the demand recomputed when `ov` overrides a parameter.
pub fn balance(atlas: &Atlas, level: BalanceLevel, ov: Overrides) -> Vec<BalanceRow> {
    let recomputed: Vec<Option<Estimate>>;
    let estimates: &[Option<Estimate>] = match (&atlas.demand_model, ov == Overrides::default()) {
        (Some(m), false) => {
            recomputed = atlas
                .sites
                .iter()
                .map(|s| m.for_site(s, &atlas.chips, ov))
                .collect();
            &recomputed
        }
        _ => &atlas.site_demand,
    };
    // The rows: (id, name, province index, member sites, capacity by fuel and its scope).
    type Unit = (
        String,
        String,
        Option<usize>,
        Vec<usize>,
        Option<Vec<(Fuel, f64)>>,
        String,
    );
    let units: Vec<Unit> = match level {
        BalanceLevel::Site => (0..atlas.sites.len())
            .map(|i| {
                let s = &atlas.sites[i];
                let within = atlas.site_power[i].within.iter().find(|r| r.radius_km == SITE_RADIUS_KM);
                (
                    s.id.clone(),
                    s.name_en.clone(),
                    atlas.site_places[i].province,
                    vec![i],
                    within.filter(|_| atlas.has_plants()).map(|w| w.by_fuel.clone()),
                    format!("operating plants within {SITE_RADIUS_KM} km of the site's point (an administrative seat)"),
                )
            })
            .collect(),
        BalanceLevel::County | BalanceLevel::Province => {
            let county = level == BalanceLevel::County;
            let n = if county { atlas.counties.len() } else { atlas.provinces.len() };
            (0..n)
                .filter_map(|u| {
                    let members: Vec<usize> = (0..atlas.sites.len())
                        .filter(|&i| {
                            let p = &atlas.site_places[i];
                            if county { p.county == Some(u) } else { p.province == Some(u) }
                        })
                        .collect();
                    if members.is_empty() {
                        return None;
                    }
                    let (adcode, name, prov, figs) = if county {
                        let c = &atlas.counties[u];
                        let prov = atlas.provinces.iter().position(|p| p.adcode == c.province_adcode);
                        (c.adcode, c.name_en.clone(), prov, &atlas.county_figures)
                    } else {
                        let p = &atlas.provinces[u];
                        (p.adcode, p.short_en.clone(), Some(u), &atlas.province_figures)
                    };
                    let fig = figs.iter().find(|f| f.adcode == adcode);
                    Some((
                        adcode.to_string(),
                        name,
                        prov,
                        members,
                        fig.and_then(|f| f.plant_mw.clone()),
                        format!("operating plants inside the {} (plant files)", if county { "county" } else { "province" }),
                    ))
                })
                .collect()
        }
    };
    units
        .into_iter()
        .map(|(id, name, prov, members, by_fuel, scope)| {
            let items: Vec<(&str, Option<&Estimate>)> = members
                .iter()
                .map(|&i| (atlas.site_group_key(i), estimates[i].as_ref()))
                .collect();
            let sum = sum_estimates(&items);
            let demand = span(&sum);
            let prov_name = prov.map_or(String::new(), |p| atlas.provinces[p].short_en.clone());
            let mw = |f: Fuel| {
                by_fuel
                    .as_ref()
                    // `+ 0.0`: an empty f64 sum is -0.0.
                    .map(|v| v.iter().filter(|x| x.0 == f).map(|x| x.1).sum::<f64>() + 0.0)
            };
            let cov = prov.map(|p| coverage(atlas, p));
            // The province level uses the provincial statistics where they exist.
            let (solar_mw, solar_from, wind_mw, wind_from) = match (&cov, level) {
                (Some(c), BalanceLevel::Province) => (
                    c.solar_statistics
                        .as_ref()
                        .map(|s| s.value)
                        .or(mw(Fuel::Solar)),
                    if c.solar_statistics.is_some() {
                        "provincial statistics"
                    } else {
                        "plant files"
                    },
                    c.wind_statistics
                        .as_ref()
                        .map(|s| s.value)
                        .or(mw(Fuel::Wind)),
                    if c.wind_statistics.is_some() {
                        "provincial statistics"
                    } else {
                        "plant files"
                    },
                ),
                _ => (
                    mw(Fuel::Solar),
                    "plant files",
                    mw(Fuel::Wind),
                    "plant files",
                ),
            };
            let wind = source(
                &atlas.province_stats,
                &prov_name,
                "wind",
                wind_mw,
                wind_from,
            );
            let solar = source(
                &atlas.province_stats,
                &prov_name,
                "solar",
                solar_mw,
                solar_from,
            );
            // Wind and solar hours may cover different periods; the shares use them only when
            // both give the same period.
            let period = match (&wind.utilisation_hours, &solar.utilisation_hours) {
                (Some(w), Some(s)) if w.period == s.period => Some(w.period.clone()),
                (Some(w), None) => Some(w.period.clone()),
                (None, Some(s)) => Some(s.period.clone()),
                _ => None,
            };
            let hours = period.as_deref().and_then(period_hours);
            let demand_gwh = scale(demand, |d| hours.map(|h| d * h / 1000.0));
            let gen = match (wind.generation_gwh, solar.generation_gwh) {
                (None, None) => None,
                (w, s) => Some(w.unwrap_or(0.0) + s.unwrap_or(0.0)),
            };
            let curtailed = match (wind.curtailed_gwh, solar.curtailed_gwh) {
                (None, None) => None,
                (w, s) => Some(w.unwrap_or(0.0) + s.unwrap_or(0.0)),
            };
            let share = |of: Option<f64>| {
                scale(demand_gwh, |d| {
                    of.filter(|g| *g > 0.0).map(|g| d / g * 100.0)
                })
            };
            let renewable = by_fuel
                .as_ref()
                .map(|v| v.iter().filter(|x| x.0.is_renewable()).map(|x| x.1).sum());
            BalanceRow {
                id,
                name,
                province: prov_name,
                sites: sum.sites,
                estimated_sites: sum.estimated_sites,
                demand_mw: demand,
                demand_gwh_over_period: demand_gwh,
                period_hours: hours,
                capacity_scope: scope,
                operating_mw_total: by_fuel.as_ref().map(|v| v.iter().map(|x| x.1).sum()),
                operating_mw_renewable: renewable,
                demand_share_of_wind_solar_generation_percent: share(gen),
                demand_share_of_curtailed_percent: share(curtailed),
                wind,
                solar,
                coverage: cov.unwrap_or(Coverage {
                    province: String::new(),
                    solar_plant_files_mw: None,
                    solar_statistics: None,
                    solar_ratio: None,
                    wind_plant_files_mw: None,
                    wind_statistics: None,
                    wind_ratio: None,
                }),
            }
        })
        .collect()
}
