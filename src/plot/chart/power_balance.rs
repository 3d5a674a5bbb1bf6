//! Estimated demand against supply per province or county, from [`crate::balance`]: the demand
//! energy range (low to high, central dot) as an error bar over bars of wind and solar generation
//! and curtailed energy, all over the period the utilisation hours cover.

use plotters::prelude::DrawingBackend;

use super::super::canvas::{output, Align, Canvas, LineStyle, Painter};
use super::super::colour::{self, Rgb, AXIS, GRID, INK, MUTED};
use super::super::text::{self, num, t};
use super::super::{PlotError, PlotLevel, PlotRequest};
use super::axis::{Axis, BarRows};
use super::frame::{data_date, frame, message};
use super::legend::key_row;
use super::BASE;
use crate::atlas::Atlas;
use crate::balance::{BalanceLevel, BalanceRow};

/// Source of a capacity taken from the plant files (see `balance::Source::capacity_from`).
const FROM_PLANT_FILES: &str = "plant files";

/// One row as drawn.
struct Row<'a> {
    label: String,
    row: &'a BalanceRow,
    generation: Option<f64>,
    curtailed: Option<f64>,
    /// The local wind or solar capacity comes from the plant files (the coverage caveat applies).
    from_plant_files: bool,
}

impl Row<'_> {
    /// Something to draw: a demand estimate, or generation or curtailment above zero.
    fn drawable(&self) -> bool {
        self.row.demand_mw.central.is_some()
            || self.generation.is_some_and(|g| g > 0.0)
            || self.curtailed.is_some_and(|c| c > 0.0)
    }
}

struct PowerBalance<'a> {
    atlas: &'a Atlas,
    req: &'a PlotRequest,
    rows: Vec<Row<'a>>,
    /// Units with sites but neither a demand estimate nor wind or solar generation.
    left_out: usize,
}

fn sum(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0.0) + b.unwrap_or(0.0)),
    }
}

