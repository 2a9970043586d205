//! Taking findings out of the results — never silently: each suppressed finding is kept with
//! what suppressed it, and expired ignore rules are reported.
//!
//! In order, the first that applies wins:
//! 1. OpenVEX statements ([`VexDocument`]) with status `not_affected` or `fixed`;
//! 2. ignore rules ([`IgnoreRules`]) that have not expired;
//! 3. `--only-fixed`: findings without a fix (not fixed, won't fix).

mod glob;
mod ignore;
mod vex;
mod yaml;

use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};
use time::Date;

pub use glob::Glob;
pub use ignore::{IgnoreRule, IgnoreRules, PackageFilter, MAX_IGNORE_FILE};
pub use vex::{ImageIdentity, VexDocument, VexProduct, VexStatement, VexStatus, MAX_VEX_FILE};

use crate::finding::{Finding, FixState};
use crate::report::Suppressed;

/// An ignore file or VEX document that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SuppressError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is larger than {limit} bytes")]
    TooLarge { path: String, limit: u64 },
    #[error("{input}: {message}")]
    Invalid { input: String, message: String },
}

/// Reads a whole file as UTF-8, refusing one larger than `limit`.
pub(crate) fn read_capped(path: &Path, limit: u64) -> Result<String, SuppressError> {
    let shown = || path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| SuppressError::Read { path: shown(), source })?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| SuppressError::Read { path: shown(), source })?;
    if bytes.len() as u64 > limit {
        return Err(SuppressError::TooLarge { path: shown(), limit });
    }
    String::from_utf8(bytes).map_err(|_| SuppressError::Invalid {
        input: shown(),
        message: "not UTF-8 text".into(),
    })
}

/// What took a finding out of the results.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Suppression {
    /// An ignore rule.
    Rule {
        /// The ignore file.
        file: String,
        /// The rule's position in the file, from 1.
        rule: usize,
        /// The rule's criteria as text.
        criteria: String,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires: Option<String>,
    },
    /// An OpenVEX statement.
    Vex {
        /// The document's file (and `@id` when it has one).
        document: String,
        /// The statement's position in the document, from 1.
        statement: usize,
        status: VexStatus,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        justification: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        impact_statement: Option<String>,
    },
    /// `--only-fixed`, for a finding without a fix.
    OnlyFixed { state: FixState },
}

impl Suppression {
    /// One line for people: `VEX a.json #1: not_affected (vulnerable_code_not_present)`.
    pub fn describe(&self) -> String {
        match self {
            Suppression::Rule { file, rule, reason, .. } => format!("ignore rule {file} #{rule}: {reason}"),
            Suppression::Vex {
                document,
                statement,
                status,
                justification,
                impact_statement,
            } => {
                let why = justification.as_deref().or(impact_statement.as_deref());
                match why {
                    Some(w) => format!("VEX {document} #{statement}: {} ({w})", status.as_str()),
                    None => format!("VEX {document} #{statement}: {}", status.as_str()),
                }
            }
            Suppression::OnlyFixed { state } => format!("--only-fixed: {state}"),
        }
    }
}

/// An ignore rule that no longer applies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpiredRule {
    pub file: String,
    /// Position in the file, from 1.
    pub rule: usize,
    pub criteria: String,
    pub reason: String,
    pub expired: String,
    /// Findings it would still suppress.
    pub would_suppress: usize,
}

/// Everything that can suppress findings.
pub(crate) struct Suppressors<'a> {
    pub vex: &'a [VexDocument],
    pub ignore: &'a [IgnoreRules],
    pub only_fixed: bool,
    pub today: Date,
    pub image: &'a ImageIdentity,
}

fn iso(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

impl Suppressors<'_> {
    /// The latest VEX statement covering the finding, if it suppresses it.
    fn vex_for(&self, f: &Finding) -> Option<Suppression> {
        let mut best: Option<(Option<time::OffsetDateTime>, usize, usize, &VexDocument, &VexStatement)> = None;
        for (d, doc) in self.vex.iter().enumerate() {
            for s in &doc.statements {
                if !s.names(f) || !s.covers(f, self.image) {
                    continue;
                }
                let when = s.timestamp.or(doc.timestamp);
                let later = match &best {
                    None => true,
                    Some((w, bd, bs, _, _)) => (when, d, s.index) >= (*w, *bd, *bs),
                };
                if later {
                    best = Some((when, d, s.index, doc, s));
                }
            }
        }
        let (_, _, _, doc, s) = best?;
        if !s.status.suppresses() {
            return None;
        }
        let document = match &doc.id {
            Some(id) if *id != doc.source => format!("{} ({id})", doc.source),
            _ => doc.source.clone(),
        };
        Some(Suppression::Vex {
            document,
            statement: s.index + 1,
            status: s.status,
            justification: s.justification.clone(),
            impact_statement: s.impact_statement.clone(),
        })
    }

    fn rule_for(&self, f: &Finding) -> Option<Suppression> {
        self.ignore.iter().find_map(|file| {
            file.rules
                .iter()
                .find(|r| !r.is_expired(self.today) && r.matches(f))
                .map(|r| Suppression::Rule {
                    file: file.source.clone(),
                    rule: r.index + 1,
                    criteria: r.describe(),
                    reason: r.reason.clone(),
                    expires: r.expires.map(iso),
                })
        })
    }

    /// Splits findings into those that remain and those suppressed; lists expired rules.
    pub fn apply(&self, findings: Vec<Finding>) -> (Vec<Finding>, Vec<Suppressed>, Vec<ExpiredRule>) {
        let mut expired: Vec<ExpiredRule> = Vec::new();
        for file in self.ignore {
            for r in file.rules.iter().filter(|r| r.is_expired(self.today)) {
                expired.push(ExpiredRule {
                    file: file.source.clone(),
                    rule: r.index + 1,
                    criteria: r.describe(),
                    reason: r.reason.clone(),
                    expired: r.expires.map(iso).unwrap_or_default(),
                    would_suppress: findings.iter().filter(|f| r.matches(f)).count(),
                });
            }
        }
        let mut kept = Vec::with_capacity(findings.len());
        let mut suppressed = Vec::new();
        for f in findings {
            let by = self.vex_for(&f).or_else(|| self.rule_for(&f)).or_else(|| {
                (self.only_fixed && f.fix.state != FixState::Fixed)
                    .then_some(Suppression::OnlyFixed { state: f.fix.state })
            });
            match by {
                Some(by) => suppressed.push(Suppressed { finding: f, by }),
                None => kept.push(f),
            }
        }
        (kept, suppressed, expired)
    }
}
