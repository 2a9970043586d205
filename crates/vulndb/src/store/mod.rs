//! The advisory database: an embedded SQLite file, built whole and swapped in atomically
//! (`build.rs`), read by the matcher through [`Db`].
//!
//! ```no_run
//! use vigil_vulndb::{Db, Ecosystem};
//! let db = Db::open("vigil.db".as_ref())?;
//! for hit in db.affected(&Ecosystem::PyPI, None, "Requests")? {
//!     // hit.ranges: OSV events to evaluate with PyPI's version ordering; hit.versions: explicit ones.
//!     let advisory = db.advisory(&hit.advisory_id)?;
//!     println!("{} fixed in {:?}: {:?}", hit.advisory_id, hit.fixed_versions(), advisory.map(|a| a.summary));
//! }
//! # Ok::<(), vigil_vulndb::DbError>(())
//! ```

pub(crate) mod build;
mod schema;
mod status;
pub(crate) mod write;

use std::cmp::Ordering;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension, Row};
use serde::de::DeserializeOwned;
use serde_json::Value;

pub use schema::SCHEMA_VERSION;
pub use status::{EcosystemCount, SourceInfo, Status, Summary, STALE_AFTER, STATUS_SKIPPED_LISTED};

use crate::ecosystem::{Ecosystem, OsvEcosystem};
use crate::osv::{Reference, Severity, VersionRange};
use crate::DbError;

/// An open advisory database (read-only).
///
/// A `Db` holds one SQLite connection: it can move between threads but not be shared; open one
/// per thread to read in parallel. A build that replaces the file does not disturb an open `Db`:
/// it keeps reading the database it opened.
pub struct Db {
    conn: Connection,
    path: PathBuf,
}

/// One affected package of one advisory: what the matcher compares an installed version with.
#[derive(Debug, Clone, PartialEq)]
pub struct Affected {
    /// The advisory's id (`GHSA-…`, `PYSEC-…`, `DEBIAN-CVE-…`).
    pub advisory_id: String,
    pub ecosystem: OsvEcosystem,
    /// The ecosystem string as the record wrote it (`Ubuntu:Pro:18.04:LTS`).
    pub ecosystem_raw: String,
    /// The name normalised for its ecosystem (the lookup key).
    pub name: String,
    /// The name as the record wrote it.
    pub original_name: String,
    pub purl: Option<String>,
    /// `ECOSYSTEM` and `SEMVER` ranges, events in record order (sorting them needs the
    /// ecosystem's version ordering). GIT ranges are not kept.
    pub ranges: Vec<VersionRange>,
    /// Versions listed explicitly as affected.
    pub versions: Vec<String>,
    /// Per-package severity (GHSA writes it here rather than at the top level).
    pub severity: Vec<Severity>,
    /// A fix-state input: the distribution's urgency (Debian's `ecosystem_specific.urgency`:
    /// `unimportant`, `low`, `medium`, `high`, `not yet assigned`, `end-of-life`...).
    pub urgency: Option<String>,
    /// The record's free-form objects, for the other fix-state inputs a matcher may read.
    pub ecosystem_specific: Option<Value>,
    pub database_specific: Option<Value>,
}

impl Affected {
    /// The versions of all `fixed` events; empty when no fix is known.
    pub fn fixed_versions(&self) -> Vec<&str> {
        self.ranges.iter().flat_map(VersionRange::fixed).collect()
    }
}

/// A whole advisory.
#[derive(Debug, Clone, PartialEq)]
pub struct Advisory {
    pub id: String,
    /// The name of the source it was imported from (see [`SourceInfo::name`]).
    pub source: String,
    pub modified: Option<String>,
    pub published: Option<String>,
    /// Set when the advisory was withdrawn; [`Db::affected`] leaves withdrawn advisories out.
    pub withdrawn: Option<String>,
    pub summary: Option<String>,
    pub details: Option<String>,
    pub aliases: Vec<String>,
    pub related: Vec<String>,
    pub upstream: Vec<String>,
    /// Severity vectors or ratings (`CVSS_V3` vectors, Ubuntu priorities...).
    pub severity: Vec<Severity>,
    pub references: Vec<Reference>,
    pub database_specific: Option<Value>,
    pub affected: Vec<Affected>,
}

impl Advisory {
    /// The CVE ids of the advisory: its id, aliases and upstream ids that are CVE ids.
    pub fn cves(&self) -> impl Iterator<Item = &str> {
        std::iter::once(&self.id)
            .chain(&self.aliases)
            .chain(&self.upstream)
            .map(String::as_str)
            .filter(|s| crate::enrich::is_cve_id(s))
    }
}

