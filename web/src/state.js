// View state <-> URL (the hash; query parameters are read too, so both
// `/map?province=Xinjiang` and `/#province=Xinjiang` work).

export const STATUSES = ['operational', 'under_construction', 'tendered', 'announced'];
export const LAYERS = ['counties', 'sites', 'plants', 'provinces', 'basemap'];

// Labels for the county metrics. The list offered in the page is the server's
// (`metrics` of /analytics/counties); an id missing here gets a generic label.
export const METRIC_LABELS = {
  area_km2: 'Area (km²)',
  sites: 'Computing sites (all statuses)',
  sites_operational: 'Operational sites',
  sites_under_construction: 'Sites under construction',
  sites_planned: 'Announced or tendered sites',
  sites_prefecture_precision: 'Sites placed at a prefecture seat',
  pflops_reported: 'Reported PFLOPS (all statuses)',
  pflops_operational: 'Reported PFLOPS, operational sites',
  pflops_planned_total: 'Planned total PFLOPS',
  pflops_known_sites: 'Sites with a PFLOPS figure',
  pflops_per_10k_km2: 'Reported PFLOPS per 10,000 km²',
  sites_per_10k_km2: 'Sites per 10,000 km²',
  chips: 'Chips (reported)',
  chips_known_sites: 'Sites with a chip count',
  racks: 'Racks (reported)',
  racks_known_sites: 'Sites with a rack count',
  investment_cny: 'Reported investment (CNY)',
  investment_known_sites: 'Sites with an investment figure',
  plants: 'Operating power plant records',
  plant_mw_total: 'Power plant capacity, all fuels (MW)',
  plant_mw_coal: 'Coal capacity (MW)',
  plant_mw_gas: 'Gas capacity (MW)',
  plant_mw_oil: 'Oil capacity (MW)',
  plant_mw_hydro: 'Hydro capacity (MW)',
  plant_mw_nuclear: 'Nuclear capacity (MW)',
  plant_mw_bioenergy: 'Bioenergy capacity (MW)',
  plant_mw_solar: 'Solar capacity (MW)',
  plant_mw_wind: 'Wind capacity (MW)',
  plant_mw_geothermal: 'Geothermal capacity (MW)',
  plant_mw_other: 'Other fuels capacity (MW)',
  renewable_mw: 'Renewable capacity (MW)',
  plant_mw_per_10k_km2: 'Plant MW per 10,000 km²',
};
// Used until (or if not) the server lists its metrics.
export const DEFAULT_METRICS = ['pflops_per_10k_km2', 'pflops_reported', 'pflops_planned_total', 'sites', 'sites_per_10k_km2',
  'plant_mw_total', 'renewable_mw', 'plant_mw_per_10k_km2'];
export const DEFAULT_METRIC = 'pflops_per_10k_km2';
export const metricLabel = (id) => METRIC_LABELS[id] || String(id).replace(/_/g, ' ').replace(/\b10k\b/, '10,000');

export function defaultState() {
  return {
    center: null,
    zoom: null,
    layers: { counties: true, sites: true, plants: true, provinces: true, basemap: false },
    metric: DEFAULT_METRIC,
    province: '',
    statuses: new Set(STATUSES),
    from: '',
    to: '',
    undated: true,
    sel: '',
    tab: 'details',
    basemap: null,
  };
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

export function readUrl(loc = window.location) {
  const s = defaultState();
  const p = new URLSearchParams(loc.search);
  const h = new URLSearchParams(loc.hash.replace(/^#/, ''));
  for (const [k, v] of h) p.set(k, v);

  const z = Number(p.get('z'));
  const c = (p.get('c') || '').split(',').map(Number);
  if (p.has('z') && Number.isFinite(z) && z >= 0 && z <= 22) s.zoom = z;
  if (c.length === 2 && c.every(Number.isFinite) && Math.abs(c[1]) <= 85) s.center = c;
  if (p.has('layers')) {
    const on = new Set(p.get('layers').split(',').filter(Boolean));
    for (const l of LAYERS) s.layers[l] = on.has(l);
  }
  // Checked against the server's metric list once it is loaded.
  if (/^[a-z0-9_]{1,64}$/.test(p.get('metric') || '')) s.metric = p.get('metric');
  if (p.get('province')) s.province = p.get('province');
  if (p.has('status')) s.statuses = new Set(p.get('status').split(',').filter((x) => STATUSES.includes(x)));
  if (MONTH.test(p.get('from') || '')) s.from = p.get('from');
  if (MONTH.test(p.get('to') || '')) s.to = p.get('to');
  if (p.get('undated') === '0') s.undated = false;
  if (p.get('sel')) s.sel = p.get('sel');
  if (p.get('tab')) s.tab = p.get('tab');
  if (p.get('basemap')) s.basemap = p.get('basemap');
  return s;
}

export function writeUrl(s) {
  const p = new URLSearchParams();
  if (s.center) p.set('c', `${s.center[0].toFixed(4)},${s.center[1].toFixed(4)}`);
  if (s.zoom != null) p.set('z', s.zoom.toFixed(2));
  p.set('layers', LAYERS.filter((l) => s.layers[l]).join(','));
  p.set('metric', s.metric);
  if (s.province) p.set('province', s.province);
  if (s.statuses.size !== STATUSES.length) p.set('status', STATUSES.filter((x) => s.statuses.has(x)).join(','));
  if (s.from) p.set('from', s.from);
  if (s.to) p.set('to', s.to);
  if (!s.undated) p.set('undated', '0');
  if (s.sel) p.set('sel', s.sel);
  if (s.tab && s.tab !== 'details') p.set('tab', s.tab);
  // A basemap given in the query string stays there; one from the hash is kept in the hash.
  if (s.basemap && !new URLSearchParams(window.location.search).has('basemap')) p.set('basemap', s.basemap);
  const hash = '#' + p.toString().replace(/%2C/g, ',').replace(/%3A/g, ':');
  if (hash !== window.location.hash) {
    history.replaceState(null, '', window.location.pathname + window.location.search + hash);
  }
}

/**
 * Reported dates are "YYYY", "YYYY-MM" or "YYYY-MM-DD". A site is inside the
 * [from, to] month range when its reported period overlaps it.
 */
export function dateInRange(d, from, to, undated) {
  if (!d) return undated;
  const m = /^(\d{4})(?:-(\d{2}))?/.exec(d);
  if (!m) return undated;
  const start = m[2] ? `${m[1]}-${m[2]}` : `${m[1]}-01`;
  const end = m[2] ? `${m[1]}-${m[2]}` : `${m[1]}-12`;
  if (from && end < from) return false;
  if (to && start > to) return false;
  return true;
}
