//! Reading bundles: good files in YAML and JSON, and bad files whose every problem is reported
//! at file:line:col with its line.

use vigil_policy::{Action, Bundle, PolicyError, Problem};

const GOOD: &str = r#"version: "1"
id: acme
name: ACME production images
description: What ACME ships.
policies:
  - id: baseline
    name: Baseline
    rules:
      - id: vuln-high-with-fix
        gate: vulnerabilities
        trigger: package
        action: STOP
        params: {severity_comparison: ">=", severity: high, fix_available: true}
      - gate: dockerfile
        trigger: exposed_ports
        action: Warn
        params:
          ports: [22, "23/tcp"]
          type: deny
      - {gate: secrets, trigger: custom, action: stop, params: {id: acme-token, regex: "acme_[0-9a-f]{32}"}}
      - {gate: files, trigger: content_regex_match, action: warn, params: {regex: "password\\s*="}}
      - {gate: files, trigger: attribute_match, action: warn, params: {path: /etc/shadow, mode: "0644", mode_op: "!="}}
allowlists:
  - id: accepted
    name: Accepted risks
    items:
      - {id: a1, gate: vulnerabilities, trigger_id: "CVE-2019-19844+django", reason: "not reachable", expires: 2027-06-30}
mappings:
  - {name: prod, registry: "*", repository: "acme/*", tag: "*", policy_ids: [baseline], allowlist_ids: [accepted]}
allowlisted_images: [{name: trusted, registry: "*", repository: "acme/base-*", tag: "*"}]
denylisted_images: [{registry: "*", repository: "*", tag: latest}]
"#;

fn problems(text: &str) -> Vec<Problem> {
    match Bundle::parse(text, "bad.yaml") {
        Ok(b) => panic!("expected problems, got {b:#?}"),
        Err(PolicyError::Invalid(p)) => p,
        Err(e) => panic!("{e}"),
    }
}

/// The single problem of `text`.
fn problem(text: &str) -> Problem {
    let p = problems(text);
    assert_eq!(p.len(), 1, "{p:#?}");
    p.into_iter().next().expect("one")
}

/// 1-based column of `needle` in line `line` of `text`.
fn col(text: &str, line: usize, needle: &str) -> usize {
    let l = text.lines().nth(line - 1).expect("line");
    l.find(needle)
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("{needle:?} not in {l:?}"))
}

fn assert_at(p: &Problem, text: &str, line: usize, needle: &str, message: &str) {
    assert_eq!(p.at.file, "bad.yaml");
    assert_eq!((p.at.line, p.at.col), (line, col(text, line, needle)), "{p:#?}");
    assert_eq!(p.message, message);
    assert_eq!(p.line_text, text.lines().nth(line - 1).expect("line"));
}

fn with_rule(rule: &str) -> String {
    format!("version: \"1\"\nid: acme\npolicies:\n  - id: baseline\n    rules:\n{rule}")
}

#[test]
fn a_good_bundle_reads_fully() {
    let b = Bundle::parse(GOOD, "acme.yaml").expect("valid");
    assert_eq!(
        (b.id.as_str(), b.name.as_str(), b.version.as_str()),
        ("acme", "ACME production images", "1")
    );
    assert_eq!(b.source, "acme.yaml");
    let rules = &b.policies[0].rules;
    assert_eq!(rules.len(), 5);
    assert_eq!(rules[0].id, "vuln-high-with-fix");
    assert_eq!(rules[0].action, Action::Stop);
    assert_eq!(rules[0].params["severity"], "high");
    assert_eq!(rules[0].at.line, 9);
    // Generated ids, canonical gate names, sequences stored comma-joined.
    assert_eq!(rules[1].id, "baseline-2");
    assert_eq!(rules[1].gate, "image_config");
    assert_eq!(rules[1].action, Action::Warn);
    assert_eq!(rules[1].params["ports"], "22,23/tcp");
    assert_eq!(b.allowlists[0].items[0].expires.as_deref(), Some("2027-06-30"));
    assert_eq!(b.mappings[0].policy_ids, ["baseline"]);
    assert_eq!(b.allowlisted_images[0].repository, "acme/base-*");
    assert_eq!(b.denylisted_images[0].tag, "latest");
}

