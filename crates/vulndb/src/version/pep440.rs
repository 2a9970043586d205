//! Python package versions (PEP 440), parsed and ordered as
//! `packaging.version.Version` does.
//!
//! Accepted forms (case-insensitive, surrounding white space ignored):
//! `[v][N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]` with the spellings PEP
//! 440 normalises: `alpha`=`a`, `beta`=`b`, `c`/`pre`/`preview`=`rc`,
//! `rev`/`r`=`post`, `1.0-1` = `1.0.post1`, any of `-`/`_`/`.` (or nothing)
//! as the separator before and after a label, a missing number = 0, local
//! segments separated by `-`/`_`/`.`. Anything else is an error.
//!
//! Order: epoch, then the release with trailing zeros ignored
//! (`1.0 == 1.0.0`), then `1.0.dev1 < 1.0a1.dev1 < 1.0a1 < 1.0b1 < 1.0rc1 <
//! 1.0 < 1.0.post1.dev1 < 1.0.post1`, then local versions after the public
//! one: `1.0 < 1.0+abc < 1.0+abc.5 < 1.0+5`, alphanumeric local segments
//! (lowercased) before numeric ones.

use std::cmp::Ordering;

use super::num::{digit_run, Num};
use super::{Scheme, VersionError};

/// A parsed PEP 440 version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pep440Version {
    epoch: Num,
    /// The release numbers without trailing zeros.
    release: Box<[Num]>,
    pre: Option<(Pre, Num)>,
    post: Option<Num>,
    dev: Option<Num>,
    local: Option<Box<[Local]>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Pre {
    Alpha,
    Beta,
    Rc,
}

/// A local version segment: strings sort before numbers (derived order).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Local {
    Text(Box<str>),
    Number(Num),
}

/// Where a version stands around its pre-releases, for ordering.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum PreKey<'a> {
    /// `1.0.devN` with no pre- or post-release: before every pre-release.
    DevOnly,
    Pre(Pre, &'a Num),
    Final,
}

impl Pep440Version {
    /// Parses a PEP 440 version.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        Parser::new(input)
            .version()
            .map_err(|reason| VersionError::invalid(Scheme::Pep440, input, reason))
    }

    /// True for a pre-release or developmental release.
    pub fn is_prerelease(&self) -> bool {
        self.pre.is_some() || self.dev.is_some()
    }

    fn pre_key(&self) -> PreKey<'_> {
        match (&self.pre, &self.post, &self.dev) {
            (Some((kind, n)), _, _) => PreKey::Pre(*kind, n),
            (None, None, Some(_)) => PreKey::DevOnly,
            (None, _, _) => PreKey::Final,
        }
    }
}

/// Python's `str.isspace` for ASCII, which `\s` matches.
fn is_py_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0x1c..=0x1f)
}

fn is_sep(b: u8) -> bool {
    matches!(b, b'.' | b'_' | b'-')
}

struct Parser<'a> {
    s: &'a str,
    at: usize,
}

impl<'a> Parser<'a> {
    fn new(input: &'a str) -> Self {
        let b = input.as_bytes();
        let start = b.iter().position(|&c| !is_py_space(c)).unwrap_or(b.len());
        let end = b.iter().rposition(|&c| !is_py_space(c)).map_or(start, |e| e + 1);
        Parser {
            s: &input[start..end.max(start)],
            at: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.at).copied()
    }

    fn digits(&mut self) -> Option<Num> {
        let len = digit_run(&self.s.as_bytes()[self.at..]);
        if len == 0 {
            return None;
        }
        let n = Num::from_digits(&self.s[self.at..self.at + len]);
        self.at += len;
        Some(n)
    }

    fn sep(&mut self) {
        if self.peek().is_some_and(is_sep) {
            self.at += 1;
        }
    }

