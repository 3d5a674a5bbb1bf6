//! The file's line of each record the csv crate reads: the crate's own line count leaves out
//! the blank lines it skips, and a bad row must name the line an editor will find it on.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::Read;
use std::rc::Rc;

/// Line feeds seen by the csv crate's reader, so that a record's line is the file's: the
/// crate's own line count leaves out the blank lines it skips.
pub(super) struct Newlines<R> {
    inner: R,
    log: Rc<RefCell<NewlineLog>>,
}

#[derive(Default)]
pub(super) struct NewlineLog {
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
    pub(super) fn new(inner: R) -> (Newlines<R>, Rc<RefCell<NewlineLog>>) {
        let log = Rc::new(RefCell::new(NewlineLog::default()));
        (
            Newlines {
                inner,
                log: log.clone(),
            },
            log,
        )
    }
}

impl<R: Read> Read for Newlines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut log = self.log.borrow_mut();
        let base = log.read;
        let mut before = log.last;
        for i in memchr::memchr_iter(b'\n', &buf[..n]) {
            let cr = if i > 0 { buf[i - 1] } else { before } == b'\r';
            log.ahead.push_back((base + i as u64, cr));
        }
        if n > 0 {
            before = buf[n - 1];
        }
        log.last = before;
        log.read += n as u64;
        Ok(n)
    }
}

impl NewlineLog {
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
