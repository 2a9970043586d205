//! SPDX 2.3 JSON.
//!
//! One SPDX package describes the scanned image (`CONTAINER`) or directory (`FILE`); the
//! document `DESCRIBES` it and it `CONTAINS` every package (`LIBRARY`) and the distribution
//! (`OPERATING_SYSTEM`, as SPDX 2.3's JSON schema spells it). Each package carries its purl as a
//! `PACKAGE-MANAGER` external reference and where it was found in `sourceInfo`. Declared
//! licences become an SPDX expression when every part is a known SPDX identifier; other
//! licences become `LicenseRef-` identifiers defined in `hasExtractedLicensingInfos`.

mod decode;

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;
use vigil_types::{Distro, Package};

use crate::license::{is_compound, sanitize_idstring, License};
use crate::model::normalized_timestamp;
use crate::{EncodeOptions, Format, Sbom, SbomError};

pub(crate) use decode::decode;

const NOASSERTION: &str = "NOASSERTION";
const DOCUMENT_ID: &str = "SPDXRef-DOCUMENT";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    spdx_version: &'static str,
    data_license: &'static str,
    #[serde(rename = "SPDXID")]
    spdx_id: &'static str,
    name: String,
    document_namespace: String,
    creation_info: CreationInfo,
    packages: Vec<SpdxPackage>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    has_extracted_licensing_infos: Vec<ExtractedLicense>,
    relationships: Vec<Relationship>,
}

