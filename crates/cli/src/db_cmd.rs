//! `vigil db update | import | status`: the vulnerability database.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{anyhow, Context, Result};
use clap::{Args, Subcommand};
use vigil_vulndb::version::osv_version_check;
use vigil_vulndb::{Db, Ecosystem, Fetched, ImportOptions, UpdateOptions, DEFAULT_BASE_URL, SUPPORTED};

#[derive(Args)]
pub struct DbArgs {
    /// The database file (default: $VIGIL_DB, else vulndb.sqlite in the user's cache directory).
    #[arg(long, global = true)]
    pub db: Option<PathBuf>,
    #[command(subcommand)]
    pub command: DbCommand,
}

#[derive(Subcommand)]
pub enum DbCommand {
    /// Download each ecosystem's OSV all.zip and rebuild the database (atomically).
    Update(UpdateArgs),
    /// Import local files: OSV zips, directories of records, JSON lines; NVD, EPSS, KEV files.
    Import {
        /// Files or directories to import.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// What the database holds: sources, records per ecosystem, age, skipped records.
    Status {
        /// List every skipped record (the first 20 otherwise).
        #[arg(long)]
        all_skipped: bool,
    },
}

#[derive(Args)]
pub struct UpdateArgs {
    /// Where `<Ecosystem>/all.zip` files are: the OSV bucket, a mirror, or file:///dir.
    #[arg(long, default_value = DEFAULT_BASE_URL, env = "VIGIL_DB_URL")]
    pub url: String,
    /// Ecosystems to fetch (repeat; default: all supported).
    #[arg(long = "ecosystem", short = 'e')]
    pub ecosystems: Vec<String>,
    /// Download even what is unchanged since the last update.
    #[arg(long)]
    pub force: bool,
}

/// The database path: `--db`, else `VIGIL_DB`, else the user's cache directory.
pub fn db_path(arg: Option<PathBuf>) -> Result<PathBuf> {
    arg.or_else(vigil_vulndb::default_db_path)
        .ok_or_else(|| anyhow!("no database location: pass --db PATH or set VIGIL_DB (HOME is not set)"))
}

fn parse_ecosystem(s: &str) -> Result<Ecosystem> {
    SUPPORTED
        .iter()
        .find(|e| e.as_str().eq_ignore_ascii_case(s))
        .cloned()
        .ok_or_else(|| {
            let names: Vec<&str> = SUPPORTED.iter().map(|e| e.as_str()).collect();
            anyhow!("unknown ecosystem {s:?}; supported: {}", names.join(", "))
        })
}

pub fn run(args: DbArgs) -> Result<ExitCode> {
    let path = db_path(args.db)?;
    match args.command {
        DbCommand::Update(u) => {
            let ecosystems = if u.ecosystems.is_empty() {
                SUPPORTED.to_vec()
            } else {
                u.ecosystems
                    .iter()
                    .map(|e| parse_ecosystem(e))
                    .collect::<Result<Vec<_>>>()?
            };
            ensure_parent(&path)?;
            let options = UpdateOptions {
                base_url: u.url,
                ecosystems,
                force: u.force,
                import: ImportOptions {
                    version_check: osv_version_check,
                    ..ImportOptions::default()
                },
                ..UpdateOptions::default()
            };
            let report = vigil_vulndb::update(&path, &options)?;
            for e in &report.ecosystems {
                match &e.fetched {
                    Fetched::Downloaded {
                        bytes,
                        records,
                        skipped,
                        ..
                    } => eprintln!(
                        "{:<10} downloaded {bytes} bytes: {records} advisories, {skipped} skipped",
                        e.ecosystem.as_str()
                    ),
                    Fetched::NotModified { records } => {
                        eprintln!("{:<10} unchanged: {records} advisories kept", e.ecosystem.as_str())
                    }
                }
            }
            eprintln!("database: {}", path.display());
        }
        DbCommand::Import { paths } => {
            ensure_parent(&path)?;
            let options = ImportOptions {
                version_check: osv_version_check,
                ..ImportOptions::default()
            };
            let report = vigil_vulndb::import(&path, &paths, &options)?;
            for s in &report.sources {
                eprintln!(
                    "{} ({}): {} records, {} skipped, {} duplicates",
                    s.location, s.kind, s.records, s.skipped, s.duplicates
                );
                for k in s.skipped_sample.iter().take(5) {
                    eprintln!("  skipped {} {}: {}", k.place, k.id.as_deref().unwrap_or("-"), k.reason);
                }
            }
            eprintln!(
                "database: {} ({} advisories, {} bytes, built in {:.2} s)",
                path.display(),
                report.advisories,
                report.db_bytes,
                report.elapsed.as_secs_f64()
            );
        }
        DbCommand::Status { all_skipped } => print_status(&path, all_skipped)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn ensure_parent(path: &std::path::Path) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create the directory", dir.display()))?;
    }
    Ok(())
}

fn print_status(path: &std::path::Path, all_skipped: bool) -> Result<()> {
    let db = Db::open(path)?;
    let s = db.status()?;
    let rfc = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    };
    println!("database:   {}", path.display());
    println!("schema:     {}", s.schema_version);
    println!("built:      {}", rfc(s.built_at));
    println!(
        "advisories: {} ({} withdrawn); NVD CVEs {}, EPSS CVEs {}, KEV CVEs {}",
        s.advisories, s.withdrawn, s.nvd_cves, s.epss_cves, s.kev_cves
    );
    println!("\nKIND        RECORDS  SKIPPED  FETCHED               SOURCE");
    for src in &s.sources {
        println!(
            "{:<11} {:>7}  {:>7}  {:<21} {}{}",
            src.kind,
            src.records,
            src.skipped,
            rfc(src.fetched_at),
            src.name,
            if src.stale { "  (older than 7 days)" } else { "" }
        );
    }
    println!("\nECOSYSTEM             RELEASE     ADVISORIES  PACKAGES");
    for e in &s.ecosystems {
        println!(
            "{:<21} {:<11} {:>10}  {:>8}{}",
            e.ecosystem.as_str(),
            e.release.as_deref().unwrap_or("-"),
            e.advisories,
            e.packages,
            if e.supported { "" } else { "  (not matched)" }
        );
    }
    println!("\nskipped records: {}", s.skipped_total);
    let shown = if all_skipped {
        s.skipped.len()
    } else {
        s.skipped.len().min(20)
    };
    for k in &s.skipped[..shown] {
        println!(
            "  {} {} {}: {}",
            k.source,
            k.place,
            k.id.as_deref().unwrap_or("-"),
            k.reason
        );
    }
    if shown < s.skipped_total as usize {
        println!(
            "  ... {} more (--all-skipped lists up to the stored cap)",
            s.skipped_total as usize - shown
        );
    }
    if s.stale {
        eprintln!("vigil: warning: the advisory data is older than 7 days: run `vigil db update`");
    }
    Ok(())
}
