//! Red Hat, Fedora, CentOS, SUSE (and other rpm-based) packages from rpm's database, in any of
//! its three formats, in any of the directories distributions keep it in:
//!
//! - `rpmdb.sqlite` (rpm 4.16+), read with SQLite ([`parse_sqlite`]);
//! - `Packages`, Berkeley DB hash (older rpm), read by our own page reader ([`parse_bdb`]);
//! - `Packages.db`, ndb (SUSE), read by our own slot reader ([`parse_ndb`]).
//!
//! Each yields rpm header blobs, parsed by [`parse_header`]. When a directory holds an
//! `rpmdb.sqlite`, leftover databases of the older formats beside it are not read (rpm itself
//! reads only the configured backend). The layer that introduced each package comes from the
//! history of the database file (see [`crate::introduced`]).

mod parse_bdb;
mod parse_header;
mod parse_ndb;
mod parse_sqlite;

use std::collections::HashSet;

use vigil_image::{FileRef, FileTree};
use vigil_types::{Package, PackageType, Purl};

use crate::introduced::introduced_layers;
use crate::{Cataloger, Files, Found, Select};
use parse_header::{parse_entry, RpmEntry};

const FOUND_BY: &str = "rpm-db-cataloger";
/// Where distributions keep the database (Fedora 36+ and openSUSE moved it to `/usr/lib/sysimage`).
const DIRS: [&str; 3] = ["/var/lib/rpm/", "/usr/lib/sysimage/rpm/", "/usr/share/rpm/"];

/// One record of a database as a reader yields it: a header blob, or why the record holds none.
type Record<'a> = Result<&'a [u8], String>;

/// The database formats, by file name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Sqlite,
    BerkeleyDb,
    Ndb,
}

impl Format {
    fn of(path: &str) -> Option<(Format, &str)> {
        let (dir, name) = path.rsplit_once('/')?;
        let format = match name {
            "rpmdb.sqlite" => Format::Sqlite,
            "Packages" => Format::BerkeleyDb,
            "Packages.db" => Format::Ndb,
            _ => return None,
        };
        let dir = &path[..=dir.len()];
        DIRS.iter().any(|d| dir.ends_with(d)).then_some((format, dir))
    }

    fn label(self) -> &'static str {
        match self {
            Format::Sqlite => "SQLite",
            Format::BerkeleyDb => "Berkeley DB",
            Format::Ndb => "ndb",
        }
    }
}

/// Finds packages in rpm's database.
pub struct RpmCataloger;

impl Cataloger for RpmCataloger {
    fn name(&self) -> &'static str {
        FOUND_BY
    }

    fn select(&self, path: &str, _mode: u32, _size: u64) -> Select {
        // The database itself, or the write-ahead log of an SQLite one.
        let (db, is_log) = match path.strip_suffix("-wal") {
            Some(db) => (db, true),
            None => (path, false),
        };
        match Format::of(db) {
            Some((Format::Sqlite, _)) => Select::Keep,
            Some(_) if !is_log => Select::Keep,
            _ => Select::Skip,
        }
    }

    fn catalog(&self, files: &Files<'_>, out: &mut Found) {
        let tree = files.tree();
        for (f, data) in files.iter() {
            let Some((format, dir)) = Format::of(f.path) else {
                continue;
            };
            if format != Format::Sqlite && has_content(tree, &format!("{dir}rpmdb.sqlite")) {
                continue;
            }
            catalog_db(files, &f, &data, format, out);
        }
    }
}

fn has_content(tree: &FileTree, path: &str) -> bool {
    tree.entry(path).is_some_and(|f| f.content().is_some())
}

/// The packages of one database, with how many records could not be read and the first reason.
#[derive(Default)]
struct Read {
    entries: Vec<RpmEntry>,
    bad: usize,
    first_bad: Option<String>,
}

fn read(format: Format, data: &[u8], wal: Option<&[u8]>) -> Result<Read, String> {
    let mut r = Read::default();
    let mut each = |rec: Result<&[u8], String>| match rec.and_then(|blob| parse_entry(blob).map_err(|e| e.to_string()))
    {
        Ok(e) => r.entries.push(e),
        Err(e) => {
            r.bad += 1;
            r.first_bad.get_or_insert(e);
        }
    };
    let outcome = match format {
        Format::Sqlite => parse_sqlite::read_sqlite(data, wal, &mut each).map_err(|e| e.to_string()),
        Format::BerkeleyDb => parse_bdb::read_bdb(data, &mut each).map_err(|e| e.to_string()),
        Format::Ndb => parse_ndb::read_ndb(data, &mut each).map_err(|e| e.to_string()),
    };
    outcome.map(|()| r)
}

