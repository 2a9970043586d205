//! `vigil rules` as a user runs it.

#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

fn vigil(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigil")).args(args).output().unwrap()
}

const GOOD: &str = r#"
- list: shells
  items: [sh, bash, dash]
- macro: in_container
  condition: container.id != host
- rule: Shell in a container
  desc: a shell started in a container
  condition: evt.type in (execve, execveat) and in_container and proc.name in (shells)
  output: shell %proc.name in %container.name
  priority: WARNING
  tags: [container, shell]
"#;

const BROKEN: &str = r#"
- rule: Bad field
  desc: x
  condition: evt.type = openat and proc.nmae = cat
  output: x
  priority: ERROR
"#;

#[test]
fn validate_reports_file_line_col_with_the_text_underlined() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.yaml");
    let broken = dir.path().join("broken.yaml");
    std::fs::write(&good, GOOD).unwrap();
    std::fs::write(&broken, BROKEN).unwrap();

    let ok = vigil(&["rules", "validate", good.to_str().unwrap()]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    assert!(String::from_utf8_lossy(&ok.stderr).contains("1 rules (1 enabled), 1 macros, 1 lists; 0 error(s)"));

    let bad = vigil(&["rules", "validate", good.to_str().unwrap(), broken.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(1));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("broken.yaml:4:"), "{err}");
    assert!(err.contains("proc.nmae") && err.contains("proc.name"), "{err}");
    assert!(err.contains("^^^"), "the offending text is underlined: {err}");

    let listed = vigil(&["rules", "list", "--json", good.to_str().unwrap()]);
    assert!(listed.status.success());
    let rule: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(rule["rule"], "Shell in a container");
    assert_eq!(rule["priority"], "Warning");
    assert_eq!(rule["tags"], serde_json::json!(["container", "shell"]));
}

#[test]
fn fields_are_listed_from_the_table() {
    let out = vigil(&["rules", "fields", "--json"]);
    assert!(out.status.success());
    let fields: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(fields.len() > 200);
    let name = fields.iter().find(|f| f["name"] == "proc.aname").unwrap();
    assert_eq!(name["type"], "string");
    assert_eq!(name["supported"], true);
    assert!(fields
        .iter()
        .any(|f| f["name"] == "proc.env" && f["supported"] == false));
}
