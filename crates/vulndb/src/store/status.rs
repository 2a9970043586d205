//! `vigil db status`: what the database holds, where it came from, how old it is, what was skipped.

use std::time::Duration;

use time::OffsetDateTime;

use super::{Db, Skipped};
use crate::ecosystem::Ecosystem;
use crate::DbError;

/// Data last checked longer ago than this is stale: `vigil db status` warns about it.
pub const STALE_AFTER: Duration = Duration::from_secs(7 * 24 * 3600);

/// At most this many skipped records are listed in a [`Status`] (all are counted).
pub const STATUS_SKIPPED_LISTED: u32 = 1000;

/// What a scan needs of a database, read without counting its tables (see [`Db::summary`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub built_at: OffsetDateTime,
    /// Distinct advisories that are not withdrawn.
    pub advisories: u64,
    /// Whether the data was last checked longer ago than [`STALE_AFTER`].
    pub stale: bool,
}

/// The state of a database.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    pub schema_version: u32,
    pub built_at: OffsetDateTime,
    pub sources: Vec<SourceInfo>,
    /// Per ecosystem base and release, sorted; withdrawn advisories are not counted.
    pub ecosystems: Vec<EcosystemCount>,
    /// Distinct advisory ids that are not withdrawn.
    pub advisories: u64,
    pub withdrawn: u64,
    /// CVEs with an NVD CVSS vector, an EPSS score, a KEV entry.
    pub nvd_cves: u64,
    pub epss_cves: u64,
    pub kev_cves: u64,
    /// Skipped records over all sources.
    pub skipped_total: u64,
    /// The first [`STATUS_SKIPPED_LISTED`] of them.
    pub skipped: Vec<Skipped>,
    /// When the least recently checked source was checked (the build time without sources).
    pub oldest_data: OffsetDateTime,
    /// True when `oldest_data` is older than [`STALE_AFTER`].
    pub stale: bool,
}

/// One source of the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceInfo {
    /// `osv/<Ecosystem>` (downloaded), `file:<path>` (imported), `epss`, `kev`.
    pub name: String,
    /// The container: `zip`, `dir`, `jsonl`, `json` (records: OSV or CVE JSON 5), or a feed:
    /// `nvd-api`, `epss-csv`, `kev-json`.
    pub kind: String,
    /// The URL or path it was read from.
    pub location: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// When its content was last read.
    pub fetched_at: OffsetDateTime,
    /// When it was last confirmed current (a download answered 304, or it was read).
    pub checked_at: OffsetDateTime,
    pub sha256: Option<String>,
    pub size: Option<u64>,
    pub records: u64,
    pub skipped: u64,
    /// Records whose id the same source had already given (the first one is kept).
    pub duplicates: u64,
    pub stale: bool,
}

/// Advisory counts for one ecosystem release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcosystemCount {
    pub ecosystem: Ecosystem,
    pub release: Option<String>,
    /// False for ecosystems Vigil imports but does not match against.
    pub supported: bool,
    pub advisories: u64,
    /// Distinct package names.
    pub packages: u64,
}

