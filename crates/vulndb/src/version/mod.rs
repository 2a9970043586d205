//! Version ordering per ecosystem, exact to each ecosystem's own tool.
//!
//! Advisory ranges (OSV `introduced`/`fixed`/`last_affected`/`limit`) are
//! matched by comparing a package's version with each bound, so every scheme
//! here orders versions the way the ecosystem's reference tool does:
//!
//! | scheme | reference | module |
//! | --- | --- | --- |
//! | [`Scheme::Dpkg`] | `dpkg --compare-versions` | [`dpkg`] |
//! | [`Scheme::Apk`] | apk-tools `version.c` (test list `version.data`) | [`apk`] |
//! | [`Scheme::Rpm`] | rpm's `rpmvercmp` and `rpm.ver` (EVR) | [`rpm`] |
//! | [`Scheme::Pep440`] | Python `packaging.version.Version` | [`pep440`] |
//! | [`Scheme::Semver`] | npm `semver` (also crates.io) | [`semver`] |
//! | [`Scheme::Go`] | `golang.org/x/mod/semver` | [`semver`] |
//! | [`Scheme::Maven`] | Maven's `ComparableVersion` | [`maven`] |
//! | [`Scheme::RubyGems`] | `Gem::Version` | [`rubygems`] |
//! | [`Scheme::NuGet`] | NuGet.Versioning rules | [`nuget`] |
//! | [`Scheme::Composer`] | Composer `VersionParser::normalize` + `version_compare` | [`composer`] |
//!
//! A version is parsed once into a compact form; comparing two parsed
//! versions does not allocate. Digit runs of any length compare by value.
//! An empty string is an error in every scheme.
//!
//! ```
//! use std::cmp::Ordering;
//! use vigil_vulndb::version::{compare, Scheme, Version};
//!
//! let scheme = Scheme::for_osv_ecosystem("Debian:12").unwrap();
//! assert_eq!(compare(scheme, "1.0~rc1-1", "1.0-1").unwrap(), Ordering::Less);
//!
//! let fixed = Version::parse(Scheme::Pep440, "2.0.0rc1").unwrap();
//! let installed = Version::parse(Scheme::Pep440, "2.0").unwrap();
//! assert_eq!(installed.cmp(&fixed), Some(Ordering::Greater));
//! ```

use std::cmp::Ordering;
use std::fmt;

pub mod apk;
pub mod composer;
pub mod dpkg;
pub mod maven;
pub mod nuget;
mod num;
pub mod pep440;
pub mod rpm;
pub mod rubygems;
pub mod semver;

pub use apk::ApkVersion;
pub use composer::ComposerVersion;
pub use dpkg::DpkgVersion;
pub use maven::MavenVersion;
pub use nuget::NuGetVersion;
pub use pep440::Pep440Version;
pub use rpm::RpmVersion;
pub use rubygems::GemVersion;
pub use semver::SemVersion;

/// A version ordering scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scheme {
    /// Debian and Ubuntu packages (dpkg).
    Dpkg,
    /// Alpine, Wolfi and Chainguard packages (apk-tools).
    Apk,
    /// RPM packages: Red Hat, Rocky, Alma, SUSE, ... (epoch:version-release).
    Rpm,
    /// Python packages (PEP 440).
    Pep440,
    /// SemVer 2.0: npm, crates.io, Hex.
    Semver,
    /// Go modules: SemVer with `v`, shorthands and pseudo-versions.
    Go,
    /// Maven artifacts (`ComparableVersion`).
    Maven,
    /// Ruby gems (`Gem::Version`).
    RubyGems,
    /// NuGet packages (NuGet SemVer 2 with up to 4 numbers).
    NuGet,
    /// Packagist / Composer packages.
    Composer,
}

impl Scheme {
    /// Every scheme, in declaration order.
    pub const ALL: [Scheme; 10] = [
        Scheme::Dpkg,
        Scheme::Apk,
        Scheme::Rpm,
        Scheme::Pep440,
        Scheme::Semver,
        Scheme::Go,
        Scheme::Maven,
        Scheme::RubyGems,
        Scheme::NuGet,
        Scheme::Composer,
    ];

