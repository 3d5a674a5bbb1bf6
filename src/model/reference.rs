use super::Adcode;

/// One figure of `province_power.csv` (long format: one metric per row).
#[derive(Debug, Clone)]
pub struct ProvinceStat {
    pub province: String,
    pub year: String,
    pub as_of: Option<String>,
    pub metric: String,
    /// The value as published; may be a bound (`>70`) or a composite.
    pub value_text: String,
    /// The value when it is a plain decimal number, otherwise `None`.
    pub value: Option<f64>,
    pub unit: String,
    pub source_type: String,
    pub source_url: String,
    pub via: Option<String>,
    pub notes: Option<String>,
}

impl ProvinceStat {
    /// The value converted to MW when the unit is a capacity unit this code knows.
    pub fn value_mw(&self) -> Option<f64> {
        let v = self.value?;
        let unit = self.unit.to_ascii_lowercase();
        if unit.starts_with("10 mw") {
            Some(v * 10.0)
        } else if unit.starts_with("million kw") || unit == "gw" {
            Some(v * 1000.0)
        } else if unit == "mw" {
            Some(v)
        } else {
            None
        }
    }
}

/// The level of the administrative units a renewable base is placed on (`location_precision`
/// of `renewable_bases.csv`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BasePrecision {
    County,
    Prefecture,
}

impl BasePrecision {
    pub const ALL: [BasePrecision; 2] = [BasePrecision::County, BasePrecision::Prefecture];

    pub fn as_str(self) -> &'static str {
        match self {
            BasePrecision::County => "county",
            BasePrecision::Prefecture => "prefecture",
        }
    }

    pub fn parse(s: &str) -> Option<BasePrecision> {
        BasePrecision::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// A renewable-energy base, UHV corridor or computing hub/cluster (`renewable_bases.csv`).
#[derive(Debug, Clone)]
pub struct RenewableBase {
    /// Stable id made from the name (the file has no id column), unique within the file.
    pub id: String,
    /// Line of the row in its file, for problems found after loading.
    pub line: u64,
    pub name: String,
    pub kind: String,
    pub province: String,
    pub admin_hint: Option<String>,
    pub capacity_text: Option<String>,
    pub capacity_mw: Option<f64>,
    pub status_as_of: Option<String>,
    pub source_url: String,
    pub notes: Option<String>,
    /// Level of the units in `adcodes`; `None` for national, multi-province or unplaced rows.
    pub location_precision: Option<BasePrecision>,
    /// The counties or prefectures the sources name; they stand for the units, not the footprint.
    pub adcodes: Vec<Adcode>,
}

impl RenewableBase {
    /// `true` when the row names the units it lies in, so it can be drawn and joined.
    pub fn is_located(&self) -> bool {
        self.location_precision.is_some() && !self.adcodes.is_empty()
    }
}

/// An accelerator model with its per-chip figures (`chips.csv`).
#[derive(Debug, Clone)]
pub struct Chip {
    pub chip: String,
    pub vendor: String,
    /// Other names the reporting uses for the model (`aliases`, ` | `-separated), e.g. `H100`
    /// for the SXM form.
    pub aliases: Vec<String>,
    pub form_factor: Option<String>,
    pub dense_bf16_tflops: Option<f64>,
    pub dense_fp16_tflops: Option<f64>,
    pub fp8_tflops_dense: Option<f64>,
    pub tdp_w: Option<f64>,
    pub memory_gb: Option<f64>,
    pub export_control_status: Option<String>,
    pub source_urls: Vec<String>,
    pub notes: Option<String>,
}
