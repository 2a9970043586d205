//! Licences from `/usr/share/doc/<package>/copyright`.
//!
//! Machine-readable files (DEP-5, `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/`)
//! name each licence in the first line of a `License:` field. Other files are free text: from
//! those only references to the licence texts Debian ships (`/usr/share/common-licenses/GPL-2`)
//! are taken, which names a licence without guessing from prose.

use std::collections::BTreeSet;

const COMMON_LICENSES: &str = "/usr/share/common-licenses/";

/// The licence names a copyright file declares, sorted and unique.
pub fn parse_copyright(text: &str) -> Vec<String> {
    let found = if is_machine_readable(text) {
        dep5_licenses(text)
    } else {
        common_license_references(text)
    };
    found.into_iter().collect()
}

/// Whether the header paragraph has a `Format:` (or the draft `Format-Specification:`) field
/// naming the copyright format.
fn is_machine_readable(text: &str) -> bool {
    let header = text
        .lines()
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty());
    for line in header {
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let name = name.trim();
        if name.eq_ignore_ascii_case("Format") || name.eq_ignore_ascii_case("Format-Specification") {
            let v = value.to_ascii_lowercase();
            return v.contains("copyright-format") || v.contains("dep5") || v.contains("dep-5");
        }
    }
    false
}

/// The first line of every `License:` field, in any paragraph.
fn dep5_licenses(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if name.trim().eq_ignore_ascii_case("License") {
            let v = value.trim();
            if !v.is_empty() {
                out.insert(v.to_string());
            }
        }
    }
    out
}

/// Names after `/usr/share/common-licenses/` (`GPL-2`, `Apache-2.0`, `LGPL-2.1`).
fn common_license_references(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find(COMMON_LICENSES) {
        rest = &rest[at + COMMON_LICENSES.len()..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+' | '_')))
            .unwrap_or(rest.len());
        let name = rest[..end].trim_end_matches('.');
        if !name.is_empty() {
            out.insert(name.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_readable_first_lines() {
        let text = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\
Upstream-Name: OpenSSL\n\
\n\
Files: *\n\
Copyright: 1998-2021 The OpenSSL Project\n\
License: Apache-2.0\n\
\n\
Files: debian/*\n\
License: Artistic or GPL-1+\n\
\n\
License: Apache-2.0\n \
Licensed under the Apache License, Version 2.0.\n \
License: not-a-field (a continuation line)\n \
can be found in `/usr/share/common-licenses/Apache-2.0'\n\
\n\
License: GPL-1+\n";
        assert_eq!(
            parse_copyright(text),
            vec!["Apache-2.0", "Artistic or GPL-1+", "GPL-1+"]
        );
    }

    #[test]
    fn old_format_url_and_draft_field_count_as_machine_readable() {
        let zlib =
            "Format: http://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\nFiles: *\nLicense: Zlib\n";
        assert_eq!(parse_copyright(zlib), vec!["Zlib"]);
        let draft = "Format-Specification: http://svn.debian.org/wsvn/dep/web/deps/dep5.mdwn?op=file&rev=135\n\nFiles: *\nLicense: MIT\n";
        assert_eq!(parse_copyright(draft), vec!["MIT"]);
    }

    #[test]
    fn free_text_gives_only_common_licence_references() {
        let text = "This is the Debian prepackaged version of binutils.\n\
License: this line is prose here, not a field\n\
On Debian GNU/Linux systems, the complete text of the GNU General\n\
Public License can be found in `/usr/share/common-licenses/GPL'\n\
and `/usr/share/common-licenses/LGPL'. See /usr/share/common-licenses/GPL-2.\n\
The licences in /usr/share/common-licenses were taken from ftp.gnu.org.\n";
        assert_eq!(parse_copyright(text), vec!["GPL", "GPL-2", "LGPL"]);
    }

    #[test]
    fn a_format_field_outside_the_header_does_not_count() {
        let text =
            "Some prose.\n\nFormat: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nLicense: MIT\n";
        assert!(parse_copyright(text).is_empty());
        assert!(parse_copyright("").is_empty());
        assert!(parse_copyright("\u{0}\u{ff}garbage").is_empty());
    }
}
