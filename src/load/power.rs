//! Loaders of the estimate parameters (`power_assumptions.csv`) and the reporting figures
//! (`reporting.csv`). Both are optional for the atlas (an older data directory lacks them); a
//! bad row names file, line and field like every other table.

use std::collections::HashSet;
use std::path::Path;

use super::curated::urls;
use super::table::Table;
use super::{LoadError, Problems};
use crate::model::{PowerAssumption, Qualifier, ReportingFigure};

/// Loads `power_assumptions.csv`: numbers must be plain decimals with low ≤ central ≤ high, every
/// row must state at least one of them, and names must be unique. A row without a source is kept
/// with a warning (the README allows it only for the arithmetic constant `hours_per_year`).
pub fn load_power_assumptions(
    path: &Path,
    problems: &mut Problems,
) -> Result<Vec<PowerAssumption>, LoadError> {
    let table = Table::read(path, problems)?;
    table.require_columns(
        path,
        &["name", "low", "central", "high", "unit", "source_url"],
    )?;
    let mut out = Vec::new();
    let mut names = HashSet::new();
    for mut row in table.rows() {
        let name = row.required("name");
        let low = row.non_negative("low");
        let central = row.non_negative("central");
        let high = row.non_negative("high");
        if low.is_none()
            && central.is_none()
            && high.is_none()
            && row.text("low").is_none()
            && row.text("central").is_none()
            && row.text("high").is_none()
        {
            row.error(
                "central",
                None,
                "no value: one of low, central, high is required",
            );
        }
        let ordered = [low, central, high];
        let given: Vec<f64> = ordered.iter().flatten().copied().collect();
        if given.windows(2).any(|w| w[0] > w[1]) {
            let text = given
                .iter()
                .map(f64::to_string)
                .collect::<Vec<_>>()
                .join(" / ");
            row.error("low", Some(&text), "expected low ≤ central ≤ high");
        }
        if !name.is_empty() && !names.insert(name.clone()) {
            row.error("name", Some(&name), "parameter named twice");
        }
        let source_urls = urls(row.text("source_url"));
        if source_urls.is_empty() {
            row.warn(
                "source_url",
                None,
                "parameter without a source (allowed only for arithmetic constants)",
            );
        }
        let a = PowerAssumption {
            line: row.line(),
            name,
            low,
            central,
            high,
            unit: row.required("unit"),
            applies_to: row.text("applies_to"),
            source_urls,
            note: row.text("note"),
        };
        if row.finish(problems) {
            out.push(a);
        }
    }
    Ok(out)
}

/// Loads `reporting.csv`: a figure must have a numeric value, a known qualifier, a quote and at
/// least one source.
pub fn load_reporting(
    path: &Path,
    problems: &mut Problems,
) -> Result<Vec<ReportingFigure>, LoadError> {
    let table = Table::read(path, problems)?;
    table.require_columns(
        path,
        &[
            "figure",
            "value",
            "unit",
            "qualifier",
            "scope",
            "what",
            "source_urls",
            "quote",
        ],
    )?;
    let mut out = Vec::new();
    let mut names = HashSet::new();
    for mut row in table.rows() {
        let figure = row.required("figure");
        if !figure.is_empty() && !names.insert(figure.clone()) {
            row.error("figure", Some(&figure), "figure named twice");
        }
        let value = row.non_negative("value");
        if row.text("value").is_none() {
            row.error("value", None, "required value is empty");
        }
        let qualifier = row.parse("qualifier", "at least, about or exact", Qualifier::parse);
        if row.text("qualifier").is_none() {
            row.error("qualifier", None, "required value is empty");
        }
        let source_urls = urls(row.text("source_urls"));
        if source_urls.is_empty() {
            row.error("source_urls", None, "every reporting figure needs a source");
        }
        let f = ReportingFigure {
            line: row.line(),
            figure,
            value: value.unwrap_or(f64::NAN),
            unit: row.required("unit"),
            qualifier: qualifier.unwrap_or(Qualifier::Exact),
            scope: row.required("scope"),
            reported_date: row.text("reported_date"),
            what: row.required("what"),
            source_urls,
            quote: row.required("quote"),
        };
        if row.finish(problems) {
            out.push(f);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_text(text: &str) -> (Vec<PowerAssumption>, Problems) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("power_assumptions.csv");
        std::fs::write(&path, text).unwrap();
        let mut problems = Problems::default();
        let rows = load_power_assumptions(&path, &mut problems).unwrap();
        (rows, problems)
    }

    #[test]
    fn bundled_parameters_load_without_problems() {
        let dir = crate::atlas::default_data_dir();
        let mut problems = Problems::default();
        let rows =
            load_power_assumptions(&dir.join("power_assumptions.csv"), &mut problems).unwrap();
        assert!(rows.len() > 10);
        assert_eq!(problems.errors().count(), 0, "{problems:?}");
        let figures = load_reporting(&dir.join("reporting.csv"), &mut problems).unwrap();
        assert!(!figures.is_empty());
        assert_eq!(problems.errors().count(), 0, "{problems:?}");
    }

    #[test]
    fn a_bad_row_names_file_line_and_field() {
        let (rows, problems) = load_text(
            "name,low,central,high,unit,source_url\n\
             pue_a,,1.3,,PUE,http://a\n\
             pue_b,1.5,,1.2,PUE,http://b\n\
             pue_c,,x,,PUE,http://c\n",
        );
        assert_eq!(rows.len(), 1);
        let errors: Vec<_> = problems.errors().collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(errors[0].line, Some(3));
        assert_eq!(errors[0].column.as_deref(), Some("low"));
        assert!(errors[0].file.ends_with("power_assumptions.csv"));
        assert_eq!(errors[1].line, Some(4));
        assert_eq!(errors[1].column.as_deref(), Some("central"));
    }
}
