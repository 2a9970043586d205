//! Glob matching as users write it in configuration: rule and tag names (responses), policy
//! mappings, image lists and allowlist trigger ids, dpkg path filters.

/// True when `text` matches `pattern`, where `*` matches any run of characters (including `/`
/// and none) and `?` exactly one; everything else matches itself, case-sensitively.
///
/// ```
/// use vigil_types::glob_match;
/// assert!(glob_match("acme/*", "acme/web/api"));
/// assert!(glob_match("CVE-2019-*+django", "CVE-2019-19844+django"));
/// assert!(!glob_match("1.?", "1.10"));
/// ```
pub fn glob_match(pattern: &str, text: &str) -> bool {
    if !pattern.contains(['*', '?']) {
        return pattern == text;
    }
    if pattern.is_ascii() && text.is_ascii() {
        return matches(pattern.as_bytes(), text.as_bytes(), b'*', b'?');
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    matches(&p, &t, '*', '?')
}

/// [`glob_match`] on bytes (paths that need not be UTF-8): `?` matches one byte.
pub fn glob_match_bytes(pattern: &[u8], text: &[u8]) -> bool {
    matches(pattern, text, b'*', b'?')
}

/// Iterative matcher with one backtrack point (the last `*`): at most quadratic, never
/// exponential on hostile patterns.
fn matches<T: Copy + PartialEq>(p: &[T], t: &[T], star_sym: T, any: T) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some(&c) if c == star_sym => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == any || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == star_sym)
}

#[cfg(test)]
mod tests {
    use super::{glob_match, glob_match_bytes};

    #[test]
    fn stars_and_question_marks() {
        assert!(glob_match("*", ""));
        assert!(glob_match("*", "anything/at/all"));
        assert!(glob_match("acme/base-*", "acme/base-python"));
        assert!(!glob_match("acme/base-*", "acme/app"));
        assert!(glob_match("*.pem", "/etc/ssl/key.pem"));
        assert!(glob_match("a*b*c", "axxbyyc"));
        assert!(!glob_match("a*b*c", "axxbyy"));
        assert!(glob_match("v?.0", "v1.0"));
        assert!(!glob_match("latest", "Latest"));
        assert!(glob_match("**x", "abcx"));
        assert!(glob_match("caf?", "café"));
        assert!(glob_match("*é*", "café au lait"));
        assert!(glob_match_bytes(b"/usr/share/doc/*", b"/usr/share/doc/x/\xff"));
        assert!(!glob_match_bytes(b"/usr/share/doc/?", b"/usr/share/doc/xy"));
    }
}
