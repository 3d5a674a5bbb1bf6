//! GeoParquet in, GeoParquet out, one row group at a time: the input's columns as they were,
//! its `geo` metadata carried over, and the added columns after them. Points come from the
//! primary geometry column (WKB Points), or, in a plain Parquet file, from the lon/lat columns.

use std::fs::File;
use std::io::Write;

use geozero::ToGeo;
use polars::prelude::*;

use super::{check_point, LocateError, Locator, Summary};

/// Where a row's point comes from.
enum Source {
    Wkb(String),
    LonLat(String, String),
}

fn points(df: &DataFrame, source: &Source) -> PolarsResult<Vec<Result<(f64, f64), String>>> {
    Ok(match source {
        Source::Wkb(name) => df
            .column(name)?
            .binary()?
            .iter()
            .map(|b| {
                let b = b.ok_or_else(|| "geometry is null".to_string())?;
                match geozero::wkb::Wkb(b).to_geo() {
                    Ok(geo_types::Geometry::Point(p)) => check_point(Some(p.x()), Some(p.y())),
                    Ok(_) => Err("geometry is not a Point".to_string()),
                    Err(e) => Err(format!("geometry is not valid WKB: {e}")),
                }
            })
            .collect(),
        Source::LonLat(x, y) => {
            let xs = df.column(x)?.cast(&DataType::Float64)?;
            let ys = df.column(y)?.cast(&DataType::Float64)?;
            xs.f64()?
                .iter()
                .zip(ys.f64()?.iter())
                .map(|(x, y)| check_point(x, y))
                .collect()
        }
    })
}

pub fn run<W: Write + Send>(
    loc: &Locator<'_>,
    file: File,
    out: W,
    ready: &mut dyn FnMut(),
) -> Result<Summary, LocateError> {
    let opts = loc.options();
    let mut reader = ParquetReader::new(file.try_clone()?);
    let md = reader
        .get_metadata()
        .map_err(|e| LocateError::Input(format!("the body is not a Parquet file: {e}")))?
        .clone();
    let schema = reader.schema()?;
    let names: Vec<String> = schema.iter_names().map(|n| n.to_string()).collect();
    let geo_text = md
        .key_value_metadata
        .as_ref()
        .and_then(|kv| kv.iter().find(|k| k.key == "geo"))
        .and_then(|k| k.value.clone());
    let source = match &geo_text {
        Some(text) => {
            let geo: serde_json::Value = serde_json::from_str(text)
                .map_err(|e| LocateError::Input(format!("the `geo` metadata is not JSON: {e}")))?;
            let primary = geo["primary_column"]
                .as_str()
                .unwrap_or("geometry")
                .to_string();
            let encoding = geo["columns"][&primary]["encoding"].as_str().unwrap_or("");
            if !encoding.eq_ignore_ascii_case("WKB") {
                return Err(LocateError::Input(format!(
                    "geometry column `{primary}` is encoded as {encoding:?}; only WKB is read"
                )));
            }
            if !names.contains(&primary) {
                return Err(LocateError::MissingColumn(primary, names.join(", ")));
            }
            Source::Wkb(primary)
        }
        None => {
            let find = |w: &str| {
                names
                    .iter()
                    .find(|n| n.eq_ignore_ascii_case(w))
                    .cloned()
                    .ok_or_else(|| LocateError::MissingColumn(w.to_string(), names.join(", ")))
            };
            Source::LonLat(find(&opts.lon_column)?, find(&opts.lat_column)?)
        }
    };
    loc.check_clash(names.iter().map(String::as_str))?;
    ready();
    let added = loc.columns();
    let mut kv = Vec::new();
    if let Some(g) = geo_text {
        kv.push(("geo".to_string(), g));
    }
    let mut writer: Option<polars::io::parquet::write::BatchedWriter<W>> = None;
    let mut out = Some(out);
    let mut summary = Summary::default();
    let mut offset = 0usize;
    let groups: Vec<usize> = md.row_groups.iter().map(|g| g.num_rows()).collect();
    // An empty file still gets its schema written: one empty batch.
    let batches = if groups.is_empty() { vec![0] } else { groups };
    for len in batches {
        let mut r = ParquetReader::new(file.try_clone()?).with_slice(Some((offset, len)));
        r.set_metadata(md.clone());
        let mut df = r.finish()?;
        let pts = points(&df, &source)?;
        let mut cells: Vec<Vec<Option<String>>> = vec![Vec::with_capacity(len); added.len()];
        for (i, p) in pts.into_iter().enumerate() {
            loc.count_row(&mut summary)?;
            let row = (offset + i + 1) as u64;
            match p {
                Ok((x, y)) => {
                    let found = loc.find(x, y, &mut summary);
                    let place = loc.place_cells(found.county);
                    let mut k = 0;
                    for c in place.iter().map(|s| s.to_string()).chain(found.nearest) {
                        cells[k].push((!c.is_empty()).then_some(c));
                        k += 1;
                    }
                    cells[k].push(None);
                    cells[k + 1].push(None);
                }
                Err(reason) => {
                    let msg = format!("row {row}: {reason}");
                    summary.bad_row(&msg);
                    let n = added.len();
                    for c in cells.iter_mut().take(n - 2) {
                        c.push(None);
                    }
                    cells[n - 2].push(Some(msg));
                    cells[n - 1].push(Some(row.to_string()));
                }
            }
        }
        let cols: Vec<Column> = added
            .iter()
            .zip(cells)
            .map(|(name, values)| {
                let s = Series::new(name.as_str().into(), values);
                let s = if name.ends_with("_km") {
                    s.cast(&DataType::Float64)?
                } else if name == "error_line" {
                    s.cast(&DataType::Int64)?
                } else {
                    s
                };
                Ok(s.into_column())
            })
            .collect::<PolarsResult<_>>()?;
        df.hstack_mut(&cols)?;
        if writer.is_none() {
            let w = ParquetWriter::new(out.take().expect("writer made once"))
                .with_key_value_metadata(
                    (!kv.is_empty()).then(|| KeyValueMetadata::from_static(kv.clone())),
                )
                .batched(df.schema())?;
            writer = Some(w);
        }
        if let Some(w) = writer.as_mut() {
            w.write_batch(&df)?;
        }
        offset += len;
    }
    if let Some(w) = writer {
        w.finish()?;
    }
    Ok(summary)
}
