//! Measures what the analysis adds to an image read: opens SOURCE with the catalogers alone, then
//! with the catalogers and the [`Analyzer`] (default configuration), alternating RUNS times, and
//! prints the best wall times, file counts and the secrets found.
//!
//! `cargo run --release -p vigil-analysis --example analyze -- docker-archive:/tmp/app.tar [RUNS] [MODE]`
//!
//! MODE `digests` also computes every file's sha256, `verify` verifies package files, `full` both.

use std::sync::Arc;
use std::time::{Duration, Instant};

use vigil_analysis::{Analyzer, AnalyzerConfig};
use vigil_catalog::{Catalogers, Scope};
use vigil_image::{open, Options, SourceSpec};
use vigil_types::FoundIn;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let source = args.next().ok_or("usage: analyze SOURCE [RUNS]")?;
    let runs: usize = args.next().map_or(Ok(3), |r| r.parse())?;
    let mode = args.next().unwrap_or_default();
    let config = AnalyzerConfig {
        digests: mode == "full" || mode == "digests",
        verify: mode == "full" || mode == "verify",
        ..AnalyzerConfig::default()
    };
    let spec = SourceSpec::parse(&source)?;
    let catalogers = Catalogers::default_set();
    let mut plain = Vec::new();
    let mut analysed = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        let image = open(&spec, &Options::default(), &catalogers)?;
        let catalog = catalogers.run(&image.tree, Scope::Image);
        plain.push(t.elapsed());
        let plain_counts = (image.tree.len(), catalog.packages.len());
        drop(image);

        let t = Instant::now();
        let analyzer = Arc::new(Analyzer::new(config.clone())?);
        let options = Options {
            inspector: Some(analyzer.clone()),
            ..Options::default()
        };
        let image = open(&spec, &options, &catalogers)?;
        let catalog = catalogers.run(&image.tree, Scope::Image);
        let analysis = analyzer.finish(&image, &catalog.packages);
        analysed.push(t.elapsed());
        last = Some((
            plain_counts,
            image.tree.notes().count(),
            analysis,
            catalog.packages.len(),
        ));
    }
    let best = |v: &[Duration]| v.iter().min().copied().unwrap_or_default();
    let median = |v: &mut Vec<Duration>| {
        v.sort();
        v.get(v.len() / 2).copied().unwrap_or_default()
    };
    let (p, a) = (best(&plain), best(&analysed));
    println!("source: {source}");
    println!(
        "catalogers alone:       best {:.3} s, median {:.3} s",
        p.as_secs_f64(),
        median(&mut plain).as_secs_f64()
    );
    println!(
        "catalogers + analyzer:  best {:.3} s, median {:.3} s",
        a.as_secs_f64(),
        median(&mut analysed).as_secs_f64()
    );
    println!("ratio (best): {:.3}", a.as_secs_f64() / p.as_secs_f64().max(1e-9));
    let Some(((files, packages), notes, analysis, packages2)) = last else {
        return Ok(());
    };
    println!(
        "files in the final tree: {files} (index: {}), packages: {packages}/{packages2}",
        analysis.files.len()
    );
    println!("notes kept: {notes}");
    println!(
        "users: {}, groups: {}",
        analysis.passwd.as_ref().map_or(0, Vec::len),
        analysis.groups.as_ref().map_or(0, Vec::len)
    );
    println!("verify findings: {}", analysis.verify.len());
    for v in &analysis.verify {
        println!("  {:?} {} ({}) layer {:?}", v.problem, v.path, v.package, v.layer);
    }
    println!("secrets: {}", analysis.secrets.len());
    for s in &analysis.secrets {
        match &s.found_in {
            FoundIn::File {
                path,
                layer,
                line,
                deleted,
            } => println!(
                "  {} {path}:{line} layer {layer}{} {}",
                s.rule,
                if *deleted { " (deleted)" } else { "" },
                s.redacted
            ),
            FoundIn::Env { name } => println!("  {} env {name} {}", s.rule, s.redacted),
        }
    }
    for n in &analysis.notes {
        println!("note: {n}");
    }
    Ok(())
}
