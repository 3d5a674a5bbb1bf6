//! The county choropleth.

mod legend;

use plotters::prelude::DrawingBackend;

use super::canvas::{output, Align, Canvas, LineStyle, Painter};
use super::classify::{class_of, jenks_breaks, quantile_breaks};
use super::colour::{self, Rgb, INK, MUTED};
use super::project::{albers, project_point, ProjectedAtlas};
use super::text::{self, num, t};
use super::{metric_values, Breaks, PlotError, PlotRequest};
use crate::atlas::Atlas;

/// Number of value classes (fewer when there are fewer distinct values).
const CLASSES: usize = 5;
/// Reference size of maps, at which the size unit is 1.
const BASE: (f64, f64) = (1600.0, 1200.0);

/// One entry of the legend.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendClass {
    pub label: String,
    pub colour: Rgb,
    /// Bounds of the class (`lower` exclusive except for the first class); `None` for no data.
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    /// Counties in the class.
    pub count: usize,
}

/// The classes of a choropleth.
#[derive(Debug, Clone)]
pub struct Classes {
    /// Upper bounds of the value classes.
    pub breaks: Vec<f64>,
    /// Value classes, lowest first.
    pub classes: Vec<LegendClass>,
    /// The "0" class, when some county's value is exactly zero.
    pub zero: Option<LegendClass>,
    pub no_data: LegendClass,
}

impl Classes {
    /// Fill colour of a county with value `v`.
    pub fn colour_of(&self, v: Option<f64>) -> Rgb {
        match v {
            None => self.no_data.colour,
            Some(0.0) => colour::ZERO,
            Some(_) if self.classes.is_empty() => colour::viridis(0.5),
            Some(x) => self.classes[class_of(&self.breaks, x)].colour,
        }
    }

    /// Legend entries top to bottom: zero, value classes, no data (when some county has none).
    pub fn entries(&self) -> Vec<&LegendClass> {
        self.zero
            .iter()
            .chain(self.classes.iter())
            .chain(std::iter::once(&self.no_data).filter(|c| c.count > 0))
            .collect()
    }
}

/// Counties drawn for the request (indexes into `atlas.counties`).
fn selected_counties(atlas: &Atlas, req: &PlotRequest) -> Vec<usize> {
    let adcode = req.province_info().map(|p| p.adcode);
    (0..atlas.counties.len())
        .filter(|&i| adcode.is_none_or(|a| atlas.counties[i].province_adcode == a))
        .collect()
}

/// The classes the choropleth of `req` uses, with their colours and counts.
pub fn choropleth_classes(atlas: &Atlas, req: &PlotRequest) -> Result<Classes, PlotError> {
    let values = metric_values(&atlas.county_figures, &req.metric);
    Ok(classes_for(
        &selected_counties(atlas, req)
            .iter()
            .map(|&i| values[i])
            .collect::<Vec<_>>(),
        req,
    ))
}

fn classes_for(values: &[Option<f64>], req: &PlotRequest) -> Classes {
    let zh = req.zh();
    let nonzero: Vec<f64> = values
        .iter()
        .flatten()
        .copied()
        .filter(|v| *v != 0.0)
        .collect();
    let breaks = match req.breaks {
        Breaks::Quantile => quantile_breaks(&nonzero, CLASSES),
        Breaks::Jenks => jenks_breaks(&nonzero, CLASSES),
    };
    let colours = colour::sequential(breaks.len());
    let min = nonzero.iter().copied().fold(f64::INFINITY, f64::min);
    let mut counts = vec![0usize; breaks.len()];
    // Smallest and largest value actually in each class, for the labels.
    let mut seen = vec![(f64::INFINITY, f64::NEG_INFINITY); breaks.len()];
    for v in &nonzero {
        let k = class_of(&breaks, *v);
        counts[k] += 1;
        seen[k] = (seen[k].0.min(*v), seen[k].1.max(*v));
    }
    let classes = breaks
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            let lo = if i == 0 { min } else { breaks[i - 1] };
            let (a, z) = (num(seen[i].0), num(seen[i].1));
            let label = if a == z { a } else { format!("{a} – {z}") };
            LegendClass {
                label,
                colour: colours[i],
                lower: Some(lo),
                upper: Some(b),
                count: counts[i],
            }
        })
        .collect();
    let zeros = values.iter().filter(|v| **v == Some(0.0)).count();
    let nulls = values.iter().filter(|v| v.is_none()).count();
    Classes {
        breaks,
        classes,
        zero: (zeros > 0).then(|| LegendClass {
            label: "0".into(),
            colour: colour::ZERO,
            lower: Some(0.0),
            upper: Some(0.0),
            count: zeros,
        }),
        no_data: LegendClass {
            label: t(zh, "no data", "无数据").into(),
            colour: colour::NO_DATA,
            lower: None,
            upper: None,
            count: nulls,
        },
    }
}

