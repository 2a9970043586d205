//! CycloneDX 1.6 JSON.
//!
//! Written as Syft writes it, so that tools reading Syft's CycloneDX read ours: the scanned
//! image (`container`) or directory (`file`) is `metadata.component`; each package is a
//! `library` component whose `bom-ref` is the package id; the distribution is an
//! `operating-system` component (name = `ID`, version = `VERSION_ID`); facts CycloneDX has no
//! field for are `vigil:` properties (`vigil:package:type`, `vigil:package:foundBy`,
//! `vigil:location:0:path`, `vigil:location:0:layerID`, `vigil:metadata:<key>`, ...).
//!
//! Not written: the files a package owns, the image configuration and the unknowns (vigil-json
//! has them all), and `dependencies` (Vigil records none yet).

mod decode;

use std::collections::HashSet;

use serde::Serialize;
use vigil_types::{Digest, Distro, Package};

use crate::license::{is_compound, License};
use crate::model::normalized_timestamp;
use crate::{EncodeOptions, Format, Sbom, SbomError};

pub(crate) use decode::decode;

pub(crate) const SPEC_VERSION: &str = "1.6";
const SCHEMA_URI: &str = "http://cyclonedx.org/schema/bom-1.6.schema.json";

/// Property-name prefix for Vigil's facts.
pub(crate) const NS: &str = "vigil";

#[derive(Serialize)]
struct Bom {
    #[serde(rename = "$schema")]
    schema: &'static str,
    #[serde(rename = "bomFormat")]
    bom_format: &'static str,
    #[serde(rename = "specVersion")]
    spec_version: &'static str,
    #[serde(rename = "serialNumber")]
    serial_number: String,
    version: u32,
    metadata: Metadata,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    components: Vec<Component>,
}

#[derive(Serialize)]
struct Metadata {
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp: Option<String>,
    tools: Tools,
    component: Component,
}

#[derive(Serialize)]
struct Tools {
    components: Vec<Component>,
}

#[derive(Serialize, Default)]
struct Component {
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    bom_ref: Option<String>,
    #[serde(rename = "type")]
    ty: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<String>,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licenses: Vec<LicenseChoice>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purl: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<Property>,
}

#[derive(Serialize, Debug, PartialEq, Eq)]
#[serde(untagged)]
enum LicenseChoice {
    License { license: LicenseRef },
    Expression { expression: String },
}

