//! OSV ecosystem strings and package-name normalisation.
//!
//! An OSV ecosystem string is a base and, for distributions, a release:
//!
//! | OSV string | base | release | variant |
//! |---|---|---|---|
//! | `Debian:12` | Debian | `12` | |
//! | `Ubuntu:22.04:LTS` | Ubuntu | `22.04` | |
//! | `Ubuntu:Pro:18.04:LTS` | Ubuntu | `18.04` | `Pro` |
//! | `Alpine:v3.19` | Alpine | `3.19` | |
//! | `PyPI` | PyPI | | |
//! | `Maven:https://repo.example/` | Maven | | `https://repo.example/` |
//! | `Rocky Linux:9` | `Rocky Linux` (unsupported) | `9` | |
//!
//! The supported ecosystems are [`SUPPORTED`]. Records of other ecosystems are imported too (so
//! that an advisory can be looked up by id and alias) and stored under their own base name, but
//! [`Ecosystem::is_supported`] is false for them: the matcher does not match against them, and
//! `vigil db status` lists them apart.
//!
//! Names are stored normalised (see [`Ecosystem::normalise_name`]) and looked up normalised, so
//! `Db::affected(PyPI, None, "Flask_Cors")` finds the advisories of `flask-cors`.

use std::borrow::Cow;
use std::fmt;

/// An ecosystem base: the part of an OSV ecosystem string before the first `:`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ecosystem {
    Debian,
    Ubuntu,
    Alpine,
    PyPI,
    Npm,
    Go,
    CratesIo,
    Maven,
    RubyGems,
    Packagist,
    NuGet,
    /// Any other OSV ecosystem, by its base name as written.
    Other(String),
}

/// The ecosystems Vigil matches against, in the order `vigil db update` fetches them.
pub const SUPPORTED: [Ecosystem; 11] = [
    Ecosystem::Debian,
    Ecosystem::Ubuntu,
    Ecosystem::Alpine,
    Ecosystem::PyPI,
    Ecosystem::Npm,
    Ecosystem::Go,
    Ecosystem::CratesIo,
    Ecosystem::Maven,
    Ecosystem::RubyGems,
    Ecosystem::Packagist,
    Ecosystem::NuGet,
];

impl Ecosystem {
    /// The ecosystem of an OSV base name. Known names are recognised whatever their case
    /// (`pypi`, `CRATES.IO`); any other becomes [`Ecosystem::Other`].
    pub fn from_base(base: &str) -> Ecosystem {
        SUPPORTED
            .iter()
            .find(|e| e.as_str().eq_ignore_ascii_case(base))
            .cloned()
            .unwrap_or_else(|| Ecosystem::Other(base.to_string()))
    }

    /// The OSV spelling of the base, which is also the folder of its `all.zip` in the OSV bucket.
    pub fn as_str(&self) -> &str {
        match self {
            Ecosystem::Debian => "Debian",
            Ecosystem::Ubuntu => "Ubuntu",
            Ecosystem::Alpine => "Alpine",
            Ecosystem::PyPI => "PyPI",
            Ecosystem::Npm => "npm",
            Ecosystem::Go => "Go",
            Ecosystem::CratesIo => "crates.io",
            Ecosystem::Maven => "Maven",
            Ecosystem::RubyGems => "RubyGems",
            Ecosystem::Packagist => "Packagist",
            Ecosystem::NuGet => "NuGet",
            Ecosystem::Other(s) => s,
        }
    }

    /// True for the ecosystems Vigil matches against ([`SUPPORTED`]).
    pub fn is_supported(&self) -> bool {
        !matches!(self, Ecosystem::Other(_))
    }

    /// True for the Linux distributions (whose advisories are per release).
    pub fn is_distro(&self) -> bool {
        matches!(self, Ecosystem::Debian | Ecosystem::Ubuntu | Ecosystem::Alpine)
    }

