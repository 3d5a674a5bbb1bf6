//! Power-demand estimates: what the reported chips, servers or compute of a site would draw,
//! as a low / central / high range from the sourced parameters of `power_assumptions.csv` and the
//! chip figures of `chips.csv`. An estimate, never a fact: every value carries its basis and the
//! parameters it used, and a site without a usable input has none.
//!
//! Facility power (average draw) = accelerators × TDP × server overhead × average fraction × PUE,
//! where the server overhead is the rated maximum of the model's 8-accelerator server divided by
//! 8 × TDP (1 with a note where no server figure exists: chip power only), the average fraction is
//! the share of the rated maximum a server draws, and the range comes from the fraction and the
//! PUE (see [`DemandModel`]).

use serde::Serialize;

use crate::model::{Chip, PowerAssumption, Site};

/// Accelerators per server in the `server_*_power_*` rows: their unit says "per 8-accelerator
/// server", and a row whose unit says otherwise is not used.
pub const ACCELERATORS_PER_SERVER: f64 = 8.0;
const PER_SERVER_UNIT: &str = "8-accelerator server";

/// Names of the parameter rows the model reads (rows of `power_assumptions.csv`).
mod rows {
    /// Strictest PUE limit for a western hub cluster: the low PUE.
    pub const PUE_LOW: &str = "pue_limit_cluster_start_area_qingyang";
    /// National limit for new large data centres (and Uptime's "1.3 or better" for new large
    /// builds): the central PUE.
    pub const PUE_CENTRAL: &str = "pue_limit_new_large_dc_national_2025";
    /// Survey average of existing data centres: the high PUE.
    pub const PUE_HIGH: &str = "pue_industry_average_uptime_2023";
    /// Measured average draw of H100 servers in compute-intensive training.
    pub const FRACTION: &str = "ai_server_average_power_fraction_of_max";
    /// Typical draw range of a DGX H100 under load, against its rated maximum.
    pub const TYPICAL: &str = "server_typical_power_dgx_h100";
    pub const TYPICAL_MAX: &str = "server_max_power_dgx_h100";
    pub const HOURS: &str = "hours_per_year";
    /// Prefix of the rated maximum of a model's 8-accelerator server.
    pub const SERVER_MAX_PREFIX: &str = "server_max_power_dgx_";
}

/// Allowed ranges of the per-request overrides.
pub const PUE_RANGE: (f64, f64) = (1.0, 3.0);
pub const UTILISATION_RANGE: (f64, f64) = (0.05, 1.0);

/// Parses the override `name` = `v` within `(lo, hi)`; the error names the allowed range. Shared
/// by the analytics API and the plots so both accept and word alike.
pub fn check_override(name: &str, v: &str, (lo, hi): (f64, f64)) -> Result<f64, String> {
    match v.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x >= lo && x <= hi => Ok(x),
        _ => Err(format!(
            "{name} must be a number from {lo} to {hi}, got {v:?}"
        )),
    }
}

/// Low, central and high values of one quantity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Range {
    pub low: f64,
    pub central: f64,
    pub high: f64,
}

impl Range {
    fn same(v: f64) -> Range {
        Range {
            low: v,
            central: v,
            high: v,
        }
    }

    fn map(self, f: impl Fn(f64) -> f64) -> Range {
        Range {
            low: f(self.low),
            central: f(self.central),
            high: f(self.high),
        }
    }

    fn times(self, o: Range) -> Range {
        Range {
            low: self.low * o.low,
            central: self.central * o.central,
            high: self.high * o.high,
        }
    }
}

/// One parameter as used, with how its value was formed and its sources.
#[derive(Debug, Clone, Serialize)]
pub struct UsedParameter {
    pub name: &'static str,
    pub value: Range,
    pub unit: String,
    /// How low, central and high were formed from the rows.
    pub how: String,
    /// The `power_assumptions.csv` or `chips.csv` rows it comes from.
    pub rows: Vec<String>,
    pub sources: Vec<String>,
    /// `true` when a request override replaced the data's value.
    pub overridden: bool,
}

/// What a site's estimate rests on, in the order of preference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    ReportedPowerMw,
    Chips,
    Servers,
    Pflops,
}

impl Basis {
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::ReportedPowerMw => "reported_power_mw",
            Basis::Chips => "chips",
            Basis::Servers => "servers",
            Basis::Pflops => "pflops",
        }
    }
}

/// A power-demand estimate (MW) with its basis and parameters.
#[derive(Debug, Clone, Serialize)]
pub struct Estimate {
    pub basis: Basis,
    pub power_mw: Range,
    pub energy_gwh_per_year: Range,
    /// The chip models of chips.csv the estimate used (several only when they agree on TDP and
    /// throughput, e.g. "H100/H200").
    pub chip_models: Vec<String>,
    /// Accelerators the estimate counts (given, from servers, or from PFLOPS).
    pub accelerators: Option<f64>,
    pub parameters: Vec<UsedParameter>,
}

