//! Writes a capture file to a temporary name and renames it into place when finished.

use super::{
    CaptureError, CaptureHeader, CaptureTrailer, COMPRESSION_ZSTD, DEFAULT_LEVEL, FORMAT_VERSION, HEADER_MAX, MAGIC,
    TRAILER_MARK,
};
use crate::abi::{ABI_VERSION, RECORD_MAX};
use crate::source::Counters;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

type Body = BufWriter<zstd::stream::write::Encoder<'static, File>>;

/// Buffer in front of the compressor: records are copied here, the compressor sees large writes.
const BUF_SIZE: usize = 256 << 10;

/// Distinguishes temporary files of writers in one process.
static TMP_SEQ: AtomicU32 = AtomicU32::new(0);

/// Writes records to a capture file. Nothing appears under the final name until
/// [`CaptureWriter::finish`]; dropping the writer unfinished deletes the temporary file.
pub struct CaptureWriter {
    path: PathBuf,
    tmp: PathBuf,
    body: Option<Body>,
    records: u64,
}

impl std::fmt::Debug for CaptureWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureWriter")
            .field("path", &self.path)
            .field("tmp", &self.tmp)
            .field("records", &self.records)
            .finish_non_exhaustive()
    }
}

impl CaptureWriter {
    /// Starts a capture file that will be named `path`, at the default zstd level.
    pub fn create(path: impl AsRef<Path>, header: &CaptureHeader) -> Result<CaptureWriter, CaptureError> {
        CaptureWriter::with_level(path, header, DEFAULT_LEVEL)
    }

    /// As [`CaptureWriter::create`] at zstd `level` (1..=19; 1 is fastest).
    pub fn with_level(
        path: impl AsRef<Path>,
        header: &CaptureHeader,
        level: i32,
    ) -> Result<CaptureWriter, CaptureError> {
        let path = path.as_ref().to_path_buf();
        if !(1..=19).contains(&level) {
            return Err(CaptureError::Level { path, level });
        }
        let json = serde_json::to_vec(header).map_err(|source| CaptureError::Header {
            path: path.clone(),
            source,
        })?;
        if json.len() > HEADER_MAX {
            return Err(CaptureError::HeaderTooLarge {
                path,
                len: json.len() as u64,
                max: HEADER_MAX,
            });
        }
        let tmp = temp_path(&path);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .map_err(|source| CaptureError::Io {
                path: tmp.clone(),
                source,
            })?;
        // From here on, Drop removes the temporary file if anything fails.
        let mut w = CaptureWriter {
            path,
            tmp,
            body: None,
            records: 0,
        };
        w.start(file, level, &json).map_err(|e| w.io(e))?;
        Ok(w)
    }

    fn start(&mut self, mut file: File, level: i32, header_json: &[u8]) -> io::Result<()> {
        let mut pre = [0u8; super::PREAMBLE_SIZE];
        pre[..8].copy_from_slice(&MAGIC);
        pre[8..10].copy_from_slice(&FORMAT_VERSION.to_le_bytes());
        pre[10..12].copy_from_slice(&ABI_VERSION.to_le_bytes());
        pre[12..14].copy_from_slice(&COMPRESSION_ZSTD.to_le_bytes());
        file.write_all(&pre)?;
        let mut enc = zstd::stream::write::Encoder::new(file, level)?;
        enc.include_checksum(true)?;
        let mut body = BufWriter::with_capacity(BUF_SIZE, enc);
        // HEADER_MAX < u32::MAX, checked by the caller.
        body.write_all(&(header_json.len() as u32).to_le_bytes())?;
        body.write_all(header_json)?;
        self.body = Some(body);
        Ok(())
    }

