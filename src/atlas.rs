//! The atlas: an immutable snapshot of every layer, its indexes and its figures, built once
//! (load -> validate -> index -> analyse) and shared read-only by the server and the plots.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

mod bases;

pub use bases::{BaseCover, BasePlace};

use crate::figures::{self, Level, PlantFacts, SiteFacts, UnitFigures};
use crate::index::{Nearby, PointIndex, RegionIndex};
use crate::load::{self, BoundaryFiles, LoadError, PlantFormat, Problem, Problems, Severity};
use crate::model::*;

/// Where the atlas reads its data.
#[derive(Debug, Clone)]
pub struct AtlasConfig {
    /// The bundled data directory (`geodata/`).
    pub data_dir: PathBuf,
    /// Power-plant files (GEM trackers, GPPD), read at run time, never bundled.
    pub plant_files: Vec<PathBuf>,
    /// Fail on any data error (a row that would be left out) instead of reporting it.
    pub strict: bool,
}

impl AtlasConfig {
    pub fn new(data_dir: impl Into<PathBuf>) -> AtlasConfig {
        AtlasConfig {
            data_dir: data_dir.into(),
            plant_files: Vec::new(),
            strict: false,
        }
    }
}

/// A loaded plant file.
#[derive(Debug, Clone, Serialize)]
pub struct PlantFile {
    pub path: String,
    pub source: &'static str,
    pub attribution: &'static str,
    pub rows: usize,
}

/// Where a site's point falls.
#[derive(Debug, Clone, Copy, Default)]
pub struct SitePlace {
    /// Indexes into `Atlas::counties`, `prefectures`, `provinces`.
    pub county: Option<usize>,
    pub prefecture: Option<usize>,
    pub province: Option<usize>,
    /// PFLOPS as reported, or derived from chips.csv when the site gives only a chip count.
    pub pflops: Option<f64>,
    pub pflops_derived: bool,
}

