// How things look on the map, shared by the layers and their legends.

import { isNum } from './format.js';

export const COLORS = {
  background: '#0b1118',
  zero: '#18222f',
  nodata: '#59606c',
  countyLine: '#2a3748',
  province: '#c8d3e0',
  // Outlines counties whose PFLOPS total rests on a zone or park aggregate figure.
  aggregate: '#f5b942',
};
// Choropleth classes, dark (low) to light (high).
export const CHORO = ['#163a5c', '#1b5683', '#1f74a0', '#2a93b2', '#48b2b6', '#82cfae', '#cdeab0'];
export const STATUS_COLOR = {
  operational: '#ff4f7b',
  under_construction: '#ff9f43',
  tendered: '#ffd84d',
  announced: '#cdbfff',
};
export const FUEL_COLOR = {
  coal: '#a48c7d', gas: '#5ad1e6', oil: '#8d6e63', hydro: '#4f8ff7', nuclear: '#c47ae8',
  bioenergy: '#8bc34a', solar: '#ffd54f', wind: '#b2ebf2', geothermal: '#ff7043', other: '#9e9e9e',
};

/** Site marker radius (px at zoom 3..8 scale 1) from reported PFLOPS; unknown gets a fixed size. */
export const siteRadius = (pf) => (isNum(pf) && pf > 0 ? 4.5 + 2.6 * Math.log10(1 + pf) : 5);
