use chrono::NaiveDate;
use serde_json::{json, Map, Value};

use super::*;
use crate::layers::{FeatureGeometry, GeometryKind, Layer, LayerFeature, PropDef, PropType};

fn prop(name: &'static str, kind: PropType) -> PropDef {
    PropDef {
        name,
        kind,
        description: "",
        queryable: false,
    }
}

fn feature(id: &str, lon: f64, lat: f64, props: Value, year: Option<i32>) -> LayerFeature {
    let properties: Map<String, Value> = props.as_object().cloned().unwrap_or_default();
    LayerFeature {
        id: id.into(),
        geometry: FeatureGeometry::Point(lon, lat),
        bbox: None,
        properties,
        period: year.map(|y| {
            (
                NaiveDate::from_ymd_opt(y, 1, 1).unwrap(),
                NaiveDate::from_ymd_opt(y, 12, 31).unwrap(),
            )
        }),
        json: String::new(),
    }
}

/// Three points: Urumqi (2020), Hami (2023, no investment), Xining (no date).
fn layer() -> Layer {
    let features = vec![
        feature(
            "urumqi",
            87.6,
            43.8,
            json!({"name": "Ürümqi", "province": "Xinjiang", "status": "operational", "investment_cny": 2.0e9, "adcode": "650100", "xpcc": false, "year": 2020}),
            Some(2020),
        ),
        feature(
            "hami",
            93.5,
            42.8,
            json!({"name": "Hami", "province": "Xinjiang", "status": "announced", "investment_cny": null, "adcode": "650500", "xpcc": true, "year": 2023}),
            Some(2023),
        ),
        feature(
            "xining",
            101.8,
            36.6,
            json!({"name": "Xining", "province": "Qinghai", "status": "operational", "investment_cny": 5.0e8, "adcode": "630100", "xpcc": false, "year": null}),
            None,
        ),
    ];
    let mut l = Layer::from_features(
        "test",
        "Test",
        GeometryKind::Point,
        vec![
            prop("name", PropType::String),
            prop("province", PropType::String),
            prop("status", PropType::String),
            prop("investment_cny", PropType::Number),
            prop("adcode", PropType::String),
            prop("xpcc", PropType::Boolean),
            prop("year", PropType::Integer),
        ],
        features,
    );
    l.temporal_property = Some("year");
    l
}

fn ids(text: &str) -> Vec<String> {
    ids_in(text, FilterLang::Cql2Text, Crs::Crs84)
}

fn ids_in(text: &str, lang: FilterLang, crs: Crs) -> Vec<String> {
    let l = layer();
    let f = Filter::parse(&l, text, lang, crs).unwrap_or_else(|e| panic!("{text}: {e}"));
    f.select(&l)
        .into_iter()
        .map(|i| l.features[i].id.clone())
        .collect()
}

fn err(text: &str) -> FilterError {
    Filter::parse(&layer(), text, FilterLang::Cql2Text, Crs::Crs84).expect_err(text)
}

#[test]
fn comparisons_and_logic() {
    assert_eq!(ids("investment_cny > 1e9"), ["urumqi"]);
    assert_eq!(ids("adcode = '650500'"), ["hami"]);
    assert_eq!(
        ids("status = 'operational' AND province = 'Xinjiang'"),
        ["urumqi"]
    );
    assert_eq!(ids("province = 'Qinghai' OR xpcc"), ["hami", "xining"]);
    assert_eq!(ids("NOT (province = 'Xinjiang')"), ["xining"]);
    assert_eq!(
        ids("investment_cny * 2 >= 1e9 AND investment_cny / 0 IS NULL"),
        ["urumqi", "xining"]
    );
}

#[test]
fn null_is_unknown_not_false() {
    // Hami's investment is unknown: neither above nor not above.
    assert_eq!(ids("NOT (investment_cny > 1e9)"), ["xining"]);
    assert_eq!(ids("investment_cny IS NULL"), ["hami"]);
    assert_eq!(ids("investment_cny IS NOT NULL"), ["urumqi", "xining"]);
    assert_eq!(ids("investment_cny > 1e9 OR xpcc"), ["urumqi", "hami"]);
}

#[test]
fn advanced_comparison_and_case() {
    assert_eq!(ids("name LIKE 'H%'"), ["hami"]);
    assert_eq!(ids("name NOT LIKE '%i%'"), Vec::<String>::new());
    assert_eq!(ids("investment_cny BETWEEN 1e8 AND 1e9"), ["xining"]);
    assert_eq!(ids("status IN ('announced', 'tendered')"), ["hami"]);
    assert_eq!(
        ids("CASEI(province) = casei('XINJIANG')"),
        ["urumqi", "hami"]
    );
    assert_eq!(ids("ACCENTI(name) = ACCENTI('Urumqi')"), ["urumqi"]);
    assert_eq!(ids("ACCENTI(CASEI(name)) LIKE 'ur%'"), ["urumqi"]);
}

