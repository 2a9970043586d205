//! Verdicts: allowlists and their expiry, mappings, image lists, worst-of, layer attribution,
//! fix advice, evaluation errors, and the default bundle on the benchmark image.

mod common;

use std::collections::BTreeMap;

use common::*;
use vigil_policy::{Action, BaseLayers, Bundle, FixAdvice, Part, Policy, Rule, Verdict, VerdictBasis};
use vigil_types::PackageType;

const HIGH_FIXED: &str =
    "{gate: vulnerabilities, trigger: package, action: stop, params: {severity: high, fix_available: true}}";

fn with_allowlist(items: &[&str]) -> Bundle {
    let mut text = format!(
        "version: \"1\"\nid: t\npolicies:\n  - id: p\n    rules:\n      - {HIGH_FIXED}\nallowlists:\n  - id: accepted\n    items:\n"
    );
    for i in items {
        text.push_str(&format!("      - {i}\n"));
    }
    Bundle::parse(&text, "t.yaml").expect("valid")
}

fn decision<'v>(v: &'v Verdict, trigger_id: &str) -> &'v vigil_policy::Decision {
    v.decisions()
        .find(|d| d.trigger_id == trigger_id)
        .unwrap_or_else(|| panic!("no decision {trigger_id}"))
}

#[test]
fn allowlist_exact_items_turn_decisions_go() {
    let c = Case::new();
    let v = c.eval(&with_allowlist(&[]));
    assert_eq!(v.action, Action::Stop);
    let v = c.eval(&with_allowlist(&[
        "{id: a1, gate: vulnerabilities, trigger_id: CVE-2019-19844+django, reason: not reachable, expires: 2027-06-30}",
        "{id: a2, gate: vulnerabilities, trigger_id: CVE-2020-7471+django, reason: no PostgreSQL}",
        "{id: a3, gate: vulnerabilities, trigger_id: CVE-2019-11324+urllib3, reason: no custom CAs}",
    ]));
    assert_eq!(v.action, Action::Go);
    assert_eq!(v.basis, VerdictBasis::Policy);
    let d = decision(&v, "CVE-2019-19844+django");
    assert_eq!((d.action, d.effective), (Action::Stop, Action::Go));
    let by = d.allowlisted.as_ref().expect("allowed");
    assert_eq!(
        (by.allowlist.as_str(), by.item.as_str(), by.reason.as_str()),
        ("accepted", "a1", "not reachable")
    );
    assert_eq!(by.expires.as_deref(), Some("2027-06-30"));
    assert!(v.expired_allowlist_items.is_empty());
}

#[test]
fn allowlist_globs_and_gates() {
    let c = Case::new();
    let v = c.eval(&with_allowlist(&[
        "{id: dj, gate: vulnerabilities, trigger_id: 'CVE-*+django', reason: upgrade planned}",
    ]));
    assert_eq!(decision(&v, "CVE-2019-19844+django").effective, Action::Go);
    assert_eq!(decision(&v, "CVE-2020-7471+django").effective, Action::Go);
    assert_eq!(decision(&v, "CVE-2019-11324+urllib3").effective, Action::Stop);
    assert_eq!(v.action, Action::Stop);
    // An item of another gate does not apply, whatever its trigger id.
    let v = c.eval(&with_allowlist(&[
        "{id: other, gate: packages, trigger_id: '*', reason: wrong gate}",
    ]));
    assert!(v.decisions().all(|d| d.allowlisted.is_none()));
}

