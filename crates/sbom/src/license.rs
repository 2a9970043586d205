//! Licence strings as packages declare them, sorted into SPDX identifiers, SPDX expressions and
//! free-form names, for the formats that tell these apart.
//!
//! The table of identifiers is deliberately small: the licences packages in images declare most
//! often. A valid SPDX identifier missing from it is written as a name (CycloneDX) or as a
//! `LicenseRef-` (SPDX), which is less precise but never wrong.

/// SPDX licence identifiers common in container images, in their canonical case. Every entry is
/// on the SPDX licence list (a test checks them against the list CycloneDX ships).
const LICENSE_IDS: &[&str] = &[
    "0BSD",
    "AFL-2.1",
    "AFL-3.0",
    "AGPL-3.0",
    "AGPL-3.0-only",
    "AGPL-3.0-or-later",
    "Apache-1.1",
    "Apache-2.0",
    "APSL-2.0",
    "Artistic-1.0",
    "Artistic-1.0-Perl",
    "Artistic-2.0",
    "BlueOak-1.0.0",
    "BSD-1-Clause",
    "BSD-2-Clause",
    "BSD-2-Clause-Patent",
    "BSD-3-Clause",
    "BSD-3-Clause-Clear",
    "BSD-4-Clause",
    "BSD-4-Clause-UC",
    "BSL-1.0",
    "bzip2-1.0.6",
    "CC-BY-3.0",
    "CC-BY-4.0",
    "CC-BY-SA-3.0",
    "CC-BY-SA-4.0",
    "CC0-1.0",
    "CDDL-1.0",
    "CDDL-1.1",
    "curl",
    "ECL-2.0",
    "EPL-1.0",
    "EPL-2.0",
    "EUPL-1.1",
    "EUPL-1.2",
    "FTL",
    "GFDL-1.2-only",
    "GFDL-1.2-or-later",
    "GFDL-1.3-only",
    "GFDL-1.3-or-later",
    "GPL-1.0-only",
    "GPL-1.0-or-later",
    "GPL-2.0",
    "GPL-2.0+",
    "GPL-2.0-only",
    "GPL-2.0-or-later",
    "GPL-3.0",
    "GPL-3.0+",
    "GPL-3.0-only",
    "GPL-3.0-or-later",
    "HPND",
    "ICU",
    "IJG",
    "ISC",
    "Latex2e",
    "LGPL-2.0",
    "LGPL-2.0-only",
    "LGPL-2.0-or-later",
    "LGPL-2.1",
    "LGPL-2.1+",
    "LGPL-2.1-only",
    "LGPL-2.1-or-later",
    "LGPL-3.0",
    "LGPL-3.0-only",
    "LGPL-3.0-or-later",
    "Libpng",
    "libtiff",
    "MIT",
    "MIT-0",
    "MPL-1.1",
    "MPL-2.0",
    "MS-PL",
    "NCSA",
    "OFL-1.1",
    "OpenSSL",
    "PHP-3.01",
    "PostgreSQL",
    "PSF-2.0",
    "Python-2.0",
    "Ruby",
    "Sleepycat",
    "Unicode-3.0",
    "Unicode-DFS-2016",
    "Unlicense",
    "UPL-1.0",
    "Vim",
    "W3C",
    "WTFPL",
    "X11",
    "Zlib",
    "ZPL-2.1",
];

/// SPDX licence exceptions (the right-hand side of `WITH`) common in images.
const EXCEPTION_IDS: &[&str] = &[
    "Autoconf-exception-3.0",
    "Bison-exception-2.2",
    "Classpath-exception-2.0",
    "Font-exception-2.0",
    "GCC-exception-2.0",
    "GCC-exception-3.1",
    "Linux-syscall-note",
    "LLVM-exception",
    "OpenJDK-assembly-exception-1.0",
    "openvpn-openssl-exception",
    "Qt-GPL-exception-1.0",
    "Universal-FOSS-exception-1.0",
    "WxWindows-exception-3.1",
];

/// The canonical SPDX identifier for `s` when it is one of the known identifiers (SPDX ids
/// match without regard to case).
pub(crate) fn spdx_id(s: &str) -> Option<&'static str> {
    let s = s.trim();
    LICENSE_IDS.iter().copied().find(|id| id.eq_ignore_ascii_case(s))
}

fn exception_id(s: &str) -> Option<&'static str> {
    EXCEPTION_IDS.iter().copied().find(|id| id.eq_ignore_ascii_case(s))
}

/// What a declared licence string is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum License {
    /// A known SPDX identifier, canonical case.
    Id(&'static str),
    /// A compound SPDX expression (AND / OR / WITH) of known identifiers, normalised: canonical
    /// identifiers, upper-case operators, single spaces.
    Expression(String),
    /// Anything else, trimmed.
    Name(String),
}

