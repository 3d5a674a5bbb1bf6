use std::collections::HashMap;

use geo_types::MultiPolygon;
use rstar::{primitives::GeomWithData, primitives::Rectangle, RTree};

use super::PreparedPolygon;

type Envelope = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// Default grid cell size in degrees: about 2 km, so that roughly nine cells in ten lie wholly
/// inside one county and need no geometric test at all.
pub const DEFAULT_CELL_DEG: f64 = 0.02;
const LIST_BIT: u32 = 1 << 31;
/// A coarse cell whose fine cells differ: `BLOCK_BIT | b` points to block `b` of the fine codes.
const BLOCK_BIT: u32 = 1 << 30;
/// Fine cells per side of a coarse cell (a power of two).
const BLOCK_SHIFT: usize = 3;
const BLOCK_SIDE: usize = 1 << BLOCK_SHIFT;

/// Index over a set of non-overlapping regions (counties, prefectures or provinces).
///
/// Regions keep the order they were given in; `locate` answers with that index.
///
/// # Performance
/// A lookup is one grid read for a point in a cell wholly inside one region or wholly outside all,
/// and a banded crossing test against the two or three candidate regions otherwise.
#[derive(Debug)]
pub struct RegionIndex {
    polys: Vec<PreparedPolygon>,
    tree: RTree<Envelope>,
    origin: (f64, f64),
    cell: f64,
    cols: usize,
    rows: usize,
    /// The grid in two levels, as it is read far more than built: one code per coarse cell of
    /// 8 x 8 fine cells where they all agree (most of a large county), else `BLOCK_BIT | b`.
    /// A fine code is 0: no region; `i + 1`: wholly inside region `i`; `LIST_BIT | k`: test
    /// the candidates of list k. The whole grid of fine cells would be some 17 MB for the
    /// counties, twice the processor's last-level cache, so that a lookup of a random point
    /// waited on main memory; the coarse grid is a few hundred KB and the blocks a few MB.
    coarse: Vec<u32>,
    coarse_cols: usize,
    blocks: Vec<u32>,
    list_offsets: Vec<u32>,
    list_items: Vec<u32>,
}

impl RegionIndex {
    /// Builds the index. `order` gives each region's rank for the tie-break on shared borders
    /// (the adcode: the lowest wins where two regions both claim a point).
    pub fn new(regions: &[&MultiPolygon<f64>], order: &[u32]) -> RegionIndex {
        RegionIndex::with_cell(regions, order, DEFAULT_CELL_DEG)
    }

