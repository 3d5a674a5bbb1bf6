//! `compute-atlas check`: layer counts, every data problem, and a per-province table.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use compute_atlas::model::{Fuel, ProvinceInfo};
use compute_atlas::Atlas;

use super::{DataArgs, Result};

fn fmt_opt(v: Option<f64>) -> String {
    v.map_or_else(|| "unknown".to_string(), |v| format!("{v:.0}"))
}

pub fn check(data: &DataArgs, all: bool, store: Option<&Path>) -> Result<ExitCode> {
    let mut config = data.config();
    let strict = config.strict;
    // Load leniently so the report can list every problem; strictness decides the exit code.
    config.strict = false;
    let t = Instant::now();
    let (atlas, store_line) = match store {
        None => (Atlas::build(&config)?, None),
        Some(path) => {
            if !path.is_file() {
                return Err(format!("no edit store at {}", path.display()).into());
            }
            let edits = compute_atlas::edit::Edits::open(path, &config.data_dir)?;
            let st = edits.lock();
            let mut atlas = Atlas::build(&compute_atlas::edit::Edits::config(&st, &config))?;
            atlas.problems.extend(st.problems.clone());
            let line = format!(
                "edit store {}: changes up to number {} replayed, {} not applicable (listed below)",
                path.display(),
                st.last_seq,
                st.problems.len()
            );
            (atlas, Some(line))
        }
    };
    let secs = t.elapsed().as_secs_f64();
    println!("compute-atlas check: {}", config.data_dir.display());
    if let Some(line) = store_line {
        println!("{line}");
    }
    println!(
        "built in {:.2} s ({})",
        secs,
        atlas
            .timings
            .iter()
            .map(|(n, s)| format!("{n} {:.0} ms", s * 1e3))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!();
    println!("layers");
    println!("  counties       {:>6}", atlas.counties.len());
    println!("  prefectures    {:>6}", atlas.prefectures.len());
    println!("  provinces      {:>6}", atlas.provinces.len());
    println!("  sites          {:>6}", atlas.sites.len());
    println!("  renewable bases{:>6}", atlas.renewable_bases.len());
    println!("  province stats {:>6}", atlas.province_stats.len());
    println!("  chips          {:>6}", atlas.chips.len());
    if atlas.plant_files.is_empty() {
        println!(
            "  power plants   none loaded (pass --plants FILE; see README for where to get them)"
        );
    } else {
        println!("  power plants   {:>6}", atlas.plants.len());
        for f in &atlas.plant_files {
            println!("    {:>6}  {}  ({})", f.rows, f.source, f.path);
        }
    }
    let pflops_known = atlas
        .site_places
        .iter()
        .filter(|p| p.pflops.is_some())
        .count();
    let derived = atlas
        .site_places
        .iter()
        .filter(|p| p.pflops_derived)
        .count();
    let located = atlas
        .site_places
        .iter()
        .filter(|p| p.county.is_some())
        .count();
    println!();
    println!(
        "sites: PFLOPS known for {pflops_known} of {} sites ({derived} derived from chip counts); {located} located in a county",
        atlas.sites.len()
    );
    let errors = atlas.problems.errors().count();
    let warnings = atlas.problems.warnings().count();
    println!();
    println!("problems: {errors} error(s) (rows left out), {warnings} warning(s) (rows kept)");
    let limit = if all { usize::MAX } else { 50 };
    for p in atlas.problems.0.iter().take(limit) {
        println!("  {p}");
    }
    if atlas.problems.len() > limit {
        println!("  ... {} more (use --all)", atlas.problems.len() - limit);
    }
    println!();
    let fuels: Vec<Fuel> = if atlas.has_plants() {
        Fuel::ALL
            .into_iter()
            .filter(|f| {
                atlas
                    .province_figures
                    .iter()
                    .any(|p| p.plant_mw_of(*f).unwrap_or(0.0) > 0.0)
            })
            .collect()
    } else {
        Vec::new()
    };
    print!(
        "{:<15} {:>5} {:>10} {:>10}",
        "province", "sites", "PFLOPS", "planned"
    );
    for f in &fuels {
        print!(" {:>10}", format!("{} MW", f.as_str()));
    }
    println!();
    let mut rows: Vec<(usize, &str)> = atlas
        .provinces
        .iter()
        .enumerate()
        .map(|(i, p)| {
            (
                i,
                ProvinceInfo::by_adcode(p.adcode).map_or("?", |x| x.short_en),
            )
        })
        .collect();
    rows.sort_by_key(|r| r.1);
    for (i, name) in rows {
        let f = &atlas.province_figures[i];
        print!(
            "{:<15} {:>5} {:>10} {:>10}",
            name,
            f.sites,
            fmt_opt(f.pflops_reported),
            fmt_opt(f.pflops_planned_total)
        );
        for fuel in &fuels {
            print!(" {:>10}", fmt_opt(f.plant_mw_of(*fuel)));
        }
        println!();
    }
    if !atlas.has_plants() {
        println!("(plant capacity unknown: no plant file loaded)");
    }
    println!("note: PFLOPS sums add figures of different scopes (built, phase 1, planned lower bounds); read each site's pflops_scope before quoting.");
    println!("note: PFLOPS and planned count each overlap group once (at least); the plain sums are larger by what the table below lists.");
    print_overlaps(&atlas);
    if strict && errors > 0 {
        println!("strict: failing because of {errors} data error(s)");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// Per province: the rows in overlap groups and what counting each group once removed from the
/// plain sums (the at-least figures are the plain sums minus this).
fn print_overlaps(atlas: &Atlas) {
    println!();
    println!(
        "overlap groups (overlaps_with): {} group(s), {} row(s); sums count each group once",
        atlas.overlap_groups.len(),
        atlas.overlap_groups.iter().map(Vec::len).sum::<usize>()
    );
    println!(
        "{:<15} {:>5} {:>10} {:>10} {:>10} {:>8} {:>8} {:>16}",
        "province", "rows", "-PFLOPS", "-oper.", "-planned", "-chips", "-racks", "-investment CNY"
    );
    let removed = |at_least: Option<f64>, upper: Option<f64>| match (at_least, upper) {
        (Some(a), Some(u)) => fmt_opt(Some(u - a)),
        _ => "-".to_string(),
    };
    let mut rows: Vec<(&str, &compute_atlas::figures::UnitFigures)> = atlas
        .provinces
        .iter()
        .zip(&atlas.province_figures)
        .filter(|(_, f)| f.overlap_sites.is_some())
        .map(|(p, f)| (p.short_en.as_str(), f))
        .collect();
    rows.sort_by_key(|r| r.0);
    for (name, f) in rows {
        let n = f
            .overlap_sites
            .as_deref()
            .map_or(0, |s| s.split(" | ").count());
        println!(
            "{:<15} {:>5} {:>10} {:>10} {:>10} {:>8} {:>8} {:>16}",
            name,
            n,
            removed(f.pflops_reported, f.pflops_reported_upper),
            removed(f.pflops_operational, f.pflops_operational_upper),
            removed(f.pflops_planned_total, f.pflops_planned_total_upper),
            removed(f.chips, f.chips_upper),
            removed(f.racks, f.racks_upper),
            removed(f.investment_cny, f.investment_cny_upper),
        );
    }
}
