//! Package files verified against dpkg and apk databases, file digests and the file index, on
//! images read through the real pipeline (the catalogers find the packages the findings name).

mod support;

use md5::{Digest as _, Md5};
use sha1::Sha1;
use sha2::Sha256;
use support::{analyse, b64, dir, file, file_mode, symlink};
use vigil_analysis::AnalyzerConfig;
use vigil_types::{FileEntryKind, PackageType, VerifyFinding, VerifyProblem};

const HELLO_BIN: &[u8] = b"#!/bin/sh\necho hello\n";
const HELLO_DATA: &[u8] = b"greeting=hello\n";
const HELLO_README: &[u8] = b"hello, the classic\n";

fn md5_hex(d: &[u8]) -> String {
    hex::encode(Md5::digest(d))
}

fn status() -> &'static str {
    "Package: hello\nStatus: install ok installed\nPriority: optional\nSection: devel\nInstalled-Size: 10\n\
     Maintainer: Vigil Tests <tests@example.invalid>\nArchitecture: amd64\nVersion: 2.10-3\n\
     Description: example package based on GNU hello\n the classic greeting\n\n\
     Package: base-files\nStatus: install ok installed\nPriority: required\nSection: admin\n\
     Maintainer: Vigil Tests <tests@example.invalid>\nArchitecture: amd64\nVersion: 12.4+deb12u5\n\
     Description: Debian base system miscellaneous files\n"
}

fn debian_layers() -> Vec<Vec<support::Entry>> {
    let md5sums = format!(
        "{}  usr/bin/hello\n{}  usr/share/hello/data\n{}  usr/share/doc/hello/README\n{}  usr/share/man/man1/hello.1.gz\n",
        md5_hex(HELLO_BIN),
        md5_hex(HELLO_DATA),
        md5_hex(HELLO_README),
        md5_hex(b"manual"),
    );
    vec![
        vec![
            file(
                "/etc/os-release",
                "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n",
            ),
            // Slim images tell dpkg not to install manual pages: those are not Missing.
            file(
                "/etc/dpkg/dpkg.cfg.d/docker",
                "path-exclude /usr/share/man/*\npath-include /usr/share/man/man1/keep.1.gz\n",
            ),
            file("/var/lib/dpkg/status", status()),
            file(
                "/var/lib/dpkg/info/hello.list",
                "/usr\n/usr/bin\n/usr/bin/hello\n/usr/share/hello/data\n/usr/share/doc/hello/README\n",
            ),
            file("/var/lib/dpkg/info/hello.md5sums", &md5sums),
            file(
                "/var/lib/dpkg/info/base-files.md5sums",
                format!("{}  etc/debian_version\n", md5_hex(b"12.4\n")),
            ),
            file("/etc/debian_version", "12.4\n"),
            file_mode("/usr/bin/hello", HELLO_BIN, 0o755),
            file("/usr/share/hello/data", HELLO_DATA),
            file("/usr/share/doc/hello/README", HELLO_README),
        ],
        vec![
            // The application layer patches the binary and deletes a data file.
            file_mode("/usr/bin/hello", b"#!/bin/sh\necho patched\n", 0o4755),
            support::whiteout("/usr/share/hello/data"),
        ],
    ]
}

#[test]
fn dpkg_files_changed_and_missing() {
    let config = AnalyzerConfig {
        verify: true,
        ..AnalyzerConfig::default()
    };
    let r = analyse(&debian_layers(), &[], config);
    let hello = r
        .packages
        .iter()
        .find(|p| p.name == "hello" && p.ty == PackageType::Deb)
        .expect("the dpkg cataloger finds hello");
    assert_eq!(
        r.analysis.verify,
        vec![
            VerifyFinding {
                package_id: hello.id.clone(),
                package: "hello".to_string(),
                path: "/usr/bin/hello".to_string(),
                problem: VerifyProblem::Changed,
                layer: Some(1),
            },
            VerifyFinding {
                package_id: hello.id.clone(),
                package: "hello".to_string(),
                path: "/usr/share/hello/data".to_string(),
                problem: VerifyProblem::Missing,
                layer: None,
            },
        ]
    );
    assert!(r.analysis.searched.verify);
    // The patched binary keeps its setuid bit in the index, without the file-type bits.
    let bin = r
        .analysis
        .files
        .iter()
        .find(|f| f.path == "/usr/bin/hello")
        .expect("indexed");
    assert_eq!((bin.mode, bin.layer, bin.kind), (0o4755, 1, FileEntryKind::File));
}

#[test]
fn dpkg_with_usrmerge_links_resolves_listed_paths() {
    // bookworm packages list /bin/… while the files live in /usr/bin behind the /bin link.
    let layers = vec![vec![
        file("/var/lib/dpkg/status", status()),
        file(
            "/var/lib/dpkg/info/hello.md5sums",
            format!("{}  bin/hello\n", md5_hex(HELLO_BIN)),
        ),
        symlink("/bin", "usr/bin"),
        dir("/usr/bin"),
        file_mode("/usr/bin/hello", HELLO_BIN, 0o755),
    ]];
    let config = AnalyzerConfig {
        verify: true,
        ..AnalyzerConfig::default()
    };
    let r = analyse(&layers, &[], config);
    assert!(r.analysis.verify.is_empty(), "{:?}", r.analysis.verify);
}

