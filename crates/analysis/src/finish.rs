//! From the notes of the squashed tree to the [`Analysis`]: findings of every layer with their
//! `deleted` flag, the environment, users, the file index, digests and verification.

use std::collections::HashMap;

use vigil_image::{FileKind, FileTree, Image};
use vigil_types::{Analysis, ContentMatch, FileEntry, FileEntryKind, FoundIn, Package, Searched, SecretFinding};

use crate::note::{facts, Fact};
use crate::users::{parse_group, parse_passwd};
use crate::versions::{FileHit, Hits, What};
use crate::Analyzer;

/// The facts kept for the live version of a file.
#[derive(Clone, Copy, Default)]
pub(crate) struct Live<'a> {
    pub sha256: Option<&'a [u8]>,
    pub md5: Option<&'a [u8]>,
    pub sha1: Option<&'a [u8]>,
    pub raw: Option<&'a [u8]>,
}

pub(crate) fn finish(a: &Analyzer, image: &Image, packages: &[Package]) -> Analysis {
    let tree = &image.tree;
    let rules = &a.scanner.rules;
    let mut out = Analysis {
        searched: Searched {
            secret_rules: rules.iter().map(|r| r.id.clone()).collect(),
            content_regexes: a.scanner.content.iter().map(|(re, _)| re.clone()).collect(),
            digests: a.config.digests,
            verify: a.config.verify,
            max_file_size: a.config.max_file_size,
        },
        ..Analysis::default()
    };
    let mut live: HashMap<&str, Live<'_>> = HashMap::new();
    let mut hits = Hits::default();
    for n in tree.notes() {
        let mut l = Live::default();
        hits.next_version();
        let hit = |what, line, fingerprint, redacted| FileHit {
            path: n.path,
            layer: n.layer,
            live: n.live,
            what,
            line,
            fingerprint,
            redacted,
        };
        for f in facts(n.data) {
            match f {
                Fact::Secret {
                    rule,
                    line,
                    fingerprint,
                    redacted,
                } => hits.push(hit(What::Secret(rule), line, fingerprint, redacted)),
                Fact::Content {
                    regex,
                    line,
                    fingerprint,
                } => hits.push(hit(What::Content(regex), line, fingerprint, &[])),
                Fact::Dropped(k) => {
                    out.notes.push(format!(
                        "{} (layer {}): {k} more matches than the {} listed per file",
                        n.path,
                        n.layer,
                        crate::scan::MAX_FINDINGS_PER_FILE
                    ));
                }
                Fact::Sha256(d) => l.sha256 = Some(d),
                Fact::Md5(d) => l.md5 = Some(d),
                Fact::Sha1(d) => l.sha1 = Some(d),
                Fact::Raw(d) => l.raw = Some(d),
            }
        }
        if n.live {
            live.insert(n.path, l);
        }
    }
    for m in hits.merge() {
        let found_in = FoundIn::File {
            path: m.path.to_string(),
            layer: m.layer,
            line: m.line,
            deleted: m.deleted,
        };
        match m.what {
            What::Secret(rule) => {
                let Some(r) = a.scanner.rules.get(rule as usize) else {
                    continue;
                };
                out.secrets.push(SecretFinding {
                    rule: r.id.clone(),
                    category: r.category.clone(),
                    title: r.title.clone(),
                    found_in,
                    redacted: String::from_utf8_lossy(m.redacted).into_owned(),
                });
            }
            What::Content(regex) => {
                let Some((re, _)) = a.scanner.content.get(regex as usize) else {
                    continue;
                };
                out.content_matches.push(ContentMatch {
                    regex: re.clone(),
                    found_in,
                });
            }
        }
    }
    env_secrets(a, image, &mut out);
    out.secrets
        .sort_by(|x, y| order(&x.found_in).cmp(&order(&y.found_in)).then(x.rule.cmp(&y.rule)));
    out.content_matches
        .sort_by(|x, y| order(&x.found_in).cmp(&order(&y.found_in)).then(x.regex.cmp(&y.regex)));
    users(tree, &live, &mut out);
    files(a, tree, &live, &mut out);
    if a.config.verify {
        let v = crate::verify::verify(tree, &live, packages);
        out.verify = v.findings;
        out.notes.extend(v.notes);
    }
    out
}

