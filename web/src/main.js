// Compute Atlas map page. Everything it loads comes from its own origin: the
// atlas API, the bundled MapLibre and these modules. No tiles, fonts, glyphs or
// sprites from elsewhere (an optional raster basemap only when configured).
//
// Modules: api (requests), metrics (the server's metric catalogue), context (shared
// state), mapview (map and layers), legend, panels (details), tabs (table, plots,
// bases, downloads), selection, controls, mapevents, view (redraws), editing (site edits
// with an editor's token, when the server can be written).

import 'maplibre-gl/dist/maplibre-gl.css';
import './style.css';

import { esc } from './format.js';
import { fetchStartData, fetchPlantCounts } from './api.js';
import { setCatalogue } from './metrics.js';
import { state, data, ui, $, narrow, banner } from './context.js';
import { addBaseLayers } from './bases.js';
import { mapLoaded, addCountyLayers, addLayers, addProvinceLabels, addAttribution, fitProvince, markReadyWhenIdle } from './mapview.js';
import { FUEL_COLOR } from './symbols.js';
import { renderLegends } from './legend.js';
import { refreshAll } from './view.js';
import { setSelection, setCollapsed } from './selection.js';
import { showTab, TAB_NAMES } from './tabs.js';
import { wireControls, fillMetricSelect, checkMetric, syncControls } from './controls.js';
import { wireMap } from './mapevents.js';
import { setupTimeControl } from './timecontrol.js';
import { EMBED } from './source.js';
import { setupEmbed } from './embed.js';
import { setupEditing } from './editing.js';

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

// Every source once, grouped by the layers it covers: on the map a compact (i)
// control, folded at start; the same list is in the panel's "Sources".
function renderSources() {
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
  addAttribution(sourcesHtml);
  $('attribution-list').innerHTML = sourcesHtml;
}

// The loaded data into `data` (and the metric catalogue into metrics.js).
function takeData({ collections, provinces, sites, analytics, bases, catalogue, programmes }) {
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
  let names = [];
  if (analytics && Array.isArray(analytics.rows)) {
    data.rows = analytics.rows;
    for (const r of data.rows) data.rowByCode.set(String(r.adcode), r);
    if (Array.isArray(analytics.metrics)) names = analytics.metrics;
    data.known = analytics.known || null;
  } else {
    data.rowsError = (analytics && analytics.error) || 'no rows';
  }
  // The catalogue when the server has one; else generic labels for the table's metric names
  // (and its rows tell which figures are summed from sites).
  setCatalogue(catalogue, names, data.rows);
  data.plantsAvailable = data.collections.some((c) => c.id === 'power-plants');
  data.bases = [...((bases && bases.features) || []),
    ...((programmes && programmes.rows) || []).map((r) => ({ properties: { ...r, province: r.province || 'multiple' } }))];
}

async function main() {
  if (EMBED) setupEmbed();
  wireControls();
  if (narrow.matches) setCollapsed(true);
  const t0 = performance.now();
  mapLoaded.then(addCountyLayers);
  const loaded = await fetchStartData();
  performance.mark('atlas:fetched');
  takeData(loaded);
  checkMetric();
  fillMetricSelect();
  if (!data.plantsAvailable) state.layers.plants = false;

  // Province select.
  $('f-province').insertAdjacentHTML('beforeend', [...data.provinceByShort.keys()].sort()
    .map((k) => `<option value="${esc(k)}">${esc(k)}</option>`).join(''));
  if (state.province && !data.provinceByShort.has(state.province)) state.province = '';

  // Basemap: page URL first, then the server's config; only http(s) or same-origin paths.
  const config = loaded.config;
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
  performance.mark('atlas:layers');
  addProvinceLabels();
  performance.mark('atlas:labels');
  renderSources();

  setupTimeControl();
  syncControls();
  renderLegends();
  refreshAll();
  if (state.sel) setSelection(state.sel, { restore: true });
  showTab(TAB_NAMES.includes(state.tab) ? state.tab : 'details');
  if (state.province && !(state.center && state.zoom != null)) fitProvince();
  wireMap();
  // Editing needs the server's conformance; the map does not wait for it.
  setupEditing().catch((e) => console.warn('editing unavailable:', e));
  performance.mark('atlas:ui');
  markReadyWhenIdle();
  window.addEventListener('atlas-ready', () => {
    window.atlasLoadMs = Math.round(performance.now() - t0);
    // Milliseconds from the start of navigation, as the browser counts them.
    window.atlasReadyAt = Math.round(performance.now());
    // Plant counts per fuel for the legend, after the map is ready (they are not needed to draw it).
    if (data.plantsAvailable) {
      fetchPlantCounts(Object.keys(FUEL_COLOR)).then((counts) => {
        data.plantCounts = counts;
        renderLegends();
      });
    }
  }, { once: true });
}

main().catch((e) => {
  console.error(e);
  banner(`The map could not load its data: ${e.message || e}`);
  document.body.dataset.ready = 'error';
});
