//! What a site's compute figure is: as reported, or derived from its chips.

use crate::model::{Chip, Site};

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
