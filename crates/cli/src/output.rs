//! Writing an output where the user asked: stdout, or a file written atomically (a temporary
//! file beside it, renamed into place), so an error never leaves a half-written file.

use std::fmt::Display;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{anyhow, bail, Context, Result};

/// Writes what `f` produces to `path` (or stdout when `None`).
pub fn write_to(path: Option<&Path>, f: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
    match path {
        None => {
            let stdout = std::io::stdout();
            let mut lock = std::io::BufWriter::new(stdout.lock());
            f(&mut lock)?;
            lock.flush().context("cannot write to stdout")?;
            Ok(())
        }
        Some(path) => {
            let dir = path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let mut tmp = tempfile::Builder::new()
                .prefix(".vigil-")
                .tempfile_in(dir)
                .with_context(|| format!("{}: cannot create a file in {}", path.display(), dir.display()))?;
            {
                let mut w = std::io::BufWriter::new(tmp.as_file_mut());
                f(&mut w)?;
                w.flush().with_context(|| format!("{}: cannot write", path.display()))?;
            }
            tmp.persist(path)
                .map_err(|e| e.error)
                .with_context(|| format!("{}: cannot write", path.display()))?;
            Ok(())
        }
    }
}

/// Parses `-o FORMAT` / `-o FORMAT=PATH` arguments; `default` when none is given. At most one
/// output may go to stdout.
pub fn parse_outputs<F: FromStr>(specs: &[String], default: F) -> Result<Vec<(F, Option<PathBuf>)>>
where
    F::Err: Display,
{
    let mut outputs = Vec::with_capacity(specs.len().max(1));
    for o in specs {
        let (f, path) = match o.split_once('=') {
            Some((f, p)) => (f, Some(PathBuf::from(p))),
            None => (o.as_str(), None),
        };
        outputs.push((f.parse().map_err(|e| anyhow!("-o {o}: {e}"))?, path));
    }
    if outputs.is_empty() {
        outputs.push((default, None));
    }
    if outputs.iter().filter(|(_, p)| p.is_none()).count() > 1 {
        bail!("several outputs go to stdout: give all but one a path (-o FORMAT=PATH)");
    }
    Ok(outputs)
}
