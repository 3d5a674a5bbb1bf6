use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};
use compute_atlas::model::{Fuel, ProvinceInfo};
use compute_atlas::{Atlas, AtlasConfig};

/// Geospatial analytics and map service for AI computing and power in western China.
///
/// With no subcommand, serves the bundled data on http://127.0.0.1:8080/.
#[derive(Debug, Parser)]
#[command(name = "compute-atlas", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

/// Options shared by every command that builds the atlas.
#[derive(Debug, Args, Clone)]
pub struct DataArgs {
    /// Data directory with sites.csv, the curated tables and boundaries/ (default: bundled geodata/).
    #[arg(long, env = "COMPUTE_ATLAS_DATA")]
    data: Option<PathBuf>,
    /// A power-plant file (GEM tracker or GPPD CSV; the format is recognised from the header).
    /// Repeat for several files.
    #[arg(long = "plants", value_name = "FILE")]
    plants: Vec<PathBuf>,
    /// Fail on any data error (a bad row) instead of loading the good rows and reporting the
    /// rest; warnings (rows kept) never fail.
    #[arg(long)]
    strict: bool,
}

impl DataArgs {
    pub fn config(&self) -> AtlasConfig {
        AtlasConfig {
            data_dir: self
                .data
                .clone()
                .unwrap_or_else(compute_atlas::atlas::default_data_dir),
            plant_files: self.plants.clone(),
            strict: self.strict,
        }
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the atlas: OGC API - Features, analytics, plots and the web map.
    Serve {
        #[command(flatten)]
        data: DataArgs,
        /// Address to listen on (loopback by default; use 0.0.0.0:8080 to listen on all interfaces).
        #[arg(long, default_value = "127.0.0.1:8080", env = "COMPUTE_ATLAS_BIND")]
        bind: std::net::SocketAddr,
        /// Raster basemap URL template for the web map (e.g. https://tile.example/{z}/{x}/{y}.png);
        /// off by default so the page works offline.
        #[arg(long)]
        basemap_url: Option<String>,
        /// Enable POST /admin/reload, guarded by this bearer token (without it the route does
        /// not exist). SIGHUP reloads in any case.
        #[arg(long, env = "COMPUTE_ATLAS_ADMIN_TOKEN", hide_env_values = true)]
        admin_token: Option<String>,
    },
    /// Check the data: layer counts, problems, and a per-province table. Exits 1 on data errors
    /// in strict mode.
    Check {
        #[command(flatten)]
        data: DataArgs,
        /// List every problem rather than the first 50.
        #[arg(long)]
        all: bool,
    },
    /// Print the county (and prefecture, province) containing a point.
    Locate {
        #[command(flatten)]
        data: DataArgs,
        /// Longitude, decimal degrees (WGS84).
        #[arg(allow_hyphen_values = true)]
        lon: f64,
        /// Latitude, decimal degrees (WGS84).
        #[arg(allow_hyphen_values = true)]
        lat: f64,
    },
    /// Render a plot to a PNG or SVG file (the format follows the file's extension).
    Plot {
        #[command(flatten)]
        data: DataArgs,
        /// choropleth, top-counties, compute-vs-power or province-power.
        kind: String,
        /// Output file, .png or .svg.
        #[arg(short, long)]
        output: PathBuf,
        /// County metric (e.g. pflops_per_10k_km2, sites, plant_mw_total, renewable_mw).
        #[arg(long)]
        metric: Option<String>,
        /// One province (short English name, e.g. Xinjiang).
        #[arg(long)]
        province: Option<String>,
        #[arg(long)]
        width: Option<u32>,
        #[arg(long)]
        height: Option<u32>,
        /// Pixel density for PNG (1-3).
        #[arg(long)]
        scale: Option<u32>,
        /// en (English/pinyin) or zh (Chinese labels; needs a CJK font).
        #[arg(long)]
        lang: Option<String>,
        #[arg(long)]
        title: Option<String>,
        /// Class breaks of the choropleth: quantile or jenks.
        #[arg(long)]
        breaks: Option<String>,
        /// Number of counties in top-counties.
        #[arg(long)]
        top: Option<u32>,
        /// county or province (compute-vs-power).
        #[arg(long)]
        level: Option<String>,
        /// A TrueType/OpenType font file to use for all text.
        #[arg(long)]
        font: Option<PathBuf>,
    },
    /// Assign points from a binary file (little-endian f64 lon,lat pairs) to counties, on one
    /// core; prints the time and writes per-county counts (benchmarks).
    BenchJoin {
        #[command(flatten)]
        data: DataArgs,
        #[arg(long)]
        points: PathBuf,
        /// Write `adcode,count` here.
        #[arg(long)]
        counts_out: Option<PathBuf>,
        /// Repeat the assignment this many times and report the best.
        #[arg(long, default_value_t = 3)]
        repeat: u32,
    },
    /// Make every vector tile of a layer over its extent, zoom 0 to --max-zoom, on one core and
    /// without the server's cache; prints the time and tile count (benchmarks).
    BenchTiles {
        #[command(flatten)]
        data: DataArgs,
        /// Collection id (counties, provinces, sites, power-plants, ...).
        #[arg(long, default_value = "counties")]
        layer: String,
        #[arg(long, default_value_t = 8)]
        max_zoom: u8,
        /// Comma-separated properties to put in the tiles (default: all).
        #[arg(long)]
        properties: Option<String>,
        /// Write `z,x,y,bytes` per non-empty tile here.
        #[arg(long)]
        sizes_out: Option<PathBuf>,
    },
}

pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
}

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        None => serve(
            &DataArgs {
                data: None,
                plants: Vec::new(),
                strict: false,
            },
            "127.0.0.1:8080".parse().expect("valid address"),
            None,
            None,
        ),
        Some(Command::Serve {
            data,
            bind,
            basemap_url,
            admin_token,
        }) => serve(&data, bind, basemap_url, admin_token),
        Some(Command::Check { data, all }) => check(&data, all),
        Some(Command::Plot {
            data,
            kind,
            output,
            metric,
            province,
            width,
            height,
            scale,
            lang,
            title,
            breaks,
            top,
            level,
            font,
        }) => {
            let mut pairs: Vec<(String, String)> = Vec::new();
            let mut add = |k: &str, v: Option<String>| {
                if let Some(v) = v {
                    pairs.push((k.to_string(), v));
                }
            };
            add("metric", metric);
            add("province", province);
            add("width", width.map(|v| v.to_string()));
            add("height", height.map(|v| v.to_string()));
            add("scale", scale.map(|v| v.to_string()));
            add("lang", lang);
            add("title", title);
            add("breaks", breaks);
            add("top", top.map(|v| v.to_string()));
            add("level", level);
            plot(&data, &kind, &output, &pairs, font.as_deref())
        }
        Some(Command::Locate { data, lon, lat }) => locate(&data, lon, lat),
        Some(Command::BenchJoin {
            data,
            points,
            counts_out,
            repeat,
        }) => bench_join(&data, &points, counts_out, repeat),
        Some(Command::BenchTiles {
            data,
            layer,
            max_zoom,
            properties,
            sizes_out,
        }) => bench_tiles(&data, &layer, max_zoom, properties, sizes_out),
    }
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map_or_else(|| "unknown".to_string(), |v| format!("{v:.0}"))
}

