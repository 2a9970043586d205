//! `vigil sbom SOURCE [-o FORMAT[=PATH]]... [--file PATH] [--analyze] [-q]`

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use clap::Args;
use vigil_sbom::Format;

use crate::build::{sbom_from, ReadOptions};
use crate::output::{parse_outputs, write_to};
use crate::policy_cmd::{analyzer_config, load_bundle};

#[derive(Args)]
pub struct SbomArgs {
    /// What to catalog: docker-archive:PATH, oci-dir:PATH, oci-archive:PATH, dir:PATH,
    /// docker:NAME, sbom:PATH, or a bare path or image name (recognised by sniffing).
    pub source: String,
    /// Output format: table, cyclonedx-json, spdx-json, vigil-json. `FORMAT=PATH` writes that
    /// format to PATH; repeat for several. Default: table on a terminal, vigil-json otherwise.
    #[arg(short = 'o', long = "output")]
    pub output: Vec<String>,
    /// Write the (single) output to this file instead of stdout.
    #[arg(long = "file")]
    pub file: Option<PathBuf>,
    /// Also analyse the image (secrets in every layer and the environment, the file index, users,
    /// and what the bundle of --policy needs) and keep the analysis in vigil-json, so
    /// `vigil policy eval sbom:FILE` can evaluate policies later without the image.
    #[arg(long)]
    pub analyze: bool,
    /// With --analyze: also search for what this bundle's rules need (content regexes, custom
    /// secret patterns, digests, package verification); default: what the default bundle needs.
    #[arg(long, value_name = "FILE|default", requires = "analyze")]
    pub policy: Option<String>,
    #[command(flatten)]
    pub read: ReadOptions,
}

pub fn run(args: SbomArgs) -> Result<ExitCode> {
    let default = if args.file.is_none() && std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::VigilJson
    };
    let outputs = parse_outputs(&args.output, default)?;
    let analysis = if args.analyze {
        Some(analyzer_config(&load_bundle(args.policy.as_deref())?))
    } else {
        None
    };
    let sbom = sbom_from(&args.source, &args.read, analysis)?;
    for (format, path) in &outputs {
        let target = path.as_deref().or(args.file.as_deref());
        write_to(target, |w| Ok(vigil_sbom::encode(&sbom, *format, w)?))?;
    }
    if !args.read.quiet && std::io::stderr().is_terminal() {
        eprintln!(
            "vigil: {} packages, {} unreadable files in {}",
            sbom.packages.len(),
            sbom.unknowns.len(),
            sbom.source.name
        );
    }
    Ok(ExitCode::SUCCESS)
}
