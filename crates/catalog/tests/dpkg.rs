//! The dpkg cataloger through the real pipeline, on real Debian 12 data: stanzas, `.list` files
//! and copyright files copied from a Debian 12 system (one stanza marked removed, as dpkg leaves
//! it after `apt remove`), and a distroless-style `status.d`.

mod common;

use common::{docker_archive, find, fixture, names, open_archive, scan_dir, scan_image};
use vigil_catalog::{Catalogers, DpkgCataloger};
use vigil_types::PackageType;

#[test]
fn debian12_status_file() {
    let c = scan_dir(Box::new(DpkgCataloger), &fixture("dpkg/debian12"));
    assert!(c.unknowns.is_empty(), "{:?}", c.unknowns);
    assert_eq!(
        names(&c),
        vec![
            "base-files",
            "libbz2-1.0",
            "libbz2-dev",
            "libgprofng0",
            "libssl3",
            "zlib1g"
        ],
        "libacl1 (deinstall ok config-files) is not installed"
    );
    assert_eq!(
        c.distro.as_ref().map(|d| d.purl_qualifier()),
        Some("debian-12".to_string())
    );

    let z = find(&c, "zlib1g");
    assert_eq!(z.ty, PackageType::Deb);
    assert_eq!(z.version, "1:1.2.13.dfsg-1");
    assert_eq!(
        z.purl.to_string(),
        "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib"
    );
    assert_eq!(z.found_by, "dpkg-db-cataloger");
    assert_eq!(z.licenses, vec!["Zlib"]);
    assert_eq!(z.metadata["source"], "zlib");
    assert!(!z.metadata.contains_key("source_version"));
    assert_eq!(z.metadata["arch"], "amd64");
    assert_eq!(z.metadata["maintainer"], "Mark Brown <broonie@debian.org>");
    assert_eq!(z.metadata["installed_size"], "168");
    // The multi-arch list file, without its `/.` line.
    assert_eq!(z.files.len(), 11);
    assert!(z.files.contains(&"/lib/x86_64-linux-gnu/libz.so.1.2.13".to_string()));
    assert!(!z.files.contains(&"/.".to_string()));
    let paths: Vec<&str> = z.locations.iter().map(|l| l.path.as_str()).collect();
    assert_eq!(
        paths,
        vec![
            "/var/lib/dpkg/status",
            "/var/lib/dpkg/info/zlib1g:amd64.list",
            "/usr/share/doc/zlib1g/copyright"
        ]
    );
    assert!(
        z.locations.iter().all(|l| l.layer.is_none()),
        "a directory has no layers"
    );
    assert_eq!(z.layer, None);

    // Source with its own version: upstream is `source@version`.
    let bz = find(&c, "libbz2-1.0");
    assert_eq!(
        bz.purl.to_string(),
        "pkg:deb/debian/libbz2-1.0@1.0.8-5+b1?arch=amd64&distro=debian-12&upstream=bzip2%401.0.8-5"
    );
    assert_eq!(bz.metadata["source"], "bzip2");
    assert_eq!(bz.metadata["source_version"], "1.0.8-5");
    assert_eq!(bz.licenses, vec!["BSD-variant", "GPL-2"]);

    // DEP-5 licences: the first line of each License field.
    assert_eq!(
        find(&c, "libssl3").licenses,
        vec!["Apache-2.0", "Artistic", "Artistic or GPL-1+", "GPL-1+"]
    );
    // A free-text copyright: only /usr/share/common-licenses references.
    let base = find(&c, "base-files");
    assert_eq!(base.licenses, vec!["GPL"]);
    assert_eq!(
        base.purl.to_string(),
        "pkg:deb/debian/base-files@12.4+deb12u11?arch=amd64&distro=debian-12"
    );
    assert!(base.files.contains(&"/etc/debian_version".to_string()));

    // /usr/share/doc/libbz2-dev -> libbz2-1.0: the licences of the linked docs.
    let dev = find(&c, "libbz2-dev");
    assert_eq!(dev.licenses, vec!["BSD-variant", "GPL-2"]);
    assert_eq!(dev.locations[2].path, "/usr/share/doc/libbz2-1.0/copyright");
    // Two links deep: libgprofng0 -> libbinutils -> binutils-common (free text).
    let gp = find(&c, "libgprofng0");
    assert_eq!(gp.licenses, vec!["GFDL", "GPL", "LGPL"]);
    assert_eq!(gp.locations[2].path, "/usr/share/doc/binutils-common/copyright");
    assert_eq!(gp.metadata["source"], "binutils");
}

#[test]
fn distroless_status_d() {
    let c = scan_dir(Box::new(DpkgCataloger), &fixture("dpkg/distroless12"));
    assert!(c.unknowns.is_empty(), "{:?}", c.unknowns);
    assert_eq!(names(&c), vec!["base-files", "libssl3", "zlib1g"]);
    let ssl = find(&c, "libssl3");
    assert_eq!(ssl.version, "3.0.19-1~deb12u2");
    assert_eq!(
        ssl.purl.to_string(),
        "pkg:deb/debian/libssl3@3.0.19-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl"
    );
    assert_eq!(ssl.locations[0].path, "/var/lib/dpkg/status.d/libssl3");
    assert_eq!(ssl.locations[1].path, "/var/lib/dpkg/status.d/libssl3.md5sums");
    assert!(
        ssl.files.contains(&"/usr/lib/x86_64-linux-gnu/libssl.so.3".to_string()),
        "{:?}",
        ssl.files
    );
    assert_eq!(
        ssl.licenses,
        vec!["Apache-2.0", "Artistic", "Artistic or GPL-1+", "GPL-1+"]
    );
    let z = find(&c, "zlib1g");
    assert_eq!(z.files.len(), 4, "md5sums list files only: {:?}", z.files);
    assert_eq!(z.licenses, vec!["Zlib"]);
    let base = find(&c, "base-files");
    assert!(base.licenses.is_empty(), "no copyright file in this image");
    assert_eq!(base.files.len(), 28);
    assert_eq!(base.files[0], "/usr/lib/os-release");
}

