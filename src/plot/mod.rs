//! Report-ready plots of the atlas, drawn with plotters to PNG or SVG.
//!
//! Six kinds: a county choropleth (`choropleth`), the leading counties by a metric
//! (`top-counties`), compute against operating renewable capacity (`compute-vs-power`),
//! operating capacity by fuel per province (`province-power`), the build-out over time
//! (`timeline`) and estimated demand against renewable generation (`power-balance`). A
//! [`PlotRequest`] is parsed from
//! query pairs ([`PlotRequest::from_query`]), rendered by [`render`] to bytes, and cached by the
//! caller under [`PlotRequest::cache_key`]. Output is deterministic for the same atlas and request.

mod canvas;
mod chart;
pub mod classify;
pub mod colour;
pub mod font;
mod map;
pub mod project;
mod text;

use std::fmt;

use crate::atlas::demand::{check_override, Overrides, PUE_RANGE, UTILISATION_RANGE};
use crate::atlas::Atlas;
use crate::figures::UnitFigures;
use crate::model::ProvinceInfo;
use crate::timeline::Step;

pub use chart::top_counties;
pub use font::Fonts;
pub use map::{choropleth_classes, pixel_of, Classes, LegendClass};
pub use project::ProjectedAtlas;

/// A plot request could not be served.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PlotError {
    /// A bad parameter (HTTP 400).
    #[error("{0}")]
    BadRequest(String),
    /// No usable font (a server set-up problem; the message names the package to install).
    #[error("{0}")]
    Font(String),
    /// Drawing or encoding failed.
    #[error("rendering the plot failed: {0}")]
    Render(String),
}

impl PlotError {
    /// `true` for errors caused by the request (HTTP 400), `false` for server-side ones (500).
    pub fn is_client_error(&self) -> bool {
        matches!(self, PlotError::BadRequest(_))
    }
}

fn bad(msg: impl Into<String>) -> PlotError {
    PlotError::BadRequest(msg.into())
}

/// What to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum PlotKind {
    /// Counties coloured by a metric, with the sites as circles.
    Choropleth,
    /// The leading counties by a metric.
    TopCounties,
    /// Reported compute against operating renewable capacity.
    ComputeVsPower,
    /// Operating capacity by fuel per province.
    ProvincePower,
    /// Cumulative sites and reported compute by status over time.
    Timeline,
    /// Estimated demand range against wind and solar generation and curtailed energy.
    PowerBalance,
}

impl PlotKind {
    pub const ALL: [PlotKind; 6] = [
        PlotKind::Choropleth,
        PlotKind::TopCounties,
        PlotKind::ComputeVsPower,
        PlotKind::ProvincePower,
        PlotKind::Timeline,
        PlotKind::PowerBalance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PlotKind::Choropleth => "choropleth",
            PlotKind::TopCounties => "top-counties",
            PlotKind::ComputeVsPower => "compute-vs-power",
            PlotKind::ProvincePower => "province-power",
            PlotKind::Timeline => "timeline",
            PlotKind::PowerBalance => "power-balance",
        }
    }

    /// Parses a kind name (`choropleth`, `top-counties`, `compute-vs-power`, `province-power`,
    /// `timeline`, `power-balance`).
    pub fn parse(s: &str) -> Result<PlotKind, PlotError> {
        PlotKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| {
                bad(format!(
                    "unknown plot kind `{s}`; expected one of {}",
                    PlotKind::ALL.map(|k| k.as_str()).join(", ")
                ))
            })
    }

    /// Parameters this kind accepts besides `width`, `height`, `scale`, `lang`, `title`, `format`.
    pub fn parameters(self) -> &'static [&'static str] {
        match self {
            PlotKind::Choropleth => &["metric", "province", "breaks"],
            PlotKind::TopCounties => &["metric", "province", "top"],
            PlotKind::ComputeVsPower => &["level", "province"],
            PlotKind::ProvincePower => &[],
            PlotKind::Timeline => &["by", "province"],
            PlotKind::PowerBalance => &["level", "pue", "utilisation"],
        }
    }

    fn is_map(self) -> bool {
        self == PlotKind::Choropleth
    }

    fn default_metric(self) -> &'static str {
        match self {
            PlotKind::Choropleth => crate::metrics::DEFAULT_METRIC,
            _ => "pflops_reported",
        }
    }
}

