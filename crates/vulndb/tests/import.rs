//! `import` of OSV data: every ecosystem of the fixture bucket, lookups by normalised name and
//! release, bad records skipped and listed, caps, the atomic swap, schema-version refusal.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use common::{dir_listing, fixtures, osv, standin_check, write_zips, zip_entries, BUCKET};
use vigil_vulndb::osv::{Event, SeverityType};
use vigil_vulndb::{import, Db, DbError, Ecosystem, ImportOptions, Limits, RangeKind};
use zip::CompressionMethod;

fn db_in(dir: &Path) -> PathBuf {
    dir.join("vulndb.sqlite")
}

fn import_ok(db: &Path, inputs: &[PathBuf]) -> vigil_vulndb::ImportReport {
    import(db, inputs, &ImportOptions::default()).expect("import")
}

fn ids(hits: &[vigil_vulndb::Affected]) -> Vec<&str> {
    hits.iter().map(|a| a.advisory_id.as_str()).collect()
}

#[test]
fn every_ecosystem_imports_and_is_found_by_normalised_name_and_release() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let zips = write_zips(tmp.path(), &BUCKET);
    let db_path = db_in(tmp.path());
    let report = import_ok(&db_path, &zips);
    assert_eq!(report.sources.len(), 12);
    assert!(
        report.sources.iter().all(|s| s.skipped == 0 && s.kind == "zip"),
        "{:#?}",
        report.sources
    );
    assert_eq!(report.sources.iter().map(|s| s.records).sum::<u64>(), 15);
    assert_eq!(report.advisories, 15);

    let db = Db::open(&db_path).expect("open");
    // Debian: per release; the release filter and the "any release" lookup.
    let deb12 = db.affected(&Ecosystem::Debian, Some("12"), "libwebp").expect("lookup");
    assert_eq!(ids(&deb12), ["DEBIAN-CVE-2023-4863"]);
    assert_eq!(deb12[0].fixed_versions(), ["1.2.4-0.2+deb12u1"]);
    assert_eq!(deb12[0].urgency.as_deref(), Some("not yet assigned"));
    assert_eq!(deb12[0].purl.as_deref(), Some("pkg:deb/debian/libwebp?arch=source"));
    let any_release = db.affected(&Ecosystem::Debian, None, "libwebp").expect("lookup");
    let mut releases: Vec<_> = any_release
        .iter()
        .filter_map(|a| a.ecosystem.release.as_deref())
        .collect();
    releases.sort();
    assert_eq!(releases, ["11", "12"]);
    let zlib = db.affected(&Ecosystem::Debian, Some("12"), "zlib").expect("lookup");
    assert_eq!(zlib[0].urgency.as_deref(), Some("unimportant"));
    assert!(zlib[0].fixed_versions().is_empty());
    assert_eq!(zlib[0].versions, ["1:1.2.13.dfsg-1"]);
    assert!(db
        .affected(&Ecosystem::Debian, Some("13"), "libwebp")
        .expect("lookup")
        .is_empty());

    // Ubuntu: the Pro stream is a variant of its release.
    let jammy = db
        .affected(&Ecosystem::Ubuntu, Some("22.04"), "libwebp")
        .expect("lookup");
    assert_eq!(jammy.len(), 1);
    assert_eq!(jammy[0].ecosystem.variant, None);
    assert_eq!(jammy[0].fixed_versions(), ["1.2.2-2ubuntu0.22.04.2"]);
    let bionic = db
        .affected(&Ecosystem::Ubuntu, Some("18.04"), "libwebp")
        .expect("lookup");
    assert_eq!(bionic[0].ecosystem.variant.as_deref(), Some("Pro"));
    assert_eq!(bionic[0].ecosystem_raw, "Ubuntu:Pro:18.04:LTS");

    let alpine = db
        .affected(&Ecosystem::Alpine, Some("3.19"), "openssl")
        .expect("lookup");
    assert_eq!(ids(&alpine), ["ALPINE-CVE-2023-5678"]);
    assert_eq!(alpine[0].fixed_versions(), ["3.1.4-r1"]);

    // Languages: names normalised per ecosystem on both sides.
    assert_eq!(
        ids(&db.affected(&Ecosystem::PyPI, None, "Requests").expect("lookup")),
        ["GHSA-j8r2-6x86-q33q"]
    );
    let pyyaml = db.affected(&Ecosystem::PyPI, None, "pyyaml").expect("lookup");
    assert_eq!(ids(&pyyaml), ["PYSEC-2021-142"]);
    assert_eq!(pyyaml[0].original_name, "PyYAML");
    assert_eq!(pyyaml[0].ranges.len(), 1, "the GIT range is dropped");
    assert_eq!(pyyaml[0].ranges[0].kind, RangeKind::Ecosystem);
    assert_eq!(pyyaml[0].versions, ["5.1", "5.2", "5.3", "5.3.1"]);
    let semver = db.affected(&Ecosystem::Npm, None, "semver").expect("lookup");
    let mut fixed: Vec<_> = semver.iter().flat_map(|a| a.fixed_versions()).collect();
    fixed.sort();
    assert_eq!(fixed, ["5.7.2", "6.3.1", "7.5.2"]);
    let stdlib = db.affected(&Ecosystem::Go, None, "stdlib").expect("lookup");
    assert_eq!(stdlib[0].ranges[0].kind, RangeKind::Semver);
    assert_eq!(
        stdlib[0].ranges[0].events,
        [
            Event::Introduced("0".into()),
            Event::Fixed("1.20.10".into()),
            Event::Introduced("1.21.0-0".into()),
            Event::Fixed("1.21.3".into())
        ]
    );
    assert!(stdlib[0]
        .ecosystem_specific
        .as_ref()
        .is_some_and(|v| v["imports"][0]["path"] == "net/http"));
    assert!(
        db.affected(&Ecosystem::Go, None, "github.com/aws/aws-sdk-go")
            .expect("lookup")
            .is_empty(),
        "withdrawn"
    );
    assert_eq!(
        ids(&db
            .affected(&Ecosystem::CratesIo, None, "rustls_webpki")
            .expect("lookup")),
        ["RUSTSEC-2023-0053"]
    );
    assert_eq!(
        db.affected(&Ecosystem::Maven, None, "org.apache.logging.log4j:log4j-core")
            .expect("lookup")
            .len(),
        3
    );
    assert_eq!(
        ids(&db.affected(&Ecosystem::RubyGems, None, "Nokogiri").expect("lookup")),
        ["GHSA-crjr-9rc5-ghw8"]
    );
    assert_eq!(
        db.affected(&Ecosystem::Packagist, None, "GuzzleHttp/Guzzle")
            .expect("lookup")
            .len(),
        2
    );
    assert_eq!(
        db.affected(&Ecosystem::NuGet, None, "system.text.encodings.web")
            .expect("lookup")
            .len(),
        3
    );
    let hex = db
        .affected(&Ecosystem::Other("Hex".into()), None, "plug")
        .expect("lookup");
    assert_eq!(ids(&hex), ["TEST-HEX-2024-0001"]);
    assert!(!hex[0].ecosystem.base.is_supported());

    // Whole advisories and aliases.
    let ubuntu = db.advisory("UBUNTU-CVE-2023-4863").expect("advisory").expect("present");
    assert_eq!(ubuntu.severity[0].kind, SeverityType::Ubuntu);
    assert_eq!(ubuntu.severity[0].score, "high");
    assert_eq!(ubuntu.severity[1].score, "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H");
    assert_eq!(ubuntu.related, ["USN-6369-1", "USN-6369-2"]);
    assert_eq!(ubuntu.cves().collect::<Vec<_>>(), ["CVE-2023-4863"]);
    assert_eq!(ubuntu.affected.len(), 2);
    assert_eq!(
        ubuntu.references[1].url,
        "https://ubuntu.com/security/notices/USN-6369-1"
    );
    let withdrawn = db.advisory("GO-2022-0646").expect("advisory").expect("present");
    assert_eq!(withdrawn.withdrawn.as_deref(), Some("2024-05-01T00:00:00Z"));
    assert_eq!(
        db.by_alias("CVE-2023-4863").expect("alias"),
        ["DEBIAN-CVE-2023-4863", "UBUNTU-CVE-2023-4863"]
    );
    assert_eq!(db.by_alias("PYSEC-2023-74").expect("alias"), ["GHSA-j8r2-6x86-q33q"]);
    assert!(db.advisory("GHSA-none").expect("advisory").is_none());

    // Status: counts per ecosystem and release, supported flags, freshness.
    let status = db.status().expect("status");
    assert_eq!(status.schema_version, vigil_vulndb::SCHEMA_VERSION);
    assert_eq!((status.advisories, status.withdrawn), (14, 1));
    // The scan's cheap summary agrees with the full status.
    let summary = db.summary().expect("summary");
    assert_eq!(
        (summary.advisories, summary.built_at, summary.stale),
        (status.advisories, status.built_at, status.stale)
    );
    let count = |e: &str, r: Option<&str>| {
        status
            .ecosystems
            .iter()
            .find(|c| c.ecosystem.as_str() == e && c.release.as_deref() == r)
            .map(|c| c.advisories)
    };
    assert_eq!(count("Debian", Some("11")), Some(1));
    assert_eq!(count("Debian", Some("12")), Some(2));
    assert_eq!(count("npm", None), Some(1));
    assert_eq!(count("Go", None), Some(1), "the withdrawn advisory is not counted");
    let hex_count = status
        .ecosystems
        .iter()
        .find(|c| c.ecosystem.as_str() == "Hex")
        .expect("Hex listed");
    assert!(!hex_count.supported);
    assert!(status
        .ecosystems
        .iter()
        .filter(|c| c.ecosystem.as_str() != "Hex")
        .all(|c| c.supported));
    assert!(status.skipped.is_empty());
    assert!(!status.stale);
    let pypi = status
        .sources
        .iter()
        .find(|s| s.location.ends_with("PyPI-all.zip"))
        .expect("PyPI source");
    assert_eq!((pypi.records, pypi.kind.as_str()), (2, "zip"));
    assert_eq!(pypi.size, Some(std::fs::metadata(&zips[7]).expect("stat").len()));
    assert_eq!(pypi.sha256.as_deref().map(str::len), Some(64));
    let later = status.built_at + time::Duration::days(8);
    let aged = db.status_at(later).expect("status");
    assert!(aged.stale && aged.sources.iter().all(|s| s.stale));
}

