//! One layer as a PMTiles v3 archive (written by the `pmtiles` crate): every tile from zoom 0
//! to the layer's maximum over its extent, made by [`crate::tiles::layer_tile`] exactly as the
//! server makes `/collections/{id}/tiles/WebMercatorQuad/{z}/{y}/{x}`, gzip-compressed in the
//! archive as PMTiles readers expect.
//!
//! Two kinds per layer: `tiles/{id}.pmtiles` holds every feature with every property (for GIS
//! tools), and `tiles/map/{id}.pmtiles` holds the tiles the web map asks the live server for
//! ([`MAP_TILE_QUERIES`]: the features it draws, the properties it reads). The map's plant tile
//! at the start view is 131 KB instead of 1.7 MB; parsing and filtering the full tiles in the
//! page (a CPU the map's frames also need) made the static map about 200 ms slower to be ready.

use std::path::Path;

use pmtiles::{PmTilesWriter, TileCoord, TileType};
use serde_json::json;

use super::PublishError;
use crate::layers::{GeometryKind, Layer, PropType};
use crate::server::{tile_selection, Selection};
use crate::tiles::{layer_tile, TileId};

/// The tile queries of the web map (web/src/source.js `MAP_TILES`, checked by a test): the
/// published map reads `tiles/map/{id}.pmtiles`, made with the same query.
pub const MAP_TILE_QUERIES: [(&str, &str); 4] = [
    (
        "counties",
        "properties=adcode,name_en,province,pflops_zone_aggregate",
    ),
    ("provinces", "properties=province"),
    (
        "power-plants",
        "status=operating&counted=true&in_area=true&properties=id,name,unit,fuel,capacity_mw",
    ),
    (
        "renewable-bases",
        "properties=name,type,units,capacity_text,capacity_mw,status_as_of,source_url",
    ),
];

/// Which archive of a layer to write.
#[derive(Debug, Clone, Copy)]
pub enum ArchiveKind {
    /// `tiles/{id}.pmtiles`: every feature, every property.
    Full,
    /// `tiles/map/{id}.pmtiles`: the web map's tiles, made with this query.
    Map(&'static str),
}

impl ArchiveKind {
    /// The archive's path in the published folder.
    pub fn path(self, id: &str) -> String {
        match self {
            ArchiveKind::Full => format!("tiles/{id}.pmtiles"),
            ArchiveKind::Map(_) => format!("tiles/map/{id}.pmtiles"),
        }
    }
}

/// The deepest zoom published for a layer: where its geometry stops gaining detail on a map
/// (web maps enlarge the last zoom beyond it). Polygons from ~2021 1:1M-class boundaries hold
/// nothing finer than zoom 10; points are placed to a few metres at zoom 10 (4096 units a tile).
pub fn max_zoom(layer: &Layer) -> u8 {
    match (layer.id, layer.geometry) {
        ("provinces", _) => 8,
        ("prefectures", _) | ("renewable-bases", _) => 9,
        (_, GeometryKind::Point) => 10,
        _ => 10,
    }
}

/// The map's tile query for collection `id`, when the map draws it from tiles.
pub fn map_query(id: &str) -> Option<&'static str> {
    MAP_TILE_QUERIES
        .iter()
        .find(|(c, _)| *c == id)
        .map(|(_, q)| *q)
}

/// What was written, for the report and the bench.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ArchiveReport {
    pub collection: String,
    pub path: String,
    /// The tile query the archive was made with (the map's archives); none: every feature and
    /// property.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    pub max_zoom: u8,
    /// The layer's extent (CRS84), as in the archive's header.
    pub bounds: [f64; 4],
    pub tiles: u64,
    pub bytes: u64,
    pub seconds: f64,
}

/// The tiles of `layer` at every zoom up to `max`, made on `threads` threads, in PMTiles tile-id
/// order (zoom by zoom, Hilbert order within a zoom), empty ones left out.
fn make_tiles(
    layer: &Layer,
    extent: [f64; 4],
    max: u8,
    selection: Option<&Selection>,
    threads: usize,
) -> Result<Vec<(u64, TileId, Vec<u8>)>, PublishError> {
    let mut ids = Vec::new();
    for z in 0..=max {
        let (a, b) = TileId::corners(z, extent);
        for x in a.x..=b.x {
            for y in a.y..=b.y {
                ids.push(TileId { z, x, y });
            }
        }
    }
    let threads = threads.clamp(1, 16);
    let chunk = ids.len().div_ceil(threads).max(1);
    let mut out = Vec::with_capacity(ids.len());
    std::thread::scope(|s| {
        let handles: Vec<_> = ids
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    let mut tiles = Vec::new();
                    for &t in part {
                        let mvt = match selection {
                            None => layer_tile(layer, t, |_| true, None)?,
                            Some(sel) => {
                                layer_tile(layer, t, |f| sel.keeps(f), sel.properties.as_deref())?
                            }
                        };
                        if !mvt.is_empty() {
                            let id = pmtiles::TileId::from(coord(t)?).value();
                            tiles.push((id, t, mvt));
                        }
                    }
                    Ok::<_, PublishError>(tiles)
                })
            })
            .collect();
        for h in handles {
            out.extend(h.join().map_err(|_| PublishError::Thread)??);
        }
        Ok::<_, PublishError>(())
    })?;
    out.sort_unstable_by_key(|(id, _, _)| *id);
    Ok(out)
}

