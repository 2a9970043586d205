//! `poetry.lock`: TOML with one `[[package]]` table per locked distribution. Lock format 1.x marks
//! development packages with `category = "dev"`; 2.1 lists the dependency `groups`.

use serde::Deserialize;

use super::parse_pipfile_lock::Locked;

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    name: String,
    version: String,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    groups: Option<Vec<String>>,
}

/// The packages of a `poetry.lock`.
pub fn parse(text: &str) -> Result<Vec<Locked>, toml::de::Error> {
    let lock: Lock = toml::from_str(text)?;
    Ok(lock
        .package
        .into_iter()
        .filter(|e| !e.name.is_empty() && !e.version.is_empty())
        .map(|e| {
            let dev = match (&e.groups, &e.category) {
                (Some(g), _) => !g.is_empty() && !g.iter().any(|g| g == "main"),
                (None, Some(c)) => c == "dev",
                (None, None) => false,
            };
            Locked {
                name: e.name,
                version: e.version,
                dev,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_packages_and_dev_markers() {
        let text = r#"
[[package]]
name = "requests"
version = "2.19.0"
category = "main"
optional = false

[package.dependencies]
idna = ">=2.5,<2.8"

[[package]]
name = "pytest"
version = "7.4.0"
category = "dev"

[[package]]
name = "six"
version = "1.16.0"
groups = ["dev"]

[metadata]
lock-version = "1.1"
"#;
        let got = parse(text).expect("lock");
        let short: Vec<(&str, &str, bool)> = got
            .iter()
            .map(|l| (l.name.as_str(), l.version.as_str(), l.dev))
            .collect();
        assert_eq!(
            short,
            vec![
                ("requests", "2.19.0", false),
                ("pytest", "7.4.0", true),
                ("six", "1.16.0", true)
            ]
        );
        assert!(parse("[[package]]\nname = 3\n").is_err());
        assert!(parse("\u{0}\u{1}[[[").is_err());
    }
}
