//! `vigil policy validate | eval | gates | show-default`, and the policy steps `vigil scan` shares:
//! loading a bundle (before any image is read), the database that may be missing, the image's
//! name and base layers, the verdict and the exit code it sets.

use std::fmt::Write as _;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Result};
use clap::{Args, Subcommand};
use vigil_analysis::{AnalyzerConfig, CustomSecret};
use vigil_match::{match_sbom, MatchOptions, MatchReport};
use vigil_policy::{evaluate, Action, BaseLayers, Bundle, DbFacts, ImageRef, Input, PolicyError, Problem, Verdict};
use vigil_report::{DbInfo, Format, RenderOptions, Scan};
use vigil_sbom::Sbom;
use vigil_types::LayerInfo;
use vigil_vulndb::{Db, DbError};

use crate::build::{layers_of, sbom_from, ReadOptions};
use crate::db_cmd::db_path;
use crate::output::{parse_outputs, write_to};
use crate::policy_print::{default_bundle_text, gates_json, gates_markdown, gates_text};

/// The word `--policy` takes for the bundle shipped with Vigil.
pub const DEFAULT_POLICY: &str = "default";

#[derive(Args)]
pub struct PolicyArgs {
    #[command(subcommand)]
    pub command: PolicyCommand,
}

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Check bundle files: every problem as FILE:LINE:COL with the line and a caret (on stderr);
    /// exit 1 on problems, 2 when a file cannot be read.
    Validate {
        /// Bundle files (YAML or JSON).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Evaluate a bundle on a stored SBOM (sbom:PATH, re-matched against the database, no image
    /// needed; a vigil-json SBOM written with `vigil sbom --analyze` keeps the analysis the
    /// secret, file and user gates read) or on any source. Exit 1 on STOP (and on WARN with
    /// --fail-on-warn), 2 on error.
    Eval(Box<EvalArgs>),
    /// Every gate, trigger and parameter with its description (the table the evaluator uses).
    Gates {
        /// As JSON.
        #[arg(long, conflicts_with = "markdown")]
        json: bool,
        /// As Markdown (for the docs).
        #[arg(long)]
        markdown: bool,
    },
    /// Print the bundle shipped with Vigil, as YAML (a starting point for your own).
    ShowDefault {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
pub struct EvalArgs {
    /// sbom:PATH (a stored SBOM), or any `vigil sbom` source.
    pub source: String,
    /// The bundle file (YAML or JSON), or `default` for the bundle shipped with Vigil (the
    /// default). A file named `default` is `./default`.
    #[arg(long, value_name = "FILE|default")]
    pub policy: Option<String>,
    /// The vulnerability database (default: $VIGIL_DB, else the user's cache directory). When it
    /// does not exist, vulnerability gates WARN that their data is unavailable.
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// Output format: table, json, sarif, junit. `FORMAT=PATH` writes that format to PATH;
    /// repeat for several. Default: table.
    #[arg(short = 'o', long = "output")]
    pub output: Vec<String>,
    /// Write the (single) output to this file instead of stdout.
    #[arg(long = "file")]
    pub file: Option<PathBuf>,
    #[command(flatten)]
    pub gate: GateOptions,
    #[command(flatten)]
    pub read: ReadOptions,
}

/// The options `vigil scan --policy` and `vigil policy eval` share.
#[derive(Args, Clone, Default)]
pub struct GateOptions {
    /// Exit 1 on a WARN verdict too (not only on STOP).
    #[arg(long)]
    pub fail_on_warn: bool,
    /// The base image (any source, or sbom:PATH): its layers must be the image's bottom layers;
    /// decisions then say whether they come from the base or the application layers.
    #[arg(long, value_name = "IMAGE")]
    pub base: Option<String>,
    /// The image's name for mappings and image allow/deny lists (registry/repository:tag);
    /// default: the image's first tag, else the source's name.
    #[arg(long, value_name = "NAME")]
    pub image_name: Option<String>,
}

pub fn run(args: PolicyArgs) -> Result<ExitCode> {
    match args.command {
        PolicyCommand::Validate { files } => validate(&files),
        PolicyCommand::Eval(args) => eval(*args),
        PolicyCommand::Gates { json, markdown } => {
            let text = if json {
                let mut s = serde_json::to_string_pretty(&gates_json())?;
                s.push('\n');
                s
            } else if markdown {
                gates_markdown()
            } else {
                gates_text()
            };
            write_to(None, |w| Ok(w.write_all(text.as_bytes())?))?;
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::ShowDefault { json } => {
            let text = default_bundle_text(json)?;
            write_to(None, |w| Ok(w.write_all(text.as_bytes())?))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The bundle `--policy` names: `default`, or a file, loaded and validated.
pub fn load_bundle(arg: Option<&str>) -> Result<Bundle> {
    match arg {
        None | Some(DEFAULT_POLICY) => Bundle::try_default_bundle().map_err(|e| anyhow!(describe(&e))),
        Some(path) => Bundle::load(Path::new(path)).map_err(|e| anyhow!(describe(&e))),
    }
}

/// A bundle's errors as people read them: each `file:line:col: message`, the line, a caret.
pub fn describe(e: &PolicyError) -> String {
    match e {
        PolicyError::Invalid(problems) => {
            let mut s = String::new();
            for (i, p) in problems.iter().enumerate() {
                if i > 0 {
                    s.push('\n');
                }
                s.push_str(&show_problem(p));
            }
            s
        }
        other => other.to_string(),
    }
}

fn show_problem(p: &Problem) -> String {
    let mut s = format!("{}:{}:{}: {}", p.at.file, p.at.line, p.at.col, p.message);
    if !p.line_text.is_empty() {
        let number = p.at.line.to_string();
        let pad = " ".repeat(number.len());
        // Keep tabs so the caret lines up under the same column in a terminal.
        let lead: String = p
            .line_text
            .chars()
            .take(p.at.col.saturating_sub(1))
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let _ = write!(s, "\n{number} | {}\n{pad} | {lead}^", p.line_text.trim_end());
    }
    s
}

/// What to analyse for `bundle`: the built-in secret patterns always, plus what its rules need.
pub fn analyzer_config(bundle: &Bundle) -> AnalyzerConfig {
    let needs = bundle.needs();
    AnalyzerConfig {
        custom_secrets: needs
            .secret_patterns
            .into_iter()
            .map(|p| CustomSecret {
                id: p.id,
                regex: p.regex,
                path_regex: p.path_regex,
            })
            .collect(),
        content_regexes: needs.content_regexes,
        digests: needs.digests,
        verify: needs.verify,
        ..AnalyzerConfig::default()
    }
}

/// The vulnerability database, opened, with what reports and gates say about it.
pub struct OpenDb {
    pub db: Db,
    pub info: DbInfo,
    pub facts: DbFacts,
}

/// Opens the database. With `missing_ok`, a database that does not exist is `None` (with a
/// warning on stderr): the verdict's vulnerability gates then say their data is unavailable.
pub fn open_db(arg: Option<PathBuf>, missing_ok: bool) -> Result<Option<OpenDb>> {
    let path = match db_path(arg) {
        Ok(p) => p,
        Err(e) if missing_ok => {
            eprintln!("vigil: warning: {e}; vulnerability gates have no data");
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    let db = match Db::open(&path) {
        Ok(db) => db,
        Err(DbError::Missing { .. }) if missing_ok => {
            eprintln!(
                "vigil: warning: no vulnerability database at {}: vulnerability gates WARN that their data is unavailable (run `vigil db update`)",
                path.display()
            );
            return Ok(None);
        }
        Err(e) => return Err(e.into()),
    };
    let status = db.summary()?;
    if status.stale {
        eprintln!(
            "vigil: warning: the advisory data in {} is older than 7 days: run `vigil db update`",
            path.display()
        );
    }
    let info = DbInfo {
        path: path.display().to_string(),
        built_at: status
            .built_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        advisories: status.advisories,
        stale: status.stale,
    };
    let facts = DbFacts {
        path: path.display().to_string(),
        built_at: status.built_at,
    };
    Ok(Some(OpenDb { db, info, facts }))
}

/// A report with no findings, for when there was no database to match against.
pub fn unmatched(sbom: &Sbom) -> MatchReport {
    MatchReport {
        findings: Vec::new(),
        suppressed: Vec::new(),
        expired_rules: Vec::new(),
        notes: Vec::new(),
        counts: vigil_match::Counts {
            packages: sbom.packages.len(),
            ..vigil_match::Counts::default()
        },
    }
}

/// How many bottom layers of `image` are those of the base image `base_arg` names; an error when
/// they are not a prefix of the image's.
pub fn base_layers(base_arg: &str, base: &[LayerInfo], image: &[LayerInfo]) -> Result<BaseLayers> {
    if base.is_empty() {
        bail!("--base {base_arg}: it has no layers (a directory is not a base image)");
    }
    if base.len() > image.len() {
        bail!(
            "--base {base_arg} is not the base of this image: it has {} layers, the image {}",
            base.len(),
            image.len()
        );
    }
    if let Some((b, i)) = base.iter().zip(image).find(|(b, i)| b.diff_id != i.diff_id) {
        bail!(
            "--base {base_arg} is not the base of this image: its layer {} is {}, the image's is {}",
            b.index,
            b.diff_id,
            i.diff_id
        );
    }
    Ok(BaseLayers {
        count: base.len(),
        how: format!("--base {base_arg}"),
    })
}

/// The image's name for mappings: `--image-name`, else its first tag, else the source's name.
pub fn image_ref(sbom: &Sbom, name: Option<&str>) -> ImageRef {
    let name = name
        .or_else(|| sbom.source.tags.first().map(String::as_str))
        .unwrap_or(&sbom.source.name);
    ImageRef::parse(name)
}

/// Evaluates `bundle` on a scanned image.
pub fn verdict(
    bundle: &Bundle,
    sbom: &Sbom,
    matches: Option<&MatchReport>,
    db: Option<&OpenDb>,
    base: Option<BaseLayers>,
    image_name: Option<&str>,
) -> Verdict {
    let input = Input {
        sbom,
        matches,
        db: db.map(|d| d.facts.clone()),
        image: image_ref(sbom, image_name),
        base,
        now: time::OffsetDateTime::now_utc(),
    };
    evaluate(bundle, &input)
}

/// Tells stderr about allowlist items that matched but had expired (the report lists them too).
pub fn warn_expired(verdict: &Verdict) {
    for e in &verdict.expired_allowlist_items {
        eprintln!(
            "vigil: warning: allowlist {} item {} ({}) expired on {} and no longer applies",
            e.allowlist, e.item, e.trigger_id, e.expired
        );
    }
}

/// Why the exit code is 1, if the verdict fails the gate: STOP, or WARN with `fail_on_warn`.
pub fn gate(verdict: &Verdict, fail_on_warn: bool) -> Option<String> {
    let count = |a: Action| verdict.decisions().filter(|d| d.effective == a).count();
    match verdict.action {
        Action::Stop => Some(format!(
            "policy {} verdict STOP ({} stop, {} warn decisions)",
            verdict.bundle_id,
            count(Action::Stop),
            count(Action::Warn)
        )),
        Action::Warn if fail_on_warn => Some(format!(
            "policy {} verdict WARN ({} warn decisions; --fail-on-warn)",
            verdict.bundle_id,
            count(Action::Warn)
        )),
        _ => None,
    }
}

/// What a policy evaluation reads: the SBOM with the bundle's analysis, the advisory database,
/// and the base image's layers when `--base` names one.
pub struct Subject {
    pub db: Option<OpenDb>,
    pub sbom: Sbom,
    pub base: Option<BaseLayers>,
}

/// Reads `source` with the analysis `bundle` needs; the database is opened (and summarised)
/// while the image is read, so the two overlap. A missing database is an error unless
/// `missing_db_ok` (then vulnerability gates WARN that their data is unavailable).
pub fn read_subject(
    source: &str,
    read: &ReadOptions,
    bundle: &Bundle,
    db: Option<PathBuf>,
    missing_db_ok: bool,
    gate: &GateOptions,
) -> Result<Subject> {
    let base = gate.base.as_deref().map(|b| layers_of(b, read)).transpose()?;
    let (db, sbom) = std::thread::scope(|s| {
        let reading = s.spawn(|| sbom_from(source, read, Some(analyzer_config(bundle))));
        let db = open_db(db, missing_db_ok);
        let sbom = reading
            .join()
            .unwrap_or_else(|_| Err(anyhow!("{source}: the image reader failed")));
        anyhow::Ok((db?, sbom?))
    })?;
    let base = base
        .map(|(name, layers)| base_layers(&name, &layers, &sbom.layers))
        .transpose()?;
    Ok(Subject { db, sbom, base })
}

fn eval(args: EvalArgs) -> Result<ExitCode> {
    let outputs = parse_outputs(&args.output, Format::Table)?;
    let bundle = load_bundle(args.policy.as_deref())?;
    let Subject { db, sbom, base } = read_subject(&args.source, &args.read, &bundle, args.db, true, &args.gate)?;
    let report = match &db {
        Some(d) => match_sbom(&sbom, &d.db, &MatchOptions::default())?,
        None => unmatched(&sbom),
    };
    let verdict = verdict(
        &bundle,
        &sbom,
        db.as_ref().map(|_| &report),
        db.as_ref(),
        base,
        args.gate.image_name.as_deref(),
    );
    let scan = Scan {
        sbom: &sbom,
        report: &report,
        db: db.as_ref().map(|d| &d.info),
        verdict: Some(&verdict),
    };
    let render = RenderOptions::default();
    for (format, out) in &outputs {
        let target = out.as_deref().or(args.file.as_deref());
        write_to(target, |w| Ok(vigil_report::render(&scan, *format, &render, w)?))?;
    }
    warn_expired(&verdict);
    if !args.read.quiet && std::io::stderr().is_terminal() {
        eprintln!(
            "vigil: policy {}: {} on {}",
            verdict.bundle_id,
            verdict.action.as_upper(),
            sbom.source.name
        );
    }
    if let Some(why) = gate(&verdict, args.gate.fail_on_warn) {
        eprintln!("vigil: failed: {why}");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn validate(files: &[PathBuf]) -> Result<ExitCode> {
    let mut worst = 0u8;
    for file in files {
        match Bundle::load(file) {
            Ok(b) => {
                let rules: usize = b.policies.iter().map(|p| p.rules.len()).sum();
                let items: usize = b.allowlists.iter().map(|a| a.items.len()).sum();
                println!(
                    "{}: ok: {} policies, {} rules, {} allowlist items, {} mappings",
                    file.display(),
                    b.policies.len(),
                    rules,
                    items,
                    b.mappings.len()
                );
            }
            Err(e @ PolicyError::Invalid(_)) => {
                eprintln!("{}", describe(&e));
                worst = worst.max(1);
            }
            Err(e) => {
                eprintln!("vigil: error: {e}");
                worst = 2;
            }
        }
    }
    Ok(ExitCode::from(worst))
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigil_policy::Place;

    fn layers(hexes: &[char]) -> Vec<LayerInfo> {
        hexes
            .iter()
            .enumerate()
            .map(|(index, c)| LayerInfo {
                index,
                diff_id: format!("sha256:{}", c.to_string().repeat(64)).parse().expect("digest"),
                digest: None,
                size: 1,
                uncompressed_size: 1,
                media_type: String::new(),
                created_by: String::new(),
                entries: 1,
            })
            .collect()
    }

    #[test]
    fn the_base_must_be_a_prefix_of_the_image() {
        let image = layers(&['a', 'b', 'c']);
        let b = base_layers("base:1", &layers(&['a', 'b']), &image).expect("prefix");
        assert_eq!(b.count, 2);
        assert_eq!(b.how, "--base base:1");
        assert_eq!(base_layers("i", &image, &image).expect("itself").count, 3);
        let e = base_layers("other:1", &layers(&['a', 'd']), &image).expect_err("differs");
        assert!(e.to_string().contains("layer 1"), "{e}");
        assert!(base_layers("big", &layers(&['a', 'b', 'c', 'd']), &image).is_err());
        assert!(base_layers("dir", &[], &image).is_err());
    }

    #[test]
    fn a_problem_is_shown_with_its_line_and_a_caret() {
        let p = Problem {
            at: Place {
                file: "p.yaml".to_string(),
                line: 12,
                col: 5,
            },
            message: "unknown gate `vulns`".to_string(),
            line_text: "\t  - gate: vulns".to_string(),
        };
        assert_eq!(
            show_problem(&p),
            "p.yaml:12:5: unknown gate `vulns`\n12 | \t  - gate: vulns\n   | \t   ^"
        );
    }
}
