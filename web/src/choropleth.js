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

/** MapLibre fill-color over the county figures held as feature state. */
export function fillColorExpr(metric, scale) {
  const v = ['feature-state', metric];
  const step = scale.breaks.length ? ['step', v, scale.colors[0], ...scale.breaks.flatMap((b, i) => [b, scale.colors[i + 1]])] : scale.colors[0] || COLORS.zero;
  // A site figure is null where no site reports it; with no site at all that is "no recorded site", not missing data.
  const missing = isSiteFigure(metric)
    ? ['case', ['==', ['coalesce', ['feature-state', 'sites'], -1], 0], COLORS.zero, COLORS.nodata]
    : COLORS.nodata;
  return ['case', ['!=', ['typeof', v], 'number'], missing, ['<=', v, 0], COLORS.zero, step];
}
