//! Reading CycloneDX JSON (1.2 to 1.6, Vigil's or another tool's) into the model.
//!
//! Components with a purl become packages: the type comes from a `vigil:package:type` (or
//! Syft's `syft:package:type`) property, else from the purl type; locations from
//! `vigil:location:N:*` (or `syft:location:N:*`) properties. The `operating-system` component
//! becomes the distro, `metadata.component` the source. Nested components are read too.

use std::collections::BTreeMap;

use serde_json::Value;
use vigil_types::{Digest, Distro, LayerInfo, Location, Package, PackageType, Purl, SourceInfo};

use super::NS;
use crate::format::type_from_purl;
use crate::format::walk::{Cx, Node};
use crate::model::normalized_timestamp;
use crate::{Format, Sbom, SbomError, Tool, SCHEMA_VERSION, TOOL_NAME};

/// How deep `components` may nest before the document is refused.
const MAX_DEPTH: usize = 32;

pub(crate) fn decode(value: &Value, name: &str) -> Result<Sbom, SbomError> {
    let cx = Cx {
        input: name,
        format: Format::CycloneDxJson,
    };
    let root = Node::root(value);
    root.as_object(&cx)?;
    let spec = root.str_field("specVersion", &cx)?;
    let minor = spec.strip_prefix("1.").and_then(|m| m.parse::<u32>().ok());
    if !matches!(minor, Some(2..)) {
        return Err(SbomError::UnsupportedVersion {
            input: name.to_string(),
            format: Format::CycloneDxJson,
            version: spec.to_string(),
            supported: "CycloneDX 1.2 to 1.6",
        });
    }

    let metadata = root.get("metadata");
    let tool = match &metadata {
        Some(m) => read_tool(m, &cx)?,
        None => None,
    }
    .unwrap_or(Tool {
        name: "unknown".to_string(),
        version: String::new(),
    });
    let ours = tool.name == TOOL_NAME;
    let created = match metadata.as_ref().and_then(|m| m.get("timestamp")) {
        Some(t) => {
            let t = t.as_str(&cx)?;
            normalized_timestamp(t).unwrap_or_else(|| t.to_string())
        }
        None => String::new(),
    };
    let (source, layers) = match metadata.as_ref().and_then(|m| m.get("component")) {
        Some(c) => read_source(&c, name, &cx)?,
        None => (unknown_source(name), Vec::new()),
    };

    let mut sbom = Sbom {
        schema_version: SCHEMA_VERSION,
        tool,
        created,
        source,
        layers,
        config: None,
        distro: None,
        packages: Vec::new(),
        unknowns: Vec::new(),
        analysis: None,
    };
    let components = root.items_of("components", &cx)?;
    read_components(&components, 0, ours, &mut sbom, &cx)?;
    Ok(sbom)
}

fn read_components(
    components: &[Node<'_>],
    depth: usize,
    ours: bool,
    sbom: &mut Sbom,
    cx: &Cx<'_>,
) -> Result<(), SbomError> {
    if depth > MAX_DEPTH {
        if let Some(c) = components.first() {
            return Err(cx.err(&c.path, format!("components nest deeper than {MAX_DEPTH} levels")));
        }
    }
    for c in components {
        c.as_object(cx)?;
        let name = c.str_field("name", cx)?;
        let ty = c.opt_str("type", cx)?.unwrap_or("library");
        let props = Props::read(c, cx)?;
        if ty == "operating-system" {
            // Trivy writes an operating system named "none" when it detected none.
            let unknown_os = name == "none" && c.get("version").is_none();
            if sbom.distro.is_none() && !unknown_os {
                sbom.distro = Some(read_distro(c, name, &props, cx)?);
            }
        } else if let Some(purl) = c.get("purl") {
            let purl_str = purl.as_str(cx)?;
            let purl: Purl = purl_str
                .parse()
                .map_err(|e| cx.err(&purl.path, format!("not a package URL: {e}")))?;
            sbom.packages.push(read_package(c, name, purl, &props, ours, cx)?);
        }
        let nested = c.items_of("components", cx)?;
        if !nested.is_empty() {
            read_components(&nested, depth + 1, ours, sbom, cx)?;
        }
    }
    Ok(())
}

/// A component's `properties`, in document order.
struct Props<'a>(Vec<(&'a str, &'a str)>);

impl<'a> Props<'a> {
    fn read(c: &Node<'a>, cx: &Cx<'_>) -> Result<Props<'a>, SbomError> {
        let mut out = Vec::new();
        for p in c.items_of("properties", cx)? {
            // A property without a name says nothing; one without a value is an empty value.
            if let Some(name) = p.opt_str("name", cx)? {
                out.push((name, p.opt_str("value", cx)?.unwrap_or("")));
            }
        }
        Ok(Props(out))
    }

    fn get(&self, name: &str) -> Option<&'a str> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }

    /// Ours first, then Syft's.
    fn get_any(&self, suffix: &str) -> Option<&'a str> {
        self.get(&format!("{NS}:{suffix}"))
            .or_else(|| self.get(&format!("syft:{suffix}")))
    }

    /// `<prefix>:<N>:<field>` properties grouped by N, in N order.
    fn indexed(&self, prefix: &str) -> BTreeMap<usize, BTreeMap<&'a str, &'a str>> {
        let mut out: BTreeMap<usize, BTreeMap<&'a str, &'a str>> = BTreeMap::new();
        for (n, v) in &self.0 {
            let Some(rest) = n.strip_prefix(prefix).and_then(|r| r.strip_prefix(':')) else {
                continue;
            };
            let (idx, field) = rest.split_once(':').unwrap_or((rest, ""));
            if let Ok(i) = idx.parse::<usize>() {
                out.entry(i).or_default().insert(field, v);
            }
        }
        out
    }
}

