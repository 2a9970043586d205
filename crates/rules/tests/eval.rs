//! Compiling conditions against a small field table and evaluating them on test events.

#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::net::IpAddr;
use std::ops::ControlFlow;

use vigil_rules::{
    compile, parse, ArgSpec, Cardinality, CompileError, FieldArg, FieldRef, FieldSpec, FieldType, Fields, Scratch,
    StaticTable, Value,
};

const SPECS: &[FieldSpec] = &[
    FieldSpec::new("evt.type", FieldType::Str, ""),
    FieldSpec::new("evt.dir", FieldType::Str, ""),
    FieldSpec::new("evt.is_open_read", FieldType::Bool, ""),
    FieldSpec::new("evt.rawres", FieldType::Int, ""),
    FieldSpec::new("evt.arg", FieldType::Str, "").with_arg(ArgSpec::KeyOrIndex),
    FieldSpec::new("proc.name", FieldType::Str, ""),
    FieldSpec::new("proc.pname", FieldType::Str, ""),
    FieldSpec::new("proc.cmdline", FieldType::Str, ""),
    FieldSpec::new("proc.pid", FieldType::UInt, ""),
    FieldSpec::new("proc.aname", FieldType::Str, "").with_arg(ArgSpec::IndexOrAny),
    FieldSpec::new("fd.name", FieldType::Str, ""),
    FieldSpec::new("fd.sip", FieldType::Ip, ""),
    FieldSpec::new("fd.net", FieldType::Ip, ""),
    FieldSpec::new("fd.sport", FieldType::UInt, ""),
    FieldSpec::new("container.label", FieldType::Str, "").with_arg(ArgSpec::Key),
    FieldSpec::new("fd.types", FieldType::Str, "").with_card(Cardinality::List),
];
const TABLE: StaticTable<'static> = StaticTable::new(SPECS);

#[derive(Clone)]
enum V {
    S(&'static str),
    I(i64),
    U(u64),
    B(bool),
    Ip(&'static str),
    L(&'static [&'static str]),
}

/// An event as a map from field name (with `[arg]` for keyed fields) to value.
#[derive(Default)]
struct Ev(HashMap<String, V>);

impl Ev {
    fn with(mut self, name: &str, v: V) -> Ev {
        self.0.insert(name.to_string(), v);
        self
    }
}

fn value(v: &V) -> Value<'_> {
    match v {
        V::S(s) => Value::Str(s.as_bytes()),
        V::I(n) => Value::Num(*n),
        V::U(n) => Value::UNum(*n),
        V::B(b) => Value::Bool(*b),
        V::Ip(s) => Value::Ip(s.parse::<IpAddr>().unwrap()),
        V::L(_) => Value::Missing,
    }
}

impl Fields for Ev {
    fn get<'s>(&'s self, f: &FieldRef, buf: &'s mut Vec<u8>) -> Value<'s> {
        let name = SPECS[f.id as usize].name;
        match &f.arg {
            FieldArg::None if name == "proc.cmdline" => {
                // Built per event, as a real implementation joins name and args.
                let (Some(V::S(n)), Some(V::S(a))) = (self.0.get("proc.name"), self.0.get("proc.args")) else {
                    return Value::Missing;
                };
                buf.clear();
                buf.extend_from_slice(n.as_bytes());
                buf.push(b' ');
                buf.extend_from_slice(a.as_bytes());
                Value::Str(buf)
            }
            FieldArg::None => self.0.get(name).map_or(Value::Missing, value),
            FieldArg::Index(i) => match self.0.get(name) {
                Some(V::L(items)) => items
                    .get(*i as usize)
                    .map_or(Value::Missing, |s| Value::Str(s.as_bytes())),
                _ => self.0.get(&format!("{name}[{i}]")).map_or(Value::Missing, value),
            },
            FieldArg::Key(k) => self.0.get(&format!("{name}[{k}]")).map_or(Value::Missing, value),
        }
    }

