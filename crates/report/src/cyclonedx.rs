//! CycloneDX 1.6 with vulnerabilities: the SBOM's BOM (vigil-sbom's encoder) plus a
//! `vulnerabilities` array, one entry per finding (a vulnerability in one component):
//! `id` and `source` (NVD for CVEs, GitHub for GHSA ids, OSV otherwise), the other ids as
//! `references`, `ratings` (each CVSS vector with its method `CVSSv2` / `CVSSv3` / `CVSSv31` /
//! `CVSSv4`, and the distribution's or advisory's rating as `other`), `cwes`, `description` and
//! `detail`, a `recommendation` with the fixed version, `advisories` (the records'
//! references), dates, `affects` (the component's `bom-ref` and the installed version) and
//! `vigil:` properties (fix state, EPSS, KEV, the matched ranges).
//!
//! Suppressed findings are written with an `analysis`: a VEX `not_affected` statement becomes
//! `not_affected` with its justification mapped to CycloneDX's, VEX `fixed` becomes `resolved`,
//! an ignore rule `not_affected` with the rule's reason as `detail`. Findings only
//! `--only-fixed` hid are written when suppressed findings are shown, as `exploitable` with the
//! response `can_not_fix` (not fixed) or `will_not_fix` (won't fix).

use std::collections::HashMap;

use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use vigil_match::{Finding, FixState, RatingSource, Suppression, VexStatus};
use vigil_types::Severity;

use crate::{Format, RenderOptions, ReportError, Scan};

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "critical",
        Severity::High => "high",
        Severity::Medium => "medium",
        Severity::Low => "low",
        Severity::Negligible => "info",
        Severity::Unknown => "unknown",
    }
}

fn method(cvss_version: &str) -> &'static str {
    match cvss_version {
        "2.0" => "CVSSv2",
        "3.0" => "CVSSv3",
        "3.1" => "CVSSv31",
        "4.0" => "CVSSv4",
        _ => "other",
    }
}

/// Where an id is published.
fn source(id: &str) -> Value {
    if is_cve(id) {
        json!({ "name": "NVD", "url": format!("https://nvd.nist.gov/vuln/detail/{id}") })
    } else if id.starts_with("GHSA-") {
        json!({ "name": "GitHub", "url": format!("https://github.com/advisories/{id}") })
    } else {
        json!({ "name": "OSV", "url": format!("https://osv.dev/vulnerability/{id}") })
    }
}

/// `CVE-YYYY-NNNN…` (the same test the matcher uses, without depending on the store crate).
fn is_cve(s: &str) -> bool {
    let Some((year, number)) = s.strip_prefix("CVE-").and_then(|r| r.split_once('-')) else {
        return false;
    };
    year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && (4..=19).contains(&number.len())
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// An RFC 3339 time normalised for the schema's `date-time`; `None` when it is not one.
fn date_time(s: Option<&String>) -> Option<String> {
    let t = OffsetDateTime::parse(s?.trim(), &Rfc3339).ok()?;
    t.to_offset(time::UtcOffset::UTC).format(&Rfc3339).ok()
}

/// OpenVEX justifications in CycloneDX's words.
fn justification(openvex: &str) -> Option<&'static str> {
    Some(match openvex {
        "component_not_present" | "vulnerable_code_not_present" => "code_not_present",
        "vulnerable_code_not_in_execute_path" => "code_not_reachable",
        "vulnerable_code_cannot_be_controlled_by_adversary" => "requires_environment",
        "inline_mitigations_already_exist" => "protected_by_mitigating_control",
        _ => return None,
    })
}

fn analysis(by: &Suppression) -> Value {
    match by {
        Suppression::Vex {
            status,
            justification: j,
            impact_statement,
            ..
        } => {
            let mut a = json!({
                "state": if *status == VexStatus::Fixed { "resolved" } else { "not_affected" },
                "detail": by.describe(),
            });
            if *status == VexStatus::NotAffected {
                if let Some(j) = j.as_deref().and_then(justification) {
                    a["justification"] = json!(j);
                }
                if let Some(i) = impact_statement {
                    a["detail"] = json!(format!("{}: {i}", by.describe()));
                }
            }
            a
        }
        Suppression::Rule { .. } => json!({ "state": "not_affected", "detail": by.describe() }),
        Suppression::OnlyFixed { state } => json!({
            "state": "exploitable",
            "response": [if *state == FixState::WontFix { "will_not_fix" } else { "can_not_fix" }],
            "detail": by.describe(),
        }),
    }
}

fn cwe_number(c: &str) -> Option<u64> {
    c.strip_prefix("CWE-")?.parse().ok()
}

