//! The WebMercatorQuad tile grid: tile ids, their bounds, and positions in tile units.

use geo_types::{coord, Rect};

use super::TileError;

/// Units per tile side in the encoded geometry (the MVT default; 8 units per pixel at 512 px).
pub const EXTENT: u32 = 4096;
/// Deepest zoom served: about 2.4 m per unit at the equator, far finer than the data.
pub const MAX_ZOOM: u8 = 18;
/// Latitude where the Web Mercator square ends (y = ±20,037,508.34 m).
pub const MAX_LAT: f64 = 85.051_128_779_806_59;

/// One tile of the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

/// Position in the world square, both in 0..=1, y down from the north edge.
fn world(lon: f64, lat: f64) -> (f64, f64) {
    let lat = lat.clamp(-MAX_LAT, MAX_LAT).to_radians();
    let u = (lon + 180.0) / 360.0;
    let v = (1.0 - lat.tan().asinh() / std::f64::consts::PI) / 2.0;
    (u, v)
}

fn lonlat(u: f64, v: f64) -> (f64, f64) {
    let lon = u * 360.0 - 180.0;
    let lat = (std::f64::consts::PI * (1.0 - 2.0 * v))
        .sinh()
        .atan()
        .to_degrees();
    (lon, lat)
}

impl TileId {
    /// A tile, checked against the grid (`x` and `y` below 2^z, `z` at most [`MAX_ZOOM`]).
    pub fn new(z: u32, x: u32, y: u32) -> Result<TileId, TileError> {
        if z > MAX_ZOOM as u32 {
            return Err(TileError::Zoom(z));
        }
        let z = z as u8;
        let n = 1u64 << z;
        if x as u64 >= n || y as u64 >= n {
            return Err(TileError::OutOfRange { z, x, y });
        }
        Ok(TileId { z, x, y })
    }

    /// The tile at zoom `z` (at most [`MAX_ZOOM`]) that holds a CRS84 position.
    pub fn containing(z: u8, lon: f64, lat: f64) -> TileId {
        let z = z.min(MAX_ZOOM);
        let n = (1u64 << z) as f64;
        let (u, v) = world(lon, lat);
        let last = (1u64 << z) - 1;
        let cell = |t: f64| ((t * n).floor().max(0.0) as u64).min(last) as u32;
        TileId {
            z,
            x: cell(u),
            y: cell(v),
        }
    }

    /// The north-west and south-east tiles at zoom `z` of a CRS84 box `[west, south, east,
    /// north]`: every tile the box touches has its column and row between theirs.
    pub fn corners(z: u8, bbox: [f64; 4]) -> (TileId, TileId) {
        let [w, s, e, n] = bbox;
        (TileId::containing(z, w, n), TileId::containing(z, e, s))
    }

    /// A CRS84 position in this tile's units: x east, y south, 0..[`EXTENT`] inside the tile.
    pub fn units(&self, lon: f64, lat: f64) -> (f64, f64) {
        let n = (1u64 << self.z) as f64;
        let (u, v) = world(lon, lat);
        let e = EXTENT as f64;
        ((u * n - self.x as f64) * e, (v * n - self.y as f64) * e)
    }

    /// The CRS84 position of a point given in this tile's units (the inverse of [`TileId::units`]).
    pub fn lonlat(&self, x: f64, y: f64) -> (f64, f64) {
        let n = (1u64 << self.z) as f64;
        let e = EXTENT as f64;
        lonlat((self.x as f64 + x / e) / n, (self.y as f64 + y / e) / n)
    }

    /// The tile's CRS84 bounds, grown by `buffer` tile units on every side.
    pub fn bounds(&self, buffer: f64) -> Rect<f64> {
        let n = (1u64 << self.z) as f64;
        let b = buffer / EXTENT as f64;
        let u0 = ((self.x as f64 - b) / n).max(0.0);
        let u1 = ((self.x as f64 + 1.0 + b) / n).min(1.0);
        let v0 = ((self.y as f64 - b) / n).max(0.0);
        let v1 = ((self.y as f64 + 1.0 + b) / n).min(1.0);
        let (west, north) = lonlat(u0, v0);
        let (east, south) = lonlat(u1, v1);
        Rect::new(coord! { x: west, y: south }, coord! { x: east, y: north })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_checks_its_range() {
        assert!(TileId::new(0, 0, 0).is_ok());
        assert_eq!(
            TileId::new(3, 8, 0),
            Err(TileError::OutOfRange { z: 3, x: 8, y: 0 })
        );
        assert_eq!(TileId::new(19, 0, 0), Err(TileError::Zoom(19)));
        assert!(TileId::new(18, (1 << 18) - 1, (1 << 18) - 1).is_ok());
    }

    #[test]
    fn bounds_and_units_agree() {
        let t = TileId::containing(9, 94.7, 43.3);
        let r = t.bounds(0.0);
        let (x0, y0) = t.units(r.min().x, r.max().y);
        let (x1, y1) = t.units(r.max().x, r.min().y);
        for (got, want) in [(x0, 0.0), (y0, 0.0), (x1, 4096.0), (y1, 4096.0)] {
            assert!((got - want).abs() < 1e-6, "{got} vs {want}");
        }
        let (x, y) = t.units(94.7, 43.3);
        assert!((0.0..4096.0).contains(&x) && (0.0..4096.0).contains(&y));
        let (lon, lat) = t.lonlat(x, y);
        assert!((lon - 94.7).abs() < 1e-9 && (lat - 43.3).abs() < 1e-9);
        // The whole world at zoom 0 reaches the Web Mercator latitude limit.
        let w = TileId::new(0, 0, 0).unwrap().bounds(0.0);
        assert!((w.max().y - MAX_LAT).abs() < 1e-9 && (w.min().x + 180.0).abs() < 1e-9);
    }
}
