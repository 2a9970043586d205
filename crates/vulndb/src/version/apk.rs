//! Alpine (apk-tools) versions, ordered as apk-tools 2.14/3 orders them.
//!
//! Grammar: `digits{.digits}...{letter}{_suffix{digits}}...{~hash}{-rN}`,
//! where a letter is one of `a`-`z`, a suffix is one of `alpha beta pre rc`
//! (pre-releases) or `cvs svn git hg p` (post-releases), a hash is lowercase
//! hex. Anything else is invalid (apk itself orders invalid versions by
//! their valid prefix; we reject them instead).
//!
//! Ordering walks both versions token by token. Tokens of the same kind
//! compare by value: numbers numerically, except that a dotted number with a
//! leading zero (`1.05`) compares as a string with the other side, as Gentoo
//! does; letters and hashes by bytes; suffixes by their rank
//! (`alpha < beta < pre < rc < cvs < svn < git < hg < p`). When the kinds
//! differ, the version that goes on is greater, unless it goes on with a
//! pre-release suffix; between two that go on, the one whose next token comes
//! earlier in the grammar is greater (`1.0.1 > 1.0a > 1.0_p1 > 1.0-r1 > 1.0`).

use std::cmp::Ordering;

use super::num::{digit_run, Num};
use super::{Scheme, VersionError};

/// A parsed apk version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApkVersion {
    first: Num,
    /// The tokens after the first number, closed by [`Token::End`].
    rest: Box<[Token]>,
}

/// A token after the leading number. The variant order is the order between
/// tokens of different kinds at the same position (see the module docs), so
/// the derived `Ord` is apk's order.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Token {
    /// `_alpha`..`_rc`, rank 0..=3.
    PreSuffix(u8),
    End,
    /// `-rN`.
    Revision(Num),
    /// `~hash`.
    Hash(Box<str>),
    /// The number right after a suffix.
    SuffixNumber(Num),
    /// `_cvs`..`_p`, rank 0..=4.
    PostSuffix(u8),
    Letter(u8),
    /// `.N`.
    Digit(Dotted),
}

/// A dotted number. One with a leading zero compares with any other dotted
/// number as a byte string; every such string sorts before a number without
/// a leading zero, so the derived order (variant first) is apk's.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Dotted {
    Zeroed(Box<str>),
    Plain(Num),
}

/// The grammar position of the last token read, to check what may follow.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Digit,
    Letter,
    Suffix,
    SuffixNumber,
    Hash,
    Revision,
}

const PRE_SUFFIXES: [&str; 4] = ["alpha", "beta", "pre", "rc"];
const POST_SUFFIXES: [&str; 5] = ["cvs", "svn", "git", "hg", "p"];

impl ApkVersion {
    /// Parses an apk version string.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        parse(input).map_err(|reason| VersionError::invalid(Scheme::Apk, input, reason))
    }
}

