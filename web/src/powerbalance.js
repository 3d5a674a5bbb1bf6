// A county's estimated power demand against its local supply, in the county panel, from
// /analytics/power-balance?level=county (data/analytics/power-balance-county.json when static).
// Demand is an estimate (a range), never a reported figure; local supply counts the plant
// files, which hold only part of the wind and solar capacity: the coverage the API gives is
// shown with it. Text is set with textContent.

import { fmtNum, isNum, UNKNOWN } from './format.js';
import { fetchCountyBalance } from './api.js';
import { state } from './context.js';

const el = (tag, text, cls) => {
  const e = document.createElement(tag);
  if (text != null) e.textContent = text;
  if (cls) e.className = cls;
  return e;
};

/** "estimate low–high (central c)" of a low/central/high span, or "unknown". */
export function spanText(s, unit = '') {
  if (!s || !isNum(s.central)) return UNKNOWN;
  return `estimate ${fmtNum(s.low)}–${fmtNum(s.high)}${unit} (central ${fmtNum(s.central)}${unit})`;
}

function figs(section, rows) {
  const dl = el('dl', null, 'figs');
  for (const [k, v] of rows) {
    dl.append(el('dt', k), el('dd', v, v === UNKNOWN ? 'unknown' : ''));
  }
  section.append(dl);
}

const mw = (v) => (isNum(v) ? fmtNum(v) : UNKNOWN);

function generation(src) {
  if (!src || !isNum(src.generation_gwh) || !src.utilisation_hours) return UNKNOWN;
  const h = src.utilisation_hours;
  return `${fmtNum(src.generation_gwh)} over ${h.period} (${h.level} utilisation hours)`;
}

function coverageText(c) {
  if (!c || !c.province) return 'The share of the province\'s reported wind and solar capacity that the plant files hold is unknown.';
  const part = (ratio, stat, fuel) => (isNum(ratio) && stat
    ? `${fmtNum(ratio * 100, 0)}% of its reported ${fuel} capacity (${stat.period})`
    : `an unknown share of its ${fuel} capacity`);
  return `Coverage: the plant files hold ${part(c.solar_ratio, c.solar_statistics, 'solar')} and ${part(c.wind_ratio, c.wind_statistics, 'wind')} in ${c.province}; local wind and solar supply is understated where that share is low.`;
}

// No balance (no demand model on the server, or a folder published without one): the demand from
// the county figures, and why the rest is missing.
function fallback(section, countyRow) {
  const s = { low: countyRow.power_mw_low, central: countyRow.power_mw_central, high: countyRow.power_mw_high };
  figs(section, [['Estimated demand (MW)', spanText(s)]]);
  section.append(el('p', 'Local supply against this demand is not available: this atlas has no power balance (no power-demand model).', 'hint'));
}

function render(section, body, code, countyRow) {
  section.querySelector('[data-loading]')?.remove();
  const row = body && Array.isArray(body.rows) ? body.rows.find((r) => String(r.id) === code) : null;
  if (!row) return fallback(section, countyRow);
  const plants = body.plants_loaded !== false;
  figs(section, [
    ['Estimated demand (MW)', spanText(row.demand_mw)],
    ['Sites with an estimate', `${row.estimated_sites} of ${row.sites}`],
    ['Operating capacity, all fuels (MW)', plants ? mw(row.operating_mw_total) : UNKNOWN],
    ['of which renewable (MW)', plants ? mw(row.operating_mw_renewable) : UNKNOWN],
    ['Wind capacity (MW)', mw(row.wind && row.wind.capacity_mw)],
    ['Wind generation (GWh)', generation(row.wind)],
    ['Solar capacity (MW)', mw(row.solar && row.solar.capacity_mw)],
    ['Solar generation (GWh)', generation(row.solar)],
    ['Demand over the same hours, share of wind and solar generation', spanText(row.demand_share_of_wind_solar_generation_percent, '%')],
  ]);
  section.append(
    el('p', `Demand is an estimate (average facility draw from the sites' power, chips, servers or PFLOPS; see each site's power basis), not a reported figure. Supply: ${row.capacity_scope || 'operating plants in the county'}${plants ? '' : '; no plant files are loaded on this server, so it is unknown'}.`, 'hint'),
    el('p', coverageText(row.coverage), 'note'),
  );
  return undefined;
}

/** Fills the county panel's `[data-balance]` section once the balance is loaded (if still shown). */
export function loadBalance(section, code, countyRow) {
  fetchCountyBalance().then((body) => {
    if (state.sel !== `county:${code}` || !section.isConnected) return;
    render(section, body, code, countyRow);
  }).catch((e) => {
    if (!section.isConnected) return;
    const l = section.querySelector('[data-loading]');
    if (l) l.textContent = `The balance could not be loaded: ${e.message || e}`;
  });
}
