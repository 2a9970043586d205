//! What a cataloger sees while cataloging: its own files, the whole tree, the distro.

use std::borrow::Cow;

use vigil_image::{FileRef, FileTree, Select};
use vigil_types::{Distro, Location, Package, Unknown};

use crate::Cataloger;

/// What kind of source is cataloged. Directory scans also read declared dependencies
/// (lockfiles); image scans catalog only what is installed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Image,
    Directory,
}

/// The files one cataloger selected, and the rest of the tree for lookups.
pub struct Files<'a> {
    pub(crate) tree: &'a FileTree,
    pub(crate) distro: Option<&'a Distro>,
    pub(crate) scope: Scope,
    pub(crate) cataloger: &'a dyn Cataloger,
    /// Position of this cataloger in the registry, to find its part of a shared extract.
    pub(crate) slot: u16,
    /// Whether the registry kept raw content for files this cataloger wanted extracted.
    pub(crate) select_all: &'a dyn Fn(&str, u32, u64) -> Select,
}

impl<'a> Files<'a> {
    /// The files this cataloger selected, with the data it asked for: the whole content for
    /// [`Select::Keep`], its own extract for [`Select::Extract`]. Squashed view, tree order.
    pub fn iter(&self) -> impl Iterator<Item = (FileRef<'a>, Cow<'a, [u8]>)> + '_ {
        self.tree.with_content().filter_map(move |f| {
            let raw = f.content()?;
            let mine = self.cataloger.select(f.path, f.mode, f.size);
            match mine {
                Select::Skip => None,
                Select::Keep => Some((f, Cow::Borrowed(raw))),
                Select::Extract => match (self.select_all)(f.path, f.mode, f.size) {
                    // Someone else asked for the whole file: extract now, from the raw content.
                    Select::Keep => self.cataloger.extract(f.path, raw).map(|v| (f, Cow::Owned(v))),
                    _ => crate::registry::envelope_part(raw, self.slot).map(|v| (f, Cow::Borrowed(v))),
                },
            }
        })
    }

    /// The files this cataloger extracted, each extract decoded from the JSON its
    /// [`Cataloger::extract`] wrote. An extract that does not decode becomes an unknown
    /// (`unreadable <what>: <why>`) and is left out.
    pub fn decoded<T: serde::de::DeserializeOwned>(&self, out: &mut Found, what: &str) -> Vec<(FileRef<'a>, T)> {
        let mut decoded = Vec::new();
        for (f, bytes) in self.iter() {
            match serde_json::from_slice(&bytes) {
                Ok(x) => decoded.push((f, x)),
                Err(e) => out.unknown(self, &f, format!("unreadable {what}: {e}")),
            }
        }
        decoded
    }

    /// The whole tree, for lookups by path.
    pub fn tree(&self) -> &'a FileTree {
        self.tree
    }

    /// The distribution, if `os-release` named one.
    pub fn distro(&self) -> Option<&'a Distro> {
        self.distro
    }

    pub fn scope(&self) -> Scope {
        self.scope
    }

    /// The location of a file: its path and the layer that last wrote it.
    pub fn location(&self, f: &FileRef<'_>) -> Location {
        self.tree.location(f)
    }

    /// Every kept version of `path`, bottom layer first, with each version's layer index. Use it
    /// to find the layer that introduced a package: the lowest layer from which on it is present.
    pub fn history(&self, path: &str) -> &'a [(usize, std::sync::Arc<[u8]>)] {
        self.tree.history(path)
    }
}

/// What catalogers report.
#[derive(Default, Debug)]
pub struct Found {
    pub packages: Vec<Package>,
    pub unknowns: Vec<Unknown>,
}

impl Found {
    /// Records that `file` could not be read by `cataloger`, and why.
    pub fn unknown(&mut self, files: &Files<'_>, file: &FileRef<'_>, reason: impl ToString) {
        self.unknowns.push(Unknown {
            path: file.path.to_string(),
            layer: files.tree.layer_digest(file.layer).cloned(),
            found_by: files.cataloger.name().to_string(),
            reason: reason.to_string(),
        });
    }

    pub fn push(&mut self, p: Package) {
        self.packages.push(p);
    }
}