/// Per-request replacements of the data's parameters.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Overrides {
    pub pue: Option<f64>,
    /// Average draw as a share of the servers' rated maximum.
    pub utilisation: Option<f64>,
}

/// The model could not be formed from the parameter rows.
#[derive(Debug, thiserror::Error)]
#[error("power_assumptions.csv: parameter `{name}` is missing or lacks its {field} value; power-demand estimates are not made")]
pub struct DemandError {
    pub name: &'static str,
    pub field: &'static str,
}

/// The parameters of the estimate, resolved from the rows once at build time.
#[derive(Debug, Clone)]
pub struct DemandModel {
    pub pue: UsedParameter,
    pub fraction: UsedParameter,
    pub hours: UsedParameter,
    assumptions: Vec<PowerAssumption>,
}

fn find<'a>(
    rows: &'a [PowerAssumption],
    name: &'static str,
) -> Result<&'a PowerAssumption, DemandError> {
    rows.iter()
        .find(|r| r.name == name)
        .ok_or(DemandError { name, field: "row" })
}

fn field(v: Option<f64>, name: &'static str, field: &'static str) -> Result<f64, DemandError> {
    v.ok_or(DemandError { name, field })
}

impl DemandModel {
    /// Resolves the range of each parameter from `power_assumptions.csv`:
    /// * PUE: low = the Qingyang cluster's limit, central = the national limit for new large
    ///   data centres, high = the Uptime 2023 survey average (the high of its 1.55-1.59 band is a
    ///   range of years, its central the 2023 value);
    /// * average fraction of rated server power: low and high = the DGX H100 typical-draw range
    ///   divided by its rated maximum, central = the measured 0.76 (the source's only value);
    /// * hours per year: one value.
    pub fn new(rows: &[PowerAssumption]) -> Result<DemandModel, DemandError> {
        let pue_low = find(rows, rows::PUE_LOW)?;
        let pue_central = find(rows, rows::PUE_CENTRAL)?;
        let pue_high = find(rows, rows::PUE_HIGH)?;
        let pue = UsedParameter {
            name: "pue",
            value: Range {
                low: field(pue_low.high, rows::PUE_LOW, "high")?,
                central: field(pue_central.high, rows::PUE_CENTRAL, "high")?,
                high: field(pue_high.central, rows::PUE_HIGH, "central")?,
            },
            unit: "PUE (dimensionless)".into(),
            how: format!(
                "low = {} (upper limit, the strictest for a western hub cluster); central = {} (upper limit for new large data centres); high = {} (survey average, central value)",
                rows::PUE_LOW, rows::PUE_CENTRAL, rows::PUE_HIGH
            ),
            rows: vec![pue_low.name.clone(), pue_central.name.clone(), pue_high.name.clone()],
            sources: sources(&[pue_low, pue_central, pue_high]),
            overridden: false,
        };
        let frac = find(rows, rows::FRACTION)?;
        let typical = find(rows, rows::TYPICAL)?;
        let typical_max = find(rows, rows::TYPICAL_MAX)?;
        let max = field(typical_max.central, rows::TYPICAL_MAX, "central")?;
        let fraction = UsedParameter {
            name: "utilisation",
            value: Range {
                low: field(typical.low, rows::TYPICAL, "low")? / max,
                central: field(frac.high, rows::FRACTION, "high")?,
                high: field(typical.high, rows::TYPICAL, "high")? / max,
            },
            unit: "fraction of rated maximum server power (average draw)".into(),
            how: format!(
                "low and high = the typical draw range of {} divided by the rated maximum {}; central = {} (measured in compute-intensive training, the source's only value)",
                rows::TYPICAL, rows::TYPICAL_MAX, rows::FRACTION
            ),
            rows: vec![frac.name.clone(), typical.name.clone(), typical_max.name.clone()],
            sources: sources(&[frac, typical, typical_max]),
            overridden: false,
        };
        let h = find(rows, rows::HOURS)?;
        let hours = UsedParameter {
            name: "hours_per_year",
            value: Range::same(field(h.central, rows::HOURS, "central")?),
            unit: h.unit.clone(),
            how: "one value".into(),
            rows: vec![h.name.clone()],
            sources: h.source_urls.clone(),
            overridden: false,
        };
        Ok(DemandModel {
            pue,
            fraction,
            hours,
            assumptions: rows.to_vec(),
        })
    }

