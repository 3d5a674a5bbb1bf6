//! The one catalogue of unit metrics: every figure a county, prefecture or province carries, with
//! its type, unit, labels, description, default classification and how it is read from
//! [`UnitFigures`]. The layers' schemas and values, the plots' labels and metric lists, the
//! analytics tables and `/analytics/metrics` all read it, so adding a metric is one entry here
//! plus its computation in `figures`.

use serde_json::{json, Value};

use crate::figures::{Level, UnitFigures};
use crate::model::Fuel;

/// JSON type of a metric's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricType {
    Integer,
    Number,
}

impl MetricType {
    pub fn as_str(self) -> &'static str {
        match self {
            MetricType::Integer => "integer",
            MetricType::Number => "number",
        }
    }
}

/// How a map should class the metric by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Classification {
    Quantile,
    Jenks,
    /// Not meant for a classed map (coverage counts, area).
    None,
}

impl Classification {
    pub fn as_str(self) -> &'static str {
        match self {
            Classification::Quantile => "quantile",
            Classification::Jenks => "jenks",
            Classification::None => "none",
        }
    }
}

/// Which part of the atlas a metric describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Sites,
    Compute,
    Power,
    Area,
}

impl Group {
    pub fn as_str(self) -> &'static str {
        match self {
            Group::Sites => "sites",
            Group::Compute => "compute",
            Group::Power => "power",
            Group::Area => "area",
        }
    }
}

/// An English and a Chinese wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    pub en: &'static str,
    pub zh: &'static str,
}

impl Text {
    pub fn get(&self, zh: bool) -> &'static str {
        if zh {
            self.zh
        } else {
            self.en
        }
    }
}

/// One metric of the administrative units.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    pub name: &'static str,
    pub kind: MetricType,
    pub unit: Text,
    pub label: Text,
    pub description: &'static str,
    pub levels: &'static [Level],
    pub classification: Classification,
    pub group: Group,
    /// The site property the figure rests on, for "N of M sites report it" notes.
    pub site_field: Option<&'static str>,
    /// A sum that counts each overlap group once: at least this much (the `_upper` twin is the
    /// plain sum).
    pub at_least: bool,
    /// The value as the layers serve it (rounded as served); `None` when unknown.
    pub value: fn(&UnitFigures) -> Option<f64>,
}

impl Metric {
    pub fn exists_at(&self, level: Level) -> bool {
        self.levels.contains(&level)
    }

    /// The value as a JSON property: an integer, a number, or null when unknown.
    pub fn json_value(&self, f: &UnitFigures) -> Value {
        match ((self.value)(f), self.kind) {
            (Some(v), MetricType::Integer) if v.is_finite() => json!(v as u64),
            (Some(v), MetricType::Number) if v.is_finite() => json!(v),
            _ => Value::Null,
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "type": self.kind.as_str(),
            "unit": {"en": self.unit.en, "zh": self.unit.zh},
            "label": {"en": self.label.en, "zh": self.label.zh},
            "description": self.description,
            "levels": self.levels.iter().map(|l| l.as_str()).collect::<Vec<_>>(),
            "classification": self.classification.as_str(),
            "group": self.group.as_str(),
            "site_field": self.site_field,
            "at_least": self.at_least,
        })
    }
}

/// The metric a map shows first.
pub const DEFAULT_METRIC: &str = "pflops_per_10k_km2";

/// Looks a metric up by name.
pub fn metric(name: &str) -> Option<&'static Metric> {
    METRICS.iter().find(|m| m.name == name)
}

/// Names of every metric, in catalogue order (the order of the unit properties).
pub fn names() -> Vec<&'static str> {
    METRICS.iter().map(|m| m.name).collect()
}

/// The catalogue as served at `/analytics/metrics`.
pub fn catalogue_json() -> Value {
    json!({
        "metrics": METRICS.iter().map(Metric::to_json).collect::<Vec<_>>(),
        "default": DEFAULT_METRIC,
    })
}

