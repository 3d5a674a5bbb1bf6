//! Users' own points through the atlas: each row of a CSV, GeoJSON or GeoParquet input gets the
//! county, prefecture and province it falls in (the prepared county grid of
//! [`crate::index::RegionIndex`]), and optionally the nearest operating plant of each fuel and
//! the nearest site, with geodesic distances.
//!
//! Streaming: rows are read, located and written one at a time (GeoParquet one row group at a
//! time), so memory stays flat whatever the input's size. Rows whose coordinates are missing,
//! not numbers or out of range are kept, with the reason in `error` and their line (CSV: the
//! file's line, the header being line 1; GeoJSON and GeoParquet: the feature or row, from 1)
//! in `error_line`; the [`Summary`] counts them. The command line (`compute-atlas locate
//! --input`) and the server (`POST /processes/locate/execution`) share this engine.

pub mod csv;
mod csv_lines;
pub mod geojson;
pub mod parquet;

use crate::atlas::CountyLayer;
use crate::index::RegionIndex;
use crate::model::{County, Fuel};
use crate::Atlas;

/// Columns every output gains, in order (before the optional nearest columns and the error
/// columns).
pub const PLACE_COLUMNS: [&str; 4] = ["county_adcode", "county", "prefecture", "province"];
/// The columns marking a bad row.
pub const ERROR_COLUMNS: [&str; 2] = ["error", "error_line"];
/// Errors listed in a summary (the rest are counted).
const LISTED_ERRORS: usize = 20;

/// An input or output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointFormat {
    Csv,
    GeoJson,
    Parquet,
}

impl PointFormat {
    pub fn media_type(self) -> &'static str {
        match self {
            PointFormat::Csv => "text/csv",
            PointFormat::GeoJson => "application/geo+json",
            PointFormat::Parquet => "application/vnd.apache.parquet",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            PointFormat::Csv => "csv",
            PointFormat::GeoJson => "geojson",
            PointFormat::Parquet => "parquet",
        }
    }

    /// From an `f` value or a file extension.
    pub fn parse(s: &str) -> Option<PointFormat> {
        match s.to_ascii_lowercase().as_str() {
            "csv" | "txt" => Some(PointFormat::Csv),
            "geojson" | "json" => Some(PointFormat::GeoJson),
            "parquet" | "geoparquet" => Some(PointFormat::Parquet),
            _ => None,
        }
    }

    /// From a Content-Type (parameters ignored).
    pub fn from_media_type(m: &str) -> Option<PointFormat> {
        match m
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
            .as_str()
        {
            "text/csv" | "application/csv" | "text/plain" => Some(PointFormat::Csv),
            "application/geo+json" | "application/json" => Some(PointFormat::GeoJson),
            "application/vnd.apache.parquet" | "application/x-parquet" | "application/parquet" => {
                Some(PointFormat::Parquet)
            }
            _ => None,
        }
    }
}

/// What a locate run does.
#[derive(Debug, Clone)]
pub struct LocateOptions {
    /// CSV column (or GeoParquet column, without a geometry) holding longitudes.
    pub lon_column: String,
    /// CSV column holding latitudes.
    pub lat_column: String,
    /// Add the nearest operating plant of each fuel and the nearest site.
    pub nearest: bool,
    /// Refuse more rows than this (the rows before are written).
    pub max_rows: u64,
}

