// The atlas API as the page uses it: every URL and every fetch is here, so a
// change of route or of error handling is made once. The page loads nothing
// from another origin (an optional raster basemap only when configured).

// The published folder (`compute-atlas publish`) has the same data as files: source.js
// says which, and the URL helpers below pick the file when the page is static.
import { STATIC, staticItems, pinned, staticPlot, loadPlotIndex, archiveRecord, MAP_TILES } from './source.js';

// Downloads: the whole layer (the published folder has it as data/{id}.geojson / .csv).
export const ITEMS = (id, extra = '') => (STATIC && !extra ? staticItems(id, 'geojson') : `/collections/${id}/items?f=json&limit=10000${extra}`);
export const CSV = (id) => (STATIC ? staticItems(id, 'csv') : `/collections/${id}/items?f=csv&limit=10000`);
// Counties and plants come as vector tiles (OGC API - Tiles, MVT; PMTiles archives when
// static, see source.js MAP_TILES and vectorSource): the map loads only the tiles in view,
// simplified for their zoom, instead of every polygon and point up front.
// The plants the legend counts: those the map draws (its plant query without `properties`).
const plantQuery = new URLSearchParams(MAP_TILES['power-plants']);
plantQuery.delete('properties');
const PLANT_FILTER = plantQuery.toString();

export const plotUrl = (kind, ext, params, w, h) => (STATIC
  ? staticPlot(kind, ext, params).url
  : pinned(`/plots/${kind}.${ext}?${new URLSearchParams({ ...params, width: String(w), height: String(h) })}`));

/** A failed request: the URL and HTTP status (0 when the network failed) stay readable. */
export class ApiError extends Error {
  constructor(url, status, detail) {
    super(`${url}: ${status ? `HTTP ${status}` : 'network error'}${detail ? ` (${detail})` : ''}`);
    this.url = url;
    this.status = status;
  }
}

/**
 * JSON of a same-origin URL. An `optional` resource answers null instead of
 * throwing, for layers and settings the server may not have.
 */
export async function getJson(url, { optional = false } = {}) {
  let r;
  try {
    r = await fetch(url, { headers: { accept: 'application/json' } });
  } catch (e) {
    if (optional) return null;
    throw new ApiError(url, 0, e && e.message);
  }
  if (!r.ok) {
    if (optional) return null;
    // The server explains a 4xx in a JSON body; show its words when there are any.
    let detail = '';
    try {
      const body = await r.json();
      detail = (body && (body.detail || body.title)) || ''; // problem+json (RFC 9457)
    } catch { /* no JSON body */ }
    throw new ApiError(url, r.status, String(detail).slice(0, 200));
  }
  try {
    return await r.json();
  } catch (e) {
    if (optional) return null;
    throw new ApiError(url, r.status, `not JSON: ${e.message || e}`);
  }
}

/** The metric catalogue; null when the server has none (older servers answer 404). */
export const fetchMetricCatalogue = () => getJson(STATIC ? 'data/analytics/metrics.json' : '/analytics/metrics', { optional: true });

// The start-up requests as files of the published folder (same bodies, links left out).
const STATIC_START = {
  collections: 'data/collections.json',
  provinces: 'data/map/provinces.geojson',
  sites: 'data/sites.geojson',
  counties: 'data/analytics/counties.json',
  bases: 'data/map/renewable-bases.geojson',
  programmes: 'data/analytics/renewable-programmes.json',
};

/**
 * Everything the page needs before it draws. The county figures may fail alone:
 * the map still shows sites, and the legend says why the figures are missing.
 */
export async function fetchStartData() {
  if (STATIC) {
    const S = STATIC_START;
    const [collections, provinces, sites, analytics, bases, catalogue, programmes] = await Promise.all([
      getJson(S.collections, { optional: true }),
      getJson(S.provinces),
      getJson(S.sites),
      getJson(S.counties).catch((e) => ({ error: String(e.message || e) })),
      getJson(S.bases, { optional: true }),
      fetchMetricCatalogue(),
      getJson(S.programmes, { optional: true }),
      loadPlotIndex(getJson),
    ]);
    return { collections, config: null, provinces, sites, analytics, bases, catalogue, programmes };
  }
  const [collections, config, provinces, sites, analytics, bases, catalogue, programmes] = await Promise.all([
    getJson('/collections', { optional: true }),
    getJson('/config.json', { optional: true }),
    // Figures, labels and extents only (the outlines are tiles): 0.1° is plenty.
    getJson(ITEMS('provinces', '&precision=1')),
    getJson(ITEMS('sites')),
    getJson('/analytics/counties?sort=-sites&top=10000').catch((e) => ({ error: String(e.message || e) })),
    getJson(ITEMS('renewable-bases', '&precision=1'), { optional: true }),
    fetchMetricCatalogue(),
    // The bases without a place (national plans, lists) are a table, not features.
    getJson('/analytics/renewable-programmes', { optional: true }),
  ]);
  return { collections, config, provinces, sites, analytics, bases, catalogue, programmes };
}

/**
 * One power plant record (the map's tiles carry only what the marker needs), by id; `lngLat`
 * is where it was clicked. The published folder reads it from the full plant archive.
 */
export async function fetchPlant(id, lngLat) {
  if (!STATIC) return getJson(`/collections/power-plants/items/${encodeURIComponent(id)}?f=json`);
  const properties = await archiveRecord('power-plants', id, lngLat);
  if (!properties) throw new Error(`plant ${id} is not in tiles/power-plants.pmtiles`);
  return { properties };
}

/**
 * Operating plant records per fuel, counted by the server (numberMatched), so the
 * page does not download the plants for its legend. A fuel that fails counts 0.
 */
export async function fetchPlantCounts(fuels) {
  if (STATIC) {
    const r = await getJson('data/map/plant-counts.json', { optional: true });
    return new Map(fuels.map((f) => [f, (r && Number.isFinite(r[f])) ? r[f] : 0]));
  }
  const counts = await Promise.all(fuels.map(async (fuel) => {
    const r = await getJson(`/collections/power-plants/items?f=json&limit=1&${PLANT_FILTER}&fuel=${encodeURIComponent(fuel)}&properties=fuel`, { optional: true });
    return [fuel, r && Number.isFinite(r.numberMatched) ? r.numberMatched : 0];
  }));
  return new Map(counts);
}

// Demand against supply per county with sites: one request, on the first county panel.
let countyBalance = null;

/**
 * /analytics/power-balance?level=county (estimated demand, local supply, coverage of the plant
 * files), loaded once; the published folder has the same body as a file. Null when there is
 * none: a server (or a folder published from one) without the demand model.
 */
export function fetchCountyBalance() {
  if (!countyBalance) {
    countyBalance = getJson(STATIC ? 'data/analytics/power-balance-county.json' : '/analytics/power-balance?level=county', { optional: true });
  }
  return countyBalance;
}

/** A site's URL in the API (its GET, and the PATCH of an edit). */
export const itemUrl = (id) => `/collections/sites/items/${encodeURIComponent(id)}`;

/** A site's edits, oldest first (`versions`); null for the published folder, which keeps none. */
export const fetchSiteHistory = (id) => (STATIC
  ? Promise.resolve(null)
  : getJson(`/collections/sites/items/${encodeURIComponent(id)}/history`, { optional: true }));
