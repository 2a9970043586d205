//! `pnpm-lock.yaml`. The `packages` map names every locked package; its keys changed shape over
//! the lockfile versions:
//!
//! - 5.x: `/name/1.0.0`, `/@scope/name/1.0.0`, peers appended as `_react@18.2.0`;
//! - 6.x: `/name@1.0.0`, `/@scope/name@1.0.0`, peers appended as `(react@18.2.0)`;
//! - 9.x: `name@1.0.0` without peers (they moved to `snapshots`), and no `dev` flag: a package
//!   is development-only when no production dependency of an importer reaches it.
//!
//! Entries of non-registry packages carry `name` and `version` fields, which win over the key.

use std::collections::HashSet;

use super::yaml::{self, Node, YamlError};
use super::Locked;

/// Why a `pnpm-lock.yaml` could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum PnpmLockError {
    #[error(transparent)]
    Yaml(#[from] YamlError),
    #[error("no lockfileVersion: not a pnpm lockfile")]
    NoVersion,
    #[error("lockfileVersion {0:?} is not a version")]
    BadVersion(String),
}

pub fn parse(text: &str) -> Result<Vec<Locked>, PnpmLockError> {
    // pnpm 10 may put an "env" document (config dependencies) before the main one.
    let mut docs = yaml::load_all(text)?;
    let main = docs.iter().position(|d| d.get("packages").is_some()).unwrap_or(0);
    if docs.is_empty() {
        return Err(PnpmLockError::Yaml(YamlError::Empty));
    }
    let doc = docs.swap_remove(main);
    let v = doc.str("lockfileVersion").ok_or(PnpmLockError::NoVersion)?;
    let digits: String = v.trim_matches('\'').chars().take_while(char::is_ascii_digit).collect();
    let major: u32 = digits.parse().map_err(|_| PnpmLockError::BadVersion(v.to_string()))?;
    let prod = if major >= 9 {
        Some(reachable_from_prod(&doc))
    } else {
        None
    };
    let mut out = Vec::new();
    for (key, entry) in doc.get("packages").map_or(&[][..], Node::entries) {
        let Some((key_name, key_version)) = name_version(key, major) else {
            continue;
        };
        let name = entry.str("name").unwrap_or(key_name);
        let version = entry.str("version").unwrap_or(key_version);
        if name.is_empty() || version.is_empty() {
            continue;
        }
        let resolution = entry.get("resolution");
        let dev = match &prod {
            Some(reached) => !reached.contains(key.as_str()),
            None => entry.str("dev") == Some("true"),
        };
        out.push(Locked {
            name: name.to_string(),
            version: version.to_string(),
            resolved: resolution.and_then(|r| r.str("tarball")).unwrap_or("").to_string(),
            integrity: resolution.and_then(|r| r.str("integrity")).unwrap_or("").to_string(),
            dev,
            licenses: Vec::new(),
        });
    }
    Ok(out)
}

/// Name and version from a `packages` key of lockfile version `major`, peer suffix removed.
fn name_version(key: &str, major: u32) -> Option<(&str, &str)> {
    let key = key.strip_prefix('/').unwrap_or(key);
    if major >= 6 {
        let key = key.split('(').next().unwrap_or(key);
        let at = key.get(1..)?.find('@')? + 1;
        return Some((&key[..at], &key[at + 1..]));
    }
    let segments = if key.starts_with('@') { 2 } else { 1 };
    let mut cut = 0;
    for _ in 0..segments {
        cut += key[cut..].find('/')? + 1;
    }
    let name = &key[..cut - 1];
    let rest = &key[cut..];
    let version = rest.split('_').next().unwrap_or(rest);
    Some((name, version))
}

