//! Findings of every version of a file, merged: a secret (or a content match) kept through
//! several versions (a later layer rewrote the file and kept it) is reported once, at the layer
//! that introduced it, and `deleted` only when the final version no longer holds it. Versions are
//! paired by a fingerprint of the matched text and its occurrence count in the version, so two
//! equal keys on two lines of one file stay two findings.

use std::collections::HashMap;

/// What found something: a secret rule or a content regex (their index).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum What {
    Secret(u16),
    Content(u16),
}

/// One finding in one version of a file.
pub(crate) struct FileHit<'a> {
    pub path: &'a str,
    pub layer: usize,
    pub live: bool,
    pub what: What,
    pub line: u32,
    pub fingerprint: u64,
    pub redacted: &'a [u8],
}

/// A finding across versions.
pub(crate) struct Merged<'a> {
    pub path: &'a str,
    pub what: What,
    /// The lowest layer whose version holds it.
    pub layer: usize,
    /// The line in the live version, else in the first version.
    pub line: u32,
    pub deleted: bool,
    pub redacted: &'a [u8],
}

/// Collects hits, numbering equal ones within each version.
#[derive(Default)]
pub(crate) struct Hits<'a> {
    hits: Vec<(FileHit<'a>, usize)>,
    version_start: usize,
}

impl<'a> Hits<'a> {
    /// Starts the hits of another version.
    pub fn next_version(&mut self) {
        self.version_start = self.hits.len();
    }

    pub fn push(&mut self, h: FileHit<'a>) {
        let occurrence = self.hits[self.version_start..]
            .iter()
            .filter(|(o, _)| o.what == h.what && o.fingerprint == h.fingerprint)
            .count();
        self.hits.push((h, occurrence));
    }

    /// The merged findings, in no particular order.
    pub fn merge(self) -> Vec<Merged<'a>> {
        type Key<'k> = (&'k str, What, u64, usize);
        let mut groups: HashMap<Key<'a>, Vec<FileHit<'a>>> = HashMap::new();
        for (h, occurrence) in self.hits {
            groups
                .entry((h.path, h.what, h.fingerprint, occurrence))
                .or_default()
                .push(h);
        }
        let mut out = Vec::with_capacity(groups.len());
        for ((path, what, _, _), versions) in groups {
            let Some(first) = versions.iter().map(|h| h.layer).min() else {
                continue;
            };
            let shown = versions
                .iter()
                .find(|h| h.live)
                .or_else(|| versions.iter().find(|h| h.layer == first));
            let Some(shown) = shown else { continue };
            out.push(Merged {
                path,
                what,
                layer: first,
                line: shown.line,
                deleted: !shown.live,
                redacted: shown.redacted,
            });
        }
        out
    }
}