#[test]
fn needs_lists_what_the_analysis_must_search() {
    let b = Bundle::parse(GOOD, "acme.yaml").expect("valid");
    let n = b.needs();
    assert_eq!(n.content_regexes, ["password\\s*="]);
    assert_eq!(n.secret_patterns.len(), 1);
    assert_eq!(n.secret_patterns[0].id, "acme-token");
    assert_eq!(n.secret_patterns[0].regex, "acme_[0-9a-f]{32}");
    assert!(!n.digests, "no checksum parameter");
    assert!(!n.verify);
    let d = Bundle::default_bundle().needs();
    assert!(d.content_regexes.is_empty() && d.secret_patterns.is_empty());
}

#[test]
fn json_bundles_read_too() {
    let json = r#"{"version": "1", "id": "j", "policies": [{"id": "p", "rules": [
        {"gate": "always", "trigger": "always", "action": "warn"},
        {"gate": "licenses", "trigger": "denylist_exact_match", "action": "stop", "params": {"licenses": ["GPL-3.0-only", "AGPL-3.0-only"]}}
    ]}]}"#;
    let b = Bundle::parse(json, "b.json").expect("valid JSON bundle");
    assert_eq!(b.name, "j");
    assert_eq!(b.policies[0].rules[1].params["licenses"], "GPL-3.0-only,AGPL-3.0-only");
    assert_eq!(b.policies[0].rules[0].id, "p-1");
    // JSON indented with tabs (which YAML forbids in block indentation) reads too.
    let tabs =
        "{\n\t\"version\": \"1\",\n\t\"id\": \"j\",\n\t\"policies\": [\n\t\t{\"id\": \"p\", \"rules\": []}\n\t]\n}\n";
    assert_eq!(Bundle::parse(tabs, "t.json").expect("tabs").policies[0].id, "p");
}

#[test]
fn unknown_gate_suggests_the_closest() {
    let text = with_rule("      - gate: vulnerabilites\n        trigger: package\n        action: stop\n");
    let p = problem(&text);
    assert_at(
        &p,
        &text,
        6,
        "vulnerabilites",
        "unknown gate `vulnerabilites` (did you mean `vulnerabilities`?)",
    );
    let text = with_rule("      - {gate: network, trigger: x, action: stop}\n");
    let p = problem(&text);
    assert!(
        p.message
            .starts_with("unknown gate `network` (gates: vulnerabilities, packages,"),
        "{}",
        p.message
    );
}

#[test]
fn unknown_trigger_suggests_the_closest() {
    let text = with_rule("      - gate: vulnerabilities\n        trigger: packge\n        action: stop\n");
    let p = problem(&text);
    assert_at(
        &p,
        &text,
        7,
        "packge",
        "unknown trigger `packge` of gate `vulnerabilities` (did you mean `package`?)",
    );
}

#[test]
fn wrong_parameter_types() {
    let text = with_rule(
        "      - gate: vulnerabilities\n        trigger: stale_feed_data\n        action: warn\n        params: {max_days_since_sync: two}\n",
    );
    let p = problem(&text);
    assert_at(
        &p,
        &text,
        9,
        "two",
        "parameter `max_days_since_sync` of trigger `vulnerabilities.stale_feed_data`: expected an integer, got \"two\"",
    );
    let cases = [
        (
            "vulnerabilities",
            "package",
            "fix_available: maybe",
            "maybe",
            "expected true or false, got \"maybe\"",
        ),
        (
            "vulnerabilities",
            "package",
            "cvss_v3_base_score: high",
            "high",
            "expected a number, got \"high\"",
        ),
        (
            "vulnerabilities",
            "package",
            "severity: severe",
            "severe",
            "expected one of unknown, negligible, low, medium, high, critical, got \"severe\"",
        ),
        (
            "files",
            "attribute_match",
            "path: /x, mode: '0899'",
            "'0899'",
            "expected an octal file mode such as 0755 or 4755, got \"0899\"",
        ),
    ];
    for (gate, trigger, params, at, msg) in cases {
        let text = with_rule(&format!(
            "      - {{gate: {gate}, trigger: {trigger}, action: stop, params: {{{params}}}}}\n"
        ));
        let p = problem(&text);
        assert_eq!((p.at.line, p.at.col), (6, col(&text, 6, at)), "{p:#?}");
        assert!(p.message.ends_with(msg), "{}", p.message);
        assert!(
            p.message.contains(&format!("of trigger `{gate}.{trigger}`")),
            "{}",
            p.message
        );
    }
}

