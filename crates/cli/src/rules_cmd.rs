//! `vigil rules`: validate, list and test rule files; list the fields conditions can use.

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

pub fn run(args: RulesArgs) -> Result<ExitCode> {
    match args.command {
        RulesCommand::Fields(a) => fields_cmd(&a),
    }
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
