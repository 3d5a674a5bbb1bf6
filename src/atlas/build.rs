//! `Atlas::build` as named steps along the data flow: load what the sites do not change (the
//! base: boundaries, tables, indexes, plants and bases, see `base.rs`), then load the sites,
//! place them on the units, compute the figures and the power around each site, and refuse the
//! data in strict mode or assemble the snapshot. `Atlas::with_sites` runs the second half alone
//! on an atlas's base: what a write to the sites costs.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use super::base::{load_base, Base, Regions};
use super::power::power_around;
use super::stopwatch::Stopwatch;
use super::{
    bases, demand_units, is_zone_aggregate, site_pflops, Atlas, AtlasConfig, AtlasError, SitePlace,
    SITE_RADII_KM,
};
use crate::figures::{self, Level, PlantFacts, SiteFacts, UnitFigures};
use crate::index::PointIndex;
use crate::load::{self, LoadError, Problem, Problems, Severity};
use crate::model::*;

struct Figures {
    county: Vec<UnitFigures>,
    prefecture: Vec<UnitFigures>,
    province: Vec<UnitFigures>,
    province_solar_mw: Vec<(String, String, f64)>,
}

pub(super) fn build(config: &AtlasConfig) -> Result<Atlas, AtlasError> {
    let base = Arc::new(load_base(config)?);
    let mut atlas = with_sites_on(base.clone(), config, None)?;
    atlas.timings.splice(0..0, base.timings.iter().copied());
    Ok(atlas)
}

/// The atlas of `config`'s sites on `base`: everything that depends on the sites is derived
/// again, everything else is shared. `previous` (an atlas on the same base) lends the power
/// around each site whose point did not move, which depends on the point and the base alone.
pub(super) fn with_sites_on(
    base: Arc<Base>,
    config: &AtlasConfig,
    previous: Option<&Atlas>,
) -> Result<Atlas, AtlasError> {
    let mut clock = Stopwatch::new();
    let mut problems = base.problems.clone();
    let sites_file = config.data_dir.join("sites.csv");
    let mut sites = match &config.sites {
        Some(records) => load::sites_from_records(records, &mut problems),
        None => load::load_sites(&sites_file, &mut problems)?,
    };
    sites.sort_by(|a, b| a.id.cmp(&b.id));
    let site_index = PointIndex::new(sites.iter().map(|s| (s.lon, s.lat)).collect());
    clock.lap("sites");
    let site_places = place_sites(&sites, &base, &sites_file, &mut problems);
    clock.lap("locate sites");
    let base_cover = bases::cover(&base.renewable_bases, &base.units(), &site_places);
    clock.lap("bases over sites");

    let (site_group, overlap_groups) = overlap_groups(&sites);
    let regions = &base.regions;
    let site_facts = site_facts(&sites, &site_places, regions, &site_group, &overlap_groups);
    let mut figures = figures(
        regions,
        &site_facts,
        base.plant_facts.as_deref(),
        &base.province_stats,
    )?;
    clock.lap("figures");

    let (demand_model, site_demand) = demand_units::estimate_sites(
        &base.power_assumptions,
        &sites,
        &base.chips,
        &config
            .data_dir
            .join("power_assumptions.csv")
            .display()
            .to_string(),
        &mut problems,
    );
    let keys = demand_units::group_keys(&sites, &site_group, &overlap_groups);
    demand_units::fill_units(
        &mut figures.county,
        &site_places,
        |p| p.county.map(|i| regions.counties[i].adcode),
        &keys,
        &site_demand,
    );
    demand_units::fill_units(
        &mut figures.prefecture,
        &site_places,
        |p| p.prefecture.map(|i| regions.prefectures[i].adcode),
        &keys,
        &site_demand,
    );
    demand_units::fill_units(
        &mut figures.province,
        &site_places,
        |p| p.province.map(|i| regions.provinces[i].adcode),
        &keys,
        &site_demand,
    );
    clock.lap("power demand");

    let site_power = sites
        .iter()
        .map(|s| {
            let unmoved = previous.and_then(|p| {
                let i = p.site_by_id(&s.id)?;
                let q = &p.sites[i];
                (q.lon == s.lon && q.lat == s.lat).then(|| p.site_power[i].clone())
            });
            if let Some(power) = unmoved {
                return power;
            }
            power_around(
                s.lon,
                s.lat,
                &SITE_RADII_KM,
                &base.plants,
                &base.plant_counted,
                &base.plant_index,
                &base.counted_by_fuel,
            )
        })
        .collect();
    clock.lap("site power");

    // Strict mode refuses data with errors (rows left out); warnings keep their rows and are
    // only reported (e.g. a stated county newer than the boundaries).
    if config.strict {
        if let Some(first) = problems.errors().next() {
            return Err(LoadError::Strict {
                count: problems.errors().count(),
                first: first.to_string(),
            }
            .into());
        }
    }
    Ok(Atlas {
        site_by_id: by_id(&sites, |s| &s.id),
        plant_by_id: base.plant_by_id.clone(),
        counties: regions.counties.clone(),
        prefectures: regions.prefectures.clone(),
        provinces: regions.provinces.clone(),
        sites,
        site_places,
        site_group,
        overlap_groups,
        plants: base.plants.clone(),
        plant_counted: base.plant_counted.clone(),
        plant_counties: base.plant_counties.clone(),
        plant_files: base.plant_files.clone(),
        province_stats: base.province_stats.clone(),
        renewable_bases: base.renewable_bases.clone(),
        base_places: base.base_places.clone(),
        base_cover,
        chips: base.chips.clone(),
        county_index: base.county_index.clone(),
        prefecture_index: base.prefecture_index.clone(),
        province_index: base.province_index.clone(),
        site_index,
        plant_index: base.plant_index.clone(),
        counted_by_fuel: base.counted_by_fuel.clone(),
        county_figures: figures.county,
        prefecture_figures: figures.prefecture,
        province_figures: figures.province,
        province_solar_mw: figures.province_solar_mw,
        site_power,
        power_assumptions: base.power_assumptions.clone(),
        reporting: base.reporting.clone(),
        demand_model,
        site_demand,
        problems,
        timings: clock.laps,
        county_by_adcode: base.by_adcode.county.clone(),
        base,
    })
}

