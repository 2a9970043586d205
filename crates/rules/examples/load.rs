//! Loads Falco rule files and prints the counts, every diagnostic and the time it took.
//!
//! `cargo run --release -p vigil-rules --example load -- falco_rules.yaml other_rules.yaml`

use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let paths: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if paths.is_empty() {
        eprintln!("usage: load FILE...");
        std::process::exit(2);
    }
    let refs: Vec<&std::path::Path> = paths.iter().map(PathBuf::as_path).collect();
    let start = Instant::now();
    let loaded = vigil_rules::load_files(&refs);
    let elapsed = start.elapsed();
    for d in &loaded.diagnostics {
        println!("{d}");
    }
    let errors = loaded.errors().count();
    let warnings = loaded.warnings().count();
    let enabled = loaded.rules.iter().filter(|r| r.enabled).count();
    println!(
        "{} rules ({enabled} enabled), {} macros, {} lists; {errors} errors, {warnings} warnings; loaded in {:.1} ms",
        loaded.rules.len(),
        loaded.macros,
        loaded.lists,
        elapsed.as_secs_f64() * 1000.0
    );
    if errors > 0 {
        std::process::exit(1);
    }
}
