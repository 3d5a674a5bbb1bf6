//! `compute-atlas-bench`: the timing commands behind bench/ and BENCHMARKS.md, kept out of the
//! product's command line. Each prints one JSON line with its timing (on one core, without the
//! server's caches) and can write what it computed, for checking against the peers.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[path = "../../cli/common.rs"]
mod common;
mod join;
mod tiles;

use common::DataArgs;

/// Benchmarks of compute-atlas: the point-in-county join and the vector-tile pyramid.
#[derive(Debug, Parser)]
#[command(name = "compute-atlas-bench", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Assign points from a binary file (little-endian f64 lon,lat pairs) to counties, on one
    /// core; prints the time and writes per-county counts.
    Join(join::JoinArgs),
    /// Make every vector tile of a layer over its extent, zoom 0 to --max-zoom, on one core and
    /// without the server's cache; prints the time and tile count.
    Tiles(tiles::TilesArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    common::init_tracing();
    common::exit_code(match cli.command {
        Command::Join(args) => join::run(&args),
        Command::Tiles(args) => tiles::run(&args),
    })
}
