//! SemVer 2.0 precedence, for npm, crates.io and Go modules.
//!
//! `MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]`: numbers without leading zeros,
//! pre-release identifiers of `[0-9A-Za-z-]` (numeric ones without leading
//! zeros), build metadata ignored for ordering. Precedence: the three numbers
//! by value (any length), then a version without pre-release above one with;
//! pre-release identifiers compare one by one, numeric ones by value and
//! below alphanumeric ones (ASCII order), and a shorter list that is a prefix
//! of a longer one is lower.
//!
//! [`SemVersion::parse`] (npm, crates.io) trims surrounding white space and
//! accepts one leading `v`, as npm's strict parser does. [`SemVersion::parse_go`]
//! follows `golang.org/x/mod/semver`: a leading `v` (optional here, since OSV
//! writes Go versions without it) and the shorthands `v1` = `v1.0.0` and
//! `v1.2` = `v1.2.0` (without pre-release or build). `+incompatible` is build
//! metadata and so ignored; pseudo-versions
//! (`v0.0.0-20191109021931-daa7c04131f5`) are pre-releases and sort where Go
//! sorts them.

use std::cmp::Ordering;

use super::num::{digit_run, Num};
use super::{Scheme, VersionError};

/// A parsed semantic version (build metadata dropped).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SemVersion {
    major: Num,
    minor: Num,
    patch: Num,
    pre: Box<[Ident]>,
}

/// A pre-release identifier: numeric below alphanumeric (derived order).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Ident {
    Numeric(Num),
    Alphanumeric(Box<str>),
}

impl SemVersion {
    /// Parses an npm / crates.io version (`1.2.3-rc.1+build`, `v1.2.3`).
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        let s = input.trim_matches(|c: char| c.is_ascii_whitespace());
        let s = s.strip_prefix('v').unwrap_or(s);
        parse(s, false).map_err(|reason| VersionError::invalid(Scheme::Semver, input, reason))
    }

    /// Parses a Go module version (`v1.2.3`, `1.2.3`, `v1.2`,
    /// `v2.0.0+incompatible`, pseudo-versions).
    pub fn parse_go(input: &str) -> Result<Self, VersionError> {
        let s = input.strip_prefix('v').unwrap_or(input);
        parse(s, true).map_err(|reason| VersionError::invalid(Scheme::Go, input, reason))
    }

    /// True when the version has a pre-release part.
    pub fn is_prerelease(&self) -> bool {
        !self.pre.is_empty()
    }
}

/// A number without leading zeros at the start of `s`; returns it and the
/// length read.
fn number(s: &str) -> Result<(Num, usize), &'static str> {
    let len = digit_run(s.as_bytes());
    if len == 0 {
        return Err("expected a number");
    }
    if len > 1 && s.starts_with('0') {
        return Err("number with a leading zero");
    }
    Ok((Num::from_digits(&s[..len]), len))
}

fn parse(s: &str, go: bool) -> Result<SemVersion, &'static str> {
    if s.is_empty() {
        return Err("version string is empty");
    }
    let (major, len) = number(s)?;
    let mut rest = &s[len..];
    let mut parts = [Num::ZERO, Num::ZERO];
    for part in &mut parts {
        match rest.strip_prefix('.') {
            Some(after) => {
                let (n, len) = number(after)?;
                *part = n;
                rest = &after[len..];
            }
            // Go's shorthands v1 and v1.2 stand alone.
            None if go && rest.is_empty() => return Ok(shorthand(major, parts)),
            None => return Err("expected MAJOR.MINOR.PATCH"),
        }
    }
    let [minor, patch] = parts;
    let (pre, build) = match rest.split_once('+') {
        Some((pre, build)) => (pre, Some(build)),
        None => (rest, None),
    };
    let pre = match pre.strip_prefix('-') {
        Some(list) => identifiers(list)?,
        None if pre.is_empty() => Box::default(),
        None => return Err("unexpected text after MAJOR.MINOR.PATCH"),
    };
    if let Some(build) = build {
        for id in build.split('.') {
            if id.is_empty() || !id.bytes().all(is_ident_byte) {
                return Err("invalid build metadata");
            }
        }
    }
    Ok(SemVersion {
        major,
        minor,
        patch,
        pre,
    })
}

