//! Writing an output where the user asked: stdout, or a file written atomically (a temporary
//! file beside it, renamed into place), so an error never leaves a half-written file.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

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
