//! `docker save` archives: `manifest.json` naming the config and the layers, either as
//! `<id>/layer.tar` (legacy) or `blobs/sha256/<hex>` (Docker 25 and later, an OCI layout inside).

use std::path::Path;

use serde::Deserialize;
use vigil_types::{Digest, SourceInfo};

use crate::assemble::{layer_history, read_layers, LayerPlan};
use crate::store::{BlobStore, TarStore};
use crate::{config, Image, ImageError, Options, Selector};

const MAX_META: u64 = 64 << 20;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ManifestEntry {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
}

pub(crate) fn open(input: &str, path: &Path, options: &Options, selector: &dyn Selector) -> Result<Image, ImageError> {
    let store = TarStore::index(input, path)?;
    open_store(input, "docker-archive", &store, options, selector)
}

/// Reads a docker-save layout from any store (a file, or a daemon's export spooled to one).
pub(crate) fn open_store(
    input: &str,
    scheme: &str,
    store: &dyn BlobStore,
    options: &Options,
    selector: &dyn Selector,
) -> Result<Image, ImageError> {
    let manifest = store
        .read_small(input, "manifest.json", MAX_META)?
        .ok_or_else(|| ImageError::Unrecognised {
            input: input.to_string(),
            reason: "no manifest.json: not a docker save archive".to_string(),
        })?;
    let entries: Vec<ManifestEntry> =
        serde_json::from_slice(&manifest).map_err(|e| ImageError::meta(input, "manifest.json", e))?;
    let entry = entries
        .into_iter()
        .next()
        .ok_or_else(|| ImageError::meta(input, "manifest.json", "lists no image"))?;
    let cfg_bytes = store
        .read_small(input, &entry.config, MAX_META)?
        .ok_or_else(|| ImageError::MissingBlob {
            input: input.to_string(),
            blob: entry.config.clone(),
        })?;
    let parsed = config::parse(&cfg_bytes).map_err(|e| ImageError::meta(input, &entry.config, e))?;
    if parsed.diff_ids.len() != entry.layers.len() {
        return Err(ImageError::meta(
            input,
            "manifest.json",
            format!(
                "lists {} layers but the config {} has {} diff_ids",
                entry.layers.len(),
                entry.config,
                parsed.diff_ids.len()
            ),
        ));
    }
    let history = layer_history(&parsed.config, entry.layers.len());
    let plans: Vec<LayerPlan> = entry
        .layers
        .iter()
        .zip(&parsed.diff_ids)
        .zip(history)
        .map(|((member, diff), created_by)| LayerPlan {
            member: member.clone(),
            media_type: String::new(),
            expected_blob: blob_digest(member),
            expected_diff: Some(diff.clone()),
            created_by,
        })
        .collect();
    let (layers, tree, unknowns) = read_layers(input, store, &plans, selector, options)?;
    let tags = entry.repo_tags.unwrap_or_default();
    let platform = platform_of(&parsed.config);
    Ok(Image {
        source: SourceInfo {
            scheme: scheme.to_string(),
            input: input.to_string(),
            name: tags.first().cloned().unwrap_or_else(|| input.to_string()),
            tags,
            image_id: Some(Digest::sha256_of(&cfg_bytes)),
            manifest_digest: None,
            platform,
            size: layers.iter().map(|l| l.uncompressed_size).sum(),
        },
        layers,
        config: parsed.config,
        tree,
        unknowns,
    })
}

/// `blobs/sha256/<hex>` names its own digest.
fn blob_digest(member: &str) -> Option<Digest> {
    let rest = member.trim_start_matches("./").strip_prefix("blobs/")?;
    let (alg, hex) = rest.split_once('/')?;
    format!("{alg}:{hex}").parse().ok()
}

pub(crate) fn platform_of(c: &vigil_types::ImageConfig) -> String {
    let mut p = format!("{}/{}", c.os, c.architecture);
    if !c.variant.is_empty() {
        p.push('/');
        p.push_str(&c.variant);
    }
    p
}
