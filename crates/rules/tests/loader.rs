//! The rules loader on rule files written for these tests (tests/fixtures/loader) and on inline
//! sources for each error.

use std::path::{Path, PathBuf};

use vigil_rules::loader::{load_files, load_sources, Diagnostic, LoadedRule, LoadedRules, Priority, Severity};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/loader")
        .join(name)
}

fn load(names: &[&str]) -> LoadedRules {
    let paths: Vec<PathBuf> = names.iter().map(|n| fixture(n)).collect();
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    load_files(&refs)
}

fn rule<'a>(l: &'a LoadedRules, name: &str) -> &'a LoadedRule {
    l.rules
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no rule {name}: {:#?}", l.diagnostics))
}

/// `line:col: message` of every diagnostic of one severity (file names stripped).
fn diags(l: &LoadedRules, sev: Severity) -> Vec<String> {
    l.diagnostics
        .iter()
        .filter(|d| d.severity == sev)
        .map(|d| format!("{}:{}: {}", d.origin.line, d.origin.col, d.message))
        .collect()
}

fn errors(l: &LoadedRules) -> Vec<String> {
    diags(l, Severity::Error)
}

fn warnings(l: &LoadedRules) -> Vec<String> {
    diags(l, Severity::Warning)
}

fn one_error(src: &str) -> Diagnostic {
    let l = load_sources(&[("t.yaml", src)]);
    let errs: Vec<&Diagnostic> = l.errors().collect();
    assert_eq!(errs.len(), 1, "{:#?}", l.diagnostics);
    errs[0].clone()
}

const RULE_TAIL: &str = "  desc: d\n  output: o\n  priority: INFO\n";

#[test]
fn base_file_lists_macros_and_rules() {
    let l = load(&["base.yaml"]);
    assert!(errors(&l).is_empty(), "{:#?}", l.diagnostics);
    assert_eq!(l.required_engine_version.as_deref(), Some("0.31.0"));
    assert_eq!((l.lists, l.macros), (3, 4));
    let names: Vec<&str> = l.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["Shell in container", "Read shadow"]);
    let r = rule(&l, "Shell in container");
    assert_eq!(r.priority, Priority::Warning);
    assert_eq!(r.tags, ["container", "shell"]);
    // A folded block scalar: line breaks become spaces.
    assert_eq!(
        r.condition_text,
        "shell_in_container and not proc.pname in (shell_binaries)\n"
    );
    // Macros substituted (recursively), lists expanded (a list inside a list too), quoted items kept.
    assert_eq!(
        r.condition.to_string(),
        "(and (and (and (in evt.type [execve, execveat]) (= evt.dir <)) (!= container.id host) \
         (in proc.name [bash, sh, zsh, \"fish shell\", tcsh])) (not (in proc.pname [bash, sh, zsh])))"
    );
    assert_eq!((r.origin.line, r.origin.col), (29, 3));
    assert!(r.origin.file.ends_with("base.yaml"));
    let shadow = rule(&l, "Read shadow");
    assert!(!shadow.enabled);
    assert_eq!(shadow.priority, Priority::Error);
    assert_eq!(
        warnings(&l),
        [
            "14:3: list `unused_list` is not used",
            "26:3: macro `never_used` is not used",
            "47:11: rule `Audit thing` has source `k8s_audit`; only `syscall` items are loaded, skipped",
        ]
    );
}

