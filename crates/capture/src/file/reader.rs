//! Reads a capture file record by record, every length checked against a cap first.

use super::{
    CaptureError, CaptureHeader, CaptureTrailer, COMPRESSION_ZSTD, FORMAT_VERSION, HEADER_MAX, MAGIC, PREAMBLE_SIZE,
    TRAILER_MARK, TRAILER_MAX, WINDOW_LOG_MAX,
};
use crate::abi::{ABI_VERSION, RECORD_MAX};
use crate::source::{CaptureSource, Counters, Flow, SourceError};
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

type Body = zstd::stream::read::Decoder<'static, BufReader<File>>;

/// Records handed over per [`CaptureSource::next_batch`] call.
const BATCH: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Records,
    Done,
    Failed,
}

/// Reads a capture file written by [`super::CaptureWriter`]. The header is read by
/// [`CaptureReader::open`]; records follow with [`CaptureReader::next_record`]; the trailer is
/// available once the last record was read.
pub struct CaptureReader {
    path: PathBuf,
    header: CaptureHeader,
    format_version: u16,
    body: Body,
    /// One record, reused: `buf[..len]` is the current one.
    buf: Box<[u8]>,
    len: usize,
    records: u64,
    /// Offset in the uncompressed body.
    offset: u64,
    trailer: Option<CaptureTrailer>,
    state: State,
    /// An error found after a batch already delivered records; reported on the next call.
    pending: Option<CaptureError>,
}

impl std::fmt::Debug for CaptureReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureReader")
            .field("path", &self.path)
            .field("format_version", &self.format_version)
            .field("records", &self.records)
            .field("offset", &self.offset)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl CaptureReader {
    /// Opens `path`, checks the preamble (magic, format version, record ABI, compression) and
    /// reads the header.
    pub fn open(path: impl AsRef<Path>) -> Result<CaptureReader, CaptureError> {
        let path = path.as_ref().to_path_buf();
        let io_err = |source| CaptureError::Io {
            path: path.clone(),
            source,
        };
        let mut file = File::open(&path).map_err(io_err)?;
        let mut pre = [0u8; PREAMBLE_SIZE];
        let got = read_full(&mut file, &mut pre).map_err(io_err)?;
        let (magic, rest) = pre.split_at(8);
        if magic.get(..got.min(8)) != MAGIC.get(..got.min(8)) {
            let mut found = [0u8; 8];
            found.copy_from_slice(magic);
            return Err(CaptureError::Magic { path, found });
        }
        if got < PREAMBLE_SIZE {
            return Err(CaptureError::Short { path, len: got });
        }
        let u16_at = |i: usize| u16::from_le_bytes([rest[i], rest[i + 1]]);
        let (version, abi, compression) = (u16_at(0), u16_at(2), u16_at(4));
        if version == 0 || version > FORMAT_VERSION {
            return Err(CaptureError::Version {
                path,
                found: version,
                supported: FORMAT_VERSION,
            });
        }
        if abi != ABI_VERSION {
            return Err(CaptureError::Abi {
                path,
                found: abi,
                supported: ABI_VERSION,
            });
        }
        if compression != COMPRESSION_ZSTD {
            return Err(CaptureError::Compression {
                path,
                found: compression,
            });
        }
        let mut body = Body::with_buffer(BufReader::with_capacity(128 << 10, file)).map_err(io_err)?;
        body.window_log_max(WINDOW_LOG_MAX).map_err(io_err)?;
        let mut r = CaptureReader {
            path,
            header: CaptureHeader::default(),
            format_version: version,
            body,
            buf: vec![0u8; RECORD_MAX].into_boxed_slice(),
            len: 0,
            records: 0,
            offset: 0,
            trailer: None,
            state: State::Records,
            pending: None,
        };
        let len = r.read_word()?;
        if len as usize > HEADER_MAX {
            return Err(CaptureError::HeaderTooLarge {
                path: r.path,
                len: len.into(),
                max: HEADER_MAX,
            });
        }
        let json = r.read_blob(len)?;
        r.header = serde_json::from_slice(&json).map_err(|source| CaptureError::Header {
            path: r.path.clone(),
            source,
        })?;
        Ok(r)
    }

    /// The header written at the start.
    pub fn header(&self) -> &CaptureHeader {
        &self.header
    }

    /// The trailer, once the last record was read; `None` before, or if the file has none.
    pub fn trailer(&self) -> Option<&CaptureTrailer> {
        self.trailer.as_ref()
    }

    /// The layout version of the file.
    pub fn format_version(&self) -> u16 {
        self.format_version
    }

    /// Records read so far.
    pub fn records_read(&self) -> u64 {
        self.records
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The next record, `Ok(None)` after the trailer. An error (a truncated or corrupt file)
    /// ends the stream: later calls return `Ok(None)`; the records before it were good.
    pub fn next_record(&mut self) -> Result<Option<&[u8]>, CaptureError> {
        if self.state != State::Records {
            return Ok(None);
        }
        match self.advance() {
            Ok(true) => Ok(self.buf.get(..self.len)),
            Ok(false) => {
                self.state = State::Done;
                Ok(None)
            }
            Err(e) => {
                self.state = State::Failed;
                Err(e)
            }
        }
    }

    /// Reads one frame: `true` with a record in `buf[..len]`, `false` after the trailer.
    fn advance(&mut self) -> Result<bool, CaptureError> {
        let at = self.offset;
        let len = self.read_word()?;
        if len == TRAILER_MARK {
            self.read_trailer()?;
            return Ok(false);
        }
        if len == 0 {
            return Err(CaptureError::EmptyFrame {
                path: self.path.clone(),
                record: self.records,
                offset: at,
            });
        }
        let n = len as usize;
        let Some(dst) = self.buf.get_mut(..n) else {
            return Err(CaptureError::FrameTooLong {
                path: self.path.clone(),
                record: self.records,
                offset: at,
                len,
                max: RECORD_MAX,
            });
        };
        let got = read_full(&mut self.body, dst);
        self.check(got, n)?;
        self.len = n;
        self.records += 1;
        Ok(true)
    }

    fn read_trailer(&mut self) -> Result<(), CaptureError> {
        let at = self.offset;
        let len = self.read_word()?;
        if len as usize > TRAILER_MAX {
            return Err(CaptureError::TrailerTooLarge {
                path: self.path.clone(),
                offset: at,
                len: len.into(),
                max: TRAILER_MAX,
            });
        }
        let json = self.read_blob(len)?;
        let t: CaptureTrailer = serde_json::from_slice(&json).map_err(|source| CaptureError::Trailer {
            path: self.path.clone(),
            offset: at,
            source,
        })?;
        if t.records != self.records {
            return Err(CaptureError::Count {
                path: self.path.clone(),
                said: t.records,
                found: self.records,
            });
        }
        // Reading to the end also makes zstd verify the frame's checksum.
        let mut one = [0u8; 1];
        match self.body.read(&mut one) {
            Ok(0) => {}
            Ok(_) => {
                return Err(CaptureError::TrailingData {
                    path: self.path.clone(),
                    offset: self.offset,
                })
            }
            Err(e) => return Err(self.body_error(e)),
        }
        self.trailer = Some(t);
        Ok(())
    }

    /// A u32 LE length word.
    fn read_word(&mut self) -> Result<u32, CaptureError> {
        let mut w = [0u8; 4];
        let got = read_full(&mut self.body, &mut w);
        self.check(got, 4)?;
        Ok(u32::from_le_bytes(w))
    }

    /// `len` bytes (already checked against a cap); the buffer grows only as data arrives, so
    /// a lying length in a short file allocates no more than the file holds.
    fn read_blob(&mut self, len: u32) -> Result<Vec<u8>, CaptureError> {
        let mut v = Vec::new();
        let got = (&mut self.body).take(len.into()).read_to_end(&mut v);
        self.check(got, len as usize)?;
        Ok(v)
    }

    /// Advances the offset by what was read; a short read is truncation, an I/O or zstd error
    /// is corruption (an incomplete zstd frame is truncation too).
    fn check(&mut self, got: io::Result<usize>, want: usize) -> Result<(), CaptureError> {
        match got {
            Ok(n) => {
                self.offset += n as u64;
                if n == want {
                    Ok(())
                } else {
                    Err(self.truncated())
                }
            }
            Err(e) => Err(self.body_error(e)),
        }
    }

    fn truncated(&self) -> CaptureError {
        CaptureError::Truncated {
            path: self.path.clone(),
            record: self.records,
            offset: self.offset,
        }
    }

    fn body_error(&self, e: io::Error) -> CaptureError {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            return self.truncated();
        }
        CaptureError::Body {
            path: self.path.clone(),
            record: self.records,
            offset: self.offset,
            source: e,
        }
    }
}

