//! Colour keys of the charts: a wrapping row of swatches with labels.

use plotters::prelude::DrawingBackend;

use super::super::canvas::{Align, Canvas};
use super::super::colour::{self, Rgb, INK};
use super::super::text;
use super::super::PlotError;
use crate::model::{Adcode, WESTERN_PROVINCES};

/// Colour of a province (fixed per province, so charts agree with each other).
pub(super) fn province_colour(adcode: Adcode) -> Rgb {
    let i = WESTERN_PROVINCES
        .iter()
        .position(|p| p.adcode == adcode)
        .unwrap_or(11);
    colour::QUALITATIVE[i % colour::QUALITATIVE.len()]
}

/// Keys for the provinces among `provinces` (repeats allowed), in `WESTERN_PROVINCES` order.
pub(super) fn province_keys(
    provinces: impl IntoIterator<Item = Adcode>,
    zh: bool,
) -> Vec<(String, Rgb)> {
    let mut provs: Vec<Adcode> = provinces.into_iter().collect();
    provs.sort_by_key(|a| WESTERN_PROVINCES.iter().position(|p| p.adcode == *a));
    provs.dedup();
    provs
        .iter()
        .map(|&a| (text::province_name(a, zh), province_colour(a)))
        .collect()
}

/// A row of colour keys from `x0`, wrapping at the right margin; returns the y below it.
pub(super) fn key_row<DB: DrawingBackend>(
    c: &Canvas<'_, DB>,
    keys: &[(String, Rgb)],
    x0: f64,
    y: f64,
) -> Result<f64, PlotError> {
    let u = c.u;
    let size = 15.0 * u;
    let (mut x, mut y) = (x0, y + 4.0 * u);
    for (label, col) in keys {
        let w = 20.0 * u + c.text_width(label, size, false) + 22.0 * u;
        if x + w > c.w - 26.0 * u && x > x0 {
            x = x0;
            y += 24.0 * u;
        }
        c.rect(x, y, x + 15.0 * u, y + 15.0 * u, *col)?;
        c.text(
            label,
            (x + 21.0 * u, y + 13.0 * u),
            size,
            INK,
            Align::Left,
            false,
        )?;
        x += w;
    }
    Ok(y + 28.0 * u)
}
