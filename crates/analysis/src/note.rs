//! The note the analyzer keeps per (layer, path) while the image is read: a short list of facts,
//! each `[tag: u8][len: u32 LE][payload]`. Decoding stops quietly at anything malformed (notes
//! are written by this crate, but the reader never trusts a length).

/// One fact about one version of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Fact<'a> {
    Sha256(&'a [u8]),
    Md5(&'a [u8]),
    Sha1(&'a [u8]),
    /// A secret: index of the rule (built-in first, then custom), 1-based line, a fingerprint of
    /// the secret (to tell the same secret in another version of the file), masked text.
    Secret {
        rule: u16,
        line: u32,
        fingerprint: u64,
        redacted: &'a [u8],
    },
    /// A content regex matched on this 1-based line; a fingerprint of the matched text.
    Content {
        regex: u16,
        line: u32,
        fingerprint: u64,
    },
    /// The whole content (users and groups, package databases).
    Raw(&'a [u8]),
    /// Findings past the per-file cap that were not recorded.
    Dropped(u32),
}

const SHA256: u8 = 1;
const MD5: u8 = 2;
const SHA1: u8 = 3;
const SECRET: u8 = 4;
const CONTENT: u8 = 5;
const RAW: u8 = 6;
const DROPPED: u8 = 7;

/// Builds a note; empty notes are not kept.
#[derive(Default)]
pub(crate) struct NoteWriter(Vec<u8>);

impl NoteWriter {
    fn put(&mut self, tag: u8, parts: &[&[u8]]) {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        self.0.push(tag);
        self.0.extend_from_slice(&(len as u32).to_le_bytes());
        for p in parts {
            self.0.extend_from_slice(p);
        }
    }

    pub fn add(&mut self, fact: &Fact<'_>) {
        match fact {
            Fact::Sha256(d) => self.put(SHA256, &[d]),
            Fact::Md5(d) => self.put(MD5, &[d]),
            Fact::Sha1(d) => self.put(SHA1, &[d]),
            Fact::Secret {
                rule,
                line,
                fingerprint,
                redacted,
            } => self.put(
                SECRET,
                &[
                    &rule.to_le_bytes(),
                    &line.to_le_bytes(),
                    &fingerprint.to_le_bytes(),
                    redacted,
                ],
            ),
            Fact::Content {
                regex,
                line,
                fingerprint,
            } => self.put(
                CONTENT,
                &[&regex.to_le_bytes(), &line.to_le_bytes(), &fingerprint.to_le_bytes()],
            ),
            Fact::Raw(d) => self.put(RAW, &[d]),
            Fact::Dropped(n) => self.put(DROPPED, &[&n.to_le_bytes()]),
        }
    }

    pub fn finish(self) -> Option<Vec<u8>> {
        (!self.0.is_empty()).then_some(self.0)
    }
}

/// The facts of a note, in the order written.
pub(crate) fn facts(note: &[u8]) -> impl Iterator<Item = Fact<'_>> + '_ {
    let mut rest = note;
    std::iter::from_fn(move || loop {
        let (&tag, after) = rest.split_first()?;
        let len = u32::from_le_bytes(after.get(..4)?.try_into().ok()?) as usize;
        let body = after.get(4..4 + len)?;
        rest = &after[4 + len..];
        let u16_at = |i: usize| {
            body.get(i..i + 2)
                .and_then(|b| b.try_into().ok())
                .map(u16::from_le_bytes)
        };
        let u32_at = |i: usize| {
            body.get(i..i + 4)
                .and_then(|b| b.try_into().ok())
                .map(u32::from_le_bytes)
        };
        let u64_at = |i: usize| {
            body.get(i..i + 8)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_le_bytes)
        };
        let fact = match tag {
            SHA256 => Some(Fact::Sha256(body)),
            MD5 => Some(Fact::Md5(body)),
            SHA1 => Some(Fact::Sha1(body)),
            SECRET => match (u16_at(0), u32_at(2), u64_at(6)) {
                (Some(rule), Some(line), Some(fingerprint)) => Some(Fact::Secret {
                    rule,
                    line,
                    fingerprint,
                    redacted: &body[14..],
                }),
                _ => None,
            },
            CONTENT => match (u16_at(0), u32_at(2)) {
                (Some(regex), Some(line)) => u64_at(6).map(|fingerprint| Fact::Content {
                    regex,
                    line,
                    fingerprint,
                }),
                _ => None,
            },
            RAW => Some(Fact::Raw(body)),
            DROPPED => u32_at(0).map(Fact::Dropped),
            _ => None,
        };
        if let Some(f) = fact {
            return Some(f);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_truncation() {
        let mut w = NoteWriter::default();
        let facts_in = [
            Fact::Sha256(&[7; 32]),
            Fact::Secret {
                rule: 3,
                line: 12,
                fingerprint: 0xdead_beef,
                redacted: b"AKIA****",
            },
            Fact::Content {
                regex: 1,
                line: 2,
                fingerprint: 7,
            },
            Fact::Raw(b"root:x:0:0::/root:/bin/sh\n"),
            Fact::Dropped(9),
        ];
        for f in &facts_in {
            w.add(f);
        }
        let note = w.finish().expect("not empty");
        assert_eq!(facts(&note).collect::<Vec<_>>(), facts_in);
        // A cut note yields the whole facts before the cut, and nothing made up.
        let cut = &note[..note.len() - 3];
        assert_eq!(facts(cut).count(), 4);
        assert_eq!(facts(&[9, 255, 255, 255, 255]).count(), 0);
        assert!(NoteWriter::default().finish().is_none());
    }
}
