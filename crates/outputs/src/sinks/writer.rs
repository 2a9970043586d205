use std::io::Write;

use crate::alert::{Alert, Format};
use crate::error::SinkError;
use crate::AlertSink;

/// Alerts as lines on any writer: `stdout` uses `std::io::stdout()`; tests pass a `Vec<u8>`.
pub struct WriterSink<W: Write + Send> {
    name: String,
    out: W,
    format: Format,
    line: Vec<u8>,
}

impl<W: Write + Send> WriterSink<W> {
    pub fn new(name: impl Into<String>, out: W, format: Format) -> WriterSink<W> {
        WriterSink {
            name: name.into(),
            out,
            format,
            line: Vec::with_capacity(512),
        }
    }
    pub fn get_ref(&self) -> &W {
        &self.out
    }
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write + Send> AlertSink for WriterSink<W> {
    fn name(&self) -> &str {
        &self.name
    }
    fn send(&mut self, alert: &Alert) -> Result<(), SinkError> {
        // One write per alert, so lines from other writers of the same stream do not interleave within it.
        self.line.clear();
        self.line.extend_from_slice(alert.line(self.format).as_bytes());
        self.line.push(b'\n');
        self.out.write_all(&self.line).map_err(|e| SinkError::io(&self.name, e))
    }
    fn flush(&mut self) -> Result<(), SinkError> {
        self.out.flush().map_err(|e| SinkError::io(&self.name, e))
    }
}