    /// Takes the first word of `words` found here (case-insensitive).
    fn word(&mut self, words: &[&'static str]) -> Option<&'static str> {
        let rest = &self.s.as_bytes()[self.at..];
        let found = words
            .iter()
            .find(|w| rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w.as_bytes()))?;
        self.at += found.len();
        Some(found)
    }

    /// `[sep] word [sep] [digits]`, or nothing (and no input taken).
    fn label(&mut self, words: &[&'static str]) -> Option<(&'static str, Num)> {
        let start = self.at;
        self.sep();
        let Some(word) = self.word(words) else {
            self.at = start;
            return None;
        };
        self.sep();
        Some((word, self.digits().unwrap_or(Num::ZERO)))
    }

    fn version(mut self) -> Result<Pep440Version, &'static str> {
        if self.s.is_empty() {
            return Err("version string is empty");
        }
        if !self.s.is_ascii() {
            return Err("non-ASCII character in version");
        }
        if matches!(self.peek(), Some(b'v' | b'V')) {
            self.at += 1;
        }
        let mut epoch = Num::ZERO;
        let mut release = Vec::new();
        let first = self.digits().ok_or("release must start with a number")?;
        if self.peek() == Some(b'!') {
            self.at += 1;
            epoch = first;
            release.push(self.digits().ok_or("release must follow the epoch")?);
        } else {
            release.push(first);
        }
        while self.peek() == Some(b'.') && self.s.as_bytes().get(self.at + 1).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
            release.extend(self.digits());
        }
        while release.last().is_some_and(Num::is_zero) {
            release.pop();
        }

        // Longer spellings first: the regex's alternatives only ever succeed
        // in this order.
        let pre = self
            .label(&["alpha", "a", "beta", "b", "preview", "pre", "c", "rc"])
            .map(|(word, n)| {
                let kind = match word {
                    "alpha" | "a" => Pre::Alpha,
                    "beta" | "b" => Pre::Beta,
                    _ => Pre::Rc,
                };
                (kind, n)
            });

        let implicit_post =
            self.peek() == Some(b'-') && self.s.as_bytes().get(self.at + 1).is_some_and(u8::is_ascii_digit);
        let post = if implicit_post {
            self.at += 1;
            self.digits()
        } else {
            self.label(&["post", "rev", "r"]).map(|(_, n)| n)
        };

        let dev = self.label(&["dev"]).map(|(_, n)| n);

        let local = if self.peek() == Some(b'+') {
            self.at += 1;
            Some(self.local()?)
        } else {
            None
        };

        if self.at != self.s.len() {
            return Err("not a PEP 440 version");
        }
        Ok(Pep440Version {
            epoch,
            release: release.into_boxed_slice(),
            pre,
            post,
            dev,
            local,
        })
    }

    fn local(&mut self) -> Result<Box<[Local]>, &'static str> {
        let mut segments = Vec::new();
        loop {
            let rest = &self.s.as_bytes()[self.at..];
            let len = rest.iter().take_while(|c| c.is_ascii_alphanumeric()).count();
            if len == 0 {
                return Err("empty local version segment");
            }
            let text = &self.s[self.at..self.at + len];
            segments.push(if text.bytes().all(|c| c.is_ascii_digit()) {
                Local::Number(Num::from_digits(text))
            } else {
                Local::Text(text.to_ascii_lowercase().into_boxed_str())
            });
            self.at += len;
            if self.peek().is_some_and(is_sep) {
                self.at += 1;
            } else {
                return Ok(segments.into_boxed_slice());
            }
        }
    }
}

impl Ord for Pep440Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| self.release.cmp(&other.release))
            .then_with(|| self.pre_key().cmp(&other.pre_key()))
            .then_with(|| self.post.cmp(&other.post))
            // No dev release sorts after any dev release.
            .then_with(|| match (&self.dev, &other.dev) {
                (Some(a), Some(b)) => a.cmp(b),
                (a, b) => a.is_none().cmp(&b.is_none()),
            })
            .then_with(|| self.local.cmp(&other.local))
    }
}

impl PartialOrd for Pep440Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Pep440Version {
        Pep440Version::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn normalised_spellings_are_equal() {
        let same = [
            ("1.0", "1.0.0"),
            ("1.0", "v1"),
            ("1.0ALPHA1", "1.0a1"),
            ("1.0-a.1", "1.0a1"),
            ("1.0c1", "1.0rc1"),
            ("1.0pre1", "1.0rc1"),
            ("1.0preview_1", "1.0rc1"),
            ("1.0-1", "1.0.post1"),
            ("1.0rev1", "1.0.post1"),
            ("1.0-r", "1.0.post0"),
            ("1.0dev", "1.0.dev0"),
            ("1.0+ABC.05", "1.0+abc-5"),
            ("0!1.0", "1.0"),
            ("  1.0\t\n", "1.0"),
            ("1.0a.", "1.0a0"),
        ];
        for (a, b) in same {
            assert_eq!(v(a), v(b), "{a} == {b}");
        }
    }

    #[test]
    fn release_cycle_order() {
        let ascending = [
            "1.0.dev0",
            "1.0.dev1",
            "1.0a1.dev1",
            "1.0a1",
            "1.0a1.post1.dev1",
            "1.0a1.post1",
            "1.0a2",
            "1.0b1",
            "1.0rc1",
            "1.0",
            "1.0+abc",
            "1.0+abc.5",
            "1.0+5",
            "1.0.post1.dev1",
            "1.0.post1",
            "1.0.1",
            "1!0.1",
        ];
        for pair in ascending.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn rejects_non_pep440() {
        for bad in [
            "",
            " ",
            "1.0-",
            "1..0",
            "1.0+",
            "1.0+a..b",
            "a1",
            "1.0-foo",
            "1!",
            "!1",
            "1.0.x",
            "1.0a1a",
            "1.0\u{e9}",
            "1.0 1",
            "vv1",
            "1.0+a+b",
            "1.0_1",
        ] {
            assert!(Pep440Version::parse(bad).is_err(), "{bad:?}");
        }
    }
}
