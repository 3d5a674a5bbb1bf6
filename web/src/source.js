// Where the page's data comes from: the live atlas API, or the folder that
// `compute-atlas publish` wrote (static files and one PMTiles archive per layer,
// read with the pmtiles library over HTTP range requests). The server or publish
// says which in <meta> tags of the page's head (no inline script):
//   compute-atlas-source  "api" | "static"
//   compute-atlas-mode    "map" | "embed"
//   compute-atlas-version the data version (pins tile and plot URLs, so they cache as immutable)
//   compute-atlas-tiles   (static) each map archive's deepest zoom and extent, as JSON
// Every URL the static page uses is relative to the page, so the folder works under any path.

import maplibregl from 'maplibre-gl';
import { PMTiles, Protocol } from 'pmtiles';
import { VectorTile } from '@mapbox/vector-tile';
import Pbf from 'pbf';
import pmtilesWorker from './pmtiles-worker.js?worker&url';

const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.getAttribute('content') || '';

export const STATIC = meta('compute-atlas-source') === 'static';
export const EMBED = meta('compute-atlas-mode') === 'embed';
export const VERSION = meta('compute-atlas-version');

// The tile workers read the tiles (see pmtiles-worker.js); the main thread keeps the protocol
// for the archives' headers (below). The worker script's URL is absolute: MapLibre's workers
// run from a blob URL, against which a relative one does not resolve.
if (STATIC) {
  maplibregl.addProtocol('pmtiles', new Protocol().tile);
  maplibregl.importScriptInWorkers(new URL(pmtilesWorker, import.meta.url).href);
}

// Each map archive's deepest zoom and extent, from the page: its source then needs no TileJSON
// and the map asks for tiles in its first frames. A folder without them (an older publish)
// has the main thread read each archive's header first.
const ARCHIVES = (() => {
  try {
    return JSON.parse(meta('compute-atlas-tiles') || '{}');
  } catch {
    return {};
  }
})();

const rel = (u) => new URL(u, document.baseURI).href;
const pin = (url) => (VERSION ? `${url}${url.includes('?') ? '&' : '?'}v=${encodeURIComponent(VERSION)}` : url);

/** The published file of a collection's items (GeoJSON or CSV). */
export const staticItems = (id, ext) => `data/${id}.${ext}`;

// The tiles the map draws, per collection, as the live API's query: the features it shows
// and the properties it reads. County tiles carry identity and the one flag a layer filters
// on (their colours come from /analytics/counties as feature state); plants are the operating
// records inside the covered counties that the county figures count (the preferred source per
// fuel, so a plant is not drawn twice). `publish` makes tiles/map/{id}.pmtiles with the same
// queries (src/publish/archive.rs MAP_TILE_QUERIES; a test checks they agree).
export const MAP_TILES = {
  counties: 'properties=adcode,name_en,province,pflops_zone_aggregate',
  provinces: 'properties=province',
  'power-plants': 'status=operating&counted=true&in_area=true&properties=id,name,unit,fuel,capacity_mw',
  'renewable-bases': 'properties=name,type,units,capacity_text,capacity_mw,status_as_of,source_url',
};

/**
 * A MapLibre vector source of the map's tiles of collection `id` (MAP_TILES): the live API's
 * tiles, or the map's PMTiles archive of the published folder, which holds the same tiles up
 * to the zoom publish chose; MapLibre enlarges the last zoom beyond it. `extra` adds source
 * options.
 */
export function vectorSource(id, extra = {}) {
  if (STATIC) {
    const url = `pmtiles://${rel(`tiles/map/${id}.pmtiles`)}`;
    const a = ARCHIVES[id];
    if (!a) return { type: 'vector', url, ...extra };
    return { type: 'vector', tiles: [`${url}/{z}/{x}/{y}`], minzoom: 0, maxzoom: a.maxzoom, bounds: a.bounds, ...extra };
  }
  const tiles = `${rel(`/collections/${id}/tiles/WebMercatorQuad`)}/{z}/{y}/{x}?${MAP_TILES[id]}`;
  return { type: 'vector', tiles: [pin(tiles)], minzoom: 0, maxzoom: 12, ...extra };
}

// ---------------------------------------------------------------- full records
// The map's tiles carry what the markers need; a panel wants the whole record. The layer's
// full archive (tiles/{id}.pmtiles, every property) holds it in the deepest tile at the
// feature's point, so the static page reads one tile instead of the whole download.
const fullArchives = new Map();

/** Degrees around a clicked point searched for its feature: a rendered point is quantized
 * to its source tile's grid (1/4096 of a tile at zoom 3 is 0.011°). */
const CLICK_SLACK_DEG = 0.03;

function tileXY(lng, lat, z) {
  const n = 2 ** z;
  const clamp = (v) => Math.min(n - 1, Math.max(0, Math.floor(v * n)));
  const m = maplibregl.MercatorCoordinate.fromLngLat([lng, Math.max(-85.05, Math.min(85.05, lat))]);
  return [clamp(m.x), clamp(m.y)];
}

/**
 * The properties of feature `featureId` of collection `id` near `[lng, lat]`, from the full
 * archive; null when no tile there holds it.
 */
export async function archiveRecord(id, featureId, [lng, lat]) {
  if (!fullArchives.has(id)) fullArchives.set(id, new PMTiles(rel(`tiles/${id}.pmtiles`)));
  const archive = fullArchives.get(id);
  const z = (await archive.getHeader()).maxZoom;
  const [x0, y1] = tileXY(lng - CLICK_SLACK_DEG, lat - CLICK_SLACK_DEG, z);
  const [x1, y0] = tileXY(lng + CLICK_SLACK_DEG, lat + CLICK_SLACK_DEG, z);
  const [cx, cy] = tileXY(lng, lat, z);
  const tiles = [[cx, cy]];
  for (let x = x0; x <= x1; x++) for (let y = y0; y <= y1; y++) if (x !== cx || y !== cy) tiles.push([x, y]);
  for (const [x, y] of tiles) {
    const t = await archive.getZxy(z, x, y);
    if (!t) continue;
    const layer = new VectorTile(new Pbf(new Uint8Array(t.data))).layers[id];
    for (let i = 0; i < (layer ? layer.length : 0); i++) {
      const p = layer.feature(i).properties;
      if (String(p.id) === String(featureId)) return p;
    }
  }
  return null;
}

/** The version pin for a live plot URL (the published plots are files). */
export const pinned = (url) => (STATIC ? url : pin(url));

// ---------------------------------------------------------------- published plots
// plots/index.json lists the plots publish made: [{kind, metric, province, lang, png, svg}].
let plotIndex = [];
export async function loadPlotIndex(getJson) {
  if (!STATIC) return;
  const r = await getJson('plots/index.json', { optional: true });
  plotIndex = (r && Array.isArray(r.plots)) ? r.plots : [];
}

/**
 * The published plot closest to what the live page would ask for: same kind, then
 * the metric and province asked for when published, else the atlas-wide default.
 * Returns { url, exact } (exact false: the plot is for the default view).
 */
export function staticPlot(kind, ext, params) {
  const want = (p) => p.kind === kind && p.lang === 'en' && p[ext];
  const same = (a, b) => (a || '') === (b || '');
  const list = plotIndex.filter(want);
  const exact = list.find((p) => same(p.metric, params.metric) && same(p.province, params.province));
  const fallback = list.find((p) => !p.metric && !p.province) || list[0];
  const p = exact || fallback;
  return p ? { url: p[ext], exact: !!exact } : { url: '', exact: false };
}
