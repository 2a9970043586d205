//! Java archives (jar, war, ear and their kin): zip files whose `META-INF/MANIFEST.MF` and
//! `META-INF/maven/*/*/pom.properties` name what they hold, with nested archives inside
//! (`WEB-INF/lib/*.jar`, `BOOT-INF/lib/*.jar`, an ear's `lib/*.jar` and `*.war`).
//!
//! Walking an archive from an image is walking hostile data: nesting depth, bytes decompressed
//! per nested archive and in total, entries per archive and the number of nested archives are
//! all capped ([`Caps`]); what is past a cap is reported as a problem, never read.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use serde::{Deserialize, Serialize};
use zip::ZipArchive;

use super::parse_manifest::parse_manifest;
use super::parse_pom_properties::{is_pom_properties, parse_pom_properties, PomProperties};

/// Limits that keep one archive from exhausting memory or time.
#[derive(Clone, Debug)]
pub struct Caps {
    /// Most levels of archives inside the outer one that are opened.
    pub max_depth: usize,
    /// Largest nested archive, decompressed, that is read (it is held in memory while walked).
    pub max_nested_bytes: u64,
    /// Most bytes decompressed from one outer archive, over all its entries and nested archives.
    pub max_total_bytes: u64,
    /// Most entries one archive's central directory may list.
    pub max_entries: usize,
    /// Most nested archives opened below one outer archive.
    pub max_archives: usize,
    /// Largest `MANIFEST.MF` or `pom.properties` read.
    pub max_meta_bytes: u64,
}

impl Default for Caps {
    fn default() -> Caps {
        Caps {
            max_depth: 4,
            max_nested_bytes: 64 << 20,
            max_total_bytes: 1 << 30,
            max_entries: 250_000,
            max_archives: 4096,
            max_meta_bytes: 1 << 20,
        }
    }
}

/// What one file holds, boiled down while its layer streams by: the extract of the cataloger.
#[derive(Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Summary {
    /// The outer archive first, then nested ones depth first, in entry order.
    #[serde(rename = "a", default)]
    pub archives: Vec<ArchiveFacts>,
    /// What could not be read, and why (each becomes an unknown).
    #[serde(rename = "u", default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// The facts of one archive.
#[derive(Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct ArchiveFacts {
    /// Where it sits in the outer file: empty for the file itself, `WEB-INF/lib/x.jar` for a
    /// nested one, `lib/a.war:WEB-INF/lib/x.jar` deeper down.
    #[serde(rename = "i", default, skip_serializing_if = "String::is_empty")]
    pub inner: String,
    /// The manifest's main-section headers Vigil uses.
    #[serde(rename = "m", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub manifest: BTreeMap<String, String>,
    #[serde(rename = "p", default, skip_serializing_if = "Vec::is_empty")]
    pub poms: Vec<PomProperties>,
}

/// File name suffixes of Java archives (compared without regard to case).
pub(super) const EXTENSIONS: [&str; 8] = [".jar", ".war", ".ear", ".jpi", ".hpi", ".par", ".sar", ".nar"];

/// Whether `name` ends like a Java archive. No allocation: called for every file of an image.
pub(super) fn is_java_archive(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() > 4
        && EXTENSIONS
            .iter()
            .any(|e| b[b.len() - 4..].eq_ignore_ascii_case(e.as_bytes()))
}

/// Walks the archive in `data` and what it nests.
pub(super) fn summarize(data: &[u8], caps: &Caps) -> Summary {
    let mut w = Walker {
        caps,
        bytes_left: caps.max_total_bytes,
        archives: 0,
        stopped: false,
        out: Summary::default(),
    };
    w.walk(data, "", 0);
    w.out
}

struct Walker<'c> {
    caps: &'c Caps,
    bytes_left: u64,
    archives: usize,
    /// Set once a cap over the whole file is hit: nothing more is read.
    stopped: bool,
    out: Summary,
}

enum ReadError {
    /// Past `cap` bytes; `total` tells whether the whole file's budget was the limit.
    TooBig {
        cap: u64,
        total: bool,
    },
    Zip(String),
}

