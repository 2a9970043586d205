//! Vulnerability advisories: feeds, the store, severity scoring, version ordering per ecosystem.
//!
//! This crate owns the advisory database Vigil matches packages against:
//!
//! - [`osv`]: the OSV schema, the one advisory format for distributions and languages alike;
//! - [`ecosystem`]: OSV ecosystem strings (`Debian:12`, `Ubuntu:Pro:18.04:LTS`, `PyPI`...) and
//!   package-name normalisation per ecosystem;
//! - [`import()`]: local inputs (an OSV `all.zip`, a directory of records, JSON lines, a single
//!   record; NVD CVE records and feeds, the CISA KEV catalogue, EPSS CSVs), told apart by content.
//!   Bad records are skipped, counted and listed with their place and reason;
//! - [`update()`]: each ecosystem's `all.zip` from the OSV bucket or a mirror, conditional on the
//!   previous ETag / Last-Modified, size- and integrity-checked;
//! - [`Db`]: the SQLite store, read-only, for the matcher (`affected`, `advisory`, `epss`, `kev`,
//!   `nvd_cvss`) and for `vigil db status` ([`Db::status`]).
//!
//! Every build (import or update) writes a new database beside the old one and renames it over
//! the old one only once it is complete and checked: a failed or interrupted build leaves the
//! previous database in use, and the error says so ([`DbError::PreviousKept`]).
//!
//! Range versions are checked during import through a [`VersionCheck`] the caller passes
//! ([`ImportOptions::version_check`]); [`basic_version_check`] is the ecosystem-blind default.
//!
//! ```no_run
//! use std::path::{Path, PathBuf};
//! use vigil_vulndb::{import, update, Db, Ecosystem, ImportOptions, UpdateOptions};
//!
//! let db_path = Path::new("/home/me/.cache/vigil/vulndb.sqlite");
//! update(db_path, &UpdateOptions { ecosystems: vec![Ecosystem::PyPI, Ecosystem::Go], ..Default::default() })?;
//! import(db_path, &[PathBuf::from("epss_scores-2025-05-12.csv.gz")], &ImportOptions::default())?;
//! let db = Db::open(db_path)?;
//! let status = db.status()?;
//! if status.stale {
//!     eprintln!("warning: advisory data is older than 7 days");
//! }
//! # Ok::<(), vigil_vulndb::DbError>(())
//! ```

pub mod check;
pub mod cvss;
pub mod ecosystem;
mod enrich;
mod error;
mod import;
mod limits;
pub mod osv;
mod store;
mod update;
pub mod version;

pub use check::{basic_version_check, RangeKind, VersionCheck};
pub use ecosystem::{Ecosystem, OsvEcosystem, SUPPORTED};
pub use enrich::is_cve_id;
pub use error::DbError;
pub use import::{import, ImportOptions, ImportReport, Progress, SourceReport};
pub use limits::Limits;
pub use store::{
    Advisory, Affected, CvssVector, Db, EcosystemCount, Epss, Kev, Skipped, SourceInfo, Status, Summary,
    SCHEMA_VERSION, STALE_AFTER, STATUS_SKIPPED_LISTED,
};
pub use update::{update, EcosystemUpdate, Fetched, UpdateOptions, UpdateReport, DEFAULT_BASE_URL};

/// The database file name inside the user's cache directory (`$XDG_CACHE_HOME/vigil/` or
/// `~/.cache/vigil/` on Linux, `~/Library/Caches/vigil/` on macOS), when neither `--db` nor
/// `VIGIL_DB` names another.
pub const DEFAULT_DB_FILE: &str = "vulndb.sqlite";

/// Where the database is by default: `VIGIL_DB` if set, else [`DEFAULT_DB_FILE`] in the user's
/// cache directory. `None` when no cache directory can be told (no `HOME`).
pub fn default_db_path() -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os("VIGIL_DB").filter(|p| !p.is_empty()) {
        return Some(path.into());
    }
    cache_dir().map(|d| d.join("vigil").join(DEFAULT_DB_FILE))
}

fn cache_dir() -> Option<std::path::PathBuf> {
    let home = || {
        std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(std::path::PathBuf::from)
    };
    if cfg!(target_os = "macos") {
        return home().map(|h| h.join("Library").join("Caches"));
    }
    if cfg!(windows) {
        return std::env::var_os("LOCALAPPDATA")
            .filter(|p| !p.is_empty())
            .map(Into::into);
    }
    std::env::var_os("XDG_CACHE_HOME")
        .filter(|p| !p.is_empty())
        .map(std::path::PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| home().map(|h| h.join(".cache")))
}
