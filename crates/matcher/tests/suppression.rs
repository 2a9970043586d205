//! Ignore rules, OpenVEX and --only-fixed: suppressed findings are kept with their reason,
//! expired rules are reported, and the --fail-on gate sees only what remains.

mod common;

use common::{db, deb, fixtures, npm, pkg, python, sbom};
use vigil_match::{
    match_sbom, FixState, IgnoreRules, MatchOptions, MatchReport, Severity, Suppression, VexDocument, VexStatus,
};
use vigil_types::{PackageType, Purl};

fn image() -> vigil_sbom::Sbom {
    let go = |name: &str, version: &str, purl: Purl| {
        pkg(PackageType::GoModule, name, version, purl, "/usr/local/bin/app", "app")
    };
    sbom(
        Some("debian-12"),
        vec![
            python("Django", "2.2"),
            npm("lodash", "4.17.11"),
            deb("libc6", "2.36-9+deb12u4", "glibc", "", "debian-12"),
            deb("libssl3", "3.0.11-1~deb12u2", "openssl", "", "debian-12"),
            go("stdlib", "go1.22.1", Purl::new("golang", "stdlib", "1.22.1")),
            go(
                "golang.org/x/net",
                "v0.20.0",
                Purl::new("golang", "net", "v0.20.0").namespace("golang.org/x"),
            ),
            pkg(
                PackageType::JavaArchive,
                "log4j-core",
                "2.14.1",
                Purl::new("maven", "log4j-core", "2.14.1").namespace("org.apache.logging.log4j"),
                "/app/lib/log4j-core-2.14.1.jar",
                "app",
            ),
            pkg(
                PackageType::RustCrate,
                "rsa",
                "0.9.6",
                Purl::new("cargo", "rsa", "0.9.6"),
                "/usr/bin/tool",
                "app",
            ),
        ],
    )
}

fn options() -> MatchOptions {
    MatchOptions {
        today: Some(time::macros::date!(2025 - 05 - 12)),
        ..MatchOptions::default()
    }
}

fn suppressed_by<'r>(report: &'r MatchReport, package: &str, id: &str) -> &'r Suppression {
    let s: Vec<_> = report
        .suppressed
        .iter()
        .filter(|s| s.finding.package.name == package && s.finding.id == id)
        .collect();
    assert_eq!(
        s.len(),
        1,
        "{id} in {package} suppressed once: {:#?}",
        report.suppressed
    );
    &s[0].by
}

fn remaining(report: &MatchReport) -> Vec<(String, String)> {
    let mut v: Vec<_> = report
        .findings
        .iter()
        .map(|f| (f.package.name.clone(), f.id.clone()))
        .collect();
    v.sort();
    v
}

#[test]
fn ignore_rules_by_alias_package_location_and_fix_state() {
    let (_dir, db) = db();
    let rules = IgnoreRules::load(&fixtures().join("suppress/vigil-ignore.yaml")).expect("rules");
    let report = match_sbom(
        &image(),
        &db,
        &MatchOptions {
            ignore: vec![rules],
            ..options()
        },
    )
    .expect("match");

    match suppressed_by(&report, "Django", "CVE-2021-3281") {
        Suppression::Rule {
            rule, reason, expires, ..
        } => {
            assert_eq!(*rule, 1);
            assert_eq!(reason, "startproject --template is never run in production");
            assert_eq!(expires.as_deref(), Some("2099-12-31"));
        }
        other => panic!("{other:?}"),
    }
    match suppressed_by(&report, "lodash", "CVE-2019-10744") {
        Suppression::Rule { rule, criteria, .. } => {
            assert_eq!(*rule, 2);
            assert_eq!(criteria, "package name lodash type npm location /app/node_modules/**");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        suppressed_by(&report, "libc6", "CVE-2010-4756"),
        Suppression::Rule { rule: 3, .. }
    ));
    // The expired rule did not apply, and is reported with what it would still cover.
    assert!(report.findings.iter().any(|f| f.id == "CVE-2021-44228"));
    assert_eq!(report.expired_rules.len(), 1);
    let e = &report.expired_rules[0];
    assert_eq!((e.rule, e.expired.as_str(), e.would_suppress), (4, "2022-01-31", 1));
    assert_eq!(report.counts.suppressed, 3);
    assert_eq!(report.counts.findings, report.findings.len());
    // The same rules are live before they expire.
    let early = match_sbom(
        &image(),
        &db,
        &MatchOptions {
            ignore: vec![IgnoreRules::load(&fixtures().join("suppress/vigil-ignore.yaml")).expect("rules")],
            today: Some(time::macros::date!(2022 - 01 - 31)),
            ..MatchOptions::default()
        },
    )
    .expect("match");
    assert!(early.expired_rules.is_empty());
    assert!(early.findings.iter().all(|f| f.id != "CVE-2021-44228"));
}

