//! `/analytics/power-estimate`, `/analytics/timeline`: the power-demand what-if and the
//! build-out over time (issue 12), computed from the snapshot per request.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::http::{csv_cell, get, link, negotiate, only_params, pairs, respond, Format, JSON};
use super::oas::{get_with, param, Paths};
use super::{ApiError, AppState};
use crate::atlas::demand::{
    check_override, chip_by_name, Basis, DemandModel, Overrides, ACCELERATORS_PER_SERVER,
    PUE_RANGE, UTILISATION_RANGE,
};
use crate::atlas::Atlas;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/analytics/power-estimate", web::get().to(power_estimate))
        .route("/analytics/timeline", web::get().to(timeline))
        .route("/analytics/power-balance", web::get().to(power_balance));
}

/// The power and timeline entry points on the landing page.
pub fn links(base: &str) -> Vec<Value> {
    vec![
        link(
            format!("{base}/analytics/power-estimate?chip_model=H100&chips=115000"),
            "related",
            JSON,
            "What-if: the power a number of chips or servers would draw (an estimate, with its parameters and sources)",
        ),
        link(
            format!("{base}/analytics/power-balance?level=province"),
            "related",
            JSON,
            "Estimated demand against local generation and curtailed energy (level=site|county|province; f=csv)",
        ),
        link(
            format!("{base}/analytics/timeline?by=year"),
            "related",
            JSON,
            "The build-out over time: sites and compute first reported, cumulative (by=month|quarter|year)",
        ),
    ]
}

/// The power and timeline paths in the OpenAPI document.
pub fn openapi_paths(paths: &mut Paths) {
    let range = |(lo, hi): (f64, f64)| json!({"type": "number", "minimum": lo, "maximum": hi});
    let overrides = || {
        vec![
            param(
                "pue",
                "Power usage effectiveness to use instead of the sourced range",
                range(PUE_RANGE),
            ),
            param(
                "utilisation",
                "Average draw as a share of maximum, instead of the sourced range",
                range(UTILISATION_RANGE),
            ),
        ]
    };
    let mut estimate = vec![
        param(
            "chip_model",
            "An accelerator of chips.csv or one of its aliases (e.g. H100)",
            json!({"type": "string"}),
        ),
        param(
            "chips",
            "Number of accelerators",
            json!({"type": "integer", "minimum": 1, "maximum": MAX_COUNT}),
        ),
        param(
            "servers",
            "Number of servers (8 accelerators each)",
            json!({"type": "integer", "minimum": 1, "maximum": MAX_COUNT}),
        ),
    ];
    estimate.extend(overrides());
    paths.insert(
        "/analytics/power-estimate".into(),
        get_with(
            "Power a number of chips or servers would draw: low, central and high estimates with every parameter and its source",
            "getPowerEstimate",
            false,
            estimate,
        ),
    );
    let mut balance = vec![param(
        "level",
        "Rows per site, county or province",
        json!({"type": "string", "enum": ["site", "county", "province"], "default": "county"}),
    )];
    balance.extend(overrides());
    paths.insert(
        "/analytics/power-balance".into(),
        get_with(
            "Estimated demand against local renewable generation and curtailed energy, with the plant files' coverage",
            "getPowerBalance",
            true,
            balance,
        ),
    );
    paths.insert(
        "/analytics/timeline".into(),
        get_with(
            "Sites and compute first reported over time, by status, cumulative; undated sites counted apart",
            "getTimeline",
            false,
            vec![
                param(
                    "by",
                    "Period",
                    json!({"type": "string", "enum": ["month", "quarter", "year"], "default": "year"}),
                ),
                param("province", "Only this province", json!({"type": "string"})),
            ],
        ),
    );
}

/// The model, or a 503-free explanation: without parameters the estimate cannot be made.
pub(super) fn model(atlas: &Atlas) -> Result<&DemandModel, ApiError> {
    atlas.demand_model.as_ref().ok_or_else(|| {
        ApiError::not_found(
            "power-demand estimates are not available: the data directory has no usable power_assumptions.csv",
        )
    })
}

