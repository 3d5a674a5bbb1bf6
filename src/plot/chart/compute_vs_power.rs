//! Scatter of reported compute against operating renewable capacity, per county or province.

use plotters::prelude::DrawingBackend;

use super::super::canvas::{output, Align, Canvas, Painter};
use super::super::colour::{Rgb, AXIS, GRID, INK, MUTED};
use super::super::text::{self, t};
use super::super::{metric_value, PlotError, PlotLevel, PlotRequest};
use super::axis::Axis;
use super::frame::{data_date, frame, message, place};
use super::legend::{key_row, province_colour, province_keys};
use super::BASE;
use crate::atlas::Atlas;
use crate::model::Adcode;

struct Point {
    name: String,
    pflops: f64,
    renewable: f64,
    colour: Rgb,
    province: Adcode,
}

struct Scatter<'a> {
    atlas: &'a Atlas,
    req: &'a PlotRequest,
    points: Vec<Point>,
    left_out: usize,
    unit_count: usize,
}

/// The plot area of the scatter, in pixels.
#[derive(Debug, Clone, Copy)]
struct PlotBox {
    x0: f64,
    x1: f64,
    y_top: f64,
    y_bot: f64,
}

/// Boxes overlap (x0, y0, x1, y1).
fn overlaps(a: [f64; 4], b: [f64; 4]) -> bool {
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

impl Scatter<'_> {
    fn county(&self) -> bool {
        self.req.level == PlotLevel::County
    }

    fn title(&self) -> String {
        let zh = self.req.zh();
        let county = self.county();
        let place = place(self.req);
        self.req.title.clone().unwrap_or_else(|| {
            if zh {
                format!(
                    "{place}：报告算力与运行中的可再生能源装机（按{}）",
                    if county { "县" } else { "省" }
                )
            } else {
                format!(
                    "Compute against operating renewable capacity by {}, {place}",
                    if county { "county" } else { "province" }
                )
            }
        })
    }

    fn subtitle(&self) -> String {
        let zh = self.req.zh();
        let units = if self.county() {
            t(zh, "counties", "个县")
        } else {
            t(zh, "provinces", "个省区市")
        };
        let date = data_date(self.atlas);
        if zh {
            format!(
                "显示 {} {units}；{} {units}因算力或可再生装机未知而未显示 · 站点数据截至 {date}",
                text::int(self.points.len()),
                text::int(self.left_out)
            )
        } else {
            format!(
                "{} {units} shown; {} of {} left out because reported PFLOPS or renewable capacity is unknown · site data as of {date}",
                text::int(self.points.len()),
                text::int(self.left_out),
                text::int(self.unit_count)
            )
        }
    }

    /// Grid, ticks, axis lines, break marks and axis labels; returns the axes.
    fn paint_axes<DB: DrawingBackend>(
        &self,
        c: &Canvas<'_, DB>,
        top: f64,
        bottom: f64,
    ) -> Result<(Axis, Axis, PlotBox), PlotError> {
        let zh = self.req.zh();
        let u = c.u;
        let m = 26.0 * u;
        let tick = 14.0 * u;
        let ys: Vec<f64> = self.points.iter().map(|p| p.pflops).collect();
        let xs: Vec<f64> = self.points.iter().map(|p| p.renewable).collect();
        let probe = Axis::new(&ys, 0.0, 1.0, u);
        let ylabel_w = probe
            .ticks()
            .iter()
            .map(|t| c.text_width(&t.1, tick, false))
            .fold(0.0, f64::max);
        let x0 = m + ylabel_w + 10.0 * u;
        let x1 = c.w - m - 10.0 * u;
        let y_top = top + 34.0 * u;
        let y_bot = bottom - 56.0 * u;
        let ax = Axis::new(&xs, x0 + 8.0 * u, x1, u);
        let ay = Axis::new(&ys, y_bot - 8.0 * u, y_top, u);
        for (v, s) in ax.ticks() {
            let x = ax.map(v);
            c.line((x, y_top), (x, y_bot), GRID, 1.0)?;
            c.text(&s, (x, y_bot + 20.0 * u), tick, MUTED, Align::Center, false)?;
        }
        for (v, s) in ay.ticks() {
            let y = ay.map(v);
            c.line((x0, y), (x1, y), GRID, 1.0)?;
            c.text(
                &s,
                (x0 - 8.0 * u, y + tick * 0.36),
                tick,
                MUTED,
                Align::Right,
                false,
            )?;
        }
        c.line((x0, y_bot), (x1, y_bot), AXIS, 1.0)?;
        c.line((x0, y_top), (x0, y_bot), AXIS, 1.0)?;
        // Break marks where a log axis leaves its band of zeros.
        if ax.zero_band > 0.0 {
            let x = ax.p0 + ax.zero_band * 0.8;
            for dx in [-3.0 * u, 3.0 * u] {
                c.line(
                    (x + dx - 3.0 * u, y_bot + 5.0 * u),
                    (x + dx + 3.0 * u, y_bot - 5.0 * u),
                    AXIS,
                    1.0,
                )?;
            }
        }
        if ay.zero_band > 0.0 {
            let y = ay.p0 - ay.zero_band * 0.8;
            for dy in [-3.0 * u, 3.0 * u] {
                c.line(
                    (x0 - 5.0 * u, y + dy + 3.0 * u),
                    (x0 + 5.0 * u, y + dy - 3.0 * u),
                    AXIS,
                    1.0,
                )?;
            }
        }
        let scale_note = |a: &Axis| {
            if a.log {
                t(zh, ", log scale", "，对数刻度")
            } else {
                ""
            }
        };
        let xl = format!(
            "{} (MW{})",
            t(
                zh,
                "Operating renewable capacity: hydro, wind, solar, bioenergy, geothermal",
                "运行中的可再生能源装机：水、风、光、生物质、地热"
            ),
            scale_note(&ax)
        );
        c.text(
            &xl,
            ((x0 + x1) / 2.0, y_bot + 46.0 * u),
            15.0 * u,
            INK,
            Align::Center,
            false,
        )?;
        let yl = format!(
            "{} (PFLOPS{}) ↑",
            t(zh, "Reported compute", "报告算力"),
            scale_note(&ay)
        );
        c.text(
            &yl,
            (x0 - ylabel_w - 10.0 * u, y_top - 14.0 * u),
            15.0 * u,
            INK,
            Align::Left,
            false,
        )?;
        Ok((
            ax,
            ay,
            PlotBox {
                x0,
                x1,
                y_top,
                y_bot,
            },
        ))
    }

    /// The units to label: the leading ones by compute (all of them when few), and at county
    /// level the four with most renewable capacity.
    fn wanted_labels(&self) -> Vec<usize> {
        let county = self.county();
        let mut order: Vec<usize> = (0..self.points.len()).collect();
        order.sort_by(|&a, &b| {
            let (p, q) = (&self.points[a], &self.points[b]);
            q.pflops
                .total_cmp(&p.pflops)
                .then(q.renewable.total_cmp(&p.renewable))
                .then(a.cmp(&b))
        });
        let mut by_power: Vec<usize> = (0..self.points.len()).collect();
        by_power.sort_by(|&a, &b| {
            self.points[b]
                .renewable
                .total_cmp(&self.points[a].renewable)
                .then(a.cmp(&b))
        });
        let limit = if county && self.points.len() > 20 {
            14
        } else {
            usize::MAX
        };
        let mut wanted: Vec<usize> = order.iter().take(limit).copied().collect();
        for i in by_power.into_iter().take(if county { 4 } else { 0 }) {
            if !wanted.contains(&i) {
                wanted.push(i);
            }
        }
        wanted
    }

    /// Points, then labels of the wanted units placed greedily where they collide with nothing.
    fn paint_points<DB: DrawingBackend>(
        &self,
        c: &Canvas<'_, DB>,
        ax: &Axis,
        ay: &Axis,
        b: PlotBox,
    ) -> Result<(), PlotError> {
        let u = c.u;
        let r = 6.0 * u;
        let pts: Vec<(f64, f64)> = self
            .points
            .iter()
            .map(|p| (ax.map(p.renewable), ay.map(p.pflops)))
            .collect();
        for (p, q) in self.points.iter().zip(&pts) {
            c.circle(*q, r + u, (255, 255, 255), 1.0, true, 1.0)?;
            c.circle(*q, r, p.colour, 0.9, true, 1.0)?;
        }
        let mut taken: Vec<[f64; 4]> = pts
            .iter()
            .map(|q| [q.0 - r, q.1 - r, q.0 + r, q.1 + r])
            .collect();
        let size = 14.0 * u;
        for i in self.wanted_labels() {
            let name = &self.points[i].name;
            let (w, h) = (c.text_width(name, size, false), size * 0.9);
            let (px, py) = pts[i];
            let g = r + 4.0 * u;
            let candidates = [
                (px + g, py - h / 2.0),
                (px - g - w, py - h / 2.0),
                (px - w / 2.0, py - g - h),
                (px - w / 2.0, py + g),
                (px + g, py - g - h * 0.6),
                (px - g - w, py - g - h * 0.6),
                (px + g, py + g * 0.4),
                (px - g - w, py + g * 0.4),
            ];
            for (lx, ly) in candidates {
                let bx = [lx - 1.0, ly - 1.0, lx + w + 1.0, ly + h + 1.0];
                let inside = bx[0] >= b.x0 && bx[2] <= b.x1 && bx[1] >= b.y_top && bx[3] <= b.y_bot;
                let own = [px - r, py - r, px + r, py + r];
                if inside && !taken.iter().any(|t| *t != own && overlaps(*t, bx)) {
                    c.halo_text(name, (lx, ly + h * 0.85), size, INK, Align::Left, false)?;
                    taken.push(bx);
                    break;
                }
            }
        }
        Ok(())
    }
}

