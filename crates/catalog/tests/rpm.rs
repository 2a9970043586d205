//! The rpm cataloger through the real pipeline. The fixtures hold two packages built with
//! rpmbuild on this machine (`hello-vigil` and `epochal`, epoch 2) and installed with
//! `rpm --justdb` into a real SQLite rpmdb; the Berkeley DB files were written by Berkeley DB 5.3's
//! db_load from the same headers (and read back by rpm's bdb_ro backend); the ndb file is laid out
//! by tests/fixtures/rpm/make_ndb.py, as no tool here writes ndb.

mod common;

use common::{docker_archive, find, fixture, names, open_archive, scan_dir, scan_image};
use rusqlite::Connection;
use vigil_catalog::{Catalog, Catalogers, DpkgCataloger, RpmCataloger};
use vigil_types::PackageType;

fn check_packages(c: &Catalog, distro: &str, ns: &str, db: &str) {
    assert!(c.unknowns.is_empty(), "{:?}", c.unknowns);
    assert_eq!(names(c), vec!["epochal", "hello-vigil"]);
    let hello = find(c, "hello-vigil");
    assert_eq!(hello.ty, PackageType::Rpm);
    assert_eq!(hello.version, "1.2.3-4.fc40");
    assert_eq!(
        hello.purl.to_string(),
        format!("pkg:rpm/{ns}hello-vigil@1.2.3-4.fc40?arch=noarch{distro}&upstream=hello-vigil-1.2.3-4.fc40.src.rpm")
    );
    assert_eq!(hello.found_by, "rpm-db-cataloger");
    assert_eq!(hello.licenses, vec!["MIT AND (Apache-2.0 OR GPL-2.0-or-later)"]);
    assert_eq!(
        hello.files,
        vec![
            "/usr/bin/hello-vigil",
            "/usr/share/doc/hello-vigil",
            "/usr/share/doc/hello-vigil/README"
        ]
    );
    assert_eq!(hello.locations[0].path, db);
    assert_eq!(hello.metadata["release"], "4.fc40");
    assert_eq!(hello.metadata["arch"], "noarch");
    assert_eq!(hello.metadata["vendor"], "Vigil Test Builders");
    assert_eq!(hello.metadata["size"], "32");
    assert_eq!(hello.metadata["sourcerpm"], "hello-vigil-1.2.3-4.fc40.src.rpm");
    assert!(!hello.metadata.contains_key("epoch"));

    let ep = find(c, "epochal");
    assert_eq!(ep.version, "2:0.9-1.el9");
    assert_eq!(
        ep.purl.to_string(),
        format!("pkg:rpm/{ns}epochal@0.9-1.el9?arch=noarch{distro}&epoch=2&upstream=epochal-0.9-1.el9.src.rpm")
    );
    assert_eq!(ep.metadata["epoch"], "2");
    assert_eq!(ep.licenses, vec!["GPL-3.0-only"]);
    assert_eq!(ep.files, vec!["/etc/epochal/epochal.conf"]);
    assert!(!ep.metadata.contains_key("vendor"));
}

#[test]
fn rhel9_sqlite() {
    let c = scan_dir(Box::new(RpmCataloger), &fixture("rpm/rhel9"));
    check_packages(&c, "&distro=rhel-9.4", "rhel/", "/var/lib/rpm/rpmdb.sqlite");
}

#[test]
fn fedora40_sqlite_in_sysimage_behind_a_link() {
    let c = scan_dir(Box::new(RpmCataloger), &fixture("rpm/fedora40"));
    check_packages(&c, "&distro=fedora-40", "fedora/", "/usr/lib/sysimage/rpm/rpmdb.sqlite");
}

#[test]
fn centos7_berkeley_db() {
    let c = scan_dir(Box::new(RpmCataloger), &fixture("rpm/centos7"));
    check_packages(&c, "&distro=centos-7", "centos/", "/var/lib/rpm/Packages");
}

