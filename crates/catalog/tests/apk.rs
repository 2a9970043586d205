//! The apk cataloger through the real pipeline. No apk tool is reachable from this machine, so
//! the fixture database is written by hand in apk's format (Alpine 3.19 package data).

mod common;

use common::{docker_archive, find, fixture, names, open_archive, scan_dir, scan_image};
use vigil_catalog::{ApkCataloger, Catalogers, DpkgCataloger};
use vigil_types::PackageType;

#[test]
fn alpine319_installed_database() {
    let c = scan_dir(Box::new(ApkCataloger), &fixture("apk/alpine319"));
    assert!(c.unknowns.is_empty(), "{:?}", c.unknowns);
    assert_eq!(
        names(&c),
        vec!["busybox", "libc-utils", "libcrypto3", "musl", "scanelf"]
    );

    let musl = find(&c, "musl");
    assert_eq!(musl.ty, PackageType::Apk);
    assert_eq!(musl.version, "1.2.4_git20230717-r4");
    assert_eq!(
        musl.purl.to_string(),
        "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1&upstream=musl"
    );
    assert_eq!(musl.found_by, "apk-db-cataloger");
    assert_eq!(musl.licenses, vec!["MIT"]);
    assert_eq!(
        musl.files,
        vec!["/lib/ld-musl-x86_64.so.1", "/lib/libc.musl-x86_64.so.1"]
    );
    assert_eq!(musl.locations[0].path, "/lib/apk/db/installed");
    assert_eq!(musl.metadata["origin"], "musl");
    assert_eq!(musl.metadata["maintainer"], "Timo Teräs <timo.teras@iki.fi>");
    assert_eq!(musl.metadata["installed_size"], "663552");
    assert_eq!(musl.metadata["commit"], "ca7f2ab5e88794e4e654b40776f8a92256f50639");

    let crypto = find(&c, "libcrypto3");
    assert_eq!(
        crypto.purl.to_string(),
        "pkg:apk/alpine/libcrypto3@3.1.4-r5?arch=x86_64&distro=alpine-3.19.1&upstream=openssl"
    );
    assert_eq!(crypto.files, vec!["/etc/ssl/openssl.cnf.dist", "/lib/libcrypto.so.3"]);

    let busybox = find(&c, "busybox");
    assert_eq!(
        busybox.files,
        vec![
            "/bin/busybox",
            "/etc/securetty",
            "/etc/udhcpd.conf",
            "/usr/share/udhcpc/default.script"
        ]
    );
    // SPDX expressions stay whole; old space-separated lists are split.
    assert_eq!(find(&c, "libc-utils").licenses, vec!["BSD-2-Clause AND BSD-3-Clause"]);
    assert!(find(&c, "libc-utils").files.is_empty());
    assert_eq!(find(&c, "scanelf").licenses, vec!["GPL2+", "MIT"]);
    assert_eq!(find(&c, "scanelf").metadata["origin"], "pax-utils");
}

#[test]
fn garbled_database_becomes_an_unknown_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("lib/apk/db")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("var/lib/dpkg")).expect("mkdir");
    let mut garbage = vec![0u8, 0xff, 0x13, 0x37];
    garbage.extend_from_slice(&[b'z'; 1 << 20]);
    std::fs::write(dir.path().join("lib/apk/db/installed"), &garbage).expect("write");
    std::fs::write(
        dir.path().join("var/lib/dpkg/status"),
        "Package: tzdata\nStatus: install ok installed\nVersion: 2024a-0+deb12u1\nArchitecture: all\n",
    )
    .expect("write");
    let cats = Catalogers::new(vec![Box::new(ApkCataloger), Box::new(DpkgCataloger)]);
    let image = vigil_image::open(
        &vigil_image::SourceSpec::Dir(dir.path().to_path_buf()),
        &vigil_image::Options::default(),
        &cats,
    )
    .expect("open");
    let c = scan_image(&cats, &image);
    assert_eq!(names(&c), vec!["tzdata"], "the dpkg cataloger still ran");
    assert_eq!(c.unknowns.len(), 1, "{:?}", c.unknowns);
    let u = &c.unknowns[0];
    assert_eq!(
        (u.path.as_str(), u.found_by.as_str()),
        ("/lib/apk/db/installed", "apk-db-cataloger")
    );
    assert!(u.reason.starts_with("not an apk database"), "{}", u.reason);
    assert!(u.reason.len() < 300);
}

#[test]
fn a_partly_broken_database_keeps_its_good_blocks() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("lib/apk/db")).expect("mkdir");
    let text = std::fs::read_to_string(fixture("apk/alpine319/lib/apk/db/installed")).expect("read");
    let broken = text.replacen("P:busybox\n", "P:busybox\n!!not a field\n", 1);
    std::fs::write(dir.path().join("lib/apk/db/installed"), broken).expect("write");
    let c = scan_dir(Box::new(ApkCataloger), dir.path());
    assert_eq!(names(&c), vec!["libc-utils", "libcrypto3", "musl", "scanelf"]);
    assert!(c.distro.is_none());
    assert_eq!(
        find(&c, "musl").purl.to_string(),
        "pkg:apk/musl@1.2.4_git20230717-r4?arch=x86_64&upstream=musl"
    );
    assert_eq!(c.unknowns.len(), 1);
    assert!(
        c.unknowns[0].reason.contains("1 package block(s)"),
        "{}",
        c.unknowns[0].reason
    );
}

#[test]
fn packages_are_attributed_to_the_layer_that_introduced_them() {
    let block = |name: &str, version: &str| format!("P:{name}\nV:{version}\nA:x86_64\no:{name}\n\n");
    let l0 = format!("{}{}", block("musl", "1.2.4-r2"), block("busybox", "1.36.1-r15"));
    let l1 = format!(
        "{}{}{}",
        block("musl", "1.2.4-r2"),
        block("busybox", "1.36.1-r15"),
        block("curl", "8.5.0-r0")
    );
    let l2 = format!(
        "{}{}{}",
        block("musl", "1.2.4-r3"),
        block("busybox", "1.36.1-r15"),
        block("curl", "8.5.0-r0")
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, diff_ids) = docker_archive(
        dir.path(),
        &[
            vec![
                ("etc/os-release", b"ID=alpine\nVERSION_ID=3.19.1\n"),
                ("lib/apk/db/installed", l0.as_bytes()),
            ],
            vec![("lib/apk/db/installed", l1.as_bytes())],
            vec![("lib/apk/db/installed", l2.as_bytes())],
        ],
    );
    let cats = Catalogers::new(vec![Box::new(ApkCataloger)]);
    let image = open_archive(&cats, &path);
    let c = scan_image(&cats, &image);
    assert_eq!(find(&c, "busybox").layer.as_ref(), Some(&diff_ids[0]));
    assert_eq!(find(&c, "curl").layer.as_ref(), Some(&diff_ids[1]));
    assert_eq!(
        find(&c, "musl").layer.as_ref(),
        Some(&diff_ids[2]),
        "upgraded in layer 2"
    );
    assert_eq!(find(&c, "musl").locations[0].layer.as_ref(), Some(&diff_ids[2]));
    assert_eq!(find(&c, "busybox").locations[0].layer.as_ref(), Some(&diff_ids[2]));
}
