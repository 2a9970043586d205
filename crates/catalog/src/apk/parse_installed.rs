//! apk's database, `/lib/apk/db/installed`: one block per package, blocks separated by blank
//! lines, each line `K:value` with a one-letter key. `F:` names a directory and the `R:` lines
//! after it the files the package owns in it.

/// One package block with the fields Vigil reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApkEntry {
    /// `P:`
    pub name: String,
    /// `V:`
    pub version: String,
    /// `A:`
    pub arch: String,
    /// `L:`, as written (an SPDX expression, or a space-separated list in older packages).
    pub license: String,
    /// `o:`, the origin (source) package.
    pub origin: String,
    /// `m:`
    pub maintainer: String,
    /// `T:`
    pub description: String,
    /// `U:`
    pub url: String,
    /// `S:`, the size of the package file.
    pub size: String,
    /// `I:`, the installed size.
    pub installed_size: String,
    /// `t:`, the build time (Unix seconds).
    pub build_time: String,
    /// `c:`, the aports commit.
    pub commit: String,
    /// Owned files, absolute, from the `F:`/`R:` lines.
    pub files: Vec<String>,
    /// Line of the block's first line (1-based).
    pub line: usize,
}

/// A block that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BlockError {
    #[error("line {line}: expected `K:value` with a one-letter key, found {found:?}")]
    NotAField { line: usize, found: String },
    #[error("block at line {line} has no package name (P:)")]
    NoName { line: usize },
    #[error("block at line {line} (package {name}) has no version (V:)")]
    NoVersion { line: usize, name: String },
}

/// What a database held: the blocks read and the ones that could not be.
#[derive(Debug, Default)]
pub struct Parsed {
    pub entries: Vec<ApkEntry>,
    pub errors: Vec<BlockError>,
}

const QUOTE: usize = 60;

/// Parses every block of `text`; a bad block is skipped and reported.
pub fn parse_installed(text: &str) -> Parsed {
    let mut out = Parsed::default();
    let mut cur = Block::default();
    for (i, raw) in text.split('\n').enumerate() {
        let line = i + 1;
        let l = raw.strip_suffix('\r').unwrap_or(raw);
        if l.is_empty() {
            cur.finish(&mut out);
            continue;
        }
        if cur.first_line == 0 {
            cur.first_line = line;
        }
        let mut chars = l.chars();
        match (chars.next(), chars.next()) {
            // `k` is ASCII and `:` one byte, so byte 2 starts the value.
            (Some(k), Some(':')) if k.is_ascii_alphanumeric() => cur.field(k, &l[2..]),
            _ => {
                let found: String = l.chars().take(QUOTE).collect();
                cur.error.get_or_insert(BlockError::NotAField { line, found });
            }
        }
    }
    cur.finish(&mut out);
    out
}

#[derive(Default)]
struct Block {
    entry: ApkEntry,
    dir: String,
    first_line: usize,
    error: Option<BlockError>,
}

impl Block {
    fn field(&mut self, key: char, value: &str) {
        let e = &mut self.entry;
        let slot = match key {
            'P' => &mut e.name,
            'V' => &mut e.version,
            'A' => &mut e.arch,
            'L' => &mut e.license,
            'o' => &mut e.origin,
            'm' => &mut e.maintainer,
            'T' => &mut e.description,
            'U' => &mut e.url,
            'S' => &mut e.size,
            'I' => &mut e.installed_size,
            't' => &mut e.build_time,
            'c' => &mut e.commit,
            'F' => {
                self.dir = value.trim_matches('/').to_string();
                return;
            }
            'R' => {
                let name = value.trim_start_matches('/');
                if !name.is_empty() {
                    let path = if self.dir.is_empty() {
                        format!("/{name}")
                    } else {
                        format!("/{}/{name}", self.dir)
                    };
                    e.files.push(path);
                }
                return;
            }
            _ => return,
        };
        *slot = value.to_string();
    }

    fn finish(&mut self, out: &mut Parsed) {
        let b = std::mem::take(self);
        if b.first_line == 0 {
            return;
        }
        let mut entry = b.entry;
        entry.line = b.first_line;
        if let Some(e) = b.error {
            out.errors.push(e);
        } else if entry.name.is_empty() {
            out.errors.push(BlockError::NoName { line: entry.line });
        } else if entry.version.is_empty() {
            out.errors.push(BlockError::NoVersion {
                line: entry.line,
                name: entry.name,
            });
        } else {
            out.entries.push(entry);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "C:Q1z0ad5bd9Sdpz8ZxqrhT2vDRCVWM=\n\
P:musl\n\
V:1.2.4_git20230717-r4\n\
A:x86_64\n\
S:407278\n\
I:663552\n\
T:the musl c library (libc) implementation\n\
U:https://musl.libc.org/\n\
L:MIT\n\
o:musl\n\
m:Timo Ter\u{e4}s <timo.teras@iki.fi>\n\
t:1705582745\n\
c:ca7f2ab5e88794e4e654b40776f8a92256f50639\n\
F:lib\n\
R:ld-musl-x86_64.so.1\n\
a:0:0:755\n\
Z:Q1r9CNx8EGDAQ1MjjSBcdFXG8mqI0=\n\
R:libc.musl-x86_64.so.1\n\
\n\
P:scanelf\n\
V:1.3.7-r2\n\
L:GPL2+ MIT\n\
o:pax-utils\n\
F:usr/bin\n\
R:scanelf\n\
F:\n\
R:rootfile\n";

    #[test]
    fn reads_blocks_and_owned_files() {
        let p = parse_installed(TEXT);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.entries.len(), 2);
        let musl = &p.entries[0];
        assert_eq!(musl.name, "musl");
        assert_eq!(musl.version, "1.2.4_git20230717-r4");
        assert_eq!(musl.arch, "x86_64");
        assert_eq!(musl.license, "MIT");
        assert_eq!(musl.origin, "musl");
        assert_eq!(musl.maintainer, "Timo Teräs <timo.teras@iki.fi>");
        assert_eq!(musl.installed_size, "663552");
        assert_eq!(musl.build_time, "1705582745");
        assert_eq!(musl.commit, "ca7f2ab5e88794e4e654b40776f8a92256f50639");
        assert_eq!(
            musl.files,
            vec!["/lib/ld-musl-x86_64.so.1", "/lib/libc.musl-x86_64.so.1"]
        );
        assert_eq!(musl.line, 1);
        let scanelf = &p.entries[1];
        assert_eq!(scanelf.files, vec!["/usr/bin/scanelf", "/rootfile"]);
        assert_eq!(scanelf.line, 20);
    }

    #[test]
    fn bad_blocks_are_reported_and_skipped() {
        let p = parse_installed("P:ok\nV:1\n\nV:2\n\nP:nover\n\nP:x\nthis is not apk\nV:1\n\n\u{0}\u{7f}ELF\n");
        assert_eq!(p.entries.len(), 1);
        assert_eq!(
            p.errors[..3],
            [
                BlockError::NoName { line: 4 },
                BlockError::NoVersion {
                    line: 6,
                    name: "nover".into()
                },
                BlockError::NotAField {
                    line: 9,
                    found: "this is not apk".into()
                },
            ]
        );
        assert_eq!(p.errors.len(), 4);
    }

    #[test]
    fn a_huge_line_is_quoted_briefly() {
        let p = parse_installed(&"y".repeat(1 << 20));
        assert!(p.errors[0].to_string().len() < 200);
    }
}
