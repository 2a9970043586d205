//! Reading SPDX 2.x JSON (Vigil's or another tool's) into the model.
//!
//! The package the document `DESCRIBES` is the source; a package whose purpose is
//! `OPERATING_SYSTEM` is the distro; every other package with a `purl` external reference is a
//! package, typed by its purl. `sourceInfo` in the form `acquired package info from <who>:
//! <paths>` (Vigil's and Syft's) gives the cataloger and the locations.

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use vigil_types::{Distro, Location, Package, Purl, SourceInfo};

use crate::format::type_from_purl;
use crate::format::walk::{Cx, Node};
use crate::license::split_top_level_and;
use crate::model::normalized_timestamp;
use crate::{Format, Sbom, SbomError, Tool, SCHEMA_VERSION, TOOL_NAME};

pub(crate) fn decode(value: &Value, name: &str) -> Result<Sbom, SbomError> {
    let cx = Cx {
        input: name,
        format: Format::SpdxJson,
    };
    let root = Node::root(value);
    root.as_object(&cx)?;
    let version = root.str_field("spdxVersion", &cx)?;
    let minor = version.strip_prefix("SPDX-2.").and_then(|m| m.parse::<u32>().ok());
    if !matches!(minor, Some(2..)) {
        return Err(SbomError::UnsupportedVersion {
            input: name.to_string(),
            format: Format::SpdxJson,
            version: version.to_string(),
            supported: "SPDX 2.2 and 2.3",
        });
    }

    let (tool, created) = match root.get("creationInfo") {
        Some(ci) => read_creation_info(&ci, &cx)?,
        None => (None, String::new()),
    };
    let tool = tool.unwrap_or(Tool {
        name: "unknown".to_string(),
        version: String::new(),
    });
    let ours = tool.name == TOOL_NAME;

    let mut described: HashSet<&str> = HashSet::new();
    for d in root.items_of("documentDescribes", &cx)? {
        described.insert(d.as_str(&cx)?);
    }
    let doc_id = root.opt_str("SPDXID", &cx)?.unwrap_or("SPDXRef-DOCUMENT");
    for r in root.items_of("relationships", &cx)? {
        let ty = r.opt_str("relationshipType", &cx)?;
        let from = r.opt_str("spdxElementId", &cx)?;
        let to = r.opt_str("relatedSpdxElement", &cx)?;
        match (ty, from, to) {
            (Some("DESCRIBES"), Some(f), Some(t)) if f == doc_id => {
                described.insert(t);
            }
            (Some("DESCRIBED_BY"), Some(f), Some(t)) if t == doc_id => {
                described.insert(f);
            }
            _ => {}
        }
    }

    let mut license_names: HashMap<&str, String> = HashMap::new();
    for l in root.items_of("hasExtractedLicensingInfos", &cx)? {
        let id = l.str_field("licenseId", &cx)?;
        let name = match l.opt_str("name", &cx)?.filter(|n| !n.is_empty() && *n != "NOASSERTION") {
            Some(n) => n.to_string(),
            None => match l.opt_str("extractedText", &cx)? {
                // A short text is a name (Syft puts the declared licence there); a long one is
                // a licence text, which the reference names better.
                Some(t) if !t.is_empty() && t.len() <= 80 && !t.contains('\n') => t.to_string(),
                _ => id.to_string(),
            },
        };
        license_names.insert(id, name);
    }

    let mut sbom = Sbom {
        schema_version: SCHEMA_VERSION,
        tool,
        created,
        source: SourceInfo {
            scheme: "sbom".to_string(),
            input: name.to_string(),
            name: root.opt_str("name", &cx)?.unwrap_or(name).to_string(),
            ..SourceInfo::default()
        },
        layers: Vec::new(),
        config: None,
        distro: None,
        packages: Vec::new(),
        unknowns: Vec::new(),
        analysis: None,
    };
    let mut source_found = false;
    for p in root.items_of("packages", &cx)? {
        p.as_object(&cx)?;
        let spdx_id = p.str_field("SPDXID", &cx)?;
        let pkg_name = p.str_field("name", &cx)?;
        let purpose = p.opt_str("primaryPackagePurpose", &cx)?;
        if described.contains(spdx_id) && !source_found {
            source_found = true;
            sbom.source.name = pkg_name.to_string();
            if purpose == Some("CONTAINER") {
                sbom.source.image_id = p.opt_str("versionInfo", &cx)?.and_then(|v| v.parse().ok());
            }
        } else if matches!(purpose, Some("OPERATING_SYSTEM" | "OPERATING-SYSTEM")) {
            // Trivy writes an operating system named "none" when it detected none.
            let unknown_os = pkg_name == "none" && p.get("versionInfo").is_none();
            if sbom.distro.is_none() && !unknown_os {
                sbom.distro = Some(Distro {
                    id: pkg_name.to_string(),
                    version_id: p.opt_str("versionInfo", &cx)?.unwrap_or("").to_string(),
                    pretty_name: p.opt_str("description", &cx)?.unwrap_or("").to_string(),
                    ..Distro::default()
                });
            }
        } else if let Some(purl) = find_purl(&p, &cx)? {
            sbom.packages
                .push(read_package(&p, spdx_id, pkg_name, purl, ours, &license_names, &cx)?);
        }
    }
    Ok(sbom)
}

