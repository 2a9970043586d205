//! Packagist (Composer) versions: normalised as Composer's
//! `VersionParser::normalize` does, then ordered as PHP's `version_compare`
//! orders the normalised strings — which is what Composer's constraints do.
//!
//! Normalisation (composer/semver 3.3, as shipped with Composer 2.5):
//! surrounding white space, an `X as Y` alias (keeps `X`), a `@stability`
//! flag and `+build` metadata are dropped; then
//! - classical: `[v]N[.N[.N[.N]]]` (the first number up to 5 digits) becomes
//!   four numbers, `1.2` → `1.2.0.0`;
//! - or date-based: `[v]YYYY` followed by 1-6 two-digit groups and an
//!   optional group of 1-3 digits, each optionally after `.`, `:` or `-`,
//!   with every separator turned into `.`: `2010-01-02` → `2010.01.02`;
//! - then a modifier: `[._-]` and one of `stable beta b RC alpha a patch pl
//!   p` (any case; `a`→`alpha`, `b`→`beta`, `pl`/`p`→`patch`, `rc`→`RC`)
//!   with optional numbers, and/or `dev`: `1.0.0-beta.2-dev` →
//!   `1.0.0.0-beta2-dev`; a lowercase `stable` drops the whole modifier;
//! - or a numeric branch: `1.x-dev` → `1.9999999.9999999.9999999-dev`.
//!
//! Branch names (`dev-master`, `dev-foo`, `master`, `trunk`, `default`)
//! are valid Composer versions with no place in an order:
//! [`VersionError::Unordered`]. Anything else is
//! [`VersionError::Invalid`].
//!
//! `version_compare` cuts the normalised string into numbers and words and
//! compares them one by one: numbers by value (here at any length; PHP
//! saturates past `i64`), words by their rank `dev < alpha < beta < RC <
//! (number) < patch` (a word ranks by its prefix: any `a…` is alpha, any
//! `p…` is patch, an unknown word such as `stable` ranks below `dev`). When
//! one side runs out, a following number makes the other side greater, and a
//! following word compares with the rank of a number: `1.0.0.0-beta <
//! 1.0.0.0 < 1.0.0.0-patch1`, and `2010.01.02 < 2010.01.02.0` (no zero
//! padding).

use std::cmp::Ordering;

use super::num::{digit_run, Num};
use super::{Scheme, VersionError};

/// A parsed Composer version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComposerVersion {
    normalized: Box<str>,
    parts: Box<[Part]>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Number(Num),
    /// A word's `version_compare` rank: -1 unknown, 0 dev, 1 alpha, 2 beta,
    /// 3 RC, 5 patch (4 is a number's rank).
    Word(i8),
}

const NUMBER_RANK: i8 = 4;

enum Fault {
    Invalid(&'static str),
    Branch,
}

impl ComposerVersion {
    /// Parses and normalises a Composer version string.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        match normalize(input) {
            Ok(normalized) => Ok(ComposerVersion {
                parts: parts(&normalized),
                normalized: normalized.into_boxed_str(),
            }),
            Err(Fault::Invalid(reason)) => Err(VersionError::invalid(Scheme::Composer, input, reason)),
            Err(Fault::Branch) => Err(VersionError::unordered(
                Scheme::Composer,
                input,
                "a dev-* branch name has no place in the version order",
            )),
        }
    }

    /// The normalised form, as `VersionParser::normalize` returns it.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }
}

/// PHP's `trim` characters.
fn is_php_trim(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\0' | '\x0b')
}

/// PCRE's `\s`.
fn is_pcre_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn normalize(input: &str) -> Result<String, Fault> {
    let mut v = input.trim_matches(is_php_trim);
    if v.is_empty() {
        return Err(Fault::Invalid("version string is empty"));
    }
    if !v.is_ascii() {
        return Err(Fault::Invalid("non-ASCII character in version"));
    }
    v = strip_alias(v);
    v = strip_stability_flag(v);
    if matches!(v, "master" | "trunk" | "default") || v.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("dev-")) {
        return Err(Fault::Branch);
    }
    v = strip_build(v);

    let body = v.strip_prefix(['v', 'V']).unwrap_or(v);
    if let Some(out) = classical(body).or_else(|| date_based(body)) {
        return Ok(out);
    }
    if let Some(out) = numeric_branch(v) {
        return Ok(out);
    }
    Err(Fault::Invalid("not a Composer version"))
}

