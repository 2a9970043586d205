//! `package.json`: the manifest of an installed package (or of an application).
//!
//! Fields are read leniently where npm itself is lenient: `license` is a string, an object
//! `{type}` or missing, with the legacy `licenses` array as a fallback; `author` is a string or a
//! person object. A file that is not a JSON object is an error; one without a name or version
//! is simply not a package.

use serde::Deserialize;

use super::not_object;
use serde_json::Value;

/// The facts of a manifest the cataloger uses.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub name: String,
    pub version: String,
    pub licenses: Vec<String>,
    pub author: String,
    pub homepage: String,
    pub private: bool,
}

#[derive(Deserialize)]
struct Raw {
    #[serde(default)]
    name: Value,
    #[serde(default)]
    version: Value,
    #[serde(default)]
    license: Value,
    #[serde(default)]
    licenses: Value,
    #[serde(default)]
    author: Value,
    #[serde(default)]
    homepage: Value,
    #[serde(default)]
    private: Value,
}

/// Parses a manifest. `Ok(None)` when it names no package (no name or no version).
pub fn parse(data: &[u8]) -> Result<Option<Manifest>, serde_json::Error> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    not_object(data)?;
    let raw: Raw = serde_json::from_slice(data)?;
    let name = text(&raw.name);
    let version = text(&raw.version);
    if name.is_empty() || version.is_empty() {
        return Ok(None);
    }
    let mut licenses = license_values(&raw.license);
    if licenses.is_empty() {
        licenses = license_values(&raw.licenses);
    }
    Ok(Some(Manifest {
        name,
        version,
        licenses,
        author: person(&raw.author),
        homepage: text(&raw.homepage),
        private: matches!(raw.private, Value::Bool(true)) || raw.private.as_str() == Some("true"),
    }))
}

fn text(v: &Value) -> String {
    v.as_str().map(str::trim).unwrap_or("").to_string()
}

/// `"MIT"`, `{"type": "MIT", "url": ...}`, or an array of either.
pub fn license_values(v: &Value) -> Vec<String> {
    let one = |v: &Value| -> Option<String> {
        let s = match v {
            Value::String(s) => s.trim(),
            Value::Object(o) => o.get("type").and_then(Value::as_str).unwrap_or("").trim(),
            _ => "",
        };
        (!s.is_empty()).then(|| s.to_string())
    };
    match v {
        Value::Array(items) => items.iter().filter_map(one).collect(),
        other => one(other).into_iter().collect(),
    }
}

/// A person as npm writes one: `Name <email> (url)`.
fn person(v: &Value) -> String {
    match v {
        Value::String(s) => s.trim().to_string(),
        Value::Object(o) => {
            let field = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or("").trim();
            let mut out = field("name").to_string();
            for (k, open, close) in [("email", '<', '>'), ("url", '(', ')')] {
                let f = field(k);
                if !f.is_empty() {
                    if !out.is_empty() {
                        out.push(' ');
                    }
                    out.push(open);
                    out.push_str(f);
                    out.push(close);
                }
            }
            out
        }
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_manifest() {
        let m = parse(
            br#"{"name": "minimist", "version": "0.0.8", "author": {"name": "James Halliday",
            "email": "mail@substack.net", "url": "http://substack.net"}, "license": "MIT",
            "homepage": "https://github.com/substack/minimist"}"#,
        )
        .expect("json")
        .expect("package");
        assert_eq!(m.name, "minimist");
        assert_eq!(m.licenses, vec!["MIT"]);
        assert_eq!(m.author, "James Halliday <mail@substack.net> (http://substack.net)");
        assert!(!m.private);
    }

    #[test]
    fn legacy_licence_shapes() {
        let m = parse(br#"{"name": "x", "version": "1.0.0", "license": {"type": "ISC", "url": "u"}}"#)
            .expect("json")
            .expect("package");
        assert_eq!(m.licenses, vec!["ISC"]);
        let m = parse(
            br#"{"name": "x", "version": "1.0.0", "licenses": [{"type": "MIT", "url": "u"}, {"type": "Apache-2.0"}, "BSD"]}"#,
        )
        .expect("json")
        .expect("package");
        assert_eq!(m.licenses, vec!["MIT", "Apache-2.0", "BSD"]);
        let m = parse(b"\xEF\xBB\xBF{\"name\": \"x\", \"version\": \"1\", \"private\": true, \"license\": 7}")
            .expect("json")
            .expect("package");
        assert!(m.private);
        assert!(m.licenses.is_empty());
    }

    #[test]
    fn no_name_or_version_is_no_package_and_garbage_is_an_error() {
        assert_eq!(parse(br#"{"name": "fixture"}"#).expect("json"), None);
        assert_eq!(parse(br#"{"version": "1.0.0"}"#).expect("json"), None);
        assert_eq!(parse(br#"{"name": 3, "version": "1.0.0"}"#).expect("json"), None);
        assert!(parse(b"[1, 2]").is_err());
        assert!(parse(b"{\"name\": \"x\",").is_err());
        assert!(parse(b"").is_err());
    }
}