#[test]
fn bad_records_are_skipped_counted_and_listed_while_good_ones_import() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db_path = db_in(tmp.path());
    let options = ImportOptions {
        version_check: standin_check,
        ..ImportOptions::default()
    };
    let bad = fixtures().join("bad");
    let report = import(&db_path, std::slice::from_ref(&bad), &options).expect("import");
    let source = &report.sources[0];
    assert_eq!(source.kind, "dir");
    assert_eq!((source.records, source.skipped, source.duplicates), (3, 9, 1));

    let db = Db::open(&db_path).expect("open");
    assert_eq!(
        ids(&db.affected(&Ecosystem::Npm, None, "left-pad").expect("lookup")),
        ["TEST-GOOD-0001"]
    );
    let django = db.affected(&Ecosystem::PyPI, None, "django").expect("lookup");
    assert_eq!(django[0].fixed_versions(), ["4.2.8"]);
    assert_eq!(
        ids(&db.affected(&Ecosystem::RubyGems, None, "rack").expect("lookup")),
        ["TEST-LINE-0001"]
    );

    let status = db.status().expect("status");
    assert_eq!(status.skipped_total, 9);
    let find = |place: &str| {
        status
            .skipped
            .iter()
            .find(|s| s.place == place)
            .unwrap_or_else(|| panic!("{place} not listed: {:#?}", status.skipped))
    };
    let expect = |place: &str, id: Option<&str>, reason_start: &str| {
        let s = find(place);
        assert_eq!(s.id.as_deref(), id, "{place}");
        assert!(s.reason.starts_with(reason_start), "{place}: {}", s.reason);
        assert_eq!(
            s.source,
            format!("file:{}", bad.canonicalize().expect("canonical").display())
        );
    };
    expect("malformed.json", None, "malformed JSON: EOF while parsing");
    expect(
        "wrong-type.json",
        Some("TEST-BAD-TYPE"),
        "not an OSV record: invalid type: string",
    );
    expect("missing-id.json", None, "missing id");
    expect(
        "unknown-range.json",
        Some("TEST-BAD-RANGE"),
        "affected[0].ranges[0]: unknown range type \"DATE\"",
    );
    expect(
        "bad-version.json",
        Some("TEST-BAD-VERSION"),
        "affected[0].ranges[0]: fixed version \"not a version\" is not a valid PyPI version: version contains ' '",
    );
    expect(
        "letters-version.json",
        Some("TEST-BAD-STANDIN"),
        "affected[0].ranges[0]: fixed version \"banana\" is not a valid PyPI version: a PEP 440 version starts",
    );
    expect(
        "two-keys-event.json",
        Some("TEST-BAD-EVENT"),
        "affected[0].ranges[0].events[0]: an event must have exactly one",
    );
    expect(
        "no-introduced.json",
        Some("TEST-BAD-NOINTRO"),
        "affected[0].ranges[0]: no introduced event",
    );
    expect("records.jsonl line 3", None, "malformed JSON");

    // With the basic check only, the letters version is accepted.
    let tmp2 = tempfile::tempdir().expect("tempdir");
    let report = import(&db_in(tmp2.path()), &[bad], &ImportOptions::default()).expect("import");
    assert_eq!((report.sources[0].records, report.sources[0].skipped), (4, 8));
}

