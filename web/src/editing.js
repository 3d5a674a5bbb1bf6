// Editing the sites from the map, for the maintainers: OGC API - Features Part 4 on
// /collections/sites/items (JSON merge patch with If-Match, the change's comment in
// X-Change-Comment). The controls exist only when the server declares Part 4 (it has an edit
// store and tokens) and a token has been entered. The token stays in this tab
// (sessionStorage): never localStorage, never the URL, so it goes when the tab closes.
// Every value from the data or the API is put in the page as text (textContent, .value).

import { STATIC, EMBED, VERSION } from './source.js';
import { data, $ } from './context.js';
import { STATUS_LABEL, splitUrls } from './format.js';
import { getJson, itemUrl } from './api.js';
import { addSiteHook, forgetHistory, renderDetails } from './panels.js';
import { refreshAll } from './view.js';
import { map } from './mapview.js';

const PART4_UPDATE = 'http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update';
const TOKEN_KEY = 'compute-atlas-edit-token';

// The properties the form edits, as the write API names them (the CSV's columns). Numbers are
// sent as typed, so that the API's own rules judge them and its message is the one shown.
const FIELDS = [
  ['name_en', 'Name (English)', 'text'],
  ['name_zh', 'Name (Chinese)', 'text'],
  ['operator', 'Operator', 'text'],
  ['status', 'Status', 'status'],
  ['reported_date', 'Reported date (YYYY, YYYY-MM or YYYY-MM-DD)', 'text'],
  ['reported_pflops', 'Reported PFLOPS', 'number'],
  ['pflops_scope', 'PFLOPS scope', 'text'],
  ['chip_model', 'Chip model', 'text'],
  ['chip_count', 'Chips', 'number'],
  ['power_mw', 'Power (MW)', 'number'],
  ['confidence', 'Confidence', 'confidence'],
  ['notes', 'Notes', 'textarea'],
];
const CHOICES = {
  status: Object.keys(STATUS_LABEL),
  confidence: ['high', 'medium', 'low'],
};

let enabled = false;
// Per site: the message to show when its panel is drawn again (after a save).
const flash = new Map();

/** The editor's token of this tab, or ''. */
export const token = () => (enabled ? sessionStorage.getItem(TOKEN_KEY) || '' : '');

/** The element `tag` with its class, text and attributes (text only, never markup). */
function el(tag, { cls, text, attrs } = {}, ...children) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = String(text);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children) if (c) e.append(c);
  return e;
}

/**
 * Shows the token field when the server can be written (its conformance declares Part 4);
 * the published folder and the embedded map never edit.
 */
export async function setupEditing() {
  if (STATIC || EMBED) return;
  const conf = await getJson('/conformance', { optional: true });
  enabled = !!(conf && Array.isArray(conf.conformsTo) && conf.conformsTo.includes(PART4_UPDATE));
  if (!enabled) return;
  $('edit-block').hidden = false;
  $('edit-token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const t = $('edit-token').value.trim();
    $('edit-token').value = '';
    if (t) sessionStorage.setItem(TOKEN_KEY, t);
    showTokenState();
  });
  $('edit-forget').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showTokenState();
  });
  $('edit-add').addEventListener('click', startAdd);
  addSiteHook(siteControls);
  showTokenState();
}

function showTokenState() {
  const has = !!token();
  $('edit-forget').hidden = !has;
  $('edit-add').hidden = !has;
  if (!has) $('edit-add-box').replaceChildren();
  $('edit-token-state').textContent = has
    ? 'A token is set for this tab: site panels have an Edit button. The API checks the token on each change.'
    : 'No token: editing is off.';
  renderDetails();
}

/** Called when a site's panel is drawn: its Edit button (with a token) and any saved note. */
function siteControls(id, article) {
  if (!token() || !article) return;
  const box = el('section', { cls: 'edit', attrs: { 'data-edit': id, 'aria-label': 'Edit this site' } });
  const done = flash.get(id);
  flash.delete(id);
  if (done) box.append(done);
  const open = el('button', { cls: 'small', text: 'Edit', attrs: { type: 'button', 'data-edit-open': '' } });
  open.addEventListener('click', () => {
    open.hidden = true;
    openForm(id, box);
  });
  box.append(open);
  const back = article.querySelector('[data-clear]');
  (back ? back.parentElement : article).before(box);
}

