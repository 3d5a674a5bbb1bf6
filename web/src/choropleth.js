// County classes for the selected metric and the map expression that paints them.

import { isNum } from './format.js';
import { isSiteFigure } from './metrics.js';
import { COLORS, CHORO } from './symbols.js';

function niceRound(v) {
  if (v <= 0) return v;
  const p = 10 ** (Math.floor(Math.log10(v)) - 1);
  return Math.round(v / p) * p;
}

/**
 * Quantile classes over the positive values of `metric` in `rows` (zero and
 * unknown have their own colours), with breaks rounded to two significant digits.
 */
export function quantileScale(rows, metric) {
  const vals = rows
    .map((r) => r[metric])
    .filter((v) => isNum(v) && v > 0)
    .sort((a, b) => a - b);
  if (!vals.length) return { breaks: [], colors: [], min: null, max: null };
  const k = Math.min(CHORO.length, new Set(vals).size);
  const breaks = [];
  for (let i = 1; i < k; i++) {
    const b = niceRound(vals[Math.floor((i * vals.length) / k)]);
    if (b > vals[0] && (!breaks.length || b > breaks[breaks.length - 1])) breaks.push(b);
  }
  const n = breaks.length + 1;
  const colors = Array.from({ length: n }, (_, i) => CHORO[n === 1 ? CHORO.length - 2 : Math.round((i * (CHORO.length - 1)) / (n - 1))]);
  return { breaks, colors, min: vals[0], max: vals[vals.length - 1] };
}

/**
 * The colour of a county (its analytics row) for `metric` in `scale`. The map holds it as the
 * county's feature state, so a new metric repaints the counties without their tiles being laid
 * out again (a changed data-driven paint property makes MapLibre reload the source).
 */
export function countyColor(row, metric, scale) {
  const v = row[metric];
  if (!isNum(v)) {
    // A site figure is null where no site reports it; with no site at all that is "no recorded site", not missing data.
    return isSiteFigure(metric) && row.sites === 0 ? COLORS.zero : COLORS.nodata;
  }
  if (v <= 0) return COLORS.zero;
  if (!scale.breaks.length) return scale.colors[0] || COLORS.zero;
  let i = 0;
  while (i < scale.breaks.length && v >= scale.breaks[i]) i++;
  return scale.colors[i];
}
