//! The `sites` layer: every curated site as reported, with the county its point falls in.

use serde_json::{json, Map, Value};

use super::bases::{cover_props, insert_cover, Covered};
use super::{feature, opt_num, opt_str, p, q, FeatureGeometry, GeometryKind, Layer, PropType};
use crate::atlas::Atlas;

const SITES_ATTRIBUTION: &str = "Sites: compute-atlas curated table, each row citing its sources (see source_urls); seat coordinates from GeoNames (CC BY 4.0) and cpca (MIT)";

pub(super) fn sites(atlas: &Atlas) -> Layer {
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
    properties.extend(crate::layers::site_demand_props());
    properties.extend(cover_props(Covered::Site));
    let features = atlas
        .sites
        .iter()
        .zip(&atlas.site_places)
        .zip(&atlas.site_group)
        .zip(&atlas.base_cover.sites)
        .enumerate()
        .map(|(i, (((s, place), group), bases))| {
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
            crate::layers::insert_site_demand(atlas, i, &mut m);
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