fn shorthand(major: Num, [minor, patch]: [Num; 2]) -> SemVersion {
    SemVersion {
        major,
        minor,
        patch,
        pre: Box::default(),
    }
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

fn identifiers(list: &str) -> Result<Box<[Ident]>, &'static str> {
    list.split('.')
        .map(|id| {
            if id.is_empty() || !id.bytes().all(is_ident_byte) {
                return Err("invalid pre-release identifier");
            }
            if id.bytes().all(|b| b.is_ascii_digit()) {
                if id.len() > 1 && id.starts_with('0') {
                    return Err("numeric pre-release identifier with a leading zero");
                }
                Ok(Ident::Numeric(Num::from_digits(id)))
            } else {
                Ok(Ident::Alphanumeric(id.into()))
            }
        })
        .collect()
}

impl Ord for SemVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.major
            .cmp(&other.major)
            .then_with(|| self.minor.cmp(&other.minor))
            .then_with(|| self.patch.cmp(&other.patch))
            .then_with(|| match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.pre.cmp(&other.pre),
            })
    }
}

impl PartialOrd for SemVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npm(s: &str) -> SemVersion {
        SemVersion::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    fn go(s: &str) -> SemVersion {
        SemVersion::parse_go(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn spec_precedence_example() {
        let ascending = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1",
            "1.10.0",
            "2.0.0",
        ];
        for pair in ascending.windows(2) {
            assert!(npm(pair[0]) < npm(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        assert_eq!(npm("1.0.0+build.5"), npm("1.0.0"));
        assert_eq!(npm(" v1.0.0 "), npm("1.0.0"));
        assert!(npm("1.0.0-99999999999999999999999") > npm("1.0.0-99999999999999999999998"));
        assert!(npm("1.0.0-99999999999999999999999") < npm("1.0.0-a"));
    }

    #[test]
    fn rejects_invalid_semver() {
        for bad in [
            "",
            "1",
            "1.0",
            "01.0.0",
            "1.01.0",
            "1.0.0-01",
            "1.0.0-",
            "1.0.0-a..b",
            "1.0.0+",
            "1.0.0+a..b",
            "1.0.0-a_b",
            "1.0.0.0",
            "v",
            "vv1.0.0",
            "1.0.0 x",
            "=1.0.0",
            "V1.0.0",
        ] {
            assert!(SemVersion::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn go_shorthands_and_incompatible() {
        assert_eq!(go("v1"), go("v1.0.0"));
        assert_eq!(go("v1.2"), go("v1.2.0"));
        assert_eq!(go("1.2.3"), go("v1.2.3"));
        assert_eq!(go("v2.0.0+incompatible"), go("v2.0.0"));
        assert!(go("v2.0.0+incompatible") < go("v2.0.1"));
        for bad in ["v1.2-pre", "v1-pre", "v1.2+meta", "v01.2.3", "V1.2.3", "v1.2.3.4", ""] {
            assert!(SemVersion::parse_go(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn go_pseudo_versions_sort_between_releases() {
        // vX.0.0-yyyymmddhhmmss-hash: no earlier tag; before v0.0.0 itself.
        let p1 = go("v0.0.0-20191109021931-daa7c04131f5");
        let p2 = go("v0.0.0-20200101000000-0123456789ab");
        assert!(p1 < p2);
        assert!(p2 < go("v0.0.0"));
        assert!(go("v0.0.0-alpha") > p2, "alphanumeric beats numeric-led");

        // vX.Y.Z-pre.0.yyyymmddhhmmss-hash: after vX.Y.Z-pre, before vX.Y.Z-pre.1.
        let p = go("v1.2.3-pre.0.20191109021931-daa7c04131f5");
        assert!(go("v1.2.3-pre") < p);
        assert!(p < go("v1.2.3-pre.1"));
        assert!(p < go("v1.2.3"));

        // vX.Y.(Z+1)-0.yyyymmddhhmmss-hash: after vX.Y.Z, before any
        // pre-release of vX.Y.(Z+1) and vX.Y.(Z+1) itself.
        let p = go("v1.2.4-0.20191109021931-daa7c04131f5");
        assert!(go("v1.2.3") < p);
        assert!(go("v1.2.3+incompatible") < p);
        assert!(p < go("v1.2.4-0.20191109021932-000000000000"));
        assert!(p < go("v1.2.4-alpha"));
        assert!(p < go("v1.2.4-1"));
        assert!(p < go("v1.2.4"));
    }
}
