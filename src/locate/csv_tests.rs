//! The CSV writer of `run` against the general path it replaces: the row-by-row loop writing
//! every field through `csv::Writer`, kept here as the reference. Byte for byte the same
//! output and summary, on inputs with quoted fields, embedded newlines, quotes, CRLF and lone
//! CR, a BOM, bad coordinates, rows with too many and too few fields, and the row limit.

use std::sync::OnceLock;

use csv::{ByteRecord, ReaderBuilder, WriterBuilder};

use super::{check_row, find_column, run, trim_bytes};
use crate::atlas::CountyLayer;
use crate::locate::{LocateError, LocateOptions, Locator, Summary};
use crate::AtlasConfig;

fn layer() -> &'static CountyLayer {
    static LAYER: OnceLock<CountyLayer> = OnceLock::new();
    LAYER.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("geodata");
        CountyLayer::load(&AtlasConfig::new(dir)).unwrap()
    })
}

/// The general path: each record read, located and written field by field by `csv::Writer`.
fn reference(loc: &Locator<'_>, input: &[u8]) -> (Vec<u8>, Result<Summary, String>) {
    let mut out = Vec::new();
    let result = (|| -> Result<Summary, LocateError> {
        let opts = loc.options();
        let mut rdr = ReaderBuilder::new().flexible(true).from_reader(input);
        let header = rdr.byte_headers()?.clone();
        let ilon = find_column(
            &header,
            &opts.lon_column,
            &["longitude", "lng", "long", "x"],
        )
        .ok_or_else(|| LocateError::MissingColumn(opts.lon_column.clone(), String::new()))?;
        let ilat = find_column(&header, &opts.lat_column, &["latitude", "y"])
            .ok_or_else(|| LocateError::MissingColumn(opts.lat_column.clone(), String::new()))?;
        let names: Vec<String> = header
            .iter()
            .map(|f| String::from_utf8_lossy(trim_bytes(f)).into_owned())
            .collect();
        let width = header.len();
        let mut w = WriterBuilder::new().from_writer(&mut out);
        let added = loc.columns();
        w.write_record(header.iter().chain(added.iter().map(|s| s.as_bytes())))?;
        let mut summary = Summary::default();
        let mut rec = ByteRecord::new();
        while rdr.read_byte_record(&mut rec)? {
            loc.count_row(&mut summary)?;
            let point = check_row(&rec, (ilon, ilat), width, (&names[ilon], &names[ilat]));
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
                    // The file's line: line feeds before the record's first byte (blank
                    // lines count; the crate's position is before those it skipped).
                    let mut byte = rec.position().map_or(0, |p| p.byte()) as usize;
                    while input.get(byte).is_some_and(|b| matches!(b, b'\r' | b'\n')) {
                        byte += 1;
                    }
                    let line = 1 + memchr::memchr_iter(b'\n', &input[..byte]).count() as u64;
                    let msg = format!("line {line}: {reason}");
                    summary.bad_row(&msg);
                    for c in loc.place_cells(None) {
                        w.write_field(c)?;
                    }
                    w.write_field(&msg)?;
                    w.write_field(line.to_string())?;
                }
            }
            w.write_record(None::<&[u8]>)?;
        }
        w.flush()?;
        Ok(summary)
    })();
    (out, result.map_err(|e| e.to_string()))
}

fn ours(loc: &Locator<'_>, input: &[u8]) -> (Vec<u8>, Result<Summary, String>) {
    let mut out = Vec::new();
    let result = run(loc, input, &mut out, &mut || {});
    (out, result.map_err(|e| e.to_string()))
}

fn same(loc: &Locator<'_>, input: &[u8]) {
    let (a, ra) = reference(loc, input);
    let (b, rb) = ours(loc, input);
    if let Some(i) = a.iter().zip(&b).position(|(x, y)| x != y) {
        let from = i.saturating_sub(200);
        panic!(
            "outputs differ at byte {i}: ours {:?}, reference {:?}",
            String::from_utf8_lossy(&b[from..(i + 200).min(b.len())]),
            String::from_utf8_lossy(&a[from..(i + 200).min(a.len())])
        );
    }
    assert_eq!(
        String::from_utf8_lossy(&b),
        String::from_utf8_lossy(&a),
        "input {:?}",
        String::from_utf8_lossy(input)
    );
    assert_eq!(a, b);
    match (ra, rb) {
        (Ok(a), Ok(b)) => {
            assert_eq!(
                (a.rows, a.located, a.outside, a.bad, a.errors),
                (b.rows, b.located, b.outside, b.bad, b.errors)
            );
        }
        (a, b) => assert_eq!(a.err(), b.err()),
    }
}

