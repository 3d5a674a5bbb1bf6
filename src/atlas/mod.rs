//! The atlas: an immutable snapshot of every layer, its indexes and its figures, built once
//! (load -> validate -> index -> analyse) and shared read-only by the server and the plots.
//!
//! The build runs as named steps (`build`: load the tables and boundaries, index, place the sites
//! and plants, place the bases, figures, power around sites); `power` answers capacity-around-a-point
//! questions; `pflops` says what a site's compute figure is.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

mod base;
mod bases;
mod build;
mod counties;
pub mod demand;
mod demand_units;
mod pflops;
mod power;
mod stopwatch;

pub use bases::{BaseCover, BasePlace};
pub use counties::CountyLayer;
pub use pflops::{is_zone_aggregate, site_pflops};
pub use power::{NearestPlant, RadiusPower, SitePower, SITE_RADII_KM};

use crate::figures::{self, UnitFigures};
use crate::index::{Nearby, PointIndex, RegionIndex};
use crate::load::{LoadError, PlantFormat, Problems};
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
    /// The site records to use instead of reading `sites.csv` (the bundled rows with the edit
    /// store's changes applied); `None` reads the file.
    pub sites: Option<std::sync::Arc<Vec<crate::load::SiteRecord>>>,
}

impl AtlasConfig {
    pub fn new(data_dir: impl Into<PathBuf>) -> AtlasConfig {
        AtlasConfig {
            data_dir: data_dir.into(),
            plant_files: Vec::new(),
            strict: false,
            sites: None,
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
    pub plants: Arc<Vec<PowerPlant>>,
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
    pub county_index: Arc<RegionIndex>,
    pub prefecture_index: Arc<RegionIndex>,
    pub province_index: Arc<RegionIndex>,
    pub site_index: PointIndex,
    pub plant_index: Arc<PointIndex>,
    /// Per fuel, an index over the counted plants of that fuel (indexes into `plants`).
    counted_by_fuel: Arc<Vec<(Fuel, PointIndex, Vec<usize>)>>,
    pub county_figures: Vec<UnitFigures>,
    pub prefecture_figures: Vec<UnitFigures>,
    pub province_figures: Vec<UnitFigures>,
    /// (province short name, year, MW) of NEA cumulative solar PV.
    pub province_solar_mw: Vec<(String, String, f64)>,
    pub site_power: Vec<SitePower>,
    /// Rows of `power_assumptions.csv` (empty when the data directory has none).
    pub power_assumptions: Vec<PowerAssumption>,
    /// Rows of `reporting.csv` (empty when the data directory has none).
    pub reporting: Vec<ReportingFigure>,
    /// The power-demand model; `None` when its parameters are missing (reported as a problem).
    pub demand_model: Option<demand::DemandModel>,
    /// Per site, its power-demand estimate at the data's parameters (`None`: not estimated).
    pub site_demand: Vec<Option<demand::Estimate>>,
    pub problems: Problems,
    /// Seconds taken by each build stage, for `check` and the benchmarks.
    pub timings: Vec<(&'static str, f64)>,
    county_by_adcode: HashMap<Adcode, usize>,
    site_by_id: HashMap<String, usize>,
    plant_by_id: Arc<HashMap<String, usize>>,
    /// What the sites do not change, kept for [`Atlas::with_sites`].
    base: Arc<base::Base>,
}

/// Building the atlas failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AtlasError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Figures(#[from] figures::FiguresError),
    /// The edit store could not be read again on reload.
    #[error("edit store: {0}")]
    Edits(String),
}

impl Atlas {
    /// Loads, validates, indexes and analyses the data named by `config`.
    pub fn build(config: &AtlasConfig) -> Result<Atlas, AtlasError> {
        build::build(config)
    }

    /// The atlas with the sites of `config` (its `sites` records, else its `sites.csv`) and
    /// everything else of this one: the boundaries, tables, indexes, plants and bases are
    /// shared, not read again. What a write to the sites costs; a reload, which may find other
    /// files changed, uses [`Atlas::build`].
    pub fn with_sites(&self, config: &AtlasConfig) -> Result<Atlas, AtlasError> {
        build::with_sites_on(self.base.clone(), config, Some(self))
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
        power::power_around(
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

#[cfg(test)]
mod tests;