    /// The scheme for an OSV `affected[].package.ecosystem` value.
    ///
    /// The part after the first `:` (a release such as `Debian:12`,
    /// `Ubuntu:22.04:LTS`, `Alpine:v3.19`) does not change the scheme.
    pub fn for_osv_ecosystem(ecosystem: &str) -> Option<Scheme> {
        let base = ecosystem.split(':').next().unwrap_or(ecosystem);
        Some(match base {
            "Debian" | "Ubuntu" => Scheme::Dpkg,
            "Alpine" | "Wolfi" | "Chainguard" => Scheme::Apk,
            "Red Hat" | "Rocky Linux" | "AlmaLinux" | "openSUSE" | "SUSE" | "Mageia" | "openEuler" | "Photon OS" => {
                Scheme::Rpm
            }
            "PyPI" => Scheme::Pep440,
            "npm" | "crates.io" | "Hex" => Scheme::Semver,
            "Go" => Scheme::Go,
            "Maven" => Scheme::Maven,
            "RubyGems" => Scheme::RubyGems,
            "NuGet" => Scheme::NuGet,
            "Packagist" => Scheme::Composer,
            _ => return None,
        })
    }

    /// A short human name: `dpkg`, `PEP 440`, ...
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Dpkg => "dpkg",
            Scheme::Apk => "apk",
            Scheme::Rpm => "rpm",
            Scheme::Pep440 => "PEP 440",
            Scheme::Semver => "SemVer",
            Scheme::Go => "Go",
            Scheme::Maven => "Maven",
            Scheme::RubyGems => "RubyGems",
            Scheme::NuGet => "NuGet",
            Scheme::Composer => "Composer",
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a version string could not be used.
///
/// `input` is the offending string, cut to [`VersionError::MAX_INPUT`]
/// characters (with `…`) so that a hostile 100 KB string does not end up in
/// every log line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VersionError {
    /// The string is not a version of this scheme.
    #[error("invalid {scheme} version {input:?}: {reason}")]
    Invalid {
        scheme: Scheme,
        input: String,
        reason: &'static str,
    },
    /// The string is valid but has no place in the order (a Composer
    /// `dev-*` branch name, for instance).
    #[error("{scheme} version {input:?} cannot be ordered: {reason}")]
    Unordered {
        scheme: Scheme,
        input: String,
        reason: &'static str,
    },
}

impl VersionError {
    /// How many characters of the input an error keeps.
    pub const MAX_INPUT: usize = 120;

    pub(crate) fn invalid(scheme: Scheme, input: &str, reason: &'static str) -> Self {
        VersionError::Invalid {
            scheme,
            input: clip(input),
            reason,
        }
    }

    pub(crate) fn unordered(scheme: Scheme, input: &str, reason: &'static str) -> Self {
        VersionError::Unordered {
            scheme,
            input: clip(input),
            reason,
        }
    }

    /// The scheme the string was parsed for.
    pub fn scheme(&self) -> Scheme {
        match self {
            VersionError::Invalid { scheme, .. } | VersionError::Unordered { scheme, .. } => *scheme,
        }
    }

    /// The offending string (possibly cut, see [`VersionError::MAX_INPUT`]).
    pub fn input(&self) -> &str {
        match self {
            VersionError::Invalid { input, .. } | VersionError::Unordered { input, .. } => input,
        }
    }

    /// What is wrong with it.
    pub fn reason(&self) -> &'static str {
        match self {
            VersionError::Invalid { reason, .. } | VersionError::Unordered { reason, .. } => reason,
        }
    }
}

fn clip(input: &str) -> String {
    match input.char_indices().nth(VersionError::MAX_INPUT) {
        None => input.to_owned(),
        Some((end, _)) => format!("{}…", &input[..end]),
    }
}

/// A version parsed for one scheme.
///
/// Versions of the same scheme are totally ordered; versions of different
/// schemes are not comparable ([`Version::cmp`] gives `None`).
#[derive(Clone, Debug)]
pub enum Version {
    Dpkg(DpkgVersion),
    Apk(ApkVersion),
    Rpm(RpmVersion),
    Pep440(Pep440Version),
    Semver(SemVersion),
    Go(SemVersion),
    Maven(MavenVersion),
    RubyGems(GemVersion),
    NuGet(NuGetVersion),
    Composer(ComposerVersion),
}

