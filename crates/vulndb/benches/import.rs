//! Import benchmark: the real OSV data in `../shared/data/osv/*.zip` (PyPI, Go, crates.io: 7,666
//! advisories) into a fresh database, several times. Prints the time, advisories per second and
//! the database size per run; fails when the best run takes 5 s or more.
//!
//! `cargo bench -p vigil-vulndb --bench import` (release profile). `OSV_DATA=dir` reads another
//! directory of zips; `RUNS=n` sets the number of runs (default 3).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use vigil_vulndb::{import, Db, ImportOptions};

const TARGET: Duration = Duration::from_secs(5);

fn main() -> ExitCode {
    let dir = std::env::var_os("OSV_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data/osv")));
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3)
        .max(1);
    let mut zips: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "zip"))
            .collect(),
        Err(e) => {
            eprintln!("cannot read {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
    };
    zips.sort();
    if zips.is_empty() {
        eprintln!("no *.zip in {}", dir.display());
        return ExitCode::FAILURE;
    }
    let Ok(scratch) = tempfile::tempdir() else {
        eprintln!("cannot create a temporary directory");
        return ExitCode::FAILURE;
    };
    let mut best = Duration::MAX;
    for run in 1..=runs {
        let db_path = scratch.path().join(format!("run{run}.sqlite"));
        let report = match import(&db_path, &zips, &ImportOptions::default()) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("import failed: {e}");
                return ExitCode::FAILURE;
            }
        };
        let secs = report.elapsed.as_secs_f64();
        let records: u64 = report.sources.iter().map(|s| s.records).sum();
        println!(
            "run {run}: {records} advisories in {secs:.3} s = {:.0} advisories/s; database {:.1} MiB",
            records as f64 / secs,
            report.db_bytes as f64 / (1024.0 * 1024.0)
        );
        if run == 1 {
            for s in &report.sources {
                println!(
                    "  {}: {} records, {} skipped, {} duplicates",
                    s.location, s.records, s.skipped, s.duplicates
                );
                for k in s.skipped_sample.iter().take(5) {
                    println!(
                        "    skipped {} ({}): {}",
                        k.place,
                        k.id.as_deref().unwrap_or("-"),
                        k.reason
                    );
                }
            }
            if let Ok(status) = Db::open(&db_path).and_then(|db| db.status()) {
                for e in &status.ecosystems {
                    println!(
                        "  {}: {} advisories, {} packages",
                        e.ecosystem, e.advisories, e.packages
                    );
                }
            }
        }
        best = best.min(report.elapsed);
    }
    let verdict = if best < TARGET { "PASS" } else { "FAIL" };
    println!(
        "best {:.3} s, target under {} s: {verdict}",
        best.as_secs_f64(),
        TARGET.as_secs()
    );
    if best < TARGET {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
