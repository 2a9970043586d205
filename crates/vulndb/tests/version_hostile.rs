//! Hostile input: empty, huge, control characters, non-ASCII, deep nesting.
//! Every scheme answers with an error or a defined order, never a panic,
//! and in time linear in the input.

use std::cmp::Ordering;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use vigil_vulndb::version::{compare, Scheme, Version, VersionError};

const HUGE: usize = 100 * 1024;

/// A plain, valid version in every scheme, to compare hostile ones against.
fn plain(scheme: Scheme) -> Version {
    Version::parse(scheme, "1.2.3").unwrap_or_else(|e| panic!("{e}"))
}

/// Parses `input`; if accepted, checks that it orders consistently against
/// itself and a plain version. Returns whether it was accepted.
fn exercise(scheme: Scheme, input: &str) -> bool {
    match Version::parse(scheme, input) {
        Ok(v) => {
            assert_eq!(v.cmp(&v), Some(Ordering::Equal), "{scheme}: not equal to itself");
            let p = plain(scheme);
            let (vp, pv) = (v.cmp(&p), p.cmp(&v));
            assert_eq!(vp.map(Ordering::reverse), pv, "{scheme}: asymmetric");
            true
        }
        Err(e) => {
            assert_eq!(e.scheme(), scheme);
            assert!(e.input().chars().count() <= VersionError::MAX_INPUT + 1);
            false
        }
    }
}

#[test]
fn empty_and_blank_are_errors() {
    for scheme in Scheme::ALL {
        for input in ["", " ", "\t\n", "\0"] {
            assert!(!exercise(scheme, input), "{scheme}: {input:?} accepted");
        }
    }
}

#[test]
fn control_characters_are_errors() {
    for scheme in Scheme::ALL {
        for input in ["1.\x01", "\x1b[31m1.0", "1.0\x7f", "1\u{0}2.3", "1.2.3\r\n1", "1.0\x08"] {
            assert!(!exercise(scheme, input), "{scheme}: {input:?} accepted");
        }
        // Only Composer takes a NUL at the end: PHP's trim() removes it.
        let nul = exercise(scheme, "1.0\0");
        assert_eq!(nul, scheme == Scheme::Composer, "{scheme}: trailing NUL");
    }
}

#[test]
fn non_ascii_is_an_error() {
    for scheme in Scheme::ALL {
        for input in [
            "1.0é",
            "１.０",
            "1.0\u{202e}",
            "1.0-ß",
            "\u{feff}1.0",
            "1.0\u{a0}",
            "1.٣",
        ] {
            assert!(!exercise(scheme, input), "{scheme}: {input:?} accepted");
        }
    }
}

#[test]
fn huge_inputs_are_handled_in_linear_time() {
    let digits = "7".repeat(HUGE);
    let dotted = format!("1{}", ".1".repeat(HUGE / 2));
    let hyphens = format!("1{}", "-1".repeat(HUGE / 2));
    let tildes = format!("1{}", "~".repeat(HUGE));
    let letters = format!("1.{}", "a".repeat(HUGE));
    let alternating = "1a".repeat(HUGE / 2);
    let prerelease = format!("1.2.3-{}", "a.".repeat(HUGE / 2) + "a");
    let mut printable = String::with_capacity(HUGE);
    while printable.len() < HUGE {
        printable.extend((0x21u8..0x7f).map(char::from));
    }
    let garbage = format!("1.0{}", "\u{fffd}".repeat(HUGE / 3));
    let inputs = [
        &digits,
        &dotted,
        &hyphens,
        &tildes,
        &letters,
        &alternating,
        &prerelease,
        &printable,
        &garbage,
    ];
    for scheme in Scheme::ALL {
        for input in inputs {
            let start = Instant::now();
            exercise(scheme, input);
            // Twice over and compared with itself: still fast.
            let _ = compare(scheme, input, input);
            let took = start.elapsed();
            assert!(
                took < Duration::from_secs(2),
                "{scheme}: {} bytes starting {:?} took {took:?}",
                input.len(),
                &input[..8]
            );
        }
    }
}

#[test]
fn huge_numbers_order_by_value() {
    let nines = "9".repeat(HUGE);
    let bigger = format!("1{}", "0".repeat(HUGE));
    let cases = [
        (Scheme::Dpkg, nines.clone(), bigger.clone()),
        (Scheme::Apk, nines.clone(), bigger.clone()),
        (Scheme::Rpm, nines.clone(), bigger.clone()),
        (Scheme::Pep440, nines.clone(), bigger.clone()),
        (Scheme::Semver, format!("{nines}.0.0"), format!("{bigger}.0.0")),
        (Scheme::Go, format!("v{nines}.0.0"), format!("v{bigger}.0.0")),
        (Scheme::Maven, nines.clone(), bigger.clone()),
        (Scheme::RubyGems, nines.clone(), bigger.clone()),
        (Scheme::Composer, format!("1.{nines}"), format!("1.{bigger}")),
    ];
    for (scheme, a, b) in cases {
        assert_eq!(compare(scheme, &a, &b), Ok(Ordering::Less), "{scheme}");
        assert_eq!(compare(scheme, &b, &a), Ok(Ordering::Greater), "{scheme}");
        let zeros = format!("000{a}");
        let same = compare(scheme, &zeros, &a);
        // Leading zeros: equal where the scheme reads numbers, an error
        // where it forbids them.
        assert!(matches!(same, Ok(Ordering::Equal) | Err(_)), "{scheme}: {same:?}");
    }
    // NuGet caps numbers at Int32.MaxValue.
    assert!(Version::parse(Scheme::NuGet, &nines).is_err());
}

#[test]
fn deeply_nested_maven_does_not_overflow_the_stack() {
    for unit in ["1-", "a-", "1a", "-", "a1-", "1.a-"] {
        let deep = unit.repeat(HUGE / unit.len());
        exercise(Scheme::Maven, &deep);
        let _ = compare(Scheme::Maven, &deep, &format!("{deep}1"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any string: an error or a consistent order, never a panic.
    #[test]
    fn arbitrary_strings_never_panic(a in any::<String>(), b in "[0-9a-zA-Z.~^_+:!-]{0,12}") {
        for scheme in Scheme::ALL {
            exercise(scheme, &a);
            exercise(scheme, &b);
            if let (Ok(x), Ok(y)) = (Version::parse(scheme, &a), Version::parse(scheme, &b)) {
                prop_assert_eq!(x.cmp(&y).map(Ordering::reverse), y.cmp(&x));
            }
        }
    }

    /// Any bytes, read as UTF-8 lossily: never a panic.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let s = String::from_utf8_lossy(&bytes);
        for scheme in Scheme::ALL {
            exercise(scheme, &s);
        }
    }
}
