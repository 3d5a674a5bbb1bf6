//! The `power-plants` layer: the plant files given at start-up, with the county each falls in.

use chrono::NaiveDate;
use serde_json::{json, Map, Value};

use super::{feature, opt_str, p, q, FeatureGeometry, GeometryKind, Layer, PropType};
use crate::atlas::Atlas;
use crate::model::PowerPlant;
use std::sync::{Arc, Mutex, Weak};

fn plants_attribution(atlas: &Atlas) -> String {
    let mut v: Vec<&str> = atlas.plant_files.iter().map(|f| f.attribution).collect();
    v.dedup();
    v.join("; ")
}

/// The plants layer. It depends on the plants alone (and the counties they fall in, which come
/// with them in the atlas's base), so the snapshots rebuilt on one base after edits of the
/// sites share one layer, made once: its features sit behind an `Arc`.
pub(super) fn plants(atlas: &Atlas) -> Layer {
    type Last = Option<(Weak<Vec<PowerPlant>>, Layer)>;
    static LAST: Mutex<Last> = Mutex::new(None);
    let mut last = LAST.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((plants, layer)) = last.as_ref() {
        if plants
            .upgrade()
            .is_some_and(|p| Arc::ptr_eq(&p, &atlas.plants))
        {
            return layer.clone();
        }
    }
    let layer = build(atlas);
    *last = Some((Arc::downgrade(&atlas.plants), layer.clone()));
    layer
}

fn build(atlas: &Atlas) -> Layer {
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
