// The embeddable map (`/embed`, `embed.html` in a published folder): the map alone,
// for a frame in an article. View, layers, metric and dates come from the URL as on
// the full map; the side panel is hidden, and a compact bar holds the title, the site
// count, the choropleth legend (folded on phones) and a link to the full atlas at the
// same view. The panel's elements stay in the page (hidden), so every module works
// unchanged; the legend and counter are moved into the bar.

import './embed.css';
import { STATIC } from './source.js';
import { $, narrow } from './context.js';

/** The full atlas at the current view (the URL hash carries it). */
const fullAtlasUrl = () => `${STATIC ? 'index.html' : '/map'}${window.location.hash}`;

export function setupEmbed() {
  document.body.dataset.mode = 'embed';
  const bar = document.createElement('div');
  bar.id = 'embed-bar';
  bar.innerHTML = `<div class="embed-head">
      <strong class="embed-title">Compute Atlas</strong>
      <a id="embed-full" class="embed-full" target="_blank" rel="noopener">Open the full atlas ↗</a>
    </div>
    <details id="embed-legend"${narrow.matches ? '' : ' open'}><summary>Legend</summary></details>`;
  $('map').appendChild(bar);
  const link = $('embed-full');
  link.href = fullAtlasUrl();
  // The view changes as the reader pans: the link follows when used.
  for (const ev of ['pointerdown', 'focus', 'click']) link.addEventListener(ev, () => { link.href = fullAtlasUrl(); });
  bar.querySelector('.embed-head').appendChild($('site-count'));
  $('embed-legend').appendChild($('legend-choropleth'));
}
