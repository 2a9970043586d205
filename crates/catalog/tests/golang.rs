//! The Go binary cataloger through the real pipeline: a real Go program built for the fixture,
//! corrupt variants of it, and (when present on the machine) real Go programs compared with what
//! `go version -m` says about them.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use vigil_catalog::{Catalog, Catalogers, GoBinaryCataloger, Scope};
use vigil_types::PackageType;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel)
}

fn scan(root: &Path) -> Catalog {
    let cats = Catalogers::new(vec![Box::new(GoBinaryCataloger)]);
    let image = vigil_image::open(
        &vigil_image::SourceSpec::Dir(root.to_path_buf()),
        &vigil_image::Options::default(),
        &cats,
    )
    .expect("open rootfs");
    cats.run(&image.tree, Scope::Image)
}

fn put(root: &Path, rel: &str, data: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(&p, data).expect("write");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

fn hello() -> Vec<u8> {
    std::fs::read(fixture("golang/app/usr/local/bin/hello")).expect("fixture")
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len())
        .position(|w| w == needle)
        .expect("needle present")
}

#[test]
fn catalogs_the_modules_of_a_real_go_program() {
    let cat = scan(&fixture("golang/app"));
    assert!(cat.unknowns.is_empty(), "{:?}", cat.unknowns);
    let got: Vec<(String, String, String)> = cat
        .packages
        .iter()
        .map(|p| (p.name.clone(), p.version.clone(), p.purl.to_string()))
        .collect();
    let want = [
        ("example.com/app", "(devel)", "pkg:golang/example.com/app@%28devel%29"),
        // Replaced by a local directory: the module keeps its path.
        (
            "example.com/greet",
            "(devel)",
            "pkg:golang/example.com/greet@%28devel%29",
        ),
        // Replaced by another module: the replacement is what was compiled in.
        (
            "github.com/vigil-fork/strutil",
            "v1.4.3",
            "pkg:golang/github.com/vigil-fork/strutil@v1.4.3",
        ),
        ("gopkg.in/yaml.v3", "v3.0.1", "pkg:golang/gopkg.in/yaml.v3@v3.0.1"),
        ("stdlib", "go1.19.8", "pkg:golang/stdlib@1.19.8"),
    ];
    let want: Vec<(String, String, String)> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(got, want);
    for p in &cat.packages {
        assert_eq!(p.ty, PackageType::GoModule);
        assert_eq!(p.found_by, "go-module-binary-cataloger");
        assert_eq!(p.locations[0].path, "/usr/local/bin/hello");
        assert_eq!(p.locations[0].layer, None);
        assert_eq!(p.metadata.get("go_version").map(String::as_str), Some("go1.19.8"));
        assert_eq!(p.metadata.get("architecture").map(String::as_str), Some("amd64"));
        assert_eq!(
            p.metadata.get("main_module").map(String::as_str),
            Some("example.com/app")
        );
    }
    let by = |n: &str| cat.packages.iter().find(|p| p.name == n).expect(n);
    let main = by("example.com/app");
    assert_eq!(main.metadata.get("main").map(String::as_str), Some("true"));
    let settings = &main.metadata["build_settings"];
    assert!(
        settings.starts_with("-compiler=gc -trimpath=true CGO_ENABLED=1 GOARCH=amd64 GOOS=linux"),
        "{settings}"
    );
    assert!(
        settings.contains("vcs.revision=e4489eccd35c857e25fb86aae1dad21bb59957cc"),
        "{settings}"
    );
    let fork = by("github.com/vigil-fork/strutil");
    assert_eq!(
        fork.metadata["h1_digest"],
        "h1:tTZOi7MHXeBqkMWOKB1YnmSeoBJUKgxmMMUtsrRWOD0="
    );
    assert_eq!(
        fork.metadata["replace"],
        "github.com/acme/strutil v1.4.2 => github.com/vigil-fork/strutil v1.4.3"
    );
    assert_eq!(
        by("example.com/greet").metadata["replace"],
        "example.com/greet v0.0.0-00010101000000-000000000000 => ../greet (devel)"
    );
    assert_eq!(
        by("gopkg.in/yaml.v3").metadata["h1_digest"],
        "h1:Ger7hGFAcQ0aRiopFLTJXX+nStKjgKIVnfi0+5C61Vo="
    );
    assert!(!by("stdlib").metadata.contains_key("main"));
}

