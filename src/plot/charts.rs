//! The charts: leading counties, compute against renewable capacity, capacity by province.

use plotters::prelude::DrawingBackend;

use super::canvas::{output, Align, Canvas, Painter};
use super::colour::{self, Rgb};
use super::text::{self, num, t};
use super::{metric_value, metric_values, PlotError, PlotLevel, PlotRequest};
use crate::atlas::Atlas;
use crate::model::{Adcode, Fuel, ProvinceInfo, WESTERN_PROVINCES};

/// Reference size of charts, at which the size unit is 1.
const BASE: (f64, f64) = (1400.0, 900.0);
const INK: Rgb = (0x22, 0x22, 0x22);
const MUTED: Rgb = (0x55, 0x55, 0x55);
const GRID: Rgb = (0xe3, 0xe3, 0xe3);
const AXIS: Rgb = (0x88, 0x88, 0x88);

/// Colour of a province (fixed per province, so charts agree with each other).
fn province_colour(adcode: Adcode) -> Rgb {
    let i = WESTERN_PROVINCES
        .iter()
        .position(|p| p.adcode == adcode)
        .unwrap_or(11);
    colour::QUALITATIVE[i % colour::QUALITATIVE.len()]
}

/// The leading `n` counties by `metric` (known values only), optionally within one province:
/// (county index, value), largest first, ties by adcode.
pub fn top_counties(
    atlas: &Atlas,
    metric: &str,
    province: Option<&str>,
    n: usize,
) -> Vec<(usize, f64)> {
    let adcode = province
        .and_then(ProvinceInfo::by_short_name)
        .map(|p| p.adcode);
    let values = metric_values(&atlas.county_figures, metric);
    let mut rows: Vec<(usize, f64)> = values
        .iter()
        .enumerate()
        .filter(|(i, _)| adcode.is_none_or(|a| atlas.counties[*i].province_adcode == a))
        .filter_map(|(i, v)| v.map(|v| (i, v)))
        .collect();
    rows.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then(atlas.counties[a.0].adcode.cmp(&atlas.counties[b.0].adcode))
    });
    rows.truncate(n);
    rows
}

/// Ticks of a linear axis from 0 covering `max` with at most `target` steps of 1, 2, 2.5 or 5
/// times a power of ten: (ticks, axis maximum).
fn linear_ticks(max: f64, target: usize) -> (Vec<f64>, f64) {
    let max = if max > 0.0 { max } else { 1.0 };
    let mut p = 10f64.powf((max / (10.0 * target as f64)).log10().floor());
    loop {
        for m in [1.0, 2.0, 2.5, 5.0] {
            let step = m * p;
            let n = (max / step - 1e-9).ceil().max(1.0) as usize;
            if n <= target {
                return ((0..=n).map(|i| i as f64 * step).collect(), n as f64 * step);
            }
        }
        p *= 10.0;
    }
}

/// A value axis mapped onto pixels `p0` (low end) to `p1` (high end).
#[derive(Debug, Clone, Copy)]
struct Axis {
    log: bool,
    lo: f64,
    hi: f64,
    p0: f64,
    p1: f64,
    /// Pixels reserved at the low end for zero values on a log axis.
    zero_band: f64,
}

