//! `--vex FILE`: OpenVEX documents (<https://github.com/openvex/spec>).
//!
//! A statement says what is true of a vulnerability in products: `not_affected` (with a
//! `justification` or an `impact_statement`), `affected`, `fixed` or `under_investigation`.
//! `not_affected` and `fixed` suppress the findings they cover; when several statements cover
//! one finding, the latest (statement `timestamp`, else the document's; then the later
//! statement) decides, so a later `affected` undoes an earlier `not_affected`.
//!
//! A statement covers a finding when its vulnerability (`name`, `@id`, `aliases`) is the
//! finding's id or an alias, and one of its products
//! - is the package's purl (type, namespace, name; the version and each qualifier only when the
//!   statement's purl has them), or
//! - is the scanned image (a `pkg:oci` purl whose version is the image's digest, or the image's
//!   name or tag) and either lists the package among its `subcomponents` or lists none (then the
//!   whole image is covered).
//!
//! Both the current shape (objects with `@id`, `identifiers.purl`, `subcomponents`) and OpenVEX
//! 0.0.1's (a vulnerability string, product strings, statement-level `subcomponents`) are read.

use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use vigil_types::Purl;

use super::SuppressError;
use crate::finding::Finding;

/// Largest VEX document read.
pub const MAX_VEX_FILE: u64 = 32 << 20;

/// A statement's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VexStatus {
    NotAffected,
    Affected,
    Fixed,
    UnderInvestigation,
}

impl VexStatus {
    fn parse(s: &str) -> Option<VexStatus> {
        Some(match s.trim() {
            "not_affected" => VexStatus::NotAffected,
            "affected" => VexStatus::Affected,
            "fixed" => VexStatus::Fixed,
            "under_investigation" => VexStatus::UnderInvestigation,
            _ => return None,
        })
    }

    /// `not_affected`, `affected`, `fixed`, `under_investigation`.
    pub fn as_str(self) -> &'static str {
        match self {
            VexStatus::NotAffected => "not_affected",
            VexStatus::Affected => "affected",
            VexStatus::Fixed => "fixed",
            VexStatus::UnderInvestigation => "under_investigation",
        }
    }

    /// Whether the status takes a finding out of the results.
    pub fn suppresses(self) -> bool {
        matches!(self, VexStatus::NotAffected | VexStatus::Fixed)
    }
}

/// One OpenVEX document.
#[derive(Debug, Clone, PartialEq)]
pub struct VexDocument {
    /// Where it came from (the file name).
    pub source: String,
    /// The document's `@id`.
    pub id: Option<String>,
    pub author: Option<String>,
    pub timestamp: Option<OffsetDateTime>,
    pub statements: Vec<VexStatement>,
}

/// One statement.
#[derive(Debug, Clone, PartialEq)]
pub struct VexStatement {
    /// Position in the document, from 0.
    pub index: usize,
    /// The vulnerability's identifiers: `name`, `@id`, `aliases`.
    pub vulnerability: Vec<String>,
    pub products: Vec<VexProduct>,
    pub status: VexStatus,
    pub justification: Option<String>,
    pub impact_statement: Option<String>,
    pub timestamp: Option<OffsetDateTime>,
}

/// A product of a statement.
#[derive(Debug, Clone, PartialEq)]
pub struct VexProduct {
    /// `@id` and `identifiers.purl`.
    pub ids: Vec<String>,
    pub subcomponents: Vec<String>,
}

/// What the scanned image is called, for products that name it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageIdentity {
    /// Names and tags as written (`alpine:3.19`, `docker.io/library/alpine:3.19`).
    pub names: Vec<String>,
    /// Digests (`sha256:…`): the image id, the manifest digest.
    pub digests: Vec<String>,
}

impl ImageIdentity {
    fn is(&self, id: &str) -> bool {
        let id = id.trim();
        if id.is_empty() {
            return false;
        }
        if let Ok(p) = Purl::from_str(id) {
            if !matches!(p.ty.as_str(), "oci" | "docker") {
                return false;
            }
            return match &p.version {
                Some(v) => self.digests.iter().any(|d| d.eq_ignore_ascii_case(v)),
                None => self.names.iter().any(|n| repo_last_segment(n) == p.name),
            };
        }
        self.names.iter().any(|n| n == id) || self.digests.iter().any(|d| id.ends_with(&format!("@{d}")))
    }
}

/// `docker.io/library/alpine:3.19` → `alpine`.
fn repo_last_segment(name: &str) -> &str {
    let no_digest = name.split('@').next().unwrap_or(name);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    last.split(':').next().unwrap_or(last)
}

impl VexDocument {
    /// Reads an OpenVEX JSON document.
    pub fn load(path: &Path) -> Result<VexDocument, SuppressError> {
        let text = super::read_capped(path, MAX_VEX_FILE)?;
        VexDocument::parse(&text, &path.display().to_string())
    }

