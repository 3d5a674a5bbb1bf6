//! Compute and power figures per county, prefecture and province: joins of sites and plants to
//! the administrative units, done with polars.
//!
//! Unknown stays unknown: a sum over sites none of which reports a figure is `None`, and every
//! figure comes with the number of sites it rests on.
//!
//! Rows that may count the same compute (an overlap group, from `overlaps_with`) are counted once
//! per unit, by the largest figure of the group's members inside the unit: each sum is an "at
//! least" figure, and the plain sum is kept next to it (`*_upper`) as the upper bound.

use std::collections::HashMap;

use polars::prelude::*;
use serde::Serialize;

use crate::model::{Adcode, Fuel};

/// One site's contribution, located in its units.
#[derive(Debug, Clone)]
pub struct SiteFacts {
    pub id: String,
    /// Sites of one overlap group share this key (the group's name); any other site has its own id.
    pub group: String,
    /// The site is in an overlap group.
    pub in_overlap: bool,
    /// Its PFLOPS figure is a zone or park aggregate (see `atlas::is_zone_aggregate`).
    pub pflops_zone_aggregate: bool,
    pub county: Option<Adcode>,
    pub prefecture: Option<Adcode>,
    pub province: Option<Adcode>,
    pub status: &'static str,
    pub prefecture_precision: bool,
    pub pflops: Option<f64>,
    pub pflops_operational: Option<f64>,
    pub pflops_planned_total: Option<f64>,
    pub chips: Option<f64>,
    pub racks: Option<f64>,
    pub investment_cny: Option<f64>,
}

/// One counted plant (operating, from the preferred source for its fuel), located in its units.
#[derive(Debug, Clone)]
pub struct PlantFacts {
    pub county: Option<Adcode>,
    pub prefecture: Option<Adcode>,
    pub province: Option<Adcode>,
    pub fuel: Fuel,
    pub capacity_mw: f64,
}

/// Figures of one administrative unit.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct UnitFigures {
    pub adcode: Adcode,
    pub area_km2: f64,
    pub sites: u32,
    pub sites_operational: u32,
    pub sites_under_construction: u32,
    /// Announced or tendered.
    pub sites_planned: u32,
    /// Sites whose point is only the prefecture seat (their real county is unknown).
    pub sites_prefecture_precision: u32,
    /// Sum of `reported_pflops` (built or first phase where a source gives both; derived from
    /// chip counts where flagged), each overlap group counted once. Scopes differ: read per site
    /// before quoting.
    pub pflops_reported: Option<f64>,
    /// Plain sum of `reported_pflops` (overlap groups counted in full): the upper bound.
    pub pflops_reported_upper: Option<f64>,
    /// The part of `pflops_reported` at sites with status operational.
    pub pflops_operational: Option<f64>,
    pub pflops_operational_upper: Option<f64>,
    /// Sum of `pflops_planned_total`: larger planned totals, never added to the reported figure.
    pub pflops_planned_total: Option<f64>,
    pub pflops_planned_total_upper: Option<f64>,
    pub pflops_known_sites: u32,
    pub pflops_per_10k_km2: Option<f64>,
    pub sites_per_10k_km2: f64,
    pub chips: Option<f64>,
    pub chips_upper: Option<f64>,
    pub chips_known_sites: u32,
    pub racks: Option<f64>,
    pub racks_upper: Option<f64>,
    pub racks_known_sites: u32,
    pub investment_cny: Option<f64>,
    pub investment_cny_upper: Option<f64>,
    pub investment_known_sites: u32,
    /// Ids of the unit's sites that are in an overlap group, ` | `-separated; `None` when none.
    pub overlap_sites: Option<String>,
    /// A counted PFLOPS figure is a zone or park aggregate, not one facility's compute.
    pub pflops_zone_aggregate: bool,
    /// Operating capacity by fuel, MW; `None` when no plant file is loaded.
    pub plant_mw: Option<Vec<(Fuel, f64)>>,
    pub plant_mw_total: Option<f64>,
    pub renewable_mw: Option<f64>,
    pub plant_mw_per_10k_km2: Option<f64>,
    pub plants: Option<u32>,
    /// Estimated power demand of the unit's sites, MW (see `atlas::demand`): each bound summed
    /// on its own, overlap groups counted once; `None` when no site has an estimate.
    pub power_mw_low: Option<f64>,
    pub power_mw_central: Option<f64>,
    pub power_mw_high: Option<f64>,
    /// Plain sums of the estimates (overlap groups in full): the upper bounds.
    pub power_mw_low_upper: Option<f64>,
    pub power_mw_central_upper: Option<f64>,
    pub power_mw_high_upper: Option<f64>,
    /// Sites with a power-demand estimate.
    pub power_estimated_sites: u32,
}

