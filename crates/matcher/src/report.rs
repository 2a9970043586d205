//! [`MatchReport`]: the findings, the suppressed findings, and everything that was not matched.

use serde::{Deserialize, Serialize};
use vigil_types::{PackageType, Severity};

use crate::finding::Finding;
use crate::suppress::{ExpiredRule, Suppression};

/// What matching an SBOM gave.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MatchReport {
    /// Findings that remain, most severe first, then by package.
    pub findings: Vec<Finding>,
    /// Findings an ignore rule, a VEX statement or `--only-fixed` took out, with what did it.
    #[serde(default)]
    pub suppressed: Vec<Suppressed>,
    /// Ignore rules that did not apply because they expired.
    #[serde(default)]
    pub expired_rules: Vec<ExpiredRule>,
    /// Packages and advisories that could not be matched, and why.
    #[serde(default)]
    pub notes: Vec<Note>,
    pub counts: Counts,
}

/// A finding taken out of the results, kept with the reason.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suppressed {
    pub finding: Finding,
    pub by: Suppression,
}

/// Something the matcher could not do: a package it could not look up or compare, a range it
/// could not evaluate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub kind: NoteKind,
    /// `name@version (type)` of the package concerned, if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub advisory: Option<String>,
    pub message: String,
}

/// The kinds of [`Note`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoteKind {
    /// Packages of a type no advisory ecosystem covers (binaries found by pattern).
    NoEcosystem,
    /// OS packages of a distribution without advisory data here, or with none known.
    UnsupportedDistro,
    /// A package without a version.
    NoVersion,
    /// A package version that does not parse in its ecosystem's ordering: its ranges were not
    /// evaluated (explicit version lists were still compared).
    UnparsableVersion,
    /// An advisory range with a version that does not parse: that range was not evaluated.
    UnparsableRange,
}

/// How many of what.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Packages in the SBOM.
    pub packages: usize,
    /// Packages looked up in the advisory database.
    pub looked_up: usize,
    pub without_ecosystem: usize,
    pub unsupported_distro: usize,
    pub without_version: usize,
    /// Packages whose version failed to parse in some ordering it was needed in.
    pub unparsable_versions: usize,
    /// Advisory entries compared with a package.
    pub entries_compared: usize,
    /// Ranges skipped because a version in them failed to parse.
    pub unparsable_ranges: usize,
    pub findings: usize,
    pub suppressed: usize,
}

/// The outcome of a `--fail-on` gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gate {
    pub threshold: Severity,
    /// Remaining findings at or above the threshold.
    pub at_or_above: usize,
    pub failed: bool,
}

impl MatchReport {
    /// Whether a `--fail-on THRESHOLD` gate fails: a remaining (not suppressed) finding is at or
    /// above the threshold. Findings of unknown severity fail only a gate at `unknown`.
    pub fn gate(&self, threshold: Severity) -> Gate {
        let at_or_above = self.findings.iter().filter(|f| f.severity.level >= threshold).count();
        Gate {
            threshold,
            at_or_above,
            failed: at_or_above > 0,
        }
    }

    /// Remaining findings per severity, most severe first (every severity listed).
    pub fn by_severity(&self) -> [(Severity, usize); 6] {
        Severity::ALL.map(|s| (s, self.findings.iter().filter(|f| f.severity.level == s).count()))
    }

    /// The notes of one kind.
    pub fn notes_of(&self, kind: NoteKind) -> impl Iterator<Item = &Note> {
        self.notes.iter().filter(move |n| n.kind == kind)
    }
}

/// `name@version (type)`, as notes name packages.
pub(crate) fn package_label(name: &str, version: &str, ty: PackageType) -> String {
    if version.is_empty() {
        format!("{name} ({ty})")
    } else {
        format!("{name}@{version} ({ty})")
    }
}
