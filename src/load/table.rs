//! Reading CSV rows with per-field validation that names file, line, column and value.

use std::collections::HashMap;
use std::path::Path;

use super::{LoadError, Problem, Problems, Severity};

/// A CSV file read into rows of UTF-8 fields, keeping line numbers.
pub(crate) struct Table {
    pub file: String,
    pub header: Vec<String>,
    columns: HashMap<String, usize>,
    rows: Vec<RawRow>,
}

pub(crate) struct RawRow {
    pub line: u64,
    pub fields: Vec<Option<String>>,
}

impl Table {
    /// Reads a CSV file. Rows that are not valid UTF-8 or have the wrong number of fields
    /// (e.g. a truncated last line) are reported as errors and left out.
    pub fn read(path: &Path, problems: &mut Problems) -> Result<Table, LoadError> {
        let bytes = super::read_file(path)?;
        Table::from_bytes(path, &bytes, problems)
    }

    pub fn from_bytes(
        path: &Path,
        bytes: &[u8],
        problems: &mut Problems,
    ) -> Result<Table, LoadError> {
        let file = path.display().to_string();
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .from_reader(bytes);
        let header: Vec<String> = match rdr.byte_headers() {
            Ok(h) => h
                .iter()
                .map(|f| String::from_utf8_lossy(f).trim().to_string())
                .collect(),
            Err(e) => {
                return Err(LoadError::Csv {
                    path: path.to_path_buf(),
                    reason: e.to_string(),
                })
            }
        };
        if header.iter().all(|h| h.is_empty()) {
            return Err(LoadError::Csv {
                path: path.to_path_buf(),
                reason: "the file is empty".into(),
            });
        }
        let columns = header
            .iter()
            .enumerate()
            .map(|(i, h)| (h.clone(), i))
            .collect();
        let mut rows = Vec::new();
        let mut rec = csv::ByteRecord::new();
        let mut lines = LineCounter { pos: 0, line: 1 };
        loop {
            match rdr.read_byte_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map(|p| p.line());
                    problems.push(Problem {
                        severity: Severity::Error,
                        file: file.clone(),
                        line,
                        column: None,
                        value: None,
                        reason: format!("unreadable CSV record: {e}; row left out"),
                    });
                    // A CSV syntax error leaves the reader at an unknown place: stop here rather
                    // than guess, the problem above says so.
                    break;
                }
            }
            let line = rec
                .position()
                .map(|p| lines.line_at(bytes, p.byte()))
                .unwrap_or(0);
            if rec.len() == 1 && rec.get(0).is_some_and(|f| f.is_empty()) {
                continue; // blank line
            }
            if rec.len() != header.len() {
                problems.push(Problem {
                    severity: Severity::Error,
                    file: file.clone(),
                    line: Some(line),
                    column: None,
                    value: None,
                    reason: format!(
                        "row has {} fields, the header has {} (truncated or misquoted row); row left out",
                        rec.len(),
                        header.len()
                    ),
                });
                continue;
            }
            let mut fields = Vec::with_capacity(rec.len());
            let mut bad = false;
            for (i, f) in rec.iter().enumerate() {
                match std::str::from_utf8(f) {
                    Ok(s) => {
                        let s = s.trim();
                        fields.push((!s.is_empty()).then(|| s.to_string()));
                    }
                    Err(_) => {
                        problems.push(Problem {
                            severity: Severity::Error,
                            file: file.clone(),
                            line: Some(line),
                            column: Some(header[i].clone()),
                            value: Some(String::from_utf8_lossy(f).into_owned()),
                            reason: "not valid UTF-8; row left out".into(),
                        });
                        bad = true;
                        break;
                    }
                }
            }
            if !bad {
                rows.push(RawRow { line, fields });
            }
        }
        Ok(Table {
            file,
            header,
            columns,
            rows,
        })
    }

    /// A table of one row, for validating a record that did not come from a file (an edit).
    pub fn single(file: &str, header: &[&str], line: u64, fields: &[Option<String>]) -> Table {
        Table {
            file: file.to_string(),
            header: header.iter().map(|h| h.to_string()).collect(),
            columns: header
                .iter()
                .enumerate()
                .map(|(i, h)| (h.to_string(), i))
                .collect(),
            rows: vec![RawRow {
                line,
                fields: fields
                    .iter()
                    .map(|f| {
                        f.as_deref()
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(str::to_string)
                    })
                    .collect(),
            }],
        }
    }

    pub fn has_column(&self, name: &str) -> bool {
        self.columns.contains_key(name)
    }

    /// Fails when any of `names` is missing from the header.
    pub fn require_columns(&self, path: &Path, names: &[&str]) -> Result<(), LoadError> {
        for n in names {
            if !self.has_column(n) {
                return Err(LoadError::MissingColumn {
                    path: path.to_path_buf(),
                    column: n.to_string(),
                });
            }
        }
        Ok(())
    }

    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(move |r| Row {
            table: self,
            raw: r,
            errors: Vec::new(),
        })
    }
}

