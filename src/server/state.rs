use std::sync::Arc;

use arc_swap::ArcSwap;

use super::cache::RenderCache;
use crate::atlas::{Atlas, AtlasConfig, AtlasError};
use crate::layers::{build_layers, Layer};

/// What the handlers serve: the atlas and its layers, plus a version tag for ETags.
#[derive(Debug)]
pub struct Served {
    pub atlas: Atlas,
    pub layers: Vec<Layer>,
    /// Changes whenever the data changes (hash of the served layers).
    pub version: String,
    pub built_at: chrono::DateTime<chrono::Utc>,
}

impl Served {
    pub fn build(config: &AtlasConfig) -> Result<Served, AtlasError> {
        let atlas = Atlas::build(config)?;
        Ok(Served::from_atlas(atlas))
    }

    /// Builds from the bundled sites with the edit store's changes applied; the changes that
    /// could not be applied are among the atlas's problems.
    pub fn build_with_edits(
        config: &AtlasConfig,
        state: &crate::edit::EditState,
    ) -> Result<Served, AtlasError> {
        let mut atlas = Atlas::build(&crate::edit::Edits::config(state, config))?;
        atlas.problems.extend(state.problems.clone());
        Ok(Served::from_atlas(atlas))
    }

    /// After a write to the sites: this snapshot's atlas with the edit store's records as its
    /// sites, everything the sites do not change shared (see [`Atlas::with_sites`]).
    pub fn after_edit(
        &self,
        config: &AtlasConfig,
        state: &crate::edit::EditState,
    ) -> Result<Served, AtlasError> {
        let mut atlas = self
            .atlas
            .with_sites(&crate::edit::Edits::config(state, config))?;
        atlas.problems.extend(state.problems.clone());
        // An edit frees little (the base is shared): no heap trim on the write's path.
        Ok(Served::with_layers(atlas))
    }

    pub fn from_atlas(atlas: Atlas) -> Served {
        let served = Served::with_layers(atlas);
        release_freed_memory();
        served
    }

    fn with_layers(atlas: Atlas) -> Served {
        let layers = build_layers(&atlas);
        // xxh3 with a fixed seed: the same version in every process, on every machine and
        // with every Rust release, so replicas serving the same files agree on ETags.
        let mut h = twox_hash::XxHash3_64::with_seed(0);
        for l in &layers {
            std::hash::Hash::hash(&l.id, &mut h);
            for f in l.features.iter() {
                std::hash::Hash::hash(&f.json, &mut h);
            }
        }
        let version = format!("{:016x}", std::hash::Hasher::finish(&h));
        Served {
            atlas,
            layers,
            version,
            built_at: chrono::Utc::now(),
        }
    }

    pub fn layer(&self, id: &str) -> Option<&Layer> {
        self.layers.iter().find(|l| l.id == id)
    }
}

/// Shared state: the current snapshot, swapped atomically on reload. A request holds the
/// snapshot it started with until it finishes.
pub struct AppState {
    current: ArcSwap<Served>,
    pub config: AtlasConfig,
    /// One reload at a time: two concurrent rebuilds would only waste CPU.
    reloading: std::sync::Mutex<()>,
    /// `--font` override for the plots.
    font: Option<std::path::PathBuf>,
    fonts: std::sync::OnceLock<Result<crate::plot::Fonts, crate::plot::PlotError>>,
    /// Plot renders running at once: more would only queue on the CPU and starve other requests.
    pub plot_slots: Arc<tokio::sync::Semaphore>,
    /// Tiles being made at once (off the request workers), for the same reason.
    pub tile_slots: Arc<tokio::sync::Semaphore>,
    /// Rendered tiles and plots, keyed by data version.
    pub cache: RenderCache,
    /// The edit store and current site records (`--store`); `None`: the sites are read-only.
    pub edits: Option<Arc<crate::edit::Edits>>,
    /// Bearer tokens of editors and admins (`--tokens`, plus `--admin-token`).
    pub tokens: Option<crate::edit::Tokens>,
    /// Limits of the locate process.
    pub processes: ProcessLimits,
}

/// Limits of `POST /processes/locate/execution`.
#[derive(Debug, Clone)]
pub struct ProcessLimits {
    /// Largest request body, bytes (413 beyond).
    pub max_body: u64,
    /// Most rows one execution takes.
    pub max_rows: u64,
    /// Executions running at once (503 beyond).
    pub slots: Arc<tokio::sync::Semaphore>,
    /// The configured number of slots, for messages.
    pub concurrency: usize,
}

impl ProcessLimits {
    pub fn new(max_body: u64, max_rows: u64, concurrency: usize) -> ProcessLimits {
        let concurrency = concurrency.max(1);
        ProcessLimits {
            max_body,
            max_rows,
            slots: Arc::new(tokio::sync::Semaphore::new(concurrency)),
            concurrency,
        }
    }
}

/// Default upload limit of the locate process: 4 GiB, about 60 million CSV rows of id,lon,lat.
pub const DEFAULT_MAX_UPLOAD_MB: u64 = 4096;
/// Default row limit of one locate execution.
pub const DEFAULT_MAX_ROWS: u64 = 50_000_000;
/// Default number of locate executions at once (each keeps one core busy).
pub const DEFAULT_LOCATE_CONCURRENCY: usize = 2;