impl PowerBalance<'_> {
    fn zh(&self) -> bool {
        self.req.zh()
    }

    fn county(&self) -> bool {
        self.req.level == PlotLevel::County
    }

    fn title(&self) -> String {
        let zh = self.zh();
        self.req.title.clone().unwrap_or_else(|| {
            if zh {
                format!(
                    "人工智能站点的估算用电需求与风光发电量（按{}）",
                    if self.county() { "县" } else { "省" }
                )
            } else {
                format!(
                    "Estimated AI-site demand against wind and solar generation, by {}",
                    if self.county() { "county" } else { "province" }
                )
            }
        })
    }

    /// The periods the utilisation hours cover, each with its level (`2024 Jan-Apr, national`).
    fn periods(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in &self.rows {
            for h in [
                &r.row.wind.utilisation_hours,
                &r.row.solar.utilisation_hours,
            ]
            .into_iter()
            .flatten()
            {
                let level = match (self.zh(), h.level) {
                    (true, "national") => "全国",
                    (true, _) => "省级",
                    (false, l) => l,
                };
                let p = format!("{} ({level})", h.period);
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        out
    }

    fn subtitle(&self) -> String {
        let zh = self.zh();
        let periods = self.periods().join(", ");
        let date = data_date(self.atlas);
        let ov = self.req.overrides;
        let mut set = Vec::new();
        if let Some(p) = ov.pue {
            set.push(format!("PUE = {}", num(p)));
        }
        if let Some(f) = ov.utilisation {
            set.push(format!("{} = {}", t(zh, "utilisation", "利用率"), num(f)));
        }
        let set = if set.is_empty() {
            String::new()
        } else if zh {
            format!("（请求设定 {}）", set.join("，"))
        } else {
            format!(" ({} set by the request)", set.join(", "))
        };
        if zh {
            format!("GWh，时段为利用小时数所覆盖的时段：{periods}。需求为估算值{set}：平均用电 × 同一小时数，低值至高值，圆点为中值；发电量 = 装机 × 利用小时数；弃电按最新弃电率（省级，否则全国）· 站点数据截至 {date}")
        } else {
            format!("GWh over the period the utilisation hours cover: {periods}. Demand is an estimate{set}: average draw × the same hours, low to high, dot at central; generation = capacity × utilisation hours; curtailed from the latest rate (provincial, else national) · site data as of {date}")
        }
    }

    /// The units with sites left out because there is nothing to draw for them.
    fn left_out_note(&self) -> Option<String> {
        let n = self.left_out;
        if n == 0 {
            return None;
        }
        Some(if self.zh() {
            format!(
                "{n} 个有站点的{}既无需求估算也无风光发电或弃电，未显示。",
                if self.county() { "县" } else { "省区市" }
            )
        } else {
            let units = match (self.county(), n) {
                (true, 1) => "county",
                (true, _) => "counties",
                (false, 1) => "province",
                (false, _) => "provinces",
            };
            format!("{n} {units} with sites but neither a demand estimate nor wind or solar generation or curtailment not shown.")
        })
    }

    /// The coverage caveat, for the rows whose wind or solar capacity comes from the plant files:
    /// per province, each such fuel with the share of the reported capacity the files hold.
    fn caveat(&self) -> Option<String> {
        let zh = self.zh();
        if !self.rows.iter().any(|r| r.from_plant_files) {
            return None;
        }
        let mut each: Vec<(String, String)> = Vec::new();
        for r in self.rows.iter().filter(|r| r.from_plant_files) {
            let c = &r.row.coverage;
            let name = crate::model::ProvinceInfo::by_short_name(&c.province)
                .map_or_else(|| c.province.clone(), |p| text::province_name(p.adcode, zh));
            let mut fuels = Vec::new();
            for (source, ratio, en, cn) in [
                (&r.row.solar, c.solar_ratio, "solar", "光伏"),
                (&r.row.wind, c.wind_ratio, "wind", "风电"),
            ] {
                if source.capacity_mw.is_some() && source.capacity_from == FROM_PLANT_FILES {
                    let share = ratio.map_or_else(
                        || t(zh, "share unknown", "比例未知").to_string(),
                        |v| format!("{}%", num(v * 100.0)),
                    );
                    fuels.push(format!("{}{}{share}", t(zh, en, cn), t(zh, " ", "")));
                }
            }
            let fuels = fuels.join(t(zh, ", ", "，"));
            if !each.iter().any(|(n, f)| *n == name && *f == fuels) {
                each.push((name, fuels));
            }
        }
        let each: Vec<String> = each
            .into_iter()
            .map(|(n, f)| format!("{n}{}{f}", t(zh, ": ", "：")))
            .collect();
        Some(if zh {
            format!(
                "* 风电或光伏装机取自电厂数据，而电厂数据只收录各省已报告装机的一部分（电厂数据占比：{}），本地供给因此偏低。",
                each.join("；")
            )
        } else {
            format!(
                "* Wind or solar capacity from the plant files, which hold only part of each province's reported capacity (their share: {}); local supply is understated.",
                each.join("; ")
            )
        })
    }

    /// "demand 12–40 · generation 5,600 · curtailed 230" beside a row (GWh).
    fn values(&self, r: &Row<'_>) -> String {
        let zh = self.zh();
        let d = &r.row.demand_gwh_over_period;
        let mw = &r.row.demand_mw;
        let range = |lo: f64, hi: f64| {
            if num(lo) == num(hi) {
                num(lo)
            } else {
                format!("{}–{}", num(lo), num(hi))
            }
        };
        let demand = match (d.low, d.high, mw.low, mw.high) {
            (Some(lo), Some(hi), _, _) => range(lo, hi),
            // An estimate without utilisation hours has no energy over a period to compare.
            (_, _, Some(lo), Some(hi)) => {
                format!(
                    "{} MW, {}",
                    range(lo, hi),
                    t(zh, "no hours", "无利用小时数")
                )
            }
            _ => t(zh, "none", "无").to_string(),
        };
        // A sum over part of the sites is a partial figure: say over how many.
        let (k, n) = (r.row.estimated_sites, r.row.sites);
        let demand = if k > 0 && k < n {
            if zh {
                format!("{demand}（{n} 个站点中 {k} 个有估算）")
            } else {
                format!("{demand} ({k} of {n} sites)")
            }
        } else {
            demand
        };
        let or_unknown = |v: Option<f64>| v.map_or_else(|| t(zh, "unknown", "未知").into(), num);
        if zh {
            format!(
                "需求 {demand} · 发电 {} · 弃电 {}",
                or_unknown(r.generation),
                or_unknown(r.curtailed)
            )
        } else {
            format!(
                "demand {demand} · generation {} · curtailed {}",
                or_unknown(r.generation),
                or_unknown(r.curtailed)
            )
        }
    }

    /// Every value drawn, for the axis.
    fn drawn_values(&self) -> Vec<f64> {
        let mut v = Vec::new();
        for r in &self.rows {
            let d = &r.row.demand_gwh_over_period;
            v.extend(
                [d.low, d.central, d.high, r.generation, r.curtailed]
                    .into_iter()
                    .flatten()
                    .filter(|v| *v > 0.0),
            );
        }
        v
    }

    /// Grid, ticks and label of the energy axis at `bottom`.
    fn paint_axis<DB: DrawingBackend>(
        &self,
        c: &Canvas<'_, DB>,
        axis: &Axis,
        (x0, x1): (f64, f64),
        (top, bottom): (f64, f64),
    ) -> Result<(), PlotError> {
        let zh = self.zh();
        let u = c.u;
        for (v, s) in axis.ticks() {
            let x = axis.map(v);
            c.line((x, top), (x, bottom), GRID, 1.0)?;
            c.text(
                &s,
                (x, bottom + 20.0 * u),
                14.0 * u,
                MUTED,
                Align::Center,
                false,
            )?;
        }
        c.line((x0, bottom), (x1, bottom), AXIS, 1.0)?;
        c.line((x0, top), (x0, bottom), AXIS, 1.0)?;
        let label = format!(
            "{}{}",
            t(zh, "Energy over the period (GWh", "时段内电量（GWh"),
            if axis.log {
                t(zh, ", log scale)", "，对数刻度）")
            } else {
                t(zh, ")", "）")
            }
        );
        c.text(
            &label,
            ((x0 + x1) / 2.0, bottom + 46.0 * u),
            15.0 * u,
            INK,
            Align::Center,
            false,
        )
    }

    /// The bars and the error bar of row `k`.
    fn paint_row<DB: DrawingBackend>(
        &self,
        c: &Canvas<'_, DB>,
        axis: &Axis,
        rows: &BarRows,
        k: usize,
    ) -> Result<(), PlotError> {
        let u = c.u;
        let r = &self.rows[k];
        let yc = rows.centre(k);
        let bh = rows.row_h * 0.28;
        let start = axis.p0;
        // Zero is said in the row's values; a bar of nothing is not drawn.
        if let Some(g) = r.generation.filter(|g| *g > 0.0) {
            c.rect(
                start,
                yc - bh - 1.0,
                axis.map(g),
                yc - 1.0,
                colour::GENERATION,
            )?;
        }
        if let Some(cu) = r.curtailed.filter(|c| *c > 0.0) {
            c.rect(
                start,
                yc + 1.0,
                axis.map(cu),
                yc + bh + 1.0,
                colour::CURTAILED,
            )?;
        }
        let d = &r.row.demand_gwh_over_period;
        if let (Some(lo), Some(hi)) = (d.low, d.high) {
            let (xl, xh) = (axis.map(lo), axis.map(hi));
            let cap = (rows.row_h * 0.32).min(9.0 * u);
            c.line((xl, yc), (xh, yc), INK, 2.0 * u)?;
            c.line((xl, yc - cap), (xl, yc + cap), INK, 2.0 * u)?;
            c.line((xh, yc - cap), (xh, yc + cap), INK, 2.0 * u)?;
            if let Some(mid) = d.central {
                c.circle(
                    (axis.map(mid), yc),
                    4.0 * u,
                    (255, 255, 255),
                    1.0,
                    true,
                    1.0,
                )?;
                c.circle((axis.map(mid), yc), 3.0 * u, INK, 1.0, true, 1.0)?;
            }
        }
        Ok(())
    }
}

impl Painter for PowerBalance<'_> {
    fn paint<DB: DrawingBackend>(&self, c: &Canvas<'_, DB>) -> Result<(), PlotError> {
        let zh = self.zh();
        let u = c.u;
        let m = 26.0 * u;
        let footer = format!(
            "{}{}",
            text::sources(self.atlas, zh, false, true),
            t(
                zh,
                "; statistics: province_power.csv (each row cites its source)",
                "；统计数据：province_power.csv（每行注明出处）"
            )
        );
        let (top, bottom) = frame(c, &self.title(), &self.subtitle(), &footer)?;
        let keys: Vec<(String, Rgb)> = vec![
            (
                t(
                    zh,
                    "Estimated demand (low–high, central)",
                    "估算需求（低值–高值，中值）",
                )
                .into(),
                INK,
            ),
            (
                t(zh, "Wind + solar generation", "风电 + 光伏发电量").into(),
                colour::GENERATION,
            ),
            (
                t(zh, "Curtailed wind + solar energy", "弃风弃光电量").into(),
                colour::CURTAILED,
            ),
        ];
        let top = key_row(c, &keys, m, top)?;
        let note = LineStyle {
            size: 14.0 * u,
            step: 19.0 * u,
            colour: INK,
        };
        let notes: Vec<String> = self
            .left_out_note()
            .into_iter()
            .chain(self.caveat())
            .flat_map(|s| c.wrap(&s, note.size, c.w - 2.0 * m))
            .take(4)
            .collect();
        let bottom = bottom - notes.len() as f64 * note.step - 4.0 * u;
        c.lines(&notes, (m, bottom + note.size), note)?;
        if self.atlas.demand_model.is_none() {
            let msg = t(
                zh,
                "Power-demand estimates are not available: the data has no usable power_assumptions.csv.",
                "无法估算用电需求：数据中没有可用的 power_assumptions.csv。",
            );
            return message(c, msg, top, bottom);
        }
        if self.rows.is_empty() {
            let msg = t(zh, "No unit has sites.", "没有含站点的单位。");
            return message(c, msg, top, bottom);
        }
        let rows = BarRows::new(top + 8.0 * u, bottom, self.rows.len(), 0.55, u);
        let names: Vec<String> = self.rows.iter().map(|r| r.label.clone()).collect();
        let values: Vec<String> = self.rows.iter().map(|r| self.values(r)).collect();
        let values_w = c.widest(&values, rows.size * 0.9);
        let x0 = m + c.widest(&names, rows.size) + 12.0 * u;
        let x1 = (c.w - m - values_w - 14.0 * u).max(x0 + 80.0 * u);
        let drawn = self.drawn_values();
        let axis = Axis::new(&drawn, x0 + 2.0 * u, x1, u);
        self.paint_axis(c, &axis, (x0, x1), (top, rows.bottom))?;
        for k in 0..self.rows.len() {
            self.paint_row(c, &axis, &rows, k)?;
            let base = rows.baseline(rows.centre(k));
            c.text(
                &names[k],
                (x0 - 10.0 * u, base),
                rows.size,
                INK,
                Align::Right,
                true,
            )?;
            c.text(
                &values[k],
                (x1 + 14.0 * u, base),
                rows.size * 0.9,
                MUTED,
                Align::Left,
                false,
            )?;
        }
        Ok(())
    }
}

