//! The gate table: every gate, its triggers and their parameters, with the function that
//! evaluates each trigger. The loader validates rules against it, the evaluator dispatches on it
//! and `vigil policy gates` prints it.
//!
//! A trigger function reads the [`Ctx`] (the SBOM, its analysis, the vulnerability matches) and
//! the rule's [`Params`], and returns what fired ([`Outcome::fired`]) and which of the data it
//! needed was not there ([`Outcome::unavailable`]: a WARN, never a silent pass). `Err` is an
//! evaluation error (a parameter that does not parse in a bundle built in code), also a WARN.

mod always;
mod files;
mod image_config;
mod licenses;
mod metadata;
mod packages;
mod passwd;
mod secrets;
mod vulnerabilities;

use vigil_match::MatchReport;
use vigil_sbom::Sbom;
use vigil_types::Analysis;
use vigil_vulndb::version::Scheme;

use crate::history::Instruction;
use crate::params::Params;
use crate::{BaseLayers, Input};

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
    /// Comma-separated values (a YAML sequence is read as one).
    List,
    Date,
    /// Octal permission bits: `0755`, `4755`.
    Mode,
}

impl ParamKind {
    /// A short name for tables: `string`, `integer`, `one of: a|b`, `regex`, ...
    pub fn describe(self) -> String {
        match self {
            ParamKind::Str => "string".to_string(),
            ParamKind::Int => "integer".to_string(),
            ParamKind::Float => "number".to_string(),
            ParamKind::Bool => "boolean".to_string(),
            ParamKind::Enum(words) => format!("one of: {}", words.join("|")),
            ParamKind::Regex => "regex".to_string(),
            ParamKind::List => "list".to_string(),
            ParamKind::Date => "date".to_string(),
            ParamKind::Mode => "octal mode".to_string(),
        }
    }
}

/// One parameter of a trigger.
#[derive(Clone, Copy, Debug)]
pub struct ParamSpec {
    pub name: &'static str,
    pub kind: ParamKind,
    pub required: bool,
    pub description: &'static str,
    pub example: &'static str,
}

/// One trigger of a gate.
#[derive(Clone, Copy, Debug)]
pub struct TriggerSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub params: &'static [ParamSpec],
    /// Evaluates the trigger.
    pub(crate) eval: EvalFn,
    /// Checks that need several parameters at once (`value` required by `check: =`), at load.
    pub(crate) check: Option<CheckFn>,
}

/// One gate: a family of triggers over one kind of data.
#[derive(Clone, Copy, Debug)]
pub struct GateSpec {
    pub name: &'static str,
    /// Other names the loader accepts for the gate (Anchore's `dockerfile` for `image_config`).
    pub aliases: &'static [&'static str],
    pub description: &'static str,
    pub triggers: &'static [TriggerSpec],
}

impl GateSpec {
    /// The trigger named `name`.
    pub fn trigger(&self, name: &str) -> Option<&'static TriggerSpec> {
        self.triggers.iter().find(|t| t.name == name)
    }
}

pub(crate) type EvalFn = fn(&Ctx<'_>, &Params<'_>) -> Result<Outcome, String>;
pub(crate) type CheckFn = fn(&Params<'_>) -> Result<(), String>;

static GATES: [GateSpec; 9] = [
    vulnerabilities::GATE,
    packages::GATE,
    licenses::GATE,
    image_config::GATE,
    files::GATE,
    secrets::GATE,
    metadata::GATE,
    passwd::GATE,
    always::GATE,
];

/// Every gate, its triggers and their parameters: the table the loader validates against, the
/// evaluator dispatches on, and `vigil policy gates` prints.
pub fn gates() -> &'static [GateSpec] {
    &GATES
}

/// The gate named `name` or one of its aliases.
pub(crate) fn gate(name: &str) -> Option<&'static GateSpec> {
    GATES.iter().find(|g| g.name == name || g.aliases.contains(&name))
}

/// What a trigger function reads.
pub(crate) struct Ctx<'a> {
    pub input: &'a Input<'a>,
    pub sbom: &'a Sbom,
    pub analysis: Option<&'a Analysis>,
    pub matches: Option<&'a MatchReport>,
    /// The image history read as instructions.
    pub history: Vec<Instruction>,
    /// The base image's layers, given or inferred.
    pub base: Option<BaseLayers>,
}

