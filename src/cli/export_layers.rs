//! `compute-atlas export-layers --format gpkg|fgb|parquet -o DIR`: every layer written as the
//! server's downloads are (`atlas.gpkg`, or one `<layer>.fgb` / `<layer>.parquet` each).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use compute_atlas::export::{self, ExportFormat, ExportMeta, LayerExport};
use compute_atlas::server::Served;

use super::{DataArgs, Result};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FormatArg {
    /// GeoPackage: every layer in one atlas.gpkg.
    Gpkg,
    /// FlatGeobuf, one file per layer, with its spatial index.
    Fgb,
    /// GeoParquet 1.1, one file per layer.
    Parquet,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    data: DataArgs,
    /// File format.
    #[arg(long, value_enum)]
    format: FormatArg,
    /// Directory to write into (created if missing; files there of the same names are replaced).
    #[arg(long, short = 'o')]
    output: PathBuf,
}

pub fn export(args: &ExportArgs) -> Result<ExitCode> {
    let format = match args.format {
        FormatArg::Gpkg => ExportFormat::Gpkg,
        FormatArg::Fgb => ExportFormat::Fgb,
        FormatArg::Parquet => ExportFormat::Parquet,
    };
    let served = Served::build(&args.data.config())?;
    let meta = ExportMeta {
        version: served.version.clone(),
        built_at: served
            .built_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        source: "compute-atlas export-layers".into(),
    };
    let layers: Vec<LayerExport<'_>> = served.layers.iter().map(LayerExport::whole).collect();
    let written = export::write_dir(format, &layers, &meta, &args.output)
        .map_err(|e| format!("writing into {} failed: {e}", args.output.display()))?;
    for (p, l) in written.iter().zip(&layers) {
        if format == ExportFormat::Gpkg {
            println!("{}: {} layers", p.display(), layers.len());
            break;
        }
        println!("{}: {} features", p.display(), l.features.len());
    }
    Ok(ExitCode::SUCCESS)
}
