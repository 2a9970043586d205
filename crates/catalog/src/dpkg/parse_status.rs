//! dpkg's database: `/var/lib/dpkg/status` and distroless `status.d/*` files, RFC 822 style
//! stanzas separated by blank lines, with continuation lines starting with a space or a tab.

/// One stanza with the fields Vigil reads.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DpkgEntry {
    pub package: String,
    pub version: String,
    pub architecture: String,
    /// The source package name (`Source:` without its version).
    pub source: String,
    /// The source version, when `Source:` gives one (`bzip2 (1.0.8-5)`).
    pub source_version: String,
    pub maintainer: String,
    /// `Installed-Size`, in KiB, as written.
    pub installed_size: String,
    /// `Status: want flag status`; empty in distroless `status.d` files.
    pub status: String,
    /// Line of the stanza's first field (1-based), for messages.
    pub line: usize,
}

impl DpkgEntry {
    /// Whether the package's files are on disk. A stanza without `Status` (distroless `status.d`)
    /// is installed. Otherwise the third word decides: `installed`, and the states dpkg reaches
    /// only after unpacking everything (`unpacked`, `half-configured`, `triggers-awaited`,
    /// `triggers-pending`); not `not-installed`, `config-files` nor `half-installed`.
    pub fn is_installed(&self) -> bool {
        if self.status.is_empty() {
            return true;
        }
        matches!(
            self.status.split_whitespace().nth(2),
            Some("installed" | "unpacked" | "half-configured" | "triggers-awaited" | "triggers-pending")
        )
    }
}

/// A stanza that could not be read, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StanzaError {
    #[error("line {line}: expected `Field: value`, found {found:?}")]
    NotAField { line: usize, found: String },
    #[error("line {line}: a continuation line before any field")]
    OrphanContinuation { line: usize },
    #[error("stanza at line {line} has no Package field")]
    NoPackage { line: usize },
    #[error("stanza at line {line} (package {package}) is installed but has no Version field")]
    NoVersion { line: usize, package: String },
}

/// What a status file held: the stanzas read, and the ones that could not be.
#[derive(Debug, Default)]
pub struct Parsed {
    pub entries: Vec<DpkgEntry>,
    pub errors: Vec<StanzaError>,
}

/// Longest bit of a bad line quoted in an error.
const QUOTE: usize = 60;

/// Parses every stanza of `text`. A bad stanza is skipped and reported; the others are kept.
pub fn parse_status(text: &str) -> Parsed {
    let mut out = Parsed::default();
    let mut cur = Stanza::default();
    for (i, raw) in text.split('\n').enumerate() {
        let line = i + 1;
        let l = raw.strip_suffix('\r').unwrap_or(raw);
        if l.trim().is_empty() {
            cur.finish(&mut out);
            continue;
        }
        if l.starts_with([' ', '\t']) {
            // A continuation of a multi-line field (Description, Conffiles): none of the fields
            // Vigil reads are multi-line, so only its position is checked.
            if cur.first_line == 0 {
                cur.error.get_or_insert(StanzaError::OrphanContinuation { line });
            }
            continue;
        }
        if cur.first_line == 0 {
            cur.first_line = line;
        }
        match l.split_once(':') {
            Some((name, value)) if !name.is_empty() && !name.contains(char::is_whitespace) => {
                cur.field(name, value.trim());
            }
            _ => {
                let found: String = l.chars().take(QUOTE).collect();
                cur.error.get_or_insert(StanzaError::NotAField { line, found });
            }
        }
    }
    cur.finish(&mut out);
    out
}

/// Splits `Source: name (version)` into its name and version.
pub fn split_source(value: &str) -> (String, String) {
    match value.split_once('(') {
        Some((name, rest)) => {
            let version = rest.split(')').next().unwrap_or("").trim();
            (name.trim().to_string(), version.to_string())
        }
        None => (value.trim().to_string(), String::new()),
    }
}

#[derive(Default)]
struct Stanza {
    entry: DpkgEntry,
    first_line: usize,
    error: Option<StanzaError>,
}

impl Stanza {
    fn field(&mut self, name: &str, value: &str) {
        let e = &mut self.entry;
        // Field names are case-insensitive (Debian Policy 5.1).
        let slot = if name.eq_ignore_ascii_case("Package") {
            &mut e.package
        } else if name.eq_ignore_ascii_case("Version") {
            &mut e.version
        } else if name.eq_ignore_ascii_case("Architecture") {
            &mut e.architecture
        } else if name.eq_ignore_ascii_case("Maintainer") {
            &mut e.maintainer
        } else if name.eq_ignore_ascii_case("Installed-Size") {
            &mut e.installed_size
        } else if name.eq_ignore_ascii_case("Status") {
            &mut e.status
        } else if name.eq_ignore_ascii_case("Source") {
            (e.source, e.source_version) = split_source(value);
            return;
        } else {
            return;
        };
        *slot = value.to_string();
    }