impl Version {
    /// Parses `input` as a version of `scheme`.
    pub fn parse(scheme: Scheme, input: &str) -> Result<Version, VersionError> {
        Ok(match scheme {
            Scheme::Dpkg => Version::Dpkg(DpkgVersion::parse(input)?),
            Scheme::Apk => Version::Apk(ApkVersion::parse(input)?),
            Scheme::Rpm => Version::Rpm(RpmVersion::parse(input)?),
            Scheme::Pep440 => Version::Pep440(Pep440Version::parse(input)?),
            Scheme::Semver => Version::Semver(SemVersion::parse(input)?),
            Scheme::Go => Version::Go(SemVersion::parse_go(input)?),
            Scheme::Maven => Version::Maven(MavenVersion::parse(input)?),
            Scheme::RubyGems => Version::RubyGems(GemVersion::parse(input)?),
            Scheme::NuGet => Version::NuGet(NuGetVersion::parse(input)?),
            Scheme::Composer => Version::Composer(ComposerVersion::parse(input)?),
        })
    }

    /// The scheme this version was parsed for.
    pub fn scheme(&self) -> Scheme {
        match self {
            Version::Dpkg(_) => Scheme::Dpkg,
            Version::Apk(_) => Scheme::Apk,
            Version::Rpm(_) => Scheme::Rpm,
            Version::Pep440(_) => Scheme::Pep440,
            Version::Semver(_) => Scheme::Semver,
            Version::Go(_) => Scheme::Go,
            Version::Maven(_) => Scheme::Maven,
            Version::RubyGems(_) => Scheme::RubyGems,
            Version::NuGet(_) => Scheme::NuGet,
            Version::Composer(_) => Scheme::Composer,
        }
    }

    /// Orders two versions of the same scheme; `None` across schemes.
    #[expect(
        clippy::should_implement_trait,
        reason = "partial across schemes, so not Ord::cmp; PartialOrd delegates here"
    )]
    pub fn cmp(&self, other: &Version) -> Option<Ordering> {
        Some(match (self, other) {
            (Version::Dpkg(a), Version::Dpkg(b)) => a.cmp(b),
            (Version::Apk(a), Version::Apk(b)) => a.cmp(b),
            (Version::Rpm(a), Version::Rpm(b)) => a.cmp(b),
            (Version::Pep440(a), Version::Pep440(b)) => a.cmp(b),
            (Version::Semver(a), Version::Semver(b)) => a.cmp(b),
            (Version::Go(a), Version::Go(b)) => a.cmp(b),
            (Version::Maven(a), Version::Maven(b)) => a.cmp(b),
            (Version::RubyGems(a), Version::RubyGems(b)) => a.cmp(b),
            (Version::NuGet(a), Version::NuGet(b)) => a.cmp(b),
            (Version::Composer(a), Version::Composer(b)) => a.cmp(b),
            _ => return None,
        })
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Some(Ordering::Equal)
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Version::cmp(self, other)
    }
}

