//! Vector tiles of the real layers, decoded again with geozero's MVT reader and put back on
//! the map: every county is in the tile under it, geometry lands where the data says, rings
//! are wound as MVT requires, and the grid agrees with PROJ's EPSG:3857.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

use compute_atlas::crs::{from_crs84, Crs};
use compute_atlas::layers::{build_layers, FeatureGeometry, Layer};
use compute_atlas::tiles::{encode_tile, layer_tile, TileId, BUFFER, EXTENT};
use geo::{Area, Contains, InteriorPoint};
use geo_types::Geometry;
use geozero::mvt::{Message, Tile, TileValue};
use geozero::ToGeo;

fn layers() -> &'static Vec<Layer> {
    static L: OnceLock<Vec<Layer>> = OnceLock::new();
    L.get_or_init(|| build_layers(common::atlas()))
}

fn layer(id: &str) -> &'static Layer {
    layers().iter().find(|l| l.id == id).unwrap()
}

/// One decoded feature: its tags and its geometry in tile units.
struct Decoded {
    tags: BTreeMap<String, TileValue>,
    geometry: Geometry<f64>,
}

fn decode(bytes: &[u8]) -> Vec<Decoded> {
    if bytes.is_empty() {
        return Vec::new();
    }
    let tile = Tile::decode(bytes).expect("valid MVT protobuf");
    assert_eq!(tile.layers.len(), 1);
    let l = &tile.layers[0];
    assert_eq!(l.version, 2);
    assert_eq!(l.extent, Some(EXTENT));
    l.features
        .iter()
        .map(|f| {
            let tags = f
                .tags
                .chunks(2)
                .map(|kv| {
                    let key = l.keys[kv[0] as usize].clone();
                    let value = TileValue::try_from(l.values[kv[1] as usize].clone()).unwrap();
                    (key, value)
                })
                .collect();
            Decoded {
                tags,
                geometry: f.to_geo().expect("decodable geometry"),
            }
        })
        .collect()
}

fn make(layer: &Layer, t: TileId, props: Option<&[String]>) -> Vec<u8> {
    layer_tile(layer, t, |_| true, props).unwrap()
}

fn str_tag(d: &Decoded, k: &str) -> Option<String> {
    match d.tags.get(k) {
        Some(TileValue::Str(s)) => Some(s.clone()),
        _ => None,
    }
}

/// The decoded geometry back in CRS84.
fn to_lonlat(g: &Geometry<f64>, t: TileId) -> Geometry<f64> {
    use geo::MapCoords;
    g.map_coords(|c| {
        let (x, y) = t.lonlat(c.x, c.y);
        geo_types::coord! { x: x, y: y }
    })
}

#[test]
fn grid_agrees_with_proj_web_mercator() {
    // EPSG:3857 metres from PROJ, turned into tile units by the standard's own arithmetic.
    const HALF: f64 = 20_037_508.342_789_244;
    let points = [
        (94.688, 43.2497),
        (73.5, 39.4),
        (121.47, 31.23),
        (-70.0, -33.4),
    ];
    for z in [0u8, 5, 9, 14] {
        for (lon, lat) in points {
            let mut c = [(lon, lat)];
            from_crs84(Crs::Epsg(3857), &mut c).unwrap();
            let (mx, my) = c[0];
            let t = TileId::containing(z, lon, lat);
            let n = (1u64 << z) as f64;
            let want_x = ((mx + HALF) / (2.0 * HALF) * n - t.x as f64) * EXTENT as f64;
            let want_y = ((HALF - my) / (2.0 * HALF) * n - t.y as f64) * EXTENT as f64;
            let (x, y) = t.units(lon, lat);
            assert!(
                (x - want_x).abs() < 1e-3 && (y - want_y).abs() < 1e-3,
                "z{z} ({lon},{lat}): ({x},{y}) vs PROJ ({want_x},{want_y})"
            );
            assert!((0.0..EXTENT as f64).contains(&x) && (0.0..EXTENT as f64).contains(&y));
        }
    }
}

