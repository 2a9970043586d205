//! From the bytes of one OSV record to a record the store accepts, or the reason it is skipped.
//!
//! Skipped (the whole record, with the reason): malformed JSON; JSON that is not an OSV record
//! (wrong types); a missing or unusable id; an affected entry without a usable package or
//! ecosystem; a range of unknown type (not `ECOSYSTEM`, `SEMVER` or `GIT`); a range without
//! events, without an `introduced` event, or with an event that is not exactly one of
//! `introduced` / `fixed` / `last_affected` / `limit`; an event version that fails the
//! [`VersionCheck`] for its ecosystem.
//!
//! Not errors: `GIT` ranges (they name commits; they are dropped), and affected entries that only
//! have `GIT` ranges and no explicit versions (dropped: nothing in them can match a package).

use serde::Deserialize;
use serde_json::Value;

use crate::check::{RangeKind, VersionCheck};
use crate::ecosystem::OsvEcosystem;
use crate::osv::{Event, Record, Severity, VersionRange};

/// A record that passed every check.
#[derive(Debug, Clone)]
pub(crate) struct ValidRecord {
    pub id: String,
    /// The record, with `affected` moved into [`ValidRecord::affected`].
    pub record: Record,
    pub affected: Vec<ValidAffected>,
}

/// An affected entry that passed every check.
#[derive(Debug, Clone)]
pub(crate) struct ValidAffected {
    pub ecosystem: OsvEcosystem,
    pub ecosystem_raw: String,
    pub name: String,
    pub normalised: String,
    pub purl: Option<String>,
    pub ranges: Vec<VersionRange>,
    pub versions: Vec<String>,
    pub severity: Vec<Severity>,
    pub urgency: Option<String>,
    pub ecosystem_specific: Option<Value>,
    pub database_specific: Option<Value>,
}

/// Why a record was skipped, with its id when it could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Invalid {
    pub id: Option<String>,
    pub reason: String,
}

/// Longest id accepted.
const MAX_ID_LEN: usize = 256;

/// Parses and checks one OSV record.
pub(crate) fn validate(bytes: &[u8], check: VersionCheck) -> Result<ValidRecord, Invalid> {
    let mut record: Record = match serde_json::from_slice(bytes) {
        Ok(r) => r,
        Err(e) => {
            let reason = if e.is_data() {
                format!("not an OSV record: {e}")
            } else {
                format!("malformed JSON: {e}")
            };
            return Err(Invalid {
                id: id_of(bytes),
                reason,
            });
        }
    };
    let id = match record.id.take() {
        None => {
            return Err(Invalid {
                id: None,
                reason: "missing id".into(),
            })
        }
        Some(id) if id.trim().is_empty() => {
            return Err(Invalid {
                id: None,
                reason: "empty id".into(),
            })
        }
        Some(id) if id.len() > MAX_ID_LEN || id.chars().any(|c| c.is_whitespace() || c.is_control()) => {
            return Err(Invalid {
                id: None,
                reason: format!("unusable id {:?}", truncate(&id)),
            });
        }
        Some(id) => id,
    };
    let fail = |reason: String| Invalid {
        id: Some(id.clone()),
        reason,
    };
    let mut affected = Vec::with_capacity(record.affected.len());
    for (i, entry) in std::mem::take(&mut record.affected).into_iter().enumerate() {
        let has_version_ranges = entry.ranges.iter().any(|r| r.kind != "GIT");
        let Some(package) = entry.package else {
            if has_version_ranges || !entry.versions.is_empty() {
                return Err(fail(format!("affected[{i}] has versions but no package")));
            }
            continue;
        };
        let ecosystem = OsvEcosystem::parse(&package.ecosystem).map_err(|e| fail(format!("affected[{i}]: {e}")))?;
        if package.name.trim().is_empty() || package.name.chars().any(char::is_control) {
            return Err(fail(format!(
                "affected[{i}]: unusable package name {:?}",
                truncate(&package.name)
            )));
        }
        let mut ranges = Vec::with_capacity(entry.ranges.len());
        for (j, range) in entry.ranges.iter().enumerate() {
            let at = format!("affected[{i}].ranges[{j}]");
            let kind = match range.kind.as_str() {
                "ECOSYSTEM" => RangeKind::Ecosystem,
                "SEMVER" => RangeKind::Semver,
                "GIT" => continue,
                other => return Err(fail(format!("{at}: unknown range type {:?}", truncate(other)))),
            };
            if range.events.is_empty() {
                return Err(fail(format!("{at}: no events")));
            }
            let mut events = Vec::with_capacity(range.events.len());
            for (k, raw) in range.events.iter().enumerate() {
                let event = raw.event().ok_or_else(|| {
                    fail(format!(
                        "{at}.events[{k}]: an event must have exactly one of introduced, fixed, last_affected, limit"
                    ))
                })?;
                if !event.is_unbounded() {
                    check(&package.ecosystem, kind, event.version()).map_err(|why| {
                        fail(format!(
                            "{at}: {} version {:?} is not a valid {} version: {why}",
                            event_name(&event),
                            truncate(event.version()),
                            package.ecosystem
                        ))
                    })?;
                }
                events.push(event);
            }
            if !events.iter().any(|e| matches!(e, Event::Introduced(_))) {
                return Err(fail(format!("{at}: no introduced event")));
            }
            ranges.push(VersionRange { kind, events });
        }
        if ranges.is_empty() && entry.versions.is_empty() && has_git_only(&entry.ranges) {
            continue;
        }
        let urgency = [&entry.ecosystem_specific, &entry.database_specific]
            .into_iter()
            .flatten()
            .find_map(|v| v.get("urgency").and_then(Value::as_str))
            .map(str::to_string);
        affected.push(ValidAffected {
            normalised: ecosystem.base.normalise_name(&package.name).into_owned(),
            ecosystem,
            ecosystem_raw: package.ecosystem,
            name: package.name,
            purl: package.purl,
            ranges,
            versions: entry.versions,
            severity: entry.severity,
            urgency,
            ecosystem_specific: entry.ecosystem_specific,
            database_specific: entry.database_specific,
        });
    }
    Ok(ValidRecord { id, record, affected })
}

