//! One layer's features as one MVT tile.

use geo::{BooleanOps, CoordsIter, Simplify};
use geo_types::{coord, Coord, Geometry, LineString, MultiPolygon, Point, Polygon, Rect};
use geozero::mvt::{tile, Message, TagsBuilder, Tile, TileValue};
use geozero::ToMvt;
use serde_json::Value;

use std::cmp::Ordering;

use super::{TileError, TileId, EXTENT};
use crate::layers::{vertex_order, FeatureGeometry, Layer, LayerFeature};

/// Tile units kept beyond each edge, so strokes and symbols that cross an edge join up.
pub const BUFFER: f64 = 64.0;
/// Douglas-Peucker tolerance in tile units at zoom `z`. A map draws a tile at one to two times
/// its size until the next zoom's tiles take over, so below zoom 8 half a pixel (4 units at
/// 512 px) cannot be seen, and it drops most vertices of a county at low zoom (a third are
/// left at zoom 3, which the start view draws). From zoom 8 the published archives end
/// (provinces 8, prefectures and bases 9, the rest 10) and maps enlarge their last tiles many
/// times, so those keep 1/8 pixel. Shared borders are simplified once for both neighbours
/// (see [`crate::layers::Junctions`]), so no tolerance opens gaps between them.
fn tolerance(z: u8) -> f64 {
    if z < 8 {
        4.0
    } else {
        1.0
    }
}

/// The tile of `layer`: the features that reach the tile or its buffer and that `keep` accepts.
pub fn layer_tile(
    layer: &Layer,
    tile: TileId,
    keep: impl Fn(&LayerFeature) -> bool,
    properties: Option<&[String]>,
) -> Result<Vec<u8>, TileError> {
    let mut ids = layer.features_in(tile.bounds(BUFFER));
    ids.retain(|&i| keep(&layer.features[i]));
    encode_tile(layer, &ids, tile, properties)
}

/// Encodes features `ids` of `layer` in tile `tile`, with all their properties or only
/// `properties`. Nulls are left out (MVT has no null). Features that vanish at this zoom (a
/// county smaller than a unit) are dropped; an empty tile is zero bytes, as MVT allows.
pub fn encode_tile(
    layer: &Layer,
    ids: &[usize],
    tile: TileId,
    properties: Option<&[String]>,
) -> Result<Vec<u8>, TileError> {
    let mut tags = TagsBuilder::new();
    let mut features = Vec::new();
    for &i in ids {
        let Some(f) = layer.features.get(i) else {
            continue;
        };
        let junctions = layer.ring_junctions(i);
        let Some(geometry) = tile_geometry(&f.geometry, junctions, tile, layer.id, &f.id) else {
            continue;
        };
        let mut out = geometry.to_mvt_unscaled().map_err(|e| TileError::Encode {
            layer: layer.id.to_string(),
            id: f.id.clone(),
            reason: e.to_string(),
        })?;
        out.id = f.id.parse::<u64>().ok();
        add_tags(&mut out, &mut tags, f, properties);
        features.push(out);
    }
    if features.is_empty() {
        return Ok(Vec::new());
    }
    let (keys, values) = tags.into_tags();
    let layer = tile::Layer {
        version: 2,
        name: layer.id.to_string(),
        features,
        keys,
        values: values.into_iter().map(Into::into).collect(),
        extent: Some(EXTENT),
    };
    Ok(Tile {
        layers: vec![layer],
    }
    .encode_to_vec())
}

fn add_tags(
    out: &mut tile::Feature,
    tags: &mut TagsBuilder,
    f: &LayerFeature,
    properties: Option<&[String]>,
) {
    let mut push = |k: &str, v: &Value| {
        if let Some(v) = tile_value(v) {
            let (ki, vi) = tags.insert_ref(k, v);
            out.tags.extend([ki, vi]);
        }
    };
    match properties {
        None => f.properties.iter().for_each(|(k, v)| push(k, v)),
        Some(names) => names.iter().for_each(|k| {
            if let Some(v) = f.properties.get(k) {
                push(k, v);
            }
        }),
    }
}

fn tile_value(v: &Value) -> Option<TileValue> {
    Some(match v {
        Value::Null => return None,
        Value::Bool(b) => TileValue::Bool(*b),
        Value::String(s) => TileValue::Str(s.clone()),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => TileValue::Uint(u),
            (None, Some(i)) => TileValue::Sint(i),
            _ => TileValue::Double(n.as_f64()?),
        },
        // Layers hold flat values; anything else travels as its JSON text.
        other => TileValue::Str(other.to_string()),
    })
}

