//! Record containers: a zip, a directory (recursive), JSON lines, a single record.
//!
//! A bad record is skipped and listed; a broken container (a zip whose central directory or an
//! entry's data is corrupt, a CRC mismatch, a truncated gzip stream, a cap on the whole input)
//! fails the import, since what it would import could not be trusted.

use std::fs::{self, File};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use zip::result::ZipError;
use zip::ZipArchive;

use super::run::Run;
use super::sniff::Input;
use crate::limits::{is_cap, read_capped, read_line_capped, Line};
use crate::DbError;

/// Reads every `.json` entry of a zip as a record. `label` names the archive in errors; `prefix`
/// goes before entry names in skipped places (for zips found inside a directory).
pub(crate) fn read_zip(run: &mut Run<'_, '_>, file: File, label: &str, prefix: &str) -> Result<(), DbError> {
    let limits = run.options.limits.clone();
    let mut archive = ZipArchive::new(BufReader::new(file))
        .map_err(|e| DbError::input(label, format!("not a readable zip archive: {e}")))?;
    if archive.len() as u64 > limits.max_zip_entries {
        return Err(DbError::input(
            label,
            format!(
                "{} entries, more than the cap of {}",
                archive.len(),
                limits.max_zip_entries
            ),
        ));
    }
    let mut total: u64 = 0;
    let mut buf = Vec::new();
    for i in 0..archive.len() {
        let entry = match archive.by_index(i) {
            Ok(entry) => entry,
            Err(ZipError::UnsupportedArchive(why)) => {
                run.skip(
                    &format!("{prefix}entry #{i}"),
                    None,
                    format!("unsupported zip entry: {why}"),
                )?;
                continue;
            }
            Err(e) => return Err(DbError::input(label, format!("entry #{i}: {e}"))),
        };
        let name = entry.name().to_string();
        if entry.is_dir() || !name.to_ascii_lowercase().ends_with(".json") {
            continue;
        }
        let place = format!("{prefix}{name}");
        let declared = entry.size();
        if declared > limits.max_record_bytes {
            run.too_large(&place, declared)?;
            continue;
        }
        match read_capped(entry, limits.max_record_bytes, "the entry", &mut buf) {
            Ok(()) => {}
            Err(e) if is_cap(&e) => {
                // The entry holds more than its header declared: a lie worth skipping unread.
                run.too_large(&place, limits.max_record_bytes + 1)?;
                continue;
            }
            Err(e) => return Err(DbError::input(label, format!("{name}: {e}"))),
        }
        total += buf.len() as u64;
        if total > limits.max_zip_total_bytes {
            return Err(DbError::input(
                label,
                format!("more than the cap of {} decompressed bytes", limits.max_zip_total_bytes),
            ));
        }
        run.record(&buf, &place)?;
    }
    Ok(())
}

/// Reads one record per line; blank lines are ignored.
pub(crate) fn read_lines(
    run: &mut Run<'_, '_>,
    mut reader: impl BufRead,
    label: &str,
    prefix: &str,
) -> Result<(), DbError> {
    let cap = run.options.limits.max_record_bytes;
    let mut buf = Vec::new();
    let mut number: u64 = 0;
    loop {
        number += 1;
        let line = read_line_capped(&mut reader, cap, &mut buf).map_err(|e| DbError::input(label, e.to_string()))?;
        let place = || format!("{prefix}line {number}");
        match line {
            Line::End => return Ok(()),
            Line::TooLong(len) => run.too_large(&place(), len)?,
            Line::Text if buf.iter().all(u8::is_ascii_whitespace) => {}
            Line::Text => run.record(&buf, &place())?,
        }
    }
}

/// Reads a file holding one record.
pub(crate) fn read_single(run: &mut Run<'_, '_>, input: &Input) -> Result<(), DbError> {
    let label = input.path.display().to_string();
    let place = input
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| label.clone());
    let cap = run.options.limits.max_record_bytes;
    let reader = input.open_stream(run.options.limits)?;
    let mut buf = Vec::new();
    match read_capped(reader, cap, "the record", &mut buf) {
        Ok(()) => run.record(&buf, &place),
        Err(e) if is_cap(&e) => run.too_large(&place, cap + 1),
        Err(e) => Err(DbError::input(label, e.to_string())),
    }
}

/// Walks a directory (sorted, symlinks and hidden entries left out) and reads its `*.json`
/// records, `*.jsonl` / `*.ndjson` files and `*.zip` archives. A file that cannot be read is
/// skipped and listed like a bad record.
pub(crate) fn read_dir(run: &mut Run<'_, '_>, root: &Path) -> Result<(), DbError> {
    let mut files = Vec::new();
    walk(root, 0, run.options.limits.max_dir_depth, &mut files)?;
    let cap = run.options.limits.max_record_bytes;
    let mut buf = Vec::new();
    for path in files {
        let rel = path.strip_prefix(root).unwrap_or(&path).display().to_string();
        let lower = rel.to_ascii_lowercase();
        let opened = File::open(&path).and_then(|f| f.metadata().map(|m| (f, m.len())));
        let (file, size) = match opened {
            Ok(x) => x,
            Err(e) => {
                run.skip(&rel, None, format!("unreadable: {e}"))?;
                continue;
            }
        };
        if lower.ends_with(".json") {
            if size > cap {
                run.too_large(&rel, size)?;
                continue;
            }
            match read_capped(file, cap, "the record", &mut buf) {
                Ok(()) => run.record(&buf, &rel)?,
                Err(e) if is_cap(&e) => run.too_large(&rel, cap + 1)?,
                Err(e) => run.skip(&rel, None, format!("unreadable: {e}"))?,
            }
        } else if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") {
            read_lines(
                run,
                BufReader::new(file),
                &path.display().to_string(),
                &format!("{rel} "),
            )?;
        } else if lower.ends_with(".zip") {
            read_zip(run, file, &path.display().to_string(), &format!("{rel}:"))?;
        }
    }
    Ok(())
}

fn walk(dir: &Path, depth: usize, max_depth: usize, out: &mut Vec<PathBuf>) -> Result<(), DbError> {
    if depth > max_depth {
        return Err(DbError::input(
            dir.display(),
            format!("nested deeper than {max_depth} directories"),
        ));
    }
    let mut entries: Vec<_> = fs::read_dir(dir)
        .map_err(DbError::io(dir))?
        .collect::<Result<_, _>>()
        .map_err(DbError::io(dir))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = entry.file_type().map_err(DbError::io(&entry.path()))?;
        if kind.is_dir() {
            walk(&entry.path(), depth + 1, max_depth, out)?;
        } else if kind.is_file() {
            out.push(entry.path());
        }
    }
    Ok(())
}
