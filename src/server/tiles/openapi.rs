//! What OGC API - Tiles contributes to the OpenAPI document: the tile matrix sets, and per
//! collection with geometry its tilesets and tiles.

use serde_json::json;

use super::super::oas::{add_html, html_page, param, responses, Paths};
use crate::layers::Layer;

/// Paths that do not depend on the layers.
pub fn paths(paths: &mut Paths) {
    paths.insert(
        "/tileMatrixSets".into(),
        html_page(
            "Tile matrix sets (WebMercatorQuad)",
            "getTileMatrixSetsList",
        ),
    );
    let mut tms = json!({"get": {"summary": "A tile matrix set definition (OGC TMS 2.0 JSON)", "operationId": "getTileMatrixSet",
        "parameters": [{"name": "tileMatrixSetId", "in": "path", "required": true, "schema": {"type": "string", "enum": ["WebMercatorQuad"]}}],
        "responses": responses("application/json", json!({"type": "object"}))}});
    add_html(&mut tms);
    paths.insert("/tileMatrixSets/{tileMatrixSetId}".into(), tms);
}

/// OGC API - Tiles paths of one collection (with geometry).
pub fn layer_paths(paths: &mut Paths, layer: &Layer) {
    let id = layer.id;
    let tms = json!({"name": "tileMatrixSetId", "in": "path", "required": true, "schema": {"type": "string", "enum": ["WebMercatorQuad"]}});
    let mut list = json!({"get": {"summary": format!("Vector tilesets of {id}"), "operationId": format!("getTileSetsList-{id}"),
        "responses": responses("application/json", json!({"type": "object"}))}});
    add_html(&mut list);
    paths.insert(format!("/collections/{id}/tiles"), list);
    let mut tileset = json!({"get": {"summary": format!("Tileset metadata of {id}, or TileJSON 3.0 with f=tilejson"), "operationId": format!("getTileSet-{id}"),
        "parameters": [tms, param("f", "Metadata format", json!({"type": "string", "enum": ["json", "tilejson"]}))],
        "responses": responses("application/json", json!({"type": "object"}))}});
    add_html(&mut tileset);
    paths.insert(
        format!("/collections/{id}/tiles/{{tileMatrixSetId}}"),
        tileset,
    );
    let mut params = vec![
        tms,
        json!({"name": "tileMatrix", "in": "path", "required": true, "description": "Zoom level, 0 to 18", "schema": {"type": "integer", "minimum": 0, "maximum": crate::tiles::MAX_ZOOM}}),
        json!({"name": "tileRow", "in": "path", "required": true, "description": "Row, 0 at the north edge", "schema": {"type": "integer", "minimum": 0}}),
        json!({"name": "tileCol", "in": "path", "required": true, "description": "Column, 0 at 180°W", "schema": {"type": "integer", "minimum": 0}}),
        param(
            "properties",
            "Comma-separated properties to keep (default: all; nulls are left out)",
            json!({"type": "string"}),
        ),
        param(
            "f",
            "Tile format",
            json!({"type": "string", "enum": ["mvt"]}),
        ),
    ];
    if layer.temporal_property.is_some() {
        params.push(param(
            "datetime",
            "Instant or interval (RFC 3339 dates, `..` for open ends)",
            json!({"type": "string"}),
        ));
    }
    for p in layer.properties.iter().filter(|p| p.queryable) {
        params.push(param(
            p.name,
            &format!("Equality filter: {}", p.description),
            json!({"type": p.kind.json_type()}),
        ));
    }
    let mut r = responses(
        "application/vnd.mapbox-vector-tile",
        json!({"type": "string", "format": "binary"}),
    );
    r["204"] = json!({"description": "No feature in this tile"});
    paths.insert(
        format!("/collections/{id}/tiles/{{tileMatrixSetId}}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}"),
        json!({"get": {"summary": format!("A vector tile (MVT) of {id}"), "operationId": format!("getTile-{id}"),
            "parameters": params, "responses": r}}),
    );
}