impl Axis {
    fn new(values: &[f64], p0: f64, p1: f64, u: f64) -> Axis {
        let pos: Vec<f64> = values.iter().copied().filter(|v| *v > 0.0).collect();
        let (min, max) = pos
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(a, b), &v| (a.min(v), b.max(v)));
        let log = !pos.is_empty() && max / min > 30.0;
        if log {
            let zeros = values.iter().any(|v| *v <= 0.0);
            Axis {
                log,
                lo: 10f64.powf(min.log10().floor()),
                hi: 10f64
                    .powf(max.log10().ceil())
                    .max(10f64.powf(min.log10().floor() + 1.0)),
                p0,
                p1,
                zero_band: if zeros { 64.0 * u } else { 0.0 },
            }
        } else {
            let (_, hi) = linear_ticks(max * 1.05, 7);
            Axis {
                log,
                lo: 0.0,
                hi,
                p0,
                p1,
                zero_band: 0.0,
            }
        }
    }

    fn dir(&self) -> f64 {
        (self.p1 - self.p0).signum()
    }

    fn map(&self, v: f64) -> f64 {
        if self.log {
            if v <= 0.0 {
                return self.p0 + self.dir() * self.zero_band / 2.0;
            }
            let start = self.p0 + self.dir() * self.zero_band;
            let f = (v.log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10());
            start + f * (self.p1 - start)
        } else {
            self.p0 + (v - self.lo) / (self.hi - self.lo) * (self.p1 - self.p0)
        }
    }

    /// Tick values with their labels.
    fn ticks(&self) -> Vec<(f64, String)> {
        if self.log {
            let mut v = Vec::new();
            if self.zero_band > 0.0 {
                v.push((0.0, "0".to_string()));
            }
            let mut x = self.lo;
            while x <= self.hi * 1.0001 {
                v.push((x, num(x)));
                x *= 10.0;
            }
            v
        } else {
            linear_ticks(self.hi, 7)
                .0
                .into_iter()
                .map(|x| (x, num(x)))
                .collect()
        }
    }
}

/// Title, subtitle and footer shared by the charts; returns (top of plot, bottom of plot).
fn frame<DB: DrawingBackend>(
    c: &Canvas<'_, DB>,
    title: &str,
    subtitle: &str,
    footer: &str,
) -> Result<(f64, f64), PlotError> {
    let u = c.u;
    let m = 26.0 * u;
    c.text(title, (m, m + 28.0 * u), 30.0 * u, INK, Align::Left, true)?;
    let mut y = m + 58.0 * u;
    for line in c
        .wrap(subtitle, 16.0 * u, c.w - 2.0 * m)
        .into_iter()
        .take(2)
    {
        c.text(&line, (m, y), 16.0 * u, MUTED, Align::Left, false)?;
        y += 21.0 * u;
    }
    let lines = c.wrap(footer, 13.0 * u, c.w - 2.0 * m);
    let lines: Vec<String> = lines.into_iter().take(3).collect();
    let footer_top = c.h - m - lines.len() as f64 * 18.0 * u;
    let mut fy = footer_top + 13.0 * u;
    for line in &lines {
        c.text(line, (m, fy), 13.0 * u, MUTED, Align::Left, false)?;
        fy += 18.0 * u;
    }
    Ok((y + 4.0 * u, footer_top - 10.0 * u))
}

/// A row of colour keys; returns the y below it.
fn key_row<DB: DrawingBackend>(
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

fn place_label(c: &Canvas<'_, impl DrawingBackend>, s: &str, size: f64) -> (f64, f64) {
    (c.text_width(s, size, false), size * 0.9)
}

// ---------------------------------------------------------------- top counties

struct TopCounties<'a> {
    atlas: &'a Atlas,
    req: &'a PlotRequest,
    rows: Vec<(usize, f64)>,
}

