//! `yarn.lock`, in both of its formats.
//!
//! - Classic (yarn 1): its own text format. An entry starts with an unindented line of specs
//!   (`"@babel/core@^7.0.0", "@babel/core@^7.1.0":`); its fields follow indented by two spaces
//!   (`version "7.1.0"`, `resolved "…"`, `integrity sha512-…`).
//! - Berry (yarn 2+): YAML with a `__metadata` entry; each entry has `version`, `resolution`
//!   (`name@npm:1.2.3`), `checksum`, `linkType`. Workspaces and links (`linkType: soft`) and
//!   `@patch:` entries (a patched copy of an entry already listed) are not packages of their own.

use super::parse_package_lock::unalias;
use super::yaml::{self, YamlError};
use super::Locked;

/// Why a `yarn.lock` could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum YarnLockError {
    #[error("line {0}: expected an entry (`name@range:`) or an indented field")]
    Line(usize),
    #[error("line {0}: field before any entry")]
    Orphan(usize),
    #[error(transparent)]
    Yaml(#[from] YamlError),
    #[error("the berry lockfile is not a map of entries")]
    NotMap,
}

/// Parses either format.
pub fn parse(text: &str) -> Result<Vec<Locked>, YarnLockError> {
    let berry = text.lines().any(|l| l.starts_with("__metadata:"));
    if berry {
        parse_berry(text)
    } else {
        parse_classic(text)
    }
}

/// Name and range of a spec: `@scope/name@^1.0.0` -> (`@scope/name`, `^1.0.0`).
fn split_spec(spec: &str) -> Option<(&str, &str)> {
    let at = spec.get(1..)?.find('@')? + 1;
    Some((&spec[..at], &spec[at + 1..]))
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"').and_then(|x| x.strip_suffix('"')).unwrap_or(s)
}

#[derive(Default)]
struct Entry {
    name: String,
    version: String,
    resolved: String,
    integrity: String,
}

fn parse_classic(text: &str) -> Result<Vec<Locked>, YarnLockError> {
    let mut out = Vec::new();
    let mut current: Option<Entry> = None;
    let finish = |e: Option<Entry>, out: &mut Vec<Locked>| {
        if let Some(e) = e.filter(|e| !e.name.is_empty() && !e.version.is_empty()) {
            out.push(Locked {
                name: e.name,
                version: e.version,
                resolved: e.resolved,
                integrity: e.integrity,
                dev: false,
                licenses: Vec::new(),
            });
        }
    };
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        if !line.starts_with(' ') {
            let specs = line.trim_end().strip_suffix(':').ok_or(YarnLockError::Line(n))?;
            finish(current.take(), &mut out);
            let first = specs.split(", ").next().map(unquote).unwrap_or("");
            let (name, range) = split_spec(first).ok_or(YarnLockError::Line(n))?;
            // `alias@npm:real@range` installs `real`.
            let name = match range.strip_prefix("npm:").and_then(split_spec) {
                Some((real, _)) => real,
                None => name,
            };
            current = Some(Entry {
                name: name.to_string(),
                ..Entry::default()
            });
            continue;
        }
        let e = current.as_mut().ok_or(YarnLockError::Orphan(n))?;
        // Only the entry's own fields (two spaces); deeper lines are its dependency lists.
        if line.starts_with("    ") {
            continue;
        }
        let field = line.trim();
        let (key, value) = field.split_once(' ').unwrap_or((field, ""));
        match unquote(key) {
            "version" => e.version = unquote(value).to_string(),
            "resolved" => e.resolved = unquote(value).to_string(),
            "integrity" => e.integrity = unquote(value).to_string(),
            _ => {}
        }
    }
    finish(current.take(), &mut out);
    Ok(out)
}

