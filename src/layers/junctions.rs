//! Junctions: the vertices where the shared borders of a polygon layer begin and end.
//!
//! The boundary data is topological: neighbouring counties hold the same vertices along their
//! common border (about 94 % of the counties' vertices lie on a border shared exactly).
//! Simplified one polygon at a time, the two copies of a border come out different, and a map
//! shows slivers of background (or double edges) between neighbours. Cut at its junctions, a
//! ring is a chain of arcs, each a border with one neighbour or a stretch of outline; an arc
//! simplified in a fixed direction comes out the same in both polygons that hold it (see
//! `crate::tiles`). A vertex is a junction when its occurrences do not all have the same two
//! neighbouring vertices (TopoJSON's rule): where a border with one neighbour ends.
//!
//! ```
//! use compute_atlas::layers::Junctions;
//! use geo_types::{polygon, MultiPolygon};
//! // Two unit squares side by side share the edge from (1, 0) to (1, 1).
//! let west = MultiPolygon(vec![polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)]]);
//! let east = MultiPolygon(vec![polygon![(x: 1., y: 0.), (x: 2., y: 0.), (x: 2., y: 1.), (x: 1., y: 1.)]]);
//! let j = Junctions::of([Some(&west), Some(&east)]);
//! // The shared edge's ends: vertices 1 and 2 of the west square, 0 and 3 of the east one.
//! assert_eq!(&*j.ring_cuts(0)[0], &[1, 2]);
//! assert_eq!(&*j.ring_cuts(1)[0], &[0, 3]);
//! ```

use std::cmp::Ordering;
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::{Arc, Mutex, OnceLock, Weak};

use geo_types::{Coord, LineString, MultiPolygon};
use twox_hash::XxHash3_64;

/// Per feature, per ring (each polygon's exterior, then its holes), the indexes of the ring's
/// junctions, ascending. A ring with none holds one index, its least vertex (by x, then y), so
/// that every copy of such a ring (an enclave and the hole it fills) starts at the same place.
#[derive(Debug, Default)]
pub struct Junctions(Vec<Vec<Box<[u32]>>>);

type Key = [u64; 2];

fn key(c: Coord<f64>) -> Key {
    [c.x.to_bits(), c.y.to_bits()]
}

/// The order in which arcs are read: by x, then y.
pub fn vertex_order(a: Coord<f64>, b: Coord<f64>) -> Ordering {
    a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y))
}

/// The distinct vertices of a ring (a closed ring repeats its first vertex last).
fn distinct(ring: &LineString<f64>) -> &[Coord<f64>] {
    let c = &ring.0[..];
    match c {
        [first, .., last] if first == last => &c[..c.len() - 1],
        _ => c,
    }
}

fn rings(mp: &MultiPolygon<f64>) -> impl Iterator<Item = &LineString<f64>> {
    mp.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
}

impl Junctions {
    /// The junctions of the features' outlines (`None`: a feature without one).
    pub fn of<'a>(outlines: impl IntoIterator<Item = Option<&'a MultiPolygon<f64>>>) -> Junctions {
        let outlines: Vec<_> = outlines.into_iter().collect();
        let vertices: usize = outlines
            .iter()
            .flatten()
            .flat_map(|mp| rings(mp))
            .map(|r| r.0.len())
            .sum();
        // Per vertex: the neighbours of its first occurrence, and whether another differs.
        let mut seen: HashMap<Key, ([Key; 2], bool), BuildHasherDefault<XxHash3_64>> =
            HashMap::with_capacity_and_hasher(vertices / 2, Default::default());
        for ring in outlines.iter().flatten().flat_map(|mp| rings(mp)) {
            let c = distinct(ring);
            let n = c.len();
            for i in 0..n {
                let (p, q) = (key(c[(i + n - 1) % n]), key(c[(i + 1) % n]));
                let pair = if p <= q { [p, q] } else { [q, p] };
                match seen.entry(key(c[i])) {
                    Entry::Vacant(e) => {
                        e.insert((pair, false));
                    }
                    Entry::Occupied(mut e) => {
                        let (first, junction) = e.get_mut();
                        *junction |= *first != pair;
                    }
                }
            }
        }
        let cuts = |ring: &LineString<f64>| -> Box<[u32]> {
            let c = distinct(ring);
            let mut out: Vec<u32> = (0..c.len())
                .filter(|&i| seen.get(&key(c[i])).is_some_and(|s| s.1))
                .map(|i| i as u32)
                .collect();
            if out.is_empty() {
                let least = (0..c.len()).min_by(|&a, &b| vertex_order(c[a], c[b]));
                out.extend(least.map(|i| i as u32));
            }
            out.into()
        };
        Junctions(
            outlines
                .iter()
                .map(|mp| mp.map_or_else(Vec::new, |mp| rings(mp).map(cuts).collect()))
                .collect(),
        )
    }

    /// The junctions of feature `feature`'s rings, in the order of [`Junctions`]; empty when
    /// the feature has no outline.
    pub fn ring_cuts(&self, feature: usize) -> &[Box<[u32]>] {
        self.0.get(feature).map_or(&[], |r| r.as_slice())
    }
}

