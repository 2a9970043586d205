//! The JSON report: everything the scan found, versioned.
//!
//! ```text
//! { "schema": "vigil-scan", "schema_version": 1, "tool": {...}, "created": "...",
//!   "source": {...}, "distro": {...}, "db": {...}, "summary": {...}, "gate": {...},
//!   "findings": [Finding...], "suppressed": [{"finding": ..., "by": ...}...],
//!   "expired_rules": [...], "notes": [...], "counts": {...}, "policy": {...} }
//! ```
//!
//! Findings are `vigil_match::Finding` as serde writes it. Suppressed findings are always
//! present (the option to show them only applies to the table and SARIF). `policy` is the
//! `vigil_policy::Verdict` as serde writes it, present only when a bundle was evaluated (an
//! added field: the schema version stays).

use std::collections::BTreeMap;

use serde::Serialize;
use vigil_match::{Counts, ExpiredRule, Finding, Gate, Note, Suppressed};
use vigil_policy::Verdict;
use vigil_sbom::Tool;
use vigil_types::{Distro, SourceInfo};

use crate::{DbInfo, RenderOptions, Scan, JSON_SCHEMA_VERSION};

#[derive(Serialize)]
pub(crate) struct Document<'a> {
    schema: &'static str,
    schema_version: u32,
    tool: Tool,
    /// When the SBOM was made.
    created: &'a str,
    source: &'a SourceInfo,
    #[serde(skip_serializing_if = "Option::is_none")]
    distro: Option<&'a Distro>,
    #[serde(skip_serializing_if = "Option::is_none")]
    db: Option<&'a DbInfo>,
    summary: Summary,
    #[serde(skip_serializing_if = "Option::is_none")]
    gate: Option<Gate>,
    findings: &'a [Finding],
    suppressed: &'a [Suppressed],
    expired_rules: &'a [ExpiredRule],
    notes: &'a [Note],
    counts: &'a Counts,
    /// The policy verdict, when a bundle was evaluated.
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<&'a Verdict>,
}

#[derive(Serialize)]
struct Summary {
    findings: usize,
    /// Remaining findings per severity (every severity present).
    by_severity: BTreeMap<&'static str, usize>,
    /// Remaining findings per fix state.
    by_fix_state: BTreeMap<&'static str, usize>,
    suppressed: usize,
    in_kev: usize,
}

pub(crate) fn document<'a>(scan: &Scan<'a>, options: &RenderOptions) -> Document<'a> {
    let r = scan.report;
    let by_severity = r.by_severity().iter().map(|(s, n)| (s.as_str(), *n)).collect();
    let mut by_fix_state: BTreeMap<&'static str, usize> = BTreeMap::new();
    for f in &r.findings {
        *by_fix_state.entry(f.fix.state.as_str()).or_default() += 1;
    }
    Document {
        schema: "vigil-scan",
        schema_version: JSON_SCHEMA_VERSION,
        tool: Tool::vigil(),
        created: &scan.sbom.created,
        source: &scan.sbom.source,
        distro: scan.sbom.distro.as_ref(),
        db: scan.db,
        summary: Summary {
            findings: r.findings.len(),
            by_severity,
            by_fix_state,
            suppressed: r.suppressed.len(),
            in_kev: r.findings.iter().filter(|f| f.kev.is_some()).count(),
        },
        gate: options.fail_on.map(|t| r.gate(t)),
        findings: &r.findings,
        suppressed: &r.suppressed,
        expired_rules: &r.expired_rules,
        notes: &r.notes,
        counts: &r.counts,
        policy: scan.verdict,
    }
}