/// Operating plant capacity around a site.
#[derive(Debug, Clone, Serialize)]
pub struct SitePower {
    /// For each radius (50, 100, 200 km): capacity by fuel, MW.
    pub within: Vec<RadiusPower>,
    /// Nearest operating plant of each fuel present in the data.
    pub nearest: Vec<NearestPlant>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RadiusPower {
    pub radius_km: f64,
    pub total_mw: f64,
    pub by_fuel: Vec<(Fuel, f64)>,
    pub plants: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct NearestPlant {
    pub fuel: Fuel,
    pub plant_id: String,
    pub name: String,
    pub capacity_mw: f64,
    pub distance_km: f64,
}

/// The radii of the per-site power figures.
pub const SITE_RADII_KM: [f64; 3] = [50.0, 100.0, 200.0];

/// The immutable snapshot.
#[derive(Debug)]
pub struct Atlas {
    pub counties: Vec<County>,
    pub prefectures: Vec<Prefecture>,
    pub provinces: Vec<Province>,
    pub sites: Vec<Site>,
    pub site_places: Vec<SitePlace>,
    /// Per site, its overlap group (an index into `overlap_groups`), `None` when it overlaps none.
    pub site_group: Vec<Option<usize>>,
    /// Groups of sites whose figures may count the same compute (`overlaps_with`), as site
    /// indexes; sums count each group once.
    pub overlap_groups: Vec<Vec<usize>>,
    pub plants: Vec<PowerPlant>,
    /// Which plants enter the figures: operating, and from the preferred source for their fuel.
    pub plant_counted: Vec<bool>,
    pub plant_counties: Vec<Option<usize>>,
    pub plant_files: Vec<PlantFile>,
    pub province_stats: Vec<ProvinceStat>,
    /// Every valid row of `renewable_bases.csv`, located or not.
    pub renewable_bases: Vec<RenewableBase>,
    /// Per base: its dissolved outline, `None` for the rows without a place.
    pub base_places: Vec<Option<BasePlace>>,
    /// The bases covering each county, prefecture and site.
    pub base_cover: BaseCover,
    pub chips: Vec<Chip>,
    pub county_index: RegionIndex,
    pub prefecture_index: RegionIndex,
    pub province_index: RegionIndex,
    pub site_index: PointIndex,
    pub plant_index: PointIndex,
    /// Per fuel, an index over the counted plants of that fuel (indexes into `plants`).
    counted_by_fuel: Vec<(Fuel, PointIndex, Vec<usize>)>,
    pub county_figures: Vec<UnitFigures>,
    pub prefecture_figures: Vec<UnitFigures>,
    pub province_figures: Vec<UnitFigures>,
    /// (province short name, year, MW) of NEA cumulative solar PV.
    pub province_solar_mw: Vec<(String, String, f64)>,
    pub site_power: Vec<SitePower>,
    pub problems: Problems,
    /// Seconds taken by each build stage, for `check` and the benchmarks.
    pub timings: Vec<(&'static str, f64)>,
    county_by_adcode: HashMap<Adcode, usize>,
    site_by_id: HashMap<String, usize>,
    plant_by_id: HashMap<String, usize>,
}

/// Building the atlas failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AtlasError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Figures(#[from] figures::FiguresError),
}

fn ranks<T>(items: &[T], adcode: impl Fn(&T) -> Adcode) -> Vec<u32> {
    items.iter().map(adcode).collect()
}

impl Atlas {
    /// Loads, validates, indexes and analyses the data named by `config`.
    pub fn build(config: &AtlasConfig) -> Result<Atlas, AtlasError> {
        let mut timings = Vec::new();
        let mut t = Instant::now();
        let mut lap = |name: &'static str, timings: &mut Vec<(&'static str, f64)>| {
            timings.push((name, t.elapsed().as_secs_f64()));
            t = Instant::now();
        };
        let mut problems = Problems::default();
        let dir = &config.data_dir;
        let files = BoundaryFiles::in_dir(dir);
        let counties = load::load_counties(&files.counties, &mut problems)?;
        let prefectures = load::load_prefectures(&files.prefectures, &mut problems)?;
        let provinces = load::load_provinces(&files.provinces, &mut problems)?;
        lap("boundaries", &mut timings);
        let mut sites = load::load_sites(&dir.join("sites.csv"), &mut problems)?;
        sites.sort_by(|a, b| a.id.cmp(&b.id));
        let province_stats =
            load::load_province_stats(&dir.join("province_power.csv"), &mut problems)?;
        let bases_path = dir.join("renewable_bases.csv");
        let renewable_bases = load::load_renewable_bases(&bases_path, &mut problems)?;
        let chips_path = dir.join("chips.csv");
        let chips = if chips_path.exists() {
            load::load_chips(&chips_path, &mut problems)?
        } else {
            Vec::new()
        };
        let mut plants = Vec::new();
        let mut plant_files = Vec::new();
        let mut formats = HashSet::new();
        for path in &config.plant_files {
            let (format, mut rows) = load::load_plants(path, &mut problems)?;
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
        dedupe_plant_ids(&mut plants, &mut problems);
        lap("tables", &mut timings);

        let county_index = RegionIndex::new(
            &counties.iter().map(|c| &*c.geometry).collect::<Vec<_>>(),
            &ranks(&counties, |c| c.adcode),
        );
        // Prefecture and province lookups are rarer: a coarser grid (about 10 km) saves memory.
        let prefecture_index = RegionIndex::with_cell(
            &prefectures.iter().map(|c| &*c.geometry).collect::<Vec<_>>(),
            &ranks(&prefectures, |c| c.adcode),
            0.1,
        );
        let province_index = RegionIndex::with_cell(
            &provinces.iter().map(|c| &*c.geometry).collect::<Vec<_>>(),
            &ranks(&provinces, |c| c.adcode),
            0.1,
        );
        let site_index = PointIndex::new(sites.iter().map(|s| (s.lon, s.lat)).collect());
        let plant_index = PointIndex::new(plants.iter().map(|p| (p.lon, p.lat)).collect());
        lap("index", &mut timings);

        let county_by_adcode: HashMap<Adcode, usize> = counties
            .iter()
            .enumerate()
            .map(|(i, c)| (c.adcode, i))
            .collect();
        let pref_by_adcode: HashMap<Adcode, usize> = prefectures
            .iter()
            .enumerate()
            .map(|(i, c)| (c.adcode, i))
            .collect();
        let prov_by_adcode: HashMap<Adcode, usize> = provinces
            .iter()
            .enumerate()
            .map(|(i, c)| (c.adcode, i))
            .collect();

        // Place each site, and check it against what its row states.
        let sites_file = dir.join("sites.csv").display().to_string();
        let mut site_places = Vec::with_capacity(sites.len());
        for s in &sites {
            let county = county_index.locate(s.lon, s.lat);
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
                    let c = &counties[ci];
                    place.prefecture = pref_by_adcode.get(&c.prefecture_adcode).copied();
                    place.province = prov_by_adcode.get(&c.province_adcode).copied();
                    if let Some(stated) = s.county_adcode {
                        if stated != c.adcode {
                            let why = if county_by_adcode.contains_key(&stated) {
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
            let (pflops, derived) = site_pflops(s, &chips);
            if derived.is_some() {
                place.pflops_derived = true;
            }
            place.pflops = pflops;
            site_places.push(place);
        }

        // Place each plant; decide which plants count towards the figures.
        let plant_counties: Vec<Option<usize>> = plants
            .iter()
            .map(|p| county_index.locate(p.lon, p.lat))
            .collect();
        let gem_fuels: HashSet<Fuel> = plants
            .iter()
            .filter(|p| p.source.is_gem())
            .map(|p| p.fuel)
            .collect();
        let plant_counted: Vec<bool> = plants
            .iter()
            .map(|p| {
                p.status == PlantStatus::Operating
                    && (p.source.is_gem() || !gem_fuels.contains(&p.fuel))
            })
            .collect();
        lap("locate", &mut timings);

        // Place the renewable bases on the units their rows name.
        let units = bases::Units {
            counties: &counties,
            prefectures: &prefectures,
            county_by_adcode: &county_by_adcode,
            pref_by_adcode: &pref_by_adcode,
        };
        let renewable_bases = bases::check_units(
            renewable_bases,
            &bases_path.display().to_string(),
            &units,
            &mut problems,
        );
        let base_places = bases::place_bases(&renewable_bases, &units);
        let base_cover = bases::cover(&renewable_bases, &units, &site_places);
        lap("bases", &mut timings);

        // Figures.
        let (site_group, overlap_groups) = crate::model::overlap_groups(&sites);
        let site_facts: Vec<SiteFacts> = sites
            .iter()
            .zip(&site_places)
            .enumerate()
            .map(|(i, (s, p))| {
                let county = p.county.map(|i| &counties[i]);
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
            .collect();
        let plant_facts: Vec<PlantFacts> = plants
            .iter()
            .zip(&plant_counties)
            .zip(&plant_counted)
            .filter(|(_, counted)| **counted)
            .map(|((p, c), _)| {
                let county = c.map(|i| &counties[i]);
                PlantFacts {
                    county: county.map(|c| c.adcode),
                    prefecture: county.map(|c| c.prefecture_adcode),
                    province: county.map(|c| c.province_adcode),
                    fuel: p.fuel,
                    capacity_mw: p.capacity_mw,
                }
            })
            .collect();
        let plant_arg = (!config.plant_files.is_empty()).then_some(plant_facts.as_slice());
        // polars blocks on its own async runtime, which panics when called from inside a
        // current-thread tokio runtime (an actix handler reloading the data, a test): run the
        // joins on a thread of their own.
        let (county_figures, prefecture_figures, province_figures, province_solar_mw) =
            std::thread::scope(|s| {
                s.spawn(|| -> Result<_, figures::FiguresError> {
                    let figures_of = |level, units: Vec<(Adcode, f64)>| {
                        figures::unit_figures(level, &units, &site_facts, plant_arg)
                    };
                    let county = figures_of(
                        Level::County,
                        counties.iter().map(|c| (c.adcode, c.area_km2)).collect(),
                    )?;
                    let prefecture = figures_of(
                        Level::Prefecture,
                        prefectures.iter().map(|c| (c.adcode, c.area_km2)).collect(),
                    )?;
                    let province = figures_of(
                        Level::Province,
                        provinces.iter().map(|c| (c.adcode, c.area_km2)).collect(),
                    )?;
                    Ok((
                        county,
                        prefecture,
                        province,
                        figures::solar_pv_by_province(&province_stats)?,
                    ))
                })
                .join()
                .expect("figures thread does not panic")
            })?;
        lap("figures", &mut timings);

        let counted_by_fuel = counted_plant_indexes(&plants, &plant_counted);
        let site_power = sites
            .iter()
            .map(|s| {
                power_around(
                    s.lon,
                    s.lat,
                    &SITE_RADII_KM,
                    &plants,
                    &plant_counted,
                    &plant_index,
                    &counted_by_fuel,
                )
            })
            .collect();
        lap("site power", &mut timings);

        let site_by_id = sites
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        let plant_by_id = plants
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.clone(), i))
            .collect();
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
            counties,
            prefectures,
            provinces,
            sites,
            site_places,
            site_group,
            overlap_groups,
            plants,
            plant_counted,
            plant_counties,
            plant_files,
            province_stats,
            renewable_bases,
            base_places,
            base_cover,
            chips,
            county_index,
            prefecture_index,
            province_index,
            site_index,
            plant_index,
            counted_by_fuel,
            county_figures,
            prefecture_figures,
            province_figures,
            province_solar_mw,
            site_power,
            problems,
            timings,
            county_by_adcode,
            site_by_id,
            plant_by_id,
        })
    }

    /// The county containing the point (lon, lat), if inside the covered area.
    pub fn county_at(&self, lon: f64, lat: f64) -> Option<&County> {
        self.county_index
            .locate(lon, lat)
            .map(|i| &self.counties[i])
    }

    pub fn prefecture_at(&self, lon: f64, lat: f64) -> Option<&Prefecture> {
        self.prefecture_index
            .locate(lon, lat)
            .map(|i| &self.prefectures[i])
    }

    pub fn province_at(&self, lon: f64, lat: f64) -> Option<&Province> {
        self.province_index
            .locate(lon, lat)
            .map(|i| &self.provinces[i])
    }

    pub fn county_by_adcode(&self, adcode: Adcode) -> Option<usize> {
        self.county_by_adcode.get(&adcode).copied()
    }

    pub fn site_by_id(&self, id: &str) -> Option<usize> {
        self.site_by_id.get(id).copied()
    }

    /// The key that sums group a site under: its overlap group's name (the group's first site),
    /// or its own id.
    pub fn site_group_key(&self, i: usize) -> &str {
        match self.site_group[i] {
            Some(g) => &self.sites[self.overlap_groups[g][0]].id,
            None => &self.sites[i].id,
        }
    }

    pub fn plant_by_id(&self, id: &str) -> Option<usize> {
        self.plant_by_id.get(id).copied()
    }

    /// Sites within `radius_km` of a point, nearest first.
    pub fn sites_within(&self, lon: f64, lat: f64, radius_km: f64) -> Vec<Nearby> {
        self.site_index.within_km(lon, lat, radius_km)
    }

    /// The `k` nearest plants (any status), nearest first.
    pub fn nearest_plants(&self, lon: f64, lat: f64, k: usize) -> Vec<Nearby> {
        self.plant_index.nearest(lon, lat, k)
    }

    /// Operating plant capacity around any point, as for sites.
    pub fn power_around(&self, lon: f64, lat: f64, radii_km: &[f64]) -> SitePower {
        power_around(
            lon,
            lat,
            radii_km,
            &self.plants,
            &self.plant_counted,
            &self.plant_index,
            &self.counted_by_fuel,
        )
    }

    pub fn has_plants(&self) -> bool {
        !self.plant_files.is_empty()
    }
}

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

/// A site's PFLOPS: as reported, or, where the site reports only a chip count and its chip model
/// names exactly one model of chips.csv, chips × dense BF16 TFLOPS / 1000 (flagged as derived).
/// Returns the figure and, when derived, the chip model used.
pub fn site_pflops<'c>(site: &Site, chips: &'c [Chip]) -> (Option<f64>, Option<&'c Chip>) {
    if site.reported_pflops.is_some() {
        return (site.reported_pflops, None);
    }
    let (Some(count), Some(model)) = (site.chip_count, site.chip_model.as_deref()) else {
        return (None, None);
    };
    let model = model.to_lowercase();
    let matches: Vec<&Chip> = chips
        .iter()
        .filter(|c| contains_words(&model, &c.chip.to_lowercase()))
        .collect();
    match matches.as_slice() {
        [chip] => match chip.dense_bf16_tflops {
            Some(tf) => (Some(count as f64 * tf / 1000.0), Some(chip)),
            None => (None, None),
        },
        _ => (None, None),
    }
}

/// `true` when a `pflops_scope` says the figure is a zone or park aggregate rather than one
/// facility's compute. In the data such scopes read "park aggregate, lit (22 firms)", "park
/// aggregate (all compute; ...)" and "Yiwu demonstration-zone aggregate, lower bound"; "park-wide"
/// and "zone" catch the other wordings the curated README uses for such figures.
pub fn is_zone_aggregate(scope: &str) -> bool {
    let s = scope.to_lowercase();
    ["aggregate", "park-wide", "zone"]
        .iter()
        .any(|w| s.contains(w))
}

/// `true` when `needle` occurs in `hay` as whole words ("h20" is in "nvidia h20", not in "h200").
fn contains_words(hay: &str, needle: &str) -> bool {
    hay.match_indices(needle).any(|(i, m)| {
        let before = hay[..i].chars().next_back();
        let after = hay[i + m.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

fn counted_plant_indexes(
    plants: &[PowerPlant],
    counted: &[bool],
) -> Vec<(Fuel, PointIndex, Vec<usize>)> {
    Fuel::ALL
        .into_iter()
        .filter_map(|fuel| {
            let members: Vec<usize> = (0..plants.len())
                .filter(|&i| counted[i] && plants[i].fuel == fuel)
                .collect();
            (!members.is_empty()).then(|| {
                let index = PointIndex::new(
                    members
                        .iter()
                        .map(|&i| (plants[i].lon, plants[i].lat))
                        .collect(),
                );
                (fuel, index, members)
            })
        })
        .collect()
}

fn power_around(
    lon: f64,
    lat: f64,
    radii_km: &[f64],
    plants: &[PowerPlant],
    counted: &[bool],
    index: &PointIndex,
    fuel_indexes: &[(Fuel, PointIndex, Vec<usize>)],
) -> SitePower {
    let max_r = radii_km.iter().copied().fold(0.0, f64::max);
    let near = index.within_km(lon, lat, max_r);
    let within = radii_km
        .iter()
        .map(|&r| {
            let mut by_fuel: Vec<(Fuel, f64)> = Vec::new();
            let mut n = 0;
            for hit in near
                .iter()
                .filter(|h| h.distance_km <= r && counted[h.index])
            {
                let p = &plants[hit.index];
                n += 1;
                match by_fuel.iter_mut().find(|(f, _)| *f == p.fuel) {
                    Some(e) => e.1 += p.capacity_mw,
                    None => by_fuel.push((p.fuel, p.capacity_mw)),
                }
            }
            by_fuel.sort_by_key(|(f, _)| *f);
            RadiusPower {
                radius_km: r,
                total_mw: by_fuel.iter().map(|x| x.1).sum(),
                by_fuel,
                plants: n,
            }
        })
        .collect();
    let nearest = fuel_indexes
        .iter()
        .filter_map(|(fuel, fuel_index, members)| {
            fuel_index.nearest(lon, lat, 1).first().map(|h| {
                let p = &plants[members[h.index]];
                NearestPlant {
                    fuel: *fuel,
                    plant_id: p.id.clone(),
                    name: p.name.clone(),
                    capacity_mw: p.capacity_mw,
                    distance_km: h.distance_km,
                }
            })
        })
        .collect();
    SitePower { within, nearest }
}

/// Path of the bundled data directory: `$COMPUTE_ATLAS_DATA`, else `geodata/` in the crate.
pub fn default_data_dir() -> PathBuf {
    std::env::var_os("COMPUTE_ATLAS_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("geodata"))
}

#[allow(dead_code)]
fn _assert_send_sync() {
    fn is<T: Send + Sync>() {}
    is::<Atlas>();
    let _ = PlantFormat::Gppd;
}
