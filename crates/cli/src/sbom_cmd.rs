//! `vigil sbom SOURCE [-o FORMAT[=PATH]]... [--file PATH] [-q]`

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};
use clap::Args;
use vigil_image::Platform;
use vigil_sbom::Format;

use crate::build::{parse_size, sbom_from, ReadOptions};
use crate::output::write_to;

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
    /// Platform to pick from a multi-platform image (os/arch[/variant]); by default linux/amd64
    /// from a multi-platform index, and the only image of a single-platform one.
    #[arg(long)]
    pub platform: Option<Platform>,
    /// Refuse layers that decompress past this size (e.g. 8G). Guards against decompression bombs.
    #[arg(long, value_parser = parse_size)]
    pub max_layer_size: Option<u64>,
    /// No progress bar or summary on stderr.
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(args: SbomArgs) -> Result<ExitCode> {
    let mut outputs: Vec<(Format, Option<PathBuf>)> = Vec::new();
    for o in &args.output {
        let (f, path) = match o.split_once('=') {
            Some((f, p)) => (f, Some(PathBuf::from(p))),
            None => (o.as_str(), None),
        };
        let format: Format = f.parse().map_err(|e| anyhow::anyhow!("-o {o}: {e}"))?;
        outputs.push((format, path));
    }
    if outputs.is_empty() {
        let default = if args.file.is_none() && std::io::stdout().is_terminal() {
            Format::Table
        } else {
            Format::VigilJson
        };
        outputs.push((default, None));
    }
    if outputs.iter().filter(|(_, p)| p.is_none()).count() > 1 {
        bail!("several outputs go to stdout: give all but one a path (-o FORMAT=PATH)");
    }
    let sbom = sbom_from(
        &args.source,
        &ReadOptions {
            platform: args.platform,
            max_layer_size: args.max_layer_size,
            quiet: args.quiet,
        },
    )?;
    for (format, path) in &outputs {
        let target = path.as_deref().or(args.file.as_deref());
        write_to(target, |w| Ok(vigil_sbom::encode(&sbom, *format, w)?))?;
    }
    if !args.quiet && std::io::stderr().is_terminal() {
        eprintln!(
            "vigil: {} packages, {} unreadable files in {}",
            sbom.packages.len(),
            sbom.unknowns.len(),
            sbom.source.name
        );
    }
    Ok(ExitCode::SUCCESS)
}