impl Walker<'_> {
    fn problem(&mut self, inner: &str, reason: impl std::fmt::Display) {
        if inner.is_empty() {
            self.out.problems.push(reason.to_string());
        } else {
            self.out.problems.push(format!("{inner}: {reason}"));
        }
    }

    fn walk(&mut self, data: &[u8], inner: &str, depth: usize) {
        if let Err(reason) = check_central_directory(data, self.caps.max_entries) {
            self.problem(inner, format_args!("not a readable zip archive: {reason}"));
            return;
        }
        let mut zip = match ZipArchive::new(Cursor::new(data)) {
            Ok(z) => z,
            Err(e) => {
                self.problem(inner, format_args!("not a readable zip archive: {e}"));
                return;
            }
        };
        let mut manifest = None;
        let mut poms = Vec::new();
        let mut nested = Vec::new();
        for i in 0..zip.len() {
            let Some(name) = zip.name_for_index(i) else {
                continue;
            };
            if name.eq_ignore_ascii_case("META-INF/MANIFEST.MF") {
                manifest.get_or_insert(i);
            } else if is_pom_properties(name) {
                poms.push((i, name.to_string()));
            } else if is_java_archive(name) && !name.ends_with('/') {
                nested.push((i, name.to_string()));
            }
        }

        let mut facts = ArchiveFacts {
            inner: inner.to_string(),
            ..ArchiveFacts::default()
        };
        if let Some(i) = manifest {
            match self.read_entry(&mut zip, i, self.caps.max_meta_bytes) {
                Ok(bytes) => facts.manifest = parse_manifest(&String::from_utf8_lossy(&bytes)),
                Err(e) => self.read_problem(inner, "META-INF/MANIFEST.MF", e),
            }
        }
        poms.sort_by(|a, b| a.1.cmp(&b.1));
        for (i, name) in poms {
            match self.read_entry(&mut zip, i, self.caps.max_meta_bytes) {
                Ok(bytes) => facts
                    .poms
                    .push(parse_pom_properties(&name, &String::from_utf8_lossy(&bytes))),
                Err(e) => self.read_problem(inner, &name, e),
            }
        }
        self.out.archives.push(facts);

        for (i, name) in nested {
            if self.stopped {
                return;
            }
            let path = if inner.is_empty() {
                name.clone()
            } else {
                format!("{inner}:{name}")
            };
            if depth >= self.caps.max_depth {
                self.problem(
                    &path,
                    format_args!("nested more than {} archives deep; not read", self.caps.max_depth),
                );
                continue;
            }
            if self.archives >= self.caps.max_archives {
                self.problem(
                    &path,
                    format_args!(
                        "more than {} nested archives; this and the rest not read",
                        self.caps.max_archives
                    ),
                );
                self.stopped = true;
                return;
            }
            self.archives += 1;
            match self.read_entry(&mut zip, i, self.caps.max_nested_bytes) {
                Ok(bytes) => self.walk(&bytes, &path, depth + 1),
                Err(e) => self.read_problem(&path, "", e),
            }
        }
    }

    fn read_problem(&mut self, inner: &str, entry: &str, e: ReadError) {
        let at = match (inner.is_empty(), entry.is_empty()) {
            (_, true) => inner.to_string(),
            (true, false) => entry.to_string(),
            (false, false) => format!("{inner}:{entry}"),
        };
        match e {
            ReadError::TooBig { cap, total: true } => {
                self.problem(
                    &at,
                    format_args!(
                        "the archive decompresses to more than {cap} bytes in all; this and the rest not read"
                    ),
                );
                self.stopped = true;
            }
            ReadError::TooBig { cap, total: false } => {
                self.problem(&at, format_args!("decompresses to more than {cap} bytes; not read"))
            }
            ReadError::Zip(reason) => self.problem(&at, format_args!("cannot read: {reason}")),
        }
    }

    /// Decompresses entry `i`, at most `cap` bytes (and never past the whole file's budget).
    fn read_entry(&mut self, zip: &mut ZipArchive<Cursor<&[u8]>>, i: usize, cap: u64) -> Result<Vec<u8>, ReadError> {
        if self.stopped {
            return Err(ReadError::TooBig {
                cap: self.caps.max_total_bytes,
                total: true,
            });
        }
        let total = self.bytes_left < cap;
        let limit = cap.min(self.bytes_left);
        let mut f = zip.by_index(i).map_err(|e| ReadError::Zip(e.to_string()))?;
        // The declared size is only a hint (it may lie): the read below is what is bounded.
        let mut buf = Vec::with_capacity(f.size().min(limit).min(1 << 20) as usize);
        let read = (&mut f).take(limit + 1).read_to_end(&mut buf);
        self.bytes_left = self.bytes_left.saturating_sub(buf.len() as u64);
        if buf.len() as u64 > limit {
            let cap = if total { self.caps.max_total_bytes } else { cap };
            return Err(ReadError::TooBig { cap, total });
        }
        read.map_err(|e| ReadError::Zip(e.to_string()))?;
        Ok(buf)
    }
}

fn le16(d: &[u8], at: usize) -> Option<usize> {
    d.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]]) as usize)
}

fn le32(d: &[u8], at: usize) -> Option<u64> {
    d.get(at..at + 4)
        .map(|b| u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]])))
}

fn le64(d: &[u8], at: usize) -> Option<u64> {
    let b: [u8; 8] = d.get(at..at + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(b))
}

