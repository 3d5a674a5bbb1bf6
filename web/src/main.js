// Compute Atlas map page. Everything it loads comes from its own origin: the
// atlas API, the bundled MapLibre and this file. No tiles, fonts, glyphs or
// sprites from elsewhere (an optional raster basemap only when configured).

import maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import './style.css';

import { esc, fmtNum, fmtCny, fmtText, fmtBool, isNum, safeUrl, splitUrls, STATUS_LABEL, PRECISION_TEXT, UNKNOWN } from './format.js';
import { bboxOf, validBbox, labelPoint, pointKey, spreadOffsets, offsetLngLat } from './geo.js';
import { readUrl, writeUrl, dateInRange, metricLabel, defaultState, DEFAULT_METRICS, DEFAULT_METRIC } from './state.js';

// ---------------------------------------------------------------- constants
const WEST_BOUNDS = [[73.4, 20.8], [126.1, 53.4]];
const ITEMS = (id, extra = '') => `/collections/${id}/items?f=json&limit=10000${extra}`;
const CSV = (id) => `/collections/${id}/items?f=csv&limit=10000`;
const abs = (u) => new URL(u, window.location.href).href;
// Counties and plants come as vector tiles (OGC API - Tiles, MVT): the map loads only the
// tiles in view, simplified for their zoom, instead of every polygon and point up front.
const TILES = (id, query) => `${abs(`/collections/${id}/tiles/WebMercatorQuad`)}/{z}/{y}/{x}?${query}`;
// County tiles carry identity only; the figures come from /analytics/counties and are
// joined on the map by feature state, so changing the metric loads nothing.
const COUNTY_TILE_PROPS = 'properties=adcode,name_en,province';
// Plants drawn on the map: operating records inside the covered counties that the
// county figures count (the preferred source per fuel, so a plant is not drawn twice).
// The rest (retired, cancelled, planned, outside the west) stay in the downloads.
const PLANT_FILTER = 'status=operating&counted=true&in_area=true';
const PLANT_TILE_PROPS = `${PLANT_FILTER}&properties=id,name,unit,fuel,capacity_mw`;

const COLORS = {
  background: '#0b1118',
  zero: '#18222f',
  nodata: '#59606c',
  countyLine: '#2a3748',
  province: '#c8d3e0',
};
const CHORO = ['#163a5c', '#1b5683', '#1f74a0', '#2a93b2', '#48b2b6', '#82cfae', '#cdeab0'];
const STATUS_COLOR = {
  operational: '#ff4f7b',
  under_construction: '#ff9f43',
  tendered: '#ffd84d',
  announced: '#cdbfff',
};
const FUEL_COLOR = {
  coal: '#a48c7d', gas: '#5ad1e6', oil: '#8d6e63', hydro: '#4f8ff7', nuclear: '#c47ae8',
  bioenergy: '#8bc34a', solar: '#ffd54f', wind: '#b2ebf2', geothermal: '#ff7043', other: '#9e9e9e',
};
const LAYER_IDS = {
  basemap: ['basemap'],
  counties: ['counties-fill', 'counties-line'],
  sites: ['site-legs', 'site-anchors', 'sites', 'sites-selected'],
  plants: ['plants'],
  provinces: ['provinces-line'],
};
const COUNTY_FIGS = [
  ['area_km2', 'Area (km²)'],
  ['sites', 'Sites (all statuses)'],
  ['sites_operational', '… operational'],
  ['sites_under_construction', '… under construction'],
  ['sites_planned', '… announced or tendered'],
  ['sites_prefecture_precision', '… placed at a prefecture seat'],
  ['pflops_reported', 'Reported PFLOPS (all statuses)'],
  ['pflops_operational', '… of operational sites'],
  ['pflops_planned_total', 'Planned total PFLOPS'],
  ['pflops_known_sites', 'Sites with a PFLOPS figure'],
  ['pflops_per_10k_km2', 'PFLOPS per 10,000 km²'],
  ['sites_per_10k_km2', 'Sites per 10,000 km²'],
  ['chips', 'Chips'],
  ['racks', 'Racks'],
  ['investment_cny', 'Investment', fmtCny],
  ['plants', 'Operating plant records'],
  ['plant_mw_total', 'Power plants, all fuels (MW)'],
  ['plant_mw_coal', '… coal (MW)'],
  ['plant_mw_gas', '… gas (MW)'],
  ['plant_mw_oil', '… oil (MW)'],
  ['plant_mw_hydro', '… hydro (MW)'],
  ['plant_mw_nuclear', '… nuclear (MW)'],
  ['plant_mw_bioenergy', '… bioenergy (MW)'],
  ['plant_mw_solar', '… solar (MW)'],
  ['plant_mw_wind', '… wind (MW)'],
  ['plant_mw_geothermal', '… geothermal (MW)'],
  ['plant_mw_other', '… other fuels (MW)'],
  ['renewable_mw', 'Renewable capacity (MW)'],
  ['plant_mw_per_10k_km2', 'Plant MW per 10,000 km²'],
];
// Figures summed from site rows: null means no site in the unit reports it.
const SITE_FIGURES = new Set(['pflops_reported', 'pflops_operational', 'pflops_planned_total', 'pflops_per_10k_km2', 'chips', 'racks', 'investment_cny']);
const TABLE_COLS = [
  ['name_en', 'County', 'text'],
  ['province_en', 'Province', 'text'],
  ['_shown', 'Sites shown', 'num'],
  ['sites', 'Sites', 'num'],
  ['pflops_reported', 'PFLOPS reported', 'num'],
  ['pflops_planned_total', 'PFLOPS planned', 'num'],
  ['pflops_per_10k_km2', 'PFLOPS / 10k km²', 'num'],
  ['plant_mw_total', 'Plant MW', 'num'],
  ['renewable_mw', 'Renewable MW', 'num'],
];
const TABLE_LIMIT = 150;

// ---------------------------------------------------------------- state
const state = readUrl();
const data = {
  collections: [],
  sites: [], // GeoJSON features, as served
  siteById: new Map(),
  provinces: [],
  provinceByShort: new Map(),
  provinceByCode: new Map(),
  rows: [], // county analytics rows
  rowByCode: new Map(),
  metrics: DEFAULT_METRICS,
  known: null, // analytics `known`: how many sites report each figure
  rowsError: null,
  plants: null, // null = not available
  bases: [],
  shownSites: [],
  shownGroups: new Map(), // site id -> number of shown sites sharing its point
};
const ui = {
  table: { key: null, dir: -1, all: false },
  plotsKey: '',
  spreadZoom: null,
  labelMarkers: [],
  basemapAttribution: '',
};
const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------- helpers
async function getJson(url, { optional = false } = {}) {
  let r;
  try {
    r = await fetch(url, { headers: { accept: 'application/json' } });
  } catch (e) {
    if (optional) return null;
    throw e;
  }
  if (!r.ok) {
    if (optional) return null;
    throw new Error(`${url}: HTTP ${r.status}`);
  }
  return r.json();
}

// Provinces are keyed by their short English name (`province`: "Xinjiang"), as
// used by sites, county rows and the URL.
const provinceShortOfRow = (row) => row.province || row.province_en || '';
const rowInProvince = (row) => !state.province || provinceShortOfRow(row) === state.province;
// Attribution strings, split into their parts (";" outside brackets) so that parts
// shared by several collections are listed once. Returns [{ part, titles }].
function attributionParts(collections) {
  const parts = new Map();
  for (const c of collections) {
    const text = String(c.attribution || '').trim();
    if (!text) continue;
    const pieces = [];
    let depth = 0, cur = '';
    for (const ch of text) {
      if (ch === '(' || ch === '[') depth++;
      if (ch === ')' || ch === ']') depth = Math.max(0, depth - 1);
      if (ch === ';' && depth === 0) { pieces.push(cur); cur = ''; } else cur += ch;
    }
    pieces.push(cur);
    for (let piece of pieces) {
      piece = piece.trim();
      if (!piece) continue;
      piece = piece[0].toUpperCase() + piece.slice(1);
      if (!parts.has(piece)) parts.set(piece, []);
      const t = c.title || c.id;
      if (!parts.get(piece).includes(t)) parts.get(piece).push(t);
    }
  }
  return [...parts.entries()].map(([part, titles]) => ({ part, titles }));
}

