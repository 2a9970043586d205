//! From a source argument to an SBOM: open the image (or read a stored SBOM), run the catalogers
//! and, when asked, the image analysis (secrets, content, users, verify) in the same read.

use std::io::IsTerminal;
use std::sync::Arc;

use anyhow::{Context, Result};
use vigil_analysis::{Analyzer, AnalyzerConfig};
use vigil_catalog::{Catalogers, Scope};
use vigil_image::{Inspector, Limits, Options, Platform, SelectNothing, SourceSpec};
use vigil_sbom::{Sbom, Tool};
use vigil_types::LayerInfo;

use crate::progress::Bar;

/// How to read a source: the options `vigil sbom` and `vigil scan` share.
#[derive(clap::Args)]
pub struct ReadOptions {
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

/// Reads `arg` (any source, including `sbom:`) into an SBOM. With `analysis`, an image source is
/// also analysed (in the same pass over its layers) and the SBOM carries the [`vigil_types::Analysis`];
/// a stored SBOM keeps the analysis it was written with, if any.
pub fn sbom_from(arg: &str, opts: &ReadOptions, analysis: Option<AnalyzerConfig>) -> Result<Sbom> {
    let spec = SourceSpec::parse(arg)?;
    if let SourceSpec::Sbom(path) = &spec {
        let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
        return Ok(vigil_sbom::decode(&bytes, &path.display().to_string())?);
    }
    let analyzer = analysis
        .map(|config| Analyzer::new(config).map(Arc::new))
        .transpose()
        .context("cannot set up the image analysis")?;
    let bar = (!opts.quiet && std::io::stderr().is_terminal()).then(|| Arc::new(Bar::new()));
    let mut options = image_options(opts);
    options.progress = bar.clone().map(|b| b as Arc<dyn vigil_image::Progress>);
    options.inspector = analyzer.clone().map(|a| a as Arc<dyn Inspector>);
    let catalogers = Catalogers::default_set();
    let image = vigil_image::open(&spec, &options, &catalogers)?;
    if let Some(b) = &bar {
        b.message("cataloging");
    }
    let scope = if matches!(spec, SourceSpec::Dir(_)) {
        Scope::Directory
    } else {
        Scope::Image
    };
    let catalog = catalogers.run(&image.tree, scope);
    let analysis = analyzer.map(|a| {
        if let Some(b) = &bar {
            b.message("analysing");
        }
        a.finish(&image, &catalog.packages)
    });
    if let Some(b) = &bar {
        b.finish();
    }
    let mut unknowns = image.unknowns;
    unknowns.extend(catalog.unknowns);
    let created = time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc())
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let is_image = !matches!(spec, SourceSpec::Dir(_));
    Ok(Sbom {
        schema_version: vigil_sbom::SCHEMA_VERSION,
        tool: Tool {
            name: "vigil".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        },
        created,
        source: image.source,
        layers: image.layers,
        config: is_image.then_some(image.config),
        distro: catalog.distro,
        packages: catalog.packages,
        unknowns,
        analysis,
    })
}

/// An image's name (its first tag, else the argument) and layers (bottom first), reading no file
/// content: an image's manifest and configuration, or a stored SBOM's layer list. For `--base`.
pub fn layers_of(arg: &str, opts: &ReadOptions) -> Result<(String, Vec<LayerInfo>)> {
    let spec = SourceSpec::parse(arg)?;
    let (source, layers) = if let SourceSpec::Sbom(path) = &spec {
        let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
        let sbom = vigil_sbom::decode(&bytes, &path.display().to_string())?;
        (sbom.source, sbom.layers)
    } else {
        let image = vigil_image::open(&spec, &image_options(opts), &SelectNothing)?;
        (image.source, image.layers)
    };
    let name = source.tags.into_iter().next().unwrap_or_else(|| arg.to_string());
    Ok((name, layers))
}

fn image_options(opts: &ReadOptions) -> Options {
    let mut limits = Limits::default();
    if let Some(m) = opts.max_layer_size {
        limits.max_layer_size = m;
    }
    Options {
        platform: opts.platform.clone(),
        limits,
        progress: None,
        docker_socket: None,
        inspector: None,
    }
}

/// Parses a byte size: `1048576`, `512K`, `64M`, `2G`, `1T` (binary multiples).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let m = match c.to_ascii_uppercase() {
                'K' => 1u64 << 10,
                'M' => 1 << 20,
                'G' => 1 << 30,
                'T' => 1 << 40,
                _ => return Err(format!("size {s:?}: unknown unit {c:?} (use K, M, G or T)")),
            };
            (&s[..i], m)
        }
        _ => (s, 1),
    };
    let n: u64 = num.parse().map_err(|_| format!("size {s:?} is not a number"))?;
    n.checked_mul(mult).ok_or_else(|| format!("size {s:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sizes() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("16M"), Ok(16 << 20));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert!(parse_size("x").is_err());
        assert!(parse_size("5Q").is_err());
    }
}
