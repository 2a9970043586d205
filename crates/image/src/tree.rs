//! The file index of one layer, and the squashed tree of all layers with per-file provenance.
//!
//! Paths live in one string arena per index and entries are small fixed-size records, so a
//! million files cost tens of megabytes, not a heap object each. Contents are kept only for the
//! files a [`crate::Selector`] asked for.

use std::hash::BuildHasher;
use std::sync::Arc;

use hashbrown::{DefaultHashBuilder, HashMap, HashSet, HashTable};
use vigil_types::{Digest, Location};

use crate::path::{parent, resolve_in_root};

/// The kind of a tree entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    File,
    Dir,
    Symlink,
    HardLink,
    Other,
}

const NONE: u32 = u32::MAX;
const MAX_LINK_HOPS: usize = 40;

#[derive(Clone, Copy, Debug)]
struct Span {
    off: u32,
    len: u32,
}

#[derive(Clone, Copy, Debug)]
struct Rec {
    path: Span,
    link: Span,
    size: u64,
    mode: u32,
    uid: u32,
    gid: u32,
    content: u32,
    layer: u16,
    kind: FileKind,
    live: bool,
}

/// A string arena: all paths of an index, back to back.
#[derive(Default)]
struct Arena(String);

impl Arena {
    fn push(&mut self, s: &str) -> Span {
        let off = self.0.len() as u32;
        self.0.push_str(s);
        Span {
            off,
            len: s.len() as u32,
        }
    }
    fn get(&self, s: Span) -> &str {
        &self.0[s.off as usize..(s.off + s.len) as usize]
    }
}

/// The entries of one layer in tar order, with its whiteouts and kept contents.
#[derive(Default)]
pub struct LayerIndex {
    arena: Arena,
    recs: Vec<Rec>,
    whiteouts: Vec<Span>,
    opaque: Vec<Span>,
    contents: Vec<Arc<[u8]>>,
    /// Inspector notes: (index of the entry in `recs`, note). Empty without an inspector.
    notes: Vec<(u32, Box<[u8]>)>,
    /// Files whose content was wanted but could not be kept: (path, reason).
    pub(crate) skipped: Vec<(String, String)>,
}

/// What [`LayerIndex::push`] records of one entry.
pub(crate) struct NewEntry<'a> {
    pub path: &'a str,
    pub kind: FileKind,
    pub link: Option<&'a str>,
    pub size: u64,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub content: Option<Vec<u8>>,
}

impl LayerIndex {
    pub(crate) fn push(&mut self, e: NewEntry<'_>) {
        let path = self.arena.push(e.path);
        let link = match e.link {
            Some(l) => self.arena.push(l),
            None => Span { off: 0, len: 0 },
        };
        let content = match e.content {
            Some(c) => {
                self.contents.push(c.into());
                (self.contents.len() - 1) as u32
            }
            None => NONE,
        };
        self.recs.push(Rec {
            path,
            link,
            size: e.size,
            mode: e.mode,
            uid: e.uid,
            gid: e.gid,
            content,
            layer: 0,
            kind: e.kind,
            live: true,
        });
    }

    /// Attaches an inspector's note to the entry pushed last.
    pub(crate) fn note(&mut self, note: Vec<u8>) {
        if let Some(last) = self.recs.len().checked_sub(1) {
            self.notes.push((last as u32, note.into()));
        }
    }

    /// `path` (absolute) is deleted from lower layers.
    pub(crate) fn whiteout(&mut self, path: &str) {
        let s = self.arena.push(path);
        self.whiteouts.push(s);
    }

    /// Everything below `dir` (absolute) from lower layers is hidden.
    pub(crate) fn opaque(&mut self, dir: &str) {
        let s = self.arena.push(dir);
        self.opaque.push(s);
    }

    /// Number of entries (whiteouts not counted).
    pub fn len(&self) -> usize {
        self.recs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.recs.is_empty()
    }
}