/** The current feature as served and its ETag (the If-Match of the change), never from a cache. */
async function current(id) {
  const r = await fetch(`${itemUrl(id)}?f=json`, { cache: 'no-store', headers: { accept: 'application/geo+json' } });
  if (!r.ok) throw new Error(`${r.status} ${await problem(r)}`);
  return { feature: await r.json(), etag: r.headers.get('etag'), version: r.headers.get('data-version') };
}

/** The `detail` of a problem+json answer, or its status text. */
async function problem(r) {
  try {
    const b = await r.json();
    return String((b && (b.detail || b.title)) || r.statusText);
  } catch {
    return r.statusText;
  }
}

function input(name, kind, value) {
  let i;
  if (CHOICES[kind]) {
    i = el('select');
    for (const v of CHOICES[kind]) i.append(el('option', { text: kind === 'status' ? STATUS_LABEL[v] : v, attrs: { value: v } }));
    if (value && !CHOICES[kind].includes(value)) i.append(el('option', { text: value, attrs: { value } }));
  } else if (kind === 'textarea') {
    i = el('textarea', { attrs: { rows: '5' } });
  } else {
    i = el('input', { attrs: { type: 'text', ...(kind === 'number' ? { inputmode: 'decimal' } : {}) } });
  }
  i.name = name;
  i.value = value;
  return i;
}

const text = (v) => (v == null ? '' : String(v));

async function openForm(id, box) {
  const msg = el('div', { cls: 'edit-msg', attrs: { role: 'alert', 'data-edit-message': '' } });
  let cur;
  try {
    cur = await current(id);
  } catch (e) {
    msg.textContent = `The site could not be loaded for editing: ${e.message || e}`;
    box.append(msg);
    return;
  }
  const form = el('form', { cls: 'edit-form', attrs: { 'data-edit-form': '', novalidate: '' } });
  const initial = {};
  const fill = (props) => {
    for (const [name] of FIELDS) {
      // A derived PFLOPS figure is not a reported one: the field starts empty, as the record has it.
      const v = name === 'reported_pflops' && props.pflops_derived ? '' : text(props[name]);
      initial[name] = v;
      if (form.elements[name]) form.elements[name].value = v;
    }
  };
  for (const [name, label, kind] of FIELDS) {
    form.append(el('label', { cls: 'field' }, el('span', { text: label }), input(name, kind, '')));
  }
  fill(cur.feature.properties);
  const src = el('input', { attrs: { type: 'url', name: 'source', required: '', placeholder: 'https://…' } });
  form.append(
    el('label', { cls: 'field' }, el('span', { text: 'Source of this change (URL, required; added to the site\'s sources unless listed)' }), src),
    el('label', { cls: 'field' }, el('span', { text: 'Comment (why; kept in the site\'s history)' }),
      el('input', { attrs: { type: 'text', name: 'comment', maxlength: '2000' } })),
  );
  const save = el('button', { text: 'Save', attrs: { type: 'submit' } });
  const cancel = el('button', { cls: 'small', text: 'Cancel', attrs: { type: 'button' } });
  cancel.addEventListener('click', () => renderDetails());
  form.append(el('p', { cls: 'edit-actions' }, save, cancel), msg);
  box.append(form);
  form.elements.name_en.focus();

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    for (const i of form.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
    msg.replaceChildren();
    const source = src.value.trim();
    if (!source) {
      src.setAttribute('aria-invalid', 'true');
      msg.textContent = 'A source URL is required: every change to the data cites one.';
      return;
    }
    // The API takes the comment in a header: one line of plain ASCII.
    const comment = form.elements.comment.value.replace(/\s+/g, ' ').trim();
    if (!/^[\x20-\x7e]*$/.test(comment)) {
      form.elements.comment.setAttribute('aria-invalid', 'true');
      msg.textContent = 'The comment must be plain ASCII text (the API takes it in the X-Change-Comment header).';
      return;
    }
    const props = {};
    for (const [name] of FIELDS) {
      const v = form.elements[name].value.trim();
      if (v !== initial[name]) props[name] = v === '' ? null : v;
    }
    const urls = splitUrls(cur.feature.properties.source_urls);
    if (!urls.includes(source)) props.source_urls = [...urls, source];
    if (!Object.keys(props).length) {
      msg.textContent = 'Nothing to save: every field is as it was, and the source is listed already.';
      return;
    }
    save.disabled = true;
    try {
      await send(id, cur, props, comment, form, msg, fill);
    } finally {
      save.disabled = false;
    }
  });
}

