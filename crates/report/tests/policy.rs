//! The policy verdict in every format, from verdicts built here over the real match run of
//! `common`: several gates with STOP, WARN-only, allowlisted, expired allowlist items, fix advice,
//! a deny-listed image. The table is read line by line, the JSON read back into a `Verdict`,
//! SARIF validated against the SARIF 2.1.0 schema, JUnit parsed by a strict XML parser.

mod common;

use common::*;
use serde_json::Value;
use vigil_policy::{
    Action, AllowedBy, BaseLayers, Decision, ExpiredItem, FixAdvice, ImageRef, LayerRef, Part, PolicyResult, Verdict,
    VerdictBasis,
};
use vigil_report::{Format, RenderOptions, Scan};
use vigil_sbom::Sbom;
use vigil_types::Severity;

fn layer(index: usize, part: Option<Part>) -> Option<LayerRef> {
    Some(LayerRef {
        index,
        diff_id: Some(format!("sha256:{:064x}", index + 1)),
        part,
    })
}

/// A decision of policy `default` whose action is not changed by an allowlist.
fn decision(gate: &str, trigger: &str, trigger_id: &str, action: Action, subject: &str, message: &str) -> Decision {
    Decision {
        policy_id: "default".into(),
        rule_id: format!("{gate}-{trigger}"),
        gate: gate.into(),
        trigger: trigger.into(),
        trigger_id: trigger_id.into(),
        action,
        effective: action,
        allowlisted: None,
        message: message.into(),
        subject: subject.into(),
        layer: None,
        fix: None,
    }
}

fn vulnerability(id: &str, package: &str, subject: &str, severity: &str, fix: &str, layer_at: usize) -> Decision {
    Decision {
        layer: layer(layer_at, Some(Part::Application)),
        fix: Some(fix.into()),
        ..decision(
            "vulnerabilities",
            "package",
            &format!("{id}+{package}"),
            Action::Stop,
            subject,
            &format!("{severity} vulnerability {id} in {subject}, fixed in {fix}"),
        )
    }
}

fn image() -> ImageRef {
    ImageRef {
        registry: "docker.io".into(),
        repository: "acme/app".into(),
        tag: "1.0".into(),
        digest: None,
    }
}

fn verdict(action: Action, policies: Vec<PolicyResult>) -> Verdict {
    Verdict {
        bundle_id: "vigil-default".into(),
        bundle_name: "Vigil default".into(),
        image: image(),
        action,
        basis: VerdictBasis::Policy,
        mapping: Some("default".into()),
        policies,
        expired_allowlist_items: Vec::new(),
        fix_advice: Vec::new(),
        base: None,
        evaluated_at: "2025-05-12T12:00:00Z".into(),
    }
}

fn policy(id: &str, name: &str, action: Action, decisions: Vec<Decision>) -> PolicyResult {
    PolicyResult {
        policy_id: id.into(),
        name: name.into(),
        action,
        decisions,
    }
}

/// The long message of the secret decision, with a control character a hostile file name brings.
const SECRET_MESSAGE: &str =
    "RSA private key in /root/.ssh/\u{1b}[31mid_rsa (layer 4, still in the final image); remove it and rotate the key";

