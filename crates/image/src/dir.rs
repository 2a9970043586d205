//! A root filesystem directory as a one-layer image. Links are recorded, never followed while
//! walking, so nothing outside the directory is read.

use std::fs;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use vigil_types::{SourceInfo, Unknown};

use crate::layer::Readers;
use crate::tree::{FileKind, FileTree, LayerIndex, NewEntry};
use crate::{Image, ImageError, Options, Selector};

pub(crate) fn open(input: &str, root: &Path, options: &Options, selector: &dyn Selector) -> Result<Image, ImageError> {
    let meta = fs::symlink_metadata(root).map_err(|e| ImageError::io(input, e))?;
    if !meta.is_dir() {
        return Err(ImageError::Unrecognised {
            input: input.to_string(),
            reason: "not a directory".to_string(),
        });
    }
    let mut walk = Walk {
        index: LayerIndex::default(),
        unknowns: Vec::new(),
        selector,
        options,
        size: 0,
        buf: Vec::new(),
    };
    let mut path = String::new();
    walk.dir(root, &mut path);
    let unknowns = std::mem::take(&mut walk.unknowns);
    let size = walk.size;
    let tree = FileTree::squash(vec![walk.index], vec![None]);
    Ok(Image {
        source: SourceInfo {
            scheme: "dir".to_string(),
            input: input.to_string(),
            name: root.display().to_string(),
            size,
            ..SourceInfo::default()
        },
        layers: Vec::new(),
        config: Default::default(),
        tree,
        unknowns,
    })
}

struct Walk<'a> {
    index: LayerIndex,
    unknowns: Vec<Unknown>,
    selector: &'a dyn Selector,
    options: &'a Options,
    size: u64,
    buf: Vec<u8>,
}

impl Walk<'_> {
    fn unknown(&mut self, path: &str, reason: String) {
        self.unknowns.push(Unknown {
            path: path.to_string(),
            layer: None,
            found_by: "image".to_string(),
            reason,
        });
    }

    fn dir(&mut self, dir: &Path, path: &mut String) {
        let rd = match fs::read_dir(dir) {
            Ok(rd) => rd,
            Err(e) => {
                let p = if path.is_empty() { "/".to_string() } else { path.clone() };
                self.unknown(&p, format!("cannot list directory: {e}"));
                return;
            }
        };
        let mut names: Vec<_> = rd.filter_map(Result::ok).map(|e| e.file_name()).collect();
        names.sort();
        for name in names {
            let Some(name_str) = name.to_str() else {
                self.unknown(
                    &format!("{path}/{}", name.to_string_lossy()),
                    "name is not valid UTF-8".to_string(),
                );
                continue;
            };
            let len = path.len();
            path.push('/');
            path.push_str(name_str);
            let full = dir.join(&name);
            self.entry(&full, path);
            path.truncate(len);
        }
    }

    fn entry(&mut self, full: &Path, path: &mut String) {
        let meta = match fs::symlink_metadata(full) {
            Ok(m) => m,
            Err(e) => {
                self.unknown(path, format!("cannot stat: {e}"));
                return;
            }
        };
        let ft = meta.file_type();
        let mode = meta.permissions().mode() & 0o7777;
        let (kind, link) = if ft.is_symlink() {
            (
                FileKind::Symlink,
                fs::read_link(full).ok().and_then(|t| t.to_str().map(str::to_string)),
            )
        } else if ft.is_dir() {
            (FileKind::Dir, None)
        } else if ft.is_file() {
            (FileKind::File, None)
        } else {
            (FileKind::Other, None)
        };
        let mut content = None;
        let mut note = None;
        if kind == FileKind::File {
            self.size += meta.len();
            let readers = Readers {
                selector: self.selector,
                inspector: self.options.inspector.as_deref(),
            };
            let limits = &self.options.limits;
            let want = readers.want(path, mode, meta.len(), limits);
            if want.over_cap {
                let reason = format!("{} bytes is past the cap of {} bytes", meta.len(), limits.max_file_size);
                self.unknown(path, reason);
            }
            if want.read() {
                self.buf.clear();
                match fs::File::open(full).and_then(|f| f.take(limits.max_file_size).read_to_end(&mut self.buf)) {
                    Ok(_) => (content, note) = readers.take(path, mode, &mut self.buf, want),
                    Err(e) => self.unknown(path, format!("cannot read: {e}")),
                }
            }
        }
        self.index.push(NewEntry {
            path,
            kind,
            link: link.as_deref(),
            size: meta.len(),
            mode,
            uid: meta.uid(),
            gid: meta.gid(),
            content,
        });
        if let Some(n) = note {
            self.index.note(n);
        }
        if kind == FileKind::Dir {
            self.dir(full, path);
        }
    }
}
