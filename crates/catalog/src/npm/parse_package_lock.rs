//! `package-lock.json`: lockfile version 1 (a tree of nested `dependencies`) and versions 2 and 3
//! (a flat `packages` map keyed by install path, `node_modules/a/node_modules/b`). Version 2
//! carries both; the `packages` map is read when present.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::parse_package_json::license_values;
use super::{not_object, Locked};

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    packages: Option<BTreeMap<String, PackageEntry>>,
    #[serde(default)]
    dependencies: Option<BTreeMap<String, DependencyEntry>>,
}

#[derive(Deserialize)]
struct PackageEntry {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    resolved: Option<String>,
    #[serde(default)]
    integrity: Option<String>,
    #[serde(default)]
    dev: bool,
    #[serde(default)]
    link: bool,
    #[serde(default)]
    license: serde_json::Value,
}

#[derive(Deserialize)]
struct DependencyEntry {
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    resolved: Option<String>,
    #[serde(default)]
    integrity: Option<String>,
    #[serde(default)]
    dev: bool,
    #[serde(default)]
    dependencies: Option<BTreeMap<String, DependencyEntry>>,
}

/// The locked packages of a `package-lock.json` (or `npm-shrinkwrap.json`).
pub fn parse(data: &[u8]) -> Result<Vec<Locked>, serde_json::Error> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    not_object(data)?;
    let lock: Lock = serde_json::from_slice(data)?;
    let mut out = Vec::new();
    if let Some(packages) = lock.packages {
        for (path, e) in packages {
            // The root project is "", workspace links point at their target entry.
            if path.is_empty() || e.link {
                continue;
            }
            let from_path = path.rsplit_once("node_modules/").map_or(path.as_str(), |(_, n)| n);
            let name = e.name.as_deref().unwrap_or(from_path);
            let Some(version) = e.version.filter(|v| !v.is_empty()) else {
                continue;
            };
            out.push(Locked {
                name: name.to_string(),
                version,
                resolved: e.resolved.unwrap_or_default(),
                integrity: e.integrity.unwrap_or_default(),
                dev: e.dev,
                licenses: license_values(&e.license),
            });
        }
        return Ok(out);
    }
    // Version 1: walk the nested tree without recursion.
    let mut todo: Vec<(String, DependencyEntry)> = lock.dependencies.unwrap_or_default().into_iter().collect();
    while let Some((name, e)) = todo.pop() {
        if let Some(children) = e.dependencies {
            todo.extend(children);
        }
        let Some(version) = e.version.filter(|v| !v.is_empty()) else {
            continue;
        };
        let (name, version) = match unalias(&version) {
            Some((real, v)) => (real.to_string(), v.to_string()),
            None => (name, version),
        };
        out.push(Locked {
            name,
            version,
            resolved: e.resolved.unwrap_or_default(),
            integrity: e.integrity.unwrap_or_default(),
            dev: e.dev,
            licenses: Vec::new(),
        });
    }
    out.sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
    Ok(out)
}

/// `npm:string-width@4.2.3` (an aliased install) -> (`string-width`, `4.2.3`).
pub fn unalias(spec: &str) -> Option<(&str, &str)> {
    let rest = spec.strip_prefix("npm:")?;
    let at = rest.get(1..)?.find('@')? + 1;
    Some((&rest[..at], &rest[at + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v3_packages_skip_root_and_links() {
        let lock = br#"{"name": "app", "lockfileVersion": 3, "packages": {
            "": {"name": "app", "version": "1.0.0"},
            "node_modules/@types/node": {"version": "20.11.5", "integrity": "sha512-g5", "dev": true, "license": "MIT"},
            "node_modules/mkdirp/node_modules/minimist": {"version": "0.0.8", "resolved": "https://registry.npmjs.org/minimist/-/minimist-0.0.8.tgz"},
            "node_modules/string-width-cjs": {"name": "string-width", "version": "4.2.3"},
            "node_modules/local": {"resolved": "packages/local", "link": true},
            "packages/local": {"name": "local", "version": "0.1.0"}}}"#;
        let got = parse(lock).expect("lock");
        let short: Vec<(&str, &str, bool)> = got
            .iter()
            .map(|l| (l.name.as_str(), l.version.as_str(), l.dev))
            .collect();
        assert_eq!(
            short,
            vec![
                ("@types/node", "20.11.5", true),
                ("minimist", "0.0.8", false),
                ("string-width", "4.2.3", false),
                ("local", "0.1.0", false),
            ]
        );
        assert_eq!(
            got[1].resolved,
            "https://registry.npmjs.org/minimist/-/minimist-0.0.8.tgz"
        );
    }

    #[test]
    fn v1_nested_dependencies_and_aliases() {
        let lock = br#"{"lockfileVersion": 1, "dependencies": {
            "mkdirp": {"version": "0.5.1", "dependencies": {"minimist": {"version": "0.0.8", "dev": true}}},
            "sw": {"version": "npm:string-width@4.2.3"},
            "gitdep": {"version": "git+https://example.org/x.git#abc"}}}"#;
        let got = parse(lock).expect("lock");
        let short: Vec<(&str, &str, bool)> = got
            .iter()
            .map(|l| (l.name.as_str(), l.version.as_str(), l.dev))
            .collect();
        assert_eq!(
            short,
            vec![
                ("gitdep", "git+https://example.org/x.git#abc", false),
                ("minimist", "0.0.8", true),
                ("mkdirp", "0.5.1", false),
                ("string-width", "4.2.3", false),
            ]
        );
        assert_eq!(unalias("npm:@scope/x@1.0.0"), Some(("@scope/x", "1.0.0")));
        assert_eq!(unalias("1.0.0"), None);
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse(b"{\"packages\": {\"node_modules/x\": {\"version\": 1}}}").is_err());
        assert!(parse(b"\x00\x01\x02").is_err());
        assert!(parse(b"[]").is_err());
    }
}