#[test]
fn invalid_regex_is_placed() {
    let text = with_rule(
        "      - gate: files\n        trigger: name_match\n        action: stop\n        params:\n          regex: \"id_(rsa|dsa\"\n",
    );
    let p = problem(&text);
    assert_eq!((p.at.line, p.at.col), (10, col(&text, 10, "\"id_")));
    assert!(
        p.message
            .starts_with("parameter `regex` of trigger `files.name_match`: invalid regex: "),
        "{}",
        p.message
    );
    assert!(p.message.contains("unclosed group"), "{}", p.message);
}

#[test]
fn unknown_keys_and_parameters() {
    let text = "version: \"1\"\nid: acme\npolices: []\n";
    let p = problems(text);
    assert_eq!(p.len(), 2, "{p:#?}");
    assert_eq!((p[0].at.line, p[0].at.col), (1, 1));
    assert_eq!(p[0].message, "the bundle is missing required key `policies`");
    assert_at(
        &p[1],
        text,
        3,
        "polices",
        "unknown key `polices` in the bundle (did you mean `policies`?)",
    );

    let text =
        with_rule("      - gate: always\n        trigger: always\n        action: stop\n        severity: high\n");
    let p = problem(&text);
    assert_at(&p, &text, 9, "severity", "unknown key `severity` in a rule");

    let text = with_rule(
        "      - gate: vulnerabilities\n        trigger: package\n        action: stop\n        params: {severty: high}\n",
    );
    let p = problem(&text);
    assert_at(
        &p,
        &text,
        9,
        "severty",
        "unknown key `severty` in the params of trigger `vulnerabilities.package` (did you mean `severity`?)",
    );
}

#[test]
fn bad_mapping_references() {
    let text = format!(
        "{}mappings:\n  - {{registry: '*', repository: '*', tag: '*', policy_ids: [baselin], allowlist_ids: [nope]}}\n",
        with_rule("      - {gate: always, trigger: always, action: go}\n")
    );
    let p = problems(&text);
    assert_eq!(p.len(), 2, "{p:#?}");
    assert_at(
        &p[0],
        &text,
        8,
        "baselin",
        "mapping names unknown policy `baselin` (did you mean `baseline`?)",
    );
    assert_at(&p[1], &text, 8, "nope", "mapping names unknown allowlist `nope`");
}

#[test]
fn every_problem_is_collected() {
    let text = r#"version: "2"
id: acme
policies:
  - id: p
    rules:
      - {gate: vulnerabilities, trigger: stale_feed_data, action: block}
      - {gate: vulnerabilities, trigger: stale_feed_data, action: warn}
      - {id: x, gate: always, trigger: always, action: go}
      - {id: x, gate: always, trigger: always, action: go}
  - id: p
    rules: []
allowlists:
  - id: a
    items:
      - {id: i1, gate: vulnerabilities, trigger_id: "*", reason: r, expires: 2027-02-30}
      - {id: i2, gate: vulns, trigger_id: "*", reason: r}
      - {id: i3, gate: always, trigger_id: "*"}
"#;
    let p = problems(text);
    let got: Vec<(usize, &str)> = p.iter().map(|p| (p.at.line, p.message.as_str())).collect();
    assert_eq!(
        got,
        [
            (1, "unsupported bundle version \"2\" (this Vigil reads version \"1\")"),
            (
                6,
                "trigger `vulnerabilities.stale_feed_data` is missing required parameter `max_days_since_sync`"
            ),
            (6, "invalid action `block`: expected stop, warn or go"),
            (
                7,
                "trigger `vulnerabilities.stale_feed_data` is missing required parameter `max_days_since_sync`"
            ),
            (9, "duplicate rule id `x` in policy `p`"),
            (10, "duplicate policy id `p`"),
            (
                15,
                "`expires`: expected a date (YYYY-MM-DD or RFC 3339), got \"2027-02-30\""
            ),
            (16, "unknown gate `vulns`"),
            (17, "an allowlist item is missing required key `reason`"),
        ]
    );
    let shown = PolicyError::Invalid(p).to_string();
    assert!(
        shown.starts_with("bad.yaml:1:10: unsupported bundle version"),
        "{shown}"
    );
}

