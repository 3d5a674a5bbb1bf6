//! The build-out over time: cumulative sites (stacked by status) and cumulative reported compute
//! (one line per status and the total), from [`crate::timeline`], by month, quarter or year.

use plotters::prelude::DrawingBackend;

use super::super::canvas::{output, Align, Canvas, LineStyle, Painter};
use super::super::colour::{self, Rgb, AXIS, GRID, INK, MUTED};
use super::super::text::{self, at_least_suffix, num, t};
use super::super::{PlotError, PlotRequest};
use super::axis::Axis;
use super::frame::{data_date, frame, message, place};
use super::legend::key_row;
use super::BASE;
use crate::atlas::Atlas;
use crate::model::SiteStatus;
use crate::timeline::{ByStatus, Step, Timeline};

/// Stacking order, bottom up: the furthest along first.
const STACK: [SiteStatus; 4] = [
    SiteStatus::Operational,
    SiteStatus::UnderConstruction,
    SiteStatus::Tendered,
    SiteStatus::Announced,
];

struct TimelineChart<'a> {
    atlas: &'a Atlas,
    req: &'a PlotRequest,
    t: Timeline,
    /// The asked province has no site (the timeline is empty).
    no_sites: bool,
}

/// The horizontal extent shared by both panels: `n` periods from `x0` to `x1`.
#[derive(Debug, Clone, Copy)]
struct Periods {
    x0: f64,
    x1: f64,
    n: usize,
}

impl Periods {
    /// Left edge of period `k` (`k == n`: the right edge of the last).
    fn x(&self, k: usize) -> f64 {
        self.x0 + k as f64 * (self.x1 - self.x0) / self.n.max(1) as f64
    }
}

/// Statuses, in stacking order, whose final figure is above zero.
fn present(last: &ByStatus) -> Vec<SiteStatus> {
    STACK.into_iter().filter(|s| last.of(*s) > 0.0).collect()
}

