use std::collections::HashSet;
use std::path::Path;

use super::table::{Row, Table};
use super::{LoadError, Problems};
use crate::model::{Adcode, BasePrecision, Chip, ProvinceStat, RenewableBase};

pub(super) fn urls(s: Option<String>) -> Vec<String> {
    s.map(|s| {
        s.split(" | ")
            .map(|u| u.trim().to_string())
            .filter(|u| !u.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

/// Loads `province_power.csv` (long format). `value` stays text; it is also parsed when it is a
/// plain decimal, since some rows hold bounds (`>70`) or composites by design.
pub fn load_province_stats(
    path: &Path,
    problems: &mut Problems,
) -> Result<Vec<ProvinceStat>, LoadError> {
    let table = Table::read(path, problems)?;
    table.require_columns(
        path,
        &["province", "year", "metric", "value", "unit", "source_url"],
    )?;
    let mut out = Vec::new();
    for mut row in table.rows() {
        let province = row.required("province");
        let year = row.required("year");
        let metric = row.required("metric");
        let value_text = row.required("value");
        let unit = row.required("unit");
        let source_url = row.required("source_url");
        let value = value_text.parse::<f64>().ok().filter(|v| v.is_finite());
        let stat = ProvinceStat {
            province,
            year,
            as_of: row.text("as_of"),
            metric,
            value_text,
            value,
            unit,
            source_type: row.text("source_type").unwrap_or_default(),
            source_url,
            via: row.text("via"),
            notes: row.text("notes"),
        };
        if row.finish(problems) {
            out.push(stat);
        }
    }
    Ok(out)
}

/// Loads `renewable_bases.csv`. `location_precision` and `adcodes` are checked here for form and
/// agreement with each other; whether each adcode is a unit of the boundaries is checked when the
/// atlas places the bases (the loader does not know the boundaries).
pub fn load_renewable_bases(
    path: &Path,
    problems: &mut Problems,
) -> Result<Vec<RenewableBase>, LoadError> {
    let table = Table::read(path, problems)?;
    table.require_columns(path, &["name", "type", "province", "source_url"])?;
    let mut out = Vec::new();
    let mut used_ids = HashSet::new();
    for mut row in table.rows() {
        let name = row.required("name");
        let (location_precision, adcodes) = base_place(&mut row);
        let base = RenewableBase {
            id: base_id(&name, &mut used_ids),
            line: row.line(),
            name,
            kind: row.required("type"),
            province: row.required("province"),
            admin_hint: row.text("admin_hint"),
            capacity_text: row.text("capacity_text"),
            capacity_mw: row.non_negative("capacity_mw"),
            status_as_of: row.text("status_as_of"),
            source_url: row.required("source_url"),
            notes: row.text("notes"),
            location_precision,
            adcodes,
        };
        if row.finish(problems) {
            out.push(base);
        }
    }
    Ok(out)
}

/// A base's id: the first eight words of its name as a slug; a repeat gets `-2` appended, so ids
/// stay what the layer served before they were made here.
fn base_id(name: &str, used: &mut HashSet<String>) -> String {
    let slug: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let mut id = slug
        .split('-')
        .filter(|s| !s.is_empty())
        .take(8)
        .collect::<Vec<_>>()
        .join("-");
    while !used.insert(id.clone()) {
        id.push_str("-2");
    }
    id
}

/// `location_precision` and `adcodes` of a base row: both empty (no place) or both given.
fn base_place(row: &mut Row<'_>) -> (Option<BasePrecision>, Vec<Adcode>) {
    let precision = row.parse(
        "location_precision",
        "county or prefecture",
        BasePrecision::parse,
    );
    let text = row.text("adcodes");
    let mut adcodes: Vec<Adcode> = Vec::new();
    for part in text.iter().flat_map(|t| t.split('|')).map(str::trim) {
        match part.parse::<Adcode>() {
            Ok(code) if (100_000..=999_999).contains(&code) && part.len() == 6 => {
                if adcodes.contains(&code) {
                    row.warn("adcodes", Some(part), "adcode listed twice; counted once");
                } else {
                    adcodes.push(code);
                }
            }
            _ => row.error(
                "adcodes",
                Some(part),
                "expected six-digit adcodes separated by ' | '",
            ),
        }
    }
    match (row.text("location_precision"), &text) {
        (Some(p), None) => row.error(
            "adcodes",
            None,
            format!("location_precision is {p:?} but no adcodes name the units"),
        ),
        (None, Some(t)) => row.error(
            "location_precision",
            None,
            format!(
                "adcodes {t:?} are given without the level of their units (county or prefecture)"
            ),
        ),
        _ => {}
    }
    (precision, adcodes)
}

/// Loads `chips.csv`.
pub fn load_chips(path: &Path, problems: &mut Problems) -> Result<Vec<Chip>, LoadError> {
    let table = Table::read(path, problems)?;
    table.require_columns(path, &["chip", "vendor", "dense_bf16_tflops", "source_url"])?;
    let mut out = Vec::new();
    for mut row in table.rows() {
        let chip = Chip {
            chip: row.required("chip"),
            vendor: row.required("vendor"),
            aliases: urls(row.text("aliases")),
            form_factor: row.text("form_factor"),
            dense_bf16_tflops: row.non_negative("dense_bf16_tflops"),
            dense_fp16_tflops: row.non_negative("dense_fp16_tflops"),
            fp8_tflops_dense: row.non_negative("fp8_tflops_dense"),
            tdp_w: row.non_negative("tdp_w"),
            memory_gb: row.non_negative("memory_gb"),
            export_control_status: row.text("export_control_status"),
            source_urls: urls(row.text("source_url")),
            notes: row.text("notes"),
        };
        if row.finish(problems) {
            out.push(chip);
        }
    }
    Ok(out)
}
