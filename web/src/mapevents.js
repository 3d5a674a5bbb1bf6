// Pointer and camera events on the map: hover tooltips, clicks that select,
// marker re-spreading after zooming, and the camera in the URL.

import { esc, fmtNum, isNum, STATUS_LABEL } from './format.js';
import { state, data, ui, $, narrow, saveUrl } from './context.js';
import { map, rebuildSites } from './mapview.js';
import { labelWithUnit, formatMetric } from './metrics.js';
import { setSelection, showPlant } from './selection.js';

// The feature under the pointer: the nearest site marker, else a plant, else a county.
function pick(point) {
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
}

function tipHtml(f, hover) {
  const p = f.properties;
  if (f.layer.id === 'sites') {
    hover.site = p.id;
    map.setFeatureState({ source: 'sites', id: p.id }, { hover: true });
    return `<strong>${esc(p.name_en)}</strong><br>${esc(STATUS_LABEL[p.status] || '')} · ${isNum(p.reported_pflops) ? `${fmtNum(p.reported_pflops)} PFLOPS` : 'PFLOPS unknown'}`;
  }
  if (f.layer.id === 'plants') {
    return `<strong>${esc(p.name || 'Power plant')}</strong>${p.unit ? ` <span class="hint">${esc(p.unit)}</span>` : ''}<br>${esc(p.fuel || '')} · ${isNum(p.capacity_mw) ? `${fmtNum(p.capacity_mw)} MW` : 'MW unknown'}`;
  }
  hover.county = p.adcode;
  map.setFeatureState({ source: 'counties', sourceLayer: 'counties', id: p.adcode }, { hover: true });
  const row = data.rowByCode.get(String(p.adcode)) || p;
  return `<strong>${esc(row.name_en || p.adcode)}</strong> <span lang="zh">${esc(row.name_zh || '')}</span><br>${esc(labelWithUnit(state.metric))}: ${esc(formatMetric(state.metric, row[state.metric] ?? null))}`;
}

export function wireMap() {
  const tip = $('hover-tip');
  const hover = { county: null, site: null };
  let pending = null, queued = false;
  const clearHover = () => {
    if (hover.county != null) map.setFeatureState({ source: 'counties', sourceLayer: 'counties', id: hover.county }, { hover: false });
    if (hover.site != null) map.setFeatureState({ source: 'sites', id: hover.site }, { hover: false });
    hover.county = hover.site = null;
  };
  map.on('mousemove', (e) => {
    pending = e;
    if (queued) return;
    queued = true;
    // One pick per frame, however fast the pointer moves.
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
      tip.innerHTML = tipHtml(f, hover);
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
    if (f.layer.id === 'plants') return showPlant(f.properties, f.geometry.type === 'Point' ? f.geometry.coordinates : [e.lngLat.lng, e.lngLat.lat]);
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