    /// The rated maximum of the model's 8-accelerator server, kW, from the row named after the
    /// model's first word (`server_max_power_dgx_h100` for "H100 SXM").
    fn server_max(&self, chip: &Chip) -> Option<&PowerAssumption> {
        let word = chip.chip.split_whitespace().next()?.to_lowercase();
        let name = format!("{}{word}", rows::SERVER_MAX_PREFIX);
        self.assumptions
            .iter()
            .find(|r| r.name == name && r.unit.contains(PER_SERVER_UNIT) && r.central.is_some())
    }

    /// The estimate for `accelerators` chips of `chips` (agreeing models, the first used).
    pub fn for_chips(
        &self,
        chips: &[&Chip],
        accelerators: f64,
        basis: Basis,
        ov: Overrides,
    ) -> Option<Estimate> {
        let chip = chips.first()?;
        let tdp_kw = chip.tdp_w? / 1000.0;
        let (overhead, overhead_param) = match self.server_max(chip) {
            Some(row) => {
                let per_server = row.central?;
                let o = per_server / (ACCELERATORS_PER_SERVER * tdp_kw);
                (o, UsedParameter {
                    name: "server_overhead",
                    value: Range::same(o),
                    unit: "rated server power per accelerator / chip TDP".into(),
                    how: format!("{} ({per_server} kW per 8 accelerators) / (8 × {} W TDP of {})", row.name, chip.tdp_w?, chip.chip),
                    rows: vec![row.name.clone()],
                    sources: row.source_urls.clone(),
                    overridden: false,
                })
            }
            None => (1.0, UsedParameter {
                name: "server_overhead",
                value: Range::same(1.0),
                unit: "rated server power per accelerator / chip TDP".into(),
                how: format!("no server power figure for {}: chip power only, host overhead excluded (an underestimate)", chip.chip),
                rows: Vec::new(),
                sources: Vec::new(),
                overridden: false,
            }),
        };
        let tdp_param = UsedParameter {
            name: "chip_tdp_w",
            value: Range::same(chip.tdp_w?),
            unit: "W".into(),
            how: format!("tdp_w of {} in chips.csv", chip.chip),
            rows: vec![chip.chip.clone()],
            sources: chip.source_urls.clone(),
            overridden: false,
        };
        let (pue, fraction) = self.overridden(ov);
        let power_mw = pue
            .value
            .times(fraction.value)
            .map(|x| x * accelerators * tdp_kw * overhead / 1000.0);
        let mut parameters = vec![tdp_param, overhead_param, fraction, pue, self.hours.clone()];
        if basis == Basis::Pflops {
            parameters.push(UsedParameter {
                name: "chip_dense_tflops",
                value: Range::same(chip_tflops(chip)?),
                unit: "TFLOPS (dense BF16, else FP16)".into(),
                how: format!(
                    "accelerators = PFLOPS × 1000 / dense TFLOPS of {}",
                    chip.chip
                ),
                rows: vec![chip.chip.clone()],
                sources: chip.source_urls.clone(),
                overridden: false,
            });
        }
        Some(Estimate {
            basis,
            energy_gwh_per_year: self.energy(power_mw),
            power_mw,
            chip_models: chips.iter().map(|c| c.chip.clone()).collect(),
            accelerators: Some(accelerators),
            parameters,
        })
    }

    /// The estimate for a reported facility power: the figure itself, no range.
    pub fn for_reported(&self, mw: f64) -> Estimate {
        let power_mw = Range::same(mw);
        Estimate {
            basis: Basis::ReportedPowerMw,
            energy_gwh_per_year: self.energy(power_mw),
            power_mw,
            chip_models: Vec::new(),
            accelerators: None,
            parameters: vec![self.hours.clone()],
        }
    }

    fn energy(&self, power_mw: Range) -> Range {
        power_mw.map(|p| p * self.hours.value.central / 1000.0)
    }

    /// PUE and average fraction with the request's overrides applied.
    pub fn overridden(&self, ov: Overrides) -> (UsedParameter, UsedParameter) {
        let mut pue = self.pue.clone();
        if let Some(v) = ov.pue {
            pue.value = Range::same(v);
            pue.how = "set by the request".into();
            pue.overridden = true;
        }
        let mut fraction = self.fraction.clone();
        if let Some(v) = ov.utilisation {
            fraction.value = Range::same(v);
            fraction.how = "set by the request".into();
            fraction.overridden = true;
        }
        (pue, fraction)
    }