#[test]
fn expired_items_stop_applying_and_are_listed() {
    let c = Case::new();
    let v = c.eval(&with_allowlist(&[
        "{id: old, gate: vulnerabilities, trigger_id: CVE-2019-19844+django, reason: was accepted, expires: 2026-01-31}",
        "{id: today, gate: vulnerabilities, trigger_id: CVE-2020-7471+django, reason: last day, expires: 2026-11-23}",
        "{id: hour, gate: vulnerabilities, trigger_id: CVE-2019-11324+urllib3, reason: an hour ago, expires: '2026-11-23T11:00:00Z'}",
    ]));
    assert_eq!(decision(&v, "CVE-2019-19844+django").effective, Action::Stop);
    // A date lasts until the end of its day; an RFC 3339 time ends when it says.
    assert_eq!(decision(&v, "CVE-2020-7471+django").effective, Action::Go);
    assert_eq!(decision(&v, "CVE-2019-11324+urllib3").effective, Action::Stop);
    let expired: Vec<(&str, &str)> = v
        .expired_allowlist_items
        .iter()
        .map(|e| (e.item.as_str(), e.expired.as_str()))
        .collect();
    assert_eq!(expired, [("old", "2026-01-31"), ("hour", "2026-11-23T11:00:00Z")]);
    assert_eq!(v.expired_allowlist_items[0].trigger_id, "CVE-2019-19844+django");
    assert_eq!(v.action, Action::Stop);
}

const MAPPED: &str = r#"version: "1"
id: m
policies:
  - id: strict
    rules: [{gate: always, trigger: always, action: stop}]
  - id: lax
    rules: [{gate: always, trigger: always, action: warn}]
allowlists:
  - id: web-ok
    items: [{id: w, gate: always, trigger_id: always, reason: web is special}]
mappings:
  - {name: web, registry: "*", repository: "acme/web", tag: "*", policy_ids: [strict], allowlist_ids: [web-ok]}
  - {name: acme, registry: "*", repository: "acme/*", tag: "*", policy_ids: [lax]}
  - {name: also-web, registry: "*", repository: "acme/web", tag: "*", policy_ids: [lax]}
"#;

#[test]
fn mappings_first_match_wins() {
    let b = Bundle::parse(MAPPED, "m.yaml").expect("valid");
    let mut c = Case::new();
    c.image = "registry.acme.io/acme/web:1.4";
    let v = c.eval(&b);
    assert_eq!(v.mapping.as_deref(), Some("web"));
    assert_eq!(
        v.policies.iter().map(|p| p.policy_id.as_str()).collect::<Vec<_>>(),
        ["strict"]
    );
    // The mapping's allowlist applies.
    assert_eq!(v.action, Action::Go);
    c.image = "registry.acme.io/acme/api:2";
    let v = c.eval(&b);
    assert_eq!(v.mapping.as_deref(), Some("acme"));
    assert_eq!(
        v.policies.iter().map(|p| p.policy_id.as_str()).collect::<Vec<_>>(),
        ["lax"]
    );
    assert_eq!(v.action, Action::Warn);
    // No mapping matches: every policy and allowlist applies.
    c.image = "nginx:1.27";
    let v = c.eval(&b);
    assert_eq!(v.mapping, None);
    assert_eq!(v.policies.len(), 2);
    assert_eq!(v.action, Action::Go, "both always decisions are allowlisted by web-ok");
}

#[test]
fn image_deny_and_allow_lists() {
    let text = r#"version: "1"
id: lists
policies:
  - id: p
    rules: [{gate: always, trigger: always, action: warn}]
allowlisted_images: [{name: trusted, registry: "*", repository: "acme/base-*", tag: "*"}]
denylisted_images: [{registry: "*", repository: "*", tag: latest}]
"#;
    let b = Bundle::parse(text, "l.yaml").expect("valid");
    let mut c = Case::new();
    c.image = "acme/base-python:3.12";
    let v = c.eval(&b);
    assert_eq!((v.action, v.basis), (Action::Go, VerdictBasis::Allowlisted));
    assert_eq!(
        v.policies[0].action,
        Action::Warn,
        "policies are still evaluated and shown"
    );
    c.image = "acme/web";
    let v = c.eval(&b);
    assert_eq!((v.action, v.basis), (Action::Stop, VerdictBasis::Denylisted));
    assert_eq!(v.image.tag, "latest");
    // On both lists: deny wins.
    c.image = "acme/base-python:latest";
    let v = c.eval(&b);
    assert_eq!((v.action, v.basis), (Action::Stop, VerdictBasis::Denylisted));
    c.image = "acme/web:1.4";
    let v = c.eval(&b);
    assert_eq!((v.action, v.basis), (Action::Warn, VerdictBasis::Policy));
}