#[test]
fn without_a_distro_the_purl_has_no_namespace() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("var/lib/dpkg");
    std::fs::create_dir_all(&db).expect("mkdir");
    std::fs::copy(fixture("dpkg/debian12/var/lib/dpkg/status"), db.join("status")).expect("copy");
    let c = scan_dir(Box::new(DpkgCataloger), dir.path());
    assert!(c.distro.is_none());
    assert_eq!(
        find(&c, "zlib1g").purl.to_string(),
        "pkg:deb/zlib1g@1:1.2.13.dfsg-1?arch=amd64&upstream=zlib"
    );
    assert!(find(&c, "zlib1g").files.is_empty());
}

#[test]
fn garbled_status_becomes_an_unknown_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("var/lib/dpkg");
    std::fs::create_dir_all(db.join("status.d")).expect("mkdir");
    std::fs::write(
        db.join("status"),
        b"\x7fELF\x02\x01\x01\0\0\0\0garbage with no fields\n\xff\xfe",
    )
    .expect("write");
    let half = "Package: good\nStatus: install ok installed\nVersion: 1.0\nArchitecture: all\n\n\
                Package: bad\nthis line is broken\nVersion: 2\n";
    std::fs::write(db.join("status.d/good"), half).expect("write");
    // A huge field is read without trouble; a huge broken line is quoted briefly.
    let huge = format!(
        "Package: big\nVersion: 1\nDescription: {}\n\n{}\n",
        "d".repeat(4 << 20),
        "x".repeat(4 << 20)
    );
    std::fs::write(db.join("status.d/big"), huge).expect("write");
    let c = scan_dir(Box::new(DpkgCataloger), dir.path());
    assert_eq!(names(&c), vec!["big", "good"]);
    assert_eq!(c.unknowns.len(), 3, "{:?}", c.unknowns);
    let status = c
        .unknowns
        .iter()
        .find(|u| u.path == "/var/lib/dpkg/status")
        .expect("status unknown");
    assert_eq!(status.found_by, "dpkg-db-cataloger");
    assert!(status.reason.starts_with("not a dpkg database"), "{}", status.reason);
    let good = c
        .unknowns
        .iter()
        .find(|u| u.path == "/var/lib/dpkg/status.d/good")
        .expect("good unknown");
    assert!(
        good.reason.contains("1 stanza(s)") && good.reason.contains("line 7"),
        "{}",
        good.reason
    );
    let big = c
        .unknowns
        .iter()
        .find(|u| u.path == "/var/lib/dpkg/status.d/big")
        .expect("big unknown");
    assert!(big.reason.len() < 300, "{}", big.reason.len());
}

/// Layers: the status file is rewritten by three layers; each package belongs to the lowest
/// layer from which on it is listed with the same version.
#[test]
fn packages_are_attributed_to_the_layer_that_introduced_them() {
    let stanza = |name: &str, version: &str| {
        format!("Package: {name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: {version}\n\n")
    };
    let s0 = format!("{}{}", stanza("base-files", "12.4"), stanza("libssl3", "3.0.11-1"));
    let s2 = format!(
        "{}{}{}",
        stanza("base-files", "12.4"),
        stanza("libssl3", "3.0.15-1"),
        stanza("curl", "7.88.1-10")
    );
    let s3 = format!("{s2}{}", stanza("jq", "1.6-2.1"));
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, diff_ids) = docker_archive(
        dir.path(),
        &[
            vec![
                ("etc/os-release", b"ID=debian\nVERSION_ID=12\n"),
                ("var/lib/dpkg/status", s0.as_bytes()),
            ],
            vec![("var/lib/dpkg/status", s2.as_bytes())],
            vec![("app/readme", b"unrelated layer")],
            vec![("var/lib/dpkg/status", s3.as_bytes())],
        ],
    );
    let cats = Catalogers::new(vec![Box::new(DpkgCataloger)]);
    let image = open_archive(&cats, &path);
    let c = scan_image(&cats, &image);
    assert!(c.unknowns.is_empty(), "{:?}", c.unknowns);
    assert_eq!(names(&c), vec!["base-files", "curl", "jq", "libssl3"]);
    assert_eq!(find(&c, "base-files").layer.as_ref(), Some(&diff_ids[0]));
    assert_eq!(
        find(&c, "libssl3").layer.as_ref(),
        Some(&diff_ids[1]),
        "upgraded in layer 1"
    );
    assert_eq!(find(&c, "curl").layer.as_ref(), Some(&diff_ids[1]));
    assert_eq!(find(&c, "jq").layer.as_ref(), Some(&diff_ids[3]));
    for p in &c.packages {
        assert_eq!(p.locations[0].path, "/var/lib/dpkg/status");
        assert_eq!(
            p.locations[0].layer.as_ref(),
            Some(&diff_ids[3]),
            "the squashed status file"
        );
    }
}

#[test]
fn registered_in_the_default_set() {
    let names = Catalogers::default_set().names();
    for n in ["dpkg-db-cataloger", "apk-db-cataloger", "rpm-db-cataloger"] {
        assert!(names.contains(&n), "{names:?}");
    }
}
