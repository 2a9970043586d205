//! Debian and Ubuntu packages from dpkg's database: `/var/lib/dpkg/status`, and the
//! `/var/lib/dpkg/status.d/<package>` files distroless images carry instead (no dpkg there).
//!
//! Each installed package gets its owned files from `info/<package>[:<arch>].list` (or, in
//! status.d, the `<package>.md5sums` beside it), its licences from
//! `/usr/share/doc/<package>/copyright` (followed through symbolic links, as Debian links the
//! docs of related packages), and the layer that introduced it from the history of the status
//! file (see [`crate::introduced`]).

mod parse_copyright;
mod parse_file_list;
mod parse_status;

use std::collections::HashSet;

use vigil_image::{FileRef, FileTree};
use vigil_types::{Location, Package, PackageType, Purl};

use crate::introduced::introduced_layers;
use crate::{Cataloger, Files, Found, Select};
use parse_copyright::parse_copyright;
use parse_file_list::{parse_list, parse_md5sums};
use parse_status::{parse_status, DpkgEntry, StanzaError};

const FOUND_BY: &str = "dpkg-db-cataloger";
const STATUS: &str = "var/lib/dpkg/status";
const STATUS_D: &str = "/var/lib/dpkg/status.d/";

/// Finds packages in dpkg's database.
pub struct DpkgCataloger;

impl Cataloger for DpkgCataloger {
    fn name(&self) -> &'static str {
        FOUND_BY
    }

    fn select(&self, path: &str, _mode: u32, _size: u64) -> Select {
        let wanted = if path.ends_with("/var/lib/dpkg/status") {
            true
        } else if path.ends_with("/copyright") {
            path.contains("/usr/share/doc/")
        } else if path.contains("/var/lib/dpkg/") {
            path.contains(STATUS_D) || (path.ends_with(".list") && path.contains("/var/lib/dpkg/info/"))
        } else {
            false
        };
        if wanted {
            Select::Keep
        } else {
            Select::Skip
        }
    }

    fn catalog(&self, files: &Files<'_>, out: &mut Found) {
        for (f, data) in files.iter() {
            match db_file(f.path) {
                Some(DbFile::Status { root }) => catalog_status(files, &f, &data, root, out),
                Some(DbFile::StatusD { root, name }) => catalog_status_d(files, &f, &data, root, name, out),
                None => {}
            }
        }
    }
}

/// A database file, with the root of the file system it belongs to (`/` normally).
enum DbFile<'a> {
    Status { root: &'a str },
    StatusD { root: &'a str, name: &'a str },
}

fn db_file(path: &str) -> Option<DbFile<'_>> {
    if let Some(root) = path.strip_suffix(STATUS) {
        return root.ends_with('/').then_some(DbFile::Status { root });
    }
    let at = path.find(STATUS_D)?;
    let name = &path[at + STATUS_D.len()..];
    if name.is_empty() || name.contains('/') || name.starts_with('.') || name.ends_with(".md5sums") {
        return None;
    }
    Some(DbFile::StatusD {
        root: &path[..=at],
        name,
    })
}

fn catalog_status(files: &Files<'_>, f: &FileRef<'_>, data: &[u8], root: &str, out: &mut Found) {
    let parsed = parse_status(&String::from_utf8_lossy(data));
    report(files, f, &parsed.errors, parsed.entries.len(), out);
    let layers = introduced_layers(files.history(f.path), installed_keys);
    let location = files.location(f);
    for e in parsed.entries.iter().filter(|e| e.is_installed()) {
        let mut p = package(files, e, location.clone(), root, None);
        if let Some(&layer) = layers.get(&key(e)) {
            p.layer = files.tree().layer_digest(layer).cloned();
        }
        out.push(p);
    }
}

fn catalog_status_d(files: &Files<'_>, f: &FileRef<'_>, data: &[u8], root: &str, name: &str, out: &mut Found) {
    let parsed = parse_status(&String::from_utf8_lossy(data));
    report(files, f, &parsed.errors, parsed.entries.len(), out);
    let installed: Vec<&DpkgEntry> = parsed.entries.iter().filter(|e| e.is_installed()).collect();
    let single = installed.len() == 1;
    for e in installed {
        // The md5sums beside the file list the files of the package the file is named after.
        let md5sums = (single || e.package == name).then_some(name);
        out.push(package(files, e, files.location(f), root, md5sums));
    }
}

/// One unknown per file whose stanzas could not all be read.
fn report(files: &Files<'_>, f: &FileRef<'_>, errors: &[StanzaError], read: usize, out: &mut Found) {
    let Some(first) = errors.first() else { return };
    let reason = if read == 0 {
        format!("not a dpkg database: no stanza could be read ({first})")
    } else {
        format!(
            "{} stanza(s) could not be read and were skipped; first: {first}",
            errors.len()
        )
    };
    out.unknown(files, f, reason);
}