#[test]
fn later_files_append_override_and_enable() {
    let l = load(&["base.yaml", "local.yaml"]);
    assert!(errors(&l).is_empty(), "{:#?}", l.diagnostics);
    let r = rule(&l, "Shell in container");
    // Position and place of the first definition are kept.
    assert_eq!((r.origin.line, r.origin.col), (29, 3));
    assert_eq!(l.rules[0].name, "Shell in container");
    assert_eq!(r.priority, Priority::Critical);
    assert_eq!(r.output, "shell! %proc.name");
    assert_eq!(r.tags, ["container", "shell", "mitre_execution"]);
    assert_eq!(
        r.condition_text,
        "shell_in_container and not proc.pname in (shell_binaries)\n and not proc.name = sh"
    );
    // The appended list item reaches both the direct use and the list inside a list; the
    // macro's appended condition is used by the macros that use it.
    assert_eq!(
        r.condition.to_string(),
        "(and (and (and (in evt.type [execve, execveat]) (= evt.dir <)) (and (!= container.id host) \
         (!= container.id \"\")) (in proc.name [bash, sh, zsh, ash, \"fish shell\", tcsh])) \
         (not (in proc.pname [bash, sh, zsh, ash])) (not (= proc.name sh)))"
    );
    assert!(rule(&l, "Read shadow").enabled);
    // The append to a skipped (non-syscall) rule is skipped too.
    assert!(!l.rules.iter().any(|r| r.name == "Audit thing"));
}

#[test]
fn exceptions_expand_to_and_not() {
    let l = load(&["exceptions.yaml"]);
    assert!(errors(&l).is_empty(), "{:#?}", l.diagnostics);
    let r = rule(&l, "Write below etc");
    assert_eq!(
        r.condition.to_string(),
        "(and (and (= evt.type openat) (startswith fd.name /etc)) \
         (not (and (= proc.name vi) (= fd.name /etc/hosts))) \
         (not (and (= proc.name apt) (= fd.name /etc/apt/sources.list))) \
         (not (and (= proc.name nano) (= fd.name /etc/motd))) \
         (not (in container.image.repository [nginx, redis, busybox])) \
         (not (and (= proc.name dpkg) (startswith fd.name /etc/dpkg))) \
         (not (and (in proc.name [make, cc]) (in fd.directory [/etc/ld.so.conf.d, nginx, redis]))))"
    );
    assert_eq!(r.condition_text, "evt.type = openat and fd.name startswith /etc");
}

#[test]
fn override_rules_follow_falco() {
    let base = "- rule: R\n  condition: evt.type = open\n  desc: d\n  output: o\n  priority: INFO\n";
    // `priority` may be replaced but not appended.
    let bad = "- rule: R\n  priority: ERROR\n  override:\n    priority: append\n";
    let l = load_sources(&[("a.yaml", base), ("b.yaml", bad)]);
    assert_eq!(
        errors(&l),
        ["4:5: key `priority` of rule `R` cannot be appended (only condition, output, desc, tags, exceptions)"]
    );
    // A key without an override entry, and an override entry without the key.
    let bad = "- rule: R\n  desc: x\n  override:\n    output: replace\n";
    let l = load_sources(&[("a.yaml", base), ("b.yaml", bad)]);
    assert_eq!(
        errors(&l),
        [
            "2:3: rule `R` sets `desc` without an entry for it under `override`",
            "4:5: rule `R` overrides `output` but does not set it",
        ]
    );
    // append and override together.
    let bad = "- rule: R\n  condition: and 1=1\n  append: true\n  override:\n    condition: append\n";
    let l = load_sources(&[("a.yaml", base), ("b.yaml", bad)]);
    assert_eq!(
        errors(&l),
        ["1:3: rule `R`: `override` and `append: true` cannot be used together"]
    );
    // Replace of condition, enabled and skip-if-unknown-filter.
    let ok = "- rule: R\n  condition: evt.type = close\n  enabled: false\n  override:\n    condition: replace\n    enabled: replace\n";
    let l = load_sources(&[("a.yaml", base), ("b.yaml", ok)]);
    assert!(errors(&l).is_empty(), "{:#?}", l.diagnostics);
    assert_eq!(l.rules[0].condition.to_string(), "(= evt.type close)");
    assert!(!l.rules[0].enabled);
    // Lists: override items replace.
    let lists = "- list: l\n  items: [a, b]\n- list: l\n  items: [c]\n  override:\n    items: replace\n\
                 - rule: R2\n  condition: proc.name in (l)\n  desc: d\n  output: o\n  priority: INFO\n";
    let l = load_sources(&[("a.yaml", lists)]);
    assert!(errors(&l).is_empty(), "{:#?}", l.diagnostics);
    assert_eq!(l.rules[0].condition.to_string(), "(in proc.name [c])");
}

