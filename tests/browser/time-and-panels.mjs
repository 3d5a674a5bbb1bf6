// The web map's time control, a county's demand against supply, a site's "last changed" line,
// each checked against the API (part of e2e.mjs; same page, same flow: a site panel is open).

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

// Numbers as the page formats them (format.js fmtNum: fewer decimals for larger values).
const fmt = (v, digits) => {
  const a = Math.abs(v);
  const d = digits ?? (a === 0 || a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3);
  return v.toLocaleString('en-GB', { maximumFractionDigits: d });
};

/**
 * A power-plant marker in the map's view that no site or other plant touches within `pad`
 * pixels, so a click on it opens that plant: its page coordinates, id, name and the property
 * names its tile carries; null when the view has none.
 */
export function clearPlantMarker(page, pad) {
  return page.evaluate((pad) => {
    const m = window.atlasMap;
    const L = window.atlasLayers;
    const r = m.getContainer().getBoundingClientRect();
    for (const f of m.queryRenderedFeatures({ layers: [L.plants] })) {
      const p = m.project(f.geometry.coordinates);
      if (p.x < 20 || p.y < 20 || p.x > r.width - 20 || p.y > r.height - 20) continue;
      const near = m.queryRenderedFeatures([[p.x - pad, p.y - pad], [p.x + pad, p.y + pad]], { layers: [L.sites, L.plants] });
      if (near.every((g) => g.layer.id === L.plants && g.properties.id === f.properties.id)) {
        return { x: r.left + p.x, y: r.top + p.y, id: f.properties.id, name: f.properties.name, keys: Object.keys(f.properties).sort() };
      }
    }
    return null;
  }, pad);
}

/**
 * Checks the county panel's balance text against a /analytics/power-balance?level=county body
 * (the live answer or the published file): the demand range, the sites with an estimate, the
 * local supply and the coverage caveat as the page formats them. Returns the row's demand_mw.
 */
export function balanceTextMatches(text, body, code) {
  const row = body.rows.find((r) => r.id === code);
  assert(row, `county ${code} has sites but no power-balance row`);
  const d = row.demand_mw;
  assert(/Estimated demand/.test(text) && /is an estimate/.test(text), 'demand not labelled as an estimate');
  if (typeof d.central === 'number') {
    const want = `estimate ${fmt(d.low)}–${fmt(d.high)} (central ${fmt(d.central)})`;
    assert(text.includes(want), `balance lacks "${want}": ${text.slice(0, 160)}`);
  } else assert(/Estimated demand \(MW\)unknown/.test(text), 'demand with no estimate is not "unknown"');
  assert(text.includes(`${row.estimated_sites} of ${row.sites}`), `sites with an estimate: ${row.estimated_sites} of ${row.sites} not shown`);
  if (body.plants_loaded && typeof row.operating_mw_total === 'number') {
    assert(text.includes(`Operating capacity, all fuels (MW)${fmt(row.operating_mw_total)}`), `local supply ${row.operating_mw_total} MW not shown`);
  }
  const c = row.coverage;
  assert(/Coverage: the plant files hold/.test(text), 'no coverage caveat');
  for (const [ratio, fuel] of [[c.solar_ratio, 'solar'], [c.wind_ratio, 'wind']]) {
    if (typeof ratio === 'number') assert(text.includes(`${fmt(ratio * 100, 0)}% of its reported ${fuel} capacity`), `coverage of ${fuel} (${ratio}) not shown`);
  }
  return d;
}

/**
 * Runs the checks on `page` (the site panel of `site` open); `initial` is the site counter at
 * start. The map and filters are left as found (no date limit, all provinces).
 */
