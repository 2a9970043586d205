//! Installed gem specifications (`specifications/<name>-<version>.gemspec`): Ruby source that
//! RubyGems writes (`Gem::Specification.new do |s| s.name = "rake".freeze ...`). Never
//! evaluated: a small scanner finds `s.<attribute> = <literal>` statements and reads the string
//! and array literals; anything else is stepped over.

/// What a gemspec says about its gem.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Gemspec {
    pub name: String,
    pub version: String,
    pub licenses: Vec<String>,
    pub authors: Vec<String>,
    pub homepage: String,
    pub files: Vec<String>,
}

/// Why a gemspec could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub(super) enum GemspecError {
    #[error("no `Gem::Specification.new do |s|` block")]
    NoSpecification,
    #[error("unterminated string literal starting on line {0}")]
    Unterminated(usize),
    #[error("the specification sets no {0}")]
    Missing(&'static str),
}

/// A literal on the right of an assignment.
enum Value {
    Str(String),
    List(Vec<String>),
    /// Anything the scanner does not read (a method call, a hash, a constant...).
    Other,
}

pub(super) fn parse_gemspec(text: &str) -> Result<Gemspec, GemspecError> {
    let mut sc = Scanner {
        s: text.as_bytes(),
        text,
        i: 0,
    };
    let var = sc.block_variable().ok_or(GemspecError::NoSpecification)?;
    let mut g = Gemspec::default();
    while let Some((attr, value)) = sc.next_assignment(var)? {
        match (attr, value) {
            ("name", Value::Str(v)) => g.name = v,
            ("version", Value::Str(v)) => g.version = v,
            ("homepage", Value::Str(v)) => g.homepage = v,
            ("license" | "licenses", Value::Str(v)) => g.licenses = vec![v],
            ("licenses", Value::List(v)) => g.licenses = v,
            ("author", Value::Str(v)) | ("authors", Value::Str(v)) => g.authors = vec![v],
            ("authors", Value::List(v)) => g.authors = v,
            ("files", Value::List(v)) => g.files = v,
            _ => {}
        }
    }
    g.licenses.retain(|l| !l.trim().is_empty());
    if g.name.trim().is_empty() {
        return Err(GemspecError::Missing("name"));
    }
    if g.version.trim().is_empty() {
        return Err(GemspecError::Missing("version"));
    }
    Ok(g)
}

