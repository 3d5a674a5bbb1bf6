use geo_types::{MultiPolygon, Rect};

/// A (multi)polygon prepared for many point-in-polygon tests.
///
/// The edges of all rings are sorted into horizontal bands, so a test looks only at the edges
/// that span the point's latitude band instead of every vertex.
///
/// # Boundary semantics
/// The test is the half-open crossing rule: an edge counts when one end is strictly above the
/// point and the other is not. For regions that share identical border edges (the bundled
/// boundaries are built with shared arcs), a point exactly on a shared border is inside exactly
/// one of the neighbours, never both and never neither.
#[derive(Debug, Clone)]
pub struct PreparedPolygon {
    bbox: Rect<f64>,
    /// Bands per degree of latitude: a band is found by a multiplication, not a division (the
    /// build places edges by the same formula, and both are monotonic in `y`, so an edge
    /// spanning a latitude is in that latitude's band).
    bands_per_degree: f64,
    /// Where each band's edges start in `edges` (and, last, where the final band's end): one
    /// flat array, not a vector per band, so that finding a band is one small read and not a
    /// pointer to follow (a lookup of a random point misses the cache at each such step).
    band_starts: Vec<u32>,
    /// The edges of band after band, as `[x1, y1, x2, y2]`; an edge spanning several bands is
    /// in each.
    edges: Vec<[f64; 4]>,
}

impl PreparedPolygon {
    pub fn new(mp: &MultiPolygon<f64>) -> PreparedPolygon {
        let mut edges: Vec<[f64; 4]> = Vec::new();
        for poly in &mp.0 {
            for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
                // Horizontal edges never count as crossings but are kept: the grid needs every
                // edge to know which cells the border passes through.
                // Each edge is stored lower end first, so that two regions sharing an edge compute
                // the very same crossing for it, bit for bit, whatever their ring directions.
                for w in ring.0.windows(2) {
                    let (a, b) = if (w[0].y, w[0].x) <= (w[1].y, w[1].x) {
                        (w[0], w[1])
                    } else {
                        (w[1], w[0])
                    };
                    edges.push([a.x, a.y, b.x, b.y]);
                }
            }
        }
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for poly in &mp.0 {
            for c in &poly.exterior().0 {
                x0 = x0.min(c.x);
                y0 = y0.min(c.y);
                x1 = x1.max(c.x);
                y1 = y1.max(c.y);
            }
        }
        if x0 > x1 {
            (x0, y0, x1, y1) = (0.0, 0.0, 0.0, 0.0);
        }
        // About eight edges per band keeps a test short without blowing up memory.
        let n_bands = (edges.len() / 8).clamp(1, 4096);
        let band_height = ((y1 - y0) / n_bands as f64).max(f64::MIN_POSITIVE);
        let bands_per_degree = 1.0 / band_height;
        let span = |e: &[f64; 4]| {
            let (lo, hi) = (e[1].min(e[3]), e[1].max(e[3]));
            let b0 = (((lo - y0) * bands_per_degree) as usize).min(n_bands - 1);
            let b1 = (((hi - y0) * bands_per_degree) as usize).min(n_bands - 1);
            b0..=b1
        };
        // Counted first, then placed: the bands' edges end up side by side in one array.
        let mut band_starts = vec![0u32; n_bands + 1];
        for e in &edges {
            for b in span(e) {
                band_starts[b + 1] += 1;
            }
        }
        for b in 0..n_bands {
            band_starts[b + 1] += band_starts[b];
        }
        let mut next: Vec<u32> = band_starts[..n_bands].to_vec();
        let mut placed = vec![[0.0; 4]; band_starts[n_bands] as usize];
        for e in &edges {
            for b in span(e) {
                placed[next[b] as usize] = *e;
                next[b] += 1;
            }
        }
        PreparedPolygon {
            bbox: Rect::new((x0, y0), (x1, y1)),
            bands_per_degree,
            band_starts,
            edges: placed,
        }
    }

    /// The edges of band `b`.
    #[inline]
    fn band_edges(&self, b: usize) -> &[[f64; 4]] {
        &self.edges[self.band_starts[b] as usize..self.band_starts[b + 1] as usize]
    }

    /// The band of latitude `y`, inside the box.
    #[inline]
    fn band_of(&self, y: f64) -> usize {
        let n = self.band_starts.len() - 1;
        (((y - self.bbox.min().y) * self.bands_per_degree) as usize).min(n - 1)
    }

    pub fn bbox(&self) -> Rect<f64> {
        self.bbox
    }

    /// `true` when the point is inside (see the boundary semantics above).
    #[inline]
    pub fn contains(&self, x: f64, y: f64) -> bool {
        let min = self.bbox.min();
        let max = self.bbox.max();
        if x < min.x || x > max.x || y < min.y || y > max.y {
            return false;
        }
        let mut inside = false;
        for e in self.band_edges(self.band_of(y)) {
            // The point is left of the crossing `e[0] + (y - e[1]) * (e[2] - e[0]) / (e[3] -
            // e[1])`, multiplied out: the lower end is first, so `e[3] - e[1] > 0` for an edge
            // the ray crosses, and no division is needed. Neighbours sharing an edge hold it bit
            // for bit, so they still compute the same side.
            let crosses = (e[1] > y) != (e[3] > y);
            let left = (x - e[0]) * (e[3] - e[1]) < (y - e[1]) * (e[2] - e[0]);
            inside ^= crosses & left;
        }
        inside
    }

    /// The edges [`PreparedPolygon::contains`] tests for the point (none outside the box).
    #[inline]
    pub(crate) fn band(&self, x: f64, y: f64) -> &[[f64; 4]] {
        let min = self.bbox.min();
        let max = self.bbox.max();
        if x < min.x || x > max.x || y < min.y || y > max.y {
            return &[];
        }
        self.band_edges(self.band_of(y))
    }

    /// The x positions where the horizontal line at `y` crosses the boundary, unsorted.
    pub(crate) fn crossings(&self, y: f64, out: &mut Vec<f64>) {
        out.clear();
        let min = self.bbox.min();
        if y < min.y || y > self.bbox.max().y {
            return;
        }
        for e in self.band_edges(self.band_of(y)) {
            if (e[1] > y) != (e[3] > y) {
                out.push(e[0] + (y - e[1]) * (e[2] - e[0]) / (e[3] - e[1]));
            }
        }
    }

    /// Every edge, once per band it spans (callers only need each edge's extent).
    pub(crate) fn edges(&self) -> impl Iterator<Item = &[f64; 4]> {
        self.edges.iter()
    }
}
