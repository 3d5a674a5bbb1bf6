//! The build step of the power-demand estimates: one estimate per site at the data's parameters,
//! and their sums on the county, prefecture and province figures.

use std::collections::HashMap;

use super::demand::{sum_estimates, DemandModel, Estimate, Overrides};
use super::SitePlace;
use crate::figures::UnitFigures;
use crate::load::{Problem, Problems, Severity};
use crate::model::{Adcode, Chip, PowerAssumption, Site};

/// The model and each site's estimate; without the model (a parameter is missing) no site is
/// estimated and the reason is reported.
pub(super) fn estimate_sites(
    assumptions: &[PowerAssumption],
    sites: &[Site],
    chips: &[Chip],
    file: &str,
    problems: &mut Problems,
) -> (Option<DemandModel>, Vec<Option<Estimate>>) {
    if assumptions.is_empty() {
        return (None, vec![None; sites.len()]);
    }
    match DemandModel::new(assumptions) {
        Ok(model) => {
            let est = sites
                .iter()
                .map(|s| model.for_site(s, chips, Overrides::default()))
                .collect();
            (Some(model), est)
        }
        Err(e) => {
            problems.push(Problem {
                severity: Severity::Warning,
                file: file.to_string(),
                line: None,
                column: Some(e.field.to_string()),
                value: Some(e.name.to_string()),
                reason: e.to_string(),
            });
            (None, vec![None; sites.len()])
        }
    }
}

/// The group key of each site, as the figures use it: its overlap group's first site, or itself.
pub(super) fn group_keys<'a>(
    sites: &'a [Site],
    site_group: &[Option<usize>],
    groups: &[Vec<usize>],
) -> Vec<&'a str> {
    (0..sites.len())
        .map(|i| match site_group[i] {
            Some(g) => sites[groups[g][0]].id.as_str(),
            None => sites[i].id.as_str(),
        })
        .collect()
}

/// Adds the sums of the site estimates to the figures of one level. `unit_of` gives a site's unit
/// adcode at the level.
pub(super) fn fill_units(
    figures: &mut [UnitFigures],
    places: &[SitePlace],
    unit_of: impl Fn(&SitePlace) -> Option<Adcode>,
    keys: &[&str],
    estimates: &[Option<Estimate>],
) {
    let mut by_unit: HashMap<Adcode, Vec<(&str, Option<&Estimate>)>> = HashMap::new();
    for (i, place) in places.iter().enumerate() {
        if let Some(u) = unit_of(place) {
            by_unit
                .entry(u)
                .or_default()
                .push((keys[i], estimates[i].as_ref()));
        }
    }
    for f in figures.iter_mut() {
        let Some(items) = by_unit.get(&f.adcode) else {
            continue;
        };
        let sum = sum_estimates(items);
        f.power_mw_low = sum.low;
        f.power_mw_central = sum.central;
        f.power_mw_high = sum.high;
        f.power_mw_low_upper = sum.low_upper;
        f.power_mw_central_upper = sum.central_upper;
        f.power_mw_high_upper = sum.high_upper;
        f.power_estimated_sites = sum.estimated_sites;
    }
}
