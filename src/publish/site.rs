//! The folder's files beside the archives: the pages and their assets, the downloads, the
//! analytics tables, the plots, the data version and the attribution. Each body is asked of an
//! in-process instance of the server (actix's test service: no socket), so it is what the live
//! service sends; only the `links` (absolute URLs of the live API) are left out.

use std::path::Path;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::web::Bytes;
use actix_web::{test, web};
use serde_json::{json, Value};

use super::archive::map_query;
use super::{ArchiveReport, PublishError, PublishOptions, SecondsReport};
use crate::atlas::AtlasConfig;
use crate::layers::Layer;
use crate::plot::PlotKind;
use crate::server::webmap::{asset_files, page_html, with_meta};
use crate::server::{app, tile_selection, AppState, Served, WebConfig};

/// What `write_site` wrote, for the report.
pub(super) struct Written {
    pub plots: u64,
}

/// Plot size in the folder: the live page's "full size" link.
const PLOT_SIZE: (u32, u32) = (1200, 900);

fn write(out: &Path, rel: &str, body: &[u8]) -> Result<(), PublishError> {
    let path = out.join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| PublishError::io(dir, e))?;
    }
    std::fs::write(&path, body).map_err(|e| PublishError::io(&path, e))
}

/// `GET uri` of the in-process server; the body of a 200, else why not.
async fn fetch<S, B>(app: &S, uri: &str) -> Result<Bytes, PublishError>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let resp = test::call_service(app, test::TestRequest::get().uri(uri).to_request()).await;
    let status = resp.status().as_u16();
    let body = test::read_body(resp).await;
    if status != 200 {
        return Err(PublishError::Response {
            url: uri.to_string(),
            status,
            body: String::from_utf8_lossy(&body).chars().take(300).collect(),
        });
    }
    Ok(body)
}

async fn fetch_json<S, B>(app: &S, uri: &str) -> Result<Value, PublishError>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let body = fetch(app, uri).await?;
    serde_json::from_slice(&body).map_err(|e| PublishError::Response {
        url: uri.to_string(),
        status: 200,
        body: format!("not JSON: {e}"),
    })
}

/// `fetch_json`, but `None` for a 404 (a part this atlas lacks).
async fn fetch_json_optional<S, B>(app: &S, uri: &str) -> Result<Option<Value>, PublishError>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    match fetch_json(app, uri).await {
        Err(PublishError::Response { status: 404, .. }) => Ok(None),
        other => other.map(Some),
    }
}

/// `v` without the live API's `links` (top level and one level down, e.g. each collection):
/// they are absolute URLs of a server the folder does not have.
fn without_links(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.remove("links");
        for child in o.values_mut() {
            if let Some(items) = child.as_array_mut() {
                for item in items {
                    if let Some(io) = item.as_object_mut() {
                        io.remove("links");
                    }
                }
            }
        }
    }
    v
}

fn json_bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

/// Every feature of a collection, page by page (the API gives at most 10,000 a page), as one
/// FeatureCollection and one CSV.
async fn download<S, B>(app: &S, id: &str) -> Result<(Value, Vec<u8>), PublishError>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    const PAGE: u64 = 10_000;
    let mut features = Vec::new();
    let mut csv = Vec::new();
    let mut offset = 0u64;
    loop {
        let page = fetch_json(
            app,
            &format!("/collections/{id}/items?f=json&limit={PAGE}&offset={offset}"),
        )
        .await?;
        let n = page["features"].as_array().map_or(0, Vec::len) as u64;
        let matched = page["numberMatched"].as_u64().unwrap_or(n);
        if let Some(f) = page["features"].as_array() {
            features.extend(f.iter().cloned());
        }
        let text = fetch(
            app,
            &format!("/collections/{id}/items?f=csv&limit={PAGE}&offset={offset}"),
        )
        .await?;
        // The header row once: later pages start after their first line (names hold no newline).
        let skip = if offset == 0 {
            0
        } else {
            text.iter().position(|&b| b == b'\n').map_or(0, |i| i + 1)
        };
        csv.extend_from_slice(&text[skip..]);
        offset += n;
        if n == 0 || offset >= matched {
            break;
        }
    }
    let total = features.len();
    Ok((
        json!({
            "type": "FeatureCollection",
            "numberMatched": total,
            "numberReturned": total,
            "features": features,
        }),
        csv,
    ))
}