#[test]
fn spatial_functions() {
    assert_eq!(
        ids("S_INTERSECTS(geometry, BBOX(86, 42, 95, 45))"),
        ["urumqi", "hami"]
    );
    assert_eq!(
        ids("S_WITHIN(geometry, POLYGON((100 35, 103 35, 103 38, 100 38, 100 35)))"),
        ["xining"]
    );
    assert_eq!(
        ids("S_CONTAINS(POLYGON((100 35, 103 35, 103 38, 100 38, 100 35)), geometry)"),
        ["xining"]
    );
    assert_eq!(
        ids("S_DISJOINT(geometry, BBOX(86, 42, 95, 45))"),
        ["xining"]
    );
    assert_eq!(ids("S_EQUALS(geometry, POINT(93.5 42.8))"), ["hami"]);
    assert_eq!(
        ids("S_INTERSECTS(geometry, BBOX(80, 30, 110, 50)) AND status = 'announced'"),
        ["hami"]
    );
    // EPSG:4326 is latitude first.
    assert_eq!(
        ids_in(
            "S_INTERSECTS(geometry, BBOX(42, 86, 45, 95))",
            FilterLang::Cql2Text,
            Crs::Epsg(4326)
        ),
        ["urumqi", "hami"]
    );
    // Web Mercator metres around Xining.
    assert_eq!(
        ids_in(
            "S_INTERSECTS(geometry, BBOX(11200000, 4300000, 11400000, 4500000))",
            FilterLang::Cql2Text,
            Crs::Epsg(3857)
        ),
        ["xining"]
    );
}

#[test]
fn the_envelope_narrows_only_under_and() {
    let l = layer();
    let f = Filter::parse(
        &l,
        "S_INTERSECTS(geometry, BBOX(86, 42, 95, 45)) AND xpcc",
        FilterLang::Cql2Text,
        Crs::Crs84,
    )
    .unwrap();
    assert!(f.envelope().is_some());
    let f = Filter::parse(
        &l,
        "NOT S_INTERSECTS(geometry, BBOX(86, 42, 95, 45))",
        FilterLang::Cql2Text,
        Crs::Crs84,
    )
    .unwrap();
    assert!(f.envelope().is_none());
    assert_eq!(f.select(&l).len(), 1);
}

#[test]
fn temporal_functions() {
    assert_eq!(
        ids("T_INTERSECTS(year, INTERVAL('2022-01-01', '2024-12-31'))"),
        ["hami"]
    );
    assert_eq!(ids("T_BEFORE(year, DATE('2021-01-01'))"), ["urumqi"]);
    assert_eq!(
        ids("T_AFTER(year, TIMESTAMP('2021-06-01T00:00:00Z'))"),
        ["hami"]
    );
    assert_eq!(ids("T_AFTER(DATE('2021-01-01'), year)"), ["urumqi"]);
    assert_eq!(
        ids("T_DURING(year, INTERVAL('2019-06-01', '..'))"),
        ["urumqi", "hami"]
    );
    // A whole year read as days: 2020 equals the interval of its first and last day.
    assert_eq!(
        ids("T_EQUALS(year, INTERVAL('2020-01-01', '2020-12-31'))"),
        Vec::<String>::new()
    );
    assert_eq!(
        ids("T_STARTS(year, INTERVAL('2020-01-01', '2021-12-31'))"),
        ["urumqi"]
    );
    assert!(matches!(
        err("T_AFTER(name, DATE('2021-01-01'))"),
        FilterError::Invalid { .. }
    ));
}

