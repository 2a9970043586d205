//! Every resource cap of the crate, and the readers that enforce them.
//!
//! Advisory feeds are hostile input: a zip bomb, an endless JSON line or a server that never stops
//! sending must hit a cap with a clear error, never exhaust memory or disk.

use std::io::{self, BufRead, Read};

/// Caps on what an import or an update reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest single record: a zip entry, a file of a directory, a JSON line. Larger ones are
    /// skipped (and listed) without being read into memory.
    pub max_record_bytes: u64,
    /// Largest total of decompressed bytes read from one zip archive.
    pub max_zip_total_bytes: u64,
    /// Most entries in one zip archive.
    pub max_zip_entries: u64,
    /// Largest streamed document (an NVD feed, the KEV catalogue, an EPSS CSV), after gzip.
    pub max_document_bytes: u64,
    /// Largest download (one ecosystem's `all.zip`).
    pub max_download_bytes: u64,
    /// Most skipped records listed per source (all of them are counted).
    pub max_skipped_listed: u64,
    /// Deepest directory nesting walked by an import.
    pub max_dir_depth: usize,
}

impl Limits {
    /// The defaults: generous for the real feeds (Debian's `all.zip`, a yearly NVD feed), small
    /// enough that a hostile input cannot exhaust memory (one record at a time is held).
    pub const DEFAULT: Limits = Limits {
        max_record_bytes: 16 * MIB,
        max_zip_total_bytes: 16 * GIB,
        max_zip_entries: 5_000_000,
        max_document_bytes: 2 * GIB,
        max_download_bytes: 4 * GIB,
        max_skipped_listed: 10_000,
        max_dir_depth: 32,
    };
}

const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// A reader that fails (rather than stops) once more than `limit` bytes have been read, so a
/// capped input is never mistaken for a complete one.
pub(crate) struct Capped<R> {
    inner: R,
    left: u64,
    limit: u64,
    what: &'static str,
}

impl<R: Read> Capped<R> {
    pub(crate) fn new(inner: R, limit: u64, what: &'static str) -> Self {
        Capped {
            inner,
            left: limit,
            limit,
            what,
        }
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.left == 0 {
            // One probe byte tells a stream that ends exactly at the cap from one that goes on.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(io::Error::other(CapExceeded {
                    what: self.what,
                    limit: self.limit,
                })),
            };
        }
        let want = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
        // `want` is at most `buf.len()`.
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// The error a [`Capped`] reader fails with.
#[derive(Debug)]
pub(crate) struct CapExceeded {
    what: &'static str,
    limit: u64,
}

impl std::fmt::Display for CapExceeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} exceeds the cap of {} bytes", self.what, self.limit)
    }
}

impl std::error::Error for CapExceeded {}

/// True when `e` is a cap being hit (rather than a failing read).
pub(crate) fn is_cap(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<CapExceeded>())
}

/// Reads a whole entry of declared or unknown size into `buf`, failing past `limit` bytes.
/// Reading to the end matters: the zip reader checks an entry's CRC only when it reaches EOF.
pub(crate) fn read_capped(reader: impl Read, limit: u64, what: &'static str, buf: &mut Vec<u8>) -> io::Result<()> {
    buf.clear();
    Capped::new(reader, limit, what).read_to_end(buf)?;
    Ok(())
}

/// One line of a line-oriented input.
pub(crate) enum Line {
    /// The line, without its `\n` (and `\r`).
    Text,
    /// The line was longer than the cap; it was consumed but not kept.
    TooLong(u64),
    /// End of input.
    End,
}

/// Reads the next line into `buf` keeping at most `limit` bytes; a longer line is consumed to its
/// end without being buffered.
pub(crate) fn read_line_capped(reader: &mut impl BufRead, limit: u64, buf: &mut Vec<u8>) -> io::Result<Line> {
    buf.clear();
    let mut total: u64 = 0;
    let mut saw_any = false;
    loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            break;
        }
        saw_any = true;
        let (part, done) = match chunk.iter().position(|&b| b == b'\n') {
            // `i` is a position in `chunk`.
            Some(i) => (&chunk[..i], Some(i + 1)),
            None => (chunk, None),
        };
        total += part.len() as u64;
        if total <= limit {
            buf.extend_from_slice(part);
        }
        let used = done.unwrap_or(chunk.len());
        reader.consume(used);
        if done.is_some() {
            break;
        }
    }
    if !saw_any {
        return Ok(Line::End);
    }
    if total > limit {
        buf.clear();
        return Ok(Line::TooLong(total));
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(Line::Text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capped_reader_errors_past_the_cap_and_accepts_exact_fits() {
        let mut out = Vec::new();
        assert!(read_capped(&b"12345"[..], 5, "entry", &mut out).is_ok());
        assert_eq!(out, b"12345");
        let err = read_capped(&b"123456"[..], 5, "entry", &mut out).expect_err("should fail");
        assert!(err.to_string().contains("entry exceeds the cap of 5 bytes"), "{err}");
        assert!(is_cap(&err));
        assert!(!is_cap(&io::Error::other("disk on fire")));
    }

    #[test]
    fn long_lines_are_consumed_but_not_kept() {
        let mut input = io::BufReader::with_capacity(4, &b"ab\r\n0123456789\nxyz"[..]);
        let mut buf = Vec::new();
        assert!(matches!(
            read_line_capped(&mut input, 5, &mut buf).expect("should succeed"),
            Line::Text
        ));
        assert_eq!(buf, b"ab");
        assert!(matches!(
            read_line_capped(&mut input, 5, &mut buf).expect("should succeed"),
            Line::TooLong(10)
        ));
        assert!(buf.is_empty());
        assert!(matches!(
            read_line_capped(&mut input, 5, &mut buf).expect("should succeed"),
            Line::Text
        ));
        assert_eq!(buf, b"xyz");
        assert!(matches!(
            read_line_capped(&mut input, 5, &mut buf).expect("should succeed"),
            Line::End
        ));
    }
}