#[test]
fn single_records_json_lines_and_gzip() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db_path = db_in(tmp.path());
    let single = osv("Maven").join("GHSA-jfh8-c2jp-5v3q.json");
    let lines = tmp.path().join("records.ndjson.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for eco in ["NuGet", "RubyGems"] {
        for entry in std::fs::read_dir(osv(eco)).expect("dir") {
            let record: serde_json::Value =
                serde_json::from_slice(&std::fs::read(entry.expect("entry").path()).expect("read")).expect("json");
            writeln!(gz, "{record}").expect("write");
        }
    }
    std::fs::write(&lines, gz.finish().expect("gzip")).expect("write");
    let seen = std::cell::RefCell::new(Vec::new());
    let progress = |p: &vigil_vulndb::Progress<'_>| seen.borrow_mut().push(format!("{p:?}"));
    let options = ImportOptions {
        progress: Some(&progress),
        ..ImportOptions::default()
    };
    let report = import(&db_path, &[single, lines], &options).expect("import");
    let seen = seen.into_inner();
    assert_eq!(seen.last().map(String::as_str), Some("Finishing"));
    assert_eq!(
        seen.iter()
            .filter(|p| p.starts_with("Importing") && p.contains("records: 2, skipped: 0"))
            .count(),
        1
    );
    assert_eq!(
        report
            .sources
            .iter()
            .map(|s| (s.kind.as_str(), s.records))
            .collect::<Vec<_>>(),
        [("json", 1), ("jsonl", 2)]
    );
    let db = Db::open(&db_path).expect("open");
    assert_eq!(
        db.affected(&Ecosystem::NuGet, None, "System.Text.Encodings.Web")
            .expect("lookup")
            .len(),
        3
    );
    assert_eq!(
        db.affected(&Ecosystem::Maven, None, "org.apache.logging.log4j:log4j-core")
            .expect("lookup")
            .len(),
        3
    );
}

