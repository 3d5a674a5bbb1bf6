//! The power-demand properties of the `sites` layer (issue 12): the estimate's range and basis,
//! kept apart from the site's reported figures.

use serde_json::{json, Map, Value};

use super::{opt_num, p, q, round, PropDef, PropType};
use crate::atlas::Atlas;

/// The properties, in layer order.
pub fn site_demand_props() -> Vec<PropDef> {
    use PropType::*;
    vec![
        p("power_mw_low", Number, "Estimate, low: power the site would draw (average facility draw), MW; null when not estimated"),
        p("power_mw_central", Number, "Estimate, central: power the site would draw, MW; null when not estimated"),
        p("power_mw_high", Number, "Estimate, high: power the site would draw, MW; null when not estimated"),
        q("power_basis", String, "What the estimate rests on: reported_power_mw, chips, servers or pflops (with a known chip model); empty when not estimated"),
        p("power_chip_model", String, "chips.csv model(s) the estimate used, ' | '-separated; null when none"),
        p("energy_gwh_per_year_central", Number, "Estimate, central: annual energy at that draw, GWh per year; null when not estimated"),
    ]
}

/// Inserts the properties of site `i`.
pub fn insert_site_demand(atlas: &Atlas, i: usize, m: &mut Map<String, Value>) {
    let e = atlas.site_demand.get(i).and_then(Option::as_ref);
    let r =
        |f: fn(&crate::atlas::demand::Range) -> f64| opt_num(e.map(|e| round(f(&e.power_mw), 3)));
    m.insert("power_mw_low".into(), r(|r| r.low));
    m.insert("power_mw_central".into(), r(|r| r.central));
    m.insert("power_mw_high".into(), r(|r| r.high));
    m.insert(
        "power_basis".into(),
        json!(e.map_or("", |e| e.basis.as_str())),
    );
    m.insert(
        "power_chip_model".into(),
        match e {
            Some(e) if !e.chip_models.is_empty() => json!(e.chip_models.join(" | ")),
            _ => Value::Null,
        },
    );
    m.insert(
        "energy_gwh_per_year_central".into(),
        opt_num(e.map(|e| round(e.energy_gwh_per_year.central, 3))),
    );
}
