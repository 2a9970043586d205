//! Policy: compliance verdicts for images, in the spirit of Anchore Engine's policy bundles.
//!
//! INTERFACE SKELETON: the public API the CLI and report crates code against. The policy helper
//! replaces every body and splits this file into modules (model, load, gates, eval, verdict,
//! defaults, advice), keeping these names and signatures (adding is fine).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use vigil_match::MatchReport;
use vigil_sbom::Sbom;

/// The bundle schema version this crate reads and writes.
pub const BUNDLE_VERSION: &str = "1";

/// What a rule does when its trigger fires. Ordered from best to worst: `Go < Warn < Stop`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Go,
    Warn,
    Stop,
}

impl Action {
    /// `GO`, `WARN`, `STOP`.
    pub fn as_upper(self) -> &'static str {
        match self {
            Action::Go => "GO",
            Action::Warn => "WARN",
            Action::Stop => "STOP",
        }
    }
}

/// Where an item of a bundle file is: `file:line:col`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub file: String,
    pub line: usize,
    pub col: usize,
}

/// A policy bundle: policies, allowlists, mappings, image allow and deny lists.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bundle {
    pub id: String,
    pub name: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    pub policies: Vec<Policy>,
    #[serde(default)]
    pub allowlists: Vec<Allowlist>,
    #[serde(default)]
    pub mappings: Vec<Mapping>,
    #[serde(default)]
    pub allowlisted_images: Vec<ImageSelector>,
    #[serde(default)]
    pub denylisted_images: Vec<ImageSelector>,
    /// The file it was read from (`<default>` for the built-in bundle).
    #[serde(skip)]
    pub source: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub rules: Vec<Rule>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub id: String,
    pub gate: String,
    pub trigger: String,
    pub action: Action,
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    #[serde(skip)]
    pub at: Place,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Allowlist {
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub items: Vec<AllowItem>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AllowItem {
    pub id: String,
    pub gate: String,
    /// A trigger id, exact or a glob (`CVE-2023-*+django`).
    pub trigger_id: String,
    pub reason: String,
    /// `YYYY-MM-DD` or RFC 3339; after it the item no longer applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mapping {
    #[serde(default)]
    pub name: String,
    pub registry: String,
    pub repository: String,
    pub tag: String,
    pub policy_ids: Vec<String>,
    #[serde(default)]
    pub allowlist_ids: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageSelector {
    #[serde(default)]
    pub name: String,
    pub registry: String,
    pub repository: String,
    pub tag: String,
}

/// One error of a bundle file, placed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub at: Place,
    pub message: String,
    /// The offending line, for showing with a caret under `at.col`.
    pub line_text: String,
}

/// Why a bundle could not be loaded: every problem found, each with its place.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", .0.iter().map(|p| format!("{}:{}:{}: {}", p.at.file, p.at.line, p.at.col, p.message)).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Problem>),
}

impl Bundle {
    /// Reads and validates a bundle file (YAML or JSON).
    pub fn load(path: &Path) -> Result<Bundle, PolicyError> {
        let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Bundle::parse(&text, &path.display().to_string())
    }

    /// Parses and validates bundle text; `name` is used in error places.
    pub fn parse(text: &str, name: &str) -> Result<Bundle, PolicyError> {
        let _ = (text, name);
        unimplemented!("policy helper")
    }

    /// The bundle shipped with Vigil, used when `--policy` is not given.
    pub fn default_bundle() -> Bundle {
        unimplemented!("policy helper")
    }

    /// What the analysis must search for this bundle's rules (content regexes, custom secret
    /// patterns, digests, verification), so `vigil scan --policy` analyses the image once.
    pub fn needs(&self) -> Needs {
        unimplemented!("policy helper")
    }
}

/// What an analysis must do for a bundle.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Needs {
    pub content_regexes: Vec<String>,
    pub secret_patterns: Vec<CustomSecret>,
    pub digests: bool,
    pub verify: bool,
}

/// A custom secret pattern from a rule's parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomSecret {
    pub id: String,
    pub regex: String,
    /// Only files whose path matches this regex, when given.
    pub path_regex: Option<String>,
}

/// An image's name, split as mappings and image lists match it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRef {
    pub registry: String,
    pub repository: String,
    pub tag: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

impl ImageRef {
    /// `nginx` → docker.io / library/nginx / latest; `reg:5000/team/app:1.2@sha256:…`.
    pub fn parse(name: &str) -> ImageRef {
        let _ = name;
        unimplemented!("policy helper")
    }
}

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

/// Evaluates `bundle` on `input`.
pub fn evaluate(bundle: &Bundle, input: &Input<'_>) -> Verdict {
    let _ = (bundle, input);
    unimplemented!("policy helper")
}

/// The kind of a trigger parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    Str,
    Int,
    Float,
    Bool,
    /// One of the listed words.
    Enum(&'static [&'static str]),
    Regex,
    /// Comma-separated values.
    List,
    Date,
}

#[derive(Clone, Copy, Debug)]
pub struct ParamSpec {
    pub name: &'static str,
    pub kind: ParamKind,
    pub required: bool,
    pub description: &'static str,
    pub example: &'static str,
}

#[derive(Clone, Copy, Debug)]
pub struct TriggerSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub params: &'static [ParamSpec],
}

#[derive(Clone, Copy, Debug)]
pub struct GateSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub triggers: &'static [TriggerSpec],
}

/// Every gate, its triggers and their parameters: the table the loader validates against, the
/// evaluator dispatches on, and `vigil policy gates` prints.
pub fn gates() -> &'static [GateSpec] {
    &[]
}
