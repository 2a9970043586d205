//! `vigil scan SOURCE`: the SBOM of a source matched against the advisory database, with a gate.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use vigil_match::{match_sbom, IgnoreRules, MatchOptions, Severity, VexDocument};
use vigil_report::{DbInfo, Format, RenderOptions, Scan};
use vigil_vulndb::Db;

use crate::build::{sbom_from, ReadOptions};
use crate::db_cmd::db_path;
use crate::output::{parse_outputs, write_to};

#[derive(Args)]
pub struct ScanArgs {
    /// What to scan: any `vigil sbom` source, or sbom:PATH to scan a stored SBOM (no image needed).
    pub source: String,
    /// Output format: table, json, sarif, cyclonedx-json. `FORMAT=PATH` writes that format to
    /// PATH; repeat for several. Default: table.
    #[arg(short = 'o', long = "output")]
    pub output: Vec<String>,
    /// Write the (single) output to this file instead of stdout.
    #[arg(long = "file")]
    pub file: Option<PathBuf>,
    /// The vulnerability database (default: $VIGIL_DB, else the user's cache directory).
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// Exit 1 when a finding at or above this severity remains (critical, high, medium, low, negligible).
    #[arg(long)]
    pub fail_on: Option<Severity>,
    /// Report only findings that have a fix.
    #[arg(long)]
    pub only_fixed: bool,
    /// Ignore rules (YAML or JSON: by id, package, path; each with a reason and an optional expiry). Repeatable.
    #[arg(long)]
    pub ignore: Vec<PathBuf>,
    /// OpenVEX documents: not_affected and fixed statements suppress findings. Repeatable.
    #[arg(long)]
    pub vex: Vec<PathBuf>,
    /// List suppressed findings too (they are always counted).
    #[arg(long)]
    pub show_suppressed: bool,
    #[command(flatten)]
    pub read: ReadOptions,
}

pub fn run(args: ScanArgs) -> Result<ExitCode> {
    let outputs = parse_outputs(&args.output, Format::Table)?;
    // Everything that can fail on the user's input is read before the (slower) image.
    let mut options = MatchOptions {
        only_fixed: args.only_fixed,
        ..MatchOptions::default()
    };
    for p in &args.ignore {
        options.ignore.push(IgnoreRules::load(p)?);
    }
    for p in &args.vex {
        options.vex.push(VexDocument::load(p)?);
    }
    let path = db_path(args.db)?;
    let db = Db::open(&path)?;
    let status = db.status()?;
    if status.stale {
        eprintln!(
            "vigil: warning: the advisory data in {} is older than 7 days: run `vigil db update`",
            path.display()
        );
    }
    let db_info = DbInfo {
        path: path.display().to_string(),
        built_at: status
            .built_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        advisories: status.advisories,
        stale: status.stale,
    };
    let sbom = sbom_from(&args.source, &args.read)?;
    let report = match_sbom(&sbom, &db, &options)?;
    for rule in &report.expired_rules {
        eprintln!(
            "vigil: warning: {} rule {} ({}) expired on {} and no longer applies ({} findings it would suppress)",
            rule.file, rule.rule, rule.criteria, rule.expired, rule.would_suppress
        );
    }
    let render = RenderOptions {
        show_suppressed: args.show_suppressed,
        fail_on: args.fail_on,
        compact: false,
    };
    let scan = Scan {
        sbom: &sbom,
        report: &report,
        db: Some(&db_info),
        verdict: None,
    };
    for (format, out) in &outputs {
        let target = out.as_deref().or(args.file.as_deref());
        write_to(target, |w| Ok(vigil_report::render(&scan, *format, &render, w)?))?;
    }
    if !args.read.quiet && std::io::stderr().is_terminal() {
        eprintln!(
            "vigil: {} packages, {} findings, {} suppressed",
            sbom.packages.len(),
            report.findings.len(),
            report.suppressed.len()
        );
    }
    if let Some(threshold) = args.fail_on {
        let gate = report.gate(threshold);
        if gate.failed {
            eprintln!(
                "vigil: failed: {} findings at or above {threshold} (--fail-on {threshold})",
                gate.at_or_above
            );
            return Ok(ExitCode::from(1));
        }
    }
    Ok(ExitCode::SUCCESS)
}
