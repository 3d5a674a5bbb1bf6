// Legends: the choropleth (title, unit and "at least" from the metric
// catalogue), site marker sizes and plant fuels.

import { esc, fmtNum } from './format.js';
import { state, data, $ } from './context.js';
import { metricTitle, metricDescription, isSiteFigure, knownNote, marksZoneAggregates } from './metrics.js';
import { COLORS, FUEL_COLOR, siteRadius } from './symbols.js';

/** The choropleth legend for the classes `scale` of the current metric. */
export function renderChoroplethLegend(scale) {
  const m = state.metric;
  const items = [];
  const siteFig = isSiteFigure(m);
  items.push([COLORS.nodata, siteFig ? 'no data (sites do not report it)' : 'no data (unknown)']);
  items.push([COLORS.zero, siteFig ? '0 or no recorded site' : '0']);
  if (scale.breaks.length || scale.colors.length) {
    const edges = [scale.min, ...scale.breaks];
    scale.colors.forEach((c, i) => {
      const lo = edges[i];
      const hi = i < scale.breaks.length ? scale.breaks[i] : scale.max;
      items.push([c, i === scale.colors.length - 1 ? `${fmtNum(lo)} – ${fmtNum(hi)}` : `${fmtNum(lo)} – < ${fmtNum(hi)}`]);
    });
  }
  const scope = state.province ? `counties of ${state.province}` : 'all western counties';
  const note = knownNote(m, data.known);
  const aggregates = marksZoneAggregates(m) ? data.rows.filter((r) => r.pflops_zone_aggregate === true).length : 0;
  const about = metricDescription(m);
  $('legend-choropleth').innerHTML = (m
    ? `<p class="legend-title"${about ? ` title="${esc(about)}"` : ''}>${esc(metricTitle(m))} <span class="hint">(classes: quantiles over ${esc(scope)})</span></p>` +
      `<ul class="swatches cols">${items.map(([c, t]) => `<li><i class="sw" style="background:${c}"></i>${esc(t)}</li>`).join('')}</ul>`
    : '') +
    (note ? `<p class="hint">${esc(note)}</p>` : '') +
    (aggregates ? `<p class="hint" data-zone-aggregate><i class="sw line" style="border-color:${COLORS.aggregate}"></i>Outlined: ${aggregates === 1 ? 'a county whose total rests' : `${aggregates} counties whose totals rest`} on a zone or park aggregate figure, not one facility's compute.</p>` : '') +
    (data.rowsError ? `<p class="warn">County figures unavailable: ${esc(data.rowsError)}</p>` : '');
}

/** Site marker sizes and the plant fuels (with server counts once they arrive). */
export function renderLegends() {
  const sizes = [[null, 'unknown'], [100, '100'], [1000, '1,000'], [10000, '10,000']];
  const maxR = siteRadius(10000);
  $('legend-sites').innerHTML = `<ul class="sizes" aria-label="Marker size: reported PFLOPS">${sizes
    .map(([v, t]) => {
      const rr = siteRadius(v);
      const w = 2 * maxR + 4;
      return `<li><svg width="${w}" height="${w}" aria-hidden="true"><circle cx="${w / 2}" cy="${w / 2}" r="${rr}" fill="#9aa7b8" fill-opacity="${v == null ? 0.5 : 0.9}" stroke="#0b1118" stroke-width="1.4"/></svg>${esc(t)}</li>`;
    })
    .join('')}</ul><p class="hint">Colour = status (see filters), size = reported PFLOPS. Rings of markers are sites that share one administrative seat.</p>`;
  const plantsBox = $('l-plants');
  if (!data.plantsAvailable) {
    plantsBox.disabled = true;
    plantsBox.checked = false;
    $('plants-note').textContent = '(no plant data loaded)';
    $('legend-plants').innerHTML = '';
    return;
  }
  const fuels = data.plantCounts ? [...data.plantCounts.entries()].filter(([, n]) => n > 0) : Object.keys(FUEL_COLOR).map((k) => [k, null]);
  const total = data.plantCounts ? [...data.plantCounts.values()].reduce((a, b) => a + b, 0) : null;
  $('plants-note').textContent = total == null ? '(operating)' : `(${total.toLocaleString('en-GB')} operating)`;
  $('legend-plants').innerHTML = `<ul class="swatches cols">${fuels
    .sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))
    .map(([k, n]) => `<li><i class="sw round" style="background:${FUEL_COLOR[k]}"></i>${esc(k)} <span class="hint">${n == null ? '' : n.toLocaleString('en-GB')}</span></li>`)
    .join('')}</ul><p class="hint">Operating plants in the covered counties, as counted in the county figures; retired, cancelled, planned and out-of-area units are in the Data tab downloads.</p>`;
}