fn has_git_only(ranges: &[crate::osv::Range]) -> bool {
    !ranges.is_empty() && ranges.iter().all(|r| r.kind == "GIT")
}

fn event_name(e: &Event) -> &'static str {
    match e {
        Event::Introduced(_) => "introduced",
        Event::Fixed(_) => "fixed",
        Event::LastAffected(_) => "last_affected",
        Event::Limit(_) => "limit",
    }
}

/// Keeps hostile strings in reasons short.
fn truncate(s: &str) -> String {
    const MAX: usize = 80;
    match s.char_indices().nth(MAX) {
        // `at` is a char boundary of `s` (from `char_indices`).
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

/// The id of a record that failed to parse as OSV, when the JSON itself is readable.
fn id_of(bytes: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct IdOnly {
        id: Option<String>,
    }
    serde_json::from_slice::<IdOnly>(bytes)
        .ok()
        .and_then(|r| r.id)
        .map(|id| truncate(&id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::basic_version_check;

    fn check(json: &str) -> Result<ValidRecord, Invalid> {
        validate(json.as_bytes(), basic_version_check)
    }

    #[test]
    fn git_ranges_are_dropped_and_git_only_entries_too() {
        let rec = check(
            r#"{"id": "PYSEC-1", "affected": [
                {"package": {"ecosystem": "PyPI", "name": "Flask_Cors"},
                 "ranges": [{"type": "GIT", "repo": "https://x", "events": [{"introduced": "abc"}]},
                            {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.9"}]}]},
                {"package": {"ecosystem": "PyPI", "name": "other"},
                 "ranges": [{"type": "GIT", "repo": "https://x", "events": [{"introduced": "abc"}]}]},
                {"ranges": [{"type": "GIT", "repo": "https://y", "events": [{"introduced": "0"}]}]}]}"#,
        )
        .expect("should succeed");
        assert_eq!(rec.id, "PYSEC-1");
        assert_eq!(rec.affected.len(), 1);
        assert_eq!(rec.affected[0].normalised, "flask-cors");
        assert_eq!(rec.affected[0].ranges.len(), 1);
        assert_eq!(rec.affected[0].ranges[0].kind, RangeKind::Ecosystem);
    }

    #[test]
    fn each_kind_of_bad_record_has_its_reason() {
        let reason = |json: &str| check(json).expect_err("should fail");
        assert!(reason(r#"{"id": "X-1", "affected": [}"#)
            .reason
            .starts_with("malformed JSON"));
        let wrong = reason(r#"{"id": "X-2", "aliases": 5}"#);
        assert_eq!(wrong.id.as_deref(), Some("X-2"));
        assert!(wrong.reason.starts_with("not an OSV record"), "{}", wrong.reason);
        assert_eq!(reason(r#"{"summary": "no id"}"#).reason, "missing id");
        let range = |r: &str| {
            reason(&format!(
                r#"{{"id": "X-3", "affected": [{{"package": {{"ecosystem": "npm", "name": "a"}}, "ranges": [{r}]}}]}}"#
            ))
            .reason
        };
        assert_eq!(
            range(r#"{"type": "DATE", "events": [{"introduced": "0"}]}"#),
            "affected[0].ranges[0]: unknown range type \"DATE\""
        );
        assert_eq!(
            range(r#"{"type": "SEMVER", "events": []}"#),
            "affected[0].ranges[0]: no events"
        );
        assert!(range(r#"{"type": "SEMVER", "events": [{"introduced": "0", "fixed": "1"}]}"#).contains("exactly one"));
        assert_eq!(
            range(r#"{"type": "SEMVER", "events": [{"fixed": "1.0.0"}]}"#),
            "affected[0].ranges[0]: no introduced event"
        );
        assert_eq!(
            range(r#"{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.0 beta"}]}"#),
            "affected[0].ranges[0]: fixed version \"1.0 beta\" is not a valid npm version: version contains ' '"
        );
        let no_package = reason(r#"{"id": "X-4", "affected": [{"versions": ["1.0"]}]}"#);
        assert_eq!(no_package.reason, "affected[0] has versions but no package");
        assert!(
            reason(r#"{"id": "X-5", "affected": [{"package": {"ecosystem": "", "name": "a"}}]}"#)
                .reason
                .contains("empty")
        );
    }

    #[test]
    fn urgency_and_special_values() {
        let rec = check(
            r#"{"id": "DEBIAN-CVE-2023-0001", "affected": [{"package": {"ecosystem": "Debian:12", "name": "zlib"},
                "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"limit": "*"}]}],
                "ecosystem_specific": {"urgency": "unimportant"}}]}"#,
        )
        .expect("should succeed");
        assert_eq!(rec.affected[0].urgency.as_deref(), Some("unimportant"));
        assert_eq!(rec.affected[0].ecosystem.release.as_deref(), Some("12"));
    }
}
