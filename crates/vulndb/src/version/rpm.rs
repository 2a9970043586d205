//! RPM versions: `[epoch:]version[-release]`, ordered as rpm 4.18 orders
//! them (`rpmvercmp` on each part, `rpm.ver` for the whole).
//!
//! Splitting follows rpm's `parseEVR`: the epoch is the run of digits before
//! a `:` at the start (an empty one is 0, a missing one is 0); the release is
//! what follows the last `-`. A version without a release sorts before the
//! same version with any release (`1.0 < 1.0-0`), as `rpm.ver` does.
//!
//! `rpmvercmp` splits a string into alphabetic and numeric segments; every
//! other character separates segments and is otherwise ignored, except `~`
//! and `^`. Numeric segments compare by value at any length, alphabetic
//! ones by bytes, and a numeric segment beats an alphabetic one. `~` sorts
//! before everything, the end included (`1.0~rc1 < 1.0`); `^` sorts after
//! the end but before any further segment (`1.0 < 1.0^git1 < 1.0.1`).
//!
//! Empty strings, an empty version part, and characters outside printable
//! ASCII are rejected.

use std::cmp::Ordering;

use super::num::{cmp_digits, Num};
use super::{Scheme, VersionError};

/// A parsed RPM epoch-version-release.
#[derive(Clone, Debug)]
pub struct RpmVersion {
    epoch: Num,
    /// The version, then the release if any: `text[..split]`, `text[split..]`.
    text: Box<str>,
    split: usize,
    has_release: bool,
}

impl RpmVersion {
    /// Parses `[epoch:]version[-release]`.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        parse(input).map_err(|reason| VersionError::invalid(Scheme::Rpm, input, reason))
    }

    /// The version part.
    pub fn version(&self) -> &str {
        self.text.get(..self.split).unwrap_or("")
    }

    /// The release part, if the string had one.
    pub fn release(&self) -> Option<&str> {
        if self.has_release {
            self.text.get(self.split..)
        } else {
            None
        }
    }
}

fn parse(s: &str) -> Result<RpmVersion, &'static str> {
    if s.is_empty() {
        return Err("version string is empty");
    }
    if s.bytes().any(|b| !(0x21..=0x7e).contains(&b)) {
        return Err("whitespace, control or non-ASCII character in version");
    }
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    let (epoch, rest) = match s.as_bytes().get(digits) {
        Some(b':') => (Num::from_digits(&s[..digits]), &s[digits + 1..]),
        _ => (Num::ZERO, s),
    };
    let (version, release) = match rest.rsplit_once('-') {
        Some((version, release)) => (version, Some(release)),
        None => (rest, None),
    };
    if version.is_empty() {
        return Err("version part is empty");
    }
    let mut text = String::with_capacity(rest.len());
    text.push_str(version);
    text.push_str(release.unwrap_or(""));
    Ok(RpmVersion {
        epoch,
        text: text.into_boxed_str(),
        split: version.len(),
        has_release: release.is_some(),
    })
}

/// rpm's `rpmvercmp`.
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    vercmp(a.as_bytes(), b.as_bytes())
}

fn vercmp(a: &[u8], b: &[u8]) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let skip = |s: &[u8], mut k: usize| {
        while k < s.len() && !s[k].is_ascii_alphanumeric() && s[k] != b'~' && s[k] != b'^' {
            k += 1;
        }
        k
    };
    let (mut i, mut j) = (0, 0);
    loop {
        i = skip(a, i);
        j = skip(b, j);
        let (ca, cb) = (a.get(i).copied(), b.get(j).copied());
        if ca == Some(b'~') || cb == Some(b'~') {
            if ca != Some(b'~') {
                return Ordering::Greater;
            }
            if cb != Some(b'~') {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if ca == Some(b'^') || cb == Some(b'^') {
            match (ca, cb) {
                (None, _) => return Ordering::Less,
                (_, None) => return Ordering::Greater,
                (Some(b'^'), Some(b'^')) => {}
                (_, Some(b'^')) => return Ordering::Greater,
                _ => return Ordering::Less,
            }
            i += 1;
            j += 1;
            continue;
        }
        let (Some(ca), Some(_)) = (ca, cb) else {
            break;
        };
        let numeric = ca.is_ascii_digit();
        let class = |c: &u8| {
            if numeric {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        let (si, sj) = (i, j);
        i += a[i..].iter().take_while(|c| class(c)).count();
        j += b[j..].iter().take_while(|c| class(c)).count();
        if sj == j {
            // Segments of different kinds: numeric is newer.
            return if numeric { Ordering::Greater } else { Ordering::Less };
        }
        let ord = if numeric {
            cmp_digits(&a[si..i], &b[sj..j])
        } else {
            a[si..i].cmp(&b[sj..j])
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    match (i >= a.len(), j >= b.len()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

impl Ord for RpmVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| vercmp(self.version().as_bytes(), other.version().as_bytes()))
            .then_with(|| match (self.release(), other.release()) {
                (Some(a), Some(b)) => vercmp(a.as_bytes(), b.as_bytes()),
                (a, b) => a.is_some().cmp(&b.is_some()),
            })
    }
}

impl PartialOrd for RpmVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for RpmVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for RpmVersion {}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> RpmVersion {
        RpmVersion::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn splits_evr() {
        let x = v("2:1.2-3.el9");
        assert_eq!(
            (x.epoch.clone(), x.version(), x.release()),
            (Num::Small(2), "1.2", Some("3.el9"))
        );
        let y = v("1.2-3-4");
        assert_eq!((y.version(), y.release()), ("1.2-3", Some("4")));
        let z = v(":1.2");
        assert_eq!((z.epoch.clone(), z.version(), z.release()), (Num::ZERO, "1.2", None));
        // Not an epoch: the digits do not run up to the colon.
        assert_eq!(v("a:1").version(), "a:1");
    }

    #[test]
    fn vercmp_rules() {
        use Ordering::*;
        let cases = [
            ("1.0", "1.0", Equal),
            ("1.0", "1_0", Equal),
            ("1.0", "1.0.", Equal),
            ("1.0a", "1.0", Greater),
            ("1.0~rc1", "1.0", Less),
            ("1.0~rc1", "1.0~rc2", Less),
            ("1.0^git1", "1.0", Greater),
            ("1.0^git1", "1.0.1", Less),
            ("1.0^", "1.0~", Greater),
            ("a", "1", Less),
            ("010", "10", Equal),
            ("2.0.1a", "2.0.1", Greater),
            ("5.5p1", "5.5p10", Less),
            ("xyz10", "xyz10.1", Less),
        ];
        for (a, b, want) in cases {
            assert_eq!(rpmvercmp(a, b), want, "{a} vs {b}");
            assert_eq!(rpmvercmp(b, a), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn epoch_and_missing_release() {
        assert!(v("1:1.0") > v("2.0"));
        assert_eq!(v("0:1.0-1"), v("1.0-1"));
        assert!(v("1.0") < v("1.0-0"));
        assert!(v("1.0") < v("1.0-~1"));
        assert!(v("1.0-") > v("1.0-~1"));
        assert!(v("99999999999999999999999:1") > v("99999999999999999999998:2"));
    }
}