const TRICKY: &[u8] = b"\xef\xbb\xbfid,note,lon,lat\r\n\
1,plain,104.06,30.67\r\n\
2,\"a, comma\",104.06,30.67\r\n\
3,\"multi\nline\",91.1,29.65\r\n\
4,\"say \"\"hi\"\"\",87.6,43.8\n\
5,\"unneeded\",106.5,29.5\n\
6,x,east,40\n\
7,x,200,40\n\
8,x,100,95\n\
9,x,,30\n\
10,x,104.06\n\
11,x,104.06,30.67,extra,more\n\
12,x, 104.06 , 30.67 \n\
13,x,NaN,30\n\
14,x,inf,30\n\
15,x,1.0406e2,3.067e1\n\
16,\xff\xfe bad utf8,104.06,30.67\n\
17,x,104.06,\xff\n\
\n\
18,x,0,0\n\
19,\"cr\rinside\",104.06,30.67\n\
20,lone cr,104.06,30.67\r21,after cr,104.06,30.67\n\
22,,104.06,30.67\n\
\"23\",\"q\",+104.06,30.67\n\
24,x,-104.06,-30.67\n\
25,x,104.06,30.67,\n\
26\n\
27,x,\".5\",30\n\
\"\",\"\",\"\",\"\"\n\
29,x,1_04,30\n\
30,\"unterminated,104,30\n";

#[test]
fn tricky_rows_are_written_as_the_csv_writer_writes_them() {
    let loc = Locator::on_counties(layer(), LocateOptions::default()).unwrap();
    same(&loc, TRICKY);
    same(&loc, b"lon,lat\n104.06,30.67\n\"104.06\",\"30.67\"\n,\n");
    // No final line break; the default column aliases; quoted header names.
    same(&loc, b"x,\"lat\",longitude\n1,30.67,104.06\n2,30.67,104.06");
    same(&loc, b"\"a,b\",lon,lat\n\"1\n2\",104.06,30.67\n");
    same(&loc, b"lon,lat\n");
}

/// How generated inputs look: header `id,lon,lat,note`; one row in `odd_width` of another
/// width (1-6 fields, or half of them blank lines with `blank`); one coordinate in
/// `coord_piece` drawn from `pieces` instead of a point in the west.
struct Shape<'p> {
    pieces: &'p [&'p [u8]],
    odd_width: usize,
    blank: bool,
    coord_piece: usize,
    eol: &'p [u8],
}

impl Shape<'_> {
    /// Rows from a seeded xorshift until `done(rows, bytes)`.
    fn rows(&self, seed: u64, done: impl Fn(usize, usize) -> bool) -> Vec<u8> {
        let mut s = seed;
        let mut next = |n: usize| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s % n as u64) as usize
        };
        let mut input = b"id,lon,lat,note".to_vec();
        input.extend_from_slice(self.eol);
        let mut row = 0;
        while !done(row, input.len()) {
            let fields = match next(self.odd_width) {
                0 if self.blank && next(2) == 0 => 0,
                0 => 1 + next(6),
                _ => 4,
            };
            for f in 0..fields {
                if f > 0 {
                    input.push(b',');
                }
                match f {
                    0 => input.extend_from_slice(row.to_string().as_bytes()),
                    1 | 2 if next(self.coord_piece) > 0 => {
                        let v = if f == 1 {
                            73.0 + next(54_000) as f64 / 1000.0
                        } else {
                            20.0 + next(34_000) as f64 / 1000.0
                        };
                        input.extend_from_slice(v.to_string().as_bytes());
                    }
                    _ => input.extend_from_slice(self.pieces[next(self.pieces.len())]),
                }
            }
            input.extend_from_slice(self.eol);
            row += 1;
        }
        input
    }
}