/// Sort key: files by path, layer and line, then environment variables by name.
fn order(f: &FoundIn) -> (u8, &str, usize, u32) {
    match f {
        FoundIn::File { path, layer, line, .. } => (0, path, *layer, *line),
        FoundIn::Env { name } => (1, name, 0, 0),
    }
}

/// Secrets in the configuration's `NAME=value` environment variables.
fn env_secrets(a: &Analyzer, image: &Image, out: &mut Analysis) {
    for var in &image.config.env {
        let name = var.split_once('=').map_or(var.as_str(), |(n, _)| n);
        let mut dropped = 0;
        if let Some(h) = a.scanner.secrets(None, true, var.as_bytes(), &mut dropped).first() {
            let r = &a.scanner.rules[h.rule];
            out.secrets.push(SecretFinding {
                rule: r.id.clone(),
                category: r.category.clone(),
                title: r.title.clone(),
                found_in: FoundIn::Env { name: name.to_string() },
                redacted: String::from_utf8_lossy(&h.redacted).into_owned(),
            });
        }
    }
}

/// `/etc/passwd` and `/etc/group` of the final tree (following links to the file).
fn users(tree: &FileTree, live: &HashMap<&str, Live<'_>>, out: &mut Analysis) {
    let mut kept = |path: &str| -> Option<&[u8]> {
        let f = tree.resolve(path).ok().flatten()?;
        let raw = live.get(f.path).and_then(|l| l.raw);
        if raw.is_none() {
            out.notes
                .push(format!("{path}: present but not read (larger than searched)"));
        }
        raw
    };
    let passwd = kept("/etc/passwd").map(parse_passwd);
    let groups = kept("/etc/group").map(parse_group);
    out.passwd = passwd;
    out.groups = groups;
}

/// Every entry of the final tree, sorted by path, with its digest when computed.
fn files(a: &Analyzer, tree: &FileTree, live: &HashMap<&str, Live<'_>>, out: &mut Analysis) {
    let mut large = 0usize;
    let mut largest: Option<(u64, &str)> = None;
    out.files = tree
        .iter()
        .map(|f| {
            let regular = matches!(f.kind, FileKind::File | FileKind::HardLink);
            if f.kind == FileKind::File && f.size > a.config.max_file_size {
                large += 1;
                if largest.is_none_or(|(s, _)| f.size > s) {
                    largest = Some((f.size, f.path));
                }
            }
            let sha256 = if a.config.digests && regular {
                let own = live.get(f.path).and_then(|l| l.sha256);
                let linked = || f.link.and_then(|t| live.get(t)).and_then(|l| l.sha256);
                own.or_else(linked).map(hex::encode)
            } else {
                None
            };
            FileEntry {
                path: f.path.to_string(),
                kind: match f.kind {
                    FileKind::File => FileEntryKind::File,
                    FileKind::Dir => FileEntryKind::Dir,
                    FileKind::Symlink => FileEntryKind::Symlink,
                    FileKind::HardLink => FileEntryKind::Hardlink,
                    FileKind::Other => FileEntryKind::Other,
                },
                mode: f.mode & 0o7777,
                uid: f.uid,
                gid: f.gid,
                size: f.size,
                layer: f.layer,
                link: f.link.map(str::to_string),
                sha256,
            }
        })
        .collect();
    out.files.sort_by(|x, y| x.path.cmp(&y.path));
    if let Some((size, path)) = largest {
        out.notes.push(format!(
            "{large} file(s) larger than {} bytes not searched{} (largest: {path}, {size} bytes)",
            a.config.max_file_size,
            if a.config.digests { " nor digested" } else { "" }
        ));
    }
}