#[test]
fn worst_decision_and_worst_policy() {
    let text = r#"version: "1"
id: w
policies:
  - id: warns
    rules:
      - {gate: always, trigger: always, action: go}
      - {gate: image_config, trigger: no_healthcheck, action: warn}
  - id: quiet
    rules:
      - {gate: passwd, trigger: denylist_usernames, action: stop, params: {usernames: ftp}}
"#;
    let v = Case::new().eval(&Bundle::parse(text, "w.yaml").expect("valid"));
    assert_eq!(v.policies[0].action, Action::Warn);
    assert_eq!(v.policies[1].action, Action::Go);
    assert!(v.policies[1].decisions.is_empty());
    assert_eq!(v.action, Action::Warn);
    let v = Case::new().eval(&bundle(&[HIGH_FIXED, &rule("always", "always", "warn", "")]));
    assert_eq!(v.action, Action::Stop);
    assert_eq!(v.policies[0].action, Action::Stop);
}

#[test]
fn evaluation_errors_warn() {
    let mut b = bundle(&[&rule("always", "always", "go", "")]);
    let mut params = BTreeMap::new();
    params.insert("max_days_since_sync".to_string(), "soon".to_string());
    b.policies.push(Policy {
        id: "coded".to_string(),
        name: String::new(),
        rules: vec![
            Rule {
                id: "bad-param".to_string(),
                gate: "vulnerabilities".to_string(),
                trigger: "stale_feed_data".to_string(),
                action: Action::Go,
                params,
                at: Default::default(),
            },
            Rule {
                id: "bad-gate".to_string(),
                gate: "malware".to_string(),
                trigger: "scan".to_string(),
                action: Action::Stop,
                params: BTreeMap::new(),
                at: Default::default(),
            },
        ],
    });
    let v = Case::new().eval(&b);
    let errors: Vec<_> = v.decisions().filter(|d| d.trigger_id == "evaluation_error").collect();
    assert_eq!(errors.len(), 2);
    assert!(errors.iter().all(|d| d.effective == Action::Warn));
    assert!(
        errors[0].message.contains("max_days_since_sync"),
        "{}",
        errors[0].message
    );
    assert!(
        errors[1].message.contains("unknown gate malware"),
        "{}",
        errors[1].message
    );
    assert_eq!(v.action, Action::Warn);
}

#[test]
fn layers_from_the_history() {
    let c = Case::new();
    let v = c.eval(&bundle(&[
        "{gate: vulnerabilities, trigger: package, action: warn}",
        "{gate: image_config, trigger: instruction, action: warn, params: {instruction: RUN, check: exists}}",
        "{gate: image_config, trigger: exposed_ports, action: warn, params: {ports: '8000'}}",
    ]));
    assert_eq!(
        v.base,
        Some(BaseLayers {
            count: 2,
            how: "history".to_string()
        })
    );
    let part = |id: &str| {
        let l = decision(&v, id).layer.clone().expect("layer");
        (l.index, l.part)
    };
    assert_eq!(part("CVE-2019-19844+django"), (3, Some(Part::Application)));
    assert_eq!(part("CVE-2024-0727+openssl"), (1, Some(Part::Base)));
    assert_eq!(
        part("RUN:apt-get update && apt-get install -y python3 python3-pip"),
        (1, Some(Part::Base))
    );
    assert_eq!(
        part("RUN:pip install -r requirements.txt"),
        (3, Some(Part::Application))
    );
    assert_eq!(part("port:8000/tcp"), (3, Some(Part::Application)));
    assert_eq!(
        decision(&v, "CVE-2024-0727+openssl")
            .layer
            .as_ref()
            .and_then(|l| l.diff_id.clone()),
        Some(diff_id(1).to_string())
    );
}

