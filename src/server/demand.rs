//! `/analytics/power-estimate`, `/analytics/timeline`: the power-demand what-if and the
//! build-out over time (issue 12), computed from the snapshot per request.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::http::{get, negotiate, only_params, pairs, respond, JSON};
use super::{ApiError, AppState};
use crate::atlas::demand::{
    chip_by_name, Basis, DemandModel, Overrides, ACCELERATORS_PER_SERVER, PUE_RANGE,
    UTILISATION_RANGE,
};
use crate::atlas::Atlas;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/analytics/power-estimate", web::get().to(power_estimate))
        .route("/analytics/timeline", web::get().to(timeline));
}

/// The model, or a 503-free explanation: without parameters the estimate cannot be made.
pub(super) fn model(atlas: &Atlas) -> Result<&DemandModel, ApiError> {
    atlas.demand_model.as_ref().ok_or_else(|| {
        ApiError::not_found(
            "power-demand estimates are not available: the data directory has no usable power_assumptions.csv",
        )
    })
}

fn number_in(name: &str, v: &str, (lo, hi): (f64, f64)) -> Result<f64, ApiError> {
    match v.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x >= lo && x <= hi => Ok(x),
        _ => Err(ApiError::bad_request(format!(
            "{name} must be a number from {lo} to {hi}, got {v:?}"
        ))
        .for_param(name)),
    }
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
