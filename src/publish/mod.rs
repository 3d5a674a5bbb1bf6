//! `compute-atlas publish DIR`: the atlas as a folder of static files that any web server,
//! object store or CDN can serve to any number of readers, with no server of ours.
//!
//! Layout (tools read it; keep it):
//!
//! ```text
//! DIR/index.html              the web map (reads the files below; relative URLs only)
//! DIR/embed.html              the embeddable map (no panel; for an <iframe>)
//! DIR/assets/                 the map's script and styles
//! DIR/tiles/{collection}.pmtiles   each layer's vector tiles, PMTiles v3
//! DIR/tiles/map/{collection}.pmtiles   the tiles the web map draws (its filter and
//!                             properties; the map's layers only)
//! DIR/data/{collection}.geojson, .csv   each layer's features (the downloads)
//! DIR/data/collections.json   the collections (titles, attribution, extents)
//! DIR/data/analytics/         county, prefecture, province tables (JSON, CSV), summary,
//!                             power balance per county, province and site (JSON, CSV;
//!                             none without a demand model), timeline by month, quarter, year,
//!                             metric catalogue, renewable programmes
//! DIR/data/map/               what the map reads at start beside the above
//! DIR/plots/                  the plots (PNG, SVG; en and zh) and plots/index.json
//! DIR/data-version.json       the data version, layer counts, when and what published it
//! DIR/ATTRIBUTION.md          the sources and their licences
//! ```
//!
//! Every response body is made by the server's own handlers (an in-process instance of the
//! app, no socket), and every tile by the server's tile maker, so the folder holds what the live
//! service would send for the same data.

mod archive;
mod site;

use std::path::{Path, PathBuf};

pub use archive::{max_zoom, ArchiveKind, ArchiveReport, MAP_TILE_QUERIES};

use crate::atlas::AtlasConfig;
use crate::server::Served;

/// Why publishing stopped.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("cannot write {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("PMTiles archive {path}: {reason}")]
    Archive { path: String, reason: String },
    #[error("the server answered {status} for {url}: {body}")]
    Response {
        url: String,
        status: u16,
        body: String,
    },
    #[error(
        "the web map is not built into this binary (install Node.js 20 and npm, then rebuild)"
    )]
    NoWebMap,
    #[error("{0} is not empty; publish into a new or empty folder (or pass --force)")]
    NotEmpty(String),
    #[error("a tile worker thread panicked")]
    Thread,
    #[error("making a tile failed")]
    Tile(#[from] crate::tiles::TileError),
    #[error("building the atlas failed")]
    Atlas(#[from] crate::atlas::AtlasError),
}

impl PublishError {
    fn io(path: &Path, source: std::io::Error) -> PublishError {
        PublishError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// What to publish and how.
#[derive(Debug, Clone)]
pub struct PublishOptions {
    pub out: PathBuf,
    /// Replace the files of an existing, non-empty folder.
    pub force: bool,
    /// Threads making tiles and plots (default: the machine's cores).
    pub threads: usize,
    /// `--font` for the plots.
    pub font: Option<PathBuf>,
}

/// What was written, printed as JSON by the command and read by the bench.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PublishReport {
    pub out: String,
    pub data_version: String,
    pub archives: Vec<ArchiveReport>,
    pub files: u64,
    pub bytes: u64,
    pub plots: u64,
    pub seconds: SecondsReport,
}

/// Where the time went.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct SecondsReport {
    pub atlas: f64,
    pub tiles: f64,
    pub data: f64,
    pub plots: f64,
    pub total: f64,
}

/// Builds the atlas from `config` and publishes it to `options.out`.
pub fn publish(
    config: &AtlasConfig,
    options: &PublishOptions,
) -> Result<PublishReport, PublishError> {
    let t0 = std::time::Instant::now();
    let served = Served::build(config)?;
    let atlas_s = t0.elapsed().as_secs_f64();
    let mut report = publish_served(served, config.clone(), options)?;
    report.seconds.atlas = atlas_s;
    report.seconds.total = t0.elapsed().as_secs_f64();
    Ok(report)
}

/// Publishes an atlas already built.
pub fn publish_served(
    served: Served,
    config: AtlasConfig,
    options: &PublishOptions,
) -> Result<PublishReport, PublishError> {
    let t0 = std::time::Instant::now();
    let out = &options.out;
    prepare(out, options.force)?;
    for sub in ["tiles/map", "data/analytics", "data/map", "plots", "assets"] {
        let d = out.join(sub);
        std::fs::create_dir_all(&d).map_err(|e| PublishError::io(&d, e))?;
    }
    let version = served.version.clone();
    let mut seconds = SecondsReport::default();

    let t = std::time::Instant::now();
    let mut archives = Vec::new();
    for layer in &served.layers {
        let map = archive::map_query(layer.id).map(ArchiveKind::Map);
        for kind in std::iter::once(ArchiveKind::Full).chain(map) {
            let Some(r) = archive::write_archive(layer, kind, out, &version, options.threads)?
            else {
                continue;
            };
            tracing::info!(
                "{}: {} tiles z0-{}, {:.1} MB, {:.2} s",
                r.path,
                r.tiles,
                r.max_zoom,
                r.bytes as f64 / 1e6,
                r.seconds
            );
            archives.push(r);
        }
    }
    seconds.tiles = t.elapsed().as_secs_f64();

    let written = site::write_site(served, config, options, &archives, &mut seconds)?;
    let (files, bytes) = count_files(out);
    seconds.total = t0.elapsed().as_secs_f64();
    Ok(PublishReport {
        out: out.display().to_string(),
        data_version: version,
        archives,
        files,
        bytes,
        plots: written.plots,
        seconds,
    })
}

/// Creates `out`, or checks that it is empty (or clears what an earlier publish wrote there,
/// with `force`).
fn prepare(out: &Path, force: bool) -> Result<(), PublishError> {
    std::fs::create_dir_all(out).map_err(|e| PublishError::io(out, e))?;
    let mut entries = std::fs::read_dir(out).map_err(|e| PublishError::io(out, e))?;
    if entries.next().is_none() {
        return Ok(());
    }
    if !force {
        return Err(PublishError::NotEmpty(out.display().to_string()));
    }
    for name in [
        "index.html",
        "embed.html",
        "data-version.json",
        "ATTRIBUTION.md",
    ] {
        let p = out.join(name);
        if p.exists() {
            std::fs::remove_file(&p).map_err(|e| PublishError::io(&p, e))?;
        }
    }
    for dir in ["assets", "tiles", "data", "plots"] {
        let p = out.join(dir);
        if p.exists() {
            std::fs::remove_dir_all(&p).map_err(|e| PublishError::io(&p, e))?;
        }
    }
    Ok(())
}

fn count_files(dir: &Path) -> (u64, u64) {
    let mut stack = vec![dir.to_path_buf()];
    let (mut files, mut bytes) = (0, 0);
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            match e.metadata() {
                Ok(m) if m.is_dir() => stack.push(e.path()),
                Ok(m) => {
                    files += 1;
                    bytes += m.len();
                }
                Err(_) => {}
            }
        }
    }
    (files, bytes)
}
