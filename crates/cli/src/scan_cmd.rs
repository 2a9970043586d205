//! `vigil scan SOURCE`: the SBOM of a source matched against the advisory database and analysed
//! (secrets, files, users), with a policy verdict and the gates that set the exit code.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::Args;
use vigil_match::{match_sbom, IgnoreRules, MatchOptions, Severity, VexDocument};
use vigil_report::{Format, RenderOptions, Scan};

use crate::build::ReadOptions;
use crate::output::{parse_outputs, write_to};
use crate::policy_cmd::{self, GateOptions};

// Exit codes: 0 passed; 1 a gate failed (`--fail-on`; with `--policy`, a STOP verdict, or a WARN
// one with `--fail-on-warn`); 2 an error (a bad policy file, an unreadable image, ...). Without
// `--policy`, the default bundle's verdict is shown but only `--fail-on` sets the exit code.
#[derive(Args)]
#[command(
    after_long_help = "Exit codes: 0 passed; 1 a gate failed (--fail-on; with --policy: a STOP verdict, \
or WARN with --fail-on-warn); 2 error (bad policy file, unreadable image or database).\n\
Without --policy the default bundle's verdict is shown in the report but does not change the exit code; \
pass --policy default to gate on it."
)]
pub struct ScanArgs {
    /// What to scan: any `vigil sbom` source, or sbom:PATH to scan a stored SBOM (no image needed).
    pub source: String,
    /// Output format: table, json, sarif, junit, cyclonedx-json. `FORMAT=PATH` writes that format
    /// to PATH; repeat for several. Default: table. The policy verdict is in table, json and sarif;
    /// in junit only with --policy (its failures then match the exit code).
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
    /// A policy bundle (YAML or JSON), or `default` for the bundle shipped with Vigil: its verdict
    /// sets the exit code (1 on STOP). Without it the default bundle's verdict is only shown.
    /// With it, a missing vulnerability database is a WARN of the vulnerability gates, not an error.
    #[arg(long, value_name = "FILE|default")]
    pub policy: Option<String>,
    #[command(flatten)]
    pub gate: GateOptions,
    #[command(flatten)]
    pub read: ReadOptions,
}

pub fn run(args: ScanArgs) -> Result<ExitCode> {
    let outputs = parse_outputs(&args.output, Format::Table)?;
    let gated = args.policy.is_some();
    if args.gate.fail_on_warn && !gated {
        bail!("--fail-on-warn needs --policy FILE (or --policy default)");
    }
    // Everything that can fail on the user's input is read before the (slower) image.
    let bundle = policy_cmd::load_bundle(args.policy.as_deref())?;
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
    // With a policy, a missing database is a WARN in the verdict; without, it stays an error.
    let policy_cmd::Subject { db, sbom, base } =
        policy_cmd::read_subject(&args.source, &args.read, &bundle, args.db.clone(), gated, &args.gate)?;
    let report = match &db {
        Some(d) => match_sbom(&sbom, &d.db, &options)?,
        None => policy_cmd::unmatched(&sbom),
    };
    for rule in &report.expired_rules {
        eprintln!(
            "vigil: warning: {} rule {} ({}) expired on {} and no longer applies ({} findings it would suppress)",
            rule.file, rule.rule, rule.criteria, rule.expired, rule.would_suppress
        );
    }
    let verdict = policy_cmd::verdict(
        &bundle,
        &sbom,
        db.as_ref().map(|_| &report),
        db.as_ref(),
        base,
        args.gate.image_name.as_deref(),
    );
    policy_cmd::warn_expired(&verdict);
    let render = RenderOptions {
        show_suppressed: args.show_suppressed,
        fail_on: args.fail_on,
        compact: false,
    };
    let scan = Scan {
        sbom: &sbom,
        report: &report,
        db: db.as_ref().map(|d| &d.info),
        verdict: Some(&verdict),
    };
    for (format, out) in &outputs {
        let target = out.as_deref().or(args.file.as_deref());
        // CI systems fail a build on JUnit failures: without --policy the verdict does not gate
        // the exit code, so JUnit keeps to the findings and --fail-on, and agrees with the exit.
        let scan = if *format == Format::Junit && !gated {
            Scan { verdict: None, ..scan }
        } else {
            scan
        };
        write_to(target, |w| Ok(vigil_report::render(&scan, *format, &render, w)?))?;
    }
    if !args.read.quiet && std::io::stderr().is_terminal() {
        eprintln!(
            "vigil: {} packages, {} findings, {} suppressed; policy {}: {}",
            sbom.packages.len(),
            report.findings.len(),
            report.suppressed.len(),
            verdict.bundle_id,
            verdict.action.as_upper()
        );
    }
    let mut failed = false;
    if let Some(threshold) = args.fail_on {
        let gate = report.gate(threshold);
        if gate.failed {
            eprintln!(
                "vigil: failed: {} findings at or above {threshold} (--fail-on {threshold})",
                gate.at_or_above
            );
            failed = true;
        }
    }
    if gated {
        if let Some(why) = policy_cmd::gate(&verdict, args.gate.fail_on_warn) {
            eprintln!("vigil: failed: {why}");
            failed = true;
        }
    }
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}
