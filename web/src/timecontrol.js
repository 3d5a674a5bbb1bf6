// The time control: a month slider over the sites' reported dates and a play button. At a
// month it shows the sites reported by the end of that month, as /analytics/timeline?by=month
// counts them (cumulative_sites): a site counts from the month its date's span ends in, so a
// year-only date ("2023") from December of that year. The slider's last position is "no date
// limit". A site with no reported date cannot be placed in time: as of a date it is left out,
// and the note under the slider says how many are.

import { state, data, $, sitePassesPlaceAndStatus } from './context.js';
import { dateEndMonth, monthsBetween } from './state.js';
import { refreshAll } from './view.js';

// The slider's months; the position after the last one is "no date limit".
let months = [];
let timer = 0;
const STEP_MS = 600;

const position = () => (state.asof ? Math.max(0, months.findIndex((m) => m >= state.asof)) : months.length);

/** Slider, label and the undated note as `state` has them. */
export function syncTimeControl() {
  if (!months.length) return;
  $('t-date').value = String(position());
  $('t-label').textContent = state.asof ? `as of the end of ${state.asof}` : 'all dates (no limit)';
  const note = $('t-note');
  if (!state.asof) {
    note.textContent = '';
    note.hidden = true;
    return;
  }
  const undated = data.sites.filter((f) => !dateEndMonth(f.properties.reported_date) && sitePassesPlaceAndStatus(f.properties)).length;
  const coarse = data.sites.some((f) => /^\d{4}$/.test(String(f.properties.reported_date || '')));
  note.textContent = [
    undated ? `${undated} undated site${undated === 1 ? '' : 's'} not shown (no reported date).` : '',
    coarse ? 'A year-only date counts from December of its year.' : '',
  ].filter(Boolean).join(' ');
  note.hidden = !note.textContent;
}

function setAsof(asof) {
  state.asof = asof;
  syncTimeControl();
  refreshAll();
}

function stop() {
  clearInterval(timer);
  timer = 0;
  $('t-play').textContent = 'Play';
  $('t-play').setAttribute('aria-pressed', 'false');
}

function play() {
  // From the first month unless paused part-way.
  if (!state.asof || state.asof >= months[months.length - 1]) setAsof(months[0]);
  $('t-play').textContent = 'Pause';
  $('t-play').setAttribute('aria-pressed', 'true');
  timer = setInterval(() => {
    const i = position() + 1;
    if (i >= months.length) return stop();
    setAsof(months[i]);
    if (i === months.length - 1) stop();
    return undefined;
  }, STEP_MS);
}

/** The slider's range from the loaded sites, and its events. Hidden when no site has a date. */
export function setupTimeControl() {
  const ends = data.sites.map((f) => dateEndMonth(f.properties.reported_date)).filter(Boolean).sort();
  if (!ends.length) {
    $('time-control').hidden = true;
    state.asof = '';
    return;
  }
  months = monthsBetween(ends[0], ends[ends.length - 1]);
  // A month from the URL outside the range: before it nothing is shown, after it everything dated.
  if (state.asof && state.asof > months[months.length - 1]) state.asof = months[months.length - 1];
  if (state.asof && state.asof < months[0]) state.asof = months[0];
  const r = $('t-date');
  r.min = '0';
  r.max = String(months.length);
  r.step = '1';
  $('t-first').textContent = months[0];
  $('t-last').textContent = months[months.length - 1];
  r.addEventListener('input', () => {
    stop();
    const i = Number(r.value);
    setAsof(i >= months.length ? '' : months[i]);
  });
  $('t-play').addEventListener('click', () => (timer ? stop() : play()));
  syncTimeControl();
}

/** Stops playing and leaves the date limit (the filters' reset). */
export function resetTimeControl() {
  stop();
  state.asof = '';
}
