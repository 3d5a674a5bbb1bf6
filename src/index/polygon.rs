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
    band_height: f64,
    /// Per band, edges as `[x1, y1, x2, y2]`.
    bands: Vec<Vec<[f64; 4]>>,
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
        let mut bands = vec![Vec::new(); n_bands];
        for e in edges {
            let (lo, hi) = (e[1].min(e[3]), e[1].max(e[3]));
            let b0 = (((lo - y0) / band_height) as usize).min(n_bands - 1);
            let b1 = (((hi - y0) / band_height) as usize).min(n_bands - 1);
            for band in &mut bands[b0..=b1] {
                band.push(e);
            }
        }
        PreparedPolygon {
            bbox: Rect::new((x0, y0), (x1, y1)),
            band_height,
            bands,
        }
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
        let b = (((y - min.y) / self.band_height) as usize).min(self.bands.len() - 1);
        let mut inside = false;
        for e in &self.bands[b] {
            if (e[1] > y) != (e[3] > y) {
                let xi = e[0] + (y - e[1]) * (e[2] - e[0]) / (e[3] - e[1]);
                if x < xi {
                    inside = !inside;
                }
            }
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
        let b = (((y - min.y) / self.band_height) as usize).min(self.bands.len() - 1);
        &self.bands[b]
    }

    /// The x positions where the horizontal line at `y` crosses the boundary, unsorted.
    pub(crate) fn crossings(&self, y: f64, out: &mut Vec<f64>) {
        out.clear();
        let min = self.bbox.min();
        if y < min.y || y > self.bbox.max().y {
            return;
        }
        let b = (((y - min.y) / self.band_height) as usize).min(self.bands.len() - 1);
        for e in &self.bands[b] {
            if (e[1] > y) != (e[3] > y) {
                out.push(e[0] + (y - e[1]) * (e[2] - e[0]) / (e[3] - e[1]));
            }
        }
    }

    /// Every edge, once per band it spans (callers only need each edge's extent).
    pub(crate) fn edges(&self) -> impl Iterator<Item = &[f64; 4]> {
        self.bands.iter().flatten()
    }
}
