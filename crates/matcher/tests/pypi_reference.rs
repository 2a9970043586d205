//! The matcher against a reference: the five Python packages of the benchmark image matched
//! against the real PyPI advisories (`../shared/data/osv/PyPI-all.zip`), compared with what
//! Python's `packaging` says (`tests/reference/pypi_reference.py` wrote
//! `tests/fixtures/reference/pypi-benchmark.json`). Skipped, with a message, without the data.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;
use vigil_vulndb::{import, Db, ImportOptions};

fn data() -> Option<PathBuf> {
    let zip = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/osv/PyPI-all.zip");
    zip.exists().then_some(zip)
}

#[test]
fn pypi_findings_match_the_packaging_reference() {
    let Some(zip) = data() else {
        eprintln!("skipped: ../shared/data/osv/PyPI-all.zip is not here");
        return;
    };
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(common::fixtures().join("reference/pypi-benchmark.json")).expect("reference"),
    )
    .expect("reference JSON");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("vulndb.sqlite");
    let options = ImportOptions {
        version_check: vigil_vulndb::version::osv_version_check,
        ..ImportOptions::default()
    };
    import(&path, &[zip], &options).expect("import");
    let db = Db::open(&path).expect("open");

    let packages = expected["packages"].as_array().expect("packages");
    let sbom = common::sbom(
        Some("debian-12"),
        packages
            .iter()
            .map(|p| {
                common::python(
                    p["name"].as_str().expect("name"),
                    p["version"].as_str().expect("version"),
                )
            })
            .collect(),
    );
    let report = common::run(&db, &sbom);
    assert!(report.notes.is_empty(), "{:?}", report.notes);
    let mut total = 0;
    for p in packages {
        let name = p["name"].as_str().expect("name");
        assert_eq!(
            p["skipped_records"],
            Value::Array(vec![]),
            "{name}: the reference skipped records"
        );
        let want: BTreeMap<String, Vec<String>> = serde_json::from_value(p["findings"].clone()).expect("findings");
        let got: BTreeMap<String, Vec<String>> = common::of(&report, name)
            .iter()
            .map(|f| {
                let mut advisories: Vec<String> = f.matches.iter().map(|m| m.advisory.clone()).collect();
                advisories.dedup();
                (f.id.clone(), advisories)
            })
            .collect();
        assert_eq!(got, want, "{name}");
        total += want.len();
    }
    assert_eq!(total, 41, "28 Django, 2 requests, 2 PyYAML, 2 Jinja2, 7 urllib3");
}