impl UnitFigures {
    pub fn plant_mw_of(&self, fuel: Fuel) -> Option<f64> {
        self.plant_mw
            .as_ref()
            .map(|v| v.iter().find(|(f, _)| *f == fuel).map_or(0.0, |x| x.1))
    }
}

/// Error computing figures (a polars failure is a bug, but is reported, not panicked on).
#[derive(Debug, thiserror::Error)]
#[error("computing figures failed: {0}")]
pub struct FiguresError(#[from] PolarsError);

/// Which unit level to aggregate to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    County,
    Prefecture,
    Province,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::County, Level::Prefecture, Level::Province];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::County => "county",
            Level::Prefecture => "prefecture",
            Level::Province => "province",
        }
    }
}

/// The summed site figures: column names of the site frame.
const SUMMED: [&str; 6] = [
    "pflops",
    "pflops_op",
    "planned",
    "chips",
    "racks",
    "investment",
];

fn site_frame(sites: &[SiteFacts]) -> PolarsResult<DataFrame> {
    let u = |f: fn(&SiteFacts) -> Option<Adcode>| sites.iter().map(f).collect::<Vec<_>>();
    let n = |f: fn(&SiteFacts) -> Option<f64>| sites.iter().map(f).collect::<Vec<_>>();
    df!(
        "group" => sites.iter().map(|s| s.group.as_str()).collect::<Vec<_>>(),
        "zone" => sites.iter().map(|s| s.pflops_zone_aggregate).collect::<Vec<_>>(),
        "county" => u(|s| s.county),
        "prefecture" => u(|s| s.prefecture),
        "province" => u(|s| s.province),
        "status" => sites.iter().map(|s| s.status).collect::<Vec<_>>(),
        "pref_precision" => sites.iter().map(|s| s.prefecture_precision).collect::<Vec<_>>(),
        "pflops" => n(|s| s.pflops),
        "pflops_op" => n(|s| s.pflops_operational),
        "planned" => n(|s| s.pflops_planned_total),
        "chips" => n(|s| s.chips),
        "racks" => n(|s| s.racks),
        "investment" => n(|s| s.investment_cny),
    )
}

fn plant_frame(plants: &[PlantFacts]) -> PolarsResult<DataFrame> {
    let u = |f: fn(&PlantFacts) -> Option<Adcode>| plants.iter().map(f).collect::<Vec<_>>();
    df!(
        "county" => u(|p| p.county),
        "prefecture" => u(|p| p.prefecture),
        "province" => u(|p| p.province),
        "fuel" => plants.iter().map(|p| p.fuel.as_str()).collect::<Vec<_>>(),
        "mw" => plants.iter().map(|p| p.capacity_mw).collect::<Vec<_>>(),
    )
}

fn count_status(status: &str) -> Expr {
    col("status").eq(lit(status)).cast(DataType::UInt32).sum()
}

