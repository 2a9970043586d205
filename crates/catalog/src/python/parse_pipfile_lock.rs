//! `Pipfile.lock` (pipenv): JSON with `default` and `develop` maps of name -> `{version: "==x"}`.

use std::collections::BTreeMap;

use serde::Deserialize;

/// One locked package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locked {
    pub name: String,
    pub version: String,
    pub dev: bool,
}

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    default: BTreeMap<String, Entry>,
    #[serde(default)]
    develop: BTreeMap<String, Entry>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    version: Option<String>,
}

/// The packages of a `Pipfile.lock`. Entries without a pinned version (VCS or path
/// dependencies) are skipped.
pub fn parse(data: &[u8]) -> Result<Vec<Locked>, serde_json::Error> {
    // serde would also take an array for the struct; a lockfile is an object.
    if data
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b != b'{')
    {
        return Err(serde::de::Error::custom("expected a JSON object"));
    }
    let lock: Lock = serde_json::from_slice(data)?;
    let mut out = Vec::new();
    for (dev, map) in [(false, lock.default), (true, lock.develop)] {
        for (name, e) in map {
            let Some(v) = e.version else { continue };
            let v = v.trim().trim_start_matches("===").trim_start_matches("==").trim();
            if !v.is_empty() {
                out.push(Locked {
                    name,
                    version: v.to_string(),
                    dev,
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_default_and_develop() {
        let data = br#"{"_meta": {"pipfile-spec": 6}, "default": {"idna": {"hashes": [], "version": "==2.7"},
            "mylib": {"git": "https://example.org/mylib.git", "ref": "abc"}},
            "develop": {"six": {"version": "==1.16.0", "markers": "python_version >= '2.7'"}}}"#;
        let got = parse(data).expect("lock");
        assert_eq!(
            got,
            vec![
                Locked {
                    name: "idna".into(),
                    version: "2.7".into(),
                    dev: false
                },
                Locked {
                    name: "six".into(),
                    version: "1.16.0".into(),
                    dev: true
                },
            ]
        );
        assert!(parse(b"{\"default\": [1, 2]}").is_err());
        assert!(parse(b"\xff\xfe garbage").is_err());
        assert!(parse(b"[]").is_err());
    }
}
