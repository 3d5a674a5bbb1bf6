//! Loading and validation: each data source in its own module, each bad value reported as a
//! [`Problem`] naming file, line, column, value and reason.
//!
//! Loading never drops a row silently: a row with an error is left out *and* reported; a row with
//! a warning is kept and reported. A missing or unreadable file is a [`LoadError`].

mod boundaries;
mod curated;
mod plants;
mod power;
mod problem;
mod table;

pub use boundaries::{
    load_counties, load_counties_without_area, load_prefectures, load_provinces, BoundaryFiles,
};
pub use curated::{load_chips, load_province_stats, load_renewable_bases};
pub use plants::{detect_plant_format, load_plants, PlantFormat};
pub use power::{load_power_assumptions, load_reporting};
pub use problem::{Problem, Problems, Severity};
pub use sites::{
    is_site_id, load_sites, read_site_records, sites_from_records, validate_site, SiteRecord,
    SITE_COLUMNS,
};

mod sites;

use std::path::PathBuf;

/// A data file could not be used at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a CSV file this program can read: {reason}")]
    Csv { path: PathBuf, reason: String },
    #[error("{path}: required column `{column}` is missing from the header")]
    MissingColumn { path: PathBuf, column: String },
    #[error(
        "{path}: header not recognised as a power-plant file (expected a GEM coal, hydro, \
         oil and gas, nuclear or bioenergy tracker, or GPPD); header starts with: {header}"
    )]
    UnknownPlantFormat { path: PathBuf, header: String },
    #[error("{path}: invalid GeoJSON: {reason}")]
    GeoJson { path: PathBuf, reason: String },
    #[error("strict mode: {count} data problem(s), the first: {first}")]
    Strict { count: usize, first: String },
}

pub(crate) fn read_file(path: &std::path::Path) -> Result<Vec<u8>, LoadError> {
    std::fs::read(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })
}
