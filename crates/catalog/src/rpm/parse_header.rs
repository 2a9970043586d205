//! An rpm header as the package database stores it (no lead, no magic): a big-endian index count
//! and data length, that many 16-byte index entries (tag, type, offset, count), then the data
//! store the entries point into. Every offset and count is checked against the blob.

use std::collections::HashMap;

/// Most index entries rpm itself accepts in one header.
const MAX_ENTRIES: u32 = 0xffff;
/// Most data-store bytes rpm itself accepts in one header (256 MiB).
const MAX_DATA: u32 = 0x0fff_ffff;

const TYPE_INT32: u32 = 4;
const TYPE_INT64: u32 = 5;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;

pub const TAG_NAME: u32 = 1000;
pub const TAG_VERSION: u32 = 1001;
pub const TAG_RELEASE: u32 = 1002;
pub const TAG_EPOCH: u32 = 1003;
pub const TAG_SIZE: u32 = 1009;
pub const TAG_VENDOR: u32 = 1011;
pub const TAG_LICENSE: u32 = 1014;
pub const TAG_ARCH: u32 = 1022;
pub const TAG_OLDFILENAMES: u32 = 1027;
pub const TAG_SOURCERPM: u32 = 1044;
pub const TAG_DIRINDEXES: u32 = 1116;
pub const TAG_BASENAMES: u32 = 1117;
pub const TAG_DIRNAMES: u32 = 1118;
pub const TAG_LONGSIZE: u32 = 5009;
pub const TAG_MODULARITYLABEL: u32 = 5096;

/// Why a header blob could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HeaderError {
    #[error("header blob of {0} bytes is too short")]
    TooShort(usize),
    #[error("header claims {entries} index entries and {data} data bytes (limits {MAX_ENTRIES} and {MAX_DATA})")]
    TooBig { entries: u32, data: u32 },
    #[error("header claims {need} bytes but the blob has {have}")]
    Truncated { need: usize, have: usize },
    #[error("tag {tag}: {what}")]
    BadEntry { tag: u32, what: &'static str },
    #[error("header has no {0} tag")]
    Missing(&'static str),
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    ty: u32,
    offset: usize,
    count: usize,
}

/// A parsed header: its index by tag, over the borrowed data store.
pub struct Header<'a> {
    index: HashMap<u32, Entry>,
    data: &'a [u8],
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]))
}

