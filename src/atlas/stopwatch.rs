//! Seconds per build stage, for `check` and the benchmarks.

use std::time::Instant;

/// Seconds per build stage, reported by `check` and the benchmarks.
pub(super) struct Stopwatch {
    start: Instant,
    pub(super) laps: Vec<(&'static str, f64)>,
}

impl Stopwatch {
    pub(super) fn new() -> Stopwatch {
        Stopwatch {
            start: Instant::now(),
            laps: Vec::new(),
        }
    }

    pub(super) fn lap(&mut self, stage: &'static str) {
        self.laps.push((stage, self.start.elapsed().as_secs_f64()));
        self.start = Instant::now();
    }
}