/// STOP from four gates: vulnerabilities (Django twice, log4j-core by its SBOM package id),
/// packages (a deny-listed lodash), secrets (a private key file) and image config (SSH exposed);
/// two WARNs, one allowlisted vulnerability, an expired allowlist item and fix advice that
/// clears three of the six STOP decisions. A second policy fired nothing.
fn stop_verdict(sbom: &Sbom) -> Verdict {
    let log4j_id = sbom
        .packages
        .iter()
        .find(|p| p.name == "log4j-core")
        .map(|p| p.id.clone())
        .expect("log4j-core in the SBOM");
    let mut log4j = vulnerability("CVE-2021-44228", "log4j-core", &log4j_id, "critical", "2.15.0", 5);
    log4j.message = "critical vulnerability CVE-2021-44228 in log4j-core 2.14.1 (KEV), fixed in 2.15.0".into();
    let allowed = Decision {
        effective: Action::Go,
        allowlisted: Some(AllowedBy {
            allowlist: "global".into(),
            item: "django-admindocs".into(),
            reason: "the admindocs app is not installed".into(),
            expires: Some("2027-01-01".into()),
        }),
        ..vulnerability("CVE-2021-33203", "django", "django 2.2", "medium", "2.2.24", 3)
    };
    let decisions = vec![
        vulnerability("CVE-2019-19844", "django", "django 2.2", "critical", "2.2.9", 3),
        vulnerability("CVE-2022-28346", "django", "django 2.2", "critical", "2.2.28", 3),
        log4j,
        Decision {
            layer: layer(4, Some(Part::Application)),
            ..decision(
                "packages",
                "denylist",
                "lodash",
                Action::Stop,
                "lodash",
                "package lodash 4.17.11 is deny-listed",
            )
        },
        Decision {
            layer: layer(4, Some(Part::Application)),
            ..decision(
                "secrets",
                "private_key",
                "/root/.ssh/id_rsa",
                Action::Stop,
                "/root/.ssh/id_rsa",
                SECRET_MESSAGE,
            )
        },
        decision(
            "image_config",
            "exposed_ports",
            "22/tcp",
            Action::Stop,
            "22/tcp",
            "port 22/tcp (SSH) is exposed",
        ),
        decision(
            "image_config",
            "effective_user",
            "root",
            Action::Warn,
            "root",
            "the image runs as root",
        ),
        Decision {
            layer: layer(0, Some(Part::Base)),
            ..decision(
                "image_config",
                "no_healthcheck",
                "HEALTHCHECK",
                Action::Warn,
                "HEALTHCHECK",
                "the image has no HEALTHCHECK",
            )
        },
        allowed,
    ];
    let mut v = verdict(
        Action::Stop,
        vec![
            policy("default", "Default policy", Action::Stop, decisions),
            policy("licenses", "", Action::Go, Vec::new()),
        ],
    );
    v.expired_allowlist_items = vec![ExpiredItem {
        allowlist: "global".into(),
        item: "old-log4j".into(),
        trigger_id: "CVE-2021-44228+log4j-core".into(),
        expired: "2025-01-01".into(),
        reason: "waiting for the vendor's build".into(),
    }];
    v.fix_advice = vec![
        FixAdvice {
            package: "django".into(),
            package_type: "python".into(),
            installed: "2.2".into(),
            upgrade_to: "2.2.28".into(),
            clears: vec!["CVE-2019-19844".into(), "CVE-2022-28346".into()],
        },
        FixAdvice {
            package: "log4j-core".into(),
            package_type: "java-archive".into(),
            installed: "2.14.1".into(),
            upgrade_to: "2.15.0".into(),
            clears: vec!["CVE-2021-44228".into()],
        },
    ];
    v.base = Some(BaseLayers {
        count: 3,
        how: "history".into(),
    });
    v
}

/// Only the two vulnerability STOPs of Django, both cleared by one upgrade.
fn fixable_verdict() -> Verdict {
    let mut v = verdict(
        Action::Stop,
        vec![policy(
            "default",
            "",
            Action::Stop,
            vec![
                vulnerability("CVE-2019-19844", "django", "django 2.2", "critical", "2.2.9", 3),
                vulnerability("CVE-2022-28346", "django", "django 2.2", "critical", "2.2.28", 3),
            ],
        )],
    );
    v.fix_advice = vec![FixAdvice {
        package: "django".into(),
        package_type: "python".into(),
        installed: "2.2".into(),
        upgrade_to: "2.2.28".into(),
        clears: vec!["CVE-2019-19844".into(), "CVE-2022-28346".into()],
    }];
    v
}

fn warn_verdict() -> Verdict {
    verdict(
        Action::Warn,
        vec![policy(
            "default",
            "Default policy",
            Action::Warn,
            vec![
                decision(
                    "image_config",
                    "effective_user",
                    "root",
                    Action::Warn,
                    "root",
                    "the image runs as root",
                ),
                decision(
                    "vulnerabilities",
                    "stale_feed_data",
                    "vulndb",
                    Action::Warn,
                    "vulndb",
                    "the vulnerability data is 12 days old (limit 7)",
                ),
            ],
        )],
    )
}

