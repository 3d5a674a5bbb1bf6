//! The `compute-atlas` command: serve the atlas, check the data, locate points, make plots.

use std::process::ExitCode;

use clap::Parser;

mod cli;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    cli::init_tracing();
    cli::exit_code(cli::run(args))
}