impl fmt::Display for PlotKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Format {
    Png,
    Svg,
}

impl Format {
    pub fn parse(s: &str) -> Result<Format, PlotError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "png" => Ok(Format::Png),
            "svg" => Ok(Format::Svg),
            _ => Err(bad(format!("unknown format `{s}`; expected png or svg"))),
        }
    }

    /// The format named by a file's extension (`.png`, `.svg`), for `-o FILE`.
    pub fn from_path(path: &std::path::Path) -> Option<Format> {
        path.extension()
            .and_then(|e| e.to_str())
            .and_then(|e| Format::parse(e).ok())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }

    /// The media type of the rendered bytes.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Svg => "image/svg+xml",
        }
    }
}

/// Language of the labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Lang {
    En,
    Zh,
}

/// Class-break method of the choropleth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Breaks {
    Quantile,
    Jenks,
}

/// Unit level of `compute-vs-power` and `power-balance`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum PlotLevel {
    County,
    Province,
}

/// Smallest and largest accepted `width` and `height`, pixels.
pub const SIZE_RANGE: std::ops::RangeInclusive<u32> = 200..=4000;
/// Accepted `scale` (pixel density multiplier).
pub const SCALE_RANGE: std::ops::RangeInclusive<f64> = 1.0..=3.0;
/// Largest output, device pixels (about 120 MB of RGB while drawing).
pub const MAX_PIXELS: u64 = 40_000_000;
/// Accepted `top`.
pub const TOP_RANGE: std::ops::RangeInclusive<usize> = 1..=50;

/// A validated plot request.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotRequest {
    pub kind: PlotKind,
    pub format: Format,
    /// Size in CSS pixels; the PNG is `width × scale` by `height × scale` pixels.
    pub width: u32,
    pub height: u32,
    pub scale: f64,
    pub lang: Lang,
    /// Replaces the default title.
    pub title: Option<String>,
    /// Figure property of the units (see [`metric_names`]).
    pub metric: String,
    /// Short English province name (canonical spelling), or all western provinces.
    pub province: Option<String>,
    pub breaks: Breaks,
    pub top: usize,
    pub level: PlotLevel,
    /// Period length of `timeline`.
    pub by: Step,
    /// PUE and utilisation replacing the data's ranges in the `power-balance` estimate.
    pub overrides: Overrides,
}

/// Names of the numeric unit properties a plot can use as `metric`: the county metrics of the
/// catalogue, in their declared order.
pub fn metric_names() -> Vec<String> {
    crate::metrics::METRICS
        .iter()
        .filter(|m| m.exists_at(crate::figures::Level::County))
        .map(|m| m.name.to_string())
        .collect()
}

/// The value of `metric` of a unit, as the layers serve it; `None` when unknown or not a metric.
pub fn metric_value(f: &UnitFigures, metric: &str) -> Option<f64> {
    crate::metrics::metric(metric).and_then(|m| (m.value)(f))
}

/// Values of `metric` for all units of a level, aligned with `figures`.
pub(crate) fn metric_values(figures: &[UnitFigures], metric: &str) -> Vec<Option<f64>> {
    match crate::metrics::metric(metric) {
        Some(m) => figures.iter().map(|f| (m.value)(f)).collect(),
        None => vec![None; figures.len()],
    }
}

impl PlotRequest {
    /// A request with every default for `kind`.
    pub fn new(kind: PlotKind, format: Format) -> PlotRequest {
        let (width, height) = if kind.is_map() {
            (1600, 1200)
        } else {
            (1400, 900)
        };
        PlotRequest {
            kind,
            format,
            width,
            height,
            scale: 1.0,
            lang: Lang::En,
            title: None,
            metric: kind.default_metric().to_string(),
            province: None,
            breaks: Breaks::Quantile,
            top: 15,
            // The balance has one row per unit with sites: few provinces, many counties.
            level: if kind == PlotKind::PowerBalance {
                PlotLevel::Province
            } else {
                PlotLevel::County
            },
            by: Step::Year,
            overrides: Overrides::default(),
        }
    }

