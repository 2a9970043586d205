//! Enrichment imports: CVE JSON 5 records (a cvelistV5-like tree), an NVD API 2.0 feed, an EPSS
//! CSV (plain and gzipped), the CISA KEV catalogue — each told apart by content.

mod common;

use std::io::Write;
use std::path::PathBuf;

use common::{fixtures, write_zips};
use vigil_vulndb::{import, Db, Ecosystem, ImportOptions};

fn enrich(path: &str) -> PathBuf {
    fixtures().join("enrich").join(path)
}

#[test]
fn nvd_epss_and_kev_import_beside_osv_data() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db_path = tmp.path().join("vulndb.sqlite");
    let mut inputs = write_zips(tmp.path(), &["Maven", "PyPI"]);
    inputs.extend([
        enrich("cvelistV5"),
        enrich("nvd/nvdcve-2.0-modified.json"),
        enrich("epss/epss_scores-2025-05-12.csv"),
        enrich("kev/known_exploited_vulnerabilities.json"),
    ]);
    let report = import(&db_path, &inputs, &ImportOptions::default()).expect("import");
    let kinds: Vec<(&str, u64, u64)> = report
        .sources
        .iter()
        .map(|s| (s.kind.as_str(), s.records, s.skipped))
        .collect();
    assert_eq!(
        kinds,
        [
            ("zip", 1, 0),
            ("zip", 2, 0),
            ("dir", 2, 0),
            ("nvd-api", 2, 1),
            ("epss-csv", 4, 1),
            ("kev-json", 2, 1)
        ]
    );
    assert_eq!(report.sources[4].name, "epss");
    assert_eq!(report.sources[5].name, "kev");

    let db = Db::open(&db_path).expect("open");
    // CVE JSON 5: the CNA's vectors, and an ADP's when the CNA gives none.
    let webp = db.nvd_cvss("CVE-2023-4863").expect("cvss");
    assert_eq!(webp.len(), 1);
    assert_eq!(
        (
            webp[0].version.as_str(),
            webp[0].vector.as_str(),
            webp[0].origin.as_str(),
            webp[0].kind.as_str()
        ),
        ("3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", "CISA-ADP", "adp")
    );
    let requests = db.nvd_cvss("CVE-2023-32681").expect("cvss");
    assert_eq!(
        (requests[0].origin.as_str(), requests[0].kind.as_str()),
        ("GitHub_M", "cna")
    );
    // The NVD feed: every metric version, with its source and type.
    let log4j = db.nvd_cvss("CVE-2021-44228").expect("cvss");
    let summary: Vec<(&str, &str, &str)> = log4j
        .iter()
        .map(|v| (v.version.as_str(), v.vector.as_str(), v.kind.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", "Primary"),
            ("2.0", "AV:N/AC:M/Au:N/C:C/I:C/A:C", "Primary")
        ]
    );
    let semver = db.nvd_cvss("CVE-2022-25883").expect("cvss");
    assert_eq!(
        semver.iter().map(|v| v.origin.as_str()).collect::<Vec<_>>(),
        ["nvd@nist.gov", "report@snyk.io"]
    );
    assert!(db.nvd_cvss("CVE-1999-0001").expect("cvss").is_empty());

    let epss = db.epss("CVE-2021-44228").expect("epss").expect("scored");
    assert_eq!((epss.score, epss.percentile), (0.94358, 0.99957));
    assert_eq!(epss.date.as_deref(), Some("2025-05-12T12:55:00Z"));
    assert_eq!(epss.model.as_deref(), Some("v2025.03.14"));
    assert!(
        db.epss("CVE-2023-9999").expect("epss").is_none(),
        "the out-of-range row is skipped"
    );

    let kev = db.kev("CVE-2021-44228").expect("kev").expect("listed");
    assert!(kev.known_ransomware());
    assert_eq!(
        (kev.date_added.as_str(), kev.due_date.as_deref()),
        ("2021-12-10", Some("2021-12-24"))
    );
    assert_eq!(kev.vendor.as_deref(), Some("Apache"));
    let webp_kev = db.kev("CVE-2023-4863").expect("kev").expect("listed");
    assert!(!webp_kev.known_ransomware());
    assert!(db.kev("CVE-2022-25883").expect("kev").is_none());

    // An advisory's CVEs lead to its enrichment.
    let advisory = db.advisory("GHSA-jfh8-c2jp-5v3q").expect("advisory").expect("present");
    let cve = advisory.cves().next().expect("a CVE alias");
    assert_eq!(cve, "CVE-2021-44228");
    assert!(db.kev(cve).expect("kev").is_some());

    let status = db.status().expect("status");
    assert_eq!((status.nvd_cves, status.epss_cves, status.kev_cves), (4, 4, 2));
    assert_eq!(status.skipped_total, 3);
    let reasons: Vec<(&str, &str)> = status
        .skipped
        .iter()
        .map(|s| (s.place.as_str(), s.reason.as_str()))
        .collect();
    assert!(
        reasons.contains(&("vulnerabilities[2]", "not a CVE id: \"NOT-A-CVE-1\"")),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&("line 7", "epss \"1.7\" is not a number between 0 and 1")),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&(
            "vulnerabilities[2]",
            "dateAdded: \"13/09/2023\" is not a YYYY-MM-DD date"
        )),
        "{reasons:?}"
    );
    assert_eq!(
        db.affected(&Ecosystem::PyPI, None, "requests").expect("lookup").len(),
        1
    );
}

