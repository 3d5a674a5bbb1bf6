// Text written by an editor never runs as script, in Debian's Chromium.
//
//   XSS_TOKEN=<editor token> node tests/browser/xss.mjs http://127.0.0.1:8080/
//
// against a server started with --store and --tokens (the token: `compute-atlas token NAME
// editor --tokens FILE`). It writes two sites through the OGC API Features Part 4 routes (new
// ids each run): one whose name, Chinese name, operator, parent, notes and a source URL hold
// script payloads, one whose name and notes are spreadsheet formulas. Then, in two browser
// contexts, one with the content security policy in force and one with it bypassed (so that
// escaping alone is tested), it opens every place the text appears (the map's site list,
// tooltip, site panel, county panel, a URL restoring the selection, /embed; the HTML items page,
// item page and a filtered page; the history and the changes feed) and checks that the text
// is shown literally and that nothing ran. A payload that runs sets window.__xss, calls the
// exposed __xssHit and opens an alert; its image requests /xss-img/..., so markup parsed
// from the text shows even where the policy stops the script; the policy's violations are
// recorded too. Last, a control puts the payload into a page as markup on purpose, to show
// that these detectors fire.
//
// Also: a javascript: (or data:) source URL is refused with 400 naming source_urls, the CSV
// export neutralises formulas, and HTML responses carry a content security policy without
// inline script, nosniff and no-referrer.
//
// Env: XSS_TOKEN (required), CHROMIUM (default /usr/bin/chromium), READY_TIMEOUT_MS.
// Prints one line per check and `N passed, M failed` last; exits 1 on any failure.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const READY_TIMEOUT = Number(process.env.READY_TIMEOUT_MS || 30000);
const TOKEN = process.env.XSS_TOKEN || '';

let passed = 0, failed = 0;
/** Runs one check and prints its line; true when it passed. */
async function check(name, fn) {
  try {
    const detail = await fn();
    passed++;
    console.log(`ok - ${name}${detail ? ` (${detail})` : ''}`);
    return true;
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}: ${(e && e.message ? e.message : String(e)).split('\n')[0]}`);
    return false;
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

// ---------------------------------------------------------------- the payloads
// A new pair of ids each run, so the script can be rerun against the same store.
const RUN = Date.now().toString(36);
const ID = `xj-xss-probe-${RUN}`;
const FORMULA_ID = `xj-xss-formula-${RUN}`;
// What a payload does when it runs: three independent signs (no spaces, so it also fits an
// unquoted attribute and a URL).
const act = (tag) => `window.__xss=1;__xssHit('${tag}');alert('${tag}')`;
const P = {
  name_en: `XSS probe <img src="/xss-img/name.png" onerror="${act('name-img')}"><script>${act('name-script')}</script>`,
  name_zh: `探针 <svg onload="${act('zh-svg')}"></svg><iframe srcdoc="<script>parent.${act('zh-iframe')}</script>"></iframe>`,
  operator: `"><img src="/xss-img/operator.png" onerror="${act('operator-img')}"><a href="javascript:${act('operator-link')}">x</a>`,
  parent: `javascript:${act('parent-url')}`,
  notes: `</p></details></article><script>${act('notes-script')}</script><img src=/xss-img/notes.png onerror="${act('notes-img')}"> & 'quotes' "too"`,
};
// An http(s) URL is accepted, whatever its query holds; it must stay one attribute value.
const SOURCE_OK = 'https://www.hami.gov.cn/';
const SOURCE_ODD = `https://www.hami.gov.cn/?q="><svg/onload=${act('source-url')}>`;
const FORMULA = {
  name_en: '=HYPERLINK("https://example.invalid/","xss probe formula")',
  notes: "@SUM(1+1)*cmd|' /C calc'!A0",
};
// Sources a site may not cite: not http(s).
const BAD_SOURCES = [
  ['javascript:alert(1)'],
  ['JavaScript:alert(document.domain)'],
  ['  javascript:alert(1)'],
  ['java\tscript:alert(1)'],
  ['data:text/html,<script>alert(1)</script>'],
  [SOURCE_OK, 'javascript:alert(1)'],
];