    /// A package name as stored and looked up:
    ///
    /// - PyPI: PEP 503 — lowercase, each run of `-`, `_`, `.` becomes one `-`;
    /// - crates.io: lowercase, `_` becomes `-` (crates.io treats both as the same name);
    /// - RubyGems, Packagist, NuGet: lowercase (their registries compare names without case);
    /// - npm, Go, Maven (`group:artifact`), Debian, Ubuntu, Alpine and others: as written.
    pub fn normalise_name<'a>(&self, name: &'a str) -> Cow<'a, str> {
        match self {
            Ecosystem::PyPI => pep503(name),
            Ecosystem::CratesIo => {
                if name.bytes().any(|b| b == b'_' || b.is_ascii_uppercase()) {
                    Cow::Owned(name.to_ascii_lowercase().replace('_', "-"))
                } else {
                    Cow::Borrowed(name)
                }
            }
            Ecosystem::RubyGems | Ecosystem::Packagist | Ecosystem::NuGet => lowercase(name),
            _ => Cow::Borrowed(name),
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn lowercase(name: &str) -> Cow<'_, str> {
    if name.chars().any(char::is_uppercase) {
        Cow::Owned(name.to_lowercase())
    } else {
        Cow::Borrowed(name)
    }
}

/// PEP 503: `re.sub(r"[-_.]+", "-", name).lower()`.
fn pep503(name: &str) -> Cow<'_, str> {
    let is_sep = |c: char| c == '-' || c == '_' || c == '.';
    let mut prev_sep = false;
    let already = name.chars().all(|c| {
        let ok = !c.is_uppercase() && !(is_sep(c) && (c != '-' || prev_sep));
        prev_sep = is_sep(c);
        ok
    });
    if already {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len());
    let mut in_sep = false;
    for c in name.chars() {
        if is_sep(c) {
            if !in_sep {
                out.push('-');
            }
            in_sep = true;
        } else {
            out.extend(c.to_lowercase());
            in_sep = false;
        }
    }
    Cow::Owned(out)
}

/// A parsed OSV ecosystem string (see the module docs for the rules).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OsvEcosystem {
    pub base: Ecosystem,
    /// The distribution release (`12`, `22.04`, `3.19`); for unsupported ecosystems, whatever
    /// follows the base.
    pub release: Option<String>,
    /// What else qualifies the string: Ubuntu's `Pro` / `Pro:FIPS` streams, a Maven repository.
    pub variant: Option<String>,
}

/// An OSV ecosystem string that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unusable ecosystem {value:?}: {reason}")]
pub struct EcosystemError {
    pub value: String,
    pub reason: &'static str,
}

impl OsvEcosystem {
    /// Parses an OSV ecosystem string.
    pub fn parse(s: &str) -> Result<OsvEcosystem, EcosystemError> {
        let err = |reason| EcosystemError {
            value: s.to_string(),
            reason,
        };
        if s.trim().is_empty() {
            return Err(err("empty"));
        }
        if s.len() > 256 || s.chars().any(char::is_control) {
            return Err(err("too long or has control characters"));
        }
        let (base_str, rest) = match s.split_once(':') {
            Some((b, r)) => (b, Some(r)),
            None => (s, None),
        };
        if base_str.is_empty() {
            return Err(err("no base before ':'"));
        }
        let base = Ecosystem::from_base(base_str);
        let rest = rest.filter(|r| !r.is_empty());
        let (release, variant) = match (&base, rest) {
            (_, None) => (None, None),
            (Ecosystem::Debian, Some(r)) => (Some(r.to_string()), None),
            (Ecosystem::Alpine, Some(r)) => (Some(r.strip_prefix(['v', 'V']).unwrap_or(r).to_string()), None),
            (Ecosystem::Ubuntu, Some(r)) => ubuntu(r),
            (Ecosystem::Other(_), Some(r)) => (Some(r.to_string()), None),
            (_, Some(r)) => (None, Some(r.to_string())),
        };
        Ok(OsvEcosystem { base, release, variant })
    }
}

