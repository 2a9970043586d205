//! Lexer and parser on conditions written the way Falco rule files write them.

#![allow(clippy::unwrap_used)]

use vigil_rules::ast::{Operand, Rhs};
use vigil_rules::lexer::{tokenize, TokenKind};
use vigil_rules::{parse, CmpOp, ExprKind, Span};

fn tree(src: &str) -> String {
    match parse(src) {
        Ok(e) => e.to_string(),
        Err(e) => panic!("{src:?}: {}", e.render("cond", src)),
    }
}

#[test]
fn realistic_conditions_parse_to_the_expected_trees() {
    let cases = [
        (
            "evt.type in (open,openat,openat2) and evt.is_open_read=true and fd.name pmatch (/etc, /root/.ssh) \
             and not proc.name in (sshd, sudo)",
            "(and (in evt.type [open, openat, openat2]) (= evt.is_open_read true) \
             (pmatch fd.name [/etc, /root/.ssh]) (not (in proc.name [sshd, sudo])))",
        ),
        (
            "spawned_process and container and proc.name in (shell_binaries)",
            "(and spawned_process container (in proc.name [shell_binaries]))",
        ),
        (
            r#"fd.sip.name="api.example.com""#,
            r#"(= fd.sip.name "api.example.com")"#,
        ),
        (
            r#"(evt.type=connect and evt.dir=<) and fd.net != "127.0.0.0/8""#,
            r#"(and (and (= evt.type connect) (= evt.dir <)) (!= fd.net "127.0.0.0/8"))"#,
        ),
        ("proc.aname[2]=sshd", "(= proc.aname[2] sshd)"),
        ("container.label[app]=web", "(= container.label[app] web)"),
        (
            "container.label[io.kubernetes.pod.name] startswith api-",
            "(startswith container.label[io.kubernetes.pod.name] api-)",
        ),
        ("evt.arg[1] contains O_RDONLY", "(contains evt.arg[1] O_RDONLY)"),
        ("evt.arg.flags contains O_CREAT", "(contains evt.arg.flags O_CREAT)"),
        ("fd.net = 127.0.0.1/8", "(= fd.net 127.0.0.1/8)"),
        ("fd.name glob /etc/[a-z]*.conf", "(glob fd.name /etc/[a-z]*.conf)"),
        (
            "evt.rawres < 0 or evt.rawres >= 4096",
            "(or (< evt.rawres 0) (>= evt.rawres 4096))",
        ),
        (
            "proc.name exists and not proc.pname exists",
            "(and (exists proc.name) (not (exists proc.pname)))",
        ),
        ("tolower(proc.name) = bash", "(= tolower(proc.name) bash)"),
        ("len(proc.args) > 1000", "(> len(proc.args) 1000)"),
        (
            r#"join(",", proc.aname) contains "sshd,""#,
            r#"(contains join(",", proc.aname) "sshd,")"#,
        ),
        ("proc.name = val(proc.pname)", "(= proc.name val(proc.pname))"),
        (
            "proc.name != toupper(val(proc.pname))",
            "(!= proc.name val(toupper(proc.pname)))",
        ),
        ("proc.name in ()", "(in proc.name [])"),
        ("fd.sport in (80, 443, 8080)", "(in fd.sport [80, 443, 8080])"),
        (
            r#"proc.cmdline regex "^sh -c .*\.sh$" and proc.cmdline icontains 'CURL'"#,
            r#"(and (regex proc.cmdline "^sh -c .*\\.sh$") (icontains proc.cmdline "CURL"))"#,
        ),
        ("fd.name bcontains 7f454c46", "(bcontains fd.name 7f454c46)"),
        ("proc.name==bash", "(= proc.name bash)"),
        (
            "thread.cap_effective intersects (CAP_SYS_ADMIN)",
            "(intersects thread.cap_effective [CAP_SYS_ADMIN])",
        ),
    ];
    for (src, want) in cases {
        assert_eq!(tree(src), want, "{src}");
    }
}

#[test]
fn precedence_not_binds_tighter_than_and_tighter_than_or() {
    assert_eq!(tree("a or b and c"), "(or a (and b c))");
    assert_eq!(tree("a and b or c"), "(or (and a b) c)");
    assert_eq!(tree("not a and b"), "(and (not a) b)");
    assert_eq!(tree("not a or not b and c"), "(or (not a) (and (not b) c))");
    assert_eq!(tree("not (a or b) and c"), "(and (not (or a b)) c)");
    assert_eq!(tree("not not a"), "(not (not a))");
    assert_eq!(tree("a and (b or c) and d"), "(and a (or b c) d)");
    assert_eq!(tree("((a))"), "a");
    assert_eq!(tree("a or b or c or d"), "(or a b c d)");
}