impl Painter for TopCounties<'_> {
    fn paint<DB: DrawingBackend>(&self, c: &Canvas<'_, DB>) -> Result<(), PlotError> {
        let zh = self.req.zh();
        let u = c.u;
        let m = 26.0 * u;
        let (label, unit) = text::metric_label(&self.req.metric, zh);
        let place = self.req.province_info().map_or_else(
            || t(zh, "western China", "中国西部").to_string(),
            |p| text::province_name(p.adcode, zh),
        );
        let title = self.req.title.clone().unwrap_or_else(|| {
            if zh {
                format!("{place}{label}前 {} 位的县", self.req.top)
            } else {
                format!(
                    "Top {} counties by {}, {place}",
                    self.req.top,
                    label.to_lowercase()
                )
            }
        });
        let date = text::data_date(self.atlas).unwrap_or_else(|| "–".into());
        let known = metric_values(&self.atlas.county_figures, &self.req.metric)
            .iter()
            .flatten()
            .count();
        let subtitle = if zh {
            format!(
                "{}（{unit}）· 有数值的县 {} 个 · 站点数据截至 {date}",
                self.req.metric,
                text::int(known)
            )
        } else {
            format!(
                "{} ({unit}) · {} counties have a value; unknown values are left out · site data as of {date}",
                self.req.metric,
                text::int(known)
            )
        };
        let plants =
            self.req.metric.starts_with("plant") || self.req.metric.starts_with("renewable");
        let (top, bottom) = frame(
            c,
            &title,
            &subtitle,
            &text::sources(self.atlas, zh, false, plants),
        )?;
        // Province key.
        let mut provs: Vec<Adcode> = self
            .rows
            .iter()
            .map(|r| self.atlas.counties[r.0].province_adcode)
            .collect();
        provs.sort_by_key(|a| WESTERN_PROVINCES.iter().position(|p| p.adcode == *a));
        provs.dedup();
        let keys: Vec<(String, Rgb)> = provs
            .iter()
            .map(|&a| (text::province_name(a, zh), province_colour(a)))
            .collect();
        let top = key_row(c, &keys, m, top)?;
        if self.rows.is_empty() {
            let msg = t(
                zh,
                "No county has a value for this metric.",
                "没有县有该指标的数值。",
            );
            c.text(
                msg,
                (c.w / 2.0, (top + bottom) / 2.0),
                20.0 * u,
                MUTED,
                Align::Center,
                false,
            )?;
            return Ok(());
        }
        let axis_h = 58.0 * u;
        let plot_bottom = bottom - axis_h;
        let n = self.rows.len() as f64;
        let row_h = (plot_bottom - top) / n;
        let size = (16.0 * u).min(row_h * 0.62);
        let names: Vec<String> = self
            .rows
            .iter()
            .map(|&(i, _)| {
                let p = text::province_name(self.atlas.counties[i].province_adcode, zh);
                format!("{} · {p}", text::county_name(self.atlas, i, zh))
            })
            .collect();
        let values: Vec<String> = self.rows.iter().map(|r| num(r.1)).collect();
        let name_w = names
            .iter()
            .map(|s| c.text_width(s, size, false))
            .fold(0.0, f64::max);
        let value_w = values
            .iter()
            .map(|s| c.text_width(s, size, false))
            .fold(0.0, f64::max);
        let x0 = m + name_w + 12.0 * u;
        let x1 = c.w - m - value_w - 12.0 * u;
        let max = self.rows.iter().map(|r| r.1).fold(0.0, f64::max);
        let (ticks, hi) = linear_ticks(max, 7);
        let sx = |v: f64| x0 + v.max(0.0) / hi * (x1 - x0);
        for &tk in &ticks {
            let x = sx(tk);
            c.line((x, top), (x, plot_bottom), GRID, 1.0)?;
            c.text(
                &num(tk),
                (x, plot_bottom + 20.0 * u),
                14.0 * u,
                MUTED,
                Align::Center,
                false,
            )?;
        }
        c.line((x0, plot_bottom), (x1, plot_bottom), AXIS, 1.0)?;
        let axis_label = format!("{label} ({unit})");
        c.text(
            &axis_label,
            ((x0 + x1) / 2.0, plot_bottom + 46.0 * u),
            15.0 * u,
            INK,
            Align::Center,
            false,
        )?;
        for (k, &(i, v)) in self.rows.iter().enumerate() {
            let yc = top + (k as f64 + 0.5) * row_h;
            let bh = row_h * 0.68;
            let col = province_colour(self.atlas.counties[i].province_adcode);
            let xe = sx(v);
            c.rect(x0, yc - bh / 2.0, xe.max(x0 + 1.0), yc + bh / 2.0, col)?;
            let base = yc + size * 0.36;
            c.text(
                &names[k],
                (x0 - 10.0 * u, base),
                size,
                INK,
                Align::Right,
                false,
            )?;
            c.text(
                &values[k],
                (xe + 6.0 * u, base),
                size,
                INK,
                Align::Left,
                false,
            )?;
        }
        c.line((x0, top), (x0, plot_bottom), AXIS, 1.0)?;
        Ok(())
    }
}

