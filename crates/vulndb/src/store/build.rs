//! Building a database: into a temporary file beside the destination, swapped in atomically.
//!
//! A build (an import or an update) is:
//! 1. [`previous`]: look at what is at the destination (nothing, a current database whose sources
//!    can be carried over, an older one that cannot; a newer one or a non-database is refused);
//! 2. [`Builder::begin`]: create `.<name>.build-<pid>-<nanos>` in the same directory, the schema,
//!    and copy over the previous database's sources that this build does not replace;
//! 3. inserts (`store/write.rs`), in one transaction, with `journal_mode=OFF` and
//!    `synchronous=OFF` — safe because the file is worthless until step 4 succeeds;
//! 4. [`Builder::finish`]: commit, indexes, derived counts, `PRAGMA quick_check`, a count check,
//!    close, fsync, `rename` over the destination, fsync the directory.
//!
//! Any failure before the rename drops the builder, which deletes the temporary file: the previous
//! database is untouched. [`failed`] wraps the error so that it says so. A build killed outright
//! leaves its temporary file behind; the next build deletes it once its process is gone.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use rusqlite::{Connection, OpenFlags};

use super::schema::{self, SCHEMA_VERSION};
use crate::DbError;

/// What a build finds at its destination.
#[derive(Debug, Clone)]
pub(crate) enum Previous {
    /// No file.
    Absent,
    /// A database of the current schema: its sources can be carried over.
    Current(Vec<PreviousSource>),
    /// A database of an older schema: rebuilt from scratch, nothing carried over.
    Older(u32),
}

/// A source of the previous database, as the next build needs to know it.
#[derive(Debug, Clone)]
pub(crate) struct PreviousSource {
    pub name: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub sha256: Option<String>,
    pub records: u64,
}

impl Previous {
    pub(crate) fn source(&self, name: &str) -> Option<&PreviousSource> {
        match self {
            Previous::Current(sources) => sources.iter().find(|s| s.name == name),
            _ => None,
        }
    }

    fn exists(&self) -> bool {
        !matches!(self, Previous::Absent)
    }
}

/// Looks at the destination. A newer schema, or a file that is not a Vigil database, is an error:
/// a build never replaces what it does not understand.
pub(crate) fn previous(dest: &Path) -> Result<Previous, DbError> {
    if !dest.exists() {
        return Ok(Previous::Absent);
    }
    let conn = Connection::open_with_flags(dest, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        .map_err(|e| schema::not_a_database(dest, e))?;
    match schema::require_current(&conn, dest) {
        Ok(()) => {}
        Err(DbError::OlderSchema { found, .. }) => return Ok(Previous::Older(found)),
        Err(e) => return Err(e),
    }
    let mut stmt = conn
        .prepare("SELECT name, etag, last_modified, sha256, records FROM sources ORDER BY id")
        .map_err(|e| schema::not_a_database(dest, e))?;
    let rows = stmt
        .query_map([], |r| {
            Ok(PreviousSource {
                name: r.get(0)?,
                etag: r.get(1)?,
                last_modified: r.get(2)?,
                sha256: r.get(3)?,
                records: r.get::<_, i64>(4)?.try_into().unwrap_or(0),
            })
        })
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(|e| schema::not_a_database(dest, e))?;
    Ok(Previous::Current(rows))
}

/// Wraps the error of a failed build so that it says what happened to the previous database.
pub(crate) fn failed(dest: &Path, previous: &Previous, cause: DbError) -> DbError {
    let path = dest.to_path_buf();
    let cause = Box::new(cause);
    if previous.exists() {
        DbError::PreviousKept { path, cause }
    } else {
        DbError::NotWritten { path, cause }
    }
}

/// What a finished build wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Built {
    pub built_at: i64,
    pub advisories: u64,
    pub bytes: u64,
}