impl<'a> Header<'a> {
    /// Reads the index of `blob`. Entries are checked lazily by the accessors, so one bad tag
    /// Vigil does not read does not sink the header.
    pub fn parse(blob: &'a [u8]) -> Result<Header<'a>, HeaderError> {
        let (Some(il), Some(dl)) = (be32(blob, 0), be32(blob, 4)) else {
            return Err(HeaderError::TooShort(blob.len()));
        };
        if il == 0 || il > MAX_ENTRIES || dl > MAX_DATA {
            return Err(HeaderError::TooBig { entries: il, data: dl });
        }
        let index_len = il as usize * 16;
        let need = 8 + index_len + dl as usize;
        if need > blob.len() {
            return Err(HeaderError::Truncated { need, have: blob.len() });
        }
        let data = &blob[8 + index_len..need];
        let mut index = HashMap::with_capacity(il as usize);
        for i in 0..il as usize {
            let at = 8 + i * 16;
            let (Some(tag), Some(ty), Some(offset), Some(count)) = (
                be32(blob, at),
                be32(blob, at + 4),
                be32(blob, at + 8),
                be32(blob, at + 12),
            ) else {
                return Err(HeaderError::Truncated { need, have: blob.len() });
            };
            // The first entry of a tag wins, as in rpm's lookup.
            index.entry(tag).or_insert(Entry {
                ty,
                offset: offset as usize,
                count: count as usize,
            });
        }
        Ok(Header { index, data })
    }

    fn entry(&self, tag: u32) -> Option<Entry> {
        self.index.get(&tag).copied()
    }

    /// A `STRING` (or the first, untranslated, string of an `I18NSTRING`); `None` when absent.
    pub fn string(&self, tag: u32) -> Result<Option<String>, HeaderError> {
        let Some(e) = self.entry(tag) else {
            return Ok(None);
        };
        if !matches!(e.ty, TYPE_STRING | TYPE_I18NSTRING | TYPE_STRING_ARRAY) {
            return Err(HeaderError::BadEntry {
                tag,
                what: "is not a string",
            });
        }
        let (s, _) = self.cstr(tag, e.offset)?;
        Ok(Some(s))
    }

    /// A `STRING_ARRAY`; empty when absent. Reads at most as many strings as bytes remain.
    pub fn strings(&self, tag: u32) -> Result<Vec<String>, HeaderError> {
        let Some(e) = self.entry(tag) else {
            return Ok(Vec::new());
        };
        if !matches!(e.ty, TYPE_STRING_ARRAY | TYPE_I18NSTRING) {
            return Err(HeaderError::BadEntry {
                tag,
                what: "is not a string array",
            });
        }
        let room = self.data.len().saturating_sub(e.offset);
        if e.count > room {
            return Err(HeaderError::BadEntry {
                tag,
                what: "has more strings than data bytes",
            });
        }
        let mut out = Vec::with_capacity(e.count);
        let mut at = e.offset;
        for _ in 0..e.count {
            let (s, next) = self.cstr(tag, at)?;
            out.push(s);
            at = next;
        }
        Ok(out)
    }

    /// An `INT32` array; empty when absent.
    pub fn int32s(&self, tag: u32) -> Result<Vec<u32>, HeaderError> {
        let Some(e) = self.entry(tag) else {
            return Ok(Vec::new());
        };
        if e.ty != TYPE_INT32 {
            return Err(HeaderError::BadEntry {
                tag,
                what: "is not an INT32",
            });
        }
        let bytes = self.span(tag, e.offset, e.count, 4)?;
        Ok(bytes
            .chunks_exact(4)
            .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }

    /// The first value of an `INT32` or `INT64` entry.
    pub fn number(&self, tag: u32) -> Result<Option<u64>, HeaderError> {
        let Some(e) = self.entry(tag) else {
            return Ok(None);
        };
        match e.ty {
            TYPE_INT32 => Ok(self.int32s(tag)?.first().map(|&v| u64::from(v))),
            TYPE_INT64 => {
                let b = self.span(tag, e.offset, 1, 8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                Ok(Some(u64::from_be_bytes(a)))
            }
            _ => Err(HeaderError::BadEntry {
                tag,
                what: "is not a number",
            }),
        }
    }

    fn span(&self, tag: u32, offset: usize, count: usize, width: usize) -> Result<&'a [u8], HeaderError> {
        let end = count
            .checked_mul(width)
            .and_then(|n| n.checked_add(offset))
            .filter(|&end| end <= self.data.len() && count > 0)
            .ok_or(HeaderError::BadEntry {
                tag,
                what: "points past the data store",
            })?;
        Ok(&self.data[offset..end])
    }

    /// The NUL-terminated string at `at`, and the offset after its NUL.
    fn cstr(&self, tag: u32, at: usize) -> Result<(String, usize), HeaderError> {
        let rest = self.data.get(at..).ok_or(HeaderError::BadEntry {
            tag,
            what: "points past the data store",
        })?;
        let len = memchr::memchr(0, rest).ok_or(HeaderError::BadEntry {
            tag,
            what: "string is not terminated",
        })?;
        Ok((String::from_utf8_lossy(&rest[..len]).into_owned(), at + len + 1))
    }
}

/// What Vigil reads of one installed package.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RpmEntry {
    pub name: String,
    pub version: String,
    pub release: String,
    pub epoch: Option<u32>,
    pub arch: String,
    pub license: String,
    pub source_rpm: String,
    pub vendor: String,
    pub size: Option<u64>,
    pub modularity_label: String,
    /// Owned files, absolute.
    pub files: Vec<String>,
}

/// Reads the fields of one package from its header blob.
pub fn parse_entry(blob: &[u8]) -> Result<RpmEntry, HeaderError> {
    let h = Header::parse(blob)?;
    let name = h.string(TAG_NAME)?.ok_or(HeaderError::Missing("NAME"))?;
    let version = h.string(TAG_VERSION)?.ok_or(HeaderError::Missing("VERSION"))?;
    let size = match h.number(TAG_LONGSIZE)? {
        Some(v) => Some(v),
        None => h.number(TAG_SIZE)?,
    };
    let epoch = h.number(TAG_EPOCH)?.and_then(|v| u32::try_from(v).ok());
    Ok(RpmEntry {
        name,
        version,
        release: h.string(TAG_RELEASE)?.unwrap_or_default(),
        epoch,
        arch: h.string(TAG_ARCH)?.unwrap_or_default(),
        license: h.string(TAG_LICENSE)?.unwrap_or_default(),
        source_rpm: h.string(TAG_SOURCERPM)?.unwrap_or_default(),
        vendor: h.string(TAG_VENDOR)?.unwrap_or_default(),
        size,
        modularity_label: h.string(TAG_MODULARITYLABEL)?.unwrap_or_default(),
        files: files(&h)?,
    })
}

/// `DIRNAMES[DIRINDEXES[i]] + BASENAMES[i]`, or the pre-4.0 `OLDFILENAMES`.
fn files(h: &Header<'_>) -> Result<Vec<String>, HeaderError> {
    let base = h.strings(TAG_BASENAMES)?;
    if base.is_empty() {
        return h.strings(TAG_OLDFILENAMES);
    }
    let dirs = h.strings(TAG_DIRNAMES)?;
    let idx = h.int32s(TAG_DIRINDEXES)?;
    if idx.len() != base.len() {
        return Err(HeaderError::BadEntry {
            tag: TAG_DIRINDEXES,
            what: "does not have one index per base name",
        });
    }
    base.iter()
        .zip(idx)
        .map(|(b, i)| {
            let dir = dirs.get(i as usize).ok_or(HeaderError::BadEntry {
                tag: TAG_DIRINDEXES,
                what: "names a directory past DIRNAMES",
            })?;
            Ok(format!("{dir}{b}"))
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Builds a header blob from (tag, type, count, data) entries, as rpm lays them out.
    pub(crate) fn blob(entries: &[(u32, u32, u32, Vec<u8>)]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut data = Vec::new();
        for (tag, ty, count, bytes) in entries {
            if *ty == TYPE_INT32 {
                while data.len() % 4 != 0 {
                    data.push(0);
                }
            }
            for v in [*tag, *ty, data.len() as u32, *count] {
                index.extend_from_slice(&v.to_be_bytes());
            }
            data.extend_from_slice(bytes);
        }
        let mut out = Vec::new();
        out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(&index);
        out.extend_from_slice(&data);
        out
    }

    pub(crate) fn s(v: &str) -> Vec<u8> {
        let mut b = v.as_bytes().to_vec();
        b.push(0);
        b
    }

    fn sa(v: &[&str]) -> Vec<u8> {
        v.iter().flat_map(|x| s(x)).collect()
    }

    fn ints(v: &[u32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_be_bytes()).collect()
    }

    pub(crate) fn sample() -> Vec<u8> {
        blob(&[
            (TAG_NAME, TYPE_STRING, 1, s("bash")),
            (TAG_VERSION, TYPE_STRING, 1, s("5.1.8")),
            (TAG_RELEASE, TYPE_STRING, 1, s("9.el9")),
            (TAG_EPOCH, TYPE_INT32, 1, ints(&[1])),
            (TAG_LICENSE, TYPE_STRING, 1, s("GPLv3+")),
            (TAG_ARCH, TYPE_STRING, 1, s("x86_64")),
            (TAG_SIZE, TYPE_INT32, 1, ints(&[7_738_634])),
            (TAG_SOURCERPM, TYPE_STRING, 1, s("bash-5.1.8-9.el9.src.rpm")),
            (TAG_BASENAMES, TYPE_STRING_ARRAY, 3, sa(&["bash", "sh", "bashrc"])),
            (TAG_DIRNAMES, TYPE_STRING_ARRAY, 2, sa(&["/usr/bin/", "/etc/skel/"])),
            (TAG_DIRINDEXES, TYPE_INT32, 3, ints(&[0, 0, 1])),
        ])
    }

    #[test]
    fn reads_a_header() {
        let e = parse_entry(&sample()).expect("header");
        assert_eq!(e.name, "bash");
        assert_eq!((e.version.as_str(), e.release.as_str()), ("5.1.8", "9.el9"));
        assert_eq!(e.epoch, Some(1));
        assert_eq!(e.arch, "x86_64");
        assert_eq!(e.license, "GPLv3+");
        assert_eq!(e.size, Some(7_738_634));
        assert_eq!(e.source_rpm, "bash-5.1.8-9.el9.src.rpm");
        assert_eq!(e.files, vec!["/usr/bin/bash", "/usr/bin/sh", "/etc/skel/bashrc"]);
        assert_eq!(e.modularity_label, "");
    }

    #[test]
    fn rejects_truncated_and_oversized_headers() {
        let full = sample();
        assert_eq!(parse_entry(&full[..5]).err(), Some(HeaderError::TooShort(5)));
        assert!(matches!(
            parse_entry(&full[..full.len() - 1]),
            Err(HeaderError::Truncated { .. })
        ));
        let mut huge = full.clone();
        huge[0..4].copy_from_slice(&0x00ff_ffffu32.to_be_bytes());
        assert!(matches!(parse_entry(&huge), Err(HeaderError::TooBig { .. })));
        let mut big_data = full;
        big_data[4..8].copy_from_slice(&0x0fff_fff0u32.to_be_bytes());
        assert!(matches!(parse_entry(&big_data), Err(HeaderError::Truncated { .. })));
    }

    #[test]
    fn absurd_counts_and_offsets_are_errors_not_allocations() {
        // A string array claiming four billion strings.
        let b = blob(&[
            (TAG_NAME, TYPE_STRING, 1, s("x")),
            (TAG_VERSION, TYPE_STRING, 1, s("1")),
            (TAG_BASENAMES, TYPE_STRING_ARRAY, u32::MAX, sa(&["a"])),
        ]);
        assert!(matches!(
            parse_entry(&b),
            Err(HeaderError::BadEntry { tag: TAG_BASENAMES, .. })
        ));
        // An INT32 array running past the data store.
        let b = blob(&[
            (TAG_NAME, TYPE_STRING, 1, s("x")),
            (TAG_VERSION, TYPE_STRING, 1, s("1")),
            (TAG_EPOCH, TYPE_INT32, u32::MAX, ints(&[1])),
        ]);
        assert!(matches!(
            parse_entry(&b),
            Err(HeaderError::BadEntry { tag: TAG_EPOCH, .. })
        ));
        // An unterminated string, and a directory index out of range.
        let b = blob(&[(TAG_NAME, TYPE_STRING, 1, b"abc".to_vec())]);
        assert!(matches!(
            parse_entry(&b),
            Err(HeaderError::BadEntry { tag: TAG_NAME, .. })
        ));
        let b = blob(&[
            (TAG_NAME, TYPE_STRING, 1, s("x")),
            (TAG_VERSION, TYPE_STRING, 1, s("1")),
            (TAG_BASENAMES, TYPE_STRING_ARRAY, 1, sa(&["a"])),
            (TAG_DIRNAMES, TYPE_STRING_ARRAY, 1, sa(&["/"])),
            (TAG_DIRINDEXES, TYPE_INT32, 1, ints(&[7])),
        ]);
        assert!(matches!(
            parse_entry(&b),
            Err(HeaderError::BadEntry {
                tag: TAG_DIRINDEXES,
                ..
            })
        ));
        let b = blob(&[(TAG_VERSION, TYPE_STRING, 1, s("1"))]);
        assert_eq!(parse_entry(&b).err(), Some(HeaderError::Missing("NAME")));
    }
}
