//! Analytic tables over the atlas: figures per unit filtered, sorted and cut to the top N, the
//! power around a site, and the totals set against public reporting. Pure functions of the
//! immutable atlas, shared by the HTTP endpoints, the plots and the command line.

use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::atlas::{Atlas, SitePower};
use crate::figures::UnitFigures;
use crate::layers::figure_values;
use crate::model::{Adcode, ProvinceInfo, SiteStatus};

/// A request for a table that cannot be answered as asked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AnalyticsError {
    #[error("unknown metric `{0}`; metrics: {1}")]
    UnknownMetric(String, String),
    #[error("unknown province `{0}`; provinces: {1}")]
    UnknownProvince(String, String),
    #[error("no site `{0}`")]
    UnknownSite(String),
}

/// Administrative level of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    County,
    Prefecture,
    Province,
}

/// Names of the numeric figures a table can be sorted by or a map coloured by (the metric
/// catalogue's, in property order).
pub fn metrics() -> Vec<&'static str> {
    crate::metrics::names()
}

/// Resolves a province by short English name (`Xinjiang`), full title or adcode.
pub fn province(name: &str) -> Result<&'static ProvinceInfo, AnalyticsError> {
    let n = name.trim();
    ProvinceInfo::by_short_name(n)
        .or_else(|| n.parse().ok().and_then(ProvinceInfo::by_adcode))
        .or_else(|| {
            crate::model::WESTERN_PROVINCES
                .iter()
                .find(|p| n.to_lowercase().starts_with(&p.short_en.to_lowercase()))
        })
        .ok_or_else(|| {
            AnalyticsError::UnknownProvince(
                name.to_string(),
                crate::model::WESTERN_PROVINCES
                    .iter()
                    .map(|p| p.short_en)
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        })
}

/// One row of a unit table: names plus every figure.
#[derive(Debug, Clone, Serialize)]
pub struct Row(pub Map<String, Value>);

impl Row {
    pub fn number(&self, metric: &str) -> Option<f64> {
        self.0.get(metric).and_then(Value::as_f64)
    }
}

/// A unit table with how many sites each figure rests on.
#[derive(Debug, Clone, Serialize)]
pub struct Table {
    pub level: &'static str,
    pub province: Option<&'static str>,
    pub sort: Option<String>,
    pub rows: Vec<Row>,
    /// Units before `top` cut the list.
    pub units: usize,
    pub known: Value,
}

fn check_metric(metric: &str) -> Result<(), AnalyticsError> {
    if crate::metrics::metric(metric).is_some() {
        Ok(())
    } else {
        Err(AnalyticsError::UnknownMetric(
            metric.to_string(),
            metrics().join(", "),
        ))
    }
}