impl License {
    /// Classifies a declared licence; `None` for an empty string.
    pub(crate) fn classify(s: &str) -> Option<License> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        if let Some(id) = spdx_id(s) {
            return Some(License::Id(id));
        }
        Some(match normalize_expression(s) {
            // "(MIT)" is just MIT.
            Some(e) => match spdx_id(&e) {
                Some(id) => License::Id(id),
                None => License::Expression(e),
            },
            None => License::Name(s.to_string()),
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Token<'a> {
    Open,
    Close,
    Word(&'a str),
}

fn tokenize(s: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices() {
        if c == '(' || c == ')' || c.is_whitespace() {
            if let Some(st) = start.take() {
                out.push(Token::Word(&s[st..i]));
            }
            if c == '(' {
                out.push(Token::Open);
            } else if c == ')' {
                out.push(Token::Close);
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(st) = start {
        out.push(Token::Word(&s[st..]));
    }
    out
}

fn operator(word: &str) -> Option<&'static str> {
    ["AND", "OR", "WITH"]
        .into_iter()
        .find(|op| op.eq_ignore_ascii_case(word))
}

/// A normalised SPDX expression when `s` is one (a single identifier or a compound of known
/// identifiers and exceptions); `None` otherwise.
pub(crate) fn normalize_expression(s: &str) -> Option<String> {
    let tokens = tokenize(s);
    if tokens.is_empty() || tokens.len() > 512 {
        return None;
    }
    let mut p = ExprParser {
        tokens: &tokens,
        pos: 0,
        out: String::with_capacity(s.len()),
        depth: 0,
    };
    p.expr()?;
    if p.pos != tokens.len() {
        return None;
    }
    // "((MIT OR ISC))" is "MIT OR ISC": redundant outer parentheses go.
    let mut e = p.out.as_str();
    loop {
        let inner = strip_outer_parens(e);
        if inner.len() == e.len() {
            break;
        }
        e = inner;
    }
    Some(e.to_string())
}

struct ExprParser<'t, 'a> {
    tokens: &'t [Token<'a>],
    pos: usize,
    out: String,
    depth: usize,
}

impl ExprParser<'_, '_> {
    fn peek(&self) -> Option<&Token<'_>> {
        self.tokens.get(self.pos)
    }

    // expr := term (("AND" | "OR") term)*
    fn expr(&mut self) -> Option<()> {
        self.term()?;
        while let Some(Token::Word(w)) = self.peek() {
            let op = match operator(w) {
                Some(op @ ("AND" | "OR")) => op,
                _ => return Some(()),
            };
            self.pos += 1;
            self.out.push(' ');
            self.out.push_str(op);
            self.out.push(' ');
            self.term()?;
        }
        Some(())
    }

    // term := "(" expr ")" | license ["WITH" exception]
    fn term(&mut self) -> Option<()> {
        match self.peek()? {
            Token::Open => {
                self.depth += 1;
                if self.depth > 32 {
                    return None;
                }
                self.pos += 1;
                self.out.push('(');
                self.expr()?;
                if self.peek()? != &Token::Close {
                    return None;
                }
                self.pos += 1;
                self.depth -= 1;
                self.out.push(')');
                Some(())
            }
            Token::Close => None,
            Token::Word(w) => {
                if operator(w).is_some() {
                    return None;
                }
                let id = spdx_id(w)?;
                self.pos += 1;
                self.out.push_str(id);
                if let Some(Token::Word(w)) = self.peek() {
                    if operator(w) == Some("WITH") {
                        self.pos += 1;
                        let Some(Token::Word(exc)) = self.peek() else {
                            return None;
                        };
                        let exc = exception_id(exc)?;
                        self.pos += 1;
                        self.out.push_str(" WITH ");
                        self.out.push_str(exc);
                    }
                }
                Some(())
            }
        }
    }
}

/// True when a normalised expression has an operator outside any parentheses, so that it must
/// be parenthesised before it is joined with others.
pub(crate) fn is_compound(expr: &str) -> bool {
    let mut depth = 0usize;
    for w in tokenize(expr) {
        match w {
            Token::Open => depth += 1,
            Token::Close => depth = depth.saturating_sub(1),
            Token::Word(w) if depth == 0 && operator(w).is_some() => return true,
            Token::Word(_) => {}
        }
    }
    false
}

/// Replaces every character outside SPDX's idstring charset `[A-Za-z0-9.-]` with `-`.
pub(crate) fn sanitize_idstring(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Splits an expression at its top-level `AND`s, dropping one pair of parentheses around each
/// part: `MIT AND (BSD-2-Clause OR Apache-2.0)` gives `MIT` and `BSD-2-Clause OR Apache-2.0`.
pub(crate) fn split_top_level_and(expr: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut depth = 0usize;
    for t in tokenize(expr) {
        match t {
            Token::Open => {
                depth += 1;
                current.push("(".to_string());
            }
            Token::Close => {
                depth = depth.saturating_sub(1);
                current.push(")".to_string());
            }
            Token::Word(w) if depth == 0 && w.eq_ignore_ascii_case("AND") => {
                parts.push(join_tokens(&current));
                current.clear();
            }
            Token::Word(w) => current.push(w.to_string()),
        }
    }
    parts.push(join_tokens(&current));
    parts.into_iter().filter(|p| !p.is_empty()).collect()
}

fn join_tokens(tokens: &[String]) -> String {
    let mut s = String::new();
    for t in tokens {
        if !(s.is_empty() || s.ends_with('(') || t == ")") {
            s.push(' ');
        }
        s.push_str(t);
    }
    strip_outer_parens(&s).to_string()
}

fn strip_outer_parens(s: &str) -> &str {
    let Some(inner) = s.strip_prefix('(').and_then(|x| x.strip_suffix(')')) else {
        return s;
    };
    // Only when the first '(' closes at the very end: "(A) AND (B)" keeps its parentheses.
    let mut depth = 0usize;
    for c in inner.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => return s,
            ')' => depth -= 1,
            _ => {}
        }
    }
    inner
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every identifier in the tables is on the SPDX licence list (the copy CycloneDX's schema
    /// ships, which lists licences and exceptions).
    #[test]
    fn tables_hold_only_real_spdx_ids() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../tests/schemas/spdx.schema.json")).expect("schema");
        let list: Vec<&str> = schema["enum"]
            .as_array()
            .expect("enum")
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        assert!(list.len() > 500, "the full list");
        for id in LICENSE_IDS.iter().chain(EXCEPTION_IDS) {
            assert!(list.contains(id), "{id} is not an SPDX identifier");
        }
    }

    #[test]
    fn identifiers_match_without_case() {
        assert_eq!(spdx_id("mit"), Some("MIT"));
        assert_eq!(spdx_id(" Apache-2.0 "), Some("Apache-2.0"));
        assert_eq!(spdx_id("gpl-2.0-or-later"), Some("GPL-2.0-or-later"));
        assert_eq!(spdx_id("GPL-2+"), None);
        assert_eq!(spdx_id("Apache 2.0"), None);
    }

    #[test]
    fn classifies_ids_expressions_and_names() {
        assert_eq!(License::classify("MIT"), Some(License::Id("MIT")));
        assert_eq!(
            License::classify("mit or apache-2.0"),
            Some(License::Expression("MIT OR Apache-2.0".into()))
        );
        assert_eq!(
            License::classify("(MIT OR Apache-2.0) AND  BSD-3-Clause"),
            Some(License::Expression("(MIT OR Apache-2.0) AND BSD-3-Clause".into()))
        );
        assert_eq!(
            License::classify("GPL-2.0-or-later WITH Classpath-exception-2.0"),
            Some(License::Expression(
                "GPL-2.0-or-later WITH Classpath-exception-2.0".into()
            ))
        );
        assert_eq!(
            License::classify("((MIT OR ISC))"),
            Some(License::Expression("MIT OR ISC".into()))
        );
        assert_eq!(License::classify("(MIT)"), Some(License::Id("MIT")));
        assert_eq!(
            License::classify("GPL-2+ or Artistic"),
            Some(License::Name("GPL-2+ or Artistic".into()))
        );
        assert_eq!(License::classify("BSD-like"), Some(License::Name("BSD-like".into())));
        assert_eq!(License::classify("   "), None);
    }

    #[test]
    fn rejects_malformed_expressions() {
        for bad in [
            "MIT OR",
            "AND MIT",
            "(MIT",
            "MIT)",
            "MIT Apache-2.0",
            "MIT WITH",
            "MIT WITH Nonsense-exception",
            "()",
            "MIT AND AND ISC",
        ] {
            assert_eq!(normalize_expression(bad), None, "{bad}");
        }
        let deep = format!("{}MIT{}", "(".repeat(40), ")".repeat(40));
        assert_eq!(normalize_expression(&deep), None);
    }

    #[test]
    fn compound_and_split() {
        assert!(is_compound("MIT OR ISC"));
        assert!(!is_compound("(MIT OR ISC)"));
        assert!(!is_compound("MIT"));
        assert_eq!(
            split_top_level_and("MIT AND (BSD-2-Clause OR Apache-2.0) AND LicenseRef-x"),
            vec!["MIT", "BSD-2-Clause OR Apache-2.0", "LicenseRef-x"]
        );
        assert_eq!(split_top_level_and("(MIT) AND (ISC)"), vec!["MIT", "ISC"]);
        assert_eq!(split_top_level_and("MIT OR ISC"), vec!["MIT OR ISC"]);
    }

    #[test]
    fn sanitizes_to_idstring() {
        assert_eq!(sanitize_idstring("GPL-2+"), "GPL-2-");
        assert_eq!(sanitize_idstring("Apache 2.0"), "Apache-2.0");
        assert_eq!(sanitize_idstring("@babel/core_x"), "-babel-core-x");
        assert_eq!(sanitize_idstring("é"), "-");
    }
}