#[test]
fn layers_from_a_given_base_or_none() {
    let mut c = Case::new();
    c.base = Some(BaseLayers {
        count: 3,
        how: "--base registry.acme.io/acme/python-base:3.11".to_string(),
    });
    let b = bundle(&[&rule("packages", "denylist", "warn", "name: '*'")]);
    let v = c.eval(&b);
    let part = |v: &Verdict, id: &str| decision(v, id).layer.as_ref().and_then(|l| l.part);
    assert_eq!(part(&v, "lodash"), Some(Part::Base));
    assert_eq!(part(&v, "django"), Some(Part::Application));
    assert_eq!(v.base.as_ref().map(|b| b.count), Some(3));
    // No history and no --base: layers are known, parts are not.
    c.base = None;
    if let Some(cfg) = c.sbom.config.as_mut() {
        cfg.history.clear();
    }
    let v = c.eval(&b);
    assert_eq!(v.base, None);
    let l = decision(&v, "django").layer.clone().expect("layer");
    assert_eq!((l.index, l.part), (3, None));
}

#[test]
fn fix_advice_per_package() {
    let c = Case::new();
    let v = c.eval(&bundle(&[
        "{gate: vulnerabilities, trigger: package, action: stop, params: {severity: low}}",
    ]));
    let advice: Vec<(&str, &str, &str, Vec<&str>)> = v
        .fix_advice
        .iter()
        .map(|a| {
            (
                a.package.as_str(),
                a.installed.as_str(),
                a.upgrade_to.as_str(),
                a.clears.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        advice,
        [
            // 2.2.10 fixes both (2.2.9 only the first); PEP 440 orders 2.2.10 above 2.2.9.
            ("django", "2.2.0", "2.2.10", vec!["CVE-2019-19844", "CVE-2020-7471"]),
            ("openssl", "3.0.11-1~deb12u1", "3.0.13-1~deb12u1", vec!["CVE-2024-0727"]),
            ("urllib3", "1.24.1", "1.26.18", vec!["CVE-2019-11324", "CVE-2023-45803"]),
        ]
    );
    // Allowlisted decisions need no upgrade; a package without any fix gets no advice.
    let v = c.eval(&with_allowlist(&[
        "{id: dj, gate: vulnerabilities, trigger_id: '*+django', reason: r}",
    ]));
    assert_eq!(v.fix_advice.len(), 1);
    assert_eq!(v.fix_advice[0].package, "urllib3");
    assert_eq!(v.fix_advice[0].upgrade_to, "1.24.2");
}

#[test]
fn fix_advice_in_semver_order() {
    let mut c = Case::new();
    let lodash = pkg("lodash");
    let f = |id: &str, fixed: &str| finding(id, &lodash, "high", None, None, &[fixed], Some(fixed), "SemVer");
    c.report = Some(report(vec![
        f("CVE-2018-3721", "4.17.5"),
        f("CVE-2019-10744", "4.17.12"),
        f("CVE-2018-16487", "4.17.11"),
        f("GHSA-pre", "4.17.12-rc.1"),
    ]));
    let v = c.eval(&bundle(&[HIGH_FIXED]));
    assert_eq!(
        v.fix_advice,
        [FixAdvice {
            package: "lodash".to_string(),
            package_type: PackageType::Npm.to_string(),
            installed: "4.17.4".to_string(),
            // SemVer: 4.17.12 is above 4.17.5 and 4.17.11 (text order says otherwise) and
            // above its own pre-release 4.17.12-rc.1.
            upgrade_to: "4.17.12".to_string(),
            clears: vec![
                "CVE-2018-16487".to_string(),
                "CVE-2018-3721".to_string(),
                "CVE-2019-10744".to_string(),
                "GHSA-pre".to_string()
            ],
        }]
    );
}

/// The benchmark image: Django 2.2.0 and urllib3 1.24.1 with fixed critical and high findings,
/// no secrets, no USER, no HEALTHCHECK, port 8000.
fn benchmark() -> Case {
    let mut c = Case::new();
    if let Some(a) = c.sbom.analysis.as_mut() {
        a.secrets.clear();
    }
    c
}

fn default_with_allowlist(expires: &str) -> Bundle {
    let text = format!(
        "{}allowlists:\n  - id: accepted\n    items:\n{}",
        vigil_policy::DEFAULT_BUNDLE_YAML,
        ["CVE-2019-19844+django", "CVE-2020-7471+django", "CVE-2019-11324+urllib3"]
            .iter()
            .enumerate()
            .map(|(i, id)| format!("      - {{id: a{i}, gate: vulnerabilities, trigger_id: '{id}', reason: accepted until the upgrade, expires: {expires}}}\n"))
            .collect::<String>()
    );
    Bundle::parse(&text, "default-plus.yaml").expect("valid")
}

#[test]
fn default_bundle_stops_the_benchmark_image() {
    let c = benchmark();
    let v = c.eval(&Bundle::default_bundle());
    assert_eq!(v.bundle_id, "vigil-default");
    assert_eq!(v.action, Action::Stop);
    let stops: Vec<&str> = v
        .decisions()
        .filter(|d| d.effective == Action::Stop)
        .map(|d| d.trigger_id.as_str())
        .collect();
    assert_eq!(
        stops,
        [
            "CVE-2019-19844+django",
            "CVE-2020-7471+django",
            "CVE-2019-11324+urllib3"
        ]
    );
    let warns: Vec<&str> = v
        .decisions()
        .filter(|d| d.effective == Action::Warn)
        .map(|d| d.trigger_id.as_str())
        .collect();
    assert_eq!(
        warns,
        [
            "CVE-2023-45803+urllib3",
            "CVE-2024-0727+openssl",
            "user:root",
            "healthcheck"
        ]
    );
    assert_eq!(v.fix_advice.len(), 3);

    // Accepted until next year: no longer STOP (the warnings remain).
    let v = c.eval(&default_with_allowlist("2027-06-30"));
    assert_eq!(v.action, Action::Warn);
    assert!(v.expired_allowlist_items.is_empty());
    assert_eq!(v.decisions().filter(|d| d.allowlisted.is_some()).count(), 3);

    // The acceptance ran out: STOP again, and the report says which items expired.
    let v = c.eval(&default_with_allowlist("2026-06-30"));
    assert_eq!(v.action, Action::Stop);
    let mut expired: Vec<&str> = v
        .expired_allowlist_items
        .iter()
        .map(|e| e.trigger_id.as_str())
        .collect();
    expired.sort();
    assert_eq!(
        expired,
        [
            "CVE-2019-11324+urllib3",
            "CVE-2019-19844+django",
            "CVE-2020-7471+django"
        ]
    );
}

#[test]
fn default_bundle_without_data_warns_and_stops_on_secrets() {
    // No database, no analysis: every gate that needed them says so.
    let mut c = benchmark();
    c.report = None;
    c.db = None;
    c.sbom.analysis = None;
    let v = c.eval(&Bundle::default_bundle());
    assert_eq!(v.action, Action::Warn);
    let unavailable = v.decisions().filter(|d| d.trigger_id == "data_unavailable").count();
    assert_eq!(
        unavailable, 6,
        "three vulnerability rules, two secrets rules, stale data"
    );
    assert_eq!(
        fired(&v, "vulnerabilities", "vulnerability_data_unavailable"),
        ["vulnerability_data_unavailable"]
    );
    // The fixture's private key and AWS key STOP; its GitHub token is a WARN.
    let v = Case::new().eval(&Bundle::default_bundle());
    assert_eq!(
        fired(&v, "secrets", "content_match"),
        [
            "aws-access-key-id:env:AWS_ACCESS_KEY_ID",
            "github-pat:/app/.env",
            "private-key:/root/.ssh/id_rsa"
        ]
    );
    let action_of = |id: &str| v.decisions().find(|d| d.trigger_id == id).map(|d| d.action);
    assert_eq!(action_of("private-key:/root/.ssh/id_rsa"), Some(Action::Stop));
    assert_eq!(action_of("github-pat:/app/.env"), Some(Action::Warn));
}

#[test]
fn verdicts_serialise() {
    let v = benchmark().eval(&Bundle::default_bundle());
    let json = serde_json::to_value(&v).expect("json");
    assert_eq!(json["action"], "stop");
    assert_eq!(json["basis"], "policy");
    assert_eq!(json["evaluated_at"], "2026-11-23T12:00:00Z");
    assert_eq!(json["policies"][0]["decisions"][0]["layer"]["part"], "application");
    let back: Verdict = serde_json::from_value(json).expect("reads back");
    assert_eq!(back, v);
}
