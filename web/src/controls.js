// The panel's controls: filters, metric menu (from the server's catalogue),
// layer switches, tabs, the county table's headers and the panel's buttons.
// Each change updates `state`, redraws and lands in the URL.

import { esc } from './format.js';
import { defaultState, LAYERS } from './state.js';
import { state, data, ui, $, narrow, saveUrl } from './context.js';
import { metricGroups, labelWithUnit, metricDescription, hasMetric, defaultMetric } from './metrics.js';
import { applyLayerVisibility } from './mapview.js';
import { refreshAll, updateChoropleth } from './view.js';
import { setSelection, setCollapsed } from './selection.js';
import { showTab, renderTable, renderDownloads, tableCsv, isTextColumn } from './tabs.js';
import { syncTimeControl, resetTimeControl } from './timecontrol.js';

/** The metric menu, grouped as the catalogue groups its metrics. */
export function fillMetricSelect() {
  $('metric').innerHTML = metricGroups().map(({ title, names }) => `<optgroup label="${esc(title)}">${names
    .map((id) => {
      const about = metricDescription(id);
      return `<option value="${esc(id)}"${about ? ` title="${esc(about)}"` : ''}>${esc(labelWithUnit(id))}</option>`;
    }).join('')}</optgroup>`).join('');
  $('metric').value = state.metric;
}

/** A metric from the URL that this server does not have gives way to the catalogue's default. */
export function checkMetric() {
  if (!hasMetric(state.metric)) state.metric = defaultMetric() || '';
}

export function syncControls() {
  $('f-province').value = state.province;
  for (const box of $('f-status').querySelectorAll('input')) box.checked = state.statuses.has(box.value);
  $('f-from').value = state.from;
  $('f-to').value = state.to;
  $('f-undated').checked = state.undated;
  $('metric').value = state.metric;
  syncTimeControl();
  applyLayerVisibility();
}

function saveBlob(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
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

function wireFilters() {
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
    resetTimeControl();
    Object.assign(state, { province: d.province, statuses: d.statuses, from: '', to: '', undated: true });
    syncControls();
    refreshAll({ fit: hadProvince });
  });
}

function wireTable() {
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
      ui.table.dir = isTextColumn(k) ? 1 : -1;
    }
    renderTable();
    $('county-table').querySelector(`button[data-sort="${CSS.escape(k)}"]`)?.focus();
  });
}

// Delegated buttons in the panel: site and county links, back buttons, downloads of the view.
function wirePanelButtons() {
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
      return saveBlob(`counties${state.province ? `-${state.province.replace(/\s+/g, '_')}` : ''}.csv`, 'text/csv', tableCsv());
    }
    return undefined;
  });
}

export function wireControls() {
  fillMetricSelect();
  wireFilters();
  $('metric').addEventListener('change', (e) => {
    state.metric = e.target.value;
    ui.table.key = null;
    ui.table.dir = -1;
    refreshAll();
  });
  for (const key of LAYERS) {
    $(`l-${key}`).addEventListener('change', (e) => {
      state.layers[key] = e.target.checked;
      applyLayerVisibility();
      if (key === 'basemap') updateChoropleth();
      renderDownloads();
      saveUrl();
    });
  }
  $('panel-toggle').addEventListener('click', () => setCollapsed($('panel').dataset.collapsed !== 'true'));
  wireTable();
  wirePanelButtons();
  wireTabs();
  narrow.addEventListener('change', () => setCollapsed(narrow.matches));
}
