// The published folder (`compute-atlas publish`) in Debian's Chromium, served by a plain static
// server under a path prefix (a county panel's power balance from the published file), and its
// embeddable map inside an iframe of another origin.
//
//   node tests/browser/static.mjs http://127.0.0.1:PORT/atlas/ http://127.0.0.1:OTHER/frame.html
//
// Env: CHROMIUM, EXPECT_SITES (features in data/sites.geojson), EXPECT_PLANTS (0/1).
// Prints one line per check and `N passed, M failed` last; exits 1 on any failure.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { balanceTextMatches, clearPlantMarker } from './time-and-panels.mjs';

const [base, framePage] = process.argv.slice(2);
const prefix = new URL(base);
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
function assert(cond, msg) { if (!cond) throw new Error(msg); }

const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'atlas-static-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1280, height: 800 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--no-first-run', '--disable-sync', '--disable-quic', '--use-gl=angle', '--use-angle=swiftshader', '--enable-unsafe-swiftshader'],
});
// Every request the pages make: outside the folder is a failure (the frame page itself aside).
const outside = [], bad = [], ranges = [];
context.on('request', (r) => {
  const u = r.url();
  if (u.startsWith('data:') || u.startsWith('blob:') || u === framePage) return;
  if (!u.startsWith(prefix.href)) outside.push(u);
  const h = r.headers();
  if (u.endsWith('.pmtiles') && h.range) ranges.push(u);
});
context.on('response', (r) => { if (r.status() >= 400) bad.push(`${r.status()} ${r.url()}`); });
const ready = (page) => page.waitForFunction(() => ['1', 'error'].includes(document.body.dataset.ready), null, { timeout: 60000 });
const idle = (page) => page.evaluate(() => new Promise((res) => {
  const m = window.atlasMap;
  if (m.loaded() && m.areTilesLoaded()) res(true); else m.once('idle', () => res(true));
}));

try {
  const page = await context.newPage();
  await page.goto(base);
  await check('the static map becomes ready', async () => {
    await ready(page);
    assert(await page.evaluate(() => document.body.dataset.ready) === '1', 'data-ready is error');
  });
  await check('site count as published', async () => {
    const t = (await page.textContent('#site-count')) || '';
    const m = t.match(/(\d+)\s+of\s+(\d+)\s+sites/);
    assert(m, `site-count text is "${t}"`);
    assert(Number(m[2]) === Number(process.env.EXPECT_SITES), `${m[2]} sites, expected ${process.env.EXPECT_SITES}`);
    return t.trim();
  });
  await check('counties, provinces, sites (and plants) drawn from the archives', async () => {
    await idle(page);
    const n = await page.evaluate(() => {
      const m = window.atlasMap, L = window.atlasLayers;
      const c = (l) => (m.getLayer(l) ? m.queryRenderedFeatures({ layers: [l] }).length : -1);
      return { counties: c(L.counties), provinces: c(L.provinces), sites: c(L.sites), plants: c(L.plants) };
    });
    assert(n.counties > 0 && n.provinces > 0 && n.sites > 0, JSON.stringify(n));
    if (process.env.EXPECT_PLANTS === '1') assert(n.plants > 0, `no plants: ${JSON.stringify(n)}`);
    return JSON.stringify(n);
  });
  await check('tiles read by HTTP range requests on the archives', async () => {
    assert(ranges.length > 0, 'no range request on a .pmtiles file');
    return `${ranges.length} range requests`;
  });
  // A county panel (Yiwu, Xinjiang) from the URL: demand against local supply and the coverage
  // caveat, as the published data/analytics/power-balance-county.json gives them.
  await check('county panel shows the balance of data/analytics/power-balance-county.json', async () => {
    const code = '650522';
    const county = await context.newPage();
    try {
      await county.goto(`${base}#sel=county:${code}`);
      await ready(county);
      await county.waitForFunction(() => {
        const b = document.querySelector('#details article.county [data-balance]');
        return b && !b.querySelector('[data-loading]');
      }, null, { timeout: 10000 });
      const text = await county.textContent('#details [data-balance]');
      const file = await county.request.get(new URL('data/analytics/power-balance-county.json', base).href);
      assert(file.ok(), `power-balance-county.json: HTTP ${file.status()}`);
      const d = balanceTextMatches(text, await file.json(), code);
      assert(!/not available/.test(text), `the panel says the balance is missing: ${text.slice(0, 160)}`);
      return `${code}: ${d.low}–${d.high} MW`;
    } finally {
      await county.close();
    }
  });
  // A plant's panel: the map's archive carries five fields, the panel reads the full record
  // from tiles/power-plants.pmtiles. Clicked at zoom 5, where the drawn point is rounded to
  // its tile's grid; the fields must be the record's in data/power-plants.geojson.
  if (process.env.EXPECT_PLANTS === '1') {
    await check('a plant panel shows the full record from the full archive', async () => {
      await page.evaluate(() => { window.atlasMap.jumpTo({ center: [93.2, 42.6], zoom: 5 }); });
      await idle(page);
      const pt = await clearPlantMarker(page, 12);
      assert(pt, 'no plant marker clear of others near Hami');
      assert(pt.keys.every((k) => ['capacity_mw', 'fuel', 'id', 'name', 'unit'].includes(k)), `the map's plant tiles carry ${pt.keys.join(',')}`);
      await page.mouse.click(pt.x, pt.y);
      await page.waitForFunction(() => {
        const d = document.querySelector('#details article.plant');
        return d && !d.querySelector('[data-loading]');
      }, null, { timeout: 10000 });
      const text = await page.textContent('#details');
      assert(!/could not be loaded/.test(text), text.slice(0, 200));
      const file = await page.request.get(new URL('data/power-plants.geojson', base).href);
      const rec = (await file.json()).features.find((f) => String(f.properties.id) === String(pt.id));
      assert(rec, `plant ${pt.id} not in data/power-plants.geojson`);
      const p = rec.properties;
      for (const k of ['name', 'status', 'owner', 'province', 'source']) {
        if (p[k] != null && p[k] !== '') assert(text.includes(String(p[k])), `panel lacks ${k} "${p[k]}"`);
      }
      if (p.start_year != null) assert(text.includes(String(p.start_year)), `panel lacks start year ${p.start_year}`);
      assert(!text.includes('…'), 'record fields still pending');
      return `${pt.id} ${p.name}: ${p.status}, ${p.owner || 'owner unknown'}`;
    });
  }
  const embed = await context.newPage();
  await embed.goto(framePage);
  await check('embed.html inside an iframe of another origin', async () => {
    const frame = embed.frames().find((f) => f.url().includes('embed.html'));
    assert(frame, 'no embed frame');
    await ready(frame);
    assert(await frame.evaluate(() => document.body.dataset.ready) === '1', 'embed data-ready is error');
    const mode = await frame.evaluate(() => document.body.dataset.mode);
    assert(mode === 'embed', `mode ${mode}`);
    const panel = await frame.evaluate(() => getComputedStyle(document.getElementById('panel')).display);
    assert(panel === 'none', `panel display ${panel}`);
    const link = await frame.getAttribute('#embed-full', 'href');
    assert(link && link.startsWith('index.html'), `full atlas link ${link}`);
  });
  await check('no request outside the folder and none failed', async () => {
    assert(outside.length === 0, `outside: ${outside.slice(0, 3).join(', ')}`);
    assert(bad.length === 0, `failed: ${bad.slice(0, 3).join(', ')}`);
  });
} finally {
  await context.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