#[test]
fn macro_names_stay_references_with_spans() {
    let src = "spawned_process and not   user_known_shells";
    let e = parse(src).unwrap();
    let ExprKind::And(xs) = &e.kind else { panic!("{e}") };
    assert_eq!(xs[0].kind, ExprKind::Ref("spawned_process".into()));
    assert_eq!(xs[0].span.text(src), "spawned_process");
    let ExprKind::Not(inner) = &xs[1].kind else { panic!() };
    assert_eq!(inner.kind, ExprKind::Ref("user_known_shells".into()));
    assert_eq!(inner.span, Span { start: 26, end: 43 });
    assert_eq!(xs[1].span.text(src), "not   user_known_shells");
    assert_eq!(
        e.span,
        Span {
            start: 0,
            end: src.len() as u32
        }
    );
}

#[test]
fn quoted_strings_resolve_escapes_and_keep_other_backslashes() {
    let src = r#"proc.cmdline = "say \"hi\"\n\tto 'me'" and fd.name = 'it\'s' and proc.args regex "\d+\.\d+""#;
    let e = parse(src).unwrap();
    let ExprKind::And(xs) = &e.kind else { panic!() };
    let value = |i: usize| match &xs[i].kind {
        ExprKind::Compare { rhs: Rhs::Value(v), .. } => (v.text.clone(), v.quoted, v.span.text(src).to_string()),
        k => panic!("{k:?}"),
    };
    assert_eq!(
        value(0),
        (
            "say \"hi\"\n\tto 'me'".into(),
            true,
            r#""say \"hi\"\n\tto 'me'""#.into()
        )
    );
    assert_eq!(value(1).0, "it's");
    assert_eq!(value(2).0, r"\d+\.\d+");
}

#[test]
fn fields_arguments_values_and_operators_carry_exact_spans() {
    let src = "proc.aname[2] != \"sshd\"";
    let e = parse(src).unwrap();
    let ExprKind::Compare {
        lhs: Operand::Field(f),
        op,
        op_span,
        modifier: None,
        rhs: Rhs::Value(v),
    } = &e.kind
    else {
        panic!()
    };
    assert_eq!((f.name.as_str(), f.arg.as_deref()), ("proc.aname", Some("2")));
    assert_eq!(f.span.text(src), "proc.aname[2]");
    assert_eq!((*op, op_span.text(src)), (CmpOp::Ne, "!="));
    assert_eq!(v.span.text(src), "\"sshd\"");
    let src = r#"container.label["io.kubernetes.pod.name"] = x"#;
    let ExprKind::Compare {
        lhs: Operand::Field(f), ..
    } = parse(src).unwrap().kind
    else {
        panic!()
    };
    assert_eq!(f.arg.as_deref(), Some("io.kubernetes.pod.name"));
}

