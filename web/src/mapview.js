// The MapLibre map: its sources and layers, the site markers (spread where
// several share a point), the choropleth paint, province labels, visibility,
// camera moves and the ready signal the tests and benchmarks wait for.

import maplibregl from 'maplibre-gl';

import { esc, isNum } from './format.js';
import { bboxOf, validBbox, labelPoint, pointKey, spreadOffsets, offsetLngLat } from './geo.js';
import { vectorSource } from './source.js';
import { state, data, ui, $, siteVisible, rowInProvince } from './context.js';
import { quantileScale, countyColor } from './choropleth.js';
import { marksZoneAggregates } from './metrics.js';
import { COLORS, STATUS_COLOR, FUEL_COLOR, siteRadius } from './symbols.js';

export const WEST_BOUNDS = [[73.4, 20.8], [126.1, 53.4]];
const LAYER_IDS = {
  basemap: ['basemap'],
  counties: ['counties-fill', 'counties-line', 'counties-aggregate'],
  sites: ['site-legs', 'site-anchors', 'sites', 'sites-selected'],
  plants: ['plants'],
  provinces: ['provinces-line'],
};

export const map = new maplibregl.Map({
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
// For the browser test and the page-load benchmark.
window.atlasMap = map;
window.atlasLayers = { sites: 'sites', counties: 'counties-fill', plants: 'plants', provinces: 'provinces-line' };

export const mapLoaded = new Promise((resolve) => map.on('load', resolve));

// ---------------------------------------------------------------- choropleth
const countyFeature = (adcode) => ({ source: 'counties', sourceLayer: 'counties', id: String(adcode) });

/**
 * Repaints the counties for the current metric and province; returns the classes for the legend.
 * Everything that changes is feature state (colour, opacity, the aggregate outline): the county
 * layers' paint, layout and filters never change after they are added, as any such change makes
 * MapLibre lay out every county tile again.
 */
export function paintChoropleth() {
  const scale = quantileScale(data.rows.filter(rowInProvince), state.metric);
  const opacity = state.layers.basemap && map.getLayer('basemap') ? 0.7 : 0.95;
  const outline = !!state.metric && marksZoneAggregates(state.metric);
  for (const r of data.rows) {
    map.setFeatureState(countyFeature(r.adcode), {
      fill: state.metric ? countyColor(r, state.metric, scale) : COLORS.zero,
      opacity: rowInProvince(r) ? opacity : 0.22,
      outline: outline && r.pflops_zone_aggregate === true,
    });
  }
  return scale;
}

// ---------------------------------------------------------------- sites
/** Filters the sites and lays out markers that share a point in a ring (for the current zoom). */
export function rebuildSites() {
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
  // Larger markers first, so smaller ones stay on top and clickable (the order a bucket
  // draws in; a circle-sort-key would split the layer into a draw call per marker).
  pts.sort((a, b) => b.properties.r - a.properties.r);
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
export function addCountyLayers() {
  // Beyond zoom 12 (live) the map enlarges the tiles: the boundaries hold no finer detail.
  map.addSource('counties', vectorSource('counties', {
    promoteId: { counties: 'adcode' },
    attribution: '',
  }));
  map.addLayer({
    id: 'counties-fill', type: 'fill', source: 'counties', 'source-layer': 'counties',
    // No antialiasing pass: counties-line draws every border over the fill's edges, and the
    // pass (every edge drawn again as lines) cost a quarter of each frame in software WebGL.
    paint: {
      'fill-color': ['to-color', ['coalesce', ['feature-state', 'fill'], COLORS.nodata]],
      'fill-opacity': ['number', ['feature-state', 'opacity'], 0.95],
      'fill-antialias': false,
    },
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
  // A county whose PFLOPS total rests on a zone-wide figure is outlined (for PFLOPS metrics):
  // its value is not one facility's compute (issue 16). The tiles carry the flag, so the filter
  // is fixed and draws a handful of outlines; the metric shows or hides them by feature state.
  map.addLayer({
    id: 'counties-aggregate', type: 'line', source: 'counties', 'source-layer': 'counties',
    filter: ['==', ['get', 'pflops_zone_aggregate'], true],
    paint: {
      'line-color': COLORS.aggregate,
      'line-width': 2,
      'line-opacity': ['case', ['boolean', ['feature-state', 'outline'], false], 1, 0],
    },
  });
  map.addLayer({
    id: 'counties-selected', type: 'line', source: 'counties', 'source-layer': 'counties', filter: ['==', ['get', 'adcode'], '__none__'],
    paint: { 'line-color': '#ffffff', 'line-width': 2.5 },
  });
}

export function addLayers(basemapUrl) {
  if (basemapUrl) {
    let host = 'configured server';
    try { host = new URL(basemapUrl, window.location.href).host; } catch { /* keep */ }
    ui.basemapAttribution = `Basemap: ${host}`;
    map.addSource('basemap', { type: 'raster', tiles: [basemapUrl], tileSize: 256 });
    map.addLayer({ id: 'basemap', type: 'raster', source: 'basemap', paint: { 'raster-opacity': 0.9 } }, 'counties-fill');
  }
  map.addSource('provinces', vectorSource('provinces'));
  map.addLayer({
    id: 'provinces-line', type: 'line', source: 'provinces', 'source-layer': 'provinces',
    paint: { 'line-color': COLORS.province, 'line-width': ['interpolate', ['linear'], ['zoom'], 3, 0.9, 8, 2.2], 'line-opacity': 0.85 },
  });
  if (data.plantsAvailable) {
    map.addSource('plants', vectorSource('power-plants'));
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

export function applyLayerVisibility() {
  for (const [key, ids] of Object.entries(LAYER_IDS)) {
    const want = state.layers[key] ? 'visible' : 'none';
    // Unset is visible; setting it again would still make MapLibre reload the layer's source.
    for (const id of ids) {
      if (map.getLayer(id) && (map.getLayoutProperty(id, 'visibility') ?? 'visible') !== want) map.setLayoutProperty(id, 'visibility', want);
    }
  }
  for (const m of ui.labelMarkers) m.getElement().hidden = !state.layers.provinces;
  for (const key of Object.keys(LAYER_IDS)) {
    const el = $(`l-${key}`);
    if (el) el.checked = !!state.layers[key];
  }
}

export function addProvinceLabels() {
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

/** The compact (i) attribution control, folded at start, listing `sourcesHtml`. */
export function addAttribution(sourcesHtml) {
  map.addControl(new maplibregl.AttributionControl({ compact: true, customAttribution: `<ul class="atlas-sources">${sourcesHtml}</ul>` }), 'bottom-right');
  const attrib = map.getContainer().querySelector('.maplibregl-ctrl-attrib');
  if (attrib) {
    attrib.classList.add('atlas-attrib');
    attrib.classList.remove('maplibregl-compact-show');
    attrib.querySelector('summary')?.setAttribute('title', 'Data sources');
  }
}

// ---------------------------------------------------------------- selection and camera
export function highlightSelection(kind, id) {
  if (map.getLayer('sites-selected')) map.setFilter('sites-selected', ['==', ['get', 'id'], kind === 'site' ? id : '__none__']);
  if (map.getLayer('counties-selected')) map.setFilter('counties-selected', ['==', ['get', 'adcode'], kind === 'county' ? id : '__none__']);
}

export function flyToSelection(kind, id) {
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

export function fitProvince() {
  const f = state.province && data.provinceByShort.get(state.province);
  if (f) {
    const b = bboxOf(f.geometry);
    map.fitBounds([[b[0], b[1]], [b[2], b[3]]], { padding: 30, duration: 700 });
  } else {
    map.fitBounds(WEST_BOUNDS, { padding: 20, duration: 700 });
  }
}

/** Sets data-ready="1" and fires `atlas-ready` once every layer's data is in and the map is idle. */
export function markReadyWhenIdle() {
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
