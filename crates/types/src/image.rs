//! What is known of an image besides its files: its layers, its configuration, its distribution.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Digest;

/// One layer of an image, bottom first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerInfo {
    /// Position, 0 for the bottom layer.
    pub index: usize,
    /// sha256 of the uncompressed tar (the config's `rootfs.diff_ids` entry).
    pub diff_id: Digest,
    /// sha256 of the blob as stored (compressed), when the source has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<Digest>,
    /// Stored size in bytes.
    pub size: u64,
    /// Uncompressed size in bytes.
    pub uncompressed_size: u64,
    /// Media type as the manifest gives it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub media_type: String,
    /// The history line that created it (`created_by`), when known.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub created_by: String,
    /// Number of entries in the layer tar.
    pub entries: u64,
}

/// One line of the image history.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub created: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub created_by: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub comment: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub empty_layer: bool,
}

/// The parts of an image configuration that policy and people care about.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageConfig {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub architecture: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub os: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub variant: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub created: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entrypoint: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cmd: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub working_dir: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exposed_ports: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// The HEALTHCHECK test, if any (`["CMD", ...]` or `["NONE"]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub stop_signal: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryEntry>,
}

/// The distribution, from `/etc/os-release` or `/usr/lib/os-release`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Distro {
    /// `ID`, e.g. `debian`, `alpine`, `rhel`.
    pub id: String,
    /// `VERSION_ID`, e.g. `12`, `3.19.1`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version_id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version_codename: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub pretty_name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub id_like: Vec<String>,
}

impl Distro {
    /// The `distro` purl qualifier as Syft writes it: `debian-12`, `alpine-3.19.1`.
    pub fn purl_qualifier(&self) -> String {
        if self.version_id.is_empty() {
            self.id.clone()
        } else {
            format!("{}-{}", self.id, self.version_id)
        }
    }
}

/// Where an SBOM's packages came from: the source as the user named it and what it resolved to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// `docker-archive`, `oci-dir`, `oci-archive`, `dir`, `docker`, `registry`, `sbom`.
    pub scheme: String,
    /// The argument as given, e.g. `docker-archive:/tmp/app.tar`.
    pub input: String,
    /// A human name: the first tag, or the path.
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The image id: the digest of the image configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_id: Option<Digest>,
    /// The digest of the manifest, when the source has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest_digest: Option<Digest>,
    /// `os/architecture[/variant]` of the image read.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub platform: String,
    /// Sum of the layers' uncompressed sizes (or of the files of a directory).
    #[serde(default)]
    pub size: u64,
}
