//! What every chart draws around its data: title, subtitle, sources footer, and the message
//! that stands in for data that is missing.

use plotters::prelude::DrawingBackend;

use super::super::canvas::{Align, Canvas, LineStyle};
use super::super::colour::{INK, MUTED};
use super::super::text::{self, t};
use super::super::{PlotError, PlotRequest};

/// Draws title, subtitle (two lines at most) and footer (three lines at most, set on the bottom
/// margin); returns (top of plot, bottom of plot).
pub(super) fn frame<DB: DrawingBackend>(
    c: &Canvas<'_, DB>,
    title: &str,
    subtitle: &str,
    footer: &str,
) -> Result<(f64, f64), PlotError> {
    let u = c.u;
    let m = 26.0 * u;
    c.text(title, (m, m + 28.0 * u), 30.0 * u, INK, Align::Left, true)?;
    let sub = LineStyle {
        size: 16.0 * u,
        step: 21.0 * u,
        colour: MUTED,
    };
    let y = c.paragraph(subtitle, (m, m + 58.0 * u), c.w - 2.0 * m, 2, sub)?;
    let foot = LineStyle {
        size: 13.0 * u,
        step: 18.0 * u,
        colour: MUTED,
    };
    let lines: Vec<String> = c
        .wrap(footer, foot.size, c.w - 2.0 * m)
        .into_iter()
        .take(3)
        .collect();
    let footer_top = c.h - m - lines.len() as f64 * 18.0 * u;
    c.lines(&lines, (m, footer_top + 13.0 * u), foot)?;
    Ok((y + 4.0 * u, footer_top - 10.0 * u))
}

/// A message centred between `top` and `bottom`, where a chart has nothing to show.
pub(super) fn message<DB: DrawingBackend>(
    c: &Canvas<'_, DB>,
    msg: &str,
    top: f64,
    bottom: f64,
) -> Result<(), PlotError> {
    c.text(
        msg,
        (c.w / 2.0, (top + bottom) / 2.0),
        20.0 * c.u,
        MUTED,
        Align::Center,
        false,
    )
}

/// The area a chart covers: the asked province, or all of western China.
pub(in crate::plot) fn place(req: &PlotRequest) -> String {
    let zh = req.zh();
    req.province_info().map_or_else(
        || t(zh, "western China", "中国西部").to_string(),
        |p| text::province_name(p.adcode, zh),
    )
}

/// "Site data as of" date of the atlas, a dash when no site reports one.
pub(super) fn data_date(atlas: &crate::atlas::Atlas) -> String {
    text::data_date(atlas).unwrap_or_else(|| "–".into())
}
