//! Which advisories a package is looked up in: package type (and distribution) → OSV ecosystem,
//! release, the name advisories use, and the version to compare.
//!
//! | package type | ecosystem | name looked up | version compared |
//! |---|---|---|---|
//! | deb | `Debian` / `Ubuntu` by distro id, release `12` / `22.04` | the source package (`source`, else the binary name) | `source_version`, else the version |
//! | apk | `Alpine`, release `3.19` (from `3.19.1`) | the origin package (`origin`, else the name) | the version |
//! | rpm | `Red Hat` / `Rocky Linux` / `AlmaLinux` by distro id, major release | the binary name | `[epoch:]version-release` |
//! | python | `PyPI` | the name (PEP 503 by the store) | the version |
//! | npm | `npm` | the name (`@scope/name`) | the version |
//! | go-module | `Go` | the module path; the standard library as `stdlib` | `go1.22.1` → `1.22.1` |
//! | rust-crate | `crates.io` | the name | the version |
//! | java-archive | `Maven` | `group:artifact` from the purl | the version |
//! | gem | `RubyGems` | the name | the version |
//! | php-composer | `Packagist` | `vendor/name` from the purl | the version |
//! | dotnet | `NuGet` | the name | the version |
//!
//! Distribution packages are matched only against their own release's advisories; an image
//! without a `VERSION_ID` only against advisories written for no release. The distribution comes
//! from the SBOM, else from the package's purl `distro` qualifier (`debian-12`).

use vigil_types::{Distro, Package, PackageType};
use vigil_vulndb::version::Scheme;
use vigil_vulndb::{Affected, Ecosystem};

/// Where to look a package up, and what to compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    pub ecosystem: Ecosystem,
    pub release: Release,
    /// The name advisories use (the source package for Debian and Ubuntu).
    pub name: String,
    /// The version compared with the ranges.
    pub version: String,
    pub scheme: Scheme,
}

/// Which releases' advisories apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Release {
    /// Language ecosystems: releases do not exist.
    Any,
    /// Exactly this release (`12`, `22.04`, `3.19`, `9`).
    Is(String),
    /// Red Hat writes the release inside a longer string (`enterprise_linux:9::appstream`):
    /// entries whose release has a `:`-separated part equal to this major version or starting
    /// with it and a dot.
    RedHatMajor(String),
    /// A distribution image without a release: only advisories written for no release.
    Unreleased,
}

impl Release {
    /// The release passed to the store's query (`None` asks for every release).
    pub fn query(&self) -> Option<&str> {
        match self {
            Release::Is(r) => Some(r),
            _ => None,
        }
    }

    /// Whether an entry returned by the store applies to this target.
    pub fn admits(&self, entry: &Affected) -> bool {
        let release = entry.ecosystem.release.as_deref();
        // Ubuntu Pro (ESM) streams are fixes a plain image cannot get: not for a plain release.
        if entry.ecosystem.base == Ecosystem::Ubuntu && entry.ecosystem.variant.is_some() {
            return false;
        }
        match self {
            Release::Any => true,
            Release::Is(r) => release == Some(r.as_str()),
            Release::Unreleased => release.is_none(),
            Release::RedHatMajor(major) => release.is_some_and(|rel| {
                rel.split(':').any(|part| {
                    part == major
                        || part
                            .strip_prefix(major.as_str())
                            .is_some_and(|rest| rest.starts_with('.'))
                })
            }),
        }
    }
}

/// Why a package has no target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NoTarget {
    /// The package type has no advisory ecosystem (binaries found by version patterns).
    NoEcosystem,
    /// An OS package of a distribution Vigil has no advisories for (or no distribution known).
    Distro(String),
    /// The package has no version.
    NoVersion,
}