/// Where the map goes on the canvas and how projected metres become pixels.
#[derive(Debug, Clone, Copy)]
struct Layout {
    u: f64,
    margin: f64,
    /// Top of the map box.
    y0: f64,
    /// Metres to pixels.
    k: f64,
    minx: f64,
    maxy: f64,
    ox: f64,
    oy: f64,
    legend_x: f64,
    footer_y: f64,
}

impl Layout {
    fn new(projected: &ProjectedAtlas, counties: &[usize], req: &PlotRequest) -> Layout {
        let (w, h) = req.pixel_size();
        let (w, h) = (w as f64, h as f64);
        let u = req.scale
            * (req.width as f64 / BASE.0)
                .min(req.height as f64 / BASE.1)
                .max(0.5);
        let margin = 28.0 * u;
        let legend_w = 330.0 * u;
        let footer_h = 3.0 * 19.0 * u + 8.0 * u;
        let (x0, y0) = (margin, margin + 92.0 * u);
        let x1 = (w - margin - legend_w - 16.0 * u).max(x0 + 10.0);
        let footer_y = h - margin - footer_h;
        let y1 = (footer_y - 10.0 * u).max(y0 + 10.0);
        let mut b = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        for &i in counties {
            let s = &projected.counties[i].bbox;
            b = [
                b[0].min(s[0]),
                b[1].min(s[1]),
                b[2].max(s[2]),
                b[3].max(s[3]),
            ];
        }
        if !b[0].is_finite() {
            b = [0.0, 0.0, 1.0, 1.0];
        }
        let k = ((x1 - x0) / (b[2] - b[0]).max(1.0)).min((y1 - y0) / (b[3] - b[1]).max(1.0));
        // Centre the map in its box, pulled up to the top so the legend and title line up.
        let ox = x0 + ((x1 - x0) - (b[2] - b[0]) * k) / 2.0;
        let oy = y0;
        Layout {
            u,
            margin,
            y0,
            k,
            minx: b[0],
            maxy: b[3],
            ox,
            oy,
            legend_x: w - margin - legend_w,
            footer_y,
        }
    }

    fn px(&self, p: (f64, f64)) -> (f64, f64) {
        (
            self.ox + (p.0 - self.minx) * self.k,
            self.oy + (self.maxy - p.1) * self.k,
        )
    }

    fn ipx(&self, p: (f64, f64)) -> (i32, i32) {
        let q = self.px(p);
        (q.0.round() as i32, q.1.round() as i32)
    }
}

/// The pixel of the rendered PNG (device pixels, origin top left) where (lon, lat) is drawn.
pub fn pixel_of(
    atlas: &Atlas,
    req: &PlotRequest,
    lon: f64,
    lat: f64,
) -> Result<(u32, u32), PlotError> {
    let projected = ProjectedAtlas::cached(atlas)?;
    let layout = Layout::new(&projected, &selected_counties(atlas, req), req);
    let p = project_point(&albers()?, lon, lat)
        .ok_or_else(|| PlotError::BadRequest(format!("({lon}, {lat}) cannot be projected")))?;
    let (x, y) = layout.ipx(p);
    if x < 0 || y < 0 {
        return Err(PlotError::BadRequest(format!(
            "({lon}, {lat}) falls outside the plot"
        )));
    }
    Ok((x as u32, y as u32))
}

/// Converts a ring to pixels, dropping points that round to the previous pixel.
fn ring_px(layout: &Layout, pts: &[(f64, f64)], out: &mut Vec<(i32, i32)>) {
    out.clear();
    for &p in pts {
        let q = layout.ipx(p);
        if out.last() != Some(&q) {
            out.push(q);
        }
    }
    if out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
}

struct Marker {
    at: (f64, f64),
    radius: f64,
    known: bool,
}

struct Choropleth<'a> {
    atlas: &'a Atlas,
    projected: &'a ProjectedAtlas,
    req: &'a PlotRequest,
    counties: Vec<usize>,
    values: Vec<Option<f64>>,
    classes: Classes,
    layout: Layout,
    markers: Vec<Marker>,
    /// Reference PFLOPS values for the marker legend, with radii.
    marker_refs: Vec<(f64, f64)>,
    provinces: Vec<usize>,
}

fn marker_radius(u: f64, v: f64, vmax: f64) -> f64 {
    (28.0 * u * (v / vmax).sqrt()).max(3.5 * u)
}

