//! CSV in, CSV out: the input's columns as they were, then the added ones. The csv crate reads
//! the records (quoting, CRLF, a BOM, embedded newlines, line numbers); the output is written
//! here, byte for byte what `csv::Writer` writes (a field quoted only where CSV needs it, quotes
//! doubled, `\n` after each record) but with the row's bytes gathered in one buffer: a row
//! without a byte needing quotes is copied field after field, and each county's four cells
//! are made once as one byte string. Rows go in batches so their counties are looked up
//! together ([`crate::index::RegionIndex::locate_many`]).

use std::io::{Read, Write};

use csv::{ByteRecord, ReaderBuilder};

use super::csv_lines::Newlines;
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

/// The input's header, checked, and where the point's columns are.
struct Columns {
    header: ByteRecord,
    width: usize,
    ilon: usize,
    ilat: usize,
    names: (String, String),
}

impl Columns {
    fn new(loc: &Locator<'_>, header: ByteRecord) -> Result<Columns, LocateError> {
        let opts = loc.options();
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
        Ok(Columns {
            width: header.len(),
            names: (names[ilon].clone(), names[ilat].clone()),
            header,
            ilon,
            ilat,
        })
    }

    fn check(&self, rec: &ByteRecord) -> Result<(f64, f64), String> {
        check_row(
            rec,
            (self.ilon, self.ilat),
            self.width,
            (&self.names.0, &self.names.1),
        )
    }
}

/// What is written for each row: the county cells made once, and the output gathered.
struct Writer<'l, 'a, W> {
    loc: &'l Locator<'a>,
    places: Vec<Vec<u8>>,
    no_place: Vec<u8>,
    no_nearest: Vec<u8>,
    buf: Vec<u8>,
    out: W,
}

impl<'l, 'a, W: Write> Writer<'l, 'a, W> {
    fn new(loc: &'l Locator<'a>, columns: &Columns, out: W) -> Writer<'l, 'a, W> {
        let mut buf: Vec<u8> = Vec::with_capacity(OUT_BUFFER + (1 << 12));
        put_input(&mut buf, &columns.header, columns.width);
        put_cells(&mut buf, &loc.columns());
        buf.push(b'\n');
        Writer {
            loc,
            // Each county's cells, and a bad row's or a point outside's: `,adcode,county,...`.
            places: (0..loc.county_count())
                .map(|i| cells_after(&loc.place_cells(Some(i))))
                .collect(),
            no_place: cells_after(&loc.place_cells(None)),
            no_nearest: cells_after(&loc.empty_nearest()),
            buf,
            out,
        }
    }

    /// The cells after a located row's input columns.
    fn located(&mut self, county: Option<usize>, (x, y): (f64, f64)) {
        let cells = county.map_or(&self.no_place, |i| &self.places[i]);
        self.buf.extend_from_slice(cells);
        put_cells(&mut self.buf, &self.loc.nearest(x, y));
        self.buf.extend_from_slice(b",,\n");
    }

    /// The cells after a bad row's input columns: no place, the reason and the line.
    fn bad(&mut self, line: u64, reason: &str, summary: &mut Summary) {
        let msg = format!("line {line}: {reason}");
        summary.bad_row(&msg);
        self.buf.extend_from_slice(&self.no_place);
        self.buf.extend_from_slice(&self.no_nearest);
        self.buf.push(b',');
        put_field(&mut self.buf, msg.as_bytes());
        self.buf.push(b',');
        self.buf.extend_from_slice(line.to_string().as_bytes());
        self.buf.push(b'\n');
    }