/// The target of a package, given the image's distribution.
pub(crate) fn target(p: &Package, distro: Option<&Distro>) -> Result<Target, NoTarget> {
    if p.version.trim().is_empty() {
        return Err(NoTarget::NoVersion);
    }
    let simple = |ecosystem: Ecosystem, scheme: Scheme, name: String| {
        Ok(Target {
            ecosystem,
            release: Release::Any,
            name,
            version: p.version.clone(),
            scheme,
        })
    };
    let purl_name = |sep: &str| match &p.purl.namespace {
        Some(ns) if !ns.is_empty() => format!("{ns}{sep}{}", p.purl.name),
        _ => p.name.clone(),
    };
    match p.ty {
        PackageType::Deb | PackageType::Apk | PackageType::Rpm => os_target(p, distro),
        PackageType::Python => simple(Ecosystem::PyPI, Scheme::Pep440, p.name.clone()),
        PackageType::Npm => simple(Ecosystem::Npm, Scheme::Semver, p.name.clone()),
        PackageType::RustCrate => simple(Ecosystem::CratesIo, Scheme::Semver, p.name.clone()),
        PackageType::Gem => simple(Ecosystem::RubyGems, Scheme::RubyGems, p.name.clone()),
        PackageType::Dotnet => simple(Ecosystem::NuGet, Scheme::NuGet, p.name.clone()),
        PackageType::JavaArchive => simple(Ecosystem::Maven, Scheme::Maven, purl_name(":")),
        PackageType::PhpComposer => simple(Ecosystem::Packagist, Scheme::Composer, purl_name("/")),
        PackageType::GoModule => {
            if p.name == "stdlib" {
                Ok(Target {
                    ecosystem: Ecosystem::Go,
                    release: Release::Any,
                    name: "stdlib".to_string(),
                    version: go_toolchain_version(&p.version),
                    scheme: Scheme::Go,
                })
            } else {
                simple(Ecosystem::Go, Scheme::Go, p.name.clone())
            }
        }
        _ => Err(NoTarget::NoEcosystem),
    }
}

fn os_target(p: &Package, distro: Option<&Distro>) -> Result<Target, NoTarget> {
    let from_purl;
    let distro = match distro {
        Some(d) if !d.id.is_empty() => d,
        _ => {
            from_purl = purl_distro(p).ok_or_else(|| NoTarget::Distro(String::new()))?;
            &from_purl
        }
    };
    let id = distro.id.to_ascii_lowercase();
    let vid = distro.version_id.trim();
    let unsupported = || NoTarget::Distro(distro.purl_qualifier());
    let release = |r: String| {
        if r.is_empty() {
            Release::Unreleased
        } else {
            Release::Is(r)
        }
    };
    match (p.ty, id.as_str()) {
        (PackageType::Deb, "debian" | "ubuntu") => {
            let (ecosystem, rel) = if id == "debian" {
                // Debian's VERSION_ID is the major release; point releases never appear in OSV.
                (Ecosystem::Debian, vid.split('.').next().unwrap_or("").to_string())
            } else {
                (Ecosystem::Ubuntu, vid.to_string())
            };
            let source = p.metadata.get("source").filter(|s| !s.is_empty());
            let source_version = p.metadata.get("source_version").filter(|s| !s.is_empty());
            Ok(Target {
                ecosystem,
                release: release(rel),
                name: source.cloned().unwrap_or_else(|| p.name.clone()),
                version: source_version.cloned().unwrap_or_else(|| p.version.clone()),
                scheme: Scheme::Dpkg,
            })
        }
        (PackageType::Apk, "alpine") => {
            let rel: Vec<&str> = vid.split('.').take(2).collect();
            let origin = p.metadata.get("origin").filter(|s| !s.is_empty());
            Ok(Target {
                ecosystem: Ecosystem::Alpine,
                release: release(rel.join(".")),
                name: origin.cloned().unwrap_or_else(|| p.name.clone()),
                version: p.version.clone(),
                scheme: Scheme::Apk,
            })
        }
        (PackageType::Rpm, "rhel" | "rocky" | "almalinux") => {
            let major = vid.split('.').next().unwrap_or("").to_string();
            let (base, release) = match id.as_str() {
                "rhel" if major.is_empty() => ("Red Hat", Release::Unreleased),
                "rhel" => ("Red Hat", Release::RedHatMajor(major)),
                "rocky" => ("Rocky Linux", release(major)),
                _ => ("AlmaLinux", release(major)),
            };
            Ok(Target {
                ecosystem: Ecosystem::Other(base.to_string()),
                release,
                name: p.name.clone(),
                version: p.version.clone(),
                scheme: Scheme::Rpm,
            })
        }
        _ => Err(unsupported()),
    }
}

