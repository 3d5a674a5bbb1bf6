//! The renewable bases as places, on the real bundled data: outlines dissolved from the units
//! their rows name, the joins to counties, prefectures and sites, the programmes table for the
//! rows without a place, and the validation of `location_precision` and `adcodes`.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

use actix_web::http::StatusCode;
use actix_web::test as atest;
use actix_web::web::Data;
use compute_atlas::index::PreparedPolygon;
use compute_atlas::layers::{FeatureGeometry, Layer};
use compute_atlas::load::Severity;
use compute_atlas::server::{app, AppState, Served, WebConfig};
use compute_atlas::{Atlas, AtlasConfig};
use geo::{Geodesic, GeodesicArea, InteriorPoint, Length};
use geo_types::MultiPolygon;
use serde_json::Value;

/// The bundled data, with the power-plant files when they are available (so that every
/// collection the service can serve is checked).
fn served() -> &'static Served {
    static S: OnceLock<Served> = OnceLock::new();
    S.get_or_init(|| {
        let mut config = AtlasConfig::new(common::data_dir());
        config.plant_files = common::plant_files().unwrap_or_default();
        Served::build(&config).expect("bundled data builds")
    })
}

fn state() -> Data<AppState> {
    static S: OnceLock<Data<AppState>> = OnceLock::new();
    S.get_or_init(|| {
        let config = AtlasConfig::new(common::data_dir());
        let served = Served::build(&config).expect("bundled data builds");
        Data::new(AppState::new(served, config))
    })
    .clone()
}

async fn get(uri: &str) -> (StatusCode, Vec<u8>) {
    let svc = atest::init_service(app(state(), Data::new(WebConfig::default()), None)).await;
    let resp = atest::call_service(&svc, atest::TestRequest::get().uri(uri).to_request()).await;
    let status = resp.status();
    (status, atest::read_body(resp).await.to_vec())
}

async fn get_json(uri: &str) -> Value {
    let (status, body) = get(uri).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{uri}: {}",
        String::from_utf8_lossy(&body)
    );
    serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{uri}: not JSON: {e}"))
}

/// The rows of the bundled `renewable_bases.csv`, read here independently of the loader.
fn csv_rows() -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(common::data_dir().join("renewable_bases.csv")).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(|f| f.trim().to_string()))
                .collect()
        })
        .collect()
}

fn adcodes(row: &HashMap<String, String>) -> Vec<u32> {
    row["adcodes"]
        .split('|')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect()
}

fn layer(id: &str) -> &'static Layer {
    served()
        .layer(id)
        .unwrap_or_else(|| panic!("no layer {id}"))
}

fn outline(f: &compute_atlas::layers::LayerFeature) -> &MultiPolygon<f64> {
    match &f.geometry {
        FeatureGeometry::MultiPolygon(mp) => mp,
        other => panic!("base {} has geometry {other:?}", f.id),
    }
}

fn listed(props: &serde_json::Map<String, Value>) -> BTreeSet<String> {
    match &props["renewable_bases"] {
        Value::Null => BTreeSet::new(),
        Value::String(s) => s.split(" | ").map(str::to_string).collect(),
        other => panic!("renewable_bases is {other}"),
    }
}

fn share_a_vertex(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>) -> bool {
    use geo::CoordsIter;
    let seen: std::collections::HashSet<(u64, u64)> = a
        .coords_iter()
        .map(|c| (c.x.to_bits(), c.y.to_bits()))
        .collect();
    b.coords_iter()
        .any(|c| seen.contains(&(c.x.to_bits(), c.y.to_bits())))
}

fn ring_length(mp: &MultiPolygon<f64>) -> f64 {
    mp.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .map(|r| Geodesic.length(r))
        .sum()
}

#[test]
fn every_feature_of_every_collection_has_a_geometry() {
    // The OGC GeoJSON feature schema that conformance tests apply wants a geometry object on
    // every feature; the renewable bases used to have none.
    for l in &served().layers {
        assert!(!l.features.is_empty(), "{} is empty", l.id);
        for f in l.features.iter() {
            let v: Value = serde_json::from_str(&f.json).unwrap();
            let g = &v["geometry"];
            assert!(g.is_object(), "{} {}: geometry {g}", l.id, f.id);
            assert_eq!(g["type"], l.geometry.name(), "{} {}", l.id, f.id);
            let coords = g["coordinates"].as_array().unwrap();
            assert!(!coords.is_empty(), "{} {}: empty coordinates", l.id, f.id);
        }
    }
}