/// `^([^,\s]++) ++as ++([^,\s]++)$` keeps the first version.
fn strip_alias(v: &str) -> &str {
    let plain = |s: &str| !s.is_empty() && !s.bytes().any(|b| b == b',' || is_pcre_space(b));
    if let Some((left, right)) = v.split_once(' ') {
        let middle = right.trim_start_matches(' ');
        if let Some(after) = middle.strip_prefix("as ") {
            let target = after.trim_start_matches(' ');
            if plain(left) && plain(target) {
                return left;
            }
        }
    }
    v
}

/// `@(stable|RC|beta|alpha|dev)$`, any case.
fn strip_stability_flag(v: &str) -> &str {
    if let Some((head, flag)) = v.rsplit_once('@') {
        if ["stable", "rc", "beta", "alpha", "dev"]
            .iter()
            .any(|s| flag.eq_ignore_ascii_case(s))
        {
            return head;
        }
    }
    v
}

/// `^([^,\s+]++)\+[^\s]++$` keeps the part before `+`.
fn strip_build(v: &str) -> &str {
    if let Some((head, build)) = v.split_once('+') {
        let head_ok = !head.is_empty() && !head.bytes().any(|b| b == b',' || is_pcre_space(b));
        let build_ok = !build.is_empty() && !build.bytes().any(is_pcre_space);
        if head_ok && build_ok {
            return head;
        }
    }
    v
}

/// `(\d{1,5})(\.\d+)?(\.\d+)?(\.\d+)?` + modifier.
fn classical(body: &str) -> Option<String> {
    let b = body.as_bytes();
    let major = digit_run(b);
    if major == 0 || major > 5 {
        return None;
    }
    let mut out = String::from(&body[..major]);
    let mut at = major;
    let mut count = 1;
    while count < 4 && b.get(at) == Some(&b'.') {
        let len = digit_run(&b[at + 1..]);
        if len == 0 {
            break;
        }
        out.push_str(&body[at..at + 1 + len]);
        at += 1 + len;
        count += 1;
    }
    for _ in count..4 {
        out.push_str(".0");
    }
    modifier(&body[at..], out)
}

/// `\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3})?` + modifier, separators
/// turned into dots.
fn date_based(body: &str) -> Option<String> {
    let b = body.as_bytes();
    // The date runs up to its last digit before anything but [0-9.:-]: the
    // modifier cannot start with a digit, so no shorter date can match.
    let span = b
        .iter()
        .take_while(|c| c.is_ascii_digit() || matches!(c, b'.' | b':' | b'-'))
        .count();
    let end = b[..span].iter().rposition(u8::is_ascii_digit)? + 1;
    let date = &b[..end];
    if date.len() < 4 || digit_run(&date[..4]) != 4 || !date_groups(&date[4..], 0) {
        return None;
    }
    let out: String = body[..end]
        .chars()
        .map(|c| if c.is_ascii_digit() { c } else { '.' })
        .collect();
    modifier(&body[end..], out)
}

/// Matches `(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3})?` against all of `rest`,
/// having already read `groups` two-digit groups.
fn date_groups(rest: &[u8], groups: usize) -> bool {
    let body = match rest.first() {
        Some(b'.' | b':' | b'-') => &rest[1..],
        _ => rest,
    };
    if groups >= 1 {
        let tail = digit_run(body);
        if rest.is_empty() || ((1..=3).contains(&tail) && tail == body.len()) {
            return true;
        }
    }
    groups < 6 && digit_run(body) >= 2 && date_groups(&body[2..], groups + 1)
}

