//! OS packages: Debian, Ubuntu and Alpine advisories, matched within the image's own release and
//! by source package.

mod common;

use common::{db, deb, ids, of, one, pkg, run, sbom};
use vigil_match::{FixState, MatchKind, NoteKind, RatingSource, Severity};
use vigil_types::{PackageType, Purl};

fn debian12() -> vigil_sbom::Sbom {
    sbom(
        Some("debian-12"),
        vec![
            deb("libssl3", "3.0.11-1~deb12u2", "openssl", "", "debian-12"),
            deb("openssl", "3.0.11-1~deb12u2", "", "", "debian-12"),
            deb("libc6", "2.36-9+deb12u4", "glibc", "", "debian-12"),
            deb("busybox", "1:1.35.0-4+b3", "busybox", "1:1.35.0-4", "debian-12"),
            deb("zlib1g", "1:1.2.13.dfsg-1", "zlib", "", "debian-12"),
            deb("libbz2-1.0", "1.0.8-5+b1", "bzip2", "1.0.8-5", "debian-12"),
        ],
    )
}

#[test]
fn debian_binary_packages_match_their_source_packages_advisories() {
    let (_dir, db) = db();
    let report = run(&db, &debian12());
    assert_eq!(ids(&report, "libssl3"), ["CVE-2023-5678", "CVE-2024-0727"]);
    assert_eq!(ids(&report, "openssl"), ["CVE-2023-5678", "CVE-2024-0727"]);

    let f = one(&report, "libssl3", "CVE-2023-5678");
    assert_eq!(
        f.aliases,
        ["DEBIAN-CVE-2023-5678"],
        "joined with its single upstream id"
    );
    let m = &f.matches[0];
    assert_eq!(
        (m.advisory.as_str(), m.ecosystem.as_str(), m.package.as_str()),
        ("DEBIAN-CVE-2023-5678", "Debian:12", "openssl")
    );
    assert_eq!(m.version, "3.0.11-1~deb12u2");
    assert_eq!(m.comparator, "dpkg");
    assert_eq!(m.range, ">=0, <3.0.13-1~deb12u1 (ECOSYSTEM, dpkg)");
    assert_eq!(f.fix.state, FixState::Fixed);
    assert_eq!(f.fix.nearest.as_deref(), Some("3.0.13-1~deb12u1"));
    assert_eq!(
        f.fix.versions,
        ["3.0.13-1~deb12u1"],
        "Debian 11's fix is not this release's"
    );
    assert_eq!(f.package.path(), Some("/var/lib/dpkg/status"));
    assert_eq!(f.package.layer, Some(common::layer("base")));
    assert!(f.references.iter().any(|r| r.url.ends_with("/tracker/CVE-2023-5678")));
}

#[test]
fn debian_severity_urgency_nvd_and_record_cvss() {
    let (_dir, db) = db();
    let report = run(&db, &debian12());
    // Urgency "not yet assigned" rates nothing: the NVD's vector does.
    let f = one(&report, "libssl3", "CVE-2023-5678");
    assert_eq!(f.severity.source, RatingSource::Nvd);
    assert_eq!((f.severity.level, f.severity.score), (Severity::Medium, Some(5.3)));
    assert_eq!(f.severity.origin, "nvd@nist.gov");
    // A CVSS vector in the record beats both the urgency ("low") and the NVD (5.5).
    let f = one(&report, "libssl3", "CVE-2024-0727");
    assert_eq!(f.severity.source, RatingSource::Cvss);
    assert_eq!(f.severity.score, Some(6.5));
    assert_eq!(f.severity.origin, "DEBIAN-CVE-2024-0727");
    assert_eq!(f.cvss.len(), 2, "record and NVD vectors are both listed: {:?}", f.cvss);
    // EPSS joined by the upstream CVE.
    let epss = one(&report, "openssl", "CVE-2023-5678").epss.as_ref().expect("epss");
    assert_eq!(
        (epss.score, epss.date.as_deref()),
        (0.00123, Some("2025-05-12T00:00:00Z"))
    );
}