// The Yiwu county seat, as the bundled rows of Yiwu give it (as tests/edits.rs writes).
const POINT = [94.68801, 43.24968];
function feature(id, props, sources) {
  return {
    type: 'Feature',
    geometry: { type: 'Point', coordinates: POINT },
    properties: {
      id, location_precision: 'county_seat', status: 'announced', confidence: 'low',
      source_urls: sources, ...props,
    },
  };
}

// ---------------------------------------------------------------- API
let base = '';
const url = (p) => new URL(p.replace(/^\//, ''), base).href;
async function write(method, p, body, extra = {}) {
  const r = await fetch(url(p), {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      'content-type': method === 'PATCH' ? 'application/merge-patch+json' : 'application/geo+json',
      ...extra,
    },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, headers: r.headers, text, json };
}

/** RFC 4180 rows of a CSV text (quoted fields may hold commas, quotes and newlines). */
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field); rows.push(row); row = []; field = '';
    } else field += c;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  return rows;
}

/** The headers every HTML response must carry: a policy with no inline script, nosniff, no referrer. */
function htmlHeaders(h, what) {
  assert(/^text\/html/.test(h['content-type'] || ''), `${what}: Content-Type ${h['content-type']}`);
  const csp = h['content-security-policy'] || '';
  const directives = csp.split(';').map((d) => d.trim().split(/\s+/));
  const scriptSrc = directives.find((d) => d[0] === 'script-src');
  assert(scriptSrc, `${what}: no script-src in the policy "${csp}"`);
  const sources = scriptSrc.slice(1);
  const loose = sources.filter((s) => !["'self'"].includes(s));
  assert(sources.includes("'self'") && loose.length === 0, `${what}: script-src ${sources.join(' ')} (want 'self' only: no inline, eval, nonce, hash or host)`);
  assert(h['x-content-type-options'] === 'nosniff', `${what}: X-Content-Type-Options ${h['x-content-type-options']}`);
  assert(h['referrer-policy'] === 'no-referrer', `${what}: Referrer-Policy ${h['referrer-policy']}`);
  return "script-src 'self'";
}

async function apiChecks() {
  await check('writes need the editor token (401 without it)', async () => {
    const r = await fetch(url('/collections/sites/items'), { method: 'POST', headers: { 'content-type': 'application/geo+json' }, body: JSON.stringify(feature(ID, P, [SOURCE_OK])) });
    assert(r.status === 401, `HTTP ${r.status}`);
  });
  for (const sources of BAD_SOURCES) {
    await check(`a source ${JSON.stringify(sources.at(-1))} is refused with 400 naming source_urls`, async () => {
      const r = await write('POST', '/collections/sites/items', feature(`${ID}-bad`, { name_en: 'XSS probe bad source' }, sources));
      assert(r.status === 400, `HTTP ${r.status}: ${r.text.slice(0, 200)}`);
      assert(/^application\/problem\+json/.test(r.headers.get('content-type') || ''), `Content-Type ${r.headers.get('content-type')}`);
      assert(r.json && /source_urls: expected an http\(s\) URL/.test(r.json.detail), `detail: ${r.json && r.json.detail}`);
    });
  }
  await check('the site with script payloads is written (201)', async () => {
    const r = await write('POST', '/collections/sites/items', feature(ID, P, [SOURCE_OK, SOURCE_ODD]), { 'X-Change-Comment': `<script>${act('comment')}</script>` });
    assert(r.status === 201, `HTTP ${r.status}: ${r.text.slice(0, 300)}`);
    return ID;
  });
  await check('the site with formulas is written (201)', async () => {
    const r = await write('POST', '/collections/sites/items', feature(FORMULA_ID, FORMULA, [SOURCE_OK]));
    assert(r.status === 201, `HTTP ${r.status}: ${r.text.slice(0, 300)}`);
    return FORMULA_ID;
  });
  await check('a PATCH to a javascript: source is refused with 400 naming source_urls', async () => {
    const g = await fetch(url(`/collections/sites/items/${ID}`));
    const tag = g.headers.get('etag');
    assert(g.status === 200 && tag, `GET ${ID}: HTTP ${g.status}`);
    const r = await write('PATCH', `/collections/sites/items/${ID}`, { properties: { source_urls: ['javascript:alert(1)'] } }, { 'If-Match': tag });
    assert(r.status === 400 && r.json && /source_urls/.test(r.json.detail), `HTTP ${r.status}: ${r.text.slice(0, 200)}`);
    const after = await fetch(url(`/collections/sites/items/${ID}`));
    assert(after.headers.get('etag') === tag, 'the refused PATCH changed the site');
  });
  await check('the API serves the text as written (escaping is for the output, not the store)', async () => {
    const f = await (await fetch(url(`/collections/sites/items/${ID}?f=json`))).json();
    for (const [k, v] of Object.entries(P)) assert(f.properties[k] === v, `${k} is ${JSON.stringify(f.properties[k]).slice(0, 80)}`);
  });
  await check('CSV export: formula cells start with a quote, other text is as written', async () => {
    const r = await fetch(url('/collections/sites/items?f=csv&limit=10000'));
    assert(r.ok, `HTTP ${r.status}`);
    assert(/^text\/csv/.test(r.headers.get('content-type') || ''), `Content-Type ${r.headers.get('content-type')}`);
    assert(r.headers.get('x-content-type-options') === 'nosniff', 'no nosniff on the CSV');
    const rows = parseCsv(await r.text());
    const head = rows[0];
    const col = (n) => { const i = head.indexOf(n); assert(i >= 0, `no ${n} column in ${head.join(',')}`); return i; };
    const row = (id) => { const x = rows.find((rr) => rr[col('id')] === id); assert(x, `${id} not in the CSV`); return x; };
    const f = row(FORMULA_ID);
    assert(f[col('name_en')] === `'${FORMULA.name_en}`, `name_en cell is ${f[col('name_en')]}`);
    assert(f[col('notes')] === `'${FORMULA.notes}`, `notes cell is ${f[col('notes')]}`);
    const x = row(ID);
    assert(x[col('name_en')] === P.name_en && x[col('notes')] === P.notes, 'the payload text is altered in the CSV');
    return `name_en cell ${f[col('name_en')]}`;
  });
}