fn number_in(name: &str, v: &str, range: (f64, f64)) -> Result<f64, ApiError> {
    check_override(name, v, range).map_err(|m| ApiError::bad_request(m).for_param(name))
}

/// `pue=` and `utilisation=` overrides, validated against their allowed ranges.
pub(super) fn overrides(p: &[(String, String)]) -> Result<Overrides, ApiError> {
    Ok(Overrides {
        pue: get(p, "pue")
            .map(|v| number_in("pue", v, PUE_RANGE))
            .transpose()?,
        utilisation: get(p, "utilisation")
            .map(|v| number_in("utilisation", v, UTILISATION_RANGE))
            .transpose()?,
    })
}

/// Largest count accepted: more accelerators than any plan reported anywhere, far below f64's
/// exact-integer range.
const MAX_COUNT: u64 = 100_000_000;

async fn power_estimate(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let p = pairs(&req)?;
    only_params(
        &p,
        &["f", "chip_model", "chips", "servers", "pue", "utilisation"],
    )?;
    negotiate(&req, get(&p, "f"), false)?;
    let served = state.snapshot();
    let atlas = &served.atlas;
    let model = model(atlas)?;
    let ov = overrides(&p)?;
    let known = || {
        atlas
            .chips
            .iter()
            .map(|c| {
                let mut names = vec![c.chip.clone()];
                names.extend(c.aliases.iter().cloned());
                names.join(" | ")
            })
            .collect::<Vec<_>>()
    };
    let name = get(&p, "chip_model").ok_or_else(|| {
        ApiError::bad_request(format!(
            "chip_model is required; known models (name | aliases): {}",
            known().join("; ")
        ))
        .for_param("chip_model")
    })?;
    let chip = chip_by_name(name, &atlas.chips).ok_or_else(|| {
        ApiError::bad_request(format!(
            "unknown chip_model {name:?}; known models (name | aliases): {}",
            known().join("; ")
        ))
        .for_param("chip_model")
    })?;
    if chip.tdp_w.is_none() {
        return Err(ApiError::bad_request(format!(
            "chips.csv gives no TDP for {}: its power cannot be estimated",
            chip.chip
        ))
        .for_param("chip_model"));
    }
    let count = |n: &str| {
        get(&p, n)
            .map(|v| {
                super::query::parse_uint(n, v, 1, MAX_COUNT)
                    .map_err(|e| ApiError::bad_request(e.0).for_param(n))
            })
            .transpose()
    };
    let (accelerators, basis) = match (count("chips")?, count("servers")?) {
        (Some(_), Some(_)) => return Err(ApiError::bad_request("give chips or servers, not both")),
        (Some(c), None) => (c as f64, Basis::Chips),
        (None, Some(s)) => (s as f64 * ACCELERATORS_PER_SERVER, Basis::Servers),
        (None, None) => {
            return Err(ApiError::bad_request(format!(
                "chips or servers is required (a whole number from 1 to {MAX_COUNT})"
            )))
        }
    };
    let est = model
        .for_chips(&[chip], accelerators, basis, ov)
        .ok_or_else(|| ApiError::bad_request("the estimate could not be formed for this model"))?;
    let body = json!({
        "estimate": true,
        "chip_model": chip.chip,
        "basis": est.basis,
        "accelerators": est.accelerators,
        "power_mw": est.power_mw,
        "energy_gwh_per_year": est.energy_gwh_per_year,
        "parameters": est.parameters,
        "allowed_overrides": {
            "pue": {"min": PUE_RANGE.0, "max": PUE_RANGE.1},
            "utilisation": {"min": UTILISATION_RANGE.0, "max": UTILISATION_RANGE.1},
        },
        "notes": "An estimate, not a reported figure: average facility draw = accelerators × chip TDP × server overhead × utilisation (average draw as a share of the servers' rated maximum) × PUE; energy = power × hours per year. Servers are 8-accelerator systems. Each parameter lists how its range was formed and its sources.",
    });
    Ok(respond(&req, &served, JSON, body.to_string()))
}

