//! Stacked bars of operating capacity by fuel per province, with sites and compute beside them.

use plotters::prelude::DrawingBackend;

use super::super::canvas::{output, Align, Canvas, Painter};
use super::super::colour::{self, Rgb, AXIS, INK, MUTED};
use super::super::text::{self, num, t};
use super::super::{PlotError, PlotRequest};
use super::axis::{BarAxis, BarRows};
use super::frame::{data_date, frame};
use super::legend::key_row;
use super::BASE;
use crate::atlas::Atlas;
use crate::model::Fuel;

struct ProvincePower<'a> {
    atlas: &'a Atlas,
    req: &'a PlotRequest,
    /// Province indexes, largest capacity first.
    order: Vec<usize>,
}

impl ProvincePower<'_> {
    fn title(&self) -> String {
        self.req.title.clone().unwrap_or_else(|| {
            t(
                self.req.zh(),
                "Operating power capacity by fuel and AI compute, western provinces",
                "西部各省区市运行装机（按燃料）与人工智能算力",
            )
            .into()
        })
    }

    fn subtitle(&self) -> String {
        let date = data_date(self.atlas);
        if self.req.zh() {
            format!("装机单位：GW（运行中电厂，优先采用 GEM 数据）· 右侧：站点数与报告算力 · 站点数据截至 {date}")
        } else {
            format!("Operating plant capacity, GW (GEM trackers preferred over GPPD per fuel) · right: sites and reported PFLOPS · site data as of {date}")
        }
    }

    /// "capacity · sites · PFLOPS" beside the bar of province `p`.
    fn row_label(&self, p: usize) -> String {
        let zh = self.req.zh();
        let f = &self.atlas.province_figures[p];
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
    }
}

impl Painter for ProvincePower<'_> {
    fn paint<DB: DrawingBackend>(&self, c: &Canvas<'_, DB>) -> Result<(), PlotError> {
        let zh = self.req.zh();
        let u = c.u;
        let m = 26.0 * u;
        let a = self.atlas;
        let (top, bottom) = frame(
            c,
            &self.title(),
            &self.subtitle(),
            &text::sources(a, zh, false, true),
        )?;
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
        let rows = BarRows::new(top, bottom, self.order.len().max(1), 0.6, u);
        let names: Vec<String> = self
            .order
            .iter()
            .map(|&p| text::province_name(a.provinces[p].adcode, zh))
            .collect();
        let labels: Vec<String> = self.order.iter().map(|&p| self.row_label(p)).collect();
        let label_w = c.widest(&labels, rows.size);
        let x0 = m + c.widest(&names, rows.size) + 12.0 * u;
        let x1 = (c.w - m - label_w - 14.0 * u).max(x0 + 50.0 * u);
        let max_gw = self
            .order
            .iter()
            .filter_map(|&p| a.province_figures[p].plant_mw_total)
            .fold(0.0, f64::max)
            / 1000.0;
        let axis = BarAxis::new(max_gw, x0, x1);
        if a.has_plants() {
            let label = t(zh, "Operating capacity (GW)", "运行装机（GW）");
            axis.draw(c, top, rows.bottom, label)?;
        }
        for (k, &p) in self.order.iter().enumerate() {
            let yc = rows.centre(k);
            let bh = rows.row_h * 0.66;
            let f = &a.province_figures[p];
            let mut acc = 0.0;
            for fuel in &fuels {
                let gw = f.plant_mw_of(*fuel).unwrap_or(0.0) / 1000.0;
                if gw > 0.0 {
                    c.rect(
                        axis.x(acc),
                        yc - bh / 2.0,
                        axis.x(acc + gw),
                        yc + bh / 2.0,
                        colour::fuel(*fuel),
                    )?;
                    acc += gw;
                }
            }
            let base = rows.baseline(yc);
            c.text(
                &names[k],
                (x0 - 10.0 * u, base),
                rows.size,
                INK,
                Align::Right,
                true,
            )?;
            let lx = if a.has_plants() {
                axis.x(acc) + 8.0 * u
            } else {
                x0 + 8.0 * u
            };
            c.text(&labels[k], (lx, base), rows.size, INK, Align::Left, false)?;
        }
        c.line((x0, top), (x0, rows.bottom), AXIS, 1.0)?;
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
            let ym = (top + rows.bottom) / 2.0;
            c.text(
                msg,
                (xm, ym - 12.0 * u),
                19.0 * u,
                MUTED,
                Align::Center,
                true,
            )?;
            c.text(
                hint,
                (xm, ym + 16.0 * u),
                16.0 * u,
                MUTED,
                Align::Center,
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