fn nice_below(v: f64) -> f64 {
    let p = 10f64.powf(v.log10().floor());
    [5.0, 2.0, 1.0]
        .iter()
        .map(|m| m * p)
        .find(|&x| x <= v)
        .unwrap_or(p)
}

impl<'a> Choropleth<'a> {
    fn new(
        atlas: &'a Atlas,
        projected: &'a ProjectedAtlas,
        req: &'a PlotRequest,
    ) -> Choropleth<'a> {
        let counties = selected_counties(atlas, req);
        let values = metric_values(&atlas.county_figures, &req.metric);
        let classes = classes_for(
            &counties.iter().map(|&i| values[i]).collect::<Vec<_>>(),
            req,
        );
        let layout = Layout::new(projected, &counties, req);
        let adcode = req.province_info().map(|p| p.adcode);
        let provinces: Vec<usize> = (0..atlas.provinces.len())
            .filter(|&i| adcode.is_none_or(|a| atlas.provinces[i].adcode == a))
            .collect();
        let shown: Vec<usize> = (0..atlas.sites.len())
            .filter(|&i| {
                let place = &atlas.site_places[i];
                place.province.is_some_and(|p| provinces.contains(&p))
                    && projected.sites[i].is_some()
            })
            .collect();
        let vmax = shown
            .iter()
            .filter_map(|&i| atlas.site_places[i].pflops)
            .fold(0.0, f64::max);
        let u = layout.u;
        let mut markers: Vec<(usize, Marker)> = shown
            .iter()
            .map(|&i| {
                let pf = atlas.site_places[i]
                    .pflops
                    .filter(|v| *v > 0.0 && vmax > 0.0);
                let radius = pf.map_or(2.5 * u, |v| marker_radius(u, v, vmax));
                (
                    i,
                    Marker {
                        at: layout.px(projected.sites[i].expect("filtered")),
                        radius,
                        known: pf.is_some(),
                    },
                )
            })
            .collect();
        // Large rings first, so small ones stay visible; ties in site order.
        markers.sort_by(|a, b| b.1.radius.total_cmp(&a.1.radius).then(a.0.cmp(&b.0)));
        let mut marker_refs = Vec::new();
        if vmax > 0.0 {
            let top = nice_below(vmax);
            for v in [top, top / 10.0, top / 100.0] {
                if v >= 1.0 {
                    marker_refs.push((v, marker_radius(u, v, vmax)));
                }
            }
        }
        Choropleth {
            atlas,
            projected,
            req,
            counties,
            values,
            classes,
            layout,
            markers: markers.into_iter().map(|m| m.1).collect(),
            marker_refs,
            provinces,
        }
    }

    fn title(&self) -> String {
        let zh = self.req.zh();
        if let Some(t) = &self.req.title {
            return t.clone();
        }
        let (label, _) = text::metric_label(&self.req.metric, zh);
        let place = super::chart::place(self.req);
        if zh {
            format!("{place}各县{label}")
        } else {
            format!("{label} by county, {place}")
        }
    }

    fn subtitle(&self) -> String {
        let zh = self.req.zh();
        let (_, unit) = text::metric_label(&self.req.metric, zh);
        let method = match (self.req.breaks, zh) {
            (Breaks::Quantile, false) => "quantile classes",
            (Breaks::Jenks, false) => "natural breaks (Jenks)",
            (Breaks::Quantile, true) => "分位数分级",
            (Breaks::Jenks, true) => "自然断点（Jenks）分级",
        };
        let date = text::data_date(self.atlas).unwrap_or_else(|| "–".into());
        let n = text::int(self.counties.len());
        let metric = if unit == self.req.metric || unit.is_empty() {
            self.req.metric.clone()
        } else if zh {
            format!("{}（{unit}）", self.req.metric)
        } else {
            format!("{} ({unit})", self.req.metric)
        };
        if zh {
            format!("{metric} · {method} · {n} 个县级单位 · 站点数据截至 {date} · 圆圈面积表示站点报告算力")
        } else {
            format!("{metric} · {method} · {n} counties · site data as of {date} · circles: sites, area by reported PFLOPS")
        }
    }

    fn paint_map<DB: DrawingBackend>(&self, c: &Canvas<'_, DB>) -> Result<(), PlotError> {
        let l = &self.layout;
        let mut buf = Vec::new();
        let selected: Vec<bool> = {
            let mut v = vec![false; self.atlas.counties.len()];
            for &i in &self.counties {
                v[i] = true;
            }
            v
        };
        for &i in &self.projected.county_order {
            if !selected[i] {
                continue;
            }
            let fill = self.classes.colour_of(self.values[i]);
            for ring in &self.projected.counties[i].rings {
                ring_px(l, &ring.points, &mut buf);
                if buf.len() >= 3 {
                    c.polygon(&buf, if ring.exterior { fill } else { (255, 255, 255) })?;
                } else if ring.exterior && !buf.is_empty() {
                    // Smaller than a pixel: still show it.
                    c.rect(
                        buf[0].0 as f64,
                        buf[0].1 as f64,
                        buf[0].0 as f64,
                        buf[0].1 as f64,
                        fill,
                    )?;
                }
            }
        }
        let thin = (0.8 * l.u).max(1.0);
        for &i in &self.counties {
            for ring in &self.projected.counties[i].rings {
                ring_px(l, &ring.points, &mut buf);
                if let Some(&first) = buf.first() {
                    buf.push(first);
                }
                c.polyline(&buf, (255, 255, 255), 0.55, thin)?;
            }
        }
        for &p in &self.provinces {
            for ring in &self.projected.provinces[p].rings {
                ring_px(l, &ring.points, &mut buf);
                if let Some(&first) = buf.first() {
                    buf.push(first);
                }
                c.polyline(&buf, (0x30, 0x30, 0x30), 1.0, (1.6 * l.u).round().max(2.0))?;
            }
        }
        for m in &self.markers {
            if m.known {
                c.circle(m.at, m.radius, (255, 255, 255), 0.9, false, 3.0 * l.u)?;
                c.circle(m.at, m.radius, (0xc0, 0x1f, 0x1f), 1.0, false, 1.6 * l.u)?;
            } else {
                c.circle(m.at, m.radius + l.u, (255, 255, 255), 1.0, true, 1.0)?;
                c.circle(m.at, m.radius, (0x1a, 0x1a, 0x1a), 1.0, true, 1.0)?;
            }
        }
        if self.req.province.is_none() {
            // Province names, largest province first, each moved up or down until it clears
            // the names already placed (or left out when it cannot).
            let zh = self.req.zh();
            let size = 17.0 * l.u;
            let mut order = self.provinces.clone();
            order.sort_by(|&a, &b| {
                self.projected.provinces[b]
                    .hull_area
                    .total_cmp(&self.projected.provinces[a].hull_area)
                    .then(a.cmp(&b))
            });
            let mut placed: Vec<[f64; 4]> = Vec::new();
            for p in order {
                let Some(pt) = self.projected.provinces[p].label_point else {
                    continue;
                };
                let (x, y) = l.px(pt);
                let name = text::province_name(self.atlas.provinces[p].adcode, zh);
                let w = c.text_width(&name, size, true);
                for dy in [0.0, -1.2, 1.2, -2.4, 2.4] {
                    let yy = y + dy * size;
                    let b = [
                        x - w / 2.0 - 3.0,
                        yy - size * 0.8,
                        x + w / 2.0 + 3.0,
                        yy + size * 0.25,
                    ];
                    if !placed
                        .iter()
                        .any(|q| b[0] < q[2] && q[0] < b[2] && b[1] < q[3] && q[1] < b[3])
                    {
                        c.halo_text(&name, (x, yy), size, INK, Align::Center, true)?;
                        placed.push(b);
                        break;
                    }
                }
            }
        }
        Ok(())
    }
}