impl TimelineChart<'_> {
    fn zh(&self) -> bool {
        self.req.zh()
    }

    fn step_name(&self) -> &'static str {
        let zh = self.zh();
        match self.t.by {
            Step::Month => t(zh, "month", "月"),
            Step::Quarter => t(zh, "quarter", "季度"),
            Step::Year => t(zh, "year", "年"),
        }
    }

    fn title(&self) -> String {
        let place = place(self.req);
        self.req.title.clone().unwrap_or_else(|| {
            if self.zh() {
                format!("{place}：按状态累计的站点数与报告算力")
            } else {
                format!(
                    "Build-out over time: cumulative sites and reported compute by status, {place}"
                )
            }
        })
    }

    fn subtitle(&self) -> String {
        let date = data_date(self.atlas);
        let step = self.step_name();
        if self.zh() {
            format!("按首次报告该站点的日期（每{step}），状态为该报告所述 · 站点数据截至 {date}")
        } else {
            format!("By {step} of the report that first gives each site, with the status that report gives · site data as of {date}")
        }
    }

    /// The notes under the panels: undated sites, and dates coarser than the step.
    fn notes(&self) -> Vec<String> {
        let zh = self.zh();
        let u = &self.t.undated;
        let n = u.sites.total as usize;
        let mut notes = Vec::new();
        notes.push(if n == 0 {
            t(zh, "Every site has a date.", "所有站点均有日期。").to_string()
        } else if zh {
            format!(
                "未计入图中：{} 个站点没有日期，另行统计（报告算力 {} PFLOPS{}）。",
                text::int(n),
                num(u.pflops.total),
                at_least_suffix("pflops_reported", zh)
            )
        } else {
            format!(
                "Not in the panels: {} {} without a date, counted apart ({} PFLOPS reported{}).",
                text::int(n),
                if n == 1 { "site" } else { "sites" },
                num(u.pflops.total),
                at_least_suffix("pflops_reported", zh)
            )
        });
        let coarser: u32 = self
            .t
            .periods
            .iter()
            .map(|p| p.new_sites_coarser_date)
            .sum();
        if coarser > 0 {
            let step = self.step_name();
            notes.push(if zh {
                format!("{coarser} 个站点的日期只到年份：计入该年最后一个{step}，而非一月。")
            } else {
                format!(
                    "{coarser} {} dated to the year only: counted in the last {step} of that year, not in January.",
                    if coarser == 1 { "site" } else { "sites" }
                )
            });
        }
        notes
    }

    /// Period labels under the lower panel: the first period in full, then each year's first
    /// period as the year, skipping labels that would touch the previous one.
    fn paint_periods<DB: DrawingBackend>(
        &self,
        c: &Canvas<'_, DB>,
        xs: Periods,
        y: f64,
    ) -> Result<(), PlotError> {
        let u = c.u;
        let size = 14.0 * u;
        let mut right = f64::NEG_INFINITY;
        for (k, p) in self.t.periods.iter().enumerate() {
            let year_start = p.start.format("%m-%d").to_string() == "01-01";
            let label = if k == 0 {
                p.period.clone()
            } else if year_start {
                p.start.format("%Y").to_string()
            } else {
                continue;
            };
            // Yearly periods are labelled at their middle, finer ones at the year's start.
            let x = if self.t.by == Step::Year {
                (xs.x(k) + xs.x(k + 1)) / 2.0
            } else {
                xs.x(k)
            };
            let w = c.text_width(&label, size, false);
            // The first label starts at the axis so it does not run off the plot on the left.
            let from_left = k == 0 && self.t.by != Step::Year;
            let (left, align) = if from_left {
                (x, Align::Left)
            } else {
                (x - w / 2.0, Align::Center)
            };
            if left < right + 8.0 * u {
                continue;
            }
            c.line((xs.x(k), y - 6.0 * u), (xs.x(k), y), AXIS, 1.0)?;
            c.text(&label, (x, y + 16.0 * u), size, MUTED, align, false)?;
            right = left + w;
        }
        Ok(())
    }

    /// Grid, value ticks and the axis label of a panel from `top` to `bottom`.
    fn paint_value_axis<DB: DrawingBackend>(
        &self,
        c: &Canvas<'_, DB>,
        axis: &Axis,
        xs: Periods,
        (top, bottom): (f64, f64),
        label: &str,
    ) -> Result<(), PlotError> {
        let u = c.u;
        let tick = 14.0 * u;
        for (v, s) in axis.ticks() {
            let y = axis.map(v);
            c.line((xs.x0, y), (xs.x1, y), GRID, 1.0)?;
            c.text(
                &s,
                (xs.x0 - 8.0 * u, y + tick * 0.36),
                tick,
                MUTED,
                Align::Right,
                false,
            )?;
        }
        c.line((xs.x0, bottom), (xs.x1, bottom), AXIS, 1.0)?;
        c.line((xs.x0, top), (xs.x0, bottom), AXIS, 1.0)?;
        c.text(
            label,
            (26.0 * u, top - 12.0 * u),
            15.0 * u,
            INK,
            Align::Left,
            false,
        )
    }

    /// Cumulative sites stacked by status, one area per status present, as steps per period.
    fn paint_sites<DB: DrawingBackend>(
        &self,
        c: &Canvas<'_, DB>,
        xs: Periods,
        (top, bottom): (f64, f64),
    ) -> Result<(), PlotError> {
        let zh = self.zh();
        let periods = &self.t.periods;
        let last = &periods[periods.len() - 1].cumulative_sites;
        let axis = Axis::new(&[last.total], bottom, top, c.u);
        let label = t(zh, "Sites, cumulative", "站点数（累计）");
        self.paint_value_axis(c, &axis, xs, (top, bottom), label)?;
        let mut below = vec![0.0; periods.len()];
        for status in present(last) {
            let above: Vec<f64> = periods
                .iter()
                .zip(&below)
                .map(|(p, b)| b + p.cumulative_sites.of(status))
                .collect();
            let mut pts: Vec<(i32, i32)> = Vec::new();
            let px = |x: f64, v: f64| (x.round() as i32, axis.map(v).round() as i32);
            for (k, v) in above.iter().enumerate() {
                pts.push(px(xs.x(k), *v));
                pts.push(px(xs.x(k + 1), *v));
            }
            for (k, v) in below.iter().enumerate().rev() {
                pts.push(px(xs.x(k + 1), *v));
                pts.push(px(xs.x(k), *v));
            }
            c.polygon(&pts, colour::status(status))?;
            below = above;
        }
        let end = if zh {
            format!("合计 {} 个站点", text::int(last.total as usize))
        } else {
            format!("total {} sites", text::int(last.total as usize))
        };
        c.text(
            &end,
            (xs.x1 + 8.0 * c.u, axis.map(last.total) + 5.0 * c.u),
            15.0 * c.u,
            INK,
            Align::Left,
            true,
        )
    }

    /// Cumulative reported PFLOPS: a step line per status present and the total, darker.
    fn paint_pflops<DB: DrawingBackend>(
        &self,
        c: &Canvas<'_, DB>,
        xs: Periods,
        (top, bottom): (f64, f64),
    ) -> Result<(), PlotError> {
        let zh = self.zh();
        let u = c.u;
        let periods = &self.t.periods;
        let last = &periods[periods.len() - 1].cumulative_pflops;
        let values: Vec<f64> = periods
            .iter()
            .flat_map(|p| {
                let b = &p.cumulative_pflops;
                [b.total].into_iter().chain(STACK.map(|s| b.of(s)))
            })
            .collect();
        let axis = Axis::new(&values, bottom, top, u);
        let label = format!(
            "{}{}{}",
            t(
                zh,
                "Reported compute, cumulative (PFLOPS",
                "报告算力，累计（PFLOPS"
            ),
            if axis.log {
                t(zh, ", log scale)", "，对数刻度）")
            } else {
                t(zh, ")", "）")
            },
            at_least_suffix("pflops_reported", zh)
        );
        self.paint_value_axis(c, &axis, xs, (top, bottom), &label)?;
        let line = |of: &dyn Fn(&ByStatus) -> f64, col: Rgb, width: f64| {
            let mut pts: Vec<(i32, i32)> = Vec::new();
            for (k, p) in periods.iter().enumerate() {
                let y = axis.map(of(&p.cumulative_pflops)).round() as i32;
                pts.push((xs.x(k).round() as i32, y));
                pts.push((xs.x(k + 1).round() as i32, y));
            }
            c.polyline(&pts, col, 1.0, width)
        };
        for status in present(last) {
            line(&|b| b.of(status), colour::status(status), 2.5 * u)?;
        }
        line(&|b| b.total, INK, 2.0 * u)?;
        let end = format!(
            "{} {}{} PFLOPS",
            t(zh, "total", "合计"),
            if at_least_suffix("pflops_reported", zh).is_empty() {
                ""
            } else {
                "≥ "
            },
            num(last.total)
        );
        c.text(
            &end,
            (xs.x1 + 8.0 * u, axis.map(last.total) + 5.0 * u),
            15.0 * u,
            INK,
            Align::Left,
            true,
        )
    }
}

