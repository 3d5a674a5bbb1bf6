//! `compute-atlas publish DIR`: the atlas as a folder of static files (see `compute_atlas::publish`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use compute_atlas::publish::{publish as publish_atlas, PublishOptions};

use super::common::{DataArgs, Result};

#[derive(Debug, Args)]
pub struct PublishArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The folder to write (created; must be new or empty unless --force).
    pub dir: PathBuf,
    /// Replace what an earlier publish wrote in DIR.
    #[arg(long)]
    pub force: bool,
    /// Threads making tiles (default: the machine's cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// A TrueType/OpenType font for the plots (default: the system's).
    #[arg(long)]
    pub font: Option<PathBuf>,
}

/// Publishes and prints what was written (JSON: archives, sizes, seconds) on stdout.
pub fn publish(args: &PublishArgs) -> Result<ExitCode> {
    let options = PublishOptions {
        out: args.dir.clone(),
        force: args.force,
        threads: args.threads.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
        }),
        font: args.font.clone(),
    };
    let report = publish_atlas(&args.data.config(), &options)?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(ExitCode::SUCCESS)
}