/// Every decision allowlisted: the verdict is GO.
fn allowlisted_verdict() -> Verdict {
    let allow = |d: Decision, item: &str, reason: &str| Decision {
        effective: Action::Go,
        allowlisted: Some(AllowedBy {
            allowlist: "team".into(),
            item: item.into(),
            reason: reason.into(),
            expires: None,
        }),
        ..d
    };
    verdict(
        Action::Go,
        vec![policy(
            "default",
            "",
            Action::Go,
            vec![
                allow(
                    vulnerability("CVE-2019-19844", "django", "django 2.2", "critical", "2.2.9", 3),
                    "django-reset",
                    "password reset is disabled",
                ),
                allow(
                    decision(
                        "image_config",
                        "exposed_ports",
                        "22/tcp",
                        Action::Stop,
                        "22/tcp",
                        "port 22/tcp (SSH) is exposed",
                    ),
                    "ssh-bastion",
                    "a bastion \"image\" <needs> SSH & more",
                ),
            ],
        )],
    )
}

fn scan<'a>(sbom: &'a Sbom, report: &'a vigil_match::MatchReport, v: Option<&'a Verdict>) -> Scan<'a> {
    Scan {
        sbom,
        report,
        db: None,
        verdict: v,
    }
}

/// The lines from the one that starts with `header` up to the next blank line.
fn block<'t>(text: &'t str, header: &str) -> Vec<&'t str> {
    text.lines()
        .skip_while(|l| *l != header)
        .skip(1)
        .take_while(|l| !l.is_empty())
        .collect()
}

#[test]
fn table_shows_the_verdict_decisions_by_action_expired_items_and_fix_advice() {
    let (_dir, db) = db();
    let sbom = sbom();
    let r = report(&db, &sbom, false);
    let v = stop_verdict(&sbom);
    let t = rendered(&scan(&sbom, &r, Some(&v)), Format::Table, RenderOptions::default());
    let plain = rendered(&scan(&sbom, &r, None), Format::Table, RenderOptions::default());
    assert!(t.starts_with(&plain), "the findings come first, unchanged");
    assert!(!plain.contains("Policy verdict"), "{plain}");

    let policy = &t[plain.len()..];
    let lines: Vec<&str> = policy.lines().collect();
    assert_eq!(lines[0], "");
    assert_eq!(
        lines[1],
        "Policy verdict: STOP  bundle Vigil default (vigil-default), mapping default, basis policy"
    );
    assert_eq!(
        lines[2],
        "  policy default (Default policy): STOP (6 STOP, 2 WARN, 1 GO)"
    );
    assert_eq!(lines[3], "  policy licenses: GO (no decisions)");
    assert_eq!(lines[4], "  base image: the bottom 3 layers (from history)");

    // Groups in order: STOP, WARN, GO; two policies, so each row names its policy.
    let heads: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("STOP (") || l.starts_with("WARN (") || l.starts_with("GO ("))
        .collect();
    assert_eq!(heads, ["STOP (6)", "WARN (2)", "GO (1, 1 allowlisted)"]);
    let stop = block(policy, "STOP (6)");
    assert_eq!(
        stop[0].split_whitespace().collect::<Vec<_>>(),
        ["POLICY", "GATE", "TRIGGER", "TRIGGER-ID", "MESSAGE", "LAYER"]
    );
    assert_eq!(stop.len(), 7);
    assert!(
        stop[1].starts_with("default  vulnerabilities  package        CVE-2019-19844+django"),
        "{}",
        stop[1]
    );
    assert!(stop[1].contains("critical vulnerability CVE-2019-19844 in django 2.2, fixed in 2.2.9"));
    assert!(stop[1].ends_with("  3 (app)"), "{}", stop[1]);
    // The secret's message is cut at 72 characters, its escape character shown escaped.
    let secret = stop.iter().find(|l| l.contains("private_key")).expect("secret row");
    assert!(
        secret.contains("  RSA private key in /root/.ssh/\\u{1b}[31mid_rsa (layer 4, still in the f…  4 (app)"),
        "{secret}"
    );
    assert!(secret.ends_with("  4 (app)"), "{secret}");
    let ssh = stop.iter().find(|l| l.contains("exposed_ports")).expect("ssh row");
    assert!(ssh.ends_with("port 22/tcp (SSH) is exposed"), "no layer: {ssh}");

    let warn = block(policy, "WARN (2)");
    assert_eq!(warn.len(), 3);
    assert!(warn[1].contains("effective_user  root"), "{}", warn[1]);
    assert!(
        warn[2].ends_with("the image has no HEALTHCHECK  0 (base)"),
        "{}",
        warn[2]
    );

    let go = block(policy, "GO (1, 1 allowlisted)");
    assert_eq!(
        go[0].split_whitespace().collect::<Vec<_>>(),
        [
            "POLICY",
            "GATE",
            "TRIGGER",
            "TRIGGER-ID",
            "LAYER",
            "ALLOWLISTED-BY",
            "REASON"
        ]
    );
    assert_eq!(
        go[1]
            .split("  ")
            .filter(|c| !c.is_empty())
            .map(str::trim)
            .collect::<Vec<_>>(),
        [
            "default",
            "vulnerabilities",
            "package",
            "CVE-2021-33203+django",
            "3 (app)",
            "global/django-admindocs (until 2027-01-01)",
            "the admindocs app is not installed"
        ]
    );

    assert!(policy.contains(
        "\nwarning: allowlist global item old-log4j (CVE-2021-44228+log4j-core) expired on 2025-01-01 and no longer applies (waiting for the vendor's build)\n"
    ), "{policy}");
    let advice = block(policy, "Fix advice:");
    assert_eq!(
        advice,
        [
            "  django 2.2 → 2.2.28 (clears 2)",
            "  log4j-core 2.14.1 → 2.15.0 (clears 1)",
            "upgrading these 2 packages clears 3 of 6 STOP decisions; 3 remain",
        ]
    );
}

