//! Bar chart of the leading counties by a metric.

use plotters::prelude::DrawingBackend;

use super::super::canvas::{output, Align, Canvas, Painter};
use super::super::colour::{AXIS, INK};
use super::super::text::{self, num, t};
use super::super::{metric_values, PlotError, PlotRequest};
use super::axis::{BarAxis, BarRows};
use super::frame::{data_date, frame, message, place};
use super::legend::{key_row, province_colour, province_keys};
use super::BASE;
use crate::atlas::Atlas;
use crate::model::ProvinceInfo;

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

struct TopCounties<'a> {
    atlas: &'a Atlas,
    req: &'a PlotRequest,
    rows: Vec<(usize, f64)>,
}

impl TopCounties<'_> {
    fn title(&self, label: &str) -> String {
        let zh = self.req.zh();
        let place = place(self.req);
        self.req.title.clone().unwrap_or_else(|| {
            if zh {
                format!("{place}{label}前 {} 位的县", self.req.top)
            } else {
                format!(
                    "Top {} counties by {}, {place}",
                    self.req.top,
                    label.to_lowercase()
                )
            }
        })
    }

    /// Deduplicated sums are lower bounds: each overlap group counted once.
    fn at_least(&self) -> bool {
        crate::metrics::metric(&self.req.metric).is_some_and(|m| m.at_least)
    }

    /// Whether a county's bar rests on a zone or park aggregate PFLOPS figure (marked †).
    fn zone_aggregate(&self, county: usize) -> bool {
        crate::metrics::metric(&self.req.metric)
            .is_some_and(|m| m.site_field == Some("reported_pflops"))
            && self.atlas.county_figures[county].pflops_zone_aggregate
    }

    fn subtitle(&self, unit: &str) -> String {
        let date = data_date(self.atlas);
        let known = metric_values(&self.atlas.county_figures, &self.req.metric)
            .iter()
            .flatten()
            .count();
        let zh = self.req.zh();
        let mut notes = String::new();
        if self.at_least() {
            notes += t(
                zh,
                " · ≥: at least (overlapping rows counted once)",
                " · ≥：至少（重叠记录只计一次）",
            );
        }
        if self.rows.iter().any(|r| self.zone_aggregate(r.0)) {
            notes += t(
                zh,
                " · †: rests on a zone or park aggregate figure",
                " · †：基于园区或区域汇总数字",
            );
        }
        if zh {
            format!(
                "{}（{unit}）· 有数值的县 {} 个 · 站点数据截至 {date}{notes}",
                self.req.metric,
                text::int(known)
            )
        } else {
            format!(
                "{} ({unit}) · {} counties have a value; unknown values are left out · site data as of {date}{notes}",
                self.req.metric,
                text::int(known)
            )
        }
    }
}

impl Painter for TopCounties<'_> {
    fn paint<DB: DrawingBackend>(&self, c: &Canvas<'_, DB>) -> Result<(), PlotError> {
        let zh = self.req.zh();
        let u = c.u;
        let m = 26.0 * u;
        let (label, unit) = text::metric_label(&self.req.metric, zh);
        let plants =
            self.req.metric.starts_with("plant") || self.req.metric.starts_with("renewable");
        let (top, bottom) = frame(
            c,
            &self.title(&label),
            &self.subtitle(&unit),
            &text::sources(self.atlas, zh, false, plants),
        )?;
        let keys = province_keys(
            self.rows
                .iter()
                .map(|r| self.atlas.counties[r.0].province_adcode),
            zh,
        );
        let top = key_row(c, &keys, m, top)?;
        if self.rows.is_empty() {
            let msg = t(
                zh,
                "No county has a value for this metric.",
                "没有县有该指标的数值。",
            );
            return message(c, msg, top, bottom);
        }
        let rows = BarRows::new(top, bottom, self.rows.len(), 0.62, u);
        let names: Vec<String> = self
            .rows
            .iter()
            .map(|&(i, _)| {
                let p = text::province_name(self.atlas.counties[i].province_adcode, zh);
                format!("{} · {p}", text::county_name(self.atlas, i, zh))
            })
            .collect();
        let at_least = if self.at_least() { "≥ " } else { "" };
        let values: Vec<String> = self
            .rows
            .iter()
            .map(|&(i, v)| {
                let mark = if self.zone_aggregate(i) { " †" } else { "" };
                format!("{at_least}{}{mark}", num(v))
            })
            .collect();
        let x0 = m + c.widest(&names, rows.size) + 12.0 * u;
        let x1 = c.w - m - c.widest(&values, rows.size) - 12.0 * u;
        let max = self.rows.iter().map(|r| r.1).fold(0.0, f64::max);
        let axis = BarAxis::new(max, x0, x1);
        let at_least = text::at_least_suffix(&self.req.metric, zh);
        axis.draw(c, top, rows.bottom, &format!("{label} ({unit}){at_least}"))?;
        for (k, &(i, v)) in self.rows.iter().enumerate() {
            let yc = rows.centre(k);
            let bh = rows.row_h * 0.68;
            let col = province_colour(self.atlas.counties[i].province_adcode);
            let xe = axis.x(v.max(0.0));
            c.rect(x0, yc - bh / 2.0, xe.max(x0 + 1.0), yc + bh / 2.0, col)?;
            let base = rows.baseline(yc);
            c.text(
                &names[k],
                (x0 - 10.0 * u, base),
                rows.size,
                INK,
                Align::Right,
                false,
            )?;
            c.text(
                &values[k],
                (xe + 6.0 * u, base),
                rows.size,
                INK,
                Align::Left,
                false,
            )?;
        }
        c.line((x0, top), (x0, rows.bottom), AXIS, 1.0)?;
        Ok(())
    }
}

pub(in crate::plot) fn render(
    atlas: &Atlas,
    req: &PlotRequest,
    family: &str,
) -> Result<Vec<u8>, PlotError> {
    let rows = top_counties(atlas, &req.metric, req.province.as_deref(), req.top);
    output(req, family, BASE, &TopCounties { atlas, req, rows })
}