#[test]
fn big_endian_berkeley_db_without_a_distro() {
    let c = scan_dir(Box::new(RpmCataloger), &fixture("rpm/bdb-bigendian"));
    check_packages(&c, "", "", "/var/lib/rpm/Packages");
}

#[test]
fn sles15_ndb() {
    let c = scan_dir(Box::new(RpmCataloger), &fixture("rpm/sles15"));
    check_packages(&c, "&distro=sles-15.5", "sles/", "/var/lib/rpm/Packages.db");
}

fn rootfs_with(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (path, data) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, data).expect("write");
    }
    dir
}

fn read_fixture(rel: &str) -> Vec<u8> {
    std::fs::read(fixture(rel)).expect("fixture")
}

#[test]
fn garbled_databases_become_unknowns_and_the_scan_goes_on() {
    let sqlite = read_fixture("rpm/rhel9/var/lib/rpm/rpmdb.sqlite");
    let bdb = read_fixture("rpm/centos7/var/lib/rpm/Packages");
    let ndb = read_fixture("rpm/sles15/var/lib/rpm/Packages.db");
    let dir = rootfs_with(&[
        ("var/lib/rpm/rpmdb.sqlite", b"SQLite format 3\0 but then nothing"),
        ("usr/lib/sysimage/rpm/Packages", &bdb[..3000]),
        ("usr/share/rpm/Packages.db", &ndb[..100]),
        ("srv/a/var/lib/rpm/rpmdb.sqlite", &sqlite[..sqlite.len() / 3]),
        (
            "var/lib/dpkg/status",
            b"Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n",
        ),
    ]);
    let cats = Catalogers::new(vec![Box::new(RpmCataloger), Box::new(DpkgCataloger)]);
    let image = vigil_image::open(
        &vigil_image::SourceSpec::Dir(dir.path().to_path_buf()),
        &vigil_image::Options::default(),
        &cats,
    )
    .expect("open");
    let c = scan_image(&cats, &image);
    assert!(
        names(&c).contains(&"tzdata"),
        "the dpkg cataloger still ran: {:?}",
        names(&c)
    );
    let reason = |path: &str| {
        c.unknowns
            .iter()
            .find(|u| u.path == path)
            .map(|u| {
                assert_eq!(u.found_by, "rpm-db-cataloger");
                u.reason.clone()
            })
            .unwrap_or_else(|| panic!("no unknown for {path}: {:?}", c.unknowns))
    };
    let r = reason("/var/lib/rpm/rpmdb.sqlite");
    assert!(r.starts_with("cannot read the rpm database (SQLite)"), "{r}");
    let r = reason("/srv/a/var/lib/rpm/rpmdb.sqlite");
    assert!(r.contains("(SQLite)"), "{r}");
    let r = reason("/usr/lib/sysimage/rpm/Packages");
    assert!(
        r.contains("(Berkeley DB)") && r.contains("2 package record(s)") && r.contains("cut short"),
        "{r}"
    );
    let r = reason("/usr/share/rpm/Packages.db");
    assert!(r.starts_with("cannot read the rpm database (ndb)"), "{r}");
}

#[test]
fn a_corrupt_header_is_skipped_and_reported() {
    let src = fixture("rpm/rhel9/var/lib/rpm/rpmdb.sqlite");
    let work = tempfile::tempdir().expect("tempdir");
    let db = work.path().join("rpmdb.sqlite");
    std::fs::copy(&src, &db).expect("copy");
    let conn = Connection::open(&db).expect("open");
    // hnum 1 is hello-vigil: claim four billion index entries.
    conn.execute(
        "UPDATE Packages SET blob = CAST(x'ffffffff00000010' || substr(blob, 9) AS BLOB) WHERE hnum = 1",
        [],
    )
    .expect("update");
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .expect("checkpoint");
    drop(conn);
    let data = std::fs::read(&db).expect("read");
    let dir = rootfs_with(&[("var/lib/rpm/rpmdb.sqlite", &data)]);
    let c = scan_dir(Box::new(RpmCataloger), dir.path());
    assert_eq!(names(&c), vec!["epochal"]);
    assert_eq!(c.unknowns.len(), 1);
    assert!(
        c.unknowns[0].reason.contains("1 package record(s)"),
        "{}",
        c.unknowns[0].reason
    );
    assert!(
        c.unknowns[0].reason.contains("index entries"),
        "{}",
        c.unknowns[0].reason
    );
}

