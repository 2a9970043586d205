//! Vigil's default rules: they load cleanly, every rule is documented and has a firing case and
//! a benign-neighbour case, every case passes, and docs/rules.md is up to date.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use vigil_rules::defaults::{default_rules, markdown, rule_docs};
use vigil_rules::testing::{parse_cases, run, CaseFile};

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases")
}

fn case_files() -> Vec<(String, CaseFile)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 5, "case files missing: {paths:?}");
    paths
        .into_iter()
        .map(|p| {
            let name = p.display().to_string();
            let text = std::fs::read_to_string(&p).unwrap();
            let cases = parse_cases(&name, &text).unwrap_or_else(|e| panic!("{e}"));
            (name, cases)
        })
        .collect()
}

fn rule_names() -> Vec<String> {
    let loaded = vigil_rules::loader::load_sources(&default_rules());
    loaded.rules.iter().map(|r| r.name.clone()).collect()
}

#[test]
fn default_rules_load_without_errors_or_warnings() {
    let loaded = vigil_rules::loader::load_sources(&default_rules());
    let problems: Vec<String> = loaded
        .diagnostics
        .iter()
        .map(|d| format!("{}:{}:{}: {}", d.origin.file, d.origin.line, d.origin.col, d.message))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(loaded.rules.len() >= 70, "{} rules", loaded.rules.len());
    assert!(
        loaded.macros >= 20 && loaded.lists >= 60,
        "{} macros, {} lists",
        loaded.macros,
        loaded.lists
    );
    let (ruleset, diags) = vigil_rules::ruleset::Ruleset::compile(&loaded, &Default::default());
    let msgs: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
    assert!(diags.is_empty(), "{msgs:?}");
    assert_eq!(ruleset.rules().len(), loaded.rules.len());
    // Every rule is limited to some event types (none runs on every event).
    for r in ruleset.rules() {
        assert!(r.enabled, "{} is disabled", r.name);
        let n = r.event_types.len();
        assert!((1..=12).contains(&n), "{} runs on {n} event types", r.name);
    }
    let mut seen = BTreeSet::new();
    for r in &loaded.rules {
        assert!(seen.insert(&r.name), "rule {} defined twice", r.name);
        assert!(r.name.len() <= 80 && !r.desc.trim().is_empty(), "{}", r.name);
    }
}

#[test]
fn default_rules_use_only_supported_fields() {
    for (file, text) in default_rules() {
        for f in vigil_rules::fields::UNSUPPORTED {
            for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
                let hit = line.match_indices(f).any(|(i, _)| {
                    let after = line.as_bytes().get(i + f.len()).copied().unwrap_or(b' ');
                    let before = i
                        .checked_sub(1)
                        .and_then(|b| line.as_bytes().get(b))
                        .copied()
                        .unwrap_or(b' ');
                    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'.';
                    !word(after) && !word(before)
                });
                assert!(!hit, "{file}: uses unsupported field {f}: {line}");
            }
        }
    }
}

#[test]
fn every_rule_is_documented_in_its_file() {
    let names = rule_names();
    let mut documented = Vec::new();
    for (file, text) in default_rules() {
        for d in rule_docs(file, text) {
            for (heading, v) in [
                ("Detects", &d.detects),
                ("Why", &d.why),
                ("Example", &d.example),
                ("False positives", &d.false_positives),
                ("Except with", &d.except_with),
            ] {
                assert!(v.len() >= 10, "{file}: rule {:?} lacks `# {heading}:`", d.rule);
            }
            documented.push(d.rule);
        }
    }
    assert_eq!(documented, names);
}

#[test]
fn every_rule_has_a_firing_case_and_a_benign_neighbour() {
    let names: BTreeSet<String> = rule_names().into_iter().collect();
    let mut fired = BTreeSet::new();
    let mut neighbours = BTreeSet::new();
    for (file, cf) in case_files() {
        assert!(cf.rules.is_empty(), "{file} should test the default rules");
        for c in &cf.cases {
            fired.extend(c.expect.iter().cloned());
            for n in &c.neighbour_of {
                assert!(
                    !c.expect.contains(n),
                    "{file}: `{}` is a neighbour of {n} but expects it",
                    c.name
                );
                neighbours.insert(n.clone());
            }
        }
    }
    let unfired: Vec<_> = names.difference(&fired).collect();
    let lonely: Vec<_> = names.difference(&neighbours).collect();
    assert!(unfired.is_empty(), "rules no case fires: {unfired:?}");
    assert!(lonely.is_empty(), "rules without a benign-neighbour case: {lonely:?}");
    let unknown: Vec<_> = fired.union(&neighbours).filter(|n| !names.contains(*n)).collect();
    assert!(unknown.is_empty(), "cases name rules that do not exist: {unknown:?}");
}