fn catalog_db(files: &Files<'_>, f: &FileRef<'_>, data: &[u8], format: Format, out: &mut Found) {
    let tree = files.tree();
    let wal_path = format!("{}-wal", f.path);
    let wal = (format == Format::Sqlite)
        .then(|| tree.entry(&wal_path).and_then(|w| w.content()))
        .flatten();
    let read = match read(format, data, wal) {
        Ok(r) => r,
        Err(e) => {
            out.unknown(
                files,
                f,
                format!("cannot read the rpm database ({}): {e}", format.label()),
            );
            return;
        }
    };
    if let Some(first) = &read.first_bad {
        out.unknown(
            files,
            f,
            format!(
                "{} package record(s) of the rpm database ({}) could not be read and were skipped; first: {first}",
                read.bad,
                format.label()
            ),
        );
    }
    let layers = introduced_layers(files.history(f.path), |d| read_keys(format, d));
    let location = files.location(f);
    for e in read.entries.into_iter().filter(is_package) {
        let version = full_version(&e);
        let mut p = Package::new(
            PackageType::Rpm,
            &e.name,
            &version,
            purl(files, &e),
            location.clone(),
            FOUND_BY,
        );
        if let Some(&layer) = layers.get(&key(&e)) {
            p.layer = tree.layer_digest(layer).cloned();
        }
        if !e.license.is_empty() {
            p.licenses = vec![e.license.clone()];
        }
        p.set_meta("epoch", &e.epoch.map(|v| v.to_string()).unwrap_or_default());
        p.set_meta("release", &e.release);
        p.set_meta("arch", &e.arch);
        p.set_meta("sourcerpm", &e.source_rpm);
        p.set_meta("vendor", &e.vendor);
        p.set_meta("size", &e.size.map(|v| v.to_string()).unwrap_or_default());
        p.set_meta("modularity_label", &e.modularity_label);
        p.files = e.files;
        out.push(p);
    }
}

/// Imported signing keys are stored as `gpg-pubkey` pseudo-packages: no files, not software.
fn is_package(e: &RpmEntry) -> bool {
    e.name != "gpg-pubkey"
}

fn read_keys(format: Format, data: &[u8]) -> Option<HashSet<String>> {
    let r = read(format, data, None).ok()?;
    Some(r.entries.iter().filter(|e| is_package(e)).map(key).collect())
}

fn key(e: &RpmEntry) -> String {
    format!("{}\0{}\0{}", e.name, e.arch, full_version(e))
}

/// `version-release`, as the purl and rpm's own NEVRA write it.
fn version_release(e: &RpmEntry) -> String {
    if e.release.is_empty() {
        e.version.clone()
    } else {
        format!("{}-{}", e.version, e.release)
    }
}

/// `[epoch:]version-release`, as Syft reports an rpm's version.
fn full_version(e: &RpmEntry) -> String {
    match e.epoch {
        Some(epoch) => format!("{epoch}:{}", version_release(e)),
        None => version_release(e),
    }
}

/// The package URL as Syft writes it: `pkg:rpm/rhel/bash@5.1.8-9.el9?arch=x86_64&distro=rhel-9.4&epoch=1&upstream=bash-5.1.8-9.el9.src.rpm`.
fn purl(files: &Files<'_>, e: &RpmEntry) -> Purl {
    let mut purl = Purl::new("rpm", &e.name, &version_release(e))
        .qualifier("arch", &e.arch)
        .qualifier("epoch", &e.epoch.map(|v| v.to_string()).unwrap_or_default())
        .qualifier("upstream", &e.source_rpm);
    if let Some(d) = files.distro() {
        purl = purl.namespace(&d.id).qualifier("distro", &d.purl_qualifier());
    }
    purl
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selects_databases_in_rpm_directories_only() {
        let c = RpmCataloger;
        for p in [
            "/var/lib/rpm/rpmdb.sqlite",
            "/var/lib/rpm/rpmdb.sqlite-wal",
            "/usr/lib/sysimage/rpm/rpmdb.sqlite",
            "/var/lib/rpm/Packages",
            "/usr/lib/sysimage/rpm/Packages.db",
            "/usr/share/rpm/Packages",
        ] {
            assert_eq!(c.select(p, 0o644, 1), Select::Keep, "{p}");
        }
        for p in [
            "/var/lib/rpm/Name",
            "/var/lib/rpm/rpmdb.sqlite-shm",
            "/home/u/Packages",
            "/usr/share/doc/Packages",
            "/var/lib/apt/lists/Packages",
            "/var/lib/rpm/sub/Packages",
            "/var/lib/rpm/Packages-wal",
        ] {
            assert_eq!(c.select(p, 0o644, 1), Select::Skip, "{p}");
        }
        assert_eq!(
            Format::of("/var/lib/rpm/Packages"),
            Some((Format::BerkeleyDb, "/var/lib/rpm/"))
        );
        assert_eq!(Format::of("/var/lib/rpm/rpmdb.sqlite-wal"), None);
        assert_eq!(Format::of("/other/Packages.db"), None);
    }

    #[test]
    fn versions_carry_the_epoch() {
        let mut e = RpmEntry {
            name: "bash".into(),
            version: "5.1.8".into(),
            release: "9.el9".into(),
            arch: "x86_64".into(),
            ..RpmEntry::default()
        };
        assert_eq!(full_version(&e), "5.1.8-9.el9");
        e.epoch = Some(1);
        assert_eq!(full_version(&e), "1:5.1.8-9.el9");
        assert_eq!(version_release(&e), "5.1.8-9.el9");
        assert_eq!(key(&e), "bash\0x86_64\x001:5.1.8-9.el9");
    }
}
