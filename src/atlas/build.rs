//! `Atlas::build` as named steps along the data flow: load the boundaries and tables, index
//! them, place the sites, plants and bases on the units, compute the figures and the power
//! around each site, then refuse the data in strict mode or assemble the snapshot.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::Instant;

use super::power::{counted_plant_indexes, power_around};
use super::{
    bases, demand_units, is_zone_aggregate, site_pflops, Atlas, AtlasConfig, AtlasError, PlantFile,
    SitePlace, SITE_RADII_KM,
};
use crate::figures::{self, Level, PlantFacts, SiteFacts, UnitFigures};
use crate::index::{PointIndex, RegionIndex};
use crate::load::{self, BoundaryFiles, LoadError, Problem, Problems, Severity};
use crate::model::*;
use geo::MultiPolygon;

/// Seconds per build stage, reported by `check` and the benchmarks.
struct Stopwatch {
    start: Instant,
    laps: Vec<(&'static str, f64)>,
}

impl Stopwatch {
    fn new() -> Stopwatch {
        Stopwatch {
            start: Instant::now(),
            laps: Vec::new(),
        }
    }

    fn lap(&mut self, stage: &'static str) {
        self.laps.push((stage, self.start.elapsed().as_secs_f64()));
        self.start = Instant::now();
    }
}

struct Regions {
    counties: Vec<County>,
    prefectures: Vec<Prefecture>,
    provinces: Vec<Province>,
}

struct Tables {
    sites: Vec<Site>,
    province_stats: Vec<ProvinceStat>,
    renewable_bases: Vec<RenewableBase>,
    chips: Vec<Chip>,
    plants: Vec<PowerPlant>,
    plant_files: Vec<PlantFile>,
    power_assumptions: Vec<PowerAssumption>,
    reporting: Vec<ReportingFigure>,
}

struct Indexes {
    county: RegionIndex,
    prefecture: RegionIndex,
    province: RegionIndex,
    site: PointIndex,
    plant: PointIndex,
}

/// Unit lookups by administrative code.
struct ByAdcode {
    county: HashMap<Adcode, usize>,
    prefecture: HashMap<Adcode, usize>,
    province: HashMap<Adcode, usize>,
}

/// Where the plants fall and which of them count towards the figures.
struct PlantPlaces {
    counties: Vec<Option<usize>>,
    counted: Vec<bool>,
}

struct Figures {
    county: Vec<UnitFigures>,
    prefecture: Vec<UnitFigures>,
    province: Vec<UnitFigures>,
    province_solar_mw: Vec<(String, String, f64)>,
}

pub(super) fn build(config: &AtlasConfig) -> Result<Atlas, AtlasError> {
    let mut clock = Stopwatch::new();
    let mut problems = Problems::default();
    let regions = load_boundaries(&config.data_dir, &mut problems)?;
    clock.lap("boundaries");
    let tables = load_tables(config, &mut problems)?;
    clock.lap("tables");
    let index = index(&regions, &tables);
    clock.lap("index");

    let by_adcode = ByAdcode {
        county: by_adcode(&regions.counties, |c| c.adcode),
        prefecture: by_adcode(&regions.prefectures, |c| c.adcode),
        province: by_adcode(&regions.provinces, |c| c.adcode),
    };
    let sites_file = config.data_dir.join("sites.csv");
    let site_places = place_sites(
        &tables,
        &regions,
        &index,
        &by_adcode,
        &sites_file,
        &mut problems,
    );
    let plant_places = place_plants(&tables.plants, &index);
    clock.lap("locate");

    let units = bases::Units {
        counties: &regions.counties,
        prefectures: &regions.prefectures,
        county_by_adcode: &by_adcode.county,
        pref_by_adcode: &by_adcode.prefecture,
    };
    let bases_file = config.data_dir.join("renewable_bases.csv");
    let Tables {
        sites,
        province_stats,
        renewable_bases,
        chips,
        plants,
        plant_files,
        power_assumptions,
        reporting,
    } = tables;
    let renewable_bases = bases::check_units(
        renewable_bases,
        &bases_file.display().to_string(),
        &units,
        &mut problems,
    );
    let base_places = bases::place_bases(&renewable_bases, &units);
    let base_cover = bases::cover(&renewable_bases, &units, &site_places);
    clock.lap("bases");

    let (site_group, overlap_groups) = overlap_groups(&sites);
    let site_facts = site_facts(&sites, &site_places, &regions, &site_group, &overlap_groups);
    let plant_facts = plant_facts(&plants, &plant_places, &regions);
    let plant_arg = (!config.plant_files.is_empty()).then_some(plant_facts.as_slice());
    let mut figures = figures(&regions, &site_facts, plant_arg, &province_stats)?;
    clock.lap("figures");

    let (demand_model, site_demand) = demand_units::estimate_sites(
        &power_assumptions,
        &sites,
        &chips,
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

    let counted_by_fuel = counted_plant_indexes(&plants, &plant_places.counted);
    let site_power = sites
        .iter()
        .map(|s| {
            power_around(
                s.lon,
                s.lat,
                &SITE_RADII_KM,
                &plants,
                &plant_places.counted,
                &index.plant,
                &counted_by_fuel,
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
        plant_by_id: by_id(&plants, |p| &p.id),
        counties: regions.counties,
        prefectures: regions.prefectures,
        provinces: regions.provinces,
        sites,
        site_places,
        site_group,
        overlap_groups,
        plants,
        plant_counted: plant_places.counted,
        plant_counties: plant_places.counties,
        plant_files,
        province_stats,
        renewable_bases,
        base_places,
        base_cover,
        chips,
        county_index: index.county,
        prefecture_index: index.prefecture,
        province_index: index.province,
        site_index: index.site,
        plant_index: index.plant,
        counted_by_fuel,
        county_figures: figures.county,
        prefecture_figures: figures.prefecture,
        province_figures: figures.province,
        province_solar_mw: figures.province_solar_mw,
        site_power,
        power_assumptions,
        reporting,
        demand_model,
        site_demand,
        problems,
        timings: clock.laps,
        county_by_adcode: by_adcode.county,
    })
}

fn load_boundaries(dir: &Path, problems: &mut Problems) -> Result<Regions, LoadError> {
    let files = BoundaryFiles::in_dir(dir);
    Ok(Regions {
        counties: load::load_counties(&files.counties, problems)?,
        prefectures: load::load_prefectures(&files.prefectures, problems)?,
        provinces: load::load_provinces(&files.provinces, problems)?,
    })
}

fn load_tables(config: &AtlasConfig, problems: &mut Problems) -> Result<Tables, LoadError> {
    let dir = &config.data_dir;
    let mut sites = match &config.sites {
        Some(records) => load::sites_from_records(records, problems),
        None => load::load_sites(&dir.join("sites.csv"), problems)?,
    };
    sites.sort_by(|a, b| a.id.cmp(&b.id));
    let province_stats = load::load_province_stats(&dir.join("province_power.csv"), problems)?;
    let renewable_bases = load::load_renewable_bases(&dir.join("renewable_bases.csv"), problems)?;
    let chips_path = dir.join("chips.csv");
    let chips = if chips_path.exists() {
        load::load_chips(&chips_path, problems)?
    } else {
        Vec::new()
    };
    let (plants, plant_files) = load_plants(&config.plant_files, problems)?;
    // Optional tables: an older data directory has neither; the estimates and the reporting
    // block are then left out.
    let optional = |name: &str| Some(dir.join(name)).filter(|p| p.exists());
    let power_assumptions = match optional("power_assumptions.csv") {
        Some(p) => load::load_power_assumptions(&p, problems)?,
        None => Vec::new(),
    };
    let reporting = match optional("reporting.csv") {
        Some(p) => load::load_reporting(&p, problems)?,
        None => Vec::new(),
    };
    Ok(Tables {
        power_assumptions,
        reporting,
        sites,
        province_stats,
        renewable_bases,
        chips,
        plants,
        plant_files,
    })
}

fn load_plants(
    paths: &[std::path::PathBuf],
    problems: &mut Problems,
) -> Result<(Vec<PowerPlant>, Vec<PlantFile>), LoadError> {
    let mut plants = Vec::new();
    let mut plant_files = Vec::new();
    let mut formats = HashSet::new();
    for path in paths {
        let (format, mut rows) = load::load_plants(path, problems)?;
        if !formats.insert(format) {
            problems.push(Problem {
                severity: Severity::Warning,
                file: path.display().to_string(),
                line: None,
                column: None,
                value: None,
                reason: format!(
                    "a second {} file was given; both are loaded",
                    format.source().as_str()
                ),
            });
        }
        plant_files.push(PlantFile {
            path: path.display().to_string(),
            source: format.source().as_str(),
            attribution: format.source().attribution(),
            rows: rows.len(),
        });
        plants.append(&mut rows);
    }
    dedupe_plant_ids(&mut plants, problems);
    Ok((plants, plant_files))
}

/// Two plant files may share an id (GEM trackers of different fuels); the later one is renamed
/// so that `/items/{id}` stays unambiguous.
fn dedupe_plant_ids(plants: &mut [PowerPlant], problems: &mut Problems) {
    let mut seen: HashMap<String, u32> = HashMap::new();
    for p in plants.iter_mut() {
        let n = seen.entry(p.id.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            let new_id = format!("{}-dup{}", p.id, n);
            problems.push(Problem {
                severity: Severity::Warning,
                file: p.source.as_str().to_string(),
                line: None,
                column: Some("id".into()),
                value: Some(p.id.clone()),
                reason: format!(
                    "the same id appears in two plant files; this one is kept as {new_id}"
                ),
            });
            p.id = new_id;
        }
    }
}

fn index(regions: &Regions, tables: &Tables) -> Indexes {
    // The grid ranks overlapping outlines by adcode, so a point on a shared border always
    // falls in the same unit.
    fn outlines<T>(
        units: &[T],
        geometry: impl Fn(&T) -> &MultiPolygon<f64>,
    ) -> Vec<&MultiPolygon<f64>> {
        units.iter().map(geometry).collect()
    }
    fn ranks<T>(units: &[T], adcode: impl Fn(&T) -> Adcode) -> Vec<u32> {
        units.iter().map(adcode).collect()
    }
    let county = RegionIndex::new(
        &outlines(&regions.counties, |c| &*c.geometry),
        &ranks(&regions.counties, |c| c.adcode),
    );
    // Prefecture and province lookups are rarer: a coarser grid (about 10 km) saves memory.
    let prefecture = RegionIndex::with_cell(
        &outlines(&regions.prefectures, |c| &*c.geometry),
        &ranks(&regions.prefectures, |c| c.adcode),
        0.1,
    );
    let province = RegionIndex::with_cell(
        &outlines(&regions.provinces, |c| &*c.geometry),
        &ranks(&regions.provinces, |c| c.adcode),
        0.1,
    );
    Indexes {
        county,
        prefecture,
        province,
        site: PointIndex::new(tables.sites.iter().map(|s| (s.lon, s.lat)).collect()),
        plant: PointIndex::new(tables.plants.iter().map(|p| (p.lon, p.lat)).collect()),
    }
}

fn by_adcode<T>(units: &[T], adcode: impl Fn(&T) -> Adcode) -> HashMap<Adcode, usize> {
    units
        .iter()
        .enumerate()
        .map(|(i, u)| (adcode(u), i))
        .collect()
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
    tables: &Tables,
    regions: &Regions,
    index: &Indexes,
    by_adcode: &ByAdcode,
    sites_file: &Path,
    problems: &mut Problems,
) -> Vec<SitePlace> {
    let sites_file = sites_file.display().to_string();
    let mut site_places = Vec::with_capacity(tables.sites.len());
    for s in &tables.sites {
        let county = index.county.locate(s.lon, s.lat);
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
        let (pflops, derived) = site_pflops(s, &tables.chips);
        place.pflops_derived = derived.is_some();
        place.pflops = pflops;
        site_places.push(place);
    }
    site_places
}

/// Places each plant in its county and decides which count towards the figures: operating
/// plants, from GEM where GEM covers the fuel (GPPD only fills the fuels GEM lacks).
fn place_plants(plants: &[PowerPlant], index: &Indexes) -> PlantPlaces {
    let counties = plants
        .iter()
        .map(|p| index.county.locate(p.lon, p.lat))
        .collect();
    let gem_fuels: HashSet<Fuel> = plants
        .iter()
        .filter(|p| p.source.is_gem())
        .map(|p| p.fuel)
        .collect();
    let counted = plants
        .iter()
        .map(|p| {
            p.status == PlantStatus::Operating
                && (p.source.is_gem() || !gem_fuels.contains(&p.fuel))
        })
        .collect();
    PlantPlaces { counties, counted }
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

fn plant_facts(plants: &[PowerPlant], places: &PlantPlaces, regions: &Regions) -> Vec<PlantFacts> {
    plants
        .iter()
        .zip(&places.counties)
        .zip(&places.counted)
        .filter(|(_, counted)| **counted)
        .map(|((p, c), _)| {
            let county = c.map(|i| &regions.counties[i]);
            PlantFacts {
                county: county.map(|c| c.adcode),
                prefecture: county.map(|c| c.prefecture_adcode),
                province: county.map(|c| c.province_adcode),
                fuel: p.fuel,
                capacity_mw: p.capacity_mw,
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