    /// A site's estimate in the order of preference: reported power_mw; chips × TDP; servers ×
    /// server power (only with a known chip model that has a server figure); PFLOPS / chip
    /// throughput (only with a known chip model). `None` when no input is usable.
    pub fn for_site(&self, site: &Site, chips: &[Chip], ov: Overrides) -> Option<Estimate> {
        if let Some(mw) = site.power_mw {
            return Some(self.for_reported(mw));
        }
        let models = site
            .chip_model
            .as_deref()
            .map(|m| match_chips(m, chips))
            .unwrap_or_default();
        if models.is_empty() {
            return None;
        }
        if let Some(n) = site.chip_count {
            return self.for_chips(&models, n as f64, Basis::Chips, ov);
        }
        if let Some(n) = site.server_count {
            if self.server_max(models[0]).is_some() {
                return self.for_chips(
                    &models,
                    n as f64 * ACCELERATORS_PER_SERVER,
                    Basis::Servers,
                    ov,
                );
            }
        }
        let pflops = site.reported_pflops?;
        let tflops = chip_tflops(models[0])?;
        self.for_chips(&models, pflops * 1000.0 / tflops, Basis::Pflops, ov)
    }
}

fn sources(rows: &[&PowerAssumption]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for u in rows.iter().flat_map(|r| &r.source_urls) {
        if !out.contains(u) {
            out.push(u.clone());
        }
    }
    out
}

fn chip_tflops(c: &Chip) -> Option<f64> {
    c.dense_bf16_tflops
        .or(c.dense_fp16_tflops)
        .filter(|v| *v > 0.0)
}

/// The chips.csv models a site's `chip_model` text names (by name or alias, as whole words).
/// Several models are kept only when they agree on TDP and throughput ("H100/H200"); otherwise,
/// or when a listed model is unknown to chips.csv, the text is ambiguous and nothing is returned.
pub fn match_chips<'c>(text: &str, chips: &'c [Chip]) -> Vec<&'c Chip> {
    let hay = text.to_lowercase();
    let found: Vec<&Chip> = chips
        .iter()
        .filter(|c| {
            std::iter::once(&c.chip)
                .chain(&c.aliases)
                .any(|n| contains_words(&hay, &n.to_lowercase()))
        })
        .collect();
    // A list of models (the curated tables separate them with ';' or ',') is usable only when
    // every listed model is known: a count over a mix with unknown models has no known power.
    let parts: Vec<&str> = hay
        .split([';', ','])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() > 1
        && parts.iter().any(|p| {
            !found.iter().any(|c| {
                std::iter::once(&c.chip)
                    .chain(&c.aliases)
                    .any(|n| contains_words(p, &n.to_lowercase()))
            })
        })
    {
        return Vec::new();
    }
    let agree = found
        .windows(2)
        .all(|w| w[0].tdp_w == w[1].tdp_w && chip_tflops(w[0]) == chip_tflops(w[1]));
    if agree {
        found
    } else {
        Vec::new()
    }
}

/// The model a request names: a chip of chips.csv or one of its aliases, case-insensitively.
pub fn chip_by_name<'c>(name: &str, chips: &'c [Chip]) -> Option<&'c Chip> {
    let n = name.trim().to_lowercase();
    chips
        .iter()
        .find(|c| c.chip.to_lowercase() == n || c.aliases.iter().any(|a| a.to_lowercase() == n))
}

/// `true` when `needle` occurs in `hay` as whole words ("h20" is in "nvidia h20", not in "h200").
fn contains_words(hay: &str, needle: &str) -> bool {
    !needle.is_empty()
        && hay.match_indices(needle).any(|(i, m)| {
            let before = hay[..i].chars().next_back();
            let after = hay[i + m.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
}

/// Sums of the estimates over a set of sites: each bound summed on its own, each overlap group
/// counted once by its largest value (the plain sums are the upper bounds).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct DemandSum {
    pub low: Option<f64>,
    pub central: Option<f64>,
    pub high: Option<f64>,
    pub low_upper: Option<f64>,
    pub central_upper: Option<f64>,
    pub high_upper: Option<f64>,
    /// Sites with an estimate.
    pub estimated_sites: u32,
    pub sites: u32,
}

/// Sums `(group key, estimate)` over sites.
pub fn sum_estimates(items: &[(&str, Option<&Estimate>)]) -> DemandSum {
    let bound = |f: fn(&Range) -> f64| {
        let v: Vec<(&str, Option<f64>)> = items
            .iter()
            .map(|(g, e)| (*g, e.map(|e| f(&e.power_mw))))
            .collect();
        crate::figures::grouped_sum(&v)
    };
    let (l, c, h) = (bound(|r| r.low), bound(|r| r.central), bound(|r| r.high));
    DemandSum {
        low: l.value,
        central: c.value,
        high: h.value,
        low_upper: l.upper,
        central_upper: c.upper,
        high_upper: h.upper,
        estimated_sites: items.iter().filter(|(_, e)| e.is_some()).count() as u32,
        sites: items.len() as u32,
    }
}