    fn for_each(&self, f: &FieldRef, _buf: &mut Vec<u8>, each: &mut dyn FnMut(Value<'_>) -> ControlFlow<()>) {
        if let Some(V::L(items)) = self.0.get(SPECS[f.id as usize].name) {
            for s in *items {
                if each(Value::Str(s.as_bytes())).is_break() {
                    return;
                }
            }
        }
    }
}

fn check(cond: &str, ev: &Ev) -> bool {
    let expr = parse(cond).unwrap_or_else(|e| panic!("{}", e.render("cond", cond)));
    let c = compile(&expr, &TABLE).unwrap_or_else(|e| panic!("{}", e.render("cond", cond)));
    c.matches(ev, &mut Scratch::new())
}

fn compile_err(cond: &str) -> CompileError {
    compile(&parse(cond).unwrap(), &TABLE).expect_err(cond)
}

fn open_shadow() -> Ev {
    Ev::default()
        .with("evt.type", V::S("openat"))
        .with("evt.dir", V::S("<"))
        .with("evt.is_open_read", V::B(true))
        .with("evt.rawres", V::I(3))
        .with("evt.arg[flags]", V::S("O_RDONLY|O_CLOEXEC"))
        .with("evt.arg[1]", V::S("/etc/shadow"))
        .with("proc.name", V::S("cat"))
        .with("proc.args", V::S("/etc/shadow"))
        .with("proc.pname", V::S("bash"))
        .with("proc.pid", V::U(4242))
        .with("proc.aname", V::L(&["cat", "bash", "sshd", "systemd"]))
        .with("fd.name", V::S("/etc/shadow"))
        .with("container.label[app]", V::S("web"))
        .with("container.label[io.kubernetes.pod.name]", V::S("api-7d9f"))
}

const SENSITIVE: &str = "evt.type in (open,openat,openat2) and evt.is_open_read=true \
     and fd.name pmatch (/etc, /root/.ssh) and not proc.name in (sshd, sudo)";

#[test]
fn sensitive_file_read_matches_only_the_right_events() {
    assert!(check(SENSITIVE, &open_shadow()));
    assert!(!check(SENSITIVE, &open_shadow().with("proc.name", V::S("sshd"))));
    assert!(!check(SENSITIVE, &open_shadow().with("evt.type", V::S("read"))));
    assert!(!check(SENSITIVE, &open_shadow().with("evt.is_open_read", V::B(false))));
    assert!(!check(SENSITIVE, &open_shadow().with("fd.name", V::S("/etcetera/x"))));
    assert!(check(
        SENSITIVE,
        &open_shadow().with("fd.name", V::S("/root/.ssh/id_rsa"))
    ));
    assert!(check(SENSITIVE, &open_shadow().with("fd.name", V::S("/etc"))));
}

#[test]
fn missing_fields_make_comparisons_false_and_their_negations_true() {
    let ev = Ev::default().with("evt.type", V::S("execve"));
    assert!(!check("proc.name = x", &ev));
    assert!(
        !check("proc.name != x", &ev),
        "!= on a missing field is false, as in Falco"
    );
    assert!(check("not proc.name = x", &ev));
    assert!(!check("proc.name exists", &ev));
    assert!(check("not proc.name exists", &ev));
    assert!(check("evt.type exists", &ev));
    assert!(!check("fd.sport > 0", &ev));
    assert!(!check("tolower(proc.name) = x", &ev));
    assert!(check(
        "proc.name = val(proc.pname)",
        &open_shadow().with("proc.pname", V::S("cat"))
    ));
    assert!(!check(
        "proc.name = val(fd.name)",
        &Ev::default().with("proc.name", V::S("a"))
    ));
}

#[test]
fn string_operators() {
    let ev = open_shadow();
    assert!(check("fd.name contains shad", &ev));
    assert!(!check("fd.name contains SHAD", &ev));
    assert!(check("fd.name icontains SHAD", &ev));
    assert!(check("fd.name startswith /etc/", &ev));
    assert!(check("fd.name endswith dow", &ev));
    assert!(!check("fd.name endswith /etc", &ev));
    assert!(check("fd.name glob /etc/*", &ev));
    assert!(check("fd.name glob '/etc/s?ad[o-p]w'", &ev));
    assert!(!check("fd.name glob /etc/s", &ev));
    assert!(check("fd.name iglob /ETC/SHADOW", &ev));
    assert!(check(r#"fd.name regex "/etc/(shadow|gshadow)""#, &ev));
    assert!(!check(r#"fd.name regex "shadow""#, &ev), "regex is a full match");
    assert!(check(r#"fd.name regex ".*shadow""#, &ev));
    assert!(check("fd.name bcontains 736861646f77", &ev), "hex of 'shadow'");
    assert!(check("fd.name bstartswith 2f657463", &ev), "hex of '/etc'");
    assert!(!check("fd.name bstartswith 2f726f6f74", &ev));
    assert!(check("fd.name > /etc/a and fd.name < /etc/t", &ev));
    assert!(check("fd.name != /etc/passwd", &ev));
    assert!(
        check("proc.cmdline = \"cat /etc/shadow\"", &ev),
        "value built in the scratch buffer"
    );
    assert!(check("evt.dir = <", &ev));
    assert!(check("evt.type intersects (openat, x)", &ev));
}

#[test]
fn field_arguments() {
    let ev = open_shadow();
    assert!(check("proc.aname[2] = sshd", &ev));
    assert!(!check("proc.aname[1] = sshd", &ev));
    assert!(!check("proc.aname[9] = sshd", &ev));
    assert!(check("proc.aname = sshd", &ev), "no index: any ancestor");
    assert!(check("proc.aname in (sshd, containerd)", &ev));
    assert!(!check("proc.aname = dockerd", &ev));
    assert!(check("proc.aname exists", &ev));
    assert!(!check("proc.aname exists", &Ev::default()));
    assert!(check("container.label[app] = web", &ev));
    assert!(check("container.label[io.kubernetes.pod.name] startswith api-", &ev));
    assert!(!check("container.label[team] = x", &ev));
    assert!(check("evt.arg.flags contains O_RDONLY", &ev));
    assert!(check("evt.arg[flags] contains O_RDONLY", &ev));
    assert!(check("evt.arg[1] = /etc/shadow", &ev));
}

#[test]
fn list_fields_in_means_all_and_intersects_means_any() {
    let ev = Ev::default().with("fd.types", V::L(&["file", "ipv4"]));
    assert!(check("fd.types in (file, ipv4, ipv6)", &ev));
    assert!(!check("fd.types in (file)", &ev));
    assert!(check("fd.types intersects (file)", &ev));
    assert!(!check("fd.types intersects (unix)", &ev));
    assert!(!check("fd.types in (file)", &Ev::default()), "no elements: in is false");
    assert!(check("len(fd.types) = 2", &ev));
    assert!(check(r#"join(",", fd.types) = "file,ipv4""#, &ev));
}

#[test]
fn numbers_booleans_and_ips() {
    let ev = open_shadow()
        .with("fd.sip", V::Ip("10.1.2.3"))
        .with("fd.net", V::Ip("127.0.0.1"))
        .with("fd.sport", V::U(443));
    assert!(check(
        "proc.pid = 4242 and proc.pid > 4000 and proc.pid <= 4242 and proc.pid != 1",
        &ev
    ));
    assert!(check("proc.pid = 0x1092", &ev));
    assert!(check("evt.rawres >= 0 and evt.rawres < 4096", &ev));
    assert!(!check("evt.rawres < 0", &ev));
    assert!(check("evt.rawres < 0", &ev.with("evt.rawres", V::I(-2))));
    let ev = open_shadow()
        .with("fd.sip", V::Ip("10.1.2.3"))
        .with("fd.net", V::Ip("127.0.0.1"))
        .with("fd.sport", V::U(443));
    assert!(check("fd.sport in (80, 443)", &ev));
    assert!(!check("fd.sport in (80, 8080)", &ev));
    assert!(check("evt.is_open_read = true and evt.is_open_read != false", &ev));
    assert!(check(
        "fd.sip = 10.1.2.3 and fd.sip in (192.168.0.0/16, 10.0.0.0/8)",
        &ev
    ));
    assert!(!check("fd.sip = 10.1.2.4", &ev));
    assert!(!check(r#"fd.net != "127.0.0.0/8""#, &ev));
    assert!(check(r#"fd.net = "127.0.0.0/8""#, &ev));
    assert!(check(
        r#"(evt.type=openat and evt.dir=<) and fd.sip != "127.0.0.0/8""#,
        &ev
    ));
    assert!(check("fd.sip = ::ffff:10.1.2.3", &ev), "mapped v6 compares as v4");
}

#[test]
fn transformers_and_field_to_field_comparisons() {
    let ev = open_shadow()
        .with("proc.name", V::S("Bash"))
        .with("proc.pname", V::S("bash"));
    assert!(check("tolower(proc.name) = bash", &ev));
    assert!(check("toupper(proc.name) = BASH", &ev));
    assert!(check("len(proc.name) = 4", &ev));
    assert!(check("basename(fd.name) = shadow", &ev));
    assert!(check(r#"concat(proc.pname, ":", fd.name) = "bash:/etc/shadow""#, &ev));
    assert!(check("tolower(proc.name) = val(proc.pname)", &ev));
    assert!(!check("proc.name = val(proc.pname)", &ev));
    assert!(check(
        "proc.name = toupper(val(proc.pname))",
        &open_shadow().with("proc.name", V::S("BASH"))
    ));
    assert!(check(
        "proc.name icontains val(proc.pname)",
        &open_shadow().with("proc.name", V::S("xBASHx"))
    ));
    assert!(check("proc.pid > val(evt.rawres)", &open_shadow()));
    let b64 = open_shadow().with("proc.name", V::S("Y3VybCBldmls"));
    assert!(check("b64(proc.name) = \"curl evil\"", &b64));
    assert!(check(
        "tolower(toupper(tolower(proc.name))) = val(tolower(proc.pname))",
        &ev
    ));
    assert!(!check("proc.name = toupper(val(proc.pname))", &ev));
}

#[test]
fn scratch_is_reused_across_events_and_conditions() {
    let c1 = compile(&parse("tolower(proc.name) = bash").unwrap(), &TABLE).unwrap();
    let c2 = compile(&parse("concat(proc.name, fd.name) contains sh/etc").unwrap(), &TABLE).unwrap();
    let mut scratch = Scratch::new();
    for (name, want1, want2) in [("BASH", true, false), ("zsh", false, true), ("bash", true, true)] {
        let ev = open_shadow().with("proc.name", V::S(name));
        assert_eq!(c1.matches(&ev, &mut scratch), want1, "{name}");
        assert_eq!(c2.matches(&ev, &mut scratch), want2, "{name}");
    }
}

#[test]
fn compile_errors_name_the_problem_and_its_place() {
    let cond = "evt.type = open and proc.nmae = bash";
    let e = compile(&parse(cond).unwrap(), &TABLE).unwrap_err();
    assert_eq!(e.to_string(), "unknown field `proc.nmae` (did you mean `proc.name`?)");
    assert_eq!(
        e.render("cli", cond),
        "cli:1:21: unknown field `proc.nmae` (did you mean `proc.name`?)"
    );
    assert!(matches!(
        compile_err("k8s.pod.name = x"),
        CompileError::UnknownField { suggestion: None, .. }
    ));
    assert!(matches!(compile_err("proc.name[1] = x"), CompileError::FieldArg { .. }));
    assert!(matches!(
        compile_err("container.label = x"),
        CompileError::FieldArg { .. }
    ));
    let e = compile_err("proc.pid contains 4");
    assert_eq!(
        e.to_string(),
        "operator `contains` does not apply to uint field `proc.pid`"
    );
    assert_eq!(e.span().start, 9);
    let e = compile_err("proc.pid = abc");
    assert_eq!(e.to_string(), "bad value `abc` for `proc.pid`: not a number");
    assert_eq!(e.span().start, 11);
    assert!(compile_err("fd.sport in (80, http)").to_string().contains("`http`"));
    assert!(compile_err("fd.sip = 10.0.0.0/40")
        .to_string()
        .contains("prefix length"));
    assert!(compile_err("fd.sip contains 10")
        .to_string()
        .contains("does not apply to ip field"));
    assert!(compile_err("evt.is_open_read = yes")
        .to_string()
        .contains("true or false"));
    assert!(compile_err("fd.name regex \"(unclosed\"")
        .to_string()
        .contains("invalid regex"));
    assert!(compile_err("fd.name bcontains 7g").to_string().contains("not hex"));
    assert!(compile_err("proc.name = (a, b)")
        .to_string()
        .contains("takes one value"));
    assert!(compile_err("proc.name = val(proc.pid)")
        .to_string()
        .contains("cannot compare"));
    assert!(compile_err("tolower(proc.pid) = 1")
        .to_string()
        .contains("string field"));
    assert!(compile_err("getopt(proc.cmdline) = x")
        .to_string()
        .contains("not supported"));
    assert!(compile_err("tolower(proc.aname) = x")
        .to_string()
        .contains("several values"));
    let e = compile_err("spawned_process and proc.name = x");
    assert!(
        matches!(&e, CompileError::UnresolvedRef { name, .. } if name == "spawned_process"),
        "{e}"
    );
}

#[test]
fn list_modifiers_anyof_allof_oneof() {
    let ev = Ev::default()
        .with("proc.name", V::S("curl"))
        .with("proc.args", V::S("-s http://x/a.sh -o /tmp/a.sh"))
        .with("fd.name", V::S("/etc/ssh/sshd_config"))
        .with("proc.aname", V::L(&["curl", "bash", "sshd"]));
    // anyof: at least one item holds (merged into one automaton or set where possible).
    assert!(check("proc.cmdline contains anyof (wget, curl)", &ev));
    assert!(!check("proc.cmdline contains anyof (wget, nc)", &ev));
    assert!(check("proc.cmdline icontains anyof (WGET, CURL)", &ev));
    assert!(!check("proc.cmdline icontains anyof (WGET, NC)", &ev));
    assert!(check("fd.name startswith anyof (/root, /etc/ssh)", &ev));
    assert!(!check("fd.name startswith anyof (/root, /ssh)", &ev));
    assert!(check("proc.name = anyof (wget, curl)", &ev));
    assert!(check("fd.name endswith anyof (_config, .pem)", &ev));
    assert!(check("fd.name glob anyof ('/root/*', '/etc/*/*')", &ev));
    assert!(check("fd.name bcontains anyof (dead, 737368)", &ev), "hex of 'ssh'");
    assert!(check("fd.name bstartswith anyof (2f726f6f74, 2f657463)", &ev));
    assert!(!check("proc.name = anyof ()", &ev), "an empty anyof never holds");
    // allof: every item holds.
    assert!(check("fd.name startswith allof (/etc, /etc/ssh)", &ev));
    assert!(!check("fd.name startswith allof (/etc, /etc/ssl)", &ev));
    assert!(check("proc.cmdline contains allof (curl, -o, .sh)", &ev));
    assert!(!check("proc.cmdline contains allof (curl, wget)", &ev));
    assert!(check("proc.cmdline regex allof ('curl .*', '.*\\.sh')", &ev));
    // oneof: exactly one item holds.
    assert!(check("proc.cmdline contains oneof (-e, -o)", &ev));
    assert!(!check("proc.cmdline contains oneof (-s, -o)", &ev), "two hold");
    assert!(!check("proc.cmdline contains oneof (-e, --exec)", &ev), "none holds");
    assert!(check("proc.cmdline icontains oneof (-O, --EXEC)", &ev));
    // Negation and a missing field: the comparison is false, its negation true.
    assert!(check("not proc.cmdline contains anyof (wget, nc)", &ev));
    assert!(!check("proc.pname contains anyof (bash, sh)", &ev));
    assert!(check("not proc.pname contains allof (bash, sh)", &ev));
    // A multi-valued field: some value satisfies the modified comparison.
    assert!(check("proc.aname startswith allof (ss, ssh)", &ev));
    assert!(!check("proc.aname startswith allof (ba, ssh)", &ev));
    // Inside an `or` next to ordinary comparisons.
    assert!(check(
        "proc.name = wget or proc.cmdline contains anyof (nc, -o) or fd.name = x",
        &ev
    ));
}

#[test]
fn list_modifier_errors() {
    let e = compile_err("proc.pid = anyof (1, 2)");
    assert!(e.to_string().contains("needs a string field"), "{e}");
    let e = compile_err("fd.name bcontains anyof (zz)");
    assert!(e.to_string().contains("not hex bytes"), "{e}");
    let e = compile_err("fd.name regex anyof ('(')");
    assert!(e.to_string().contains("invalid regex"), "{e}");
    assert!(
        parse("proc.name in anyof (a, b)").is_err(),
        "list operators take no modifier"
    );
    assert!(parse("proc.name contains anyof wget").is_err());
}
