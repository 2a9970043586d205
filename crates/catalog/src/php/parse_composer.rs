//! Composer's package lists: `vendor/composer/installed.json` (Composer 1: an array of packages;
//! Composer 2: `{"packages": [...], "dev-package-names": [...]}`) and `composer.lock`
//! (`packages` and `packages-dev`). Both describe a package the same way: `name`
//! (`vendor/project`), `version` (as written: `v1.27.0` stays so), `license`, `dist`, `source`.

use serde_json::Value;

/// One Composer package.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct ComposerPackage {
    pub name: String,
    pub version: String,
    pub licenses: Vec<String>,
    pub kind: String,
    pub dist_url: String,
    pub dist_reference: String,
    pub source_url: String,
    pub source_reference: String,
    pub dev: bool,
}

/// What a file holds: packages, and entries skipped with why.
#[derive(Debug, Default)]
pub(super) struct Parsed {
    pub packages: Vec<ComposerPackage>,
    pub skipped: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(super) enum ComposerError {
    #[error("invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("no package list: expected {0}")]
    Shape(&'static str),
}

/// `vendor/composer/installed.json`, either generation.
pub(super) fn parse_installed(data: &[u8]) -> Result<Parsed, ComposerError> {
    let root: Value = serde_json::from_slice(data)?;
    let (list, dev_names) = match &root {
        Value::Array(list) => (list, Vec::new()),
        Value::Object(o) => {
            let list = o
                .get("packages")
                .and_then(Value::as_array)
                .ok_or(ComposerError::Shape("an array, or an object with \"packages\""))?;
            let dev: Vec<&str> = o
                .get("dev-package-names")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            (list, dev)
        }
        _ => return Err(ComposerError::Shape("an array, or an object with \"packages\"")),
    };
    let mut out = Parsed::default();
    for (i, v) in list.iter().enumerate() {
        match package(v) {
            Ok(mut p) => {
                p.dev = dev_names.contains(&p.name.as_str());
                out.packages.push(p);
            }
            Err(why) => out.skipped.push(format!("package #{i}: {why}")),
        }
    }
    Ok(out)
}

/// `composer.lock`: `packages`, and `packages-dev` marked as development dependencies.
pub(super) fn parse_lock(data: &[u8]) -> Result<Parsed, ComposerError> {
    let root: Value = serde_json::from_slice(data)?;
    let o = root
        .as_object()
        .ok_or(ComposerError::Shape("an object with \"packages\""))?;
    if !o.contains_key("packages") && !o.contains_key("packages-dev") {
        return Err(ComposerError::Shape("an object with \"packages\""));
    }
    let mut out = Parsed::default();
    for (key, dev) in [("packages", false), ("packages-dev", true)] {
        let Some(list) = o.get(key).and_then(Value::as_array) else {
            continue;
        };
        for (i, v) in list.iter().enumerate() {
            match package(v) {
                Ok(mut p) => {
                    p.dev = dev;
                    out.packages.push(p);
                }
                Err(why) => out.skipped.push(format!("{key} #{i}: {why}")),
            }
        }
    }
    Ok(out)
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").trim().to_string()
}

fn package(v: &Value) -> Result<ComposerPackage, &'static str> {
    if !v.is_object() {
        return Err("not an object");
    }
    let name = text(v, "name");
    let version = text(v, "version");
    if name.is_empty() {
        return Err("no name");
    }
    if version.is_empty() {
        return Err("no version");
    }
    let licenses = match v.get("license") {
        Some(Value::String(s)) => vec![s.trim().to_string()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(Value::as_str)
            .map(|s| s.trim().to_string())
            .collect(),
        _ => Vec::new(),
    };
    let part = |k: &str, f: &str| v.get(k).map(|x| text(x, f)).unwrap_or_default();
    Ok(ComposerPackage {
        name,
        version,
        licenses: licenses.into_iter().filter(|l| !l.is_empty()).collect(),
        kind: text(v, "type"),
        dist_url: part("dist", "url"),
        dist_reference: part("dist", "reference"),
        source_url: part("source", "url"),
        source_reference: part("source", "reference"),
        dev: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn composer_1_installed_is_an_array() {
        let data = br#"[{"name": "monolog/monolog", "version": "1.27.1", "license": "MIT",
            "source": {"type": "git", "url": "https://github.com/Seldaek/monolog.git", "reference": "904713c5"}},
            {"name": "", "version": "1"}, 42]"#;
        let p = parse_installed(data).expect("parsed");
        assert_eq!(p.packages.len(), 1);
        assert_eq!(p.packages[0].licenses, vec!["MIT"]);
        assert_eq!(p.packages[0].source_reference, "904713c5");
        assert_eq!(p.skipped, vec!["package #1: no name", "package #2: not an object"]);
    }

    #[test]
    fn lock_marks_dev_packages() {
        let data = br#"{"packages": [{"name": "a/b", "version": "v2.0.0"}], "packages-dev": [{"name": "c/d", "version": "1.0"}]}"#;
        let p = parse_lock(data).expect("parsed");
        let got: Vec<(&str, &str, bool)> = p
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.dev))
            .collect();
        assert_eq!(got, [("a/b", "v2.0.0", false), ("c/d", "1.0", true)]);
    }

    #[test]
    fn garbage() {
        assert!(matches!(parse_installed(b"\x00garbage"), Err(ComposerError::Json(_))));
        assert!(matches!(
            parse_installed(b"{\"packages\": 3}"),
            Err(ComposerError::Shape(_))
        ));
        assert!(matches!(parse_installed(b"\"str\""), Err(ComposerError::Shape(_))));
        assert!(matches!(parse_lock(b"[]"), Err(ComposerError::Shape(_))));
        assert!(matches!(parse_lock(b"{}"), Err(ComposerError::Shape(_))));
        // Deep nesting hits serde_json's recursion limit instead of the stack.
        let deep = "[".repeat(100_000);
        assert!(matches!(parse_installed(deep.as_bytes()), Err(ComposerError::Json(_))));
    }
}