#[test]
fn a_reimport_replaces_its_source_and_the_newest_copy_of_an_advisory_wins() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db_path = db_in(tmp.path());
    let zips = write_zips(tmp.path(), &["PyPI", "npm"]);
    import_ok(&db_path, &zips);
    import_ok(&db_path, &zips[..1]);
    let db = Db::open(&db_path).expect("open");
    assert_eq!(
        db.status().expect("status").sources.len(),
        2,
        "the PyPI source is replaced, npm carried over"
    );
    assert_eq!(
        db.affected(&Ecosystem::PyPI, None, "requests").expect("lookup").len(),
        1
    );
    assert_eq!(db.affected(&Ecosystem::Npm, None, "semver").expect("lookup").len(), 3);
    drop(db);

    // The same advisory from another source, modified later: that copy is the one returned.
    let mut record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(osv("PyPI").join("GHSA-j8r2-6x86-q33q.json")).expect("read"))
            .expect("json");
    record["modified"] = "2025-01-01T00:00:00Z".into();
    record["affected"][0]["ranges"][0]["events"][1]["fixed"] = "2.32.0".into();
    let newer = tmp.path().join("newer.json");
    std::fs::write(&newer, serde_json::to_vec(&record).expect("json")).expect("write");
    import_ok(&db_path, std::slice::from_ref(&newer));
    let db = Db::open(&db_path).expect("open");
    let hits = db.affected(&Ecosystem::PyPI, None, "requests").expect("lookup");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].fixed_versions(), ["2.32.0"]);
    let advisory = db.advisory("GHSA-j8r2-6x86-q33q").expect("advisory").expect("present");
    assert_eq!(
        advisory.source,
        format!("file:{}", newer.canonicalize().expect("canonical").display())
    );
    assert_eq!(advisory.modified.as_deref(), Some("2025-01-01T00:00:00Z"));
}