#[test]
fn every_county_is_in_the_tile_under_its_interior_point() {
    let counties = layer("counties");
    let a = common::atlas();
    assert_eq!(counties.features.len(), a.counties.len());
    for z in [6u8, 9] {
        for (f, c) in counties.features.iter().zip(&a.counties) {
            let p = c.geometry.interior_point().unwrap();
            let t = TileId::containing(z, p.x(), p.y());
            let i = counties.feature_index(&f.id).unwrap();
            assert!(
                counties.features_in(t.bounds(BUFFER)).contains(&i),
                "z{z}: {} not found under its own point",
                f.id
            );
            // Encoded alone: the neighbours are checked by the zoom-4 sweep.
            let props = ["adcode".to_string(), "name_en".to_string()];
            let found: Vec<Decoded> =
                decode(&encode_tile(counties, &[i], t, Some(&props)).unwrap())
                    .into_iter()
                    .filter(|d| str_tag(d, "adcode").as_deref() == Some(f.id.as_str()))
                    .collect();
            assert_eq!(found.len(), 1, "z{z} tile {t:?}: county {} missing", f.id);
            let d = &found[0];
            assert_eq!(str_tag(d, "name_en").as_deref(), Some(c.name_en.as_str()));
            let back = to_lonlat(&d.geometry, t);
            assert!(
                back.contains(&p),
                "z{z}: county {} ({}) does not contain its interior point {p:?} after the round trip",
                f.id,
                c.name_en
            );
        }
    }
}

#[test]
fn rings_are_wound_and_clipped_as_mvt_requires() {
    let counties = layer("counties");
    // Yiwu county is far larger than a zoom-10 tile: its polygon must be cut to the tile.
    let t = TileId::containing(10, 94.69, 43.25);
    let decoded = decode(&make(counties, t, Some(&["adcode".to_string()])));
    assert!(!decoded.is_empty());
    let lo = -BUFFER;
    let hi = EXTENT as f64 + BUFFER;
    for d in &decoded {
        let polys = match &d.geometry {
            Geometry::Polygon(p) => vec![p.clone()],
            Geometry::MultiPolygon(mp) => mp.0.clone(),
            g => panic!("county decoded as {g:?}"),
        };
        for p in polys {
            // Positive area in tile units (y down) is what MVT 2.1 calls an exterior ring.
            assert!(p.exterior().0.len() >= 4);
            let ext = geo_types::Polygon::new(p.exterior().clone(), vec![]);
            assert!(ext.signed_area() > 0.0, "exterior ring wound backwards");
            for r in p.interiors() {
                let hole = geo_types::Polygon::new(r.clone(), vec![]);
                assert!(hole.signed_area() < 0.0, "hole wound like an exterior");
            }
            for c in p.exterior().coords() {
                assert!(
                    (lo..=hi).contains(&c.x) && (lo..=hi).contains(&c.y),
                    "{c:?} outside the buffered tile"
                );
                assert_eq!(c.x.fract(), 0.0);
            }
        }
    }
    assert!(decoded
        .iter()
        .any(|d| str_tag(d, "adcode").as_deref() == Some("650522")));
}

#[test]
fn low_zoom_tiles_hold_every_county_once_per_tile() {
    let counties = layer("counties");
    let z = 4u8;
    let (t0, t1) = TileId::corners(z, counties.extent.unwrap());
    let mut seen = HashSet::new();
    for x in t0.x..=t1.x {
        for y in t0.y..=t1.y {
            let t = TileId::new(z as u32, x, y).unwrap();
            let decoded = decode(&make(counties, t, None));
            let ids: Vec<String> = decoded
                .iter()
                .filter_map(|d| str_tag(d, "adcode"))
                .collect();
            let unique: HashSet<&String> = ids.iter().collect();
            assert_eq!(unique.len(), ids.len(), "a county twice in {t:?}");
            seen.extend(ids);
        }
    }
    // At zoom 4 a unit is about 600 m: only districts smaller than a few units may vanish.
    let missing: Vec<&str> = counties
        .features
        .iter()
        .filter(|f| !seen.contains(&f.id))
        .map(|f| f.id.as_str())
        .collect();
    for id in &missing {
        let c = common::atlas()
            .counties
            .iter()
            .find(|c| c.adcode.to_string() == *id)
            .unwrap();
        let km2 = c.geometry.unsigned_area() * 111.0 * 111.0;
        assert!(
            km2 < 5.0,
            "county {id} ({}, ~{km2:.0} km²) vanished at zoom 4",
            c.name_en
        );
    }
    assert!(
        missing.len() < 10,
        "{} counties vanished at zoom 4",
        missing.len()
    );
}

