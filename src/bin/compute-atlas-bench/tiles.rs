//! `compute-atlas-bench tiles`: a cold vector-tile pyramid of one layer.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;
use compute_atlas::tiles::{layer_tile, TileId, MAX_ZOOM};
use compute_atlas::Atlas;

use super::common::{write_file, Result};
use super::DataArgs;

#[derive(Debug, Args)]
pub struct TilesArgs {
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
}

pub fn run(args: &TilesArgs) -> Result<ExitCode> {
    let (id, max_zoom) = (args.layer.as_str(), args.max_zoom);
    if max_zoom > MAX_ZOOM {
        return Err(format!("--max-zoom {max_zoom}: at most {MAX_ZOOM}").into());
    }
    let atlas = Atlas::build(&args.data.config())?;
    let layers = compute_atlas::layers::build_layers(&atlas);
    let layer = layers
        .iter()
        .find(|l| l.id == id)
        .ok_or_else(|| format!("no layer `{id}`"))?;
    let extent = layer
        .extent
        .ok_or_else(|| format!("layer `{id}` has no geometry"))?;
    let props: Option<Vec<String>> = args
        .properties
        .as_ref()
        .map(|p| p.split(',').map(|s| s.trim().to_string()).collect());
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
    if let Some(path) = &args.sizes_out {
        write_file(path, sizes)?;
    }
    Ok(ExitCode::SUCCESS)
}
