use std::path::Path;

use super::table::Table;
use super::{LoadError, Problems};
use crate::model::{Chip, ProvinceStat, RenewableBase};

fn urls(s: Option<String>) -> Vec<String> {
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

/// Loads `renewable_bases.csv`.
pub fn load_renewable_bases(
    path: &Path,
    problems: &mut Problems,
) -> Result<Vec<RenewableBase>, LoadError> {
    let table = Table::read(path, problems)?;
    table.require_columns(path, &["name", "type", "province", "source_url"])?;
    let mut out = Vec::new();
    for mut row in table.rows() {
        let base = RenewableBase {
            name: row.required("name"),
            kind: row.required("type"),
            province: row.required("province"),
            admin_hint: row.text("admin_hint"),
            capacity_text: row.text("capacity_text"),
            capacity_mw: row.non_negative("capacity_mw"),
            status_as_of: row.text("status_as_of"),
            source_url: row.required("source_url"),
            notes: row.text("notes"),
        };
        if row.finish(problems) {
            out.push(base);
        }
    }
    Ok(out)
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
