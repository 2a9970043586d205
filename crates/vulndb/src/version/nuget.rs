//! NuGet package versions (NuGet.Versioning's `NuGetVersion` and
//! `VersionComparer.Default`), from the documented rules.
//!
//! `N[.N[.N[.N]]][-label(.label)*][+metadata]`, surrounding white space
//! ignored: one to four numbers (leading zeros allowed, each at most
//! `i32::MAX`), release labels of `[0-9A-Za-z-]` (a numeric label has no
//! leading zero), metadata parts of `[0-9A-Za-z-]`. Missing numbers are 0, so
//! `1.0 == 1.0.0 == 1.0.0.0`; metadata is ignored.
//!
//! Order: the four numbers; then a version without labels above one with;
//! then labels one by one: a label that is a number fitting `i32` compares
//! numerically and below any other label, other labels compare
//! case-insensitively (ordinal), and a shorter list that is a prefix of a
//! longer one is lower.

use std::cmp::Ordering;

use super::num::digit_run;
use super::{Scheme, VersionError};

/// A parsed NuGet version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NuGetVersion {
    numbers: [u32; 4],
    labels: Box<[Label]>,
}

/// A release label: numbers below text (the derived order). Text is kept
/// lowercased, which orders `[0-9A-Za-z-]` as an ordinal case-insensitive
/// comparison does.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Label {
    Number(u32),
    Text(Box<str>),
}

impl NuGetVersion {
    /// Parses a NuGet version string.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        parse(input).map_err(|reason| VersionError::invalid(Scheme::NuGet, input, reason))
    }

    /// True when the version has release labels.
    pub fn is_prerelease(&self) -> bool {
        !self.labels.is_empty()
    }
}

fn is_label_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

fn parse(input: &str) -> Result<NuGetVersion, &'static str> {
    let s = input.trim_matches(|c: char| c.is_ascii_whitespace());
    if s.is_empty() {
        return Err("version string is empty");
    }
    let (rest, metadata) = match s.split_once('+') {
        Some((rest, metadata)) => (rest, Some(metadata)),
        None => (s, None),
    };
    let (numbers_text, labels_text) = match rest.split_once('-') {
        Some((numbers, labels)) => (numbers, Some(labels)),
        None => (rest, None),
    };

    let mut numbers = [0u32; 4];
    for (index, part) in numbers_text.split('.').enumerate() {
        let slot = numbers.get_mut(index).ok_or("more than four version numbers")?;
        if part.is_empty() || digit_run(part.as_bytes()) != part.len() {
            return Err("version numbers must be digits");
        }
        *slot = fits_i32(part).ok_or("version number larger than Int32.MaxValue")?;
    }

    let labels = match labels_text {
        None => Box::default(),
        Some(text) => text
            .split('.')
            .map(|label| {
                if label.is_empty() || !label.bytes().all(is_label_byte) {
                    return Err("invalid release label");
                }
                let numeric = label.bytes().all(|b| b.is_ascii_digit());
                if numeric && label.len() > 1 && label.starts_with('0') {
                    return Err("numeric release label with a leading zero");
                }
                Ok(match fits_i32(label).filter(|_| numeric) {
                    Some(n) => Label::Number(n),
                    None => Label::Text(label.to_ascii_lowercase().into_boxed_str()),
                })
            })
            .collect::<Result<_, _>>()?,
    };

    if let Some(metadata) = metadata {
        if metadata
            .split('.')
            .any(|part| part.is_empty() || !part.bytes().all(is_label_byte))
        {
            return Err("invalid build metadata");
        }
    }
    Ok(NuGetVersion { numbers, labels })
}

/// Digits whose value fits `i32`, as .NET's `Int32.TryParse` reads them.
fn fits_i32(digits: &str) -> Option<u32> {
    let significant = digits.trim_start_matches('0');
    if significant.len() > 10 {
        return None;
    }
    let value: u64 = if significant.is_empty() {
        0
    } else {
        significant.parse().ok()?
    };
    u32::try_from(value).ok().filter(|&v| v <= i32::MAX as u32)
}

impl Ord for NuGetVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.numbers
            .cmp(&other.numbers)
            .then_with(|| match (self.labels.is_empty(), other.labels.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => self.labels.cmp(&other.labels),
            })
    }
}

impl PartialOrd for NuGetVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> NuGetVersion {
        NuGetVersion::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn numbers_pad_with_zero() {
        assert_eq!(v("1"), v("1.0.0.0"));
        assert_eq!(v("1.0"), v("1.0.0"));
        assert_eq!(v("01.002.0003"), v("1.2.3"));
        assert_eq!(v("1.0.0+abc.def"), v("1.0.0"));
        assert!(v("1.0.0.1") > v("1.0.0"));
        assert_eq!(v("2147483647.0").numbers[0], 2_147_483_647);
    }

    #[test]
    fn labels_case_insensitive() {
        assert_eq!(v("1.0.0-RC.1"), v("1.0.0-rc.1"));
        assert_eq!(v("1.0.0-Beta"), v("1.0.0-beta+meta"));
        let ascending = [
            "1.0.0-1",
            "1.0.0-2",
            "1.0.0-10",
            "1.0.0-2147483648",
            "1.0.0-ALPHA",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-Beta.2",
            "1.0.0-beta.11",
            "1.0.0-beta-2",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.0.1-alpha",
            "1.0.1",
        ];
        for pair in ascending.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn rejects_invalid() {
        for bad in [
            "",
            "1.0.0.0.0",
            "1..0",
            "1.0.",
            "v1.0",
            "1.0.0-",
            "1.0.0-a..b",
            "1.0.0+",
            "1.0.0-01",
            "1.0.0-a_b",
            "2147483648.0",
            "1.0 .0",
            "-1.0",
            "1.0.0+a+b",
            "1.a",
        ] {
            assert!(NuGetVersion::parse(bad).is_err(), "{bad:?}");
        }
    }
}