impl Default for LocateOptions {
    fn default() -> LocateOptions {
        LocateOptions {
            lon_column: "lon".into(),
            lat_column: "lat".into(),
            nearest: false,
            max_rows: u64::MAX,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Summary {
    /// Rows read (bad ones included).
    pub rows: u64,
    /// Rows inside a county of the atlas.
    pub located: u64,
    /// Rows with good coordinates outside the atlas's area.
    pub outside: u64,
    /// Rows with bad coordinates (kept, marked in `error`).
    pub bad: u64,
    /// The first bad rows' errors, as written in `error`.
    pub errors: Vec<String>,
}

impl Summary {
    fn bad_row(&mut self, reason: &str) {
        self.bad += 1;
        if self.errors.len() < LISTED_ERRORS {
            self.errors.push(reason.to_string());
        }
    }
}

/// Why a run stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LocateError {
    #[error("reading or writing failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("CSV: {0}")]
    Csv(#[from] ::csv::Error),
    #[error("GeoJSON: {0}")]
    GeoJson(#[source] ::geojson::Error),
    #[error("GeoParquet: {0}")]
    Parquet(#[from] polars::error::PolarsError),
    #[error("the input has no column `{0}`; its columns: {1}")]
    MissingColumn(String, String),
    #[error("the input already has a column `{0}`, which the output adds; rename it")]
    ColumnClash(String),
    #[error("the input has more than {0} rows, the most one run takes; split it")]
    TooManyRows(u64),
    #[error("{0}")]
    Input(String),
}

impl LocateError {
    /// Whether the input is at fault (a 400), not the service.
    pub fn is_client_error(&self) -> bool {
        match self {
            // InvalidData: the upload broke a limit while it was read.
            LocateError::Io(e) => e.kind() == std::io::ErrorKind::InvalidData,
            _ => true,
        }
    }
}

/// A nearest-plant column group: the fuels with at least one operating plant.
fn plant_fuels(atlas: &Atlas) -> Vec<Fuel> {
    Fuel::ALL
        .into_iter()
        .filter(|f| {
            atlas
                .plants
                .iter()
                .zip(&atlas.plant_counted)
                .any(|(p, &c)| c && p.fuel == *f)
        })
        .collect()
}

/// The lookups of a run, with the text of each county's output cells made once.
pub struct Locator<'a> {
    index: &'a RegionIndex,
    /// The whole atlas, for the nearest columns; `None` on a county layer alone.
    atlas: Option<&'a Atlas>,
    opts: LocateOptions,
    fuels: Vec<Fuel>,
    /// Per county: adcode, county, prefecture, province.
    cells: Vec<[String; 4]>,
}

/// Where a good point is.
pub struct Found {
    pub county: Option<usize>,
    /// Values of the nearest columns (empty unless asked for).
    pub nearest: Vec<String>,
}

fn county_cells(counties: &[County]) -> Vec<[String; 4]> {
    counties
        .iter()
        .map(|c| {
            [
                c.adcode.to_string(),
                c.name_en.clone(),
                c.prefecture_en.clone(),
                c.province_en.clone(),
            ]
        })
        .collect()
}

impl<'a> Locator<'a> {
    pub fn new(atlas: &'a Atlas, opts: LocateOptions) -> Locator<'a> {
        let fuels = if opts.nearest {
            plant_fuels(atlas)
        } else {
            Vec::new()
        };
        Locator {
            index: &atlas.county_index,
            atlas: Some(atlas),
            opts,
            fuels,
            cells: county_cells(&atlas.counties),
        }
    }

    /// A locator on the county layer alone: the same county columns as on the whole atlas,
    /// without the nearest ones (refused: they need the plants and sites).
    pub fn on_counties(
        layer: &'a CountyLayer,
        opts: LocateOptions,
    ) -> Result<Locator<'a>, LocateError> {
        if opts.nearest {
            return Err(LocateError::Input(
                "the nearest columns need the whole atlas, not the county layer alone".into(),
            ));
        }
        Ok(Locator {
            index: &layer.county_index,
            atlas: None,
            opts,
            fuels: Vec::new(),
            cells: county_cells(&layer.counties),
        })
    }

    pub fn options(&self) -> &LocateOptions {
        &self.opts
    }

    /// The columns the output adds, in order.
    pub fn columns(&self) -> Vec<String> {
        let mut c: Vec<String> = PLACE_COLUMNS.iter().map(|s| s.to_string()).collect();
        if self.opts.nearest {
            for f in &self.fuels {
                let f = f.as_str();
                c.push(format!("nearest_{f}_plant"));
                c.push(format!("nearest_{f}_plant_id"));
                c.push(format!("nearest_{f}_km"));
            }
            c.push("nearest_site".into());
            c.push("nearest_site_km".into());
        }
        c.extend(ERROR_COLUMNS.iter().map(|s| s.to_string()));
        c
    }

    /// Refuses inputs that already have one of the added columns.
    pub fn check_clash<'n>(
        &self,
        input: impl IntoIterator<Item = &'n str>,
    ) -> Result<(), LocateError> {
        let ours = self.columns();
        for n in input {
            if ours.iter().any(|o| o == n) {
                return Err(LocateError::ColumnClash(n.to_string()));
            }
        }
        Ok(())
    }

    /// The county cells of a county index (`None`: four empty cells).
    pub fn place_cells(&self, county: Option<usize>) -> [&str; 4] {
        match county {
            Some(i) => {
                let c = &self.cells[i];
                [&c[0], &c[1], &c[2], &c[3]]
            }
            None => ["", "", "", ""],
        }
    }

    /// Number of counties (the indexes [`Locator::place_cells`] takes).
    pub fn county_count(&self) -> usize {
        self.cells.len()
    }

    /// Locates a checked point and counts it.
    #[inline]
    pub fn find(&self, lon: f64, lat: f64, summary: &mut Summary) -> Found {
        let county = self.index.locate(lon, lat);
        if county.is_some() {
            summary.located += 1;
        } else {
            summary.outside += 1;
        }
        Found {
            county,
            nearest: self.nearest(lon, lat),
        }
    }

    /// The counties of many checked points (as [`Locator::find`] gives them, faster: see
    /// [`RegionIndex::locate_many`]), counted.
    pub fn counties_of(
        &self,
        points: &[(f64, f64)],
        out: &mut Vec<Option<usize>>,
        summary: &mut Summary,
    ) {
        self.index.locate_many(points, out);
        let located = out.iter().filter(|c| c.is_some()).count() as u64;
        summary.located += located;
        summary.outside += out.len() as u64 - located;
    }

    /// Values of the nearest columns of a checked point (empty unless asked for).
    pub fn nearest(&self, lon: f64, lat: f64) -> Vec<String> {
        let Some(atlas) = self.atlas.filter(|_| self.opts.nearest) else {
            return Vec::new();
        };
        let km = |d: f64| format!("{d:.3}");
        let mut out = Vec::with_capacity(self.fuels.len() * 3 + 2);
        let power = atlas.power_around(lon, lat, &[]);
        for f in &self.fuels {
            match power.nearest.iter().find(|n| n.fuel == *f) {
                Some(n) => {
                    out.push(n.name.clone());
                    out.push(n.plant_id.clone());
                    out.push(km(n.distance_km));
                }
                None => out.extend([String::new(), String::new(), String::new()]),
            }
        }
        match atlas.site_index.nearest(lon, lat, 1).first() {
            Some(n) => {
                out.push(atlas.sites[n.index].id.clone());
                out.push(km(n.distance_km));
            }
            None => out.extend([String::new(), String::new()]),
        }
        out
    }

    /// Empty nearest cells for a bad row.
    pub fn empty_nearest(&self) -> Vec<String> {
        if self.opts.nearest {
            vec![String::new(); self.fuels.len() * 3 + 2]
        } else {
            Vec::new()
        }
    }

    /// Counts a row against the limit.
    pub fn count_row(&self, summary: &mut Summary) -> Result<(), LocateError> {
        summary.rows += 1;
        if summary.rows > self.opts.max_rows {
            return Err(LocateError::TooManyRows(self.opts.max_rows));
        }
        Ok(())
    }
}

/// Checks a coordinate pair: numbers, finite, in range. The error names the line and field.
pub fn check_point(lon: Option<f64>, lat: Option<f64>) -> Result<(f64, f64), String> {
    let (Some(x), Some(y)) = (lon, lat) else {
        return Err("coordinates missing".into());
    };
    if !(x.is_finite() && (-180.0..=180.0).contains(&x)) {
        return Err(format!("longitude {x} is outside -180..180"));
    }
    if !(y.is_finite() && (-90.0..=90.0).contains(&y)) {
        return Err(format!("latitude {y} is outside -90..90"));
    }
    Ok((x, y))
}

/// Powers of ten a double holds exactly.
const EXACT_POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A plain decimal (`-`, digits, at most one point) whose digits make an integer below 2^53
/// with at most 22 of them after the point, as a double; `None` for anything else. Such an
/// integer and such a power of ten are both exact doubles, so one division, correctly rounded
/// by the processor, gives the nearest double to the decimal: what `str::parse` gives (this is
/// the first step of its algorithm too). Coordinates nearly always take this path, and taking
/// it in one pass over the bytes halves the time a cell costs.
#[inline]
fn plain_decimal(cell: &[u8]) -> Option<f64> {
    let (negative, digits) = match cell.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, cell),
    };
    let (mut mantissa, mut count, mut after_point) = (0u64, 0u32, 0usize);
    let mut point = false;
    for &b in digits {
        match b {
            b'0'..=b'9' if count < 19 => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                count += 1;
                after_point += usize::from(point);
            }
            b'.' if !point => point = true,
            _ => return None,
        }
    }
    if count == 0 || mantissa > 1 << 53 || after_point >= EXACT_POW10.len() {
        return None;
    }
    let v = mantissa as f64 / EXACT_POW10[after_point];
    Some(if negative { -v } else { v })
}