fn parse(s: &str) -> Result<ApkVersion, &'static str> {
    let b = s.as_bytes();
    let n = digit_run(b);
    if n == 0 {
        return Err(if s.is_empty() {
            "version string is empty"
        } else {
            "version must start with a digit"
        });
    }
    let first = Num::from_digits(&s[..n]);
    let mut at = n;
    let mut kind = Kind::Digit;
    let mut rest = Vec::new();
    while let Some(&c) = b.get(at) {
        match c {
            b'a'..=b'z' => {
                if kind > Kind::Digit {
                    return Err("a letter may only follow a number");
                }
                rest.push(Token::Letter(c));
                kind = Kind::Letter;
                at += 1;
            }
            b'.' => {
                if kind > Kind::Digit {
                    return Err("a dotted number may only follow a number");
                }
                let len = digit_run(&b[at + 1..]);
                if len == 0 {
                    return Err("a dot must be followed by digits");
                }
                let digits = &s[at + 1..at + 1 + len];
                rest.push(Token::Digit(if digits.starts_with('0') {
                    Dotted::Zeroed(digits.into())
                } else {
                    Dotted::Plain(Num::from_digits(digits))
                }));
                at += 1 + len;
            }
            b'0'..=b'9' => {
                // Numbers are read whole, so a digit here follows a letter or
                // a suffix name; only the suffix takes a number.
                if kind != Kind::Suffix {
                    return Err("digits may not follow a letter");
                }
                let len = digit_run(&b[at..]);
                rest.push(Token::SuffixNumber(Num::from_digits(&s[at..at + len])));
                kind = Kind::SuffixNumber;
                at += len;
            }
            b'_' => {
                if kind > Kind::SuffixNumber {
                    return Err("a suffix may not follow a hash or revision");
                }
                let len = b[at + 1..].iter().take_while(|c| c.is_ascii_lowercase()).count();
                let name = &s[at + 1..at + 1 + len];
                let token = if let Some(i) = PRE_SUFFIXES.iter().position(|&p| p == name) {
                    Token::PreSuffix(i as u8)
                } else if let Some(i) = POST_SUFFIXES.iter().position(|&p| p == name) {
                    Token::PostSuffix(i as u8)
                } else {
                    return Err("unknown suffix");
                };
                rest.push(token);
                kind = Kind::Suffix;
                at += 1 + len;
            }
            b'~' => {
                if kind >= Kind::Hash {
                    return Err("a commit hash may not follow a hash or revision");
                }
                let len = b[at + 1..]
                    .iter()
                    .take_while(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
                    .count();
                if len == 0 {
                    return Err("a commit hash must be lowercase hex");
                }
                rest.push(Token::Hash(s[at + 1..at + 1 + len].into()));
                kind = Kind::Hash;
                at += 1 + len;
            }
            b'-' => {
                if kind >= Kind::Revision {
                    return Err("only one revision is allowed");
                }
                if b.get(at + 1) != Some(&b'r') {
                    return Err("a revision must be written -rN");
                }
                let len = digit_run(&b[at + 2..]);
                if len == 0 {
                    return Err("a revision must be written -rN");
                }
                rest.push(Token::Revision(Num::from_digits(&s[at + 2..at + 2 + len])));
                kind = Kind::Revision;
                at += 2 + len;
            }
            _ => return Err("invalid character in version"),
        }
    }
    rest.push(Token::End);
    Ok(ApkVersion {
        first,
        rest: rest.into_boxed_slice(),
    })
}

impl Ord for ApkVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        // Both token lists end with `End`, which nothing follows, so plain
        // lexicographic order never compares past it.
        self.first.cmp(&other.first).then_with(|| self.rest.cmp(&other.rest))
    }
}

impl PartialOrd for ApkVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> ApkVersion {
        ApkVersion::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn grammar_order_between_kinds() {
        let ascending = [
            "1.0_alpha",
            "1.0_alpha1",
            "1.0_beta",
            "1.0_pre",
            "1.0_rc2",
            "1.0",
            "1.0-r1",
            "1.0~abc",
            "1.0~abc-r1",
            "1.0_cvs",
            "1.0_p1",
            "1.0a",
            "1.0b_p1",
            "1.0.1",
        ];
        for pair in ascending.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn leading_zero_compares_as_string() {
        assert!(v("1.05") < v("1.1"));
        assert!(v("1.05") < v("1.5"));
        assert!(v("1.0") < v("1.00"));
        assert!(v("1.01") > v("1.001"));
        assert_eq!(v("01.5"), v("1.5"));
        let big = format!("1.{}", "9".repeat(60));
        assert!(v(&big) > v("1.18446744073709551616"));
    }

    #[test]
    fn rejects_outside_the_grammar() {
        for bad in [
            "",
            "a1",
            "1.",
            "1..2",
            "1a1",
            "1ab",
            "1_foo",
            "1_alpha.1",
            "1-r",
            "1-1",
            "1-r1-r2",
            "1~",
            "1~XYZ",
            "1-r1_p1",
            "1-r1.2",
            "1_RC1",
            "1 ",
            "1.0\u{0}",
        ] {
            assert!(ApkVersion::parse(bad).is_err(), "{bad:?}");
        }
        v("1.2.3a_rc1_p2~deadbeef-r10");
    }
}