#[test]
fn debian_wont_fix_from_urgency_and_entries_without_ranges() {
    let (_dir, db) = db();
    let report = run(&db, &debian12());
    let glibc = one(&report, "libc6", "CVE-2010-4756");
    assert_eq!(glibc.fix.state, FixState::WontFix);
    assert_eq!(glibc.fix.reason.as_deref(), Some("Debian:12 urgency unimportant"));
    assert_eq!(glibc.severity.level, Severity::Negligible);
    assert_eq!(glibc.severity.source, RatingSource::Distro);
    assert_eq!(glibc.matches[0].range, ">=0 (ECOSYSTEM, dpkg)");

    // An entry with neither ranges nor versions affects every version.
    let bb = one(&report, "busybox", "CVE-2018-1000500");
    assert_eq!(bb.matches[0].how, MatchKind::AllVersions);
    assert_eq!(bb.matches[0].version, "1:1.35.0-4", "the source version is compared");
    assert_eq!(bb.fix.state, FixState::WontFix);
}

#[test]
fn only_the_images_release_matches() {
    let (_dir, db) = db();
    let report = run(&db, &debian12());
    // zlib has a Debian 11 entry and a release-less one: neither applies to Debian 12.
    assert!(of(&report, "zlib1g").is_empty(), "{:#?}", of(&report, "zlib1g"));
    assert!(of(&report, "libbz2-1.0").is_empty());
    // DSA-5417-1 is for Debian 11 only.
    assert!(report.findings.iter().all(|f| !f.has_id("DSA-5417-1")));

    let bullseye = sbom(
        Some("debian-11"),
        vec![deb("libssl1.1", "1.1.1n-0+deb11u4", "openssl", "", "debian-11")],
    );
    let report = run(&db, &bullseye);
    assert_eq!(ids(&report, "libssl1.1"), ["CVE-2023-5678", "DSA-5417-1"]);
    let dsa = one(&report, "libssl1.1", "DSA-5417-1");
    assert!(dsa.aliases.is_empty(), "five upstream CVEs are not one vulnerability");
    assert_eq!(dsa.fix.nearest.as_deref(), Some("1.1.1n-0+deb11u5"));
    let f = one(&report, "libssl1.1", "CVE-2023-5678");
    assert_eq!(f.fix.nearest.as_deref(), Some("1.1.1w-0+deb11u2"));

    // An image without VERSION_ID (sid) matches only release-less advisories.
    let sid = sbom(
        Some("debian"),
        vec![deb("zlib1g", "1:1.2.12.dfsg-1", "zlib", "", "debian")],
    );
    let report = run(&db, &sid);
    let f = one(&report, "zlib1g", "CVE-2022-37434");
    assert_eq!(f.matches[0].ecosystem, "Debian");
    assert_eq!(f.fix.nearest.as_deref(), Some("1:1.2.13.dfsg-1"));
}

#[test]
fn the_distro_can_come_from_the_purl() {
    let (_dir, db) = db();
    let mut s = debian12();
    s.distro = None;
    let report = run(&db, &s);
    assert_eq!(ids(&report, "libssl3"), ["CVE-2023-5678", "CVE-2024-0727"]);
}

#[test]
fn ubuntu_matches_its_release_by_source_with_its_priority() {
    let (_dir, db) = db();
    let s = sbom(
        Some("ubuntu-22.04"),
        vec![
            deb("libssl3", "3.0.2-0ubuntu1.10", "openssl", "", "ubuntu-22.04"),
            deb("edk2", "2022.02-3ubuntu0.22.04.1", "", "", "ubuntu-22.04"),
        ],
    );
    let report = run(&db, &s);
    let f = one(&report, "libssl3", "CVE-2024-2511");
    assert_eq!(f.aliases, ["UBUNTU-CVE-2024-2511"]);
    assert_eq!(
        (f.severity.level, f.severity.source),
        (Severity::Low, RatingSource::Distro)
    );
    assert_eq!(f.severity.origin, "UBUNTU-CVE-2024-2511 Ubuntu priority");
    assert_eq!(f.fix.nearest.as_deref(), Some("3.0.2-0ubuntu1.15"));
    assert_eq!(f.matches[0].ecosystem, "Ubuntu:22.04:LTS");
    // The Ubuntu Pro (ESM) stream is not for a plain image.
    assert!(of(&report, "edk2").is_empty());
}