fn key(e: &DpkgEntry) -> String {
    format!("{}\0{}\0{}", e.package, e.architecture, e.version)
}

fn installed_keys(data: &[u8]) -> Option<HashSet<String>> {
    let parsed = parse_status(&String::from_utf8_lossy(data));
    if parsed.entries.is_empty() && !parsed.errors.is_empty() {
        return None;
    }
    Some(parsed.entries.iter().filter(|e| e.is_installed()).map(key).collect())
}

/// The package URL as Syft writes it: `pkg:deb/debian/libbz2-1.0@1.0.8-5+b1?arch=amd64&distro=debian-12&upstream=bzip2%401.0.8-5`.
fn purl(files: &Files<'_>, e: &DpkgEntry) -> Purl {
    let upstream = match (e.source.is_empty(), e.source_version.is_empty()) {
        (true, _) => String::new(),
        (false, true) => e.source.clone(),
        (false, false) => format!("{}@{}", e.source, e.source_version),
    };
    let mut purl = Purl::new("deb", &e.package, &e.version)
        .qualifier("arch", &e.architecture)
        .qualifier("upstream", &upstream);
    if let Some(d) = files.distro() {
        purl = purl.namespace(&d.id).qualifier("distro", &d.purl_qualifier());
    }
    purl
}

fn package(files: &Files<'_>, e: &DpkgEntry, location: Location, root: &str, md5sums: Option<&str>) -> Package {
    let tree = files.tree();
    let mut p = Package::new(
        PackageType::Deb,
        &e.package,
        &e.version,
        purl(files, e),
        location,
        FOUND_BY,
    );
    p.set_meta("source", &e.source);
    p.set_meta("source_version", &e.source_version);
    p.set_meta("arch", &e.architecture);
    p.set_meta("maintainer", &e.maintainer);
    p.set_meta("installed_size", &e.installed_size);

    let info = format!("{root}var/lib/dpkg/info/");
    let lists = [
        format!("{info}{}:{}.list", e.package, e.architecture),
        format!("{info}{}.list", e.package),
    ];
    if let Some((f, text)) = lists.iter().find_map(|path| kept(tree, path)) {
        p.files = parse_list(&text);
        p.locations.push(tree.location(&f));
    } else if let Some((f, text)) =
        md5sums.and_then(|name| kept(tree, &format!("{root}var/lib/dpkg/status.d/{name}.md5sums")))
    {
        p.files = parse_md5sums(&text);
        p.locations.push(tree.location(&f));
    }

    let copyright = format!("{root}usr/share/doc/{}/copyright", e.package);
    if let Some((f, text)) = kept(tree, &copyright) {
        p.licenses = parse_copyright(&text);
        p.locations.push(tree.location(&f));
    }
    p
}

/// The file `path` leads to (links followed) and its kept content as text.
fn kept<'t>(tree: &'t FileTree, path: &str) -> Option<(FileRef<'t>, String)> {
    let f = tree.resolve(path).ok().flatten()?;
    let text = String::from_utf8_lossy(f.content()?).into_owned();
    Some((f, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selects_only_what_it_reads() {
        let c = DpkgCataloger;
        for p in [
            "/var/lib/dpkg/status",
            "/var/lib/dpkg/status.d/libssl3",
            "/var/lib/dpkg/status.d/libssl3.md5sums",
            "/var/lib/dpkg/info/zlib1g:amd64.list",
            "/usr/share/doc/zlib1g/copyright",
            "/srv/rootfs/var/lib/dpkg/status",
        ] {
            assert_eq!(c.select(p, 0o644, 10), Select::Keep, "{p}");
        }
        for p in [
            "/var/lib/dpkg/status-old",
            "/var/lib/dpkg/info/zlib1g:amd64.md5sums",
            "/var/lib/dpkg/available",
            "/usr/share/doc/zlib1g/changelog.gz",
            "/etc/copyright",
            "/usr/bin/status",
        ] {
            assert_eq!(c.select(p, 0o644, 10), Select::Skip, "{p}");
        }
    }

    #[test]
    fn recognises_database_files() {
        assert!(matches!(
            db_file("/var/lib/dpkg/status"),
            Some(DbFile::Status { root: "/" })
        ));
        assert!(matches!(
            db_file("/x/var/lib/dpkg/status"),
            Some(DbFile::Status { root: "/x/" })
        ));
        assert!(matches!(
            db_file("/var/lib/dpkg/status.d/tzdata"),
            Some(DbFile::StatusD {
                root: "/",
                name: "tzdata"
            })
        ));
        assert!(db_file("/var/lib/dpkg/status.d/tzdata.md5sums").is_none());
        assert!(db_file("/var/lib/dpkg/status.d/sub/x").is_none());
        assert!(db_file("/var/lib/dpkg/info/x.list").is_none());
        assert!(db_file("/notvar/lib/dpkg/status").is_none());
    }
}
