//! The rules loader: Falco rule files (YAML) to [`LoadedRules`] — rules with their macros and
//! lists substituted and their exceptions appended, ready for the ruleset compiler.
//!
//! Files are read in order, as Falco reads them: items are `rule`, `macro`, `list`,
//! `required_engine_version` and `required_plugin_versions`; a later item of the same name
//! replaces an earlier one (keeping its place), `append: true` and `override:` extend or replace
//! some of its keys. A macro or list is visible to the items defined (or last appended to)
//! after it. Every problem is a [`Diagnostic`] with `file:line:col` and the offending line.
//!
//! Spans inside [`LoadedRule::condition`] are loader-internal (a rule's condition is stitched
//! from several texts: its own, its macros', its exceptions'); the loader has already compiled
//! every returned rule against [`crate::fields::table`] and reported errors with positions.
//!
//! ```
//! use vigil_rules::loader::{load_sources, Priority};
//!
//! let yaml = r#"
//! - list: shells
//!   items: [bash, sh]
//! - macro: spawned
//!   condition: evt.type = execve
//! - rule: Shell
//!   desc: a shell ran
//!   condition: spawned and proc.name in (shells)
//!   output: shell %proc.name
//!   priority: WARNING
//! "#;
//! let loaded = load_sources(&[("rules.yaml", yaml)]);
//! assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
//! assert_eq!(loaded.rules[0].priority, Priority::Warning);
//! assert_eq!(loaded.rules[0].condition.to_string(), "(and (= evt.type execve) (in proc.name [bash, sh]))");
//! ```

mod collect;
mod items;
mod resolve;
mod source;
mod spans;
/// Positioned YAML (the `vigil-yaml` crate), re-exported where the loader has always had it.
pub use vigil_yaml as yaml;

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use crate::ast::Expr;

/// A place in a rule file: 1-based line and column (in characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    pub file: Arc<str>,
    pub line: u32,
    pub col: u32,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file, self.line, self.col)
    }
}

/// Falco's priorities; `Emergency` is the most severe and orders first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    Emergency,
    Alert,
    Critical,
    Error,
    Warning,
    Notice,
    Informational,
    Debug,
}

impl Priority {
    pub const ALL: [Priority; 8] = [
        Priority::Emergency,
        Priority::Alert,
        Priority::Critical,
        Priority::Error,
        Priority::Warning,
        Priority::Notice,
        Priority::Informational,
        Priority::Debug,
    ];

    /// Case-insensitive; `info` is `Informational`.
    pub fn parse(s: &str) -> Option<Priority> {
        let s = s.trim();
        Priority::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
            .or_else(|| s.eq_ignore_ascii_case("info").then_some(Priority::Informational))
    }

    /// The name as Falco prints it in alerts (`Warning`, `Informational`).
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Emergency => "Emergency",
            Priority::Alert => "Alert",
            Priority::Critical => "Critical",
            Priority::Error => "Error",
            Priority::Warning => "Warning",
            Priority::Notice => "Notice",
            Priority::Informational => "Informational",
            Priority::Debug => "Debug",
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Priority {
    type Err = String;
    fn from_str(s: &str) -> Result<Priority, String> {
        Priority::parse(s).ok_or_else(|| {
            format!("unknown priority `{s}` (emergency, alert, critical, error, warning, notice, informational, debug)")
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found while loading, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub origin: Origin,
    pub message: String,
    /// The offending line with `^^^` under the text (and a line-number gutter).
    pub snippet: Option<String>,
}

impl Diagnostic {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// `file:line:col: error: message`, then the snippet.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{}: {sev}: {}", self.origin, self.message)?;
        if let Some(s) = &self.snippet {
            write!(f, "\n{s}")?;
        }
        Ok(())
    }
}

/// A rule after all files: macros and lists substituted, exceptions appended.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedRule {
    pub name: String,
    pub desc: String,
    /// Macros and lists substituted, exceptions appended as `and not (...)`.
    pub condition: Expr,
    /// The condition as written (after append/override), for messages.
    pub condition_text: String,
    pub output: String,
    pub priority: Priority,
    pub source: String,
    pub tags: Vec<String>,
    pub enabled: bool,
    pub warn_evttypes: bool,
    pub skip_if_unknown_filter: bool,
    /// Where the rule was first defined.
    pub origin: Origin,
}

/// Everything loaded from a set of rule files.
#[derive(Debug, Clone, Default)]
pub struct LoadedRules {
    /// In definition order (a redefined rule keeps its first place).
    pub rules: Vec<LoadedRule>,
    pub diagnostics: Vec<Diagnostic>,
    /// The highest `required_engine_version` seen.
    pub required_engine_version: Option<String>,
    /// Number of lists and macros defined (for the `source: syscall`).
    pub lists: usize,
    pub macros: usize,
}

impl LoadedRules {
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.is_error())
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| !d.is_error())
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Loads rule files in order. A file that cannot be read is an error diagnostic at `path:1:1`.
pub fn load_files(paths: &[&Path]) -> LoadedRules {
    let mut sources = Vec::with_capacity(paths.len());
    let mut unreadable = Vec::new();
    for p in paths {
        let name = p.display().to_string();
        match std::fs::read_to_string(p) {
            Ok(text) => sources.push((name, text)),
            Err(e) => unreadable.push(Diagnostic {
                severity: Severity::Error,
                origin: Origin {
                    file: Arc::from(name.as_str()),
                    line: 1,
                    col: 1,
                },
                message: format!("cannot read the rules file: {e}"),
                snippet: None,
            }),
        }
    }
    let refs: Vec<(&str, &str)> = sources.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
    let mut out = load_sources(&refs);
    unreadable.append(&mut out.diagnostics);
    out.diagnostics = unreadable;
    out
}

/// Loads rule texts in order; each is `(name used in messages, YAML text)`.
pub fn load_sources(sources: &[(&str, &str)]) -> LoadedRules {
    let mut c = collect::Collector::default();
    for (name, text) in sources {
        c.add_file(name, text);
    }
    resolve::resolve(c)
}
