//! Spatial indexes: which region contains a point, what lies in a box, what is near a point.
//!
//! * [`RegionIndex`]: an rstar R-tree of region envelopes for box queries, plus a prepared
//!   structure for point-in-region lookups (a fine grid whose cells are either wholly inside one
//!   region or carry the few regions whose border crosses them, tested exactly with
//!   [`PreparedPolygon`]).
//! * [`PointIndex`]: rstar R-trees over points (sites, plants) for boxes, radii and k nearest,
//!   with geodesic (WGS84 ellipsoid) distances.

mod points;
mod polygon;
mod region;

pub use points::{Nearby, PointIndex};
pub use polygon::PreparedPolygon;
pub use region::RegionIndex;

/// Geodesic distance in km on the WGS84 ellipsoid (Karney's algorithm, via `geo`).
///
/// ```
/// let d = compute_atlas::index::geodesic_km(94.688, 43.250, 93.515, 42.818);
/// assert!((d - 105.0).abs() < 5.0);
/// ```
pub fn geodesic_km(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    use geo::{Distance, Geodesic};
    Geodesic.distance(
        geo_types::Point::new(lon1, lat1),
        geo_types::Point::new(lon2, lat2),
    ) / 1000.0
}
