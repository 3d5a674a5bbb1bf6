// The map of the HTML items and item pages, in Debian's Chromium.
//
//   node tests/browser/items-map.mjs http://127.0.0.1:8080/
//
// against a running compute-atlas server. For each page (a page of sites, counties in a
// bbox, a later page sorted by id, a filter matching nothing, one site's item page) it waits
// for the map (the web bundle's pagemap script) to say it is ready, fetches the GeoJSON of the
// same request (f=json) itself, and checks that the map's source holds exactly those features
// (count and ids), that the features drawn in the view are exactly those, and that the view
// holds all of them. Across all pages: no request leaves the server's origin, no console
// error, no uncaught error, no content security policy violation, no failed request.
//
// Env: CHROMIUM (default /usr/bin/chromium), READY_TIMEOUT_MS (default 30000), SCREENSHOT_DIR
// (a screenshot of each page there, if set).
// Prints one line per check and `N passed, M failed` last; exits 1 on any failure.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const READY_TIMEOUT = Number(process.env.READY_TIMEOUT_MS || 30000);

let passed = 0, failed = 0;
async function check(name, fn) {
  try {
    const detail = await fn();
    passed++;
    console.log(`ok - ${name}${detail ? ` (${detail})` : ''}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}: ${(e && e.message ? e.message : String(e)).split('\n')[0]}`);
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}
const sameIds = (a, b) => JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());

let base = process.argv[2] || process.env.ATLAS_URL || '';
if (!base) {
  console.log('usage: node items-map.mjs http://127.0.0.1:8080/  (a running compute-atlas server)');
  process.exit(2);
}
if (!base.endsWith('/')) base += '/';
const origin = new URL(base).origin;
console.log(`# testing ${base}`);

// [what, page URL, expected number of features (null: at least one)]
const PAGES = [
  ['ten sites', 'collections/sites/items?f=html&limit=10', 10],
  ['counties in a bbox around Urumqi', 'collections/counties/items?f=html&bbox=86.5,43,88.5,44.5', null],
  ['a later page of sites sorted by id', 'collections/sites/items?f=html&limit=6&offset=6&sortby=-id', 6],
  ['a filter matching nothing', "collections/sites/items?f=html&filter=id%3D'no-such-site'", 0],
  ['one site (item page)', 'collections/sites/items/xj-yiwu-acc?f=html', 1],
];

/** The GeoJSON of `pageUrl` asked for as JSON, as the test sees it (not through the page). */
async function pageJson(pageUrl) {
  const u = new URL(pageUrl);
  u.searchParams.set('f', 'json');
  const r = await fetch(u, { headers: { Accept: 'application/geo+json' } });
  assert(r.ok, `${r.status} for ${u}`);
  const doc = await r.json();
  return doc.type === 'Feature' ? [doc] : doc.features;
}

/** [west, south, east, north] of every position of `features`. */
function bboxOf(features) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (c) => {
    if (typeof c[0] === 'number') {
      b[0] = Math.min(b[0], c[0]); b[1] = Math.min(b[1], c[1]);
      b[2] = Math.max(b[2], c[0]); b[3] = Math.max(b[3], c[1]);
    } else c.forEach(visit);
  };
  features.forEach((f) => f.geometry && visit(f.geometry.coordinates));
  return b;
}