/// One file of the tree as catalogers see it.
#[derive(Clone, Copy, Debug)]
pub struct FileRef<'a> {
    /// Absolute path inside the image.
    pub path: &'a str,
    pub kind: FileKind,
    pub size: u64,
    /// Permission and type bits as the tar header gives them (`0o4755` for a setuid binary).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// Index of the layer that last wrote it (0 = bottom).
    pub layer: usize,
    /// Symlink target as written, or hard-link target as an absolute path.
    pub link: Option<&'a str>,
    content: Option<&'a [u8]>,
}

impl<'a> FileRef<'a> {
    /// The kept content (or extract) of this file, if a selector asked for it.
    pub fn content(&self) -> Option<&'a [u8]> {
        self.content
    }
}

/// Why a path could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    #[error("{0}: too many levels of symbolic links (a link loop)")]
    Loop(String),
}

/// An inspector's note on one version of a file: the file at `path` as layer `layer` wrote it.
#[derive(Clone, Copy, Debug)]
pub struct NoteRef<'a> {
    /// Absolute path inside the image.
    pub path: &'a str,
    /// Index of the layer that wrote this version (0 = bottom).
    pub layer: usize,
    /// What [`crate::Inspector::inspect`] returned.
    pub data: &'a [u8],
    /// Whether this version is the one in the final tree (not deleted or replaced by a later layer).
    pub live: bool,
}

/// A note in the tree: the entry it belongs to (its path), the layer, the bytes.
struct TreeNote {
    rec: u32,
    layer: u16,
    data: Box<[u8]>,
}

/// Kept versions of one path: (layer index, content), bottom first.
type Versions = Vec<(usize, Arc<[u8]>)>;

/// The squashed view of an image: what a container started from it would see, with the layer that
/// last wrote each file. Earlier versions of kept files stay reachable through [`FileTree::history`].
pub struct FileTree {
    arena: Arena,
    recs: Vec<Rec>,
    index: HashTable<u32>,
    hasher: DefaultHashBuilder,
    contents: Vec<Arc<[u8]>>,
    layers: Vec<Option<Digest>>,
    history: HashMap<Box<str>, Versions>,
    live: usize,
    /// Inspector notes of every layer, in layer order.
    notes: Vec<TreeNote>,
    /// Entry index -> the note of its live version. Empty (never touched) without an inspector.
    current_note: HashMap<u32, u32>,
}

impl FileTree {
    /// Squashes layer indexes, bottom first. `layers[i]` is the diff id of layer i (none for a directory).
    pub fn squash(indexes: Vec<LayerIndex>, layers: Vec<Option<Digest>>) -> FileTree {
        let total: usize = indexes.iter().map(|l| l.recs.len()).sum();
        let mut t = FileTree {
            arena: Arena(String::with_capacity(indexes.iter().map(|l| l.arena.0.len()).sum())),
            recs: Vec::with_capacity(total),
            index: HashTable::with_capacity(total),
            hasher: DefaultHashBuilder::default(),
            contents: Vec::new(),
            layers,
            history: HashMap::new(),
            live: 0,
            notes: Vec::new(),
            current_note: HashMap::new(),
        };
        for (li, layer) in indexes.into_iter().enumerate() {
            t.apply(li, layer);
        }
        t
    }

    fn hash(&self, s: &str) -> u64 {
        self.hasher.hash_one(s)
    }

    fn find(&self, path: &str) -> Option<u32> {
        let h = self.hash(path);
        self.index
            .find(h, |&i| self.arena.get(self.recs[i as usize].path) == path)
            .copied()
    }

