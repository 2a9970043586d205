use std::io;
use std::path::PathBuf;

/// Why an image could not be read. Every variant names the input and the place.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImageError {
    #[error("{input}: {source}")]
    Io {
        input: String,
        #[source]
        source: io::Error,
    },
    #[error("{input}: not a recognised image: {reason}")]
    Unrecognised { input: String, reason: String },
    #[error("{input}: {file}: {reason}")]
    BadMetadata {
        input: String,
        file: String,
        reason: String,
    },
    #[error("{input}: the manifest names {blob}, which is not in the image")]
    MissingBlob { input: String, blob: String },
    #[error("{input}: layer {layer}: digest mismatch: expected {expected}, got {actual}")]
    DigestMismatch {
        input: String,
        layer: String,
        expected: String,
        actual: String,
    },
    #[error("{input}: layer {layer}: entry {entry:?}: {reason}")]
    HostileEntry {
        input: String,
        layer: String,
        entry: String,
        reason: String,
    },
    #[error("{input}: layer {layer}: {reason}")]
    Layer {
        input: String,
        layer: String,
        reason: String,
    },
    #[error("{input}: layer {layer}: decompressed past the cap of {cap} bytes (a decompression bomb, or raise --max-layer-size)")]
    TooLarge { input: String, layer: String, cap: u64 },
    #[error("{input}: no image for platform {platform} (available: {available})")]
    NoPlatform {
        input: String,
        platform: String,
        available: String,
    },
    #[error("{input}: Docker daemon: {reason}")]
    Daemon { input: String, reason: String },
    #[error("{0}: no such file or directory")]
    NotFound(PathBuf),
}

impl ImageError {
    pub(crate) fn io(input: &str, source: io::Error) -> ImageError {
        ImageError::Io {
            input: input.to_string(),
            source,
        }
    }

    pub(crate) fn meta(input: &str, file: &str, reason: impl ToString) -> ImageError {
        ImageError::BadMetadata {
            input: input.to_string(),
            file: file.to_string(),
            reason: reason.to_string(),
        }
    }
}
