//! Debian and Ubuntu versions: `[epoch:]upstream[-revision]`, ordered as
//! `dpkg --compare-versions` orders them.
//!
//! Parsing follows dpkg's `parseversion`: surrounding whitespace is dropped;
//! the epoch is the part before the first `:` and must be a number up to
//! `INT_MAX`; the revision is the part after the last `-` and must not be
//! empty; the upstream part must not be empty. What dpkg only warns about
//! (an upstream part that does not start with a digit, characters outside
//! `[A-Za-z0-9.+~:-]`) is accepted and compared the way dpkg compares it.
//! Characters dpkg would compare through C's signed `char` (control
//! characters, non-ASCII bytes) are rejected.
//!
//! Ordering (dpkg's `verrevcmp`, applied to upstream then revision): walk
//! both strings alternating a non-digit part and a digit part. Non-digit
//! characters compare by a weight where `~` sorts before everything, even
//! the end of the string, then the end, then letters (by ASCII), then all
//! other characters (by ASCII). Digit parts compare numerically, at any
//! length. A missing revision equals `0`.

use std::cmp::Ordering;

use super::{Scheme, VersionError};

/// A parsed dpkg version.
#[derive(Clone, Debug)]
pub struct DpkgVersion {
    epoch: u32,
    /// Upstream then revision, back to back: `text[..split]` and `text[split..]`.
    text: Box<str>,
    split: usize,
}

/// dpkg's `c_isspace`: the C locale's white space.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

impl DpkgVersion {
    /// Parses a Debian version string.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        parse(input).map_err(|reason| VersionError::invalid(Scheme::Dpkg, input, reason))
    }

    /// The epoch (0 when absent).
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// The upstream version.
    pub fn upstream(&self) -> &str {
        self.text.get(..self.split).unwrap_or("")
    }

    /// The Debian revision (empty when absent).
    pub fn revision(&self) -> &str {
        self.text.get(self.split..).unwrap_or("")
    }
}

fn parse(input: &str) -> Result<DpkgVersion, &'static str> {
    let bytes = input.as_bytes();
    let start = bytes.iter().position(|&b| !is_c_space(b));
    let Some(start) = start else {
        return Err("version string is empty");
    };
    let end = bytes.iter().rposition(|&b| !is_c_space(b)).map_or(start, |e| e + 1);
    let s = &input[start..end];
    if s.bytes().any(is_c_space) {
        return Err("version string has embedded spaces");
    }
    if s.bytes().any(|b| !(0x21..=0x7e).contains(&b)) {
        return Err("control or non-ASCII character in version");
    }

    let (epoch, rest) = match s.split_once(':') {
        None => (0, s),
        Some((epoch, rest)) => {
            let epoch = parse_epoch(epoch)?;
            if rest.is_empty() {
                return Err("nothing after colon in version number");
            }
            (epoch, rest)
        }
    };
    let (upstream, revision) = match rest.rsplit_once('-') {
        None => (rest, ""),
        Some((_, "")) => return Err("revision number is empty"),
        Some(parts) => parts,
    };
    if upstream.is_empty() {
        return Err("version number is empty");
    }
    let mut text = String::with_capacity(upstream.len() + revision.len());
    text.push_str(upstream);
    text.push_str(revision);
    Ok(DpkgVersion {
        epoch,
        text: text.into_boxed_str(),
        split: upstream.len(),
    })
}

/// The epoch as dpkg reads it with `strtol`: an optional sign, digits, and
/// nothing else; negative and values above `INT_MAX` are errors.
fn parse_epoch(epoch: &str) -> Result<u32, &'static str> {
    let (negative, digits) = match epoch.as_bytes().first() {
        Some(b'-') => (true, &epoch[1..]),
        Some(b'+') => (false, &epoch[1..]),
        _ => (false, epoch),
    };
    if digits.is_empty() || !digits.as_bytes()[0].is_ascii_digit() {
        return Err("epoch in version is empty");
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("epoch in version is not number");
    }
    let significant = digits.trim_start_matches('0');
    if negative && !significant.is_empty() {
        return Err("epoch in version is negative");
    }
    if significant.len() > 10 {
        return Err("epoch in version is too big");
    }
    let value: u64 = significant.parse().unwrap_or(0);
    if value > i32::MAX as u64 {
        return Err("epoch in version is too big");
    }
    // Bounded by i32::MAX just above.
    Ok(value as u32)
}

/// dpkg's character weight for the non-digit parts.
fn weight(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(b'~') => -1,
        Some(c) => i32::from(c) + 256,
    }
}

/// dpkg's `verrevcmp`, with digit runs compared at any length.
fn verrevcmp(a: &[u8], b: &[u8]) -> Ordering {
    let (mut i, mut j) = (0, 0);
    let is_digit = |s: &[u8], k: usize| s.get(k).is_some_and(u8::is_ascii_digit);
    while i < a.len() || j < b.len() {
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let (wa, wb) = (weight(a.get(i).copied()), weight(b.get(j).copied()));
            if wa != wb {
                return wa.cmp(&wb);
            }
            // Equal weights here mean both sides hold a real character.
            i += 1;
            j += 1;
        }
        while a.get(i) == Some(&b'0') {
            i += 1;
        }
        while b.get(j) == Some(&b'0') {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while is_digit(a, i) && is_digit(b, j) {
            if first_diff == Ordering::Equal {
                first_diff = a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
        if is_digit(a, i) {
            return Ordering::Greater;
        }
        if is_digit(b, j) {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

impl Ord for DpkgVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(self.upstream().as_bytes(), other.upstream().as_bytes()))
            .then_with(|| verrevcmp(self.revision().as_bytes(), other.revision().as_bytes()))
    }
}

impl PartialOrd for DpkgVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for DpkgVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for DpkgVersion {}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> DpkgVersion {
        DpkgVersion::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn splits_epoch_upstream_revision() {
        let x = v("2:1.2-3-4ubuntu1");
        assert_eq!((x.epoch(), x.upstream(), x.revision()), (2, "1.2-3", "4ubuntu1"));
        let y = v(" 1.0 ");
        assert_eq!((y.epoch(), y.upstream(), y.revision()), (0, "1.0", ""));
        assert_eq!(v("1:2:3").upstream(), "2:3");
    }

    #[test]
    fn tilde_sorts_before_the_end() {
        assert!(v("1.0~rc1") < v("1.0"));
        assert!(v("1.0~~") < v("1.0~"));
        assert!(v("1.0~~a") < v("1.0~"));
        assert!(v("1.0") < v("1.0a"));
        assert!(v("1.0a") < v("1.0+"));
        assert!(v("1.0-1~bpo1") < v("1.0-1"));
    }

    #[test]
    fn missing_revision_equals_zero() {
        assert_eq!(v("1.0"), v("1.0-0"));
        assert_eq!(v("0:1.0"), v("1.0"));
        assert_eq!(v("1.01"), v("1.1"));
    }

    #[test]
    fn rejects_what_dpkg_rejects() {
        for bad in [
            "",
            "   ",
            "1.0-",
            ":1.0",
            "a:1.0",
            "1:",
            "-1",
            "1:-1",
            "1 0",
            "-1:1.0",
            "2147483648:1",
            "1.0\u{7f}",
            "1.0\u{e9}",
        ] {
            assert!(DpkgVersion::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(v("2147483647:1").epoch(), 2_147_483_647);
        assert_eq!(v("+1:1").epoch(), 1);
        assert_eq!(v("-0:1").epoch(), 0);
    }
}
