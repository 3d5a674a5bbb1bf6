//! The file's line of each record the csv crate reads: the crate's own line count leaves out
//! the blank lines it skips, and a bad row must name the line an editor will find it on.

use std::collections::VecDeque;
use std::io::Read;

/// A reader that notes the line feeds it passes to the csv crate's reader (which hands it
/// back through `csv::Reader::get_mut`), so that a record's line is the file's.
pub(super) struct Newlines<R> {
    inner: R,
    /// Offsets of the line feeds read and not yet passed by a record, and whether a carriage
    /// return came just before.
    ahead: VecDeque<(u64, bool)>,
    /// The last byte read.
    last: u8,
    /// Bytes read.
    read: u64,
    /// Line feeds passed.
    passed: u64,
}

impl<R> Newlines<R> {
    pub(super) fn new(inner: R) -> Newlines<R> {
        Newlines {
            inner,
            ahead: VecDeque::new(),
            last: 0,
            read: 0,
            passed: 0,
        }
    }

    /// The line (from 1) of the record the csv crate places at `offset`: its position is
    /// where the crate began to read it, before the blank lines it skipped, so those are
    /// passed too. Offsets asked for never decrease.
    pub(super) fn line_at(&mut self, offset: u64) -> u64 {
        while self.ahead.front().is_some_and(|&(o, _)| o < offset) {
            self.ahead.pop_front();
            self.passed += 1;
        }
        let mut at = offset;
        while let Some(&(o, cr)) = self.ahead.front() {
            if o == at || (cr && o == at + 1) {
                self.ahead.pop_front();
                self.passed += 1;
                at = o + 1;
            } else {
                break;
            }
        }
        self.passed + 1
    }
}

impl<R: Read> Read for Newlines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for i in memchr::memchr_iter(b'\n', &buf[..n]) {
            let cr = if i > 0 { buf[i - 1] } else { self.last } == b'\r';
            self.ahead.push_back((self.read + i as u64, cr));
        }
        if n > 0 {
            self.last = buf[n - 1];
        }
        self.read += n as u64;
        Ok(n)
    }
}