const siteRadius = (pf) => (isNum(pf) && pf > 0 ? 4.5 + 2.6 * Math.log10(1 + pf) : 5);

function siteVisible(p) {
  if (state.province && p.province !== state.province) return false;
  if (!state.statuses.has(p.status)) return false;
  return dateInRange(p.reported_date, state.from, state.to, state.undated);
}

function banner(msg) {
  const b = $('status-banner');
  b.textContent = msg;
  b.hidden = !msg;
}

let urlTimer = 0;
function saveUrl() {
  clearTimeout(urlTimer);
  urlTimer = setTimeout(() => writeUrl(state), 150);
}

// ---------------------------------------------------------------- map
const narrow = window.matchMedia('(max-width: 720px)');
const map = new maplibregl.Map({
  container: 'map',
  style: {
    version: 8,
    sources: {},
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': COLORS.background } }],
  },
  bounds: state.center && state.zoom != null ? undefined : WEST_BOUNDS,
  center: state.center || undefined,
  zoom: state.zoom ?? undefined,
  fitBoundsOptions: { padding: 20 },
  minZoom: 2,
  maxZoom: 13,
  renderWorldCopies: false,
  attributionControl: false,
  fadeDuration: 0,
  dragRotate: false,
  pitchWithRotate: false,
  touchPitch: false,
});
map.touchZoomRotate.disableRotation();
map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
map.addControl(new maplibregl.ScaleControl({ maxWidth: 120 }), 'bottom-right');
window.atlasMap = map;
window.atlasLayers = { sites: 'sites', counties: 'counties-fill', plants: 'plants', provinces: 'provinces-line' };

const mapLoaded = new Promise((resolve) => map.on('load', resolve));

// ---------------------------------------------------------------- choropleth
function niceRound(v) {
  if (v <= 0) return v;
  const p = 10 ** (Math.floor(Math.log10(v)) - 1);
  return Math.round(v / p) * p;
}

function computeBreaks(metric) {
  const vals = data.rows
    .filter(rowInProvince)
    .map((r) => r[metric])
    .filter((v) => isNum(v) && v > 0)
    .sort((a, b) => a - b);
  if (!vals.length) return { breaks: [], colors: [], min: null, max: null };
  const k = Math.min(CHORO.length, new Set(vals).size);
  const breaks = [];
  for (let i = 1; i < k; i++) {
    const b = niceRound(vals[Math.floor((i * vals.length) / k)]);
    if (b > vals[0] && (!breaks.length || b > breaks[breaks.length - 1])) breaks.push(b);
  }
  const n = breaks.length + 1;
  const colors = Array.from({ length: n }, (_, i) => CHORO[n === 1 ? CHORO.length - 2 : Math.round((i * (CHORO.length - 1)) / (n - 1))]);
  return { breaks, colors, min: vals[0], max: vals[vals.length - 1] };
}

function fillColorExpr(metric, scale) {
  const v = ['feature-state', metric];
  const step = scale.breaks.length ? ['step', v, scale.colors[0], ...scale.breaks.flatMap((b, i) => [b, scale.colors[i + 1]])] : scale.colors[0] || COLORS.zero;
  // A site figure is null where no site reports it; with no site at all that is "no recorded site", not missing data.
  const missing = SITE_FIGURES.has(metric)
    ? ['case', ['==', ['coalesce', ['feature-state', 'sites'], -1], 0], COLORS.zero, COLORS.nodata]
    : COLORS.nodata;
  return ['case', ['!=', ['typeof', v], 'number'], missing, ['<=', v, 0], COLORS.zero, step];
}

function knownNote(metric) {
  const k = data.known;
  if (!k || !isNum(k.sites)) return '';
  const f = /^pflops_(reported|operational|per_10k)/.test(metric) ? ['reported_pflops', 'a PFLOPS figure']
    : metric === 'pflops_planned_total' ? ['pflops_planned_total', 'a planned PFLOPS total']
      : metric === 'chips' ? ['chip_count', 'a chip count']
        : metric === 'racks' ? ['racks', 'a rack count']
          : metric === 'investment_cny' ? ['investment_cny', 'an investment figure'] : null;
  return f && isNum(k[f[0]]) ? `${k[f[0]]} of ${k.sites} sites report ${f[1]}.` : '';
}

function updateChoropleth() {
  const scale = computeBreaks(state.metric);
  if (map.getLayer('counties-fill')) {
    map.setPaintProperty('counties-fill', 'fill-color', fillColorExpr(state.metric, scale));
    const base = state.layers.basemap && map.getLayer('basemap') ? 0.7 : 0.95;
    map.setPaintProperty('counties-fill', 'fill-opacity', state.province
      ? ['case', ['==', ['get', 'province'], state.province], base, 0.22]
      : base);
  }
  const items = [];
  const siteFig = SITE_FIGURES.has(state.metric);
  items.push([COLORS.nodata, siteFig ? 'no data (sites do not report it)' : 'no data (unknown)']);
  items.push([COLORS.zero, siteFig ? '0 or no recorded site' : '0']);
  if (scale.breaks.length || scale.colors.length) {
    const edges = [scale.min, ...scale.breaks];
    scale.colors.forEach((c, i) => {
      const lo = edges[i];
      const hi = i < scale.breaks.length ? scale.breaks[i] : scale.max;
      items.push([c, i === scale.colors.length - 1 ? `${fmtNum(lo)} – ${fmtNum(hi)}` : `${fmtNum(lo)} – < ${fmtNum(hi)}`]);
    });
  }
  const scope = state.province ? `counties of ${state.province}` : 'all western counties';
  $('legend-choropleth').innerHTML =
    `<p class="legend-title">${esc(metricLabel(state.metric))} <span class="hint">(classes: quantiles over ${esc(scope)})</span></p>` +
    `<ul class="swatches cols">${items.map(([c, t]) => `<li><i class="sw" style="background:${c}"></i>${esc(t)}</li>`).join('')}</ul>` +
    (knownNote(state.metric) ? `<p class="hint">${esc(knownNote(state.metric))}</p>` : '') +
    (data.rowsError ? `<p class="warn">County figures unavailable: ${esc(data.rowsError)}</p>` : '');
}

// ---------------------------------------------------------------- sites
function rebuildSites() {
  const zoom = map.getZoom();
  ui.spreadZoom = zoom;
  const shown = data.sites.filter((f) => siteVisible(f.properties));
  data.shownSites = shown;
  const groups = new Map();
  for (const f of shown) {
    const k = pointKey(f.geometry.coordinates);
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(f);
  }
  const pts = [], legs = [], anchors = [];
  data.shownGroups = new Map();
  for (const members of groups.values()) {
    members.sort((a, b) => (a.properties.id < b.properties.id ? -1 : 1));
    const origin = members[0].geometry.coordinates;
    const offs = spreadOffsets(members.length);
    members.forEach((f, i) => {
      const p = f.properties;
      const pos = members.length > 1 ? offsetLngLat(origin, offs[i], zoom) : origin;
      data.shownGroups.set(p.id, members.length);
      const r = siteRadius(p.reported_pflops);
      pts.push({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: pos },
        properties: {
          id: p.id, name_en: p.name_en, status: p.status, reported_pflops: p.reported_pflops ?? null,
          known: isNum(p.reported_pflops), r, shared: members.length,
        },
      });
      if (members.length > 1) legs.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: [origin, pos] }, properties: {} });
    });
    if (members.length > 1) anchors.push({ type: 'Feature', geometry: { type: 'Point', coordinates: origin }, properties: { n: members.length } });
  }
  const src = map.getSource('sites');
  if (src) {
    src.setData({ type: 'FeatureCollection', features: pts });
    map.getSource('site-legs').setData({ type: 'FeatureCollection', features: [...legs, ...anchors] });
  }
  $('site-count').textContent = `${shown.length} of ${data.sites.length} sites`;
}

