// Where the page's data comes from: the live atlas API, or the folder that
// `compute-atlas publish` wrote (static files and one PMTiles archive per layer,
// read with the pmtiles library over HTTP range requests). The server or publish
// says which in <meta> tags of the page's head (no inline script):
//   compute-atlas-source  "api" | "static"
//   compute-atlas-mode    "map" | "embed"
//   compute-atlas-version the data version (pins tile and plot URLs, so they cache as immutable)
// Every URL the static page uses is relative to the page, so the folder works under any path.

import maplibregl from 'maplibre-gl';
import { Protocol } from 'pmtiles';

const meta = (name) => document.querySelector(`meta[name="${name}"]`)?.getAttribute('content') || '';

export const STATIC = meta('compute-atlas-source') === 'static';
export const EMBED = meta('compute-atlas-mode') === 'embed';
export const VERSION = meta('compute-atlas-version');

if (STATIC) maplibregl.addProtocol('pmtiles', new Protocol().tile);

const rel = (u) => new URL(u, document.baseURI).href;
const pin = (url) => (VERSION ? `${url}${url.includes('?') ? '&' : '?'}v=${encodeURIComponent(VERSION)}` : url);

/** The published file of a collection's items (GeoJSON or CSV). */
export const staticItems = (id, ext) => `data/${id}.${ext}`;

/**
 * A MapLibre vector source for collection `id`: the live API's tiles with `query`
 * (properties, filters), or the collection's PMTiles archive, which holds the
 * server's unfiltered tiles (every property) up to the zoom publish chose;
 * MapLibre enlarges the last zoom beyond it. `extra` adds source options.
 */
export function vectorSource(id, query, extra = {}) {
  if (STATIC) return { type: 'vector', url: `pmtiles://${rel(`tiles/${id}.pmtiles`)}`, ...extra };
  const tiles = `${rel(`/collections/${id}/tiles/WebMercatorQuad`)}/{z}/{y}/{x}?${query}`;
  return { type: 'vector', tiles: [pin(tiles)], minzoom: 0, maxzoom: 12, ...extra };
}

/**
 * The plants the map draws: the live API filters the tiles (PLANT_FILTER in the URL);
 * the archive holds every plant, so the layer filters the same way.
 */
export const plantLayerFilter = () => (STATIC
  ? { filter: ['all', ['==', ['get', 'status'], 'operating'], ['==', ['get', 'counted'], true], ['==', ['get', 'in_area'], true]] }
  : {});

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