/// Parses both strings for `scheme` and orders them.
pub fn compare(scheme: Scheme, a: &str, b: &str) -> Result<Ordering, VersionError> {
    let a = Version::parse(scheme, a)?;
    let b = Version::parse(scheme, b)?;
    // Same scheme on both sides, so the order is always defined.
    Ok(a.cmp(&b).unwrap_or(Ordering::Equal))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osv_ecosystems_map_to_schemes() {
        let cases = [
            ("Debian", Scheme::Dpkg),
            ("Debian:12", Scheme::Dpkg),
            ("Ubuntu", Scheme::Dpkg),
            ("Ubuntu:22.04:LTS", Scheme::Dpkg),
            ("Ubuntu:Pro:18.04:LTS", Scheme::Dpkg),
            ("Alpine", Scheme::Apk),
            ("Alpine:v3.19", Scheme::Apk),
            ("PyPI", Scheme::Pep440),
            ("npm", Scheme::Semver),
            ("crates.io", Scheme::Semver),
            ("Go", Scheme::Go),
            ("Maven", Scheme::Maven),
            ("RubyGems", Scheme::RubyGems),
            ("Packagist", Scheme::Composer),
            ("NuGet", Scheme::NuGet),
            ("Red Hat", Scheme::Rpm),
            ("Red Hat:enterprise_linux:9::appstream", Scheme::Rpm),
            ("Rocky Linux", Scheme::Rpm),
            ("Rocky Linux:9", Scheme::Rpm),
            ("AlmaLinux", Scheme::Rpm),
            ("AlmaLinux:8", Scheme::Rpm),
            ("openSUSE", Scheme::Rpm),
            ("SUSE", Scheme::Rpm),
            ("SUSE:Linux Enterprise Server 15 SP5", Scheme::Rpm),
        ];
        for (eco, scheme) in cases {
            assert_eq!(Scheme::for_osv_ecosystem(eco), Some(scheme), "{eco}");
        }
        for eco in ["", "debian", "PYPI", "GitHub Actions", "Linux", ":12"] {
            assert_eq!(Scheme::for_osv_ecosystem(eco), None, "{eco}");
        }
    }

    #[test]
    fn versions_of_different_schemes_do_not_compare() {
        let a = Version::parse(Scheme::Semver, "1.0.0").expect("valid version");
        let b = Version::parse(Scheme::Go, "v1.0.0").expect("valid version");
        let c = Version::parse(Scheme::Semver, "1.0.0+build").expect("valid version");
        assert_eq!(a.cmp(&b), None);
        assert_ne!(a, b);
        assert_eq!(a.cmp(&c), Some(Ordering::Equal));
        assert_eq!(a, c);
        assert_eq!(a.scheme(), Scheme::Semver);
        assert_eq!(b.scheme(), Scheme::Go);
    }

    #[test]
    fn errors_name_scheme_and_input() {
        let err = compare(Scheme::Pep440, "1.0", "not a version").expect_err("must be rejected");
        assert_eq!(err.scheme(), Scheme::Pep440);
        assert_eq!(err.input(), "not a version");
        assert!(err.to_string().contains("PEP 440"), "{err}");
        assert!(err.to_string().contains("not a version"), "{err}");

        let huge = "1".repeat(100_000) + "x";
        let err = Version::parse(Scheme::Semver, &huge).expect_err("must be rejected");
        assert_eq!(
            err.input().chars().count(),
            VersionError::MAX_INPUT + 1,
            "input is clipped and marked"
        );
        assert!(err.input().ends_with('…'));
    }

    #[test]
    fn empty_is_an_error_everywhere() {
        for scheme in Scheme::ALL {
            let err = Version::parse(scheme, "").expect_err("must be rejected");
            assert_eq!(err.scheme(), scheme);
            assert!(matches!(err, VersionError::Invalid { .. }), "{scheme}: {err}");
        }
    }
}

/// The [`crate::VersionCheck`] built on these parsers: a range event version must parse in its
/// ecosystem's scheme (SEMVER ranges in SemVer). Ecosystems without a scheme are accepted as
/// [`crate::basic_version_check`] accepts them; Go's SEMVER ranges may omit the `v`.
pub fn osv_version_check(ecosystem: &str, kind: crate::RangeKind, version: &str) -> Result<(), String> {
    crate::basic_version_check(ecosystem, kind, version)?;
    let scheme = match kind {
        crate::RangeKind::Semver => match Scheme::for_osv_ecosystem(ecosystem) {
            Some(Scheme::Go) => Scheme::Go,
            _ => Scheme::Semver,
        },
        crate::RangeKind::Ecosystem => match Scheme::for_osv_ecosystem(ecosystem) {
            Some(s) => s,
            None => return Ok(()),
        },
    };
    Version::parse(scheme, version).map(|_| ()).map_err(|e| e.to_string())
}

#[cfg(test)]
mod check_tests {
    use super::osv_version_check;
    use crate::RangeKind;

    #[test]
    fn checks_versions_by_ecosystem() {
        assert!(osv_version_check("Debian:12", RangeKind::Ecosystem, "1:2.36-9+deb12u4").is_ok());
        assert!(osv_version_check("PyPI", RangeKind::Ecosystem, "2.2.0rc1").is_ok());
        assert!(osv_version_check("PyPI", RangeKind::Ecosystem, "not-a-version!").is_err());
        assert!(osv_version_check("npm", RangeKind::Semver, "1.2.3-beta.1").is_ok());
        assert!(osv_version_check("npm", RangeKind::Semver, "1.2").is_err());
        assert!(osv_version_check("Go", RangeKind::Semver, "0.17.0").is_ok());
        assert!(osv_version_check("SomethingNew", RangeKind::Ecosystem, "whatever-1").is_ok());
    }
}
