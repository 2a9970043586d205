//! Checks every scheme against vectors produced by the ecosystem's own tool
//! (see tests/reference/README.md and generate_versions.py): each pair, in both
//! directions; which strings the tool accepts; Composer's normalisation.

use std::cmp::Ordering;
use std::path::PathBuf;

use vigil_vulndb::version::{compare, ComposerVersion, Scheme, Version, VersionError};

fn reference(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/reference")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn data_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(n, l)| (n + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
}

/// Asserts every `a b -1|0|1` line of `name`; returns how many pairs.
fn check_pairs(scheme: Scheme, name: &str) -> usize {
    let text = reference(name);
    let mut failures = Vec::new();
    let mut count = 0;
    for (n, line) in data_lines(&text) {
        // Hand-written files may end a line with a comment.
        let data = line.split(" #").next().unwrap_or(line);
        let fields: Vec<&str> = data.split_whitespace().collect();
        let [a, b, want] = fields[..] else {
            panic!("{name}:{n}: expected `a b -1|0|1`, got {line:?}");
        };
        let want = match want {
            "-1" => Ordering::Less,
            "0" => Ordering::Equal,
            "1" => Ordering::Greater,
            other => panic!("{name}:{n}: bad result {other:?}"),
        };
        count += 1;
        for (x, y, want) in [(a, b, want), (b, a, want.reverse())] {
            match compare(scheme, x, y) {
                Ok(got) if got == want => {}
                got => failures.push(format!("{name}:{n}: {x} vs {y}: want {want:?}, got {got:?}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} pairs differ from the reference:\n{}",
        failures.len(),
        failures.join("\n")
    );
    count
}

/// Asserts every `["string", accepted]` line of `name`.
fn check_valid(scheme: Scheme, name: &str) -> usize {
    let text = reference(name);
    let mut failures = Vec::new();
    let mut count = 0;
    for (n, line) in data_lines(&text) {
        let (input, accepted): (String, bool) =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{name}:{n}: {e}"));
        count += 1;
        let got = Version::parse(scheme, &input);
        if got.is_ok() != accepted {
            failures.push(format!("{name}:{n}: {input:?}: tool accepts: {accepted}, we: {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    count
}

#[test]
fn dpkg_matches_dpkg_compare_versions() {
    assert!(check_pairs(Scheme::Dpkg, "dpkg.txt") >= 400);
    check_valid(Scheme::Dpkg, "dpkg.valid.jsonl");
}

#[test]
fn apk_matches_apk_tools_test_list() {
    assert!(check_pairs(Scheme::Apk, "apk.txt") >= 400);
}

#[test]
fn rpm_matches_rpm_ver() {
    assert!(check_pairs(Scheme::Rpm, "rpm.txt") >= 800);
}

#[test]
fn pep440_matches_packaging() {
    assert!(check_pairs(Scheme::Pep440, "pep440.txt") >= 400);
    check_valid(Scheme::Pep440, "pep440.valid.jsonl");
}

#[test]
fn semver_matches_npm_semver() {
    assert!(check_pairs(Scheme::Semver, "npm.txt") >= 400);
    check_valid(Scheme::Semver, "npm.valid.jsonl");
}

#[test]
fn go_matches_x_mod_semver() {
    assert!(check_pairs(Scheme::Go, "go.txt") >= 400);
    check_valid(Scheme::Go, "go.valid.jsonl");
}

#[test]
fn maven_matches_comparable_version() {
    assert!(check_pairs(Scheme::Maven, "maven.txt") >= 400);
}

#[test]
fn rubygems_matches_gem_version() {
    assert!(check_pairs(Scheme::RubyGems, "rubygems.txt") >= 400);
    check_valid(Scheme::RubyGems, "rubygems.valid.jsonl");
}

#[test]
fn nuget_matches_documented_rules() {
    assert!(check_pairs(Scheme::NuGet, "nuget.txt") >= 100);
}

#[test]
fn composer_matches_composer_and_version_compare() {
    assert!(check_pairs(Scheme::Composer, "composer.txt") >= 400);

    let name = "composer.normalize.jsonl";
    let text = reference(name);
    let mut failures = Vec::new();
    for (n, line) in data_lines(&text) {
        let (input, want): (String, Option<String>) =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{name}:{n}: {e}"));
        let got = ComposerVersion::parse(&input);
        let ok = match (&want, &got) {
            // Composer keeps branch names as `dev-…`; they have no order.
            (Some(w), Err(VersionError::Unordered { .. })) => w.starts_with("dev-"),
            (Some(w), Ok(v)) => v.normalized() == w,
            (None, Err(VersionError::Invalid { .. })) => true,
            _ => false,
        };
        if !ok {
            failures.push(format!("{name}:{n}: {input:?}: Composer {want:?}, we {got:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
