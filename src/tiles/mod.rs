//! Vector tiles: a layer cut into Mapbox Vector Tiles (MVT 2.1) on the Web Mercator grid.
//!
//! The grid is OGC's `WebMercatorQuad` (EPSG:3857), the one web maps and QGIS use: at zoom `z`
//! the square between ±85.0511° latitude is split into 2^z × 2^z tiles, `x` counted east from
//! 180°W and `y` south from the top. A tile is made on request from the layer's CRS84 geometries
//! ([`encode_tile`]): nothing is precomputed, so a reload changes the tiles with the data.
//!
//! ```
//! use compute_atlas::tiles::TileId;
//! // Yiwu county (Hami, Xinjiang) at 94.7°E 43.3°N lies in tile 7/97/46.
//! assert_eq!(TileId::containing(7, 94.7, 43.3), TileId::new(7, 97, 46).unwrap());
//! ```

mod encode;
mod grid;

pub use encode::{encode_tile, layer_tile, BUFFER};
pub use grid::{TileId, EXTENT, MAX_LAT, MAX_ZOOM};

/// Why a tile cannot be made.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TileError {
    #[error("zoom {0} is outside the tile matrix set (0 to {MAX_ZOOM})")]
    Zoom(u32),
    #[error("tile column {x} / row {y} does not exist at zoom {z} (both run from 0 to {max})", max = (1u64 << z) - 1)]
    OutOfRange { z: u8, x: u32, y: u32 },
    #[error("feature `{id}` of `{layer}` could not be encoded: {reason}")]
    Encode {
        layer: String,
        id: String,
        reason: String,
    },
}
