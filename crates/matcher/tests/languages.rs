//! Language ecosystems: PyPI, npm, Go, crates.io, Maven, RubyGems, Packagist, NuGet — OSV range
//! semantics, explicit versions, withdrawn records, alias joining, severity, EPSS and KEV.

mod common;

use common::{db, ids, npm, of, one, pkg, python, run, sbom};
use vigil_match::{FixState, MatchKind, NoteKind, RatingSource, Severity};
use vigil_types::{PackageType, Purl};

fn python_app() -> vigil_sbom::Sbom {
    sbom(
        Some("debian-12"),
        vec![
            python("Django", "2.2"),
            python("requests", "2.19.0"),
            python("PyYAML", "5.3"),
            python("Jinja2", "2.10"),
            python("urllib3", "1.24.1"),
        ],
    )
}

#[test]
fn aliases_join_records_into_one_finding_per_package() {
    let (_dir, db) = db();
    let report = run(&db, &python_app());
    // PYSEC-2021-9 and GHSA-fvgf-6h6h-3322 are both CVE-2021-3281.
    assert_eq!(ids(&report, "Django"), ["CVE-2021-3281"]);
    let f = one(&report, "Django", "CVE-2021-3281");
    assert_eq!(f.aliases, ["GHSA-fvgf-6h6h-3322", "PYSEC-2021-9"]);
    let advisories: Vec<&str> = f.matches.iter().map(|m| m.advisory.as_str()).collect();
    assert_eq!(advisories, ["GHSA-fvgf-6h6h-3322", "PYSEC-2021-9"]);
    // Several introduced/fixed pairs in one PYSEC range: the 2.2 interval matched.
    let pysec = &f.matches[1];
    assert_eq!(pysec.range, ">=2.2, <2.2.18 (ECOSYSTEM, PEP 440)");
    assert_eq!(pysec.fixed, ["2.2.18", "3.0.12", "3.1.6"]);
    assert_eq!(f.fix.state, FixState::Fixed);
    assert_eq!(f.fix.nearest.as_deref(), Some("2.2.18"));
    assert_eq!(f.fix.versions, ["2.2.18", "3.0.12", "3.1.6"]);
    // Severity from the GHSA record's vector; its summary and CWE; EPSS by the CVE.
    assert_eq!(f.severity.source, RatingSource::Cvss);
    assert_eq!((f.severity.level, f.severity.score), (Severity::Medium, Some(5.3)));
    assert_eq!(f.summary.as_deref(), Some("Directory traversal in Django"));
    assert_eq!(f.cwes, ["CWE-22"]);
    assert_eq!(f.epss.as_ref().map(|e| e.score), Some(0.0109));
    assert_eq!(f.published.as_deref(), Some("2021-02-02T07:15:00Z"));
    // It explains itself: which advisory, which range, which comparator, which file and layer.
    let text = f.explain();
    assert!(
        text.starts_with("CVE-2021-3281 in Django 2.2 (python) — Medium 5.3 from GHSA-fvgf-6h6h-3322"),
        "{text}"
    );
    assert!(
        text.contains("matched PYSEC-2021-9 (PyPI django): 2.2 in >=2.2, <2.2.18 (ECOSYSTEM, PEP 440)"),
        "{text}"
    );
    assert!(text.contains("fixed in 2.2.18"), "{text}");
    assert!(
        text.contains(&format!(
            "evidence /usr/local/lib/python3.11/site-packages/Django-2.2.dist-info/METADATA (layer {})",
            common::layer("app").short()
        )),
        "{text}"
    );
    let urls: Vec<&str> = f.references.iter().map(|r| r.url.as_str()).collect();
    assert_eq!(
        urls.iter().filter(|u| u.contains("weblog/2021/feb/01")).count(),
        1,
        "references deduplicated: {urls:?}"
    );
}

