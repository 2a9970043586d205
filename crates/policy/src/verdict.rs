//! What an evaluation reads ([`Input`]) and gives ([`Verdict`]).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use vigil_match::MatchReport;
use vigil_sbom::Sbom;

use crate::{Action, ImageRef};

/// How many bottom layers belong to the base image, and how we know.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaseLayers {
    pub count: usize,
    /// `--base IMAGE` (exact), or `history` (inferred from the image history).
    pub how: String,
}

/// The vulnerability database's facts a gate needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbFacts {
    pub path: String,
    pub built_at: OffsetDateTime,
}

/// Everything an evaluation reads.
pub struct Input<'a> {
    pub sbom: &'a Sbom,
    /// `None` when no vulnerability database was available (vulnerability gates then WARN).
    pub matches: Option<&'a MatchReport>,
    pub db: Option<DbFacts>,
    pub image: ImageRef,
    /// `None`: inferred from the image history when possible.
    pub base: Option<BaseLayers>,
    pub now: OffsetDateTime,
}

/// Which part of the image a decision comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    Base,
    Application,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerRef {
    pub index: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<Part>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowedBy {
    pub allowlist: String,
    pub item: String,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// One fired trigger.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub policy_id: String,
    pub rule_id: String,
    pub gate: String,
    pub trigger: String,
    /// What allowlists match: `CVE-2019-19844+django`, `/root/.ssh/id_rsa`, ...
    pub trigger_id: String,
    /// The rule's action.
    pub action: Action,
    /// The action after allowlists (`Go` when allowlisted).
    pub effective: Action,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowlisted: Option<AllowedBy>,
    /// What fired and why, for people.
    pub message: String,
    /// The package, file, config key or value that fired.
    pub subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<LayerRef>,
    /// For vulnerability decisions: the nearest fixed version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyResult {
    pub policy_id: String,
    pub name: String,
    pub action: Action,
    pub decisions: Vec<Decision>,
}

/// An allowlist item that matched a decision but had expired.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpiredItem {
    pub allowlist: String,
    pub item: String,
    pub trigger_id: String,
    pub expired: String,
    pub reason: String,
}

/// Upgrading one package to clear vulnerability decisions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FixAdvice {
    pub package: String,
    pub package_type: String,
    pub installed: String,
    /// The lowest version that fixes every failing decision of this package.
    pub upgrade_to: String,
    pub clears: Vec<String>,
}

/// Why the final action is what it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VerdictBasis {
    Denylisted,
    Allowlisted,
    Policy,
}

/// The verdict of a bundle on one image.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub bundle_id: String,
    pub bundle_name: String,
    pub image: ImageRef,
    pub action: Action,
    pub basis: VerdictBasis,
    /// The mapping that chose the policies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mapping: Option<String>,
    pub policies: Vec<PolicyResult>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expired_allowlist_items: Vec<ExpiredItem>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fix_advice: Vec<FixAdvice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<BaseLayers>,
    pub evaluated_at: String,
}

impl Verdict {
    /// Every decision of every policy.
    pub fn decisions(&self) -> impl Iterator<Item = &Decision> {
        self.policies.iter().flat_map(|p| p.decisions.iter())
    }
}
