//! The HTML pages of the tiles resources: the tile matrix sets, one tile matrix set (its
//! zoom levels), a collection's tilesets and one tileset (where its tiles are, per zoom, and
//! what properties they carry). Each is drawn from the JSON document of the same resource, so
//! the two cannot tell different stories.

use serde_json::Value;

use super::super::html::{Cell, Link, Page, Table};
use super::TMS_ID;
use crate::layers::Layer;

fn crumbs(base: &str, layer: Option<&Layer>) -> Vec<Link> {
    let mut v = vec![Link::new(format!("{base}/?f=html"), "compute-atlas")];
    if let Some(l) = layer {
        v.push(Link::new(
            format!("{base}/collections?f=html"),
            "Collections",
        ));
        v.push(Link::new(
            format!("{base}/collections/{}?f=html", l.id),
            l.title,
        ));
        v.push(Link::new(
            format!("{base}/collections/{}/tiles?f=html", l.id),
            "Tilesets",
        ));
    } else {
        v.push(Link::new(
            format!("{base}/tileMatrixSets?f=html"),
            "Tile matrix sets",
        ));
    }
    v
}

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub fn matrix_sets(base: &str, doc: &Value) -> Page {
    let rows = doc["tileMatrixSets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            let id = text(&t["id"]);
            vec![
                vec![Cell::link(
                    id.clone(),
                    format!("{base}/tileMatrixSets/{id}?f=html"),
                )],
                vec![Cell::text(text(&t["title"]))],
                vec![Cell::link(text(&t["uri"]), text(&t["uri"]))],
                vec![Cell::text(text(&t["crs"]))],
            ]
        })
        .collect();
    Page {
        title: "Tile matrix sets".into(),
        description: "The tiling schemes of the vector tiles: every collection with geometry is tiled on these.".into(),
        crumbs: crumbs(base, None)[..1].to_vec(),
        link_lists: vec![(
            "Other formats".into(),
            vec![Link::new(format!("{base}/tileMatrixSets?f=json"), "JSON")],
        )],
        tables: vec![Table {
            caption: "Tile matrix sets".into(),
            headers: vec!["Id".into(), "Title".into(), "URI".into(), "CRS".into()],
            rows,
        }],
        ..Page::default()
    }
}

pub fn matrix_set(base: &str, tms: &Value) -> Page {
    let id = text(&tms["id"]);
    let rows = tms["tileMatrices"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            vec![
                vec![Cell::text(text(&m["id"]))],
                vec![Cell::text(format!(
                    "{:.2}",
                    m["scaleDenominator"].as_f64().unwrap_or(f64::NAN)
                ))],
                vec![Cell::text(format!(
                    "{:.4}",
                    m["cellSize"].as_f64().unwrap_or(f64::NAN)
                ))],
                vec![Cell::text(format!(
                    "{} × {}",
                    text(&m["matrixWidth"]),
                    text(&m["matrixHeight"])
                ))],
                vec![Cell::text(format!(
                    "{} × {}",
                    text(&m["tileWidth"]),
                    text(&m["tileHeight"])
                ))],
            ]
        })
        .collect();
    Page {
        title: format!("Tile matrix set {id}"),
        description: text(&tms["title"]),
        notes: vec![
            format!("URI: {}", text(&tms["uri"])),
            format!("CRS: {}", text(&tms["crs"])),
            format!("Well-known scale set: {}", text(&tms["wellKnownScaleSet"])),
        ],
        crumbs: crumbs(base, None),
        link_lists: vec![(
            "Other formats".into(),
            vec![Link::new(
                format!("{base}/tileMatrixSets/{id}?f=json"),
                "OGC Two Dimensional Tile Matrix Set JSON",
            )],
        )],
        tables: vec![Table {
            caption: "Tile matrices (zoom levels)".into(),
            headers: vec![
                "Tile matrix".into(),
                "Scale denominator".into(),
                "Cell size (m)".into(),
                "Tiles (columns × rows)".into(),
                "Tile size (pixels)".into(),
            ],
            rows,
        }],
        ..Page::default()
    }
}

