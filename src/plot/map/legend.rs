//! The choropleth's legend: the classes with their county counts, the site markers by
//! compute, and the province border.

use plotters::prelude::DrawingBackend;

use super::super::canvas::{Align, Canvas};
use super::super::colour::{INK, MUTED};
use super::super::text::{self, num, t};
use super::super::PlotError;
use super::Choropleth;

impl Choropleth<'_> {
    /// Draws the legend in the column right of the map.
    pub(super) fn paint_legend<DB: DrawingBackend>(
        &self,
        c: &Canvas<'_, DB>,
    ) -> Result<(), PlotError> {
        let l = &self.layout;
        let u = l.u;
        let zh = self.req.zh();
        let x = l.legend_x;
        let mut y = l.y0 + 16.0 * u;
        let (label, unit) = text::metric_label(&self.req.metric, zh);
        let label = label + text::at_least_suffix(&self.req.metric, zh);
        c.text(&label, (x, y), 19.0 * u, INK, Align::Left, true)?;
        y += 24.0 * u;
        for line in c.wrap(&unit, 16.0 * u, 320.0 * u) {
            c.text(&line, (x, y), 16.0 * u, MUTED, Align::Left, false)?;
            y += 21.0 * u;
        }
        y += 8.0 * u;
        let (sw, sh) = (34.0 * u, 22.0 * u);
        for e in self.classes.entries() {
            c.rect(x, y, x + sw, y + sh, e.colour)?;
            c.rect_outline(x, y, x + sw, y + sh, (0x99, 0x99, 0x99))?;
            let count = format!("  ({})", text::int(e.count));
            c.text(
                &format!("{}{count}", e.label),
                (x + sw + 12.0 * u, y + sh * 0.78),
                16.0 * u,
                INK,
                Align::Left,
                false,
            )?;
            y += sh + 9.0 * u;
        }
        let note = t(zh, "(n) = counties in class", "(n) = 该级县数");
        c.text(note, (x, y + 12.0 * u), 13.0 * u, MUTED, Align::Left, false)?;
        y += 48.0 * u;
        // Site markers.
        c.text(
            t(zh, "Sites", "站点"),
            (x, y),
            19.0 * u,
            INK,
            Align::Left,
            true,
        )?;
        y += 22.0 * u;
        c.text(
            t(
                zh,
                "circle area by reported PFLOPS",
                "圆圈面积表示报告算力（PFLOPS）",
            ),
            (x, y),
            15.0 * u,
            MUTED,
            Align::Left,
            false,
        )?;
        y += 14.0 * u;
        let rmax = self.marker_refs.first().map_or(0.0, |r| r.1);
        let base = y + 2.0 * rmax + 4.0 * u;
        let mut cx = x + rmax.max(8.0 * u);
        for (v, r) in &self.marker_refs {
            c.circle((cx, base - r), *r, (0xc0, 0x1f, 0x1f), 1.0, false, 1.6 * u)?;
            c.text(
                &num(*v),
                (cx, base + 18.0 * u),
                14.0 * u,
                INK,
                Align::Center,
                false,
            )?;
            cx += r.max(14.0 * u) + 34.0 * u + self.marker_refs.get(1).map_or(0.0, |r| r.1);
        }
        y = base + 44.0 * u;
        c.circle(
            (x + 8.0 * u, y - 5.0 * u),
            2.5 * u,
            (0x1a, 0x1a, 0x1a),
            1.0,
            true,
            1.0,
        )?;
        c.text(
            t(zh, "site without a PFLOPS figure", "未报告算力的站点"),
            (x + 24.0 * u, y),
            15.0 * u,
            INK,
            Align::Left,
            false,
        )?;
        y += 34.0 * u;
        c.line(
            (x, y - 5.0 * u),
            (x + sw, y - 5.0 * u),
            (0x30, 0x30, 0x30),
            (1.6 * u).round().max(2.0),
        )?;
        c.text(
            t(zh, "province border", "省界"),
            (x + sw + 12.0 * u, y),
            15.0 * u,
            INK,
            Align::Left,
            false,
        )?;
        Ok(())
    }
}
