use rstar::{primitives::GeomWithData, RTree};

use super::geodesic_km;

/// Mean Earth radius used only to turn km into a chord length for candidate searches; exact
/// distances are then computed on the ellipsoid.
const R_KM: f64 = 6371.0088;
/// The sphere and the ellipsoid disagree by less than 0.6 %; widen candidate searches by this.
const SPHERE_SLACK: f64 = 1.01;

type Unit = GeomWithData<[f64; 3], usize>;

/// A point found near a query point, with its geodesic distance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nearby {
    /// Index of the point in the order given to [`PointIndex::new`].
    pub index: usize,
    pub distance_km: f64,
}

/// An R-tree over points (longitude, latitude) for distance queries; box queries go through
/// [`crate::layers::Layer::features_in`].
///
/// The tree holds unit vectors on the sphere,
/// where straight-line (chord) order is great-circle order, so nearest-neighbour search is exact
/// on the sphere everywhere (no degree-distance distortion at high latitude); results are then
/// ranked by geodesic distance on the WGS84 ellipsoid. Many points may share one coordinate.
#[derive(Debug)]
pub struct PointIndex {
    coords: Vec<(f64, f64)>,
    unit: RTree<Unit>,
}

fn to_unit(lon: f64, lat: f64) -> [f64; 3] {
    let (lo, la) = (lon.to_radians(), lat.to_radians());
    [la.cos() * lo.cos(), la.cos() * lo.sin(), la.sin()]
}

fn chord_for_km(km: f64) -> f64 {
    let angle = (km * SPHERE_SLACK / R_KM).min(std::f64::consts::PI);
    2.0 * (angle / 2.0).sin()
}

impl PointIndex {
    pub fn new(coords: Vec<(f64, f64)>) -> PointIndex {
        let unit = RTree::bulk_load(
            coords
                .iter()
                .enumerate()
                .map(|(i, &(x, y))| Unit::new(to_unit(x, y), i))
                .collect(),
        );
        PointIndex { coords, unit }
    }

    pub fn len(&self) -> usize {
        self.coords.len()
    }

    pub fn is_empty(&self) -> bool {
        self.coords.is_empty()
    }

    /// Points within `radius_km` (geodesic), nearest first; ties by index.
    pub fn within_km(&self, lon: f64, lat: f64, radius_km: f64) -> Vec<Nearby> {
        if !(radius_km.is_finite() && radius_km >= 0.0) {
            return Vec::new();
        }
        let q = to_unit(lon, lat);
        let chord = chord_for_km(radius_km);
        let mut out: Vec<Nearby> = self
            .unit
            .locate_within_distance(q, chord * chord)
            .map(|g| {
                let (x, y) = self.coords[g.data];
                Nearby {
                    index: g.data,
                    distance_km: geodesic_km(lon, lat, x, y),
                }
            })
            .filter(|n| n.distance_km <= radius_km)
            .collect();
        out.sort_by(|a, b| {
            a.distance_km
                .total_cmp(&b.distance_km)
                .then(a.index.cmp(&b.index))
        });
        out
    }

    /// The `k` nearest points satisfying `keep`, nearest first (geodesic); ties by index.
    pub fn nearest_where(
        &self,
        lon: f64,
        lat: f64,
        k: usize,
        keep: impl Fn(usize) -> bool,
    ) -> Vec<Nearby> {
        if k == 0 {
            return Vec::new();
        }
        let q = to_unit(lon, lat);
        let mut best: Vec<Nearby> = Vec::with_capacity(k + 1);
        for (g, d2) in self.unit.nearest_neighbor_iter_with_distance_2(&q) {
            // Once the sphere distance, less the ellipsoid slack, exceeds the k-th best
            // geodesic distance, nothing further can enter the list.
            if best.len() == k {
                let worst = best[k - 1].distance_km;
                let sphere_km = 2.0 * (d2.sqrt() / 2.0).min(1.0).asin() * R_KM;
                if sphere_km / SPHERE_SLACK > worst {
                    break;
                }
            }
            if !keep(g.data) {
                continue;
            }
            let (x, y) = self.coords[g.data];
            let n = Nearby {
                index: g.data,
                distance_km: geodesic_km(lon, lat, x, y),
            };
            let pos = best
                .iter()
                .position(|b| {
                    n.distance_km
                        .total_cmp(&b.distance_km)
                        .then(n.index.cmp(&b.index))
                        .is_lt()
                })
                .unwrap_or(best.len());
            if pos < k {
                best.insert(pos, n);
                best.truncate(k);
            }
        }
        best
    }

    /// The `k` nearest points, nearest first.
    pub fn nearest(&self, lon: f64, lat: f64, k: usize) -> Vec<Nearby> {
        self.nearest_where(lon, lat, k, |_| true)
    }
}
