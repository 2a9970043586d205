//! A set of loaded rules compiled for evaluation: each rule's condition and output compiled once,
//! rules selected by priority and by name or tag globs, and indexed by the event kinds their
//! conditions can match ([`evttypes`]), so an event only runs the rules that could fire on it,
//! in definition order.
//!
//! Selection ([`RulesetConfig`]) starts from each rule's `enabled`, then applies, in this order:
//! `enable` (rule-name globs) and `enable_tags` (a rule with a matching tag) turn rules on,
//! `disable` and `disable_tags` turn them off. As in Falco's `rules:` configuration, a later
//! selection overrides an earlier one, so a rule both enabled and disabled ends disabled.
//! Finally a rule less severe than `min_priority` is off whatever the selections say.
//!
//! ```
//! use vigil_capture::{encode::RecordBuilder, Event};
//! use vigil_rules::fields::{EventFields, Host};
//! use vigil_rules::ruleset::{LoadedRule, LoadedRules, Origin, Priority, Ruleset, RulesetConfig};
//! use vigil_rules::Scratch;
//! use vigil_state::{Tracker, TrackerConfig};
//!
//! let rule = |name: &str, cond: &str| LoadedRule {
//!     name: name.into(), desc: String::new(), condition: vigil_rules::parse(cond).unwrap(),
//!     condition_text: cond.into(), output: "file=%fd.name proc=%proc.name".into(),
//!     priority: Priority::Warning, source: "syscall".into(), tags: vec![], enabled: true,
//!     warn_evttypes: true, skip_if_unknown_filter: false,
//!     origin: Origin { file: "doc.yaml".into(), line: 1, col: 1 },
//! };
//! let loaded = LoadedRules {
//!     rules: vec![rule("shadow read", "evt.type = openat and fd.name = /etc/shadow")],
//!     ..Default::default()
//! };
//! let (rules, diags) = Ruleset::compile(&loaded, &RulesetConfig::default());
//! assert!(diags.is_empty());
//! assert_eq!(rules.event_types().syscall_names(), ["openat"]);
//!
//! let mut tracker = Tracker::new(TrackerConfig::default());
//! let rec = RecordBuilder::syscall("openat", 1, 42, 42).arg(0, -100i64 as u64).str_arg(1, "/etc/shadow").res(3).build();
//! let ev = Event::decode(&rec).unwrap();
//! let enriched = tracker.apply(&ev);
//! let (mut scratch, mut hits) = (Scratch::new(), Vec::new());
//! rules.evaluate(&EventFields::new(&enriched, &Host::UNKNOWN, None), &mut scratch, &mut hits);
//! assert_eq!(hits[0].name, "shadow read");
//! ```

use crate::fields::{self, EventFields};
use crate::glob::Glob;
use crate::output::Output;
use crate::value::{Fields, Scratch};
use crate::Compiled;

pub mod evttypes;

pub use crate::loader::{Diagnostic, LoadedRule, LoadedRules, Origin, Priority, Severity};
pub use evttypes::{EventTypeSet, KIND_LIMIT};

/// Whether evaluation stops at the first matching rule (Falco's default) or reports every one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MatchMode {
    #[default]
    First,
    All,
}

/// One step of an ordered selection (a config file's `rules:` list): the later step wins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    EnableRule(String),
    DisableRule(String),
    EnableTag(String),
    DisableTag(String),
}

/// Which rules run, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulesetConfig {
    pub mode: MatchMode,
    /// Ordered steps applied first (a configuration file's `rules:`), each overriding the
    /// ones before it; then `enable*`, then `disable*` (the command line), then the priority.
    pub selections: Vec<Selection>,
    /// Rules less severe than this do not run.
    pub min_priority: Priority,
    /// Rule-name globs (`*`, `?`, `[...]`) turning rules on.
    pub enable: Vec<String>,
    /// Rule-name globs turning rules off (after `enable`).
    pub disable: Vec<String>,
    /// Tag globs: a rule with a matching tag is turned on.
    pub enable_tags: Vec<String>,
    /// Tag globs: a rule with a matching tag is turned off (after the enables).
    pub disable_tags: Vec<String>,
}

impl Default for RulesetConfig {
    fn default() -> Self {
        RulesetConfig {
            mode: MatchMode::First,
            selections: Vec::new(),
            min_priority: Priority::Debug,
            enable: Vec::new(),
            disable: Vec::new(),
            enable_tags: Vec::new(),
            disable_tags: Vec::new(),
        }
    }
}