/// Version 9: the `packages` keys (`name@version`) reached from the importers' production and
/// optional dependencies through the `snapshots` graph.
fn reachable_from_prod(doc: &Node) -> HashSet<String> {
    let snapshots = doc.get("snapshots");
    let mut todo: Vec<String> = Vec::new();
    let importers = doc.get("importers").map_or(&[][..], Node::entries);
    for (_, importer) in importers {
        for section in ["dependencies", "optionalDependencies"] {
            for (name, dep) in importer.get(section).map_or(&[][..], Node::entries) {
                // `version: 18.2.0(react@18.2.0)`, or `link:../pkg` for workspace packages.
                if let Some(v) = dep.str("version").filter(|v| !v.starts_with("link:")) {
                    todo.push(format!("{name}@{v}"));
                }
            }
        }
    }
    let mut seen: HashSet<String> = HashSet::new();
    let mut reached: HashSet<String> = HashSet::new();
    while let Some(snap) = todo.pop() {
        if !seen.insert(snap.clone()) {
            continue;
        }
        reached.insert(snap.split('(').next().unwrap_or(&snap).to_string());
        let Some(entry) = snapshots.and_then(|s| s.get(&snap)) else {
            continue;
        };
        for section in ["dependencies", "optionalDependencies"] {
            for (name, v) in entry.get(section).map_or(&[][..], Node::entries) {
                if let Node::Scalar(v) = v {
                    todo.push(format!("{name}@{v}"));
                }
            }
        }
    }
    reached
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_each_version() {
        assert_eq!(name_version("/lodash/4.17.11", 5), Some(("lodash", "4.17.11")));
        assert_eq!(
            name_version("/@types/node/20.11.5", 5),
            Some(("@types/node", "20.11.5"))
        );
        assert_eq!(
            name_version("/react-dom/18.2.0_react@18.2.0", 5),
            Some(("react-dom", "18.2.0"))
        );
        assert_eq!(
            name_version("/@types/node@20.11.5", 6),
            Some(("@types/node", "20.11.5"))
        );
        assert_eq!(
            name_version("/react-dom@18.2.0(react@18.2.0)", 6),
            Some(("react-dom", "18.2.0"))
        );
        assert_eq!(
            name_version("react-dom@18.2.0(react@18.2.0)", 9),
            Some(("react-dom", "18.2.0"))
        );
        assert_eq!(name_version("lodash", 9), None);
        assert_eq!(name_version("lodash", 5), None);
    }

    #[test]
    fn non_registry_entries_use_their_fields_and_v9_dev_is_derived() {
        let text = r#"lockfileVersion: '9.0'
importers:
  .:
    dependencies:
      a:
        specifier: ^1.0.0
        version: 1.0.0(peer@2.0.0)
      local:
        specifier: link:../local
        version: link:../local
    devDependencies:
      t:
        specifier: 3.0.0
        version: 3.0.0
packages:
  a@1.0.0:
    resolution: {integrity: sha512-a}
  b@1.1.0:
    resolution: {integrity: sha512-b}
  peer@2.0.0:
    resolution: {integrity: sha512-p}
  t@3.0.0:
    resolution: {integrity: sha512-t}
  mylib@https://codeload.example.org/x/tar.gz/abc:
    resolution: {tarball: https://codeload.example.org/x/tar.gz/abc}
    name: mylib
    version: 0.3.0
snapshots:
  a@1.0.0(peer@2.0.0):
    dependencies:
      b: 1.1.0
      peer: 2.0.0
  b@1.1.0: {}
  peer@2.0.0: {}
  t@3.0.0: {}
"#;
        let got = parse(text).expect("lock");
        let short: Vec<(&str, &str, bool)> = got
            .iter()
            .map(|l| (l.name.as_str(), l.version.as_str(), l.dev))
            .collect();
        assert_eq!(
            short,
            vec![
                ("a", "1.0.0", false),
                ("b", "1.1.0", false),
                ("peer", "2.0.0", false),
                ("t", "3.0.0", true),
                ("mylib", "0.3.0", true),
            ]
        );
        assert_eq!(got[4].resolved, "https://codeload.example.org/x/tar.gz/abc");
    }

    #[test]
    fn the_main_document_follows_an_env_document() {
        let text = "---\nlockfileVersion: '9.0'\nimporters:\n  .:\n    configDependencies: {}\n---\nlockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      a:\n        specifier: 1.0.0\n        version: 1.0.0\npackages:\n  a@1.0.0:\n    resolution: {integrity: sha512-a}\nsnapshots:\n  a@1.0.0: {}\n";
        let got = parse(text).expect("lock");
        assert_eq!(got.len(), 1);
        assert_eq!(
            (got[0].name.as_str(), got[0].version.as_str(), got[0].dev),
            ("a", "1.0.0", false)
        );
    }

    #[test]
    fn garbage_is_an_error() {
        assert_eq!(parse("packages: {}\n"), Err(PnpmLockError::NoVersion));
        assert!(matches!(
            parse("lockfileVersion: abc\n"),
            Err(PnpmLockError::BadVersion(_))
        ));
        assert!(parse("lockfileVersion: [\n").is_err());
        assert!(parse("- a\n- b\n").is_err());
    }
}
