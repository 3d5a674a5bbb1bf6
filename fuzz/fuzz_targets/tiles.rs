//! Tile encoding must turn any polygon (self-crossing, spiky, degenerate, far off the tile) into a
//! valid MVT tile or drop it, never panic: the bytes give the rings and the tile, and the tile
//! must decode again with coordinates inside the buffered tile.
//!
//! i_overlay 4.5 (geo's boolean operations) panics on some self-touching rings
//! (iShape-Rust/iOverlay#78); `encode_tile` catches that and leaves the feature out. libFuzzer's
//! panic hook would abort on the caught panic, so this target lets panics raised inside i_overlay
//! through to that catch and aborts on every other one.
#![no_main]

use compute_atlas::layers::{FeatureGeometry, GeometryKind, Layer, LayerFeature};
use compute_atlas::tiles::{encode_tile, TileId, BUFFER, EXTENT};
use geo_types::{coord, LineString, MultiPolygon, Polygon};
use geozero::mvt::{Message, Tile};
use geozero::ToGeo;
use libfuzzer_sys::fuzz_target;

fn tolerate_known_upstream_panic() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let abort_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.location().is_some_and(|l| l.file().contains("i_overlay")) {
                return;
            }
            abort_hook(info);
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    tolerate_known_upstream_panic();
    let Some((&zb, rest)) = data.split_first() else { return };
    // Rings of up to 64 vertices around Hami, from pairs of signed bytes (about ±1.3° at most).
    let mut rings: Vec<LineString<f64>> = Vec::new();
    for chunk in rest.chunks(128) {
        let pts: Vec<_> = chunk
            .chunks_exact(2)
            .map(|p| coord! { x: 93.5 + (p[0] as i8) as f64 / 100.0, y: 42.8 + (p[1] as i8) as f64 / 100.0 })
            .collect();
        if pts.len() >= 3 {
            let mut ls = LineString(pts);
            ls.close();
            rings.push(ls);
        }
    }
    let Some((exterior, holes)) = rings.split_first() else { return };
    let mp = MultiPolygon(vec![Polygon::new(exterior.clone(), holes.to_vec())]);
    let feature = LayerFeature {
        id: "1".into(),
        geometry: FeatureGeometry::MultiPolygon(mp.into()),
        bbox: None,
        properties: serde_json::Map::new(),
        period: None,
        json: String::new(),
    };
    let layer = Layer::from_features("fuzz", "fuzz", GeometryKind::MultiPolygon, Vec::new(), vec![feature]);
    let z = zb % 13;
    let t = TileId::containing(z, 93.5, 42.8);
    let bytes = encode_tile(&layer, &[0], t, None).expect("encodes");
    if bytes.is_empty() {
        return;
    }
    let tile = Tile::decode(&bytes[..]).expect("valid protobuf");
    for f in &tile.layers[0].features {
        let g = f.to_geo().expect("decodable geometry");
        let lo = -BUFFER;
        let hi = EXTENT as f64 + BUFFER;
        use geo::CoordsIter;
        for c in g.coords_iter() {
            assert!((lo..=hi).contains(&c.x) && (lo..=hi).contains(&c.y), "{c:?} outside the buffered tile");
        }
    }
});