/// A rule ready to run.
#[derive(Debug)]
pub struct CompiledRule {
    pub name: String,
    pub desc: String,
    pub priority: Priority,
    pub source: String,
    pub tags: Vec<String>,
    /// Whether the rule runs, after selection and the priority threshold.
    pub enabled: bool,
    /// The event kinds the condition can match; empty when it can match none Vigil captures.
    pub event_types: EventTypeSet,
    pub condition: Compiled,
    pub condition_text: String,
    pub output: Output,
    pub origin: Origin,
}

/// Compiled rules, indexed by event kind.
#[derive(Debug, Default)]
pub struct Ruleset {
    rules: Vec<CompiledRule>,
    /// For each raw kind, the enabled rules that can match it, in definition order.
    by_kind: Vec<Box<[u32]>>,
    mode: MatchMode,
}

/// A rule matching at least this share of Vigil's event kinds is reported as matching too many
/// (Falco warns above 100 of its ~350 types; a rule without an `evt.type` test matches all).
const TOO_MANY_TYPES_NUM: usize = 3;
const TOO_MANY_TYPES_DEN: usize = 4;

fn any_glob(globs: &[Glob], s: &str) -> bool {
    globs.iter().any(|g| g.matches(s.as_bytes()))
}

fn globs(pats: &[String]) -> Vec<Glob> {
    pats.iter().map(|p| Glob::new(p.as_bytes(), false)).collect()
}

fn diag(severity: Severity, rule: &LoadedRule, message: String) -> Diagnostic {
    Diagnostic {
        severity,
        origin: rule.origin.clone(),
        message,
        snippet: None,
    }
}

impl Ruleset {
    /// Compiles every `syscall` rule of `loaded`; rules that do not compile are left out with an
    /// error. Warnings: a rule whose event types Vigil does not capture (it never runs), a rule
    /// matching every type (unless its `warn_evttypes` is false), a rule of another source.
    pub fn compile(loaded: &LoadedRules, cfg: &RulesetConfig) -> (Ruleset, Vec<Diagnostic>) {
        let table = fields::table();
        let (enable, disable) = (globs(&cfg.enable), globs(&cfg.disable));
        let (enable_tags, disable_tags) = (globs(&cfg.enable_tags), globs(&cfg.disable_tags));
        let steps: Vec<Glob> = globs(
            &cfg.selections
                .iter()
                .map(|s| match s {
                    Selection::EnableRule(g)
                    | Selection::DisableRule(g)
                    | Selection::EnableTag(g)
                    | Selection::DisableTag(g) => g.clone(),
                })
                .collect::<Vec<_>>(),
        );
        let all = EventTypeSet::all();
        let mut diags = Vec::new();
        let mut rules = Vec::with_capacity(loaded.rules.len());
        for r in &loaded.rules {
            if r.source != "syscall" {
                diags.push(diag(
                    Severity::Warning,
                    r,
                    format!("rule `{}`: source `{}` is not supported, skipped", r.name, r.source),
                ));
                continue;
            }
            let condition = match crate::compile(&r.condition, &table) {
                Ok(c) => c,
                Err(e) => {
                    diags.push(diag(
                        Severity::Error,
                        r,
                        format!(
                            "rule `{}`: condition: {}",
                            r.name,
                            e.render(&r.origin.file, &r.condition_text)
                        ),
                    ));
                    continue;
                }
            };
            let output = match Output::compile(&r.output, &table) {
                Ok(o) => o,
                Err(e) => {
                    diags.push(diag(Severity::Error, r, format!("rule `{}`: output: {e}", r.name)));
                    continue;
                }
            };
            let derived = evttypes::derive(&r.condition);
            if derived.kinds.is_empty() {
                let msg = if derived.unknown.is_empty() {
                    format!("rule `{}` can match no event type; it never runs", r.name)
                } else {
                    format!(
                        "rule `{}` never runs: Vigil does not capture event type{} {}",
                        r.name,
                        if derived.unknown.len() == 1 { "" } else { "s" },
                        derived.unknown.join(", ")
                    )
                };
                diags.push(diag(Severity::Warning, r, msg));
            } else if r.warn_evttypes && derived.kinds.len() * TOO_MANY_TYPES_DEN >= all.len() * TOO_MANY_TYPES_NUM {
                diags.push(diag(
                    Severity::Warning,
                    r,
                    format!(
                        "rule `{}` matches {} of {} event types (restrict it with evt.type); this costs performance",
                        r.name,
                        derived.kinds.len(),
                        all.len()
                    ),
                ));
            }
            let tag_in = |g: &[Glob]| r.tags.iter().any(|t| any_glob(g, t));
            let mut enabled = r.enabled;
            for (step, g) in cfg.selections.iter().zip(&steps) {
                let hit = match step {
                    Selection::EnableRule(_) | Selection::DisableRule(_) => g.matches(r.name.as_bytes()),
                    Selection::EnableTag(_) | Selection::DisableTag(_) => {
                        r.tags.iter().any(|t| g.matches(t.as_bytes()))
                    }
                };
                if hit {
                    enabled = matches!(step, Selection::EnableRule(_) | Selection::EnableTag(_));
                }
            }
            if any_glob(&enable, &r.name) || tag_in(&enable_tags) {
                enabled = true;
            }
            if any_glob(&disable, &r.name) || tag_in(&disable_tags) {
                enabled = false;
            }
            // Priorities are ordered most severe first.
            if r.priority > cfg.min_priority {
                enabled = false;
            }
            rules.push(CompiledRule {
                name: r.name.clone(),
                desc: r.desc.clone(),
                priority: r.priority,
                source: r.source.clone(),
                tags: r.tags.clone(),
                enabled,
                event_types: derived.kinds,
                condition,
                condition_text: r.condition_text.clone(),
                output,
                origin: r.origin.clone(),
            });
        }
        let mut by_kind: Vec<Vec<u32>> = vec![Vec::new(); KIND_LIMIT];
        for (i, r) in rules.iter().enumerate().filter(|(_, r)| r.enabled) {
            for k in r.event_types.iter() {
                // Rule counts beyond u32 are not a rule file anyone can load.
                if let (Some(list), Ok(i)) = (by_kind.get_mut(usize::from(k)), u32::try_from(i)) {
                    list.push(i);
                }
            }
        }
        let ruleset = Ruleset {
            rules,
            by_kind: by_kind.into_iter().map(Vec::into_boxed_slice).collect(),
            mode: cfg.mode,
        };
        (ruleset, diags)
    }

