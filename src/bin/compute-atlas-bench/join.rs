//! `compute-atlas-bench join`: point-in-county assignment of many points.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;
use compute_atlas::Atlas;

use super::common::{write_file, Result};
use super::DataArgs;

#[derive(Debug, Args)]
pub struct JoinArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Binary file of little-endian f64 lon,lat pairs (bench/points.py writes one).
    #[arg(long)]
    points: PathBuf,
    /// Write `adcode,count` here.
    #[arg(long)]
    counts_out: Option<PathBuf>,
    /// Repeat the assignment this many times and report the best.
    #[arg(long, default_value_t = 3)]
    repeat: u32,
}

/// Reads lon,lat pairs (16 bytes each).
fn read_points(path: &Path) -> Result<Vec<(f64, f64)>> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if bytes.len() % 16 != 0 {
        return Err(format!(
            "{}: length {} is not a multiple of 16 (pairs of f64)",
            path.display(),
            bytes.len()
        )
        .into());
    }
    Ok(bytes
        .chunks_exact(16)
        .map(|c| {
            let x = f64::from_le_bytes(c[..8].try_into().expect("8 bytes"));
            let y = f64::from_le_bytes(c[8..].try_into().expect("8 bytes"));
            (x, y)
        })
        .collect())
}

pub fn run(args: &JoinArgs) -> Result<ExitCode> {
    let pts = read_points(&args.points)?;
    let atlas = Atlas::build(&args.data.config())?;
    let mut best = f64::MAX;
    let mut counts = vec![0u64; atlas.counties.len()];
    for _ in 0..args.repeat.max(1) {
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
    if let Some(path) = &args.counts_out {
        let mut out = String::from("adcode,count\n");
        for (c, n) in atlas.counties.iter().zip(&counts) {
            out.push_str(&format!("{},{}\n", c.adcode, n));
        }
        write_file(path, out)?;
    }
    Ok(ExitCode::SUCCESS)
}