/// A CVSS vector from the NVD or a CVE record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CvssVector {
    /// `2.0`, `3.0`, `3.1` or `4.0`.
    pub version: String,
    pub vector: String,
    /// Who scored it: `nvd@nist.gov`, a CNA or ADP short name (`CISA-ADP`)...
    pub origin: String,
    /// `Primary` or `Secondary` (NVD feed); `cna` or `adp` (CVE JSON 5 records).
    pub kind: String,
}

/// A FIRST EPSS score.
#[derive(Debug, Clone, PartialEq)]
pub struct Epss {
    pub cve: String,
    /// Probability of exploitation activity in the next 30 days, 0 to 1.
    pub score: f64,
    /// Rank among all scored CVEs, 0 to 1.
    pub percentile: f64,
    /// The `score_date` of the CSV.
    pub date: Option<String>,
    /// The `model_version` of the CSV.
    pub model: Option<String>,
}

/// An entry of CISA's Known Exploited Vulnerabilities catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kev {
    pub cve: String,
    pub date_added: String,
    pub due_date: Option<String>,
    /// `knownRansomwareCampaignUse` as written: `Known` or `Unknown`.
    pub ransomware: Option<String>,
    pub vendor: Option<String>,
    pub product: Option<String>,
    pub name: Option<String>,
    pub required_action: Option<String>,
}

impl Kev {
    /// True when CISA knows of ransomware campaigns using the vulnerability.
    pub fn known_ransomware(&self) -> bool {
        self.ransomware
            .as_deref()
            .is_some_and(|r| r.eq_ignore_ascii_case("known"))
    }
}

/// A record an import skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The source's name.
    pub source: String,
    /// Where in the source: a zip entry, a file, `line 12`, `vulnerabilities[3]`.
    pub place: String,
    /// The record's id when it could be read.
    pub id: Option<String>,
    pub reason: String,
}

const AFFECTED_COLUMNS: &str = "f.ecosystem, f.release, f.variant, f.ecosystem_raw, f.name, f.original_name, f.purl, \
                                f.ranges, f.versions, f.severity, f.urgency, f.ecosystem_specific, f.database_specific";

impl Db {
    /// Opens a database read-only. Fails with [`DbError::Missing`] when there is none, and with
    /// [`DbError::NewerSchema`] / [`DbError::OlderSchema`] when its schema is not this crate's.
    pub fn open(path: &Path) -> Result<Db, DbError> {
        if !path.exists() {
            return Err(DbError::Missing {
                path: path.to_path_buf(),
            });
        }
        let conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .map_err(|e| schema::not_a_database(path, e))?;
        schema::require_current(&conn, path)?;
        Ok(Db {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn sql(&self) -> impl FnOnce(rusqlite::Error) -> DbError + '_ {
        DbError::sqlite(&self.path)
    }

    /// Whether the database holds any (not withdrawn) advisory for `ecosystem`, in `release`
    /// when given: a distribution the database has no data for cannot have findings, and a
    /// scan must say so rather than report it clean.
    pub fn has_advisories(&self, ecosystem: &Ecosystem, release: Option<&str>) -> Result<bool, DbError> {
        self.conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM ecosystem_counts
                 WHERE ecosystem = ?1 AND (?2 IS NULL OR release = ?2) AND advisories > 0)",
            )
            .and_then(|mut stmt| stmt.query_row((ecosystem.as_str(), release), |r| r.get(0)))
            .map_err(self.sql())
    }

