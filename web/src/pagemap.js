// The small map of the HTML items and item pages (src/server/html.rs puts this entry's
// script and styles in the page; the page's policy runs no inline script). The map element
// names what to draw in data- attributes, so the script holds no URL of its own:
//   data-features  the GeoJSON of exactly the page's features (the same request with f=json)
//   data-backdrop  optional vector tile URL template (absolute) of the county outlines
// Nothing is loaded from elsewhere: a plain background, the server's own tiles, no glyphs.
// When drawn, the element's data-map-state is "ready" (or "error"), for tests and people.

import 'maplibre-gl/dist/maplibre-gl.css';
import maplibregl from 'maplibre-gl';

const WEST_BOUNDS = [[73.4, 20.8], [126.1, 53.4]];
// The web map's colours (symbols.js), written out: importing that module would put it in the
// chunk both entries share.
const COLORS = { background: '#0b1118', countyLine: '#2a3748' };
const POINT_COLOR = '#ff4f7b';
const AREA_COLOR = '#48b2b6';

/** The features of a FeatureCollection or of a single Feature. */
function featuresOf(doc) {
  if (doc && doc.type === 'FeatureCollection' && Array.isArray(doc.features)) return doc.features;
  if (doc && doc.type === 'Feature') return [doc];
  return [];
}

/** [west, south, east, north] of every position in `features`, or null when none has one. */
function boundsOf(features) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (c) => {
    if (!Array.isArray(c)) return;
    if (typeof c[0] === 'number' && typeof c[1] === 'number') {
      b[0] = Math.min(b[0], c[0]); b[1] = Math.min(b[1], c[1]);
      b[2] = Math.max(b[2], c[0]); b[3] = Math.max(b[3], c[1]);
      return;
    }
    c.forEach(visit);
  };
  for (const f of features) visit(f.geometry?.coordinates);
  return Number.isFinite(b[0]) ? b : null;
}

function setState(el, s, message) {
  el.dataset.mapState = s;
  if (message) el.setAttribute('aria-label', message);
}

async function start(el) {
  const res = await fetch(el.dataset.features, { headers: { Accept: 'application/geo+json' } });
  if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
  const features = featuresOf(await res.json());
  // Feature ids are text; MapLibre keeps only numeric ids, so the id rides in a property
  // (the page's popups and tests read it there).
  const data = {
    type: 'FeatureCollection',
    features: features.map((f) => ({ ...f, properties: { ...(f.properties || {}), _fid: f.id ?? null } })),
  };
  const bounds = boundsOf(features);
  const sources = { page: { type: 'geojson', data } };
  const layers = [{ id: 'background', type: 'background', paint: { 'background-color': COLORS.background } }];
  if (el.dataset.backdrop) {
    sources.backdrop = { type: 'vector', tiles: [el.dataset.backdrop], minzoom: 0, maxzoom: 12 };
    layers.push({ id: 'backdrop', type: 'line', source: 'backdrop', 'source-layer': 'counties', paint: { 'line-color': COLORS.countyLine, 'line-width': 0.6 } });
  }
  const polygon = ['match', ['geometry-type'], ['Polygon', 'MultiPolygon'], true, false];
  layers.push(
    { id: 'page-fill', type: 'fill', source: 'page', filter: polygon, paint: { 'fill-color': AREA_COLOR, 'fill-opacity': 0.35 } },
    { id: 'page-line', type: 'line', source: 'page', filter: polygon, paint: { 'line-color': AREA_COLOR, 'line-width': 1.2 } },
    { id: 'page-points', type: 'circle', source: 'page', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-color': POINT_COLOR, 'circle-radius': 5, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 } },
  );
  const map = new maplibregl.Map({
    container: el,
    style: { version: 8, sources, layers },
    bounds: bounds ? [[bounds[0], bounds[1]], [bounds[2], bounds[3]]] : WEST_BOUNDS,
    fitBoundsOptions: { padding: 30, maxZoom: 9 },
    renderWorldCopies: false,
    attributionControl: false,
    fadeDuration: 0,
    dragRotate: false,
    pitchWithRotate: false,
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
  window.pageMap = map;
  map.on('click', (e) => {
    const hit = map.queryRenderedFeatures(e.point, { layers: ['page-points', 'page-fill'] })[0];
    const id = hit?.properties?._fid;
    if (id == null) return;
    // The table's link to the feature's page, so the map goes where the table goes.
    const link = [...document.querySelectorAll('td a')].find((a) => a.textContent === String(id));
    if (link) window.location.assign(link.href);
  });
  map.on('mouseenter', 'page-points', () => { map.getCanvas().style.cursor = 'pointer'; });
  map.on('mouseleave', 'page-points', () => { map.getCanvas().style.cursor = ''; });
  map.once('idle', () => {
    setState(el, 'ready', features.length ? `Map of ${features.length} features` : 'Map: no features on this page');
  });
}

const el = document.getElementById('features-map');
if (el && el.dataset.features) {
  start(el).catch((e) => {
    setState(el, 'error', `The map could not be drawn: ${e.message}`);
    el.textContent = `The map could not be drawn: ${e.message}`;
  });
}
