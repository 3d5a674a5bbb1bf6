//! OGC API - Tiles, Part 1: vector tiles (MVT) of every collection with geometry, on the
//! `WebMercatorQuad` tile matrix set, plus a TileJSON 3.0 view of each tileset for web maps.
//!
//! A tile takes the same selection as items (`datetime`, `properties`, queryable property
//! filters), so a map can ask for "operating coal plants" tiles as it would for features.

use actix_web::http::StatusCode;
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

pub mod openapi;
mod pages;

use super::cache::Rendered;
use super::html::respond_html;
use super::http::{
    base_url, get, json_or_html, link, negotiate_html, only_params, pairs, respond, Format, JSON,
    VERSION_PARAM,
};
use super::layer::{find_layer, parse_selection, schema, FILTER_PARAMS};
use super::{ApiError, AppState, Served};
use crate::layers::{GeometryKind, Layer, PropType};
use crate::tiles::{self, TileError, TileId, MAX_ZOOM};

pub const MVT: &str = "application/vnd.mapbox-vector-tile";
pub const TMS_ID: &str = "WebMercatorQuad";
const TMS_URI: &str = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad";
const EPSG_3857: &str = "http://www.opengis.net/def/crs/EPSG/0/3857";
const HTML: &str = "text/html";
/// Half the side of the Web Mercator square, metres.
const HALF_WORLD_M: f64 = 20_037_508.342_789_244;

pub const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tileset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilesets-list",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/geodata-tilesets",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/tilematrixset",
    "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/mvt",
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/tileMatrixSets", web::get().to(matrix_sets))
        .route("/tileMatrixSets/{tms}", web::get().to(matrix_set))
        .route("/collections/{id}/tiles", web::get().to(tilesets))
        .route("/collections/{id}/tiles/{tms}", web::get().to(tileset))
        .route(
            "/collections/{id}/tiles/{tms}/{z}/{y}/{x}",
            web::get().to(tile),
        );
}

/// The landing page's links to this part.
pub fn links(base: &str) -> Vec<Value> {
    vec![link(
        format!("{base}/tileMatrixSets"),
        "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes",
        JSON,
        "Tile matrix sets of the vector tiles",
    )]
}

impl From<TileError> for ApiError {
    fn from(e: TileError) -> ApiError {
        match e {
            TileError::Encode { .. } => ApiError::internal(e.to_string()).caused_by(e),
            // OGC API - Tiles: a tile outside the matrix set's limits is "not found".
            _ => ApiError::not_found(e.to_string()).caused_by(e),
        }
    }
}

fn tiled_layer<'a>(served: &'a Served, id: &str) -> Result<&'a Layer, ApiError> {
    let layer = find_layer(served, id)?;
    if layer.geometry == GeometryKind::None {
        return Err(ApiError::not_found(format!(
            "collection `{id}` has no geometry, so no tiles; its items are at /collections/{id}/items"
        )));
    }
    Ok(layer)
}

fn check_tms(tms: &str) -> Result<(), ApiError> {
    if tms == TMS_ID {
        Ok(())
    } else {
        Err(ApiError::not_found(format!(
            "tile matrix set `{tms}` is not offered; use {TMS_ID}"
        )))
    }
}

fn tms_json(base: &str) -> Value {
    let matrices: Vec<Value> = (0..=MAX_ZOOM)
        .map(|z| {
            let n = 1u64 << z;
            let cell = 2.0 * HALF_WORLD_M / 256.0 / n as f64;
            // TMS 2.0 names, plus the 1.0 ones (`identifier`, `topLeftCorner`) that GDAL before
            // 3.8 reads.
            json!({
                "id": z.to_string(),
                "identifier": z.to_string(),
                "topLeftCorner": [-HALF_WORLD_M, HALF_WORLD_M],
                "scaleDenominator": cell / 0.000_28,
                "cellSize": cell,
                "cornerOfOrigin": "topLeft",
                "pointOfOrigin": [-HALF_WORLD_M, HALF_WORLD_M],
                "tileWidth": 256,
                "tileHeight": 256,
                "matrixWidth": n,
                "matrixHeight": n,
            })
        })
        .collect();
    json!({
        "id": TMS_ID,
        "title": "Google Maps Compatible for the World",
        "uri": TMS_URI,
        "crs": EPSG_3857,
        "identifier": TMS_ID,
        "supportedCRS": EPSG_3857,
        "boundingBox": {"type": "BoundingBoxType", "crs": EPSG_3857, "lowerCorner": [-HALF_WORLD_M, -HALF_WORLD_M], "upperCorner": [HALF_WORLD_M, HALF_WORLD_M]},
        "orderedAxes": ["X", "Y"],
        "wellKnownScaleSet": "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible",
        "tileMatrices": matrices,
        "links": [
            link(format!("{base}/tileMatrixSets/{TMS_ID}"), "self", JSON, "This tile matrix set"),
            link(format!("{base}/tileMatrixSets/{TMS_ID}?f=html"), "alternate", HTML, "This tile matrix set as HTML"),
        ],
    })
}

