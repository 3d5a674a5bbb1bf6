// The page's shared state: the view (`state`, mirrored in the URL), the data as
// loaded (`data`) and UI bookkeeping (`ui`). Every module reads these; the
// modules that change them say so in their names (set*, wire*, refresh*).

import { readUrl, writeUrl, dateInRange, reportedBy } from './state.js';

export const state = readUrl();

export const data = {
  collections: [],
  sites: [], // GeoJSON features, as served
  siteById: new Map(),
  provinces: [],
  provinceByShort: new Map(),
  provinceByCode: new Map(),
  rows: [], // county analytics rows
  rowByCode: new Map(),
  known: null, // analytics `known`: how many sites report each figure
  rowsError: null,
  plantsAvailable: false,
  plantCounts: null, // fuel -> operating records, once counted
  bases: [],
  shownSites: [],
  shownGroups: new Map(), // site id -> number of shown sites sharing its point
};

export const ui = {
  table: { key: null, dir: -1, all: false },
  plotsKey: '',
  spreadZoom: null,
  labelMarkers: [],
  basemapAttribution: '',
  plantShown: null,
};

export const $ = (id) => document.getElementById(id);

// The narrow (phone) layout: the panel starts folded and opens for details.
export const narrow = window.matchMedia('(max-width: 720px)');

// Provinces are keyed by their short English name (`province`: "Xinjiang"), as
// used by sites, county rows and the URL.
export const provinceShortOfRow = (row) => row.province || row.province_en || '';
export const rowInProvince = (row) => !state.province || provinceShortOfRow(row) === state.province;

/** The province and status filters only (the time control's undated note counts by these). */
export function sitePassesPlaceAndStatus(p) {
  if (state.province && p.province !== state.province) return false;
  return state.statuses.has(p.status);
}

export function siteVisible(p) {
  if (!sitePassesPlaceAndStatus(p)) return false;
  // As of a date, a site without one cannot be placed in time: it is left out (and counted
  // in the time control's note).
  if (state.asof && !reportedBy(p.reported_date, state.asof)) return false;
  return dateInRange(p.reported_date, state.from, state.to, state.undated);
}

export function banner(msg) {
  const b = $('status-banner');
  b.textContent = msg;
  b.hidden = !msg;
}

// Many changes come in bursts (a pan, typing a month): the URL follows once they settle.
let urlTimer = 0;
export function saveUrl() {
  clearTimeout(urlTimer);
  urlTimer = setTimeout(() => writeUrl(state), 150);
}