    /// As [`RegionIndex::new`] with another grid cell size (degrees): larger cells use less
    /// memory (a few bytes per cell) and test more points exactly.
    pub fn with_cell(regions: &[&MultiPolygon<f64>], order: &[u32], cell: f64) -> RegionIndex {
        let polys: Vec<PreparedPolygon> =
            regions.iter().map(|mp| PreparedPolygon::new(mp)).collect();
        let tree = RTree::bulk_load(
            polys
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let b = p.bbox();
                    GeomWithData::new(
                        Rectangle::from_corners([b.min().x, b.min().y], [b.max().x, b.max().y]),
                        i,
                    )
                })
                .collect(),
        );
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for p in &polys {
            let b = p.bbox();
            x0 = x0.min(b.min().x);
            y0 = y0.min(b.min().y);
            x1 = x1.max(b.max().x);
            y1 = y1.max(b.max().y);
        }
        if polys.is_empty() {
            (x0, y0, x1, y1) = (0.0, 0.0, 0.0, 0.0);
        }
        let cell = if cell.is_finite() && cell > 0.0 {
            cell
        } else {
            DEFAULT_CELL_DEG
        };
        let cols = ((x1 - x0) / cell).ceil() as usize + 1;
        let rows = ((y1 - y0) / cell).ceil() as usize + 1;
        let mut index = RegionIndex {
            polys,
            tree,
            origin: (x0, y0),
            cell,
            cols,
            rows,
            coarse: Vec::new(),
            coarse_cols: 0,
            blocks: Vec::new(),
            list_offsets: vec![0],
            list_items: Vec::new(),
        };
        let mut cells = vec![0; cols * rows];
        index.fill_grid(order, &mut cells);
        index.pack(&cells);
        index
    }

    /// Packs the fine grid into coarse cells and blocks.
    fn pack(&mut self, cells: &[u32]) {
        let ccols = self.cols.div_ceil(BLOCK_SIDE);
        let crows = self.rows.div_ceil(BLOCK_SIDE);
        self.coarse_cols = ccols;
        self.coarse = Vec::with_capacity(ccols * crows);
        let mut block = [0u32; BLOCK_SIDE * BLOCK_SIDE];
        for cr in 0..crows {
            for cc in 0..ccols {
                for (k, b) in block.iter_mut().enumerate() {
                    let (r, c) = (
                        cr * BLOCK_SIDE + (k >> BLOCK_SHIFT),
                        cc * BLOCK_SIDE + (k & (BLOCK_SIDE - 1)),
                    );
                    *b = if r < self.rows && c < self.cols {
                        cells[r * self.cols + c]
                    } else {
                        0
                    };
                }
                if block.iter().all(|&b| b == block[0]) {
                    self.coarse.push(block[0]);
                } else {
                    let b = (self.blocks.len() / block.len()) as u32;
                    assert!(b < BLOCK_BIT, "grid too large for its codes");
                    self.blocks.extend_from_slice(&block);
                    self.coarse.push(BLOCK_BIT | b);
                }
            }
        }
    }

    /// Bytes held by the grid (coarse cells and blocks).
    pub fn grid_bytes(&self) -> usize {
        (self.coarse.len() + self.blocks.len()) * std::mem::size_of::<u32>()
    }

    fn cell_of(&self, x: f64, y: f64) -> (isize, isize) {
        (
            ((x - self.origin.0) / self.cell).floor() as isize,
            ((y - self.origin.1) / self.cell).floor() as isize,
        )
    }

    fn fill_grid(&mut self, order: &[u32], cells: &mut [u32]) {
        // (cell, region) pairs for cells that need an exact test.
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        let mut boundary = vec![false; cells.len()];
        let mut touched: Vec<usize> = Vec::new();
        let mut xs = Vec::new();
        for (i, poly) in self.polys.iter().enumerate() {
            // 1. Cells crossed by the region's border (conservatively: every cell an edge's box touches).
            for e in poly.edges() {
                let (cx0, cy0) = self.cell_of(e[0].min(e[2]), e[1].min(e[3]));
                let (cx1, cy1) = self.cell_of(e[0].max(e[2]), e[1].max(e[3]));
                for cy in cy0.max(0)..=cy1.min(self.rows as isize - 1) {
                    for cx in cx0.max(0)..=cx1.min(self.cols as isize - 1) {
                        let c = cy as usize * self.cols + cx as usize;
                        if !boundary[c] {
                            boundary[c] = true;
                            touched.push(c);
                            pairs.push((c as u32, i as u32));
                        }
                    }
                }
            }
            // 2. Cells no border crosses lie wholly on one side: a scanline through the cell
            //    centres tells which are inside.
            let b = poly.bbox();
            let (_, r0) = self.cell_of(b.min().x, b.min().y);
            let (_, r1) = self.cell_of(b.max().x, b.max().y);
            for r in r0.max(0)..=r1.min(self.rows as isize - 1) {
                let yc = self.origin.1 + (r as f64 + 0.5) * self.cell;
                poly.crossings(yc, &mut xs);
                xs.sort_by(f64::total_cmp);
                for span in xs.chunks_exact(2) {
                    let c0 = ((span[0] - self.origin.0) / self.cell - 0.5)
                        .ceil()
                        .max(0.0) as usize;
                    let c1 = ((span[1] - self.origin.0) / self.cell - 0.5).floor();
                    if c1 < 0.0 {
                        continue;
                    }
                    let c1 = (c1 as usize).min(self.cols - 1);
                    for col in c0..=c1 {
                        let c = r as usize * self.cols + col;
                        if boundary[c] {
                            pairs.push((c as u32, i as u32));
                        } else if cells[c] == 0 {
                            cells[c] = i as u32 + 1;
                        } else {
                            // Overlapping regions (bad data): make both candidates.
                            let other = cells[c] - 1;
                            pairs.push((c as u32, other));
                            pairs.push((c as u32, i as u32));
                            cells[c] = u32::MAX;
                        }
                    }
                }
            }
            for c in touched.drain(..) {
                boundary[c] = false;
            }
        }
        // A boundary cell may also lie wholly inside another region whose own border does not
        // reach it; that region was recorded in step 2. Build the candidate lists.
        pairs.sort_unstable_by_key(|&(c, i)| {
            (c, order.get(i as usize).copied().unwrap_or(u32::MAX), i)
        });
        pairs.dedup();
        // Neighbouring border cells mostly have the same candidates: each distinct list is
        // kept once, so the lists stay a small table the cache holds.
        let mut known: HashMap<Vec<u32>, u32> = HashMap::new();
        let mut list: Vec<u32> = Vec::new();
        let mut k = 0;
        while k < pairs.len() {
            let cell = pairs[k].0 as usize;
            let start = k;
            while k < pairs.len() && pairs[k].0 as usize == cell {
                k += 1;
            }
            list.clear();
            // Any region that filled this cell in step 2 before a border was found is a candidate too.
            let prior = cells[cell];
            if prior != 0 && prior != u32::MAX && prior & LIST_BIT == 0 {
                let r = prior - 1;
                if !pairs[start..k].iter().any(|&(_, i)| i == r) {
                    list.push(r);
                }
            }
            list.extend(pairs[start..k].iter().map(|&(_, i)| i));
            // By rank, so the tie-break is deterministic.
            list.sort_unstable_by_key(|&i| (order.get(i as usize).copied().unwrap_or(u32::MAX), i));
            let id = match known.get(&list) {
                Some(&id) => id,
                None => {
                    let id = self.list_offsets.len() as u32 - 1;
                    assert!(
                        id < BLOCK_BIT,
                        "too many candidate lists for the grid's codes"
                    );
                    self.list_items.extend_from_slice(&list);
                    self.list_offsets.push(self.list_items.len() as u32);
                    known.insert(list.clone(), id);
                    id
                }
            };
            cells[cell] = LIST_BIT | id;
        }
    }

    /// Number of regions.
    pub fn len(&self) -> usize {
        self.polys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.polys.is_empty()
    }

    /// The region containing the point (longitude, latitude), if any.
    ///
    /// On a border shared by two regions the point belongs to exactly one of them (see
    /// [`PreparedPolygon`]); should both claim it, the one of lowest rank wins.
    #[inline]
    pub fn locate(&self, x: f64, y: f64) -> Option<usize> {
        self.resolve(self.code_at(x, y), x, y)
    }

    /// [`RegionIndex::locate`] of each point, in order, into `out` (cleared first): the same
    /// answers, faster for many points. The grid's blocks and the band edges are larger than
    /// the cache, so a lookup is bound by cache misses (the block's cell, the band's start in
    /// the candidate's edges, the edges), each waiting for the one before, which one point after
    /// another pays in turn.
    /// Here the points go in chunks, and each step of that chain is one pass over the chunk
    /// of independent loads, so the processor waits for the misses of a whole chunk at once;
    /// the exact tests (on edges now cached) come last.
    pub fn locate_many(&self, points: &[(f64, f64)], out: &mut Vec<Option<usize>>) {
        const CHUNK: usize = 64;
        // Candidates warmed per point (a border cell rarely has more).
        const WARMED: usize = 4;
        out.clear();
        out.reserve(points.len());
        let mut codes = [0u32; CHUNK];
        let mut within = [0usize; CHUNK];
        let mut lists = [(0u32, 0u32); CHUNK];
        let mut cands = [(0u32, 0u8); CHUNK * WARMED];
        let mut bands: [&[[f64; 4]]; CHUNK * WARMED] = [&[]; CHUNK * WARMED];
        for chunk in points.chunks(CHUNK) {
            let n = chunk.len();
            for ((c, w), &(x, y)) in codes.iter_mut().zip(&mut within).zip(chunk) {
                (*c, *w) = self.coarse_at(x, y);
            }
            // The fine codes of points in mixed coarse cells...
            for (c, &w) in codes[..n].iter_mut().zip(&within) {
                *c = self.fine(*c, w);
            }
            // The candidate list of each point in a border cell...
            for (l, &c) in lists.iter_mut().zip(&codes[..n]) {
                *l = if c & LIST_BIT != 0 {
                    let k = (c & !LIST_BIT) as usize;
                    (self.list_offsets[k], self.list_offsets[k + 1])
                } else {
                    (0, 0)
                };
            }
            // ...its candidates...
            let mut m = 0;
            for (j, &(s, e)) in lists[..n].iter().enumerate() {
                let e = e.min(s + WARMED as u32);
                for &i in &self.list_items[s as usize..e as usize] {
                    cands[m] = (i, j as u8);
                    m += 1;
                }
            }
            // ...their bands of edges at the point's latitude...
            for (b, &(i, j)) in bands.iter_mut().zip(&cands[..m]) {
                let (x, y) = chunk[j as usize];
                *b = self.polys[i as usize].band(x, y);
            }
            // ...and the edges, read into the cache. What is read is folded into `warm` and
            // handed to `black_box` so that the loads are kept.
            let mut warm = 0u64;
            for b in &bands[..m] {
                // Two edges (64 bytes) per cache line.
                warm = b.iter().step_by(2).fold(warm, |a, e| a ^ e[1].to_bits());
            }
            std::hint::black_box(warm);
            for (&c, &(x, y)) in codes.iter().zip(chunk) {
                out.push(self.resolve(c, x, y));
            }
        }
    }

    /// The coarse code of the point's cell (0 outside the grid) and the point's place in its
    /// block, should the code be a block.
    #[inline]
    fn coarse_at(&self, x: f64, y: f64) -> (u32, usize) {
        // Truncation is the floor for the non-negative; NaN and the negative fail the test,
        // and infinities saturate past the grid's size.
        let fx = (x - self.origin.0) / self.cell;
        let fy = (y - self.origin.1) / self.cell;
        if !(fx >= 0.0 && fy >= 0.0) {
            return (0, 0);
        }
        let (cx, cy) = (fx as usize, fy as usize);
        if cx >= self.cols || cy >= self.rows {
            return (0, 0);
        }
        let code = self.coarse[(cy >> BLOCK_SHIFT) * self.coarse_cols + (cx >> BLOCK_SHIFT)];
        let within = ((cy & (BLOCK_SIDE - 1)) << BLOCK_SHIFT) | (cx & (BLOCK_SIDE - 1));
        (code, within)
    }

    /// The fine code of a cell from its coarse code and its place in the block.
    #[inline]
    fn fine(&self, code: u32, within: usize) -> u32 {
        if code & BLOCK_BIT != 0 && code & LIST_BIT == 0 {
            self.blocks[((code & !BLOCK_BIT) as usize) * BLOCK_SIDE * BLOCK_SIDE + within]
        } else {
            code
        }
    }

    /// The grid code of the point's cell (0 outside the grid).
    #[inline]
    fn code_at(&self, x: f64, y: f64) -> u32 {
        let (code, within) = self.coarse_at(x, y);
        self.fine(code, within)
    }

    /// The region of a point whose cell has `code`.
    #[inline]
    fn resolve(&self, code: u32, x: f64, y: f64) -> Option<usize> {
        if code == 0 {
            None
        } else if code & LIST_BIT == 0 {
            Some(code as usize - 1)
        } else {
            let k = (code & !LIST_BIT) as usize;
            let (s, e) = (
                self.list_offsets[k] as usize,
                self.list_offsets[k + 1] as usize,
            );
            self.list_items[s..e]
                .iter()
                .map(|&i| i as usize)
                .find(|&i| self.polys[i].contains(x, y))
        }
    }

    /// The region containing the point, by a plain R-tree query and exact tests; slower than
    /// [`RegionIndex::locate`] and kept as its reference in tests.
    pub fn locate_by_tree(&self, x: f64, y: f64, order: &[u32]) -> Option<usize> {
        let mut hits: Vec<usize> = self
            .tree
            .locate_all_at_point(&[x, y])
            .map(|g| g.data)
            .filter(|&i| self.polys[i].contains(x, y))
            .collect();
        hits.sort_by_key(|&i| (order.get(i).copied().unwrap_or(u32::MAX), i));
        hits.first().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{polygon, MultiPolygon};

    /// The packed grid answers as the exact test does on a lattice finer than its cells, over
    /// regions that leave whole coarse cells uniform, mixed ones, a hole and the partial blocks
    /// at the grid's far edge.
    #[test]
    fn packed_grid_agrees_with_the_exact_test() {
        let big = MultiPolygon(vec![polygon![
            (x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 0.7), (x: 0.0, y: 0.7)
        ]]);
        let slanted = MultiPolygon(vec![polygon![
            exterior: [(x: 1.0, y: 0.0), (x: 1.93, y: 0.0), (x: 1.5, y: 1.13), (x: 1.0, y: 0.7)],
            interiors: [[(x: 1.2, y: 0.1), (x: 1.4, y: 0.1), (x: 1.3, y: 0.3)]],
        ]]);
        let index = RegionIndex::new(&[&big, &slanted], &[1, 2]);
        assert!(index.grid_bytes() > 0);
        let n = 600;
        for i in 0..=n {
            for j in 0..=n {
                let (x, y) = (
                    -0.05 + 2.1 * i as f64 / n as f64,
                    -0.05 + 1.3 * j as f64 / n as f64,
                );
                assert_eq!(
                    index.locate(x, y),
                    index.locate_by_tree(x, y, &[1, 2]),
                    "at {x},{y}"
                );
            }
        }
        let points: Vec<(f64, f64)> = (0..1000)
            .map(|k| (0.002 * k as f64, 1.13 - 0.001 * k as f64))
            .chain([
                (f64::NAN, 0.5),
                (0.5, f64::NEG_INFINITY),
                (f64::INFINITY, 0.5),
            ])
            .collect();
        let mut many = Vec::new();
        index.locate_many(&points, &mut many);
        for (&(x, y), got) in points.iter().zip(&many) {
            assert_eq!(*got, index.locate(x, y), "at {x},{y}");
        }
    }
}