fn round(v: f64, precision: u8) -> f64 {
    let m = 10f64.powi(precision as i32);
    (v * m).round() / m
}

fn fuel_mw(f: &UnitFigures, fuel: Fuel) -> Option<f64> {
    f.plant_mw_of(fuel).map(|v| round(v, 3))
}

const ALL: &[Level] = &Level::ALL;
const SITES: Text = Text {
    en: "sites",
    zh: "个",
};
const PFLOPS: Text = Text {
    en: "PFLOPS",
    zh: "PFLOPS",
};
const MW: Text = Text { en: "MW", zh: "MW" };

/// A count of sites.
const fn count(
    name: &'static str,
    label: Text,
    description: &'static str,
    classification: Classification,
    site_field: Option<&'static str>,
    value: fn(&UnitFigures) -> Option<f64>,
) -> Metric {
    Metric {
        name,
        kind: MetricType::Integer,
        unit: SITES,
        label,
        description,
        levels: ALL,
        classification,
        group: Group::Sites,
        site_field,
        at_least: false,
        value,
    }
}

/// A sum of a site figure: `at_least` for the deduplicated sum, not for its `_upper` twin.
/// A summed power-demand estimate, MW.
const fn demand(
    name: &'static str,
    label: Text,
    description: &'static str,
    at_least: bool,
    value: fn(&UnitFigures) -> Option<f64>,
) -> Metric {
    Metric {
        name,
        kind: MetricType::Number,
        unit: MW,
        label,
        description,
        levels: ALL,
        classification: Classification::Quantile,
        group: Group::Power,
        site_field: Some("power_mw_central"),
        at_least,
        value,
    }
}

const fn summed(
    name: &'static str,
    unit: Text,
    label: Text,
    description: &'static str,
    site_field: &'static str,
    at_least: bool,
    value: fn(&UnitFigures) -> Option<f64>,
) -> Metric {
    Metric {
        name,
        kind: MetricType::Number,
        unit,
        label,
        description,
        levels: ALL,
        classification: Classification::Quantile,
        group: Group::Compute,
        site_field: Some(site_field),
        at_least,
        value,
    }
}

/// Operating plant capacity of one fuel.
const fn fuel(name: &'static str, label: Text, value: fn(&UnitFigures) -> Option<f64>) -> Metric {
    Metric {
        name,
        kind: MetricType::Number,
        unit: MW,
        label,
        description: "Operating plant capacity of this fuel, MW",
        levels: ALL,
        classification: Classification::Quantile,
        group: Group::Power,
        site_field: None,
        at_least: false,
        value,
    }
}

const fn t(en: &'static str, zh: &'static str) -> Text {
    Text { en, zh }
}