/// Computes the figures of every unit at `level`. `units` gives adcode and area of each unit,
/// in the order the result follows. `plants` is `None` when no plant file was loaded.
pub fn unit_figures(
    level: Level,
    units: &[(Adcode, f64)],
    sites: &[SiteFacts],
    plants: Option<&[PlantFacts]>,
) -> Result<Vec<UnitFigures>, FiguresError> {
    let key = level.as_str();
    let unit_df = df!(
        "unit" => units.iter().map(|u| u.0).collect::<Vec<_>>(),
        "area" => units.iter().map(|u| u.1).collect::<Vec<_>>(),
    )?;
    // Two steps: per (unit, overlap group) the largest figure (and the plain sum, for the
    // upper bound), then per unit the sum over groups. Sites outside any group are groups of one.
    let mut per_group = vec![
        len().cast(DataType::UInt32).alias("sites"),
        count_status("operational").alias("sites_operational"),
        count_status("under_construction").alias("sites_under_construction"),
        (count_status("announced") + count_status("tendered")).alias("sites_planned"),
        col("pref_precision")
            .cast(DataType::UInt32)
            .sum()
            .alias("sites_pref"),
        col("zone").cast(DataType::UInt32).sum().alias("zone"),
    ];
    for f in SUMMED {
        per_group.push(col(f).max().alias(f));
        per_group.push(col(f).sum().alias(format!("{f}_upper")));
        per_group.push(
            col(f)
                .count()
                .cast(DataType::UInt32)
                .alias(format!("{f}_n")),
        );
    }
    let mut per_unit = vec![
        col("sites").sum(),
        col("sites_operational").sum(),
        col("sites_under_construction").sum(),
        col("sites_planned").sum(),
        col("sites_pref").sum(),
        col("zone").sum(),
    ];
    for f in SUMMED {
        per_unit.push(col(f).sum());
        per_unit.push(col(format!("{f}_upper")).sum());
        per_unit.push(col(format!("{f}_n")).sum());
    }
    let site_agg = site_frame(sites)?
        .lazy()
        .filter(col(key).is_not_null())
        .group_by([col(key).alias("unit"), col("group")])
        .agg(per_group)
        .group_by([col("unit")])
        .agg(per_unit);
    let mut joined = unit_df.lazy().join(
        site_agg,
        [col("unit")],
        [col("unit")],
        JoinArgs::new(JoinType::Left),
    );
    if let Some(plants) = plants {
        let mut aggs: Vec<Expr> = Fuel::ALL
            .iter()
            .map(|f| {
                col("mw")
                    .filter(col("fuel").eq(lit(f.as_str())))
                    .sum()
                    .alias(format!("mw_{}", f.as_str()))
            })
            .collect();
        aggs.push(col("mw").sum().alias("mw_total"));
        aggs.push(len().cast(DataType::UInt32).alias("plants"));
        let plant_agg = plant_frame(plants)?
            .lazy()
            .filter(col(key).is_not_null())
            .group_by([col(key).alias("unit")])
            .agg(aggs);
        joined = joined.join(
            plant_agg,
            [col("unit")],
            [col("unit")],
            JoinArgs::new(JoinType::Left),
        );
    }
    let df = joined.collect()?;
    // The left join keeps the units' order; read the columns back into structs.
    let f64s = |name: &str| -> PolarsResult<Vec<Option<f64>>> {
        Ok(df
            .column(name)?
            .cast(&DataType::Float64)?
            .f64()?
            .iter()
            .collect())
    };
    let u32s = |name: &str| -> PolarsResult<Vec<u32>> {
        Ok(df
            .column(name)?
            .cast(&DataType::UInt32)?
            .u32()?
            .iter()
            .map(|v| v.unwrap_or(0))
            .collect())
    };
    let adcodes = u32s("unit")?;
    let area = f64s("area")?;
    let (sites_n, op, uc, planned_n, pref) = (
        u32s("sites")?,
        u32s("sites_operational")?,
        u32s("sites_under_construction")?,
        u32s("sites_planned")?,
        u32s("sites_pref")?,
    );
    let known = |sum: Vec<Option<f64>>, n: &[u32]| -> Vec<Option<f64>> {
        sum.into_iter()
            .zip(n)
            .map(|(s, &n)| if n > 0 { s } else { None })
            .collect()
    };
    // Per summed figure: (at-least sum, plain sum, sites with the figure).
    let mut summed = HashMap::new();
    for f in SUMMED {
        let n = u32s(&format!("{f}_n"))?;
        let sum = known(f64s(f)?, &n);
        let upper = known(f64s(&format!("{f}_upper"))?, &n);
        summed.insert(f, (sum, upper, n));
    }
    let zone = u32s("zone")?;
    let overlap_sites = overlap_sites_by_unit(level, sites);
    let plant_cols = match plants {
        Some(_) => {
            let mut by_fuel = Vec::new();
            for f in Fuel::ALL {
                by_fuel.push((f, f64s(&format!("mw_{}", f.as_str()))?));
            }
            Some((by_fuel, f64s("mw_total")?, u32s("plants")?))
        }
        None => None,
    };
    let mut out = Vec::with_capacity(adcodes.len());
    for i in 0..adcodes.len() {
        let area_km2 = area[i].unwrap_or(0.0);
        let per_10k = |v: f64| {
            if area_km2 > 0.0 {
                v / area_km2 * 1e4
            } else {
                0.0
            }
        };
        let at = |f: &str| {
            let (sum, upper, n) = &summed[f];
            (sum[i], upper[i], n[i])
        };
        let (pflops, pflops_upper, pflops_n) = at("pflops");
        let (pflops_op, pflops_op_upper, _) = at("pflops_op");
        let (planned, planned_upper, _) = at("planned");
        let (chips, chips_upper, chips_n) = at("chips");
        let (racks, racks_upper, racks_n) = at("racks");
        let (investment, investment_upper, inv_n) = at("investment");
        let mut fig = UnitFigures {
            adcode: adcodes[i],
            area_km2,
            sites: sites_n[i],
            sites_operational: op[i],
            sites_under_construction: uc[i],
            sites_planned: planned_n[i],
            sites_prefecture_precision: pref[i],
            pflops_reported: pflops,
            pflops_reported_upper: pflops_upper,
            pflops_operational: pflops_op,
            pflops_operational_upper: pflops_op_upper,
            pflops_planned_total: planned,
            pflops_planned_total_upper: planned_upper,
            pflops_known_sites: pflops_n,
            pflops_per_10k_km2: pflops.map(per_10k),
            sites_per_10k_km2: per_10k(sites_n[i] as f64),
            chips,
            chips_upper,
            chips_known_sites: chips_n,
            racks,
            racks_upper,
            racks_known_sites: racks_n,
            investment_cny: investment,
            investment_cny_upper: investment_upper,
            investment_known_sites: inv_n,
            overlap_sites: overlap_sites.get(&adcodes[i]).map(|v| v.join(" | ")),
            pflops_zone_aggregate: zone[i] > 0,
            ..Default::default()
        };
        if let Some((by_fuel, total, count)) = &plant_cols {
            let mw: Vec<(Fuel, f64)> = by_fuel
                .iter()
                .map(|(f, v)| (*f, v[i].unwrap_or(0.0)))
                .collect();
            let renewable = mw
                .iter()
                .filter(|(f, _)| f.is_renewable())
                .map(|x| x.1)
                .sum();
            let total = total[i].unwrap_or(0.0);
            fig.plant_mw = Some(mw);
            fig.plant_mw_total = Some(total);
            fig.renewable_mw = Some(renewable);
            fig.plant_mw_per_10k_km2 = Some(per_10k(total));
            fig.plants = Some(count[i]);
        }
        out.push(fig);
    }
    Ok(out)
}