#[test]
fn anchore_style_parameter_lists() {
    let text = with_rule(
        "      - gate: vulnerabilities\n        trigger: package\n        action: STOP\n        params:\n          - {name: severity_comparison, value: \">\"}\n          - {name: severity, value: medium}\n",
    );
    let b = Bundle::parse(&text, "anchore.yaml").expect("valid");
    let params = &b.policies[0].rules[0].params;
    assert_eq!(
        (params["severity_comparison"].as_str(), params["severity"].as_str()),
        (">", "medium")
    );
    let text = with_rule(
        "      - gate: vulnerabilities\n        trigger: package\n        action: stop\n        params:\n          - {name: severity_comparision, value: \">\"}\n",
    );
    let p = problem(&text);
    assert_at(
        &p,
        &text,
        10,
        "severity_comparision",
        "unknown parameter `severity_comparision` of trigger `vulnerabilities.package` (did you mean `severity_comparison`?)",
    );
}

#[test]
fn cross_parameter_checks() {
    let text = with_rule(
        "      - gate: image_config\n        trigger: instruction\n        action: warn\n        params: {instruction: RUN, check: like}\n",
    );
    let p = problem(&text);
    assert_eq!(p.at.line, 9);
    assert_eq!(
        p.message,
        "trigger `image_config.instruction`: parameter value is required with check like"
    );
}

#[test]
fn syntax_errors_and_empty_files() {
    let p = problem("version: \"1\"\nid: [acme\n");
    assert!(p.message.starts_with("invalid YAML: "), "{}", p.message);
    assert_eq!(p.at.file, "bad.yaml");
    let p = problem("");
    assert_eq!(p.message, "the file is empty: a bundle needs version, id and policies");
    assert_eq!((p.at.line, p.at.col), (1, 1));
}

#[test]
fn load_reads_files_and_names_them() {
    let dir = std::env::temp_dir().join(format!("vigil-policy-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("bundle.yaml");
    std::fs::write(&path, GOOD).expect("write");
    let b = Bundle::load(&path).expect("loads");
    assert_eq!(b.source, path.display().to_string());
    let missing = dir.join("nope.yaml");
    match Bundle::load(&missing) {
        Err(PolicyError::Read { path, .. }) => assert!(path.ends_with("nope.yaml")),
        other => panic!("{other:?}"),
    }
    std::fs::remove_dir_all(&dir).expect("clean up");
}

#[test]
fn hostile_files_never_panic() {
    // Every prefix of a good file: most are invalid, none may panic, each error is placed.
    for end in (0..=GOOD.len()).filter(|i| GOOD.is_char_boundary(*i)) {
        if let Err(PolicyError::Invalid(problems)) = Bundle::parse(&GOOD[..end], "cut.yaml") {
            assert!(!problems.is_empty());
            assert!(
                problems.iter().all(|p| p.at.line >= 1 && p.at.col >= 1),
                "{problems:#?}"
            );
        }
    }
    let odd = [
        "[]",
        "just text",
        "version: 1\nid: x\npolicies: {a: b}\n",
        "version: 1\nid: x\npolicies: [[1, 2]]\n",
        "? [a]\n: b\n",
        "version: 1\nid: x\npolicies:\n  - {id: p, rules: [{gate: [a], trigger: {b: c}, action: [stop]}]}\n",
        &"[".repeat(500),
        "version: \"1\"\nid: x\npolicies: []\nallowlists: [{id: a, items: [{id: i, gate: always, trigger_id: '*', reason: r, expires: [2027-01-01]}]}]\n",
    ];
    for text in odd {
        assert!(Bundle::parse(text, "odd.yaml").is_err(), "{text}");
    }
    // An anchor reused as a value is fine.
    assert!(Bundle::parse("version: &v \"1\"\nid: x\npolicies: []\nallowlists: []\n", "a.yaml").is_ok());
}