#[test]
fn the_collection_holds_exactly_the_located_rows() {
    let rows = csv_rows();
    let located: BTreeSet<&str> = rows
        .iter()
        .filter(|r| !r["adcodes"].is_empty())
        .map(|r| r["name"].as_str())
        .collect();
    let l = layer("renewable-bases");
    let served: BTreeSet<&str> = l
        .features
        .iter()
        .map(|f| f.properties["name"].as_str().unwrap())
        .collect();
    assert_eq!(served, located);
    for f in l.features.iter() {
        let row = rows
            .iter()
            .find(|r| r["name"] == f.properties["name"])
            .unwrap();
        let codes: Vec<String> = adcodes(row).iter().map(u32::to_string).collect();
        assert_eq!(f.properties["adcodes"], codes.join(" | "));
        assert_eq!(
            f.properties["location_precision"],
            row["location_precision"]
        );
        assert!(f.properties["geometry_note"]
            .as_str()
            .unwrap()
            .contains("not for the base's footprint"));
    }
}

#[test]
fn outlines_are_dissolved_unions_of_their_units() {
    let a = &served().atlas;
    let rows = csv_rows();
    for f in layer("renewable-bases").features.iter() {
        let row = rows
            .iter()
            .find(|r| r["name"] == f.properties["name"])
            .unwrap();
        let parts: Vec<(&MultiPolygon<f64>, f64)> = adcodes(row)
            .iter()
            .map(|&code| match row["location_precision"].as_str() {
                "county" => {
                    let c = &a.counties[a.county_by_adcode(code).unwrap()];
                    (&*c.geometry, c.area_km2)
                }
                _ => {
                    let p = a.prefectures.iter().find(|p| p.adcode == code).unwrap();
                    (&*p.geometry, p.area_km2)
                }
            })
            .collect();
        let mp = outline(f);
        let area = mp.geodesic_area_unsigned() / 1e6;
        let sum: f64 = parts.iter().map(|p| p.1).sum();
        assert!(
            (area - sum).abs() <= sum * 1e-3,
            "{}: outline {area} km², units {sum} km²",
            f.id
        );
        // Where two units touch (neighbours share identical border vertices), their shared
        // border is gone from the outline.
        let touching = parts
            .iter()
            .enumerate()
            .any(|(i, p)| parts[i + 1..].iter().any(|q| share_a_vertex(p.0, q.0)));
        let parts_length: f64 = parts.iter().map(|p| ring_length(p.0)).sum();
        let length = ring_length(mp);
        if touching {
            assert!(
                length < parts_length * 0.99,
                "{}: outline {length} m, units {parts_length} m: inner borders left",
                f.id
            );
        } else {
            assert!(
                (length - parts_length).abs() < parts_length * 1e-6,
                "{}",
                f.id
            );
        }
    }
}

#[test]
fn tianfu_cluster_covers_exactly_its_three_districts() {
    let a = &served().atlas;
    let rows = csv_rows();
    let row = rows
        .iter()
        .find(|r| r["name"].starts_with("Tianfu data-centre cluster"))
        .expect("the Tianfu row");
    let codes = adcodes(row);
    assert_eq!(codes.len(), 3, "{:?}", row["adcodes"]);
    let f = layer("renewable-bases")
        .features
        .iter()
        .find(|f| f.properties["name"] == row["name"].as_str())
        .unwrap();
    let mp = outline(f);
    let area = mp.geodesic_area_unsigned() / 1e6;
    let sum: f64 = codes
        .iter()
        .map(|&c| a.counties[a.county_by_adcode(c).unwrap()].area_km2)
        .sum();
    assert!((area - sum).abs() <= sum * 1e-3, "{area} against {sum}");
    // A county is inside the outline when a point inside it is: exactly the three.
    let prepared = PreparedPolygon::new(mp);
    let inside: BTreeSet<u32> = a
        .counties
        .iter()
        .filter(|c| {
            let p = c.geometry.interior_point().unwrap();
            prepared.contains(p.x(), p.y())
        })
        .map(|c| c.adcode)
        .collect();
    assert_eq!(inside, codes.into_iter().collect());
}

#[test]
fn yiwu_county_lists_the_yiwu_computing_centre() {
    let rows = csv_rows();
    let yiwu: Vec<_> = rows
        .iter()
        .filter(|r| r["location_precision"] == "county" && adcodes(r).contains(&650522))
        .collect();
    assert_eq!(yiwu.len(), 1, "one county-level row names Yiwu County");
    assert!(yiwu[0]["name"].contains("Yiwu"), "{}", yiwu[0]["name"]);
    let bases = layer("renewable-bases");
    let id = &bases
        .features
        .iter()
        .find(|f| f.properties["name"] == yiwu[0]["name"].as_str())
        .unwrap()
        .id;
    let counties = layer("counties");
    let county = &counties.features[counties.feature_index("650522").unwrap()];
    let list = listed(&county.properties);
    assert!(list.contains(id), "{list:?} lacks {id}");
    assert!(county.properties["renewable_base_names"]
        .as_str()
        .unwrap()
        .contains(yiwu[0]["name"].as_str()));
    // The Hami prefecture rows cover Yiwu too: it is one of Hami's counties.
    for r in rows
        .iter()
        .filter(|r| r["location_precision"] == "prefecture" && adcodes(r).contains(&650500))
    {
        let hami = bases
            .features
            .iter()
            .find(|f| f.properties["name"] == r["name"].as_str())
            .unwrap();
        assert!(list.contains(&hami.id), "{list:?} lacks {}", hami.id);
    }
}

