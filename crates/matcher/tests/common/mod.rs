//! Shared by the matcher's tests: the fixture database and SBOM builders.

#![allow(dead_code)]

use std::path::PathBuf;

use tempfile::TempDir;
use vigil_match::{match_sbom, Finding, MatchOptions, MatchReport};
use vigil_sbom::Sbom;
use vigil_types::{Digest, Distro, Location, Package, PackageType, Purl, SourceInfo};
use vigil_vulndb::{import, Db, ImportOptions};

pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The fixture advisories (`tests/fixtures/osv`, one directory per ecosystem) and the EPSS, KEV
/// and NVD files, imported as `vigil db import` does (with the per-ecosystem version check).
pub fn db() -> (TempDir, Db) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("vulndb.sqlite");
    let f = fixtures();
    let inputs = [
        f.join("osv"),
        f.join("enrich/epss_scores-2025-05-12.csv"),
        f.join("enrich/known_exploited_vulnerabilities.json"),
        f.join("enrich/nvdcve-2.0-sample.json"),
    ];
    let options = ImportOptions {
        version_check: vigil_vulndb::version::osv_version_check,
        ..ImportOptions::default()
    };
    let report = import(&path, &inputs, &options).expect("fixtures import");
    let skipped: Vec<_> = report.sources.iter().flat_map(|s| s.skipped_sample.clone()).collect();
    assert!(skipped.is_empty(), "every fixture record imports: {skipped:?}");
    let db = Db::open(&path).expect("open");
    (dir, db)
}

/// A layer digest for tests: `sha256` of the text.
pub fn layer(name: &str) -> Digest {
    Digest::sha256_of(name.as_bytes())
}

/// A package found at `path` in layer `layer`.
pub fn pkg(ty: PackageType, name: &str, version: &str, purl: Purl, path: &str, layer_name: &str) -> Package {
    Package::new(
        ty,
        name,
        version,
        purl,
        Location::new(path, Some(layer(layer_name))),
        "test",
    )
}

/// A Debian binary package built from `source` at `source_version` (empty: the same).
pub fn deb(name: &str, version: &str, source: &str, source_version: &str, distro: &str) -> Package {
    let (ns, _) = distro.split_once('-').unwrap_or((distro, ""));
    let purl = Purl::new("deb", name, version)
        .namespace(ns)
        .qualifier("arch", "amd64")
        .qualifier("distro", distro);
    let mut p = pkg(PackageType::Deb, name, version, purl, "/var/lib/dpkg/status", "base");
    p.set_meta("source", source);
    p.set_meta("source_version", source_version);
    p
}

pub fn python(name: &str, version: &str) -> Package {
    let purl = Purl::new("pypi", &name.to_ascii_lowercase(), version);
    let path = format!("/usr/local/lib/python3.11/site-packages/{name}-{version}.dist-info/METADATA");
    pkg(PackageType::Python, name, version, purl, &path, "app")
}

pub fn npm(name: &str, version: &str) -> Package {
    let path = format!("/app/node_modules/{name}/package.json");
    pkg(
        PackageType::Npm,
        name,
        version,
        Purl::new("npm", name, version),
        &path,
        "app",
    )
}

/// An SBOM of the image `app:1.0` with `distro` (`debian-12`, `ubuntu-22.04`, `alpine-3.18.4`).
pub fn sbom(distro: Option<&str>, packages: Vec<Package>) -> Sbom {
    let source = SourceInfo {
        scheme: "docker-archive".into(),
        input: "docker-archive:app.tar".into(),
        name: "app:1.0".into(),
        tags: vec!["registry.example/acme/app:1.0".into()],
        image_id: Some(Digest::sha256_of(b"config")),
        ..SourceInfo::default()
    };
    let mut s = Sbom::new_at(source, "2025-05-12T12:00:00Z");
    s.distro = distro.map(|d| {
        let (id, v) = d.split_once('-').unwrap_or((d, ""));
        Distro {
            id: id.into(),
            version_id: v.into(),
            ..Distro::default()
        }
    });
    s.packages = packages;
    s
}

/// Matches with default options.
pub fn run(db: &Db, sbom: &Sbom) -> MatchReport {
    match_sbom(sbom, db, &MatchOptions::default()).expect("match")
}

/// The findings of the package named `name`.
pub fn of<'r>(report: &'r MatchReport, name: &str) -> Vec<&'r Finding> {
    report.findings.iter().filter(|f| f.package.name == name).collect()
}

/// The single finding with id `id` in package `name`.
pub fn one<'r>(report: &'r MatchReport, name: &str, id: &str) -> &'r Finding {
    let found: Vec<&Finding> = of(report, name).into_iter().filter(|f| f.id == id).collect();
    assert_eq!(found.len(), 1, "one {id} finding in {name}: {:#?}", report.findings);
    found[0]
}

/// Ids of the findings of package `name`, sorted.
pub fn ids(report: &MatchReport, name: &str) -> Vec<String> {
    let mut v: Vec<String> = of(report, name).iter().map(|f| f.id.clone()).collect();
    v.sort();
    v
}