#[test]
fn many_generated_rows_agree_with_the_general_path() {
    // Fields drawn from awkward pieces, more rows than a batch, CRLF or LF, rows of every
    // width around the header's.
    const PIECES: &[&[u8]] = &[
        b"104.06",
        b"30.67",
        b"91.1",
        b"29.65",
        b"87.6",
        b"43.8",
        b"",
        b" 1 ",
        b"east",
        b"\"q,\"",
        b"\"a\"\"b\"",
        b"\"x\ny\"",
        b"\"\"",
        b"nan",
        b"1e400",
        b"-0",
        b"\xff",
        b"a\"b",
        b"\"\r\"",
    ];
    let loc = Locator::on_counties(layer(), LocateOptions::default()).unwrap();
    for eol in [&b"\n"[..], b"\r\n"] {
        let shape = Shape {
            pieces: PIECES,
            odd_width: 10,
            blank: false,
            coord_piece: 4,
            eol,
        };
        let input = shape.rows(0x2545F4914F6CDD1D, |rows, _| rows == 2000);
        same(&loc, &input);
    }
}

#[test]
fn the_row_limit_stops_after_the_rows_before_it() {
    let mut rows = b"lon,lat\n".to_vec();
    for _ in 0..600 {
        rows.extend_from_slice(b"104.06,30.67\n");
    }
    for max_rows in [0, 1, 255, 256, 257, 599, 600] {
        let opts = LocateOptions {
            max_rows,
            ..LocateOptions::default()
        };
        let loc = Locator::on_counties(layer(), opts).unwrap();
        same(&loc, &rows);
    }
}

#[test]
fn the_county_layer_refuses_the_nearest_columns() {
    let opts = LocateOptions {
        nearest: true,
        ..LocateOptions::default()
    };
    assert!(Locator::on_counties(layer(), opts).is_err());
}

/// Plain rows (no quotes, LF) past the first read chunk, with bad cells, rows of other widths,
/// empty lines and no newline at the end; then the same with one quoted field far down the
/// file, from which the csv crate reads on, and with a byte-order mark or CRLF from the start.
#[test]
fn plain_rows_and_the_handover_agree_with_the_general_path() {
    const PIECES: &[&[u8]] = &[
        b"", b" 1 ", b"east", b"nan", b"1e400", b"-0", b"\xff", b"+104",
    ];
    let shape = Shape {
        pieces: PIECES,
        odd_width: 25,
        blank: true,
        coord_piece: 20,
        eol: b"\n",
    };
    let mut input = shape.rows(0x9E3779B97F4A7C15, |_, bytes| {
        bytes >= super::READ_CHUNK * 5 / 2
    });
    input.extend_from_slice(b"last,104.06,30.67,no newline");
    let loc = Locator::on_counties(layer(), LocateOptions::default()).unwrap();
    same(&loc, &input);

    // A quoted field with a line break in it, past the first chunk.
    let at = input.len() * 3 / 5;
    let at = at + memchr::memchr(b'\n', &input[at..]).unwrap() + 1;
    let mut quoted = input[..at].to_vec();
    quoted.extend_from_slice(b"q,104.06,30.67,\"two\nlines\"\nbad,x,y,z\n");
    quoted.extend_from_slice(&input[at..]);
    same(&loc, &quoted);

    // A line longer than a read chunk.
    let mut long = input[..at].to_vec();
    long.extend_from_slice(b"long,104.06,30.67,");
    long.extend(std::iter::repeat_n(b'n', super::READ_CHUNK * 3 / 2));
    long.push(b'\n');
    long.extend_from_slice(&input[at..]);
    same(&loc, &long);

    // A byte-order mark, or CRLF line ends: the csv crate reads from the start.
    let mut bom = b"\xef\xbb\xbf".to_vec();
    bom.extend_from_slice(&input);
    same(&loc, &bom);
    let mut crlf = Vec::with_capacity(input.len() * 11 / 10);
    for &b in &input {
        if b == b'\n' {
            crlf.push(b'\r');
        }
        crlf.push(b);
    }
    same(&loc, &crlf);
}