#[derive(Serialize)]
struct CreationInfo {
    created: String,
    creators: Vec<String>,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct SpdxPackage {
    name: String,
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_info: Option<String>,
    download_location: &'static str,
    files_analyzed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_info: Option<String>,
    license_concluded: &'static str,
    license_declared: String,
    copyright_text: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    external_refs: Vec<ExternalRef>,
    primary_package_purpose: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalRef {
    reference_category: &'static str,
    reference_type: &'static str,
    reference_locator: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExtractedLicense {
    license_id: String,
    extracted_text: String,
    name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    spdx_element_id: String,
    related_spdx_element: String,
    relationship_type: &'static str,
}

pub(crate) fn encode(sbom: &Sbom, options: EncodeOptions) -> Result<Vec<u8>, SbomError> {
    let doc = build(sbom)?;
    let r = if options.compact {
        serde_json::to_vec(&doc)
    } else {
        serde_json::to_vec_pretty(&doc)
    };
    r.map_err(|e| SbomError::Unencodable {
        format: Format::SpdxJson,
        message: e.to_string(),
    })
}

/// Unique SPDX identifiers: `SPDXRef-` plus a sanitized idstring, suffixed on collision.
#[derive(Default)]
struct Ids(HashSet<String>);

impl Ids {
    fn make(&mut self, parts: &[&str]) -> String {
        let base = format!("SPDXRef-{}", sanitize_idstring(&parts.join("-")));
        let mut id = base.clone();
        let mut n = 1;
        while self.0.contains(&id) {
            n += 1;
            id = format!("{base}-{n}");
        }
        self.0.insert(id.clone());
        id
    }
}

/// The `LicenseRef-` identifiers used so far, with the licence each stands for.
#[derive(Default)]
struct LicenseRefs {
    by_name: BTreeMap<String, String>,
    used: HashSet<String>,
    defined: Vec<ExtractedLicense>,
}

impl LicenseRefs {
    fn reference(&mut self, name: &str) -> String {
        if let Some(id) = self.by_name.get(name) {
            return id.clone();
        }
        let base = format!("LicenseRef-{}", sanitize_idstring(name));
        let mut id = base.clone();
        let mut n = 1;
        while self.used.contains(&id) {
            n += 1;
            id = format!("{base}-{n}");
        }
        self.used.insert(id.clone());
        self.by_name.insert(name.to_string(), id.clone());
        self.defined.push(ExtractedLicense {
            license_id: id.clone(),
            extracted_text: name.to_string(),
            name: name.to_string(),
        });
        id
    }

    /// `licenseDeclared` for a package's declared licences: the parts joined with `AND`.
    fn declared(&mut self, declared: &[String]) -> String {
        let classified: Vec<(License, &str)> = declared
            .iter()
            .filter_map(|s| License::classify(s).map(|l| (l, s.trim())))
            .collect();
        let several = classified.len() > 1;
        let mut parts: Vec<String> = Vec::new();
        for (l, raw) in classified {
            let part = match l {
                License::Id(id) => id.to_string(),
                License::Expression(e) if several && is_compound(&e) => format!("({e})"),
                License::Expression(e) => e,
                License::Name(_) => self.reference(raw),
            };
            if !parts.contains(&part) {
                parts.push(part);
            }
        }
        if parts.is_empty() {
            NOASSERTION.to_string()
        } else {
            parts.join(" AND ")
        }
    }
}

/// A URI unique to this document: the project's address, the kind of source, its name, a uuid.
fn namespace(sbom: &Sbom, name: &str) -> String {
    let repo = env!("CARGO_PKG_REPOSITORY");
    let base = if repo.starts_with("https://") || repo.starts_with("http://") {
        repo.trim_end_matches('/')
    } else {
        "https://vigil.invalid"
    };
    let kind = if sbom.is_directory() { "dir" } else { "image" };
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '/') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let clean = clean.trim_matches('/');
    format!("{base}/spdx/{kind}/{clean}-{}", uuid::Uuid::new_v4())
}

fn build(sbom: &Sbom) -> Result<Document, SbomError> {
    let created = normalized_timestamp(&sbom.created).ok_or_else(|| SbomError::Unencodable {
        format: Format::SpdxJson,
        message: format!(
            "SPDX requires a creation time, and the SBOM's `created` ({:?}) is not an RFC 3339 time",
            sbom.created
        ),
    })?;
    let s = &sbom.source;
    let name = if s.name.is_empty() { &s.input } else { &s.name };
    let name = if name.is_empty() { "unknown" } else { name.as_str() };
    let mut ids = Ids::default();
    ids.0.insert(DOCUMENT_ID.to_string());
    let mut refs = LicenseRefs::default();

    let directory = sbom.is_directory();
    let root_id = ids.make(&["DocumentRoot", if directory { "Directory" } else { "Image" }, name]);
    let mut packages = vec![SpdxPackage {
        name: name.to_string(),
        spdx_id: root_id.clone(),
        version_info: if directory {
            None
        } else {
            s.image_id
                .as_ref()
                .or(s.manifest_digest.as_ref())
                .map(ToString::to_string)
        },
        primary_package_purpose: if directory { "FILE" } else { "CONTAINER" },
        ..no_assertion()
    }];
    let mut relationships = vec![Relationship {
        spdx_element_id: DOCUMENT_ID.to_string(),
        related_spdx_element: root_id.clone(),
        relationship_type: "DESCRIBES",
    }];
    for p in &sbom.packages {
        let pkg = package(p, &mut ids, &mut refs);
        relationships.push(contains(&root_id, &pkg.spdx_id));
        packages.push(pkg);
    }
    if let Some(d) = &sbom.distro {
        let pkg = os_package(d, &mut ids);
        relationships.push(contains(&root_id, &pkg.spdx_id));
        packages.push(pkg);
    }
    let tool = if sbom.tool.version.is_empty() {
        sbom.tool.name.clone()
    } else {
        format!("{}-{}", sbom.tool.name, sbom.tool.version)
    };
    Ok(Document {
        spdx_version: "SPDX-2.3",
        data_license: "CC0-1.0",
        spdx_id: DOCUMENT_ID,
        name: name.to_string(),
        document_namespace: namespace(sbom, name),
        creation_info: CreationInfo {
            created,
            creators: vec![format!("Tool: {tool}"), "Organization: Vigil".to_string()],
        },
        packages,
        has_extracted_licensing_infos: refs.defined,
        relationships,
    })
}

fn no_assertion() -> SpdxPackage {
    SpdxPackage {
        download_location: NOASSERTION,
        files_analyzed: false,
        license_concluded: NOASSERTION,
        license_declared: NOASSERTION.to_string(),
        copyright_text: NOASSERTION,
        ..SpdxPackage::default()
    }
}

fn contains(root: &str, element: &str) -> Relationship {
    Relationship {
        spdx_element_id: root.to_string(),
        related_spdx_element: element.to_string(),
        relationship_type: "CONTAINS",
    }
}

fn package(p: &Package, ids: &mut Ids, refs: &mut LicenseRefs) -> SpdxPackage {
    let paths: Vec<&str> = p.locations.iter().map(|l| l.path.as_str()).collect();
    let found_by = if p.found_by.is_empty() {
        "an unnamed cataloger"
    } else {
        &p.found_by
    };
    let source_info = if paths.is_empty() {
        format!("acquired package info from {found_by}")
    } else {
        format!("acquired package info from {found_by}: {}", paths.join(", "))
    };
    SpdxPackage {
        name: p.name.clone(),
        spdx_id: ids.make(&["Package", p.ty.as_str(), &p.name, &p.id]),
        version_info: (!p.version.is_empty()).then(|| p.version.clone()),
        source_info: Some(source_info),
        license_declared: refs.declared(&p.licenses),
        external_refs: vec![ExternalRef {
            reference_category: "PACKAGE-MANAGER",
            reference_type: "purl",
            reference_locator: p.purl.to_string(),
        }],
        primary_package_purpose: "LIBRARY",
        ..no_assertion()
    }
}

fn os_package(d: &Distro, ids: &mut Ids) -> SpdxPackage {
    SpdxPackage {
        name: d.id.clone(),
        spdx_id: ids.make(&["OperatingSystem", &d.id, &d.version_id]),
        version_info: (!d.version_id.is_empty()).then(|| d.version_id.clone()),
        description: (!d.pretty_name.is_empty()).then(|| d.pretty_name.clone()),
        primary_package_purpose: "OPERATING_SYSTEM",
        ..no_assertion()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spdx_ids_are_sanitized_and_unique() {
        let mut ids = Ids::default();
        assert_eq!(
            ids.make(&["Package", "npm", "@babel/core", "0123abcd"]),
            "SPDXRef-Package-npm--babel-core-0123abcd"
        );
        assert_eq!(
            ids.make(&["Package", "npm", "@babel/core", "0123abcd"]),
            "SPDXRef-Package-npm--babel-core-0123abcd-2"
        );
        assert_eq!(
            ids.make(&["Package", "deb", "libstdc++6", "x"]),
            "SPDXRef-Package-deb-libstdc--6-x"
        );
    }

    #[test]
    fn declared_licences_become_expressions_or_license_refs() {
        let s = |v: &[&str]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
        let mut refs = LicenseRefs::default();
        assert_eq!(refs.declared(&s(&["MIT"])), "MIT");
        assert_eq!(refs.declared(&s(&[])), "NOASSERTION");
        assert_eq!(refs.declared(&s(&["  "])), "NOASSERTION");
        assert_eq!(
            refs.declared(&s(&["GPL-2.0-or-later", "MIT OR Apache-2.0"])),
            "GPL-2.0-or-later AND (MIT OR Apache-2.0)"
        );
        assert_eq!(
            refs.declared(&s(&["GPL-2+", "BSD-3-Clause"])),
            "LicenseRef-GPL-2- AND BSD-3-Clause"
        );
        // The same name reuses its reference; a different name that sanitizes alike gets its own.
        assert_eq!(refs.declared(&s(&["GPL-2+"])), "LicenseRef-GPL-2-");
        assert_eq!(refs.declared(&s(&["GPL-2 "])), "LicenseRef-GPL-2");
        assert_eq!(refs.declared(&s(&["GPL-2*"])), "LicenseRef-GPL-2--2");
        let defined: Vec<(&str, &str)> = refs
            .defined
            .iter()
            .map(|d| (d.license_id.as_str(), d.name.as_str()))
            .collect();
        assert_eq!(
            defined,
            vec![
                ("LicenseRef-GPL-2-", "GPL-2+"),
                ("LicenseRef-GPL-2", "GPL-2"),
                ("LicenseRef-GPL-2--2", "GPL-2*")
            ]
        );
    }
}
