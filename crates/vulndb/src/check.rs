//! The seam through which an import checks range versions against its ecosystem's version syntax.
//!
//! The importer does not know how versions are spelled in each ecosystem; the caller passes a
//! [`VersionCheck`]. The binary passes the one built on the per-ecosystem version parsers; tests
//! pass stand-ins. [`basic_version_check`] only rejects what no ecosystem accepts.

/// Which kind of OSV range a version comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RangeKind {
    /// `ECOSYSTEM`: the version is in the ecosystem's own syntax (dpkg, PEP 440, Maven...).
    Ecosystem,
    /// `SEMVER`: the version is SemVer 2.0 without a leading `v`, whatever the ecosystem.
    Semver,
}

/// Checks one event version of a range.
///
/// `ecosystem` is the affected package's OSV ecosystem string as written in the record
/// (`Debian:12`, `PyPI`, `crates.io`...). `Ok(())` accepts the version; `Err(reason)` makes the
/// import skip the whole record with that reason. The special values `introduced: "0"` and
/// `limit: "*"` are never passed. A check should accept every version of an ecosystem it does not
/// know: unknown ecosystems are imported, not judged.
pub type VersionCheck = fn(ecosystem: &str, kind: RangeKind, version: &str) -> Result<(), String>;

/// Longest version accepted by [`basic_version_check`].
pub const MAX_VERSION_LEN: usize = 256;

/// The check that holds for every ecosystem: a version is non-empty, at most
/// [`MAX_VERSION_LEN`] bytes, and has no whitespace or control characters.
pub fn basic_version_check(_ecosystem: &str, _kind: RangeKind, version: &str) -> Result<(), String> {
    if version.is_empty() {
        return Err("empty version".to_string());
    }
    if version.len() > MAX_VERSION_LEN {
        return Err(format!("version longer than {MAX_VERSION_LEN} bytes"));
    }
    if let Some(c) = version.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("version contains {c:?}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_check_rejects_only_what_no_ecosystem_accepts() {
        assert!(basic_version_check("Debian:12", RangeKind::Ecosystem, "1:2.36-9+deb12u4").is_ok());
        assert!(basic_version_check("Maven", RangeKind::Ecosystem, "2.0-beta9").is_ok());
        assert!(basic_version_check("Go", RangeKind::Semver, "0.17.0").is_ok());
        assert_eq!(
            basic_version_check("PyPI", RangeKind::Ecosystem, ""),
            Err("empty version".into())
        );
        assert!(basic_version_check("PyPI", RangeKind::Ecosystem, "1.0 beta").is_err());
        assert!(basic_version_check("npm", RangeKind::Semver, "1.0\u{0}").is_err());
        assert!(basic_version_check("npm", RangeKind::Semver, &"1".repeat(MAX_VERSION_LEN + 1)).is_err());
    }
}