/** The PATCH and what follows: the new values on success, the API's message otherwise. */
async function send(id, cur, props, comment, form, msg, fill) {
  const headers = {
    authorization: `Bearer ${token()}`,
    'content-type': 'application/merge-patch+json',
    'if-match': cur.etag || '',
  };
  if (comment) headers['x-change-comment'] = comment;
  let r;
  try {
    r = await fetch(itemUrl(id), { method: 'PATCH', headers, body: JSON.stringify({ properties: props }), cache: 'no-store' });
  } catch (e) {
    msg.textContent = `The change was not sent (network error: ${e.message || e}).`;
    return;
  }
  if (r.ok) {
    const body = await r.json().catch(() => ({}));
    await saved(id, Object.keys(props), Array.isArray(body.warnings) ? body.warnings : []);
    return;
  }
  const detail = await problem(r);
  if (r.status === 412 || r.status === 428) {
    // Someone changed the site since the form was filled: show the current values, keep nothing stale.
    try {
      const fresh = await current(id);
      Object.assign(cur, fresh);
      fill(fresh.feature.properties);
    } catch { /* the message below says what happened */ }
    showProblem(msg, r.status, `${detail} The form now shows the current values: make your change again.`, form);
    return;
  }
  showProblem(msg, r.status, detail, form);
}

/** The API's message; a 400's field errors as a list, their fields marked in the form. */
export function showProblem(msg, status, detail, form) {
  const lead = {
    400: 'The API did not accept the change',
    401: 'The token was not accepted',
    403: 'This token may not edit',
    409: 'The change would leave the table inconsistent',
  }[status] || 'The change was not saved';
  msg.replaceChildren(el('p', { text: `${lead} (HTTP ${status}):` }));
  const m = /^the feature was not accepted: (.*)$/s.exec(detail);
  if (!m) {
    msg.append(el('p', { text: detail }));
    return;
  }
  const list = el('ul');
  for (const item of m[1].split('; ')) {
    list.append(el('li', { text: item }));
    const field = item.split(':')[0].trim();
    const i = field === 'source_urls' || field === 'geometry' ? form.elements[field === 'geometry' ? 'point' : 'source'] : form.elements[field];
    if (i && i.setAttribute) i.setAttribute('aria-invalid', 'true');
  }
  msg.append(list);
}

/** After a save: the site as now served, drawn on the map and in its panel. */
async function saved(id, fields, warnings) {
  const note = el('div', { cls: 'edit-msg ok', attrs: { role: 'status', 'data-edit-saved': '' } });
  note.append(el('p', { text: `Saved: ${fields.join(', ')} changed.` }));
  if (warnings.length) {
    const list = el('ul');
    for (const w of warnings) list.append(el('li', { text: `${w.field}: ${w.reason}` }));
    note.append(el('p', { text: 'The API noted:' }), list);
  }
  try {
    const fresh = await current(id);
    const f = fresh.feature;
    f.properties.id = f.properties.id || f.id;
    const i = data.sites.findIndex((s) => s.properties.id === id);
    if (i >= 0) data.sites[i] = f;
    data.siteById.set(id, f);
    // Sites are drawn from the page's copy; the county figures and plots come from the
    // server at the version the page loaded with, so they follow on a reload.
    if (fresh.version && fresh.version !== VERSION) {
      note.append(el('p', { cls: 'hint', text: `Data version now ${fresh.version}: the county figures and plots follow when the page is reloaded.` }));
    }
  } catch (e) {
    note.append(el('p', { text: `The new values could not be read back: ${e.message || e}` }));
  }
  flash.set(id, note);
  forgetHistory();
  refreshAll();
}

// ---------------------------------------------------------------- adding a site
const PRECISIONS = ['county_seat', 'district', 'prefecture', 'exact'];

/** "Add a site": the next click on the map places the point, then the form asks for the rest. */
function startAdd() {
  const box = $('edit-add-box');
  box.replaceChildren(el('p', { cls: 'note', text: 'Click the map where the site is (the seat of its county, district or prefecture unless its exact place is reported).', attrs: { 'data-add-hint': '' } }));
  map.getCanvas().style.cursor = 'crosshair';
  map.once('click', (e) => {
    map.getCanvas().style.cursor = '';
    addForm(box, [Number(e.lngLat.lng.toFixed(5)), Number(e.lngLat.lat.toFixed(5))]);
  });
}