    /// The affected entries for a package, from advisories that are not withdrawn.
    ///
    /// `name` is normalised for the ecosystem here (callers may pass it as found). `release`
    /// selects one distribution release (`Some("12")` for `Debian:12`); `None` returns the
    /// entries of every release (and is what language ecosystems use). When the same advisory
    /// comes from several sources, only the copy with the latest `modified` is returned.
    pub fn affected(&self, ecosystem: &Ecosystem, release: Option<&str>, name: &str) -> Result<Vec<Affected>, DbError> {
        let name = ecosystem.normalise_name(name);
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT a.advisory_id, a.id, a.modified, {AFFECTED_COLUMNS}
                 FROM affected f JOIN advisories a ON a.id = f.advisory
                 WHERE f.ecosystem = ?1 AND f.name = ?2 AND (?3 IS NULL OR f.release = ?3) AND a.withdrawn IS NULL
                 ORDER BY a.advisory_id, a.id"
            ))
            .map_err(self.sql())?;
        let mut rows = stmt
            .query((ecosystem.as_str(), name.as_ref(), release))
            .map_err(self.sql())?;
        let mut found: Vec<(i64, Option<String>, Affected)> = Vec::new();
        while let Some(row) = rows.next().map_err(self.sql())? {
            let id: String = row.get(0).map_err(self.sql())?;
            let rowid: i64 = row.get(1).map_err(self.sql())?;
            let modified: Option<String> = row.get(2).map_err(self.sql())?;
            found.push((rowid, modified, self.affected_row(row, 3, id)?));
        }
        // Several copies of one advisory (from several sources): keep the newest copy's entries.
        let mut winner: HashMap<&str, (i64, Option<&str>)> = HashMap::new();
        for (rowid, modified, a) in &found {
            let entry = winner
                .entry(a.advisory_id.as_str())
                .or_insert((*rowid, modified.as_deref()));
            if newer(modified.as_deref(), *rowid, entry.1, entry.0) {
                *entry = (*rowid, modified.as_deref());
            }
        }
        let keep: Vec<bool> = found
            .iter()
            .map(|(rowid, _, a)| winner.get(a.advisory_id.as_str()).map(|w| w.0) == Some(*rowid))
            .collect();
        Ok(found
            .into_iter()
            .zip(keep)
            .filter(|(_, k)| *k)
            .map(|((_, _, a), _)| a)
            .collect())
    }

    fn affected_row(&self, row: &Row<'_>, at: usize, advisory_id: String) -> Result<Affected, DbError> {
        let text = |i: usize| {
            row.get::<_, Option<String>>(at + i)
                .map_err(DbError::sqlite(&self.path))
        };
        let base: String = row.get(at).map_err(self.sql())?;
        Ok(Affected {
            advisory_id,
            ecosystem: OsvEcosystem {
                base: Ecosystem::from_base(&base),
                release: text(1)?,
                variant: text(2)?,
            },
            ecosystem_raw: text(3)?.unwrap_or_default(),
            name: text(4)?.unwrap_or_default(),
            original_name: text(5)?.unwrap_or_default(),
            purl: text(6)?,
            ranges: self.json(text(7)?)?.unwrap_or_default(),
            versions: self.json(text(8)?)?.unwrap_or_default(),
            severity: self.json(text(9)?)?.unwrap_or_default(),
            urgency: text(10)?,
            ecosystem_specific: self.json(text(11)?)?,
            database_specific: self.json(text(12)?)?,
        })
    }

    /// Decodes a JSON column written by a build; a database edited by hand may hold anything.
    fn json<T: DeserializeOwned>(&self, text: Option<String>) -> Result<Option<T>, DbError> {
        match text {
            None => Ok(None),
            Some(t) => serde_json::from_str(&t).map(Some).map_err(|e| DbError::NotADatabase {
                path: self.path.clone(),
                reason: format!("corrupt JSON column: {e}"),
            }),
        }
    }

    /// An advisory by id (withdrawn ones included); the newest copy when several sources have it.
    pub fn advisory(&self, id: &str) -> Result<Option<Advisory>, DbError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT a.id, a.modified, s.name, a.published, a.withdrawn, a.summary, a.details, a.aliases,
                        a.related, a.upstream, a.severity, a.refs, a.database_specific
                 FROM advisories a JOIN sources s ON s.id = a.source_id WHERE a.advisory_id = ?1",
            )
            .map_err(self.sql())?;
        let mut rows = stmt.query([id]).map_err(self.sql())?;
        let mut best: Option<(i64, Advisory)> = None;
        while let Some(row) = rows.next().map_err(self.sql())? {
            let text = |i: usize| row.get::<_, Option<String>>(i).map_err(DbError::sqlite(&self.path));
            let rowid: i64 = row.get(0).map_err(self.sql())?;
            let advisory = Advisory {
                id: id.to_string(),
                modified: text(1)?,
                source: text(2)?.unwrap_or_default(),
                published: text(3)?,
                withdrawn: text(4)?,
                summary: text(5)?,
                details: text(6)?,
                aliases: self.json(text(7)?)?.unwrap_or_default(),
                related: self.json(text(8)?)?.unwrap_or_default(),
                upstream: self.json(text(9)?)?.unwrap_or_default(),
                severity: self.json(text(10)?)?.unwrap_or_default(),
                references: self.json(text(11)?)?.unwrap_or_default(),
                database_specific: self.json(text(12)?)?,
                affected: Vec::new(),
            };
            let better = match &best {
                None => true,
                Some((r, b)) => newer(advisory.modified.as_deref(), rowid, b.modified.as_deref(), *r),
            };
            if better {
                best = Some((rowid, advisory));
            }
        }
        drop(rows);
        let Some((rowid, mut advisory)) = best else {
            return Ok(None);
        };
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {AFFECTED_COLUMNS} FROM affected f WHERE f.advisory = ?1"
            ))
            .map_err(self.sql())?;
        let mut rows = stmt.query([rowid]).map_err(self.sql())?;
        while let Some(row) = rows.next().map_err(self.sql())? {
            advisory.affected.push(self.affected_row(row, 0, id.to_string())?);
        }
        Ok(Some(advisory))
    }

    /// The ids of the advisories that name `alias` (a CVE id, a GHSA id...) as an alias or upstream.
    pub fn by_alias(&self, alias: &str) -> Result<Vec<String>, DbError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT a.advisory_id FROM aliases al JOIN advisories a ON a.id = al.advisory
                 WHERE al.alias = ?1 ORDER BY a.advisory_id",
            )
            .map_err(self.sql())?;
        let rows = stmt.query_map([alias], |r| r.get(0)).map_err(self.sql())?;
        rows.collect::<Result<_, _>>().map_err(self.sql())
    }

    /// The EPSS score of a CVE (from the latest imported EPSS file).
    pub fn epss(&self, cve: &str) -> Result<Option<Epss>, DbError> {
        self.conn
            .prepare_cached(
                "SELECT cve, score, percentile, date, model FROM epss WHERE cve = ?1 ORDER BY source_id DESC LIMIT 1",
            )
            .and_then(|mut s| {
                s.query_row([cve], |r| {
                    Ok(Epss {
                        cve: r.get(0)?,
                        score: r.get(1)?,
                        percentile: r.get(2)?,
                        date: r.get(3)?,
                        model: r.get(4)?,
                    })
                })
                .optional()
            })
            .map_err(self.sql())
    }

    /// The KEV entry of a CVE, if CISA lists it.
    pub fn kev(&self, cve: &str) -> Result<Option<Kev>, DbError> {
        self.conn
            .prepare_cached(
                "SELECT cve, date_added, due_date, ransomware, vendor, product, name, required_action
                 FROM kev WHERE cve = ?1 ORDER BY source_id DESC LIMIT 1",
            )
            .and_then(|mut s| {
                s.query_row([cve], |r| {
                    Ok(Kev {
                        cve: r.get(0)?,
                        date_added: r.get(1)?,
                        due_date: r.get(2)?,
                        ransomware: r.get(3)?,
                        vendor: r.get(4)?,
                        product: r.get(5)?,
                        name: r.get(6)?,
                        required_action: r.get(7)?,
                    })
                })
                .optional()
            })
            .map_err(self.sql())
    }

    /// The CVSS vectors the NVD (or CVE records) give for a CVE, the most recently imported source
    /// first, then newest CVSS version first. Identical vectors from several sources appear once.
    pub fn nvd_cvss(&self, cve: &str) -> Result<Vec<CvssVector>, DbError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT version, vector, origin, kind FROM nvd_cvss WHERE cve = ?1
                 ORDER BY source_id DESC, version DESC, rowid",
            )
            .map_err(self.sql())?;
        let rows = stmt
            .query_map([cve], |r| {
                Ok(CvssVector {
                    version: r.get(0)?,
                    vector: r.get(1)?,
                    origin: r.get(2)?,
                    kind: r.get(3)?,
                })
            })
            .map_err(self.sql())?;
        let mut out: Vec<CvssVector> = Vec::new();
        for v in rows {
            let v = v.map_err(self.sql())?;
            if !out.iter().any(|o| o.vector == v.vector && o.origin == v.origin) {
                out.push(v);
            }
        }
        Ok(out)
    }
}

/// Whether copy `a` of an advisory is newer than copy `b`: by `modified` (RFC 3339, compared as
/// instants), then by insertion order.
fn newer(a_modified: Option<&str>, a_rowid: i64, b_modified: Option<&str>, b_rowid: i64) -> bool {
    let parse = |s: Option<&str>| {
        s.and_then(|s| time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok())
    };
    match parse(a_modified).cmp(&parse(b_modified)) {
        Ordering::Greater => true,
        Ordering::Less => false,
        Ordering::Equal => a_rowid > b_rowid,
    }
}