/// Parses one coordinate cell, naming the column in the error.
pub fn parse_coord(cell: &[u8], column: &str) -> Result<f64, String> {
    if let Some(v) = plain_decimal(cell) {
        return Ok(v);
    }
    // Digits, a point and a minus sign beyond the exact path above (17 significant digits, as
    // full-precision exports write them), nothing to trim. For such text fast-float2 and
    // `str::parse` accept the same (the Rust standard library took its algorithm) and give the
    // same nearest double, but from bytes it needs no UTF-8 check or trimming first. Anything
    // else, and what it refuses, takes the general path below.
    if !cell.is_empty()
        && cell
            .iter()
            .all(|&b| b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        if let Ok(v) = fast_float2::parse::<f64, _>(cell) {
            return Ok(v);
        }
    }
    let s = std::str::from_utf8(cell)
        .map_err(|_| format!("{column} is not UTF-8 text"))?
        .trim();
    if s.is_empty() {
        return Err(format!("{column} is empty"));
    }
    s.parse::<f64>().map_err(|_| {
        let shown: String = s.chars().take(40).collect();
        format!("{column} {shown:?} is not a number")
    })
}

/// Runs a whole input through the locator: `input` in `input_format`, `out` in the same
/// format. `ready` is called once the input's header or schema has been read and accepted
/// (before any row is written), so a server can still answer 400 before it.
pub fn run<R: std::io::Read, W: std::io::Write + Send>(
    loc: &Locator<'_>,
    format: PointFormat,
    input: R,
    out: W,
    ready: &mut dyn FnMut(),
) -> Result<Summary, LocateError> {
    match format {
        PointFormat::Csv => csv::run(loc, input, out, ready),
        PointFormat::GeoJson => geojson::run(loc, input, out, ready),
        PointFormat::Parquet => {
            // Parquet keeps its index at the end: spool to a file first (disk, not memory).
            let mut tmp = tempfile::tempfile()?;
            let mut input = input;
            std::io::copy(&mut input, &mut tmp)?;
            parquet::run(loc, tmp, out, ready)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_coord;

    /// The fast path for plain decimals answers as `str::parse` does, value and refusal.
    #[test]
    fn coordinates_parse_as_the_standard_library_parses_them() {
        let mut cells: Vec<String> = [
            "0",
            "-0",
            "104.06",
            "-104.06",
            ".5",
            "-.5",
            "5.",
            "-5.",
            "-",
            ".",
            "-.",
            "--1",
            "1-2",
            "1.2.3",
            "..1",
            "1..",
            "00001.000",
            "180",
            "180.0000000000000000001",
            "30.67000000000000028421709430404007434844970703125",
            "1e5",
            "+1",
            " 1",
            "1 ",
            "9007199254740993",
            "0.1000000000000000055511151231257827021181583404541015625",
            "9007199254740992",
            "900719925474099.3",
            "9007199254740993.0",
            "0.0000000000000000000001",
            "0.00000000000000000000001",
            "1234567890123456789",
            "12345678901234567890",
            "-0.0",
            "inf",
            "-NaN",
            "",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut s: u64 = 0x853C49E6748FEA9B;
        for _ in 0..20_000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let v = (s >> 11) as f64 / (1u64 << 53) as f64 * 360.0 - 180.0;
            let digits = (s % 20) as usize;
            cells.push(format!("{v:.digits$}"));
            cells.push(format!("{v}"));
        }
        for c in &cells {
            let general = c.trim().parse::<f64>().ok();
            let got = parse_coord(c.as_bytes(), "lon").ok();
            match (c.trim().is_empty(), general, got) {
                (true, _, None) => {}
                (_, Some(a), Some(b)) => assert_eq!(a.to_bits(), b.to_bits(), "{c:?}"),
                (_, None, None) => {}
                other => panic!("{c:?}: {other:?}"),
            }
        }
    }
}
