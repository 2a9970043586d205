//! Reading one layer: sniff the compression, stream the tar once, hash it, index its entries,
//! keep the contents a selector asks for. Every cap is enforced here.

use std::io::{self, BufRead, BufReader, Read};

use sha2::{Digest as _, Sha256};
use vigil_types::Digest;

use crate::path::{normalize_entry, parent};
use crate::select::{Inspector, Limits, Select, Selector};
use crate::tree::{FileKind, LayerIndex, NewEntry};
use crate::{ImageError, Progress};

/// What reading a layer found.
pub(crate) struct LayerScan {
    pub index: LayerIndex,
    /// sha256 of the uncompressed tar.
    pub diff_id: Digest,
    /// sha256 of the bytes as stored.
    pub blob_digest: Digest,
    pub stored_size: u64,
    pub uncompressed_size: u64,
    pub entries: u64,
    pub compression: &'static str,
}

/// Where a layer is, for error messages.
pub(crate) struct LayerName<'a> {
    pub input: &'a str,
    pub layer: &'a str,
}

struct Hashing<R> {
    inner: R,
    hash: Sha256,
    count: u64,
    /// Off while a plain layer is read: its blob digest is its diff id, hashed once above.
    on: bool,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.on {
            self.hash.update(&buf[..n]);
        }
        self.count += n as u64;
        Ok(n)
    }
}

impl<R> Hashing<R> {
    fn new(inner: R) -> Self {
        Hashing {
            inner,
            hash: Sha256::new(),
            count: 0,
            on: true,
        }
    }

    fn off(inner: R) -> Self {
        Hashing {
            on: false,
            ..Hashing::new(inner)
        }
    }

    /// Starts hashing, counting `seen` (bytes that already went through) first.
    fn start(&mut self, seen: &[u8]) {
        self.on = true;
        self.hash.update(seen);
    }
}

/// Counts stored bytes for the progress bar, reporting every megabyte.
struct Counting<'p, R> {
    inner: R,
    progress: &'p dyn Progress,
    pending: u64,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.pending += n as u64;
        if self.pending >= 1 << 20 || n == 0 {
            self.progress.advance(self.pending);
            self.pending = 0;
        }
        Ok(n)
    }
}

/// Fails the stream once more than `cap` bytes come through; the flag tells why afterwards.
struct Capped<R> {
    inner: R,
    left: u64,
    exceeded: bool,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            // One probe byte tells a stream that ends exactly at the cap from one that goes on.
            let mut probe = [0u8; 1];
            if self.inner.read(&mut probe)? == 0 {
                return Ok(0);
            }
            self.exceeded = true;
            return Err(io::Error::other("layer size cap exceeded"));
        }
        let want = buf.len().min(self.left.min(usize::MAX as u64) as usize);
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

enum Decoder<R: BufRead> {
    Plain(R),
    Gzip(Box<flate2::bufread::MultiGzDecoder<R>>),
    Zstd(Box<ruzstd::decoding::StreamingDecoder<R, ruzstd::decoding::FrameDecoder>>),
}

impl<R: BufRead> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoder::Plain(r) => r.read(buf),
            Decoder::Gzip(r) => r.read(buf),
            Decoder::Zstd(r) => r.read(buf),
        }
    }
}

impl<R: BufRead> Decoder<R> {
    fn into_inner(self) -> R {
        match self {
            Decoder::Plain(r) => r,
            Decoder::Gzip(r) => r.into_inner(),
            Decoder::Zstd(r) => r.into_inner(),
        }
    }
}

fn layer_err(name: &LayerName<'_>, reason: impl ToString) -> ImageError {
    ImageError::Layer {
        input: name.input.to_string(),
        layer: name.layer.to_string(),
        reason: reason.to_string(),
    }
}

