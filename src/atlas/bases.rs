//! The renewable bases as places: a located base is the dissolved union of the boundaries of the
//! counties or prefectures its row names, and each county, prefecture and site knows the bases
//! that cover it.

use std::collections::HashMap;
use std::sync::Arc;

use geo::{orient::Direction, unary_union, GeodesicArea, Orient};
use geo_types::MultiPolygon;

use super::SitePlace;
use crate::load::{Problem, Problems, Severity};
use crate::model::{Adcode, BasePrecision, County, Prefecture, RenewableBase};

/// Where a located base lies: the units its row names, dissolved into one outline.
#[derive(Debug, Clone)]
pub struct BasePlace {
    /// CRS84, exteriors counter-clockwise (RFC 7946), no border between the units left inside.
    /// It stands for the administrative units, not for the base's footprint.
    pub geometry: Arc<MultiPolygon<f64>>,
    /// Geodesic area on the WGS84 ellipsoid, km², as for the units themselves.
    pub area_km2: f64,
    /// English names of the units, in the order of the row's `adcodes`.
    pub unit_names: Vec<String>,
}

/// Which bases cover each county, prefecture and site (indexes into `Atlas::renewable_bases`,
/// ascending).
#[derive(Debug, Clone, Default)]
pub struct BaseCover {
    /// Per county: bases placed on it or on its prefecture.
    pub counties: Vec<Vec<usize>>,
    /// Per prefecture: bases placed on it or on one of its counties.
    pub prefectures: Vec<Vec<usize>>,
    /// Per site: bases whose outline holds the site's point.
    pub sites: Vec<Vec<usize>>,
}

/// The boundary units a base row may name, by adcode.
pub(super) struct Units<'a> {
    pub counties: &'a [County],
    pub prefectures: &'a [Prefecture],
    pub county_by_adcode: &'a HashMap<Adcode, usize>,
    pub pref_by_adcode: &'a HashMap<Adcode, usize>,
}

impl Units<'_> {
    fn index(&self, level: BasePrecision, adcode: Adcode) -> Option<usize> {
        match level {
            BasePrecision::County => self.county_by_adcode.get(&adcode),
            BasePrecision::Prefecture => self.pref_by_adcode.get(&adcode),
        }
        .copied()
    }

    /// Why `adcode` is not a unit of `level`, naming what it is instead when it is another level.
    fn not_a_unit(&self, level: BasePrecision, adcode: Adcode) -> String {
        let other = match level {
            BasePrecision::County => BasePrecision::Prefecture,
            BasePrecision::Prefecture => BasePrecision::County,
        };
        if self.index(other, adcode).is_some() {
            format!(
                "{adcode} is a {} of the bundled boundaries, but location_precision is {}",
                other.as_str(),
                level.as_str()
            )
        } else {
            format!(
                "{adcode} is not a {} of the bundled boundaries (boundaries/*_west.geojson)",
                level.as_str()
            )
        }
    }
}

/// Keeps the bases whose adcodes are all units of the boundaries at the row's level; each other
/// adcode is an error naming file, line, column and value, and its row is left out (as the
/// loader leaves out any row with an error).
pub(super) fn check_units(
    bases: Vec<RenewableBase>,
    file: &str,
    units: &Units<'_>,
    problems: &mut Problems,
) -> Vec<RenewableBase> {
    bases
        .into_iter()
        .filter(|b| {
            let Some(level) = b.location_precision else {
                return true;
            };
            let mut ok = true;
            for &code in &b.adcodes {
                if units.index(level, code).is_none() {
                    problems.push(Problem {
                        severity: Severity::Error,
                        file: file.to_string(),
                        line: Some(b.line),
                        column: Some("adcodes".into()),
                        value: Some(code.to_string()),
                        reason: format!(
                            "base {}: {}; row left out",
                            b.id,
                            units.not_a_unit(level, code)
                        ),
                    });
                    ok = false;
                }
            }
            ok
        })
        .collect()
}

/// The place of each base (`None` for the national, multi-province and unplaced rows). Only
/// bases that passed [`check_units`] may be given.
pub(super) fn place_bases(bases: &[RenewableBase], units: &Units<'_>) -> Vec<Option<BasePlace>> {
    bases
        .iter()
        .map(|b| {
            let level = b.location_precision.filter(|_| b.is_located())?;
            let mut parts: Vec<&MultiPolygon<f64>> = Vec::new();
            let mut unit_names = Vec::new();
            for &code in &b.adcodes {
                let i = units.index(level, code)?;
                let (geometry, name) = match level {
                    BasePrecision::County => {
                        let c = &units.counties[i];
                        (&*c.geometry, &c.name_en)
                    }
                    BasePrecision::Prefecture => {
                        let p = &units.prefectures[i];
                        (&*p.geometry, &p.name_en)
                    }
                };
                parts.push(geometry);
                unit_names.push(name.clone());
            }
            // Neighbouring units share identical border vertices (the boundaries keep
            // topology), so the union leaves no sliver or inner border behind.
            let geometry = unary_union(parts).orient(Direction::Default);
            let area_km2 = geometry.geodesic_area_unsigned() / 1e6;
            Some(BasePlace {
                geometry: Arc::new(geometry),
                area_km2,
                unit_names,
            })
        })
        .collect()
}

/// Which bases cover each county, prefecture and site.
///
/// A base's outline is exactly the union of its units, so coverage follows from the units'
/// hierarchy without a geometric test; a site lies in the bases of the county its point falls
/// in, which the county index (grid and prepared polygons) has already found.
pub(super) fn cover(
    bases: &[RenewableBase],
    units: &Units<'_>,
    site_places: &[SitePlace],
) -> BaseCover {
    let mut counties = vec![Vec::new(); units.counties.len()];
    let mut prefectures = vec![Vec::new(); units.prefectures.len()];
    for (bi, b) in bases.iter().enumerate() {
        let Some(level) = b.location_precision else {
            continue;
        };
        for &code in &b.adcodes {
            match level {
                BasePrecision::County => {
                    let Some(ci) = units.index(level, code) else {
                        continue;
                    };
                    counties[ci].push(bi);
                    let pref = units.counties[ci].prefecture_adcode;
                    if let Some(pi) = units.pref_by_adcode.get(&pref) {
                        prefectures[*pi].push(bi);
                    }
                }
                BasePrecision::Prefecture => {
                    let Some(pi) = units.index(level, code) else {
                        continue;
                    };
                    prefectures[pi].push(bi);
                }
            }
        }
    }
    // Counties of a prefecture-level base: every county the prefecture was dissolved from.
    for (ci, c) in units.counties.iter().enumerate() {
        if let Some(&pi) = units.pref_by_adcode.get(&c.prefecture_adcode) {
            let from_pref: Vec<usize> = prefectures[pi]
                .iter()
                .copied()
                .filter(|&bi| bases[bi].location_precision == Some(BasePrecision::Prefecture))
                .collect();
            counties[ci].extend(from_pref);
        }
    }
    for list in counties.iter_mut().chain(prefectures.iter_mut()) {
        list.sort_unstable();
        list.dedup();
    }
    let sites = site_places
        .iter()
        .map(|p| p.county.map(|ci| counties[ci].clone()).unwrap_or_default())
        .collect();
    BaseCover {
        counties,
        prefectures,
        sites,
    }
}