#[test]
fn counties_prefectures_and_sites_list_the_bases_whose_outline_holds_them() {
    // Checked geometrically against the outlines, independently of the adcode join.
    let a = &served().atlas;
    let bases: Vec<(&str, PreparedPolygon)> = layer("renewable-bases")
        .features
        .iter()
        .map(|f| (f.id.as_str(), PreparedPolygon::new(outline(f))))
        .collect();
    let holding = |x: f64, y: f64| -> BTreeSet<String> {
        bases
            .iter()
            .filter(|(_, p)| p.contains(x, y))
            .map(|(id, _)| id.to_string())
            .collect()
    };
    let counties = layer("counties");
    let mut county_holding: HashMap<u32, BTreeSet<String>> = HashMap::new();
    let mut listed_somewhere = 0;
    for c in &a.counties {
        let p = c.geometry.interior_point().unwrap();
        let expected = holding(p.x(), p.y());
        let f = &counties.features[counties.feature_index(&c.adcode.to_string()).unwrap()];
        assert_eq!(listed(&f.properties), expected, "county {}", c.adcode);
        listed_somewhere += usize::from(!expected.is_empty());
        county_holding.insert(c.adcode, expected);
    }
    assert!(
        listed_somewhere > 16,
        "{listed_somewhere} counties list a base"
    );
    let prefectures = layer("prefectures");
    for p in &a.prefectures {
        let expected: BTreeSet<String> = a
            .counties
            .iter()
            .filter(|c| c.prefecture_adcode == p.adcode)
            .flat_map(|c| county_holding[&c.adcode].iter().cloned())
            .collect();
        let f = &prefectures.features[prefectures.feature_index(&p.adcode.to_string()).unwrap()];
        assert_eq!(listed(&f.properties), expected, "prefecture {}", p.adcode);
    }
    let sites = layer("sites");
    let mut sites_in_bases = 0;
    for s in &a.sites {
        let f = &sites.features[sites.feature_index(&s.id).unwrap()];
        let expected = holding(s.lon, s.lat);
        assert_eq!(listed(&f.properties), expected, "site {}", s.id);
        sites_in_bases += usize::from(!expected.is_empty());
    }
    assert!(sites_in_bases > 0);
}

#[test]
fn a_bad_adcode_or_precision_is_a_data_problem_naming_the_line() {
    let dir = common::data_dir_copy();
    let path = dir.path().join("renewable_bases.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let line_of = |needle: &str| -> u64 {
        text.split('\n').position(|l| l.contains(needle)).unwrap() as u64 + 1
    };
    // Gonghe County's code replaced by one that is no unit; Jinchang (a prefecture) declared
    // as a county; a precision outside the vocabulary.
    let gonghe = line_of(",county,632521");
    let jinchang = line_of(",prefecture,620300");
    let kubuqi = line_of(",county,150621");
    let bad = text
        .replace(",county,632521", ",county,659999")
        .replace(",prefecture,620300", ",county,620300")
        .replace(",county,150621", ",district,150621");
    std::fs::write(&path, bad).unwrap();
    let a = Atlas::build(&AtlasConfig::new(dir.path())).unwrap();
    let problem = |line: u64| {
        a.problems
            .errors()
            .find(|p| p.line == Some(line) && p.file.ends_with("renewable_bases.csv"))
            .unwrap_or_else(|| panic!("no problem on line {line}: {:?}", a.problems))
    };
    let p = problem(gonghe);
    assert_eq!(p.severity, Severity::Error);
    assert_eq!(
        (p.column.as_deref(), p.value.as_deref()),
        (Some("adcodes"), Some("659999"))
    );
    assert!(p.reason.contains("not a county"), "{}", p.reason);
    let p = problem(jinchang);
    assert_eq!(p.value.as_deref(), Some("620300"));
    assert!(p.reason.contains("is a prefecture"), "{}", p.reason);
    let p = problem(kubuqi);
    assert_eq!(
        (p.column.as_deref(), p.value.as_deref()),
        (Some("location_precision"), Some("district"))
    );
    // The three rows are left out, as any row with an error.
    assert_eq!(a.renewable_bases.len(), csv_rows().len() - 3);
    assert!(a
        .renewable_bases
        .iter()
        .all(|b| !b.adcodes.contains(&659999)));
    let mut strict = AtlasConfig::new(dir.path());
    strict.strict = true;
    assert!(Atlas::build(&strict).is_err());
}

