// The Details tab: the site list (overview), one site, one county, one plant.
// These only render into #details; selection.js decides what is shown.

import { esc, fmtNum, fmtCny, fmtText, isNum, safeUrl, splitUrls, STATUS_LABEL, PRECISION_TEXT, UNKNOWN } from './format.js';
import { state, data, $, siteVisible, provinceShortOfRow } from './context.js';
import { metricGroups, labelWithUnit, formatMetric, hasMetric } from './metrics.js';
import { fetchSiteHistory } from './api.js';
import { loadBalance } from './powerbalance.js';

// A site's history is fetched once while it stays shown (the panel is redrawn on every filter
// change); showing anything else forgets it, so selecting the site again reads any new edit.
let history = { id: null, promise: null };

/** Forgets the history read, so that the site's panel reads it again (after an edit). */
export function forgetHistory() {
  history = { id: null, promise: null };
}

// Functions called with (id, article) each time a site's panel is drawn (editing.js adds its controls).
const siteHooks = [];
export const addSiteHook = (fn) => siteHooks.push(fn);

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

// A few headline figures of the filtered province, labelled by the catalogue.
const PROVINCE_FIGURES = ['sites', 'pflops_reported', 'pflops_planned_total', 'plant_mw_total', 'renewable_mw'];

export function renderOverview() {
  history = { id: null, promise: null };
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
      dl(PROVINCE_FIGURES.filter(hasMetric).map((k) => [labelWithUnit(k), formatMetric(k, p[k] ?? null)]));
  }
  const groups = [...byProv.entries()].sort((a, b) => b[1].length - a[1].length);
  $('details').innerHTML = head +
    (groups.length ? groups.map(([prov, list]) => `<h4>${esc(prov)} <span class="hint">${list.length}</span></h4><ul class="site-list">${list
      .sort((a, b) => (b.reported_pflops ?? -1) - (a.reported_pflops ?? -1))
      .map(siteButton).join('')}</ul>`).join('') : '<p>No site matches the filters.</p>');
}

// The estimated draw is never a reported figure: say so, with its range and what it rests on.
const BASIS_TEXT = {
  reported_power_mw: 'the reported power',
  chips: 'chips × chip power × server overhead × PUE',
  servers: 'servers × server power × PUE',
  pflops: 'PFLOPS ÷ chip throughput × chip power × PUE',
};
function powerEstimate(p) {
  if (!isNum(p.power_mw_central)) return UNKNOWN;
  const basis = BASIS_TEXT[p.power_basis] || p.power_basis || 'unknown basis';
  const model = p.power_chip_model ? `, ${p.power_chip_model}` : '';
  return `estimate ${fmtNum(p.power_mw_low)}–${fmtNum(p.power_mw_high)} (central ${fmtNum(p.power_mw_central)}), from ${basis}${model}`;
}

export function renderSite(id) {
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
      <p class="hint" data-last-changed hidden></p>
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
        ['Power estimate (MW)', powerEstimate(p)],
        ['Investment', fmtCny(p.investment_cny)],
        ['Confidence', fmtText(p.confidence)],
        ['County', p.county_en ? p.county_en : p.located_county_en ? `${p.located_county_en} (where the point falls; not reported)` : UNKNOWN],
        ['Prefecture', fmtText(p.prefecture_en)],
        ['Province', fmtText(p.province)],
        ['Renewable bases', p.renewable_base_names ? String(p.renewable_base_names).split(' | ').join('; ') : 'none recorded'],
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
  showLastChanged(id);
  const article = $('details').querySelector('article.site');
  for (const fn of siteHooks) fn(id, article);
  return undefined;
}


/** "Last changed <time> by <author>" when the site has edits; nothing when it has none. */
function showLastChanged(id) {
  if (history.id !== id) history = { id, promise: fetchSiteHistory(id).catch(() => null) };
  history.promise.then((h) => {
    const line = $('details').querySelector('article.site [data-last-changed]');
    if (!line || state.sel !== `site:${id}` || !h || !Array.isArray(h.versions) || !h.versions.length) return;
    const last = h.versions[h.versions.length - 1];
    const when = String(last.time || '').replace('T', ' ').replace(/(:\d{2})(\.\d+)?(Z|\+00:00)$/, '$1 UTC');
    line.textContent = `Last changed ${when || UNKNOWN} by ${last.author || UNKNOWN}`;
    line.title = last.comment ? `Comment: ${last.comment}` : '';
    line.hidden = false;
  });
}

// The county's figures, grouped and labelled as the metric catalogue has them.
function countyFigures(row) {
  return metricGroups().map(({ title, names }) => {
    const rows = names.filter((k) => k in row).map((k) => [labelWithUnit(k), formatMetric(k, row[k] ?? null)]);
    return rows.length ? `<h5>${esc(title)}</h5>${dl(rows)}` : '';
  }).join('');
}

export function renderCounty(code, props) {
  history = { id: null, promise: null };
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
      ${row.pflops_zone_aggregate === true ? '<p class="note" data-zone-aggregate>Its PFLOPS total rests on a zone or park aggregate figure (see the sites\' PFLOPS scope), not on one facility\'s compute.</p>' : ''}
      ${sites.length ? '<section class="balance" data-balance aria-live="polite"><h4>Power demand against local supply</h4><p class="hint" data-loading>Loading the balance…</p></section>' : ''}
      ${countyFigures(row)}
      ${row.renewable_base_names ? `<p><strong>Renewable bases covering it:</strong> ${esc(String(row.renewable_base_names).split(' | ').join('; '))}</p>` : ''}
      <h4>Sites in this county <span class="hint">${sites.length} (${shownCount} shown)</span></h4>
      ${sites.length ? `<ul class="site-list">${sites.map(siteButton).join('')}</ul>` : '<p class="hint">No recorded site.</p>'}
      <p><button type="button" class="small" data-clear>Back to site list</button></p>
    </article>`;
  const section = $('details').querySelector('[data-balance]');
  if (section) loadBalance(section, code, row);
  return undefined;
}

/** A plant from its tile properties (`full` false: the record is still loading) or its record. */
export function renderPlant(p, full) {
  history = { id: null, promise: null };
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
}

/** Says in the plant panel that its record could not be loaded. */
export function plantLoadFailed(message) {
  const el = $('details').querySelector('[data-loading]');
  if (el) el.textContent = `The record could not be loaded: ${message}`;
}

export function renderDetails() {
  const [kind, id] = state.sel.split(':');
  if (kind === 'site') renderSite(id);
  else if (kind === 'county') renderCounty(id, null);
  else renderOverview();
}