/// Builds a table of `level` units, optionally of one province, sorted by `sort` (a metric,
/// `-` prefix for descending; unknown values last), cut to `top` rows.
pub fn table(
    atlas: &Atlas,
    level: Level,
    province_name: Option<&str>,
    sort: Option<&str>,
    top: Option<usize>,
) -> Result<Table, AnalyticsError> {
    let prov = province_name.map(province).transpose()?;
    let sort_key = sort.map(|s| {
        let (desc, m) = match s.strip_prefix('-') {
            Some(m) => (true, m),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        (m.trim().to_string(), desc)
    });
    if let Some((m, _)) = &sort_key {
        check_metric(m)?;
    }
    let units: Vec<(Adcode, Adcode, Map<String, Value>, &UnitFigures)> = match level {
        Level::County => atlas
            .counties
            .iter()
            .zip(&atlas.county_figures)
            .zip(&atlas.base_cover.counties)
            .map(|((c, f), bases)| {
                let names = (&c.name_en, &c.name_zh, Some(&c.prefecture_en));
                let m = unit_head(atlas, c.adcode, names, c.province_adcode, Some(bases));
                (c.adcode, c.province_adcode, m, f)
            })
            .collect(),
        Level::Prefecture => atlas
            .prefectures
            .iter()
            .zip(&atlas.prefecture_figures)
            .zip(&atlas.base_cover.prefectures)
            .map(|((c, f), bases)| {
                let names = (&c.name_en, &c.name_zh, None);
                let m = unit_head(atlas, c.adcode, names, c.province_adcode, Some(bases));
                (c.adcode, c.province_adcode, m, f)
            })
            .collect(),
        Level::Province => atlas
            .provinces
            .iter()
            .zip(&atlas.province_figures)
            .map(|(c, f)| {
                let names = (&c.short_en, &c.name_zh, None);
                (
                    c.adcode,
                    c.adcode,
                    unit_head(atlas, c.adcode, names, c.adcode, None),
                    f,
                )
            })
            .collect(),
    };
    let mut rows: Vec<(Adcode, Row)> = units
        .into_iter()
        .filter(|(_, p, _, _)| prov.is_none_or(|x| x.adcode == *p))
        .map(|(a, _, mut m, f)| {
            figure_values(f, &mut m);
            (a, Row(m))
        })
        .collect();
    if let Some((m, desc)) = &sort_key {
        rows.sort_by(|(aa, a), (ba, b)| match (a.number(m), b.number(m)) {
            (Some(x), Some(y)) => {
                let o = x.total_cmp(&y);
                (if *desc { o.reverse() } else { o }).then(aa.cmp(ba))
            }
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => aa.cmp(ba),
        });
    }
    let n = rows.len();
    // Which figures are known for how many of the sites inside the selected units.
    let sites: Vec<usize> = (0..atlas.sites.len())
        .filter(|&i| {
            let p = atlas.site_places[i]
                .county
                .map(|c| atlas.counties[c].province_adcode);
            prov.is_none_or(|x| Some(x.adcode) == p)
        })
        .collect();
    let known = |f: &dyn Fn(usize) -> bool| sites.iter().filter(|&&i| f(i)).count();
    let known = json!({
        "sites": sites.len(),
        "reported_pflops": known(&|i| atlas.site_places[i].pflops.is_some()),
        "pflops_derived_from_chips": known(&|i| atlas.site_places[i].pflops_derived),
        "pflops_planned_total": known(&|i| atlas.sites[i].pflops_planned_total.is_some()),
        "chip_count": known(&|i| atlas.sites[i].chip_count.is_some()),
        "racks": known(&|i| atlas.sites[i].racks.is_some()),
        "investment_cny": known(&|i| atlas.sites[i].investment_cny.is_some()),
        "located_to_prefecture_only": known(&|i| atlas.sites[i].location_precision == crate::model::LocationPrecision::Prefecture),
        "plant_capacity": if atlas.has_plants() {
            json!(format!("known: {} plant file(s) loaded", atlas.plant_files.len()))
        } else {
            json!("unknown: no plant file loaded")
        },
    });
    Ok(Table {
        level: match level {
            Level::County => "county",
            Level::Prefecture => "prefecture",
            Level::Province => "province",
        },
        province: prov.map(|p| p.short_en),
        sort: sort.map(str::to_string),
        rows: rows
            .into_iter()
            .take(top.unwrap_or(usize::MAX))
            .map(|(_, r)| r)
            .collect(),
        units: n,
        known,
    })
}

/// Operating plant capacity around a site within `radius_km`, and the nearest plant of each fuel.
pub fn site_power(
    atlas: &Atlas,
    site_id: &str,
    radius_km: f64,
) -> Result<(usize, SitePower), AnalyticsError> {
    let i = atlas
        .site_by_id(site_id)
        .ok_or_else(|| AnalyticsError::UnknownSite(site_id.to_string()))?;
    let s = &atlas.sites[i];
    Ok((i, atlas.power_around(s.lon, s.lat, &[radius_km])))
}

/// A total with the number of sites it rests on.
#[derive(Debug, Clone, Serialize)]
pub struct Total {
    /// At least: each overlap group (`overlaps_with`) counted once, by its largest figure.
    pub value: Option<f64>,
    /// Plain sum, overlap groups counted in full: the upper bound.
    pub value_upper: Option<f64>,
    pub sites_with_figure: usize,
    pub sites: usize,
}

fn total(atlas: &Atlas, sites: &[usize], f: impl Fn(usize) -> Option<f64>) -> Total {
    let values: Vec<(&str, Option<f64>)> = sites
        .iter()
        .map(|&i| (atlas.site_group_key(i), f(i)))
        .collect();
    let sum = crate::figures::grouped_sum(&values);
    Total {
        value: sum.value,
        value_upper: sum.upper,
        sites_with_figure: sum.sites_with_figure,
        sites: sites.len(),
    }
}

/// The summed power-demand estimates of a set of sites ("estimated for N of M sites").
fn power_demand(atlas: &Atlas, sites: &[usize]) -> Value {
    let items: Vec<(&str, Option<&crate::atlas::demand::Estimate>)> = sites
        .iter()
        .map(|&i| (atlas.site_group_key(i), atlas.site_demand[i].as_ref()))
        .collect();
    let sum = crate::atlas::demand::sum_estimates(&items);
    json!({
        "estimate": true,
        "low": sum.low, "central": sum.central, "high": sum.high,
        "low_upper": sum.low_upper, "central_upper": sum.central_upper, "high_upper": sum.high_upper,
        "estimated_sites": sum.estimated_sites,
        "sites": sum.sites,
        "note": format!("estimated for {} of {} sites (see power_basis on the sites); each bound summed on its own, overlap groups counted once", sum.estimated_sites, sum.sites),
    })
}

/// Totals for a set of provinces (empty: all), to set against the public reporting.
pub fn summary(atlas: &Atlas, provinces: &[&str]) -> Result<Value, AnalyticsError> {
    let provs: Vec<&ProvinceInfo> = provinces
        .iter()
        .map(|p| province(p))
        .collect::<Result<_, _>>()?;
    let sites: Vec<usize> = (0..atlas.sites.len())
        .filter(|&i| {
            provs.is_empty()
                || provs
                    .iter()
                    .any(|p| p.short_en == atlas.sites[i].province_en)
        })
        .collect();
    let nvidia = |i: usize| {
        atlas.sites[i]
            .chip_model
            .as_deref()
            .is_some_and(|m| m.to_lowercase().contains("nvidia"))
    };
    let by_status: Map<String, Value> = SiteStatus::ALL
        .iter()
        .map(|s| {
            (
                s.as_str().to_string(),
                json!(sites
                    .iter()
                    .filter(|&&i| atlas.sites[i].status == *s)
                    .count()),
            )
        })
        .collect();
    Ok(json!({
        "provinces": if provs.is_empty() { json!("all twelve western provinces") } else { json!(provs.iter().map(|p| p.short_en).collect::<Vec<_>>()) },
        "sites": sites.len(),
        "sites_by_status": by_status,
        "reported_pflops": total(atlas, &sites, |i| atlas.site_places[i].pflops),
        "reported_pflops_operational_sites": total(atlas, &sites, |i| atlas.site_places[i].pflops.filter(|_| atlas.sites[i].status == SiteStatus::Operational)),
        "pflops_planned_total": total(atlas, &sites, |i| atlas.sites[i].pflops_planned_total),
        "chips_reported_all_vendors": total(atlas, &sites, |i| atlas.sites[i].chip_count.map(|c| c as f64)),
        "chips_reported_nvidia": total(atlas, &sites, |i| atlas.sites[i].chip_count.filter(|_| nvidia(i)).map(|c| c as f64)),
        "sites_naming_nvidia_chips": sites.iter().filter(|&&i| nvidia(i)).count(),
        "investment_cny": total(atlas, &sites, |i| atlas.sites[i].investment_cny.map(|c| c as f64)),
        "power_demand_mw": power_demand(atlas, &sites),
        "overlap_sites": sites.iter().filter(|&&i| atlas.site_group[i].is_some()).map(|&i| atlas.sites[i].id.as_str()).collect::<Vec<_>>(),
        "pflops_zone_aggregate": sites.iter().any(|&i| atlas.site_places[i].pflops.is_some() && atlas.sites[i].pflops_scope.as_deref().is_some_and(crate::atlas::is_zone_aggregate)),
        "caveats": [
            "Totals count each overlap group (sites listing each other in overlaps_with, see overlap_sites) once, by its largest figure: value is at least this much; value_upper is the plain sum.",
            "Reported PFLOPS mix scopes (built, first phase, planned lower bounds, park aggregates); read each site's pflops_scope.",
            "Chip counts mix Nvidia and domestic accelerators; only sites naming Nvidia count towards chips_reported_nvidia.",
            "Public reporting (per this project's brief) found plans for more than 115,000 restricted Nvidia chips in dozens of data centres in Xinjiang and Qinghai; the cited sites here document only part of that.",
        ],
    }))
}

/// The columns naming a unit, before its figures: adcode, names (English, Chinese, and the
/// prefecture for a county), province and, for counties and prefectures, the renewable bases
/// covering it (` | `-separated as on the layers; null when none).
fn unit_head(
    atlas: &Atlas,
    adcode: Adcode,
    (name_en, name_zh, prefecture_en): (&String, &String, Option<&String>),
    province: Adcode,
    bases: Option<&Vec<usize>>,
) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("adcode".into(), json!(adcode.to_string()));
    m.insert("name_en".into(), json!(name_en));
    m.insert("name_zh".into(), json!(name_zh));
    if let Some(p) = prefecture_en {
        m.insert("prefecture_en".into(), json!(p));
    }
    m.insert(
        "province_en".into(),
        json!(ProvinceInfo::by_adcode(province).map_or("", |p| p.short_en)),
    );
    if let Some(bases) = bases {
        let names: Vec<&str> = bases
            .iter()
            .map(|&b| atlas.renewable_bases[b].name.as_str())
            .collect();
        let value = if names.is_empty() {
            Value::Null
        } else {
            json!(names.join(" | "))
        };
        m.insert("renewable_base_names".into(), value);
    }
    m
}