const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atlas-items-map-'));
let context;
const offOrigin = [];
const httpErrors = [];
const pageErrors = [];
const consoleErrors = [];
const violations = [];
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    viewport: { width: 1100, height: 800 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--no-first-run', '--disable-sync', '--disable-quic', '--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
  });
  context.on('request', (r) => {
    const u = new URL(r.url());
    if (!['data:', 'blob:', 'about:'].includes(u.protocol) && u.origin !== origin) offOrigin.push(r.url());
  });
  context.on('response', (r) => { if (r.status() >= 400) httpErrors.push(`${r.status()} ${r.url()}`); });
  context.on('weberror', (e) => pageErrors.push(String(e.error())));
  // The policy's violations, reported by the page itself (the listener is added by the
  // driver, before any of the page's scripts, and is not subject to the policy).
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });

  for (const [what, rel, expected] of PAGES) {
    const url = new URL(rel, base).href;
    const page = await context.newPage();
    page.on('pageerror', (e) => pageErrors.push(`${what}: ${e}`));
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${what}: ${m.text().split('\n')[0]}`);
      if (/Content Security Policy|Refused to /i.test(m.text())) violations.push(`${what}: ${m.text().slice(0, 160)}`);
    });
    await check(`${what}: the map draws exactly the page's features`, async () => {
      const resp = await page.goto(url, { waitUntil: 'domcontentloaded' });
      assert(resp.status() === 200, `${resp.status()} for ${url}`);
      const dataUrl = await page.getAttribute('#features-map', 'data-features');
      assert(dataUrl, 'no #features-map[data-features] on the page');
      await page.waitForSelector('#features-map[data-map-state]', { timeout: READY_TIMEOUT });
      const state = await page.getAttribute('#features-map', 'data-map-state');
      assert(state === 'ready', `map state "${state}": ${await page.textContent('#features-map')}`);
      const want = await pageJson(url);
      if (expected != null) assert(want.length === expected, `the JSON has ${want.length} features, expected ${expected}`);
      else assert(want.length > 0, 'the JSON has no feature');
      const wantIds = want.map((f) => String(f.id));
      // The table lists the same features (the map is not the only place that must agree).
      const tableIds = await page.$$eval('table tbody tr td:first-child a', (as) => as.map((a) => a.textContent));
      if (!rel.includes('/items/')) assert(sameIds(tableIds, wantIds), `table ${tableIds.length} vs JSON ${wantIds.length}`);
      const got = await page.evaluate(async () => {
        const map = window.pageMap;
        const data = await map.getSource('page').getData();
        const layers = ['page-points', 'page-fill', 'page-line'].filter((l) => map.getLayer(l));
        const drawn = [...new Set(map.queryRenderedFeatures({ layers }).map((f) => String(f.properties._fid)))];
        const b = map.getBounds();
        return {
          source: data.features.map((f) => String(f.id)),
          sourceFids: data.features.map((f) => String(f.properties._fid)),
          drawn,
          view: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()],
          backdrop: !!map.getSource('backdrop'),
        };
      });
      assert(got.source.length === want.length, `source holds ${got.source.length}, the JSON ${want.length}`);
      assert(sameIds(got.source, wantIds), `source ids ${got.source.slice(0, 3)} vs ${wantIds.slice(0, 3)}`);
      assert(sameIds(got.sourceFids, wantIds), 'the _fid properties are not the ids');
      assert(sameIds(got.drawn, wantIds), `drawn ${got.drawn.length}: ${got.drawn.slice(0, 3)} vs ${wantIds.slice(0, 3)}`);
      if (want.length) {
        const b = bboxOf(want);
        const eps = 1e-6;
        assert(got.view[0] <= b[0] + eps && got.view[1] <= b[1] + eps && got.view[2] >= b[2] - eps && got.view[3] >= b[3] - eps,
          `view ${got.view.map((x) => x.toFixed(3))} does not hold ${b.map((x) => x.toFixed(3))}`);
      }
      assert(got.backdrop, 'no county outlines');
      return `${want.length} features${want.length ? `, view ${got.view.map((x) => x.toFixed(2)).join(',')}` : ''}`;
    });
    if (process.env.SCREENSHOT_DIR) {
      await page.screenshot({ path: path.join(process.env.SCREENSHOT_DIR, `items-map-${PAGES.findIndex((p) => p[1] === rel)}.png`), fullPage: true });
    }
    const pageViolations = await page.evaluate(() => window.__cspViolations || []);
    violations.push(...pageViolations.map((v) => `${what}: ${v}`));
    await page.close();
  }

  await check('no request left the server\'s origin', async () => {
    assert(offOrigin.length === 0, `${offOrigin.length}: ${offOrigin.slice(0, 3).join(', ')}`);
  });
  await check('no content security policy violation', async () => {
    assert(violations.length === 0, violations.slice(0, 3).join(' | '));
  });
  await check('no console errors or uncaught errors', async () => {
    assert(pageErrors.length === 0, pageErrors.slice(0, 3).join(' | '));
    assert(consoleErrors.length === 0, consoleErrors.slice(0, 3).join(' | '));
  });
  await check('no failed requests', async () => {
    assert(httpErrors.length === 0, httpErrors.slice(0, 3).join(' | '));
  });
} catch (e) {
  failed++;
  console.log(`not ok - run: ${e && e.message ? e.message.split('\n')[0] : String(e)}`);
} finally {
  if (context) await context.close().catch(() => {});
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