export async function timeAndPanelChecks({ page, base, check, siteCount, waitIdle, initial, site }) {
  // Last changed: nothing while the site has no edit; after one (E2E_EDIT_TOKEN: the server
  // keeps an edit store), the newest edit of the history, its time and author.
  await check('site panel: "last changed" follows the edit history', async () => {
    const historyUrl = new URL(`collections/sites/items/${site}/history`, base).href;
    const history = async () => (await page.request.get(historyUrl)).json();
    const line = page.locator('#details article.site [data-last-changed]');
    const h0 = await history();
    assert(Array.isArray(h0.versions), `history of ${site} has no versions list`);
    if (!h0.versions.length) {
      // The panel has asked for the history when it opened; its answer lands within a frame of arriving.
      await page.evaluate(async (u) => { await fetch(u); await new Promise((r) => requestAnimationFrame(() => r())); }, historyUrl);
      assert(await line.isHidden() && !(await line.textContent()), `no edits, but the panel says "${await line.textContent()}"`);
    }
    const token = process.env.E2E_EDIT_TOKEN;
    if (!token) return h0.versions.length ? 'edits already, no token to add one' : 'no edits: no line';
    // An edit that keeps the record as it is (its confidence set to what it is), with a
    // comment holding markup, which must stay text.
    const itemUrl = new URL(`collections/sites/items/${site}`, base).href;
    const item = await page.request.get(`${itemUrl}?f=json`);
    const r = await page.request.patch(itemUrl, {
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/merge-patch+json',
        'if-match': item.headers().etag,
        'x-change-comment': '<b>e2e</b> re-check',
      },
      data: JSON.stringify({ properties: { confidence: (await item.json()).properties.confidence } }),
    });
    assert(r.ok(), `PATCH: HTTP ${r.status()} ${(await r.text()).slice(0, 200)}`);
    const h = await history();
    assert(h.versions.length === h0.versions.length + 1, `history has ${h.versions.length} versions after one edit`);
    const last = h.versions[h.versions.length - 1];
    // Reopen the panel: it reads the history when a site is selected.
    await page.locator('#details [data-clear]').first().click();
    await page.locator(`#details [data-site="${site}"]`).first().click();
    await line.waitFor({ state: 'visible', timeout: 5000 });
    const t = await line.textContent();
    const when = last.time.slice(0, 19).replace('T', ' ');
    assert(t === `Last changed ${when} UTC by ${last.author}` && last.author === 'e2e-editor', `"${t}" for the edit by ${last.author} at ${last.time}`);
    assert((await line.getAttribute('title')) === `Comment: ${last.comment}`, 'comment not shown as text');
    assert((await page.locator('#details article.site [data-last-changed] b').count()) === 0, 'the comment\'s markup was rendered');
    return t;
  });

  // Demand against supply: the county of the site, from its panel's link.
  await check('county panel shows the estimated demand range and the coverage as /analytics/power-balance gives them', async () => {
    const code = await page.getAttribute('#details [data-county]', 'data-county');
    assert(code, 'no county link in the site panel');
    await page.click('#details [data-county]');
    await page.waitForFunction(() => {
      const b = document.querySelector('#details article.county [data-balance]');
      return b && !b.querySelector('[data-loading]');
    }, null, { timeout: 10000 });
    const text = await page.textContent('#details [data-balance]');
    const body = await page.evaluate(async () => (await (await fetch('/analytics/power-balance?level=county')).json()));
    const d = balanceTextMatches(text, body, code);
    return `${code}: ${d.low}–${d.high} MW`;
  });

  // The time control: at a month the map shows the sites reported by its end, as the
  // timeline counts them (cumulative_sites); undated sites are left out and counted.
  await check('time control shows the sites as of a month, as /analytics/timeline counts them', async () => {
    const view = await page.evaluate(() => ({ center: window.atlasMap.getCenter().toArray(), zoom: window.atlasMap.getZoom() }));
    const tl = await page.evaluate(async () => (await (await fetch('/analytics/timeline?by=month')).json()));
    const periods = tl.periods;
    assert(periods.length > 2, `${periods.length} monthly periods`);
    const max = Number(await page.getAttribute('#t-date', 'max'));
    assert(max === periods.length, `slider has ${max} months, the timeline ${periods.length}`);
    // A month part-way, and every month where the count changes within the first half.
    const at = async (i) => {
      await page.focus('#t-date');
      await page.keyboard.press('Home');
      for (let k = 0; k < i; k++) await page.keyboard.press('ArrowRight');
      const c = await siteCount(page);
      const label = await page.textContent('#t-label');
      const p = periods[i];
      assert(label.includes(p.period), `slider at ${i} reads "${label}", period ${p.period}`);
      assert(c.shown === p.cumulative_sites.total, `as of ${p.period}: ${c.shown} shown, timeline ${p.cumulative_sites.total}`);
      return c.shown;
    };
    const mid = Math.floor(periods.length / 2);
    const shownMid = await at(mid);
    assert(shownMid > 0 && shownMid < tl.dated_sites, `as of ${periods[mid].period}: ${shownMid} of ${tl.dated_sites} dated sites (pick another month)`);
    const note = await page.textContent('#t-note');
    const undated = tl.undated.sites.total;
    if (undated) assert(note.includes(`${undated} undated site${undated === 1 ? '' : 's'} not shown`), `note "${note}", timeline has ${undated} undated`);
    // The URL follows once changes settle (a debounce in the page).
    await page.waitForFunction((m) => location.hash.includes(`asof=${m}`), periods[mid].period, { timeout: 5000 })
      .catch(() => { throw new Error('month not in URL'); });
    // A year-only date counts in December of its year, never before.
    const coarse = periods.findIndex((p) => p.new_sites_coarser_date > 0);
    if (coarse > 0) {
      assert(periods[coarse].period.endsWith('-12'), `a year-only date counted in ${periods[coarse].period}`);
      await at(coarse - 1);
      await at(coarse);
    }
    // With a province: the province's timeline (its periods start at its first date).
    await page.selectOption('#f-province', 'Ningxia');
    const tp = await page.evaluate(async () => (await (await fetch('/analytics/timeline?by=month&province=Ningxia')).json()));
    const before = tp.periods.filter((p) => p.period <= periods[mid].period);
    const want = before.length ? before[before.length - 1].cumulative_sites.total : 0;
    const cp = await siteCount(page);
    assert(cp.shown === want, `Ningxia as of ${periods[mid].period}: ${cp.shown} shown, timeline ${want}`);
    await page.selectOption('#f-province', '');
    // Play advances month by month; paused, the count is the timeline's for the month shown.
    await at(0);
    await page.click('#t-play');
    await page.waitForFunction((m) => !document.getElementById('t-label').textContent.includes(m), periods[0].period, { timeout: 10000 });
    await page.click('#t-play');
    const label = await page.textContent('#t-label');
    const p = periods.find((x) => label.includes(x.period));
    assert(p, `paused at "${label}", no such period`);
    const paused = await siteCount(page);
    assert(paused.shown === p.cumulative_sites.total, `paused at ${p.period}: ${paused.shown} shown, timeline ${p.cumulative_sites.total}`);
    // The last position has no date limit: every site again.
    await page.focus('#t-date');
    await page.keyboard.press('End');
    const all = await siteCount(page);
    assert(all.shown === initial.total && /no limit/.test(await page.textContent('#t-label')), `no limit: ${all.shown} of ${initial.total}`);
    await page.locator('#details [data-clear]').first().click({ timeout: 5000 }).catch(() => {});
    // Back to the view the county check below scans (the province filter fitted the map).
    await page.evaluate((v) => { window.atlasMap.jumpTo(v); }, view);
    await waitIdle(page);
    return `${periods[mid].period}: ${shownMid} sites, ${undated} undated left out${coarse > 0 ? `; year-only date first counted in ${periods[coarse].period}` : ''}; played to ${p.period}`;
  });
}
