// Redraws everything that depends on the filters and the metric.

import { saveUrl } from './context.js';
import { paintChoropleth, rebuildSites, fitProvince } from './mapview.js';
import { renderChoroplethLegend } from './legend.js';
import { renderDetails } from './panels.js';
import { renderTable, renderPlots, renderDownloads, renderBases } from './tabs.js';

export function updateChoropleth() {
  renderChoroplethLegend(paintChoropleth());
}

export function refreshAll({ fit = false } = {}) {
  rebuildSites();
  updateChoropleth();
  renderDetails();
  renderTable();
  renderPlots();
  renderDownloads();
  renderBases();
  if (fit) fitProvince();
  saveUrl();
}