    /// Parses query pairs. Known parameters: `width`, `height` (200..=4000), `scale` (1..=3),
    /// `lang` (en|zh), `title`, `format` (png|svg; overrides `format`), and per kind `metric`,
    /// `province`, `breaks` (quantile|jenks), `top` (1..=50), `level` (county|province), `by`
    /// (month|quarter|year), `pue` and `utilisation` (the ranges of the power-estimate API).
    /// Unknown, repeated or inapplicable parameters and bad values are errors with a message
    /// fit for an HTTP 400 body.
    pub fn from_query(
        kind: PlotKind,
        format: Format,
        pairs: &[(String, String)],
    ) -> Result<PlotRequest, PlotError> {
        let mut r = PlotRequest::new(kind, format);
        let common = ["width", "height", "scale", "lang", "title", "format"];
        let mut seen: Vec<&str> = Vec::new();
        for (k, v) in pairs {
            let k = k.as_str();
            if !common.contains(&k) && !kind.parameters().contains(&k) {
                let all: Vec<&str> = common.iter().chain(kind.parameters()).copied().collect();
                let other = PlotKind::ALL.iter().any(|o| o.parameters().contains(&k));
                return Err(bad(if other {
                    format!(
                        "parameter `{k}` does not apply to {kind} plots; accepted: {}",
                        all.join(", ")
                    )
                } else {
                    format!(
                        "unknown parameter `{k}`; {kind} plots accept: {}",
                        all.join(", ")
                    )
                }));
            }
            if seen.contains(&k) {
                return Err(bad(format!("parameter `{k}` is given more than once")));
            }
            seen.push(k);
            let v = v.trim();
            match k {
                "width" | "height" => {
                    let n = v
                        .parse::<u32>()
                        .ok()
                        .filter(|n| SIZE_RANGE.contains(n))
                        .ok_or_else(|| {
                            bad(format!(
                                "{k} must be a whole number of pixels from {} to {}, got `{v}`",
                                SIZE_RANGE.start(),
                                SIZE_RANGE.end()
                            ))
                        })?;
                    if k == "width" {
                        r.width = n;
                    } else {
                        r.height = n;
                    }
                }
                "scale" => {
                    r.scale = v
                        .parse::<f64>()
                        .ok()
                        .filter(|s| SCALE_RANGE.contains(s))
                        .ok_or_else(|| {
                            bad(format!("scale must be a number from 1 to 3, got `{v}`"))
                        })?;
                }
                "lang" => {
                    r.lang = match v.to_ascii_lowercase().as_str() {
                        "en" => Lang::En,
                        "zh" => Lang::Zh,
                        _ => return Err(bad(format!("lang must be en or zh, got `{v}`"))),
                    }
                }
                "title" => {
                    if v.chars().count() > 200 {
                        return Err(bad("title must be at most 200 characters"));
                    }
                    r.title = (!v.is_empty()).then(|| v.to_string());
                }
                "format" => r.format = Format::parse(v)?,
                "metric" => {
                    let names = metric_names();
                    if !names.iter().any(|n| n == v) {
                        return Err(bad(format!(
                            "unknown metric `{v}`; expected one of {}",
                            names.join(", ")
                        )));
                    }
                    r.metric = v.to_string();
                }
                "province" => {
                    if v.eq_ignore_ascii_case("all") || v.is_empty() {
                        r.province = None;
                    } else {
                        let p = ProvinceInfo::by_short_name(v).ok_or_else(|| {
                            bad(format!(
                                "unknown province `{v}`; expected all or one of {}",
                                crate::model::WESTERN_PROVINCES
                                    .map(|p| p.short_en)
                                    .join(", ")
                            ))
                        })?;
                        r.province = Some(p.short_en.to_string());
                    }
                }
                "breaks" => {
                    r.breaks = match v.to_ascii_lowercase().as_str() {
                        "quantile" => Breaks::Quantile,
                        "jenks" => Breaks::Jenks,
                        _ => {
                            return Err(bad(format!("breaks must be quantile or jenks, got `{v}`")))
                        }
                    }
                }
                "top" => {
                    r.top = v
                        .parse::<usize>()
                        .ok()
                        .filter(|n| TOP_RANGE.contains(n))
                        .ok_or_else(|| {
                            bad(format!(
                                "top must be a whole number from 1 to {}, got `{v}`",
                                TOP_RANGE.end()
                            ))
                        })?;
                }
                "level" => {
                    r.level = match v.to_ascii_lowercase().as_str() {
                        "county" => PlotLevel::County,
                        "province" => PlotLevel::Province,
                        _ => {
                            return Err(bad(format!("level must be county or province, got `{v}`")))
                        }
                    }
                }
                "by" => {
                    r.by = match v.to_ascii_lowercase().as_str() {
                        "month" => Step::Month,
                        "quarter" => Step::Quarter,
                        "year" => Step::Year,
                        _ => {
                            return Err(bad(format!(
                                "by must be month, quarter or year, got `{v}`"
                            )))
                        }
                    }
                }
                "pue" => r.overrides.pue = Some(check_override(k, v, PUE_RANGE).map_err(bad)?),
                "utilisation" => {
                    r.overrides.utilisation =
                        Some(check_override(k, v, UTILISATION_RANGE).map_err(bad)?);
                }
                _ => unreachable!("checked above"),
            }
        }
        let (w, h) = r.pixel_size();
        let pixels = w as u64 * h as u64;
        if pixels > MAX_PIXELS {
            return Err(bad(format!(
                "width × height × scale² is {pixels} device pixels; at most {MAX_PIXELS} are rendered (lower width, height or scale)"
            )));
        }
        Ok(r)
    }