/// Default bound of the render cache: the 48 MB that tiles had, plus 48 MB for plots (the
/// 200 plots of a few hundred KB that the plot cache held).
pub const DEFAULT_CACHE_MB: u64 = 96;

impl AppState {
    pub fn new(served: Served, config: AtlasConfig) -> AppState {
        AppState {
            current: ArcSwap::from_pointee(served),
            config,
            reloading: std::sync::Mutex::new(()),
            font: None,
            fonts: std::sync::OnceLock::new(),
            plot_slots: Arc::new(tokio::sync::Semaphore::new(2)),
            tile_slots: Arc::new(tokio::sync::Semaphore::new(2)),
            cache: RenderCache::new(DEFAULT_CACHE_MB << 20),
            edits: None,
            tokens: None,
            processes: ProcessLimits::new(
                DEFAULT_MAX_UPLOAD_MB << 20,
                DEFAULT_MAX_ROWS,
                DEFAULT_LOCATE_CONCURRENCY,
            ),
        }
    }

    /// Serves the sites from this edit store (the snapshot given to [`AppState::new`] must have
    /// been built with it, see [`Served::build_with_edits`]).
    pub fn with_edits(mut self, edits: Arc<crate::edit::Edits>) -> AppState {
        self.edits = Some(edits);
        self
    }

    /// Accepts these bearer tokens for the write and admin routes.
    pub fn with_tokens(mut self, tokens: crate::edit::Tokens) -> AppState {
        self.tokens = Some(tokens);
        self
    }

    /// Swaps in a snapshot built after an edit, as a reload does.
    pub fn install(&self, served: Served) -> Arc<Served> {
        let _one = self.reloading.lock().unwrap_or_else(|p| p.into_inner());
        let served = Arc::new(served);
        self.current.store(served.clone());
        self.cache.clear();
        served
    }

    /// Sets the limits of the locate process.
    pub fn with_process_limits(mut self, limits: ProcessLimits) -> AppState {
        self.processes = limits;
        self
    }

    /// Bounds the render cache (tiles and plots together) to `mb` megabytes.
    pub fn with_cache_mb(mut self, mb: u64) -> AppState {
        self.cache = RenderCache::new(mb.saturating_mul(1 << 20));
        self
    }

    /// Uses this font file for every plot text instead of the system fonts.
    pub fn with_font(mut self, path: Option<std::path::PathBuf>) -> AppState {
        self.font = path;
        self
    }

    /// The plot fonts, found on first use.
    pub fn fonts(&self) -> Result<&crate::plot::Fonts, crate::plot::PlotError> {
        self.fonts
            .get_or_init(|| crate::plot::Fonts::load(self.font.as_deref()))
            .as_ref()
            .map_err(Clone::clone)
    }

    pub fn snapshot(&self) -> Arc<Served> {
        self.current.load_full()
    }

    /// Makes the served snapshot hold committed change `seq` of `edits`, building and swapping
    /// in a new one unless a rebuild that started after that commit already did. Writers call
    /// this after their commit, without the edit lock: while one rebuild runs, the writes that
    /// commit meanwhile wait here and the next rebuild serves them all (group rebuild), so the
    /// write rate is not bound by one rebuild per write.
    pub fn settle(&self, edits: &crate::edit::Edits, seq: i64) -> Result<(), AtlasError> {
        let mut installed = edits.installed();
        if *installed >= seq {
            return Ok(());
        }
        // A copy of the records (tens of rows): the edit lock is held only for the copy, so
        // writers keep committing while the snapshot builds.
        let state = edits.lock().clone();
        let served = self.snapshot().after_edit(&self.config, &state)?;
        self.install(served);
        edits.publish(&state);
        *installed = state.last_seq;
        Ok(())
    }

    /// Builds a new snapshot from the configuration and swaps it in; on failure the old one
    /// stays and the error is returned.
    pub fn reload(&self) -> Result<Arc<Served>, AtlasError> {
        // The rebuild lock, then the edit lock, in the order a write's rebuild takes them: a
        // reload re-reads the bundled sites and applies the store's changes again, and no
        // snapshot derived from the old data can be swapped in after it.
        let mut installed = self.edits.as_ref().map(|e| e.installed());
        let mut edit_state = self.edits.as_ref().map(|e| e.lock());
        let _one = self.reloading.lock().unwrap_or_else(|p| p.into_inner());
        let served = match (&self.edits, edit_state.as_deref_mut()) {
            (Some(edits), Some(st)) => {
                edits
                    .reread(st)
                    .map_err(|e| AtlasError::Edits(e.to_string()))?;
                let served = Served::build_with_edits(&self.config, st)?;
                edits.publish(st);
                if let Some(i) = installed.as_deref_mut() {
                    *i = st.last_seq;
                }
                served
            }
            _ => Served::build(&self.config)?,
        };
        let served = Arc::new(served);
        self.current.store(served.clone());
        let (hits, misses) = self.cache.counts();
        tracing::info!("render cache before reload: {hits} hits, {misses} misses; cleared");
        self.cache.clear();
        Ok(served)
    }
}

/// Hands memory freed after loading (the parsed GeoJSON trees, temporary grids) back to the
/// operating system. glibc keeps freed heap pages otherwise, and the server would carry the
/// loading peak as resident memory for its whole life.
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free pages of the allocator's own heap to the OS.
    unsafe {
        libc::malloc_trim(0);
    }
}
