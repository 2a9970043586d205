//! The Rust catalogers through the real pipeline: a real `cargo auditable` program, a real
//! `Cargo.lock`, and damaged variants.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use vigil_catalog::{CargoAuditableCataloger, CargoLockCataloger, Catalog, Catalogers, Scope};
use vigil_types::PackageType;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel)
}

fn scan(root: &Path, scope: Scope) -> Catalog {
    let cats = Catalogers::new(vec![Box::new(CargoLockCataloger), Box::new(CargoAuditableCataloger)]);
    let image = vigil_image::open(
        &vigil_image::SourceSpec::Dir(root.to_path_buf()),
        &vigil_image::Options::default(),
        &cats,
    )
    .expect("open rootfs");
    cats.run(&image.tree, scope)
}

fn put(root: &Path, rel: &str, data: &[u8]) -> PathBuf {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(&p, data).expect("write");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    p
}

fn tinyapp() -> Vec<u8> {
    std::fs::read(fixture("rust/auditable/usr/local/bin/tinyapp")).expect("fixture")
}

/// File offset of the `.dep-v0` section of the fixture (`readelf -S`), checked by its zlib header.
const DEP_V0_OFFSET: usize = 0x463fa;
const DEP_V0_SIZE: usize = 0x79;

#[test]
fn catalogs_a_cargo_auditable_program() {
    let cat = scan(&fixture("rust/auditable"), Scope::Image);
    assert!(cat.unknowns.is_empty(), "{:?}", cat.unknowns);
    let got: Vec<(&str, &str, String, &str)> = cat
        .packages
        .iter()
        .map(|p| {
            (
                p.name.as_str(),
                p.version.as_str(),
                p.purl.to_string(),
                p.metadata["source"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("itoa", "1.0.19", "pkg:cargo/itoa@1.0.19".to_string(), "crates.io"),
            ("tinyapp", "0.1.0", "pkg:cargo/tinyapp@0.1.0".to_string(), "local"),
        ]
    );
    for p in &cat.packages {
        assert_eq!(p.ty, PackageType::RustCrate);
        assert_eq!(p.found_by, "cargo-auditable-binary-cataloger");
        assert_eq!(p.locations[0].path, "/usr/local/bin/tinyapp");
    }
    assert_eq!(cat.packages[1].metadata.get("root").map(String::as_str), Some("true"));
    assert_eq!(
        cat.packages[1].metadata.get("dependencies").map(String::as_str),
        Some("itoa")
    );
    assert!(!cat.packages[0].metadata.contains_key("root"));
}

#[test]
fn catalogs_a_cargo_lock_in_images_and_directories() {
    for scope in [Scope::Image, Scope::Directory] {
        let cat = scan(&fixture("rust/lockfile"), scope);
        assert!(cat.unknowns.is_empty(), "{:?}", cat.unknowns);
        let got: Vec<(&str, &str, String)> = cat
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.purl.to_string()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("app", "0.1.0", "pkg:cargo/app@0.1.0".to_string()),
                ("itoa", "1.0.19", "pkg:cargo/itoa@1.0.19".to_string()),
                ("memchr", "2.8.3", "pkg:cargo/memchr@2.8.3".to_string()),
                ("util", "0.1.0", "pkg:cargo/util@0.1.0".to_string()),
            ]
        );
        let by = |n: &str| cat.packages.iter().find(|p| p.name == n).expect(n);
        assert_eq!(by("app").metadata["source"], "local");
        assert_eq!(by("app").metadata["dependencies"], "itoa, util");
        assert_eq!(
            by("memchr").metadata["source"],
            "registry+https://github.com/rust-lang/crates.io-index"
        );
        assert_eq!(
            by("memchr").metadata["checksum"],
            "cf8baf1c55e62ffcace7a9f06f4bd9cd3f0c4beb022d3b367256b91b87513d98"
        );
        assert!(cat
            .packages
            .iter()
            .all(|p| p.found_by == "rust-cargo-lock-cataloger" && p.locations[0].path == "/app/Cargo.lock"));
    }
}

