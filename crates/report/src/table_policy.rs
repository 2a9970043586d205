//! The table's "Policy" section: the verdict, the decisions grouped by action (STOP, WARN, then
//! GO with the allowlist item that made it so), expired allowlist items, and the fix advice.

use std::fmt::Write as _;

use vigil_policy::{Action, Decision, Verdict};

use crate::printable;
use crate::table::{aligned, plural};
use crate::verdict::{basis_text, by_action, fix_summary, layer_text, truncate};

/// Longest message or reason shown in a row; the JSON has them whole.
const MESSAGE_WIDTH: usize = 72;
/// Longest trigger id shown in a row (a long file path, a secret's location).
const TRIGGER_ID_WIDTH: usize = 48;

fn cell(s: &str, max: usize) -> String {
    truncate(&printable(s), max)
}

fn layer(d: &Decision) -> String {
    d.layer.as_ref().map(layer_text).unwrap_or_default()
}

/// The first columns of every row: the policy (only when there are several), gate, trigger, id.
fn lead(d: &Decision, with_policy: bool) -> Vec<String> {
    let mut row = Vec::with_capacity(7);
    if with_policy {
        row.push(printable(&d.policy_id));
    }
    row.push(printable(&d.gate));
    row.push(printable(&d.trigger));
    let id = if d.trigger_id.is_empty() {
        &d.subject
    } else {
        &d.trigger_id
    };
    row.push(cell(id, TRIGGER_ID_WIDTH));
    row
}

fn header<'h>(with_policy: bool, rest: &[&'h str]) -> Vec<&'h str> {
    let mut h = Vec::with_capacity(rest.len() + 4);
    if with_policy {
        h.push("POLICY");
    }
    h.extend(["GATE", "TRIGGER", "TRIGGER-ID"]);
    h.extend(rest);
    h
}

/// STOP and WARN rows: what fired, why, and where.
fn fired(ds: &[&Decision], with_policy: bool) -> String {
    let rows: Vec<Vec<String>> = ds
        .iter()
        .map(|d| {
            let mut row = lead(d, with_policy);
            row.push(cell(&d.message, MESSAGE_WIDTH));
            row.push(layer(d));
            row
        })
        .collect();
    aligned(&header(with_policy, &["MESSAGE", "LAYER"]), &rows)
}

/// GO rows: which allowlist item let the decision through and why (or that the rule says GO).
fn passed(ds: &[&Decision], with_policy: bool) -> String {
    let rows: Vec<Vec<String>> = ds
        .iter()
        .map(|d| {
            let mut row = lead(d, with_policy);
            row.push(layer(d));
            match &d.allowlisted {
                Some(a) => {
                    let mut by = format!("{}/{}", printable(&a.allowlist), printable(&a.item));
                    if let Some(e) = &a.expires {
                        let _ = write!(by, " (until {})", printable(e));
                    }
                    row.push(by);
                    row.push(cell(&a.reason, MESSAGE_WIDTH));
                }
                None => {
                    row.push("-".into());
                    row.push(cell(&format!("rule action go: {}", d.message), MESSAGE_WIDTH));
                }
            }
            row
        })
        .collect();
    aligned(&header(with_policy, &["LAYER", "ALLOWLISTED-BY", "REASON"]), &rows)
}

/// `2 STOP, 1 WARN` for the decisions of one policy; `no decisions` without any.
fn counts<'a>(ds: impl Iterator<Item = &'a Decision> + Clone) -> String {
    let parts: Vec<String> = [Action::Stop, Action::Warn, Action::Go]
        .into_iter()
        .map(|a| (a, ds.clone().filter(|d| d.effective == a).count()))
        .filter(|(_, n)| *n > 0)
        .map(|(a, n)| format!("{n} {}", a.as_upper()))
        .collect();
    if parts.is_empty() {
        "no decisions".into()
    } else {
        parts.join(", ")
    }
}

/// The section, starting with a blank line.
pub(crate) fn render(v: &Verdict, out: &mut String) {
    out.push('\n');
    let _ = write!(
        out,
        "Policy verdict: {}  bundle {} ({})",
        v.action.as_upper(),
        printable(&v.bundle_name),
        printable(&v.bundle_id)
    );
    if let Some(m) = &v.mapping {
        let _ = write!(out, ", mapping {}", printable(m));
    }
    let _ = writeln!(out, ", basis {}", basis_text(v.basis));
    for p in &v.policies {
        let _ = write!(out, "  policy {}", printable(&p.policy_id));
        if !p.name.is_empty() && p.name != p.policy_id {
            let _ = write!(out, " ({})", printable(&p.name));
        }
        let _ = writeln!(out, ": {} ({})", p.action.as_upper(), counts(p.decisions.iter()));
    }
    if let Some(b) = &v.base {
        let _ = writeln!(
            out,
            "  base image: the bottom {} (from {})",
            plural(b.count, "layer", "layers"),
            printable(&b.how)
        );
    }

    let with_policy = v.policies.len() > 1;
    let mut any = false;
    for (action, ds) in by_action(v) {
        if ds.is_empty() {
            continue;
        }
        any = true;
        out.push('\n');
        let allowlisted = ds.iter().filter(|d| d.allowlisted.is_some()).count();
        if action == Action::Go && allowlisted > 0 {
            let _ = writeln!(out, "GO ({}, {allowlisted} allowlisted)", ds.len());
        } else {
            let _ = writeln!(out, "{} ({})", action.as_upper(), ds.len());
        }
        out.push_str(&if action == Action::Go {
            passed(&ds, with_policy)
        } else {
            fired(&ds, with_policy)
        });
    }
    if !any {
        out.push_str("\nno policy trigger fired\n");
    }

    if !v.expired_allowlist_items.is_empty() {
        out.push('\n');
    }
    for e in &v.expired_allowlist_items {
        let _ = writeln!(
            out,
            "warning: allowlist {} item {} ({}) expired on {} and no longer applies ({})",
            printable(&e.allowlist),
            printable(&e.item),
            printable(&e.trigger_id),
            printable(&e.expired),
            cell(&e.reason, MESSAGE_WIDTH)
        );
    }

    if let Some(summary) = fix_summary(v) {
        out.push_str("\nFix advice:\n");
        for a in &v.fix_advice {
            let _ = writeln!(
                out,
                "  {} {} → {} (clears {})",
                printable(&a.package),
                printable(&a.installed),
                printable(&a.upgrade_to),
                a.clears.len()
            );
        }
        let _ = writeln!(out, "{summary}");
    }
}
