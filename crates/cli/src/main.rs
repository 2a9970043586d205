//! `vigil`: the command line. Thin: parsing arguments, wiring crates together, exit codes.
//! The only crate that uses anyhow.

mod build;
mod config;
mod db_cmd;
mod output;
mod policy_cmd;
mod policy_print;
mod progress;
mod rules_cmd;
mod runtime;
mod sbom_cmd;
mod scan_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Vigil: container security for images and running containers.
#[derive(Parser)]
#[command(name = "vigil", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Catalog every package in an image or directory and write an SBOM.
    Sbom(sbom_cmd::SbomArgs),
    /// Match a source's packages against the vulnerability database and evaluate a policy;
    /// gate with --fail-on and --policy.
    Scan(scan_cmd::ScanArgs),
    /// Policy bundles: validate files, evaluate one on an SBOM or image, list the gates.
    Policy(policy_cmd::PolicyArgs),
    /// Manage the vulnerability database: update, import, status.
    Db(db_cmd::DbArgs),
    /// Watch system calls and process events live, with process and container context.
    Watch(runtime::watch::WatchArgs),
    /// Validate, list and test rule files (Falco's rule language); list the fields.
    Rules(rules_cmd::RulesArgs),
    /// Write live events, with the process and container state at the start, to a capture file.
    Capture(runtime::capture::CaptureArgs),
    /// Read a capture file back through the same pipeline; print or filter its events.
    Replay(runtime::capture::ReplayArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sbom(args) => sbom_cmd::run(args),
        Command::Db(args) => db_cmd::run(args),
        Command::Scan(args) => scan_cmd::run(args),
        Command::Policy(args) => policy_cmd::run(args),
        Command::Watch(args) => runtime::watch::run(args),
        Command::Capture(args) => runtime::capture::run_capture(args),
        Command::Rules(args) => rules_cmd::run(args),
        Command::Replay(args) => runtime::capture::run_replay(args),
    };
    match result {
        Ok(code) => code,
        // A reader that went away (`vigil ... | head`) is not an error worth a message.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            let mut msg = e.to_string();
            for cause in e.chain().skip(1) {
                let c = cause.to_string();
                if !msg.contains(&c) {
                    msg.push_str(": ");
                    msg.push_str(&c);
                }
            }
            eprintln!("vigil: error: {msg}");
            ExitCode::from(2)
        }
    }
}
