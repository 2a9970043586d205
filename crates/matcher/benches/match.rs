//! Matching benchmark: the SBOM of the benchmark image against the real OSV data in
//! `../shared/data/osv/*.zip` (PyPI, Go, crates.io: 7,666 advisories), imported once into a
//! temporary database. Target: under 100 ms per `match_sbom`.
//!
//! `cargo bench -p vigil-match --bench match`. The SBOM is the vigil-json, CycloneDX or SPDX
//! file `VIGIL_BENCH_SBOM` names, else one built from `benches/bookworm-app-packages.tsv` — the
//! 178 packages of the image `../shared/bench/build-test-image.sh` builds (119 deb, 54 npm,
//! 5 python; listed by `benches/list_packages.py`) — plus a few Go modules and crates, so that
//! every ecosystem of the data is looked up. `OSV_DATA=dir` reads another directory of zips.
//! Without the data the benchmark says so and exits successfully.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use criterion::Criterion;
use vigil_match::{match_sbom, MatchOptions};
use vigil_sbom::Sbom;
use vigil_types::{Distro, Location, Package, PackageType, Purl, SourceInfo};
use vigil_vulndb::{import, Db, ImportOptions};

const TARGET: Duration = Duration::from_millis(100);

const PACKAGES: &str = include_str!("bookworm-app-packages.tsv");

/// Go modules and crates with advisories in the data, as a Go binary and a Rust binary in the
/// image would have them.
const EXTRA: [(PackageType, &str, &str); 12] = [
    (PackageType::GoModule, "stdlib", "go1.20.1"),
    (PackageType::GoModule, "golang.org/x/net", "v0.7.0"),
    (
        PackageType::GoModule,
        "golang.org/x/crypto",
        "v0.0.0-20220314234659-1baeb1ce4c0b",
    ),
    (PackageType::GoModule, "golang.org/x/text", "v0.3.7"),
    (PackageType::GoModule, "github.com/gin-gonic/gin", "v1.7.0"),
    (PackageType::GoModule, "google.golang.org/protobuf", "v1.28.0"),
    (PackageType::RustCrate, "time", "0.1.43"),
    (PackageType::RustCrate, "regex", "1.5.4"),
    (PackageType::RustCrate, "smallvec", "1.6.0"),
    (PackageType::RustCrate, "hyper", "0.14.10"),
    (PackageType::RustCrate, "tokio", "1.18.0"),
    (PackageType::RustCrate, "openssl", "0.10.40"),
];

fn synthetic() -> Sbom {
    let source = SourceInfo {
        scheme: "docker-archive".into(),
        input: "docker-archive:bookworm-app.docker.tar".into(),
        name: "fixture/bookworm-app:1".into(),
        ..SourceInfo::default()
    };
    let mut sbom = Sbom::new_at(source, "2025-05-12T12:00:00Z");
    sbom.distro = Some(Distro {
        id: "debian".into(),
        version_id: "12".into(),
        ..Distro::default()
    });
    for line in PACKAGES.lines().filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [ty, name, version, source, source_version, path] = cols[..] else {
            panic!("bad line in bookworm-app-packages.tsv: {line:?}");
        };
        let (ty, purl) = match ty {
            "deb" => (
                PackageType::Deb,
                Purl::new("deb", name, version)
                    .namespace("debian")
                    .qualifier("distro", "debian-12"),
            ),
            "python" => (PackageType::Python, Purl::new("pypi", &name.to_lowercase(), version)),
            _ => match name.split_once('/') {
                Some((scope, bare)) => (PackageType::Npm, Purl::new("npm", bare, version).namespace(scope)),
                None => (PackageType::Npm, Purl::new("npm", name, version)),
            },
        };
        let mut p = Package::new(ty, name, version, purl, Location::new(path, None), "bench");
        p.set_meta("source", source);
        p.set_meta("source_version", source_version);
        sbom.packages.push(p);
    }
    for (ty, name, version) in EXTRA {
        let purl = match ty {
            PackageType::GoModule => Purl::new("golang", name, version),
            _ => Purl::new("cargo", name, version),
        };
        sbom.packages.push(Package::new(
            ty,
            name,
            version,
            purl,
            Location::new("/usr/local/bin/app", None),
            "bench",
        ));
    }
    sbom
}

fn main() -> ExitCode {
    let dir = std::env::var_os("OSV_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/osv")));
    let mut zips: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "zip"))
            .collect(),
        Err(e) => {
            println!("skipping the match benchmark: no OSV data at {} ({e})", dir.display());
            return ExitCode::SUCCESS;
        }
    };
    zips.sort();
    if zips.is_empty() {
        println!("skipping the match benchmark: no *.zip in {}", dir.display());
        return ExitCode::SUCCESS;
    }
    let Ok(scratch) = tempfile::tempdir() else {
        eprintln!("cannot create a temporary directory");
        return ExitCode::FAILURE;
    };
    let db_path = scratch.path().join("vulndb.sqlite");
    let options = ImportOptions {
        version_check: vigil_vulndb::version::osv_version_check,
        ..ImportOptions::default()
    };
    let imported = match import(&db_path, &zips, &options) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("import failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    let db = match Db::open(&db_path) {
        Ok(db) => db,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let sbom = match std::env::var_os("VIGIL_BENCH_SBOM") {
        Some(path) => {
            let read = std::fs::read(&path).map_err(|e| e.to_string()).and_then(|bytes| {
                vigil_sbom::decode(&bytes, &PathBuf::from(&path).display().to_string()).map_err(|e| e.to_string())
            });
            match read {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("VIGIL_BENCH_SBOM: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
        None => synthetic(),
    };
    let options = MatchOptions::default();
    let report = match match_sbom(&sbom, &db, &options) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("match failed: {e}");
            return ExitCode::FAILURE;
        }
    };
    let c = &report.counts;
    println!(
        "{} advisories imported; {} packages, {} looked up, {} advisory entries compared, {} findings, {} notes",
        imported.advisories,
        c.packages,
        c.looked_up,
        c.entries_compared,
        c.findings,
        report.notes.len()
    );

    // Our own figure against the target: the median of 30 runs.
    let mut times: Vec<Duration> = (0..30)
        .map(|_| {
            let start = Instant::now();
            let r = match_sbom(&sbom, &db, &options);
            let t = start.elapsed();
            std::hint::black_box(r.map(|r| r.findings.len()).unwrap_or(0));
            t
        })
        .collect();
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "match_sbom: median {:.2} ms, best {:.2} ms (target < {} ms)",
        median.as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        TARGET.as_millis()
    );

    let mut criterion = Criterion::default().sample_size(30).configure_from_args();
    criterion.bench_function("match_sbom", |b| {
        b.iter(|| match_sbom(std::hint::black_box(&sbom), &db, &options))
    });
    criterion.final_summary();

    if median >= TARGET {
        eprintln!("too slow: the median run took {median:?}, the target is under {TARGET:?}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
