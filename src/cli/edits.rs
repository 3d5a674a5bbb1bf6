//! `compute-atlas token` (a new bearer token for an editor or admin) and `compute-atlas
//! export-sites` (the current sites, bundled rows with the store's changes, as `sites.csv`).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use compute_atlas::edit::{replay, write_sites_csv, Role, Tokens};
use compute_atlas::load::{read_site_records, Problems};
use compute_atlas::store::Store;

use super::{DataArgs, Result};

#[derive(Debug, Args)]
pub struct TokenArgs {
    /// The token's name: recorded as the author of each change made with it.
    pub name: String,
    /// editor (may write the sites) or admin (may also reload the data).
    #[arg(value_parser = ["editor", "admin"])]
    pub role: String,
    /// The token file to append the new token's line to (created if absent).
    #[arg(long, value_name = "FILE")]
    pub tokens: PathBuf,
}

/// Prints a new random token and appends `NAME ROLE SHA256` to the token file.
pub fn token(args: &TokenArgs) -> Result<ExitCode> {
    let role = Role::parse(&args.role).ok_or("role: editor or admin")?;
    let token = Tokens::create(&args.tokens, &args.name, role)?;
    println!("{token}");
    eprintln!(
        "added {} ({}) to {}; the token is shown only this once",
        args.name,
        role.as_str(),
        args.tokens.display()
    );
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The edit store whose changes to apply (without it: the bundled rows as they are).
    #[arg(long, value_name = "FILE")]
    pub store: Option<PathBuf>,
    /// Where to write the CSV.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: PathBuf,
}

/// Writes the current sites in the bundled CSV's schema.
pub fn export_sites(args: &ExportArgs) -> Result<ExitCode> {
    let config = args.data.config();
    let sites_csv = config.data_dir.join("sites.csv");
    let (records, problems) = match &args.store {
        Some(path) => {
            if !path.exists() {
                return Err(format!("edit store {} does not exist", path.display()).into());
            }
            let state = replay(&Store::open(path)?, &sites_csv)?;
            (state.records, state.problems)
        }
        None => {
            let mut p = Problems::default();
            (read_site_records(&sites_csv, &mut p)?, p)
        }
    };
    for p in &problems.0 {
        eprintln!("{p}");
    }
    let mut bytes = Vec::new();
    write_sites_csv(&records, &mut bytes)?;
    super::common::write_file(&args.output, bytes)?;
    eprintln!("wrote {} sites to {}", records.len(), args.output.display());
    Ok(if problems.errors().next().is_some() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
