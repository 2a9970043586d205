//! `<app>.deps.json`, written by the .NET SDK beside an application or library: its `libraries`
//! map is keyed `Name/Version`, each with a `type` (`package` for a NuGet package, `project` for
//! the application itself and its project references, `runtimepack` and others) and, for
//! packages, the `sha512` of the `.nupkg` and its `path` in the package cache.

use serde_json::Value;

/// One entry of `libraries`.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Library {
    pub name: String,
    pub version: String,
    pub kind: String,
    pub sha512: String,
    pub path: String,
    pub hash_path: String,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(super) enum DepsError {
    #[error("invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("no \"libraries\" object")]
    NoLibraries,
}

/// The libraries, in file order, and the keys that are not `Name/Version`.
pub(super) fn parse_deps_json(data: &[u8]) -> Result<(Vec<Library>, Vec<String>), DepsError> {
    let root: Value = serde_json::from_slice(data)?;
    let libs = root
        .get("libraries")
        .and_then(Value::as_object)
        .ok_or(DepsError::NoLibraries)?;
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for (key, v) in libs {
        let Some((name, version)) = key.split_once('/').filter(|(n, v)| !n.is_empty() && !v.is_empty()) else {
            bad.push(key.clone());
            continue;
        };
        let text = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        out.push(Library {
            name: name.to_string(),
            version: version.to_string(),
            kind: text("type"),
            sha512: text("sha512"),
            path: text("path"),
            hash_path: text("hashPath"),
        });
    }
    Ok((out, bad))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_libraries() {
        let data = br#"{"libraries": {
            "App/1.0.0": {"type": "project", "serviceable": false, "sha512": ""},
            "Newtonsoft.Json/13.0.1": {"type": "package", "serviceable": true,
                "sha512": "sha512-ppPFpBcvxdsfUonNcvITKqLl3bqxWbDCZIzDWHzjpdAHRFfZe0Dw9HmA0+za13IdyrgJwpkDTDA9fHaxOrt20A==",
                "path": "newtonsoft.json/13.0.1", "hashPath": "newtonsoft.json.13.0.1.nupkg.sha512"},
            "no-version": {"type": "package"},
            "Odd/1.0/x": 7}}"#;
        let (libs, bad) = parse_deps_json(data).expect("parsed");
        assert_eq!(libs.len(), 3);
        assert_eq!((libs[0].name.as_str(), libs[0].kind.as_str()), ("App", "project"));
        assert_eq!(libs[1].version, "13.0.1");
        assert_eq!(libs[1].path, "newtonsoft.json/13.0.1");
        assert!(libs[1].sha512.starts_with("sha512-ppPF"));
        // A value that is not an object still names a library; its facts are empty.
        assert_eq!(
            (libs[2].name.as_str(), libs[2].version.as_str(), libs[2].kind.as_str()),
            ("Odd", "1.0/x", "")
        );
        assert_eq!(bad, vec!["no-version"]);
    }

    #[test]
    fn garbage() {
        assert!(matches!(parse_deps_json(b"\xff\xfe"), Err(DepsError::Json(_))));
        assert!(matches!(
            parse_deps_json(b"{\"targets\": {}}"),
            Err(DepsError::NoLibraries)
        ));
        assert!(matches!(parse_deps_json(b"[1,2]"), Err(DepsError::NoLibraries)));
    }
}