/// `22.04:LTS` → (22.04, -); `Pro:18.04:LTS` → (18.04, Pro); `Pro:FIPS:16.04:LTS` → (16.04, Pro:FIPS).
fn ubuntu(rest: &str) -> (Option<String>, Option<String>) {
    let is_release = |p: &&str| p.contains('.') && p.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let release = rest.split(':').find(is_release).map(str::to_string);
    let others: Vec<&str> = rest
        .split(':')
        .filter(|p| !is_release(p) && *p != "LTS" && !p.is_empty())
        .collect();
    let variant = if others.is_empty() {
        None
    } else {
        Some(others.join(":"))
    };
    (release, variant)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(s: &str) -> (Ecosystem, Option<String>, Option<String>) {
        let p = OsvEcosystem::parse(s).expect("should succeed");
        (p.base, p.release, p.variant)
    }

    #[test]
    fn distro_releases() {
        assert_eq!(rel("Debian:12"), (Ecosystem::Debian, Some("12".into()), None));
        assert_eq!(rel("Ubuntu:22.04:LTS"), (Ecosystem::Ubuntu, Some("22.04".into()), None));
        assert_eq!(rel("Ubuntu:23.10"), (Ecosystem::Ubuntu, Some("23.10".into()), None));
        assert_eq!(
            rel("Ubuntu:Pro:18.04:LTS"),
            (Ecosystem::Ubuntu, Some("18.04".into()), Some("Pro".into()))
        );
        assert_eq!(
            rel("Ubuntu:Pro:FIPS-updates:18.04:LTS"),
            (Ecosystem::Ubuntu, Some("18.04".into()), Some("Pro:FIPS-updates".into()))
        );
        assert_eq!(rel("Alpine:v3.19"), (Ecosystem::Alpine, Some("3.19".into()), None));
        assert_eq!(rel("Debian"), (Ecosystem::Debian, None, None));
    }

    #[test]
    fn language_and_unsupported_ecosystems() {
        assert_eq!(rel("PyPI"), (Ecosystem::PyPI, None, None));
        assert_eq!(rel("npm"), (Ecosystem::Npm, None, None));
        assert_eq!(rel("crates.io"), (Ecosystem::CratesIo, None, None));
        assert_eq!(rel("pypi").0, Ecosystem::PyPI);
        assert_eq!(
            rel("Maven:https://repo.example/maven2/"),
            (Ecosystem::Maven, None, Some("https://repo.example/maven2/".into()))
        );
        let rocky = rel("Rocky Linux:9");
        assert_eq!(rocky, (Ecosystem::Other("Rocky Linux".into()), Some("9".into()), None));
        assert!(!rocky.0.is_supported());
        assert!(SUPPORTED.iter().all(Ecosystem::is_supported));
        assert_eq!(Ecosystem::from_base("CRATES.IO").as_str(), "crates.io");
    }

    #[test]
    fn unusable_strings() {
        assert!(OsvEcosystem::parse("").is_err());
        assert!(OsvEcosystem::parse(":12").is_err());
        assert!(OsvEcosystem::parse("Debian\n:12").is_err());
    }

    #[test]
    fn name_normalisation() {
        assert_eq!(Ecosystem::PyPI.normalise_name("Flask_Cors"), "flask-cors");
        assert_eq!(Ecosystem::PyPI.normalise_name("zope.interface"), "zope-interface");
        assert_eq!(Ecosystem::PyPI.normalise_name("a-_.b"), "a-b");
        assert!(matches!(Ecosystem::PyPI.normalise_name("requests"), Cow::Borrowed(_)));
        assert_eq!(Ecosystem::PyPI.normalise_name("a--b"), "a-b");
        assert_eq!(Ecosystem::CratesIo.normalise_name("Async_H1"), "async-h1");
        assert_eq!(
            Ecosystem::NuGet.normalise_name("System.Text.Encodings.Web"),
            "system.text.encodings.web"
        );
        assert_eq!(
            Ecosystem::Packagist.normalise_name("GuzzleHttp/Guzzle"),
            "guzzlehttp/guzzle"
        );
        assert_eq!(Ecosystem::RubyGems.normalise_name("RedCloth"), "redcloth");
        assert_eq!(Ecosystem::Npm.normalise_name("@Scope/Pkg"), "@Scope/Pkg");
        assert_eq!(
            Ecosystem::Go.normalise_name("github.com/BurntSushi/toml"),
            "github.com/BurntSushi/toml"
        );
        assert_eq!(
            Ecosystem::Maven.normalise_name("org.apache.logging.log4j:log4j-core"),
            "org.apache.logging.log4j:log4j-core"
        );
    }
}