#[test]
fn table_says_when_the_upgrades_clear_the_gate() {
    let (_dir, db) = db();
    let sbom = sbom();
    let r = report(&db, &sbom, false);
    let v = fixable_verdict();
    let t = rendered(&scan(&sbom, &r, Some(&v)), Format::Table, RenderOptions::default());
    assert_eq!(
        block(&t, "Fix advice:"),
        [
            "  django 2.2 → 2.2.28 (clears 2)",
            "upgrading this package clears the gate"
        ]
    );
    // One policy: no POLICY column.
    assert_eq!(
        block(&t, "STOP (2)")[0].split_whitespace().collect::<Vec<_>>(),
        ["GATE", "TRIGGER", "TRIGGER-ID", "MESSAGE", "LAYER"]
    );
    assert!(t.contains("Policy verdict: STOP  bundle Vigil default (vigil-default), mapping default, basis policy\n  policy default: STOP (2 STOP)\n"), "{t}");
}

#[test]
fn table_of_a_warn_only_and_an_allowlisted_verdict() {
    let (_dir, db) = db();
    let sbom = sbom();
    let r = report(&db, &sbom, false);
    let v = warn_verdict();
    let t = rendered(&scan(&sbom, &r, Some(&v)), Format::Table, RenderOptions::default());
    assert!(t.contains("Policy verdict: WARN  bundle"), "{t}");
    assert!(!t.contains("\nSTOP (") && !t.contains("\nGO ("), "{t}");
    assert_eq!(block(&t, "WARN (2)").len(), 3);
    assert!(!t.contains("Fix advice"), "{t}");

    let v = allowlisted_verdict();
    let t = rendered(&scan(&sbom, &r, Some(&v)), Format::Table, RenderOptions::default());
    assert!(t.contains("Policy verdict: GO  bundle"), "{t}");
    assert!(t.contains("  policy default: GO (2 GO)\n"), "{t}");
    let go = block(&t, "GO (2, 2 allowlisted)");
    assert_eq!(go.len(), 3);
    assert!(
        go[2].ends_with("team/ssh-bastion   a bastion \"image\" <needs> SSH & more"),
        "{}",
        go[2]
    );

    let mut empty = verdict(Action::Go, vec![policy("default", "", Action::Go, Vec::new())]);
    empty.mapping = None;
    let t = rendered(&scan(&sbom, &r, Some(&empty)), Format::Table, RenderOptions::default());
    assert!(t.ends_with(
        "Policy verdict: GO  bundle Vigil default (vigil-default), basis policy\n  policy default: GO (no decisions)\n\nno policy trigger fired\n"
    ), "{t}");
}

