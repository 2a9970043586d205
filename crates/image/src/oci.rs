//! OCI image layouts: `oci-layout`, `index.json` → (nested indexes) → image manifest → config and
//! layers, in `blobs/<alg>/<hex>`. A multi-platform index is narrowed to one platform.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use vigil_types::{Digest, SourceInfo};

use crate::assemble::{layer_history, read_layers, LayerPlan};
use crate::docker_archive::platform_of;
use crate::store::{BlobStore, DirStore, TarStore};
use crate::{config, Image, ImageError, Options, Platform, Selector};

const MAX_META: u64 = 64 << 20;
const MAX_DEPTH: usize = 4;

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    #[serde(default)]
    media_type: String,
    digest: String,
    #[serde(default)]
    platform: Option<DescPlatform>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
}

#[derive(Deserialize, Clone)]
struct DescPlatform {
    #[serde(default)]
    os: String,
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    variant: String,
}

#[derive(Deserialize)]
struct Index {
    #[serde(default)]
    manifests: Vec<Descriptor>,
}

#[derive(Deserialize)]
struct Manifest {
    config: Descriptor,
    #[serde(default)]
    layers: Vec<Descriptor>,
}

pub(crate) fn open_dir(
    input: &str,
    path: &Path,
    options: &Options,
    selector: &dyn Selector,
) -> Result<Image, ImageError> {
    if !path.join("index.json").is_file() {
        return Err(ImageError::Unrecognised {
            input: input.to_string(),
            reason: "no index.json: not an OCI image layout".to_string(),
        });
    }
    let store = DirStore {
        root: path.to_path_buf(),
    };
    open_store(input, "oci-dir", &store, options, selector)
}

pub(crate) fn open_archive(
    input: &str,
    path: &Path,
    options: &Options,
    selector: &dyn Selector,
) -> Result<Image, ImageError> {
    let store = TarStore::index(input, path)?;
    open_store(input, "oci-archive", &store, options, selector)
}

/// The member holding the blob `digest`, named in the file `from` (for errors).
fn blob_member(input: &str, from: &str, digest: &str) -> Result<(String, Digest), ImageError> {
    let d: Digest = digest
        .parse()
        .map_err(|e| ImageError::meta(input, from, format!("descriptor digest: {e}")))?;
    Ok((format!("blobs/{}/{}", d.algorithm(), d.hex()), d))
}

/// Reads a blob named by a descriptor found in the file `from`, and checks its digest.
fn read_blob(
    input: &str,
    store: &dyn BlobStore,
    desc: &Descriptor,
    from: &str,
) -> Result<(Vec<u8>, Digest), ImageError> {
    let (member, digest) = blob_member(input, from, &desc.digest)?;
    let bytes = store
        .read_small(input, &member, MAX_META)?
        .ok_or_else(|| ImageError::MissingBlob {
            input: input.to_string(),
            blob: member.clone(),
        })?;
    let actual = Digest::sha256_of(&bytes);
    if digest.is_sha256() && actual != digest {
        return Err(ImageError::DigestMismatch {
            input: input.to_string(),
            layer: member,
            expected: digest.to_string(),
            actual: actual.to_string(),
        });
    }
    Ok((bytes, digest))
}

/// In a `docker save` archive from Docker 25 on, `index.json` sits beside `manifest.json`: the
/// digest of the manifest there whose config is `config`, when one is. Anything unreadable gives
/// `None`: `manifest.json` is what the archive is read by.
pub(crate) fn manifest_digest_for_config(input: &str, store: &dyn BlobStore, config: &Digest) -> Option<Digest> {
    let bytes = store.read_small(input, "index.json", MAX_META).ok()??;
    let index: Index = serde_json::from_slice(&bytes).ok()?;
    let mut candidates = Vec::new();
    collect(input, store, &index, "index.json", 0, &mut candidates).ok()?;
    candidates.iter().take(64).find_map(|c| {
        let (bytes, digest) = read_blob(input, store, &c.desc, &c.from).ok()?;
        let m: Manifest = serde_json::from_slice(&bytes).ok()?;
        (m.config.digest.parse::<Digest>().ok()? == *config).then_some(digest)
    })
}

fn is_index(media_type: &str) -> bool {
    media_type.ends_with("image.index.v1+json") || media_type.ends_with("manifest.list.v2+json")
}

struct Candidate {
    desc: Descriptor,
    platform: Option<DescPlatform>,
    names: Vec<String>,
    /// The index file that lists it (`index.json`, or a nested index's digest).
    from: String,
}

