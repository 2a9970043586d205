//! The module information text of a Go binary (what `go version -m` prints), one tab-separated
//! record per line:
//!
//! ```text
//! path    example.com/app                      the main package
//! mod     example.com/app  (devel)  [sum]      the main module
//! dep     gopkg.in/yaml.v3 v3.0.1   h1:...     a dependency
//! =>      github.com/fork/x v1.4.3  h1:...     replaces the dependency above
//! build   GOARCH=amd64                         a build setting; values with spaces are Go-quoted
//! ```

use serde::{Deserialize, Serialize};

/// One module: its path, version and `go.sum` hash, and what replaced it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Module {
    pub path: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub sum: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replace: Option<Box<Module>>,
}

/// The parsed module information.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ModInfo {
    /// The main package's import path.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub path: String,
    /// The main module; absent for programs built outside module mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main: Option<Module>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deps: Vec<Module>,
    /// Build settings in order, values unquoted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<(String, String)>,
}

impl ModInfo {
    /// The value of build setting `key`.
    pub fn setting(&self, key: &str) -> Option<&str> {
        self.settings.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// The settings as `go version -m` would write them, space-separated: `key=value`, with the
    /// value Go-quoted when it holds a space, tab, newline or quote (so the join is unambiguous).
    pub fn settings_joined(&self) -> String {
        let mut out = String::new();
        for (k, v) in &self.settings {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(k);
            out.push('=');
            if v.contains([' ', '\t', '\r', '\n', '"', '`']) {
                out.push_str(&quote(v));
            } else {
                out.push_str(v);
            }
        }
        out
    }
}

fn module(fields: &[&str]) -> Module {
    let get = |i: usize| fields.get(i).map_or(String::new(), |s| s.to_string());
    Module {
        path: get(0),
        version: get(1),
        sum: get(2),
        replace: None,
    }
}

/// Parses the module information. Unknown or malformed lines are skipped, as Go does.
pub(crate) fn parse(text: &str) -> ModInfo {
    let mut m = ModInfo::default();
    for line in text.lines() {
        let Some((key, rest)) = line.split_once('\t') else {
            continue;
        };
        let fields: Vec<&str> = rest.split('\t').collect();
        match key {
            "path" => m.path = rest.to_string(),
            "mod" => m.main = Some(module(&fields)),
            "dep" if !rest.is_empty() => m.deps.push(module(&fields)),
            "=>" => {
                if let Some(last) = m.deps.last_mut() {
                    last.replace = Some(Box::new(module(&fields)));
                }
            }
            "build" => {
                if let Some(kv) = setting(rest) {
                    m.settings.push(kv);
                }
            }
            _ => {}
        }
    }
    m
}

/// `key=value`, where the key or the value may be a Go-quoted string.
fn setting(s: &str) -> Option<(String, String)> {
    let (key, rest) = if s.starts_with('"') {
        let (k, used) = unquote_prefix(s)?;
        (k, s[used..].strip_prefix('=')?)
    } else {
        let (k, v) = s.split_once('=')?;
        (k.to_string(), v)
    };
    let value = if rest.starts_with('"') {
        match unquote_prefix(rest) {
            Some((v, used)) if used == rest.len() => v,
            _ => rest.to_string(),
        }
    } else {
        rest.to_string()
    };
    Some((key, value))
}

/// Reads a Go double-quoted string at the start of `s`: its value and the bytes it used.
fn unquote_prefix(s: &str) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut chars = s.char_indices();
    if chars.next()?.1 != '"' {
        return None;
    }
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, i + 1)),
            '\\' => {
                let (_, e) = chars.next()?;
                match e {
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    'a' => out.push('\x07'),
                    'b' => out.push('\x08'),
                    'f' => out.push('\x0c'),
                    'v' => out.push('\x0b'),
                    '\\' | '"' | '\'' => out.push(e),
                    'x' | 'u' | 'U' => {
                        let n = match e {
                            'x' => 2,
                            'u' => 4,
                            _ => 8,
                        };
                        let mut v = 0u32;
                        for _ in 0..n {
                            v = v * 16 + chars.next()?.1.to_digit(16)?;
                        }
                        out.push(char::from_u32(v).unwrap_or(char::REPLACEMENT_CHARACTER));
                    }
                    _ => return None,
                }
            }
            c => out.push(c),
        }
    }
    None
}

