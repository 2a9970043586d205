//! SARIF 2.1.0, as GitHub code scanning takes it.
//!
//! One run; `tool.driver.rules` has one rule per vulnerability id (short description, help URI,
//! `properties.security-severity` — the highest CVSS score of the vulnerability's findings as a
//! string such as `"9.8"`, or the middle of the rating's band when no score exists — and tags);
//! one result per finding: `ruleId`, `level` from the severity (critical and high: `error`,
//! medium: `warning`, the rest: `note`), a message that explains the match, a location whose
//! `artifactLocation.uri` is the package's evidence file relative to the image root and whose
//! logical location is the image, and `partialFingerprints` that stay the same across scans while
//! the same package has the same vulnerability at the same place. Suppressed findings are listed
//! (with `suppressions`) only when asked for.
//!
//! With a policy verdict, its decisions follow as results of rules `policy/<gate>/<trigger>`
//! (see `sarif_policy`), and the run's properties carry the verdict as `policy`.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256};
use vigil_match::{Finding, FixState, Suppression, VexStatus};
use vigil_types::Severity;

use crate::{band_score, RenderOptions, Scan};

const SCHEMA: &str = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

#[derive(Serialize)]
pub(crate) struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Value,
    results: Vec<Value>,
    properties: Value,
}

/// A rule under construction: the findings of one vulnerability id.
struct Rule<'a> {
    id: &'a str,
    first: &'a Finding,
    worst: Severity,
    score: Option<f64>,
    tags: Vec<String>,
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        _ => "note",
    }
}

/// A path inside the image as a relative URI reference: no leading `/`, and every byte that is
/// not unreserved or `/` percent-encoded (`:` too, so a first segment never reads as a scheme).
pub(crate) fn relative_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.trim_start_matches('/').as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Stable across scans: the vulnerability, the package's type and name, the evidence path.
fn fingerprint(f: &Finding) -> String {
    let key = format!(
        "{}\0{}\0{}\0{}",
        f.id,
        f.package.ty,
        f.package.name,
        f.package.path().unwrap_or("")
    );
    hex::encode(Sha256::digest(key.as_bytes()))
}

fn message(f: &Finding) -> String {
    let p = &f.package;
    let mut s = format!("{} {} ({}) is affected by {}", p.name, p.version, p.ty, f.id);
    match f.severity.score {
        Some(score) => s.push_str(&format!(" ({}, CVSS {score:.1})", f.severity.level)),
        None => s.push_str(&format!(" ({})", f.severity.level)),
    }
    match (f.fix.state, &f.fix.nearest) {
        (FixState::Fixed, Some(v)) => s.push_str(&format!("; fixed in {v}")),
        (FixState::WontFix, _) => s.push_str("; the distribution will not fix it"),
        _ => s.push_str("; no fix is known"),
    }
    s.push('.');
    for m in &f.matches {
        s.push_str(&format!(" Matched {}.", m.describe()));
    }
    if let Some(k) = &f.kev {
        s.push_str(&format!(" Listed in CISA KEV since {}.", k.date_added));
    }
    s
}

fn help_uri(f: &Finding) -> String {
    let advisory = f.matches.first().map_or(f.id.as_str(), |m| m.advisory.as_str());
    format!("https://osv.dev/vulnerability/{advisory}")
}

fn suppression(by: &Suppression) -> Value {
    let (kind, status) = match by {
        Suppression::Vex {
            status: VexStatus::NotAffected | VexStatus::Fixed,
            ..
        } => ("external", "accepted"),
        Suppression::Vex { .. } => ("external", "underReview"),
        Suppression::Rule { .. } | Suppression::OnlyFixed { .. } => ("external", "accepted"),
    };
    json!({ "kind": kind, "status": status, "justification": by.describe() })
}

fn result(f: &Finding, rule_index: usize, image: &str, suppressed: Option<&Suppression>) -> Value {
    let mut location = Map::new();
    if let Some(path) = f.package.path() {
        location.insert(
            "physicalLocation".into(),
            json!({ "artifactLocation": { "uri": relative_uri(path) } }),
        );
    }
    location.insert(
        "logicalLocations".into(),
        json!([{ "name": image, "fullyQualifiedName": image, "kind": "image" }]),
    );
    let mut properties = json!({
        "package": f.package.name,
        "version": f.package.version,
        "type": f.package.ty,
        "purl": f.package.purl,
        "severity": f.severity.level,
        "fixState": f.fix.state,
    });
    if let Some(v) = &f.fix.nearest {
        properties["fixedVersion"] = json!(v);
    }
    if let Some(l) = &f.package.layer {
        properties["layer"] = json!(l.to_string());
    }
    if let Some(e) = &f.epss {
        properties["epss"] = json!(e.score);
    }
    if f.kev.is_some() {
        properties["kev"] = json!(true);
    }
    let mut r = json!({
        "ruleId": f.id,
        "ruleIndex": rule_index,
        "level": level(f.severity.level),
        "message": { "text": message(f) },
        "locations": [Value::Object(location)],
        "partialFingerprints": { "vigilFindingHash/v1": fingerprint(f) },
        "properties": properties,
    });
    if let Some(by) = suppressed {
        r["suppressions"] = json!([suppression(by)]);
    }
    r
}