fn coord(t: TileId) -> Result<TileCoord, PublishError> {
    TileCoord::new(t.z, t.x, t.y).map_err(|e| PublishError::Archive {
        path: format!("tile {}/{}/{}", t.z, t.x, t.y),
        reason: e.to_string(),
    })
}

fn field_type(kind: PropType) -> &'static str {
    match kind {
        PropType::String => "String",
        PropType::Boolean => "Boolean",
        PropType::Integer | PropType::Number => "Number",
    }
}

/// Writes the `kind` archive of `layer` under the folder `out` (PMTiles v3); `None` for a layer
/// without geometry.
pub fn write_archive(
    layer: &Layer,
    kind: ArchiveKind,
    out: &Path,
    data_version: &str,
    threads: usize,
) -> Result<Option<ArchiveReport>, PublishError> {
    let Some(extent) = layer.extent else {
        return Ok(None);
    };
    if layer.geometry == GeometryKind::None {
        return Ok(None);
    }
    let t0 = std::time::Instant::now();
    let rel = kind.path(layer.id);
    let path = &out.join(&rel);
    let query = match kind {
        ArchiveKind::Full => None,
        ArchiveKind::Map(q) => Some(q),
    };
    let selection = query
        .map(|q| tile_selection(layer, q))
        .transpose()
        .map_err(|e| PublishError::Archive {
            path: rel.clone(),
            reason: format!("tile query `{}`: {e}", query.unwrap_or_default()),
        })?;
    let max = max_zoom(layer);
    let tiles = make_tiles(layer, extent, max, selection.as_ref(), threads)?;
    let wanted = selection.as_ref().and_then(|s| s.properties.as_ref());
    let fields: serde_json::Map<String, serde_json::Value> = layer
        .properties
        .iter()
        .filter(|d| wanted.is_none_or(|w| w.iter().any(|n| n == d.name)))
        .map(|d| (d.name.to_string(), json!(field_type(d.kind))))
        .collect();
    let description = match query {
        None => layer.description.to_string(),
        Some(q) => format!(
            "{} The web map's tiles: /collections/{}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}?{q}; tiles/{}.pmtiles has every feature and property.",
            layer.description, layer.id, layer.id
        ),
    };
    // TileJSON 3.0 fields, as the PMTiles spec asks for vector archives.
    let metadata = json!({
        "name": layer.title,
        "description": description,
        "attribution": layer.attribution,
        "version": data_version,
        "type": "overlay",
        "generator": concat!("compute-atlas ", env!("CARGO_PKG_VERSION")),
        "vector_layers": [{
            "id": layer.id,
            "description": layer.title,
            "minzoom": 0,
            "maxzoom": max,
            "fields": fields,
        }],
    });
    let err = |e: &dyn std::fmt::Display| PublishError::Archive {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let file = std::fs::File::create(path).map_err(|e| PublishError::io(path, e))?;
    let (cx, cy) = ((extent[0] + extent[2]) / 2.0, (extent[1] + extent[3]) / 2.0);
    let mut w = PmTilesWriter::new(TileType::Mvt)
        .min_zoom(0)
        .max_zoom(max)
        .bounds(extent[0], extent[1], extent[2], extent[3])
        .center(cx, cy)
        .center_zoom(4)
        .metadata(metadata.to_string())
        .create(file)
        .map_err(|e| err(&e))?;
    for (_, t, mvt) in &tiles {
        w.add_tile(coord(*t)?, mvt).map_err(|e| err(&e))?;
    }
    w.finalize().map_err(|e| err(&e))?;
    let bytes = std::fs::metadata(path)
        .map_err(|e| PublishError::io(path, e))?
        .len();
    Ok(Some(ArchiveReport {
        collection: layer.id.to_string(),
        path: rel,
        query: query.map(str::to_string),
        max_zoom: max,
        bounds: extent,
        tiles: tiles.len() as u64,
        bytes,
        seconds: t0.elapsed().as_secs_f64(),
    }))
}

#[cfg(test)]
mod tests {
    use super::MAP_TILE_QUERIES;

    /// The published map reads tiles/map/{id}.pmtiles in place of the live tiles: the archives
    /// must be made with the queries the page sends (web/src/source.js `MAP_TILES`).
    #[test]
    fn map_archives_use_the_web_maps_queries() {
        let js = include_str!("../../web/src/source.js");
        let start = js
            .find("export const MAP_TILES = {")
            .expect("MAP_TILES in source.js");
        let block = &js[start..start + js[start..].find("};").unwrap()];
        let entries = block.lines().filter(|l| l.contains(": '")).count();
        assert_eq!(entries, MAP_TILE_QUERIES.len(), "{block}");
        for (id, q) in MAP_TILE_QUERIES {
            let key = if id.contains('-') {
                format!("'{id}'")
            } else {
                id.to_string()
            };
            assert!(
                block.contains(&format!("{key}: '{q}',")),
                "{id}: `{q}` is not the web map's query:\n{block}"
            );
        }
    }
}
