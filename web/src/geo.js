// Small geometry helpers: bounding boxes, a label point inside a polygon and
// the deterministic spread of sites that share one point.

export function bboxOf(geom, into) {
  const b = into || [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      if (c[0] < b[0]) b[0] = c[0];
      if (c[1] < b[1]) b[1] = c[1];
      if (c[0] > b[2]) b[2] = c[0];
      if (c[1] > b[3]) b[3] = c[1];
    } else c.forEach(walk);
  };
  if (geom && geom.coordinates) walk(geom.coordinates);
  return b;
}

export const validBbox = (b) => b && Number.isFinite(b[0]) && b[2] >= b[0] && b[3] >= b[1];

function polygons(geom) {
  if (!geom) return [];
  if (geom.type === 'Polygon') return [geom.coordinates];
  if (geom.type === 'MultiPolygon') return geom.coordinates;
  return [];
}

function ringAreaPlanar(r) {
  let s = 0;
  for (let i = 0, j = r.length - 1; i < r.length; j = i++) s += (r[j][0] + r[i][0]) * (r[j][1] - r[i][1]);
  return Math.abs(s / 2);
}

function thin(ring, max) {
  if (ring.length <= max) return ring;
  const step = Math.ceil(ring.length / max);
  const out = [];
  for (let i = 0; i < ring.length; i += step) out.push(ring[i]);
  out.push(ring[0]);
  return out;
}

/** Holes of a polygon considered when placing its label. */
const MAX_HOLES = 4;

function inside(pt, rings) {
  let c = false;
  const [x, y] = pt;
  for (const r of rings) {
    for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
      const a = r[i], b = r[j];
      if (a[1] > y !== b[1] > y && x < ((b[0] - a[0]) * (y - a[1])) / (b[1] - a[1]) + a[0]) c = !c;
    }
  }
  return c;
}

function edgeDist(pt, rings, kx) {
  let best = Infinity;
  for (const r of rings) {
    for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
      const ax = r[j][0] * kx, ay = r[j][1], bx = r[i][0] * kx, by = r[i][1];
      const px = pt[0] * kx, py = pt[1];
      const dx = bx - ax, dy = by - ay;
      const l2 = dx * dx + dy * dy;
      let t = l2 ? ((px - ax) * dx + (py - ay) * dy) / l2 : 0;
      t = Math.max(0, Math.min(1, t));
      const ex = ax + t * dx - px, ey = ay + t * dy - py;
      const d = ex * ex + ey * ey;
      if (d < best) best = d;
    }
  }
  return Math.sqrt(best);
}

/**
 * A point well inside the largest polygon of a (Multi)Polygon: coarse grid
 * search for the point farthest from the boundary, refined twice.
 */
export function labelPoint(geom) {
  const polys = polygons(geom);
  if (!polys.length) return null;
  let poly = polys[0], area = -1;
  for (const p of polys) {
    const a = ringAreaPlanar(p[0]);
    if (a > area) { area = a; poly = p; }
  }
  // The outline and its largest holes decide where a label fits; a province's many small
  // enclaves only slowed the search (hundreds of milliseconds at start-up in software rendering).
  const holes = poly.slice(1).map((r) => [ringAreaPlanar(r), r]).sort((a, b) => b[0] - a[0]).slice(0, MAX_HOLES).map(([, r]) => r);
  const rings = [thin(poly[0], 240), ...holes.map((r) => thin(r, 60))];
  const b = bboxOf({ coordinates: [rings[0]] });
  const kx = Math.cos((((b[1] + b[3]) / 2) * Math.PI) / 180);
  let best = null, bestD = -1;
  let [x0, y0, x1, y1] = b;
  for (let pass = 0; pass < 3; pass++) {
    const n = 12;
    const sx = (x1 - x0) / n, sy = (y1 - y0) / n;
    for (let i = 0; i <= n; i++) {
      for (let j = 0; j <= n; j++) {
        const pt = [x0 + i * sx, y0 + j * sy];
        if (!inside(pt, rings)) continue;
        const d = edgeDist(pt, rings, kx);
        if (d > bestD) { bestD = d; best = pt; }
      }
    }
    if (!best) break;
    const wx = (x1 - x0) / 6, wy = (y1 - y0) / 6;
    [x0, y0, x1, y1] = [best[0] - wx, best[1] - wy, best[0] + wx, best[1] + wy];
  }
  if (best) return best;
  return [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
}

/** Key for "same point" grouping (about 1 m). */
export const pointKey = (c) => `${c[0].toFixed(5)},${c[1].toFixed(5)}`;

/**
 * Pixel offsets for n markers sharing one point: a ring for up to 9, a
 * sunflower (Vogel) spiral beyond. Index 0 is at the top; order is the
 * caller's (sorted by id, so the layout is deterministic).
 */
export function spreadOffsets(n) {
  if (n <= 1) return [[0, 0]];
  const out = [];
  if (n <= 9) {
    const r = Math.max(15, (13 * n) / (2 * Math.PI));
    for (let i = 0; i < n; i++) {
      const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
      out.push([r * Math.cos(a), r * Math.sin(a)]);
    }
  } else {
    const golden = Math.PI * (3 - Math.sqrt(5));
    for (let i = 0; i < n; i++) {
      const r = 10 * Math.sqrt(i + 0.7);
      const a = -Math.PI / 2 + i * golden;
      out.push([r * Math.cos(a), r * Math.sin(a)]);
    }
  }
  return out;
}

/** Convert a pixel offset at a zoom level (512 px tiles) to a lng/lat position. */
export function offsetLngLat([lng, lat], [dx, dy], zoom) {
  const degPerPx = 360 / (512 * 2 ** zoom);
  const k = Math.cos((lat * Math.PI) / 180);
  return [lng + dx * degPerPx, lat - dy * degPerPx * k];
}
