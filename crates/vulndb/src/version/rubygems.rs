//! Ruby gem versions, parsed and ordered as RubyGems 3.3's `Gem::Version`.
//!
//! Valid: `N(.X)*[-Y(.Y)*]` where `N` is digits, `X` is `[0-9A-Za-z]+`, `Y`
//! is `[0-9A-Za-z-]+`, with white space around. Each `-` stands for `.pre.`
//! (`1.0-1` is `1.0.pre.1`). The version is cut into segments: runs of
//! digits (numbers) and runs of letters (strings); a string makes the
//! version a pre-release.
//!
//! Ordering works on the canonical segments: the segments before the first
//! string and those from it on, each without its trailing zeros, put back
//! together (`1.0.a == 1.a`, `1.a.0 == 1.a`). Missing segments count as 0;
//! a string is below any number (`1.0.a < 1.0`); strings compare by bytes,
//! case-sensitively; numbers by value, at any length.
//!
//! `Gem::Version.new("")` is version 0; here an empty string is an error,
//! like everywhere else in [`crate::version`].

use std::cmp::Ordering;

use super::num::{digit_run, Num};
use super::{Scheme, VersionError};

/// A parsed gem version (canonical segments).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GemVersion {
    segments: Box<[Segment]>,
    prerelease: bool,
}

/// A segment: strings below numbers (the derived order).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Segment {
    Text(Box<str>),
    Number(Num),
}

const ZERO: Segment = Segment::Number(Num::ZERO);

/// Ruby's `\s`.
fn is_ruby_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0x0c | 0x0b)
}

impl GemVersion {
    /// Parses a gem version string.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        parse(input).map_err(|reason| VersionError::invalid(Scheme::RubyGems, input, reason))
    }

    /// True when any segment is a string (`1.0.a`, `1.0-1`).
    pub fn is_prerelease(&self) -> bool {
        self.prerelease
    }
}

fn parse(input: &str) -> Result<GemVersion, &'static str> {
    let b = input.as_bytes();
    let start = b.iter().position(|&c| !is_ruby_space(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|&c| !is_ruby_space(c)).map_or(start, |e| e + 1);
    let s = &input[start..end.max(start)];
    if s.is_empty() {
        return Err("version string is empty");
    }
    check_syntax(s.as_bytes())?;

    let bytes = s.as_bytes();
    let mut segments = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let c = bytes[at];
        if c.is_ascii_digit() {
            let len = digit_run(&bytes[at..]);
            segments.push(Segment::Number(Num::from_digits(&s[at..at + len])));
            at += len;
        } else if c.is_ascii_alphabetic() {
            let len = bytes[at..].iter().take_while(|c| c.is_ascii_alphabetic()).count();
            segments.push(Segment::Text(s[at..at + len].into()));
            at += len;
        } else {
            if c == b'-' {
                segments.push(Segment::Text("pre".into()));
            }
            at += 1;
        }
    }

    let first_text = segments
        .iter()
        .position(|s| matches!(s, Segment::Text(_)))
        .unwrap_or(segments.len());
    let mut texts = segments.split_off(first_text);
    let prerelease = !texts.is_empty();
    for part in [&mut segments, &mut texts] {
        while part.last() == Some(&ZERO) {
            part.pop();
        }
    }
    segments.append(&mut texts);
    Ok(GemVersion {
        segments: segments.into_boxed_slice(),
        prerelease,
    })
}

/// `[0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?`
fn check_syntax(s: &[u8]) -> Result<(), &'static str> {
    let n = digit_run(s);
    if n == 0 {
        return Err("version must start with a number");
    }
    let mut at = n;
    let mut in_pre = false;
    while let Some(&c) = s.get(at) {
        match c {
            b'.' => {}
            b'-' if !in_pre => in_pre = true,
            _ => return Err("malformed version number string"),
        }
        let len = s[at + 1..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || (in_pre && **b == b'-'))
            .count();
        if len == 0 {
            return Err("malformed version number string");
        }
        at += 1 + len;
    }
    Ok(())
}

impl Ord for GemVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (&self.segments, &other.segments);
        for i in 0..a.len().max(b.len()) {
            let x = a.get(i).unwrap_or(&ZERO);
            let y = b.get(i).unwrap_or(&ZERO);
            let ord = x.cmp(y);
            if ord.is_ne() {
                return ord;
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for GemVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> GemVersion {
        GemVersion::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn canonical_equalities() {
        for (a, b) in [
            ("1.0", "1"),
            ("1.0.0", "1"),
            ("1.0.a", "1.a"),
            ("1.a.0", "1.a"),
            ("1.0-1", "1.0.pre.1"),
            (" 1.2 ", "1.2"),
            ("1.0a1", "1.0.a.1"),
        ] {
            assert_eq!(v(a), v(b), "{a} == {b}");
        }
    }

    #[test]
    fn prereleases_sort_below() {
        let ascending = [
            "1.0.A", "1.0.a", "1.0.a.1", "1.0.b", "1.0.rc1", "1.0", "1.0.0.1", "1.1.a", "1.1",
        ];
        for pair in ascending.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        assert!(v("1.0.b1").is_prerelease());
        assert!(!v("1.0").is_prerelease());
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "", "  ", "a", "1.", "1..0", "1.0-", "1-.a", "1.0_1", "1.0+x", "1.0-a_b", "v1",
        ] {
            assert!(GemVersion::parse(bad).is_err(), "{bad:?}");
        }
        v("1.0-a-b.c-d");
        v("1.0--1");
    }
}