#[test]
fn apk_files_changed_and_missing() {
    let sha1_b64 = |d: &[u8]| format!("Q1{}", b64(&Sha1::digest(d)));
    let busybox = b"\x7fELF busybox".as_slice();
    let installed = format!(
        "C:Q1hYA5dgJKnVKj1TjGq4CfeW1uMXM=\nP:busybox\nV:1.36.1-r15\nA:x86_64\nS:500000\nI:900000\nT:Size optimized toolbox\n\
         U:https://busybox.net/\nL:GPL-2.0-only\no:busybox\nm:Vigil Tests <tests@example.invalid>\nt:1700000000\nc:abc\n\
         F:bin\nR:busybox\na:0:0:755\nZ:{}\nR:sh\na:0:0:777\nZ:Q1pcfTfDNEbNKQc2s1tia7da05M8Q=\n\
         F:etc\nR:securetty\nZ:{}\nR:motd\nZ:{}\n\n",
        sha1_b64(busybox),
        sha1_b64(b"console\n"),
        sha1_b64(b"Welcome\n"),
    );
    let layers = vec![vec![
        file("/etc/os-release", "ID=alpine\nVERSION_ID=3.19.1\n"),
        file("/lib/apk/db/installed", &installed),
        file_mode("/bin/busybox", busybox, 0o755),
        symlink("/bin/sh", "/bin/busybox"),
        file("/etc/securetty", "console\nttyS0\n"),
    ]];
    let config = AnalyzerConfig {
        verify: true,
        ..AnalyzerConfig::default()
    };
    let r = analyse(&layers, &[], config);
    let bb = r
        .packages
        .iter()
        .find(|p| p.name == "busybox")
        .expect("apk cataloger finds busybox");
    let got: Vec<(&str, &str, VerifyProblem)> = r
        .analysis
        .verify
        .iter()
        .map(|v| (v.package_id.as_str(), v.path.as_str(), v.problem))
        .collect();
    assert_eq!(
        got,
        vec![
            (bb.id.as_str(), "/etc/motd", VerifyProblem::Missing),
            (bb.id.as_str(), "/etc/securetty", VerifyProblem::Changed),
        ]
    );
}

#[test]
fn other_package_types_are_noted_as_not_verified() {
    let mut layers = debian_layers();
    layers[1].push(file(
        "/usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA",
        "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\n",
    ));
    let config = AnalyzerConfig {
        verify: true,
        ..AnalyzerConfig::default()
    };
    let r = analyse(&layers, &[], config);
    assert!(r.packages.iter().any(|p| p.ty == PackageType::Python));
    assert!(
        r.analysis
            .notes
            .iter()
            .any(|n| n.contains("python package(s) not verified")),
        "{:?}",
        r.analysis.notes
    );
    // Without verify: nothing verified, nothing noted about it.
    let r = analyse(&layers, &[], AnalyzerConfig::default());
    assert!(r.analysis.verify.is_empty() && !r.analysis.searched.verify);
    assert!(!r.analysis.notes.iter().any(|n| n.starts_with("verify:")));
}

#[test]
fn digests_and_the_file_index() {
    let config = AnalyzerConfig {
        digests: true,
        ..AnalyzerConfig::default()
    };
    let r = analyse(&debian_layers(), &[], config);
    let files = &r.analysis.files;
    let mut sorted: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    sorted.sort();
    assert_eq!(files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(), sorted);
    assert_eq!(files.len(), r.image.tree.len());
    let readme = files
        .iter()
        .find(|f| f.path == "/usr/share/doc/hello/README")
        .expect("readme");
    assert_eq!(
        readme.sha256.as_deref(),
        Some(hex::encode(Sha256::digest(HELLO_README)).as_str())
    );
    assert_eq!(
        (readme.size, readme.layer, readme.mode),
        (HELLO_README.len() as u64, 0, 0o644)
    );
    let bin = files.iter().find(|f| f.path == "/usr/bin/hello").expect("bin");
    assert_eq!(
        bin.sha256.as_deref(),
        Some(hex::encode(Sha256::digest(b"#!/bin/sh\necho patched\n")).as_str())
    );
    // Every regular file has a digest; directories do not.
    assert!(files
        .iter()
        .all(|f| (f.kind == FileEntryKind::File) == f.sha256.is_some()));
    assert!(r.analysis.searched.digests);
    assert!(!files.iter().any(|f| f.path == "/usr/share/hello/data"));
    // Without digests, no sha256.
    let r = analyse(&debian_layers(), &[], AnalyzerConfig::default());
    assert!(r.analysis.files.iter().all(|f| f.sha256.is_none()));
}
