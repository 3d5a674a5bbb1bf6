//! `compute-atlas locate LON LAT`: the county, prefecture and province of a point;
//! `compute-atlas locate --input points.csv --output out.csv`: the same for every row of a
//! CSV, GeoJSON or GeoParquet file, streamed (see `compute_atlas::locate`).

use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;
use compute_atlas::atlas::CountyLayer;
use compute_atlas::locate::{self, LocateOptions, Locator, PointFormat};
use compute_atlas::Atlas;

use super::{DataArgs, Result};

#[derive(Debug, Args)]
pub struct LocateArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Longitude, decimal degrees (WGS84).
    #[arg(
        allow_hyphen_values = true,
        required_unless_present = "input",
        conflicts_with = "input"
    )]
    lon: Option<f64>,
    /// Latitude, decimal degrees (WGS84).
    #[arg(allow_hyphen_values = true, required_unless_present = "input")]
    lat: Option<f64>,
    /// A file of points: CSV (columns named by --lon-column/--lat-column), GeoJSON
    /// FeatureCollection of Points, or GeoParquet; `-` reads CSV from standard input.
    #[arg(long, short)]
    input: Option<PathBuf>,
    /// Where to write the located rows (default: standard output), in the input's format.
    #[arg(long, short, requires = "input")]
    output: Option<PathBuf>,
    /// Input format, when the file name does not say (csv, geojson, parquet).
    #[arg(long, requires = "input")]
    format: Option<String>,
    /// CSV column of longitudes.
    #[arg(long, default_value = "lon")]
    lon_column: String,
    /// CSV column of latitudes.
    #[arg(long, default_value = "lat")]
    lat_column: String,
    /// Also give the nearest operating plant of each fuel (with --plants) and the nearest site,
    /// with geodesic distances in km.
    #[arg(long)]
    nearest: bool,
}

pub fn locate(args: &LocateArgs) -> Result<ExitCode> {
    match (&args.input, args.lon, args.lat) {
        (Some(input), _, _) => locate_file(args, input),
        (None, Some(lon), Some(lat)) => locate_point(&args.data, lon, lat),
        _ => Err("give LON LAT, or --input FILE".into()),
    }
}

fn locate_point(data: &DataArgs, lon: f64, lat: f64) -> Result<ExitCode> {
    if !(lon.is_finite() && lat.is_finite() && lon.abs() <= 180.0 && lat.abs() <= 90.0) {
        return Err(format!("({lon}, {lat}) is not a longitude/latitude pair in range").into());
    }
    let atlas = Atlas::build(&data.config())?;
    match atlas.county_at(lon, lat) {
        Some(c) => {
            println!("county:     {} {} ({})", c.adcode, c.name_en, c.name_zh);
            println!(
                "prefecture: {} {} ({})",
                c.prefecture_adcode, c.prefecture_en, c.prefecture_zh
            );
            println!(
                "province:   {} {} ({})",
                c.province_adcode, c.province_en, c.province_zh
            );
            Ok(ExitCode::SUCCESS)
        }
        None => {
            println!("({lon}, {lat}) is outside the covered area (the twelve western provinces)");
            Ok(ExitCode::from(1))
        }
    }
}

fn locate_file(args: &LocateArgs, input: &std::path::Path) -> Result<ExitCode> {
    let format = match &args.format {
        Some(f) => PointFormat::parse(f)
            .ok_or_else(|| format!("--format {f}: use csv, geojson or parquet"))?,
        None if input.as_os_str() == "-" => PointFormat::Csv,
        None => input
            .extension()
            .and_then(|e| e.to_str())
            .and_then(PointFormat::parse)
            .ok_or_else(|| {
                format!(
                    "cannot tell the format of {} from its name; give --format csv|geojson|parquet",
                    input.display()
                )
            })?,
    };
    let opts = LocateOptions {
        lon_column: args.lon_column.clone(),
        lat_column: args.lat_column.clone(),
        nearest: args.nearest,
        max_rows: u64::MAX,
    };
    // Without the nearest columns a run reads only the counties: loading them alone takes a
    // fraction of the whole build (no other layers, tables, areas or figures).
    let (atlas, layer);
    let loc = if args.nearest {
        atlas = Atlas::build(&args.data.config())?;
        Locator::new(&atlas, opts)
    } else {
        layer = CountyLayer::load(&args.data.config())?;
        Locator::on_counties(&layer, opts)?
    };
    let t = Instant::now();
    let out: Box<dyn Write + Send> = match &args.output {
        Some(p) if p.as_os_str() != "-" => Box::new(BufWriter::with_capacity(
            1 << 16,
            std::fs::File::create(p).map_err(|e| format!("cannot write {}: {e}", p.display()))?,
        )),
        _ => Box::new(BufWriter::with_capacity(1 << 16, std::io::stdout())),
    };
    let summary = if input.as_os_str() == "-" {
        locate::run(&loc, format, std::io::stdin().lock(), out, &mut || {})?
    } else {
        let file = std::fs::File::open(input)
            .map_err(|e| format!("cannot read {}: {e}", input.display()))?;
        match format {
            // GeoParquet is read in place (it keeps its index at the end of the file).
            PointFormat::Parquet => locate::parquet::run(&loc, file, out, &mut || {})?,
            f => locate::run(
                &loc,
                f,
                BufReader::with_capacity(1 << 16, file),
                out,
                &mut || {},
            )?,
        }
    };
    let secs = t.elapsed().as_secs_f64();
    eprintln!(
        "{} rows in {secs:.2} s ({:.2} M rows/s): {} located, {} outside the atlas's area, {} with bad coordinates (marked in `error`)",
        summary.rows,
        summary.rows as f64 / secs / 1e6,
        summary.located,
        summary.outside,
        summary.bad
    );
    for e in &summary.errors {
        eprintln!("  {e}");
    }
    if summary.bad as usize > summary.errors.len() {
        eprintln!(
            "  ... and {} more",
            summary.bad as usize - summary.errors.len()
        );
    }
    // One JSON line for scripts (bench/locate.py reads it).
    eprintln!(
        "{}",
        serde_json::json!({"kind": "locate", "rows": summary.rows, "located": summary.located,
            "outside": summary.outside, "bad": summary.bad, "seconds": secs})
    );
    Ok(ExitCode::SUCCESS)
}
