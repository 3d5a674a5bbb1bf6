// What is selected (a site, a county or a plant) and how the page follows:
// map highlight, Details tab, panel unfolded on phones, camera, URL.

import { fetchPlant } from './api.js';
import { state, ui, $, narrow, saveUrl } from './context.js';
import { map, highlightSelection, flyToSelection } from './mapview.js';
import { renderCounty, renderDetails, renderPlant, plantLoadFailed } from './panels.js';
import { showTab } from './tabs.js';

export function setCollapsed(c) {
  $('panel').dataset.collapsed = String(c);
  $('panel-toggle').setAttribute('aria-expanded', String(!c));
  // After the panel's CSS transition, so the map fills the space it frees.
  setTimeout(() => map.resize(), 260);
}

// Scroll the panel so that the tab bar (and the new details) are at its top.
function revealDetails() {
  const body = $('panel-body');
  const block = document.querySelector('.tabs-block');
  const d = block.getBoundingClientRect().top - body.getBoundingClientRect().top;
  if (Math.abs(d) > 2) body.scrollTo({ top: body.scrollTop + d, behavior: 'smooth' });
}

function openDetails() {
  showTab('details');
  if (narrow.matches) setCollapsed(false);
  revealDetails();
}

/**
 * `sel` is "site:<id>", "county:<adcode>" or "" (the site list). `props` are the
 * clicked tile's properties (a county not in the figures still shows its name);
 * `restore` (from the URL at start) keeps the tab the URL names.
 */
export function setSelection(sel, { props, fly = false, restore = false } = {}) {
  state.sel = sel;
  const [kind, id] = sel.split(':');
  highlightSelection(kind, id);
  if (kind === 'county') renderCounty(id, props);
  else renderDetails();
  if (sel && !restore) openDetails();
  if (fly) flyToSelection(kind, id);
  saveUrl();
}

// A plant's tile carries what the marker and tooltip need; the panel fetches the record.
export function showPlant(p, lngLat) {
  state.sel = '';
  ui.plantShown = p.id;
  renderPlant(p, false);
  openDetails();
  if (!p.id) return;
  fetchPlant(p.id, lngLat).then((f) => {
    if (ui.plantShown === p.id && f && f.properties) renderPlant({ id: p.id, ...f.properties }, true);
  }).catch((e) => {
    if (ui.plantShown === p.id) plantLoadFailed(e.message || String(e));
  });
}