/// The geometry in integer tile units, or `None` when nothing of it is left in the tile.
/// `junctions`: where each ring's shared borders begin and end.
fn tile_geometry(
    g: &FeatureGeometry,
    junctions: &[Box<[u32]>],
    tile: TileId,
    layer: &str,
    id: &str,
) -> Option<Geometry<f64>> {
    let lo = -BUFFER;
    let hi = EXTENT as f64 + BUFFER;
    match g {
        FeatureGeometry::None => None,
        FeatureGeometry::Point(lon, lat) => {
            let (x, y) = tile.units(*lon, *lat);
            ((lo..=hi).contains(&x) && (lo..=hi).contains(&y))
                .then(|| Point::new(x.round(), y.round()).into())
        }
        FeatureGeometry::MultiPolygon(mp) => {
            let tol = tolerance(tile.z);
            let mut cuts = junctions.iter().map(|c| &c[..]);
            let mut ring = |ls: &LineString<f64>| {
                simplified_ring(ls, cuts.next().unwrap_or(&[]), tile, lo, hi, tol)
            };
            let mut polygons = Vec::with_capacity(mp.0.len());
            for p in &mp.0 {
                let exterior = ring(p.exterior());
                let holes: Vec<_> = p.interiors().iter().filter_map(&mut ring).collect();
                if let Some(exterior) = exterior {
                    polygons.push(Polygon::new(exterior, holes));
                }
            }
            let simple = MultiPolygon(polygons);
            // Every ring counts, holes too: geo's bounding box reads only exteriors, and a
            // hole outside its exterior (invalid, but possible in a data file) must be clipped.
            if simple.0.is_empty() {
                return None;
            }
            let inside = simple
                .coords_iter()
                .all(|c| (lo..=hi).contains(&c.x) && (lo..=hi).contains(&c.y));
            let clipped = if inside {
                simple
            } else {
                let window = Rect::new(coord! { x: lo, y: lo }, coord! { x: hi, y: hi });
                match clip(&simple, &window.to_polygon()) {
                    Some(c) => c,
                    None => {
                        tracing::warn!(
                            "tile {}/{}/{}: feature `{id}` of `{layer}` left out: its rings could not be clipped",
                            tile.z,
                            tile.y,
                            tile.x
                        );
                        return None;
                    }
                }
            };
            let snapped = snap(&clipped);
            (!snapped.0.is_empty()).then(|| snapped.into())
        }
    }
}

/// The part of `mp` inside `window`. geo's boolean operations (i_overlay 4.5) can panic on rings
/// that touch themselves (iShape-Rust/iOverlay#78); then the clip is tried once more on the
/// rings snapped to whole units, which moves the touching vertices, and failing that the
/// feature is left out of this tile rather than failing the tile.
fn clip(mp: &MultiPolygon<f64>, window: &Polygon<f64>) -> Option<MultiPolygon<f64>> {
    use std::panic::{catch_unwind, AssertUnwindSafe};
    catch_unwind(AssertUnwindSafe(|| mp.intersection(window)))
        .ok()
        .or_else(|| catch_unwind(AssertUnwindSafe(|| snap(mp).intersection(window))).ok())
}

/// Which sides of the buffered tile a position lies beyond (bit set per side).
fn outcode(x: f64, y: f64, lo: f64, hi: f64) -> u8 {
    (x < lo) as u8 | ((x > hi) as u8) << 1 | ((y < lo) as u8) << 2 | ((y > hi) as u8) << 3
}