#[test]
fn list_items_record_whether_they_were_quoted() {
    let src = r#"proc.name in (shell_binaries, "c d", bash)"#;
    let ExprKind::Compare {
        rhs: Rhs::List { items, span },
        ..
    } = parse(src).unwrap().kind
    else {
        panic!()
    };
    let got: Vec<_> = items.iter().map(|v| (v.text.as_str(), v.quoted)).collect();
    assert_eq!(got, [("shell_binaries", false), ("c d", true), ("bash", false)]);
    assert_eq!(span.text(src), r#"(shell_binaries, "c d", bash)"#);
}

#[test]
fn tokenize_switches_to_value_mode_after_operators() {
    let src = "evt.dir=< and fd.name in (/etc/passwd, \"a b\") and proc.name = val(proc.pname)";
    let toks = tokenize(src).unwrap();
    let kinds: Vec<String> = toks
        .iter()
        .map(|t| match &t.kind {
            TokenKind::Field { .. } => format!("F:{}", t.span.text(src)),
            TokenKind::Op(op) => format!("O:{}", op.as_str()),
            TokenKind::Bare => format!("B:{}", t.span.text(src)),
            TokenKind::Str(s) => format!("S:{s}"),
            TokenKind::Ident => format!("I:{}", t.span.text(src)),
            k => format!("{k:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "F:evt.dir",
            "O:=",
            "B:<",
            "And",
            "F:fd.name",
            "O:in",
            "LParen",
            "B:/etc/passwd",
            "Comma",
            "S:a b",
            "RParen",
            "And",
            "F:proc.name",
            "O:=",
            "I:val",
            "LParen",
            "F:proc.pname",
            "RParen",
            "Eof"
        ]
    );
    assert_eq!(toks[2].span, Span { start: 8, end: 9 });
    let nums = tokenize("fd.sport in (80, 0x1bb, -1, 1.5)").unwrap();
    let k: Vec<_> = nums.iter().map(|t| t.kind.clone()).collect();
    assert_eq!(k[3], TokenKind::Num);
    assert_eq!(k[5], TokenKind::Num);
    assert_eq!(k[7], TokenKind::Num);
    assert_eq!(k[9], TokenKind::Bare);
}

/// (condition, expected span text or start, words the message must contain)
#[test]
fn errors_point_at_the_problem_and_say_what_was_expected() {
    let cases: &[(&str, u32, &[&str])] = &[
        (
            "(proc.name = bash",
            17,
            &["`)` closing the `(` at byte 0", "end of condition"],
        ),
        ("proc.name = bash)", 16, &["unbalanced `)`"]),
        ("proc.name =", 11, &["a value after `=`", "end of condition"]),
        ("(proc.name = )", 13, &["a value after `=`", "`)`"]),
        (
            "proc.name like bash",
            10,
            &["comparison operator after `proc.name`", "`like`"],
        ),
        ("proc.name bash", 10, &["comparison operator", "`bash`"]),
        ("proc.name in bash", 13, &["parenthesised list after `in`"]),
        ("proc.name in (a b)", 16, &["`,` or `)`", "`b`"]),
        ("proc.name = \"open", 12, &["closing the string", "end of condition"]),
        ("proc.aname[2 = x", 10, &["`]` closing the field argument"]),
        (
            "proc.name = a and",
            17,
            &["a field, a macro name, `not` or `(`", "end of condition"],
        ),
        ("shell = bash", 0, &["field name", "`shell`"]),
        ("proc.name = a b", 14, &["`and`, `or` or end of condition", "`b`"]),
        ("and proc.name = a", 0, &["a field, a macro name"]),
        ("proc.name = a and ! b", 18, &["`!`"]),
        ("tolower(proc.name = x", 18, &["`)` closing `tolower(`"]),
    ];
    for (src, start, words) in cases {
        let err = parse(src).expect_err(src);
        assert_eq!(err.span.start, *start, "{src}: {err}");
        let msg = err.to_string();
        for w in *words {
            assert!(msg.contains(w), "{src}: {msg:?} lacks {w:?}");
        }
    }
}

#[test]
fn errors_render_as_line_and_column() {
    let src = "evt.type = open and\n  (proc.name = bash";
    let err = parse(src).unwrap_err();
    assert_eq!(
        err.render("rules.yaml", src),
        "rules.yaml:2:20: expected `)` closing the `(` at byte 22, or `and`/`or`, found end of condition"
    );
}

#[test]
fn hostile_nesting_is_refused_not_overflowed() {
    let src = format!("{}a{}", "(".repeat(10_000), ")".repeat(10_000));
    let err = parse(&src).unwrap_err();
    assert!(err.expected.contains("nested less deeply"), "{err}");
    let src = format!("{}a", "not ".repeat(10_000));
    assert!(parse(&src).is_err());
    let deep_ok = format!("{}a{}", "(".repeat(50), ")".repeat(50));
    assert_eq!(tree(&deep_ok), "a");
}

#[test]
fn list_modifiers_parse_and_print_back() {
    let cases = [
        (
            "proc.cmdline contains anyof (wget, curl)",
            "(contains anyof proc.cmdline [wget, curl])",
        ),
        (
            "fd.name startswith allof (/etc, /etc/ssh)",
            "(startswith allof fd.name [/etc, /etc/ssh])",
        ),
        (
            "proc.args icontains oneof (-e, \"--exec\") and not fd.name glob anyof(/tmp/*, '/dev/shm/*')",
            "(and (icontains oneof proc.args [-e, \"--exec\"]) (not (glob anyof fd.name [/tmp/*, \"/dev/shm/*\"])))",
        ),
        // Only right after an operator and before `(` are these words modifiers.
        ("proc.name = oneof", "(= proc.name oneof)"),
        ("proc.name in (anyof, allof)", "(in proc.name [anyof, allof])"),
        ("anyof and allof", "(and anyof allof)"),
    ];
    for (src, want) in cases {
        assert_eq!(tree(src), want, "{src}");
    }
    let e = parse("proc.cmdline contains anyof (wget, curl)").unwrap();
    let ExprKind::Compare { modifier, rhs, .. } = &e.kind else {
        panic!("{e}")
    };
    assert_eq!(*modifier, Some(vigil_rules::ast::ListMod::AnyOf));
    assert!(matches!(rhs, Rhs::List { items, .. } if items.len() == 2));
    let err = parse("proc.name in anyof (a)").unwrap_err();
    assert!(err.expected.contains("single-value operators"), "{err:?}");
    let err = parse("proc.name contains allof wget").unwrap_err();
    assert_eq!(err.found, "`wget`");
}

#[test]
fn tokenize_marks_list_modifiers() {
    let src = "proc.cmdline contains anyof (wget, curl) and proc.name = oneof";
    let kinds: Vec<TokenKind> = tokenize(src).unwrap().into_iter().map(|t| t.kind).collect();
    assert_eq!(kinds[2], TokenKind::Modifier(vigil_rules::ast::ListMod::AnyOf));
    assert_eq!(kinds[3], TokenKind::LParen);
    assert_eq!(kinds[4], TokenKind::Bare);
    assert_eq!(kinds[11], TokenKind::Bare, "{kinds:?}");
}