pub(super) fn render_top(
    atlas: &Atlas,
    req: &PlotRequest,
    family: &str,
) -> Result<Vec<u8>, PlotError> {
    let rows = top_counties(atlas, &req.metric, req.province.as_deref(), req.top);
    output(req, family, BASE, &TopCounties { atlas, req, rows })
}

// ---------------------------------------------------------------- compute vs power

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

/// Boxes overlap (x0, y0, x1, y1).
fn overlaps(a: [f64; 4], b: [f64; 4]) -> bool {
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

impl Painter for Scatter<'_> {
    fn paint<DB: DrawingBackend>(&self, c: &Canvas<'_, DB>) -> Result<(), PlotError> {
        let zh = self.req.zh();
        let u = c.u;
        let m = 26.0 * u;
        let county = self.req.level == PlotLevel::County;
        let units = if county {
            t(zh, "counties", "个县")
        } else {
            t(zh, "provinces", "个省区市")
        };
        let place = self.req.province_info().map_or_else(
            || t(zh, "western China", "中国西部").to_string(),
            |p| text::province_name(p.adcode, zh),
        );
        let title = self.req.title.clone().unwrap_or_else(|| {
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
        });
        let date = text::data_date(self.atlas).unwrap_or_else(|| "–".into());
        let subtitle = if zh {
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
        };
        let (top, bottom) = frame(
            c,
            &title,
            &subtitle,
            &text::sources(self.atlas, zh, false, true),
        )?;
        let mut provs: Vec<Adcode> = self.points.iter().map(|p| p.province).collect();
        provs.sort_by_key(|a| WESTERN_PROVINCES.iter().position(|p| p.adcode == *a));
        provs.dedup();
        let keys: Vec<(String, Rgb)> = provs
            .iter()
            .map(|&a| (text::province_name(a, zh), province_colour(a)))
            .collect();
        let top = if county {
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
            c.text(
                msg,
                (c.w / 2.0, (top + bottom) / 2.0),
                20.0 * u,
                MUTED,
                Align::Center,
                false,
            )?;
            return Ok(());
        }
        if self.points.is_empty() {
            let msg = t(
                zh,
                "No unit has both figures.",
                "没有同时具备两项数值的单位。",
            );
            c.text(
                msg,
                (c.w / 2.0, (top + bottom) / 2.0),
                20.0 * u,
                MUTED,
                Align::Center,
                false,
            )?;
            return Ok(());
        }
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
        // Points, then labels of the leading units placed greedily where they collide with nothing.
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
        let size = 14.0 * u;
        for i in wanted {
            let (w, h) = place_label(c, &self.points[i].name, size);
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
                let b = [lx - 1.0, ly - 1.0, lx + w + 1.0, ly + h + 1.0];
                let inside = b[0] >= x0 && b[2] <= x1 && b[1] >= y_top && b[3] <= y_bot;
                let own = [px - r, py - r, px + r, py + r];
                if inside && !taken.iter().any(|t| *t != own && overlaps(*t, b)) {
                    c.halo_text(
                        &self.points[i].name,
                        (lx, ly + h * 0.85),
                        size,
                        INK,
                        Align::Left,
                        false,
                    )?;
                    taken.push(b);
                    break;
                }
            }
        }
        Ok(())
    }
}