#[test]
fn json_encoding() {
    let j = r#"{"op":"and","args":[{"op":"=","args":[{"property":"province"},"Xinjiang"]},{"op":"s_intersects","args":[{"property":"geometry"},{"type":"Point","coordinates":[87.6,43.8]}]}]}"#;
    assert_eq!(ids_in(j, FilterLang::Cql2Json, Crs::Crs84), ["urumqi"]);
    let e = Filter::parse(&layer(), r#"{"op":"and","args":[{"op":"=","args":[{"property":"province"},"X"]},{"op":"=","args":[{"property":"nope"},1]}]}"#, FilterLang::Cql2Json, Crs::Crs84).unwrap_err();
    assert_eq!(
        e.position(),
        Some(&Position::Pointer("/args/1/args/0/property".into())),
        "{e}"
    );
}

#[test]
fn errors_name_position_and_reason() {
    let e = err("status = 'operational' AND nope = 1");
    assert_eq!(
        e.position(),
        Some(&Position::Text {
            offset: 27,
            line: 1,
            column: 28
        })
    );
    assert!(e.reason().contains("unknown property `nope`"), "{e}");
    let e = err("adcode = 650500");
    assert!(
        e.reason().contains("type mismatch") && e.reason().contains("'650500'"),
        "{e}"
    );
    assert_eq!(
        e.position(),
        Some(&Position::Text {
            offset: 0,
            line: 1,
            column: 1
        })
    );
    // The second use of `name` is the wrong one.
    let e = err("name = 'a' OR name > 3");
    assert_eq!(
        e.position(),
        Some(&Position::Text {
            offset: 14,
            line: 1,
            column: 15
        }),
        "{e}"
    );
    let e = err("FOO(name) = 'a'");
    assert!(e.reason().contains("unsupported function `FOO`"), "{e}");
    let e = err("status = 'operational' AND");
    assert!(matches!(e, FilterError::Syntax { .. }), "{e}");
    assert!(
        matches!(e.position(), Some(Position::Text { column: 27, .. })),
        "{e}"
    );
    assert!(matches!(
        err("name LIKE 'a\\'"),
        FilterError::Invalid { .. }
    ));
    assert!(matches!(
        err("A_CONTAINS(name, ('a'))"),
        FilterError::Invalid { .. }
    ));
    assert!(matches!(
        err("S_INTERSECTS(name, POINT(1 2))"),
        FilterError::Invalid { .. }
    ));
}

#[test]
fn deep_or_long_filters_are_refused_before_parsing() {
    let deep = format!("{}name = 'a'{}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(matches!(err(&deep), FilterError::TooLong(_)));
    let deep = format!("{}name = 'a'{}", "(".repeat(40), ")".repeat(40));
    assert!(
        matches!(err(&deep), FilterError::Limit { .. }),
        "{}",
        err(&deep)
    );
    let chain = format!("{}1", "1 = ".repeat(300));
    assert!(matches!(err(&chain), FilterError::Limit { .. }));
    let nots = format!("{}xpcc", "NOT ".repeat(300));
    assert!(matches!(err(&nots), FilterError::Limit { .. }));
    let json = format!("{}{}", "[".repeat(200), "]".repeat(200));
    assert!(matches!(
        Filter::parse(&layer(), &json, FilterLang::Cql2Json, Crs::Crs84),
        Err(FilterError::Limit { .. })
    ));
    // Within the limits, a long AND chain and a nested filter work.
    let many = vec!["xpcc = false"; 100].join(" AND ");
    assert_eq!(ids(&many), ["urumqi", "xining"]);
    let nested = format!("{}xpcc{}", "(".repeat(30), ")".repeat(30));
    assert_eq!(ids(&nested), ["hami"]);
    // Negative coordinates of a geometry are not operators.
    let poly: Vec<String> = (0..300).map(|i| format!("-{i} -1")).collect();
    let f = format!("S_INTERSECTS(geometry, LINESTRING({}))", poly.join(", "));
    assert_eq!(ids(&f), Vec::<String>::new());
}

#[test]
fn filter_lang_names() {
    assert_eq!(FilterLang::parse("cql-text").unwrap(), FilterLang::Cql2Text);
    assert_eq!(
        FilterLang::parse("cql2-json").unwrap(),
        FilterLang::Cql2Json
    );
    assert!(FilterLang::parse("ecql").is_err());
}

/// A fuzzer-found input: nested unclosed parentheses between `-` and `/` made pest backtrack
/// for minutes. The parser's call budget turns it into a 400-worthy error at once.
const BACKTRACKING: &str = "stc-----om-(\r\r( ((\rt/\rto (\r\r------om-(\rM( (c-----om-(\r\r( ((\rt/\rto (\r\r------om-(\rM( ((\rt/\r(\r\r((Tt/\rt*--(\rt/\r(\r\r((Tt/\rt*------t";

#[test]
fn pathological_backtracking_is_refused() {
    match err(BACKTRACKING) {
        FilterError::Limit { reason, .. } => assert!(reason.contains("too complex"), "{reason}"),
        other => panic!("expected a limit error, got {other}"),
    }
    // The filter stays refused whichever way it is reached (the budget is process-wide).
    assert!(matches!(err(BACKTRACKING), FilterError::Limit { .. }));
}

#[test]
fn the_largest_filters_within_the_limits_still_parse() {
    // Each is near a limit of its own kind (operators, bytes, nesting), and must not meet the
    // parser's call budget first. Measured: a 10.9 KB IN list takes about 243,000 parser calls,
    // a 9 KB LINESTRING 195,000, so even a 16 KB filter of either stays well under the budget.
    let many = vec!["xpcc = false"; 128].join(" AND ");
    assert_eq!(ids(&many), ["urumqi", "xining"]);
    let nested_and = format!(
        "{}xpcc = false{}",
        "(xpcc = false AND ".repeat(31),
        ")".repeat(31)
    );
    assert_eq!(ids(&nested_and), ["urumqi", "xining"]);
    let names: Vec<String> = (0..1500).map(|i| format!("'n{i}'")).collect();
    let in_list = format!("name IN ('Hami',{})", names.join(","));
    assert_eq!(ids(&in_list), ["hami"]);
    let line: Vec<String> = (0..1000).map(|i| format!("-{i} -1")).collect();
    let line = format!("S_INTERSECTS(geometry, LINESTRING({}))", line.join(", "));
    assert!(line.len() < limits::MAX_FILTER_BYTES);
    assert_eq!(ids(&line), Vec::<String>::new());
    let arithmetic = format!("investment_cny > {}1", "1 + 2 * ".repeat(60));
    assert_eq!(ids(&arithmetic), ["urumqi", "xining"]);
}