#[test]
fn json_has_the_verdict_under_policy() {
    let (_dir, db) = db();
    let sbom = sbom();
    let r = report(&db, &sbom, false);
    let v = stop_verdict(&sbom);
    let doc = json(&scan(&sbom, &r, Some(&v)), Format::Json, RenderOptions::default());
    assert_eq!(doc["schema_version"], 1);
    let p = &doc["policy"];
    assert_eq!(p["action"], "stop");
    assert_eq!(p["basis"], "policy");
    assert_eq!(p["policies"][0]["decisions"].as_array().map(Vec::len), Some(9));
    assert_eq!(
        p["policies"][0]["decisions"][8]["allowlisted"]["item"],
        "django-admindocs"
    );
    assert_eq!(p["expired_allowlist_items"][0]["item"], "old-log4j");
    assert_eq!(p["fix_advice"][1]["upgrade_to"], "2.15.0");
    let back: Verdict = serde_json::from_value(p.clone()).expect("a Verdict");
    assert_eq!(back, v);
    // The rest of the document is what it is without a verdict.
    let mut without = doc.clone();
    if let Some(o) = without.as_object_mut() {
        o.remove("policy");
    }
    let plain = json(&scan(&sbom, &r, None), Format::Json, RenderOptions::default());
    assert!(plain.get("policy").is_none());
    assert_eq!(without, plain);
}