fn instant(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn unsigned(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl Db {
    /// The database's status now.
    pub fn status(&self) -> Result<Status, DbError> {
        self.status_at(OffsetDateTime::now_utc())
    }

    /// Build time, advisory count and staleness from the database's own records: a few
    /// indexed reads, where [`Db::status`] counts whole tables (databases built before the count
    /// was recorded are counted).
    pub fn summary(&self) -> Result<Summary, DbError> {
        use rusqlite::OptionalExtension;
        let sql = || DbError::sqlite(&self.path);
        let meta = |key: &str| -> Result<Option<String>, DbError> {
            self.conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()
                .map_err(sql())
        };
        let now = OffsetDateTime::now_utc();
        let built_at = instant(meta("built_at")?.and_then(|v| v.parse().ok()).unwrap_or(0));
        let advisories = match meta("advisories")?.and_then(|v| v.parse().ok()) {
            Some(n) => n,
            None => self
                .conn
                .query_row(
                    "SELECT COUNT(DISTINCT advisory_id) FROM advisories WHERE withdrawn IS NULL",
                    [],
                    |r| r.get(0),
                )
                .map(unsigned)
                .map_err(sql())?,
        };
        let checked: Option<i64> = self
            .conn
            .query_row("SELECT MIN(checked_at) FROM sources", [], |r| r.get(0))
            .map_err(sql())?;
        let oldest = checked.map_or(built_at, instant);
        Ok(Summary {
            built_at,
            advisories,
            stale: (now - oldest) > STALE_AFTER,
        })
    }

    /// The database's status as of `now` (staleness is relative to it).
    pub fn status_at(&self, now: OffsetDateTime) -> Result<Status, DbError> {
        let sql = || DbError::sqlite(&self.path);
        let meta = |key: &str| -> Result<Option<String>, DbError> {
            use rusqlite::OptionalExtension;
            self.conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
                .optional()
                .map_err(sql())
        };
        let schema_version = meta("schema_version")?.and_then(|v| v.parse().ok()).unwrap_or(0);
        let built_at = instant(meta("built_at")?.and_then(|v| v.parse().ok()).unwrap_or(0));
        let is_stale = |t: OffsetDateTime| (now - t) > STALE_AFTER;

        let mut stmt = self
            .conn
            .prepare(
                "SELECT name, kind, location, etag, last_modified, fetched_at, checked_at, sha256, size, records,
                        skipped, duplicates FROM sources ORDER BY name",
            )
            .map_err(sql())?;
        let sources = stmt
            .query_map([], |r| {
                let checked_at = instant(r.get(6)?);
                Ok(SourceInfo {
                    name: r.get(0)?,
                    kind: r.get(1)?,
                    location: r.get(2)?,
                    etag: r.get(3)?,
                    last_modified: r.get(4)?,
                    fetched_at: instant(r.get(5)?),
                    checked_at,
                    sha256: r.get(7)?,
                    size: r.get::<_, Option<i64>>(8)?.map(unsigned),
                    records: unsigned(r.get(9)?),
                    skipped: unsigned(r.get(10)?),
                    duplicates: unsigned(r.get(11)?),
                    stale: is_stale(checked_at),
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(sql())?;
        drop(stmt);

        let mut stmt = self
            .conn
            .prepare(
                "SELECT ecosystem, release, advisories, packages FROM ecosystem_counts ORDER BY ecosystem, release",
            )
            .map_err(sql())?;
        let ecosystems = stmt
            .query_map([], |r| {
                let ecosystem = Ecosystem::from_base(&r.get::<_, String>(0)?);
                Ok(EcosystemCount {
                    supported: ecosystem.is_supported(),
                    ecosystem,
                    release: r.get(1)?,
                    advisories: unsigned(r.get(2)?),
                    packages: unsigned(r.get(3)?),
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(sql())?;
        drop(stmt);

        let count =
            |q: &str| -> Result<u64, DbError> { self.conn.query_row(q, [], |r| r.get(0)).map(unsigned).map_err(sql()) };
        let advisories = count("SELECT COUNT(DISTINCT advisory_id) FROM advisories WHERE withdrawn IS NULL")?;
        let withdrawn = count("SELECT COUNT(DISTINCT advisory_id) FROM advisories WHERE withdrawn IS NOT NULL")?;
        let nvd_cves = count("SELECT COUNT(DISTINCT cve) FROM nvd_cvss")?;
        let epss_cves = count("SELECT COUNT(DISTINCT cve) FROM epss")?;
        let kev_cves = count("SELECT COUNT(DISTINCT cve) FROM kev")?;

        let mut stmt = self
            .conn
            .prepare(
                "SELECT s.name, k.place, k.advisory_id, k.reason FROM skipped k JOIN sources s ON s.id = k.source_id
                 ORDER BY s.name, k.rowid LIMIT ?1",
            )
            .map_err(sql())?;
        let skipped = stmt
            .query_map([STATUS_SKIPPED_LISTED], |r| {
                Ok(Skipped {
                    source: r.get(0)?,
                    place: r.get(1)?,
                    id: r.get(2)?,
                    reason: r.get(3)?,
                })
            })
            .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
            .map_err(sql())?;

        let oldest_data = sources.iter().map(|s| s.checked_at).min().unwrap_or(built_at);
        Ok(Status {
            schema_version,
            built_at,
            skipped_total: sources.iter().map(|s| s.skipped).sum(),
            sources,
            ecosystems,
            advisories,
            withdrawn,
            nvd_cves,
            epss_cves,
            kev_cves,
            skipped,
            oldest_data,
            stale: is_stale(oldest_data),
        })
    }
}
