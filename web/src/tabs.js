// The panel's tabs other than Details: the county table, plots, renewable
// bases and downloads, and switching between tabs.

import { esc, fmtText, isNum, safeUrl, fmtNum, UNKNOWN } from './format.js';
import { ITEMS, CSV, plotUrl } from './api.js';
import { state, data, ui, $, saveUrl, rowInProvince, provinceShortOfRow } from './context.js';
import { hasMetric, labelWithUnit, metricLabel, metricNames } from './metrics.js';

// ---------------------------------------------------------------- tabs
export const TAB_NAMES = ['details', 'table', 'plots', 'bases', 'data'];

export function showTab(name, { focus = false } = {}) {
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

// ---------------------------------------------------------------- county table
// Columns: names, then the headline figures the server has (labels from its catalogue);
// the selected metric is added when it is not among them.
const NAME_COLS = [['name_en', 'County', 'text'], ['province_en', 'Province', 'text'], ['_shown', 'Sites shown', 'num']];
const FIGURE_COLS = ['sites', 'pflops_reported', 'pflops_planned_total', 'pflops_per_10k_km2', 'plant_mw_total', 'renewable_mw'];
const TABLE_LIMIT = 150;

function tableCols() {
  const cols = [...NAME_COLS, ...FIGURE_COLS.filter(hasMetric).map((k) => [k, labelWithUnit(k), 'num'])];
  if (state.metric && !cols.some((c) => c[0] === state.metric)) cols.push([state.metric, labelWithUnit(state.metric), 'num']);
  return cols;
}

export const isTextColumn = (key) => NAME_COLS.some((c) => c[0] === key && c[2] === 'text');

export function tableRows() {
  const shownBy = new Map();
  for (const f of data.shownSites) {
    const c = String(f.properties.located_county_adcode || f.properties.county_adcode || '');
    if (c) shownBy.set(c, (shownBy.get(c) || 0) + 1);
  }
  let rows = data.rows.filter(rowInProvince).map((r) => ({ ...r, province_en: provinceShortOfRow(r), _shown: shownBy.get(String(r.adcode)) || 0 }));
  if ($('t-with-sites').checked) rows = rows.filter((r) => (r.sites ?? 0) > 0 || r._shown > 0);
  return rows;
}

export function renderTable() {
  if ($('tab-table').hidden) return;
  const cols = tableCols();
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

/** The table's rows (all of them, current filters) as CSV with every metric the server lists. */
export function tableCsv() {
  const keys = ['adcode', 'name_en', 'name_zh', 'prefecture_en', 'province_en', '_shown', ...metricNames()];
  const cell = (v) => (v == null ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  return [keys.map((k) => (k === '_shown' ? 'sites_shown' : k)).join(','), ...tableRows().map((r) => keys.map((k) => cell(r[k])).join(','))].join('\n') + '\n';
}

// ---------------------------------------------------------------- plots
const PLOTS = [
  ['choropleth', 'County map', (s) => ({ metric: s.metric, ...(s.province ? { province: s.province } : {}) })],
  ['top-counties', 'Top counties', (s) => ({ metric: s.metric, ...(s.province ? { province: s.province } : {}) })],
  ['compute-vs-power', 'Compute vs power', (s) => ({ ...(s.province ? { province: s.province } : {}) })],
  ['province-power', 'Power by province', () => ({})],
  ['timeline', 'Build-out over time', (s) => ({ ...(s.province ? { province: s.province } : {}) })],
  ['power-balance', 'Estimated demand vs supply', () => ({})],
];

export function renderPlots() {
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
export function renderDownloads() {
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

export function renderBases() {
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