/// Streams one layer from `raw` (compressed or not). `stored_size` is the blob size, when known,
/// for the expansion-ratio check.
pub(crate) fn read_layer(
    raw: impl Read,
    stored_size: Option<u64>,
    selector: &dyn Selector,
    inspector: Option<&dyn Inspector>,
    limits: &Limits,
    progress: &dyn Progress,
    name: &LayerName<'_>,
) -> Result<LayerScan, ImageError> {
    let counting = Counting {
        inner: raw,
        progress,
        pending: 0,
    };
    let mut buffered = BufReader::with_capacity(256 << 10, Hashing::off(counting));
    let head = buffered
        .fill_buf()
        .map_err(|e| layer_err(name, format!("cannot read: {e}")))?;
    let gzip = head.starts_with(&[0x1f, 0x8b]);
    let zstd = head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]);
    if gzip || zstd {
        // Nothing was consumed yet: what the buffer holds is exactly what passed the hasher.
        let seen = buffered.buffer().to_vec();
        buffered.get_mut().start(&seen);
    }
    let (decoder, compression) = if gzip {
        (
            Decoder::Gzip(Box::new(flate2::bufread::MultiGzDecoder::new(buffered))),
            "gzip",
        )
    } else if zstd {
        let d = ruzstd::decoding::StreamingDecoder::new(buffered)
            .map_err(|e| layer_err(name, format!("corrupt zstd stream: {e}")))?;
        (Decoder::Zstd(Box::new(d)), "zstd")
    } else {
        (Decoder::Plain(buffered), "none")
    };
    let mut cap = limits.max_layer_size;
    if compression != "none" {
        if let Some(stored) = stored_size {
            cap = cap.min(stored.saturating_mul(limits.max_ratio).max(limits.ratio_floor));
        }
    }
    let capped = Capped {
        inner: decoder,
        left: cap,
        exceeded: false,
    };
    let mut archive = tar::Archive::new(Hashing::new(capped));
    let mut index = LayerIndex::default();
    let mut entries = 0u64;
    let readers = Readers { selector, inspector };
    let result = index_entries(&mut archive, &mut index, &mut entries, &readers, limits, name);
    let mut stack = archive.into_inner();
    if stack.inner.exceeded {
        return Err(ImageError::TooLarge {
            input: name.input.to_string(),
            layer: name.layer.to_string(),
            cap,
        });
    }
    result?;
    // The tar ends at its zero blocks; the digest covers every byte after them too.
    io::copy(&mut stack, &mut io::sink()).map_err(|e| {
        if stack.inner.exceeded {
            ImageError::TooLarge {
                input: name.input.to_string(),
                layer: name.layer.to_string(),
                cap,
            }
        } else {
            layer_err(name, format!("truncated or corrupt after the last entry: {e}"))
        }
    })?;
    let diff_id = Digest::from_sha256_bytes(&stack.hash.finalize());
    let uncompressed_size = stack.count;
    let mut raw = stack.inner.inner.into_inner();
    io::copy(&mut raw, &mut io::sink()).map_err(|e| layer_err(name, format!("cannot read: {e}")))?;
    let raw = raw.into_inner();
    let stored = raw.count;
    raw.inner.progress.advance(raw.inner.pending);
    let blob_digest = if raw.on {
        Digest::from_sha256_bytes(&raw.hash.finalize())
    } else {
        diff_id.clone()
    };
    Ok(LayerScan {
        index,
        diff_id,
        blob_digest,
        stored_size: stored,
        uncompressed_size,
        entries,
        compression,
    })
}

