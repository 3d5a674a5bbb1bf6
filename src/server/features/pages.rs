//! The HTML pages of the features resources: collections, a collection, its queryables, a page
//! of items (a map, a table with paging links) and one item (a map, every property, sources as
//! links).

use serde_json::Value;

use super::super::html::{dataset_ld, value_cells, Cell, Link, Page, PageMap, Table};
use super::super::tiles::TMS_ID;
use super::super::Served;
use crate::layers::{GeometryKind, Layer, LayerFeature};

fn enc(s: &str) -> String {
    super::super::http::url_component(s)
}

fn crumbs(base: &str, layer: Option<&Layer>) -> Vec<Link> {
    let mut v = vec![
        Link::new(format!("{base}/?f=html"), "compute-atlas"),
        Link::new(format!("{base}/collections?f=html"), "Collections"),
    ];
    if let Some(l) = layer {
        v.push(Link::new(
            format!("{base}/collections/{}?f=html", l.id),
            l.title,
        ));
    }
    v
}

pub fn collections(served: &Served, base: &str) -> Page {
    let rows = served
        .layers
        .iter()
        .map(|l| {
            vec![
                vec![Cell::link(
                    l.title,
                    format!("{base}/collections/{}?f=html", l.id),
                )],
                vec![Cell::text(l.id)],
                vec![Cell::text(l.features.len().to_string())],
                vec![Cell::text(l.description.clone())],
            ]
        })
        .collect();
    Page {
        title: "Collections".into(),
        description: "The layers of the atlas, each an OGC API - Features collection.".into(),
        crumbs: crumbs(base, None)[..1].to_vec(),
        link_lists: vec![(
            "Other formats".into(),
            vec![Link::new(format!("{base}/collections?f=json"), "JSON")],
        )],
        tables: vec![Table {
            caption: "Collections".into(),
            headers: vec![
                "Title".into(),
                "Id".into(),
                "Features".into(),
                "Description".into(),
            ],
            rows,
        }],
        ..Page::default()
    }
}

pub fn collection(layer: &Layer, base: &str) -> Page {
    let id = layer.id;
    let url = format!("{base}/collections/{id}");
    let rows = layer
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
    let mut notes = vec![format!("{} features.", layer.features.len())];
    if let Some(e) = layer.extent {
        notes.push(format!(
            "Extent (longitude, latitude): {:.3}, {:.3} to {:.3}, {:.3}.",
            e[0], e[1], e[2], e[3]
        ));
    }
    if let Some((a, b)) = layer.temporal_extent {
        notes.push(format!("Dates: {a} to {b}."));
    }
    notes.push(format!("Sources: {}", layer.attribution));
    let mut data = vec![
        Link::new(format!("{url}/items?f=html"), "Items (HTML)"),
        Link::new(format!("{url}/items?f=json"), "Items (GeoJSON)"),
        Link::new(format!("{url}/items?f=csv"), "Items (CSV)"),
        Link::new(format!("{url}/queryables?f=html"), "Queryables"),
    ];
    if layer.geometry != GeometryKind::None {
        data.push(Link::new(format!("{url}/tiles?f=html"), "Vector tilesets"));
    }
    data.push(Link::new(
        format!("{url}?f=json"),
        "This collection as JSON",
    ));
    Page {
        title: layer.title.into(),
        description: layer.description.clone(),
        notes,
        crumbs: crumbs(base, None),
        link_lists: vec![("Data".into(), data)],
        tables: vec![Table {
            caption: "Properties".into(),
            headers: vec!["Name".into(), "Type".into(), "Description".into()],
            rows,
        }],
        json_ld: Some(dataset_ld(
            layer.title,
            &layer.description,
            &url,
            &layer.attribution,
        )),
        ..Page::default()
    }
}

pub fn queryables(layer: &Layer, base: &str, schema: &Value) -> Page {
    let rows = schema["properties"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(name, q)| {
                    let ty = q["type"]
                        .as_str()
                        .or_else(|| q["format"].as_str())
                        .unwrap_or("");
                    let values = q["enum"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(Value::as_str)
                                .collect::<Vec<_>>()
                                .join(", ")
                        })
                        .unwrap_or_default();
                    vec![
                        vec![Cell::text(name.clone())],
                        vec![Cell::text(ty)],
                        vec![Cell::text(values)],
                        vec![Cell::text(q["description"].as_str().unwrap_or(""))],
                    ]
                })
                .collect()
        })
        .unwrap_or_default();
    Page {
        title: format!("Queryables of {}", layer.title),
        description: "The properties a CQL2 filter may name (filter=..., e.g. status = 'operational'), with their types and, for categories, their values.".into(),
        crumbs: crumbs(base, Some(layer)),
        link_lists: vec![(
            "Other formats".into(),
            vec![Link::new(
                format!("{base}/collections/{}/queryables?f=json", layer.id),
                "JSON Schema",
            )],
        )],
        tables: vec![Table {
            caption: "Queryables".into(),
            headers: vec![
                "Name".into(),
                "Type".into(),
                "Values".into(),
                "Description".into(),
            ],
            rows,
        }],
        ..Page::default()
    }
}