    /// Canonical key of the request: equal for requests that render the same bytes.
    pub fn cache_key(&self) -> String {
        let mut parts: Vec<String> = vec![
            self.kind.as_str().into(),
            self.format.as_str().into(),
            format!("{}x{}@{}", self.width, self.height, self.scale),
            match self.lang {
                Lang::En => "en".into(),
                Lang::Zh => "zh".into(),
            },
            self.title.clone().unwrap_or_default(),
        ];
        for p in self.kind.parameters() {
            parts.push(match *p {
                "metric" => self.metric.clone(),
                "province" => self.province.clone().unwrap_or_else(|| "all".into()),
                "breaks" => format!("{:?}", self.breaks).to_lowercase(),
                "top" => self.top.to_string(),
                "level" => format!("{:?}", self.level).to_lowercase(),
                "by" => format!("{:?}", self.by).to_lowercase(),
                "pue" => format!("{:?}", self.overrides.pue),
                "utilisation" => format!("{:?}", self.overrides.utilisation),
                _ => String::new(),
            });
        }
        serde_json::to_string(&parts).unwrap_or_default()
    }

    /// Output size in device pixels.
    pub fn pixel_size(&self) -> (u32, u32) {
        (
            (self.width as f64 * self.scale).round() as u32,
            (self.height as f64 * self.scale).round() as u32,
        )
    }

    fn zh(&self) -> bool {
        self.lang == Lang::Zh
    }

    fn province_info(&self) -> Option<&'static ProvinceInfo> {
        self.province
            .as_deref()
            .and_then(ProvinceInfo::by_short_name)
    }
}

/// Renders the plot: PNG bytes or SVG text (UTF-8).
pub fn render(atlas: &Atlas, req: &PlotRequest, fonts: &Fonts) -> Result<Vec<u8>, PlotError> {
    let family = fonts.family(req.zh())?;
    match req.kind {
        PlotKind::Choropleth => {
            let projected = ProjectedAtlas::cached(atlas)?;
            map::render(atlas, &projected, req, family)
        }
        PlotKind::TopCounties => chart::render_top(atlas, req, family),
        PlotKind::ComputeVsPower => chart::render_scatter(atlas, req, family),
        PlotKind::ProvincePower => chart::render_province_power(atlas, req, family),
        PlotKind::Timeline => chart::render_timeline(atlas, req, family),
        PlotKind::PowerBalance => chart::render_power_balance(atlas, req, family),
    }
}

/// As [`render`], with a projection the caller keeps (e.g. built once with the atlas).
pub fn render_with(
    atlas: &Atlas,
    projected: &ProjectedAtlas,
    req: &PlotRequest,
    fonts: &Fonts,
) -> Result<Vec<u8>, PlotError> {
    if req.kind != PlotKind::Choropleth {
        return render(atlas, req, fonts);
    }
    if !projected.matches(atlas) {
        return Err(PlotError::Render(
            "the projected geometry was made from another atlas".into(),
        ));
    }
    map::render(atlas, projected, req, fonts.family(req.zh())?)
}