/// The plants the map draws (its tile query) per fuel: what the live page asks the API for its
/// legend (`numberMatched` of the same filter and `fuel=...`).
fn plant_counts(plants: &Layer) -> Result<Value, PublishError> {
    let query = map_query(plants.id).unwrap_or_default();
    let selection = tile_selection(plants, query).map_err(|e| PublishError::Archive {
        path: "data/map/plant-counts.json".into(),
        reason: format!("tile query `{query}`: {e}"),
    })?;
    let mut counts = serde_json::Map::new();
    for f in plants.features.iter().filter(|f| selection.keeps(f)) {
        if let Some(fuel) = f.properties.get("fuel").and_then(Value::as_str) {
            let n = counts.entry(fuel).or_insert(json!(0));
            *n = json!(n.as_u64().unwrap_or(0) + 1);
        }
    }
    Ok(Value::Object(counts))
}

/// The map archives' deepest zoom and extent (they all start at zoom 0), per collection, for the page's head: with them the
/// map makes its sources at once (tile URLs its workers read from the archives) instead of
/// first reading each archive's header on the main thread, where the reply waits behind the
/// frames being drawn.
fn map_archives(archives: &[ArchiveReport]) -> String {
    let by_id: serde_json::Map<String, Value> = archives
        .iter()
        .filter(|a| a.query.is_some())
        .map(|a| {
            let id = a.collection.clone();
            (id, json!({"maxzoom": a.max_zoom, "bounds": a.bounds}))
        })
        .collect();
    Value::Object(by_id).to_string()
}

fn attribution(served: &Served) -> String {
    let mut md = format!(
        "# Sources and attribution\n\nData version `{}`. Each layer's sources and licences, as the \
         live atlas states them (`/collections`):\n\n",
        served.version
    );
    for l in &served.layers {
        md.push_str(&format!(
            "## {} (`{}`)\n\n{}\n\n",
            l.title, l.id, l.attribution
        ));
    }
    md.push_str("Map software: MapLibre GL JS (BSD-3-Clause), PMTiles (BSD-3-Clause).\n");
    md
}