/// The `href` of the first link of `links` with `rel`.
fn href<'a>(links: &'a Value, rel: &str) -> Option<&'a str> {
    links
        .as_array()?
        .iter()
        .find(|l| l["rel"] == rel)?
        .get("href")?
        .as_str()
}

pub fn tilesets(layer: &Layer, base: &str, doc: &Value) -> Page {
    let rows = doc["tilesets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            let meta = href(&t["links"], "self").unwrap_or_default();
            vec![
                vec![Cell::link(text(&t["title"]), format!("{meta}?f=html"))],
                vec![Cell::link(
                    TMS_ID,
                    format!("{base}/tileMatrixSets/{TMS_ID}?f=html"),
                )],
                vec![Cell::text(text(&t["dataType"]))],
                vec![Cell::text(text(&t["crs"]))],
                vec![Cell::text(href(&t["links"], "item").unwrap_or_default())],
            ]
        })
        .collect();
    let id = layer.id;
    Page {
        title: format!("{}: tilesets", layer.title),
        description: format!(
            "Vector tiles (Mapbox Vector Tile) of {}, with the filters of its items.",
            layer.title
        ),
        crumbs: crumbs(base, Some(layer))[..3].to_vec(),
        link_lists: vec![(
            "Other formats".into(),
            vec![Link::new(
                format!("{base}/collections/{id}/tiles?f=json"),
                "JSON",
            )],
        )],
        tables: vec![Table {
            caption: "Tilesets".into(),
            headers: vec![
                "Tileset".into(),
                "Tile matrix set".into(),
                "Data type".into(),
                "CRS".into(),
                "Tile URL template".into(),
            ],
            rows,
        }],
        ..Page::default()
    }
}

pub fn tileset(layer: &Layer, base: &str, doc: &Value) -> Page {
    let id = layer.id;
    let url = format!("{base}/collections/{id}/tiles/{TMS_ID}");
    let limits = doc["tileMatrixSetLimits"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            vec![
                vec![Cell::text(text(&l["tileMatrix"]))],
                vec![Cell::text(format!(
                    "{} to {}",
                    text(&l["minTileRow"]),
                    text(&l["maxTileRow"])
                ))],
                vec![Cell::text(format!(
                    "{} to {}",
                    text(&l["minTileCol"]),
                    text(&l["maxTileCol"])
                ))],
            ]
        })
        .collect();
    let properties = layer
        .properties
        .iter()
        .map(|p| {
            vec![
                vec![Cell::text(p.name)],
                vec![Cell::text(p.kind.json_type())],
                vec![Cell::text(p.description)],
            ]
        })
        .collect();
    let mut notes = vec![format!(
        "Tiles: {}",
        href(&doc["links"], "item").unwrap_or_default()
    )];
    let (ll, ur) = (
        &doc["boundingBox"]["lowerLeft"],
        &doc["boundingBox"]["upperRight"],
    );
    if let (Some(w), Some(s), Some(e), Some(n)) = (
        ll[0].as_f64(),
        ll[1].as_f64(),
        ur[0].as_f64(),
        ur[1].as_f64(),
    ) {
        notes.push(format!(
            "Bounding box (longitude, latitude): {w:.3}, {s:.3} to {e:.3}, {n:.3}."
        ));
    }
    notes.push(format!("Sources: {}", text(&doc["attribution"])));
    Page {
        title: text(&doc["title"]),
        description: text(&doc["description"]),
        notes,
        crumbs: crumbs(base, Some(layer)),
        link_lists: vec![(
            "Other formats".into(),
            vec![
                Link::new(format!("{url}?f=json"), "OGC tileset metadata (JSON)"),
                Link::new(format!("{url}?f=tilejson"), "TileJSON 3.0"),
                Link::new(
                    format!("{base}/tileMatrixSets/{TMS_ID}?f=html"),
                    "The tile matrix set",
                ),
            ],
        )],
        tables: vec![
            Table {
                caption: "Tiles holding the collection, per tile matrix".into(),
                headers: vec!["Tile matrix".into(), "Rows".into(), "Columns".into()],
                rows: limits,
            },
            Table {
                caption: "Properties in the tiles".into(),
                headers: vec!["Name".into(), "Type".into(), "Description".into()],
                rows: properties,
            },
        ],
        ..Page::default()
    }
}
