//! `vigil db import` and `vigil scan` as a user runs them: the example image scanned against OSV
//! records written for the test, through every output format, the gate, ignore rules and VEX.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn vigil(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(args)
        .env_remove("VIGIL_DB")
        .output()
        .expect("vigil runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A database of the fixture advisories, in a temporary directory.
fn database(dir: &Path) -> String {
    let db = dir.join("vulndb.sqlite");
    let osv = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/osv");
    let out = vigil(&[
        "db",
        "import",
        "--db",
        db.to_str().expect("utf8"),
        osv.to_str().expect("utf8"),
    ]);
    assert!(out.status.success(), "import failed: {}", text(&out.stderr));
    db.to_str().expect("utf8").to_string()
}

fn example() -> String {
    format!("docker-archive:{}", root().join("examples/app.tar").display())
}

fn findings(json: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap_or("").to_string(),
                f["package"]["name"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn scan_finds_what_the_advisories_say_and_nothing_else() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = database(dir.path());
    let status = vigil(&["db", "status", "--db", &db]);
    assert!(status.status.success());
    let s = text(&status.stdout);
    assert!(s.contains("Debian") && s.contains("PyPI") && s.contains("npm"), "{s}");

    let out = vigil(&["scan", &example(), "--db", &db, "-o", "json", "-q"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).expect("json report");
    assert_eq!(
        findings(&json),
        vec![
            ("CVE-2018-18074".to_string(), "requests".to_string()),
            ("CVE-2020-7598".to_string(), "minimist".to_string()),
            ("CVE-2099-0001".to_string(), "zlib1g".to_string()),
        ],
        "lodash 4.17.11 is past last_affected 4.17.10; the Debian 11 entry does not apply to Debian 12"
    );
    let zlib = json["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["package"]["name"] == "zlib1g"))
        .expect("zlib finding")
        .clone();
    let zs = zlib.to_string();
    assert!(zs.contains("1:1.2.13.dfsg-1+deb12u1"), "fixed version listed: {zs}");
    assert!(zs.contains("DEBIAN-CVE-2099-0001"), "the advisory id: {zs}");

    // The table names them too; SARIF and CycloneDX carry them.
    let table = vigil(&["scan", &example(), "--db", &db, "-q"]);
    let t = text(&table.stdout);
    assert!(
        t.contains("CVE-2018-18074") && t.contains("requests") && t.contains("2.20.0"),
        "{t}"
    );
    let sarif = vigil(&["scan", &example(), "--db", &db, "-o", "sarif", "-q"]);
    let sarif: Value = serde_json::from_slice(&sarif.stdout).expect("sarif");
    assert_eq!(sarif["version"], "2.1.0");
    // One result per finding; the default bundle's decisions come as `policy/...` results.
    let vulnerability_results = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter(|r| !r["ruleId"].as_str().unwrap_or("").starts_with("policy/"))
        .count();
    assert_eq!(vulnerability_results, 3);
    let cdx = vigil(&["scan", &example(), "--db", &db, "-o", "cyclonedx-json", "-q"]);
    let cdx: Value = serde_json::from_slice(&cdx.stdout).expect("cyclonedx");
    assert_eq!(cdx["specVersion"], "1.6");
    assert_eq!(cdx["vulnerabilities"].as_array().map(Vec::len), Some(3));
}

#[test]
fn fail_on_gates_the_exit_code() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = database(dir.path());
    // requests: CVSS 7.5 (high); minimist: 5.6 (medium); zlib: Debian urgency high.
    let high = vigil(&["scan", &example(), "--db", &db, "--fail-on", "high", "-q", "-o", "json"]);
    assert_eq!(high.status.code(), Some(1), "{}", text(&high.stderr));
    assert!(text(&high.stderr).contains("--fail-on high"), "{}", text(&high.stderr));
    let critical = vigil(&[
        "scan",
        &example(),
        "--db",
        &db,
        "--fail-on",
        "critical",
        "-q",
        "-o",
        "json",
    ]);
    assert_eq!(critical.status.code(), Some(0));
    let bad = vigil(&["scan", &example(), "--db", &db, "--fail-on", "severe"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn ignore_rules_and_vex_suppress_but_never_hide() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = database(dir.path());
    let ignore = dir.path().join("ignore.yaml");
    std::fs::write(
        &ignore,
        "ignore:\n  - id: CVE-2099-0001\n    reason: zlib is patched by our base image pipeline\n  - id: CVE-2020-7598\n    reason: expired exception\n    expires: 2020-01-01\n",
    )
    .expect("write");
    let vex = dir.path().join("app.openvex.json");
    std::fs::write(
        &vex,
        r#"{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/1", "author": "test",
            "timestamp": "2026-01-01T00:00:00Z", "version": 1,
            "statements": [{"vulnerability": {"name": "CVE-2018-18074"}, "products": [{"@id": "pkg:pypi/requests"}],
                            "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}"#,
    )
    .expect("write");
    let out = vigil(&[
        "scan",
        &example(),
        "--db",
        &db,
        "--ignore",
        ignore.to_str().expect("utf8"),
        "--vex",
        vex.to_str().expect("utf8"),
        "-o",
        "json",
        "-q",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        findings(&json),
        vec![("CVE-2020-7598".to_string(), "minimist".to_string())]
    );
    let suppressed = json["suppressed"].as_array().expect("suppressed listed");
    assert_eq!(suppressed.len(), 2, "{suppressed:?}");
    assert!(
        text(&out.stderr).contains("expired"),
        "the expired rule is reported: {}",
        text(&out.stderr)
    );
    // A broken ignore file is an error naming it.
    std::fs::write(&ignore, "ignore:\n  - id: CVE-1\n").expect("write");
    let bad = vigil(&[
        "scan",
        &example(),
        "--db",
        &db,
        "--ignore",
        ignore.to_str().expect("utf8"),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("ignore.yaml"), "{}", text(&bad.stderr));
}

#[test]
fn a_stored_sbom_is_scanned_without_the_image() {
    let dir = tempfile::tempdir().expect("tmp");
    let db = database(dir.path());
    let sbom = dir.path().join("app.cdx.json");
    let out = vigil(&[
        "sbom",
        &example(),
        "-o",
        &format!("cyclonedx-json={}", sbom.display()),
        "-q",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let scan = vigil(&[
        "scan",
        &format!("sbom:{}", sbom.display()),
        "--db",
        &db,
        "-o",
        "json",
        "-q",
    ]);
    assert!(scan.status.success(), "{}", text(&scan.stderr));
    let json: Value = serde_json::from_slice(&scan.stdout).expect("json");
    assert_eq!(findings(&json).len(), 3);
}

#[test]
fn a_missing_database_is_a_clear_error() {
    let out = vigil(&["scan", &example(), "--db", "/nonexistent/vulndb.sqlite"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("vigil db update"), "{}", text(&out.stderr));
}