#[test]
fn a_failed_import_leaves_the_previous_database_in_use() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db_path = db_in(tmp.path());
    let zips = write_zips(tmp.path(), &["PyPI"]);
    import_ok(&db_path, &zips);
    let before = std::fs::read(&db_path).expect("read db");
    let listing = dir_listing(tmp.path());

    // An entry whose stored data no longer matches its CRC.
    let record = std::fs::read(osv("npm").join("GHSA-c2qf-rxjj-qqgw.json")).expect("read");
    let mut corrupt = zip_entries(&[("GHSA-c2qf-rxjj-qqgw.json", &record)], CompressionMethod::Stored);
    let at = corrupt.windows(8).position(|w| w == b"semver v").expect("entry data");
    corrupt[at] = b'S';
    let corrupt_path = tmp.path().join("npm-corrupt.zip");
    std::fs::write(&corrupt_path, &corrupt).expect("write");
    let err = import(
        &db_path,
        &[zips[0].clone(), corrupt_path.clone()],
        &ImportOptions::default(),
    )
    .expect_err("corrupt");
    assert!(err.previous_kept(), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("npm-corrupt.zip: GHSA-c2qf-rxjj-qqgw.json: Invalid checksum"),
        "{text}"
    );
    assert!(text.ends_with(&format!(
        "the previous database at {} is unchanged and still in use",
        db_path.display()
    )));

    // A truncated archive: no central directory.
    let truncated_path = tmp.path().join("truncated.zip");
    std::fs::write(&truncated_path, &corrupt[..corrupt.len() / 2]).expect("write");
    let err = import(&db_path, &[truncated_path], &ImportOptions::default()).expect_err("truncated");
    assert!(
        matches!(err.cause(), DbError::Input { reason, .. } if reason.starts_with("not a readable zip archive")),
        "{err}"
    );

    assert_eq!(
        std::fs::read(&db_path).expect("read db"),
        before,
        "the database file is untouched"
    );
    let mut expected = listing;
    expected.extend(["npm-corrupt.zip".to_string(), "truncated.zip".to_string()]);
    expected.sort();
    assert_eq!(dir_listing(tmp.path()), expected, "no temporary file is left behind");
    let db = Db::open(&db_path).expect("open");
    let status = db.status().expect("status");
    assert_eq!((status.sources.len(), status.advisories), (1, 2));
    assert_eq!(
        db.affected(&Ecosystem::PyPI, None, "requests").expect("lookup").len(),
        1
    );

    // Without a previous database, nothing is written.
    let fresh = tmp.path().join("fresh.sqlite");
    let err = import(&fresh, &[corrupt_path], &ImportOptions::default()).expect_err("corrupt");
    assert!(matches!(err, DbError::NotWritten { .. }), "{err}");
    assert!(!fresh.exists());
    assert!(matches!(Db::open(&fresh), Err(DbError::Missing { .. })));
}