async fn matrix_sets(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let format = json_or_html(&req)?;
    let served = state.snapshot();
    let base = base_url(&req);
    let body = json!({
        "links": [
            link(format!("{base}/tileMatrixSets"), "self", JSON, "The tile matrix sets"),
            link(format!("{base}/tileMatrixSets?f=html"), "alternate", HTML, "The tile matrix sets as HTML"),
        ],
        "tileMatrixSets": [{
            "id": TMS_ID,
            "title": "Google Maps Compatible for the World",
            "uri": TMS_URI,
            "crs": EPSG_3857,
            "links": [link(format!("{base}/tileMatrixSets/{TMS_ID}"), "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", JSON, "WebMercatorQuad definition")],
        }],
    });
    if format == Format::Html {
        return respond_html(&req, &served, &pages::matrix_sets(&base, &body));
    }
    Ok(respond(&req, &served, JSON, body.to_string()))
}

async fn matrix_set(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let format = json_or_html(&req)?;
    check_tms(&path)?;
    let served = state.snapshot();
    let base = base_url(&req);
    let doc = tms_json(&base);
    if format == Format::Html {
        return respond_html(&req, &served, &pages::matrix_set(&base, &doc));
    }
    Ok(respond(&req, &served, JSON, doc.to_string()))
}

fn tile_template(base: &str, id: &str) -> String {
    format!("{base}/collections/{id}/tiles/{TMS_ID}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}")
}

fn tileset_summary(layer: &Layer, base: &str) -> Value {
    let id = layer.id;
    json!({
        "title": format!("{} (vector tiles)", layer.title),
        "dataType": "vector",
        "crs": EPSG_3857,
        "tileMatrixSetURI": TMS_URI,
        "links": [
            link(format!("{base}/collections/{id}/tiles/{TMS_ID}"), "self", JSON, "Tileset metadata"),
            link(format!("{base}/collections/{id}/tiles/{TMS_ID}?f=html"), "alternate", HTML, "Tileset metadata as HTML"),
            link(format!("{base}/tileMatrixSets/{TMS_ID}"), "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme", JSON, "The tile matrix set"),
            json!({"href": tile_template(base, id), "rel": "item", "type": MVT, "templated": true, "title": "Tiles (Mapbox Vector Tile)"}),
        ],
    })
}

/// Links a collection document carries to its tilesets (used by `features`).
pub fn collection_links(layer: &Layer, base: &str) -> Vec<Value> {
    if layer.geometry == GeometryKind::None {
        return Vec::new();
    }
    vec![link(
        format!("{base}/collections/{}/tiles", layer.id),
        "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
        JSON,
        "Vector tilesets",
    )]
}

async fn tilesets(
    req: HttpRequest,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let format = json_or_html(&req)?;
    let served = state.snapshot();
    let layer = tiled_layer(&served, &path)?;
    let base = base_url(&req);
    let body = json!({
        "links": [
            link(format!("{base}/collections/{}/tiles", layer.id), "self", JSON, "Tilesets of this collection"),
            link(format!("{base}/collections/{}/tiles?f=html", layer.id), "alternate", HTML, "Tilesets of this collection as HTML"),
        ],
        "tilesets": [tileset_summary(layer, &base)],
    });
    if format == Format::Html {
        return respond_html(&req, &served, &pages::tilesets(layer, &base, &body));
    }
    Ok(respond(&req, &served, JSON, body.to_string()))
}

fn tilejson_type(kind: PropType) -> &'static str {
    match kind {
        PropType::String => "String",
        PropType::Boolean => "Boolean",
        PropType::Integer | PropType::Number => "Number",
    }
}

