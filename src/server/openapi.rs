//! The OpenAPI 3.0 document, generated from the layers so it always describes what is served.
//! Self-contained: no external `$ref` (clients here may have no internet).

use serde_json::{json, Map, Value};

use super::ogc::{DEFAULT_LIMIT, MAX_LIMIT};
use super::Served;
use crate::crs::Crs;

fn param(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema, "style": "form", "explode": false})
}

fn common_items_params() -> Vec<Value> {
    vec![
        param(
            "f",
            "Output format",
            json!({"type": "string", "enum": ["json", "geojson", "csv"]}),
        ),
        param(
            "limit",
            &format!("Page size, 1 to {MAX_LIMIT} (larger values are clamped)"),
            json!({"type": "integer", "minimum": 1, "default": DEFAULT_LIMIT}),
        ),
        param(
            "offset",
            "Number of features to skip",
            json!({"type": "integer", "minimum": 0, "default": 0}),
        ),
        param(
            "bbox",
            "minx,miny,maxx,maxy (or 6 numbers with heights) in bbox-crs",
            json!({"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}),
        ),
        param(
            "bbox-crs",
            "CRS of bbox (default CRS84)",
            json!({"type": "string", "format": "uri", "enum": Crs::supported_uris()}),
        ),
        param(
            "crs",
            "CRS of the output (default CRS84)",
            json!({"type": "string", "format": "uri", "enum": Crs::supported_uris()}),
        ),
        param(
            "datetime",
            "Instant or interval (a/b, ../b, a/..), RFC 3339; collections with dates only",
            json!({"type": "string"}),
        ),
        param(
            "properties",
            "Comma-separated properties to return",
            json!({"type": "array", "items": {"type": "string"}}),
        ),
        param(
            "sortby",
            "Comma-separated properties, +asc (default) or -desc",
            json!({"type": "array", "items": {"type": "string"}}),
        ),
        param(
            "precision",
            "Decimal places of degrees in the output (default 5, about 1 m)",
            json!({"type": "integer", "minimum": 0, "maximum": 9}),
        ),
    ]
}

fn responses(media: &str, schema: Value) -> Value {
    json!({
        "200": {"description": "OK", "content": {media: {"schema": schema}}},
        "400": {"description": "A parameter is malformed or unknown", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/problem"}}}},
        "404": {"description": "Not found", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/problem"}}}},
        "406": {"description": "Format not offered", "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/problem"}}}},
    })
}

/// OGC API - Tiles paths of one collection.
fn tile_paths(paths: &mut Map<String, Value>, layer: &crate::layers::Layer) {
    let id = layer.id;
    let tms = json!({"name": "tileMatrixSetId", "in": "path", "required": true, "schema": {"type": "string", "enum": ["WebMercatorQuad"]}});
    paths.insert(
        format!("/collections/{id}/tiles"),
        json!({"get": {"summary": format!("Vector tilesets of {id}"), "operationId": format!("getTileSetsList-{id}"),
            "responses": responses("application/json", json!({"type": "object"}))}}),
    );
    paths.insert(
        format!("/collections/{id}/tiles/{{tileMatrixSetId}}"),
        json!({"get": {"summary": format!("Tileset metadata of {id}, or TileJSON 3.0 with f=tilejson"), "operationId": format!("getTileSet-{id}"),
            "parameters": [tms, param("f", "Metadata format", json!({"type": "string", "enum": ["json", "tilejson"]}))],
            "responses": responses("application/json", json!({"type": "object"}))}}),
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

/// Builds the document for the layers being served.
pub fn document(served: &Served, base: &str) -> Value {
    let mut paths = Map::new();
    let simple = |summary: &str, id: &str| {
        json!({"get": {"summary": summary, "operationId": id,
            "parameters": [param("f", "Output format", json!({"type": "string", "enum": ["json"]}))],
            "responses": responses("application/json", json!({"type": "object"}))}})
    };
    paths.insert("/".into(), simple("Landing page", "getLandingPage"));
    paths.insert(
        "/conformance".into(),
        simple("Conformance classes", "getConformance"),
    );
    paths.insert("/api".into(), simple("This API definition", "getApi"));
    paths.insert(
        "/collections".into(),
        simple("The collections", "getCollections"),
    );
    paths.insert(
        "/tileMatrixSets".into(),
        simple(
            "Tile matrix sets (WebMercatorQuad)",
            "getTileMatrixSetsList",
        ),
    );
    paths.insert(
        "/tileMatrixSets/{tileMatrixSetId}".into(),
        json!({"get": {"summary": "A tile matrix set definition (OGC TMS 2.0 JSON)", "operationId": "getTileMatrixSet",
            "parameters": [{"name": "tileMatrixSetId", "in": "path", "required": true, "schema": {"type": "string", "enum": ["WebMercatorQuad"]}}],
            "responses": responses("application/json", json!({"type": "object"}))}}),
    );
    let mut schemas = Map::new();
    schemas.insert(
        "problem".into(),
        json!({"type": "object", "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"}, "detail": {"type": "string"}}}),
    );
    for layer in &served.layers {
        let id = layer.id;
        let mut props = Map::new();
        for p in &layer.properties {
            props.insert(
                p.name.into(),
                json!({"type": p.kind.json_type(), "nullable": true, "description": p.description}),
            );
        }
        let props_name = format!("{id}-properties");
        schemas.insert(
            props_name.clone(),
            json!({"type": "object", "properties": props}),
        );
        let geom = match layer.geometry {
            crate::layers::GeometryKind::None => json!({"nullable": true, "type": "object"}),
            g => {
                json!({"type": "object", "properties": {"type": {"type": "string", "enum": [g.name()]}, "coordinates": {"type": "array"}}})
            }
        };
        let feature = json!({"type": "object", "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "string"},
            "geometry": geom,
            "properties": {"$ref": format!("#/components/schemas/{props_name}")},
        }});
        schemas.insert(format!("{id}-feature"), feature);
        let mut params = common_items_params();
        for p in layer.properties.iter().filter(|p| p.queryable) {
            params.push(param(
                p.name,
                &format!(
                    "Equality filter (case-insensitive for text): {}",
                    p.description
                ),
                json!({"type": p.kind.json_type()}),
            ));
        }
        paths.insert(
            format!("/collections/{id}"),
            simple(
                &format!("Collection {id}"),
                &format!("describeCollection-{id}"),
            ),
        );
        paths.insert(
            format!("/collections/{id}/queryables"),
            json!({"get": {"summary": format!("Queryable properties of {id}"), "operationId": format!("getQueryables-{id}"),
                "responses": responses("application/schema+json", json!({"type": "object"}))}}),
        );
        paths.insert(
            format!("/collections/{id}/items"),
            json!({"get": {"summary": format!("Features of {id}"), "operationId": format!("getFeatures-{id}"),
                "parameters": params,
                "responses": responses("application/geo+json", json!({"type": "object", "properties": {
                    "type": {"type": "string"},
                    "features": {"type": "array", "items": {"$ref": format!("#/components/schemas/{id}-feature")}},
                    "numberMatched": {"type": "integer"}, "numberReturned": {"type": "integer"},
                    "timeStamp": {"type": "string", "format": "date-time"}, "links": {"type": "array"}}}))}}),
        );
        paths.insert(
            format!("/collections/{id}/items/{{featureId}}"),
            json!({"get": {"summary": format!("One feature of {id}"), "operationId": format!("getFeature-{id}"),
                "parameters": [
                    {"name": "featureId", "in": "path", "required": true, "schema": {"type": "string"}},
                    param("crs", "CRS of the output", json!({"type": "string", "format": "uri", "enum": Crs::supported_uris()})),
                    param("f", "Output format", json!({"type": "string", "enum": ["json", "geojson"]})),
                ],
                "responses": responses("application/geo+json", json!({"$ref": format!("#/components/schemas/{id}-feature")}))}}),
        );
        if layer.geometry != crate::layers::GeometryKind::None {
            tile_paths(&mut paths, layer);
        }
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "compute-atlas",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "OGC API - Features (Part 1 Core, Part 2 CRS) and OGC API - Tiles (vector tiles) over a cited atlas of AI computing sites, counties and power in western China.",
            "license": {"name": "Code MIT; data: see each collection's attribution"},
        },
        "servers": [{"url": base}],
        "paths": paths,
        "components": {"schemas": schemas},
    })
}