fn check(data: &DataArgs, all: bool) -> Result<ExitCode> {
    let mut config = data.config();
    let strict = config.strict;
    // Load leniently so the report can list every problem; strictness decides the exit code.
    config.strict = false;
    let t = Instant::now();
    let atlas = Atlas::build(&config)?;
    let secs = t.elapsed().as_secs_f64();
    println!("compute-atlas check: {}", config.data_dir.display());
    println!(
        "built in {:.2} s ({})",
        secs,
        atlas
            .timings
            .iter()
            .map(|(n, s)| format!("{n} {:.0} ms", s * 1e3))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!();
    println!("layers");
    println!("  counties       {:>6}", atlas.counties.len());
    println!("  prefectures    {:>6}", atlas.prefectures.len());
    println!("  provinces      {:>6}", atlas.provinces.len());
    println!("  sites          {:>6}", atlas.sites.len());
    println!("  renewable bases{:>6}", atlas.renewable_bases.len());
    println!("  province stats {:>6}", atlas.province_stats.len());
    println!("  chips          {:>6}", atlas.chips.len());
    if atlas.plant_files.is_empty() {
        println!(
            "  power plants   none loaded (pass --plants FILE; see README for where to get them)"
        );
    } else {
        println!("  power plants   {:>6}", atlas.plants.len());
        for f in &atlas.plant_files {
            println!("    {:>6}  {}  ({})", f.rows, f.source, f.path);
        }
    }
    let pflops_known = atlas
        .site_places
        .iter()
        .filter(|p| p.pflops.is_some())
        .count();
    let derived = atlas
        .site_places
        .iter()
        .filter(|p| p.pflops_derived)
        .count();
    let located = atlas
        .site_places
        .iter()
        .filter(|p| p.county.is_some())
        .count();
    println!();
    println!(
        "sites: PFLOPS known for {pflops_known} of {} sites ({derived} derived from chip counts); {located} located in a county",
        atlas.sites.len()
    );
    let errors = atlas.problems.errors().count();
    let warnings = atlas.problems.warnings().count();
    println!();
    println!("problems: {errors} error(s) (rows left out), {warnings} warning(s) (rows kept)");
    let limit = if all { usize::MAX } else { 50 };
    for p in atlas.problems.0.iter().take(limit) {
        println!("  {p}");
    }
    if atlas.problems.len() > limit {
        println!("  ... {} more (use --all)", atlas.problems.len() - limit);
    }
    println!();
    let fuels: Vec<Fuel> = if atlas.has_plants() {
        Fuel::ALL
            .into_iter()
            .filter(|f| {
                atlas
                    .province_figures
                    .iter()
                    .any(|p| p.plant_mw_of(*f).unwrap_or(0.0) > 0.0)
            })
            .collect()
    } else {
        Vec::new()
    };
    print!(
        "{:<15} {:>5} {:>10} {:>10}",
        "province", "sites", "PFLOPS", "planned"
    );
    for f in &fuels {
        print!(" {:>10}", format!("{} MW", f.as_str()));
    }
    println!();
    let mut rows: Vec<(usize, &str)> = atlas
        .provinces
        .iter()
        .enumerate()
        .map(|(i, p)| {
            (
                i,
                ProvinceInfo::by_adcode(p.adcode).map_or("?", |x| x.short_en),
            )
        })
        .collect();
    rows.sort_by_key(|r| r.1);
    for (i, name) in rows {
        let f = &atlas.province_figures[i];
        print!(
            "{:<15} {:>5} {:>10} {:>10}",
            name,
            f.sites,
            fmt_opt(f.pflops_reported),
            fmt_opt(f.pflops_planned_total)
        );
        for fuel in &fuels {
            print!(" {:>10}", fmt_opt(f.plant_mw_of(*fuel)));
        }
        println!();
    }
    if !atlas.has_plants() {
        println!("(plant capacity unknown: no plant file loaded)");
    }
    println!("note: PFLOPS sums add figures of different scopes (built, phase 1, planned lower bounds); read each site's pflops_scope before quoting.");
    println!("note: PFLOPS and planned count each overlap group once (at least); the plain sums are larger by what the table below lists.");
    print_overlaps(&atlas);
    if strict && errors > 0 {
        println!("strict: failing because of {errors} data error(s)");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// Per province: the rows in overlap groups and what counting each group once removed from the
/// plain sums (the at-least figures are the plain sums minus this).
fn print_overlaps(atlas: &Atlas) {
    println!();
    println!(
        "overlap groups (overlaps_with): {} group(s), {} row(s); sums count each group once",
        atlas.overlap_groups.len(),
        atlas.overlap_groups.iter().map(Vec::len).sum::<usize>()
    );
    println!(
        "{:<15} {:>5} {:>10} {:>10} {:>10} {:>8} {:>8} {:>16}",
        "province", "rows", "-PFLOPS", "-oper.", "-planned", "-chips", "-racks", "-investment CNY"
    );
    let removed = |at_least: Option<f64>, upper: Option<f64>| match (at_least, upper) {
        (Some(a), Some(u)) => fmt_opt(Some(u - a)),
        _ => "-".to_string(),
    };
    let mut rows: Vec<(&str, &compute_atlas::figures::UnitFigures)> = atlas
        .provinces
        .iter()
        .zip(&atlas.province_figures)
        .filter(|(_, f)| f.overlap_sites.is_some())
        .map(|(p, f)| (p.short_en.as_str(), f))
        .collect();
    rows.sort_by_key(|r| r.0);
    for (name, f) in rows {
        let n = f
            .overlap_sites
            .as_deref()
            .map_or(0, |s| s.split(" | ").count());
        println!(
            "{:<15} {:>5} {:>10} {:>10} {:>10} {:>8} {:>8} {:>16}",
            name,
            n,
            removed(f.pflops_reported, f.pflops_reported_upper),
            removed(f.pflops_operational, f.pflops_operational_upper),
            removed(f.pflops_planned_total, f.pflops_planned_total_upper),
            removed(f.chips, f.chips_upper),
            removed(f.racks, f.racks_upper),
            removed(f.investment_cny, f.investment_cny_upper),
        );
    }
}

fn locate(data: &DataArgs, lon: f64, lat: f64) -> Result<ExitCode> {
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

fn bench_join(
    data: &DataArgs,
    points: &PathBuf,
    counts_out: Option<PathBuf>,
    repeat: u32,
) -> Result<ExitCode> {
    let bytes =
        std::fs::read(points).map_err(|e| format!("cannot read {}: {e}", points.display()))?;
    if bytes.len() % 16 != 0 {
        return Err(format!(
            "{}: length {} is not a multiple of 16 (pairs of f64)",
            points.display(),
            bytes.len()
        )
        .into());
    }
    let pts: Vec<(f64, f64)> = bytes
        .chunks_exact(16)
        .map(|c| {
            let x = f64::from_le_bytes(c[..8].try_into().expect("8 bytes"));
            let y = f64::from_le_bytes(c[8..].try_into().expect("8 bytes"));
            (x, y)
        })
        .collect();
    let atlas = Atlas::build(&data.config())?;
    let mut best = f64::MAX;
    let mut counts = vec![0u64; atlas.counties.len()];
    for _ in 0..repeat.max(1) {
        counts.iter_mut().for_each(|c| *c = 0);
        let t = Instant::now();
        for &(x, y) in &pts {
            if let Some(i) = atlas.county_index.locate(x, y) {
                counts[i] += 1;
            }
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    let matched: u64 = counts.iter().sum();
    println!(
        "{{\"kind\":\"join\",\"impl\":\"compute-atlas\",\"n\":{},\"matched\":{},\"seconds\":{:.6},\"points_per_s\":{:.0}}}",
        pts.len(),
        matched,
        best,
        pts.len() as f64 / best
    );
    if let Some(path) = counts_out {
        let mut out = String::from("adcode,count\n");
        for (c, n) in atlas.counties.iter().zip(&counts) {
            out.push_str(&format!("{},{}\n", c.adcode, n));
        }
        std::fs::write(&path, out).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn bench_tiles(
    data: &DataArgs,
    id: &str,
    max_zoom: u8,
    properties: Option<String>,
    sizes_out: Option<PathBuf>,
) -> Result<ExitCode> {
    use compute_atlas::tiles::{layer_tile, TileId, MAX_ZOOM};
    if max_zoom > MAX_ZOOM {
        return Err(format!("--max-zoom {max_zoom}: at most {MAX_ZOOM}").into());
    }
    let atlas = Atlas::build(&data.config())?;
    let layers = compute_atlas::layers::build_layers(&atlas);
    let layer = layers
        .iter()
        .find(|l| l.id == id)
        .ok_or_else(|| format!("no layer `{id}`"))?;
    let extent = layer
        .extent
        .ok_or_else(|| format!("layer `{id}` has no geometry"))?;
    let props: Option<Vec<String>> =
        properties.map(|p| p.split(',').map(|s| s.trim().to_string()).collect());
    let (mut tiles, mut nonempty, mut bytes) = (0u64, 0u64, 0u64);
    let mut sizes = String::from("z,x,y,bytes\n");
    let t = Instant::now();
    for z in 0..=max_zoom {
        let (a, b) = TileId::corners(z, extent);
        for x in a.x..=b.x {
            for y in a.y..=b.y {
                let tile = TileId { z, x, y };
                let mvt = layer_tile(layer, tile, |_| true, props.as_deref())?;
                tiles += 1;
                if !mvt.is_empty() {
                    nonempty += 1;
                    bytes += mvt.len() as u64;
                    sizes.push_str(&format!("{z},{x},{y},{}\n", mvt.len()));
                }
            }
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{{\"kind\":\"tiles\",\"impl\":\"compute-atlas\",\"layer\":\"{id}\",\"max_zoom\":{max_zoom},\"tiles\":{tiles},\"nonempty\":{nonempty},\"bytes\":{bytes},\"seconds\":{secs:.6},\"tiles_per_s\":{:.1}}}",
        tiles as f64 / secs
    );
    if let Some(path) = sizes_out {
        std::fs::write(&path, sizes)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn serve(
    data: &DataArgs,
    bind: std::net::SocketAddr,
    basemap: Option<String>,
    admin_token: Option<String>,
) -> Result<ExitCode> {
    use compute_atlas::server::{AdminToken, AppState, Served, WebConfig};
    let config = data.config();
    let t = Instant::now();
    let served = Served::build(&config)?;
    tracing::info!(
        "atlas built in {:.2} s: {} counties, {} sites, {} plants, {} data problem(s) (run `compute-atlas check` for the list)",
        t.elapsed().as_secs_f64(),
        served.atlas.counties.len(),
        served.atlas.sites.len(),
        served.atlas.plants.len(),
        served.atlas.problems.len()
    );
    let state = AppState::new(served, config);
    actix_web::rt::System::new().block_on(compute_atlas::server::serve(
        state,
        WebConfig { basemap },
        admin_token.filter(|t| !t.is_empty()).map(AdminToken),
        bind,
    ))?;
    Ok(ExitCode::SUCCESS)
}

fn plot(
    data: &DataArgs,
    kind: &str,
    output: &std::path::Path,
    pairs: &[(String, String)],
    font: Option<&std::path::Path>,
) -> Result<ExitCode> {
    use compute_atlas::plot::{self, Format, PlotKind, PlotRequest};
    let kind = PlotKind::parse(kind)?;
    let ext = output.extension().and_then(|e| e.to_str()).unwrap_or("");
    let format = Format::parse(ext).map_err(|_| {
        format!(
            "{}: the output file must end in .png or .svg",
            output.display()
        )
    })?;
    let request = PlotRequest::from_query(kind, format, pairs)?;
    let fonts = plot::Fonts::load(font)?;
    let atlas = Atlas::build(&data.config())?;
    // Warm the projection so the timing below is the render alone.
    let _ = plot::render(&atlas, &request, &fonts)?;
    let t = Instant::now();
    let bytes = plot::render(&atlas, &request, &fonts)?;
    let ms = t.elapsed().as_secs_f64() * 1e3;
    std::fs::write(output, &bytes)
        .map_err(|e| format!("cannot write {}: {e}", output.display()))?;
    println!("{{\"kind\":\"plot\",\"impl\":\"compute-atlas\",\"plot\":\"{}\",\"ms\":{ms:.1},\"bytes\":{}}}", kind.as_str(), bytes.len());
    eprintln!(
        "wrote {} ({} bytes, rendered in {ms:.1} ms)",
        output.display(),
        bytes.len()
    );
    Ok(ExitCode::SUCCESS)
}
