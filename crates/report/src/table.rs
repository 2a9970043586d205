//! The table for people: a row per finding, then what was suppressed, expired, not matched, the
//! `--fail-on` verdict, and the policy verdict (see `table_policy`).

use std::fmt::Write as _;

use vigil_match::{Finding, FixState, NoteKind, Suppression};

use crate::{printable, RenderOptions, Scan};

const GAP: &str = "  ";

pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Rows aligned under a header; the last column is not padded.
pub(crate) fn aligned(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    let mut out = String::new();
    for row in std::iter::once(&header).chain(rows) {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(&widths).enumerate() {
            if i > 0 {
                line.push_str(GAP);
            }
            line.push_str(cell);
            if i + 1 < row.len() {
                line.extend(std::iter::repeat_n(' ', w - cell.chars().count()));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// FIXED-IN: the nearest fixed version, `(won't fix)`, or nothing.
fn fixed_in(f: &Finding) -> String {
    match (f.fix.state, &f.fix.nearest) {
        (FixState::Fixed, Some(v)) => printable(v),
        (FixState::WontFix, _) => "(won't fix)".to_string(),
        _ => String::new(),
    }
}

/// EPSS as a percentage: `94.4%`, `0.1%`, `<0.1%`.
fn epss(f: &Finding) -> String {
    match &f.epss {
        None => String::new(),
        Some(e) if e.score > 0.0 && e.score < 0.001 => "<0.1%".to_string(),
        Some(e) => format!("{:.1}%", e.score * 100.0),
    }
}

fn row(f: &Finding) -> Vec<String> {
    vec![
        printable(&f.id),
        printable(&f.package.name),
        printable(&f.package.version),
        fixed_in(f),
        f.package.ty.as_str().to_string(),
        f.severity.level.title().to_string(),
        epss(f),
        if f.kev.is_some() { "KEV".into() } else { String::new() },
    ]
}

const HEADER: [&str; 8] = [
    "ID",
    "PACKAGE",
    "INSTALLED",
    "FIXED-IN",
    "TYPE",
    "SEVERITY",
    "EPSS",
    "KEV",
];

pub(crate) fn render(scan: &Scan<'_>, options: &RenderOptions) -> String {
    let r = scan.report;
    let mut out = String::new();
    if r.findings.is_empty() {
        out.push_str("No vulnerabilities found\n");
    } else {
        let rows: Vec<Vec<String>> = r.findings.iter().map(row).collect();
        out.push_str(&aligned(&HEADER, &rows));
    }
    out.push('\n');

    let parts: Vec<String> = r
        .by_severity()
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    let fixable = r.findings.iter().filter(|f| f.fix.state == FixState::Fixed).count();
    let _ = write!(out, "{}", plural(r.findings.len(), "vulnerability", "vulnerabilities"));
    if !parts.is_empty() {
        let _ = write!(out, ": {}", parts.join(", "));
    }
    let _ = writeln!(
        out,
        " ({fixable} with a fix) in {} of {} packages",
        r.findings
            .iter()
            .map(|f| f.package.id.as_str())
            .collect::<std::collections::HashSet<_>>()
            .len(),
        r.counts.packages
    );

    if !r.suppressed.is_empty() {
        let (mut rules, mut vex, mut only) = (0, 0, 0);
        for s in &r.suppressed {
            match s.by {
                Suppression::Rule { .. } => rules += 1,
                Suppression::Vex { .. } => vex += 1,
                Suppression::OnlyFixed { .. } => only += 1,
            }
        }
        let mut why = Vec::new();
        if rules > 0 {
            why.push(format!(
                "{rules} by {}",
                if rules == 1 { "an ignore rule" } else { "ignore rules" }
            ));
        }
        if vex > 0 {
            why.push(format!(
                "{vex} by {}",
                if vex == 1 { "a VEX statement" } else { "VEX statements" }
            ));
        }
        if only > 0 {
            why.push(format!("{only} without a fix (--only-fixed)"));
        }
        let _ = write!(out, "{} suppressed: {}", r.suppressed.len(), why.join(", "));
        if options.show_suppressed {
            out.push_str("\n\n");
            let rows: Vec<Vec<String>> = r
                .suppressed
                .iter()
                .map(|s| {
                    vec![
                        printable(&s.finding.id),
                        printable(&s.finding.package.name),
                        printable(&s.finding.package.version),
                        s.finding.severity.level.title().to_string(),
                        printable(&s.by.describe()),
                    ]
                })
                .collect();
            out.push_str(&aligned(
                &["SUPPRESSED", "PACKAGE", "INSTALLED", "SEVERITY", "BY"],
                &rows,
            ));
            out.push('\n');
        } else {
            out.push_str(" (--show-suppressed lists them)\n");
        }
    }

    for e in &r.expired_rules {
        let _ = writeln!(
            out,
            "ignore rule {} #{} ({}) expired on {}: it would still suppress {}",
            printable(&e.file),
            e.rule,
            printable(&e.criteria),
            e.expired,
            plural(e.would_suppress, "finding", "findings")
        );
    }

    let unmatched = r.counts.without_ecosystem + r.counts.unsupported_distro + r.counts.without_version;
    if unmatched > 0 || r.counts.unparsable_versions > 0 || r.counts.unparsable_ranges > 0 {
        let _ = writeln!(
            out,
            "not matched: {} without advisory data, {} with unparsable versions, {} advisory ranges unreadable",
            plural(unmatched, "package", "packages"),
            r.counts.unparsable_versions,
            r.counts.unparsable_ranges
        );
        for n in r
            .notes
            .iter()
            .filter(|n| matches!(n.kind, NoteKind::NoEcosystem | NoteKind::UnsupportedDistro))
        {
            let _ = writeln!(out, "  {}", printable(&n.message));
        }
        let detailed = r
            .notes
            .iter()
            .filter(|n| !matches!(n.kind, NoteKind::NoEcosystem | NoteKind::UnsupportedDistro))
            .count();
        if detailed > 0 {
            let _ = writeln!(out, "  {} more notes in -o json", detailed);
        }
    }

    if let Some(db) = scan.db {
        if db.stale {
            let _ = writeln!(
                out,
                "warning: the advisory database (built {}) is stale; run `vigil db update`",
                db.built_at
            );
        }
    }

    if let Some(threshold) = options.fail_on {
        let gate = r.gate(threshold);
        let _ = writeln!(
            out,
            "--fail-on {}: {}",
            threshold,
            if gate.failed {
                format!(
                    "FAILED ({} at or above {threshold})",
                    plural(gate.at_or_above, "finding", "findings")
                )
            } else {
                format!("passed (nothing at or above {threshold})")
            }
        );
    }
    if let Some(v) = scan.verdict {
        crate::table_policy::render(v, &mut out);
    }
    out
}