fn collect(
    input: &str,
    store: &dyn BlobStore,
    index: &Index,
    from: &str,
    depth: usize,
    out: &mut Vec<Candidate>,
) -> Result<(), ImageError> {
    for d in &index.manifests {
        if is_index(&d.media_type) {
            if depth >= MAX_DEPTH {
                return Err(ImageError::meta(input, from, "indexes nested too deeply"));
            }
            let (bytes, _) = read_blob(input, store, d, from)?;
            let nested: Index = serde_json::from_slice(&bytes).map_err(|e| ImageError::meta(input, &d.digest, e))?;
            let before = out.len();
            collect(input, store, &nested, &d.digest, depth + 1, out)?;
            for c in &mut out[before..] {
                for key in ["org.opencontainers.image.ref.name", "io.containerd.image.name"] {
                    if let Some(n) = d.annotations.get(key) {
                        if !c.names.contains(n) {
                            c.names.push(n.clone());
                        }
                    }
                }
            }
            continue;
        }
        let attestation = d.annotations.get("vnd.docker.reference.type").map(String::as_str)
            == Some("attestation-manifest")
            || d.platform.as_ref().is_some_and(|p| p.os == "unknown");
        if attestation {
            continue;
        }
        let mut names: Vec<String> = Vec::new();
        for k in ["io.containerd.image.name", "org.opencontainers.image.ref.name"] {
            if let Some(n) = d.annotations.get(k) {
                if !names.contains(n) {
                    names.push(n.clone());
                }
            }
        }
        out.push(Candidate {
            desc: d.clone(),
            platform: d.platform.clone(),
            names,
            from: from.to_string(),
        });
    }
    Ok(())
}

fn matches(p: &DescPlatform, want: &Platform) -> bool {
    p.os == want.os && p.architecture == want.architecture && (want.variant.is_empty() || p.variant == want.variant)
}

pub(crate) fn open_store(
    input: &str,
    scheme: &str,
    store: &dyn BlobStore,
    options: &Options,
    selector: &dyn Selector,
) -> Result<Image, ImageError> {
    let index_bytes = store
        .read_small(input, "index.json", MAX_META)?
        .ok_or_else(|| ImageError::Unrecognised {
            input: input.to_string(),
            reason: "no index.json: not an OCI image layout".to_string(),
        })?;
    let index: Index = serde_json::from_slice(&index_bytes).map_err(|e| ImageError::meta(input, "index.json", e))?;
    let mut candidates = Vec::new();
    collect(input, store, &index, "index.json", 0, &mut candidates)?;
    let explicit = options.platform.is_some();
    let want = &options.platform.clone().unwrap_or_default();
    let chosen = if candidates.len() == 1
        && (!explicit
            || candidates[0]
                .platform
                .as_ref()
                .is_none_or(|p| matches(p, want) || p.os.is_empty()))
    {
        candidates.into_iter().next()
    } else if candidates.is_empty() {
        None
    } else {
        let available = candidates
            .iter()
            .filter_map(|c| c.platform.as_ref())
            .map(|p| {
                let mut s = format!("{}/{}", p.os, p.architecture);
                if !p.variant.is_empty() {
                    s = format!("{s}/{}", p.variant);
                }
                s
            })
            .collect::<Vec<_>>()
            .join(", ");
        let pick = candidates
            .into_iter()
            .find(|c| c.platform.as_ref().is_none_or(|p| matches(p, want)));
        if pick.is_none() {
            return Err(ImageError::NoPlatform {
                input: input.to_string(),
                platform: want.to_string(),
                available,
            });
        }
        pick
    };
    let chosen = chosen.ok_or_else(|| ImageError::meta(input, "index.json", "lists no image manifest"))?;
    let (man_bytes, man_digest) = read_blob(input, store, &chosen.desc, &chosen.from)?;
    let manifest: Manifest =
        serde_json::from_slice(&man_bytes).map_err(|e| ImageError::meta(input, &chosen.desc.digest, e))?;
    let (cfg_bytes, cfg_digest) = read_blob(input, store, &manifest.config, &chosen.desc.digest)?;
    let parsed = config::parse(&cfg_bytes).map_err(|e| ImageError::meta(input, &manifest.config.digest, e))?;
    if parsed.diff_ids.len() != manifest.layers.len() {
        return Err(ImageError::meta(
            input,
            &chosen.desc.digest,
            format!(
                "manifest lists {} layers but the config has {} diff_ids",
                manifest.layers.len(),
                parsed.diff_ids.len()
            ),
        ));
    }
    let history = layer_history(&parsed.config, manifest.layers.len());
    let mut plans = Vec::with_capacity(manifest.layers.len());
    for ((d, diff), created_by) in manifest.layers.iter().zip(&parsed.diff_ids).zip(history) {
        let (member, digest) = blob_member(input, &chosen.desc.digest, &d.digest)?;
        plans.push(LayerPlan {
            member,
            media_type: d.media_type.clone(),
            expected_blob: Some(digest),
            expected_diff: Some(diff.clone()),
            created_by,
        });
    }
    let (layers, tree, unknowns) = read_layers(input, store, &plans, selector, options)?;
    let tags: Vec<String> = chosen
        .names
        .iter()
        .filter(|n| n.contains(':') || n.contains('/'))
        .cloned()
        .collect();
    let name = tags
        .first()
        .cloned()
        .or_else(|| chosen.names.first().cloned())
        .unwrap_or_else(|| input.to_string());
    Ok(Image {
        source: SourceInfo {
            scheme: scheme.to_string(),
            input: input.to_string(),
            name,
            tags,
            image_id: Some(cfg_digest),
            manifest_digest: Some(man_digest),
            platform: platform_of(&parsed.config),
            size: layers.iter().map(|l| l.uncompressed_size).sum(),
        },
        layers,
        config: parsed.config,
        tree,
        unknowns,
    })
}