/// `[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*+)?)?([.-]?dev)?$`
/// appended to the normalised numbers.
fn modifier(rest: &str, mut out: String) -> Option<String> {
    let b = rest.as_bytes();
    let mut at = usize::from(matches!(b.first(), Some(b'.' | b'_' | b'-')));
    let words = ["stable", "beta", "b", "rc", "alpha", "a", "patch", "pl", "p"];
    let word = words
        .iter()
        .find(|w| b.len() >= at + w.len() && b[at..at + w.len()].eq_ignore_ascii_case(w.as_bytes()));
    let mut stability = None;
    if let Some(word) = word {
        let original = &rest[at..at + word.len()];
        at += word.len();
        let tail_start = at;
        loop {
            let sep = usize::from(matches!(b.get(at), Some(b'.' | b'-')));
            let len = digit_run(&b[at + sep..]);
            if len == 0 {
                break;
            }
            at += sep + len;
        }
        stability = Some((original, &rest[tail_start..at]));
    }
    let dev_start = at + usize::from(matches!(b.get(at), Some(b'.' | b'-')));
    let dev = b.len() == dev_start + 3 && b[dev_start..].eq_ignore_ascii_case(b"dev");
    if !dev && at != b.len() {
        return None;
    }
    if let Some((word, tail)) = stability {
        if word == "stable" {
            return Some(out);
        }
        let expanded = match word.to_ascii_lowercase().as_str() {
            "a" | "alpha" => "alpha".to_owned(),
            "b" | "beta" => "beta".to_owned(),
            "p" | "pl" | "patch" => "patch".to_owned(),
            "rc" => "RC".to_owned(),
            other => other.to_owned(),
        };
        out.push('-');
        out.push_str(&expanded);
        out.push_str(tail.trim_start_matches(['.', '-']));
    }
    if dev {
        out.push_str("-dev");
    }
    Some(out)
}

/// `(.*?)[.-]?dev$` whose name is `[v]N(.N|.x)*` (up to four parts).
fn numeric_branch(v: &str) -> Option<String> {
    let len = v.len();
    if len < 3 || !v[len - 3..].eq_ignore_ascii_case("dev") {
        return None;
    }
    let name = &v[..len - 3];
    let name = name.strip_suffix(['.', '-']).unwrap_or(name);
    let name = name.trim_matches(is_php_trim);
    let name = name.strip_prefix(['v', 'V']).unwrap_or(name);
    let mut parts = name.split('.');
    let first = parts.next()?;
    if first.is_empty() || digit_run(first.as_bytes()) != first.len() {
        return None;
    }
    let mut out = String::from(first);
    let mut count = 1;
    for part in parts {
        count += 1;
        let numeric = !part.is_empty() && digit_run(part.as_bytes()) == part.len();
        if count > 4 || !(numeric || matches!(part, "x" | "X" | "*")) {
            return None;
        }
        out.push('.');
        out.push_str(if numeric { part } else { "9999999" });
    }
    for _ in count..4 {
        out.push_str(".9999999");
    }
    out.push_str("-dev");
    Some(out)
}

/// `version_compare`'s elements of a normalised version.
fn parts(normalized: &str) -> Box<[Part]> {
    let b = normalized.as_bytes();
    let mut out = Vec::new();
    let mut at = 0;
    while at < b.len() {
        let c = b[at];
        if c.is_ascii_digit() {
            let len = digit_run(&b[at..]);
            out.push(Part::Number(Num::from_digits(&normalized[at..at + len])));
            at += len;
        } else if c.is_ascii_alphabetic() {
            let len = b[at..].iter().take_while(|c| c.is_ascii_alphabetic()).count();
            out.push(Part::Word(word_rank(&normalized[at..at + len])));
            at += len;
        } else {
            at += 1;
        }
    }
    out.into_boxed_slice()
}

/// PHP's special version forms, matched by prefix in this order.
fn word_rank(word: &str) -> i8 {
    const FORMS: [(&str, i8); 10] = [
        ("dev", 0),
        ("alpha", 1),
        ("a", 1),
        ("beta", 2),
        ("b", 2),
        ("RC", 3),
        ("rc", 3),
        ("#", 4),
        ("pl", 5),
        ("p", 5),
    ];
    FORMS
        .iter()
        .find(|(form, _)| word.starts_with(form))
        .map_or(-1, |&(_, rank)| rank)
}