#[test]
fn redefinition_replaces_and_keeps_the_place() {
    let a = "- rule: A\n  condition: evt.type = open\n  desc: d\n  output: o\n  priority: INFO\n\
             - rule: B\n  condition: evt.type = close\n  desc: d\n  output: o\n  priority: INFO\n";
    let b = "- rule: A\n  condition: evt.type = read\n  desc: new\n  output: o2\n  priority: DEBUG\n";
    let l = load_sources(&[("a.yaml", a), ("b.yaml", b)]);
    assert!(l.diagnostics.is_empty(), "{:#?}", l.diagnostics);
    let names: Vec<&str> = l.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["A", "B"]);
    assert_eq!(l.rules[0].condition.to_string(), "(= evt.type read)");
    assert_eq!(l.rules[0].priority, Priority::Debug);
    assert_eq!((&*l.rules[0].origin.file, l.rules[0].origin.line), ("a.yaml", 1));
}

#[test]
fn macro_visibility() {
    // A macro sees only macros defined before it; a rule sees every macro.
    let src = "- macro: a\n  condition: b\n- macro: b\n  condition: evt.type = open\n\
               - rule: R\n  condition: c\n  desc: d\n  output: o\n  priority: INFO\n\
               - macro: c\n  condition: b\n";
    let l = load_sources(&[("v.yaml", src)]);
    assert_eq!(
        errors(&l),
        ["2:14: macro `a`: macro `b` is defined after it (a macro sees only the macros defined before it)"]
    );
    assert_eq!(l.rules[0].condition.to_string(), "(= evt.type open)");
    // Redefining `a` after `b` makes `b` visible to it (Falco: visibility follows the last definition).
    let fixed = format!("{src}- macro: a\n  condition: b and proc.name = x\n");
    let l = load_sources(&[("v.yaml", &fixed)]);
    assert!(errors(&l).is_empty(), "{:#?}", l.diagnostics);
}

#[test]
fn list_visibility_and_cycles() {
    // A list inside a list is expanded only if defined before; otherwise the name is a value.
    let src = "- list: a\n  items: [b, x]\n- list: b\n  items: [y]\n\
               - rule: R\n  condition: proc.name in (a)\n  desc: d\n  output: o\n  priority: INFO\n";
    let l = load_sources(&[("l.yaml", src)]);
    assert!(errors(&l).is_empty(), "{:#?}", l.diagnostics);
    assert_eq!(l.rules[0].condition.to_string(), "(in proc.name [b, x])");
    // Lists redefined so that each sees the other: a cycle, reported at the definition that
    // closes it, no hang.
    let cyc = format!("{src}- list: a\n  items: [b, x]\n- list: b\n  items: [a]\n");
    let l = load_sources(&[("l.yaml", &cyc)]);
    assert_eq!(errors(&l), ["10:3: lists refer to each other in a cycle: a -> b -> a"]);
}

#[test]
fn macro_cycle_is_an_error() {
    let src = "- macro: a\n  condition: evt.type = open\n- macro: b\n  condition: a\n\
               - macro: a\n  condition: b\n\
               - rule: R\n  condition: a\n  desc: d\n  output: o\n  priority: INFO\n";
    let l = load_sources(&[("c.yaml", src)]);
    let e = errors(&l);
    assert!(
        e.iter()
            .any(|m| m.contains("macros refer to each other in a cycle: a -> b -> a")),
        "{e:#?}"
    );
    assert!(l.rules.is_empty());
}

#[test]
fn bad_yaml() {
    let d = one_error("- rule: x\n  condition: [a\n");
    assert_eq!((&*d.origin.file, d.origin.line), ("t.yaml", 3));
    assert!(d.message.starts_with("invalid YAML: "), "{}", d.message);
}

#[test]
fn not_a_sequence() {
    let d = one_error("rule: x\ncondition: y\n");
    assert_eq!((d.origin.line, d.origin.col), (1, 1));
    assert_eq!(
        d.message,
        "a rules file is a sequence of items (`- rule: ...`), found a mapping"
    );
}