function addForm(box, point) {
  const form = el('form', { cls: 'edit-form', attrs: { 'data-add-form': '', novalidate: '' } });
  const msg = el('div', { cls: 'edit-msg', attrs: { role: 'alert', 'data-edit-message': '' } });
  const field = (label, i) => el('label', { cls: 'field' }, el('span', { text: label }), i);
  const named = (name, i) => { i.name = name; return i; };
  const choice = (name, values, labels = {}) => {
    const s = named(name, el('select'));
    for (const v of values) s.append(el('option', { text: labels[v] || v, attrs: { value: v } }));
    return s;
  };
  const where = named('point', el('output', { text: `${point[0]}, ${point[1]} (longitude, latitude)` }));
  form.append(
    field('Point', where),
    field('Id (lower-case letters, digits and hyphens, e.g. xj-hami-example)', named('id', el('input', { attrs: { type: 'text', spellcheck: 'false' } }))),
    field('Name (English)', named('name_en', el('input', { attrs: { type: 'text' } }))),
    field('Name (Chinese)', named('name_zh', el('input', { attrs: { type: 'text' } }))),
    field('Status', choice('status', CHOICES.status, STATUS_LABEL)),
    field('Location precision', choice('location_precision', PRECISIONS)),
    field('Confidence', choice('confidence', CHOICES.confidence)),
    field('Source (URL, required)', named('source', el('input', { attrs: { type: 'url', required: '', placeholder: 'https://…' } }))),
    field('Comment (kept in the site\'s history)', named('comment', el('input', { attrs: { type: 'text', maxlength: '2000' } }))),
  );
  form.elements.confidence.value = 'low';
  const save = el('button', { text: 'Add the site', attrs: { type: 'submit' } });
  const cancel = el('button', { cls: 'small', text: 'Cancel', attrs: { type: 'button' } });
  cancel.addEventListener('click', () => box.replaceChildren());
  form.append(el('p', { cls: 'edit-actions' }, save, cancel), msg);
  box.replaceChildren(form);
  form.elements.id.focus();

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    for (const i of form.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
    msg.replaceChildren();
    const v = (name) => form.elements[name].value.trim();
    if (!v('source')) {
      form.elements.source.setAttribute('aria-invalid', 'true');
      msg.textContent = 'A source URL is required: every site cites one.';
      return;
    }
    const comment = v('comment').replace(/\s+/g, ' ');
    if (!/^[\x20-\x7e]*$/.test(comment)) {
      msg.textContent = 'The comment must be plain ASCII text (the API takes it in the X-Change-Comment header).';
      return;
    }
    const props = { source_urls: [v('source')] };
    for (const name of ['id', 'name_en', 'name_zh', 'status', 'location_precision', 'confidence']) if (v(name)) props[name] = v(name);
    const headers = { authorization: `Bearer ${token()}`, 'content-type': 'application/geo+json' };
    if (comment) headers['x-change-comment'] = comment;
    save.disabled = true;
    try {
      const r = await fetch('/collections/sites/items', {
        method: 'POST', headers, cache: 'no-store',
        body: JSON.stringify({ type: 'Feature', geometry: { type: 'Point', coordinates: point }, properties: props }),
      });
      if (!r.ok) {
        showProblem(msg, r.status, await problem(r), form);
        return;
      }
      await added(box, r);
    } catch (err) {
      msg.textContent = `The site was not sent (network error: ${err.message || err}).`;
    } finally {
      save.disabled = false;
    }
  });
}

/** After a 201: what the API made of the site (the county it filled in), and the site on the map. */
async function added(box, r) {
  const body = await r.json().catch(() => ({}));
  const p = body.properties || {};
  const note = el('div', { cls: 'edit-msg ok', attrs: { role: 'status', 'data-add-created': '' } });
  note.append(el('p', { text: `Created (HTTP 201): ${p.id} at ${r.headers.get('location') || ''}` }),
    el('p', { text: `Placed in ${[p.county_en, p.prefecture_en, p.province_en].filter(Boolean).join(', ')}.` }));
  for (const w of Array.isArray(body.warnings) ? body.warnings : []) note.append(el('p', { cls: 'hint', text: `${w.field}: ${w.reason}` }));
  box.replaceChildren(note);
  try {
    const fresh = await current(p.id);
    const f = fresh.feature;
    f.properties.id = f.properties.id || f.id;
    data.sites.push(f);
    data.siteById.set(f.properties.id, f);
    refreshAll();
  } catch (e) {
    note.append(el('p', { text: `The new site could not be read back: ${e.message || e}` }));
  }
}