pub(super) fn render_scatter(
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

// ---------------------------------------------------------------- province power

struct ProvincePower<'a> {
    atlas: &'a Atlas,
    req: &'a PlotRequest,
    /// Province indexes, largest capacity first.
    order: Vec<usize>,
}

impl Painter for ProvincePower<'_> {
    fn paint<DB: DrawingBackend>(&self, c: &Canvas<'_, DB>) -> Result<(), PlotError> {
        let zh = self.req.zh();
        let u = c.u;
        let m = 26.0 * u;
        let a = self.atlas;
        let title = self.req.title.clone().unwrap_or_else(|| {
            t(
                zh,
                "Operating power capacity by fuel and AI compute, western provinces",
                "西部各省区市运行装机（按燃料）与人工智能算力",
            )
            .into()
        });
        let date = text::data_date(a).unwrap_or_else(|| "–".into());
        let subtitle = if zh {
            format!("装机单位：GW（运行中电厂，优先采用 GEM 数据）· 右侧：站点数与报告算力 · 站点数据截至 {date}")
        } else {
            format!("Operating plant capacity, GW (GEM trackers preferred over GPPD per fuel) · right: sites and reported PFLOPS · site data as of {date}")
        };
        let (top, bottom) = frame(c, &title, &subtitle, &text::sources(a, zh, false, true))?;
        let fuels: Vec<Fuel> = Fuel::ALL
            .into_iter()
            .filter(|f| {
                a.province_figures
                    .iter()
                    .any(|pf| pf.plant_mw_of(*f).unwrap_or(0.0) > 0.0)
            })
            .collect();
        let keys: Vec<(String, Rgb)> = fuels
            .iter()
            .map(|f| (text::fuel_name(*f, zh).to_string(), colour::fuel(*f)))
            .collect();
        let top = if a.has_plants() {
            key_row(c, &keys, m, top)?
        } else {
            top + 8.0 * u
        };
        let axis_h = 58.0 * u;
        let plot_bottom = bottom - axis_h;
        let n = self.order.len().max(1) as f64;
        let row_h = (plot_bottom - top) / n;
        let size = (16.0 * u).min(row_h * 0.6);
        let names: Vec<String> = self
            .order
            .iter()
            .map(|&p| text::province_name(a.provinces[p].adcode, zh))
            .collect();
        let labels: Vec<String> = self
            .order
            .iter()
            .map(|&p| {
                let f = &a.province_figures[p];
                let cap = f.plant_mw_total.map(|v| format!("{} GW", num(v / 1000.0)));
                let pf = match f.pflops_reported {
                    Some(v) => format!("{} PFLOPS", num(v)),
                    None => t(zh, "PFLOPS unknown", "算力未知").to_string(),
                };
                let sites = match (zh, f.sites) {
                    (true, n) => format!("{n} 个站点"),
                    (false, 1) => "1 site".to_string(),
                    (false, n) => format!("{n} sites"),
                };
                match cap {
                    Some(cap) => format!("{cap} · {sites} · {pf}"),
                    None => format!("{sites} · {pf}"),
                }
            })
            .collect();
        let name_w = names
            .iter()
            .map(|s| c.text_width(s, size, false))
            .fold(0.0, f64::max);
        let label_w = labels
            .iter()
            .map(|s| c.text_width(s, size, false))
            .fold(0.0, f64::max);
        let x0 = m + name_w + 12.0 * u;
        let x1 = (c.w - m - label_w - 14.0 * u).max(x0 + 50.0 * u);
        let max_gw = self
            .order
            .iter()
            .filter_map(|&p| a.province_figures[p].plant_mw_total)
            .fold(0.0, f64::max)
            / 1000.0;
        let (ticks, hi) = linear_ticks(max_gw, 7);
        let sx = |v: f64| x0 + v / hi * (x1 - x0);
        if a.has_plants() {
            for &tk in &ticks {
                let x = sx(tk);
                c.line((x, top), (x, plot_bottom), GRID, 1.0)?;
                c.text(
                    &num(tk),
                    (x, plot_bottom + 20.0 * u),
                    14.0 * u,
                    MUTED,
                    Align::Center,
                    false,
                )?;
            }
            c.line((x0, plot_bottom), (x1, plot_bottom), AXIS, 1.0)?;
            let axis_label = t(zh, "Operating capacity (GW)", "运行装机（GW）");
            c.text(
                axis_label,
                ((x0 + x1) / 2.0, plot_bottom + 46.0 * u),
                15.0 * u,
                INK,
                Align::Center,
                false,
            )?;
        }
        for (k, &p) in self.order.iter().enumerate() {
            let yc = top + (k as f64 + 0.5) * row_h;
            let bh = row_h * 0.66;
            let f = &a.province_figures[p];
            let mut acc = 0.0;
            for fuel in &fuels {
                let gw = f.plant_mw_of(*fuel).unwrap_or(0.0) / 1000.0;
                if gw > 0.0 {
                    c.rect(
                        sx(acc),
                        yc - bh / 2.0,
                        sx(acc + gw),
                        yc + bh / 2.0,
                        colour::fuel(*fuel),
                    )?;
                    acc += gw;
                }
            }
            let base = yc + size * 0.36;
            c.text(
                &names[k],
                (x0 - 10.0 * u, base),
                size,
                INK,
                Align::Right,
                true,
            )?;
            let lx = if a.has_plants() {
                sx(acc) + 8.0 * u
            } else {
                x0 + 8.0 * u
            };
            c.text(&labels[k], (lx, base), size, INK, Align::Left, false)?;
        }
        c.line((x0, top), (x0, plot_bottom), AXIS, 1.0)?;
        if !a.has_plants() {
            let msg = t(
                zh,
                "No power-plant files are loaded, so operating capacity by fuel is unknown.",
                "未加载电厂数据，各燃料运行装机未知。",
            );
            let hint = t(
                zh,
                "Load GEM tracker or GPPD files to draw the capacity bars.",
                "加载 GEM 或 GPPD 电厂文件后即可绘制装机条形图。",
            );
            let xm = (x0 + c.w - m) / 2.0 + label_w / 2.0;
            c.text(
                msg,
                (xm, (top + plot_bottom) / 2.0 - 12.0 * u),
                19.0 * u,
                MUTED,
                Align::Center,
                true,
            )?;
            c.text(
                hint,
                (xm, (top + plot_bottom) / 2.0 + 16.0 * u),
                16.0 * u,
                MUTED,
                Align::Center,
                false,
            )?;
        }
        Ok(())
    }
}

pub(super) fn render_province_power(
    atlas: &Atlas,
    req: &PlotRequest,
    family: &str,
) -> Result<Vec<u8>, PlotError> {
    let mut order: Vec<usize> = (0..atlas.provinces.len()).collect();
    order.sort_by(|&a, &b| {
        let (fa, fb) = (&atlas.province_figures[a], &atlas.province_figures[b]);
        fb.plant_mw_total
            .unwrap_or(0.0)
            .total_cmp(&fa.plant_mw_total.unwrap_or(0.0))
            .then(
                fb.pflops_reported
                    .unwrap_or(0.0)
                    .total_cmp(&fa.pflops_reported.unwrap_or(0.0)),
            )
            .then(atlas.provinces[a].adcode.cmp(&atlas.provinces[b].adcode))
    });
    output(req, family, BASE, &ProvincePower { atlas, req, order })
}

#[cfg(test)]
mod tests {
    use super::linear_ticks;

    #[test]
    fn ticks_fit_the_data() {
        assert_eq!(linear_ticks(62_100.0, 7).1, 70_000.0);
        assert_eq!(linear_ticks(135.0, 7).1, 140.0);
        assert_eq!(linear_ticks(1.0, 7).0.len(), 6);
    }
}