    /// Parses an OpenVEX JSON document; `source` names it in errors and reports.
    pub fn parse(text: &str, source: &str) -> Result<VexDocument, SuppressError> {
        let err = |message: String| SuppressError::Invalid {
            input: source.to_string(),
            message,
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let v: Value = serde_json::from_str(text).map_err(|e| err(format!("JSON: {e}")))?;
        let Some(doc) = v.as_object() else {
            return Err(err("not a JSON object".into()));
        };
        let context = doc.get("@context").and_then(Value::as_str).unwrap_or("");
        if !context.starts_with("https://openvex.dev/ns") {
            return Err(err(format!(
                "not an OpenVEX document (@context is {context:?}, expected https://openvex.dev/ns/...)"
            )));
        }
        let timestamp = time_of(doc.get("timestamp")).map_err(&err)?;
        let statements = match doc.get("statements") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, s)| statement(i, s).map_err(|m| err(format!("statements[{i}]: {m}"))))
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(err("\"statements\" must be a list".into())),
        };
        Ok(VexDocument {
            source: source.to_string(),
            id: str_of(doc.get("@id")),
            author: str_of(doc.get("author")),
            timestamp,
            statements,
        })
    }
}

fn str_of(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn time_of(v: Option<&Value>) -> Result<Option<OffsetDateTime>, String> {
    match str_of(v) {
        None => Ok(None),
        Some(s) => OffsetDateTime::parse(&s, &time::format_description::well_known::Rfc3339)
            .map(Some)
            .map_err(|_| format!("timestamp {s:?} is not an RFC 3339 time")),
    }
}

/// A product or subcomponent: a string (0.0.1) or an object with `@id` / `identifiers.purl`.
fn component_ids(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.trim().to_string()],
        Value::Object(o) => {
            let mut ids: Vec<String> = str_of(o.get("@id")).into_iter().collect();
            if let Some(p) = o.get("identifiers").and_then(|i| str_of(i.get("purl"))) {
                ids.push(p);
            }
            ids
        }
        _ => Vec::new(),
    }
}

fn list<'v>(v: Option<&'v Value>, what: &str) -> Result<&'v [Value], String> {
    match v {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(format!("\"{what}\" must be a list")),
    }
}

fn statement(index: usize, v: &Value) -> Result<VexStatement, String> {
    let o = v.as_object().ok_or("not an object")?;
    let vulnerability: Vec<String> = match o.get("vulnerability") {
        Some(Value::String(s)) => vec![s.trim().to_string()],
        Some(Value::Object(vo)) => {
            let mut ids: Vec<String> = [str_of(vo.get("name")), str_of(vo.get("@id"))]
                .into_iter()
                .flatten()
                .collect();
            for a in list(vo.get("aliases"), "aliases")? {
                if let Some(s) = a.as_str() {
                    ids.push(s.trim().to_string());
                }
            }
            ids
        }
        _ => Vec::new(),
    };
    let vulnerability: Vec<String> = vulnerability.into_iter().filter(|s| !s.is_empty()).collect();
    if vulnerability.is_empty() {
        return Err("no vulnerability name".into());
    }
    let status_text = str_of(o.get("status")).ok_or("no status")?;
    let status = VexStatus::parse(&status_text).ok_or_else(|| format!("unknown status {status_text:?}"))?;
    let shared_subs: Vec<String> = list(o.get("subcomponents"), "subcomponents")?
        .iter()
        .flat_map(component_ids)
        .collect();
    let mut products = Vec::new();
    for p in list(o.get("products"), "products")? {
        let mut subcomponents: Vec<String> = match p {
            Value::Object(po) => list(po.get("subcomponents"), "subcomponents")?
                .iter()
                .flat_map(component_ids)
                .collect(),
            _ => Vec::new(),
        };
        subcomponents.extend(shared_subs.iter().cloned());
        products.push(VexProduct {
            ids: component_ids(p),
            subcomponents,
        });
    }
    Ok(VexStatement {
        index,
        vulnerability,
        products,
        status,
        justification: str_of(o.get("justification")),
        impact_statement: str_of(o.get("impact_statement")),
        timestamp: time_of(o.get("timestamp"))?,
    })
}

impl VexStatement {
    /// Whether the statement speaks of the finding's vulnerability.
    pub fn names(&self, f: &Finding) -> bool {
        self.vulnerability.iter().any(|v| {
            // `@id` is often a URL ending in the id: https://nvd.nist.gov/vuln/detail/CVE-2019-17571.
            let last = v.rsplit('/').next().unwrap_or(v);
            f.has_id(v) || f.has_id(last)
        })
    }

    /// Whether the statement covers the finding's package in this image.
    pub fn covers(&self, f: &Finding, image: &ImageIdentity) -> bool {
        let Ok(pkg) = Purl::from_str(&f.package.purl) else {
            return false;
        };
        self.products.iter().any(|p| {
            p.ids.iter().any(|id| purl_covers(id, &pkg))
                || (p.ids.iter().any(|id| image.is(id))
                    && (p.subcomponents.is_empty() || p.subcomponents.iter().any(|s| purl_covers(s, &pkg))))
        })
    }
}