#[test]
fn alpine_matches_by_origin_within_major_minor() {
    let (_dir, db) = db();
    let mut lib = pkg(
        PackageType::Apk,
        "libcrypto3",
        "3.1.3-r0",
        Purl::new("apk", "libcrypto3", "3.1.3-r0").namespace("alpine"),
        "/lib/apk/db/installed",
        "base",
    );
    lib.set_meta("origin", "openssl");
    let report = run(&db, &sbom(Some("alpine-3.18.4"), vec![lib.clone()]));
    let f = one(&report, "libcrypto3", "CVE-2023-5363");
    assert_eq!(f.fix.nearest.as_deref(), Some("3.1.4-r0"));
    assert_eq!(f.matches[0].comparator, "apk");
    assert_eq!(f.severity.level, Severity::Unknown, "no rating anywhere");

    lib.version = "3.1.4-r0".into();
    let report = run(&db, &sbom(Some("alpine-3.19.0"), vec![lib]));
    let f = one(&report, "libcrypto3", "CVE-2023-5363");
    assert_eq!(f.fix.nearest.as_deref(), Some("3.1.4-r1"), "3.19's own fix");
}

#[test]
fn distributions_without_data_are_noted_not_dropped() {
    let (_dir, db) = db();
    let mint = sbom(
        Some("linuxmint-21"),
        vec![
            deb("bash", "5.1-6ubuntu1", "", "", "linuxmint-21"),
            deb("zlib1g", "1:1.2.11.dfsg-2", "zlib", "", "linuxmint-21"),
        ],
    );
    let report = run(&db, &mint);
    assert!(report.findings.is_empty());
    assert_eq!(report.counts.unsupported_distro, 2);
    let notes: Vec<_> = report.notes_of(NoteKind::UnsupportedDistro).collect();
    assert_eq!(notes.len(), 1);
    assert!(notes[0].message.contains("linuxmint-21"), "{}", notes[0].message);
    assert!(
        notes[0].message.contains("bash@5.1-6ubuntu1 (deb)"),
        "{}",
        notes[0].message
    );
}

#[test]
fn rpm_packages_match_red_hat_and_rocky_by_major_release_with_epochs() {
    let (_dir, db) = db();
    let rpm = |distro: &str| {
        pkg(
            PackageType::Rpm,
            "openssl-libs",
            "1:3.0.7-25.el9_3",
            Purl::new("rpm", "openssl-libs", "3.0.7-25.el9_3")
                .qualifier("epoch", "1")
                .qualifier("distro", distro),
            "/var/lib/rpm/rpmdb.sqlite",
            "base",
        )
    };
    let report = run(&db, &sbom(Some("rhel-9.4"), vec![rpm("rhel-9.4")]));
    let f = one(&report, "openssl-libs", "RHSA-2024:2447");
    assert_eq!(f.matches.len(), 1, "the RHEL 8 entry does not apply");
    assert_eq!(f.matches[0].ecosystem, "Red Hat:enterprise_linux:9::baseos");
    assert_eq!(f.matches[0].comparator, "rpm");
    assert_eq!(f.fix.nearest.as_deref(), Some("1:3.0.7-27.el9"));
    assert_eq!(f.severity.score, Some(5.3));

    let report = run(&db, &sbom(Some("rocky-9.3"), vec![rpm("rocky-9.3")]));
    assert_eq!(ids(&report, "openssl-libs"), ["RLSA-2024:2447"]);
    // The same version with a higher epoch is newer than the fix.
    let mut newer = rpm("rocky-9.3");
    newer.version = "2:3.0.7-25.el9_3".into();
    assert!(run(&db, &sbom(Some("rocky-9.3"), vec![newer])).findings.is_empty());
}

#[test]
fn a_release_the_database_has_no_advisories_for_is_noted_not_reported_clean() {
    let (_dir, db) = db();
    // Debian is a supported distribution, but this database holds nothing for Debian 7.
    let wheezy = sbom(
        Some("debian-7"),
        vec![deb("zlib1g", "1:1.2.7.dfsg-13", "zlib", "", "debian-7")],
    );
    let report = run(&db, &wheezy);
    assert!(report.findings.is_empty());
    assert_eq!((report.counts.unsupported_distro, report.counts.looked_up), (1, 0));
    let notes: Vec<_> = report.notes_of(NoteKind::UnsupportedDistro).collect();
    assert_eq!(notes.len(), 1);
    assert!(
        notes[0].message.contains("Debian 7") && notes[0].message.contains("no advisories"),
        "{}",
        notes[0].message
    );
}
