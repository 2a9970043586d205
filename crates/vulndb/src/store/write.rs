//! The inserts of a build: prepared (cached) statements inside the builder's one transaction.

use serde::Serialize;

use super::build::Builder;
use super::{CvssVector, Epss, Kev, Skipped};
use crate::import::validate::ValidRecord;
use crate::DbError;

/// A source as a build registers it.
#[derive(Debug, Clone, Default)]
pub(crate) struct SourceMeta {
    /// Unique key: `osv/<Ecosystem>` for downloads, `file:<path>` for imported files, `epss` and
    /// `kev` for those single-snapshot feeds.
    pub name: String,
    /// The container: `zip`, `dir`, `jsonl`, `json` (records: OSV or CVE JSON 5), or a feed:
    /// `nvd-api`, `epss-csv`, `kev-json`.
    pub kind: String,
    /// A URL or a path.
    pub location: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub sha256: Option<String>,
    pub size: Option<u64>,
}

/// What a source contributed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SourceCounts {
    pub records: u64,
    pub skipped: u64,
    pub duplicates: u64,
}

fn json<T: Serialize + ?Sized>(value: &T, fallback: &str) -> String {
    // Serialising these types (strings, OSV-shaped structs, parsed JSON values) cannot fail.
    serde_json::to_string(value).unwrap_or_else(|_| fallback.to_string())
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Builder {
    fn sql(&self) -> impl FnOnce(rusqlite::Error) -> DbError + '_ {
        // Errors are reported against the database being replaced: that is the path users know.
        DbError::sqlite(self.dest())
    }

    /// Registers a source; returns its id.
    pub(crate) fn add_source(&mut self, meta: &SourceMeta) -> Result<i64, DbError> {
        let now = self.now;
        let inserted = self
            .conn
            .prepare_cached(
                "INSERT INTO sources (name, kind, location, etag, last_modified, fetched_at, checked_at, sha256, size)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8)",
            )
            .and_then(|mut stmt| {
                stmt.execute((
                    &meta.name,
                    &meta.kind,
                    &meta.location,
                    &meta.etag,
                    &meta.last_modified,
                    now,
                    &meta.sha256,
                    meta.size.map(count),
                ))
            });
        match inserted {
            Ok(_) => Ok(self.conn.last_insert_rowid()),
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => Err(DbError::input(
                &meta.location,
                format!("source {:?} is given twice", meta.name),
            )),
            Err(e) => Err(self.sql()(e)),
        }
    }

    /// Records a source's counts once it is read.
    pub(crate) fn set_source_counts(&mut self, source: i64, counts: SourceCounts) -> Result<(), DbError> {
        self.conn
            .prepare_cached("UPDATE sources SET records = ?2, skipped = ?3, duplicates = ?4 WHERE id = ?1")
            .and_then(|mut s| {
                s.execute((
                    source,
                    count(counts.records),
                    count(counts.skipped),
                    count(counts.duplicates),
                ))
            })
            .map(drop)
            .map_err(self.sql())
    }

    /// Marks a carried-over source as checked now (its download answered 304 Not Modified).
    /// False when no such source was carried over.
    pub(crate) fn touch_source(&mut self, name: &str) -> Result<bool, DbError> {
        let now = self.now;
        self.conn
            .prepare_cached("UPDATE sources SET checked_at = ?2 WHERE name = ?1")
            .and_then(|mut s| s.execute((name, now)))
            .map(|n| n == 1)
            .map_err(self.sql())
    }

    /// Inserts one validated OSV record with its aliases and affected packages.
    pub(crate) fn advisory(&mut self, source: i64, rec: &ValidRecord) -> Result<(), DbError> {
        let r = &rec.record;
        let mut stmt = self
            .conn
            .prepare_cached(
                "INSERT INTO advisories (source_id, advisory_id, modified, published, withdrawn, summary, details,
                                         aliases, related, upstream, severity, refs, database_specific)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )
            .map_err(DbError::sqlite(self.dest()))?;
        stmt.execute(rusqlite::params![
            source,
            rec.id,
            r.modified,
            r.published,
            r.withdrawn,
            r.summary,
            r.details,
            json(&r.aliases, "[]"),
            json(&r.related, "[]"),
            json(&r.upstream, "[]"),
            json(&r.severity, "[]"),
            json(&r.references, "[]"),
            r.database_specific.as_ref().map(|v| json(v, "null")),
        ])
        .map_err(DbError::sqlite(self.dest()))?;
        drop(stmt);
        let advisory = self.conn.last_insert_rowid();
        self.inserted_advisories += 1;

        let mut stmt = self
            .conn
            .prepare_cached("INSERT INTO aliases (source_id, alias, advisory) VALUES (?1, ?2, ?3)")
            .map_err(DbError::sqlite(self.dest()))?;
        for alias in r.aliases.iter().chain(&r.upstream) {
            stmt.execute((source, alias, advisory))
                .map_err(DbError::sqlite(self.dest()))?;
        }
        drop(stmt);

        let mut stmt = self
            .conn
            .prepare_cached(
                "INSERT INTO affected (source_id, advisory, ecosystem, release, variant, ecosystem_raw, name,
                                       original_name, purl, ranges, versions, severity, urgency,
                                       ecosystem_specific, database_specific)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )
            .map_err(DbError::sqlite(self.dest()))?;
        for a in &rec.affected {
            stmt.execute(rusqlite::params![
                source,
                advisory,
                a.ecosystem.base.as_str(),
                a.ecosystem.release,
                a.ecosystem.variant,
                a.ecosystem_raw,
                a.normalised,
                a.name,
                a.purl,
                json(&a.ranges, "[]"),
                json(&a.versions, "[]"),
                json(&a.severity, "[]"),
                a.urgency,
                a.ecosystem_specific.as_ref().map(|v| json(v, "null")),
                a.database_specific.as_ref().map(|v| json(v, "null")),
            ])
            .map_err(DbError::sqlite(self.dest()))?;
        }
        Ok(())
    }

    /// Lists one skipped record.
    pub(crate) fn skipped(&mut self, source: i64, skip: &Skipped) -> Result<(), DbError> {
        self.conn
            .prepare_cached("INSERT INTO skipped (source_id, place, advisory_id, reason) VALUES (?1, ?2, ?3, ?4)")
            .and_then(|mut s| s.execute((source, &skip.place, &skip.id, &skip.reason)))
            .map(drop)
            .map_err(self.sql())
    }

    pub(crate) fn cvss(&mut self, source: i64, cve: &str, v: &CvssVector) -> Result<(), DbError> {
        self.conn
            .prepare_cached(
                "INSERT INTO nvd_cvss (source_id, cve, version, vector, origin, kind) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .and_then(|mut s| s.execute((source, cve, &v.version, &v.vector, &v.origin, &v.kind)))
            .map(drop)
            .map_err(self.sql())
    }

    pub(crate) fn epss(&mut self, source: i64, e: &Epss) -> Result<(), DbError> {
        self.conn
            .prepare_cached(
                "INSERT INTO epss (source_id, cve, score, percentile, date, model) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )
            .and_then(|mut s| s.execute((source, &e.cve, e.score, e.percentile, &e.date, &e.model)))
            .map(drop)
            .map_err(self.sql())
    }

    pub(crate) fn kev(&mut self, source: i64, k: &Kev) -> Result<(), DbError> {
        self.conn
            .prepare_cached(
                "INSERT INTO kev (source_id, cve, date_added, due_date, ransomware, vendor, product, name,
                                  required_action) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .and_then(|mut s| {
                s.execute(rusqlite::params![
                    source,
                    k.cve,
                    k.date_added,
                    k.due_date,
                    k.ransomware,
                    k.vendor,
                    k.product,
                    k.name,
                    k.required_action
                ])
            })
            .map(drop)
            .map_err(self.sql())
    }
}