fn parse_berry(text: &str) -> Result<Vec<Locked>, YarnLockError> {
    let doc = yaml::load(text)?;
    if !matches!(doc, yaml::Node::Map(_)) {
        return Err(YarnLockError::NotMap);
    }
    let mut out = Vec::new();
    for (key, entry) in doc.entries() {
        if key == "__metadata" || entry.str("linkType") == Some("soft") {
            continue;
        }
        let resolution = entry.str("resolution").unwrap_or("");
        let Some((name, reference)) = split_spec(resolution) else {
            continue;
        };
        if reference.starts_with("workspace:") || reference.starts_with("patch:") || reference.starts_with("link:") {
            continue;
        }
        // `name@npm:1.2.3`, or an alias `alias@npm:real@1.2.3`.
        let name = unalias(reference).map_or(name, |(real, _)| real);
        let version = entry.str("version").unwrap_or("");
        if version.is_empty() {
            continue;
        }
        out.push(Locked {
            name: name.to_string(),
            version: version.to_string(),
            resolved: resolution.to_string(),
            integrity: entry.str("checksum").unwrap_or("").to_string(),
            dev: false,
            licenses: Vec::new(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn short(v: &[Locked]) -> Vec<(&str, &str)> {
        v.iter().map(|l| (l.name.as_str(), l.version.as_str())).collect()
    }

    #[test]
    fn classic_entries_with_several_specs_and_aliases() {
        let text = r#"# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.
# yarn lockfile v1


"@babel/code-frame@^7.0.0", "@babel/code-frame@^7.10.4":
  version "7.12.13"
  resolved "https://registry.yarnpkg.com/@babel/code-frame/-/code-frame-7.12.13.tgz#dcfc826b"
  integrity sha512-HV1Cm0Q3ZrpCR93tkWOYiuYIgLxZXZFVG2VgK+MBWjUqZTundupbfx2aXarXuw5Ko5aMcjtJgbSs4vUGBS5v6g==
  dependencies:
    "@babel/highlight" "^7.12.13"

"string-width-cjs@npm:string-width@^4.2.0":
  version "4.2.3"
  resolved "https://registry.yarnpkg.com/string-width/-/string-width-4.2.3.tgz#269c7117"

lodash@^4.17.11:
  version "4.17.21"
"#;
        let got = parse(text).expect("lock");
        assert_eq!(
            short(&got),
            vec![
                ("@babel/code-frame", "7.12.13"),
                ("string-width", "4.2.3"),
                ("lodash", "4.17.21")
            ]
        );
        assert!(got[0].integrity.starts_with("sha512-HV1Cm0Q3"));
        assert!(got[0].resolved.ends_with("#dcfc826b"));
    }

    #[test]
    fn berry_skips_workspaces_and_patches() {
        let text = r#"__metadata:
  version: 6
  cacheKey: 8

"resolve@npm:^1.20.0":
  version: 1.22.1
  resolution: "resolve@npm:1.22.1"
  checksum: 07af5fc1
  languageName: node
  linkType: hard

"resolve@patch:resolve@^1.20.0#~builtin<compat/resolve>":
  version: 1.22.1
  resolution: "resolve@patch:resolve@npm%3A1.22.1#~builtin<compat/resolve>::version=1.22.1&hash=c3c19d"
  languageName: node
  linkType: hard

"sw@npm:string-width@^4.2.0":
  version: 4.2.3
  resolution: "string-width@npm:4.2.3"
  languageName: node
  linkType: hard

"@scope/tool@npm:1.10":
  version: 1.10
  resolution: "@scope/tool@npm:1.10"
  languageName: node
  linkType: hard

"app@workspace:.":
  version: 0.0.0-use.local
  resolution: "app@workspace:."
  languageName: unknown
  linkType: soft
"#;
        let got = parse(text).expect("lock");
        assert_eq!(
            short(&got),
            vec![
                ("resolve", "1.22.1"),
                ("string-width", "4.2.3"),
                ("@scope/tool", "1.10")
            ]
        );
        assert_eq!(got[0].integrity, "07af5fc1");
    }

    #[test]
    fn garbage_is_an_error() {
        assert_eq!(parse("this is not a lockfile\n"), Err(YarnLockError::Line(1)));
        assert_eq!(parse("  version \"1\"\n"), Err(YarnLockError::Orphan(1)));
        assert!(parse("__metadata:\n  version: [\n").is_err());
        assert!(parse("__metadata: &a x\nb: *a\n").is_err());
    }
}