#[test]
fn corrupt_and_foreign_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let good = hello();
    let at = find(&good, b"\xff Go buildinf:");

    // The length varint of the runtime version overflows: a Go program, corrupt.
    let mut overflow = good.clone();
    overflow[at + 32..at + 43].fill(0xff);
    put(root, "bin/overflow", &overflow);

    // Cut after the build information: the section table at the end is gone, the blob is
    // still found by its magic and read.
    put(root, "bin/truncated", &good[..at + 4096]);

    // Cut inside the ELF header, and an ELF header with absurd table offsets: not Go.
    put(root, "bin/stub", &good[..40]);
    let mut absurd = good[..8192].to_vec();
    absurd[40..48].copy_from_slice(&u64::MAX.to_le_bytes());
    absurd[32..40].copy_from_slice(&(u64::MAX - 7).to_le_bytes());
    put(root, "bin/absurd", &absurd);

    // A Rust program (ELF, not Go), a script, a non-executable copy of the Go program.
    let rust = std::fs::read(fixture("rust/auditable/usr/local/bin/tinyapp")).expect("fixture");
    put(root, "bin/rust", &rust);
    put(
        root,
        "bin/script",
        format!("#!/bin/sh\n{}\n", "echo hi; ".repeat(1000)).as_bytes(),
    );
    put(root, "data/hello.copy", &good);
    std::fs::set_permissions(root.join("data/hello.copy"), std::fs::Permissions::from_mode(0o644)).expect("chmod");

    let cat = scan(root);
    let unknowns: Vec<(&str, &str)> = cat
        .unknowns
        .iter()
        .map(|u| (u.path.as_str(), u.reason.as_str()))
        .collect();
    assert_eq!(
        unknowns,
        vec![("/bin/overflow", "Go build information has a malformed length varint")]
    );
    let files: BTreeSet<&str> = cat.packages.iter().map(|p| p.locations[0].path.as_str()).collect();
    assert_eq!(files, BTreeSet::from(["/bin/truncated"]));
    assert_eq!(cat.packages.len(), 5);
    // Without the ELF header's help the architecture comes from the GOARCH setting.
    assert!(cat
        .packages
        .iter()
        .all(|p| p.metadata.get("architecture").map(String::as_str) == Some("amd64")));
}

/// What `go version -m` reports for a binary, as (name, version) after replacements, with the
/// standard library as `stdlib`.
/// (name, version) pairs.
type Modules = BTreeSet<(String, String)>;

fn go_version_m(go: &Path, bin: &Path) -> Option<(Modules, Option<String>)> {
    let out = Command::new(go).arg("version").arg("-m").arg(bin).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let toolchain = lines
        .next()?
        .rsplit_once(": ")?
        .1
        .split_whitespace()
        .next()?
        .to_string();
    let mut set = BTreeSet::new();
    let mut last: Option<(String, String)> = None;
    let mut goarch = None;
    let flush = |last: &mut Option<(String, String)>, set: &mut Modules| {
        if let Some(d) = last.take() {
            set.insert(d);
        }
    };
    for line in lines {
        let f: Vec<&str> = line.trim_start_matches('\t').split('\t').collect();
        match f.as_slice() {
            ["mod", path, version, ..] => {
                set.insert((path.to_string(), version.to_string()));
            }
            ["dep", path, version, ..] => {
                flush(&mut last, &mut set);
                last = Some((path.to_string(), version.to_string()));
            }
            ["=>", path, version, ..] => {
                if let Some((orig, _)) = last.take() {
                    let local = path.starts_with('.') || path.starts_with('/');
                    set.insert(if local {
                        (orig, version.to_string())
                    } else {
                        (path.to_string(), version.to_string())
                    });
                }
            }
            ["build", kv] => {
                if let Some(v) = kv.strip_prefix("GOARCH=") {
                    goarch = Some(v.to_string());
                }
            }
            _ => {}
        }
    }
    flush(&mut last, &mut set);
    set.insert(("stdlib".to_string(), toolchain));
    Some((set, goarch))
}