#[actix_web::test]
async fn the_programmes_table_holds_exactly_the_rows_without_a_place() {
    let rows = csv_rows();
    let unplaced: Vec<&HashMap<String, String>> =
        rows.iter().filter(|r| r["adcodes"].is_empty()).collect();
    assert!(unplaced.iter().all(|r| r["location_precision"].is_empty()));
    let v = get_json("/analytics/renewable-programmes").await;
    let got = v["rows"].as_array().unwrap();
    assert_eq!(v["returned"], got.len());
    assert_eq!(got.len(), unplaced.len());
    for (g, r) in got.iter().zip(&unplaced) {
        assert_eq!(g["name"], r["name"].as_str());
        assert_eq!(g["source_url"], r["source_url"].as_str());
        assert_eq!(g["type"], r["type"].as_str());
        let mw = r["capacity_mw"].parse::<f64>().ok();
        assert_eq!(g["capacity_mw"].as_f64(), mw, "{}", r["name"]);
    }
    // None of them is a feature of the collection.
    let bases = layer("renewable-bases");
    for g in got {
        assert!(bases.feature_index(g["id"].as_str().unwrap()).is_none());
    }
    // The same rows as CSV, with the header first.
    let (status, body) = get("/analytics/renewable-programmes?f=csv").await;
    assert_eq!(status, StatusCode::OK);
    let mut r = csv::Reader::from_reader(body.as_slice());
    assert_eq!(&r.headers().unwrap()[0], "id");
    let names: Vec<String> = r.records().map(|rec| rec.unwrap()[1].to_string()).collect();
    let want: Vec<String> = unplaced.iter().map(|r| r["name"].clone()).collect();
    assert_eq!(names, want);
    // Unknown parameters and formats are client errors with a reason.
    let (status, body) = get("/analytics/renewable-programmes?sort=name").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&body).contains("sort"));
    let (status, _) = get("/analytics/renewable-programmes?f=xml").await;
    assert_eq!(status, StatusCode::NOT_ACCEPTABLE);
}

#[actix_web::test]
async fn the_collection_links_the_programmes_and_has_tiles() {
    let c = get_json("/collections/renewable-bases").await;
    let links = c["links"].as_array().unwrap();
    let related: Vec<&str> = links
        .iter()
        .filter(|l| l["rel"] == "related")
        .map(|l| l["href"].as_str().unwrap())
        .collect();
    assert!(
        related
            .iter()
            .any(|h| h.ends_with("/analytics/renewable-programmes")),
        "{related:?}"
    );
    assert!(c["extent"]["spatial"]["bbox"].is_array());
    let items = get_json("/collections/renewable-bases/items?f=json&limit=100").await;
    let feats = items["features"].as_array().unwrap();
    assert_eq!(feats.len(), layer("renewable-bases").features.len());
    assert!(feats
        .iter()
        .all(|f| f["geometry"]["type"] == "MultiPolygon"));
    // Tiles: the tileset exists, and the zoom-3 tile over Hami holds the Hami bases.
    let t = get_json("/collections/renewable-bases/tiles").await;
    assert!(t["tilesets"].is_array(), "{t}");
    let (status, body) = get("/collections/renewable-bases/tiles/WebMercatorQuad/3/2/6").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.windows(b"renewable-bases".len())
            .any(|w| w == b"renewable-bases"),
        "the tile names the layer"
    );
}

#[actix_web::test]
async fn site_power_lists_the_bases_the_site_lies_in() {
    let snapshot = state().snapshot();
    let a = &snapshot.atlas;
    let (i, s) = a
        .sites
        .iter()
        .enumerate()
        .find(|(i, _)| a.site_places[*i].county.map(|c| a.counties[c].adcode) == Some(650522))
        .expect("a site whose point falls in Yiwu County");
    let v = get_json(&format!("/analytics/sites/{}/power", s.id)).await;
    let got: BTreeSet<String> = v["renewable_bases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["id"].as_str().unwrap().to_string())
        .collect();
    let sites = layer("sites");
    let f = &sites.features[sites.feature_index(&s.id).unwrap()];
    assert_eq!(got, listed(&f.properties));
    assert!(!got.is_empty(), "{} lies in the Yiwu bases", s.id);
    assert_eq!(got.len(), a.base_cover.sites[i].len());
}