/// Neighbours share their simplified borders: in dense tiles (Chongqing and Sichuan at zoom 3,
/// Urumqi at zoom 5) the counties' areas add up to the area of their union (no overlap), and
/// the union has no holes (no sliver of background between two neighbours; neither area has an
/// enclave that no county covers), to within a quarter of a pixel. Simplified one county at a
/// time, the counties of the zoom-3 tile overlap by about 49,000 square units (770 pixels' worth).
#[test]
fn neighbours_share_their_simplified_borders() {
    use geo::{unary_union, MultiPolygon, Polygon};
    let counties = layer("counties");
    for (z, lon, lat) in [(3u8, 106.5, 29.6), (5, 87.6, 43.8)] {
        let t = TileId::containing(z, lon, lat);
        let polygons: Vec<Polygon<f64>> = decode(&make(counties, t, None))
            .into_iter()
            .flat_map(|d| match d.geometry {
                Geometry::Polygon(p) => vec![p],
                Geometry::MultiPolygon(mp) => mp.0,
                other => panic!("a county as {other:?}"),
            })
            .collect();
        assert!(polygons.len() > 50, "{t:?}: {} polygons", polygons.len());
        let sum: f64 = polygons.iter().map(|p| p.unsigned_area()).sum();
        let union: MultiPolygon<f64> = unary_union(&polygons);
        let overlap = sum - union.unsigned_area();
        let holes: f64 = union
            .0
            .iter()
            .flat_map(|p| p.interiors())
            .map(|r| Polygon::new(r.clone(), vec![]).unsigned_area())
            .sum();
        // A pixel is 64 square units (8 x 8 at 512 px). The little left is where the data's
        // neighbours do not share a border vertex for vertex (a vertex on one side only).
        assert!(
            overlap.abs() < 16.0,
            "{t:?}: counties overlap by {overlap} square units"
        );
        assert!(
            holes < 16.0,
            "{t:?}: {holes} square units of gaps between counties"
        );
    }
}

#[test]
fn points_keep_position_and_selected_properties() {
    let sites = layer("sites");
    let yiwu = &sites.features[sites.feature_index("xj-yiwu-acc").unwrap()];
    let FeatureGeometry::Point(lon, lat) = yiwu.geometry else {
        panic!("site without a point")
    };
    let t = TileId::containing(12, lon, lat);
    let all = decode(&make(sites, t, None));
    let d = all
        .iter()
        .find(|d| str_tag(d, "id").as_deref() == Some("xj-yiwu-acc"))
        .expect("Yiwu site in its tile");
    let Geometry::Point(p) = d.geometry else {
        panic!("site decoded as {:?}", d.geometry)
    };
    let (x, y) = t.units(lon, lat);
    assert!((p.x() - x).abs() <= 0.5 && (p.y() - y).abs() <= 0.5);
    // Nulls are left out; known values keep their types.
    assert_eq!(
        d.tags.get("reported_pflops"),
        Some(&TileValue::Double(60000.0))
    );
    assert!(
        !d.tags.contains_key("chip_count"),
        "null chip_count should be absent"
    );
    let only = decode(&make(
        sites,
        t,
        Some(&["id".to_string(), "status".to_string()]),
    ));
    assert_eq!(only.len(), all.len());
    for d in &only {
        assert!(
            d.tags.keys().all(|k| k == "id" || k == "status"),
            "{:?}",
            d.tags.keys()
        );
    }
}

