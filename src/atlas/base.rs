//! The part of the atlas that does not depend on the sites: the boundaries and the other
//! tables, the indexes over them, where the plants fall and which count, and the bases'
//! outlines. It is loaded once per build; a write to the sites reuses it (through
//! `Atlas::with_sites`) and rebuilds only what the sites feed.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use geo::MultiPolygon;

use super::power::counted_plant_indexes;
use super::stopwatch::Stopwatch;
use super::{bases, AtlasConfig, PlantFile};
use crate::figures::PlantFacts;
use crate::index::{PointIndex, RegionIndex};
use crate::load::{self, BoundaryFiles, LoadError, Problem, Problems, Severity};
use crate::model::*;

/// Everything an atlas holds that its sites do not change. Large parts are behind `Arc`, so an
/// atlas and its successors after edits share them.
#[derive(Debug)]
pub(super) struct Base {
    pub(super) regions: Regions,
    pub(super) province_stats: Vec<ProvinceStat>,
    /// The valid rows of `renewable_bases.csv`, their units checked.
    pub(super) renewable_bases: Vec<RenewableBase>,
    pub(super) base_places: Vec<Option<bases::BasePlace>>,
    pub(super) chips: Vec<Chip>,
    pub(super) plants: Arc<Vec<PowerPlant>>,
    pub(super) plant_by_id: Arc<HashMap<String, usize>>,
    pub(super) plant_files: Vec<PlantFile>,
    pub(super) power_assumptions: Vec<PowerAssumption>,
    pub(super) reporting: Vec<ReportingFigure>,
    pub(super) county_index: Arc<RegionIndex>,
    pub(super) prefecture_index: Arc<RegionIndex>,
    pub(super) province_index: Arc<RegionIndex>,
    pub(super) plant_index: Arc<PointIndex>,
    pub(super) by_adcode: ByAdcode,
    pub(super) plant_counted: Vec<bool>,
    pub(super) plant_counties: Vec<Option<usize>>,
    /// The counted plants as the figures take them; `None` without plant files (the plant
    /// columns are then unknown, not zero).
    pub(super) plant_facts: Option<Vec<PlantFacts>>,
    pub(super) counted_by_fuel: Arc<Vec<(Fuel, PointIndex, Vec<usize>)>>,
    /// Problems found in the files read here (the sites' come on top).
    pub(super) problems: Problems,
    pub(super) timings: Vec<(&'static str, f64)>,
}

impl Base {
    /// The units and their lookups by adcode, as the bases' placement takes them.
    pub(super) fn units(&self) -> bases::Units<'_> {
        bases::Units {
            counties: &self.regions.counties,
            prefectures: &self.regions.prefectures,
            county_by_adcode: &self.by_adcode.county,
            pref_by_adcode: &self.by_adcode.prefecture,
        }
    }
}

/// Loads and indexes what the sites do not change.
pub(super) fn load_base(config: &AtlasConfig) -> Result<Base, LoadError> {
    let mut clock = Stopwatch::new();
    let mut problems = Problems::default();
    let regions = load_boundaries(&config.data_dir, &mut problems)?;
    clock.lap("boundaries");
    let tables = load_tables(config, &mut problems)?;
    clock.lap("tables");
    let index = index(&regions, &tables.plants);
    clock.lap("index");
    let by_adcode = ByAdcode {
        county: by_adcode(&regions.counties, |c| c.adcode),
        prefecture: by_adcode(&regions.prefectures, |c| c.adcode),
        province: by_adcode(&regions.provinces, |c| c.adcode),
    };
    let plant_places = place_plants(&tables.plants, &index);
    clock.lap("locate plants");
    let Tables {
        province_stats,
        renewable_bases,
        chips,
        plants,
        plant_files,
        power_assumptions,
        reporting,
    } = tables;
    let units = bases::Units {
        counties: &regions.counties,
        prefectures: &regions.prefectures,
        county_by_adcode: &by_adcode.county,
        pref_by_adcode: &by_adcode.prefecture,
    };
    let renewable_bases = bases::check_units(
        renewable_bases,
        &config
            .data_dir
            .join("renewable_bases.csv")
            .display()
            .to_string(),
        &units,
        &mut problems,
    );
    let base_places = bases::place_bases(&renewable_bases, &units);
    clock.lap("bases");
    let plant_facts =
        (!config.plant_files.is_empty()).then(|| plant_facts(&plants, &plant_places, &regions));
    let counted_by_fuel = Arc::new(counted_plant_indexes(&plants, &plant_places.counted));
    clock.lap("plant facts");
    let plant_by_id = plants
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id.clone(), i))
        .collect();
    Ok(Base {
        regions,
        province_stats,
        renewable_bases,
        base_places,
        chips,
        plants: Arc::new(plants),
        plant_by_id: Arc::new(plant_by_id),
        plant_files,
        power_assumptions,
        reporting,
        county_index: Arc::new(index.county),
        prefecture_index: Arc::new(index.prefecture),
        province_index: Arc::new(index.province),
        plant_index: Arc::new(index.plant),
        by_adcode,
        plant_counted: plant_places.counted,
        plant_counties: plant_places.counties,
        plant_facts,
        counted_by_fuel,
        problems,
        timings: clock.laps,
    })
}

/// The administrative units with their outlines (shared, not copied, by clones).
#[derive(Debug, Clone)]
pub(super) struct Regions {
    pub(super) counties: Vec<County>,
    pub(super) prefectures: Vec<Prefecture>,
    pub(super) provinces: Vec<Province>,
}

/// The tables other than the sites.
#[derive(Debug)]
struct Tables {
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
    plant: PointIndex,
}

/// Unit lookups by administrative code.
#[derive(Debug, Clone)]
pub(super) struct ByAdcode {
    pub(super) county: HashMap<Adcode, usize>,
    pub(super) prefecture: HashMap<Adcode, usize>,
    pub(super) province: HashMap<Adcode, usize>,
}

/// Where the plants fall and which of them count towards the figures.
#[derive(Debug, Clone)]
struct PlantPlaces {
    counties: Vec<Option<usize>>,
    counted: Vec<bool>,
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

fn index(regions: &Regions, plants: &[PowerPlant]) -> Indexes {
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
    let county = county_index(&regions.counties);
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
        plant: PointIndex::new(plants.iter().map(|p| (p.lon, p.lat)).collect()),
    }
}

/// The county grid. The grid ranks overlapping outlines by adcode, so a point on a shared
/// border always falls in the same county.
pub(super) fn county_index(counties: &[County]) -> RegionIndex {
    let outlines: Vec<&MultiPolygon<f64>> = counties.iter().map(|c| &*c.geometry).collect();
    let ranks: Vec<u32> = counties.iter().map(|c| c.adcode).collect();
    RegionIndex::new(&outlines, &ranks)
}

pub(super) fn by_adcode<T>(units: &[T], adcode: impl Fn(&T) -> Adcode) -> HashMap<Adcode, usize> {
    units
        .iter()
        .enumerate()
        .map(|(i, u)| (adcode(u), i))
        .collect()
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
