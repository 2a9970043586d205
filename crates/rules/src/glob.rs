//! Glob patterns for `glob` and `iglob`: `*` (any run of bytes, `/` included), `?` (one byte),
//! `[abc]`, `[a-z]`, `[!x]` / `[^x]`, and `\` escaping the next character. A `[` without its `]`
//! is a literal. Compiled once; matching allocates nothing.

#[derive(Debug, Clone)]
enum Tok {
    Byte(u8),
    Any,
    Star,
    Class { negated: bool, ranges: Box<[(u8, u8)]> },
}

#[derive(Debug, Clone)]
pub(crate) struct Glob {
    toks: Box<[Tok]>,
    icase: bool,
}

impl Glob {
    pub(crate) fn new(pat: &[u8], icase: bool) -> Glob {
        let fold = |b: u8| if icase { b.to_ascii_lowercase() } else { b };
        let mut toks = Vec::new();
        let mut i = 0;
        while let Some(&b) = pat.get(i) {
            i += 1;
            match b {
                b'*' => {
                    if !matches!(toks.last(), Some(Tok::Star)) {
                        toks.push(Tok::Star);
                    }
                }
                b'?' => toks.push(Tok::Any),
                b'\\' => match pat.get(i) {
                    Some(&n) => {
                        toks.push(Tok::Byte(fold(n)));
                        i += 1;
                    }
                    None => toks.push(Tok::Byte(b'\\')),
                },
                b'[' => match class(pat, i) {
                    Some((tok, next)) => {
                        toks.push(tok);
                        i = next;
                    }
                    None => toks.push(Tok::Byte(b'[')),
                },
                _ => toks.push(Tok::Byte(fold(b))),
            }
        }
        Glob {
            toks: toks.into_boxed_slice(),
            icase,
        }
    }

    fn one(&self, tok: &Tok, b: u8) -> bool {
        match tok {
            Tok::Byte(p) => *p == if self.icase { b.to_ascii_lowercase() } else { b },
            Tok::Any => true,
            Tok::Star => false,
            Tok::Class { negated, ranges } => {
                let hit = |c: u8| ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi);
                let found = if self.icase {
                    hit(b) || hit(b.to_ascii_lowercase()) || hit(b.to_ascii_uppercase())
                } else {
                    hit(b)
                };
                found != *negated
            }
        }
    }

    /// Whole-string match; linear backtracking on the last `*` only (enough for single-byte tokens).
    pub(crate) fn matches(&self, s: &[u8]) -> bool {
        let (mut p, mut i) = (0usize, 0usize);
        let mut star: Option<(usize, usize)> = None;
        while i < s.len() {
            match (self.toks.get(p), s.get(i)) {
                (Some(Tok::Star), _) => {
                    star = Some((p, i));
                    p += 1;
                }
                (Some(t), Some(&b)) if self.one(t, b) => {
                    p += 1;
                    i += 1;
                }
                _ => match star {
                    Some((sp, si)) => {
                        p = sp + 1;
                        i = si + 1;
                        star = Some((sp, si + 1));
                    }
                    None => return false,
                },
            }
        }
        self.toks
            .get(p..)
            .is_some_and(|rest| rest.iter().all(|t| matches!(t, Tok::Star)))
    }
}

/// A bracket class starting after `[` at `start`; `None` if it is not closed.
fn class(pat: &[u8], start: usize) -> Option<(Tok, usize)> {
    let mut i = start;
    let negated = matches!(pat.get(i), Some(b'!' | b'^'));
    if negated {
        i += 1;
    }
    let mut ranges = Vec::new();
    let first = i;
    loop {
        let &b = pat.get(i)?;
        if b == b']' && i > first {
            return Some((
                Tok::Class {
                    negated,
                    ranges: ranges.into_boxed_slice(),
                },
                i + 1,
            ));
        }
        if pat.get(i + 1) == Some(&b'-') && pat.get(i + 2).is_some_and(|&c| c != b']') {
            let hi = *pat.get(i + 2)?;
            ranges.push((b.min(hi), b.max(hi)));
            i += 3;
        } else {
            ranges.push((b, b));
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Glob;

    fn m(p: &str, s: &str) -> bool {
        Glob::new(p.as_bytes(), false).matches(s.as_bytes())
    }

    #[test]
    fn stars_questions_classes() {
        assert!(m("/etc/*", "/etc/shadow"));
        assert!(m("/etc/*", "/etc/ssh/sshd_config"), "* crosses /");
        assert!(!m("/etc/*", "/etcx/shadow"));
        assert!(m("*.sh", "/tmp/x.sh"));
        assert!(!m("*.sh", "/tmp/x.shx"));
        assert!(m("/dev/tty?", "/dev/tty1"));
        assert!(!m("/dev/tty?", "/dev/tty10"));
        assert!(m("/dev/sd[a-c]", "/dev/sdb"));
        assert!(!m("/dev/sd[a-c]", "/dev/sdd"));
        assert!(m("/dev/sd[!a-c]", "/dev/sdd"));
        assert!(m("a[]]b", "a]b"));
        assert!(m("a[b", "a[b"), "unclosed [ is literal");
        assert!(m(r"a\*b", "a*b"));
        assert!(!m(r"a\*b", "axb"));
        assert!(m("*a*b*c*", "xxaxxbxxcxx"));
        assert!(!m("*a*b*c*", "xxaxxcxxbxx"));
        assert!(m("", ""));
        assert!(!m("", "x"));
        assert!(m("**", ""));
    }

    #[test]
    fn case_insensitive() {
        let g = Glob::new(b"/TMP/[a-c]*.SH", true);
        assert!(g.matches(b"/tmp/B1.sh"));
        assert!(!g.matches(b"/tmp/d1.sh"));
    }
}
