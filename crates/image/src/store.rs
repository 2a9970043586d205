//! Where an image's files (manifests, configs, layer blobs) are read from: a directory, or an
//! archive indexed once so each layer can be read by its own thread.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::path::normalize_entry;
use crate::ImageError;

/// Opens named members of an image: `manifest.json`, `blobs/sha256/…`, `<id>/layer.tar`.
pub(crate) trait BlobStore: Sync {
    /// A reader over the member and its size, or `None` when it is absent.
    fn open(&self, name: &str) -> io::Result<Option<(Box<dyn Read + Send + '_>, u64)>>;

    /// Whether the member exists.
    fn contains(&self, name: &str) -> bool;

    /// Reads a small member whole (metadata), refusing past `cap` bytes.
    fn read_small(&self, input: &str, name: &str, cap: u64) -> Result<Option<Vec<u8>>, ImageError> {
        let Some((mut r, size)) = self.open(name).map_err(|e| ImageError::io(input, e))? else {
            return Ok(None);
        };
        if size > cap {
            return Err(ImageError::meta(
                input,
                name,
                format!("{size} bytes is too large for metadata"),
            ));
        }
        let mut out = Vec::with_capacity(size as usize);
        r.read_to_end(&mut out)
            .map_err(|e| ImageError::meta(input, name, format!("cannot read: {e}")))?;
        Ok(Some(out))
    }
}

/// Normalises a member name from a manifest; `None` when it would leave the image.
fn clean(name: &str) -> Option<String> {
    let mut out = String::new();
    match normalize_entry(name.as_bytes(), &mut out) {
        Ok(true) => Some(out[1..].to_string()),
        _ => None,
    }
}

/// Members are files below a directory (an OCI image layout on disk).
pub(crate) struct DirStore {
    pub root: PathBuf,
}

impl BlobStore for DirStore {
    fn open(&self, name: &str) -> io::Result<Option<(Box<dyn Read + Send + '_>, u64)>> {
        let Some(rel) = clean(name) else {
            return Ok(None);
        };
        match File::open(self.root.join(rel)) {
            Ok(f) => {
                let len = f.metadata()?.len();
                Ok(Some((Box::new(f), len)))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn contains(&self, name: &str) -> bool {
        clean(name).is_some_and(|rel| self.root.join(rel).is_file())
    }
}

/// Members of a tar archive (docker save, OCI archive), indexed once by offset.
pub(crate) struct TarStore {
    path: PathBuf,
    members: HashMap<String, (u64, u64)>,
}

impl TarStore {
    /// Indexes the archive at `path`: one pass over its headers, seeking past the data.
    pub fn index(input: &str, path: &Path) -> Result<TarStore, ImageError> {
        let file = File::open(path).map_err(|e| ImageError::io(input, e))?;
        let total = file.metadata().map_err(|e| ImageError::io(input, e))?.len();
        let mut archive = tar::Archive::new(BufReader::with_capacity(64 << 10, file));
        let mut members = HashMap::new();
        let entries = archive.entries_with_seek().map_err(|e| ImageError::Unrecognised {
            input: input.to_string(),
            reason: format!("not a tar archive: {e}"),
        })?;
        for entry in entries {
            let entry = entry.map_err(|e| ImageError::Unrecognised {
                input: input.to_string(),
                reason: format!("truncated or corrupt archive after {} members: {e}", members.len()),
            })?;
            let ty = entry.header().entry_type();
            if !(ty.is_file() || ty == tar::EntryType::Continuous) {
                continue;
            }
            let name = entry.path_bytes();
            let Some(name) = std::str::from_utf8(&name).ok().and_then(clean) else {
                continue;
            };
            let (off, size) = (entry.raw_file_position(), entry.size());
            if off.saturating_add(size) > total {
                return Err(ImageError::Unrecognised {
                    input: input.to_string(),
                    reason: format!(
                        "archive is truncated: member {name:?} needs {size} bytes at offset {off}, file has {total}"
                    ),
                });
            }
            members.insert(name, (off, size));
        }
        if members.is_empty() {
            return Err(ImageError::Unrecognised {
                input: input.to_string(),
                reason: "not a tar archive, or an empty one".to_string(),
            });
        }
        Ok(TarStore {
            path: path.to_path_buf(),
            members,
        })
    }
}

impl BlobStore for TarStore {
    fn open(&self, name: &str) -> io::Result<Option<(Box<dyn Read + Send + '_>, u64)>> {
        let Some(&(off, size)) = clean(name).and_then(|n| self.members.get(&n)) else {
            return Ok(None);
        };
        let mut f = File::open(&self.path)?;
        f.seek(SeekFrom::Start(off))?;
        Ok(Some((Box::new(f.take(size)), size)))
    }

    fn contains(&self, name: &str) -> bool {
        clean(name).is_some_and(|n| self.members.contains_key(&n))
    }
}
