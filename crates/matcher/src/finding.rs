//! [`Finding`]: one vulnerability in one package, with everything that explains it.

use std::fmt::{self, Write as _};

use serde::{Deserialize, Serialize};
use vigil_types::{Digest, Location, Package, PackageType, Severity};

/// One vulnerability in one package.
///
/// Records that describe the same vulnerability (an OSV record and its aliases: `PYSEC-…`,
/// `GHSA-…`, `CVE-…`) make one finding per package.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The vulnerability: a CVE id when any matched record names one, else a GHSA id, else the
    /// first matched advisory's id.
    pub id: String,
    /// Every other id of the vulnerability: the matched advisories' ids and their aliases.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub package: FindingPackage,
    /// The rating used for sorting, gates and reports, and where it came from.
    pub severity: Rating,
    /// Every CVSS vector seen for the vulnerability (records, then the NVD), scored.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cvss: Vec<CvssScore>,
    pub fix: Fix,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epss: Option<EpssScore>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kev: Option<KevEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// CWE ids (`CWE-79`) the records name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cwes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    /// Why it matched: one entry per matched advisory entry, with the range and comparator.
    pub matches: Vec<MatchDetail>,
}

/// The package a finding is in, as the SBOM has it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingPackage {
    /// The SBOM's package id.
    pub id: String,
    pub name: String,
    pub version: String,
    #[serde(rename = "type")]
    pub ty: PackageType,
    pub purl: String,
    /// The evidence: the files the package was found in (the first is the main one).
    pub locations: Vec<Location>,
    /// The layer that brought the package in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<Digest>,
}

impl FindingPackage {
    pub(crate) fn of(p: &Package) -> FindingPackage {
        FindingPackage {
            id: p.id.clone(),
            name: p.name.clone(),
            version: p.version.clone(),
            ty: p.ty,
            purl: p.purl.to_string(),
            locations: p.locations.clone(),
            layer: p.layer.clone(),
        }
    }

    /// The main evidence path (`/var/lib/dpkg/status`), if any.
    pub fn path(&self) -> Option<&str> {
        self.locations.first().map(|l| l.path.as_str())
    }
}

/// A severity and the source it came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rating {
    pub level: Severity,
    /// The CVSS base score, when the rating comes from a CVSS vector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vector: Option<String>,
    pub source: RatingSource,
    /// Who gave it: the advisory id (`GHSA-…`), `Debian:12 urgency`, the NVD scorer
    /// (`nvd@nist.gov`); empty for [`RatingSource::None`].
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub origin: String,
}

impl Rating {
    pub(crate) fn unknown() -> Rating {
        Rating {
            level: Severity::Unknown,
            score: None,
            vector: None,
            source: RatingSource::None,
            origin: String::new(),
        }
    }
}

/// Where a severity came from, in the order they are preferred.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RatingSource {
    /// A CVSS vector in a matched record (v4 and v3 preferred over v2).
    Cvss,
    /// The distribution's rating: Debian's urgency, Ubuntu's priority.
    Distro,
    /// A CVSS vector from the NVD (or a CVE record) for the vulnerability's CVE.
    Nvd,
    /// The advisory's own word (GitHub's `database_specific.severity`).
    Advisory,
    /// No source rated it.
    None,
}

/// One CVSS vector and its score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CvssScore {
    /// `2.0`, `3.0`, `3.1`, `4.0`.
    pub version: String,
    pub vector: String,
    pub score: f64,
    pub severity: Severity,
    /// The record id or the NVD scorer it came from.
    pub source: String,
}

/// Whether and where a fix exists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    pub state: FixState,
    /// The fixed versions of the matched ranges, lowest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// The lowest fixed version above the installed one (the upgrade to make).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nearest: Option<String>,
    /// Why the state is what it is when the record says so (`Debian:12 urgency unimportant`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The fix state of a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixState {
    /// A fixed version above the installed one exists.
    Fixed,
    /// No fix is known.
    NotFixed,
    /// The distribution decided not to fix it (Debian: `unimportant`, `end-of-life`, no DSA).
    WontFix,
}

impl FixState {
    /// `fixed`, `not-fixed`, `wont-fix`.
    pub fn as_str(self) -> &'static str {
        match self {
            FixState::Fixed => "fixed",
            FixState::NotFixed => "not-fixed",
            FixState::WontFix => "wont-fix",
        }
    }

    /// Parses the names [`FixState::as_str`] gives, and their `_` / spaced / `won't` spellings.
    pub fn parse(s: &str) -> Option<FixState> {
        let k: String = s
            .trim()
            .to_ascii_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        match k.as_str() {
            "fixed" => Some(FixState::Fixed),
            "notfixed" | "unfixed" => Some(FixState::NotFixed),
            "wontfix" => Some(FixState::WontFix),
            _ => None,
        }
    }
}