#[test]
fn agrees_with_go_version_m_on_real_binaries() {
    let Some(go) = ["/usr/bin/go", "/usr/local/go/bin/go"]
        .iter()
        .map(Path::new)
        .find(|p| p.exists())
    else {
        eprintln!("note: no go tool here; skipping the comparison with `go version -m`");
        return;
    };
    let candidates = [
        "/usr/sbin/runc",
        "/usr/sbin/dockerd",
        "/usr/bin/containerd",
        "/usr/lib/go-1.19/bin/go",
        "/usr/lib/google-cloud-sdk/bin/kubectl",
        "/usr/lib/google-cloud-sdk/bin/anthoscli",
        "/usr/lib/google-cloud-sdk/bin/kpt",
    ];
    let mut checked = 0;
    for bin in candidates.iter().map(Path::new) {
        let Ok(real) = bin.canonicalize() else {
            eprintln!("note: {} is not here; skipped", bin.display());
            continue;
        };
        let Some((want, goarch)) = go_version_m(go, &real) else {
            continue;
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let dest = dir.path().join("usr/bin/prog");
        std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
        if std::fs::hard_link(&real, &dest).is_err() {
            std::fs::copy(&real, &dest).expect("copy");
        }
        let cat = scan(dir.path());
        assert!(cat.unknowns.is_empty(), "{}: {:?}", bin.display(), cat.unknowns);
        let got: BTreeSet<(String, String)> = cat
            .packages
            .iter()
            .map(|p| (p.name.clone(), p.version.clone()))
            .collect();
        assert_eq!(got, want, "{}", bin.display());
        if let Some(arch) = goarch {
            assert!(
                cat.packages
                    .iter()
                    .all(|p| p.metadata.get("architecture") == Some(&arch)),
                "{}",
                bin.display()
            );
        }
        eprintln!("{}: {} packages agree with go version -m", bin.display(), got.len());
        checked += 1;
    }
    eprintln!("compared {checked} real Go programs");
}

/// Real Go programs for other architectures: 32-bit little-endian, 64-bit and 32-bit
/// big-endian ELF files.
#[test]
fn reads_programs_of_other_architectures() {
    let cat = scan(&fixture("golang/cross"));
    assert!(cat.unknowns.is_empty(), "{:?}", cat.unknowns);
    for arch in ["386", "arm64", "mips", "s390x"] {
        let path = format!("/usr/bin/hello-{arch}");
        let got: Vec<(&str, &str, &str)> = cat
            .packages
            .iter()
            .filter(|p| p.locations[0].path == path)
            .map(|p| (p.name.as_str(), p.version.as_str(), p.metadata["architecture"].as_str()))
            .collect();
        assert_eq!(
            got,
            vec![("example.com/cross", "(devel)", arch), ("stdlib", "go1.19.8", arch)],
            "{path}"
        );
    }
}

/// Random damage to the parts of the file the cataloger reads (ELF header, section table,
/// build information) and random truncation: never a panic, and every extract it keeps is
/// either packages or a reason.
#[test]
fn random_damage_never_panics() {
    use vigil_catalog::Cataloger;
    let good = hello();
    let blob = find(&good, b"\xff Go buildinf:");
    let shoff = u64::from_le_bytes(good[40..48].try_into().expect("8 bytes")) as usize;
    let regions = [(0, 64), (64, 64 + 56 * 7), (blob, blob + 420), (shoff, good.len())];
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let (mut kept, mut none) = (0, 0);
    for round in 0..600 {
        let mut data = good.clone();
        let (lo, hi) = regions[round % regions.len()];
        for _ in 0..1 + next() % 8 {
            let at = lo + (next() as usize) % (hi - lo);
            data[at] = next() as u8;
        }
        if round % 5 == 0 {
            data.truncate((next() as usize) % good.len());
        }
        match GoBinaryCataloger.extract("/bin/x", &data) {
            Some(x) => {
                let v: serde_json::Value = serde_json::from_slice(&x).expect("extract is JSON");
                assert!(v.get("error").is_some() || v.get("go_version").is_some(), "{v}");
                kept += 1;
            }
            None => none += 1,
        }
    }
    eprintln!("600 damaged copies: {kept} kept (packages or a reason), {none} not Go");
}
