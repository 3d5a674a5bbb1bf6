//! CSV in, CSV out: the input's columns as they were, then the added ones. Fields are copied
//! as bytes (re-quoted only where CSV needs it), and the county cells are made once per
//! county, so a row costs a parse of two numbers, a grid lookup and the copy.

use std::io::{Read, Write};

use csv::{ByteRecord, ReaderBuilder, WriterBuilder};

use super::{check_point, parse_coord, LocateError, Locator, Summary};

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

pub fn run<R: Read, W: Write>(
    loc: &Locator<'_>,
    input: R,
    out: W,
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
    let lon_name = names[ilon].clone();
    let lat_name = names[ilat].clone();
    ready();
    let width = header.len();
    let mut w = WriterBuilder::new()
        .buffer_capacity(1 << 16)
        .from_writer(out);
    let added = loc.columns();
    w.write_record(header.iter().chain(added.iter().map(|s| s.as_bytes())))?;
    let mut summary = Summary::default();
    let mut rec = ByteRecord::new();
    let mut line_text = String::new();
    while rdr.read_byte_record(&mut rec)? {
        loc.count_row(&mut summary)?;
        let point = match (rec.get(ilon), rec.get(ilat)) {
            (Some(x), Some(y)) => parse_coord(x, &lon_name)
                .and_then(|x| parse_coord(y, &lat_name).map(|y| (x, y)))
                .and_then(|(x, y)| check_point(Some(x), Some(y))),
            _ => Err(format!(
                "{} fields where the header has {width}; {lon_name} or {lat_name} is missing",
                rec.len()
            )),
        };
        let point = match point {
            Ok(_) if rec.len() > width => Err(format!(
                "{} fields where the header has {width}; the fields after the {width}th are left out",
                rec.len()
            )),
            other => other,
        };
        for i in 0..width {
            w.write_field(rec.get(i).unwrap_or(b""))?;
        }
        match point {
            Ok((x, y)) => {
                let found = loc.find(x, y, &mut summary);
                for c in loc.place_cells(found.county) {
                    w.write_field(c)?;
                }
                for c in &found.nearest {
                    w.write_field(c)?;
                }
                w.write_field(b"")?;
                w.write_field(b"")?;
            }
            Err(reason) => {
                let line = rec.position().map_or(0, |p| p.line());
                let msg = format!("line {line}: {reason}");
                summary.bad_row(&msg);
                for c in loc.place_cells(None) {
                    w.write_field(c)?;
                }
                for c in loc.empty_nearest() {
                    w.write_field(c)?;
                }
                w.write_field(&msg)?;
                line_text.clear();
                line_text.push_str(&line.to_string());
                w.write_field(&line_text)?;
            }
        }
        w.write_record(None::<&[u8]>)?;
    }
    w.flush()?;
    Ok(summary)
}
