//! Enrichment feeds: NVD CVSS vectors (CVE JSON 5 records, NVD API 2.0 feeds), FIRST EPSS scores,
//! CISA KEV entries. Imported from files by `vigil db import`, which tells them apart by content.
//!
//! Large JSON documents (a yearly NVD feed is hundreds of megabytes) are streamed: the array of
//! items is read one item at a time, so memory holds one item, not the document. An item of the
//! wrong shape is skipped and listed; a document that is not well-formed JSON fails the import.

pub(crate) mod epss;
pub(crate) mod kev;
pub(crate) mod nvd;

use std::fmt;
use std::io::Read;

use serde::de::{DeserializeSeed, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserializer as _;
use serde_json::{Map, Value};

use crate::DbError;

/// True for a CVE id: `CVE-`, a four-digit year, `-`, four or more digits.
pub fn is_cve_id(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("CVE-") else {
        return false;
    };
    let Some((year, number)) = rest.split_once('-') else {
        return false;
    };
    year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && (4..=19).contains(&number.len())
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// Streams the array at top-level key `field` of a JSON object, calling `each(index, item)` for
/// each item. Returns the top-level keys listed in `keep` (small scalars such as a catalogue
/// version), or an error when the document is not well-formed or has no such array.
pub(crate) fn stream_array<F>(
    reader: impl Read,
    label: &str,
    field: &str,
    keep: &[&str],
    mut each: F,
) -> Result<Map<String, Value>, DbError>
where
    F: FnMut(usize, Value) -> Result<(), DbError>,
{
    let mut kept = Map::new();
    let mut failure = None;
    let mut found = false;
    let mut de = serde_json::Deserializer::from_reader(reader);
    let top = Top {
        field,
        keep,
        each: &mut each,
        kept: &mut kept,
        failure: &mut failure,
        found: &mut found,
    };
    let parsed = de.deserialize_map(top).and_then(|()| de.end());
    if let Some(stopped) = failure {
        return Err(stopped);
    }
    parsed.map_err(|e| DbError::input(label, format!("malformed JSON: {e}")))?;
    if !found {
        return Err(DbError::input(label, format!("no \"{field}\" array")));
    }
    Ok(kept)
}

struct Top<'f, F> {
    field: &'f str,
    keep: &'f [&'f str],
    each: &'f mut F,
    kept: &'f mut Map<String, Value>,
    failure: &'f mut Option<DbError>,
    found: &'f mut bool,
}

impl<'de, F: FnMut(usize, Value) -> Result<(), DbError>> Visitor<'de> for Top<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == self.field {
                *self.found = true;
                map.next_value_seed(Items {
                    each: &mut *self.each,
                    failure: &mut *self.failure,
                })?;
            } else if self.keep.contains(&key.as_str()) {
                let value: Value = map.next_value()?;
                self.kept.insert(key, value);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct Items<'f, F> {
    each: &'f mut F,
    failure: &'f mut Option<DbError>,
}

impl<'de, F: FnMut(usize, Value) -> Result<(), DbError>> DeserializeSeed<'de> for Items<'_, F> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(usize, Value) -> Result<(), DbError>> Visitor<'de> for Items<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while let Some(item) = seq.next_element::<Value>()? {
            if let Err(e) = (self.each)(index, item) {
                *self.failure = Some(e);
                return Err(A::Error::custom("import stopped"));
            }
            index += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cve_ids() {
        assert!(is_cve_id("CVE-2021-44228"));
        assert!(is_cve_id("CVE-2024-1234567"));
        assert!(!is_cve_id("CVE-2021-123"));
        assert!(!is_cve_id("cve-2021-44228"));
        assert!(!is_cve_id("GHSA-jfh8-c2jp-5v3q"));
        assert!(!is_cve_id("CVE-21-44228"));
    }

    #[test]
    fn streams_items_and_keeps_scalars() {
        let doc = br#"{"title": "t", "big": {"x": [1, 2]}, "items": [{"a": 1}, 2, "three"], "version": "1.0"}"#;
        let mut seen = Vec::new();
        let kept = stream_array(&doc[..], "doc", "items", &["version"], |i, v| {
            seen.push((i, v));
            Ok(())
        })
        .expect("should succeed");
        assert_eq!(seen.len(), 3);
        assert_eq!(seen[2], (2, Value::String("three".into())));
        assert_eq!(kept.get("version"), Some(&Value::String("1.0".into())));
        assert!(!kept.contains_key("title"));
    }

    #[test]
    fn broken_documents_and_stopping() {
        let err =
            stream_array(&br#"{"items": [1, 2"#[..], "doc", "items", &[], |_, _| Ok(())).expect_err("should fail");
        assert!(err.to_string().starts_with("doc: malformed JSON"), "{err}");
        let err = stream_array(&br#"{"other": []}"#[..], "doc", "items", &[], |_, _| Ok(())).expect_err("should fail");
        assert_eq!(err.to_string(), "doc: no \"items\" array");
        let err = stream_array(&br#"{"items": [1, 2]}"#[..], "doc", "items", &[], |_, _| {
            Err(DbError::input("x", "stop"))
        })
        .expect_err("should fail");
        assert_eq!(err.to_string(), "x: stop");
    }
}
