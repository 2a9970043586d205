use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

use crate::alert::{Alert, Format};
use crate::error::SinkError;
use crate::AlertSink;

/// Appends alerts to a file, one per line. Before each write the path is checked (one `stat`): when the file
/// was renamed or deleted (logrotate) or replaced by another, it is reopened, creating it if needed.
pub struct FileSink {
    name: String,
    path: PathBuf,
    format: Format,
    file: Option<(File, u64, u64)>,
    line: Vec<u8>,
    reopens: u64,
}

impl FileSink {
    pub fn new(name: impl Into<String>, path: PathBuf, format: Format) -> FileSink {
        FileSink {
            name: name.into(),
            path,
            format,
            file: None,
            line: Vec::with_capacity(512),
            reopens: 0,
        }
    }

    fn file(&mut self) -> std::io::Result<&mut File> {
        let current = match (&self.file, std::fs::metadata(&self.path)) {
            (Some((_, dev, ino)), Ok(m)) => m.dev() == *dev && m.ino() == *ino,
            _ => false,
        };
        if !current {
            if self.file.is_some() {
                self.reopens += 1;
            }
            self.file = None;
            let f = OpenOptions::new().append(true).create(true).open(&self.path)?;
            let m = f.metadata()?;
            self.file = Some((f, m.dev(), m.ino()));
        }
        match &mut self.file {
            Some((f, _, _)) => Ok(f),
            None => Err(std::io::Error::other("file not open")),
        }
    }
}

impl AlertSink for FileSink {
    fn name(&self) -> &str {
        &self.name
    }
    fn send(&mut self, alert: &Alert) -> Result<(), SinkError> {
        self.line.clear();
        self.line.extend_from_slice(alert.line(self.format).as_bytes());
        self.line.push(b'\n');
        let line = std::mem::take(&mut self.line);
        let r = self.file().and_then(|f| f.write_all(&line));
        self.line = line;
        r.map_err(|e| {
            self.file = None;
            SinkError::io(&self.name, e)
        })
    }
    fn retries(&self) -> u64 {
        self.reopens
    }
}