    fn finish(&mut self, out: &mut Parsed) {
        let s = std::mem::take(self);
        if s.first_line == 0 && s.error.is_none() {
            return;
        }
        let mut entry = s.entry;
        entry.line = s.first_line;
        if let Some(e) = s.error {
            out.errors.push(e);
        } else if entry.package.is_empty() {
            out.errors.push(StanzaError::NoPackage { line: entry.line });
        } else if entry.version.is_empty() && entry.is_installed() {
            out.errors.push(StanzaError::NoVersion {
                line: entry.line,
                package: entry.package,
            });
        } else {
            out.entries.push(entry);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "Package: libbz2-1.0\n\
Status: install ok installed\n\
Priority: important\n\
Installed-Size: 105\n\
Maintainer: Anibal Monsalve Salazar <anibal@debian.org>\n\
Architecture: amd64\n\
Multi-Arch: same\n\
Source: bzip2 (1.0.8-5)\n\
Version: 1.0.8-5+b1\n\
Description: high-quality block-sorting file compressor library - runtime\n \
This package contains libbzip2 which is used by the bzip2 compressor.\n \
.\n \
bzip2 is a freely available, patent free, data compressor.\n\
\n\
Package: libacl1\n\
Status: deinstall ok config-files\n\
Architecture: amd64\n\
Source: acl\n\
Version: 2.3.1-3\n\
Conffiles:\n \
/etc/x 0123\n\
\n\
\n\
Package: adduser\n\
Status: hold ok installed\n\
Architecture: all\n\
Version: 3.134\n";

    #[test]
    fn reads_stanzas_and_their_fields() {
        let p = parse_status(TEXT);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.entries.len(), 3);
        let bz = &p.entries[0];
        assert_eq!(bz.package, "libbz2-1.0");
        assert_eq!(bz.version, "1.0.8-5+b1");
        assert_eq!(bz.architecture, "amd64");
        assert_eq!((bz.source.as_str(), bz.source_version.as_str()), ("bzip2", "1.0.8-5"));
        assert_eq!(bz.maintainer, "Anibal Monsalve Salazar <anibal@debian.org>");
        assert_eq!(bz.installed_size, "105");
        assert_eq!(bz.line, 1);
        assert!(bz.is_installed());
        let acl = &p.entries[1];
        assert_eq!((acl.source.as_str(), acl.source_version.as_str()), ("acl", ""));
        assert!(!acl.is_installed());
        assert!(p.entries[2].is_installed(), "hold ok installed is installed");
        assert_eq!(p.entries[2].line, 24);
    }

    #[test]
    fn status_d_stanzas_without_status_are_installed() {
        let p = parse_status("Package: tzdata\r\nVersion: 2024a-0+deb12u1\r\nArchitecture: all\r\n");
        assert_eq!(p.entries.len(), 1);
        assert_eq!(p.entries[0].version, "2024a-0+deb12u1");
        assert!(p.entries[0].is_installed());
    }

    #[test]
    fn bad_stanzas_are_reported_and_skipped() {
        let text = "Package: good\nVersion: 1\n\n \norphan\nVersion: 2\n\nVersion: 3\n\nPackage: nover\nStatus: install ok installed\n\n\0\u{1}binary junk\n";
        let p = parse_status(text);
        assert_eq!(
            p.entries.iter().map(|e| e.package.as_str()).collect::<Vec<_>>(),
            vec!["good"]
        );
        assert_eq!(p.errors.len(), 4, "{:?}", p.errors);
        assert!(matches!(p.errors[0], StanzaError::NotAField { line: 5, .. }));
        assert_eq!(p.errors[1], StanzaError::NoPackage { line: 8 });
        assert!(matches!(p.errors[2], StanzaError::NoVersion { line: 10, .. }));
        assert!(matches!(p.errors[3], StanzaError::NotAField { line: 13, .. }));
    }

    #[test]
    fn orphan_continuation_is_an_error() {
        let p = parse_status(" continued\nPackage: x\nVersion: 1\n");
        assert_eq!(p.errors, vec![StanzaError::OrphanContinuation { line: 1 }]);
        assert!(p.entries.is_empty());
    }

    #[test]
    fn a_huge_line_is_quoted_briefly() {
        let text = "x".repeat(1 << 20);
        let p = parse_status(&text);
        let msg = p.errors[0].to_string();
        assert!(msg.len() < 200, "{msg}");
    }

    #[test]
    fn splits_source_fields() {
        assert_eq!(
            split_source("gcc-12 (12.2.0-14)"),
            ("gcc-12".into(), "12.2.0-14".into())
        );
        assert_eq!(split_source("zlib"), ("zlib".into(), String::new()));
        assert_eq!(split_source("broken ("), ("broken".into(), String::new()));
    }
}
