// Formatting helpers. Unknown values (null/undefined/NaN) are shown as
// "unknown", never as 0.

export const UNKNOWN = 'unknown';

export function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

export const isNum = (v) => typeof v === 'number' && Number.isFinite(v);

export function fmtNum(v, digits) {
  if (!isNum(v)) return UNKNOWN;
  const abs = Math.abs(v);
  const d = digits ?? (abs === 0 || abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3);
  return v.toLocaleString('en-GB', { maximumFractionDigits: d });
}

export function fmtCny(v) {
  if (!isNum(v)) return UNKNOWN;
  if (Math.abs(v) >= 1e9) return `CNY ${fmtNum(v / 1e9, 2)} bn`;
  if (Math.abs(v) >= 1e6) return `CNY ${fmtNum(v / 1e6, 1)} m`;
  return `CNY ${fmtNum(v, 0)}`;
}

export function fmtText(v) {
  if (v == null || v === '') return UNKNOWN;
  return String(v);
}

export function fmtBool(v) {
  if (v == null) return UNKNOWN;
  return v ? 'yes' : 'no';
}

export const STATUS_LABEL = {
  operational: 'Operational',
  under_construction: 'Under construction',
  tendered: 'Tendered',
  announced: 'Announced',
};

export const PRECISION_TEXT = {
  district: 'the seat of the district',
  county_seat: 'the county seat',
  prefecture: 'the seat of the prefecture',
};

/** Only http(s) links are rendered as links. */
export function safeUrl(u) {
  try {
    const url = new URL(String(u).trim());
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

export function splitUrls(s) {
  if (!s) return [];
  return String(s)
    .split(/\s*\|\s*/)
    .map((x) => x.trim())
    .filter(Boolean);
}