impl Painter for Scatter<'_> {
    fn paint<DB: DrawingBackend>(&self, c: &Canvas<'_, DB>) -> Result<(), PlotError> {
        let zh = self.req.zh();
        let m = 26.0 * c.u;
        let (top, bottom) = frame(
            c,
            &self.title(),
            &self.subtitle(),
            &text::sources(self.atlas, zh, false, true),
        )?;
        let keys = province_keys(self.points.iter().map(|p| p.province), zh);
        let top = if self.county() {
            key_row(c, &keys, m, top)?
        } else {
            top
        };
        if !self.atlas.has_plants() {
            let msg = t(
                zh,
                "No power-plant files are loaded, so operating renewable capacity is unknown.",
                "未加载电厂数据，运行中的可再生能源装机未知。",
            );
            return message(c, msg, top, bottom);
        }
        if self.points.is_empty() {
            let msg = t(
                zh,
                "No unit has both figures.",
                "没有同时具备两项数值的单位。",
            );
            return message(c, msg, top, bottom);
        }
        let (ax, ay, plot_box) = self.paint_axes(c, top, bottom)?;
        self.paint_points(c, &ax, &ay, plot_box)
    }
}

pub(in crate::plot) fn render(
    atlas: &Atlas,
    req: &PlotRequest,
    family: &str,
) -> Result<Vec<u8>, PlotError> {
    let zh = req.zh();
    let adcode = req.province_info().map(|p| p.adcode);
    let mut points = Vec::new();
    let mut unit_count = 0;
    let mut consider = |name: String, prov: Adcode, f: &crate::figures::UnitFigures| {
        unit_count += 1;
        if let (Some(p), Some(r)) = (
            metric_value(f, "pflops_reported"),
            metric_value(f, "renewable_mw"),
        ) {
            points.push(Point {
                name,
                pflops: p,
                renewable: r,
                colour: province_colour(prov),
                province: prov,
            });
        }
    };
    match req.level {
        PlotLevel::County => {
            for (i, (c, f)) in atlas.counties.iter().zip(&atlas.county_figures).enumerate() {
                if adcode.is_none_or(|a| c.province_adcode == a) {
                    consider(text::county_name(atlas, i, zh), c.province_adcode, f);
                }
            }
        }
        PlotLevel::Province => {
            for (p, f) in atlas.provinces.iter().zip(&atlas.province_figures) {
                if adcode.is_none_or(|a| p.adcode == a) {
                    consider(text::province_name(p.adcode, zh), p.adcode, f);
                }
            }
        }
    }
    let left_out = unit_count - points.len();
    output(
        req,
        family,
        BASE,
        &Scatter {
            atlas,
            req,
            points,
            left_out,
            unit_count,
        },
    )
}
