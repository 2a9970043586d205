//! The database schema, its version, and the check every opener makes.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension};

use crate::DbError;

/// The schema version this crate writes and reads. Bump it on any change to the tables below; a
/// database with another version is refused (newer) or rebuilt from scratch (older).
pub const SCHEMA_VERSION: u32 = 1;

/// The tables. Every row of every data table carries the id of the source it came from, so that
/// a rebuild can carry over the sources it does not refresh with one `INSERT ... SELECT` each.
/// JSON columns hold compact JSON (arrays of strings, OSV-shaped objects).
pub(crate) const TABLES: &str = "
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE sources (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    kind          TEXT NOT NULL,
    location      TEXT NOT NULL,
    etag          TEXT,
    last_modified TEXT,
    fetched_at    INTEGER NOT NULL,
    checked_at    INTEGER NOT NULL,
    sha256        TEXT,
    size          INTEGER,
    records       INTEGER NOT NULL DEFAULT 0,
    skipped       INTEGER NOT NULL DEFAULT 0,
    duplicates    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE advisories (
    id                INTEGER PRIMARY KEY,
    source_id         INTEGER NOT NULL,
    advisory_id       TEXT NOT NULL,
    modified          TEXT,
    published         TEXT,
    withdrawn         TEXT,
    summary           TEXT,
    details           TEXT,
    aliases           TEXT NOT NULL,
    related           TEXT NOT NULL,
    upstream          TEXT NOT NULL,
    severity          TEXT NOT NULL,
    refs              TEXT NOT NULL,
    database_specific TEXT
);

CREATE TABLE aliases (
    source_id INTEGER NOT NULL,
    alias     TEXT NOT NULL,
    advisory  INTEGER NOT NULL
);

CREATE TABLE affected (
    source_id          INTEGER NOT NULL,
    advisory           INTEGER NOT NULL,
    ecosystem          TEXT NOT NULL,
    release            TEXT,
    variant            TEXT,
    ecosystem_raw      TEXT NOT NULL,
    name               TEXT NOT NULL,
    original_name      TEXT NOT NULL,
    purl               TEXT,
    ranges             TEXT NOT NULL,
    versions           TEXT NOT NULL,
    severity           TEXT NOT NULL,
    urgency            TEXT,
    ecosystem_specific TEXT,
    database_specific  TEXT
);

CREATE TABLE skipped (
    source_id   INTEGER NOT NULL,
    place       TEXT NOT NULL,
    advisory_id TEXT,
    reason      TEXT NOT NULL
);

CREATE TABLE nvd_cvss (
    source_id INTEGER NOT NULL,
    cve       TEXT NOT NULL,
    version   TEXT NOT NULL,
    vector    TEXT NOT NULL,
    origin    TEXT NOT NULL,
    kind      TEXT NOT NULL
);

CREATE TABLE epss (
    source_id  INTEGER NOT NULL,
    cve        TEXT NOT NULL,
    score      REAL NOT NULL,
    percentile REAL NOT NULL,
    date       TEXT,
    model      TEXT
);

CREATE TABLE kev (
    source_id       INTEGER NOT NULL,
    cve             TEXT NOT NULL,
    date_added      TEXT NOT NULL,
    due_date        TEXT,
    ransomware      TEXT,
    vendor          TEXT,
    product         TEXT,
    name            TEXT,
    required_action TEXT
);

CREATE TABLE ecosystem_counts (
    ecosystem  TEXT NOT NULL,
    release    TEXT,
    advisories INTEGER NOT NULL,
    packages   INTEGER NOT NULL
);
";

/// The data tables a rebuild carries over from the previous database, in copy order (`sources`
/// first; `ecosystem_counts` is derived, `meta` rewritten).
pub(crate) const CARRIED: [&str; 7] = [
    "advisories",
    "aliases",
    "affected",
    "skipped",
    "nvd_cvss",
    "epss",
    "kev",
];

/// Indexes, created once the bulk inserts are done (faster than maintaining them row by row).
pub(crate) const INDEXES: &str = "
CREATE INDEX affected_lookup ON affected (ecosystem, name, release);
CREATE INDEX affected_advisory ON affected (advisory);
CREATE INDEX advisories_id ON advisories (advisory_id);
CREATE INDEX aliases_alias ON aliases (alias);
CREATE INDEX skipped_source ON skipped (source_id);
CREATE INDEX nvd_cvss_cve ON nvd_cvss (cve);
CREATE INDEX epss_cve ON epss (cve);
CREATE INDEX kev_cve ON kev (cve);
";

/// Derived counts for `vigil db status`, computed at the end of a build.
pub(crate) const COUNTS: &str = "
INSERT INTO ecosystem_counts (ecosystem, release, advisories, packages)
SELECT f.ecosystem, f.release, COUNT(DISTINCT a.advisory_id), COUNT(DISTINCT f.name)
FROM affected f JOIN advisories a ON a.id = f.advisory
WHERE a.withdrawn IS NULL
GROUP BY f.ecosystem, f.release;
INSERT INTO meta (key, value)
SELECT 'advisories', COUNT(DISTINCT advisory_id) FROM advisories WHERE withdrawn IS NULL;
";

/// Reads the schema version of an open database: `Ok(None)` when it is not a Vigil database
/// (no `meta` table or no version in it).
pub(crate) fn version_of(conn: &Connection, schema: &str) -> Result<Option<u32>, rusqlite::Error> {
    let has_meta: bool = conn.query_row(
        &format!("SELECT EXISTS (SELECT 1 FROM {schema}.sqlite_master WHERE type = 'table' AND name = 'meta')"),
        [],
        |r| r.get(0),
    )?;
    if !has_meta {
        return Ok(None);
    }
    let value: Option<String> = conn
        .query_row(
            &format!("SELECT value FROM {schema}.meta WHERE key = 'schema_version'"),
            [],
            |r| r.get(0),
        )
        .optional()?;
    Ok(value.and_then(|v| v.parse().ok()))
}

/// Checks that `conn` (opened on `path`) holds a database of exactly [`SCHEMA_VERSION`].
pub(crate) fn require_current(conn: &Connection, path: &Path) -> Result<(), DbError> {
    let version = version_of(conn, "main").map_err(|e| not_a_database(path, e))?;
    match version {
        None => Err(DbError::NotADatabase {
            path: path.to_path_buf(),
            reason: "no schema version in it".into(),
        }),
        Some(v) if v > SCHEMA_VERSION => Err(DbError::NewerSchema {
            path: path.to_path_buf(),
            found: v,
            supported: SCHEMA_VERSION,
        }),
        Some(v) if v < SCHEMA_VERSION => Err(DbError::OlderSchema {
            path: path.to_path_buf(),
            found: v,
            supported: SCHEMA_VERSION,
        }),
        Some(_) => Ok(()),
    }
}

/// SQLite's "file is not a database" and friends become [`DbError::NotADatabase`].
pub(crate) fn not_a_database(path: &Path, e: rusqlite::Error) -> DbError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) | Some(rusqlite::ErrorCode::DatabaseCorrupt) => DbError::NotADatabase {
            path: path.to_path_buf(),
            reason: e.to_string(),
        },
        _ => DbError::Sqlite {
            path: path.to_path_buf(),
            source: e,
        },
    }
}
