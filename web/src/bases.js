// Outlines of the located renewable bases (vector tiles). An outline is the union of the
// counties or prefectures the source names, not the base's footprint; a click near one
// opens a popup with its capacity and source. Every text is escaped, links only http(s).
import maplibregl from 'maplibre-gl';

import { esc, fmtNum, fmtText, isNum, safeUrl, UNKNOWN } from './format.js';
import { vectorSource } from './source.js';
import { map } from './mapview.js';

/** Pixels around the pointer in which an outline counts as hit. */
const HIT_PX = 5;
/** Layers whose own click handlers come before a base's popup. */
const CLICK_FIRST = ['sites', 'plants'];

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
  map.addSource('bases', vectorSource('renewable-bases'));
  map.addLayer({
    id: 'bases-line', type: 'line', source: 'bases', 'source-layer': 'renewable-bases',
    paint: { 'line-color': '#7ee081', 'line-width': ['interpolate', ['linear'], ['zoom'], 3, 1.2, 8, 2.4], 'line-dasharray': [3, 2], 'line-opacity': 0.9 },
  }, map.getLayer('plants') ? 'plants' : undefined);
  // A click within a few pixels of an outline hits it. Querying a box around the pointer
  // replaces a wide transparent line layer, which software WebGL still had to draw each frame.
  const near = (p) => map.queryRenderedFeatures([[p.x - HIT_PX, p.y - HIT_PX], [p.x + HIT_PX, p.y + HIT_PX]], { layers: ['bases-line'] });
  map.on('click', (e) => {
    if (!map.getLayer('bases-line') || map.getLayoutProperty('bases-line', 'visibility') === 'none') return;
    // Sites and plants answer clicks on themselves first.
    if (map.queryRenderedFeatures(e.point, { layers: CLICK_FIRST.filter((id) => map.getLayer(id)) }).length) return;
    const f = near(e.point)[0];
    if (!f) return;
    new maplibregl.Popup({ maxWidth: '320px' }).setLngLat(e.lngLat).setHTML(basePopupHtml(f.properties)).addTo(map);
  });
}