#[derive(Serialize, Debug, PartialEq, Eq)]
struct LicenseRef {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

#[derive(Serialize)]
struct Property {
    name: String,
    value: String,
}

/// Collects properties, skipping empty values.
#[derive(Default)]
struct Props(Vec<Property>);

impl Props {
    fn add(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let value = value.into();
        if !value.is_empty() {
            self.0.push(Property {
                name: name.into(),
                value,
            });
        }
    }
}

pub(crate) fn encode(sbom: &Sbom, options: EncodeOptions) -> Result<Vec<u8>, SbomError> {
    let bom = build(sbom);
    let r = if options.compact {
        serde_json::to_vec(&bom)
    } else {
        serde_json::to_vec_pretty(&bom)
    };
    r.map_err(|e| SbomError::Unencodable {
        format: Format::CycloneDxJson,
        message: e.to_string(),
    })
}

/// A CycloneDX 1.6 BOM of an SBOM as a JSON value, for documents that extend it (a scan
/// report adds `vulnerabilities`), with the `bom-ref` of each package.
#[derive(Debug, Clone, PartialEq)]
pub struct CycloneDxBom {
    /// The document, as [`crate::encode`] writes it for [`Format::CycloneDxJson`].
    pub document: serde_json::Value,
    /// The `bom-ref` of each package, in [`Sbom::packages`] order.
    pub package_refs: Vec<String>,
}

/// The CycloneDX BOM of `sbom` as a JSON value and its packages' `bom-ref`s.
pub fn cyclonedx_bom(sbom: &Sbom) -> Result<CycloneDxBom, SbomError> {
    let bom = build(sbom);
    let package_refs = bom
        .components
        .iter()
        .take(sbom.packages.len())
        .map(|c| c.bom_ref.clone().unwrap_or_default())
        .collect();
    let document = serde_json::to_value(&bom).map_err(|e| SbomError::Unencodable {
        format: Format::CycloneDxJson,
        message: e.to_string(),
    })?;
    Ok(CycloneDxBom { document, package_refs })
}

fn build(sbom: &Sbom) -> Bom {
    let root = root_component(sbom);
    let mut used_refs: HashSet<String> = HashSet::new();
    if let Some(r) = &root.bom_ref {
        used_refs.insert(r.clone());
    }
    let mut components = Vec::with_capacity(sbom.packages.len() + 1);
    for p in &sbom.packages {
        let mut c = package_component(p);
        c.bom_ref = Some(unique_ref(&mut used_refs, &p.id));
        components.push(c);
    }
    if let Some(d) = &sbom.distro {
        let mut c = os_component(d);
        c.bom_ref = c.bom_ref.map(|r| unique_ref(&mut used_refs, &r));
        components.push(c);
    }
    Bom {
        schema: SCHEMA_URI,
        bom_format: "CycloneDX",
        spec_version: SPEC_VERSION,
        serial_number: format!("urn:uuid:{}", uuid::Uuid::new_v4()),
        version: 1,
        metadata: Metadata {
            timestamp: normalized_timestamp(&sbom.created),
            tools: Tools {
                components: vec![Component {
                    ty: "application",
                    author: Some("Vigil".to_string()),
                    name: sbom.tool.name.clone(),
                    version: non_empty(&sbom.tool.version),
                    ..Component::default()
                }],
            },
            component: root,
        },
        components,
    }
}

/// `want`, or `want-2`, `want-3`, ... when it is taken: bom-refs must be unique in a BOM.
fn unique_ref(used: &mut HashSet<String>, want: &str) -> String {
    let base = if want.is_empty() { "package" } else { want };
    let mut candidate = base.to_string();
    let mut n = 1;
    while used.contains(&candidate) {
        n += 1;
        candidate = format!("{base}-{n}");
    }
    used.insert(candidate.clone());
    candidate
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// The image or directory the SBOM describes.
fn root_component(sbom: &Sbom) -> Component {
    let s = &sbom.source;
    let name = if s.name.is_empty() { &s.input } else { &s.name };
    let key = format!("{}\0{}\0{}", s.scheme, s.input, name);
    let bom_ref = Digest::sha256_of(key.as_bytes()).hex()[..16].to_string();
    let mut props = Props::default();
    props.add(format!("{NS}:source:scheme"), &s.scheme);
    props.add(format!("{NS}:source:input"), &s.input);
    for (i, t) in s.tags.iter().enumerate() {
        props.add(format!("{NS}:source:tag:{i}"), t);
    }
    if let Some(id) = &s.image_id {
        props.add(format!("{NS}:image:id"), id.to_string());
    }
    if let Some(d) = &s.manifest_digest {
        props.add(format!("{NS}:image:manifestDigest"), d.to_string());
    }
    props.add(format!("{NS}:image:platform"), &s.platform);
    if s.size > 0 {
        props.add(format!("{NS}:source:size"), s.size.to_string());
    }
    for l in &sbom.layers {
        let k = format!("{NS}:image:layer:{}", l.index);
        props.add(format!("{k}:diffID"), l.diff_id.to_string());
        if let Some(d) = &l.digest {
            props.add(format!("{k}:digest"), d.to_string());
        }
        props.add(format!("{k}:size"), l.size.to_string());
        props.add(format!("{k}:uncompressedSize"), l.uncompressed_size.to_string());
        props.add(format!("{k}:entries"), l.entries.to_string());
        props.add(format!("{k}:mediaType"), &l.media_type);
        props.add(format!("{k}:createdBy"), &l.created_by);
    }
    let directory = sbom.is_directory();
    Component {
        bom_ref: Some(bom_ref),
        ty: if directory { "file" } else { "container" },
        name: if name.is_empty() {
            "unknown".to_string()
        } else {
            name.clone()
        },
        version: if directory {
            None
        } else {
            s.image_id
                .as_ref()
                .or(s.manifest_digest.as_ref())
                .map(ToString::to_string)
        },
        properties: props.0,
        ..Component::default()
    }
}

fn package_component(p: &Package) -> Component {
    let mut props = Props::default();
    props.add(format!("{NS}:package:foundBy"), &p.found_by);
    props.add(format!("{NS}:package:type"), p.ty.as_str());
    if let Some(l) = &p.layer {
        props.add(format!("{NS}:package:layerID"), l.to_string());
    }
    for (i, loc) in p.locations.iter().enumerate() {
        props.add(format!("{NS}:location:{i}:path"), &loc.path);
        if let Some(l) = &loc.layer {
            props.add(format!("{NS}:location:{i}:layerID"), l.to_string());
        }
    }
    for (k, v) in &p.metadata {
        props.add(format!("{NS}:metadata:{k}"), v);
    }
    Component {
        ty: "library",
        name: p.name.clone(),
        version: non_empty(&p.version),
        licenses: licenses(&p.licenses),
        purl: Some(p.purl.to_string()),
        properties: props.0,
        ..Component::default()
    }
}

fn os_component(d: &Distro) -> Component {
    let mut props = Props::default();
    props.add(format!("{NS}:distro:id"), &d.id);
    for (i, like) in d.id_like.iter().enumerate() {
        props.add(format!("{NS}:distro:idLike:{i}"), like);
    }
    props.add(format!("{NS}:distro:name"), &d.name);
    props.add(format!("{NS}:distro:prettyName"), &d.pretty_name);
    props.add(format!("{NS}:distro:versionCodename"), &d.version_codename);
    props.add(format!("{NS}:distro:versionID"), &d.version_id);
    let bom_ref = if d.version_id.is_empty() {
        format!("os:{}", d.id)
    } else {
        format!("os:{}@{}", d.id, d.version_id)
    };
    Component {
        bom_ref: Some(bom_ref),
        ty: "operating-system",
        name: d.id.clone(),
        version: non_empty(&d.version_id),
        description: non_empty(&d.pretty_name),
        properties: props.0,
        ..Component::default()
    }
}

/// CycloneDX allows either license objects or one expression, not both. Known SPDX ids become
/// `{license: {id}}`, other names `{license: {name}}`; a valid SPDX expression is written as
/// `{expression}` when every licence of the package fits in one expression, and as a name
/// otherwise.
fn licenses(declared: &[String]) -> Vec<LicenseChoice> {
    let classified: Vec<(License, &str)> = declared
        .iter()
        .filter_map(|s| License::classify(s).map(|l| (l, s.trim())))
        .collect();
    let has_expression = classified.iter().any(|(l, _)| matches!(l, License::Expression(_)));
    let has_name = classified.iter().any(|(l, _)| matches!(l, License::Name(_)));
    if has_expression && !has_name {
        let mut parts: Vec<String> = Vec::new();
        for (l, _) in &classified {
            let part = match l {
                License::Id(id) => (*id).to_string(),
                License::Expression(e) if classified.len() > 1 && is_compound(e) => {
                    format!("({e})")
                }
                License::Expression(e) => e.clone(),
                License::Name(_) => continue,
            };
            if !parts.contains(&part) {
                parts.push(part);
            }
        }
        return vec![LicenseChoice::Expression {
            expression: parts.join(" AND "),
        }];
    }
    let mut out: Vec<LicenseChoice> = Vec::new();
    for (l, raw) in classified {
        let license = match l {
            License::Id(id) => LicenseRef {
                id: Some(id),
                name: None,
            },
            // An expression among free-form names: kept as the package wrote it.
            License::Expression(_) | License::Name(_) => LicenseRef {
                id: None,
                name: Some(raw.to_string()),
            },
        };
        let choice = LicenseChoice::License { license };
        if !out.contains(&choice) {
            out.push(choice);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[LicenseChoice]) -> Vec<String> {
        v.iter()
            .map(|c| match c {
                LicenseChoice::License { license } => match (&license.id, &license.name) {
                    (Some(id), _) => format!("id:{id}"),
                    (None, Some(n)) => format!("name:{n}"),
                    (None, None) => "empty".to_string(),
                },
                LicenseChoice::Expression { expression } => format!("expr:{expression}"),
            })
            .collect()
    }

    #[test]
    fn licences_become_ids_names_or_one_expression() {
        let s = |v: &[&str]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
        assert_eq!(
            names(&licenses(&s(&["mit", "GPL-2+", "MIT"]))),
            vec!["id:MIT", "name:GPL-2+"]
        );
        assert_eq!(
            names(&licenses(&s(&["MIT OR Apache-2.0"]))),
            vec!["expr:MIT OR Apache-2.0"]
        );
        assert_eq!(
            names(&licenses(&s(&["BSD-3-Clause", "MIT OR Apache-2.0"]))),
            vec!["expr:BSD-3-Clause AND (MIT OR Apache-2.0)"]
        );
        assert_eq!(
            names(&licenses(&s(&["MIT OR Apache-2.0", "Public Domain", ""]))),
            vec!["name:MIT OR Apache-2.0", "name:Public Domain"]
        );
        assert!(licenses(&[]).is_empty());
    }

    #[test]
    fn the_bom_value_names_each_packages_ref() {
        use vigil_types::{Location, PackageType, Purl, SourceInfo};
        let mut sbom = Sbom::new_at(SourceInfo::default(), "2024-01-01T00:00:00Z");
        let p = Package::new(
            PackageType::Npm,
            "a",
            "1.0.0",
            Purl::new("npm", "a", "1.0.0"),
            Location::new("/app/node_modules/a/package.json", None),
            "test",
        );
        sbom.packages = vec![p.clone(), p.clone()];
        let bom = cyclonedx_bom(&sbom).expect("encodes");
        assert_eq!(bom.package_refs, [p.id.clone(), format!("{}-2", p.id)]);
        assert_eq!(bom.document["components"][1]["bom-ref"], bom.package_refs[1].as_str());
        assert_eq!(bom.document["specVersion"], "1.6");
    }

    #[test]
    fn bom_refs_are_made_unique() {
        let mut used = HashSet::new();
        assert_eq!(unique_ref(&mut used, "abc"), "abc");
        assert_eq!(unique_ref(&mut used, "abc"), "abc-2");
        assert_eq!(unique_ref(&mut used, "abc"), "abc-3");
        assert_eq!(unique_ref(&mut used, ""), "package");
    }
}
