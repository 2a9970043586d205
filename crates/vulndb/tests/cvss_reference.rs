//! Vigil's CVSS scores against reference scores computed by an independent
//! implementation (the `cvss` package on PyPI; `tests/reference/generate_cvss.py`
//! regenerates the files), and against real vectors from OSV advisories.

use std::path::{Path, PathBuf};

use vigil_vulndb::cvss::{Cvss, Score, Severity};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join(rel)
}

/// Rows of a tab-separated file, comments skipped.
fn rows(path: &Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

fn score(s: &str) -> Option<Score> {
    (s != "-").then(|| s.parse().unwrap_or_else(|e| panic!("{e}")))
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::None => "None",
        Severity::Low => "Low",
        Severity::Medium => "Medium",
        Severity::High => "High",
        Severity::Critical => "Critical",
    }
}

/// Checks a v2 or v3 row (vector, base, temporal, environmental, severity);
/// returns a description of each disagreement.
fn check_v2_v3(row: &[String]) -> Vec<String> {
    let [vector, base, temporal, env, severity] = row else {
        panic!("bad row {row:?}");
    };
    let cvss = Cvss::parse(vector).unwrap_or_else(|e| panic!("{vector}: {e}"));
    let (b, t, e) = match &cvss {
        Cvss::V2(c) => (c.base_score(), c.temporal_score(), c.environmental_score()),
        Cvss::V3(c) => (c.base_score(), c.temporal_score(), c.environmental_score()),
        Cvss::V4(_) => panic!("{vector}: v4 in a v2/v3 file"),
    };
    let mut bad = Vec::new();
    for (what, ours, theirs) in [
        ("base", b, score(base)),
        ("temporal", t, score(temporal)),
        ("environmental", e, score(env)),
    ] {
        if let Some(theirs) = theirs {
            if ours != theirs {
                bad.push(format!("{vector}: {what} {ours}, reference {theirs}"));
            }
        }
    }
    if severity_name(cvss.severity()) != severity {
        bad.push(format!(
            "{vector}: severity {:?}, reference {severity}",
            cvss.severity()
        ));
    }
    bad
}

fn check_v4(row: &[String]) -> Vec<String> {
    let [vector, expected, severity] = row else {
        panic!("bad row {row:?}");
    };
    let cvss = Cvss::parse(vector).unwrap_or_else(|e| panic!("{vector}: {e}"));
    let Cvss::V4(c) = &cvss else {
        panic!("{vector}: not v4");
    };
    let mut bad = Vec::new();
    let theirs = score(expected);
    if Some(c.score()) != theirs {
        bad.push(format!("{vector}: score {}, reference {expected}", c.score()));
    }
    if severity_name(Severity::from_score(c.score())) != severity {
        bad.push(format!("{vector}: severity of {}, reference {severity}", c.score()));
    }
    bad
}

fn report(name: &str, total: usize, bad: &[String]) {
    eprintln!("{name}: {} of {total} reference vectors match", total - bad.len());
    assert!(bad.is_empty(), "{name}: {} mismatches:\n{}", bad.len(), bad.join("\n"));
}

#[test]
fn v2_reference_scores() {
    let rows = rows(&data("reference/v2.tsv"));
    assert_eq!(rows.len(), 300);
    let bad: Vec<String> = rows.iter().flat_map(|r| check_v2_v3(r)).collect();
    report("CVSS v2", rows.len(), &bad);
}

#[test]
fn v3_reference_scores() {
    let rows = rows(&data("reference/v3.tsv"));
    assert_eq!(rows.len(), 600);
    for minor in ["CVSS:3.0/", "CVSS:3.1/"] {
        let these: Vec<_> = rows.iter().filter(|r| r[0].starts_with(minor)).collect();
        assert_eq!(these.len(), 300);
        let bad: Vec<String> = these.iter().flat_map(|r| check_v2_v3(r)).collect();
        report(minor, these.len(), &bad);
    }
}

#[test]
fn v4_reference_scores() {
    let rows = rows(&data("reference/v4.tsv"));
    // 270 highest-severity vectors, one per macrovector, then random ones.
    assert_eq!(rows.len(), 670);
    let bad: Vec<String> = rows.iter().flat_map(|r| check_v4(r)).collect();
    report("CVSS v4.0", rows.len(), &bad);
}

/// The highest-severity vector of a macrovector scores exactly the
/// specification's value for it: the reference agrees with every entry of
/// the table.
#[test]
fn v4_every_macrovector_max_vector() {
    let rows = rows(&data("reference/v4.tsv"));
    let mut seen = std::collections::BTreeSet::new();
    for row in rows.iter().take(270) {
        let Ok(Cvss::V4(c)) = Cvss::parse(&row[0]) else {
            panic!("{row:?}");
        };
        seen.insert(c.macrovector());
        assert_eq!(Some(c.score()), score(&row[1]), "{}", row[0]);
    }
    assert_eq!(seen.len(), 270);
}

/// Real vectors from OSV advisories (PyPI, Go, crates.io), one per distinct
/// vector, with the reference's base score and severity.
#[test]
fn osv_advisory_vectors() {
    let rows = rows(&data("data/osv-cvss.tsv"));
    assert!(rows.len() >= 100, "{}", rows.len());
    let mut bad = Vec::new();
    for row in &rows {
        let [id, vector, base, severity] = &row[..] else {
            panic!("bad row {row:?}");
        };
        let cvss = Cvss::parse(vector).unwrap_or_else(|e| panic!("{id} {vector}: {e}"));
        // OSV vectors are written in the specification's order already.
        assert_eq!(&cvss.vector(), vector, "{id}");
        if Some(cvss.base_score()) != score(base) || severity_name(cvss.severity()) != severity {
            bad.push(format!(
                "{id} {vector}: {} {:?}, reference {base} {severity}",
                cvss.base_score(),
                cvss.severity()
            ));
        }
    }
    report("OSV advisories", rows.len(), &bad);
}

/// A one-off check of a larger reference file (`generate_cvss.py --exhaustive`
/// writes every v2 and v3 base vector) when `VIGIL_CVSS_EXTRA_REFERENCE`
/// names it.
#[test]
fn extra_reference_file() {
    let Some(path) = std::env::var_os("VIGIL_CVSS_EXTRA_REFERENCE") else {
        return;
    };
    let rows = rows(Path::new(&path));
    let mut bad = Vec::new();
    for row in &rows {
        match row.first().map(String::as_str) {
            Some("v2" | "v3") => bad.extend(check_v2_v3(&row[1..])),
            Some("v4") => bad.extend(check_v4(&row[1..])),
            _ => panic!("bad row {row:?}"),
        }
    }
    report("extra reference", rows.len(), &bad);
}
