//! `/analytics/...`: the figures behind the maps and plots, as JSON or CSV.

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::http::{
    csv_cell, get, link, negotiate, only_params, page_key, pairs, respond, Format, JSON,
};
use super::oas::{get_with, param, Paths};
use super::query;
use super::{ApiError, AppState};
use crate::analytics::{self, AnalyticsError, Level};
use crate::layers;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/analytics/counties",
        web::get().to(|r, s| units(r, s, Level::County)),
    )
    .route(
        "/analytics/prefectures",
        web::get().to(|r, s| units(r, s, Level::Prefecture)),
    )
    .route(
        "/analytics/provinces",
        web::get().to(|r, s| units(r, s, Level::Province)),
    )
    .route("/analytics/sites/{id}/power", web::get().to(site_power))
    .route(layers::PROGRAMMES_PATH, web::get().to(renewable_programmes))
    .route("/analytics/summary", web::get().to(summary))
    .route("/analytics/metrics", web::get().to(metrics));
}

/// The analytics entry points on the landing page.
pub fn links(base: &str) -> Vec<Value> {
    vec![
        link(
            format!("{base}/analytics/summary"),
            "related",
            JSON,
            "Summary: totals per province and the dataset against the public reporting",
        ),
        link(
            format!("{base}/analytics/counties"),
            "related",
            JSON,
            "Compute and power per county (also /analytics/prefectures, /analytics/provinces; f=csv)",
        ),
        link(
            format!("{base}/analytics/metrics"),
            "related",
            JSON,
            "The metric catalogue: every figure's name, unit, labels and levels",
        ),
    ]
}

/// The analytics paths in the OpenAPI document.
pub fn openapi_paths(paths: &mut Paths) {
    let province = || {
        param(
            "province",
            "Only this province (English name, e.g. Xinjiang)",
            json!({"type": "string"}),
        )
    };
    for (path, level, id) in [
        ("/analytics/counties", "county", "getCountyFigures"),
        (
            "/analytics/prefectures",
            "prefecture",
            "getPrefectureFigures",
        ),
        ("/analytics/provinces", "province", "getProvinceFigures"),
    ] {
        paths.insert(
            path.into(),
            get_with(
                &format!("Compute and power figures per {level} (sums count overlapping sites once; *_upper is the plain sum)"),
                id,
                true,
                vec![
                    province(),
                    param(
                        "sort",
                        "A metric of /analytics/metrics, `-` before it for descending",
                        json!({"type": "string"}),
                    ),
                    param(
                        "top",
                        "Keep the first N rows",
                        json!({"type": "integer", "minimum": 1, "maximum": 100000}),
                    ),
                ],
            ),
        );
    }
    paths.insert("/analytics/sites/{id}/power".into(), {
        let mut op = get_with(
            "Operating capacity by fuel around a site",
            "getSitePower",
            false,
            vec![param(
                "radius_km",
                "Radius around the site, km",
                json!({"type": "number"}),
            )],
        );
        if let Some(params) = op["get"]["parameters"].as_array_mut() {
            params.push(
                json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}),
            );
        }
        op
    });
    paths.insert(
        layers::PROGRAMMES_PATH.into(),
        get_with(
            "National plans and renewable programmes without a place of their own",
            "getRenewableProgrammes",
            true,
            vec![],
        ),
    );
    paths.insert(
        "/analytics/summary".into(),
        get_with(
            "Totals per province and the dataset against the public reporting",
            "getSummary",
            false,
            vec![province()],
        ),
    );
    paths.insert(
        "/analytics/metrics".into(),
        get_with("The metric catalogue", "getMetrics", false, vec![]),
    );
}

impl From<AnalyticsError> for ApiError {
    fn from(e: AnalyticsError) -> ApiError {
        match e {
            AnalyticsError::UnknownSite(_) => ApiError::not_found(e.to_string()),
            _ => ApiError::bad_request(e.to_string()),
        }
    }
}

fn csv_of(rows: &[serde_json::Map<String, Value>]) -> Result<String, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let header: Vec<String> = rows
        .first()
        .map(|r| r.keys().cloned().collect())
        .unwrap_or_default();
    let err = |e: csv::Error| ApiError::internal(format!("writing CSV failed: {e}"));
    w.write_record(&header).map_err(err)?;
    for r in rows {
        w.write_record(r.values().map(|v| csv_cell(Some(v))))
            .map_err(err)?;
    }
    String::from_utf8(
        w.into_inner()
            .map_err(|e| ApiError::internal(e.to_string()))?,
    )
    .map_err(|e| ApiError::internal(e.to_string()))
}

async fn units(
    req: HttpRequest,
    state: web::Data<AppState>,
    level: Level,
) -> Result<HttpResponse, ApiError> {
    let p = pairs(&req)?;
    only_params(&p, &["f", "province", "sort", "top"])?;
    let format = negotiate(&req, get(&p, "f"), true)?;
    let top = get(&p, "top")
        .map(|v| query::parse_uint("top", v, 1, 100_000))
        .transpose()?
        .map(|v| v as usize);
    let served = state.snapshot();
    // A table is sorted and serialised on request (milliseconds); the same request for the
    // same data gets the kept body.
    let body = state.cache.page(&served.version, &page_key(&req, format), || {
        let table = analytics::table(
            &served.atlas,
            level,
            get(&p, "province"),
            get(&p, "sort"),
            top,
        )?;
        if format == Format::Csv {
            let rows: Vec<_> = table.rows.iter().map(|r| r.0.clone()).collect();
            return Ok(csv_of(&rows)?.into());
        }
        Ok(json!({
            "level": table.level,
            "province": table.province,
            "sort": table.sort,
            "units": table.units,
            "returned": table.rows.len(),
            "known": table.known,
            "metrics": analytics::metrics(),
            "notes": "null means unknown (no site reports the figure, or no plant file is loaded), not zero",
            "rows": table.rows,
        })
        .to_string()
        .into())
    })?;
    if format == Format::Csv {
        let mut res = respond(&req, &served, "text/csv; charset=utf-8", body);
        // The column names stay the machine names (as in JSON and on the layers); what each
        // column means, and which are "at least" sums, is in the catalogue it links to.
        res.headers_mut().append(
            actix_web::http::header::LINK,
            actix_web::http::header::HeaderValue::from_static(
                "</analytics/metrics>; rel=\"describedby\"; type=\"application/json\"",
            ),
        );
        return Ok(res);
    }
    Ok(respond(&req, &served, JSON, body))
}