#[test]
fn unknown_item_and_unknown_key() {
    let src = format!("- rule: R\n  condition: evt.type = open\n  colour: red\n{RULE_TAIL}- frobnicate: yes\n");
    let l = load_sources(&[("t.yaml", &src)]);
    assert_eq!(
        errors(&l),
        ["7:3: unknown item with keys `frobnicate`: expected `rule`, `macro`, `list`, `required_engine_version` or `required_plugin_versions`"]
    );
    assert_eq!(warnings(&l), ["3:3: unknown key `colour` in rule `R` (ignored)"]);
    let w = l.warnings().next().and_then(|d| d.snippet.clone());
    assert_eq!(w.as_deref(), Some("3 |   colour: red\n  |   ^^^^^^"));
}

#[test]
fn undefined_macro_with_suggestion_and_snippet() {
    let src = format!("- macro: spawned_process\n  condition: evt.type = execve\n- rule: R\n  condition: spawned_proces and proc.name = sh\n{RULE_TAIL}");
    let d = one_error(&src);
    assert_eq!((d.origin.line, d.origin.col), (4, 14));
    assert_eq!(
        d.message,
        "rule `R`: undefined macro `spawned_proces` (did you mean `spawned_process`?)"
    );
    assert_eq!(
        d.snippet.as_deref(),
        Some("4 |   condition: spawned_proces and proc.name = sh\n  |              ^^^^^^^^^^^^^^")
    );
}

#[test]
fn append_to_undefined() {
    let d = one_error("- list: nope\n  items: [a]\n  append: true\n");
    assert_eq!((d.origin.line, d.origin.col), (1, 3));
    assert_eq!(
        d.message,
        "list `nope` has `append: true` but no list of that name is defined before"
    );
    let d = one_error("- rule: Nope\n  enabled: false\n");
    assert_eq!(
        d.message,
        "rule `Nope` only sets `enabled` but no rule of that name is defined before"
    );
}

#[test]
fn bad_priority() {
    let d = one_error("- rule: R\n  condition: evt.type = open\n  desc: d\n  output: o\n  priority: LOUD\n");
    assert_eq!((d.origin.line, d.origin.col), (5, 13));
    assert!(
        d.message.starts_with("rule `R`: unknown priority `LOUD`"),
        "{}",
        d.message
    );
}

#[test]
fn missing_keys() {
    let d = one_error("- rule: R\n  condition: evt.type = open\n");
    assert_eq!(d.message, "rule `R` has no `output`, `desc`, `priority`");
}

#[test]
fn unknown_field_error_and_skip() {
    // In a block scalar: the line and column of the field are found in the file.
    let src = format!("- rule: R\n  condition: >\n    evt.type = open\n    and proc.nme = sh\n{RULE_TAIL}");
    let d = one_error(&src);
    assert_eq!((d.origin.line, d.origin.col), (4, 9));
    assert_eq!(
        d.message,
        "rule `R`: unknown field `proc.nme` (did you mean `proc.name`?)"
    );
    assert_eq!(
        d.snippet.as_deref(),
        Some("4 |     and proc.nme = sh\n  |         ^^^^^^^^")
    );
    // With skip-if-unknown-filter, the rule is skipped with a warning.
    let src = format!("- rule: R\n  condition: proc.nme = sh\n  skip-if-unknown-filter: true\n{RULE_TAIL}");
    let l = load_sources(&[("t.yaml", &src)]);
    assert!(errors(&l).is_empty());
    assert!(l.rules.is_empty());
    assert_eq!(
        warnings(&l),
        ["2:14: rule `R` skipped (skip-if-unknown-filter): unknown field `proc.nme` (did you mean `proc.name`?)"]
    );
}

#[test]
fn error_inside_a_macro_points_into_the_macro() {
    let src = format!("- macro: m\n  condition: 'fd.nam = x'\n- rule: R\n  condition: m\n{RULE_TAIL}");
    let d = one_error(&src);
    assert_eq!((d.origin.line, d.origin.col), (2, 15));
    assert!(d.message.contains("unknown field `fd.nam`"), "{}", d.message);
}

