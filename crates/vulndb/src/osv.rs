//! The OSV schema (<https://ossf.github.io/osv-schema/>) as serde types.
//!
//! Lenient where real feeds vary: unknown fields are ignored, `null` is accepted for every list
//! (crates.io writes `"schema_version": null`, some converters `"aliases": null`), and free-form
//! objects (`ecosystem_specific`, `database_specific`) are kept as JSON. Strict where matching
//! depends on it: range types, events and versions are checked by the importer
//! (`import::validate`), which turns a [`Range`] into a [`VersionRange`].

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

pub use crate::check::RangeKind;

/// One OSV record (one advisory).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Record {
    #[serde(default)]
    pub schema_version: Option<String>,
    /// Required by the schema; a record without one is skipped by the importer.
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub modified: Option<String>,
    #[serde(default)]
    pub published: Option<String>,
    #[serde(default)]
    pub withdrawn: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub aliases: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub related: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub upstream: Vec<String>,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub details: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub severity: Vec<Severity>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub affected: Vec<Affected>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub references: Vec<Reference>,
    #[serde(default)]
    pub database_specific: Option<Value>,
}

/// `severity[]`: a scoring system and its score (for CVSS, the vector string).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Severity {
    #[serde(rename = "type")]
    pub kind: SeverityType,
    pub score: String,
}

/// `severity[].type`. Types this crate does not know are kept by name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SeverityType {
    CvssV2,
    CvssV3,
    CvssV4,
    /// Ubuntu's priority (`negligible`, `low`, `medium`, `high`, `critical`).
    Ubuntu,
    Other(String),
}

impl SeverityType {
    /// The OSV spelling.
    pub fn as_str(&self) -> &str {
        match self {
            SeverityType::CvssV2 => "CVSS_V2",
            SeverityType::CvssV3 => "CVSS_V3",
            SeverityType::CvssV4 => "CVSS_V4",
            SeverityType::Ubuntu => "Ubuntu",
            SeverityType::Other(s) => s,
        }
    }

    fn from_osv(s: &str) -> Self {
        match s {
            "CVSS_V2" => SeverityType::CvssV2,
            "CVSS_V3" => SeverityType::CvssV3,
            "CVSS_V4" => SeverityType::CvssV4,
            "Ubuntu" => SeverityType::Ubuntu,
            other => SeverityType::Other(other.to_string()),
        }
    }
}

impl Serialize for SeverityType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SeverityType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(SeverityType::from_osv(&s))
    }
}

/// `affected[]`: one package and the versions of it the advisory affects.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Affected {
    /// Optional in the schema only for entries that affect a repository (GIT ranges) rather than a
    /// package.
    #[serde(default)]
    pub package: Option<Package>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub severity: Vec<Severity>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub ranges: Vec<Range>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub versions: Vec<String>,
    #[serde(default)]
    pub ecosystem_specific: Option<Value>,
    #[serde(default)]
    pub database_specific: Option<Value>,
}

/// `affected[].package`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Package {
    pub ecosystem: String,
    pub name: String,
    #[serde(default)]
    pub purl: Option<String>,
}

/// `affected[].ranges[]` as written. The type is kept as a string so that an unknown one is a
/// reason to skip the record, not a parse error.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Range {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub repo: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub events: Vec<RangeEvent>,
    #[serde(default)]
    pub database_specific: Option<Value>,
}

/// `events[]` as written: the schema requires exactly one of the four fields.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RangeEvent {
    #[serde(default)]
    pub introduced: Option<String>,
    #[serde(default)]
    pub fixed: Option<String>,
    #[serde(default)]
    pub last_affected: Option<String>,
    #[serde(default)]
    pub limit: Option<String>,
}

