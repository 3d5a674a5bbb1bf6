//! The renewable bases: the located ones as a layer of dissolved outlines, the rest as the
//! programmes table, and the bases covering each county, prefecture and site as properties.

use serde_json::{json, Map, Value};

use super::{
    feature, opt_num, opt_str, p, q, round, FeatureGeometry, GeometryKind, Layer, PropDef,
    PropType, RelatedLink,
};
use crate::atlas::Atlas;
use crate::model::RenewableBase;

/// Where the rows without a place are served.
pub const PROGRAMMES_PATH: &str = "/analytics/renewable-programmes";

const GEOMETRY_NOTE: &str = "The outline is the union of the administrative units named in adcodes; it stands for those units, not for the base's footprint.";

/// The properties every base carries, in the layer and in the programmes table.
fn row_props() -> Vec<PropDef> {
    use PropType::*;
    vec![
        p("name", String, "Base, corridor, hub or cluster"),
        q(
            "type",
            String,
            "desert_base, uhv_export_corridor, dc_cluster, ...",
        ),
        q(
            "province",
            String,
            "Province, 'multiple' or a '; '-separated list",
        ),
        p(
            "admin_hint",
            String,
            "Where it is, as described by the source",
        ),
        p(
            "capacity_text",
            String,
            "Capacity as described by the source",
        ),
        p(
            "capacity_mw",
            Number,
            "Capacity, MW (scopes differ: do not sum)",
        ),
        p("status_as_of", String, "Status and its date"),
        p("source_url", String, "Source"),
        p("notes", String, "Scope and caveats"),
    ]
}

fn row_values(b: &RenewableBase) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("name".into(), json!(b.name));
    m.insert("type".into(), json!(b.kind));
    m.insert("province".into(), json!(b.province));
    m.insert("admin_hint".into(), opt_str(&b.admin_hint));
    m.insert("capacity_text".into(), opt_str(&b.capacity_text));
    m.insert("capacity_mw".into(), opt_num(b.capacity_mw));
    m.insert("status_as_of".into(), opt_str(&b.status_as_of));
    m.insert("source_url".into(), json!(b.source_url));
    m.insert("notes".into(), opt_str(&b.notes));
    m
}

/// The located bases, each drawn as the dissolved outline of its units.
pub(super) fn renewable_bases(atlas: &Atlas) -> Layer {
    use PropType::*;
    let mut properties = row_props();
    properties.extend([
        q(
            "location_precision",
            String,
            "county or prefecture: the level of the units in adcodes",
        ),
        p(
            "adcodes",
            String,
            "Adcodes of the units the source names, separated by ' | '",
        ),
        p(
            "units",
            String,
            "English names of those units, separated by ' | '",
        ),
        p(
            "area_km2",
            Number,
            "Geodesic area of the units on the WGS84 ellipsoid, km² (not the base's footprint)",
        ),
        p("geometry_note", String, "What the outline stands for"),
    ]);
    let features: Vec<_> = atlas
        .renewable_bases
        .iter()
        .zip(&atlas.base_places)
        .filter_map(|(b, place)| {
            let place = place.as_ref()?;
            let mut m = row_values(b);
            m.insert(
                "location_precision".into(),
                json!(b.location_precision.map(|l| l.as_str())),
            );
            let codes: Vec<_> = b.adcodes.iter().map(|c| c.to_string()).collect();
            m.insert("adcodes".into(), json!(codes.join(" | ")));
            m.insert("units".into(), json!(place.unit_names.join(" | ")));
            m.insert("area_km2".into(), json!(round(place.area_km2, 2)));
            m.insert("geometry_note".into(), json!(GEOMETRY_NOTE));
            Some(feature(
                b.id.clone(),
                FeatureGeometry::MultiPolygon(place.geometry.clone()),
                m,
                None,
            ))
        })
        .collect();
    Layer {
        description: format!(
            "{} large renewable-energy bases, UHV export corridors and national data-centre clusters whose sources name the counties or prefectures they lie in. {GEOMETRY_NOTE} National plans, programme lists and rows without a place are in {PROGRAMMES_PATH}.",
            features.len()
        ),
        attribution: "compute-atlas curated table, each row citing its source (source_url); outlines from the county and prefecture boundaries".into(),
        related: vec![
            RelatedLink {
                path: PROGRAMMES_PATH,
                media_type: "application/json",
                title: "Renewable programmes and lists without a place (JSON)",
            },
            RelatedLink {
                path: "/analytics/renewable-programmes?f=csv",
                media_type: "text/csv",
                title: "Renewable programmes and lists without a place (CSV)",
            },
        ],
        ..Layer::from_features(
            "renewable-bases",
            "Renewable bases and computing hubs",
            GeometryKind::MultiPolygon,
            properties,
            features,
        )
    }
}

/// The rows without a place (national plans, programme lists, unplaced clusters), one map per
/// row in column order: `id`, then the properties of the layer's rows.
pub fn renewable_programmes(atlas: &Atlas) -> Vec<Map<String, Value>> {
    atlas
        .renewable_bases
        .iter()
        .zip(&atlas.base_places)
        .filter(|(_, place)| place.is_none())
        .map(|(b, _)| {
            let mut m = Map::new();
            m.insert("id".into(), json!(b.id));
            m.extend(row_values(b));
            m
        })
        .collect()
}

/// What a list of covering bases belongs to.
#[derive(Debug, Clone, Copy)]
pub(super) enum Covered {
    County,
    Prefecture,
    Site,
}

/// The properties that list the bases covering a unit or a site.
pub(super) fn cover_props(what: Covered) -> [PropDef; 2] {
    use PropType::*;
    let ids = match what {
        Covered::County => "Ids of the renewable bases placed on this county or on its prefecture, separated by ' | '; null when none",
        Covered::Prefecture => "Ids of the renewable bases placed on this prefecture or on one of its counties, separated by ' | '; null when none",
        Covered::Site => "Ids of the renewable bases whose outline holds the site's point, separated by ' | '; null when none",
    };
    [
        p("renewable_bases", String, ids),
        p(
            "renewable_base_names",
            String,
            "Names of those bases, in the same order, separated by ' | '",
        ),
    ]
}

/// Inserts the `cover_props` values for the bases `list` (indexes into `renewable_bases`).
pub(super) fn insert_cover(atlas: &Atlas, list: &[usize], m: &mut Map<String, Value>) {
    let bases = || list.iter().map(|&i| &atlas.renewable_bases[i]);
    let joined = |parts: Vec<&str>| {
        if parts.is_empty() {
            Value::Null
        } else {
            json!(parts.join(" | "))
        }
    };
    m.insert(
        "renewable_bases".into(),
        joined(bases().map(|b| b.id.as_str()).collect()),
    );
    m.insert(
        "renewable_base_names".into(),
        joined(bases().map(|b| b.name.as_str()).collect()),
    );
}