#[test]
fn schema_versions_other_than_ours_are_refused_or_rebuilt() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db_path = db_in(tmp.path());
    let zips = write_zips(tmp.path(), &["Go"]);
    import_ok(&db_path, &zips);
    let set_version = |v: &str| {
        let conn = rusqlite::Connection::open(&db_path).expect("open raw");
        conn.execute("UPDATE meta SET value = ?1 WHERE key = 'schema_version'", [v])
            .expect("update");
    };

    set_version("99");
    let err = Db::open(&db_path).err().expect("refused");
    assert!(
        matches!(
            err,
            DbError::NewerSchema {
                found: 99,
                supported: 1,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("newer than the 1 this Vigil understands"),
        "{err}"
    );
    let before = std::fs::read(&db_path).expect("read");
    let err = import(&db_path, &zips, &ImportOptions::default()).expect_err("refused");
    assert!(matches!(err, DbError::NewerSchema { .. }), "{err}");
    assert_eq!(
        std::fs::read(&db_path).expect("read"),
        before,
        "a newer database is never replaced"
    );

    set_version("0");
    assert!(matches!(Db::open(&db_path), Err(DbError::OlderSchema { found: 0, .. })));
    let report = import_ok(&db_path, &zips);
    assert_eq!(report.replaced_schema, Some(0));
    assert_eq!(
        Db::open(&db_path)
            .expect("open")
            .status()
            .expect("status")
            .schema_version,
        1
    );

    let not_db = tmp.path().join("notes.txt");
    std::fs::write(&not_db, "my notes, not a database\n").expect("write");
    let err = import(&not_db, &zips, &ImportOptions::default()).expect_err("refused");
    assert!(matches!(err, DbError::NotADatabase { .. }), "{err}");
    assert_eq!(
        std::fs::read_to_string(&not_db).expect("read"),
        "my notes, not a database\n"
    );
}

#[test]
fn caps_skip_oversized_records_and_stop_oversized_archives() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db_path = db_in(tmp.path());
    // A zip bomb: 64 MiB of zeros that deflate to a few dozen KiB, beside a real record.
    let zeros = vec![0u8; 64 << 20];
    let record = std::fs::read(osv("npm").join("GHSA-c2qf-rxjj-qqgw.json")).expect("read");
    let bomb = zip_entries(
        &[("BOMB.json", &zeros), ("GHSA-c2qf-rxjj-qqgw.json", &record)],
        CompressionMethod::Deflated,
    );
    assert!(bomb.len() < 1 << 20);
    let bomb_path = tmp.path().join("bomb.zip");
    std::fs::write(&bomb_path, &bomb).expect("write");
    let report = import_ok(&db_path, std::slice::from_ref(&bomb_path));
    assert_eq!((report.sources[0].records, report.sources[0].skipped), (1, 1));
    let skipped = &report.sources[0].skipped_sample[0];
    assert_eq!(skipped.place, "BOMB.json");
    assert_eq!(
        skipped.reason,
        format!("record of {} bytes exceeds the cap of {} bytes", 64 << 20, 16 << 20)
    );

    let small = Limits {
        max_zip_total_bytes: 1000,
        ..Limits::default()
    };
    let options = ImportOptions {
        limits: &small,
        ..ImportOptions::default()
    };
    let zips = write_zips(tmp.path(), &["Maven"]);
    let err = import(&db_path, &zips, &options).expect_err("over the total cap");
    assert!(
        err.to_string().contains("more than the cap of 1000 decompressed bytes"),
        "{err}"
    );

    let few = Limits {
        max_zip_entries: 1,
        max_record_bytes: 300,
        ..Limits::default()
    };
    let options = ImportOptions {
        limits: &few,
        ..ImportOptions::default()
    };
    let err = import(&db_path, std::slice::from_ref(&bomb_path), &options).expect_err("over the entry cap");
    assert!(err.to_string().contains("2 entries, more than the cap of 1"), "{err}");
    let lines = tmp.path().join("long.jsonl");
    std::fs::write(
        &lines,
        format!(
            "{}\n{{\"id\": \"TEST-SHORT\"}}\n",
            String::from_utf8_lossy(&record).replace('\n', " ")
        ),
    )
    .expect("write");
    let report = import(&db_path, &[lines], &options).expect("import");
    assert_eq!((report.sources[0].records, report.sources[0].skipped), (1, 1));
    assert!(report.sources[0].skipped_sample[0]
        .reason
        .contains("exceeds the cap of 300 bytes"));
}

#[test]
fn unknown_formats_are_refused_with_the_path() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let odd = tmp.path().join("odd.txt");
    std::fs::write(&odd, "hello").expect("write");
    let err = import(&db_in(tmp.path()), &[odd], &ImportOptions::default()).expect_err("refused");
    assert!(matches!(err, DbError::NotWritten { .. }));
    assert!(err.to_string().contains("odd.txt: unknown format"), "{err}");
}

#[test]
fn an_interrupted_build_leaves_a_temporary_file_that_the_next_build_removes() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db_path = db_in(tmp.path());
    // What a build killed mid-way leaves: its temporary file, named after a process that is gone
    // (4194303 is above Linux's largest pid_max, so no process has it).
    let stale = tmp.path().join(".vulndb.sqlite.build-4194303-1700000000000000000");
    std::fs::write(&stale, b"half a database").expect("write");
    let zips = write_zips(tmp.path(), &["npm"]);
    import_ok(&db_path, &zips);
    assert!(!stale.exists());
    assert_eq!(dir_listing(tmp.path()), ["npm-all.zip", "vulndb.sqlite"]);
}