impl fmt::Display for FixState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A FIRST EPSS score of the vulnerability's CVE.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpssScore {
    pub cve: String,
    /// Probability of exploitation in the next 30 days, 0 to 1.
    pub score: f64,
    pub percentile: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// The vulnerability's entry in CISA's Known Exploited Vulnerabilities catalogue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KevEntry {
    pub cve: String,
    pub date_added: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    /// CISA knows of ransomware campaigns using it.
    pub known_ransomware: bool,
}

/// A reference of a record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// OSV's type: `ADVISORY`, `WEB`, `FIX`, `REPORT`, `PACKAGE`...
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub url: String,
}

/// How one advisory entry matched the package: what was compared with what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchDetail {
    /// The advisory record (`DEBIAN-CVE-2023-1234`, `GHSA-…`, `PYSEC-…`).
    pub advisory: String,
    /// The ecosystem as the record wrote it (`Debian:12`, `PyPI`).
    pub ecosystem: String,
    /// The package name as the record wrote it; for Debian and Ubuntu the source package.
    pub package: String,
    /// The installed version that was compared (for Debian, the source version).
    pub version: String,
    /// The version ordering used: `dpkg`, `PEP 440`, `SemVer`...
    pub comparator: String,
    pub how: MatchKind,
    /// The matched range as text: `>=0, <2.20.0 (ECOSYSTEM, PEP 440)`.
    pub range: String,
    /// The fixed versions of the matched range (or of the entry, for a listed version).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fixed: Vec<String>,
}

/// What in an advisory entry matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchKind {
    /// An `ECOSYSTEM` or `SEMVER` range.
    Range,
    /// The version is listed in the entry's `versions`.
    Version,
    /// The entry has neither ranges nor versions: every version is affected.
    AllVersions,
}

impl MatchDetail {
    /// `PYSEC-2023-192 (PyPI urllib3): 1.24.1 in >=0, <1.26.17 (ECOSYSTEM, PEP 440)`.
    pub fn describe(&self) -> String {
        let what = match self.how {
            MatchKind::Range => format!("{} in {}", self.version, self.range),
            MatchKind::Version => format!("{} ({})", self.range, self.comparator),
            MatchKind::AllVersions => self.range.clone(),
        };
        format!("{} ({} {}): {what}", self.advisory, self.ecosystem, self.package)
    }
}

impl Finding {
    /// The CVE ids of the vulnerability: its id and aliases that are CVE ids.
    pub fn cves(&self) -> impl Iterator<Item = &str> {
        std::iter::once(&self.id)
            .chain(&self.aliases)
            .map(String::as_str)
            .filter(|s| vigil_vulndb::is_cve_id(s))
    }

    /// True when `id` (any case) is the finding's id or one of its aliases.
    pub fn has_id(&self, id: &str) -> bool {
        let id = id.trim();
        self.id.eq_ignore_ascii_case(id) || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(id))
    }

    /// A few lines for people: which advisory, which range, which comparator, which file.
    pub fn explain(&self) -> String {
        let p = &self.package;
        let mut s = format!(
            "{} in {} {} ({}) — {}",
            self.id,
            p.name,
            p.version,
            p.ty,
            self.severity.level.title()
        );
        if let Some(score) = self.severity.score {
            let _ = write!(s, " {score:.1}");
        }
        if !self.severity.origin.is_empty() {
            let _ = write!(s, " from {}", self.severity.origin);
        }
        for m in &self.matches {
            let _ = write!(s, "\n  matched {}", m.describe());
        }
        match (&self.fix.state, &self.fix.nearest) {
            (FixState::Fixed, Some(v)) => {
                let _ = write!(s, "\n  fixed in {v}");
            }
            (state, _) => {
                let _ = write!(s, "\n  {state}");
                if let Some(r) = &self.fix.reason {
                    let _ = write!(s, ": {r}");
                }
            }
        }
        for l in &p.locations {
            let _ = write!(s, "\n  evidence {}", l.path);
            if let Some(layer) = &l.layer {
                let _ = write!(s, " (layer {})", layer.short());
            }
        }
        s
    }
}
