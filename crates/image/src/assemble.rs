//! Reading the layers a manifest lists, in parallel, checking each against its digests, and
//! squashing them into one tree.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use vigil_types::{Digest, LayerInfo, Unknown};

use crate::layer::{read_layer, LayerName, LayerScan};
use crate::progress::NoProgress;
use crate::store::BlobStore;
use crate::tree::FileTree;
use crate::{ImageError, Options, Selector};

/// Most layers one image may have.
const MAX_LAYERS: usize = u16::MAX as usize;

/// One layer as the manifest describes it.
pub(crate) struct LayerPlan {
    /// Member name in the store (`blobs/sha256/…`, `<id>/layer.tar`).
    pub member: String,
    pub media_type: String,
    /// The digest of the stored blob, when the manifest gives one.
    pub expected_blob: Option<Digest>,
    /// The config's diff id for this layer.
    pub expected_diff: Option<Digest>,
    pub created_by: String,
}

/// Reads all layers and squashes them. Layers are decompressed in parallel, one thread per core.
pub(crate) fn read_layers(
    input: &str,
    store: &dyn BlobStore,
    plans: &[LayerPlan],
    selector: &dyn Selector,
    options: &Options,
) -> Result<(Vec<LayerInfo>, FileTree, Vec<Unknown>), ImageError> {
    // The tree records each file's layer in 16 bits; real images have at most a few hundred.
    if plans.len() > MAX_LAYERS {
        return Err(ImageError::Unrecognised {
            input: input.to_string(),
            reason: format!(
                "the manifest lists {} layers; at most {MAX_LAYERS} are read",
                plans.len()
            ),
        });
    }
    for p in plans {
        if !store.contains(&p.member) {
            return Err(ImageError::MissingBlob {
                input: input.to_string(),
                blob: p.member.clone(),
            });
        }
    }
    let no_progress = NoProgress;
    let progress: &dyn crate::Progress = options.progress.as_deref().unwrap_or(&no_progress);
    let total: u64 = plans
        .iter()
        .filter_map(|p| store.open(&p.member).ok().flatten().map(|(_, n)| n))
        .sum();
    progress.start(plans.len(), total);
    let threads = std::thread::available_parallelism()
        .map_or(2, |n| n.get())
        .min(plans.len())
        .max(1);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<LayerScan, ImageError>>>> =
        Mutex::new((0..plans.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(plan) = plans.get(i) else { break };
                let name = LayerName {
                    input,
                    layer: &plan.member,
                };
                let r = match store.open(&plan.member) {
                    Ok(Some((reader, size))) => read_layer(
                        reader,
                        Some(size),
                        selector,
                        options.inspector.as_deref(),
                        &options.limits,
                        progress,
                        &name,
                    ),
                    Ok(None) => Err(ImageError::MissingBlob {
                        input: input.to_string(),
                        blob: plan.member.clone(),
                    }),
                    Err(e) => Err(ImageError::io(input, e)),
                };
                progress.layer_done();
                if let Ok(mut slots) = results.lock() {
                    slots[i] = Some(r);
                }
            });
        }
    });
    let slots = results.into_inner().map_err(|_| ImageError::Layer {
        input: input.to_string(),
        layer: "?".to_string(),
        reason: "a layer reader panicked".to_string(),
    })?;
    let mut infos = Vec::with_capacity(plans.len());
    let mut indexes = Vec::with_capacity(plans.len());
    let mut digests = Vec::with_capacity(plans.len());
    let mut unknowns = Vec::new();
    for (i, (slot, plan)) in slots.into_iter().zip(plans).enumerate() {
        let scan = slot.ok_or_else(|| ImageError::Layer {
            input: input.to_string(),
            layer: plan.member.clone(),
            reason: "was not read".to_string(),
        })??;
        let mismatch = |expected: &Digest, actual: &Digest| ImageError::DigestMismatch {
            input: input.to_string(),
            layer: plan.member.clone(),
            expected: expected.to_string(),
            actual: actual.to_string(),
        };
        if let Some(e) = plan.expected_blob.as_ref().filter(|d| d.is_sha256()) {
            if *e != scan.blob_digest {
                return Err(mismatch(e, &scan.blob_digest));
            }
        }
        if let Some(e) = plan.expected_diff.as_ref().filter(|d| d.is_sha256()) {
            if *e != scan.diff_id {
                return Err(mismatch(e, &scan.diff_id));
            }
        }
        for (path, reason) in &scan.index.skipped {
            unknowns.push(Unknown {
                path: path.clone(),
                layer: Some(scan.diff_id.clone()),
                found_by: "image".to_string(),
                reason: reason.clone(),
            });
        }
        infos.push(LayerInfo {
            index: i,
            diff_id: scan.diff_id.clone(),
            digest: (scan.compression != "none" || plan.expected_blob.is_some()).then(|| scan.blob_digest.clone()),
            size: scan.stored_size,
            uncompressed_size: scan.uncompressed_size,
            media_type: plan.media_type.clone(),
            created_by: plan.created_by.clone(),
            entries: scan.entries,
        });
        digests.push(Some(scan.diff_id));
        indexes.push(scan.index);
    }
    let tree = FileTree::squash(indexes, digests);
    Ok((infos, tree, unknowns))
}

/// The `created_by` of each non-empty history entry, to pair with layers bottom first.
pub(crate) fn layer_history(config: &vigil_types::ImageConfig, layers: usize) -> Vec<String> {
    let mut out: Vec<String> = config
        .history
        .iter()
        .filter(|h| !h.empty_layer)
        .map(|h| h.created_by.clone())
        .collect();
    out.resize(layers, String::new());
    out
}
