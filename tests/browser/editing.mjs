// Editing a site from the map with an editor's token (part of e2e.mjs): the controls appear only
// with a token, a valid change reaches the API and shows in the panel, an invalid one shows the
// API's message naming the field and changes nothing. The site's notes are edited (nothing else
// checks them) and restored afterwards.

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

/**
 * Runs the checks on `page` for `site`; `allowError(key, on)` tells e2e.mjs that an error answer
 * ("STATUS METHOD URL") is expected while `on`. Leaves the panel on the site list and the map
 * where it was.
 */
export async function editingChecks({ page, base, check, waitIdle, site, allowError }) {
  const token = process.env.E2E_EDIT_TOKEN;
  const itemUrl = new URL(`collections/sites/items/${site}`, base).href;
  const historyUrl = `${itemUrl}/history`;
  const get = async () => {
    const r = await page.request.get(`${itemUrl}?f=json`, { headers: { 'cache-control': 'no-cache' } });
    return { props: (await r.json()).properties, etag: r.headers().etag };
  };
  const versions = async () => (await (await page.request.get(historyUrl)).json()).versions.length;
  const view = await page.evaluate(() => ({ center: window.atlasMap.getCenter().toArray(), zoom: window.atlasMap.getZoom() }));
  const openSite = async () => {
    await page.locator('#details [data-clear]').first().click({ timeout: 5000 }).catch(() => {});
    await page.locator(`#details [data-site="${site}"]`).first().click();
    await page.waitForSelector('#details article.site', { timeout: 5000 });
  };
  const editButton = page.locator('#details article.site [data-edit-open]');

  await check('editing: no edit controls without a token; the token field when the server declares Part 4', async () => {
    await openSite();
    const conf = await (await page.request.get(new URL('conformance', base).href)).json();
    const part4 = conf.conformsTo.includes('http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update');
    await page.waitForFunction((want) => document.getElementById('edit-block').hidden === !want, part4, { timeout: 5000 });
    assert((await editButton.count()) === 0, 'an Edit button without a token');
    return part4 ? 'Part 4 declared: token field shown' : 'no Part 4: no token field';
  });
  if (!token) return;

  let original = null;
  const newNotes = { value: '' };
  await check('editing: a site\'s notes changed from its panel reach the API and show in the panel', async () => {
    await page.fill('#edit-token', token);
    await page.click('#edit-token-form button[type="submit"]');
    const kept = await page.evaluate((t) => ({
      session: Object.values({ ...sessionStorage }).includes(t),
      local: Object.values({ ...localStorage }).includes(t),
      url: location.href.includes(t),
    }), token);
    assert(kept.session && !kept.local && !kept.url, `token kept: ${JSON.stringify(kept)}`);
    await editButton.click({ timeout: 5000 });
    const form = page.locator('#details [data-edit-form]');
    await form.waitFor({ timeout: 5000 });
    const before = await get();
    original = before.props.notes;
    assert((await form.locator('[name="notes"]').inputValue()) === (original || ''), 'the form does not show the current notes');
    const n0 = await versions();
    newNotes.value = `${original || ''} [e2e edit check]`.trim();
    // The source is one the site cites already, so its list of sources stays as it is.
    const source = before.props.source_urls.split(' | ')[0];
    await form.locator('[name="notes"]').fill(newNotes.value);
    await form.locator('[name="source"]').fill(source);
    await form.locator('[name="comment"]').fill('e2e: notes edit from the map');
    await form.locator('button[type="submit"]').click();
    const saved = page.locator('#details [data-edit-saved]');
    await saved.waitFor({ timeout: 10000 }).catch(async () => {
      throw new Error(`no saved note; message: ${await page.locator('#details [data-edit-message]').textContent().catch(() => '')}`);
    });
    assert(/notes changed/.test(await saved.textContent()), `saved note: ${await saved.textContent()}`);
    const after = await get();
    assert(after.props.notes === newNotes.value, `API notes: ${String(after.props.notes).slice(-60)}`);
    assert(after.props.source_urls === before.props.source_urls, 'the source list changed');
    const h = (await (await page.request.get(historyUrl)).json()).versions;
    assert(h.length === n0 + 1, `${h.length} versions after one edit (was ${n0})`);
    const last = h[h.length - 1];
    assert(last.comment === 'e2e: notes edit from the map' && JSON.stringify(last.fields_changed) === '["notes"]',
      `history: comment ${last.comment}, fields ${last.fields_changed}`);
    const shown = await page.textContent('#details article.site .notes');
    assert(shown.includes('[e2e edit check]'), 'the panel does not show the new notes');
    return `version ${last.version}`;
  });

  await check('editing: an invalid source URL shows the API\'s message naming the field, and nothing changes', async () => {
    const before = await get();
    const n0 = await versions();
    await openSite();
    await editButton.click({ timeout: 5000 });
    const form = page.locator('#details [data-edit-form]');
    await form.waitFor({ timeout: 5000 });
    await form.locator('[name="notes"]').fill('this must not be saved');
    await form.locator('[name="source"]').fill('ftp://example.org/e2e');
    const key = `400 PATCH ${itemUrl}`;
    allowError(key, true);
    try {
      await form.locator('button[type="submit"]').click();
      await page.waitForFunction(() => /HTTP 400/.test(document.querySelector('#details [data-edit-message]')?.textContent || ''), null, { timeout: 10000 });
    } finally {
      allowError(key, false);
    }
    const text = await page.textContent('#details [data-edit-message]');
    assert(/source_urls: expected an http\(s\) URL/.test(text) && text.includes('ftp://example.org/e2e'), `message: ${text}`);
    assert((await form.locator('[name="source"]').getAttribute('aria-invalid')) === 'true', 'the source field is not marked');
    assert((await form.locator('[name="notes"]').inputValue()) === 'this must not be saved', 'the form lost what was typed');
    const after = await get();
    assert(after.props.notes === before.props.notes && after.etag === before.etag, 'the site changed');
    assert((await versions()) === n0, 'a version was added');
    return text.replace(/\s+/g, ' ').slice(0, 120);
  });

  await check('editing: "Add a site" places a point from a map click; an invalid source shows the API\'s message and adds nothing', async () => {
    const count = async () => (await (await page.request.get(new URL('collections/sites/items?f=json&limit=1', base).href)).json()).numberMatched;
    const last = async () => (await (await page.request.get(new URL('changes', base).href)).json()).last;
    const [n0, c0] = [await count(), await last()];
    await page.click('#edit-add');
    await page.locator('#edit-add-box [data-add-hint]').waitFor({ timeout: 5000 });
    const box = await page.locator('#map').boundingBox();
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    const form = page.locator('#edit-add-box [data-add-form]');
    await form.waitFor({ timeout: 5000 });
    const point = await form.locator('output[name="point"]').textContent();
    assert(/^-?\d+(\.\d+)?, -?\d+(\.\d+)? \(longitude, latitude\)$/.test(point), `point shown as "${point}"`);
    await form.locator('[name="id"]').fill('e2e-never-added');
    await form.locator('[name="name_en"]').fill('Never added');
    await form.locator('[name="source"]').fill('ftp://example.org/e2e');
    const key = `400 POST ${new URL('collections/sites/items', base).href}`;
    allowError(key, true);
    try {
      await form.locator('button[type="submit"]').click();
      await page.waitForFunction(() => /HTTP 400/.test(document.querySelector('#edit-add-box [data-edit-message]')?.textContent || ''), null, { timeout: 10000 });
    } finally {
      allowError(key, false);
    }
    const text = await page.textContent('#edit-add-box [data-edit-message]');
    assert(/source_urls: expected an http\(s\) URL/.test(text), `message: ${text}`);
    assert((await count()) === n0 && (await last()) === c0, 'a site or a change was added');
    await form.locator('button:has-text("Cancel")').click();
    assert((await page.locator('#edit-add-box [data-add-form]').count()) === 0, 'the form stayed after Cancel');
    return point;
  });

  await check('editing: "Add a site" with a valid source answers 201, names the county the API derived, and the site is served; then it is retired through the API', async () => {
    const count = async () => (await (await page.request.get(new URL('collections/sites/items?f=json&limit=1', base).href)).json()).numberMatched;
    const n0 = await count();
    const id = 'e2e-added-site';
    // In a tab of its own: the site it adds stays in that tab's data after the API retires it,
    // and the main page's counts are read by later checks. The token is entered there again
    // (it is kept per tab).
    const tab = await page.context().newPage();
    await tab.setViewportSize(page.viewportSize());
    await tab.goto(base);
    await tab.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 60000 });
    await tab.fill('#edit-token', token);
    await tab.click('#edit-token-form button[type="submit"]');
    const url = new URL(`collections/sites/items/${id}`, base).href;
    await tab.waitForFunction(() => !document.getElementById('edit-add').hidden, null, { timeout: 5000 });
    await tab.click('#edit-add');
    await tab.locator('#edit-add-box [data-add-hint]').waitFor({ timeout: 5000 });
    const box = await tab.locator('#map').boundingBox();
    await tab.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    const form = tab.locator('#edit-add-box [data-add-form]');
    await form.waitFor({ timeout: 5000 });
    await form.locator('[name="id"]').fill(id);
    await form.locator('[name="name_en"]').fill('Browser-added test site');
    await form.locator('[name="source"]').fill('https://www.hami.gov.cn/');
    await form.locator('[name="comment"]').fill('e2e: added from the map');
    await form.locator('button[type="submit"]').click();
    const created = tab.locator('#edit-add-box [data-add-created]');
    await created.waitFor({ timeout: 15000 });
    const text = (await created.textContent()).replace(/\s+/g, ' ');
    await tab.close();
    assert(text.includes(`Created (HTTP 201): ${id} at ${url}`), `created note: ${text}`);
    const r = await page.request.get(`${url}?f=json`, { headers: { 'cache-control': 'no-cache' } });
    assert(r.status() === 200, `GET the new site: HTTP ${r.status()}`);
    const props = (await r.json()).properties;
    assert(props.county_en && text.includes(`Placed in ${props.county_en}`), `panel says "${text}", the API has county ${props.county_en}`);
    assert(props.source_urls.includes('https://www.hami.gov.cn/') && props.confidence === 'low', 'the form fields were not sent');
    const hist = await (await page.request.get(`${url}/history`)).json();
    assert(hist.versions.length === 1 && hist.versions[0].comment === 'e2e: added from the map', 'history lacks the add and its comment');
    assert((await count()) === n0 + 1, 'the collection did not grow by one');
    const del = await page.request.delete(url, { headers: { authorization: `Bearer ${token}`, 'if-match': r.headers().etag } });
    assert(del.status() === 204, `retire: HTTP ${del.status()}`);
    allowError(`410 GET ${url}?f=json`, true);
    try {
      assert((await page.request.get(`${url}?f=json`)).status() === 410, 'a retired site is not 410 Gone');
    } finally {
      allowError(`410 GET ${url}?f=json`, false);
    }
    assert((await count()) === n0, 'the count did not return after the retirement');
    return `${id} in ${props.county_en}`;
  });

  await check('editing: the notes restored, the token forgotten, the Edit button gone', async () => {
    if (original !== null) {
      const cur = await get();
      const r = await page.request.patch(itemUrl, {
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/merge-patch+json', 'if-match': cur.etag, 'x-change-comment': 'e2e: notes restored' },
        data: JSON.stringify({ properties: { notes: original } }),
      });
      assert(r.ok(), `restore: HTTP ${r.status()}`);
      assert((await get()).props.notes === original, 'notes not restored');
    }
    await page.click('#edit-forget');
    await openSite();
    assert((await editButton.count()) === 0, 'Edit button after the token was forgotten');
    assert(!(await page.evaluate((t) => Object.values({ ...sessionStorage }).includes(t), token)), 'token still in sessionStorage');
    await page.locator('#details [data-clear]').first().click({ timeout: 5000 }).catch(() => {});
    await page.evaluate((v) => { window.atlasMap.jumpTo(v); }, view);
    await waitIdle(page);
  });
}