/// Line numbers of records from their byte offsets. The csv reader's own line count is one short
/// for CRLF files (it counts the `\n` of a `\r\n` only when it reads the next record), so lines
/// are counted from the bytes, once through the file.
struct LineCounter {
    pos: usize,
    line: u64,
}

impl LineCounter {
    /// The 1-based line on which the record starting at byte `start` begins (`start` ascending).
    fn line_at(&mut self, bytes: &[u8], start: u64) -> u64 {
        let mut pos = (start as usize).clamp(self.pos, bytes.len());
        while pos < bytes.len() && (bytes[pos] == b'\r' || bytes[pos] == b'\n') {
            pos += 1;
        }
        self.line += bytes[self.pos..pos].iter().filter(|&&b| b == b'\n').count() as u64;
        self.pos = pos;
        self.line
    }
}

/// One row being validated; problems found are collected and reported by [`Row::finish`].
pub(crate) struct Row<'a> {
    table: &'a Table,
    raw: &'a RawRow,
    errors: Vec<Problem>,
}

impl<'a> Row<'a> {
    pub fn line(&self) -> u64 {
        self.raw.line
    }

    fn problem(
        &self,
        severity: Severity,
        column: &str,
        value: Option<&str>,
        reason: String,
    ) -> Problem {
        Problem {
            severity,
            file: self.table.file.clone(),
            line: Some(self.raw.line),
            column: Some(column.to_string()),
            value: value.map(str::to_string),
            reason,
        }
    }

    /// Records an error in `column`: the row will be left out.
    pub fn error(&mut self, column: &str, value: Option<&str>, reason: impl Into<String>) {
        let p = self.problem(Severity::Error, column, value, reason.into());
        self.errors.push(p);
    }

    /// Records a warning in `column`: the row is kept.
    pub fn warn(&mut self, column: &str, value: Option<&str>, reason: impl Into<String>) {
        let p = self.problem(Severity::Warning, column, value, reason.into());
        self.errors.push(p);
    }

    /// The field's text, `None` when empty or when the column is absent.
    pub fn text(&self, column: &str) -> Option<String> {
        let i = *self.table.columns.get(column)?;
        self.raw.fields.get(i).cloned().flatten()
    }

    /// The field's text; an empty field is an error.
    pub fn required(&mut self, column: &str) -> String {
        match self.text(column) {
            Some(s) => s,
            None => {
                self.error(column, None, "required value is empty");
                String::new()
            }
        }
    }

    /// Parses a field with `parse`, recording `what` as the reason when it fails.
    pub fn parse<T>(
        &mut self,
        column: &str,
        what: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let text = self.text(column)?;
        match parse(&text) {
            Some(v) => Some(v),
            None => {
                self.error(column, Some(&text), format!("expected {what}"));
                None
            }
        }
    }

    /// An optional finite, non-negative decimal number.
    pub fn non_negative(&mut self, column: &str) -> Option<f64> {
        self.parse(column, "a non-negative decimal number", |s| {
            s.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0)
        })
    }

    /// An optional non-negative integer; GEM and GPPD write years as `2012.0`, which is accepted.
    pub fn integer(&mut self, column: &str) -> Option<u64> {
        self.parse(column, "a non-negative whole number", |s| {
            s.parse::<u64>().ok().or_else(|| {
                s.parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite() && *v >= 0.0 && v.fract() == 0.0 && *v < 1e18)
                    .map(|v| v as u64)
            })
        })
    }

    /// A required longitude/latitude pair in range.
    pub fn lon_lat(&mut self, lon_col: &str, lat_col: &str) -> Option<(f64, f64)> {
        let lon = self.coordinate(lon_col, 180.0);
        let lat = self.coordinate(lat_col, 90.0);
        Some((lon?, lat?))
    }

    fn coordinate(&mut self, column: &str, limit: f64) -> Option<f64> {
        match self.text(column) {
            None => {
                self.error(column, None, "coordinate is empty");
                None
            }
            Some(t) => match t.parse::<f64>() {
                Ok(v) if v.is_finite() && v.abs() <= limit => Some(v),
                _ => {
                    self.error(
                        column,
                        Some(&t),
                        format!("expected a decimal degree within ±{limit}"),
                    );
                    None
                }
            },
        }
    }

    /// Reports the row's problems; returns `true` when the row has no error and may be kept.
    pub fn finish(self, problems: &mut Problems) -> bool {
        let ok = !self.errors.iter().any(|p| p.severity == Severity::Error);
        for mut p in self.errors {
            if !ok && p.severity == Severity::Error && !p.reason.ends_with("row left out") {
                p.reason.push_str("; row left out");
            }
            problems.push(p);
        }
        ok
    }
}