// ---------------------------------------------------------------- browser
const waitReady = (page) => page.waitForFunction(() => document.body.dataset.ready === '1' || document.body.dataset.ready === 'error', null, { timeout: READY_TIMEOUT });

// Resolves after the map has rendered everything and stopped moving.
const waitIdle = (page) => page.evaluate(() => new Promise((resolve) => {
  const m = window.atlasMap;
  const done = () => requestAnimationFrame(() => resolve(true));
  if (!m.isMoving() && m.loaded() && m.areTilesLoaded()) {
    let fired = false;
    m.once('idle', () => { fired = true; done(); });
    m.triggerRepaint();
    setTimeout(() => { if (!fired) done(); }, 1500);
  } else m.once('idle', done);
}));

const textOf = (page, sel) => page.$eval(sel, (el) => el.textContent);

/** The probe's marker on screen. Markers sharing a point are spread in a ring whose size
 * depends on the zoom: centre on the written point, then read where the marker is drawn. */
async function markerPoint(page) {
  await page.evaluate((c) => { window.atlasMap.jumpTo({ center: c, zoom: 8 }); }, POINT);
  await waitIdle(page);
  // The markers are re-spread after the zoom: wait until the probe's is drawn.
  const handle = await page.waitForFunction((id) => {
    const m = window.atlasMap;
    const f = m.queryRenderedFeatures({ layers: [window.atlasLayers.sites] }).find((x) => x.properties.id === id);
    if (!f || m.isMoving()) return null;
    const p = m.project(f.geometry.coordinates);
    const r = m.getContainer().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, ID, { timeout: 10000 }).catch(() => null);
  const pt = handle && (await handle.jsonValue());
  assert(pt, `${ID} not drawn after zooming to it`);
  return pt;
}

/** One browser context: `bypass` turns the content security policy off, so escaping alone is tested. */
async function browse(executablePath, bypass) {
  const mode = bypass ? 'policy bypassed' : 'policy in force';
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atlas-xss-'));
  const ran = [];       // payloads that ran (the exposed function or an alert)
  const violations = []; // the policy's reports (events and console)
  const probes = [];     // requests for a payload's image: its text was parsed as markup
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      bypassCSP: bypass,
      viewport: { width: 1280, height: 800 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--no-first-run', '--disable-sync', '--disable-quic', '--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
    });
    await context.exposeBinding('__xssHit', ({ page }, tag) => { ran.push(`${tag} on ${page.url()}`); });
    await context.exposeBinding('__cspReport', ({ page }, d) => { violations.push(`${d} on ${page.url()}`); });
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__cspReport(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} ${(e.sample || '').slice(0, 60)}`);
      }, true);
    });
    context.on('request', (r) => { if (/\/xss-img\//.test(r.url())) probes.push(r.url()); });
    const watch = (page) => {
      page.on('dialog', (d) => { ran.push(`dialog "${d.message()}" on ${page.url()}`); d.dismiss().catch(() => {}); });
      page.on('console', (m) => { if (/Content Security Policy|Refused to /i.test(m.text())) violations.push(`console: ${m.text().slice(0, 160)}`); });
    };
    context.on('page', watch);
    const page = context.pages()[0] || (await context.newPage());
    if (context.pages()[0] === page) watch(page);

    // Nothing ran, no markup came from the text, no javascript: link: on this page so far.
    const clean = async (p, where) => {
      const dom = await p.evaluate(() => ({
        flag: window.__xss,
        injected: [...document.querySelectorAll('img[src*="xss-img"], svg[onload], iframe[srcdoc], [onerror], [onload], script:not([src]):not([type="application/ld+json"])')]
          .map((e) => e.outerHTML.slice(0, 80)),
        jsLinks: [...document.querySelectorAll('a[href], area[href]')].map((a) => a.getAttribute('href')).filter((h) => /^\s*(javascript|data):/i.test(h)),
      }));
      // Each finding is reported once, by the check during which it happened.
      const take = (list) => list.splice(0).slice(0, 3).join(' | ');
      const [r, v, pr] = [take(ran), bypass ? '' : take(violations), take(probes)];
      assert(!r, `script ran: ${r}`);
      assert(dom.flag === undefined, `window.__xss is ${dom.flag} on ${where}`);
      assert(dom.injected.length === 0, `markup from the text on ${where}: ${dom.injected.slice(0, 3).join(' | ')}`);
      assert(dom.jsLinks.length === 0, `javascript:/data: link on ${where}: ${dom.jsLinks.join(' | ')}`);
      assert(!pr, `the page requested ${pr}`);
      assert(!v, `the policy had to block something: ${v}`);
    };

    // ---- the web map
    let resp;
    const loaded = await check(`[${mode}] map loads with the sites`, async () => {
      resp = await page.goto(base, { waitUntil: 'domcontentloaded' });
      await waitReady(page);
      const r = await page.evaluate(() => document.body.dataset.ready);
      assert(r === '1', `data-ready is "${r}"`);
    });
    if (!loaded) throw new Error(`[${mode}] map did not load; later checks skipped`);
    if (!bypass) {
      await check('map page headers: policy without inline script, nosniff, no referrer', async () => htmlHeaders(await resp.allHeaders(), '/'));
      await check('/map headers too', async () => {
        const r = await page.request.get(url('/map'), { headers: { accept: 'text/html' } });
        return htmlHeaders(r.headers(), '/map');
      });
    }
    await check(`[${mode}] site list shows the name literally, nothing runs`, async () => {
      await page.waitForFunction((n) => document.getElementById('details').textContent.includes(n), P.name_en, { timeout: 5000 });
      const t = await textOf(page, '#details');
      assert(t.includes(FORMULA.name_en), 'the formula site is not listed');
      await clean(page, 'site list');
    });
    await check(`[${mode}] tooltip shows the name literally, nothing runs`, async () => {
      const pt = await markerPoint(page);
      await page.mouse.move(pt.x + 40, pt.y + 40);
      await page.mouse.move(pt.x, pt.y, { steps: 4 });
      await page.waitForFunction((n) => { const t = document.getElementById('hover-tip'); return !t.hidden && t.textContent.includes(n); }, P.name_en, { timeout: 5000 });
      await clean(page, 'tooltip');
    });
    await check(`[${mode}] site panel shows every field literally, nothing runs`, async () => {
      const pt = await markerPoint(page);
      await page.mouse.click(pt.x, pt.y);
      await page.waitForFunction(() => !!document.querySelector('#details article.site #site-title'), null, { timeout: 5000 });
      assert((await textOf(page, '#site-title')) === P.name_en, `title reads "${await textOf(page, '#site-title')}"`);
      assert((await textOf(page, '#details .zh')) === P.name_zh, 'Chinese name altered');
      await page.click('#details details.notes summary');
      assert((await textOf(page, '#details details.notes p')) === P.notes, 'notes altered');
      const t = await textOf(page, '#details');
      for (const k of ['operator', 'parent']) assert(t.includes(P[k]), `${k} not shown literally`);
      const links = await page.$$eval('#details .sources-list a', (as) => as.map((a) => ({ href: a.getAttribute('href'), text: a.textContent })));
      assert(links.length === 2 && links[1].text === SOURCE_ODD && new URL(links[1].href).hostname === 'www.hami.gov.cn',
        `source links: ${JSON.stringify(links)}`);
      await clean(page, 'site panel');
    });
    let selUrl = '';
    await check(`[${mode}] county panel lists the site literally, nothing runs`, async () => {
      selUrl = page.url();
      await page.click('#details [data-county]');
      await page.waitForFunction(() => !!document.querySelector('#details article.county'), null, { timeout: 5000 });
      const names = await page.$$eval('#details .site-list [data-site]', (bs) => bs.map((b) => b.textContent));
      assert(names.includes(P.name_en), `county site list: ${names.length} names, not the probe's`);
      await clean(page, 'county panel');
      await page.click(`#details [data-site="${ID}"]`);
      await page.waitForFunction((n) => document.getElementById('site-title')?.textContent === n, P.name_en, { timeout: 5000 });
      await clean(page, 'site panel from the county list');
    });
    await check(`[${mode}] a URL selecting the site restores its panel, nothing runs`, async () => {
      assert(selUrl.includes(`sel=site:${ID}`), `the URL does not select the site: ${selUrl}`);
      const p2 = await context.newPage();
      await p2.goto(selUrl, { waitUntil: 'domcontentloaded' });
      await waitReady(p2);
      await p2.waitForFunction((n) => document.getElementById('site-title')?.textContent === n, P.name_en, { timeout: 5000 });
      await clean(p2, 'restored site panel');
      await p2.close();
    });

    await check(`[${mode}] embeddable map (/embed): tooltip shows the name literally, nothing runs`, async () => {
      const p3 = await context.newPage();
      const r = await p3.goto(url('/embed'), { waitUntil: 'domcontentloaded' });
      if (!bypass) htmlHeaders(await r.allHeaders(), '/embed');
      await waitReady(p3);
      const pt = await markerPoint(p3);
      await p3.mouse.move(pt.x + 40, pt.y + 40);
      await p3.mouse.move(pt.x, pt.y, { steps: 4 });
      await p3.waitForFunction((n) => { const t = document.getElementById('hover-tip'); return !t.hidden && t.textContent.includes(n); }, P.name_en, { timeout: 5000 });
      await clean(p3, '/embed');
      await p3.close();
    });

    // ---- the HTML pages
    // The cells of the probe's row (a page of items; earlier runs may have left probes too), or
    // of the whole page (one item).
    const cells = (p, one) => p.$$eval('tr', (trs, [id, one]) => {
      const rows = one ? trs : trs.filter((tr) => tr.querySelector('td')?.textContent === id);
      return rows.flatMap((tr) => [...tr.querySelectorAll('td')].map((td) => ({
        text: td.textContent,
        links: [...td.querySelectorAll('a')].map((a) => ({ href: a.getAttribute('href'), text: a.textContent })),
      })));
    }, [ID, one]);
    const htmlPage = async (p, where, one) => {
      const r = await page.goto(url(p), { waitUntil: 'load' });
      assert(r.status() === 200, `${where}: HTTP ${r.status()}`);
      if (!bypass) htmlHeaders(await r.allHeaders(), where);
      const c = await cells(page, one);
      assert(c.length, `${ID} not on ${where}`);
      for (const [k, v] of Object.entries(P)) assert(c.some((x) => x.text === v), `${k} not shown literally on ${where}`);
      const src = c.flatMap((x) => x.links).filter((a) => a.text.includes('__xss'));
      assert(src.length === 1 && src[0].text === SOURCE_ODD && new URL(src[0].href).hostname === 'www.hami.gov.cn', `odd source link: ${JSON.stringify(src)}`);
      await clean(page, where);
    };
    await check(`[${mode}] items page (HTML) shows the text literally, nothing runs`, () => htmlPage('/collections/sites/items?f=html&limit=10000', 'items page', false));
    await check(`[${mode}] item page (HTML) shows the text literally, nothing runs`, () => htmlPage(`/collections/sites/items/${ID}?f=html`, 'item page', true));
    await check(`[${mode}] items page filtered by the name (echoed in its links), nothing runs`, () => htmlPage(
      `/collections/sites/items?f=html&filter=${encodeURIComponent(`name_en = '${P.name_en.replaceAll("'", "''")}'`)}`, 'filtered items page', false));
    await check(`[${mode}] an unknown id holding a payload, as HTML: nothing runs`, async () => {
      const r = await page.goto(url(`/collections/sites/items/${encodeURIComponent(P.operator)}?f=html`), { waitUntil: 'load' });
      assert(r.status() === 404, `HTTP ${r.status()}`);
      const h = await r.allHeaders();
      if (/^text\/html/.test(h['content-type'] || '') && !bypass) htmlHeaders(h, '404 page');
      assert(h['x-content-type-options'] === 'nosniff', 'no nosniff on the 404');
      await clean(page, '404 page');
      return h['content-type'];
    });
    for (const [p, where] of [[`/collections/sites/items/${ID}/history`, 'history'], ['/changes', 'changes feed']]) {
      await check(`[${mode}] ${where} is JSON (nosniff) holding the text as written, nothing runs`, async () => {
        const r = await page.goto(url(p), { waitUntil: 'load' });
        const h = await r.allHeaders();
        assert(r.status() === 200 && /^application\/json/.test(h['content-type'] || ''), `HTTP ${r.status()} ${h['content-type']}`);
        assert(h['x-content-type-options'] === 'nosniff', 'no nosniff');
        assert((await page.evaluate(() => document.contentType)) === 'application/json', 'not shown as JSON');
        const body = await r.json();
        const versions = body.versions || body.changes;
        const mine = versions.find((v) => v.id === ID && v.kind === 'create');
        assert(mine && mine.after.name_en === P.name_en && mine.after.notes === P.notes, `no create of ${ID} with the text as written`);
        assert(mine.comment === `<script>${act('comment')}</script>`, `comment is ${mine.comment}`);
        await clean(page, where);
      });
    }

    // ---- controls: the same payload put into a page as markup on purpose must be caught
    await check(`[${mode}] control: markup made from the name on purpose is caught`, async () => {
      await page.goto(url(`/collections/sites/items/${ID}?f=html`), { waitUntil: 'load' });
      await page.evaluate((html) => document.body.insertAdjacentHTML('beforeend', `<div id="control">${html}</div>`), P.name_en);
      if (bypass) {
        await page.waitForFunction(() => window.__xss === 1, null, { timeout: 5000 });
        assert(ran.some((r) => r.startsWith('name-img')), `the exposed function was not called: ${ran.join(' | ')}`);
      } else {
        const t = Date.now();
        while (!violations.length && Date.now() - t < 5000) await page.waitForTimeout(50);
        assert(violations.length > 0, 'the policy reported no violation');
        assert(ran.length === 0 && (await page.evaluate(() => window.__xss)) === undefined, `the policy let it run: ${ran.join(' | ')}`);
      }
      assert(probes.some((p) => p.endsWith('/xss-img/name.png')), 'the probe image was not requested');
      return bypass ? ran.join(', ') : violations[0].slice(0, 100);
    });
  } finally {
    if (context) await context.close().catch(() => {});
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

async function main() {
  base = process.argv.slice(2).find((a) => !a.startsWith('--')) || process.env.ATLAS_URL || '';
  if (!base || !TOKEN) {
    console.log('usage: XSS_TOKEN=<editor token> node xss.mjs http://127.0.0.1:8080/  (a server with --store and --tokens)');
    process.exit(2);
  }
  if (!base.endsWith('/')) base += '/';
  console.log(`# testing ${base}, sites ${ID} and ${FORMULA_ID}`);
  try {
    await apiChecks();
    if (failed) throw new Error('the sites were not written as expected; browser checks skipped');
    const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
    await browse(executablePath, false);
    await browse(executablePath, true);
  } catch (e) {
    failed++;
    console.log(`not ok - run: ${e && e.message ? e.message.split('\n')[0] : String(e)}`);
  }
}

await main();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
