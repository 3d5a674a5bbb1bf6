//! `compute-atlas serve` (and the bare `compute-atlas`): build the atlas and serve it.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;

use super::{DataArgs, Result};

/// Where `serve` listens unless told otherwise: loopback only.
const DEFAULT_BIND: &str = "127.0.0.1:8080";

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Address to listen on (loopback by default; use 0.0.0.0:8080 to listen on all interfaces).
    #[arg(long, default_value = DEFAULT_BIND, env = "COMPUTE_ATLAS_BIND")]
    pub bind: SocketAddr,
    /// Raster basemap URL template for the web map (e.g. https://tile.example/{z}/{x}/{y}.png);
    /// off by default so the page works offline.
    #[arg(long)]
    pub basemap_url: Option<String>,
    /// Enable POST /admin/reload, guarded by this bearer token (without it the route does
    /// not exist). SIGHUP reloads in any case.
    #[arg(long, env = "COMPUTE_ATLAS_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
    /// The edit store (SQLite, created on first use): enables writes to the sites, with
    /// --tokens. Start-up applies its changes to the bundled sites.csv.
    #[arg(long, value_name = "FILE", env = "COMPUTE_ATLAS_STORE")]
    pub store: Option<std::path::PathBuf>,
    /// Bearer tokens of editors and admins, one `NAME ROLE SHA256-HEX` a line (see
    /// `compute-atlas token`); without it the write routes answer 405.
    #[arg(long, value_name = "FILE", env = "COMPUTE_ATLAS_TOKENS")]
    pub tokens: Option<std::path::PathBuf>,
    /// Megabytes of rendered tiles and plots kept in memory (one cache for both).
    #[arg(long, default_value_t = compute_atlas::server::DEFAULT_CACHE_MB)]
    pub cache_mb: u64,
    /// Largest request body of the locate process, megabytes (413 beyond).
    #[arg(long, default_value_t = compute_atlas::server::DEFAULT_MAX_UPLOAD_MB)]
    pub max_upload_mb: u64,
    /// Most rows one locate execution takes.
    #[arg(long, default_value_t = compute_atlas::server::DEFAULT_MAX_ROWS)]
    pub locate_max_rows: u64,
    /// Locate executions at once (503 beyond); each keeps one core busy.
    #[arg(long, default_value_t = compute_atlas::server::DEFAULT_LOCATE_CONCURRENCY)]
    pub locate_concurrency: usize,
}

impl Default for ServeArgs {
    /// The bare `compute-atlas`: bundled data, loopback, no basemap, no admin route (the
    /// environment is not read).
    fn default() -> ServeArgs {
        ServeArgs {
            data: DataArgs::default(),
            bind: DEFAULT_BIND.parse().expect("valid address"),
            basemap_url: None,
            admin_token: None,
            store: None,
            tokens: None,
            cache_mb: compute_atlas::server::DEFAULT_CACHE_MB,
            max_upload_mb: compute_atlas::server::DEFAULT_MAX_UPLOAD_MB,
            locate_max_rows: compute_atlas::server::DEFAULT_MAX_ROWS,
            locate_concurrency: compute_atlas::server::DEFAULT_LOCATE_CONCURRENCY,
        }
    }
}

pub fn serve(args: &ServeArgs) -> Result<ExitCode> {
    use compute_atlas::server::{AdminToken, AppState, ProcessLimits, Served, WebConfig};
    let config = args.data.config();
    let t = Instant::now();
    let edits = match &args.store {
        Some(path) => Some(compute_atlas::edit::Edits::open(path, &config.data_dir)?),
        None => None,
    };
    let served = match &edits {
        Some(e) => {
            let st = e.lock();
            for p in &st.problems.0 {
                tracing::error!("{p}");
            }
            Served::build_with_edits(&config, &st)?
        }
        None => Served::build(&config)?,
    };
    tracing::info!(
        "atlas built in {:.2} s: {} counties, {} sites, {} plants, {} data problem(s) (run `compute-atlas check` for the list)",
        t.elapsed().as_secs_f64(),
        served.atlas.counties.len(),
        served.atlas.sites.len(),
        served.atlas.plants.len(),
        served.atlas.problems.len()
    );
    let admin_token = args.admin_token.clone().filter(|t| !t.is_empty());
    let mut state = AppState::new(served, config)
        .with_cache_mb(args.cache_mb)
        .with_process_limits(ProcessLimits::new(
            args.max_upload_mb.saturating_mul(1 << 20),
            args.locate_max_rows,
            args.locate_concurrency,
        ));
    if let Some(e) = edits {
        state = state.with_edits(e);
    }
    if let Some(path) = &args.tokens {
        let mut tokens = compute_atlas::edit::Tokens::read(path)?;
        // The --admin-token is one more admin token, named `admin` in the history.
        if let Some(t) = &admin_token {
            tokens.add("admin", compute_atlas::edit::Role::Admin, t);
        }
        state = state.with_tokens(tokens);
    }
    actix_web::rt::System::new().block_on(compute_atlas::server::serve(
        state,
        WebConfig {
            basemap: args.basemap_url.clone(),
        },
        admin_token.map(AdminToken),
        args.bind,
    ))?;
    Ok(ExitCode::SUCCESS)
}
