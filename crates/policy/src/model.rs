//! The bundle as read from a file: policies, rules, allowlists, mappings, image lists, and the
//! errors a file can have.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What a rule does when its trigger fires. Ordered from best to worst: `Go < Warn < Stop`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Go,
    Warn,
    Stop,
}

impl Action {
    /// Reads `stop`, `warn` or `go` in any case.
    pub fn parse(s: &str) -> Option<Action> {
        match s.trim().to_ascii_lowercase().as_str() {
            "stop" => Some(Action::Stop),
            "warn" => Some(Action::Warn),
            "go" => Some(Action::Go),
            _ => None,
        }
    }

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

/// A named list of rules.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub rules: Vec<Rule>,
}

/// `{gate, trigger, action, params}`: when the trigger of the gate fires, the action applies.
///
/// A loaded rule's gate and trigger are the canonical names of the table (`dockerfile` is read
/// as `image_config`); list parameters are comma-joined strings.
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

/// Accepted findings: items that turn matching decisions into GO until they expire.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Allowlist {
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub items: Vec<AllowItem>,
}

/// One accepted trigger id of one gate.
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

/// Which policies and allowlists apply to images whose name matches the globs.
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

/// Registry, repository and tag globs (`*`, `?`) selecting images.
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
