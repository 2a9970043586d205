//! `vigil rules`: validate, list and test rule files; list the fields conditions can use.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::{Args, Subcommand};
use vigil_rules::fields;

#[derive(Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub command: RulesCommand,
}

#[derive(Subcommand)]
pub enum RulesCommand {
    /// Load rule files as Falco does (in order: later files redefine, append, override) and
    /// report every error as file:line:col with the offending text underlined. Exit 1 on error.
    Validate(ValidateArgs),
    /// The rules the files define, in definition order (Vigil's default rules when none given).
    List(ListArgs),
    /// Run rule test files: events given as field maps and the alerts they must raise.
    Test(TestArgs),
    /// The fields conditions and outputs can use, generated from the field table.
    Fields(FieldsArgs),
}

#[derive(Args)]
pub struct FieldsArgs {
    /// One JSON object per field instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Markdown, as in the docs.
    #[arg(long, conflicts_with = "json")]
    pub markdown: bool,
}

#[derive(Args)]
pub struct ValidateArgs {
    /// Rule files, loaded in this order.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Print only errors, not warnings.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Args)]
pub struct TestArgs {
    /// Case files (YAML: `rules`, `cases` of `events` and `expect`; see docs/rules.md).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Print passing cases too.
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Args)]
pub struct ListArgs {
    /// Rule files, loaded in this order; default: Vigil's default rules.
    pub files: Vec<PathBuf>,
    /// One JSON object per rule.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: RulesArgs) -> Result<ExitCode> {
    match args.command {
        RulesCommand::Validate(a) => validate(&a),
        RulesCommand::List(a) => list(&a),
        RulesCommand::Test(a) => test(&a),
        RulesCommand::Fields(a) => fields_cmd(&a),
    }
}

fn load(files: &[PathBuf]) -> vigil_rules::LoadedRules {
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    vigil_rules::load_files(&paths)
}

fn validate(a: &ValidateArgs) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    let loaded = load(&a.files);
    let took = started.elapsed();
    let errors = loaded.errors().count();
    let warnings = loaded.diagnostics.len() - errors;
    for d in &loaded.diagnostics {
        if !a.quiet || d.is_error() {
            eprintln!("{d}");
        }
    }
    let enabled = loaded.rules.iter().filter(|r| r.enabled).count();
    eprintln!(
        "{} file(s): {} rules ({enabled} enabled), {} macros, {} lists; {errors} error(s), {warnings} warning(s); loaded in {:.1} ms",
        a.files.len(),
        loaded.rules.len(),
        loaded.macros,
        loaded.lists,
        took.as_secs_f64() * 1000.0
    );
    Ok(if errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn test(a: &TestArgs) -> Result<ExitCode> {
    let (mut passed, mut failed) = (0usize, 0usize);
    for f in &a.files {
        let outcomes = match vigil_rules::testing::run_file(f) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("{e}");
                failed += 1;
                continue;
            }
        };
        for o in outcomes {
            if o.passed() {
                passed += 1;
                if a.verbose {
                    println!("PASS {}: {}", f.display(), o.case);
                }
            } else {
                failed += 1;
                println!("FAIL {}: {}", f.display(), o.case);
                println!("     expected: {:?}", o.expected);
                println!("     got:      {:?}", o.got);
                if !o.unknown_rules.is_empty() {
                    println!("     no such rule: {:?}", o.unknown_rules);
                }
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn list(a: &ListArgs) -> Result<ExitCode> {
    use std::io::Write;
    let loaded = crate::runtime::engine::load_rules(&a.files);
    for d in loaded.errors() {
        eprintln!("{d}");
    }
    if loaded.has_errors() {
        return Ok(ExitCode::from(1));
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    for r in &loaded.rules {
        if a.json {
            let v = serde_json::json!({
                "rule": r.name,
                "priority": r.priority.as_str(),
                "enabled": r.enabled,
                "source": r.source,
                "tags": r.tags,
                "desc": r.desc,
                "origin": r.origin.to_string(),
            });
            writeln!(out, "{v}")?;
        } else {
            let state = if r.enabled { "" } else { " (disabled)" };
            writeln!(
                out,
                "{:<13} {}{state}  [{}]  {}",
                r.priority.as_str(),
                r.name,
                r.tags.join(","),
                r.origin
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn type_name(t: vigil_rules::FieldType) -> &'static str {
    match t {
        vigil_rules::FieldType::Str => "string",
        vigil_rules::FieldType::Int => "int",
        vigil_rules::FieldType::UInt => "uint",
        vigil_rules::FieldType::Bool => "bool",
        vigil_rules::FieldType::Ip => "ip",
    }
}

fn arg_name(a: vigil_rules::ArgSpec) -> &'static str {
    match a {
        vigil_rules::ArgSpec::None => "",
        vigil_rules::ArgSpec::Index => "[n]",
        vigil_rules::ArgSpec::IndexOrAny => "[n] (optional)",
        vigil_rules::ArgSpec::Key => "[key]",
        vigil_rules::ArgSpec::KeyOrIndex => "[name or n]",
    }
}

fn fields_cmd(a: &FieldsArgs) -> Result<ExitCode> {
    use std::io::Write;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if a.markdown {
        out.write_all(fields::markdown().as_bytes())?;
        return Ok(ExitCode::SUCCESS);
    }
    for spec in fields::TABLE {
        let supported = !fields::is_unsupported(spec.name);
        if a.json {
            let v = serde_json::json!({
                "name": spec.name,
                "type": type_name(spec.ty),
                "arg": arg_name(spec.arg),
                "supported": supported,
                "description": spec.desc,
            });
            writeln!(out, "{v}")?;
        } else {
            let name = format!("{}{}", spec.name, arg_name(spec.arg).split(' ').next().unwrap_or(""));
            let note = if supported {
                ""
            } else {
                " (not supplied yet: always missing)"
            };
            writeln!(out, "{name:<32} {:<7} {}{note}", type_name(spec.ty), spec.desc)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
