//! Container image sources and the squashed file tree.
//!
//! Reads `docker save` archives (legacy and OCI layouts), OCI image layouts (directory or tar),
//! root filesystem directories and images in the local Docker daemon. Layers are streamed once,
//! in parallel, never extracted: each file is indexed with the layer that last wrote it, whiteouts
//! are applied, layer digests are checked, and only the contents a [`Selector`] asks for are kept.
//! An optional [`Inspector`] (an image analysis) sees the content of the files it wants in every
//! layer, read once with the selector's, and its notes stay per (layer, path) in the tree
//! ([`FileTree::notes`]), with whether that version is the live one.
//!
//! ```no_run
//! use vigil_image::{open, Options, SelectPaths, SourceSpec};
//! let spec = SourceSpec::parse("docker-archive:app.tar").unwrap();
//! let image = open(&spec, &Options::default(), &SelectPaths(&["/etc/os-release"])).unwrap();
//! println!("{} files", image.tree.len());
//! ```

mod assemble;
mod config;
mod daemon;
mod dir;
mod docker_archive;
mod error;
mod layer;
mod oci;
mod path;
mod progress;
mod select;
mod source;
mod store;
mod tree;

use std::sync::Arc;

pub use error::ImageError;
pub use path::resolve_in_root;
pub use progress::Progress;
pub use select::{Inspector, Limits, Select, SelectNothing, SelectPaths, Selector};
pub use source::{Platform, SourceSpec};
pub use tree::{FileKind, FileRef, FileTree, NoteRef, ResolveError};
use vigil_types::{ImageConfig, LayerInfo, SourceInfo, Unknown};

/// How to read an image.
#[derive(Clone, Default)]
pub struct Options {
    /// The platform to pick from a multi-platform index. `None`: linux/amd64 when the index has
    /// several images, and the only image whatever its platform when it has one. `Some`: exactly
    /// that platform, or an error listing what the index has.
    pub platform: Option<Platform>,
    pub limits: Limits,
    /// Receives progress; none by default.
    pub progress: Option<Arc<dyn Progress>>,
    /// Docker Engine API socket (default `/var/run/docker.sock`, or `DOCKER_HOST=unix://…`).
    pub docker_socket: Option<std::path::PathBuf>,
    /// Looks at file contents beside the selector (an image analysis); none by default.
    pub inspector: Option<Arc<dyn Inspector>>,
}

/// An image read from a source: its layers, configuration and squashed file tree.
pub struct Image {
    pub source: SourceInfo,
    /// Bottom first; empty for a directory.
    pub layers: Vec<LayerInfo>,
    pub config: ImageConfig,
    pub tree: FileTree,
    /// Files that could not be read, with why. The rest of the image was read.
    pub unknowns: Vec<Unknown>,
}

/// Reads the image `spec` names.
pub fn open(spec: &SourceSpec, options: &Options, selector: &dyn Selector) -> Result<Image, ImageError> {
    let input = spec.to_string();
    match spec {
        SourceSpec::DockerArchive(p) => docker_archive::open(&input, p, options, selector),
        SourceSpec::OciDir(p) => oci::open_dir(&input, p, options, selector),
        SourceSpec::OciArchive(p) => oci::open_archive(&input, p, options, selector),
        SourceSpec::Dir(p) => dir::open(&input, p, options, selector),
        SourceSpec::Docker(name) => daemon::open(&input, name, options, selector),
        SourceSpec::Sbom(_) => Err(ImageError::Unrecognised {
            input,
            reason: "an SBOM is not an image: read it with the SBOM decoder".to_string(),
        }),
    }
}
