//! The dataset against the public reporting: each headline figure of `reporting.csv` with its
//! quote and sources, next to what the sites table holds for the same scope and, for chips and
//! servers, the power they would draw at the model's parameters (an estimate).
//!
//! Nothing here is a literal of the reporting: the figures, scopes and units come from the CSV;
//! the comparison is chosen by the row's unit and its scope is read from its text (a site id, a
//! county, provinces, or the whole country, of which the dataset covers only the west).

use serde_json::{json, Value};

use crate::atlas::demand::{match_chips, Basis, Overrides, ACCELERATORS_PER_SERVER};
use crate::atlas::Atlas;
use crate::figures::grouped_sum;
use crate::model::{ReportingFigure, SiteStatus};

/// The sites a scope text covers, and how it was read.
fn scope_sites(atlas: &Atlas, scope: &str) -> (Vec<usize>, String) {
    let text = scope.to_lowercase();
    if let Some(i) = atlas.site_by_id(scope.trim()) {
        return (vec![i], format!("site {}", atlas.sites[i].id));
    }
    let has = |name: &str| {
        let n = name.to_lowercase();
        text.match_indices(&n).any(|(i, m)| {
            let before = text[..i].chars().next_back();
            let after = text[i + m.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
    };
    let counties: Vec<usize> = (0..atlas.counties.len())
        .filter(|&c| has(&atlas.counties[c].name_en))
        .collect();
    if !counties.is_empty() {
        let sites = (0..atlas.sites.len())
            .filter(|&i| {
                atlas.site_places[i]
                    .county
                    .is_some_and(|c| counties.contains(&c))
            })
            .collect();
        let names: Vec<&str> = counties
            .iter()
            .map(|&c| atlas.counties[c].name_en.as_str())
            .collect();
        return (sites, format!("sites located in {}", names.join(", ")));
    }
    let mut provinces: Vec<&str> = atlas.sites.iter().map(|s| s.province_en.as_str()).collect();
    provinces.sort_unstable();
    provinces.dedup();
    let named: Vec<&str> = provinces.into_iter().filter(|p| has(p)).collect();
    if !named.is_empty() {
        let sites = (0..atlas.sites.len())
            .filter(|&i| named.contains(&atlas.sites[i].province_en.as_str()))
            .collect();
        return (sites, format!("sites in {}", named.join(" and ")));
    }
    (
        (0..atlas.sites.len()).collect(),
        "all sites of the dataset (twelve western provinces only; the figure's scope is wider)"
            .into(),
    )
}

fn nvidia(atlas: &Atlas, i: usize) -> bool {
    atlas.sites[i]
        .chip_model
        .as_deref()
        .is_some_and(|m| m.to_lowercase().contains("nvidia"))
}

/// What the dataset holds for one figure's scope, chosen by the figure's unit.
fn dataset_for(atlas: &Atlas, f: &ReportingFigure, sites: &[usize]) -> Value {
    let key = |i: usize| atlas.site_group_key(i);
    let sum = |g: &dyn Fn(usize) -> Option<f64>| {
        let v: Vec<(&str, Option<f64>)> = sites.iter().map(|&i| (key(i), g(i))).collect();
        grouped_sum(&v)
    };
    let by_status: serde_json::Map<String, Value> = SiteStatus::ALL
        .iter()
        .map(|s| {
            let n = sites
                .iter()
                .filter(|&&i| atlas.sites[i].status == *s)
                .count();
            (s.as_str().to_string(), json!(n))
        })
        .collect();
    let unit = f.unit.to_lowercase();
    if unit.starts_with("chip") {
        json!({
            "measure": "Nvidia accelerators the sites report (chip_count at sites whose chip_model names Nvidia)",
            "nvidia_chips": sum(&|i| atlas.sites[i].chip_count.filter(|_| nvidia(atlas, i)).map(|c| c as f64)),
            "sites_naming_nvidia": sites.iter().filter(|&&i| nvidia(atlas, i)).count(),
        })
    } else if unit.starts_with("server") {
        json!({
            "measure": "servers the sites report whose chip_model names Nvidia",
            "nvidia_servers": sum(&|i| atlas.sites[i].server_count.filter(|_| nvidia(atlas, i)).map(|c| c as f64)),
            "sites_naming_nvidia": sites.iter().filter(|&&i| nvidia(atlas, i)).count(),
        })
    } else if unit.starts_with("project") {
        json!({
            "measure": "sites in the scope, by status as reported",
            "sites": sites.len(),
            "sites_by_status": by_status,
        })
    } else if unit.starts_with("percent") {
        let total = sum(&|i| atlas.site_places[i].pflops);
        let largest = sites
            .iter()
            .filter_map(|&i| atlas.site_places[i].pflops.map(|p| (p, i)))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        json!({
            "measure": "share of the scope's reported PFLOPS (overlap groups counted once) in its largest site",
            "largest_site": largest.map(|(_, i)| atlas.sites[i].id.clone()),
            "share_percent": match (largest, total.value) {
                (Some((p, _)), Some(t)) if t > 0.0 => json!(p / t * 100.0),
                _ => Value::Null,
            },
            "reported_pflops": total,
        })
    } else if unit == "cny" {
        json!({
            "measure": "investment the sites report, yuan (scopes differ)",
            "investment_cny": sum(&|i| atlas.sites[i].investment_cny.map(|c| c as f64)),
        })
    } else {
        json!({"measure": format!("no comparison for unit {:?}", f.unit)})
    }
}

/// The power the figure's chips or servers would draw (an estimate), where the figure counts
/// chips or servers of a model chips.csv knows (named in `what`, or the scope site's model).
fn power_for(atlas: &Atlas, f: &ReportingFigure, sites: &[usize]) -> Value {
    let Some(model) = &atlas.demand_model else {
        return Value::Null;
    };
    let unit = f.unit.to_lowercase();
    let (per, basis) = if unit.starts_with("chip") {
        (1.0, Basis::Chips)
    } else if unit.starts_with("server") {
        (ACCELERATORS_PER_SERVER, Basis::Servers)
    } else {
        return Value::Null;
    };
    let mut chips = match_chips(&f.what, &atlas.chips);
    if chips.is_empty() {
        if let [i] = sites {
            if let Some(m) = &atlas.sites[*i].chip_model {
                chips = match_chips(m, &atlas.chips);
            }
        }
    }
    if chips.is_empty() {
        return Value::Null;
    }
    match model.for_chips(&chips, f.value * per, basis, Overrides::default()) {
        Some(e) => json!({
            "estimate": true,
            "chip_models": e.chip_models,
            "accelerators": e.accelerators,
            "power_mw": e.power_mw,
            "energy_gwh_per_year": e.energy_gwh_per_year,
            "parameters": "as /analytics/power-estimate lists them",
        }),
        None => Value::Null,
    }
}

/// The "reporting vs dataset" block; empty when the data directory has no reporting.csv.
pub fn reporting_vs_dataset(atlas: &Atlas) -> Value {
    let rows: Vec<Value> = atlas
        .reporting
        .iter()
        .map(|f| {
            let (sites, read_as) = scope_sites(atlas, &f.scope);
            json!({
                "figure": f.figure,
                "reported": {
                    "value": f.value,
                    "unit": f.unit,
                    "qualifier": f.qualifier.as_str(),
                    "scope": f.scope,
                    "reported_date": f.reported_date,
                    "what": f.what,
                    "quote": f.quote,
                    "sources": f.source_urls,
                },
                "dataset": {
                    "scope_read_as": read_as,
                    "sites_in_scope": sites.len(),
                    "figures": dataset_for(atlas, f, &sites),
                },
                "power_if_built": power_for(atlas, f, &sites),
            })
        })
        .collect();
    json!({
        "source": "reporting.csv (headline figures of the public reporting, each with its quote and sources)",
        "figures": rows,
        "notes": "The dataset holds only the sites public sources name with a place; reporting figures rest on approvals and tenders the dataset may not see. power_if_built is an estimate at the parameters of power_assumptions.csv.",
    })
}