// ---------------------------------------------------------------- layers
// The county layer goes first, so its (largest) download starts while the
// rest of the data is still being fetched.
function addCountyLayers() {
  map.addSource('counties', {
    type: 'vector',
    tiles: [TILES('counties', COUNTY_TILE_PROPS)],
    minzoom: 0,
    // Beyond this the map enlarges zoom-12 tiles: the boundaries hold no finer detail.
    maxzoom: 12,
    promoteId: { counties: 'adcode' },
    attribution: '',
  });
  map.addLayer({
    id: 'counties-fill', type: 'fill', source: 'counties', 'source-layer': 'counties',
    paint: { 'fill-color': COLORS.zero, 'fill-opacity': 0.95 },
  });
  map.addLayer({
    id: 'counties-line', type: 'line', source: 'counties', 'source-layer': 'counties',
    paint: {
      'line-color': ['case', ['boolean', ['feature-state', 'hover'], false], '#ffffff', COLORS.countyLine],
      'line-width': ['interpolate', ['linear'], ['zoom'],
        3, ['case', ['boolean', ['feature-state', 'hover'], false], 1.6, 0.25],
        8, ['case', ['boolean', ['feature-state', 'hover'], false], 2.2, 1]],
    },
  });
  map.addLayer({
    id: 'counties-selected', type: 'line', source: 'counties', 'source-layer': 'counties', filter: ['==', ['get', 'adcode'], '__none__'],
    paint: { 'line-color': '#ffffff', 'line-width': 2.5 },
  });
}

