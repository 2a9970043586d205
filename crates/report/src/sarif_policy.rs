//! Policy decisions in SARIF: a rule per gate and trigger (`policy/<gate>/<trigger>`, described
//! from `vigil_policy::gates()` when the table knows it), a result per decision — `error` for
//! STOP, `warning` for WARN, `note` for a rule whose action is GO — and allowlisted decisions as
//! results at their rule's level with a `suppressions` entry carrying the allowlist's reason.
//! A result is located at the file for file and secret decisions, at the package's evidence file
//! for package and vulnerability decisions, and at the image otherwise.

use std::collections::HashMap;

use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256};
use vigil_policy::{gates, Action, Decision, Verdict};
use vigil_sbom::Sbom;

use crate::sarif::relative_uri;
use crate::verdict::{basis_text, fix_outcome, part_word, target, Target};

/// The SARIF level of an action.
pub(crate) fn level(a: Action) -> &'static str {
    match a {
        Action::Stop => "error",
        Action::Warn => "warning",
        Action::Go => "note",
    }
}

/// `policy/vulnerabilities/package`.
pub(crate) fn rule_id(d: &Decision) -> String {
    format!("policy/{}/{}", d.gate, d.trigger)
}

/// The gate's and trigger's descriptions from the gate table, when it has them.
fn described(gate: &str, trigger: &str) -> Option<(&'static str, &'static str)> {
    let g = gates().iter().find(|g| g.name == gate)?;
    let t = g.triggers.iter().find(|t| t.name == trigger)?;
    Some((g.description, t.description))
}

/// A rule under construction: one gate and trigger.
struct Rule<'a> {
    id: String,
    first: &'a Decision,
    worst: Action,
    rules: Vec<&'a str>,
}

fn driver_rule(r: &Rule<'_>) -> Value {
    let (gate, trigger) = (&r.first.gate, &r.first.trigger);
    let described = described(gate, trigger);
    let short = match described {
        Some((_, t)) if !t.is_empty() => format!("{gate} / {trigger}: {t}"),
        _ => format!("Policy gate {gate}, trigger {trigger}"),
    };
    let rules = r.rules.join(", ");
    let mut rule = json!({
        "id": r.id,
        "name": format!("{gate}.{trigger}"),
        "shortDescription": { "text": short },
        "help": {
            "text": format!(
                "{short}. Fired by policy rule(s) {rules}; the rule's action (STOP, WARN or GO) sets the level. \
                 An allowlist item matching gate {gate} and the result's triggerId lets it through."
            ),
        },
        "defaultConfiguration": { "level": level(r.worst) },
        "properties": { "tags": ["policy", gate] },
    });
    if let Some((g, t)) = described.filter(|(g, t)| !g.is_empty() || !t.is_empty()) {
        let text = [g, t]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        rule["fullDescription"] = json!({ "text": text });
    }
    rule
}

/// Stable across scans: the policy, rule, gate, trigger and trigger id.
fn fingerprint(d: &Decision) -> String {
    let key = format!(
        "{}\0{}\0{}\0{}\0{}",
        d.policy_id, d.rule_id, d.gate, d.trigger, d.trigger_id
    );
    hex::encode(Sha256::digest(key.as_bytes()))
}

fn location(d: &Decision, sbom: &Sbom, image: &str) -> Value {
    let mut location = Map::new();
    let path = match target(d, sbom) {
        Target::File(path) => Some(path),
        Target::Package(p) => p.locations.first().map(|l| l.path.as_str()),
        Target::Image => None,
    };
    if let Some(path) = path {
        location.insert(
            "physicalLocation".into(),
            json!({ "artifactLocation": { "uri": relative_uri(path) } }),
        );
    }
    location.insert(
        "logicalLocations".into(),
        json!([{ "name": image, "fullyQualifiedName": image, "kind": "image" }]),
    );
    Value::Object(location)
}

fn result(d: &Decision, rule_index: usize, sbom: &Sbom, image: &str) -> Value {
    let mut properties = json!({
        "action": d.effective.as_upper(),
        "ruleAction": d.action.as_upper(),
        "triggerId": d.trigger_id,
        "subject": d.subject,
        "policy": d.policy_id,
        "rule": d.rule_id,
    });
    if let Some(l) = &d.layer {
        properties["layer"] = json!(l.index);
        if let Some(p) = l.part {
            properties["layerPart"] = json!(part_word(p));
        }
        if let Some(id) = &l.diff_id {
            properties["layerDiffId"] = json!(id);
        }
    }
    if let Some(fix) = &d.fix {
        properties["fixedVersion"] = json!(fix);
    }
    let text = format!(
        "{}{}: {} (policy {}, rule {})",
        d.effective.as_upper(),
        if d.allowlisted.is_some() { " (allowlisted)" } else { "" },
        d.message,
        d.policy_id,
        d.rule_id
    );
    let mut r = json!({
        "ruleId": rule_id(d),
        "ruleIndex": rule_index,
        "level": level(d.action),
        "message": { "text": text },
        "locations": [location(d, sbom, image)],
        "partialFingerprints": { "vigilPolicyHash/v1": fingerprint(d) },
        "properties": properties,
    });
    if let Some(a) = &d.allowlisted {
        let mut justification = format!("allowlist {} item {}: {}", a.allowlist, a.item, a.reason);
        if let Some(e) = &a.expires {
            justification.push_str(&format!(" (until {e})"));
        }
        r["suppressions"] = json!([{
            "kind": "external",
            "status": "accepted",
            "justification": justification,
        }]);
    }
    r
}

/// Appends the verdict's rules (indexed after `rules`' existing ones) and results, and returns
/// the run property that sums the verdict up.
pub(crate) fn add(v: &Verdict, sbom: &Sbom, image: &str, rules: &mut Vec<Value>, results: &mut Vec<Value>) -> Value {
    let mut building: Vec<Rule<'_>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for d in v.decisions() {
        let id = rule_id(d);
        let i = *index.entry(id.clone()).or_insert_with(|| {
            building.push(Rule {
                id,
                first: d,
                worst: d.action,
                rules: Vec::new(),
            });
            building.len() - 1
        });
        let r = &mut building[i];
        r.worst = r.worst.max(d.action);
        if !r.rules.contains(&d.rule_id.as_str()) {
            r.rules.push(&d.rule_id);
        }
    }
    let offset = rules.len();
    rules.extend(building.iter().map(driver_rule));
    for d in v.decisions() {
        let i = index.get(&rule_id(d)).copied().unwrap_or(0);
        results.push(result(d, offset + i, sbom, image));
    }
    let mut summary = json!({
        "verdict": v.action.as_upper(),
        "bundle": v.bundle_id,
        "bundleName": v.bundle_name,
        "basis": basis_text(v.basis),
        "decisions": v.decisions().count(),
        "expiredAllowlistItems": v.expired_allowlist_items.len(),
    });
    if let Some(m) = &v.mapping {
        summary["mapping"] = json!(m);
    }
    if let Some(o) = fix_outcome(v) {
        summary["fixAdvice"] = json!({
            "packages": o.packages,
            "clears": o.cleared,
            "remaining": o.remaining,
            "clearsGate": o.clears_gate(v),
        });
    }
    summary
}