fn index_entries<R: Read>(
    archive: &mut tar::Archive<R>,
    index: &mut LayerIndex,
    count: &mut u64,
    readers: &Readers<'_>,
    limits: &Limits,
    name: &LayerName<'_>,
) -> Result<(), ImageError> {
    let mut path = String::with_capacity(256);
    let mut link = String::with_capacity(256);
    let mut buf: Vec<u8> = Vec::new();
    let iter = archive
        .entries()
        .map_err(|e| layer_err(name, format!("not a tar stream: {e}")))?;
    for entry in iter {
        let mut entry = entry.map_err(|e| {
            let last = if path.is_empty() {
                String::new()
            } else {
                format!(" ({path})")
            };
            layer_err(name, format!("truncated or corrupt tar after entry {count}{last}: {e}"))
        })?;
        *count += 1;
        if *count > limits.max_entries {
            return Err(layer_err(name, format!("more than {} entries", limits.max_entries)));
        }
        let raw_path = entry.path_bytes();
        let hostile = |reason: &str, p: &[u8]| ImageError::HostileEntry {
            input: name.input.to_string(),
            layer: name.layer.to_string(),
            entry: String::from_utf8_lossy(p).into_owned(),
            reason: reason.to_string(),
        };
        match normalize_entry(&raw_path, &mut path) {
            Ok(true) => {}
            Ok(false) => continue,
            Err(e) => return Err(hostile(e.reason(), &raw_path)),
        }
        let header = entry.header();
        let ty = header.entry_type();
        let mode = header.mode().unwrap_or(0);
        let uid = header.uid().unwrap_or(0) as u32;
        let gid = header.gid().unwrap_or(0) as u32;
        let size = entry.size();
        let base = &path[path.rfind('/').map_or(0, |i| i + 1)..];
        if let Some(target) = base.strip_prefix(".wh.") {
            let dir = parent(&path).to_string();
            if target == ".wh..opq" {
                index.opaque(&dir);
            } else if !target.starts_with(".wh.") {
                let victim = if dir == "/" {
                    format!("/{target}")
                } else {
                    format!("{dir}/{target}")
                };
                index.whiteout(&victim);
            }
            continue;
        }
        let kind = match ty {
            tar::EntryType::Regular | tar::EntryType::Continuous | tar::EntryType::GNUSparse => FileKind::File,
            tar::EntryType::Directory => FileKind::Dir,
            tar::EntryType::Symlink => FileKind::Symlink,
            tar::EntryType::Link => FileKind::HardLink,
            tar::EntryType::XGlobalHeader | tar::EntryType::XHeader => continue,
            _ => FileKind::Other,
        };
        let link_target = match kind {
            FileKind::Symlink | FileKind::HardLink => {
                let raw = entry.link_name_bytes().unwrap_or_default();
                let t = std::str::from_utf8(&raw).map_err(|_| hostile("link target is not valid UTF-8", &raw_path))?;
                link.clear();
                if kind == FileKind::HardLink {
                    // Hard links name another entry of the archive: normalise it the same way.
                    match normalize_entry(t.as_bytes(), &mut link) {
                        Ok(_) => {}
                        Err(e) => return Err(hostile(&format!("hard link target {t:?}: {}", e.reason()), &raw_path)),
                    }
                } else {
                    link.push_str(t);
                }
                Some(link.as_str())
            }
            _ => None,
        };
        let mut content = None;
        let mut note = None;
        if kind == FileKind::File {
            let want = readers.want(&path, mode, size, limits);
            if want.over_cap {
                index.skipped.push((
                    path.clone(),
                    format!("{size} bytes is past the cap of {} bytes", limits.max_file_size),
                ));
            }
            if want.read() {
                buf.clear();
                buf.reserve(size as usize);
                entry
                    .read_to_end(&mut buf)
                    .map_err(|e| layer_err(name, format!("entry {path:?}: truncated content: {e}")))?;
                (content, note) = readers.take(&path, mode, &mut buf, want);
            }
        }
        index.push(NewEntry {
            path: &path,
            kind,
            link: link_target,
            size,
            mode,
            uid,
            gid,
            content,
        });
        if let Some(n) = note {
            index.note(n);
        }
    }
    Ok(())
}

/// The selector and the optional inspector, which decide together whether a file's content is read.
pub(crate) struct Readers<'a> {
    pub selector: &'a dyn Selector,
    pub inspector: Option<&'a dyn Inspector>,
}

/// What to do with one regular file's content.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Want {
    /// What the selector keeps, once the content is read (`Skip` past the size cap).
    pub select: Select,
    /// Whether the inspector looks at the content.
    pub inspect: bool,
    /// The selector wanted the content but it is past the cap (an unknown for the catalogers).
    pub over_cap: bool,
}

impl Want {
    /// Whether the content is read at all.
    pub fn read(&self) -> bool {
        self.select != Select::Skip || self.inspect
    }
}

impl Readers<'_> {
    /// Asks the selector and the inspector about one regular file. The inspector is asked only
    /// when there is one, so an image read without it costs nothing more.
    pub fn want(&self, path: &str, mode: u32, size: u64, limits: &Limits) -> Want {
        let within = size <= limits.max_file_size;
        let sel = self.selector.select(path, mode, size);
        let inspect = within && self.inspector.is_some_and(|i| i.wants(path, mode, size));
        Want {
            select: if within { sel } else { Select::Skip },
            inspect,
            over_cap: !within && sel != Select::Skip,
        }
    }

    /// Hands the content read once to the inspector, then to the selector: (kept content, note).
    pub fn take(&self, path: &str, mode: u32, buf: &mut Vec<u8>, want: Want) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
        let note = match self.inspector {
            Some(i) if want.inspect => i.inspect(path, mode, buf),
            _ => None,
        };
        let content = match want.select {
            Select::Keep => Some(std::mem::take(buf)),
            Select::Extract => self.selector.extract(path, mode, buf),
            Select::Skip => None,
        };
        (content, note)
    }
}
