//! The administrative-unit layers (`counties`, `prefectures`, `provinces`): boundaries with the
//! figures of the metric catalogue.

use std::sync::Arc;

use geo::MultiPolygon;
use serde_json::{json, Map, Value};

use super::bases::{cover_props, insert_cover, Covered};
use super::{
    feature, opt_num, opt_str, p, q, round, FeatureGeometry, GeometryKind, Layer, LayerFeature,
    PropDef, PropType, BOUNDARY_ATTRIBUTION,
};
use crate::atlas::Atlas;
use crate::figures::UnitFigures;
use crate::model::{Adcode, Fuel, ProvinceInfo};

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

fn admin_props(extra: Vec<PropDef>) -> Vec<PropDef> {
    let mut v = extra;
    v.extend(figure_props());
    v
}

pub(super) fn counties(atlas: &Atlas) -> Layer {
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
            insert_province(&mut m, c.province_adcode, &c.province_zh, &c.province_en);
            m.insert("xpcc".into(), json!(c.xpcc));
            insert_cover(atlas, bases, &mut m);
            unit_feature(c.adcode, &c.geometry, f, m)
        })
        .collect();
    unit_layer(
        ("counties", "Counties"),
        format!(
            "{} county-level units of the twelve western provinces with compute and power figures.",
            atlas.counties.len()
        ),
        properties,
        features,
    )
}

pub(super) fn prefectures(atlas: &Atlas) -> Layer {
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
            insert_province(&mut m, c.province_adcode, &c.province_zh, &c.province_en);
            insert_cover(atlas, bases, &mut m);
            unit_feature(c.adcode, &c.geometry, f, m)
        })
        .collect();
    unit_layer(
        ("prefectures", "Prefectures"),
        format!(
            "{} prefecture-level units with compute and power figures.",
            atlas.prefectures.len()
        ),
        properties,
        features,
    )
}

/// The province columns of a county or prefecture.
fn insert_province(m: &mut Map<String, Value>, adcode: Adcode, zh: &str, en: &str) {
    m.insert("province_adcode".into(), json!(adcode.to_string()));
    m.insert(
        "province".into(),
        json!(ProvinceInfo::by_adcode(adcode).map_or("", |p| p.short_en)),
    );
    m.insert("province_zh".into(), json!(zh));
    m.insert("province_en".into(), json!(en));
}

/// A unit's feature: its naming properties `m` followed by its figures.
fn unit_feature(
    adcode: Adcode,
    geometry: &Arc<MultiPolygon<f64>>,
    figures: &UnitFigures,
    mut m: Map<String, Value>,
) -> LayerFeature {
    figure_values(figures, &mut m);
    feature(
        adcode.to_string(),
        FeatureGeometry::MultiPolygon(geometry.clone()),
        m,
        None,
    )
}

/// A county or prefecture layer: boundaries with the atlas's figures.
fn unit_layer(
    (id, title): (&'static str, &'static str),
    description: String,
    properties: Vec<PropDef>,
    features: Vec<LayerFeature>,
) -> Layer {
    Layer {
        description,
        attribution: format!(
            "{BOUNDARY_ATTRIBUTION}; figures from the sites and power-plant layers"
        ),
        ..Layer::from_features(id, title, GeometryKind::MultiPolygon, properties, features)
    }
}

pub(super) fn provinces(atlas: &Atlas) -> Layer {
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
            unit_feature(c.adcode, &c.geometry, f, m)
        })
        .collect();
    Layer {
        description: "The twelve western provinces with compute and power figures and NEA solar statistics.".into(),
        attribution: format!("{BOUNDARY_ATTRIBUTION}; NEA solar PV statistics via Global Energy Monitor's transcription"),
        ..Layer::from_features("provinces", "Provinces", GeometryKind::MultiPolygon, properties, features)
    }
}