#[test]
fn uncheckpointed_write_ahead_log_is_applied() {
    let src = fixture("rpm/rhel9/var/lib/rpm/rpmdb.sqlite");
    let work = tempfile::tempdir().expect("tempdir");
    let db = work.path().join("rpmdb.sqlite");
    std::fs::copy(&src, &db).expect("copy");
    let conn = Connection::open(&db).expect("open");
    conn.execute_batch("PRAGMA foreign_keys = OFF; PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; DELETE FROM Packages WHERE hnum = 1;")
        .expect("delete in the log");
    // Copy while the connection is open: closing would checkpoint the log into the file.
    let main = std::fs::read(&db).expect("read db");
    let wal = std::fs::read(work.path().join("rpmdb.sqlite-wal")).expect("read wal");
    drop(conn);
    assert!(!wal.is_empty());
    let dir = rootfs_with(&[
        ("var/lib/rpm/rpmdb.sqlite", &main),
        ("var/lib/rpm/rpmdb.sqlite-wal", &wal),
    ]);
    let c = scan_dir(Box::new(RpmCataloger), dir.path());
    assert!(c.unknowns.is_empty(), "{:?}", c.unknowns);
    assert_eq!(names(&c), vec!["epochal"], "the log deleted hello-vigil");
    let without_log = rootfs_with(&[("var/lib/rpm/rpmdb.sqlite", &main)]);
    assert_eq!(
        names(&scan_dir(Box::new(RpmCataloger), without_log.path())),
        vec!["epochal", "hello-vigil"]
    );
}

#[test]
fn packages_are_attributed_to_the_layer_that_introduced_them() {
    let full = read_fixture("rpm/rhel9/var/lib/rpm/rpmdb.sqlite");
    let work = tempfile::tempdir().expect("tempdir");
    let db = work.path().join("rpmdb.sqlite");
    std::fs::write(&db, &full).expect("write");
    let conn = Connection::open(&db).expect("open");
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF; DELETE FROM Packages WHERE hnum = 1; PRAGMA wal_checkpoint(TRUNCATE);",
    )
    .expect("delete");
    drop(conn);
    let only_epochal = std::fs::read(&db).expect("read");
    let (path, diff_ids) = docker_archive(
        work.path(),
        &[
            vec![
                ("etc/os-release", b"ID=rhel\nVERSION_ID=9.4\n"),
                ("var/lib/rpm/rpmdb.sqlite", &only_epochal),
            ],
            vec![("var/lib/rpm/rpmdb.sqlite", &full)],
        ],
    );
    let cats = Catalogers::new(vec![Box::new(RpmCataloger)]);
    let image = open_archive(&cats, &path);
    let c = scan_image(&cats, &image);
    assert!(c.unknowns.is_empty(), "{:?}", c.unknowns);
    assert_eq!(find(&c, "epochal").layer.as_ref(), Some(&diff_ids[0]));
    assert_eq!(find(&c, "hello-vigil").layer.as_ref(), Some(&diff_ids[1]));
    assert_eq!(find(&c, "epochal").locations[0].layer.as_ref(), Some(&diff_ids[1]));
}

#[test]
fn an_sqlite_database_wins_over_leftovers_beside_it() {
    let dir = rootfs_with(&[
        (
            "var/lib/rpm/rpmdb.sqlite",
            &read_fixture("rpm/rhel9/var/lib/rpm/rpmdb.sqlite"),
        ),
        ("var/lib/rpm/Packages", b"a leftover Berkeley DB that is not read"),
    ]);
    let c = scan_dir(Box::new(RpmCataloger), dir.path());
    assert!(c.unknowns.is_empty(), "{:?}", c.unknowns);
    assert_eq!(names(&c), vec!["epochal", "hello-vigil"]);
}
