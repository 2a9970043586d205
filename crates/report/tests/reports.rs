//! Every report format, written from a real match run (the matcher's fixture advisories), checked
//! for what it says and validated against the official SARIF 2.1.0 and CycloneDX 1.6 schemas.

mod common;

use std::collections::HashMap;
use std::path::PathBuf;

use common::*;
use serde_json::Value;
use vigil_report::{DbInfo, Format, RenderOptions, Scan};
use vigil_types::Severity;

#[test]
fn table_lists_findings_summary_suppressed_expired_notes_and_the_gate() {
    let (_dir, db) = db();
    let sbom = sbom();
    let r = report(&db, &sbom, false);
    let info = DbInfo {
        path: "vulndb.sqlite".into(),
        built_at: "2025-05-01T00:00:00Z".into(),
        advisories: 20,
        stale: true,
    };
    let scan = Scan {
        sbom: &sbom,
        report: &r,
        db: Some(&info),
        verdict: None,
    };
    let t = rendered(
        &scan,
        Format::Table,
        RenderOptions {
            fail_on: Some(Severity::High),
            ..RenderOptions::default()
        },
    );
    let lines: Vec<&str> = t.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        [
            "ID",
            "PACKAGE",
            "INSTALLED",
            "FIXED-IN",
            "TYPE",
            "SEVERITY",
            "EPSS",
            "KEV"
        ]
    );
    let log4j: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(
        log4j,
        [
            "CVE-2021-44228",
            "log4j-core",
            "2.14.1",
            "2.15.0",
            "java-archive",
            "Critical",
            "94.4%",
            "KEV"
        ]
    );
    assert!(
        t.contains("CVE-2010-4756   libc6       2.36-9+deb12u4    (won't fix)"),
        "{t}"
    );
    assert!(
        t.contains("4 vulnerabilities: 1 critical, 2 medium, 1 negligible (3 with a fix) in 3 of 7 packages"),
        "{t}"
    );
    assert!(
        t.contains("3 suppressed: 1 by an ignore rule, 2 by VEX statements (--show-suppressed lists them)"),
        "{t}"
    );
    assert!(
        t.contains("ignore rule vigil-ignore.yaml #2 (id CVE-2023-5678) expired on 2024-01-01: it would still suppress 1 finding"),
        "{t}"
    );
    assert!(t.contains("1 binary package(s) have no advisory ecosystem"), "{t}");
    assert!(
        t.contains("warning: the advisory database (built 2025-05-01T00:00:00Z) is stale"),
        "{t}"
    );
    assert!(t.contains("--fail-on high: FAILED (1 finding at or above high)"), "{t}");

    let shown = rendered(
        &scan,
        Format::Table,
        RenderOptions {
            show_suppressed: true,
            ..RenderOptions::default()
        },
    );
    assert!(shown.contains("SUPPRESSED"), "{shown}");
    assert!(
        shown.contains(
            "VEX app.openvex.json (https://example.com/vex/1) #1: not_affected (vulnerable_code_not_in_execute_path)"
        ),
        "{shown}"
    );
    assert!(
        shown.contains("ignore rule vigil-ignore.yaml #1: templates are never extracted"),
        "{shown}"
    );
}

#[test]
fn json_has_everything_with_a_schema_version() {
    let (_dir, db) = db();
    let sbom = sbom();
    let r = report(&db, &sbom, false);
    let scan = Scan {
        sbom: &sbom,
        report: &r,
        db: None,
        verdict: None,
    };
    let doc = json(
        &scan,
        Format::Json,
        RenderOptions {
            fail_on: Some(Severity::Critical),
            ..RenderOptions::default()
        },
    );
    assert_eq!(doc["schema"], "vigil-scan");
    assert_eq!(doc["schema_version"], vigil_report::JSON_SCHEMA_VERSION);
    assert_eq!(doc["source"]["name"], "acme/app:1.0");
    assert_eq!(doc["distro"]["version_id"], "12");
    assert_eq!(doc["summary"]["findings"], 4);
    assert_eq!(doc["summary"]["by_severity"]["critical"], 1);
    assert_eq!(doc["summary"]["by_fix_state"]["wont-fix"], 1);
    assert_eq!(doc["summary"]["suppressed"], 3);
    assert_eq!(doc["summary"]["in_kev"], 1);
    assert_eq!(doc["gate"]["failed"], true);
    let log4j = &doc["findings"][0];
    assert_eq!(log4j["id"], "CVE-2021-44228");
    assert_eq!(
        log4j["package"]["locations"][0]["path"],
        "/opt/app/lib/log4j core 2.14.1.jar"
    );
    assert_eq!(log4j["severity"]["source"], "cvss");
    assert_eq!(log4j["fix"]["state"], "fixed");
    assert_eq!(log4j["kev"]["known_ransomware"], true);
    assert_eq!(log4j["matches"][0]["range"], ">=2.13.0, <2.15.0 (ECOSYSTEM, Maven)");
    assert_eq!(doc["suppressed"].as_array().map(Vec::len), Some(3));
    let mut kinds: Vec<&str> = doc["suppressed"]
        .as_array()
        .map(|s| s.iter().filter_map(|x| x["by"]["kind"].as_str()).collect())
        .unwrap_or_default();
    kinds.sort();
    assert_eq!(kinds, ["rule", "vex", "vex"]);
    assert_eq!(doc["expired_rules"][0]["rule"], 2);
    assert_eq!(doc["notes"][0]["kind"], "no-ecosystem");
    // It reads back into the matcher's types.
    let back: Vec<vigil_match::Finding> = serde_json::from_value(doc["findings"].clone()).expect("findings");
    assert_eq!(back, r.findings);
}

