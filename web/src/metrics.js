// The county metrics as the server describes them (GET /analytics/metrics):
// names, labels, units, groups, which site field a figure is summed from and
// whether it is an "at least" figure. The page keeps no label table of its own;
// an older server without the catalogue gets generic labels made from the
// metric names of /analytics/counties. (Classes are always quantiles here, as
// the legend says.)

import { fmtCny, fmtNum, isNum } from './format.js';

// Names of the catalogue's groups, for the optgroups of the metric menu.
const GROUP_TITLES = { sites: 'Computing sites', compute: 'Compute', power: 'Power plants', area: 'Area' };
const groupTitle = (g) => GROUP_TITLES[g] || (g ? g[0].toUpperCase() + g.slice(1) : 'Other');

const genericLabel = (name) => String(name).replace(/_/g, ' ');
const text = (v, lang = 'en') => (v && typeof v === 'object' ? v[lang] ?? v.en ?? '' : v ?? '');

function entryOf(m) {
  const name = String(m.name);
  return {
    name,
    label: String(text(m.label) || genericLabel(name)),
    unit: String(text(m.unit) || ''),
    description: String(m.description || ''),
    levels: Array.isArray(m.levels) ? m.levels.map(String) : null,
    group: m.group ? String(m.group) : '',
    siteField: m.site_field ? String(m.site_field) : null,
    atLeast: m.at_least === true,
  };
}

let byName = new Map();
let order = [];
let defaultName = null;
let fromServer = false;

const NAME = /^[a-z0-9_]{1,64}$/;
// What servers before the catalogue showed first; used only without a catalogue.
const FALLBACK_DEFAULT = 'pflops_per_10k_km2';

// Without a catalogue, a figure counts as summed from sites when it is null in every
// county without a site (and known somewhere): there null means "no site", not "unknown".
function looksSummedFromSites(name, rows) {
  const empty = rows.filter((r) => r.sites === 0);
  return empty.length > 0 && empty.every((r) => !isNum(r[name])) && rows.some((r) => isNum(r[name]));
}

/**
 * Takes the catalogue response, or, when it is null (no route on this server),
 * the `metrics` names of /analytics/counties and its `rows`. Only metrics the
 * county level has are kept: the menu colours counties.
 */
export function setCatalogue(catalogue, fallbackNames, rows = []) {
  const list = catalogue && Array.isArray(catalogue.metrics) ? catalogue.metrics : null;
  fromServer = !!list;
  const entries = list
    ? list.filter((m) => m && NAME.test(String(m.name))).map(entryOf).filter((e) => !e.levels || e.levels.includes('county'))
    : (fallbackNames || []).filter((n) => typeof n === 'string' && NAME.test(n))
      .map((name) => ({ ...entryOf({ name }), siteField: looksSummedFromSites(name, rows) ? '' : null }));
  byName = new Map(entries.map((e) => [e.name, e]));
  order = entries.map((e) => e.name);
  const wanted = list ? catalogue.default : FALLBACK_DEFAULT;
  defaultName = byName.has(wanted) ? wanted : null;
}

export const metricNames = () => order;
export const hasMetric = (name) => byName.has(name);
const get = (name) => byName.get(name) || entryOf({ name });

/** The metric to show when the URL names none (or one this server lacks). */
export function defaultMetric() {
  return defaultName || order[0] || null;
}

export const metricLabel = (name) => get(name).label;
export const metricDescription = (name) => get(name).description;
export const isAtLeast = (name) => get(name).atLeast;
/** Figures summed from site rows: null where no site of the unit reports them. */
export const isSiteFigure = (name) => get(name).siteField != null;

/**
 * Whether a county's value of this metric can rest on a zone or park aggregate
 * (the unit's `pflops_zone_aggregate` flag is about the PFLOPS figure).
 */
export const marksZoneAggregates = (name) => get(name).siteField === 'reported_pflops';

/** "Reported compute (PFLOPS)". */
export function labelWithUnit(name) {
  const e = get(name);
  return `${e.label}${e.unit ? ` (${e.unit})` : ''}`;
}

/** The legend title: label, unit and ", at least" for deduplicated sums. */
export const metricTitle = (name) => `${labelWithUnit(name)}${isAtLeast(name) ? ', at least' : ''}`;

/** Menu groups in catalogue order: [{ title, names }]. */
export function metricGroups() {
  const groups = new Map();
  for (const name of order) {
    const g = fromServer ? get(name).group : '';
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g).push(name);
  }
  return [...groups.entries()].map(([g, names]) => ({ title: fromServer ? groupTitle(g) : 'County figures', names }));
}

/** A figure with its unit's formatting ("at least" where the catalogue says so). */
export function formatMetric(name, v) {
  const e = get(name);
  const s = e.unit === 'CNY' ? fmtCny(v) : fmtNum(v);
  return e.atLeast && isNum(v) && v > 0 ? `at least ${s}` : s;
}

/**
 * "N of M sites report X." from the analytics `known` counts, for metrics summed
 * from a site field; '' when the counts do not cover the field.
 */
export function knownNote(name, known) {
  const field = get(name).siteField;
  if (!field || !known || !isNum(known.sites) || !isNum(known[field])) return '';
  return `${known[field]} of ${known.sites} sites report a value for ${genericLabel(field)}.`;
}