#[test]
fn every_case_passes() {
    let mut failures = Vec::new();
    let mut total = 0;
    for (file, cf) in case_files() {
        let outcomes = run(&file, &cf, &default_rules()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(outcomes.len(), cf.cases.len());
        total += outcomes.len();
        for o in outcomes.iter().filter(|o| !o.passed()) {
            failures.push(format!(
                "{file}: {}: expected {:?}, got {:?}{}",
                o.case,
                o.expected,
                o.got,
                if o.unknown_rules.is_empty() {
                    String::new()
                } else {
                    format!(" (unknown rules {:?})", o.unknown_rules)
                }
            ));
        }
    }
    assert!(total >= 150, "only {total} cases");
    assert!(
        failures.is_empty(),
        "{} of {total} cases fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_wrong_expectation_fails() {
    // The runner can fail: the same event with the opposite expectation.
    let text = "cases:\n  - name: cat reads shadow\n    event: {evt.type: openat, proc.name: cat, fd.num: 3, \
                fd.name: /etc/shadow, evt.is_open_read: true}\n    expect: []\n";
    let cf = parse_cases("inline", text).unwrap();
    let out = run("inline", &cf, &default_rules()).unwrap();
    assert!(!out[0].passed());
    assert_eq!(out[0].got, vec!["Read of password or sudo files".to_owned()]);
}

#[test]
fn docs_are_up_to_date() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules.md");
    let want = markdown();
    if std::env::var_os("VIGIL_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/rules.md is stale: run `VIGIL_UPDATE_DOCS=1 cargo test -p vigil-rules --test defaults docs`"
    );
    for name in rule_names() {
        assert!(want.contains(&format!("### {name}\n")), "{name} missing from docs");
    }
}

/// The rules against real records through the tracker and the field extraction, not field maps:
/// the argument renderings and fd tracking they rely on are the ones Vigil produces.
#[test]
fn real_records_fire_the_rules() {
    use vigil_capture::{encode::RecordBuilder, Event};
    use vigil_rules::fields::{EventFields, Host};
    use vigil_rules::ruleset::{MatchMode, Ruleset, RulesetConfig};
    use vigil_state::{Tracker, TrackerConfig};

    let loaded = vigil_rules::loader::load_sources(&default_rules());
    let cfg = RulesetConfig {
        mode: MatchMode::All,
        ..Default::default()
    };
    let (rs, _) = Ruleset::compile(&loaded, &cfg);
    let mut tracker = Tracker::new(TrackerConfig::default());
    let mut scratch = vigil_rules::Scratch::new();
    let mut fire = |rec: Vec<u8>| -> Vec<String> {
        let ev = Event::decode(&rec).unwrap();
        let enriched = tracker.apply(&ev);
        let mut out = Vec::new();
        rs.evaluate(
            &EventFields::new(&enriched, &Host::UNKNOWN, None),
            &mut scratch,
            &mut out,
        );
        out.iter().map(|r| r.name.clone()).collect()
    };
    let open = |comm: &str, pid: u32, path: &str, flags: u64| {
        RecordBuilder::syscall("openat", 1, pid, pid)
            .comm(comm)
            .arg(0, -100i64 as u64)
            .str_arg(1, path)
            .arg(2, flags)
            .res(3)
            .build()
    };
    assert_eq!(
        fire(open("cat", 100, "/etc/shadow", 0)),
        ["Read of password or sudo files"]
    );
    assert!(fire(open("sshd", 101, "/etc/shadow", 0)).is_empty());
    // O_WRONLY|O_TRUNC on a log file, rendered as evt.arg.flags.
    assert_eq!(
        fire(open("bash", 102, "/var/log/auth.log", 0o1001)),
        ["Log file truncated or deleted"]
    );
    assert!(fire(open("bash", 102, "/var/log/auth.log", 0o2001)).is_empty());

    // bash connects to 203.0.113.7:4444 and puts the socket on its stdin.
    let pid = 200;
    let socket = RecordBuilder::syscall("socket", 2, pid, pid)
        .comm("bash")
        .arg(0, 2)
        .arg(1, 1)
        .res(3)
        .build();
    assert!(fire(socket).is_empty());
    let connect = RecordBuilder::syscall("connect", 3, pid, pid)
        .comm("bash")
        .arg(0, 3)
        .sockaddr("203.0.113.7".parse().unwrap(), 4444)
        .res(0)
        .build();
    assert_eq!(
        fire(connect),
        [
            "Outbound connection from a program that should not make one",
            "Connection to a mining pool port"
        ]
    );
    let dup2 = RecordBuilder::syscall("dup2", 4, pid, pid)
        .comm("bash")
        .arg(0, 3)
        .arg(1, 0)
        .res(0)
        .build();
    assert_eq!(fire(dup2), ["Reverse shell (standard stream redirected to a socket)"]);
    let pipe_dup = RecordBuilder::syscall("dup2", 5, pid, pid)
        .comm("bash")
        .arg(0, 9)
        .arg(1, 1)
        .res(1)
        .build();
    assert!(fire(pipe_dup).is_empty());

    // ptrace(PTRACE_ATTACH) by an unknown host program; PTRACE_PEEKDATA is not an attach.
    let ptrace = |req: u64| {
        RecordBuilder::syscall("ptrace", 6, 300, 300)
            .comm("inject")
            .arg(0, req)
            .arg(1, 1)
            .res(0)
            .build()
    };
    assert_eq!(fire(ptrace(16)), ["Ptrace attach to another process"]);
    assert_eq!(
        fire(ptrace(0x4206)),
        ["Ptrace attach to another process"],
        "PTRACE_SEIZE"
    );
    assert!(fire(ptrace(2)).is_empty());
    assert!(fire(ptrace(17)).is_empty(), "PTRACE_DETACH");
}