#[test]
fn sarif_is_valid_2_1_0_with_github_properties() {
    let (_dir, db) = db();
    let sbom = sbom();
    let r = report(&db, &sbom, false);
    let scan = Scan {
        sbom: &sbom,
        report: &r,
        db: None,
        verdict: None,
    };
    let validator = sarif_validator();
    for show_suppressed in [false, true] {
        let doc = json(
            &scan,
            Format::Sarif,
            RenderOptions {
                show_suppressed,
                ..RenderOptions::default()
            },
        );
        assert_eq!(errors(&validator, &doc), Vec::<String>::new());
        assert_eq!(doc["version"], "2.1.0");
        let run = &doc["runs"][0];
        let results = run["results"].as_array().expect("results");
        let expected = if show_suppressed { 7 } else { 4 };
        assert_eq!(results.len(), expected);
        assert_eq!(
            results.iter().filter(|r| r.get("suppressions").is_some()).count(),
            expected - 4
        );
        let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
        assert_eq!(rules.len(), expected, "one rule per vulnerability id");
        for (i, res) in results.iter().enumerate() {
            let rule = &rules[res["ruleIndex"].as_u64().expect("index") as usize];
            assert_eq!(rule["id"], res["ruleId"], "result {i}");
            assert!(res["partialFingerprints"]["vigilFindingHash/v1"]
                .as_str()
                .is_some_and(|h| h.len() == 64));
        }
    }
    let doc = json(&scan, Format::Sarif, RenderOptions::default());
    let run = &doc["runs"][0];
    let log4j = &run["results"][0];
    assert_eq!(log4j["ruleId"], "CVE-2021-44228");
    assert_eq!(log4j["level"], "error");
    assert_eq!(
        log4j["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "opt/app/lib/log4j%20core%202.14.1.jar"
    );
    assert_eq!(log4j["locations"][0]["logicalLocations"][0]["name"], "acme/app:1.0");
    let text = log4j["message"]["text"].as_str().expect("message");
    assert!(text.contains("fixed in 2.15.0"), "{text}");
    assert!(
        text.contains(
            "Matched GHSA-jfh8-c2jp-5v3q (Maven org.apache.logging.log4j:log4j-core): 2.14.1 in >=2.13.0, <2.15.0 (ECOSYSTEM, Maven)."
        ),
        "{text}"
    );
    let rule = &run["tool"]["driver"]["rules"][0];
    assert_eq!(rule["properties"]["security-severity"], "10.0");
    assert_eq!(
        rule["shortDescription"]["text"],
        "CVE-2021-44228: Remote code injection in Log4j"
    );
    assert_eq!(rule["helpUri"], "https://osv.dev/vulnerability/GHSA-jfh8-c2jp-5v3q");
    assert!(rule["properties"]["tags"]
        .as_array()
        .is_some_and(|t| t.contains(&Value::from("CWE-917"))));
    // A finding rated only by Debian (negligible) has no security-severity; a medium one has its score.
    let by_id = |id: &str| {
        run["tool"]["driver"]["rules"]
            .as_array()
            .and_then(|rs| rs.iter().find(|r| r["id"] == id))
            .cloned()
            .expect("rule")
    };
    assert!(by_id("CVE-2010-4756")["properties"].get("security-severity").is_none());
    assert_eq!(by_id("CVE-2024-0727")["properties"]["security-severity"], "6.5");
}

#[test]
fn cyclonedx_is_valid_1_6_with_vulnerabilities_and_analysis() {
    let (_dir, db) = db();
    let sbom = sbom();
    let schemas = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../sbom/tests/schemas");
    let mut local = HashMap::new();
    for name in ["spdx.schema.json", "jsf-0.82.schema.json"] {
        local.insert(format!("http://cyclonedx.org/schema/{name}"), load(schemas.join(name)));
    }
    let validator = jsonschema::options()
        .with_retriever(Local(local))
        .should_validate_formats(true)
        .build(&load(schemas.join("bom-1.6.schema.json")))
        .expect("CycloneDX schema compiles");
    for only_fixed in [false, true] {
        let r = report(&db, &sbom, only_fixed);
        let scan = Scan {
            sbom: &sbom,
            report: &r,
            db: None,
            verdict: None,
        };
        for show_suppressed in [false, true] {
            let doc = json(
                &scan,
                Format::CycloneDxJson,
                RenderOptions {
                    show_suppressed,
                    ..RenderOptions::default()
                },
            );
            assert_eq!(errors(&validator, &doc), Vec::<String>::new());
        }
    }
    let r = report(&db, &sbom, false);
    let scan = Scan {
        sbom: &sbom,
        report: &r,
        db: None,
        verdict: None,
    };
    let doc = json(&scan, Format::CycloneDxJson, RenderOptions::default());
    assert_eq!(doc["specVersion"], "1.6");
    let vulns = doc["vulnerabilities"].as_array().expect("vulnerabilities");
    assert_eq!(vulns.len(), 7, "4 findings and 3 suppressed by rules and VEX");
    let log4j = &vulns[0];
    assert_eq!(log4j["id"], "CVE-2021-44228");
    assert_eq!(log4j["source"]["name"], "NVD");
    assert_eq!(log4j["ratings"][0]["method"], "CVSSv31");
    assert_eq!(log4j["ratings"][0]["score"], 10.0);
    assert_eq!(log4j["cwes"], serde_json::json!([20, 400, 502, 917]));
    assert_eq!(log4j["recommendation"], "Upgrade log4j-core to 2.15.0 or later.");
    assert_eq!(log4j["references"][0]["id"], "GHSA-jfh8-c2jp-5v3q");
    let component_ref = log4j["affects"][0]["ref"].as_str().expect("ref");
    let component = doc["components"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["bom-ref"] == component_ref))
        .expect("affects points at a component");
    assert_eq!(component["name"], "log4j-core");
    let glibc = vulns.iter().find(|v| v["id"] == "CVE-2010-4756").expect("glibc");
    assert_eq!(glibc["ratings"][0]["method"], "other");
    assert_eq!(glibc["ratings"][0]["severity"], "info");
    let lodash = vulns.iter().find(|v| v["id"] == "CVE-2019-10744").expect("lodash");
    assert_eq!(lodash["analysis"]["state"], "not_affected");
    assert_eq!(lodash["analysis"]["justification"], "code_not_reachable");
    let rsa = vulns.iter().find(|v| v["id"] == "CVE-2023-49092").expect("rsa");
    assert_eq!(rsa["analysis"]["state"], "resolved");
    let django = vulns.iter().find(|v| v["id"] == "CVE-2021-3281").expect("django");
    assert_eq!(django["analysis"]["state"], "not_affected");
    assert!(django["analysis"]["detail"]
        .as_str()
        .is_some_and(|d| d.contains("templates are never extracted")));

    let only = report(&db, &sbom, true);
    let scan = Scan {
        sbom: &sbom,
        report: &only,
        db: None,
        verdict: None,
    };
    let hidden = json(&scan, Format::CycloneDxJson, RenderOptions::default());
    let shown = json(
        &scan,
        Format::CycloneDxJson,
        RenderOptions {
            show_suppressed: true,
            ..RenderOptions::default()
        },
    );
    let count = |d: &Value| d["vulnerabilities"].as_array().map_or(0, Vec::len);
    assert_eq!(count(&shown) - count(&hidden), 1, "the won't-fix glibc finding");
    let glibc = shown["vulnerabilities"]
        .as_array()
        .and_then(|vs| vs.iter().find(|v| v["id"] == "CVE-2010-4756"))
        .expect("shown");
    assert_eq!(glibc["analysis"]["state"], "exploitable");
    assert_eq!(glibc["analysis"]["response"][0], "will_not_fix");
}