/// Deletes the temporary file unless disarmed (after the rename).
struct TempFile {
    path: PathBuf,
    armed: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if self.armed {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// A database being built. Insert methods are in `store/write.rs`.
pub(crate) struct Builder {
    // Field order matters: the connection is closed before the temporary file is deleted.
    pub(super) conn: Connection,
    temp: TempFile,
    dest: PathBuf,
    pub(super) now: i64,
    pub(super) inserted_advisories: u64,
    carried_advisories: u64,
}

impl Builder {
    /// The database this build replaces.
    pub(super) fn dest(&self) -> &Path {
        &self.dest
    }

    /// Creates the temporary database and carries over the previous database's sources for which
    /// `keep(name)` is true.
    pub(crate) fn begin(dest: &Path, previous: &Previous, keep: &dyn Fn(&str) -> bool) -> Result<Builder, DbError> {
        let dir = match dest.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&dir).map_err(DbError::io(&dir))?;
        let file_name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "vigil.db".into());
        let prefix = format!(".{file_name}.build-");
        remove_stale(&dir, &prefix);
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let path = dir.join(format!("{prefix}{}-{nanos}", std::process::id()));
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(DbError::io(&path))?;
        let temp = TempFile { path, armed: true };
        let conn = Connection::open(&temp.path).map_err(DbError::sqlite(&temp.path))?;
        let sql = DbError::sqlite(&temp.path);
        conn.execute_batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE;
             PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536;",
        )
        .and_then(|()| conn.execute_batch(schema::TABLES))
        .map_err(sql)?;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let mut builder = Builder {
            conn,
            temp,
            dest: dest.to_path_buf(),
            now,
            inserted_advisories: 0,
            carried_advisories: 0,
        };
        if let Previous::Current(sources) = previous {
            if sources.iter().any(|s| keep(&s.name)) {
                builder.carry_over(keep).map_err(DbError::sqlite(dest))?;
            }
        }
        builder
            .conn
            .execute_batch("BEGIN")
            .map_err(DbError::sqlite(&builder.temp.path))?;
        Ok(builder)
    }

    fn carry_over(&mut self, keep: &dyn Fn(&str) -> bool) -> Result<(), rusqlite::Error> {
        let old = self.dest.to_string_lossy().into_owned();
        self.conn.execute("ATTACH DATABASE ?1 AS old", [&old])?;
        // The previous database was checked by `previous()`, but it may have been replaced since.
        if schema::version_of(&self.conn, "old")? != Some(SCHEMA_VERSION) {
            self.conn.execute_batch("DETACH DATABASE old")?;
            return Ok(());
        }
        self.conn.execute_batch("BEGIN")?;
        let names: Vec<(i64, String)> = {
            let mut stmt = self.conn.prepare("SELECT id, name FROM old.sources ORDER BY id")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        for (id, name) in names {
            if keep(&name) {
                self.conn
                    .execute("INSERT INTO main.sources SELECT * FROM old.sources WHERE id = ?1", [id])?;
            }
        }
        for table in schema::CARRIED {
            self.conn.execute(
                &format!(
                    "INSERT INTO main.{table} SELECT * FROM old.{table} \
                     WHERE source_id IN (SELECT id FROM main.sources)"
                ),
                [],
            )?;
        }
        self.carried_advisories = self
            .conn
            .query_row("SELECT COUNT(*) FROM main.advisories", [], |r| r.get(0))?;
        self.conn.execute_batch("COMMIT; DETACH DATABASE old")?;
        Ok(())
    }

    /// Finishes the database and swaps it in. On error, the temporary file is deleted and the
    /// destination untouched.
    pub(crate) fn finish(self) -> Result<Built, DbError> {
        let Builder {
            conn,
            mut temp,
            dest,
            now,
            inserted_advisories,
            carried_advisories,
        } = self;
        let sql = DbError::sqlite(&temp.path);
        conn.execute_batch("COMMIT").map_err(DbError::sqlite(&temp.path))?;
        conn.execute_batch(schema::INDEXES)
            .and_then(|()| conn.execute_batch(schema::COUNTS))
            .and_then(|()| {
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?1), ('built_at', ?2), ('generator', ?3)",
                    (
                        SCHEMA_VERSION.to_string(),
                        now.to_string(),
                        concat!("vigil-vulndb ", env!("CARGO_PKG_VERSION")),
                    ),
                )
            })
            .and_then(|_| conn.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}")))
            .map_err(sql)?;
        let check: String = conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(DbError::sqlite(&temp.path))?;
        if check != "ok" {
            return Err(DbError::input(
                temp.path.display(),
                format!("the new database failed its check: {check}"),
            ));
        }
        let count: u64 = conn
            .query_row("SELECT COUNT(*) FROM advisories", [], |r| r.get(0))
            .map_err(DbError::sqlite(&temp.path))?;
        let expected = inserted_advisories + carried_advisories;
        if count != expected {
            return Err(DbError::input(
                temp.path.display(),
                format!("the new database holds {count} advisories, {expected} were written"),
            ));
        }
        conn.close().map_err(|(_, e)| DbError::Sqlite {
            path: temp.path.clone(),
            source: e,
        })?;
        let file = fs::File::open(&temp.path).map_err(DbError::io(&temp.path))?;
        file.sync_all().map_err(DbError::io(&temp.path))?;
        let bytes = file.metadata().map_err(DbError::io(&temp.path))?.len();
        drop(file);
        fs::rename(&temp.path, &dest).map_err(DbError::io(&dest))?;
        temp.armed = false;
        if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
            // Makes the rename durable; not all platforms can open a directory, hence no error.
            if let Ok(d) = fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(Built {
            built_at: now,
            advisories: count,
            bytes,
        })
    }
}

/// Deletes temporary files of builds whose process is gone (Linux: no `/proc/<pid>`), or, where
/// that cannot be told, that are older than a day.
fn remove_stale(dir: &Path, prefix: &str) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let proc_fs = Path::new("/proc/self").exists();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(prefix)) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().and_then(|p| p.parse::<u32>().ok()) else {
            continue;
        };
        let stale = if proc_fs {
            pid != std::process::id() && !Path::new("/proc").join(pid.to_string()).exists()
        } else {
            entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > Duration::from_secs(24 * 3600))
        };
        if stale {
            let _ = fs::remove_file(entry.path());
        }
    }
}
