//! `vigil db import PATH...`: local files into the database.
//!
//! Each path is recognised by its content (see `sniff.rs`): an OSV zip (`all.zip`), a directory of
//! records, JSON lines, a single OSV or CVE JSON 5 record, an NVD API 2.0 feed, the CISA KEV
//! catalogue, an EPSS CSV (any of the file formats may be gzipped). Each path becomes one source
//! of the database; importing a path again replaces what it gave before (EPSS and KEV files
//! replace the previous EPSS or KEV file whatever their path). Every other source of the previous
//! database is carried over unchanged. The new database is built beside the old one and swapped
//! in only when complete: a failed import leaves the previous database as it was.

mod records;
pub(crate) mod run;
mod sniff;
pub(crate) mod validate;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::check::{basic_version_check, VersionCheck};
use crate::enrich;
use crate::limits::Limits;
use crate::store::build::{self, Builder, Previous};
use crate::store::write::SourceMeta;
use crate::store::Skipped;
use crate::DbError;
use run::Run;
use sniff::{Format, Input};

/// What an import (or an update) reports while it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Progress<'a> {
    /// A download starts.
    Downloading {
        url: &'a str,
    },
    /// A download finished (`bytes` of it), or the server answered 304 Not Modified.
    Downloaded {
        url: &'a str,
        bytes: u64,
    },
    NotModified {
        url: &'a str,
    },
    /// Records read so far from a source.
    Importing {
        source: &'a str,
        records: u64,
        skipped: u64,
    },
    /// All sources are read; indexes and checks are being made.
    Finishing,
}

/// How an import runs.
#[derive(Clone, Copy)]
pub struct ImportOptions<'a> {
    pub limits: &'a Limits,
    /// Checks each range event version (see [`VersionCheck`]).
    pub version_check: VersionCheck,
    /// Called as the import goes (for a progress bar).
    pub progress: Option<&'a dyn Fn(&Progress<'_>)>,
}

impl Default for ImportOptions<'_> {
    fn default() -> Self {
        ImportOptions {
            limits: &Limits::DEFAULT,
            version_check: basic_version_check,
            progress: None,
        }
    }
}

impl std::fmt::Debug for ImportOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImportOptions")
            .field("limits", &self.limits)
            .field("progress", &self.progress.is_some())
            .finish_non_exhaustive()
    }
}

/// What an import (or an update) did.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportReport {
    /// The sources read by this run (carried-over sources are not listed).
    pub sources: Vec<SourceReport>,
    /// Advisories in the new database, all sources together (copies included).
    pub advisories: u64,
    /// Size of the new database file.
    pub db_bytes: u64,
    pub built_at: OffsetDateTime,
    pub elapsed: Duration,
    /// Set when the previous database had this older schema version: it was replaced, and
    /// none of its sources were carried over.
    pub replaced_schema: Option<u32>,
}

/// What one source gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceReport {
    pub name: String,
    pub kind: String,
    pub location: String,
    /// Records accepted: OSV advisories, CVE records, EPSS rows, KEV entries.
    pub records: u64,
    pub skipped: u64,
    /// Records whose id the source had already given (the first is kept).
    pub duplicates: u64,
    /// The first skipped records (all are listed by `Db::status`, up to the cap).
    pub skipped_sample: Vec<Skipped>,
}

/// Imports local files into the database at `db_path` (created if missing).
///
/// A database of a newer schema, or a file that is not a Vigil database, is refused and left
/// alone. Any other failure leaves the previous database as it was, and the error says so
/// ([`DbError::PreviousKept`]).
pub fn import(db_path: &Path, inputs: &[PathBuf], options: &ImportOptions<'_>) -> Result<ImportReport, DbError> {
    let started = Instant::now();
    let previous = build::previous(db_path)?;
    let run = || -> Result<ImportReport, DbError> {
        let sniffed: Vec<Input> = inputs.iter().map(|p| sniff::sniff(p)).collect::<Result<_, _>>()?;
        let names: Vec<String> = sniffed.iter().map(Input::source_name).collect();
        for (i, name) in names.iter().enumerate() {
            // `i` indexes `names`, which has one name per sniffed input.
            if names[..i].contains(name) {
                return Err(DbError::input(
                    sniffed[i].path.display(),
                    format!("source {name:?} is given twice"),
                ));
            }
        }
        let mut builder = Builder::begin(db_path, &previous, &|name| !names.iter().any(|n| n == name))?;
        let mut sources = Vec::with_capacity(sniffed.len());
        for input in &sniffed {
            sources.push(import_input(&mut builder, input, options)?);
        }
        finish(builder, sources, options, &previous, started)
    };
    run().map_err(|e| build::failed(db_path, &previous, e))
}

/// Finishes a build and reports it.
pub(crate) fn finish(
    builder: Builder,
    sources: Vec<SourceReport>,
    options: &ImportOptions<'_>,
    previous: &Previous,
    started: Instant,
) -> Result<ImportReport, DbError> {
    if let Some(progress) = options.progress {
        progress(&Progress::Finishing);
    }
    let built = builder.finish()?;
    Ok(ImportReport {
        sources,
        advisories: built.advisories,
        db_bytes: built.bytes,
        built_at: OffsetDateTime::from_unix_timestamp(built.built_at).unwrap_or(OffsetDateTime::UNIX_EPOCH),
        elapsed: started.elapsed(),
        replaced_schema: match previous {
            Previous::Older(version) => Some(*version),
            _ => None,
        },
    })
}

fn import_input(builder: &mut Builder, input: &Input, options: &ImportOptions<'_>) -> Result<SourceReport, DbError> {
    let label = input.path.display().to_string();
    let (sha256, size) = match input.format {
        Format::Dir => (None, None),
        _ => {
            let (digest, size) = file_digest(&input.path)?;
            (Some(digest), Some(size))
        }
    };
    let meta = SourceMeta {
        name: input.source_name(),
        kind: input.format.kind().to_string(),
        location: label.clone(),
        sha256,
        size,
        ..SourceMeta::default()
    };
    let mut run = Run::new(builder, options, meta)?;
    match input.format {
        Format::Zip => {
            let file = File::open(&input.path).map_err(DbError::io(&input.path))?;
            records::read_zip(&mut run, file, &label, "")?;
        }
        Format::Dir => records::read_dir(&mut run, &input.path)?,
        Format::JsonLines => records::read_lines(&mut run, input.open_stream(options.limits)?, &label, "")?,
        Format::Json => records::read_single(&mut run, input)?,
        Format::NvdApi => enrich::nvd::read_api_feed(&mut run, input.open_stream(options.limits)?, &label)?,
        Format::Kev => enrich::kev::read(&mut run, input.open_stream(options.limits)?, &label)?,
        Format::EpssCsv => enrich::epss::read(&mut run, input.open_stream(options.limits)?, &label)?,
    }
    run.finish()
}

/// Imports a downloaded OSV zip as the source `meta` (used by `update`).
pub(crate) fn import_zip(
    builder: &mut Builder,
    meta: SourceMeta,
    file: File,
    options: &ImportOptions<'_>,
) -> Result<SourceReport, DbError> {
    let label = meta.location.clone();
    let mut run = Run::new(builder, options, meta)?;
    records::read_zip(&mut run, file, &label, "")?;
    run.finish()
}

/// SHA-256 and size of a file.
fn file_digest(path: &Path) -> Result<(String, u64), DbError> {
    let mut file = File::open(path).map_err(DbError::io(path))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(DbError::io(path))?;
        if n == 0 {
            break;
        }
        // `read` returns at most `buf.len()`.
        hasher.update(&buf[..n]);
        size += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}