/// Writes everything but the archives.
pub(super) fn write_site(
    served: Served,
    config: AtlasConfig,
    options: &PublishOptions,
    archives: &[ArchiveReport],
    seconds: &mut SecondsReport,
) -> Result<Written, PublishError> {
    let out = options.out.clone();
    let html = page_html().ok_or(PublishError::NoWebMap)?;
    if !html.contains("<script") {
        return Err(PublishError::NoWebMap);
    }
    let version = served.version.clone();
    let map_tiles = map_archives(archives);
    for (file, mode) in [("index.html", "map"), ("embed.html", "embed")] {
        let page = with_meta(
            &html,
            &[
                ("compute-atlas-version", version.as_str()),
                ("compute-atlas-mode", mode),
                ("compute-atlas-source", "static"),
                ("compute-atlas-tiles", map_tiles.as_str()),
            ],
        );
        write(&out, file, page.as_bytes())?;
    }
    for (path, bytes) in asset_files() {
        if path.starts_with("assets/") {
            write(&out, &path, &bytes)?;
        }
    }
    write(&out, "ATTRIBUTION.md", attribution(&served).as_bytes())?;
    let layer_ids: Vec<String> = served.layers.iter().map(|l| l.id.to_string()).collect();
    let plant_counts = served.layer("power-plants").map(plant_counts).transpose()?;
    let state = web::Data::new(AppState::new(served, config).with_font(options.font.clone()));
    let web_config = web::Data::new(WebConfig { basemap: None });
    let archives: Vec<Value> = archives
        .iter()
        .map(|a| json!({"collection": a.collection, "path": a.path, "query": a.query, "max_zoom": a.max_zoom, "tiles": a.tiles, "bytes": a.bytes}))
        .collect();

    actix_web::rt::System::new().block_on(async move {
        let svc = test::init_service(app(state, web_config, None)).await;
        let t = std::time::Instant::now();
        let mut dv = fetch_json(&svc, "/data-version").await?;
        dv["archives"] = json!(archives);
        dv["generator"] = json!(concat!("compute-atlas ", env!("CARGO_PKG_VERSION")));
        write(&out, "data-version.json", &json_bytes(&dv))?;
        let collections = without_links(fetch_json(&svc, "/collections?f=json").await?);
        write(&out, "data/collections.json", &json_bytes(&collections))?;
        if let Some(counts) = &plant_counts {
            write(&out, "data/map/plant-counts.json", &json_bytes(counts))?;
        }
        for id in &layer_ids {
            let (geojson, csv) = download(&svc, id).await?;
            write(&out, &format!("data/{id}.geojson"), &json_bytes(&geojson))?;
            write(&out, &format!("data/{id}.csv"), &csv)?;
        }
        // What the live page reads at start, as it asks for it (0.1° outlines for labels).
        for id in ["provinces", "renewable-bases"] {
            if layer_ids.iter().any(|l| l == id) {
                let v = fetch_json(
                    &svc,
                    &format!("/collections/{id}/items?f=json&limit=10000&precision=1"),
                )
                .await?;
                write(
                    &out,
                    &format!("data/map/{id}.geojson"),
                    &json_bytes(&without_links(v)),
                )?;
            }
        }
        for level in ["counties", "prefectures", "provinces"] {
            let v = fetch_json(&svc, &format!("/analytics/{level}?sort=-sites&top=100000")).await?;
            write(
                &out,
                &format!("data/analytics/{level}.json"),
                &json_bytes(&without_links(v)),
            )?;
            let csv = fetch(
                &svc,
                &format!("/analytics/{level}?f=csv&sort=-sites&top=100000"),
            )
            .await?;
            write(&out, &format!("data/analytics/{level}.csv"), &csv)?;
        }
        for (name, uri) in [
            ("summary", "/analytics/summary"),
            ("metrics", "/analytics/metrics"),
            ("renewable-programmes", crate::layers::PROGRAMMES_PATH),
        ] {
            let v = fetch_json(&svc, uri).await?;
            write(
                &out,
                &format!("data/analytics/{name}.json"),
                &json_bytes(&without_links(v)),
            )?;
        }
        for level in ["county", "province", "site"] {
            let uri = format!("/analytics/power-balance?level={level}");
            // No power_assumptions.csv, no demand model: the server answers 404, and the
            // folder has no balance, as the live atlas has none.
            let Some(v) = fetch_json_optional(&svc, &uri).await? else {
                tracing::warn!("no power-demand model: the folder has no power balance");
                break;
            };
            let name = format!("data/analytics/power-balance-{level}");
            write(
                &out,
                &format!("{name}.json"),
                &json_bytes(&without_links(v)),
            )?;
            let csv = fetch(&svc, &format!("{uri}&f=csv")).await?;
            write(&out, &format!("{name}.csv"), &csv)?;
        }
        for by in ["month", "quarter", "year"] {
            let v = fetch_json(&svc, &format!("/analytics/timeline?by={by}")).await?;
            write(
                &out,
                &format!("data/analytics/timeline-{by}.json"),
                &json_bytes(&without_links(v)),
            )?;
        }
        seconds.data = t.elapsed().as_secs_f64();

        let t = std::time::Instant::now();
        let mut index = Vec::new();
        for kind in PlotKind::ALL {
            for lang in ["en", "zh"] {
                let mut entry =
                    json!({"kind": kind.as_str(), "metric": null, "province": null, "lang": lang});
                for ext in ["png", "svg"] {
                    let (w, h) = PLOT_SIZE;
                    let body = fetch(
                        &svc,
                        &format!(
                            "/plots/{}.{ext}?lang={lang}&width={w}&height={h}",
                            kind.as_str()
                        ),
                    )
                    .await?;
                    let rel = format!("plots/{}-{lang}.{ext}", kind.as_str());
                    write(&out, &rel, &body)?;
                    entry[ext] = json!(rel);
                }
                index.push(entry);
            }
        }
        write(
            &out,
            "plots/index.json",
            &json_bytes(&json!({"plots": index})),
        )?;
        seconds.plots = t.elapsed().as_secs_f64();
        Ok(Written {
            plots: index.len() as u64 * 2,
        })
    })
}