fn results_by_rule<'a>(run: &'a Value, prefix: &str) -> Vec<&'a Value> {
    run["results"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .filter(|r| r["ruleId"].as_str().is_some_and(|id| id.starts_with(prefix)))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn sarif_has_a_rule_per_gate_and_trigger_and_a_result_per_decision() {
    let (_dir, db) = db();
    let sbom = sbom();
    let r = report(&db, &sbom, false);
    let validator = sarif_validator();
    let v = stop_verdict(&sbom);
    for verdict in [&v, &warn_verdict(), &allowlisted_verdict(), &fixable_verdict()] {
        for show_suppressed in [false, true] {
            let options = RenderOptions {
                show_suppressed,
                ..RenderOptions::default()
            };
            let doc = json(&scan(&sbom, &r, Some(verdict)), Format::Sarif, options);
            assert_eq!(errors(&validator, &doc), Vec::<String>::new());
            let plain = json(&scan(&sbom, &r, None), Format::Sarif, options);
            // The vulnerability rules and results come first, unchanged.
            let (run, before) = (&doc["runs"][0], &plain["runs"][0]);
            let n = before["results"].as_array().map_or(0, Vec::len);
            assert_eq!(
                run["results"].as_array().map(|rs| rs[..n].to_vec()),
                before["results"].as_array().cloned()
            );
            let k = before["tool"]["driver"]["rules"].as_array().map_or(0, Vec::len);
            let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
            assert_eq!(
                rules[..k].to_vec(),
                before["tool"]["driver"]["rules"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            );
            assert_eq!(
                run["results"].as_array().map(Vec::len),
                Some(n + verdict.decisions().count())
            );
            for res in results_by_rule(run, "policy/") {
                let rule = &rules[res["ruleIndex"].as_u64().expect("index") as usize];
                assert_eq!(rule["id"], res["ruleId"]);
            }
        }
    }

    let doc = json(&scan(&sbom, &r, Some(&v)), Format::Sarif, RenderOptions::default());
    let run = &doc["runs"][0];
    let rules: Vec<&Value> = run["tool"]["driver"]["rules"]
        .as_array()
        .map(|rs| {
            rs.iter()
                .filter(|r| r["id"].as_str().is_some_and(|id| id.starts_with("policy/")))
                .collect()
        })
        .unwrap_or_default();
    let ids: Vec<&str> = rules.iter().filter_map(|r| r["id"].as_str()).collect();
    assert_eq!(
        ids,
        [
            "policy/vulnerabilities/package",
            "policy/packages/denylist",
            "policy/secrets/private_key",
            "policy/image_config/exposed_ports",
            "policy/image_config/effective_user",
            "policy/image_config/no_healthcheck"
        ]
    );
    assert_eq!(rules[0]["defaultConfiguration"]["level"], "error");
    assert_eq!(rules[4]["defaultConfiguration"]["level"], "warning");
    let described = vigil_policy::gates()
        .iter()
        .flat_map(|g| g.triggers.iter().map(move |t| (g.name, t.name, t.description)))
        .find(|(g, t, _)| *g == "vulnerabilities" && *t == "package");
    let short = rules[0]["shortDescription"]["text"].as_str().expect("text");
    match described {
        Some((_, _, d)) => assert_eq!(short, format!("vulnerabilities / package: {d}")),
        None => assert_eq!(short, "Policy gate vulnerabilities, trigger package"),
    }

    let policy = results_by_rule(run, "policy/");
    assert_eq!(policy.len(), 9);
    let levels: Vec<&str> = policy.iter().filter_map(|r| r["level"].as_str()).collect();
    assert_eq!(
        levels,
        ["error", "error", "error", "error", "error", "error", "warning", "warning", "error"]
    );
    let uri = |r: &Value| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].clone();
    // Django by name (the subject's lower case), log4j-core by its SBOM id, lodash by name.
    assert_eq!(
        uri(policy[0]),
        "usr/local/lib/python3.11/dist-packages/Django-2.2.dist-info/METADATA"
    );
    assert_eq!(uri(policy[2]), "opt/app/lib/log4j%20core%202.14.1.jar");
    assert_eq!(uri(policy[3]), "srv/app/node_modules/lodash/package.json");
    assert_eq!(uri(policy[4]), "root/.ssh/id_rsa");
    // Image-level decisions are located at the image only.
    assert!(policy[5]["locations"][0].get("physicalLocation").is_none());
    assert_eq!(policy[5]["locations"][0]["logicalLocations"][0]["name"], "acme/app:1.0");
    assert_eq!(policy[5]["locations"][0]["logicalLocations"][0]["kind"], "image");

    let first = policy[0];
    assert_eq!(first["properties"]["action"], "STOP");
    assert_eq!(first["properties"]["triggerId"], "CVE-2019-19844+django");
    assert_eq!(first["properties"]["layer"], 3);
    assert_eq!(first["properties"]["layerPart"], "app");
    assert_eq!(first["properties"]["fixedVersion"], "2.2.9");
    assert_eq!(
        first["message"]["text"],
        "STOP: critical vulnerability CVE-2019-19844 in django 2.2, fixed in 2.2.9 (policy default, rule vulnerabilities-package)"
    );
    assert!(first["partialFingerprints"]["vigilPolicyHash/v1"]
        .as_str()
        .is_some_and(|h| h.len() == 64));
    assert!(first.get("suppressions").is_none());

    let allowed = policy[8];
    assert_eq!(allowed["properties"]["action"], "GO");
    assert_eq!(allowed["properties"]["ruleAction"], "STOP");
    assert_eq!(allowed["suppressions"][0]["kind"], "external");
    assert_eq!(allowed["suppressions"][0]["status"], "accepted");
    assert_eq!(
        allowed["suppressions"][0]["justification"],
        "allowlist global item django-admindocs: the admindocs app is not installed (until 2027-01-01)"
    );
    assert_eq!(policy.iter().filter(|r| r.get("suppressions").is_some()).count(), 1);

    let summary = &run["properties"]["policy"];
    assert_eq!(summary["verdict"], "STOP");
    assert_eq!(summary["decisions"], 9);
    assert_eq!(summary["expiredAllowlistItems"], 1);
    assert_eq!(summary["fixAdvice"]["remaining"], 3);
    assert_eq!(summary["fixAdvice"]["clearsGate"], false);
}

/// The attribute `name` of `n` as a number.
fn count(n: roxmltree::Node<'_, '_>, name: &str) -> usize {
    n.attribute(name)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{} has no numeric {name}", n.tag_name().name()))
}

fn elements<'a, 'i>(n: roxmltree::Node<'a, 'i>, tag: &'static str) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> {
    n.children()
        .filter(move |c| c.is_element() && c.tag_name().name() == tag)
}

/// Parses the JUnit XML strictly and checks that every count attribute is what the test cases
/// say; returns the document's text for further checks.
fn checked_junit(xml: &str) -> roxmltree::Document<'_> {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("not well-formed: {e}\n{xml}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let (mut tests, mut failures, mut skipped) = (0, 0, 0);
    for suite in elements(root, "testsuite") {
        let cases: Vec<_> = elements(suite, "testcase").collect();
        let with = |tag: &'static str| cases.iter().filter(|c| elements(**c, tag).next().is_some()).count();
        assert_eq!(count(suite, "tests"), cases.len());
        assert_eq!(count(suite, "failures"), with("failure"));
        assert_eq!(count(suite, "skipped"), with("skipped"));
        assert_eq!(count(suite, "errors"), 0);
        for c in &cases {
            assert!(c.attribute("classname").is_some() && c.attribute("name").is_some());
            let outcomes = elements(*c, "failure").count() + elements(*c, "skipped").count();
            assert!(outcomes <= 1, "a case fails, is skipped, or passes");
        }
        tests += cases.len();
        failures += with("failure");
        skipped += with("skipped");
    }
    assert_eq!(count(root, "tests"), tests);
    assert_eq!(count(root, "failures"), failures);
    assert_eq!(count(root, "skipped"), skipped);
    doc
}