async fn tileset(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (id, tms) = path.into_inner();
    let p = pairs(&req)?;
    only_params(&p, &["f"])?;
    let tilejson = get(&p, "f") == Some("tilejson");
    let format = if tilejson {
        Format::Json
    } else {
        negotiate_html(&req, get(&p, "f"), false).map_err(|_| {
            ApiError::not_acceptable(
                "f: use json (OGC tileset metadata), tilejson (TileJSON 3.0) or html",
            )
        })?
    };
    let served = state.snapshot();
    let layer = tiled_layer(&served, &id)?;
    check_tms(&tms)?;
    let base = base_url(&req);
    let bounds = layer.extent.unwrap_or([-180.0, -85.0, 180.0, 85.0]);
    let body = if tilejson {
        let fields = layer
            .properties
            .iter()
            .map(|d| (d.name.to_string(), tilejson_type(d.kind).to_string()))
            .collect();
        let mut vector_layer = tilejson::VectorLayer::new(layer.id.to_string(), fields);
        vector_layer.description = Some(layer.title.to_string());
        vector_layer.minzoom = Some(0);
        vector_layer.maxzoom = Some(MAX_ZOOM);
        let doc = tilejson::tilejson! {
            // Pinned to the data version: the tiles are cached as immutable under it.
            tiles: vec![format!("{base}/collections/{}/tiles/{TMS_ID}/{{z}}/{{y}}/{{x}}?{VERSION_PARAM}={}", layer.id, served.version)],
            name: layer.title.to_string(),
            description: layer.description.to_string(),
            attribution: layer.attribution.to_string(),
            minzoom: 0,
            maxzoom: MAX_ZOOM,
            bounds: tilejson::Bounds::new(bounds[0], bounds[1], bounds[2], bounds[3]),
            center: tilejson::Center::new((bounds[0] + bounds[2]) / 2.0, (bounds[1] + bounds[3]) / 2.0, 4),
            vector_layers: vec![vector_layer],
        };
        serde_json::to_value(doc)?
    } else {
        let mut v = tileset_summary(layer, &base);
        v["description"] = Value::from(layer.description.clone());
        v["attribution"] = Value::from(layer.attribution.clone());
        v["boundingBox"] = json!({
            "lowerLeft": [bounds[0], bounds[1]],
            "upperRight": [bounds[2], bounds[3]],
            "crs": crate::crs::Crs::CRS84_URI,
        });
        // The rows and columns holding the layer at each zoom, so clients need not probe.
        v["tileMatrixSetLimits"] = (0..=MAX_ZOOM)
            .map(|z| {
                let (nw, se) = TileId::corners(z, bounds);
                json!({"tileMatrix": z.to_string(), "minTileRow": nw.y, "maxTileRow": se.y, "minTileCol": nw.x, "maxTileCol": se.x})
            })
            .collect();
        v["layers"] = json!([{
            "id": layer.id,
            "title": layer.title,
            "dataType": "vector",
            "geometryDimension": if layer.geometry == GeometryKind::Point { 0 } else { 2 },
            "minTileMatrix": "0",
            "maxTileMatrix": MAX_ZOOM.to_string(),
            "propertiesSchema": schema(layer, false, &base),
        }]);
        v
    };
    if format == Format::Html {
        return respond_html(&req, &served, &pages::tileset(layer, &base, &body));
    }
    Ok(respond(&req, &served, JSON, body.to_string()))
}

fn parse_index(name: &str, v: &str) -> Result<u32, ApiError> {
    v.parse::<u32>().map_err(|_| {
        ApiError::bad_request(format!(
            "{name} `{v}` is not a whole number (path: /collections/ID/tiles/{TMS_ID}/tileMatrix/tileRow/tileCol)"
        ))
    })
}

async fn tile(
    req: HttpRequest,
    path: web::Path<(String, String, String, String, String)>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (id, tms, z, y, x) = path.into_inner();
    let served = state.snapshot();
    let layer = tiled_layer(&served, &id)?;
    check_tms(&tms)?;
    let t = TileId::new(
        parse_index("tileMatrix", &z)?,
        parse_index("tileCol", &x)?,
        parse_index("tileRow", &y)?,
    )?;
    let p = pairs(&req)?;
    for (k, _) in &p {
        let known = matches!(k.as_str(), "f" | "datetime" | "properties" | VERSION_PARAM)
            || FILTER_PARAMS.contains(&k.as_str())
            || layer.property(k).is_some_and(|d| d.queryable);
        if !known {
            return Err(ApiError::bad_request(format!(
                "unknown parameter `{k}`; tiles accept f=mvt, datetime, properties, filter, filter-lang, filter-crs, v (data version) and the queryable properties of `{}`",
                layer.id
            )));
        }
    }
    if let Some(f) = get(&p, "f").filter(|f| *f != "mvt") {
        return Err(ApiError::not_acceptable(format!(
            "f={f}: tiles are Mapbox Vector Tiles only (f=mvt)"
        )));
    }
    let sel = parse_selection(layer, &p)?;
    // The version pin is not part of the tile: `?v=` and no `v` share one render.
    let unpinned: Vec<String> = p
        .iter()
        .filter(|(k, _)| k != VERSION_PARAM)
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let resource = format!("{}?{}", req.path(), unpinned.join("&"));
    let render = async {
        // A low-zoom tile of a big layer takes tens of milliseconds: make it on the blocking
        // pool, a few at a time, so the request workers keep answering.
        let permit = state.tile_slots.clone().acquire_owned().await?;
        let snapshot = served.clone();
        let layer_id = layer.id;
        let tile = web::block(move || {
            let _permit = permit;
            let layer = snapshot.layer(layer_id).ok_or_else(|| {
                ApiError::internal(format!("layer `{layer_id}` left its snapshot"))
            })?;
            Ok::<_, ApiError>(tiles::layer_tile(
                layer,
                t,
                |f| sel.keeps(f),
                sel.properties.as_deref(),
            )?)
        })
        .await??;
        Ok(Bytes::from(tile))
    };
    let bytes = state
        .cache
        .get_or_render(Rendered::Tile, &served.version, &resource, render)
        .await?;
    if bytes.is_empty() {
        // No feature here: 204, which MapLibre, OpenLayers and GDAL read as an empty tile.
        let mut r = respond(&req, &served, MVT, Vec::new());
        if r.status() == StatusCode::OK {
            *r.status_mut() = StatusCode::NO_CONTENT;
        }
        return Ok(r);
    }
    // Bytes share the cached buffer: a cached tile is sent without a copy.
    Ok(respond(&req, &served, MVT, bytes))
}