    fn apply(&mut self, li: usize, layer: LayerIndex) {
        let mut hidden: Vec<String> = Vec::new();
        let mut deleted: HashSet<&str> = layer.whiteouts.iter().map(|s| layer.arena.get(*s)).collect();
        let mut opaque: HashSet<&str> = layer.opaque.iter().map(|s| layer.arena.get(*s)).collect();
        let base = self.contents.len() as u32;
        let mut contents = layer.contents.into_iter();
        let mut kept_here: Vec<(&str, Arc<[u8]>)> = Vec::new();
        let mut notes = layer.notes.into_iter().peekable();
        for (ri, rec) in layer.recs.iter().enumerate() {
            let note = notes.next_if(|(r, _)| *r as usize == ri).map(|(_, data)| data);
            let path = layer.arena.get(rec.path);
            if let Some(Some(c)) = (rec.content != NONE).then(|| contents.next()) {
                self.contents.push(c.clone());
                kept_here.push((path, c));
            }
            let content = if rec.content != NONE { base + rec.content } else { NONE };
            let link = if rec.link.len > 0 {
                self.arena.push(layer.arena.get(rec.link))
            } else {
                Span { off: 0, len: 0 }
            };
            let mut new = Rec {
                path: Span { off: 0, len: 0 },
                link,
                content,
                layer: li as u16,
                ..*rec
            };
            if rec.kind == FileKind::HardLink {
                // A hard link is another name of a file written earlier (in this layer or a lower
                // one): it keeps that file's size and content even if a later layer deletes or
                // replaces the file under its first name.
                if let Some(t) = self.find(layer.arena.get(rec.link)) {
                    let t = self.recs[t as usize];
                    if t.kind != FileKind::Dir {
                        new.size = t.size;
                        new.content = t.content;
                    }
                }
            }
            let at = match self.find(path) {
                Some(i) => {
                    let old = &mut self.recs[i as usize];
                    if old.kind == FileKind::Dir && rec.kind != FileKind::Dir {
                        hidden.push(path.to_string());
                    }
                    let p = old.path;
                    *old = Rec { path: p, ..new };
                    i
                }
                None => {
                    let span = self.arena.push(path);
                    let idx = self.recs.len() as u32;
                    self.recs.push(Rec { path: span, ..new });
                    let h = self.hash(path);
                    let (recs, arena) = (&self.recs, &self.arena);
                    self.index
                        .insert_unique(h, idx, |&i| self.hasher.hash_one(arena.get(recs[i as usize].path)));
                    self.live += 1;
                    idx
                }
            };
            match note {
                Some(data) => {
                    self.current_note.insert(at, self.notes.len() as u32);
                    self.notes.push(TreeNote {
                        rec: at,
                        layer: li as u16,
                        data,
                    });
                }
                // A version without a note replaces the noted one.
                None if !self.current_note.is_empty() => {
                    self.current_note.remove(&at);
                }
                None => {}
            }
        }
        for (path, c) in kept_here {
            self.history.entry(path.into()).or_default().push((li, c));
        }
        for h in &hidden {
            opaque.insert(h.as_str());
        }
        // A whiteout deletes the path itself and all below it; an opaque directory (or a directory
        // replaced by a file) hides what lower layers had below it.
        deleted.retain(|p| !p.is_empty());
        if deleted.is_empty() && opaque.is_empty() {
            return;
        }
        let mut doomed = Vec::new();
        for (i, rec) in self.recs.iter().enumerate() {
            if !rec.live || rec.layer as usize >= li {
                continue;
            }
            let path = self.arena.get(rec.path);
            let mut gone = deleted.contains(path);
            let mut p = path;
            while !gone && p != "/" {
                p = parent(p);
                gone = deleted.contains(p) || opaque.contains(p);
            }
            if gone {
                doomed.push(i);
            }
        }
        for i in doomed {
            let path = self.arena.get(self.recs[i].path).to_string();
            let h = self.hash(&path);
            let (recs, arena) = (&self.recs, &self.arena);
            if let Ok(e) = self.index.find_entry(h, |&j| arena.get(recs[j as usize].path) == path) {
                e.remove();
            }
            self.recs[i].live = false;
            self.live -= 1;
            if !self.current_note.is_empty() {
                self.current_note.remove(&(i as u32));
            }
        }
    }