#[test]
fn junit_has_a_suite_per_policy_and_a_case_per_decision() {
    let (_dir, db) = db();
    let sbom = sbom();
    let r = report(&db, &sbom, false);
    let v = stop_verdict(&sbom);
    let xml = rendered(&scan(&sbom, &r, Some(&v)), Format::Junit, RenderOptions::default());
    assert!(
        xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "),
        "{xml}"
    );
    let doc = checked_junit(&xml);
    let root = doc.root_element();
    assert_eq!(
        root.attribute("name"),
        Some("vigil policy Vigil default on acme/app:1.0")
    );
    assert_eq!(
        (count(root, "tests"), count(root, "failures"), count(root, "skipped")),
        (10, 6, 1)
    );
    let suites: Vec<_> = elements(root, "testsuite").collect();
    let names: Vec<&str> = suites.iter().filter_map(|s| s.attribute("name")).collect();
    assert_eq!(names, ["default", "licenses", "bundle vigil-default"]);

    let cases: Vec<_> = elements(suites[0], "testcase").collect();
    assert_eq!(cases.len(), 9);
    assert_eq!(cases[0].attribute("classname"), Some("vulnerabilities.package"));
    assert_eq!(cases[0].attribute("name"), Some("CVE-2019-19844+django"));
    let failure = elements(cases[0], "failure").next().expect("failure");
    assert_eq!(failure.attribute("type"), Some("STOP"));
    assert_eq!(
        failure.attribute("message"),
        Some("critical vulnerability CVE-2019-19844 in django 2.2, fixed in 2.2.9")
    );
    assert_eq!(
        failure.text(),
        Some("critical vulnerability CVE-2019-19844 in django 2.2, fixed in 2.2.9\npolicy: default, rule: vulnerabilities-package\nsubject: django 2.2\nlayer: 3 (app)\nfixed in: 2.2.9")
    );
    // The escape character of the secret's message is dropped, the rest kept.
    let secret = cases
        .iter()
        .find(|c| c.attribute("classname") == Some("secrets.private_key"))
        .expect("secret");
    let message = elements(*secret, "failure").next().and_then(|f| f.attribute("message"));
    assert_eq!(message, Some(SECRET_MESSAGE.replace('\u{1b}', "").as_str()));

    let warn = cases
        .iter()
        .find(|c| c.attribute("classname") == Some("image_config.effective_user"))
        .expect("warn");
    assert!(elements(*warn, "failure").next().is_none());
    let out = elements(*warn, "system-out")
        .next()
        .and_then(|o| o.text())
        .unwrap_or_default();
    assert!(
        out.starts_with("WARN: the image runs as root\npolicy: default"),
        "{out}"
    );

    let allowed = cases[8];
    assert_eq!(allowed.attribute("name"), Some("CVE-2021-33203+django"));
    let skipped = elements(allowed, "skipped").next().expect("skipped");
    assert_eq!(
        skipped.attribute("message"),
        Some("allowlisted: the admindocs app is not installed")
    );

    // A policy that fired nothing is one passing case.
    let quiet: Vec<_> = elements(suites[1], "testcase").collect();
    assert_eq!(quiet.len(), 1);
    assert_eq!(quiet[0].attribute("name"), Some("licenses: no trigger fired"));
    assert!(quiet[0].children().all(|c| !c.is_element()));

    // The bundle's suite: no cases here, the expired item and the fix advice in system-out.
    assert_eq!(count(suites[2], "tests"), 0);
    let out = elements(suites[2], "system-out")
        .next()
        .and_then(|o| o.text())
        .unwrap_or_default();
    assert!(
        out.contains("WARN: allowlist global item old-log4j (CVE-2021-44228+log4j-core) expired on 2025-01-01"),
        "{out}"
    );
    assert!(out.contains("  django 2.2 -> 2.2.28 (clears 2)\n"), "{out}");
    assert!(
        out.contains("upgrading these 2 packages clears 3 of 6 STOP decisions; 3 remain"),
        "{out}"
    );
}