impl RangeEvent {
    /// The single event this object holds, or `None` when it holds none or several.
    pub fn event(&self) -> Option<Event> {
        let mut found = None;
        let candidates = [
            self.introduced.as_ref().map(|v| Event::Introduced(v.clone())),
            self.fixed.as_ref().map(|v| Event::Fixed(v.clone())),
            self.last_affected.as_ref().map(|v| Event::LastAffected(v.clone())),
            self.limit.as_ref().map(|v| Event::Limit(v.clone())),
        ];
        for event in candidates.into_iter().flatten() {
            if found.is_some() {
                return None;
            }
            found = Some(event);
        }
        found
    }
}

/// `references[]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Reference {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    pub url: String,
}

/// One checked range event. Serialises in the OSV shape: `{"introduced": "1.2.0"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Versions from this one on are affected; `"0"` means from the first version.
    Introduced(String),
    /// This version and later ones are not affected.
    Fixed(String),
    /// This version is the last affected one (there may be no fix).
    LastAffected(String),
    /// An upper bound for the range (`"*"`: none); used by GIT ranges mostly.
    Limit(String),
}

impl Event {
    /// The event's version.
    pub fn version(&self) -> &str {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
        }
    }

    /// True for the special values that are not versions: `introduced: "0"` and `limit: "*"`.
    pub fn is_unbounded(&self) -> bool {
        matches!(self, Event::Introduced(v) if v == "0") || matches!(self, Event::Limit(v) if v == "*")
    }
}

/// A checked `ECOSYSTEM` or `SEMVER` range: what the store keeps and returns. (GIT ranges name
/// commits, not versions; the importer drops them.)
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct VersionRange {
    #[serde(rename = "type")]
    pub kind: RangeKind,
    pub events: Vec<Event>,
}

impl VersionRange {
    /// The versions of the `fixed` events.
    pub fn fixed(&self) -> impl Iterator<Item = &str> {
        self.events.iter().filter_map(|e| match e {
            Event::Fixed(v) => Some(v.as_str()),
            _ => None,
        })
    }
}

/// Accepts `null` for a field as its default (an empty list).
fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nulls_unknown_fields_and_severity_types() {
        let rec: Record = serde_json::from_str(
            r#"{"schema_version": null, "id": "X-1", "aliases": null, "credits": [{"name": "a"}],
                "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N"}, {"type": "Ubuntu", "score": "medium"},
                             {"type": "NEW", "score": "9"}],
                "affected": [{"package": {"ecosystem": "PyPI", "name": "a"}, "versions": null,
                              "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1"}]}]}]}"#,
        )
        .expect("should succeed");
        assert_eq!(rec.id.as_deref(), Some("X-1"));
        assert!(rec.aliases.is_empty());
        let kinds: Vec<_> = rec.severity.iter().map(|s| s.kind.as_str()).collect();
        assert_eq!(kinds, ["CVSS_V3", "Ubuntu", "NEW"]);
        let events: Vec<_> = rec.affected[0].ranges[0].events.iter().map(RangeEvent::event).collect();
        assert_eq!(
            events,
            [Some(Event::Introduced("0".into())), Some(Event::Fixed("1".into()))]
        );
    }

    #[test]
    fn an_event_must_hold_exactly_one_field() {
        let two: RangeEvent = serde_json::from_str(r#"{"introduced": "1", "fixed": "2"}"#).expect("should succeed");
        assert_eq!(two.event(), None);
        let none: RangeEvent = serde_json::from_str(r#"{}"#).expect("should succeed");
        assert_eq!(none.event(), None);
    }

    #[test]
    fn version_ranges_serialise_in_the_osv_shape() {
        let range = VersionRange {
            kind: RangeKind::Semver,
            events: vec![Event::Introduced("0".into()), Event::LastAffected("1.2.3".into())],
        };
        let json = serde_json::to_string(&range).expect("should succeed");
        assert_eq!(
            json,
            r#"{"type":"SEMVER","events":[{"introduced":"0"},{"last_affected":"1.2.3"}]}"#
        );
        assert_eq!(
            serde_json::from_str::<VersionRange>(&json).expect("should succeed"),
            range
        );
        assert!(range.events[0].is_unbounded());
    }
}
