//! TEMPORARY: the loader's types (rules-interfaces.md) until `crate::loader` is merged; replaced
//! by `use crate::loader::{...}` then.

use std::sync::Arc;

use crate::Expr;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Origin {
    pub file: Arc<str>,
    pub line: u32,
    pub col: u32,
}

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

#[derive(Debug, Clone)]
pub struct LoadedRule {
    pub name: String,
    pub desc: String,
    pub condition: Expr,
    pub condition_text: String,
    pub output: String,
    pub priority: Priority,
    pub source: String,
    pub tags: Vec<String>,
    pub enabled: bool,
    pub warn_evttypes: bool,
    pub skip_if_unknown_filter: bool,
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub origin: Origin,
    pub message: String,
    pub snippet: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct LoadedRules {
    pub rules: Vec<LoadedRule>,
    pub diagnostics: Vec<Diagnostic>,
    pub required_engine_version: Option<String>,
    pub lists: usize,
    pub macros: usize,
}