pub(in crate::plot) fn render(
    atlas: &Atlas,
    req: &PlotRequest,
    family: &str,
) -> Result<Vec<u8>, PlotError> {
    let zh = req.zh();
    let level = match req.level {
        PlotLevel::County => BalanceLevel::County,
        PlotLevel::Province => BalanceLevel::Province,
    };
    let balance = crate::balance::balance(atlas, level, req.overrides);
    let mut rows: Vec<Row<'_>> = balance
        .iter()
        .map(|row| {
            let adcode = row.id.parse::<crate::model::Adcode>().ok();
            let name = match (level, adcode) {
                (BalanceLevel::Province, Some(a)) => text::province_name(a, zh),
                (_, Some(a)) => atlas
                    .county_by_adcode(a)
                    .map_or_else(|| row.name.clone(), |i| text::county_name(atlas, i, zh)),
                _ => row.name.clone(),
            };
            let from_plant_files = [&row.wind, &row.solar]
                .iter()
                .any(|s| s.capacity_mw.is_some() && s.capacity_from == FROM_PLANT_FILES);
            Row {
                label: if from_plant_files {
                    format!("{name} *")
                } else {
                    name
                },
                row,
                generation: sum(row.wind.generation_gwh, row.solar.generation_gwh),
                curtailed: sum(row.wind.curtailed_gwh, row.solar.curtailed_gwh),
                from_plant_files,
            }
        })
        .collect();
    let all = rows.len();
    rows.retain(Row::drawable);
    let left_out = all - rows.len();
    // Largest central demand first; rows without an estimate last, in the balance's order.
    rows.sort_by(|a, b| {
        let key = |r: &Row<'_>| r.row.demand_gwh_over_period.central.unwrap_or(-1.0);
        key(b).total_cmp(&key(a))
    });
    let chart = PowerBalance {
        atlas,
        req,
        rows,
        left_out,
    };
    output(req, family, BASE, &chart)
}
