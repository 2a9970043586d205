//! How catalogers tell the layer reader which file contents to keep while the layer streams by.

/// What to do with one regular file's content while its layer is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Select {
    /// Content is not needed: the reader skips it.
    Skip,
    /// Keep the whole content in memory (small metadata files: package databases, manifests).
    Keep,
    /// Read the content once and keep only what [`Selector::extract`] returns (binaries, archives).
    Extract,
}

/// Chooses, from a file's path, mode and size, what of its content to keep. Implemented by the
/// catalog crate from its catalogers' needs; called for every regular file of every layer, so
/// implementations must be cheap and must not allocate.
pub trait Selector: Sync {
    /// `path` is absolute inside the image (`/var/lib/dpkg/status`).
    fn select(&self, path: &str, mode: u32, size: u64) -> Select;

    /// For [`Select::Extract`]: the small facts to keep from the whole content, or `None`.
    fn extract(&self, path: &str, mode: u32, data: &[u8]) -> Option<Vec<u8>> {
        let _ = (path, mode, data);
        None
    }
}

/// Keeps nothing: lists files only.
pub struct SelectNothing;

impl Selector for SelectNothing {
    fn select(&self, _: &str, _: u32, _: u64) -> Select {
        Select::Skip
    }
}

/// Keeps the content of the exact paths given (tests and small tools).
pub struct SelectPaths<'a>(pub &'a [&'a str]);

impl Selector for SelectPaths<'_> {
    fn select(&self, path: &str, _: u32, _: u64) -> Select {
        if self.0.contains(&path) {
            Select::Keep
        } else {
            Select::Skip
        }
    }
}

/// Caps that protect against hostile images. Enforced in one place: the layer reader.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Most bytes one layer may decompress to.
    pub max_layer_size: u64,
    /// Most a compressed layer may expand, as a ratio of its stored size, once past `ratio_floor`.
    pub max_ratio: u64,
    /// Below this many decompressed bytes the ratio is not checked.
    pub ratio_floor: u64,
    /// Largest single file whose content is read into memory for a cataloger.
    pub max_file_size: u64,
    /// Most entries one layer may hold.
    pub max_entries: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_layer_size: 32 << 30,
            max_ratio: 200,
            ratio_floor: 1 << 30,
            max_file_size: 512 << 20,
            max_entries: 10_000_000,
        }
    }
}

/// Looks at file contents for an analysis beside the catalogers (secrets, content regexes,
/// digests): called for every regular file of every layer, including files a later layer deletes,
/// so a secret removed in a later layer is still found. What [`Inspector::inspect`] returns is
/// kept per layer and path as a note (see `FileTree::notes`), apart from the catalogers' contents.
pub trait Inspector: Send + Sync {
    /// Whether to read this file's content for [`Inspector::inspect`]. Called for every regular
    /// file: cheap checks on the path and size, no allocation.
    fn wants(&self, path: &str, mode: u32, size: u64) -> bool;

    /// The small facts to keep from the whole content, or `None`.
    fn inspect(&self, path: &str, mode: u32, data: &[u8]) -> Option<Vec<u8>>;
}