/// The distribution a package's purl names: `distro=debian-12` → (`debian`, `12`).
fn purl_distro(p: &Package) -> Option<Distro> {
    let q = p.purl.qualifiers.get("distro")?;
    let (id, version_id) = match q.split_once('-') {
        Some((id, v)) if v.starts_with(|c: char| c.is_ascii_digit()) => (id, v),
        _ => (q.as_str(), ""),
    };
    Some(Distro {
        id: id.to_string(),
        version_id: version_id.to_string(),
        ..Distro::default()
    })
}

/// The Go toolchain's version as the Go vulnerability database writes it: `go1.22.1` →
/// `1.22.1`, `go1.21` → `1.21.0`, `go1.21rc2` → `1.21.0-rc.2`, `go1.9beta1` → `1.9.0-beta.1`.
/// Anything else is returned unchanged (and fails to parse later, with a note).
pub(crate) fn go_toolchain_version(v: &str) -> String {
    let s = v.trim();
    let s = s.strip_prefix("go").unwrap_or(s);
    let split = s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len());
    let (numbers, pre) = s.split_at(split);
    let parts: Vec<&str> = numbers.split('.').collect();
    if parts.is_empty()
        || parts.len() > 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return v.to_string();
    }
    let mut out = parts.join(".");
    for _ in parts.len()..3 {
        out.push_str(".0");
    }
    if !pre.is_empty() {
        let tag_len = pre.find(|c: char| c.is_ascii_digit()).unwrap_or(pre.len());
        let (tag, n) = pre.split_at(tag_len);
        if !matches!(tag, "rc" | "beta" | "alpha") || !n.bytes().all(|b| b.is_ascii_digit()) {
            return v.to_string();
        }
        out.push('-');
        out.push_str(tag);
        if !n.is_empty() {
            out.push('.');
            out.push_str(n);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigil_types::{Location, Purl};

    fn pkg(ty: PackageType, name: &str, version: &str, purl: Purl) -> Package {
        Package::new(ty, name, version, purl, Location::new("/x", None), "test")
    }

    fn distro(id: &str, v: &str) -> Distro {
        Distro {
            id: id.into(),
            version_id: v.into(),
            ..Distro::default()
        }
    }

    #[test]
    fn debian_binary_packages_are_looked_up_by_source() {
        let mut p = pkg(
            PackageType::Deb,
            "libbz2-1.0",
            "1.0.8-5+b1",
            Purl::new("deb", "libbz2-1.0", "1.0.8-5+b1"),
        );
        p.set_meta("source", "bzip2");
        p.set_meta("source_version", "1.0.8-5");
        let t = target(&p, Some(&distro("debian", "12"))).expect("target");
        assert_eq!(t.ecosystem, Ecosystem::Debian);
        assert_eq!(t.release, Release::Is("12".into()));
        assert_eq!((t.name.as_str(), t.version.as_str()), ("bzip2", "1.0.8-5"));
        let plain = pkg(
            PackageType::Deb,
            "bash",
            "5.2.15-2+b2",
            Purl::new("deb", "bash", "5.2.15-2+b2"),
        );
        let t = target(&plain, Some(&distro("ubuntu", "22.04"))).expect("target");
        assert_eq!(
            (t.ecosystem, t.release),
            (Ecosystem::Ubuntu, Release::Is("22.04".into()))
        );
        assert_eq!((t.name.as_str(), t.version.as_str()), ("bash", "5.2.15-2+b2"));
    }

    #[test]
    fn distro_from_the_purl_when_the_sbom_has_none() {
        let purl = Purl::new("deb", "bash", "5.2.15-2").qualifier("distro", "debian-12");
        let t = target(&pkg(PackageType::Deb, "bash", "5.2.15-2", purl), None).expect("target");
        assert_eq!(t.release, Release::Is("12".into()));
        let bare = pkg(
            PackageType::Deb,
            "bash",
            "5.2.15-2",
            Purl::new("deb", "bash", "5.2.15-2"),
        );
        assert_eq!(target(&bare, None), Err(NoTarget::Distro(String::new())));
        assert_eq!(
            target(&bare, Some(&distro("linuxmint", "21"))),
            Err(NoTarget::Distro("linuxmint-21".into()))
        );
        let sid = target(&bare, Some(&distro("debian", ""))).expect("target");
        assert_eq!(sid.release, Release::Unreleased);
    }

    #[test]
    fn alpine_release_is_major_minor_and_names_are_origins() {
        let mut p = pkg(
            PackageType::Apk,
            "libcrypto3",
            "3.1.4-r5",
            Purl::new("apk", "libcrypto3", "3.1.4-r5"),
        );
        p.set_meta("origin", "openssl");
        let t = target(&p, Some(&distro("alpine", "3.19.1"))).expect("target");
        assert_eq!(
            (t.ecosystem, t.release),
            (Ecosystem::Alpine, Release::Is("3.19".into()))
        );
        assert_eq!(t.name, "openssl");
    }

    #[test]
    fn language_names_come_from_the_purl_where_the_ecosystem_wants_it() {
        let jar = pkg(
            PackageType::JavaArchive,
            "log4j-core",
            "2.14.1",
            Purl::new("maven", "log4j-core", "2.14.1").namespace("org.apache.logging.log4j"),
        );
        assert_eq!(
            target(&jar, None).expect("target").name,
            "org.apache.logging.log4j:log4j-core"
        );
        let php = pkg(
            PackageType::PhpComposer,
            "guzzlehttp/guzzle",
            "7.4.0",
            Purl::new("composer", "guzzle", "7.4.0").namespace("guzzlehttp"),
        );
        let t = target(&php, None).expect("target");
        assert_eq!(
            (t.ecosystem, t.name.as_str()),
            (Ecosystem::Packagist, "guzzlehttp/guzzle")
        );
        let bin = pkg(
            PackageType::Binary,
            "python",
            "3.11.2",
            Purl::new("generic", "python", "3.11.2"),
        );
        assert_eq!(target(&bin, None), Err(NoTarget::NoEcosystem));
        let empty = pkg(PackageType::Npm, "x", "", Purl::new("npm", "x", ""));
        assert_eq!(target(&empty, None), Err(NoTarget::NoVersion));
    }

    #[test]
    fn go_toolchain_versions_become_semver() {
        assert_eq!(go_toolchain_version("go1.22.1"), "1.22.1");
        assert_eq!(go_toolchain_version("go1.21"), "1.21.0");
        assert_eq!(go_toolchain_version("go1.21rc2"), "1.21.0-rc.2");
        assert_eq!(go_toolchain_version("go1.9beta1"), "1.9.0-beta.1");
        assert_eq!(go_toolchain_version("devel +abc"), "devel +abc");
        assert_eq!(go_toolchain_version("go1.2.3.4"), "go1.2.3.4");
    }

    #[test]
    fn red_hat_releases_match_by_major() {
        let r = Release::RedHatMajor("9".into());
        let entry = |rel: &str| Affected {
            advisory_id: "RHSA-1".into(),
            ecosystem: vigil_vulndb::OsvEcosystem::parse(&format!("Red Hat:{rel}")).expect("ecosystem"),
            ecosystem_raw: String::new(),
            name: "x".into(),
            original_name: "x".into(),
            purl: None,
            ranges: vec![],
            versions: vec![],
            severity: vec![],
            urgency: None,
            ecosystem_specific: None,
            database_specific: None,
        };
        assert!(r.admits(&entry("enterprise_linux:9::appstream")));
        assert!(r.admits(&entry("rhel_eus:9.2::baseos")));
        assert!(!r.admits(&entry("enterprise_linux:8::appstream")));
        assert!(!r.admits(&entry("enterprise_linux:90::x")));
    }
}
