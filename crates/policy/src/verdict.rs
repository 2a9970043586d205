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
    /// `--base IMAGE` when given by the user (exact; write the name after `--base ` so the
    /// `image_config.base_image` trigger can read it), or `history` (inferred from the image
    /// history, see the crate's `history` module).
    pub how: String,
}

/// The vulnerability database's facts a gate needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbFacts {
    pub path: String,
    /// When the data was built (`stale_feed_data` compares it with [`Input::now`]).
    pub built_at: OffsetDateTime,
}

/// Everything an evaluation reads.
pub struct Input<'a> {
    pub sbom: &'a Sbom,
    /// `None` when no vulnerability database was available (vulnerability gates then WARN).
    pub matches: Option<&'a MatchReport>,
    /// `None` when there is no database (`stale_feed_data` then WARNs).
    pub db: Option<DbFacts>,
    /// The image's name, as mappings and the image lists match it.
    pub image: ImageRef,
    /// `None`: inferred from the image history when possible.
    pub base: Option<BaseLayers>,
    /// The time of the evaluation: allowlist expiry and data ages are measured from it.
    pub now: OffsetDateTime,
}

/// Which part of the image a decision comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    Base,
    Application,
}

/// The layer a decision's subject comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerRef {
    /// Position, 0 for the bottom layer (for an instruction without a layer of its own, such as
    /// `USER`, the layer below it).
    pub index: usize,
    /// The layer's diff id, when the SBOM lists the layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff_id: Option<String>,
    /// Base image or application, when the base is known (`--base`, or the history).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<Part>,
}

/// The allowlist item that turned a decision into GO.
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
    /// What allowlists match: `CVE-2019-19844+django`, `/root/.ssh/id_rsa`, ...; a WARN for
    /// missing data is `data_unavailable`, one for an evaluation error `evaluation_error`.
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
    /// The vulnerability ids the upgrade clears (the decisions `<id>+<package>`).
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
