//! What OGC API - Features contributes to the OpenAPI document: the collections, and per
//! collection its items, one feature, and queryables, with the schema of its features.

use serde_json::{json, Map, Value};

use super::super::oas::{add_html, html_page, param, responses, Paths};
use super::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::crs::Crs;
use crate::export::ExportFormat;
use crate::layers::{GeometryKind, Layer};

fn common_items_params() -> Vec<Value> {
    vec![
        param(
            "f",
            "Output format: a page of GeoJSON, CSV or HTML, or every matching feature as a GeoPackage, FlatGeobuf or GeoParquet file (paged only when limit or offset is given)",
            json!({"type": "string", "enum": ["json", "geojson", "csv", "html", "gpkg", "fgb", "parquet"]}),
        ),
        param(
            "filter",
            "CQL2 filter (OGC API - Features Part 3) on the queryables, e.g. status = 'operational' AND S_INTERSECTS(geometry, BBOX(93,42,96,44.5))",
            json!({"type": "string", "maxLength": crate::filter::MAX_FILTER_BYTES}),
        ),
        param(
            "filter-lang",
            "Encoding of filter (default cql2-text; cql-text, the draft's name that GDAL sends, is read as cql2-text)",
            json!({"type": "string", "enum": ["cql2-text", "cql2-json", "cql-text"], "default": "cql2-text"}),
        ),
        param(
            "filter-crs",
            "CRS of the geometries in filter (default CRS84)",
            json!({"type": "string", "format": "uri", "enum": Crs::supported_uris()}),
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

/// Paths that do not depend on the layers.
pub fn paths(paths: &mut Paths) {
    paths.insert(
        "/collections".into(),
        html_page("The collections", "getCollections"),
    );
}

/// The paths and schemas of one collection.
pub fn layer_paths(paths: &mut Paths, schemas: &mut Paths, layer: &Layer) {
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
        GeometryKind::None => json!({"nullable": true, "type": "object"}),
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
        html_page(
            &format!("Collection {id}"),
            &format!("describeCollection-{id}"),
        ),
    );
    let mut queryables = json!({"get": {"summary": format!("Queryable properties of {id}"), "operationId": format!("getQueryables-{id}"),
        "responses": responses("application/schema+json", json!({"type": "object"}))}});
    add_html(&mut queryables);
    paths.insert(format!("/collections/{id}/queryables"), queryables);
    let mut items_responses = responses(
        "application/geo+json",
        json!({"type": "object", "properties": {
        "type": {"type": "string"},
        "features": {"type": "array", "items": {"$ref": format!("#/components/schemas/{id}-feature")}},
        "numberMatched": {"type": "integer"}, "numberReturned": {"type": "integer"},
        "timeStamp": {"type": "string", "format": "date-time"}, "links": {"type": "array"}}}),
    );
    // The file downloads are alternative contents of the same 200 answer.
    if let Some(content) = items_responses["200"]["content"].as_object_mut() {
        content.insert("text/csv".into(), json!({"schema": {"type": "string"}}));
        content.insert("text/html".into(), json!({"schema": {"type": "string"}}));
        for f in ExportFormat::ALL {
            content.insert(
                f.media_type().into(),
                json!({"schema": {"type": "string", "format": "binary"}}),
            );
        }
    }
    paths.insert(
        format!("/collections/{id}/items"),
        json!({"get": {"summary": format!("Features of {id}"), "operationId": format!("getFeatures-{id}"),
            "parameters": params,
            "responses": items_responses}}),
    );
    let mut item_responses = responses(
        "application/geo+json",
        json!({"$ref": format!("#/components/schemas/{id}-feature")}),
    );
    item_responses["200"]["content"]["text/html"] = json!({"schema": {"type": "string"}});
    paths.insert(
        format!("/collections/{id}/items/{{featureId}}"),
        json!({"get": {"summary": format!("One feature of {id}"), "operationId": format!("getFeature-{id}"),
            "parameters": [
                {"name": "featureId", "in": "path", "required": true, "schema": {"type": "string"}},
                param("crs", "CRS of the output", json!({"type": "string", "format": "uri", "enum": Crs::supported_uris()})),
                param("f", "Output format", json!({"type": "string", "enum": ["json", "geojson", "html"]})),
            ],
            "responses": item_responses}}),
    );
}