impl Painter for Choropleth<'_> {
    fn paint<DB: DrawingBackend>(&self, c: &Canvas<'_, DB>) -> Result<(), PlotError> {
        let l = &self.layout;
        let u = l.u;
        self.paint_map(c)?;
        c.text(
            &self.title(),
            (l.margin, l.margin + 30.0 * u),
            34.0 * u,
            INK,
            Align::Left,
            true,
        )?;
        let width = c.w - 2.0 * l.margin;
        let sub = LineStyle {
            size: 17.0 * u,
            step: 21.0 * u,
            colour: MUTED,
        };
        c.paragraph(
            &self.subtitle(),
            (l.margin, l.margin + 62.0 * u),
            width,
            2,
            sub,
        )?;
        self.paint_legend(c)?;
        let footer = text::sources(self.atlas, self.req.zh(), true, false);
        let foot = LineStyle {
            size: 14.0 * u,
            step: 19.0 * u,
            colour: MUTED,
        };
        c.paragraph(&footer, (l.margin, l.footer_y + 22.0 * u), width, 3, foot)?;
        Ok(())
    }
}

pub(super) fn render(
    atlas: &Atlas,
    projected: &ProjectedAtlas,
    req: &PlotRequest,
    family: &str,
) -> Result<Vec<u8>, PlotError> {
    let plot = Choropleth::new(atlas, projected, req);
    output(req, family, BASE, &plot)
}
