//! Where events come from: the live probe, a capture file, a test's records.

use std::time::Duration;

/// Counts a source keeps; drops are never silent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counters {
    /// Records the kernel programs started to build.
    pub seen: u64,
    /// Records written to the ring buffer.
    pub sent: u64,
    /// Lost because the ring buffer was full.
    pub drop_full: u64,
    /// Lost because a record exceeded the size cap.
    pub drop_size: u64,
    /// Lost because a kernel read failed.
    pub drop_read: u64,
    /// Syscall exits whose entry-time arguments were missing (read at exit instead).
    pub stash_miss: u64,
    /// Records delivered to the consumer.
    pub received: u64,
    /// Records the consumer could not decode.
    pub bad: u64,
}

impl Counters {
    pub fn drops(&self) -> u64 {
        self.drop_full + self.drop_size + self.drop_read + self.bad
    }
}

/// Errors a source reports.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Other(String),
}

/// What the consumer says after each record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stop,
}

/// A stream of raw records. `next_batch` hands each record that arrived within `timeout` to
/// `f` (bytes valid only during the call) and returns how many it handed over; 0 on a timeout.
/// A finite source (a file) returns `Ok(None)` at its end.
pub trait CaptureSource {
    fn next_batch(&mut self, timeout: Duration, f: &mut dyn FnMut(&[u8]) -> Flow)
        -> Result<Option<usize>, SourceError>;
    fn counters(&self) -> Counters;

    /// Stops producing new records; what was produced stays readable. After this a drain
    /// (a `next_batch` with no wait until it returns 0) makes the counters exact. The live
    /// probe detaches its programs here; a file has nothing to stop.
    fn stop(&mut self) {}
}

/// Records from memory, in order: for tests and benchmarks.
#[derive(Debug, Default)]
pub struct VecSource {
    records: Vec<Vec<u8>>,
    next: usize,
    counters: Counters,
}

impl VecSource {
    pub fn new(records: Vec<Vec<u8>>) -> VecSource {
        VecSource {
            records,
            next: 0,
            counters: Counters::default(),
        }
    }
}

impl CaptureSource for VecSource {
    fn next_batch(
        &mut self,
        _timeout: Duration,
        f: &mut dyn FnMut(&[u8]) -> Flow,
    ) -> Result<Option<usize>, SourceError> {
        if self.next >= self.records.len() {
            return Ok(None);
        }
        let mut n = 0;
        while let Some(r) = self.records.get(self.next) {
            self.next += 1;
            n += 1;
            self.counters.received += 1;
            if f(r) == Flow::Stop {
                break;
            }
        }
        Ok(Some(n))
    }

    fn counters(&self) -> Counters {
        self.counters
    }
}
