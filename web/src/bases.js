// Outlines of the located renewable bases (vector tiles). An outline is the union of the
// counties or prefectures the source names, not the base's footprint; a click near one
// opens a popup with its capacity and source. Every text is escaped, links only http(s).
import maplibregl from 'maplibre-gl';

import { esc, fmtNum, fmtText, isNum, safeUrl, UNKNOWN } from './format.js';
import { vectorSource } from './source.js';
import { map } from './mapview.js';

const BASE_TILE_PROPS = 'properties=name,type,units,capacity_text,capacity_mw,status_as_of,source_url';

function row(label, value) {
  return `<dt>${esc(label)}</dt><dd>${esc(value)}</dd>`;
}

export function basePopupHtml(p) {
  const u = safeUrl(p.source_url);
  const cap = p.capacity_text || (isNum(p.capacity_mw) ? `${fmtNum(p.capacity_mw)} MW` : UNKNOWN);
  return `<div class="base-popup"><strong>${esc(p.name || 'Renewable base')}</strong>
    <div class="hint">${esc(fmtText(p.type))}</div><dl>${row('Units (not the footprint)', fmtText(p.units))}${row('Capacity', cap)}${row('Status as of', fmtText(p.status_as_of))}</dl>${u ? `<a href="${esc(u)}" target="_blank" rel="noopener noreferrer">Source</a>` : '<span class="hint">No source link</span>'}</div>`;
}

export function addBaseLayers() {
  map.addSource('bases', vectorSource('renewable-bases', BASE_TILE_PROPS));
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
  map.on('mouseleave', 'bases-hit', () => { map.getCanvas().style.cursor = ''; });
}
