//! The county layer alone: what a run needs that asks no more of the atlas than each point's
//! county (`compute-atlas locate --input` without `--nearest`). The full build also reads the
//! prefectures, provinces and tables, computes every unit's geodesic area and the figures,
//! which is most of its time and none of which such a run reads.

use std::sync::Arc;

use super::base::county_index;
use super::stopwatch::Stopwatch;
use super::{AtlasConfig, AtlasError};
use crate::index::RegionIndex;
use crate::load::{self, BoundaryFiles, LoadError, Problems};
use crate::model::County;

/// The counties and their prepared grid, the same grid (the same answers) as
/// [`crate::Atlas::county_index`].
#[derive(Debug)]
pub struct CountyLayer {
    /// The counties in the order the atlas has them; their `area_km2` is not computed (NaN).
    pub counties: Vec<County>,
    pub county_index: Arc<RegionIndex>,
    /// Problems found in the county file.
    pub problems: Problems,
    /// Seconds taken by each stage.
    pub timings: Vec<(&'static str, f64)>,
}

impl CountyLayer {
    /// Loads the county boundaries of `config`'s data directory and builds their grid. Strict
    /// mode refuses errors in the county file (the other files are not read).
    pub fn load(config: &AtlasConfig) -> Result<CountyLayer, AtlasError> {
        let mut clock = Stopwatch::new();
        let mut problems = Problems::default();
        let files = BoundaryFiles::in_dir(&config.data_dir);
        let counties = load::load_counties_without_area(&files.counties, &mut problems)?;
        clock.lap("counties");
        if config.strict {
            if let Some(first) = problems.errors().next() {
                return Err(LoadError::Strict {
                    count: problems.errors().count(),
                    first: first.to_string(),
                }
                .into());
            }
        }
        let county_index = Arc::new(county_index(&counties));
        clock.lap("county index");
        Ok(CountyLayer {
            counties,
            county_index,
            problems,
            timings: clock.laps,
        })
    }
}