struct Scanner<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn at(&self, lit: &str) -> bool {
        self.s[self.i..].starts_with(lit.as_bytes())
    }

    fn line(&self, at: usize) -> usize {
        1 + self.s[..at.min(self.s.len())].iter().filter(|&&b| b == b'\n').count()
    }

    fn skip_blanks(&mut self, newlines: bool) {
        while let Some(b) = self.peek() {
            if b == b' ' || b == b'\t' || b == b'\r' || (newlines && b == b'\n') {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    fn ident(&mut self) -> &'a str {
        let start = self.i;
        while self.peek().is_some_and(is_ident) {
            self.i += 1;
        }
        // Identifiers are ASCII: both ends are char boundaries.
        self.text.get(start..self.i).unwrap_or("")
    }

    /// Finds `Gem::Specification.new do |var|` (or `{ |var|`) and returns `var`.
    fn block_variable(&mut self) -> Option<&'a str> {
        let at = self.text.find("Gem::Specification.new")?;
        self.i = at + "Gem::Specification.new".len();
        // Arguments (`.new("name", "1.0")`) may come before the block.
        if self.peek() == Some(b'(') {
            let close = self.text[self.i..].find(')')?;
            self.i += close + 1;
        }
        self.skip_blanks(true);
        if self.at("do") {
            self.i += 2;
        } else if self.peek() == Some(b'{') {
            self.i += 1;
        } else {
            return None;
        }
        self.skip_blanks(true);
        if self.peek() != Some(b'|') {
            return None;
        }
        self.i += 1;
        self.skip_blanks(false);
        let var = self.ident();
        self.skip_blanks(false);
        (self.peek() == Some(b'|') && !var.is_empty()).then(|| {
            self.i += 1;
            var
        })
    }

    /// The next `var.attr = value` statement, stepping over everything else.
    fn next_assignment(&mut self, var: &str) -> Result<Option<(&'a str, Value)>, GemspecError> {
        while let Some(b) = self.peek() {
            match b {
                b'#' => {
                    while self.peek().is_some_and(|c| c != b'\n') {
                        self.i += 1;
                    }
                }
                b'"' | b'\'' => {
                    self.string()?;
                }
                b'%' if self.percent_literal_ahead() => {
                    self.percent_literal()?;
                }
                _ if is_ident(b) => {
                    let word = self.ident();
                    if word != var || self.peek() != Some(b'.') {
                        continue;
                    }
                    self.i += 1;
                    let attr = self.ident();
                    self.skip_blanks(false);
                    let next = self.s.get(self.i + 1).copied();
                    if attr.is_empty() || self.peek() != Some(b'=') || matches!(next, Some(b'=' | b'~' | b'>')) {
                        continue;
                    }
                    self.i += 1;
                    self.skip_blanks(false);
                    let value = self.value()?;
                    return Ok(Some((attr, value)));
                }
                _ => self.i += 1,
            }
        }
        Ok(None)
    }

    fn value(&mut self) -> Result<Value, GemspecError> {
        match self.peek() {
            Some(b'"' | b'\'') => Ok(Value::Str(self.string()?)),
            Some(b'%') if self.percent_literal_ahead() => self.percent_literal(),
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_blanks(true);
                    match self.peek() {
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Value::List(items));
                        }
                        Some(b',') => self.i += 1,
                        Some(b'"' | b'\'') => {
                            items.push(self.string()?);
                            self.skip_calls();
                        }
                        Some(b'%') if self.percent_literal_ahead() => match self.percent_literal()? {
                            Value::Str(s) => {
                                items.push(s);
                                self.skip_calls();
                            }
                            _ => return Ok(Value::Other),
                        },
                        _ => return Ok(Value::Other),
                    }
                }
            }
            _ if self.at("Gem::Version.new(") => {
                self.i += "Gem::Version.new(".len();
                self.skip_blanks(false);
                match self.peek() {
                    Some(b'"' | b'\'') => Ok(Value::Str(self.string()?)),
                    _ => Ok(Value::Other),
                }
            }
            _ => Ok(Value::Other),
        }
    }

    /// Steps over `.freeze`, `.dup` and the like after a literal.
    fn skip_calls(&mut self) {
        while self.peek() == Some(b'.') && self.s.get(self.i + 1).is_some_and(|&b| b.is_ascii_alphabetic()) {
            self.i += 1;
            self.ident();
        }
    }

    /// A quoted string, unescaped (`"..."` with Ruby's escapes, `'...'` with `\\` and `\'`).
    fn string(&mut self) -> Result<String, GemspecError> {
        let quote = self.peek().unwrap_or(b'"');
        self.i += 1;
        self.delimited(quote, quote, quote == b'"')
    }

    /// Whether a `%` here opens a literal (`%q<..>`, `%w[..]`, `%(..)`) rather than a modulo.
    fn percent_literal_ahead(&self) -> bool {
        let (a, b) = (self.s.get(self.i + 1).copied(), self.s.get(self.i + 2).copied());
        match a {
            Some(b'q' | b'Q' | b'w' | b'W' | b'i' | b'I') => {
                b.is_some_and(|d| d.is_ascii_punctuation() && d != b'=' && d != b'_')
            }
            Some(b'(' | b'[' | b'{' | b'<' | b'|' | b'!' | b'/') => true,
            _ => false,
        }
    }

    fn percent_literal(&mut self) -> Result<Value, GemspecError> {
        self.i += 1;
        let kind = match self.peek() {
            Some(k @ (b'q' | b'Q' | b'w' | b'W' | b'i' | b'I')) => {
                self.i += 1;
                k
            }
            _ => b'Q',
        };
        let open = self.peek().unwrap_or(b'(');
        self.i += 1;
        let close = match open {
            b'(' => b')',
            b'[' => b']',
            b'{' => b'}',
            b'<' => b'>',
            other => other,
        };
        let body = self.delimited(open, close, matches!(kind, b'Q' | b'W' | b'I'))?;
        Ok(match kind {
            b'w' | b'W' | b'i' | b'I' => Value::List(body.split_whitespace().map(str::to_string).collect()),
            _ => Value::Str(body),
        })
    }

    /// Reads up to the `close` that balances `open` (they nest when they differ).
    fn delimited(&mut self, open: u8, close: u8, escapes: bool) -> Result<String, GemspecError> {
        let start = self.i;
        let mut out: Vec<u8> = Vec::new();
        let mut depth = 0usize;
        while let Some(b) = self.peek() {
            self.i += 1;
            if b == b'\\' {
                let Some(e) = self.peek() else { break };
                self.i += 1;
                if escapes {
                    self.escape(e, &mut out);
                } else if e == b'\\' || e == close || e == open {
                    out.push(e);
                } else {
                    out.extend_from_slice(&[b'\\', e]);
                }
            } else if b == close && depth == 0 {
                return Ok(String::from_utf8_lossy(&out).into_owned());
            } else {
                if open != close {
                    if b == open {
                        depth += 1;
                    } else if b == close {
                        depth -= 1;
                    }
                }
                out.push(b);
            }
        }
        Err(GemspecError::Unterminated(self.line(start)))
    }

    fn escape(&mut self, e: u8, out: &mut Vec<u8>) {
        let push_char = |c: char, out: &mut Vec<u8>| {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        };
        match e {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'r' => out.push(b'\r'),
            b's' => out.push(b' '),
            b'e' => out.push(0x1b),
            b'0' => out.push(0),
            b'u' => {
                let braced = self.peek() == Some(b'{');
                if braced {
                    self.i += 1;
                }
                let start = self.i;
                let max = if braced { 6 } else { 4 };
                while self.i - start < max && self.peek().is_some_and(|b| b.is_ascii_hexdigit()) {
                    self.i += 1;
                }
                let c = self
                    .text
                    .get(start..self.i)
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .and_then(char::from_u32)
                    .unwrap_or('\u{fffd}');
                if braced && self.peek() == Some(b'}') {
                    self.i += 1;
                }
                push_char(c, out);
            }
            b'x' => {
                let start = self.i;
                while self.i - start < 2 && self.peek().is_some_and(|b| b.is_ascii_hexdigit()) {
                    self.i += 1;
                }
                let v = self
                    .text
                    .get(start..self.i)
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                out.push(v.unwrap_or(b'?'));
            }
            other => out.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_rubygems_writes() {
        let text = r##"# -*- encoding: utf-8 -*-
# stub: rack 2.2.22 ruby lib

Gem::Specification.new do |s|
  s.name = "rack".freeze
  s.version = "2.2.22"

  s.required_rubygems_version = Gem::Requirement.new(">= 0".freeze) if s.respond_to? :required_rubygems_version=
  s.metadata = { "bug_tracker_uri" => "https://github.com/rack/rack/issues" } if s.respond_to? :metadata=
  s.authors = ["Leah Neukirchen".freeze]
  s.description = "Rack provides a \"minimal\" interface\n\#{not interpolated} s.name = \"evil\"".freeze
  s.files = ["bin/rackup".freeze, 'lib/rack.rb']
  s.homepage = "https://github.com/rack/rack".freeze
  s.licenses = ["MIT".freeze]
  if s.respond_to? :add_runtime_dependency then
    s.add_development_dependency(%q<minitest>.freeze, ["~> 5.0"])
  end
end
"##;
        let g = parse_gemspec(text).expect("gemspec");
        assert_eq!(g.name, "rack");
        assert_eq!(g.version, "2.2.22");
        assert_eq!(g.licenses, vec!["MIT"]);
        assert_eq!(g.authors, vec!["Leah Neukirchen"]);
        assert_eq!(g.homepage, "https://github.com/rack/rack");
        assert_eq!(g.files, vec!["bin/rackup", "lib/rack.rb"]);
    }

    #[test]
    fn hand_written_forms() {
        let text = "Gem::Specification.new { |spec|\n  spec.name    = 'my-gem'\n  spec.version = Gem::Version.new('1.0.0.pre')\n  spec.license = %q{BSD-2-Clause}\n  spec.authors = %w[alice bob]\n  spec.name == 'x' ? 1 : 2\n  x = 10 % 3\n}\n";
        let g = parse_gemspec(text).expect("gemspec");
        assert_eq!(g.name, "my-gem");
        assert_eq!(g.version, "1.0.0.pre");
        assert_eq!(g.licenses, vec!["BSD-2-Clause"]);
        assert_eq!(g.authors, vec!["alice", "bob"]);
    }

    #[test]
    fn escapes() {
        let g = parse_gemspec(
            "Gem::Specification.new do |s|\n s.name = \"caf\\u00e9\\x21\\u{1F600}\"\n s.version = '1\\'0'\nend",
        )
        .expect("gemspec");
        assert_eq!(g.name, "café!😀");
        assert_eq!(g.version, "1'0");
    }

    #[test]
    fn garbage_is_an_error() {
        assert_eq!(parse_gemspec(""), Err(GemspecError::NoSpecification));
        assert_eq!(
            parse_gemspec("\u{0}\u{1}binary junk"),
            Err(GemspecError::NoSpecification)
        );
        assert_eq!(
            parse_gemspec("Gem::Specification.new do |s|\n s.version = \"1\"\nend"),
            Err(GemspecError::Missing("name"))
        );
        assert_eq!(
            parse_gemspec("Gem::Specification.new do |s|\n s.name = \"x\"\nend"),
            Err(GemspecError::Missing("version"))
        );
        assert_eq!(
            parse_gemspec("Gem::Specification.new do |s|\n s.name = \"x\"\n s.version = \"1\n"),
            Err(GemspecError::Unterminated(3))
        );
        assert_eq!(
            parse_gemspec("Gem::Specification.new do |s|\n s.name = %q<x"),
            Err(GemspecError::Unterminated(2))
        );
        // Truncated everywhere: never a panic.
        let full = "Gem::Specification.new do |s|\n s.name = %q<a<b>>.freeze\n s.version = \"1.0\\u{41}\"\n s.files = [\"a\".freeze, %q(b)]\nend";
        for cut in 0..full.len() {
            if full.is_char_boundary(cut) {
                let _ = parse_gemspec(&full[..cut]);
            }
        }
        assert_eq!(parse_gemspec(full).map(|g| g.name), Ok("a<b>".to_string()));
    }
}