    /// Every compiled rule (enabled or not), in definition order.
    pub fn rules(&self) -> &[CompiledRule] {
        &self.rules
    }

    pub fn mode(&self) -> MatchMode {
        self.mode
    }

    /// The event kinds some enabled rule can match: what the probe must capture.
    pub fn event_types(&self) -> EventTypeSet {
        self.rules
            .iter()
            .filter(|r| r.enabled)
            .fold(EventTypeSet::EMPTY, |acc, r| acc.union(&r.event_types))
    }

    /// The enabled rules that can match events of a raw kind, in definition order.
    pub fn rules_for_kind(&self, kind: u16) -> impl Iterator<Item = &CompiledRule> + '_ {
        self.by_kind
            .get(usize::from(kind))
            .map_or(&[][..], |l| &l[..])
            .iter()
            .filter_map(|&i| self.rules.get(i as usize))
    }

    /// The rules matching an enriched event, into `out` (cleared first): the first one in
    /// definition order ([`MatchMode::First`]) or all of them. Allocates nothing once `out` and
    /// `scratch` have grown.
    pub fn evaluate<'r>(&'r self, ev: &EventFields<'_, '_>, scratch: &mut Scratch, out: &mut Vec<&'r CompiledRule>) {
        self.evaluate_kind(ev.enriched.event.kind.raw(), ev, scratch, out)
    }

    /// As [`Ruleset::evaluate`], for any event representation: `kind` is the event's raw kind
    /// (for inputs given as field maps, look the kind up by `evt.type`).
    pub fn evaluate_kind<'r, F: Fields + ?Sized>(
        &'r self,
        kind: u16,
        ev: &F,
        scratch: &mut Scratch,
        out: &mut Vec<&'r CompiledRule>,
    ) {
        out.clear();
        let Some(list) = self.by_kind.get(usize::from(kind)) else {
            return;
        };
        for &i in list.iter() {
            let Some(r) = self.rules.get(i as usize) else { continue };
            if r.condition.matches(ev, scratch) {
                out.push(r);
                if self.mode == MatchMode::First {
                    return;
                }
            }
        }
    }
}
