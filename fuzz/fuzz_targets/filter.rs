//! The CQL2 `filter` parameter (text or JSON) must answer every input with a filter or a
//! positioned error, never a panic or a stack overflow, and a filter that parses must run.
#![no_main]

use std::sync::OnceLock;

use compute_atlas::crs::Crs;
use compute_atlas::filter::{Filter, FilterLang};
use compute_atlas::layers::{FeatureGeometry, GeometryKind, Layer, LayerFeature, PropDef, PropType};
use libfuzzer_sys::fuzz_target;
use serde_json::json;

fn layer() -> &'static Layer {
    static L: OnceLock<Layer> = OnceLock::new();
    L.get_or_init(|| {
        let prop = |name, kind| PropDef {
            name,
            kind,
            description: "",
            queryable: true,
        };
        // Two real sites of the atlas (geodata/sites.csv), one with unknown figures.
        let features = vec![
            LayerFeature {
                id: "xj-yiwu-acc".into(),
                geometry: FeatureGeometry::Point(94.68801, 43.24968),
                bbox: None,
                properties: json!({"province": "Xinjiang", "status": "operational", "reported_pflops": 60000.0, "xpcc": false})
                    .as_object()
                    .cloned()
                    .unwrap(),
                period: chrono::NaiveDate::from_ymd_opt(2025, 10, 1)
                    .zip(chrono::NaiveDate::from_ymd_opt(2025, 10, 31)),
                json: String::new(),
            },
            LayerFeature {
                id: "xj-yiwu-cloud-silk-road".into(),
                geometry: FeatureGeometry::Point(94.68801, 43.24968),
                bbox: None,
                properties: json!({"province": "Xinjiang", "status": "operational", "reported_pflops": null, "xpcc": null})
                    .as_object()
                    .cloned()
                    .unwrap(),
                period: None,
                json: String::new(),
            },
        ];
        let mut l = Layer::from_features(
            "sites",
            "Sites",
            GeometryKind::Point,
            vec![
                prop("province", PropType::String),
                prop("status", PropType::String),
                prop("reported_pflops", PropType::Number),
                prop("xpcc", PropType::Boolean),
            ],
            features,
        );
        l.temporal_property = Some("reported_date");
        l
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let lang = if mode & 1 == 0 { FilterLang::Cql2Text } else { FilterLang::Cql2Json };
    let crs = if mode & 2 == 0 { Crs::Crs84 } else { Crs::Epsg(3857) };
    let l = layer();
    if let Ok(f) = Filter::parse(l, text, lang, crs) {
        let _ = f.select(l);
    }
});