#[test]
fn introduced_fixed_last_affected_limit_and_explicit_versions() {
    let (_dir, db) = db();
    let report = run(&db, &python_app());
    // introduced 0 / fixed 2.20.0; the withdrawn PYSEC-2099-1 never matches.
    assert_eq!(ids(&report, "requests"), ["CVE-2018-18074"]);
    let r = one(&report, "requests", "CVE-2018-18074");
    assert_eq!(r.matches[0].range, ">=0, <2.20.0 (ECOSYSTEM, PEP 440)");
    assert_eq!(r.severity.level, Severity::Unknown);
    // last_affected is inclusive and gives no fix.
    let y = one(&report, "PyYAML", "CVE-2020-14343");
    assert_eq!(y.matches[0].range, ">=0, <=5.3.1 (ECOSYSTEM, PEP 440)");
    assert_eq!(y.fix.state, FixState::NotFixed);
    // A limit caps an open range; a listed 2.10.0 is Jinja2 2.10 in PEP 440.
    assert_eq!(ids(&report, "Jinja2"), ["PYSEC-2099-2", "PYSEC-2099-3"]);
    let capped = one(&report, "Jinja2", "PYSEC-2099-2");
    assert_eq!(capped.matches[0].range, ">=0, <2.11 (limit) (ECOSYSTEM, PEP 440)");
    let listed = one(&report, "Jinja2", "PYSEC-2099-3");
    assert_eq!(listed.matches[0].how, MatchKind::Version);
    // Only an explicit list, no ranges.
    let u = one(&report, "urllib3", "CVE-2019-11324");
    assert_eq!(u.matches[0].how, MatchKind::Version);
    assert_eq!(u.matches[0].range, "1.24.1 listed in the entry's versions");
    assert_eq!(
        u.matches[0].describe(),
        "PYSEC-2019-133 (PyPI urllib3): 1.24.1 listed in the entry's versions (PEP 440)"
    );
    assert_eq!(u.fix.state, FixState::NotFixed);

    // Versions outside every range do not match.
    let newer = sbom(
        None,
        vec![
            python("Django", "2.2.18"),
            python("requests", "2.20.0"),
            python("PyYAML", "5.4"),
            python("Jinja2", "2.11.3"),
            python("urllib3", "1.24.2"),
        ],
    );
    let report = run(&db, &newer);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(report.counts.looked_up, 5);
}

#[test]
fn npm_semver_ranges_and_advisory_ratings() {
    let (_dir, db) = db();
    let report = run(
        &db,
        &sbom(None, vec![npm("lodash", "4.17.11"), npm("minimist", "1.2.0")]),
    );
    let l = one(&report, "lodash", "CVE-2019-10744");
    assert_eq!(l.aliases, ["GHSA-jf85-cpcp-j695"]);
    assert_eq!(l.matches[0].range, ">=0, <4.17.12 (SEMVER, SemVer)");
    assert_eq!(
        (l.severity.level, l.severity.source),
        (Severity::Critical, RatingSource::Advisory)
    );
    assert_eq!(l.severity.origin, "GHSA-jf85-cpcp-j695");
    let m = one(&report, "minimist", "CVE-2020-7598");
    assert_eq!(m.matches[0].range, ">=1.0.0, <1.2.3 (SEMVER, SemVer)");
    assert_eq!(m.fix.nearest.as_deref(), Some("1.2.3"));
    assert_eq!(m.fix.versions, ["0.2.1", "1.2.3"]);
    // Sorted by severity first.
    assert_eq!(report.findings[0].package.name, "lodash");
}

#[test]
fn go_modules_and_the_standard_library() {
    let (_dir, db) = db();
    let go = |name: &str, version: &str, purl: Purl| {
        pkg(PackageType::GoModule, name, version, purl, "/usr/local/bin/app", "app")
    };
    let s = sbom(
        None,
        vec![
            go("stdlib", "go1.22.1", Purl::new("golang", "stdlib", "1.22.1")),
            go(
                "golang.org/x/net",
                "v0.20.0",
                Purl::new("golang", "net", "v0.20.0").namespace("golang.org/x"),
            ),
            go(
                "example.com/app",
                "(devel)",
                Purl::new("golang", "app", "(devel)").namespace("example.com"),
            ),
        ],
    );
    let report = run(&db, &s);
    let std = one(&report, "stdlib", "CVE-2023-45288");
    assert_eq!(std.matches[0].version, "1.22.1");
    assert_eq!(std.matches[0].range, ">=1.22.0-0, <1.22.2 (SEMVER, Go)");
    assert_eq!(std.fix.nearest.as_deref(), Some("1.22.2"));
    assert_eq!(std.aliases, ["GHSA-4v7x-pqxf-cx7m", "GO-2024-2687"]);
    let net = one(&report, "golang.org/x/net", "CVE-2023-45288");
    assert_eq!(net.fix.nearest.as_deref(), Some("0.23.0"));
    assert_eq!(net.epss.as_ref().map(|e| e.cve.as_str()), Some("CVE-2023-45288"));
    // A `(devel)` main module has no advisories here, so nothing is compared and nothing noted.
    assert!(of(&report, "example.com/app").is_empty());
}