async fn site_power(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let p = pairs(&req)?;
    only_params(&p, &["f", "radius_km"])?;
    negotiate(&req, get(&p, "f"), false)?;
    let radius = match get(&p, "radius_km") {
        None => 100.0,
        Some(v) => match v.trim().parse::<f64>() {
            Ok(r) if r.is_finite() && r > 0.0 && r <= 1000.0 => r,
            _ => {
                return Err(ApiError::bad_request(format!(
                    "radius_km must be a number above 0 and at most 1000, got {v:?}"
                )))
            }
        },
    };
    let served = state.snapshot();
    let atlas = &served.atlas;
    let (i, power) = analytics::site_power(atlas, &path, radius)?;
    let s = &atlas.sites[i];
    let within = &power.within[0];
    let body = json!({
        "site": {"id": s.id, "name_en": s.name_en, "lon": s.lon, "lat": s.lat, "location_precision": s.location_precision.as_str()},
        "radius_km": radius,
        "plants_loaded": atlas.has_plants(),
        "operating_mw": if atlas.has_plants() { json!(within.total_mw) } else { Value::Null },
        "operating_plants": if atlas.has_plants() { json!(within.plants) } else { Value::Null },
        "by_fuel": within.by_fuel.iter().map(|(f, mw)| json!({"fuel": f.as_str(), "mw": mw})).collect::<Vec<_>>(),
        "nearest": power.nearest.iter().map(|n| json!({
            "fuel": n.fuel.as_str(), "plant_id": n.plant_id, "name": n.name,
            "capacity_mw": n.capacity_mw, "distance_km": (n.distance_km * 1000.0).round() / 1000.0,
        })).collect::<Vec<_>>(),
        "renewable_bases": atlas.base_cover.sites[i].iter().map(|&b| {
            let b = &atlas.renewable_bases[b];
            json!({"id": b.id, "name": b.name})
        }).collect::<Vec<_>>(),
        "notes": "Distances are geodesic (WGS84) from the site's point, which is an administrative seat, not the site itself. Operating capacity counts GEM trackers, and GPPD only for fuels no GEM tracker covers.",
    });
    Ok(respond(&req, &served, JSON, body.to_string()))
}

/// The renewable-base rows without a place: national plans, programme lists, unplaced clusters.
async fn renewable_programmes(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let p = pairs(&req)?;
    only_params(&p, &["f"])?;
    let format = negotiate(&req, get(&p, "f"), true)?;
    let served = state.snapshot();
    let rows = layers::renewable_programmes(&served.atlas);
    if format == Format::Csv {
        return Ok(respond(
            &req,
            &served,
            "text/csv; charset=utf-8",
            csv_of(&rows)?,
        ));
    }
    let body = json!({
        "returned": rows.len(),
        "notes": "Rows of renewable_bases.csv whose sources name no county or prefecture (national plans, multi-province batches, programme lists, clusters whose start area is not identified). The located bases are the collection renewable-bases. null means unknown; capacity_mw scopes differ: do not sum.",
        "rows": rows,
    });
    Ok(respond(&req, &served, JSON, body.to_string()))
}

async fn summary(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let p = pairs(&req)?;
    only_params(&p, &["f", "province"])?;
    negotiate(&req, get(&p, "f"), false)?;
    let served = state.snapshot();
    let atlas = &served.atlas;
    let body = state
        .cache
        .page(&served.version, &page_key(&req, Format::Json), || {
            let v = match get(&p, "province") {
                Some(list) => {
                    let names: Vec<&str> = list
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .collect();
                    analytics::summary(atlas, &names)?
                }
                None => json!({
                    "xinjiang_and_qinghai": analytics::summary(atlas, &["Xinjiang", "Qinghai"])?,
                    "xinjiang": analytics::summary(atlas, &["Xinjiang"])?,
                    "qinghai": analytics::summary(atlas, &["Qinghai"])?,
                    "all_western_provinces": analytics::summary(atlas, &[])?,
                    "reporting_vs_dataset": crate::reporting::reporting_vs_dataset(atlas),
                }),
            };
            Ok(v.to_string().into())
        })?;
    Ok(respond(&req, &served, JSON, body))
}

/// The metric catalogue: every unit metric with type, unit, labels, description, levels, default
/// classification and whether it is an at-least (deduplicated) sum.
async fn metrics(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let p = pairs(&req)?;
    only_params(&p, &["f"])?;
    negotiate(&req, get(&p, "f"), false)?;
    let served = state.snapshot();
    let body = crate::metrics::catalogue_json();
    Ok(respond(&req, &served, JSON, body.to_string()))
}