#[test]
fn a_new_epss_file_replaces_the_previous_one_whatever_its_path() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db_path = tmp.path().join("vulndb.sqlite");
    import(
        &db_path,
        &[enrich("epss/epss_scores-2025-05-12.csv")],
        &ImportOptions::default(),
    )
    .expect("import");

    let csv = std::fs::read_to_string(enrich("epss/epss_scores-2025-05-12.csv")).expect("read");
    let next = csv
        .replace("score_date:2025-05-12T12:55:00Z", "score_date:2025-05-13T12:55:00Z")
        .replace("CVE-2021-44228,0.94358,0.99957", "CVE-2021-44228,0.94400,0.99960");
    let gz_path = tmp.path().join("epss_scores-current.csv.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(next.as_bytes()).expect("gzip");
    std::fs::write(&gz_path, gz.finish().expect("gzip")).expect("write");
    import(&db_path, std::slice::from_ref(&gz_path), &ImportOptions::default()).expect("import");

    let db = Db::open(&db_path).expect("open");
    let status = db.status().expect("status");
    assert_eq!(status.sources.len(), 1);
    assert_eq!(
        status.sources[0].location,
        gz_path.canonicalize().expect("canonical").display().to_string()
    );
    let epss = db.epss("CVE-2021-44228").expect("epss").expect("scored");
    assert_eq!(
        (epss.score, epss.date.as_deref()),
        (0.944, Some("2025-05-13T12:55:00Z"))
    );
}

#[test]
fn a_cve_record_without_metrics_and_a_broken_feed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db_path = tmp.path().join("vulndb.sqlite");
    // A rejected CVE: no metrics, still a record.
    let rejected = tmp.path().join("CVE-2023-0001.json");
    std::fs::write(
        &rejected,
        r#"{"dataType": "CVE_RECORD", "dataVersion": "5.1",
            "cveMetadata": {"cveId": "CVE-2023-0001", "state": "REJECTED"},
            "containers": {"cna": {"providerMetadata": {"orgId": "x"}, "rejectedReasons": [{"lang": "en", "value": "dup"}]}}}"#,
    )
    .expect("write");
    let report = import(&db_path, &[rejected], &ImportOptions::default()).expect("import");
    assert_eq!((report.sources[0].records, report.sources[0].skipped), (1, 0));

    // A feed cut off in the middle fails as a whole; the previous database stays.
    let feed = std::fs::read(enrich("nvd/nvdcve-2.0-modified.json")).expect("read");
    let cut = tmp.path().join("cut.json");
    std::fs::write(&cut, &feed[..feed.len() / 2]).expect("write");
    let err = import(&db_path, &[cut], &ImportOptions::default()).expect_err("broken feed");
    assert!(err.previous_kept());
    assert!(
        err.to_string().contains("cut.json: malformed JSON: EOF while parsing"),
        "{err}"
    );
}