fn by_id<T>(items: &[T], id: impl Fn(&T) -> &String) -> HashMap<String, usize> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| (id(item).clone(), i))
        .collect()
}

/// Places each site in its county, prefecture and province, checks the place against what its
/// row states (a mismatch is a warning naming the line), and settles its PFLOPS figure.
fn place_sites(
    sites: &[Site],
    base: &Base,
    sites_file: &Path,
    problems: &mut Problems,
) -> Vec<SitePlace> {
    let (regions, by_adcode) = (&base.regions, &base.by_adcode);
    let sites_file = sites_file.display().to_string();
    let mut site_places = Vec::with_capacity(sites.len());
    for s in sites {
        let county = base.county_index.locate(s.lon, s.lat);
        let warn = |column: &str, value: String, reason: String| Problem {
            severity: Severity::Warning,
            file: sites_file.clone(),
            line: Some(s.line),
            column: Some(column.to_string()),
            value: Some(value),
            reason,
        };
        let mut place = SitePlace {
            county,
            ..Default::default()
        };
        match county {
            None => problems.push(warn(
                "longitude",
                format!("{}, {}", s.lon, s.lat),
                format!(
                    "site {} lies outside every county of the covered area",
                    s.id
                ),
            )),
            Some(ci) => {
                let c = &regions.counties[ci];
                place.prefecture = by_adcode.prefecture.get(&c.prefecture_adcode).copied();
                place.province = by_adcode.province.get(&c.province_adcode).copied();
                if let Some(stated) = s.county_adcode {
                    if stated != c.adcode {
                        let why = if by_adcode.county.contains_key(&stated) {
                            "is not the county its point falls in"
                        } else {
                            "is not a county of the boundary data (a functional zone or a unit created after the boundaries' vintage)"
                        };
                        problems.push(warn(
                            "county_adcode",
                            stated.to_string(),
                            format!(
                                "site {}: stated county {stated} {why}; the point falls in {} {} ({})",
                                s.id, c.adcode, c.name_en, c.name_zh
                            ),
                        ));
                    }
                }
                let stated_prov = ProvinceInfo::by_short_name(&s.province_en).map(|p| p.adcode);
                if stated_prov.is_some_and(|p| p != c.province_adcode) {
                    problems.push(warn(
                        "province_en",
                        s.province_en.clone(),
                        format!("site {}: the point falls in {}", s.id, c.province_en),
                    ));
                }
            }
        }
        let (pflops, derived) = site_pflops(s, &base.chips);
        place.pflops_derived = derived.is_some();
        place.pflops = pflops;
        site_places.push(place);
    }
    site_places
}