/// A sum over a set of sites, each overlap group counted once by its largest figure, with the
/// plain sum as the upper bound; `None` when no site has the figure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GroupedSum {
    pub value: Option<f64>,
    pub upper: Option<f64>,
    pub sites_with_figure: usize,
}

/// Sums `(group key, figure)` pairs (the group key as in [`SiteFacts::group`]): the same rule as
/// [`unit_figures`] for one set of sites (the summary totals), without a frame for a handful of
/// values.
pub fn grouped_sum(values: &[(&str, Option<f64>)]) -> GroupedSum {
    // Ordered, so that the float sum does not depend on hash order.
    let mut largest: std::collections::BTreeMap<&str, f64> = Default::default();
    let mut upper = 0.0;
    let mut n = 0;
    for &(group, v) in values {
        let Some(v) = v else { continue };
        n += 1;
        upper += v;
        let e = largest.entry(group).or_insert(v);
        *e = e.max(v);
    }
    let known = |v: f64| (n > 0).then_some(v);
    GroupedSum {
        value: known(largest.values().sum()),
        upper: known(upper),
        sites_with_figure: n,
    }
}

/// Per unit, the ids of its sites that are in an overlap group, in site order.
fn overlap_sites_by_unit(level: Level, sites: &[SiteFacts]) -> HashMap<Adcode, Vec<&str>> {
    let mut out: HashMap<Adcode, Vec<&str>> = HashMap::new();
    for s in sites.iter().filter(|s| s.in_overlap) {
        let unit = match level {
            Level::County => s.county,
            Level::Prefecture => s.prefecture,
            Level::Province => s.province,
        };
        if let Some(u) = unit {
            out.entry(u).or_default().push(&s.id);
        }
    }
    out
}

/// Provincial statistics in MW by province and year, from `province_power.csv`: NEA cumulative
/// grid-connected solar PV. The NEA table lists the Xinjiang Production and Construction Corps
/// apart from Xinjiang; since the Xinjiang polygon includes the Corps' cities, the two are added.
pub fn solar_pv_by_province(
    stats: &[crate::model::ProvinceStat],
) -> Result<Vec<(String, String, f64)>, FiguresError> {
    let rows: Vec<&crate::model::ProvinceStat> = stats
        .iter()
        .filter(|s| {
            s.metric == "solar_pv_cumulative_grid_connected_capacity" && s.value_mw().is_some()
        })
        .collect();
    let df = df!(
        "province" => rows.iter().map(|s| {
            if s.province == "Xinjiang Production and Construction Corps" { "Xinjiang" } else { s.province.as_str() }
        }).collect::<Vec<_>>(),
        "year" => rows.iter().map(|s| s.year.as_str()).collect::<Vec<_>>(),
        "mw" => rows.iter().map(|s| s.value_mw()).collect::<Vec<_>>(),
    )?;
    let out = df
        .lazy()
        .group_by([col("province"), col("year")])
        .agg([col("mw").sum()])
        .sort(["province", "year"], Default::default())
        .collect()?;
    let p: Vec<String> = out
        .column("province")?
        .str()?
        .iter()
        .map(|v| v.unwrap_or("").to_string())
        .collect();
    let y: Vec<String> = out
        .column("year")?
        .str()?
        .iter()
        .map(|v| v.unwrap_or("").to_string())
        .collect();
    let m: Vec<f64> = out
        .column("mw")?
        .f64()?
        .iter()
        .map(|v| v.unwrap_or(0.0))
        .collect();
    Ok(p.into_iter()
        .zip(y)
        .zip(m)
        .map(|((p, y), m)| (p, y, m))
        .collect())
}