async fn timeline(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let p = pairs(&req)?;
    only_params(&p, &["f", "by", "province"])?;
    negotiate(&req, get(&p, "f"), false)?;
    let by = match get(&p, "by").unwrap_or("year") {
        "month" => crate::timeline::Step::Month,
        "quarter" => crate::timeline::Step::Quarter,
        "year" => crate::timeline::Step::Year,
        other => {
            return Err(ApiError::bad_request(format!(
                "by must be month, quarter or year, got {other:?}"
            ))
            .for_param("by"))
        }
    };
    let served = state.snapshot();
    let t = crate::timeline::timeline(&served.atlas, by, get(&p, "province"))
        .map_err(|e| ApiError::bad_request(e.to_string()).for_param("province"))?;
    let body: Value = serde_json::to_value(&t).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(respond(&req, &served, JSON, body.to_string()))
}

/// Flattens nested objects into `a_b` keys, for the CSV form.
fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}_{k}")
                };
                flatten(&key, x, out);
            }
        }
        other => out.push((prefix.to_string(), other.clone())),
    }
}

async fn power_balance(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let p = pairs(&req)?;
    only_params(&p, &["f", "level", "pue", "utilisation"])?;
    let format = negotiate(&req, get(&p, "f"), true)?;
    let level_text = get(&p, "level").unwrap_or("county");
    let level = crate::balance::BalanceLevel::parse(level_text).ok_or_else(|| {
        ApiError::bad_request(format!(
            "level must be site, county or province, got {level_text:?}"
        ))
        .for_param("level")
    })?;
    let ov = overrides(&p)?;
    let served = state.snapshot();
    let atlas = &served.atlas;
    model(atlas)?;
    let rows = crate::balance::balance(atlas, level, ov);
    let values: Vec<Value> = rows
        .iter()
        .map(serde_json::to_value)
        .collect::<Result<_, _>>()
        .map_err(|e| ApiError::internal(e.to_string()))?;
    if format == Format::Csv {
        let err = |e: csv::Error| ApiError::internal(format!("writing CSV failed: {e}"));
        // Optional parts (a statistic that is unknown) flatten to fewer keys: the header is the
        // union of every row's keys, in first-seen order, and a missing key is an empty cell.
        let flat: Vec<Vec<(String, Value)>> = values
            .iter()
            .map(|v| {
                let mut f = Vec::new();
                flatten("", v, &mut f);
                f
            })
            .collect();
        let mut header: Vec<&str> = Vec::new();
        for (k, _) in flat.iter().flatten() {
            if !header.contains(&k.as_str()) {
                header.push(k);
            }
        }
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&header).map_err(err)?;
        for row in &flat {
            let cell = |k: &str| row.iter().find(|(x, _)| x == k).map(|(_, v)| v);
            w.write_record(header.iter().map(|k| csv_cell(cell(k))))
                .map_err(err)?;
        }
        let body = String::from_utf8(
            w.into_inner()
                .map_err(|e| ApiError::internal(e.to_string()))?,
        )
        .map_err(|e| ApiError::internal(e.to_string()))?;
        return Ok(respond(&req, &served, "text/csv; charset=utf-8", body));
    }
    let (pue, fraction) = model(atlas)?.overridden(ov);
    let body = json!({
        "level": level,
        "estimate": true,
        "plants_loaded": atlas.has_plants(),
        "returned": rows.len(),
        "parameters": [pue, fraction],
        "notes": "demand_mw is an estimate (see /analytics/power-estimate for its parameters). Generation = capacity × utilisation hours over the period the hours cover (not annualised); demand energy is given over the same hours. Each statistic names its level (province, or national as a fallback) and period. Plant files hold few wind and solar farms: coverage gives the share of the province's reported capacity they hold; the province level uses the provincial statistics where they exist. null means unknown.",
        "rows": values,
    });
    Ok(respond(&req, &served, JSON, body.to_string()))
}
