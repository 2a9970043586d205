//! Progress of reading an image, for a progress bar. Called from several threads.

/// Receives progress while layers are read.
pub trait Progress: Send + Sync {
    /// Reading starts: this many layers, this many stored bytes in all.
    fn start(&self, layers: usize, total_bytes: u64);
    /// This many more stored bytes were read.
    fn advance(&self, bytes: u64);
    /// One more layer is done.
    fn layer_done(&self);
}

pub(crate) struct NoProgress;

impl Progress for NoProgress {
    fn start(&self, _: usize, _: u64) {}
    fn advance(&self, _: u64) {}
    fn layer_done(&self) {}
}