/// Whether the purl `stated` covers the package purl `pkg`: same type, namespace and name; the
/// version and each qualifier only when `stated` has them.
pub(crate) fn purl_covers(stated: &str, pkg: &Purl) -> bool {
    let Ok(s) = Purl::from_str(stated.trim()) else {
        return false;
    };
    let norm = |p: &Purl, name: &str| -> String {
        if p.ty == "pypi" {
            name.to_ascii_lowercase().replace('_', "-")
        } else {
            name.to_string()
        }
    };
    s.ty == pkg.ty
        && s.namespace.as_deref().map(str::to_ascii_lowercase) == pkg.namespace.as_deref().map(str::to_ascii_lowercase)
        && norm(&s, &s.name) == norm(pkg, &pkg.name)
        && s.version.as_ref().is_none_or(|v| pkg.version.as_ref() == Some(v))
        && s.qualifiers.iter().all(|(k, v)| pkg.qualifiers.get(k) == Some(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls_cover_by_identity_version_and_stated_qualifiers() {
        let pkg: Purl = "pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12"
            .parse()
            .expect("purl");
        assert!(purl_covers("pkg:deb/debian/openssl@3.0.11-1~deb12u2", &pkg));
        assert!(purl_covers("pkg:deb/debian/openssl", &pkg), "no version: every version");
        assert!(purl_covers("pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64", &pkg));
        assert!(!purl_covers("pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=arm64", &pkg));
        assert!(!purl_covers("pkg:deb/debian/openssl@3.0.9-1", &pkg));
        assert!(!purl_covers("pkg:deb/ubuntu/openssl", &pkg));
        assert!(!purl_covers("not a purl", &pkg));
        let py: Purl = "pkg:pypi/pyyaml@5.3".parse().expect("purl");
        assert!(purl_covers("pkg:pypi/PyYAML@5.3", &py));
    }

    #[test]
    fn images_are_named_by_digest_or_name() {
        let img = ImageIdentity {
            names: vec!["ghcr.io/acme/app:1.2".into()],
            digests: vec!["sha256:abc".into()],
        };
        assert!(img.is("pkg:oci/app@sha256%3Aabc?repository_url=ghcr.io/acme/app"));
        assert!(img.is("pkg:oci/app"));
        assert!(!img.is("pkg:oci/app@sha256%3Adef"));
        assert!(img.is("ghcr.io/acme/app:1.2"));
        assert!(img.is("ghcr.io/acme/app@sha256:abc"));
        assert!(!img.is("pkg:deb/debian/app"));
    }

    #[test]
    fn documents_old_and_new_shapes_and_errors() {
        let new = r#"{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://x/vex-1",
            "author": "Acme", "timestamp": "2024-01-01T00:00:00Z", "version": 1,
            "statements": [{"vulnerability": {"@id": "https://nvd.nist.gov/vuln/detail/CVE-2024-1", "name": "CVE-2024-1", "aliases": ["GHSA-aaaa-bbbb-cccc"]},
              "products": [{"@id": "pkg:oci/app@sha256%3Aabc", "subcomponents": [{"@id": "pkg:pypi/django"}]}],
              "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]}"#;
        let d = VexDocument::parse(new, "a.vex.json").expect("valid");
        assert_eq!(d.statements.len(), 1);
        let s = &d.statements[0];
        assert_eq!(
            s.vulnerability,
            [
                "CVE-2024-1",
                "https://nvd.nist.gov/vuln/detail/CVE-2024-1",
                "GHSA-aaaa-bbbb-cccc"
            ]
        );
        assert_eq!(s.products[0].subcomponents, ["pkg:pypi/django"]);
        let old = r#"{"@context": "https://openvex.dev/ns", "statements": [{"vulnerability": "CVE-2024-2",
            "products": ["pkg:npm/lodash@4.17.11"], "subcomponents": ["pkg:npm/x"], "status": "fixed"}]}"#;
        let d = VexDocument::parse(old, "b").expect("valid");
        assert_eq!(d.statements[0].products[0].ids, ["pkg:npm/lodash@4.17.11"]);
        assert_eq!(d.statements[0].status, VexStatus::Fixed);
        let e = |t: &str| {
            VexDocument::parse(t, "c")
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert!(e(r#"{"bomFormat": "CycloneDX"}"#).contains("not an OpenVEX document"));
        assert!(e(
            r#"{"@context": "https://openvex.dev/ns", "statements": [{"vulnerability": "CVE-1", "status": "maybe"}]}"#
        )
        .contains("statements[0]: unknown status"));
        assert!(
            e(r#"{"@context": "https://openvex.dev/ns", "statements": [{"status": "fixed"}]}"#)
                .contains("no vulnerability")
        );
        assert!(e("[1, 2").contains("JSON"));
    }
}
