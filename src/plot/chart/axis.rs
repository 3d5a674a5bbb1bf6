//! Value axes: tick choice, linear and log mapping, and the bar charts' axis under the bars.

use plotters::prelude::DrawingBackend;

use super::super::canvas::{Align, Canvas};
use super::super::colour::{AXIS, GRID, INK, MUTED};
use super::super::text::num;
use super::super::PlotError;

/// Ticks of a linear axis from 0 covering `max` with at most `target` steps of 1, 2, 2.5 or 5
/// times a power of ten: (ticks, axis maximum).
pub(super) fn linear_ticks(max: f64, target: usize) -> (Vec<f64>, f64) {
    let max = if max > 0.0 { max } else { 1.0 };
    let mut p = 10f64.powf((max / (10.0 * target as f64)).log10().floor());
    loop {
        for m in [1.0, 2.0, 2.5, 5.0] {
            let step = m * p;
            let n = (max / step - 1e-9).ceil().max(1.0) as usize;
            if n <= target {
                return ((0..=n).map(|i| i as f64 * step).collect(), n as f64 * step);
            }
        }
        p *= 10.0;
    }
}

/// A value axis mapped onto pixels `p0` (low end) to `p1` (high end): logarithmic when the
/// positive values span more than a factor of 30, with a band at the low end for zeros.
#[derive(Debug, Clone, Copy)]
pub(super) struct Axis {
    pub log: bool,
    lo: f64,
    hi: f64,
    pub p0: f64,
    p1: f64,
    /// Pixels reserved at the low end for zero values on a log axis.
    pub zero_band: f64,
}

impl Axis {
    pub fn new(values: &[f64], p0: f64, p1: f64, u: f64) -> Axis {
        let pos: Vec<f64> = values.iter().copied().filter(|v| *v > 0.0).collect();
        let (min, max) = pos
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(a, b), &v| (a.min(v), b.max(v)));
        let log = !pos.is_empty() && max / min > 30.0;
        if log {
            let zeros = values.iter().any(|v| *v <= 0.0);
            Axis {
                log,
                lo: 10f64.powf(min.log10().floor()),
                hi: 10f64
                    .powf(max.log10().ceil())
                    .max(10f64.powf(min.log10().floor() + 1.0)),
                p0,
                p1,
                zero_band: if zeros { 64.0 * u } else { 0.0 },
            }
        } else {
            let (_, hi) = linear_ticks(max * 1.05, 7);
            Axis {
                log,
                lo: 0.0,
                hi,
                p0,
                p1,
                zero_band: 0.0,
            }
        }
    }

    fn dir(&self) -> f64 {
        (self.p1 - self.p0).signum()
    }

    pub fn map(&self, v: f64) -> f64 {
        if self.log {
            if v <= 0.0 {
                return self.p0 + self.dir() * self.zero_band / 2.0;
            }
            let start = self.p0 + self.dir() * self.zero_band;
            let f = (v.log10() - self.lo.log10()) / (self.hi.log10() - self.lo.log10());
            start + f * (self.p1 - start)
        } else {
            self.p0 + (v - self.lo) / (self.hi - self.lo) * (self.p1 - self.p0)
        }
    }

    /// Tick values with their labels.
    pub fn ticks(&self) -> Vec<(f64, String)> {
        if self.log {
            let mut v = Vec::new();
            if self.zero_band > 0.0 {
                v.push((0.0, "0".to_string()));
            }
            let mut x = self.lo;
            while x <= self.hi * 1.0001 {
                v.push((x, num(x)));
                x *= 10.0;
            }
            v
        } else {
            linear_ticks(self.hi, 7)
                .0
                .into_iter()
                .map(|x| (x, num(x)))
                .collect()
        }
    }
}

/// The linear value axis of a horizontal bar chart, from 0 at `x0` to the top tick at `x1`.
#[derive(Debug, Clone)]
pub(super) struct BarAxis {
    pub x0: f64,
    pub x1: f64,
    ticks: Vec<f64>,
    hi: f64,
}

impl BarAxis {
    /// An axis covering `max` (at most 7 steps).
    pub fn new(max: f64, x0: f64, x1: f64) -> BarAxis {
        let (ticks, hi) = linear_ticks(max, 7);
        BarAxis { x0, x1, ticks, hi }
    }

    /// The pixel of value `v` (0 or more).
    pub fn x(&self, v: f64) -> f64 {
        self.x0 + v / self.hi * (self.x1 - self.x0)
    }

    /// Grid lines from `top` down to the axis at `bottom`, tick labels and `label` below it.
    pub fn draw<DB: DrawingBackend>(
        &self,
        c: &Canvas<'_, DB>,
        top: f64,
        bottom: f64,
        label: &str,
    ) -> Result<(), PlotError> {
        let u = c.u;
        for &tk in &self.ticks {
            let x = self.x(tk);
            c.line((x, top), (x, bottom), GRID, 1.0)?;
            c.text(
                &num(tk),
                (x, bottom + 20.0 * u),
                14.0 * u,
                MUTED,
                Align::Center,
                false,
            )?;
        }
        c.line((self.x0, bottom), (self.x1, bottom), AXIS, 1.0)?;
        c.text(
            label,
            ((self.x0 + self.x1) / 2.0, bottom + 46.0 * u),
            15.0 * u,
            INK,
            Align::Center,
            false,
        )
    }
}

/// Rows of a horizontal bar chart between `top` and the value axis.
#[derive(Debug, Clone, Copy)]
pub(super) struct BarRows {
    pub top: f64,
    /// Where the bars end and the value axis is drawn.
    pub bottom: f64,
    pub row_h: f64,
    /// Text size of the row labels.
    pub size: f64,
}

impl BarRows {
    /// `n` rows from `top` to `bottom` less the axis; labels at most 16 units tall and `fill`
    /// of a row.
    pub fn new(top: f64, bottom: f64, n: usize, fill: f64, u: f64) -> BarRows {
        let axis_h = 58.0 * u;
        let plot_bottom = bottom - axis_h;
        let row_h = (plot_bottom - top) / n as f64;
        BarRows {
            top,
            bottom: plot_bottom,
            row_h,
            size: (16.0 * u).min(row_h * fill),
        }
    }

    /// Vertical centre of row `k`.
    pub fn centre(&self, k: usize) -> f64 {
        self.top + (k as f64 + 0.5) * self.row_h
    }

    /// Baseline of the labels of a row centred at `yc`.
    pub fn baseline(&self, yc: f64) -> f64 {
        yc + self.size * 0.36
    }
}

#[cfg(test)]
mod tests {
    use super::linear_ticks;

    #[test]
    fn ticks_fit_the_data() {
        assert_eq!(linear_ticks(62_100.0, 7).1, 70_000.0);
        assert_eq!(linear_ticks(135.0, 7).1, 140.0);
        assert_eq!(linear_ticks(1.0, 7).0.len(), 6);
    }
}