/// A ring in tile units, simplified arc by arc between its junctions: each arc in the
/// direction that starts at its lesser end ([`vertex_order`]), so the border two neighbours
/// share comes out the same in both. `None` when the ring collapses.
fn simplified_ring(
    ls: &LineString<f64>,
    cuts: &[u32],
    tile: TileId,
    lo: f64,
    hi: f64,
    tol: f64,
) -> Option<LineString<f64>> {
    let c = &ls.0;
    // A closed ring repeats its first vertex last.
    let n = c.len().checked_sub(1)?;
    if n < 3 {
        return None;
    }
    let cuts = if cuts.is_empty() { &[0][..] } else { cuts };
    let at = |i: usize| c[i % n];
    let mut out: Vec<Coord<f64>> = Vec::new();
    for (k, &a) in cuts.iter().enumerate() {
        let a = a as usize;
        let b = cuts
            .get(k + 1)
            .map_or(cuts[0] as usize + n, |&b| b as usize);
        let reversed = match vertex_order(at(a), at(b)) {
            Ordering::Greater => true,
            Ordering::Less => false,
            // A closed arc (a ring with one junction): by its second and last-but-one vertex.
            Ordering::Equal => vertex_order(at(a + 1), at(b - 1)) == Ordering::Greater,
        };
        let units = if reversed {
            arc_units((a..=b).rev().map(at), tile, lo, hi, tol)
        } else {
            arc_units((a..=b).map(at), tile, lo, hi, tol)
        };
        let mut arc = LineString(units).simplify(tol).0;
        if reversed {
            arc.reverse();
        }
        // Each arc starts where the last one ended.
        let skip = usize::from(!out.is_empty());
        out.extend(arc.into_iter().skip(skip));
    }
    (out.len() >= 4).then_some(LineString(out))
}

/// An arc in tile units, thinned before simplification and clipping by two rules that cannot
/// change what ends up in the tile, and keeping both ends exactly:
/// - a run of vertices all beyond the same side of the buffered tile becomes its first and last
///   vertex: the chord stays beyond that side (a half-plane is convex), so every point of the
///   tile keeps its winding number and the clipped shape is the same;
/// - a vertex within the simplification tolerance of the last one kept is dropped, as the
///   simplification would drop it anyway.
///
/// At high zoom most of a county lies outside the tile; at low zoom most vertices are closer
/// than a unit. Either way the costly steps then see a small fraction of the vertices.
fn arc_units(
    arc: impl Iterator<Item = Coord<f64>>,
    tile: TileId,
    lo: f64,
    hi: f64,
    tol: f64,
) -> Vec<Coord<f64>> {
    let mut out: Vec<Coord<f64>> = Vec::new();
    // The vertex ending the current outside run, held back until the run ends.
    let mut pending: Option<Coord<f64>> = None;
    // Sides shared by the last vertex kept and every vertex of the run since.
    let mut run = 0u8;
    let mut last = None;
    for c in arc {
        let (x, y) = tile.units(c.x, c.y);
        let here = coord! { x: x, y: y };
        last = Some(here);
        let code = outcode(x, y, lo, hi);
        if !out.is_empty() && run & code != 0 {
            run &= code;
            pending = Some(here);
            continue;
        }
        if let Some(p) = pending.take() {
            out.push(p);
        }
        let near = out
            .last()
            .is_some_and(|l| (x - l.x).abs() < tol && (y - l.y).abs() < tol);
        if !near {
            out.push(here);
        }
        // A run starts at a vertex that was kept.
        run = out.last().map_or(0, |l| outcode(l.x, l.y, lo, hi));
    }
    // The arc ends at its last vertex, exactly.
    if let Some(end) = last {
        if out.last() != Some(&end) {
            out.push(end);
        }
    }
    out
}

/// Rounds to whole units, drops repeated vertices and rings that collapse, and winds the rest
/// as MVT 2.1 says: an exterior has positive area by the surveyor's formula in tile units
/// (clockwise on screen, y down), a hole negative. Decoders tell the two apart by exactly this
/// sum, so it is used here too rather than the orientation at one vertex, which can disagree
/// once snapping has made a ring touch itself.
fn snap(mp: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    let ring = |ls: &LineString<f64>, exterior: bool| -> Option<LineString<f64>> {
        let mut pts: Vec<Coord<f64>> = Vec::with_capacity(ls.0.len());
        for c in &ls.0 {
            let c = coord! { x: c.x.round(), y: c.y.round() };
            if pts.last() != Some(&c) {
                pts.push(c);
            }
        }
        let first = *pts.first()?;
        if pts.last() != Some(&first) {
            pts.push(first);
        }
        // A ring needs three distinct corners and some area.
        let twice_area: f64 = pts
            .windows(2)
            .map(|w| w[0].x * w[1].y - w[1].x * w[0].y)
            .sum();
        if pts.len() < 4 || twice_area == 0.0 {
            return None;
        }
        if (twice_area > 0.0) != exterior {
            pts.reverse();
        }
        Some(LineString(pts))
    };
    mp.0.iter()
        .filter_map(|p| {
            let exterior = ring(p.exterior(), true)?;
            Some(Polygon::new(
                exterior,
                p.interiors()
                    .iter()
                    .filter_map(|r| ring(r, false))
                    .collect(),
            ))
        })
        .collect()
}