/// Reads until `dst` is full or the input ends; returns the bytes read.
fn read_full(r: &mut impl Read, dst: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while let Some(rest) = dst.get_mut(n..).filter(|r| !r.is_empty()) {
        match r.read(rest) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// A capture file replays through the same pipeline as the live probe. The timeout is
/// irrelevant: records are always ready. A truncated or corrupt file delivers the records
/// before the damage, then reports it as an error.
impl CaptureSource for CaptureReader {
    fn next_batch(
        &mut self,
        _timeout: Duration,
        f: &mut dyn FnMut(&[u8]) -> Flow,
    ) -> Result<Option<usize>, SourceError> {
        if let Some(e) = self.pending.take() {
            return Err(SourceError::Other(e.to_string()));
        }
        let mut n = 0;
        while n < BATCH {
            match self.next_record() {
                Ok(Some(rec)) => {
                    n += 1;
                    if f(rec) == Flow::Stop {
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) if n == 0 => return Err(SourceError::Other(e.to_string())),
                Err(e) => {
                    self.pending = Some(e);
                    break;
                }
            }
        }
        if n == 0 && self.state != State::Records {
            return Ok(None);
        }
        Ok(Some(n))
    }

    /// `received` counts records read from the file; the other counters are the capture's own,
    /// from the trailer, once it was read (zero before).
    fn counters(&self) -> Counters {
        let mut c = self.trailer.as_ref().map(|t| t.counters).unwrap_or_default();
        c.received = self.records;
        c
    }
}