/// Every unit metric, in the order of the unit properties. New metrics go after the existing
/// ones, so that the columns of the tables keep their positions.
pub static METRICS: &[Metric] = &[
    Metric {
        name: "area_km2",
        kind: MetricType::Number,
        unit: t("km²", "平方千米"),
        label: t("Area", "面积"),
        description: "Geodesic area on the WGS84 ellipsoid, km²",
        levels: ALL,
        classification: Classification::None,
        group: Group::Area,
        site_field: None,
        at_least: false,
        value: |f| Some((f.area_km2 * 100.0).round() / 100.0),
    },
    count("sites", t("Sites", "站点数"), "Sites whose point falls in the unit", Classification::Jenks, None, |f| Some(f.sites as f64)),
    count("sites_operational", t("Operational sites", "运营中站点"), "Sites with status operational", Classification::Jenks, None, |f| Some(f.sites_operational as f64)),
    count("sites_under_construction", t("Sites under construction", "在建站点"), "Sites with status under_construction", Classification::Jenks, None, |f| Some(f.sites_under_construction as f64)),
    count("sites_planned", t("Planned sites", "规划站点"), "Sites announced or tendered", Classification::Jenks, None, |f| Some(f.sites_planned as f64)),
    count("sites_prefecture_precision", t("Sites located to prefecture only", "仅定位到地级的站点"), "Sites located only to the prefecture seat", Classification::Jenks, None, |f| Some(f.sites_prefecture_precision as f64)),
    summed("pflops_reported", PFLOPS, t("Reported compute", "报告算力"), "At least: sum of reported PFLOPS (built or first phase where both are given; scopes differ), each overlap group (overlaps_with) counted once by its largest figure in the unit; null when no site reports one. pflops_reported_upper is the plain sum", "reported_pflops", true, |f| f.pflops_reported),
    summed("pflops_operational", PFLOPS, t("Compute at operational sites", "运营站点算力"), "At least: part of pflops_reported at operational sites, each overlap group counted once", "reported_pflops", true, |f| f.pflops_operational),
    summed("pflops_planned_total", PFLOPS, t("Planned compute", "规划算力"), "At least: sum of larger planned totals (not added to pflops_reported), each overlap group counted once", "pflops_planned_total", true, |f| f.pflops_planned_total),
    count("pflops_known_sites", t("Sites reporting PFLOPS", "报告算力的站点"), "Sites with a PFLOPS figure", Classification::None, Some("reported_pflops"), |f| Some(f.pflops_known_sites as f64)),
    Metric {
        name: "pflops_per_10k_km2",
        kind: MetricType::Number,
        unit: t("PFLOPS per 10,000 km²", "PFLOPS/每万平方千米"),
        label: t("Compute density", "算力密度"),
        description: "pflops_reported (at least: overlap groups counted once) per 10,000 km²",
        levels: ALL,
        classification: Classification::Quantile,
        group: Group::Compute,
        site_field: Some("reported_pflops"),
        at_least: true,
        value: |f| f.pflops_per_10k_km2.map(|v| round(v, 4)),
    },
    Metric {
        name: "sites_per_10k_km2",
        kind: MetricType::Number,
        unit: t("sites per 10,000 km²", "个/每万平方千米"),
        label: t("Site density", "站点密度"),
        description: "Sites per 10,000 km²",
        levels: ALL,
        classification: Classification::Quantile,
        group: Group::Sites,
        site_field: None,
        at_least: false,
        value: |f| Some(round(f.sites_per_10k_km2, 4)),
    },
    summed("chips", t("chips", "张"), t("Accelerators", "加速卡"), "At least: sum of reported accelerator counts (Nvidia and domestic mixed), each overlap group counted once", "chip_count", true, |f| f.chips),
    count("chips_known_sites", t("Sites reporting chips", "报告加速卡的站点"), "Sites with a chip count", Classification::None, Some("chip_count"), |f| Some(f.chips_known_sites as f64)),
    summed("racks", t("racks", "架"), t("Racks", "机架"), "At least: sum of reported racks (sizes and scopes differ), each overlap group counted once", "racks", true, |f| f.racks),
    count("racks_known_sites", t("Sites reporting racks", "报告机架的站点"), "Sites with a rack count", Classification::None, Some("racks"), |f| Some(f.racks_known_sites as f64)),
    summed("investment_cny", t("yuan", "元"), t("Reported investment", "报告投资"), "At least: sum of reported investment, yuan (scopes differ), each overlap group counted once", "investment_cny", true, |f| f.investment_cny),
    count("investment_known_sites", t("Sites reporting investment", "报告投资的站点"), "Sites with an investment figure", Classification::None, Some("investment_cny"), |f| Some(f.investment_known_sites as f64)),
    Metric {
        name: "plants",
        kind: MetricType::Integer,
        unit: t("plants", "座"),
        label: t("Operating power plants", "运行电厂"),
        description: "Operating plants counted in the unit; null when no plant file is loaded",
        levels: ALL,
        classification: Classification::Jenks,
        group: Group::Power,
        site_field: None,
        at_least: false,
        value: |f| f.plants.map(f64::from),
    },
    Metric {
        name: "plant_mw_total",
        kind: MetricType::Number,
        unit: MW,
        label: t("Operating plant capacity", "运行装机容量"),
        description: "Operating plant capacity, MW; null when no plant file is loaded",
        levels: ALL,
        classification: Classification::Quantile,
        group: Group::Power,
        site_field: None,
        at_least: false,
        value: |f| f.plant_mw_total.map(|v| round(v, 3)),
    },
    fuel("plant_mw_coal", t("Operating capacity: Coal", "运行装机：煤电"), |f| fuel_mw(f, Fuel::Coal)),
    fuel("plant_mw_gas", t("Operating capacity: Gas", "运行装机：气电"), |f| fuel_mw(f, Fuel::Gas)),
    fuel("plant_mw_oil", t("Operating capacity: Oil", "运行装机：油电"), |f| fuel_mw(f, Fuel::Oil)),
    fuel("plant_mw_hydro", t("Operating capacity: Hydro", "运行装机：水电"), |f| fuel_mw(f, Fuel::Hydro)),
    fuel("plant_mw_nuclear", t("Operating capacity: Nuclear", "运行装机：核电"), |f| fuel_mw(f, Fuel::Nuclear)),
    fuel("plant_mw_bioenergy", t("Operating capacity: Bioenergy", "运行装机：生物质"), |f| fuel_mw(f, Fuel::Bioenergy)),
    fuel("plant_mw_solar", t("Operating capacity: Solar", "运行装机：太阳能"), |f| fuel_mw(f, Fuel::Solar)),
    fuel("plant_mw_wind", t("Operating capacity: Wind", "运行装机：风电"), |f| fuel_mw(f, Fuel::Wind)),
    fuel("plant_mw_geothermal", t("Operating capacity: Geothermal", "运行装机：地热"), |f| fuel_mw(f, Fuel::Geothermal)),
    fuel("plant_mw_other", t("Operating capacity: Other", "运行装机：其他"), |f| fuel_mw(f, Fuel::Other)),
    Metric {
        name: "renewable_mw",
        kind: MetricType::Number,
        unit: MW,
        label: t("Operating renewable capacity", "运行可再生能源装机"),
        description: "Operating hydro, wind, solar, bioenergy and geothermal capacity, MW",
        levels: ALL,
        classification: Classification::Quantile,
        group: Group::Power,
        site_field: None,
        at_least: false,
        value: |f| f.renewable_mw.map(|v| round(v, 3)),
    },
    Metric {
        name: "plant_mw_per_10k_km2",
        kind: MetricType::Number,
        unit: t("MW per 10,000 km²", "MW/每万平方千米"),
        label: t("Plant capacity density", "装机密度"),
        description: "Operating plant capacity per 10,000 km²",
        levels: ALL,
        classification: Classification::Quantile,
        group: Group::Power,
        site_field: None,
        at_least: false,
        value: |f| f.plant_mw_per_10k_km2.map(|v| round(v, 4)),
    },
    // Power-demand estimates (issue 12): an estimate from the sites' chips, servers, compute or
    // reported power with the parameters of power_assumptions.csv; each bound summed on its own.
    demand("power_mw_low", t("Estimated power demand, low", "估算用电负荷（低）"), "Estimate, low: sum of the sites' estimated power demand (average facility draw), MW, each overlap group counted once; see power_basis on the sites", true, |f| f.power_mw_low),
    demand("power_mw_central", t("Estimated power demand, central", "估算用电负荷（中）"), "Estimate, central: sum of the sites' estimated power demand (average facility draw), MW, each overlap group counted once", true, |f| f.power_mw_central),
    demand("power_mw_high", t("Estimated power demand, high", "估算用电负荷（高）"), "Estimate, high: sum of the sites' estimated power demand (average facility draw), MW, each overlap group counted once", true, |f| f.power_mw_high),
    count("power_estimated_sites", t("Sites with a power estimate", "有用电估算的站点"), "Sites whose power demand could be estimated (reported MW, or chips, servers or PFLOPS with a known chip model)", Classification::None, Some("power_mw_central"), |f| Some(f.power_estimated_sites as f64)),
    // The plain sums next to the deduplicated ones (issue 16): upper bounds.
    summed("pflops_reported_upper", PFLOPS, t("Reported compute (plain sum, upper bound)", "报告算力（简单加总，上限）"), "Upper bound: plain sum of reported PFLOPS, overlap groups counted in full (pflops_reported counts each once)", "reported_pflops", false, |f| f.pflops_reported_upper),
    summed("pflops_operational_upper", PFLOPS, t("Compute at operational sites (plain sum, upper bound)", "运营站点算力（简单加总，上限）"), "Upper bound: plain sum of PFLOPS at operational sites, overlap groups counted in full", "reported_pflops", false, |f| f.pflops_operational_upper),
    summed("pflops_planned_total_upper", PFLOPS, t("Planned compute (plain sum, upper bound)", "规划算力（简单加总，上限）"), "Upper bound: plain sum of larger planned totals, overlap groups counted in full", "pflops_planned_total", false, |f| f.pflops_planned_total_upper),
    summed("chips_upper", t("chips", "张"), t("Accelerators (plain sum, upper bound)", "加速卡（简单加总，上限）"), "Upper bound: plain sum of reported accelerator counts, overlap groups counted in full", "chip_count", false, |f| f.chips_upper),
    summed("racks_upper", t("racks", "架"), t("Racks (plain sum, upper bound)", "机架（简单加总，上限）"), "Upper bound: plain sum of reported racks, overlap groups counted in full", "racks", false, |f| f.racks_upper),
    summed("investment_cny_upper", t("yuan", "元"), t("Reported investment (plain sum, upper bound)", "报告投资（简单加总，上限）"), "Upper bound: plain sum of reported investment, yuan, overlap groups counted in full", "investment_cny", false, |f| f.investment_cny_upper),
    demand("power_mw_low_upper", t("Estimated power demand, low (plain sum, upper bound)", "估算用电负荷（低，简单加总）"), "Upper bound: plain sum of the sites' low estimates, overlap groups counted in full", false, |f| f.power_mw_low_upper),
    demand("power_mw_central_upper", t("Estimated power demand, central (plain sum, upper bound)", "估算用电负荷（中，简单加总）"), "Upper bound: plain sum of the sites' central estimates, overlap groups counted in full", false, |f| f.power_mw_central_upper),
    demand("power_mw_high_upper", t("Estimated power demand, high (plain sum, upper bound)", "估算用电负荷（高，简单加总）"), "Upper bound: plain sum of the sites' high estimates, overlap groups counted in full", false, |f| f.power_mw_high_upper),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_the_default_is_listed() {
        let mut n = names();
        let len = n.len();
        n.sort_unstable();
        n.dedup();
        assert_eq!(n.len(), len, "duplicate metric names");
        assert!(metric(DEFAULT_METRIC).is_some());
    }

    #[test]
    fn every_fuel_has_its_capacity_metric() {
        for f in Fuel::ALL {
            let m = metric(crate::layers::plant_mw_name(f)).expect("fuel metric");
            assert_eq!(m.group, Group::Power);
        }
    }

    #[test]
    fn every_summed_figure_has_its_upper_bound() {
        // An at-least sum without its plain sum would hide how much the deduplication removed.
        for m in METRICS
            .iter()
            .filter(|m| m.at_least && m.name != "pflops_per_10k_km2")
        {
            let upper = metric(&format!("{}_upper", m.name))
                .unwrap_or_else(|| panic!("{} has no _upper twin", m.name));
            assert!(!upper.at_least);
            assert_eq!(upper.site_field, m.site_field);
        }
    }
}