fn site_facts(
    sites: &[Site],
    site_places: &[SitePlace],
    regions: &Regions,
    site_group: &[Option<usize>],
    overlap_groups: &[Vec<usize>],
) -> Vec<SiteFacts> {
    sites
        .iter()
        .zip(site_places)
        .enumerate()
        .map(|(i, (s, p))| {
            let county = p.county.map(|i| &regions.counties[i]);
            let group = site_group[i].map(|g| &overlap_groups[g]);
            SiteFacts {
                id: s.id.clone(),
                group: group.map_or(&s.id, |g| &sites[g[0]].id).clone(),
                in_overlap: group.is_some(),
                pflops_zone_aggregate: p.pflops.is_some()
                    && s.pflops_scope.as_deref().is_some_and(is_zone_aggregate),
                county: county.map(|c| c.adcode),
                prefecture: county.map(|c| c.prefecture_adcode),
                province: county.map(|c| c.province_adcode),
                status: s.status.as_str(),
                prefecture_precision: s.location_precision == LocationPrecision::Prefecture,
                pflops: p.pflops,
                pflops_operational: p.pflops.filter(|_| s.status == SiteStatus::Operational),
                pflops_planned_total: s.pflops_planned_total,
                chips: s.chip_count.map(|v| v as f64),
                racks: s.racks.map(|v| v as f64),
                investment_cny: s.investment_cny.map(|v| v as f64),
            }
        })
        .collect()
}

/// The polars joins per county, prefecture and province.
fn figures(
    regions: &Regions,
    site_facts: &[SiteFacts],
    plant_facts: Option<&[PlantFacts]>,
    province_stats: &[ProvinceStat],
) -> Result<Figures, figures::FiguresError> {
    // polars blocks on its own async runtime, which panics when called from inside a
    // current-thread tokio runtime (an actix handler reloading the data, a test): run the
    // joins on a thread of their own.
    std::thread::scope(|s| {
        s.spawn(|| {
            let figures_of = |level, units: Vec<(Adcode, f64)>| {
                figures::unit_figures(level, &units, site_facts, plant_facts)
            };
            Ok(Figures {
                county: figures_of(
                    Level::County,
                    regions
                        .counties
                        .iter()
                        .map(|c| (c.adcode, c.area_km2))
                        .collect(),
                )?,
                prefecture: figures_of(
                    Level::Prefecture,
                    regions
                        .prefectures
                        .iter()
                        .map(|c| (c.adcode, c.area_km2))
                        .collect(),
                )?,
                province: figures_of(
                    Level::Province,
                    regions
                        .provinces
                        .iter()
                        .map(|c| (c.adcode, c.area_km2))
                        .collect(),
                )?,
                province_solar_mw: figures::solar_pv_by_province(province_stats)?,
            })
        })
        .join()
        .expect("figures thread does not panic")
    })
}