impl Painter for TimelineChart<'_> {
    fn paint<DB: DrawingBackend>(&self, c: &Canvas<'_, DB>) -> Result<(), PlotError> {
        let zh = self.zh();
        let u = c.u;
        let m = 26.0 * u;
        let (top, bottom) = frame(
            c,
            &self.title(),
            &self.subtitle(),
            &text::sources(self.atlas, zh, false, false),
        )?;
        if self.no_sites {
            let msg = if zh {
                format!("{}没有站点。", place(self.req))
            } else {
                format!("No site in {}.", place(self.req))
            };
            return message(c, &msg, top, bottom);
        }
        // The notes sit above the footer, so the undated sites are said on the plot itself.
        let note = LineStyle {
            size: 14.0 * u,
            step: 19.0 * u,
            colour: INK,
        };
        let notes = self.notes();
        let bottom = bottom - notes.len() as f64 * note.step - 4.0 * u;
        c.lines(&notes, (m, bottom + note.size), note)?;
        let Some(last) = self.t.periods.last() else {
            let msg = t(zh, "No site has a date.", "没有带日期的站点。");
            return message(c, msg, top, bottom);
        };
        let mut statuses = present(&last.cumulative_sites);
        for s in present(&last.cumulative_pflops) {
            if !statuses.contains(&s) {
                statuses.push(s);
            }
        }
        statuses.sort_by_key(|s| STACK.iter().position(|x| x == s));
        let mut keys: Vec<(String, Rgb)> = statuses
            .iter()
            .map(|s| (text::status_name(*s, zh).to_string(), colour::status(*s)))
            .collect();
        keys.push((
            t(zh, "All statuses (compute)", "全部状态（算力）").into(),
            INK,
        ));
        let top = key_row(c, &keys, m, top)?;
        let end_w = c.text_width("total ≥ 000,000 PFLOPS", 15.0 * u, true) + 16.0 * u;
        let tick_w = c.text_width("000,000", 14.0 * u, false) + 12.0 * u;
        let xs = Periods {
            x0: m + tick_w,
            x1: c.w - m - end_w,
            n: self.t.periods.len(),
        };
        let axis_h = 34.0 * u;
        let gap = 44.0 * u;
        let h = (bottom - axis_h - top - 2.0 * 24.0 * u - gap) / 2.0;
        let sites = (top + 24.0 * u, top + 24.0 * u + h);
        let pflops = (sites.1 + gap + 24.0 * u, sites.1 + gap + 24.0 * u + h);
        self.paint_sites(c, xs, sites)?;
        self.paint_pflops(c, xs, pflops)?;
        self.paint_periods(c, xs, pflops.1)
    }
}

pub(in crate::plot) fn render(
    atlas: &Atlas,
    req: &PlotRequest,
    family: &str,
) -> Result<Vec<u8>, PlotError> {
    // The province was checked against the western provinces; one of them without sites is
    // drawn as an empty plot that says so, not refused.
    let (t, no_sites) = match crate::timeline::timeline(atlas, req.by, req.province.as_deref()) {
        Ok(t) => (t, false),
        Err(_) => (
            crate::timeline::timeline(atlas, req.by, None)
                .map_err(|e| PlotError::Render(e.to_string()))?,
            true,
        ),
    };
    let chart = TimelineChart {
        atlas,
        req,
        t,
        no_sites,
    };
    output(req, family, BASE, &chart)
}