#[test]
fn junit_of_warn_only_allowlisted_and_deny_listed_verdicts() {
    let (_dir, db) = db();
    let sbom = sbom();
    let r = report(&db, &sbom, false);

    let v = warn_verdict();
    let xml = rendered(&scan(&sbom, &r, Some(&v)), Format::Junit, RenderOptions::default());
    let doc = checked_junit(&xml);
    let root = doc.root_element();
    assert_eq!(
        (count(root, "tests"), count(root, "failures"), count(root, "skipped")),
        (2, 0, 0)
    );
    assert_eq!(elements(root, "testsuite").count(), 1, "nothing for the bundle's suite");

    let v = allowlisted_verdict();
    let xml = rendered(&scan(&sbom, &r, Some(&v)), Format::Junit, RenderOptions::default());
    let doc = checked_junit(&xml);
    let root = doc.root_element();
    assert_eq!(
        (count(root, "tests"), count(root, "failures"), count(root, "skipped")),
        (2, 0, 2)
    );
    // Quotes, `<` and `&` in a reason survive the round trip.
    let reasons: Vec<&str> = root
        .descendants()
        .filter(|n| n.tag_name().name() == "skipped")
        .filter_map(|n| n.attribute("message"))
        .collect();
    assert_eq!(
        reasons,
        [
            "allowlisted: password reset is disabled",
            "allowlisted: a bastion \"image\" <needs> SSH & more"
        ]
    );
    assert!(
        xml.contains("a bastion &quot;image&quot; &lt;needs&gt; SSH &amp; more"),
        "{xml}"
    );

    let mut v = verdict(Action::Stop, vec![policy("default", "", Action::Go, Vec::new())]);
    v.basis = VerdictBasis::Denylisted;
    let xml = rendered(&scan(&sbom, &r, Some(&v)), Format::Junit, RenderOptions::default());
    let doc = checked_junit(&xml);
    let root = doc.root_element();
    assert_eq!((count(root, "tests"), count(root, "failures")), (2, 1));
    let failure = root
        .descendants()
        .find(|n| n.tag_name().name() == "failure")
        .expect("the deny list fails");
    assert_eq!(
        failure.attribute("message"),
        Some("the image docker.io/acme/app:1.0 is deny-listed by bundle vigil-default")
    );
    assert_eq!(
        failure.parent().and_then(|c| c.attribute("classname")),
        Some("bundle.denylisted_images")
    );
}

#[test]
fn junit_without_a_verdict_fails_findings_at_or_above_fail_on() {
    let (_dir, db) = db();
    let sbom = sbom();
    let r = report(&db, &sbom, false);
    let s = scan(&sbom, &r, None);
    let options = |fail_on, show_suppressed| RenderOptions {
        fail_on,
        show_suppressed,
        ..RenderOptions::default()
    };

    let xml = rendered(&s, Format::Junit, options(Some(Severity::High), false));
    let doc = checked_junit(&xml);
    let root = doc.root_element();
    assert_eq!(root.attribute("name"), Some("vigil vulnerabilities on acme/app:1.0"));
    assert_eq!(
        (count(root, "tests"), count(root, "failures"), count(root, "skipped")),
        (4, 1, 0)
    );
    let suite = elements(root, "testsuite").next().expect("suite");
    assert_eq!(suite.attribute("name"), Some("vulnerabilities"));
    let failing = root
        .descendants()
        .find(|n| n.tag_name().name() == "failure")
        .expect("failure");
    assert_eq!(failing.attribute("type"), Some("critical"));
    assert_eq!(
        failing.attribute("message"),
        Some("CVE-2021-44228 (critical) in log4j-core 2.14.1; fixed in 2.15.0")
    );
    let case = failing.parent().expect("case");
    assert_eq!(case.attribute("classname"), Some("vulnerabilities.java-archive"));
    assert_eq!(case.attribute("name"), Some("CVE-2021-44228 in log4j-core 2.14.1"));

    let xml = rendered(&s, Format::Junit, options(Some(Severity::Medium), true));
    let doc = checked_junit(&xml);
    let root = doc.root_element();
    assert_eq!(
        (count(root, "tests"), count(root, "failures"), count(root, "skipped")),
        (7, 3, 3)
    );

    let xml = rendered(&s, Format::Junit, options(None, false));
    let doc = checked_junit(&xml);
    assert_eq!(count(doc.root_element(), "failures"), 0);
}