    fn file_ref(&self, i: u32) -> FileRef<'_> {
        let r = &self.recs[i as usize];
        FileRef {
            path: self.arena.get(r.path),
            kind: r.kind,
            size: r.size,
            mode: r.mode,
            uid: r.uid,
            gid: r.gid,
            layer: r.layer as usize,
            link: (r.link.len > 0).then(|| self.arena.get(r.link)),
            content: (r.content != NONE).then(|| &*self.contents[r.content as usize]),
        }
    }

    /// Number of entries a container would see.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Every visible entry, in the order layers first wrote them.
    pub fn iter(&self) -> impl Iterator<Item = FileRef<'_>> + '_ {
        (0..self.recs.len() as u32)
            .filter(|&i| self.recs[i as usize].live)
            .map(|i| self.file_ref(i))
    }

    /// Visible entries whose content (or extract) was kept. A hard link is listed only when its
    /// target no longer holds the same file (it was deleted or replaced by a later layer), so each
    /// kept content is listed once.
    pub fn with_content(&self) -> impl Iterator<Item = FileRef<'_>> + '_ {
        (0..self.recs.len() as u32)
            .filter(|&i| {
                let r = &self.recs[i as usize];
                r.live && r.content != NONE && !(r.kind == FileKind::HardLink && self.link_target_current(r))
            })
            .map(|i| self.file_ref(i))
    }

    /// Whether the target of hard link `r` is still the file it was linked to: present, and not
    /// rewritten by a layer above the link's.
    fn link_target_current(&self, r: &Rec) -> bool {
        self.find(self.arena.get(r.link))
            .is_some_and(|t| self.recs[t as usize].layer <= r.layer)
    }

    /// The entry at exactly `path`, following no links.
    pub fn entry(&self, path: &str) -> Option<FileRef<'_>> {
        self.find(path).map(|i| self.file_ref(i))
    }

    /// The entry `path` leads to, following symbolic links in every component and hard links,
    /// never leaving the image root. `Ok(None)` when nothing is there.
    pub fn resolve(&self, path: &str) -> Result<Option<FileRef<'_>>, ResolveError> {
        let mut hops = 0usize;
        let mut pending: String = path.to_string();
        'restart: loop {
            let mut cur = String::with_capacity(pending.len());
            let comps: Vec<&str> = pending.split('/').filter(|c| !c.is_empty() && *c != ".").collect();
            for (ci, comp) in comps.iter().enumerate() {
                if *comp == ".." {
                    let cut = cur.rfind('/').unwrap_or(0);
                    cur.truncate(cut);
                    continue;
                }
                cur.push('/');
                cur.push_str(comp);
                let Some(i) = self.find(&cur) else { continue };
                let r = self.recs[i as usize];
                match r.kind {
                    FileKind::Symlink => {
                        hops += 1;
                        if hops > MAX_LINK_HOPS {
                            return Err(ResolveError::Loop(path.to_string()));
                        }
                        let target = resolve_in_root(parent(&cur), self.arena.get(r.link));
                        let mut next = target;
                        for rest in &comps[ci + 1..] {
                            next.push('/');
                            next.push_str(rest);
                        }
                        pending = next;
                        continue 'restart;
                    }
                    FileKind::HardLink if ci + 1 == comps.len() => {
                        if !self.link_target_current(&r) {
                            // The link is the last name of its file: it stands for the file.
                            return Ok(Some(FileRef {
                                kind: FileKind::File,
                                ..self.file_ref(i)
                            }));
                        }
                        hops += 1;
                        if hops > MAX_LINK_HOPS {
                            return Err(ResolveError::Loop(path.to_string()));
                        }
                        pending = resolve_in_root("/", self.arena.get(r.link));
                        continue 'restart;
                    }
                    _ => {}
                }
            }
            if cur.is_empty() {
                return Ok(None);
            }
            return Ok(self.find(&cur).map(|i| self.file_ref(i)));
        }
    }

    /// The kept content at `path`, following links; `None` when absent, unkept or unresolvable.
    pub fn content(&self, path: &str) -> Option<&[u8]> {
        self.resolve(path).ok().flatten().and_then(|f| f.content)
    }

    /// Every kept version of `path` (exact, no links), bottom layer first: (layer index, content).
    pub fn history(&self, path: &str) -> &[(usize, Arc<[u8]>)] {
        self.history.get(path).map_or(&[], |v| v.as_slice())
    }

    /// Paths that had kept content in any layer, including ones deleted later (the all-layers scope).
    pub fn history_paths(&self) -> impl Iterator<Item = &str> + '_ {
        self.history.keys().map(|k| &**k)
    }

    /// Inspector notes of every version of every file, in layer order, including versions a later
    /// layer deleted or replaced (their `live` is false). Empty when the image was read without an
    /// [`crate::Inspector`].
    pub fn notes(&self) -> impl Iterator<Item = NoteRef<'_>> + '_ {
        self.notes.iter().enumerate().map(|(n, t)| self.note_ref(n, t))
    }

    fn note_ref<'a>(&'a self, n: usize, t: &'a TreeNote) -> NoteRef<'a> {
        let r = &self.recs[t.rec as usize];
        NoteRef {
            path: self.arena.get(r.path),
            layer: t.layer as usize,
            data: &t.data,
            live: self.current_note.get(&t.rec) == Some(&(n as u32)),
        }
    }

    /// The note on the version of `path` (exact, no links) in the final tree, if it has one.
    pub fn live_note(&self, path: &str) -> Option<NoteRef<'_>> {
        let i = self.find(path)?;
        let &n = self.current_note.get(&i)?;
        let t = self.notes.get(n as usize)?;
        Some(self.note_ref(n as usize, t))
    }

    /// Whether the version of `path` (exact, no links) that layer `layer` wrote is the one in the
    /// final tree: present, and not deleted or replaced by a later layer.
    pub fn is_live(&self, path: &str, layer: usize) -> bool {
        self.find(path)
            .is_some_and(|i| self.recs[i as usize].layer as usize == layer)
    }

    /// The diff id of layer `i`.
    pub fn layer_digest(&self, i: usize) -> Option<&Digest> {
        self.layers.get(i).and_then(|d| d.as_ref())
    }

    /// Number of layers.
    pub fn layer_count(&self) -> usize {
        self.layers.len()
    }

    /// A location for an SBOM: the path and the diff id of the layer that wrote it.
    pub fn location(&self, f: &FileRef<'_>) -> Location {
        Location::new(f.path, self.layer_digest(f.layer).cloned())
    }

    /// A location for `path` at `layer`.
    pub fn location_at(&self, path: &str, layer: usize) -> Location {
        Location::new(path, self.layer_digest(layer).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(l: &mut LayerIndex, path: &str, content: Option<&str>) {
        l.push(NewEntry {
            path,
            kind: FileKind::File,
            link: None,
            size: content.map_or(0, |c| c.len() as u64),
            mode: 0o644,
            uid: 0,
            gid: 0,
            content: content.map(|c| c.as_bytes().to_vec()),
        });
    }

    fn link(l: &mut LayerIndex, path: &str, kind: FileKind, target: &str) {
        l.push(NewEntry {
            path,
            kind,
            link: Some(target),
            size: 0,
            mode: 0o777,
            uid: 0,
            gid: 0,
            content: None,
        });
    }

    fn dir(l: &mut LayerIndex, path: &str) {
        l.push(NewEntry {
            path,
            kind: FileKind::Dir,
            link: None,
            size: 0,
            mode: 0o755,
            uid: 0,
            gid: 0,
            content: None,
        });
    }

    #[test]
    fn whiteouts_and_opaque_dirs() {
        let mut l0 = LayerIndex::default();
        dir(&mut l0, "/a");
        file(&mut l0, "/a/x", Some("x0"));
        file(&mut l0, "/a/y", None);
        dir(&mut l0, "/b");
        file(&mut l0, "/b/z", None);
        file(&mut l0, "/keep", Some("k"));
        let mut l1 = LayerIndex::default();
        l1.whiteout("/a/y");
        l1.opaque("/b");
        file(&mut l1, "/b/new", None);
        file(&mut l1, "/a/x", Some("x1"));
        let t = FileTree::squash(vec![l0, l1], vec![None, None]);
        assert!(t.entry("/a/y").is_none());
        assert!(t.entry("/b/z").is_none());
        assert!(t.entry("/b").is_some());
        assert!(t.entry("/b/new").is_some());
        let x = t.entry("/a/x").expect("x");
        assert_eq!(x.layer, 1);
        assert_eq!(x.content(), Some(&b"x1"[..]));
        assert_eq!(t.history("/a/x").len(), 2);
        assert_eq!(t.entry("/keep").expect("keep").layer, 0);
        assert_eq!(t.len(), 5);
    }

    #[test]
    fn notes_follow_their_version_through_opaque_dirs_and_recreation() {
        let mut l0 = LayerIndex::default();
        dir(&mut l0, "/d");
        file(&mut l0, "/d/secret", None);
        l0.note(b"n0".to_vec());
        file(&mut l0, "/kept", None);
        l0.note(b"k0".to_vec());
        let mut l1 = LayerIndex::default();
        l1.opaque("/d");
        file(&mut l1, "/kept", None);
        let mut l2 = LayerIndex::default();
        file(&mut l2, "/d/secret", None);
        l2.note(b"n2".to_vec());
        let t = FileTree::squash(vec![l0, l1, l2], vec![None, None, None]);
        let notes: Vec<(&str, usize, &[u8], bool)> = t.notes().map(|n| (n.path, n.layer, n.data, n.live)).collect();
        assert_eq!(
            notes,
            vec![
                ("/d/secret", 0, &b"n0"[..], false),
                ("/kept", 0, &b"k0"[..], false),
                ("/d/secret", 2, &b"n2"[..], true),
            ]
        );
        assert_eq!(t.live_note("/d/secret").map(|n| n.layer), Some(2));
        // /kept was rewritten by layer 1 without a note: no live note, layer 1 is the live version.
        assert!(t.live_note("/kept").is_none());
        assert!(t.is_live("/kept", 1) && !t.is_live("/kept", 0));
    }

    #[test]
    fn whiteout_of_a_directory_removes_its_subtree() {
        let mut l0 = LayerIndex::default();
        dir(&mut l0, "/d");
        dir(&mut l0, "/d/e");
        file(&mut l0, "/d/e/f", None);
        file(&mut l0, "/dd", None);
        let mut l1 = LayerIndex::default();
        l1.whiteout("/d");
        let t = FileTree::squash(vec![l0, l1], vec![None, None]);
        assert_eq!(t.iter().map(|f| f.path).collect::<Vec<_>>(), vec!["/dd"]);
    }

    #[test]
    fn file_replacing_directory_hides_children() {
        let mut l0 = LayerIndex::default();
        dir(&mut l0, "/d");
        file(&mut l0, "/d/f", None);
        let mut l1 = LayerIndex::default();
        file(&mut l1, "/d", None);
        let t = FileTree::squash(vec![l0, l1], vec![None, None]);
        assert!(t.entry("/d/f").is_none());
        assert_eq!(t.entry("/d").expect("d").kind, FileKind::File);
    }

    #[test]
    fn resolves_links_inside_the_root() {
        let mut l = LayerIndex::default();
        dir(&mut l, "/usr/lib");
        file(&mut l, "/usr/lib/os-release", Some("ID=debian"));
        link(&mut l, "/etc/os-release", FileKind::Symlink, "../usr/lib/os-release");
        link(&mut l, "/lib", FileKind::Symlink, "usr/lib");
        link(&mut l, "/escape", FileKind::Symlink, "../../../../usr/lib/os-release");
        link(&mut l, "/hard", FileKind::HardLink, "/usr/lib/os-release");
        link(&mut l, "/loop1", FileKind::Symlink, "/loop2");
        link(&mut l, "/loop2", FileKind::Symlink, "loop1");
        let t = FileTree::squash(vec![l], vec![None]);
        assert_eq!(t.content("/etc/os-release"), Some(&b"ID=debian"[..]));
        assert_eq!(t.content("/lib/os-release"), Some(&b"ID=debian"[..]));
        assert_eq!(t.content("/escape"), Some(&b"ID=debian"[..]));
        assert_eq!(t.content("/hard"), Some(&b"ID=debian"[..]));
        assert!(matches!(t.resolve("/loop1"), Err(ResolveError::Loop(_))));
        assert!(t.resolve("/missing").expect("no loop").is_none());
    }
}