/// Where a fired trigger's subject comes from, resolved to a [`crate::LayerRef`] by the evaluator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    None,
    /// A layer by index (0 = bottom).
    Layer(usize),
    /// A layer by diff id (`sha256:…`).
    DiffId(String),
    /// A history entry by position.
    History(usize),
}

/// The fix facts of a vulnerability decision, for fix advice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct VulnFix {
    pub id: String,
    pub package: String,
    pub package_type: String,
    pub installed: String,
    pub scheme: Option<Scheme>,
    /// The lowest fixed version above the installed one.
    pub nearest: Option<String>,
}

/// One fired trigger.
#[derive(Clone, Debug)]
pub(crate) struct Fired {
    pub trigger_id: String,
    pub message: String,
    pub subject: String,
    pub origin: Origin,
    pub fix: Option<String>,
    pub vuln: Option<VulnFix>,
}

impl Fired {
    pub(crate) fn new(trigger_id: impl Into<String>, subject: impl Into<String>, message: impl Into<String>) -> Fired {
        Fired {
            trigger_id: trigger_id.into(),
            message: message.into(),
            subject: subject.into(),
            origin: Origin::None,
            fix: None,
            vuln: None,
        }
    }

    pub(crate) fn at(mut self, origin: Origin) -> Fired {
        self.origin = origin;
        self
    }
}

/// What a trigger function found.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub fired: Vec<Fired>,
    /// Data the trigger needed and did not have, in words (`no analysis of the image files`).
    pub unavailable: Vec<String>,
}

impl Outcome {
    pub(crate) fn fired(fired: Vec<Fired>) -> Outcome {
        Outcome {
            fired,
            unavailable: Vec::new(),
        }
    }

    pub(crate) fn unavailable(what: impl Into<String>) -> Outcome {
        Outcome {
            fired: Vec::new(),
            unavailable: vec![what.into()],
        }
    }
}

/// The analysis, or the outcome that says it is missing.
pub(crate) fn need_analysis<'a>(ctx: &Ctx<'a>) -> Result<&'a Analysis, Outcome> {
    ctx.analysis.ok_or_else(|| {
        Outcome::unavailable("the SBOM has no image analysis (run `vigil scan` or `vigil sbom --analyze`)")
    })
}

/// A shorthand for the table: a parameter.
pub(crate) const fn param(
    name: &'static str,
    kind: ParamKind,
    required: bool,
    description: &'static str,
    example: &'static str,
) -> ParamSpec {
    ParamSpec {
        name,
        kind,
        required,
        description,
        example,
    }
}

/// The words comparison parameters accept.
pub(crate) const CMP: ParamKind = ParamKind::Enum(crate::params::CMP_WORDS);

/// `allow` or `deny`.
pub(crate) const ALLOW_DENY: ParamKind = ParamKind::Enum(&["allow", "deny"]);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_described() {
        let mut gate_names = Vec::new();
        for g in gates() {
            assert!(!g.description.is_empty(), "{}", g.name);
            gate_names.push(g.name);
            let mut names: Vec<_> = g.triggers.iter().map(|t| t.name).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), g.triggers.len(), "{}", g.name);
            for t in g.triggers {
                assert!(!t.description.is_empty(), "{}.{}", g.name, t.name);
                let mut ps: Vec<_> = t.params.iter().map(|p| p.name).collect();
                ps.sort_unstable();
                ps.dedup();
                assert_eq!(ps.len(), t.params.len(), "{}.{}", g.name, t.name);
                for p in t.params {
                    assert!(!p.description.is_empty(), "{}.{}.{}", g.name, t.name, p.name);
                    if !p.example.is_empty() {
                        assert_eq!(
                            crate::params::check_value(p.kind, p.example),
                            Ok(()),
                            "example of {}.{}.{}",
                            g.name,
                            t.name,
                            p.name
                        );
                    }
                }
            }
        }
        let n = gate_names.len();
        gate_names.dedup();
        assert_eq!(n, gate_names.len());
        assert_eq!(gate("dockerfile").map(|g| g.name), Some("image_config"));
    }
}
