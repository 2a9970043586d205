//! One source being imported: routes each record to its parser, writes it or lists it as skipped,
//! and keeps the counts.

use std::collections::HashSet;

use serde::de::IgnoredAny;
use serde::Deserialize;

use super::validate::validate;
use super::{ImportOptions, Progress, SourceReport};
use crate::enrich;
use crate::store::build::Builder;
use crate::store::write::{SourceCounts, SourceMeta};
use crate::store::{CvssVector, Epss, Kev, Skipped};
use crate::DbError;

/// Skipped records kept in a [`SourceReport`] (all are listed in the database, up to the cap).
const REPORT_SAMPLE: usize = 50;

/// Progress is reported every this many records.
const PROGRESS_EVERY: u64 = 1024;

pub(crate) struct Run<'a, 'o> {
    builder: &'a mut Builder,
    pub(crate) options: &'a ImportOptions<'o>,
    source: i64,
    meta: SourceMeta,
    counts: SourceCounts,
    seen: HashSet<String>,
    sample: Vec<Skipped>,
}

impl<'a, 'o> Run<'a, 'o> {
    pub(crate) fn new(
        builder: &'a mut Builder,
        options: &'a ImportOptions<'o>,
        meta: SourceMeta,
    ) -> Result<Self, DbError> {
        let source = builder.add_source(&meta)?;
        Ok(Run {
            builder,
            options,
            source,
            meta,
            counts: SourceCounts::default(),
            seen: HashSet::new(),
            sample: Vec::new(),
        })
    }

    /// One record of a container (a zip entry, a file of a directory, a JSON line, a single file):
    /// an OSV record, or a CVE JSON 5 record (its CVSS vectors go to the NVD table).
    pub(crate) fn record(&mut self, bytes: &[u8], place: &str) -> Result<(), DbError> {
        if is_cve5(bytes) {
            return match enrich::nvd::parse_cve5(bytes) {
                Ok((cve, vectors)) => self.cvss(&cve, &vectors),
                Err(invalid) => self.skip(place, invalid.id, invalid.reason),
            };
        }
        match validate(bytes, self.options.version_check) {
            Ok(record) => {
                if !self.seen.insert(record.id.clone()) {
                    self.counts.duplicates += 1;
                    return Ok(());
                }
                self.builder.advisory(self.source, &record)?;
                self.accepted();
                Ok(())
            }
            Err(invalid) => self.skip(place, invalid.id, invalid.reason),
        }
    }

    /// A record larger than the cap, skipped unread.
    pub(crate) fn too_large(&mut self, place: &str, size: u64) -> Result<(), DbError> {
        let cap = self.options.limits.max_record_bytes;
        self.skip(
            place,
            None,
            format!("record of {size} bytes exceeds the cap of {cap} bytes"),
        )
    }

    /// Counts a skipped record and lists it (up to the cap).
    pub(crate) fn skip(&mut self, place: &str, id: Option<String>, reason: String) -> Result<(), DbError> {
        self.counts.skipped += 1;
        let skipped = Skipped {
            source: self.meta.name.clone(),
            place: place.to_string(),
            id,
            reason,
        };
        if self.counts.skipped <= self.options.limits.max_skipped_listed {
            self.builder.skipped(self.source, &skipped)?;
        }
        if self.sample.len() < REPORT_SAMPLE {
            self.sample.push(skipped);
        }
        Ok(())
    }

    /// CVSS vectors for a CVE (one accepted record).
    pub(crate) fn cvss(&mut self, cve: &str, vectors: &[CvssVector]) -> Result<(), DbError> {
        for v in vectors {
            self.builder.cvss(self.source, cve, v)?;
        }
        self.accepted();
        Ok(())
    }

    pub(crate) fn epss(&mut self, row: &Epss) -> Result<(), DbError> {
        self.builder.epss(self.source, row)?;
        self.accepted();
        Ok(())
    }

    pub(crate) fn kev(&mut self, row: &Kev) -> Result<(), DbError> {
        self.builder.kev(self.source, row)?;
        self.accepted();
        Ok(())
    }

    fn accepted(&mut self) {
        self.counts.records += 1;
        if self.counts.records.is_multiple_of(PROGRESS_EVERY) {
            self.progress();
        }
    }

    fn progress(&self) {
        if let Some(progress) = self.options.progress {
            progress(&Progress::Importing {
                source: &self.meta.name,
                records: self.counts.records,
                skipped: self.counts.skipped,
            });
        }
    }

    /// Stores the counts; returns the source's report.
    pub(crate) fn finish(self) -> Result<SourceReport, DbError> {
        self.progress();
        self.builder.set_source_counts(self.source, self.counts)?;
        Ok(SourceReport {
            name: self.meta.name,
            kind: self.meta.kind,
            location: self.meta.location,
            records: self.counts.records,
            skipped: self.counts.skipped,
            duplicates: self.counts.duplicates,
            skipped_sample: self.sample,
        })
    }
}

/// True for a CVE JSON 5 record (a top-level `cveMetadata`). Malformed JSON is not: it goes to the
/// OSV parser, whose error names the problem.
fn is_cve5(bytes: &[u8]) -> bool {
    #[derive(Deserialize)]
    struct Probe {
        #[serde(rename = "cveMetadata")]
        cve_metadata: Option<IgnoredAny>,
    }
    serde_json::from_slice::<Probe>(bytes).is_ok_and(|p| p.cve_metadata.is_some())
}