#[test]
fn crates_maven_rubygems_packagist_nuget() {
    let (_dir, db) = db();
    let s = sbom(
        None,
        vec![
            pkg(
                PackageType::RustCrate,
                "rsa",
                "0.9.6",
                Purl::new("cargo", "rsa", "0.9.6"),
                "/usr/bin/tool",
                "app",
            ),
            pkg(
                PackageType::JavaArchive,
                "log4j-core",
                "2.14.1",
                Purl::new("maven", "log4j-core", "2.14.1").namespace("org.apache.logging.log4j"),
                "/app/lib/log4j-core-2.14.1.jar",
                "app",
            ),
            pkg(
                PackageType::Gem,
                "nokogiri",
                "1.13.9",
                Purl::new("gem", "nokogiri", "1.13.9"),
                "/usr/local/bundle/specifications/nokogiri-1.13.9.gemspec",
                "app",
            ),
            pkg(
                PackageType::PhpComposer,
                "guzzlehttp/guzzle",
                "7.4.0",
                Purl::new("composer", "guzzle", "7.4.0").namespace("guzzlehttp"),
                "/app/vendor/composer/installed.json",
                "app",
            ),
            pkg(
                PackageType::Dotnet,
                "System.Text.Encodings.Web",
                "4.5.0",
                Purl::new("nuget", "System.Text.Encodings.Web", "4.5.0"),
                "/app/app.deps.json",
                "app",
            ),
        ],
    );
    let report = run(&db, &s);
    let rsa = one(&report, "rsa", "CVE-2023-49092");
    assert_eq!(rsa.fix.state, FixState::NotFixed);
    assert_eq!(rsa.severity.score, Some(5.9));
    assert_eq!(
        rsa.aliases,
        ["GHSA-4grx-2x9w-596c", "GHSA-c38w-74pg-36hr", "RUSTSEC-2023-0071"]
    );

    let log4j = one(&report, "log4j-core", "CVE-2021-44228");
    assert_eq!(log4j.matches[0].range, ">=2.13.0, <2.15.0 (ECOSYSTEM, Maven)");
    assert_eq!(log4j.fix.nearest.as_deref(), Some("2.15.0"));
    assert_eq!(
        log4j.fix.versions,
        ["2.15.0"],
        "the matched entry's fix only, not the other branches'"
    );
    assert_eq!(
        (log4j.severity.level, log4j.severity.score),
        (Severity::Critical, Some(10.0))
    );
    let kev = log4j.kev.as_ref().expect("in KEV");
    assert_eq!((kev.date_added.as_str(), kev.known_ransomware), ("2021-12-10", true));
    assert_eq!(log4j.epss.as_ref().map(|e| e.percentile), Some(0.99958));
    assert_eq!(log4j.cwes, ["CWE-20", "CWE-400", "CWE-502", "CWE-917"]);

    let n = one(&report, "nokogiri", "CVE-2022-23476");
    assert_eq!(n.matches[0].comparator, "RubyGems");
    let g = one(&report, "guzzlehttp/guzzle", "CVE-2022-31091");
    assert_eq!(g.matches[0].range, ">=7.0.0, <7.4.5 (ECOSYSTEM, Composer)");
    let d = one(&report, "System.Text.Encodings.Web", "CVE-2021-26701");
    assert_eq!(d.fix.nearest.as_deref(), Some("4.5.1"));
    assert_eq!(d.matches[0].package, "System.Text.Encodings.Web");

    // Most severe first: log4j (10.0), then the criticals and highs by package name.
    let order: Vec<(&str, Severity)> = report
        .findings
        .iter()
        .map(|f| (f.package.name.as_str(), f.severity.level))
        .collect();
    assert_eq!(
        order,
        [
            ("System.Text.Encodings.Web", Severity::Critical),
            ("log4j-core", Severity::Critical),
            ("guzzlehttp/guzzle", Severity::High),
            ("nokogiri", Severity::High),
            ("rsa", Severity::Medium),
        ]
    );
}

#[test]
fn unparsable_versions_are_noted_and_listed_versions_still_compared() {
    let (_dir, db) = db();
    let s = sbom(
        None,
        vec![python("requests", "2.19.0-custom!"), python("urllib3", "1.24.1")],
    );
    let report = run(&db, &s);
    let notes: Vec<_> = report.notes_of(NoteKind::UnparsableVersion).collect();
    assert_eq!(notes.len(), 1, "{:?}", report.notes);
    assert_eq!(notes[0].package.as_deref(), Some("requests@2.19.0-custom! (python)"));
    assert!(notes[0].message.contains("PEP 440"), "{}", notes[0].message);
    assert_eq!(report.counts.unparsable_versions, 1);
    assert!(of(&report, "requests").is_empty());
    assert_eq!(ids(&report, "urllib3"), ["CVE-2019-11324"]);
}

#[test]
fn packages_without_an_ecosystem_or_version_are_counted_and_noted() {
    let (_dir, db) = db();
    let s = sbom(
        None,
        vec![
            pkg(
                PackageType::Binary,
                "python",
                "3.11.2",
                Purl::new("generic", "python", "3.11.2"),
                "/usr/bin/python3.11",
                "base",
            ),
            npm("left-pad", ""),
        ],
    );
    let report = run(&db, &s);
    assert_eq!(report.counts.without_ecosystem, 1);
    assert_eq!(report.counts.without_version, 1);
    let no_eco: Vec<_> = report.notes_of(NoteKind::NoEcosystem).collect();
    assert_eq!(no_eco.len(), 1);
    assert!(
        no_eco[0].message.contains("python@3.11.2 (binary)"),
        "{}",
        no_eco[0].message
    );
    assert_eq!(report.notes_of(NoteKind::NoVersion).count(), 1);
}
