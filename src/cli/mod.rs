//! The product's command line: serve the atlas, check the data, locate a point, make a plot,
//! publish a static atlas.
//! One file per command; the benchmark commands are a separate binary (`compute-atlas-bench`).

mod check;
mod common;
mod edits;
mod export_layers;
mod locate;
mod plot;
mod publish;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use common::{exit_code, init_tracing, DataArgs, Result};

/// Geospatial analytics and map service for AI computing and power in western China.
///
/// With no subcommand, serves the bundled data on http://127.0.0.1:8080/.
#[derive(Debug, Parser)]
#[command(name = "compute-atlas", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the atlas: OGC API - Features, analytics, plots and the web map.
    Serve(serve::ServeArgs),
    /// Check the data: layer counts, problems, and a per-province table. Exits 1 on data errors
    /// in strict mode.
    Check {
        #[command(flatten)]
        data: DataArgs,
        /// List every problem rather than the first 50.
        #[arg(long)]
        all: bool,
        /// Check the sites as `serve --store FILE` would serve them: the bundled rows with this
        /// edit store's changes applied (the store must exist; it is only read).
        #[arg(long, value_name = "FILE")]
        store: Option<std::path::PathBuf>,
    },
    /// Print the county (and prefecture, province) containing a point, or locate every row of
    /// a CSV, GeoJSON or GeoParquet file (--input, --output).
    Locate(locate::LocateArgs),
    /// Write every layer as GeoPackage (one atlas.gpkg), FlatGeobuf or GeoParquet (one file per
    /// layer) into a directory.
    ExportLayers(export_layers::ExportArgs),
    /// Render a plot to a PNG or SVG file (the format follows the file's extension unless
    /// --format is given).
    Plot(plot::PlotArgs),
    /// Make a bearer token for an editor or admin: prints the token and appends its line
    /// (NAME ROLE SHA256) to the token file.
    Token(edits::TokenArgs),
    /// Write the current sites (bundled rows with the edit store's changes) as sites.csv.
    ExportSites(edits::ExportArgs),
    /// Write the atlas as a folder of static files for any web server, object store or CDN:
    /// the map, one PMTiles archive per layer, the downloads, analytics tables and plots.
    Publish(publish::PublishArgs),
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        None => serve::serve(&serve::ServeArgs::default()),
        Some(Command::Serve(args)) => serve::serve(&args),
        Some(Command::Check { data, all, store }) => check::check(&data, all, store.as_deref()),
        Some(Command::Locate(args)) => locate::locate(&args),
        Some(Command::ExportLayers(args)) => export_layers::export(&args),
        Some(Command::Plot(args)) => plot::plot(&args),
        Some(Command::Token(args)) => edits::token(&args),
        Some(Command::ExportSites(args)) => edits::export_sites(&args),
        Some(Command::Publish(args)) => publish::publish(&args),
    }
}
