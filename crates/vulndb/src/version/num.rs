//! Non-negative integers of any length, compared by value without overflow.
//!
//! Version strings carry digit runs of any length (dates, build numbers,
//! hostile 100 KB strings). Most fit a `u64`; the rest keep their digits.

use std::cmp::Ordering;

/// A non-negative integer parsed from ASCII digits.
///
/// Invariant: `Big` holds digits without leading zeros whose value exceeds
/// `u64::MAX`, so every `Small` is less than every `Big`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Num {
    Small(u64),
    Big(Box<str>),
}

impl Num {
    pub(crate) const ZERO: Num = Num::Small(0);

    /// Parses a run of ASCII digits (leading zeros allowed, empty means 0).
    ///
    /// Callers pass only ASCII digits; anything else is read as 0 rather than
    /// panicking, which the debug assertion flags in tests.
    pub(crate) fn from_digits(digits: &str) -> Num {
        debug_assert!(digits.bytes().all(|b| b.is_ascii_digit()));
        let trimmed = digits.trim_start_matches('0');
        if trimmed.is_empty() {
            return Num::ZERO;
        }
        match trimmed.parse::<u64>() {
            Ok(v) => Num::Small(v),
            // Only overflow can fail here: the input is digits.
            Err(_) => Num::Big(trimmed.into()),
        }
    }

    pub(crate) fn is_zero(&self) -> bool {
        matches!(self, Num::Small(0))
    }
}

impl Ord for Num {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Num::Small(a), Num::Small(b)) => a.cmp(b),
            (Num::Small(_), Num::Big(_)) => Ordering::Less,
            (Num::Big(_), Num::Small(_)) => Ordering::Greater,
            (Num::Big(a), Num::Big(b)) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
        }
    }
}

impl PartialOrd for Num {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Compares two runs of ASCII digits by numeric value, at any length.
pub(crate) fn cmp_digits(a: &[u8], b: &[u8]) -> Ordering {
    let a = strip_zeros(a);
    let b = strip_zeros(b);
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn strip_zeros(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&c| c != b'0').unwrap_or(s.len());
    &s[start..]
}

/// The length of the run of ASCII digits at the start of `s`.
pub(crate) fn digit_run(s: &[u8]) -> usize {
    s.iter().take_while(|c| c.is_ascii_digit()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_and_big_order_by_value() {
        let max = Num::from_digits("18446744073709551615");
        let over = Num::from_digits("18446744073709551616");
        assert_eq!(max, Num::Small(u64::MAX));
        assert!(matches!(over, Num::Big(_)));
        assert!(max < over);
        assert!(Num::from_digits("000123") == Num::Small(123));
        assert!(Num::from_digits("") == Num::ZERO);
        let a = Num::from_digits("99999999999999999999999");
        let b = Num::from_digits("100000000000000000000000");
        assert!(a < b);
        assert_eq!(Num::from_digits("0000100000000000000000000000"), b);
    }

    #[test]
    fn digit_runs_compare_without_overflow() {
        assert_eq!(cmp_digits(b"0010", b"9"), Ordering::Greater);
        assert_eq!(cmp_digits(b"000", b""), Ordering::Equal);
        let long_a = "1".repeat(400);
        let long_b = format!("{}2", "1".repeat(399));
        assert_eq!(cmp_digits(long_a.as_bytes(), long_b.as_bytes()), Ordering::Less);
        assert_eq!(digit_run(b"123abc"), 3);
    }
}