/// (rank, is a number): a missing element ranks as a number but below any.
fn rank(part: Option<&Part>) -> (i8, bool) {
    match part {
        None => (NUMBER_RANK, false),
        Some(Part::Word(r)) => (*r, false),
        Some(Part::Number(_)) => (NUMBER_RANK, true),
    }
}

impl Ord for ComposerVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (&self.parts, &other.parts);
        for i in 0..a.len().max(b.len()) {
            let (x, y) = (a.get(i), b.get(i));
            let ord = rank(x).cmp(&rank(y)).then_with(|| match (x, y) {
                (Some(Part::Number(m)), Some(Part::Number(n))) => m.cmp(n),
                _ => Ordering::Equal,
            });
            if ord.is_ne() {
                return ord;
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for ComposerVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> ComposerVersion {
        ComposerVersion::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn normalises_like_composer() {
        let cases = [
            ("1.0.0", "1.0.0.0"),
            ("v1.2", "1.2.0.0"),
            ("1.0.0-beta2", "1.0.0.0-beta2"),
            ("1.0.0-BETA.2", "1.0.0.0-beta2"),
            ("1.0-b2", "1.0.0.0-beta2"),
            ("1.0.0-rc1", "1.0.0.0-RC1"),
            ("1.0.0-pl3", "1.0.0.0-patch3"),
            ("1.0.0-p", "1.0.0.0-patch"),
            ("1.0.0-dev", "1.0.0.0-dev"),
            ("1.0.0-alpha3-dev", "1.0.0.0-alpha3-dev"),
            ("1.0.0-stable", "1.0.0.0"),
            ("1.0.0-Stable", "1.0.0.0-stable"),
            ("1.0.0+build.5", "1.0.0.0"),
            ("1.0.0@beta", "1.0.0.0"),
            ("1.0.0 as 1.1.0", "1.0.0.0"),
            ("2010-01-02", "2010.01.02"),
            ("2010.01.02.5-beta", "2010.01.02.5-beta"),
            ("20100102", "20100102"),
            ("123456.0", "123456.0"),
            ("2010.01.02", "2010.01.02.0"),
            ("1.0.", "1.0.0.0"),
            ("1.0.0-", "1.0.0.0"),
            ("1.0-stable-dev", "1.0.0.0"),
            ("1.0.0-beta1-2", "1.0.0.0-beta1-2"),
            ("1.x-dev", "1.9999999.9999999.9999999-dev"),
            ("v2.1.*-dev", "2.1.9999999.9999999-dev"),
            (" 1.2.3.4 ", "1.2.3.4"),
        ];
        for (input, want) in cases {
            assert_eq!(v(input).normalized(), want, "{input}");
        }
    }

    #[test]
    fn stability_order() {
        let ascending = [
            "1.0.0-Stable",
            "1.0.0-dev",
            "1.0.0-alpha",
            "1.0.0-alpha2",
            "1.0.0-beta",
            "1.0.0-RC1",
            "1.0.0",
            "1.0.0-patch1",
            "1.0.0.1",
            "1.0.1-dev",
        ];
        for pair in ascending.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        assert_eq!(v("1.0"), v("1.0.0.0"));
        assert!(v("2010-01-02") < v("2010.01.02"));
    }

    #[test]
    fn branches_are_unordered() {
        for branch in ["dev-master", "DEV-feature/x", "master", "trunk", "default"] {
            let err = ComposerVersion::parse(branch).expect_err("must be rejected");
            assert!(matches!(err, VersionError::Unordered { .. }), "{branch}: {err}");
        }
        for bad in [
            "",
            "foo",
            "foo-dev",
            "1.0.0.0.0",
            "1.0-gamma",
            "2010-01-02T10:00",
            "x1",
            "dev",
        ] {
            let err = ComposerVersion::parse(bad).expect_err("must be rejected");
            assert!(matches!(err, VersionError::Invalid { .. }), "{bad:?}: {err}");
        }
    }
}