#[test]
fn syntax_error_in_condition() {
    let src = format!("- rule: R\n  condition: evt.type = open and and\n{RULE_TAIL}");
    let d = one_error(&src);
    assert_eq!((d.origin.line, d.origin.col), (2, 34));
    assert!(d.message.starts_with("rule `R`: expected"), "{}", d.message);
}

#[test]
fn unsupported_field_is_a_warning() {
    let src = format!("- rule: R\n  condition: evt.type = connect and fd.sip.name = x\n{RULE_TAIL}");
    let l = load_sources(&[("t.yaml", &src)]);
    assert!(errors(&l).is_empty(), "{:#?}", l.diagnostics);
    assert_eq!(l.rules.len(), 1);
    assert_eq!(
        warnings(&l),
        ["1:3: rule `R` uses `fd.sip.name`, which Vigil cannot extract (always missing)"]
    );
}

#[test]
fn other_sources_and_plugins() {
    let src = "- required_plugin_versions:\n    - name: container\n      version: 0.1.0\n    - name: k8saudit\n      version: 0.1.0\n\
               - macro: m\n  source: k8s_audit\n  condition: ka.verb = get\n- list: l\n  source: aws_cloudtrail\n  items: [a]\n";
    let l = load_sources(&[("t.yaml", src)]);
    assert!(errors(&l).is_empty(), "{:#?}", l.diagnostics);
    assert_eq!((l.macros, l.lists), (0, 0));
    let w = warnings(&l);
    assert_eq!(w.len(), 3, "{w:#?}");
    assert!(w[0].starts_with("4:7: requires plugin `k8saudit`"), "{}", w[0]);
    assert_eq!(
        w[1],
        "7:11: macro `m` has source `k8s_audit`; only `syscall` items are loaded, skipped"
    );
}

#[test]
fn flow_list_closed_at_key_indentation() {
    // falcosecurity's files close flow lists at the key's indentation (yaml-cpp accepts it).
    let src = "- list: l\n  items: [\n    \"a\",\n    \"b\"\n  ]\n- rule: R\n  condition: proc.name in (l)\n  desc: d\n  output: o\n  priority: INFO\n";
    let l = load_sources(&[("t.yaml", src)]);
    assert!(l.diagnostics.is_empty(), "{:#?}", l.diagnostics);
    assert_eq!(l.rules[0].condition.to_string(), "(in proc.name [a, b])");
}

#[test]
fn unreadable_file() {
    let l = load_files(&[Path::new("/nonexistent/rules.yaml")]);
    let e = errors(&l);
    assert_eq!(e.len(), 1);
    assert!(e[0].starts_with("1:1: cannot read the rules file"), "{}", e[0]);
}

#[test]
fn priorities_parse_and_order() {
    assert_eq!(Priority::parse("info"), Some(Priority::Informational));
    assert_eq!(Priority::parse("WARNING"), Some(Priority::Warning));
    assert_eq!(Priority::parse("Emergency"), Some(Priority::Emergency));
    assert_eq!(Priority::parse("loud"), None);
    assert!(Priority::Emergency < Priority::Debug);
    assert!(Priority::Error < Priority::Warning);
}

#[test]
fn list_names_are_substituted_inside_modifier_lists() {
    let src = "- list: fetchers\n  items: [wget, curl]\n- list: confdirs\n  items: [/etc, \"/etc/ssh\"]\n\
               - macro: fetch\n  condition: proc.cmdline contains anyof (fetchers, \"fetchers\")\n\
               - rule: R\n  condition: fetch and fd.name startswith allof (confdirs)\n  desc: d\n  output: o\n  priority: INFO\n";
    let l = load_sources(&[("m.yaml", src)]);
    assert!(errors(&l).is_empty(), "{:#?}", l.diagnostics);
    assert!(
        warnings(&l).iter().all(|w| !w.contains("unused")),
        "{:#?}",
        l.diagnostics
    );
    assert_eq!(
        l.rules[0].condition.to_string(),
        "(and (contains anyof proc.cmdline [wget, curl, \"fetchers\"]) (startswith allof fd.name [/etc, /etc/ssh]))"
    );
}