#[test]
fn empty_places_make_empty_tiles() {
    // The middle of the Atlantic at zoom 5.
    let t = TileId::containing(5, -30.0, 30.0);
    for l in layers() {
        assert!(
            make(l, t, None).is_empty(),
            "{} has features in the Atlantic",
            l.id
        );
    }
    // A point outside the tile and its buffer is left out even if handed in.
    let sites = layer("sites");
    let all: Vec<usize> = (0..sites.features.len()).collect();
    assert!(encode_tile(sites, &all, t, None).unwrap().is_empty());
}

#[test]
fn tile_geometry_matches_an_exact_clip_of_the_source() {
    use geo::{BooleanOps, MapCoords};
    let counties = layer("counties");
    let a = common::atlas();
    let i = counties.feature_index("650522").unwrap();
    let full = &a.counties[i].geometry;
    let lo = -BUFFER;
    let hi = EXTENT as f64 + BUFFER;
    let window = geo_types::Rect::new(
        geo_types::coord! { x: lo, y: lo },
        geo_types::coord! { x: hi, y: hi },
    )
    .to_polygon();
    let mut checked = 0;
    // Tiles along a line across Yiwu county: inside, across its border, and at several zooms.
    for z in [5u8, 8, 10, 12] {
        for k in 0..12 {
            let lon = 93.6 + k as f64 * 0.25;
            let t = TileId::containing(z, lon, 43.3);
            let exact = full
                .map_coords(|c| {
                    let (x, y) = t.units(c.x, c.y);
                    geo_types::coord! { x: x, y: y }
                })
                .intersection(&window)
                .unsigned_area();
            let decoded = decode(&encode_tile(counties, &[i], t, Some(&[])).unwrap());
            let got: f64 = decoded.iter().map(|d| d.geometry.unsigned_area()).sum();
            if exact < 1.0 {
                assert!(
                    got < 50.0,
                    "z{z} {t:?}: {got} units² drawn where the county is absent"
                );
                continue;
            }
            let rel = (got - exact).abs() / exact;
            assert!(
                rel < 0.01,
                "z{z} {t:?}: area {got:.0} vs exact clip {exact:.0} ({:.2}%)",
                rel * 100.0
            );
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} tiles held the county");
}

/// Found by the `tiles` fuzz target: a hole lying outside its exterior (invalid, but a data file
/// may hold one) escaped clipping, because a polygon's bounding box counts only its exterior.
#[test]
fn invalid_rings_are_still_clipped_to_the_tile() {
    use compute_atlas::layers::{GeometryKind, LayerFeature};
    use geo_types::{coord, LineString, MultiPolygon, Polygon};
    let t = TileId::containing(8, 93.5, 42.8);
    let ring = |pts: &[(f64, f64)]| {
        let mut ls: LineString<f64> = pts.iter().map(|&(x, y)| coord! { x: x, y: y }).collect();
        ls.close();
        ls
    };
    let exterior = ring(&[(93.49, 42.79), (93.51, 42.8), (93.5, 42.8)]);
    let hole = ring(&[
        (94.16, 43.93),
        (92.86, 41.84),
        (93.55, 42.69),
        (92.49, 43.33),
        (94.76, 42.94),
        (92.26, 44.06),
    ]);
    let feature = LayerFeature {
        id: "1".into(),
        geometry: FeatureGeometry::MultiPolygon(
            MultiPolygon(vec![Polygon::new(exterior, vec![hole])]).into(),
        ),
        bbox: None,
        properties: serde_json::Map::new(),
        period: None,
        json: String::new(),
    };
    let l = Layer::from_features(
        "test",
        "test",
        GeometryKind::MultiPolygon,
        Vec::new(),
        vec![feature],
    );
    let decoded = decode(&encode_tile(&l, &[0], t, None).unwrap());
    assert!(!decoded.is_empty());
    let (lo, hi) = (-BUFFER, EXTENT as f64 + BUFFER);
    for d in &decoded {
        use geo::CoordsIter;
        for c in d.geometry.coords_iter() {
            assert!(
                (lo..=hi).contains(&c.x) && (lo..=hi).contains(&c.y),
                "{c:?} escaped the tile"
            );
        }
    }
}
