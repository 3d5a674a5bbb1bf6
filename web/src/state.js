// View state <-> URL (the hash; query parameters are read too, so both
// `/map?province=Xinjiang` and `/#province=Xinjiang` work).

export const STATUSES = ['operational', 'under_construction', 'tendered', 'announced'];
export const LAYERS = ['counties', 'sites', 'plants', 'provinces', 'basemap'];

export function defaultState() {
  return {
    center: null,
    zoom: null,
    layers: { counties: true, sites: true, plants: true, provinces: true, basemap: false },
    // Set from the server's metric catalogue (its default) when the URL names none.
    metric: '',
    province: '',
    statuses: new Set(STATUSES),
    from: '',
    to: '',
    undated: true,
    // The time control: sites as of the end of this month ('' = no date limit).
    asof: '',
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
  // Checked against the server's metric catalogue once it is loaded.
  if (/^[a-z0-9_]{1,64}$/.test(p.get('metric') || '')) s.metric = p.get('metric');
  if (p.get('province')) s.province = p.get('province');
  if (p.has('status')) s.statuses = new Set(p.get('status').split(',').filter((x) => STATUSES.includes(x)));
  if (MONTH.test(p.get('from') || '')) s.from = p.get('from');
  if (MONTH.test(p.get('to') || '')) s.to = p.get('to');
  if (p.get('undated') === '0') s.undated = false;
  if (MONTH.test(p.get('asof') || '')) s.asof = p.get('asof');
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
  if (s.metric) p.set('metric', s.metric);
  if (s.province) p.set('province', s.province);
  if (s.statuses.size !== STATUSES.length) p.set('status', STATUSES.filter((x) => s.statuses.has(x)).join(','));
  if (s.from) p.set('from', s.from);
  if (s.to) p.set('to', s.to);
  if (!s.undated) p.set('undated', '0');
  if (s.asof) p.set('asof', s.asof);
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

/**
 * The month a reported date's span ends in ("YYYY-MM"), or null for no date. A site counts
 * as reported by the end of that month, as /analytics/timeline places it: a year-only date
 * at the end of its year (December), never in January.
 */
export function dateEndMonth(d) {
  const m = /^(\d{4})(?:-(\d{2}))?/.exec(d || '');
  if (!m) return null;
  return `${m[1]}-${m[2] || '12'}`;
}

/** Whether a site with reported date `d` is on the map as of the end of month `asof`. */
export const reportedBy = (d, asof) => {
  const end = dateEndMonth(d);
  return end !== null && end <= asof;
};

/** The months from `first` to `last` ("YYYY-MM"), both included. */
export function monthsBetween(first, last) {
  const out = [];
  let [y, m] = first.split('-').map(Number);
  const stop = last;
  for (;;) {
    const cur = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}`;
    if (cur > stop) break;
    out.push(cur);
    m += 1;
    if (m > 12) { m = 1; y += 1; }
  }
  return out;
}