#[test]
fn openvex_not_affected_and_fixed_suppress_the_latest_statement_wins() {
    let (_dir, db) = db();
    let vex = VexDocument::load(&fixtures().join("suppress/app.openvex.json")).expect("vex");
    let report = match_sbom(
        &image(),
        &db,
        &MatchOptions {
            vex: vec![vex],
            ..options()
        },
    )
    .expect("match");

    match suppressed_by(&report, "lodash", "CVE-2019-10744") {
        Suppression::Vex {
            document,
            statement,
            status,
            justification,
            ..
        } => {
            assert!(
                document.ends_with("app.openvex.json (https://example.com/vex/app-2025-0001)"),
                "{document}"
            );
            assert_eq!(*statement, 1);
            assert_eq!(*status, VexStatus::NotAffected);
            assert_eq!(justification.as_deref(), Some("vulnerable_code_not_in_execute_path"));
        }
        other => panic!("{other:?}"),
    }
    // The image product with a subcomponent covers x/net only, not the stdlib of the same CVE;
    // the statement about another image covers nothing here.
    assert!(matches!(
        suppressed_by(&report, "golang.org/x/net", "CVE-2023-45288"),
        Suppression::Vex { statement: 2, .. }
    ));
    assert!(report
        .findings
        .iter()
        .any(|f| f.package.name == "stdlib" && f.id == "CVE-2023-45288"));
    // A later "affected" undoes an earlier "not_affected".
    assert!(report.findings.iter().any(|f| f.id == "CVE-2021-44228"));
    // "fixed", named by an alias.
    assert!(matches!(
        suppressed_by(&report, "rsa", "CVE-2023-49092"),
        Suppression::Vex {
            status: VexStatus::Fixed,
            ..
        }
    ));
    assert_eq!(report.suppressed.len(), 3);
}

#[test]
fn only_fixed_keeps_the_unfixed_as_suppressed() {
    let (_dir, db) = db();
    let report = match_sbom(
        &image(),
        &db,
        &MatchOptions {
            only_fixed: true,
            ..options()
        },
    )
    .expect("match");
    assert!(report.findings.iter().all(|f| f.fix.state == FixState::Fixed));
    let states: Vec<(String, Suppression)> = report
        .suppressed
        .iter()
        .map(|s| (s.finding.id.clone(), s.by.clone()))
        .collect();
    assert!(states.contains(&(
        "CVE-2010-4756".into(),
        Suppression::OnlyFixed {
            state: FixState::WontFix
        }
    )));
    assert!(states.contains(&(
        "CVE-2023-49092".into(),
        Suppression::OnlyFixed {
            state: FixState::NotFixed
        }
    )));
    assert_eq!(report.suppressed.len(), 2, "{:#?}", remaining(&report));
}

#[test]
fn fail_on_gate_counts_only_what_remains() {
    let (_dir, db) = db();
    let all = match_sbom(&image(), &db, &options()).expect("match");
    let gate = all.gate(Severity::Critical);
    // log4j (10.0) and lodash (GitHub: critical).
    assert_eq!((gate.failed, gate.at_or_above), (true, 2));
    assert!(all.gate(Severity::Negligible).at_or_above > all.gate(Severity::Medium).at_or_above);
    let unknown_included = all.gate(Severity::Unknown).at_or_above;
    assert_eq!(unknown_included, all.findings.len());

    let vex = r#"{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [
        {"vulnerability": {"name": "CVE-2021-44228"}, "products": [{"@id": "pkg:maven/org.apache.logging.log4j/log4j-core"}],
         "status": "not_affected", "justification": "vulnerable_code_not_present"},
        {"vulnerability": {"name": "CVE-2019-10744"}, "products": [{"@id": "pkg:npm/lodash@4.17.11"}], "status": "fixed"}]}"#;
    let report = match_sbom(
        &image(),
        &db,
        &MatchOptions {
            vex: vec![VexDocument::parse(vex, "inline.json").expect("vex")],
            ..options()
        },
    )
    .expect("match");
    assert!(!report.gate(Severity::Critical).failed);
    assert!(report.gate(Severity::High).at_or_above < all.gate(Severity::High).at_or_above);
    let by = report.by_severity();
    assert_eq!(by[0], (Severity::Critical, 0));
}