function addLayers(basemapUrl) {
  if (basemapUrl) {
    let host = 'configured server';
    try { host = new URL(basemapUrl, window.location.href).host; } catch { /* keep */ }
    ui.basemapAttribution = `Basemap: ${host}`;
    map.addSource('basemap', { type: 'raster', tiles: [basemapUrl], tileSize: 256 });
    map.addLayer({ id: 'basemap', type: 'raster', source: 'basemap', paint: { 'raster-opacity': 0.9 } }, 'counties-fill');
  }
  map.addSource('provinces', { type: 'vector', tiles: [TILES('provinces', 'properties=province')], minzoom: 0, maxzoom: 12 });
  map.addLayer({
    id: 'provinces-line', type: 'line', source: 'provinces', 'source-layer': 'provinces',
    paint: { 'line-color': COLORS.province, 'line-width': ['interpolate', ['linear'], ['zoom'], 3, 0.9, 8, 2.2], 'line-opacity': 0.85 },
  });
  if (data.plantsAvailable) {
    map.addSource('plants', { type: 'vector', tiles: [TILES('power-plants', PLANT_TILE_PROPS)], minzoom: 0, maxzoom: 12 });
  } else {
    map.addSource('plants', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  }
  map.addLayer({
    id: 'plants', type: 'circle', source: 'plants', ...(data.plantsAvailable ? { 'source-layer': 'power-plants' } : {}),
    paint: {
      'circle-color': ['match', ['get', 'fuel'], ...Object.entries(FUEL_COLOR).flat(), FUEL_COLOR.other],
      'circle-radius': ['interpolate', ['linear'], ['zoom'],
        3, ['case', ['==', ['typeof', ['get', 'capacity_mw']], 'number'], ['min', 6, ['+', 1, ['/', ['sqrt', ['max', 0, ['get', 'capacity_mw']]], 16]]], 1.2],
        6, ['case', ['==', ['typeof', ['get', 'capacity_mw']], 'number'], ['min', 10, ['+', 1.5, ['/', ['sqrt', ['max', 0, ['get', 'capacity_mw']]], 9]]], 2],
        10, ['case', ['==', ['typeof', ['get', 'capacity_mw']], 'number'], ['min', 20, ['+', 3, ['/', ['sqrt', ['max', 0, ['get', 'capacity_mw']]], 4]]], 4]],
      'circle-opacity': 0.75,
      'circle-stroke-color': '#0b1118',
      'circle-stroke-width': 0.5,
    },
  });
  map.addSource('site-legs', { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
  map.addLayer({
    id: 'site-legs', type: 'line', source: 'site-legs', filter: ['==', ['geometry-type'], 'LineString'],
    paint: { 'line-color': '#ffffff', 'line-opacity': 0.55, 'line-width': 1 },
  });
  map.addLayer({
    id: 'site-anchors', type: 'circle', source: 'site-legs', filter: ['==', ['geometry-type'], 'Point'],
    paint: { 'circle-radius': 2.5, 'circle-color': '#ffffff' },
  });
  map.addSource('sites', { type: 'geojson', data: { type: 'FeatureCollection', features: [] }, promoteId: 'id' });
  const r = ['get', 'r'];
  map.addLayer({
    id: 'sites', type: 'circle', source: 'sites',
    layout: { 'circle-sort-key': ['-', 0, r] },
    paint: {
      'circle-color': ['match', ['get', 'status'], ...Object.entries(STATUS_COLOR).flat(), '#cccccc'],
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 3, ['*', 0.85, r], 8, ['*', 1.3, r]],
      'circle-opacity': ['case', ['get', 'known'], 0.92, 0.55],
      'circle-stroke-color': ['case', ['boolean', ['feature-state', 'hover'], false], '#ffffff', '#0b1118'],
      'circle-stroke-width': ['case', ['boolean', ['feature-state', 'hover'], false], 2.5, ['get', 'known'], 1.2, 1.6],
    },
  });
  map.addLayer({
    id: 'sites-selected', type: 'circle', source: 'sites', filter: ['==', ['get', 'id'], '__none__'],
    paint: {
      'circle-radius': ['interpolate', ['linear'], ['zoom'], 3, ['+', 4, ['*', 0.85, r]], 8, ['+', 4, ['*', 1.3, r]]],
      'circle-color': 'rgba(0,0,0,0)',
      'circle-stroke-color': '#ffffff',
      'circle-stroke-width': 2.5,
    },
  });
}

// ---------------------------------------------------------------- renewable bases
// Outlines of the located renewable bases (vector tiles). An outline is the union of the
// counties or prefectures the source names, not the base's footprint; a click near one
// opens a popup with its capacity and source. Every text is escaped, links only http(s).
const BASE_TILE_PROPS = 'properties=name,type,units,capacity_text,capacity_mw,status_as_of,source_url';

function basePopupHtml(p) {
  const u = safeUrl(p.source_url);
  const cap = p.capacity_text || (isNum(p.capacity_mw) ? `${fmtNum(p.capacity_mw)} MW` : UNKNOWN);
  return `<div class="base-popup"><strong>${esc(p.name || 'Renewable base')}</strong>
    <div class="hint">${esc(fmtText(p.type))}</div>${dl([
    ['Units (not the footprint)', fmtText(p.units)],
    ['Capacity', cap],
    ['Status as of', fmtText(p.status_as_of)],
  ])}${u ? `<a href="${esc(u)}" target="_blank" rel="noopener noreferrer">Source</a>` : '<span class="hint">No source link</span>'}</div>`;
}

function addBaseLayers() {
  map.addSource('bases', { type: 'vector', tiles: [TILES('renewable-bases', BASE_TILE_PROPS)], minzoom: 0, maxzoom: 12 });
  map.addLayer({
    id: 'bases-line', type: 'line', source: 'bases', 'source-layer': 'renewable-bases',
    paint: { 'line-color': '#7ee081', 'line-width': ['interpolate', ['linear'], ['zoom'], 3, 1.2, 8, 2.4], 'line-dasharray': [3, 2], 'line-opacity': 0.9 },
  }, map.getLayer('plants') ? 'plants' : undefined);
  // A wide transparent line under the outline makes it easy to hit.
  map.addLayer({
    id: 'bases-hit', type: 'line', source: 'bases', 'source-layer': 'renewable-bases',
    paint: { 'line-color': '#000000', 'line-width': 10, 'line-opacity': 0 },
  }, 'bases-line');
  map.on('click', 'bases-hit', (e) => {
    const f = e.features && e.features[0];
    if (!f) return;
    new maplibregl.Popup({ maxWidth: '320px' }).setLngLat(e.lngLat).setHTML(basePopupHtml(f.properties)).addTo(map);
  });
  map.on('mouseenter', 'bases-hit', () => { map.getCanvas().style.cursor = 'pointer'; });
}

function applyLayerVisibility() {
  for (const [key, ids] of Object.entries(LAYER_IDS)) {
    for (const id of ids) {
      if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', state.layers[key] ? 'visible' : 'none');
    }
  }
  if (map.getLayer('counties-selected')) map.setLayoutProperty('counties-selected', 'visibility', 'visible');
  for (const m of ui.labelMarkers) m.getElement().hidden = !state.layers.provinces;
  for (const key of ['counties', 'sites', 'plants', 'provinces', 'basemap']) {
    const el = $(`l-${key}`);
    if (el) el.checked = !!state.layers[key];
  }
}

function addProvinceLabels() {
  for (const f of data.provinces) {
    const pt = labelPoint(f.geometry);
    if (!pt) continue;
    const el = document.createElement('div');
    el.className = 'prov-label';
    el.setAttribute('aria-hidden', 'true');
    el.innerHTML = `${esc(f.properties.short_en)}<span lang="zh">${esc(f.properties.name_zh || '')}</span>`;
    ui.labelMarkers.push(new maplibregl.Marker({ element: el, anchor: 'center' }).setLngLat(pt).addTo(map));
  }
}

// ---------------------------------------------------------------- legends
function renderLegends() {
  const sizes = [[null, 'unknown'], [100, '100'], [1000, '1,000'], [10000, '10,000']];
  const maxR = siteRadius(10000);
  $('legend-sites').innerHTML = `<ul class="sizes" aria-label="Marker size: reported PFLOPS">${sizes
    .map(([v, t]) => {
      const rr = siteRadius(v);
      const w = 2 * maxR + 4;
      return `<li><svg width="${w}" height="${w}" aria-hidden="true"><circle cx="${w / 2}" cy="${w / 2}" r="${rr}" fill="#9aa7b8" fill-opacity="${v == null ? 0.5 : 0.9}" stroke="#0b1118" stroke-width="1.4"/></svg>${esc(t)}</li>`;
    })
    .join('')}</ul><p class="hint">Colour = status (see filters), size = reported PFLOPS. Rings of markers are sites that share one administrative seat.</p>`;
  const plantsBox = $('l-plants');
  if (!data.plantsAvailable) {
    plantsBox.disabled = true;
    plantsBox.checked = false;
    $('plants-note').textContent = '(no plant data loaded)';
    $('legend-plants').innerHTML = '';
    return;
  }
  const fuels = data.plantCounts ? [...data.plantCounts.entries()].filter(([, n]) => n > 0) : Object.keys(FUEL_COLOR).map((k) => [k, null]);
  const total = data.plantCounts ? [...data.plantCounts.values()].reduce((a, b) => a + b, 0) : null;
  $('plants-note').textContent = total == null ? '(operating)' : `(${total.toLocaleString('en-GB')} operating)`;
  $('legend-plants').innerHTML = `<ul class="swatches cols">${fuels
    .sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))
    .map(([k, n]) => `<li><i class="sw round" style="background:${FUEL_COLOR[k]}"></i>${esc(k)} <span class="hint">${n == null ? '' : n.toLocaleString('en-GB')}</span></li>`)
    .join('')}</ul><p class="hint">Operating plants in the covered counties, as counted in the county figures; retired, cancelled, planned and out-of-area units are in the Data tab downloads.</p>`;
}

// ---------------------------------------------------------------- tabs
function showTab(name, { focus = false } = {}) {
  state.tab = name;
  for (const btn of document.querySelectorAll('[role=tab]')) {
    const on = btn.id === `tab-btn-${name}`;
    btn.setAttribute('aria-selected', String(on));
    btn.tabIndex = on ? 0 : -1;
    if (on && focus) btn.focus();
    $(btn.getAttribute('aria-controls')).hidden = !on;
  }
  if (name === 'plots') renderPlots();
  if (name === 'table') renderTable();
  saveUrl();
}

function wireTabs() {
  const tabs = [...document.querySelectorAll('[role=tab]')];
  tabs.forEach((btn, i) => {
    btn.addEventListener('click', () => showTab(btn.id.replace('tab-btn-', '')));
    btn.addEventListener('keydown', (e) => {
      const d = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
      if (!d) return;
      e.preventDefault();
      const next = tabs[(i + d + tabs.length) % tabs.length];
      showTab(next.id.replace('tab-btn-', ''), { focus: true });
    });
  });
}

// ---------------------------------------------------------------- details
function dl(rows) {
  return `<dl class="figs">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd${v === UNKNOWN ? ' class="unknown"' : ''}>${esc(v)}</dd>`).join('')}</dl>`;
}

function statusBadge(s) {
  return `<span class="badge st-${esc(s)}"><i class="dot st-${esc(s)}"></i>${esc(STATUS_LABEL[s] || s || UNKNOWN)}</span>`;
}

function siteButton(p) {
  const hidden = !siteVisible(p);
  return `<li><button type="button" class="linkish" data-site="${esc(p.id)}"><i class="dot st-${esc(p.status)}"></i>${esc(p.name_en)}</button>` +
    `${hidden ? ' <span class="hint">(hidden by filters)</span>' : ''} <span class="hint">${isNum(p.reported_pflops) ? `${fmtNum(p.reported_pflops)} PFLOPS` : ''}</span></li>`;
}

function renderOverview() {
  const shown = data.shownSites;
  const byProv = new Map();
  for (const f of shown) {
    const k = f.properties.province || UNKNOWN;
    if (!byProv.has(k)) byProv.set(k, []);
    byProv.get(k).push(f.properties);
  }
  let head = '<p class="hint">Click a site or a county on the map, or pick a site below.</p>';
  if (state.province && data.provinceByShort.has(state.province)) {
    const p = data.provinceByShort.get(state.province).properties;
    head += `<h3>${esc(p.short_en)} <span lang="zh" class="zh">${esc(p.name_zh || '')}</span></h3>` +
      dl([
        ['Sites (all statuses)', fmtNum(p.sites)],
        ['Reported PFLOPS', fmtNum(p.pflops_reported)],
        ['Planned total PFLOPS', fmtNum(p.pflops_planned_total)],
        ['Power plants (MW)', fmtNum(p.plant_mw_total)],
        ['Renewable capacity (MW)', fmtNum(p.renewable_mw)],
      ]);
  }
  const groups = [...byProv.entries()].sort((a, b) => b[1].length - a[1].length);
  $('details').innerHTML = head +
    (groups.length ? groups.map(([prov, list]) => `<h4>${esc(prov)} <span class="hint">${list.length}</span></h4><ul class="site-list">${list
      .sort((a, b) => (b.reported_pflops ?? -1) - (a.reported_pflops ?? -1))
      .map(siteButton).join('')}</ul>`).join('') : '<p>No site matches the filters.</p>');
}

function renderSite(id) {
  const f = data.siteById.get(id);
  if (!f) return renderOverview();
  const p = f.properties;
  const urls = splitUrls(p.source_urls);
  const seat = PRECISION_TEXT[p.location_precision] || 'an administrative seat';
  const county = p.county_en || p.located_county_en;
  const place = p.location_precision === 'prefecture' ? p.prefecture_en : county || p.prefecture_en;
  const shared = data.shownGroups.get(id) || 1;
  const pflops = isNum(p.reported_pflops)
    ? `${fmtNum(p.reported_pflops)}${p.pflops_derived ? ' (derived)' : ''}`
    : UNKNOWN;
  $('details').innerHTML = `
    <article class="site" aria-labelledby="site-title">
      <p class="kicker">Computing site ${statusBadge(p.status)}</p>
      <h3 id="site-title">${esc(p.name_en)}</h3>
      <p class="zh" lang="zh">${esc(p.name_zh || '')}</p>
      ${dl([
        ['Operator', fmtText(p.operator)],
        ['Parent', fmtText(p.parent)],
        ['Status', STATUS_LABEL[p.status] || fmtText(p.status)],
        ['Reported date', fmtText(p.reported_date)],
        ['Reported PFLOPS', pflops],
        ['PFLOPS scope', fmtText(p.pflops_scope)],
        ['Planned total PFLOPS', fmtNum(p.pflops_planned_total)],
        ['Chip model', fmtText(p.chip_model)],
        ['Chips', fmtNum(p.chip_count)],
        ['Servers', fmtNum(p.server_count)],
        ['Racks', `${fmtNum(p.racks)}${isNum(p.racks) && p.racks_scope ? ` (${p.racks_scope})` : ''}`],
        ['Power (MW)', fmtNum(p.power_mw)],
        ['Investment', fmtCny(p.investment_cny)],
        ['Confidence', fmtText(p.confidence)],
        ['County', p.county_en ? p.county_en : p.located_county_en ? `${p.located_county_en} (where the point falls; not reported)` : UNKNOWN],
        ['Prefecture', fmtText(p.prefecture_en)],
        ['Province', fmtText(p.province)],
      ])}
      <p class="note"><strong>Location precision: ${esc(fmtText(p.location_precision))}.</strong>
        The point marks ${esc(seat)}${place ? ` (${esc(place)})` : ''}, not the site itself; the facility may be anywhere in that area.
        ${shared > 1 ? `${shared} shown sites share this point, so their markers are spread in a ring around it.` : ''}</p>
      ${p.notes ? `<details class="notes"><summary>Notes</summary><p>${esc(p.notes)}</p></details>` : ''}
      <h4>Sources</h4>
      ${urls.length ? `<ol class="sources-list">${urls.map((u) => {
        const s = safeUrl(u);
        return `<li>${s ? `<a href="${esc(s)}" target="_blank" rel="noopener noreferrer">${esc(u)}</a>` : esc(u)}</li>`;
      }).join('')}</ol>` : `<p class="unknown">${UNKNOWN}</p>`}
      ${p.county_adcode || p.located_county_adcode ? `<p><button type="button" class="linkish" data-county="${esc(p.located_county_adcode || p.county_adcode)}">Show county figures</button></p>` : ''}
      <p><button type="button" class="small" data-clear>Back to site list</button></p>
    </article>`;
}

function renderCounty(code, props) {
  const row = { ...(props || {}), ...(data.rowByCode.get(code) || {}) };
  if (!row.adcode && !props) return renderOverview();
  const sites = data.sites.map((f) => f.properties).filter((p) => String(p.county_adcode) === code || String(p.located_county_adcode) === code);
  const shownCount = sites.filter(siteVisible).length;
  $('details').innerHTML = `
    <article class="county" aria-labelledby="county-title">
      <p class="kicker">County · ${esc(code)}</p>
      <h3 id="county-title">${esc(row.name_en || code)}</h3>
      <p class="zh" lang="zh">${esc(row.name_zh || '')}</p>
      <p class="hint">${esc([row.prefecture_en, provinceShortOfRow(row)].filter(Boolean).join(', '))}</p>
      ${dl(COUNTY_FIGS.filter(([k]) => k in row).map(([k, label, f]) => [label, (f || fmtNum)(row[k] ?? null)]))}
      <h4>Sites in this county <span class="hint">${sites.length} (${shownCount} shown)</span></h4>
      ${sites.length ? `<ul class="site-list">${sites.map(siteButton).join('')}</ul>` : '<p class="hint">No recorded site.</p>'}
      <p><button type="button" class="small" data-clear>Back to site list</button></p>
    </article>`;
}

function renderDetails() {
  const [kind, id] = state.sel.split(':');
  if (kind === 'site') renderSite(id);
  else if (kind === 'county') renderCounty(id, null);
  else renderOverview();
}

function setSelection(sel, { props, fly = false, restore = false } = {}) {
  state.sel = sel;
  const [kind, id] = sel.split(':');
  if (map.getLayer('sites-selected')) map.setFilter('sites-selected', ['==', ['get', 'id'], kind === 'site' ? id : '__none__']);
  if (map.getLayer('counties-selected')) map.setFilter('counties-selected', ['==', ['get', 'adcode'], kind === 'county' ? id : '__none__']);
  if (kind === 'county') renderCounty(id, props);
  else renderDetails();
  if (sel && !restore) {
    showTab('details');
    if (narrow.matches) setCollapsed(false);
    revealDetails();
  }
  if (fly) flyToSelection(kind, id);
  saveUrl();
}

// Scroll the panel so that the tab bar (and the new details) are at its top.
function revealDetails() {
  const body = $('panel-body');
  const block = document.querySelector('.tabs-block');
  const d = block.getBoundingClientRect().top - body.getBoundingClientRect().top;
  if (Math.abs(d) > 2) body.scrollTo({ top: body.scrollTop + d, behavior: 'smooth' });
}

function flyToSelection(kind, id) {
  if (kind === 'site') {
    const f = data.siteById.get(id);
    if (!f) return;
    const c = f.geometry.coordinates;
    const b = map.getBounds();
    if (!b.contains(c) || map.getZoom() < 5) map.easeTo({ center: c, zoom: Math.max(map.getZoom(), 6.5), duration: 600 });
  } else if (kind === 'county') {
    const parts = map.querySourceFeatures('counties', { sourceLayer: 'counties', filter: ['==', ['get', 'adcode'], id] });
    let b = [Infinity, Infinity, -Infinity, -Infinity];
    for (const f of parts) b = bboxOf(f.geometry, b);
    if (validBbox(b)) map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 60, maxZoom: 8, duration: 600 });
  }
}

// ---------------------------------------------------------------- table
function tableRows() {
  const shownBy = new Map();
  for (const f of data.shownSites) {
    const c = String(f.properties.located_county_adcode || f.properties.county_adcode || '');
    if (c) shownBy.set(c, (shownBy.get(c) || 0) + 1);
  }
  let rows = data.rows.filter(rowInProvince).map((r) => ({ ...r, province_en: provinceShortOfRow(r), _shown: shownBy.get(String(r.adcode)) || 0 }));
  if ($('t-with-sites').checked) rows = rows.filter((r) => (r.sites ?? 0) > 0 || r._shown > 0);
  return rows;
}

function renderTable() {
  if ($('tab-table').hidden) return;
  const cols = [...TABLE_COLS];
  if (!cols.some((c) => c[0] === state.metric)) cols.push([state.metric, metricLabel(state.metric), 'num']);
  const key = ui.table.key || state.metric;
  const dir = ui.table.dir;
  const type = (cols.find((c) => c[0] === key) || [0, 0, 'num'])[2];
  const rows = tableRows().sort((a, b) => {
    const va = a[key], vb = b[key];
    const na = va == null || (type === 'num' && !isNum(va));
    const nb = vb == null || (type === 'num' && !isNum(vb));
    if (na || nb) return na === nb ? 0 : na ? 1 : -1; // unknown always last
    if (type === 'text') return String(va).localeCompare(String(vb)) * dir;
    return (va - vb) * dir;
  });
  const limit = ui.table.all ? rows.length : TABLE_LIMIT;
  $('table-caption').textContent = data.rowsError
    ? `County figures unavailable: ${data.rowsError}`
    : `${rows.length} counties${state.province ? ` in ${state.province}` : ''}; "Sites shown" follows the filters. Click a header to sort.`;
  const head = cols.map(([k, label, t]) => {
    const sorted = k === key ? (dir > 0 ? 'ascending' : 'descending') : 'none';
    return `<th scope="col" aria-sort="${sorted}" class="${t}"><button type="button" data-sort="${esc(k)}">${esc(label)}${k === key ? (dir > 0 ? ' ▲' : ' ▼') : ''}</button></th>`;
  }).join('');
  const body = rows.slice(0, limit).map((r) => `<tr${`county:${r.adcode}` === state.sel ? ' class="sel"' : ''}>${cols.map(([k, , t], i) => {
    if (i === 0) return `<th scope="row"><button type="button" class="linkish" data-county="${esc(r.adcode)}" data-fly="1">${esc(r.name_en || r.adcode)}</button></th>`;
    const v = r[k];
    return `<td class="${t}${t === 'num' && !isNum(v) ? ' unknown' : ''}">${esc(t === 'num' ? fmtNum(v) : fmtText(v))}</td>`;
  }).join('')}</tr>`).join('');
  $('county-table').innerHTML = `<thead><tr>${head}</tr></thead><tbody>${body}</tbody>`;
  const more = $('t-more');
  more.hidden = rows.length <= TABLE_LIMIT;
  more.textContent = ui.table.all ? `Show first ${TABLE_LIMIT}` : `Show all ${rows.length}`;
}

// ---------------------------------------------------------------- plots
const PLOTS = [
  ['choropleth', 'County map', (s) => ({ metric: s.metric, ...(s.province ? { province: s.province } : {}) })],
  ['top-counties', 'Top counties', (s) => ({ metric: s.metric, ...(s.province ? { province: s.province } : {}) })],
  ['compute-vs-power', 'Compute vs power', (s) => ({ ...(s.province ? { province: s.province } : {}) })],
  ['province-power', 'Power by province', () => ({})],
];
function plotUrl(kind, ext, params, w, h) {
  return `/plots/${kind}.${ext}?${new URLSearchParams({ ...params, width: String(w), height: String(h) })}`;
}
function renderPlots() {
  if ($('tab-plots').hidden) return;
  const key = `${state.metric}|${state.province}`;
  if (key === ui.plotsKey) return;
  ui.plotsKey = key;
  const suffix = [state.metric, state.province].filter(Boolean).join('-').replace(/\s+/g, '_');
  $('plots').innerHTML = PLOTS.map(([kind, title, params]) => {
    const p = params(state);
    const name = `${kind}${Object.keys(p).length ? `-${suffix}` : ''}`;
    return `<figure class="plot">
      <a href="${esc(plotUrl(kind, 'png', p, 1200, 900))}" target="_blank" rel="noopener" title="Open full size"><img id="plot-${kind}" alt="${esc(title)}${p.metric ? `: ${esc(metricLabel(p.metric))}` : ''}${p.province ? `, ${esc(p.province)}` : ''}" src="${esc(plotUrl(kind, 'png', p, 720, 540))}" width="720" height="540" decoding="async" /></a>
      <figcaption><span>${esc(title)}</span>
        <a class="button small" href="${esc(plotUrl(kind, 'png', p, 1200, 900))}" download="${esc(name)}.png">PNG</a>
        <a class="button small" href="${esc(plotUrl(kind, 'svg', p, 1200, 900))}" download="${esc(name)}.svg">SVG</a>
      </figcaption></figure>`;
  }).join('');
  for (const img of $('plots').querySelectorAll('img')) {
    img.addEventListener('error', () => {
      (img.closest('a') || img).replaceWith(Object.assign(document.createElement('p'), { className: 'warn', textContent: 'Plot unavailable.' }));
    }, { once: true });
  }
}

// ---------------------------------------------------------------- downloads and bases
function renderDownloads() {
  const layerOf = { sites: 'sites', counties: 'counties', provinces: 'provinces', 'power-plants': 'plants' };
  const list = data.collections.length ? data.collections : [{ id: 'sites', title: 'Sites' }, { id: 'counties', title: 'Counties' }, { id: 'provinces', title: 'Provinces' }];
  const items = list
    .filter((c) => c.id !== 'power-plants' || data.plantsAvailable)
    .map((c) => {
      const on = layerOf[c.id] && state.layers[layerOf[c.id]];
      return `<li${on ? ' class="current"' : ''}><span>${esc(c.title || c.id)}${on ? ' <span class="hint">(on the map)</span>' : ''}</span>
        <a class="button small" href="${esc(ITEMS(c.id))}" download="${esc(c.id)}.geojson">GeoJSON</a>
        <a class="button small" href="${esc(CSV(c.id))}" download="${esc(c.id)}.csv">CSV</a></li>`;
    }).join('');
  $('downloads').innerHTML = `<h3>Data layers</h3><ul class="downloads">${items}</ul>
    <h3>Current view</h3>
    <ul class="downloads">
      <li><span>Filtered sites (<span id="dl-count">${data.shownSites.length}</span>)</span>
        <button type="button" class="small" id="dl-sites">GeoJSON</button></li>
      <li><span>County table${state.province ? ` (${esc(state.province)})` : ''}</span>
        <button type="button" class="small" id="dl-table">CSV</button></li>
    </ul>`;
}

function saveBlob(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function renderBases() {
  const groups = new Map();
  for (const f of data.bases) {
    const p = f.properties || {};
    const provs = String(p.province || 'multiple').split(/\s*;\s*/).map((x) => (x === 'multiple' ? 'Several provinces / national' : x));
    for (const pr of provs) {
      if (!groups.has(pr)) groups.set(pr, []);
      groups.get(pr).push(p);
    }
  }
  let entries = [...groups.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  if (state.province) entries = entries.filter(([k]) => k === state.province || k.startsWith('Several'));
  $('bases').innerHTML = `<p class="hint">Bases whose sources name their counties or prefectures are outlined on the map (dashed green: the units, not the footprint); national plans and lists have no place. All are listed by province.</p>` +
    (entries.length ? entries.map(([prov, list]) => `<h4>${esc(prov)} <span class="hint">${list.length}</span></h4><ul class="bases">${list.map((p) => {
      const u = safeUrl(p.source_url);
      return `<li><strong>${esc(p.name)}</strong>
        <span class="hint">${esc([p.type, p.admin_hint].filter(Boolean).join(' · '))}</span>
        ${p.units ? `<div class="hint">On the map: ${esc(p.units)}</div>` : ''}
        <div>Capacity: ${esc(p.capacity_text || (isNum(p.capacity_mw) ? `${fmtNum(p.capacity_mw)} MW` : UNKNOWN))}${isNum(p.capacity_mw) ? ` <span class="hint">(${fmtNum(p.capacity_mw)} MW)</span>` : ''}</div>
        <div class="hint">Status as of: ${esc(fmtText(p.status_as_of))}${u ? ` · <a href="${esc(u)}" target="_blank" rel="noopener noreferrer">source</a>` : ''}</div>
        ${p.notes ? `<div class="hint">${esc(p.notes)}</div>` : ''}</li>`;
    }).join('')}</ul>`).join('') : '<p>No renewable base listed for this province.</p>');
}

// ---------------------------------------------------------------- interaction
function refreshAll({ fit = false } = {}) {
  rebuildSites();
  updateChoropleth();
  renderDetails();
  renderTable();
  renderPlots();
  renderDownloads();
  renderBases();
  if (fit) fitProvince();
  saveUrl();
}

function fitProvince() {
  const f = state.province && data.provinceByShort.get(state.province);
  if (f) {
    const b = bboxOf(f.geometry);
    map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 30, duration: 700 });
  } else {
    map.fitBounds(WEST_BOUNDS, { padding: 20, duration: 700 });
  }
}

function setCollapsed(c) {
  $('panel').dataset.collapsed = String(c);
  $('panel-toggle').setAttribute('aria-expanded', String(!c));
  setTimeout(() => map.resize(), 260);
}

function syncControls() {
  $('f-province').value = state.province;
  for (const box of $('f-status').querySelectorAll('input')) box.checked = state.statuses.has(box.value);
  $('f-from').value = state.from;
  $('f-to').value = state.to;
  $('f-undated').checked = state.undated;
  $('metric').value = state.metric;
  applyLayerVisibility();
}

// Metric select, from the server's list, grouped into compute and power figures.
function fillMetricSelect() {
  const groups = [['Computing sites', []], ['Power plants', []], ['Other', []]];
  for (const id of data.metrics) {
    const g = /^(sites|pflops|chips|racks|investment)/.test(id) ? 0 : /^(plant|renewable)/.test(id) ? 1 : 2;
    groups[g][1].push(id);
  }
  $('metric').innerHTML = groups.filter((g) => g[1].length).map(([label, ids]) => `<optgroup label="${esc(label)}">${ids
    .map((id) => `<option value="${esc(id)}">${esc(metricLabel(id))}</option>`).join('')}</optgroup>`).join('');
  $('metric').value = state.metric;
}

function wireControls() {
  fillMetricSelect();
  $('f-province').addEventListener('change', (e) => {
    state.province = e.target.value;
    refreshAll({ fit: true });
  });
  $('f-status').addEventListener('change', () => {
    state.statuses = new Set([...$('f-status').querySelectorAll('input:checked')].map((x) => x.value));
    refreshAll();
  });
  const monthChange = () => {
    state.from = $('f-from').value || '';
    state.to = $('f-to').value || '';
    state.undated = $('f-undated').checked;
    refreshAll();
  };
  for (const id of ['f-from', 'f-to', 'f-undated']) $(id).addEventListener('change', monthChange);
  $('f-reset').addEventListener('click', () => {
    const d = defaultState();
    const hadProvince = !!state.province;
    Object.assign(state, { province: d.province, statuses: d.statuses, from: '', to: '', undated: true });
    syncControls();
    refreshAll({ fit: hadProvince });
  });
  $('metric').addEventListener('change', (e) => {
    state.metric = e.target.value;
    ui.table.key = null;
    ui.table.dir = -1;
    refreshAll();
  });
  for (const key of ['counties', 'sites', 'plants', 'provinces', 'basemap']) {
    $(`l-${key}`).addEventListener('change', (e) => {
      state.layers[key] = e.target.checked;
      applyLayerVisibility();
      if (key === 'basemap') updateChoropleth();
      renderDownloads();
      saveUrl();
    });
  }
  $('panel-toggle').addEventListener('click', () => setCollapsed($('panel').dataset.collapsed !== 'true'));
  $('t-with-sites').addEventListener('change', renderTable);
  $('t-more').addEventListener('click', () => {
    ui.table.all = !ui.table.all;
    renderTable();
  });
  $('county-table').addEventListener('click', (e) => {
    const b = e.target.closest('button[data-sort]');
    if (!b) return;
    const k = b.dataset.sort;
    const cur = ui.table.key || state.metric;
    if (k === cur) ui.table.dir = -ui.table.dir;
    else {
      ui.table.key = k;
      ui.table.dir = TABLE_COLS.some((c) => c[0] === k && c[2] === 'text') ? 1 : -1;
    }
    renderTable();
    $('county-table').querySelector(`button[data-sort="${CSS.escape(k)}"]`)?.focus();
  });
  // Delegated buttons in the panel: site and county links, back buttons.
  $('panel').addEventListener('click', (e) => {
    const s = e.target.closest('[data-site]');
    if (s) return setSelection(`site:${s.dataset.site}`, { fly: true });
    const c = e.target.closest('[data-county]');
    if (c) return setSelection(`county:${c.dataset.county}`, { fly: true });
    if (e.target.closest('[data-clear]')) return setSelection('');
    if (e.target.id === 'dl-sites') {
      return saveBlob('sites-filtered.geojson', 'application/geo+json', JSON.stringify({ type: 'FeatureCollection', features: data.shownSites }));
    }
    if (e.target.id === 'dl-table') {
      const rows = tableRows();
      const keys = ['adcode', 'name_en', 'name_zh', 'prefecture_en', 'province_en', '_shown', ...COUNTY_FIGS.map((c) => c[0])];
      const cell = (v) => (v == null ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
      const csv = [keys.map((k) => (k === '_shown' ? 'sites_shown' : k)).join(','), ...rows.map((r) => keys.map((k) => cell(r[k])).join(','))].join('\n');
      return saveBlob(`counties${state.province ? `-${state.province.replace(/\s+/g, '_')}` : ''}.csv`, 'text/csv', csv + '\n');
    }
    return undefined;
  });
  wireTabs();
  narrow.addEventListener('change', () => setCollapsed(narrow.matches));
}

function wireMap() {
  const tip = $('hover-tip');
  let hoverCounty = null, hoverSite = null, pending = null, queued = false;
  const clearHover = () => {
    if (hoverCounty != null) map.setFeatureState({ source: 'counties', sourceLayer: 'counties', id: hoverCounty }, { hover: false });
    if (hoverSite != null) map.setFeatureState({ source: 'sites', id: hoverSite }, { hover: false });
    hoverCounty = hoverSite = null;
  };
  const pick = (point) => {
    const pad = 3;
    const box = [[point.x - pad, point.y - pad], [point.x + pad, point.y + pad]];
    const layers = ['sites', 'plants', 'counties-fill'].filter((l) => map.getLayer(l) && map.getLayoutProperty(l, 'visibility') !== 'none');
    const feats = map.queryRenderedFeatures(box, { layers });
    const sites = feats.filter((f) => f.layer.id === 'sites');
    if (sites.length) {
      // Nearest marker centre wins, so each member of a ring can be picked.
      let best = sites[0], bd = Infinity;
      for (const f of sites) {
        const q = map.project(f.geometry.coordinates);
        const d = (q.x - point.x) ** 2 + (q.y - point.y) ** 2;
        if (d < bd) { bd = d; best = f; }
      }
      return best;
    }
    return feats.find((f) => f.layer.id === 'plants') || feats.find((f) => f.layer.id === 'counties-fill') || null;
  };
  map.on('mousemove', (e) => {
    pending = e;
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      const ev = pending;
      const f = pick(ev.point);
      clearHover();
      if (!f) {
        tip.hidden = true;
        map.getCanvas().style.cursor = '';
        return;
      }
      map.getCanvas().style.cursor = 'pointer';
      let html = '';
      if (f.layer.id === 'sites') {
        hoverSite = f.properties.id;
        map.setFeatureState({ source: 'sites', id: hoverSite }, { hover: true });
        html = `<strong>${esc(f.properties.name_en)}</strong><br>${esc(STATUS_LABEL[f.properties.status] || '')} · ${isNum(f.properties.reported_pflops) ? `${fmtNum(f.properties.reported_pflops)} PFLOPS` : 'PFLOPS unknown'}`;
      } else if (f.layer.id === 'plants') {
        const p = f.properties;
        html = `<strong>${esc(p.name || 'Power plant')}</strong>${p.unit ? ` <span class="hint">${esc(p.unit)}</span>` : ''}<br>${esc(p.fuel || '')} · ${isNum(p.capacity_mw) ? `${fmtNum(p.capacity_mw)} MW` : 'MW unknown'}`;
      } else {
        hoverCounty = f.properties.adcode;
        map.setFeatureState({ source: 'counties', sourceLayer: 'counties', id: hoverCounty }, { hover: true });
        const row = data.rowByCode.get(String(hoverCounty)) || f.properties;
        html = `<strong>${esc(row.name_en || hoverCounty)}</strong> <span lang="zh">${esc(row.name_zh || '')}</span><br>${esc(metricLabel(state.metric))}: ${esc(fmtNum(row[state.metric] ?? null))}`;
      }
      tip.innerHTML = html;
      tip.hidden = false;
      const rect = map.getContainer().getBoundingClientRect();
      const x = rect.left + ev.point.x, y = rect.top + ev.point.y;
      tip.style.left = `${Math.min(x + 14, window.innerWidth - tip.offsetWidth - 8)}px`;
      tip.style.top = `${Math.max(8, y - tip.offsetHeight - 10)}px`;
    });
  });
  map.getCanvas().addEventListener('mouseleave', () => {
    clearHover();
    tip.hidden = true;
  });
  map.on('click', (e) => {
    const f = pick(e.point);
    tip.hidden = true;
    if (!f) return setSelection('');
    if (f.layer.id === 'sites') return setSelection(`site:${f.properties.id}`);
    if (f.layer.id === 'plants') return showPlant(f.properties);
    return setSelection(`county:${f.properties.adcode}`, { props: f.properties });
  });
  const lowZoom = () => map.getContainer().classList.toggle('lowzoom', map.getZoom() < (narrow.matches ? 4.5 : 3.6));
  lowZoom();
  map.on('zoom', lowZoom);
  map.on('zoomend', () => {
    if (ui.spreadZoom == null || Math.abs(map.getZoom() - ui.spreadZoom) > 0.02) rebuildSites();
  });
  map.on('moveend', () => {
    const c = map.getCenter();
    state.center = [c.lng, c.lat];
    state.zoom = map.getZoom();
    saveUrl();
  });
}

// A plant's tile carries what the marker and tooltip need; the panel fetches the record.
function showPlant(p, full = false) {
  state.sel = '';
  ui.plantShown = p.id;
  const u = full ? safeUrl(p.url) : null;
  const more = (v) => (full ? fmtText(v) : '…');
  $('details').innerHTML = `<article class="plant"><p class="kicker">Power plant</p><h3>${esc(p.name || UNKNOWN)}</h3>${dl([
    ['Unit', fmtText(p.unit)],
    ['Fuel', fmtText(p.fuel)],
    ['Capacity (MW)', fmtNum(isNum(p.capacity_mw) ? p.capacity_mw : null)],
    ['Status', more(p.status)],
    ['Start year', more(p.start_year)],
    ['Owner', more(p.owner)],
    ['Province', more(p.province)],
    ['Source', more(p.source)],
  ])}${u ? `<p><a href="${esc(u)}" target="_blank" rel="noopener noreferrer">Source page</a></p>` : ''}
  ${full ? '' : '<p class="hint" data-loading>Loading the record…</p>'}
  <p><button type="button" class="small" data-clear>Back to site list</button></p></article>`;
  showTab('details');
  if (narrow.matches) setCollapsed(false);
  revealDetails();
  if (!full && p.id) {
    getJson(`/collections/power-plants/items/${encodeURIComponent(p.id)}?f=json`).then((f) => {
      if (ui.plantShown === p.id && f && f.properties) showPlant({ id: p.id, ...f.properties }, true);
    }).catch((e) => {
      const el = $('details').querySelector('[data-loading]');
      if (ui.plantShown === p.id && el) el.textContent = `The record could not be loaded: ${e.message || e}`;
    });
  }
}

// ---------------------------------------------------------------- start
// The county figures as feature state of the tiled county polygons (see COUNTY_TILE_PROPS).
function setCountyStates() {
  for (const r of data.rows) {
    const figures = {};
    for (const [k, v] of Object.entries(r)) if (typeof v === 'number') figures[k] = v;
    map.setFeatureState({ source: 'counties', sourceLayer: 'counties', id: String(r.adcode) }, figures);
  }
}

// Plant counts per fuel for the legend: the server counts (numberMatched), the page does not
// download the plants for it. Runs after the map is ready.
async function loadPlantCounts() {
  const counts = await Promise.all(Object.keys(FUEL_COLOR).map(async (fuel) => {
    const r = await getJson(`/collections/power-plants/items?f=json&limit=1&${PLANT_FILTER}&fuel=${fuel}&properties=fuel`, { optional: true });
    return [fuel, r && Number.isFinite(r.numberMatched) ? r.numberMatched : 0];
  }));
  data.plantCounts = new Map(counts);
  renderLegends();
}

function markReadyWhenIdle() {
  const check = () => {
    const ok = ['counties', 'provinces', 'sites'].every((s) => map.getSource(s) && map.isSourceLoaded(s));
    if (ok && map.loaded()) {
      document.body.dataset.ready = '1';
      window.dispatchEvent(new Event('atlas-ready'));
    } else {
      map.once('idle', check);
    }
  };
  map.once('idle', check);
}

async function main() {
  wireControls();
  if (narrow.matches) setCollapsed(true);
  const t0 = performance.now();
  mapLoaded.then(addCountyLayers);
  const [collections, config, provinces, sites, analytics, bases, programmes] = await Promise.all([
    getJson('/collections', { optional: true }),
    getJson('/config.json', { optional: true }),
    // Figures, labels and extents only (the outlines are tiles): 0.1° is plenty.
    getJson(ITEMS('provinces', '&precision=1')),
    getJson(ITEMS('sites')),
    getJson(`/analytics/counties?sort=-sites&top=10000`).catch((e) => ({ error: String(e.message || e) })),
    getJson(ITEMS('renewable-bases', '&precision=1'), { optional: true }),
    getJson('/analytics/renewable-programmes', { optional: true }),
  ]);
  performance.mark('atlas:fetched');
  data.collections = (collections && collections.collections) || [];
  data.provinces = provinces.features;
  for (const f of data.provinces) {
    const p = f.properties;
    p.short_en = p.province || p.short_en || p.name_en;
    data.provinceByShort.set(p.short_en, f);
    data.provinceByCode.set(String(p.adcode ?? p.province_adcode), f);
  }
  data.sites = sites.features.filter((f) => f.geometry && f.geometry.type === 'Point');
  for (const f of data.sites) {
    f.properties.id = f.properties.id || f.id;
    data.siteById.set(f.properties.id, f);
  }
  if (analytics && Array.isArray(analytics.rows)) {
    data.rows = analytics.rows;
    for (const r of data.rows) data.rowByCode.set(String(r.adcode), r);
    if (Array.isArray(analytics.metrics) && analytics.metrics.length) data.metrics = analytics.metrics.filter((m) => typeof m === 'string');
    data.known = analytics.known || null;
  } else {
    data.rowsError = (analytics && analytics.error) || 'no rows';
  }
  data.plantsAvailable = data.collections.some((c) => c.id === 'power-plants');
  if (!data.metrics.includes(state.metric)) state.metric = data.metrics.includes(DEFAULT_METRIC) ? DEFAULT_METRIC : data.metrics[0];
  fillMetricSelect();
  data.bases = [...((bases && bases.features) || []),
    ...((programmes && programmes.rows) || []).map((r) => ({ properties: { ...r, province: r.province || 'multiple' } }))];
  if (!data.plantsAvailable) state.layers.plants = false;

  // Province select.
  $('f-province').insertAdjacentHTML('beforeend', [...data.provinceByShort.keys()].sort()
    .map((k) => `<option value="${esc(k)}">${esc(k)}</option>`).join(''));
  if (state.province && !data.provinceByShort.has(state.province)) state.province = '';

  // Basemap: page URL first, then the server's config; only http(s) or same-origin paths.
  let basemap = state.basemap || (config && config.basemap) || null;
  if (basemap && !/^(https?:\/\/|\/)/.test(basemap)) basemap = null;
  if (basemap) {
    $('basemap-row').hidden = false;
    if (!new URLSearchParams(window.location.hash.slice(1)).has('layers')) state.layers.basemap = true;
  }

  await mapLoaded;
  performance.mark('atlas:map-loaded');
  addLayers(basemap);
  addBaseLayers();
  setCountyStates();
  performance.mark('atlas:layers');
  addProvinceLabels();
  performance.mark('atlas:labels');
  // Attribution: every source once, grouped by the layers it covers. On the map a
  // compact (i) control, folded at start; the same list is in the panel's "Sources".
  const groups = new Map();
  for (const { part, titles } of attributionParts(data.collections)) {
    const k = titles.join(', ');
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(part);
  }
  const entries = [...groups.entries()].map(([titles, list]) => [titles, list.join('; ')]);
  if (!entries.length) entries.push(['Data', '(attribution unavailable)']);
  if (ui.basemapAttribution) entries.push(['Basemap', ui.basemapAttribution]);
  entries.push(['Map rendering', 'MapLibre GL JS (BSD-3-Clause)']);
  const sourcesHtml = entries.map(([t, text]) => `<li><strong>${esc(t)}:</strong> ${esc(text)}</li>`).join('');
  map.addControl(new maplibregl.AttributionControl({ compact: true, customAttribution: `<ul class="atlas-sources">${sourcesHtml}</ul>` }), 'bottom-right');
  const attrib = map.getContainer().querySelector('.maplibregl-ctrl-attrib');
  if (attrib) {
    attrib.classList.add('atlas-attrib');
    attrib.classList.remove('maplibregl-compact-show');
    attrib.querySelector('summary')?.setAttribute('title', 'Data sources');
  }
  $('attribution-list').innerHTML = sourcesHtml;

  syncControls();
  renderLegends();
  refreshAll();
  if (state.sel) setSelection(state.sel, { restore: true });
  showTab(['details', 'table', 'plots', 'bases', 'data'].includes(state.tab) ? state.tab : 'details');
  if (state.province && !(state.center && state.zoom != null)) fitProvince();
  wireMap();
  performance.mark('atlas:ui');
  markReadyWhenIdle();
  window.addEventListener('atlas-ready', () => {
    window.atlasLoadMs = Math.round(performance.now() - t0);
    // Milliseconds from the start of navigation, as the browser counts them.
    window.atlasReadyAt = Math.round(performance.now());
    if (data.plantsAvailable) loadPlantCounts();
  }, { once: true });
}

main().catch((e) => {
  console.error(e);
  banner(`The map could not load its data: ${e.message || e}`);
  document.body.dataset.ready = 'error';
});