#[test]
fn damaged_sections_and_lockfiles_are_unknowns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let good = tinyapp();
    assert_eq!(
        &good[DEP_V0_OFFSET..DEP_V0_OFFSET + 2],
        b"\x78\x9c",
        "fixture layout changed"
    );

    // Garbled compressed data in place.
    let mut garbled = good.clone();
    garbled[DEP_V0_OFFSET + 2..DEP_V0_OFFSET + DEP_V0_SIZE].fill(0x5a);
    put(root, "bin/garbled", &garbled);

    // The section's offset pointed past the end of the file: find its header by its offset.
    let mut absurd = good.clone();
    let off = (DEP_V0_OFFSET as u64).to_le_bytes();
    let at = absurd.windows(8).rposition(|w| w == off).expect("section header");
    absurd[at..at + 8].copy_from_slice(&(u64::MAX / 2).to_le_bytes());
    put(root, "bin/absurd", &absurd);

    // The program without its section table (cut short): not readable, not claimed.
    put(root, "bin/cut", &good[..good.len() / 2]);

    put(root, "src/Cargo.lock", b"[[package]]\nname = \"x\"\nversion = 1\n");

    let cat = scan(root, Scope::Directory);
    assert!(cat.packages.is_empty(), "{:?}", cat.packages);
    let mut unknowns: Vec<(&str, &str)> = cat
        .unknowns
        .iter()
        .map(|u| (u.path.as_str(), u.reason.as_str()))
        .collect();
    unknowns.sort();
    assert_eq!(unknowns.len(), 3, "{unknowns:?}");
    assert_eq!(
        unknowns[0],
        ("/bin/absurd", "cargo-auditable section lies outside the file")
    );
    assert_eq!(unknowns[1].0, "/bin/garbled");
    assert!(
        unknowns[1].1.starts_with("cargo-auditable data is not valid zlib"),
        "{}",
        unknowns[1].1
    );
    assert_eq!(unknowns[2].0, "/src/Cargo.lock");
    assert!(unknowns[2].1.starts_with("not a valid Cargo.lock"), "{}", unknowns[2].1);
}

/// A `.dep-v0` section that inflates to 64 MB: stopped at the cap, reported, nothing kept.
#[test]
fn a_decompression_bomb_hits_the_cap() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..64 {
        z.write_all(&chunk).expect("compress");
    }
    let scratch = tempfile::tempdir().expect("tempdir");
    let bomb = put(scratch.path(), "bomb.z", &z.finish().expect("finish"));
    let prog = put(root, "bin/bomb", &tinyapp());
    let status = Command::new("objcopy")
        .arg("--update-section")
        .arg(format!(".dep-v0={}", bomb.display()))
        .arg(&prog)
        .status();
    if !status.is_ok_and(|s| s.success()) {
        eprintln!("note: objcopy is not here or failed; skipping the bomb test");
        return;
    }
    let cat = scan(root, Scope::Image);
    assert!(cat.packages.is_empty());
    assert_eq!(cat.unknowns.len(), 1);
    assert_eq!(
        cat.unknowns[0].reason,
        "cargo-auditable data inflates past the cap of 8388608 bytes"
    );
}

/// Random damage to the ELF header, the section table and the compressed data, and random
/// truncation: never a panic.
#[test]
fn random_damage_never_panics() {
    use vigil_catalog::Cataloger;
    let good = tinyapp();
    let shoff = u64::from_le_bytes(good[40..48].try_into().expect("8 bytes")) as usize;
    let regions = [
        (0, 64),
        (DEP_V0_OFFSET, DEP_V0_OFFSET + DEP_V0_SIZE),
        (shoff, good.len()),
    ];
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
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
        if let Some(x) = CargoAuditableCataloger.extract("/bin/x", &data) {
            let v: serde_json::Value = serde_json::from_slice(&x).expect("extract is JSON");
            assert!(v.get("error").is_some() || v.get("crates").is_some(), "{v}");
        }
    }
}
