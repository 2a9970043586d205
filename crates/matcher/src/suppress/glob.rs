//! Path globs for ignore rules: `*` and `?` stay within one path segment, `**` crosses
//! segments, `**/` also matches no directory at all (`/usr/**/lib` matches `/usr/lib`).
//! Everything else matches itself. Matching is linear in pattern × path length (no backtracking
//! blow-up).

/// A compiled glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    text: String,
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Lit(char),
    /// `?`
    One,
    /// `*`
    Star,
    /// `**` not followed by `/`
    Globstar,
    /// `**/`
    GlobstarDir,
}

/// Longest pattern accepted.
pub const MAX_GLOB_LEN: usize = 1024;

impl Glob {
    /// Compiles a pattern.
    pub fn new(pattern: &str) -> Result<Glob, String> {
        if pattern.is_empty() {
            return Err("empty location pattern".into());
        }
        if pattern.len() > MAX_GLOB_LEN {
            return Err(format!("location pattern longer than {MAX_GLOB_LEN} bytes"));
        }
        let chars: Vec<char> = pattern.chars().collect();
        let mut tokens = Vec::with_capacity(chars.len());
        let mut i = 0;
        while i < chars.len() {
            match chars[i] {
                '*' if chars.get(i + 1) == Some(&'*') => {
                    if chars.get(i + 2) == Some(&'/') {
                        tokens.push(Token::GlobstarDir);
                        i += 3;
                    } else {
                        tokens.push(Token::Globstar);
                        i += 2;
                    }
                    // `***` is `**` followed by `*`: harmless.
                    continue;
                }
                '*' => tokens.push(Token::Star),
                '?' => tokens.push(Token::One),
                c => tokens.push(Token::Lit(c)),
            }
            i += 1;
        }
        Ok(Glob {
            text: pattern.to_string(),
            tokens,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `path` matches the whole pattern.
    pub fn matches(&self, path: &str) -> bool {
        let p: Vec<char> = path.chars().collect();
        let n = p.len();
        // next[j]: tokens[i+1..] match p[j..]; computed from the last token backwards.
        let mut next = vec![false; n + 1];
        next[n] = true;
        let mut cur = vec![false; n + 1];
        for t in self.tokens.iter().rev() {
            // For `**/`: whether some k > j has p[k-1] == '/' and next[k].
            let mut dir_after = false;
            for j in (0..=n).rev() {
                cur[j] = match t {
                    Token::Lit(c) => j < n && p[j] == *c && next[j + 1],
                    Token::One => j < n && p[j] != '/' && next[j + 1],
                    Token::Star => next[j] || (j < n && p[j] != '/' && cur[j + 1]),
                    Token::Globstar => next[j] || (j < n && cur[j + 1]),
                    // Nothing, or any run of characters ending with '/'.
                    Token::GlobstarDir => {
                        if j < n {
                            dir_after = dir_after || (p[j] == '/' && next[j + 1]);
                        }
                        next[j] || dir_after
                    }
                };
            }
            std::mem::swap(&mut next, &mut cur);
        }
        next[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, path: &str) -> bool {
        Glob::new(pattern).expect("pattern").matches(path)
    }

    #[test]
    fn stars_and_globstars() {
        assert!(m(
            "/usr/lib/python3/dist-packages/*",
            "/usr/lib/python3/dist-packages/x.dist-info"
        ));
        assert!(!m("/usr/lib/*", "/usr/lib/python3/x"));
        assert!(m("/usr/lib/**", "/usr/lib/python3/x"));
        assert!(m("**/node_modules/**", "/app/node_modules/lodash/package.json"));
        assert!(m("/usr/**/lib", "/usr/lib"));
        assert!(m("/usr/**/lib", "/usr/local/share/lib"));
        assert!(!m("/usr/**/lib", "/usr/liba"));
        assert!(m("/var/lib/dpkg/status", "/var/lib/dpkg/status"));
        assert!(!m("/var/lib/dpkg/status", "/var/lib/dpkg/status.d/x"));
        assert!(m("/app/?.jar", "/app/a.jar"));
        assert!(!m("/app/?.jar", "/app/ab.jar"));
    }

    #[test]
    fn bad_and_pathological_patterns() {
        assert!(Glob::new("").is_err());
        assert!(Glob::new(&"a".repeat(MAX_GLOB_LEN + 1)).is_err());
        let pattern = "*a".repeat(50) + "b";
        let path = "a".repeat(2000);
        assert!(!m(&pattern, &path), "no exponential backtracking");
    }
}