/// Finds the end of central directory record near the end of `data` and walks the directory it
/// points at, so that only archives with a consistent directory of at most `max_entries` entries
/// are handed to the zip reader (which would otherwise retry every older end record it finds).
/// Returns the number of entries.
fn check_central_directory(data: &[u8], max_entries: usize) -> Result<usize, String> {
    const EOCD: &[u8] = b"PK\x05\x06";
    const LOCATOR64: &[u8] = b"PK\x06\x07";
    const EOCD64: &[u8] = b"PK\x06\x06";
    const ENTRY: &[u8] = b"PK\x01\x02";
    let too_short = || "no end of central directory record".to_string();
    let last = data.len().checked_sub(22).ok_or_else(too_short)?;
    let first = last.saturating_sub(65_535);
    let eocd = (first..=last)
        .rev()
        .find(|&p| data.get(p..p + 4) == Some(EOCD) && le16(data, p + 20).is_some_and(|c| p + 22 + c <= data.len()))
        .ok_or_else(too_short)?;
    let bad = |what: &str| format!("{what} in the end of central directory record");
    let mut entries = le16(data, eocd + 10).ok_or_else(|| bad("truncated"))? as u64;
    let mut cd_size = le32(data, eocd + 12).ok_or_else(|| bad("truncated"))?;
    let mut cd_end = eocd;
    if entries == 0xFFFF || cd_size == 0xFFFF_FFFF || le32(data, eocd + 16) == Some(0xFFFF_FFFF) {
        // Zip64: the locator sits right before the record and points at the zip64 record.
        let loc = eocd.checked_sub(20).filter(|&l| data.get(l..l + 4) == Some(LOCATOR64));
        if let Some(loc) = loc {
            let at = le64(data, loc + 8).and_then(|o| usize::try_from(o).ok());
            let rec = at
                .filter(|&o| o < loc && data.get(o..o + 4) == Some(EOCD64))
                .or_else(|| loc.checked_sub(56).filter(|&o| data.get(o..o + 4) == Some(EOCD64)))
                .ok_or_else(|| bad("a zip64 locator pointing nowhere"))?;
            entries = le64(data, rec + 32).ok_or_else(|| bad("truncated zip64 record"))?;
            cd_size = le64(data, rec + 40).ok_or_else(|| bad("truncated zip64 record"))?;
            cd_end = rec;
        }
    }
    if entries > max_entries as u64 {
        return Err(format!("lists {entries} entries, more than the cap of {max_entries}"));
    }
    let entries = entries as usize;
    let cd_size = usize::try_from(cd_size).map_err(|_| bad("an impossible directory size"))?;
    let mut p = cd_end
        .checked_sub(cd_size)
        .ok_or_else(|| bad("a directory larger than the file"))?;
    if entries.saturating_mul(46) > cd_size {
        return Err(format!("a directory of {cd_size} bytes cannot hold {entries} entries"));
    }
    for n in 0..entries {
        let ok = data.get(p..p + 4) == Some(ENTRY) && p + 46 <= cd_end;
        let lens = (le16(data, p + 28), le16(data, p + 30), le16(data, p + 32));
        let (Some(name), Some(extra), Some(comment)) = lens else {
            return Err(format!("central directory entry {n} is truncated"));
        };
        if !ok {
            return Err(format!("central directory entry {n} is malformed"));
        }
        p += 46 + name + extra + comment;
        if p > cd_end {
            return Err(format!("central directory entry {n} runs past the directory"));
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_archive_names_without_regard_to_case() {
        assert!(is_java_archive("/opt/app/app.jar"));
        assert!(is_java_archive("/srv/ROOT.WAR"));
        assert!(is_java_archive("jenkins/plugins/git.hpi"));
        assert!(!is_java_archive(".jar"));
        assert!(!is_java_archive("/x/app.zip"));
        assert!(!is_java_archive("/x/jar"));
        assert!(!is_java_archive("/x/é.ja"));
    }

    #[test]
    fn rejects_what_is_not_a_zip() {
        assert!(check_central_directory(b"", 10).is_err());
        assert!(check_central_directory(&[0u8; 100], 10).is_err());
        let s = summarize(b"#!/bin/sh\necho not a jar\n", &Caps::default());
        assert!(s.archives.is_empty());
        assert_eq!(s.problems.len(), 1);
        assert!(
            s.problems[0].starts_with("not a readable zip archive"),
            "{:?}",
            s.problems
        );
    }

    #[test]
    fn rejects_a_directory_that_claims_too_many_entries() {
        // An end record claiming 60000 entries in a 46-byte directory.
        let mut d = b"PK\x01\x02".to_vec();
        d.extend_from_slice(&[0u8; 42]);
        d.extend_from_slice(b"PK\x05\x06\0\0\0\0");
        d.extend_from_slice(&60000u16.to_le_bytes());
        d.extend_from_slice(&60000u16.to_le_bytes());
        d.extend_from_slice(&46u32.to_le_bytes());
        d.extend_from_slice(&0u32.to_le_bytes());
        d.extend_from_slice(&0u16.to_le_bytes());
        let e = check_central_directory(&d, 100_000).expect_err("inconsistent");
        assert!(e.contains("cannot hold 60000 entries"), "{e}");
        let e = check_central_directory(&d, 10).expect_err("too many");
        assert!(e.contains("more than the cap of 10"), "{e}");
    }
}