fn read_tool(metadata: &Node<'_>, cx: &Cx<'_>) -> Result<Option<Tool>, SbomError> {
    let Some(tools) = metadata.get("tools") else {
        return Ok(None);
    };
    // 1.5+: {components: [...], services: [...]}; before: [{vendor, name, version}].
    let list = if tools.value.is_array() {
        tools.items(cx)?
    } else {
        tools.items_of("components", cx)?
    };
    match list.first() {
        Some(t) => Ok(Some(Tool {
            name: t.opt_str("name", cx)?.unwrap_or("unknown").to_string(),
            version: t.opt_str("version", cx)?.unwrap_or("").to_string(),
        })),
        None => Ok(None),
    }
}

fn unknown_source(input: &str) -> SourceInfo {
    SourceInfo {
        scheme: "sbom".to_string(),
        input: input.to_string(),
        name: input.to_string(),
        ..SourceInfo::default()
    }
}

fn digest(s: Option<&str>) -> Option<Digest> {
    s.and_then(|s| s.parse().ok())
}

fn number(s: Option<&str>) -> u64 {
    s.and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// The source from `metadata.component`: exactly, from our properties; otherwise its name,
/// and for a container its version when that is a digest (Syft writes the image id there).
fn read_source(c: &Node<'_>, input: &str, cx: &Cx<'_>) -> Result<(SourceInfo, Vec<LayerInfo>), SbomError> {
    c.as_object(cx)?;
    let name = c.opt_str("name", cx)?.unwrap_or("");
    let version = c.opt_str("version", cx)?;
    let ty = c.opt_str("type", cx)?.unwrap_or("");
    let props = Props::read(c, cx)?;
    let mut s = unknown_source(input);
    s.name = name.to_string();
    if let Some(scheme) = props.get(&format!("{NS}:source:scheme")) {
        s.scheme = scheme.to_string();
        s.input = props.get(&format!("{NS}:source:input")).unwrap_or("").to_string();
    }
    s.tags = props
        .indexed(&format!("{NS}:source:tag"))
        .into_values()
        .filter_map(|f| f.get("").map(|t| t.to_string()))
        .collect();
    s.image_id = digest(props.get(&format!("{NS}:image:id")));
    s.manifest_digest = digest(props.get(&format!("{NS}:image:manifestDigest")));
    if s.image_id.is_none() && s.manifest_digest.is_none() && ty == "container" {
        s.image_id = digest(version);
    }
    s.platform = props.get(&format!("{NS}:image:platform")).unwrap_or("").to_string();
    s.size = number(props.get(&format!("{NS}:source:size")));
    let mut layers = Vec::new();
    for (index, f) in props.indexed(&format!("{NS}:image:layer")) {
        let Some(diff_id) = digest(f.get("diffID").copied()) else {
            continue;
        };
        layers.push(LayerInfo {
            index,
            diff_id,
            digest: digest(f.get("digest").copied()),
            size: number(f.get("size").copied()),
            uncompressed_size: number(f.get("uncompressedSize").copied()),
            media_type: f.get("mediaType").unwrap_or(&"").to_string(),
            created_by: f.get("createdBy").unwrap_or(&"").to_string(),
            entries: number(f.get("entries").copied()),
        });
    }
    Ok((s, layers))
}

fn read_distro(c: &Node<'_>, name: &str, props: &Props<'_>, cx: &Cx<'_>) -> Result<Distro, SbomError> {
    let field = |suffix: &str| props.get_any(&format!("distro:{suffix}")).map(str::to_string);
    let ours = props.indexed(&format!("{NS}:distro:idLike"));
    let id_like = if ours.is_empty() {
        props.indexed("syft:distro:idLike")
    } else {
        ours
    };
    Ok(Distro {
        id: field("id").unwrap_or_else(|| name.to_string()),
        version_id: match field("versionID") {
            Some(v) => v,
            None => c.opt_str("version", cx)?.unwrap_or("").to_string(),
        },
        version_codename: field("versionCodename").unwrap_or_default(),
        name: field("name").unwrap_or_default(),
        pretty_name: match field("prettyName") {
            Some(v) => v,
            None => c.opt_str("description", cx)?.unwrap_or("").to_string(),
        },
        id_like: id_like
            .into_values()
            .filter_map(|f| f.get("").map(|v| v.to_string()))
            .collect(),
    })
}

/// `sourceVersion` → `source_version`: Syft's metadata keys in the model's spelling.
fn snake_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            if !out.is_empty() {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn read_package(
    c: &Node<'_>,
    name: &str,
    purl: Purl,
    props: &Props<'_>,
    ours: bool,
    cx: &Cx<'_>,
) -> Result<Package, SbomError> {
    // CycloneDX may split a scoped npm name or a Go module path into group and name (Trivy
    // does); the model's names are whole, as the ecosystem writes them.
    let name = match c.opt_str("group", cx)? {
        Some(g) if !g.is_empty() && matches!(purl.ty.as_str(), "npm" | "golang") && !name.starts_with(g) => {
            format!("{}/{name}", g.trim_end_matches('/'))
        }
        _ => name.to_string(),
    };
    let ty = props
        .get_any("package:type")
        .and_then(PackageType::from_name)
        .unwrap_or_else(|| type_from_purl(&purl.ty));
    let version = match c.opt_str("version", cx)? {
        Some(v) => v.to_string(),
        None => purl.version.clone().unwrap_or_default(),
    };
    let ours_locs = props.indexed(&format!("{NS}:location"));
    let locs = if ours_locs.is_empty() {
        props.indexed("syft:location")
    } else {
        ours_locs
    };
    let mut locations: Vec<Location> = locs
        .into_values()
        .filter_map(|f| {
            let path = f.get("path")?;
            Some(Location::new(*path, digest(f.get("layerID").copied())))
        })
        .collect();
    if locations.is_empty() {
        // Trivy: one path, relative to the scanned root.
        if let Some(path) = props.get("aquasecurity:trivy:FilePath").filter(|p| !p.is_empty()) {
            locations.push(Location::new(format!("/{}", path.trim_start_matches('/')), None));
        }
    }
    let mut metadata = BTreeMap::new();
    for (k, v) in &props.0 {
        if let Some(key) = k.strip_prefix(&format!("{NS}:metadata:")) {
            metadata.insert(key.to_string(), v.to_string());
        } else if let Some(key) = k.strip_prefix("syft:metadata:") {
            if !ours {
                metadata.insert(snake_case(key), v.to_string());
            }
        }
    }
    let layer =
        digest(props.get(&format!("{NS}:package:layerID"))).or_else(|| locations.first().and_then(|l| l.layer.clone()));
    let mut p = Package {
        id: String::new(),
        name,
        version,
        ty,
        purl,
        licenses: read_licenses(c, cx)?,
        locations,
        layer,
        found_by: props
            .get_any("package:foundBy")
            .unwrap_or(Format::CycloneDxJson.name())
            .to_string(),
        files: Vec::new(),
        metadata,
    };
    p.id = match c.opt_str("bom-ref", cx)? {
        Some(r) if ours && !r.is_empty() => r.to_string(),
        _ => p.compute_id(),
    };
    Ok(p)
}

fn read_licenses(c: &Node<'_>, cx: &Cx<'_>) -> Result<Vec<String>, SbomError> {
    let mut out: Vec<String> = Vec::new();
    for l in c.items_of("licenses", cx)? {
        l.as_object(cx)?;
        let s = if let Some(e) = l.opt_str("expression", cx)? {
            Some(e)
        } else if let Some(lic) = l.get("license") {
            lic.as_object(cx)?;
            match lic.opt_str("id", cx)? {
                Some(id) => Some(id),
                None => lic.opt_str("name", cx)?,
            }
        } else {
            None
        };
        if let Some(s) = s.map(str::trim).filter(|s| !s.is_empty()) {
            if !out.iter().any(|x| x == s) {
                out.push(s.to_string());
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syft_metadata_keys_become_snake_case() {
        assert_eq!(snake_case("sourceVersion"), "source_version");
        assert_eq!(snake_case("installedSize"), "installed_size");
        assert_eq!(snake_case("source"), "source");
    }
}
