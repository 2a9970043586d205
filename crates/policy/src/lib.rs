//! Policy: compliance verdicts for images, in the spirit of Anchore Engine's policy bundles.
//!
//! This crate owns:
//!
//! - the bundle format (`load.rs`): YAML or JSON read with positions, so that every problem of a
//!   file (an unknown gate, a misspelt parameter, a regex that does not compile, a mapping naming
//!   a policy that does not exist) is reported at `file:line:col` with the offending line, all of
//!   them at once;
//! - the gate table ([`gates()`], `gates/`): every gate, trigger and parameter with its kind and
//!   description. The loader validates against it, the evaluator dispatches on it and
//!   `vigil policy gates` prints it: there is no second list;
//! - the evaluator ([`evaluate`], `eval.rs`): image deny and allow lists, the mapping (first match
//!   wins), every rule of the chosen policies, allowlists with expiry, layer attribution (base
//!   image or application), and fix advice (`advice.rs`);
//! - the bundle shipped with Vigil ([`Bundle::default_bundle`], `default-bundle.yaml`).
//!
//! A gate whose data was not looked for (no analysis, no vulnerability database, a content regex
//! the analysis did not apply) never passes silently: it gives a WARN decision saying which data
//! is unavailable. An error while evaluating a rule is a WARN with the reason.
//!
//! ```
//! use vigil_policy::{evaluate, Action, Bundle, ImageRef, Input};
//! use vigil_sbom::Sbom;
//! use vigil_types::SourceInfo;
//!
//! let bundle = Bundle::parse(
//!     r#"
//! version: "1"
//! id: demo
//! name: Demo
//! policies:
//!   - id: p
//!     rules:
//!       - {gate: metadata, trigger: attribute, action: stop,
//!          params: {attribute: package_count, comparison: "<", value: "1"}}
//! "#,
//!     "demo.yaml",
//! )
//! .expect("valid bundle");
//! let sbom = Sbom::new_at(SourceInfo::default(), "2025-01-01T00:00:00Z");
//! let input = Input {
//!     sbom: &sbom,
//!     matches: None,
//!     db: None,
//!     image: ImageRef::parse("alpine:3.20"),
//!     base: None,
//!     now: time::OffsetDateTime::UNIX_EPOCH,
//! };
//! let verdict = evaluate(&bundle, &input);
//! assert_eq!(verdict.action, Action::Stop);
//! assert_eq!(verdict.image.repository, "library/alpine");
//! ```

mod advice;
mod allowlist;
mod defaults;
mod eval;
mod gates;

mod history;
mod imageref;
mod load;
mod model;
mod params;
mod suggest;
mod verdict;

pub use defaults::{DEFAULT_BUNDLE_SOURCE, DEFAULT_BUNDLE_YAML};
pub use eval::evaluate;
pub use gates::{gates, GateSpec, ParamKind, ParamSpec, TriggerSpec};
pub use model::{
    Action, AllowItem, Allowlist, Bundle, CustomSecret, ImageRef, ImageSelector, Mapping, Needs, Place, Policy,
    PolicyError, Problem, Rule,
};
pub use verdict::{
    AllowedBy, BaseLayers, DbFacts, Decision, ExpiredItem, FixAdvice, Input, LayerRef, Part, PolicyResult, Verdict,
    VerdictBasis,
};
pub use vigil_types::glob_match;

/// The bundle schema version this crate reads and writes.
pub const BUNDLE_VERSION: &str = "1";
