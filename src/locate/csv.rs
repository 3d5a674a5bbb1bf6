//! CSV in, CSV out: the input's columns as they were, then the added ones. The csv crate reads
//! the records (quoting, CRLF, a BOM, embedded newlines, line numbers); the output is written
//! here, byte for byte what `csv::Writer` writes (a field quoted only where CSV needs it, quotes
//! doubled, `\n` after each record) but with the row's bytes gathered in one buffer: a row
//! without a byte needing quotes is copied field after field, and each county's four cells
//! are made once as one byte string. Rows go in batches so their counties are looked up
//! together ([`crate::index::RegionIndex::locate_many`]).

use std::io::{Read, Write};

use csv::{ByteRecord, ReaderBuilder};

use super::{check_point, parse_coord, LocateError, Locator, Summary};

/// Rows read, located and written together.
const BATCH: usize = 256;
/// Output bytes gathered before they are handed to the writer.
const OUT_BUFFER: usize = 1 << 16;

/// Whether `csv::Writer` (its default, `QuoteStyle::Necessary` with `\n` records) quotes a
/// field holding these bytes: a delimiter, a quote, or a line break (`\r` too, which its
/// reader takes for one).
#[inline]
fn needs_quotes(field: &[u8]) -> bool {
    field
        .iter()
        .any(|&b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
}

/// Appends a field as `csv::Writer` writes it: quoted, with its quotes doubled, where needed.
fn put_field(buf: &mut Vec<u8>, field: &[u8]) {
    if !needs_quotes(field) {
        buf.extend_from_slice(field);
        return;
    }
    buf.push(b'"');
    for &b in field {
        if b == b'"' {
            buf.push(b'"');
        }
        buf.push(b);
    }
    buf.push(b'"');
}

/// Appends the input's columns of a record: its first `width` fields, empty ones for those it
/// lacks.
#[inline]
fn put_input(buf: &mut Vec<u8>, rec: &ByteRecord, width: usize) {
    if rec.len() == width && !needs_quotes(rec.as_slice()) {
        // The common row: nothing to quote anywhere, so the fields go as they are.
        for (i, f) in rec.iter().enumerate() {
            if i > 0 {
                buf.push(b',');
            }
            buf.extend_from_slice(f);
        }
        return;
    }
    for i in 0..width {
        if i > 0 {
            buf.push(b',');
        }
        put_field(buf, rec.get(i).unwrap_or(b""));
    }
}

/// Appends `,cell` for each cell.
fn put_cells<T: AsRef<[u8]>>(buf: &mut Vec<u8>, cells: &[T]) {
    for c in cells {
        buf.push(b',');
        put_field(buf, c.as_ref());
    }
}

/// `,cell` for each cell, as one byte string.
fn cells_after<T: AsRef<[u8]>>(cells: &[T]) -> Vec<u8> {
    let mut buf = Vec::new();
    put_cells(&mut buf, cells);
    buf
}

/// Finds a column: the name as given, then case-insensitively; the default `lon`/`lat` also
/// accept `longitude`/`latitude`, `lng`, `x`/`y`.
fn find_column(header: &ByteRecord, wanted: &str, aliases: &[&str]) -> Option<usize> {
    let names: Vec<&[u8]> = header.iter().map(trim_bytes).collect();
    let by = |w: &str| {
        names.iter().position(|n| *n == w.as_bytes()).or_else(|| {
            names
                .iter()
                .position(|n| n.eq_ignore_ascii_case(w.as_bytes()))
        })
    };
    by(wanted).or_else(|| aliases.iter().find_map(|a| by(a)))
}

fn trim_bytes(b: &[u8]) -> &[u8] {
    let s = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let e = b
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(s, |e| e + 1);
    &b[s..e]
}

/// A row's coordinates, checked, or why they are refused.
fn check_row(
    rec: &ByteRecord,
    (ilon, ilat): (usize, usize),
    width: usize,
    (lon_name, lat_name): (&str, &str),
) -> Result<(f64, f64), String> {
    let point = match (rec.get(ilon), rec.get(ilat)) {
        (Some(x), Some(y)) => parse_coord(x, lon_name)
            .and_then(|x| parse_coord(y, lat_name).map(|y| (x, y)))
            .and_then(|(x, y)| check_point(Some(x), Some(y))),
        _ => Err(format!(
            "{} fields where the header has {width}; {lon_name} or {lat_name} is missing",
            rec.len()
        )),
    };
    match point {
        Ok(_) if rec.len() > width => Err(format!(
            "{} fields where the header has {width}; the fields after the {width}th are left out",
            rec.len()
        )),
        other => other,
    }
}

pub fn run<R: Read, W: Write>(
    loc: &Locator<'_>,
    input: R,
    mut out: W,
    ready: &mut dyn FnMut(),
) -> Result<Summary, LocateError> {
    let opts = loc.options();
    let mut rdr = ReaderBuilder::new()
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(input);
    let header = rdr.byte_headers()?.clone();
    let columns = || {
        header
            .iter()
            .map(|f| String::from_utf8_lossy(f).into_owned())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let defaults =
        |w: &str, a: &'static [&'static str]| if w == "lon" || w == "lat" { a } else { &[] };
    let ilon = find_column(
        &header,
        &opts.lon_column,
        defaults(&opts.lon_column, &["longitude", "lng", "long", "x"]),
    )
    .ok_or_else(|| LocateError::MissingColumn(opts.lon_column.clone(), columns()))?;
    let ilat = find_column(
        &header,
        &opts.lat_column,
        defaults(&opts.lat_column, &["latitude", "y"]),
    )
    .ok_or_else(|| LocateError::MissingColumn(opts.lat_column.clone(), columns()))?;
    let names: Vec<String> = header
        .iter()
        .map(|f| String::from_utf8_lossy(trim_bytes(f)).into_owned())
        .collect();
    loc.check_clash(names.iter().map(String::as_str))?;
    let names = (names[ilon].as_str(), names[ilat].as_str());
    ready();
    let width = header.len();
    let mut buf: Vec<u8> = Vec::with_capacity(OUT_BUFFER + (1 << 12));
    put_input(&mut buf, &header, width);
    put_cells(&mut buf, &loc.columns());
    buf.push(b'\n');
    // Each county's cells, and a bad row's or a point outside's: `,adcode,county,...`.
    let places: Vec<Vec<u8>> = (0..loc.county_count())
        .map(|i| cells_after(&loc.place_cells(Some(i))))
        .collect();
    let no_place = cells_after(&loc.place_cells(None));
    let no_nearest = cells_after(&loc.empty_nearest());

    let mut summary = Summary::default();
    let mut batch: Vec<ByteRecord> = (0..BATCH).map(|_| ByteRecord::new()).collect();
    let mut checked: Vec<Result<(f64, f64), String>> = Vec::with_capacity(BATCH);
    let mut points: Vec<(f64, f64)> = Vec::with_capacity(BATCH);
    let mut counties: Vec<Option<usize>> = Vec::with_capacity(BATCH);
    let stopped = loop {
        // Read a batch; a read error or the row limit ends the run after the rows before it
        // are written, as a row-by-row loop would.
        let mut n = 0;
        let mut stop = None;
        let mut end = false;
        while n < BATCH {
            match rdr.read_byte_record(&mut batch[n]) {
                Ok(true) => match loc.count_row(&mut summary) {
                    Ok(()) => n += 1,
                    Err(e) => stop = Some(e),
                },
                Ok(false) => end = true,
                Err(e) => stop = Some(e.into()),
            }
            if end || stop.is_some() {
                break;
            }
        }
        checked.clear();
        points.clear();
        for rec in &batch[..n] {
            let c = check_row(rec, (ilon, ilat), width, names);
            if let Ok(p) = c {
                points.push(p);
            }
            checked.push(c);
        }
        loc.counties_of(&points, &mut counties, &mut summary);
        let mut found = counties.iter();
        for (rec, c) in batch[..n].iter().zip(&checked) {
            put_input(&mut buf, rec, width);
            match c {
                Ok((x, y)) => {
                    let county = found.next().copied().flatten();
                    buf.extend_from_slice(county.map_or(&no_place, |i| &places[i]));
                    put_cells(&mut buf, &loc.nearest(*x, *y));
                    buf.extend_from_slice(b",,\n");
                }
                Err(reason) => {
                    let line = rec.position().map_or(0, |p| p.line());
                    let msg = format!("line {line}: {reason}");
                    summary.bad_row(&msg);
                    buf.extend_from_slice(&no_place);
                    buf.extend_from_slice(&no_nearest);
                    buf.push(b',');
                    put_field(&mut buf, msg.as_bytes());
                    buf.push(b',');
                    buf.extend_from_slice(line.to_string().as_bytes());
                    buf.push(b'\n');
                }
            }
        }
        if buf.len() >= OUT_BUFFER {
            out.write_all(&buf)?;
            buf.clear();
        }
        if end || stop.is_some() {
            break stop;
        }
    };
    out.write_all(&buf)?;
    out.flush()?;
    match stopped {
        Some(e) => Err(e),
        None => Ok(summary),
    }
}

#[cfg(test)]
#[path = "csv_tests.rs"]
mod tests;