/// A layer's junctions, computed once for the outlines it holds. The outlines are shared (`Arc`)
/// by every snapshot built on the same base, so a snapshot rebuilt after an edit of the sites
/// finds its counties' junctions here instead of hashing 400,000 vertices again. An entry holds
/// `Weak`s to its outlines: while it exists their allocations cannot be reused, so the same
/// addresses name the same outlines; entries whose outlines are gone are dropped.
pub(super) fn cached(outlines: &[Option<&Arc<MultiPolygon<f64>>>]) -> Arc<Junctions> {
    struct Held {
        outlines: Vec<Option<Weak<MultiPolygon<f64>>>>,
        junctions: Arc<Junctions>,
    }
    static CACHE: OnceLock<Mutex<Vec<Held>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(Vec::new()));
    let same = |h: &Held| {
        h.outlines.len() == outlines.len()
            && h.outlines.iter().zip(outlines).all(|(w, o)| match (w, o) {
                (Some(w), Some(o)) => std::ptr::eq(w.as_ptr(), Arc::as_ptr(o)),
                (None, None) => true,
                _ => false,
            })
    };
    {
        let mut held = cache.lock().unwrap_or_else(|p| p.into_inner());
        held.retain(|h| h.outlines.iter().flatten().all(|w| w.strong_count() > 0));
        if let Some(h) = held.iter().find(|h| same(h)) {
            return h.junctions.clone();
        }
    }
    let junctions = Arc::new(Junctions::of(outlines.iter().map(|o| o.map(|a| &**a))));
    cache.lock().unwrap_or_else(|p| p.into_inner()).push(Held {
        outlines: outlines.iter().map(|o| o.map(Arc::downgrade)).collect(),
        junctions: junctions.clone(),
    });
    junctions
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::polygon;

    #[test]
    fn snapshots_on_the_same_outlines_share_their_junctions() {
        let a = Arc::new(MultiPolygon(vec![
            polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)],
        ]));
        let b = Arc::new(MultiPolygon(vec![
            polygon![(x: 1., y: 0.), (x: 2., y: 0.), (x: 2., y: 1.), (x: 1., y: 1.)],
        ]));
        let first = cached(&[Some(&a), None, Some(&b)]);
        assert!(Arc::ptr_eq(&first, &cached(&[Some(&a), None, Some(&b)])));
        assert_eq!(&*first.ring_cuts(2)[0], &[0, 3]);
        assert!(first.ring_cuts(1).is_empty());
        // Equal outlines in other allocations are other outlines: computed again, same answer.
        let b2 = Arc::new((*b).clone());
        let other = cached(&[Some(&a), None, Some(&b2)]);
        assert!(!Arc::ptr_eq(&first, &other));
        assert_eq!(&*other.ring_cuts(2)[0], &[0, 3]);
    }

    #[test]
    fn a_ring_without_junctions_starts_at_its_least_vertex() {
        // An island: no vertex shared, so one cut at the least vertex (x, then y).
        let island = MultiPolygon(vec![
            polygon![(x: 3., y: 1.), (x: 4., y: 2.), (x: 2., y: 3.), (x: 2., y: 0.5)],
        ]);
        let j = Junctions::of([Some(&island)]);
        assert_eq!(&*j.ring_cuts(0)[0], &[3]);
    }
}