    fn flush_some(&mut self) -> std::io::Result<()> {
        if self.buf.len() >= OUT_BUFFER {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    fn finish(mut self) -> std::io::Result<()> {
        self.out.write_all(&self.buf)?;
        self.out.flush()
    }
}

/// Bytes read at a time by the plain-rows path.
const READ_CHUNK: usize = 1 << 20;

pub fn run<R: Read, W: Write>(
    loc: &Locator<'_>,
    mut input: R,
    out: W,
    ready: &mut dyn FnMut(),
) -> Result<Summary, LocateError> {
    // Most inputs are plain: no quotes, LF line ends, no byte-order mark. Their rows are split
    // here at commas and copied to the output as the lines they are, which is what the csv
    // crate reads and `csv::Writer` writes for them, byte for byte. From the first line that
    // is not plain (quotes, CR, a header that is not a line in the first chunk), the csv crate
    // reads the rest.
    let mut data: Vec<u8> = Vec::with_capacity(READ_CHUNK + (1 << 16));
    let eof = fill(&mut input, &mut data)?;
    let plain_header = memchr::memchr(b'\n', &data).filter(|&end| {
        let line = &data[..end];
        !line.is_empty() && !line.starts_with(b"\xef\xbb\xbf") && !not_plain(line)
    });
    let mut summary = Summary::default();
    let (w, stopped) = match plain_header {
        Some(end) => {
            let columns = Columns::new(loc, split_record(&data[..end], 1))?;
            ready();
            let mut w = Writer::new(loc, &columns, out);
            let plain = Plain::new(data, end + 1, eof);
            let stopped = plain.rows(loc, &columns, input, &mut w, &mut summary)?;
            (w, stopped)
        }
        None => {
            let mut rdr = csv_reader(true, std::io::Cursor::new(data).chain(input));
            let columns = Columns::new(loc, rdr.byte_headers()?.clone())?;
            ready();
            let mut w = Writer::new(loc, &columns, out);
            let stopped = general_rows(loc, &columns, rdr, 0, &mut w, &mut summary)?;
            (w, stopped)
        }
    };
    w.finish()?;
    match stopped {
        Some(e) => Err(e),
        None => Ok(summary),
    }
}

/// The csv crate's reader over `input`, its line feeds counted (see [`Newlines`]).
fn csv_reader<R: Read>(has_headers: bool, input: R) -> csv::Reader<Newlines<R>> {
    ReaderBuilder::new()
        .flexible(true)
        .has_headers(has_headers)
        .buffer_capacity(1 << 16)
        .from_reader(Newlines::new(input))
}

/// Whether a line needs the csv crate: a quote or a carriage return in it.
#[inline]
fn not_plain(line: &[u8]) -> bool {
    memchr::memchr2(b'"', b'\r', line).is_some()
}

/// Reads until `data` holds at least `READ_CHUNK` bytes, and 64 KB more at least (a line
/// longer than a chunk grows it), or the input ends (then `true`).
fn fill<R: Read>(input: &mut R, data: &mut Vec<u8>) -> Result<bool, LocateError> {
    let want = READ_CHUNK.saturating_sub(data.len()).max(1 << 16);
    let got = input
        .by_ref()
        .take(want as u64)
        .read_to_end(data)
        // As the csv crate reports a failed read.
        .map_err(|e| LocateError::Csv(e.into()))?;
    Ok(got < want)
}

/// A plain line's fields, as the csv crate reads them, at file line `line`.
fn split_record(line: &[u8], line_no: u64) -> ByteRecord {
    let mut rec = ByteRecord::new();
    for f in line.split(|&b| b == b',') {
        rec.push_field(f);
    }
    let mut pos = csv::Position::new();
    pos.set_line(line_no);
    rec.set_position(Some(pos));
    rec
}

/// A row of a batch: a plain line in the read data with its point, or a record for the
/// general treatment (a bad point, or a width other than the header's).
enum Row {
    Plain(usize, usize, (f64, f64)),
    Record(ByteRecord, Result<(f64, f64), String>),
}

/// The point of a plain line with as many fields as the header, if its coordinates are good.
#[inline]
fn plain_point(line: &[u8], columns: &Columns) -> Option<(f64, f64)> {
    let (mut lon, mut lat) = (None, None);
    let mut start = 0;
    let mut i = 0;
    for end in memchr::memchr_iter(b',', line).chain(std::iter::once(line.len())) {
        if i == columns.ilon {
            lon = Some(&line[start..end]);
        }
        if i == columns.ilat {
            lat = Some(&line[start..end]);
        }
        start = end + 1;
        i += 1;
    }
    if i != columns.width {
        return None;
    }
    let x = parse_coord(lon?, "").ok()?;
    let y = parse_coord(lat?, "").ok()?;
    check_point(Some(x), Some(y)).ok()
}

/// The plain-rows path: the data read so far, where its next line starts, and the batch of
/// rows waiting to be located and written.
struct Plain {
    data: Vec<u8>,
    pos: usize,
    eof: bool,
    /// The file's line of the last line taken (the header is line 1).
    line_no: u64,
    batch: Vec<Row>,
    points: Vec<(f64, f64)>,
    counties: Vec<Option<usize>>,
}

impl Plain {
    fn new(data: Vec<u8>, pos: usize, eof: bool) -> Plain {
        Plain {
            data,
            pos,
            eof,
            line_no: 1,
            batch: Vec::with_capacity(BATCH),
            points: Vec::with_capacity(BATCH),
            counties: Vec::with_capacity(BATCH),
        }
    }

    /// The rows after the header: plain lines located in batches and copied as they are,
    /// until the input ends or a line is not plain; the general path takes the rest. Returns
    /// the error that stopped the run after the rows before it were written.
    fn rows<R: Read, W: Write>(
        mut self,
        loc: &Locator<'_>,
        columns: &Columns,
        mut input: R,
        w: &mut Writer<'_, '_, W>,
        summary: &mut Summary,
    ) -> Result<Option<LocateError>, LocateError> {
        loop {
            let (stop, handover) = self.take_lines(loc, columns, w, summary)?;
            self.write_batch(columns, w, summary);
            w.flush_some()?;
            if stop.is_some() {
                return Ok(stop);
            }
            if let Some(at) = handover {
                // The csv crate reads on from this line; its line numbers count from it.
                self.data.drain(..at);
                let rdr = csv_reader(false, std::io::Cursor::new(self.data).chain(input));
                return general_rows(loc, columns, rdr, self.line_no, w, summary);
            }
            if self.eof {
                return Ok(None);
            }
            self.data.drain(..self.pos);
            self.pos = 0;
            match fill(&mut input, &mut self.data) {
                Ok(e) => self.eof = e,
                Err(e) => return Ok(Some(e)),
            }
        }
    }

    /// Takes the complete lines of the data (the last one too once the input has ended) into
    /// batches, writing each full one. Stops early at the row limit (the error) or at a line
    /// that is not plain (its offset).
    fn take_lines<W: Write>(
        &mut self,
        loc: &Locator<'_>,
        columns: &Columns,
        w: &mut Writer<'_, '_, W>,
        summary: &mut Summary,
    ) -> Result<(Option<LocateError>, Option<usize>), LocateError> {
        while self.pos < self.data.len() {
            let pos = self.pos;
            let end = match memchr::memchr(b'\n', &self.data[pos..]) {
                Some(n) => pos + n,
                None if self.eof => self.data.len(),
                None => break,
            };
            let line = &self.data[pos..end];
            if not_plain(line) {
                return Ok((None, Some(pos)));
            }
            self.line_no += 1;
            // The csv crate skips empty lines.
            if !line.is_empty() {
                if let Err(e) = loc.count_row(summary) {
                    return Ok((Some(e), None));
                }
                let row = match plain_point(line, columns) {
                    Some(p) => Row::Plain(pos, end, p),
                    None => {
                        let rec = split_record(line, self.line_no);
                        let c = columns.check(&rec);
                        Row::Record(rec, c)
                    }
                };
                if let Row::Plain(.., p) | Row::Record(_, Ok(p)) = &row {
                    self.points.push(*p);
                }
                self.batch.push(row);
            }
            self.pos = (end + 1).min(self.data.len());
            if self.batch.len() == BATCH {
                self.write_batch(columns, w, summary);
                w.flush_some()?;
            }
        }
        Ok((None, None))
    }

    /// Locates the batch's points together and writes its rows in order.
    fn write_batch<W: Write>(
        &mut self,
        columns: &Columns,
        w: &mut Writer<'_, '_, W>,
        summary: &mut Summary,
    ) {
        if self.batch.is_empty() {
            return;
        }
        w.loc.counties_of(&self.points, &mut self.counties, summary);
        let mut found = self.counties.iter();
        for row in self.batch.drain(..) {
            match row {
                Row::Plain(s, e, p) => {
                    w.buf.extend_from_slice(&self.data[s..e]);
                    w.located(found.next().copied().flatten(), p);
                }
                Row::Record(rec, c) => {
                    put_input(&mut w.buf, &rec, columns.width);
                    match c {
                        Ok(p) => w.located(found.next().copied().flatten(), p),
                        Err(reason) => {
                            let line = rec.position().map_or(0, |p| p.line());
                            w.bad(line, &reason, summary);
                        }
                    }
                }
            }
        }
        self.points.clear();
    }
}

/// Rows through the csv crate, whose first line is `line_offset` lines into the file.
/// Returns the error that stopped the run after the rows before it were written.
fn general_rows<R: Read, W: Write>(
    loc: &Locator<'_>,
    columns: &Columns,
    mut rdr: csv::Reader<Newlines<R>>,
    line_offset: u64,
    w: &mut Writer<'_, '_, W>,
    summary: &mut Summary,
) -> Result<Option<LocateError>, LocateError> {
    let mut batch: Vec<ByteRecord> = (0..BATCH).map(|_| ByteRecord::new()).collect();
    let mut checked: Vec<Result<(f64, f64), String>> = Vec::with_capacity(BATCH);
    let mut points: Vec<(f64, f64)> = Vec::with_capacity(BATCH);
    let mut counties: Vec<Option<usize>> = Vec::with_capacity(BATCH);
    loop {
        // Read a batch; a read error or the row limit ends the run after the rows before it
        // are written, as a row-by-row loop would.
        let mut n = 0;
        let mut stop = None;
        let mut end = false;
        while n < BATCH {
            match rdr.read_byte_record(&mut batch[n]) {
                Ok(true) => match loc.count_row(summary) {
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
            let c = columns.check(rec);
            if let Ok(p) = c {
                points.push(p);
            }
            checked.push(c);
        }
        loc.counties_of(&points, &mut counties, summary);
        let mut found = counties.iter();
        let lines = rdr.get_mut();
        for (rec, c) in batch[..n].iter().zip(&checked) {
            put_input(&mut w.buf, rec, columns.width);
            match c {
                Ok(p) => w.located(found.next().copied().flatten(), *p),
                Err(reason) => {
                    let byte = rec.position().map_or(0, |p| p.byte());
                    w.bad(lines.line_at(byte) + line_offset, reason, summary);
                }
            }
        }
        // The line feeds of the batch are passed: only those read ahead stay noted.
        if let Some(p) = batch[..n].last().and_then(|r| r.position()) {
            lines.line_at(p.byte());
        }
        w.flush_some()?;
        if end || stop.is_some() {
            return Ok(stop);
        }
    }
}

#[cfg(test)]
#[path = "csv_tests.rs"]
mod tests;