pub(crate) fn document(scan: &Scan<'_>, options: &RenderOptions) -> Log {
    let report = scan.report;
    let image = if scan.sbom.source.name.is_empty() {
        scan.sbom.source.input.as_str()
    } else {
        scan.sbom.source.name.as_str()
    };
    let mut listed: Vec<(&Finding, Option<&Suppression>)> = report.findings.iter().map(|f| (f, None)).collect();
    if options.show_suppressed {
        listed.extend(report.suppressed.iter().map(|s| (&s.finding, Some(&s.by))));
    }

    let mut rules: Vec<Rule<'_>> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (f, _) in &listed {
        let i = *index.entry(f.id.as_str()).or_insert_with(|| {
            rules.push(Rule {
                id: &f.id,
                first: f,
                worst: f.severity.level,
                score: None,
                tags: vec!["security".into(), "vulnerability".into()],
            });
            rules.len() - 1
        });
        let rule = &mut rules[i];
        rule.worst = rule.worst.max(f.severity.level);
        if let Some(s) = f.severity.score {
            rule.score = Some(rule.score.map_or(s, |r: f64| r.max(s)));
        }
        for tag in std::iter::once(f.package.ty.as_str().to_string()).chain(f.cwes.iter().cloned()) {
            if !rule.tags.contains(&tag) {
                rule.tags.push(tag);
            }
        }
    }
    let mut driver_rules: Vec<Value> = rules
        .iter()
        .map(|r| {
            let f = r.first;
            let title = f.summary.as_deref().unwrap_or(r.id);
            let mut properties = json!({ "tags": r.tags });
            if let Some(score) = r.score.or_else(|| band_score(r.worst)) {
                properties["security-severity"] = json!(format!("{score:.1}"));
            }
            let mut rule = json!({
                "id": r.id,
                "shortDescription": { "text": format!("{}: {}", r.id, title) },
                "helpUri": help_uri(f),
                "help": {
                    "text": format!("{} ({}). See {}.", title, r.worst, help_uri(f)),
                    "markdown": format!("**{}** ({})\n\n{}\n\n[{}]({})", r.id, r.worst, title, help_uri(f), help_uri(f)),
                },
                "defaultConfiguration": { "level": level(r.worst) },
                "properties": properties,
            });
            if let Some(d) = f.description.as_deref().filter(|d| !d.is_empty()) {
                rule["fullDescription"] = json!({ "text": d });
            }
            rule
        })
        .collect();
    let mut results: Vec<Value> = listed
        .iter()
        .map(|(f, by)| result(f, index.get(f.id.as_str()).copied().unwrap_or(0), image, *by))
        .collect();
    let policy = scan
        .verdict
        .map(|v| crate::sarif_policy::add(v, scan.sbom, image, &mut driver_rules, &mut results));
    let tool = json!({
        "driver": {
            "name": "vigil",
            "fullName": "Vigil vulnerability scanner",
            "version": env!("CARGO_PKG_VERSION"),
            "semanticVersion": env!("CARGO_PKG_VERSION"),
            "informationUri": env!("CARGO_PKG_REPOSITORY"),
            "rules": driver_rules,
        }
    });
    let mut properties = json!({
        "image": image,
        "suppressed": report.suppressed.len(),
        "packages": report.counts.packages,
    });
    if let Some(t) = options.fail_on {
        properties["gate"] = json!(report.gate(t));
    }
    if let Some(p) = policy {
        properties["policy"] = p;
    }
    Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool,
            results,
            properties,
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(relative_uri("/var/lib/dpkg/status"), "var/lib/dpkg/status");
        assert_eq!(relative_uri("/app/my lib/a:b#c.jar"), "app/my%20lib/a%3Ab%23c.jar");
        assert_eq!(relative_uri("/opt/é"), "opt/%C3%A9");
    }

    #[test]
    fn levels() {
        assert_eq!(level(Severity::Critical), "error");
        assert_eq!(level(Severity::Medium), "warning");
        assert_eq!(level(Severity::Unknown), "note");
    }
}
