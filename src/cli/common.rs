//! What the product binary (`compute-atlas`) and the benchmark binary (`compute-atlas-bench`)
//! share: the data options, logging set-up and the error report on exit. The bench binary
//! includes this file by path, so everything here is used by both.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use compute_atlas::AtlasConfig;

/// The result of a command: its exit code, or an error reported with its causes (exit 2).
pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Options shared by every command that builds the atlas.
#[derive(Debug, Args, Clone, Default)]
pub struct DataArgs {
    /// Data directory with sites.csv, the curated tables and boundaries/ (default: bundled geodata/).
    #[arg(long, env = "COMPUTE_ATLAS_DATA")]
    pub data: Option<PathBuf>,
    /// A power-plant file (GEM tracker or GPPD CSV; the format is recognised from the header).
    /// Repeat for several files.
    #[arg(long = "plants", value_name = "FILE")]
    pub plants: Vec<PathBuf>,
    /// Fail on any data error (a bad row) instead of loading the good rows and reporting the
    /// rest; warnings (rows kept) never fail.
    #[arg(long)]
    pub strict: bool,
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
            sites: None,
        }
    }
}

/// Logs to stderr, `info` unless `RUST_LOG` says otherwise.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
}

/// The exit code of a command; an error is printed with its chain of causes and exits 2.
pub fn exit_code(result: Result<ExitCode>) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            let mut source = std::error::Error::source(e.as_ref());
            while let Some(s) = source {
                eprintln!("  caused by: {s}");
                source = s.source();
            }
            ExitCode::from(2)
        }
    }
}

/// Writes `contents` to `path`, naming the file in the error.
pub fn write_file(path: &std::path::Path, contents: impl AsRef<[u8]>) -> Result<()> {
    std::fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(())
}