    /// Appends one raw record (as the probe delivered it). Refuses an empty record or one over
    /// [`RECORD_MAX`]; the file stays valid either way.
    pub fn write_record(&mut self, rec: &[u8]) -> Result<(), CaptureError> {
        if rec.is_empty() || rec.len() > RECORD_MAX {
            return Err(CaptureError::RecordLength {
                path: self.path.clone(),
                record: self.records,
                len: rec.len(),
                max: RECORD_MAX,
            });
        }
        let body = self.body_mut()?;
        // rec.len() <= RECORD_MAX, so it fits a u32.
        let r = body
            .write_all(&(rec.len() as u32).to_le_bytes())
            .and_then(|()| body.write_all(rec));
        r.map_err(|e| self.io(e))?;
        self.records += 1;
        Ok(())
    }

    /// Pushes everything written so far through the compressor to the temporary file, so a
    /// crash after this loses nothing before it (the reader reports the rest as truncated).
    /// Costs a little compression ratio; call it every second or so, not per record.
    pub fn flush(&mut self) -> Result<(), CaptureError> {
        let body = self.body_mut()?;
        let r = body.flush();
        r.map_err(|e| self.io(e))
    }

    /// Records written so far.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The final name of the file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The temporary file being written (hidden, beside [`CaptureWriter::path`]).
    pub fn temp_path(&self) -> &Path {
        &self.tmp
    }

    /// Writes the trailer (the record count, the source's `counters`, the end time), syncs the
    /// file and renames it to its final name. Returns the trailer written.
    pub fn finish(self, counters: Counters, end_wall_ns: u64) -> Result<CaptureTrailer, CaptureError> {
        self.finish_with(counters, end_wall_ns, serde_json::Value::Null)
    }

    /// [`finish`](Self::finish), with state learned during the capture for the trailer.
    pub fn finish_with(
        mut self,
        counters: Counters,
        end_wall_ns: u64,
        state_end: serde_json::Value,
    ) -> Result<CaptureTrailer, CaptureError> {
        let trailer = CaptureTrailer {
            records: self.records,
            counters,
            end_wall_ns,
            state_end,
        };
        let Some(body) = self.body.take() else {
            return Err(self.io(io::Error::other("writer already failed")));
        };
        let r = finish_body(body, &trailer)
            .and_then(|()| fs::rename(&self.tmp, &self.path))
            .map_err(|e| self.io(e));
        if r.is_ok() {
            sync_dir(&self.path);
        }
        r.map(|()| trailer)
    }

    fn body_mut(&mut self) -> Result<&mut Body, CaptureError> {
        match self.body {
            Some(ref mut b) => Ok(b),
            None => Err(CaptureError::Io {
                path: self.tmp.clone(),
                source: io::Error::other("writer already failed"),
            }),
        }
    }

    fn io(&self, source: io::Error) -> CaptureError {
        CaptureError::Io {
            path: self.tmp.clone(),
            source,
        }
    }
}

fn finish_body(mut body: Body, trailer: &CaptureTrailer) -> io::Result<()> {
    let json = serde_json::to_vec(trailer).map_err(io::Error::other)?;
    body.write_all(&TRAILER_MARK.to_le_bytes())?;
    // A trailer is a few hundred bytes.
    body.write_all(&(json.len() as u32).to_le_bytes())?;
    body.write_all(&json)?;
    let enc = body.into_inner().map_err(|e| e.into_error())?;
    let file = enc.finish()?;
    file.sync_all()
}

/// Best effort: makes the rename durable. A failure here leaves a complete file that may not
/// survive a power loss, which is not worth failing the capture for.
fn sync_dir(path: &Path) {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// `.NAME.PID-SEQ.tmp` beside `path`.
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let seq = TMP_SEQ.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.{}-{seq}.tmp", std::process::id()))
}

impl Drop for CaptureWriter {
    fn drop(&mut self) {
        // Unfinished: close the encoder's file handle, then delete the partial file. After a
        // successful finish the temporary name no longer exists and the removal is a no-op.
        drop(self.body.take());
        let _ = fs::remove_file(&self.tmp);
    }
}