/// Quotes `s` as a Go string literal (for the settings join).
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What Go 1.19 wrote into the fixture program (see tests/fixtures/golang).
    const FIXTURE: &str = "path\texample.com/app\nmod\texample.com/app\t(devel)\t\n\
        dep\texample.com/greet\tv0.0.0-00010101000000-000000000000\n=>\t../greet\t(devel)\t\n\n\
        dep\tgithub.com/acme/strutil\tv1.4.2\n=>\tgithub.com/vigil-fork/strutil\tv1.4.3\th1:tTZOi7MHXeBqkMWOKB1YnmSeoBJUKgxmMMUtsrRWOD0=\n\n\
        dep\tgopkg.in/yaml.v3\tv3.0.1\th1:Ger7hGFAcQ0aRiopFLTJXX+nStKjgKIVnfi0+5C61Vo=\n\
        build\t-compiler=gc\nbuild\t-trimpath=true\nbuild\tGOARCH=amd64\nbuild\tGOOS=linux\n";

    #[test]
    fn parses_modules_replacements_and_settings() {
        let m = parse(FIXTURE);
        assert_eq!(m.path, "example.com/app");
        let main = m.main.as_ref().expect("main");
        assert_eq!(
            (main.path.as_str(), main.version.as_str()),
            ("example.com/app", "(devel)")
        );
        assert_eq!(m.deps.len(), 3);
        let r = m.deps[1].replace.as_ref().expect("replaced");
        assert_eq!(r.path, "github.com/vigil-fork/strutil");
        assert_eq!(r.version, "v1.4.3");
        assert_eq!(r.sum, "h1:tTZOi7MHXeBqkMWOKB1YnmSeoBJUKgxmMMUtsrRWOD0=");
        assert_eq!(m.deps[0].replace.as_ref().map(|r| r.path.as_str()), Some("../greet"));
        assert_eq!(m.deps[2].sum, "h1:Ger7hGFAcQ0aRiopFLTJXX+nStKjgKIVnfi0+5C61Vo=");
        assert!(m.deps[2].replace.is_none());
        assert_eq!(m.setting("GOARCH"), Some("amd64"));
        assert_eq!(
            m.settings_joined(),
            "-compiler=gc -trimpath=true GOARCH=amd64 GOOS=linux"
        );
    }

    /// A line from Debian's dockerd (Go 1.19): a quoted value with tabs and inner quotes.
    #[test]
    fn unquotes_quoted_settings() {
        let line = "build\t-ldflags=\" \\t\\t-w \\t-X \\\"github.com/docker/docker/dockerversion.Version=20.10.24+dfsg1\\\" \"\n\
            build\t\"weird=key\"=v\nbuild\tCGO_CFLAGS=\n";
        let m = parse(line);
        assert_eq!(
            m.setting("-ldflags"),
            Some(" \t\t-w \t-X \"github.com/docker/docker/dockerversion.Version=20.10.24+dfsg1\" ")
        );
        assert_eq!(m.setting("weird=key"), Some("v"));
        assert_eq!(m.setting("CGO_CFLAGS"), Some(""));
        let joined = m.settings_joined();
        assert!(
            joined.starts_with("-ldflags=\" \\t\\t-w \\t-X \\\"github.com/docker"),
            "{joined}"
        );
    }

    #[test]
    fn tolerates_garbage() {
        let m = parse("=>\torphan\tv1\n\tno key\ndep\t\nmod\nbuild\tnovalue\nbuild\t\"unterminated=x\nrandom line\n");
        assert!(m.main.is_none() && m.deps.is_empty() && m.settings.is_empty(), "{m:?}");
        assert_eq!(unquote_prefix("\"\\x41\\u00e9\\q\""), None);
        assert_eq!(unquote_prefix("\"\\x41\\u00e9\"").map(|x| x.0), Some("Aé".to_string()));
    }
}