fn vulnerability(n: usize, f: &Finding, component: Option<&str>, by: Option<&Suppression>) -> Value {
    let mut ratings: Vec<Value> = f
        .cvss
        .iter()
        .map(|c| {
            json!({
                "source": { "name": c.source },
                "score": c.score,
                "severity": severity(c.severity),
                "method": method(&c.version),
                "vector": c.vector,
            })
        })
        .collect();
    if matches!(f.severity.source, RatingSource::Distro | RatingSource::Advisory) {
        ratings.push(json!({
            "source": { "name": f.severity.origin },
            "severity": severity(f.severity.level),
            "method": "other",
        }));
    }
    let mut v = json!({
        "bom-ref": format!("vulnerability-{}", n + 1),
        "id": f.id,
        "source": source(&f.id),
        "ratings": ratings,
        "properties": [
            { "name": "vigil:fixState", "value": f.fix.state.as_str() },
            { "name": "vigil:severitySource", "value": format!("{:?}", f.severity.source).to_lowercase() },
        ],
    });
    let refs: Vec<Value> = f
        .aliases
        .iter()
        .map(|a| json!({ "id": a, "source": source(a) }))
        .collect();
    if !refs.is_empty() {
        v["references"] = json!(refs);
    }
    let cwes: Vec<u64> = f.cwes.iter().filter_map(|c| cwe_number(c)).collect();
    if !cwes.is_empty() {
        v["cwes"] = json!(cwes);
    }
    if let Some(s) = f.summary.as_ref().or(f.description.as_ref()) {
        v["description"] = json!(s);
    }
    if let Some(d) = &f.description {
        v["detail"] = json!(d);
    }
    if let (FixState::Fixed, Some(fixed)) = (f.fix.state, &f.fix.nearest) {
        v["recommendation"] = json!(format!("Upgrade {} to {} or later.", f.package.name, fixed));
    }
    let advisories: Vec<Value> = f.references.iter().map(|r| json!({ "url": r.url })).collect();
    if !advisories.is_empty() {
        v["advisories"] = json!(advisories);
    }
    if let Some(p) = date_time(f.published.as_ref()) {
        v["published"] = json!(p);
    }
    if let Some(m) = date_time(f.modified.as_ref()) {
        v["updated"] = json!(m);
    }
    if let Some(r) = component {
        v["affects"] = json!([{ "ref": r, "versions": [{ "version": f.package.version, "status": "affected" }] }]);
    }
    let props = v["properties"].as_array_mut();
    if let Some(props) = props {
        if let Some(e) = &f.epss {
            props.push(json!({ "name": "vigil:epss", "value": e.score.to_string() }));
            props.push(json!({ "name": "vigil:epssPercentile", "value": e.percentile.to_string() }));
        }
        if let Some(k) = &f.kev {
            props.push(json!({ "name": "vigil:kev:dateAdded", "value": k.date_added }));
        }
        for (i, m) in f.matches.iter().enumerate() {
            props.push(json!({ "name": format!("vigil:match:{i}"), "value": m.describe() }));
        }
    }
    if let Some(by) = by {
        v["analysis"] = analysis(by);
    }
    v
}

pub(crate) fn document(scan: &Scan<'_>, options: &RenderOptions) -> Result<Value, ReportError> {
    let bom = vigil_sbom::cyclonedx_bom(scan.sbom).map_err(|e| ReportError::Encode {
        format: Format::CycloneDxJson,
        message: e.to_string(),
    })?;
    let refs: HashMap<&str, &str> = scan
        .sbom
        .packages
        .iter()
        .zip(&bom.package_refs)
        .map(|(p, r)| (p.id.as_str(), r.as_str()))
        .collect();
    let r = scan.report;
    let mut listed: Vec<(&Finding, Option<&Suppression>)> = r.findings.iter().map(|f| (f, None)).collect();
    for s in &r.suppressed {
        if options.show_suppressed || !matches!(s.by, Suppression::OnlyFixed { .. }) {
            listed.push((&s.finding, Some(&s.by)));
        }
    }
    let vulnerabilities: Vec<Value> = listed
        .iter()
        .enumerate()
        .map(|(n, (f, by))| vulnerability(n, f, refs.get(f.package.id.as_str()).copied(), *by))
        .collect();
    let mut document = bom.document;
    if !vulnerabilities.is_empty() {
        document["vulnerabilities"] = json!(vulnerabilities);
    }
    Ok(document)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_methods_and_justifications() {
        assert_eq!(source("CVE-2021-44228")["name"], "NVD");
        assert_eq!(
            source("GHSA-jfh8-c2jp-5v3q")["url"],
            "https://github.com/advisories/GHSA-jfh8-c2jp-5v3q"
        );
        assert_eq!(source("PYSEC-2021-9")["name"], "OSV");
        assert_eq!(method("3.1"), "CVSSv31");
        assert_eq!(method("4.0"), "CVSSv4");
        assert_eq!(
            justification("vulnerable_code_not_in_execute_path"),
            Some("code_not_reachable")
        );
        assert_eq!(justification("made_up"), None);
        assert_eq!(
            date_time(Some(&"2021-02-02T07:15:00+01:00".to_string())).as_deref(),
            Some("2021-02-02T06:15:00Z")
        );
        assert_eq!(date_time(Some(&"yesterday".to_string())), None);
    }
}