/// The map of a page showing the features of `geojson` (the page's own request as GeoJSON),
/// over the county outlines when the atlas has them. Outline tiles carry only the adcode and
/// are pinned to the data version, so a browser caches them.
pub fn feature_map(served: &Served, base: &str, geojson: String) -> Option<PageMap> {
    let backdrop = served
        .layer("counties")
        .filter(|l| l.geometry != GeometryKind::None)
        .map(|l| {
            format!(
                "{base}/collections/{}/tiles/{TMS_ID}/{{z}}/{{y}}/{{x}}?properties=adcode&v={}",
                l.id,
                enc(&served.version)
            )
        });
    PageMap::new(base, geojson, backdrop)
}

/// A page of items; `paging` holds the links to the other pages and formats.
pub fn items(
    layer: &Layer,
    base: &str,
    page: &[&LayerFeature],
    matched: u64,
    offset: u64,
    paging: Vec<Link>,
    props: &Option<Vec<String>>,
) -> Page {
    let names: Vec<&str> = match props {
        Some(p) => p.iter().map(String::as_str).collect(),
        None => layer.properties.iter().map(|p| p.name).collect(),
    };
    let mut headers = vec!["id".to_string()];
    headers.extend(names.iter().map(|s| s.to_string()));
    let rows = page
        .iter()
        .map(|f| {
            let mut row = vec![vec![Cell::link(
                f.id.clone(),
                format!(
                    "{base}/collections/{}/items/{}?f=html",
                    layer.id,
                    enc(&f.id)
                ),
            )]];
            row.extend(names.iter().map(|n| value_cells(f.properties.get(*n))));
            row
        })
        .collect();
    let shown = if page.is_empty() {
        format!("No feature matches ({matched} matched).")
    } else {
        format!(
            "Features {} to {} of {matched} matched.",
            offset + 1,
            offset + page.len() as u64
        )
    };
    Page {
        title: format!("{}: items", layer.title),
        description: layer.description.clone(),
        notes: vec![shown],
        crumbs: crumbs(base, Some(layer)),
        link_lists: vec![("Pages and formats".into(), paging)],
        tables: vec![Table {
            caption: "Features".into(),
            headers,
            rows,
        }],
        ..Page::default()
    }
}

pub fn item(layer: &Layer, base: &str, f: &LayerFeature) -> Page {
    let url = format!("{base}/collections/{}/items/{}", layer.id, enc(&f.id));
    let mut rows: Vec<Vec<Vec<Cell>>> = layer
        .properties
        .iter()
        .map(|p| {
            vec![
                vec![Cell::text(p.name)],
                value_cells(f.properties.get(p.name)),
            ]
        })
        .collect();
    let location = match &f.geometry {
        crate::layers::FeatureGeometry::Point(x, y) => format!("{y:.5}° N, {x:.5}° E"),
        crate::layers::FeatureGeometry::MultiPolygon(_) => f
            .bbox
            .map(|b| {
                format!(
                    "area within {:.3}..{:.3}° E, {:.3}..{:.3}° N",
                    b[0], b[2], b[1], b[3]
                )
            })
            .unwrap_or_else(|| "area".into()),
        crate::layers::FeatureGeometry::None => "unknown".into(),
    };
    rows.insert(
        0,
        vec![vec![Cell::text("location")], vec![Cell::text(location)]],
    );
    Page {
        title: f.id.clone(),
        description: format!("A feature of {}.", layer.title),
        notes: vec![format!("Sources: {}", layer.attribution)],
        crumbs: crumbs(base, Some(layer)),
        link_lists: vec![(
            "Download".into(),
            vec![
                Link::new(format!("{url}?f=json"), "GeoJSON"),
                Link::new(
                    format!("{base}/collections/{}/items?f=html", layer.id),
                    "All items",
                ),
            ],
        )],
        tables: vec![Table {
            caption: "Properties".into(),
            headers: vec!["Property".into(), "Value".into()],
            rows,
        }],
        ..Page::default()
    }
}