fn read_creation_info(ci: &Node<'_>, cx: &Cx<'_>) -> Result<(Option<Tool>, String), SbomError> {
    let created = match ci.opt_str("created", cx)? {
        Some(t) => normalized_timestamp(t).unwrap_or_else(|| t.to_string()),
        None => String::new(),
    };
    let mut tool = None;
    for c in ci.items_of("creators", cx)? {
        if let Some(t) = c.as_str(cx)?.strip_prefix("Tool:") {
            let t = t.trim();
            // "syft-1.18.1": the version is what follows the last '-' when it starts with a digit.
            let (name, version) = match t.rsplit_once('-') {
                Some((n, v)) if v.starts_with(|c: char| c.is_ascii_digit()) => (n, v),
                _ => (t, ""),
            };
            tool = Some(Tool {
                name: name.to_string(),
                version: version.to_string(),
            });
            break;
        }
    }
    Ok((tool, created))
}

/// The package's purl external reference, if it has one.
fn find_purl(p: &Node<'_>, cx: &Cx<'_>) -> Result<Option<Purl>, SbomError> {
    for r in p.items_of("externalRefs", cx)? {
        if r.opt_str("referenceType", cx)? != Some("purl") {
            continue;
        }
        let Some(loc) = r.get("referenceLocator") else {
            continue;
        };
        let s = loc.as_str(cx)?;
        let purl = s
            .parse()
            .map_err(|e| cx.err(&loc.path, format!("not a package URL: {e}")))?;
        return Ok(Some(purl));
    }
    Ok(None)
}

/// `acquired package info from <who>: <path>, <path>` (Vigil, Syft) → who and the paths;
/// `package found in: <path>` (Trivy, relative to the scanned root) → the path.
fn parse_source_info(s: &str) -> Option<(&str, Vec<String>)> {
    if let Some(path) = s.strip_prefix("package found in:") {
        let path = path.trim().trim_start_matches('/');
        let paths = if path.is_empty() {
            Vec::new()
        } else {
            vec![format!("/{path}")]
        };
        return Some((Format::SpdxJson.name(), paths));
    }
    let rest = s.strip_prefix("acquired package info from ")?;
    Some(match rest.find(": /") {
        Some(i) => (
            &rest[..i],
            rest[i + 2..]
                .split(", ")
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect(),
        ),
        None => (rest, Vec::new()),
    })
}

fn read_package(
    p: &Node<'_>,
    spdx_id: &str,
    name: &str,
    purl: Purl,
    ours: bool,
    license_names: &HashMap<&str, String>,
    cx: &Cx<'_>,
) -> Result<Package, SbomError> {
    let version = match p.opt_str("versionInfo", cx)? {
        Some(v) => v.to_string(),
        None => purl.version.clone().unwrap_or_default(),
    };
    let (found_by, locations) = match p.opt_str("sourceInfo", cx)?.and_then(parse_source_info) {
        Some((who, paths)) => (
            who.to_string(),
            paths.into_iter().map(|path| Location::new(path, None)).collect(),
        ),
        None => (Format::SpdxJson.name().to_string(), Vec::new()),
    };
    let mut licenses: Vec<String> = Vec::new();
    if let Some(declared) = p.opt_str("licenseDeclared", cx)? {
        if !matches!(declared.trim(), "" | "NOASSERTION" | "NONE") {
            for part in split_top_level_and(declared) {
                let l = license_names.get(part.as_str()).cloned().unwrap_or(part);
                if !licenses.contains(&l) {
                    licenses.push(l);
                }
            }
        }
    }
    let mut pkg = Package {
        id: String::new(),
        name: name.to_string(),
        version,
        ty: type_from_purl(&purl.ty),
        purl,
        licenses,
        locations,
        layer: None,
        found_by,
        files: Vec::new(),
        metadata: Default::default(),
    };
    // Ours end in the package id: SPDXRef-Package-<type>-<name>-<id>.
    let tail = spdx_id.rsplit('-').next().unwrap_or("");
    pkg.id = if ours && tail.len() == 16 && tail.bytes().all(|b| b.is_ascii_hexdigit()) {
        tail.to_string()
    } else {
        pkg.compute_id()
    };
    Ok(pkg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_info_gives_cataloger_and_paths() {
        assert_eq!(
            parse_source_info(
                "acquired package info from DPKG DB: /usr/share/doc/zlib1g/copyright, /var/lib/dpkg/status"
            ),
            Some((
                "DPKG DB",
                vec![
                    "/usr/share/doc/zlib1g/copyright".to_string(),
                    "/var/lib/dpkg/status".to_string()
                ]
            ))
        );
        assert_eq!(
            parse_source_info("acquired package info from dpkg-cataloger"),
            Some(("dpkg-cataloger", vec![]))
        );
        assert_eq!(
            parse_source_info("package found in: usr/local/bin/hello"),
            Some(("spdx-json", vec!["/usr/local/bin/hello".to_string()]))
        );
        assert_eq!(parse_source_info("from somewhere"), None);
        assert_eq!(parse_source_info("built package from: bash 5.2.15-2"), None);
    }
}
