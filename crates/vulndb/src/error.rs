//! The crate's error type.

use std::path::{Path, PathBuf};

/// Why opening, building, importing into or updating the database failed.
///
/// A failed build never touches the database file it was meant to replace: such errors are wrapped
/// in [`DbError::PreviousKept`] (an older database exists and stays in use) or
/// [`DbError::NotWritten`] (there was none), and [`DbError::previous_kept`] tells them apart.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// No database file at the path.
    #[error("no vulnerability database at {}: run `vigil db update` or `vigil db import` first", path.display())]
    Missing { path: PathBuf },
    /// The file exists but is not a Vigil vulnerability database.
    #[error("{} is not a Vigil vulnerability database: {reason}", path.display())]
    NotADatabase { path: PathBuf, reason: String },
    /// The database was written by a newer Vigil.
    #[error(
        "{} has schema version {found}, newer than the {supported} this Vigil understands: \
         upgrade Vigil, or point --db / VIGIL_DB at another database",
        path.display()
    )]
    NewerSchema { path: PathBuf, found: u32, supported: u32 },
    /// The database was written by an older Vigil; `vigil db update` rebuilds it.
    #[error(
        "{} has schema version {found}, older than the {supported} this Vigil needs: \
         run `vigil db update` to rebuild it",
        path.display()
    )]
    OlderSchema { path: PathBuf, found: u32, supported: u32 },
    /// SQLite failed on this database file.
    #[error("database {}: {source}", path.display())]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// An input as a whole is unusable: not a zip, a corrupt archive, an unknown format, a cap hit.
    /// (Single bad records are not errors: they are skipped and listed.)
    #[error("{input}: {reason}")]
    Input { input: String, reason: String },
    /// An HTTP request failed: a connection error, or a status other than 200 and 304.
    #[error("GET {url}: {reason}")]
    Http { url: String, reason: String },
    /// A download ended before the length the server announced.
    #[error("GET {url}: truncated download: received {received} of the {expected} bytes announced")]
    Truncated { url: String, expected: u64, received: u64 },
    /// A build failed; the database that was there before is untouched and still in use.
    #[error("{cause}; the previous database at {} is unchanged and still in use", path.display())]
    PreviousKept { path: PathBuf, cause: Box<DbError> },
    /// A build failed and there was no previous database; nothing was written.
    #[error("{cause}; no database was written at {}", path.display())]
    NotWritten { path: PathBuf, cause: Box<DbError> },
}

impl DbError {
    /// True when a failed build left an older database in place (see [`DbError::PreviousKept`]).
    pub fn previous_kept(&self) -> bool {
        matches!(self, DbError::PreviousKept { .. })
    }

    /// The error that made a build fail, looking through the "previous database" wrappers.
    pub fn cause(&self) -> &DbError {
        match self {
            DbError::PreviousKept { cause, .. } | DbError::NotWritten { cause, .. } => cause,
            other => other,
        }
    }

    pub(crate) fn sqlite(path: &Path) -> impl FnOnce(rusqlite::Error) -> DbError + '_ {
        move |source| DbError::Sqlite {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DbError + '_ {
        move |source| DbError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn input(input: impl std::fmt::Display, reason: impl Into<String>) -> DbError {
        DbError::Input {
            input: input.to_string(),
            reason: reason.into(),
        }
    }
}
