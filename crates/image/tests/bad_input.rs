//! Hostile and broken images: each gives a typed error that names the input and the layer or
//! entry, or (for one file) an unknown; never a panic, never unbounded memory.

mod support;

use std::path::Path;

use support::{
    docker_legacy, legacy_layer_member, oci, oci_from_blobs, oci_layer_member, sha256, zero_bomb_layer, Compression,
    Entry, Image, Layer, Written,
};
use vigil_image::{open, ImageError, Limits, Options, ResolveError, SelectNothing, SelectPaths, SourceSpec};

fn fail(spec: &SourceSpec, options: &Options) -> (ImageError, String) {
    match open(spec, options, &SelectNothing) {
        Ok(_) => panic!("{spec}: read without error"),
        Err(e) => {
            let msg = e.to_string();
            (e, msg)
        }
    }
}

fn names(msg: &str, input: &Path, place: &str) {
    let input = input.to_str().expect("utf8");
    assert!(msg.contains(input), "message does not name the input {input}: {msg}");
    assert!(msg.contains(place), "message does not name {place}: {msg}");
}

fn one_layer(entries: Vec<Entry>) -> Image {
    Image {
        layers: vec![Layer::new(entries).compressed(Compression::Gzip)],
        ..Image::fixture("basic")
    }
}

#[test]
fn truncated_archive() {
    let img = Image::fixture("basic");
    let layout = docker_legacy(&img);
    let member = legacy_layer_member(&layout, 1);
    let bytes = layout.tar_bytes();
    // Cut in the middle of the second layer's data.
    let mut a = tar::Archive::new(&bytes[..]);
    let (off, size) = a
        .entries()
        .expect("tar")
        .map(|e| e.expect("entry"))
        .find(|e| e.path_bytes().as_ref() == member.as_bytes())
        .map(|e| (e.raw_file_position(), e.size()))
        .expect("layer member");
    let w = Written::new();
    let p = w.path("cut.tar");
    std::fs::write(&p, &bytes[..(off + size / 2) as usize]).expect("write");
    let (err, msg) = fail(&SourceSpec::DockerArchive(p.clone()), &Options::default());
    assert!(matches!(err, ImageError::Unrecognised { .. }), "{err:?}");
    names(&msg, &p, &member);
    assert!(msg.contains("truncated"), "{msg}");
}

#[test]
fn corrupt_gzip_layer() {
    let img = Image::fixture("basic").compressed(Compression::Gzip);
    let mut layout = docker_legacy(&img);
    let member = legacy_layer_member(&layout, 0);
    let mut blob = layout.get(&member).to_vec();
    let mid = blob.len() / 2;
    for b in &mut blob[mid..mid + 32] {
        *b ^= 0x5a;
    }
    layout.add(&member, blob);
    let w = Written::new();
    let p = w.tar("corrupt.tar", &layout);
    let (err, msg) = fail(&SourceSpec::DockerArchive(p.clone()), &Options::default());
    assert!(
        matches!(&err, ImageError::Layer { layer, .. } if *layer == member),
        "{err:?}"
    );
    names(&msg, &p, &member);
}

#[test]
fn truncated_gzip_blob_in_an_oci_dir() {
    let img = Image::fixture("basic").compressed(Compression::Gzip);
    let mut layout = oci(&img);
    let member = oci_layer_member(&img, 1);
    let blob = layout.get(&member).to_vec();
    layout.add(&member, blob[..blob.len() - 20].to_vec());
    let w = Written::new();
    let p = w.dir("oci", &layout);
    let (err, msg) = fail(&SourceSpec::OciDir(p.clone()), &Options::default());
    assert!(
        matches!(&err, ImageError::Layer { layer, .. } if *layer == member),
        "{err:?}"
    );
    names(&msg, &p, &member);
}

#[test]
fn corrupt_zstd_layer() {
    let img = Image::fixture("basic").compressed(Compression::Zstd);
    let mut layout = oci(&img);
    let member = oci_layer_member(&img, 0);
    let mut blob = layout.get(&member).to_vec();
    let mid = blob.len() / 2;
    for b in &mut blob[mid..mid + 64] {
        *b = 0xff;
    }
    layout.add(&member, blob);
    let w = Written::new();
    let p = w.dir("oci", &layout);
    let (err, msg) = fail(&SourceSpec::OciDir(p.clone()), &Options::default());
    // The zstd stream breaks, or decodes to other bytes and the blob digest catches it.
    assert!(
        matches!(&err, ImageError::Layer { layer, .. } | ImageError::DigestMismatch { layer, .. } if *layer == member),
        "{err:?}"
    );
    names(&msg, &p, &member);
}

#[test]
fn manifest_naming_a_missing_blob() {
    let img = Image::fixture("basic").compressed(Compression::Gzip);
    let w = Written::new();
    let mut layout = oci(&img);
    let member = oci_layer_member(&img, 2);
    layout.remove(&member);
    let p = w.dir("oci", &layout);
    let (err, msg) = fail(&SourceSpec::OciDir(p.clone()), &Options::default());
    assert!(
        matches!(&err, ImageError::MissingBlob { blob, .. } if *blob == member),
        "{err:?}"
    );
    names(&msg, &p, &member);

    let mut legacy = docker_legacy(&img);
    let member = legacy_layer_member(&legacy, 1);
    legacy.remove(&member);
    let p = w.tar("legacy.tar", &legacy);
    let (err, msg) = fail(&SourceSpec::DockerArchive(p.clone()), &Options::default());
    assert!(
        matches!(&err, ImageError::MissingBlob { blob, .. } if *blob == member),
        "{err:?}"
    );
    names(&msg, &p, &member);
}

#[test]
fn blob_digest_mismatch() {
    // The same tar compressed differently: the diff id holds, the blob digest does not.
    let img = Image::fixture("basic").compressed(Compression::Gzip);
    let mut layout = oci(&img);
    let member = oci_layer_member(&img, 1);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut gz, &img.layers[1].tar()).expect("gzip");
    let other = gz.finish().expect("gzip");
    assert_ne!(sha256(&other), sha256(layout.get(&member)));
    layout.add(&member, other.clone());
    let w = Written::new();
    let p = w.dir("oci", &layout);
    let (err, msg) = fail(&SourceSpec::OciDir(p.clone()), &Options::default());
    match &err {
        ImageError::DigestMismatch {
            layer,
            expected,
            actual,
            ..
        } => {
            assert_eq!(layer, &member);
            assert_eq!(expected, &sha256(&img.layers[1].blob()));
            assert_eq!(actual, &sha256(&other));
        }
        other => panic!("expected DigestMismatch, got {other:?}"),
    }
    names(&msg, &p, &member);
}

#[test]
fn diff_id_mismatch() {
    let mut img = Image::fixture("basic").compressed(Compression::Gzip);
    let mut ids = img.diff_ids();
    let real = ids[1].clone();
    ids[1] = sha256(b"not this layer");
    img.diff_ids_override = Some(ids.clone());
    let w = Written::new();
    let member = oci_layer_member(&img, 1);
    let p = w.dir("oci", &oci(&img));
    let (err, msg) = fail(&SourceSpec::OciDir(p.clone()), &Options::default());
    match &err {
        ImageError::DigestMismatch {
            layer,
            expected,
            actual,
            ..
        } => {
            assert_eq!(layer, &member);
            assert_eq!(expected, &ids[1]);
            assert_eq!(actual, &real);
        }
        other => panic!("expected DigestMismatch, got {other:?}"),
    }
    names(&msg, &p, &member);

    // The legacy layout has no blob digests: the diff id is what is checked.
    let legacy = docker_legacy(&img);
    let member = legacy_layer_member(&legacy, 1);
    let p = w.tar("legacy.tar", &legacy);
    let (err, msg) = fail(&SourceSpec::DockerArchive(p.clone()), &Options::default());
    assert!(
        matches!(&err, ImageError::DigestMismatch { layer, .. } if *layer == member),
        "{err:?}"
    );
    names(&msg, &p, &member);
}

#[test]
fn entry_climbing_out_of_the_root() {
    let w = Written::new();
    for (name, entries) in [
        (
            "dotdot",
            vec![
                Entry::dir("etc/"),
                Entry::file("etc/../../../etc/cron.d/evil", "* * * * * root sh"),
            ],
        ),
        ("absolute", vec![Entry::file("/etc/cron.d/evil", "* * * * * root sh")]),
        ("hardlink", vec![Entry::hardlink("etc/shadow-copy", "../../etc/shadow")]),
    ] {
        let img = one_layer(entries.clone());
        let member = oci_layer_member(&img, 0);
        let p = w.dir(name, &oci(&img));
        let (err, msg) = fail(&SourceSpec::OciDir(p.clone()), &Options::default());
        let bad = &entries.last().expect("entry").name;
        match &err {
            ImageError::HostileEntry { layer, entry, .. } => {
                assert_eq!(layer, &member, "{name}");
                assert_eq!(entry, bad, "{name}");
            }
            other => panic!("{name}: expected HostileEntry, got {other:?}"),
        }
        names(&msg, &p, &member);
        assert!(msg.contains(bad.as_str()), "{msg}");
    }
}

#[test]
fn symlink_loops_fail_the_lookup_not_the_scan() {
    let img = one_layer(vec![
        Entry::symlink("self", "self"),
        Entry::symlink("a", "b/x"),
        Entry::symlink("b", "a"),
        Entry::dir("d/"),
        Entry::symlink("d/up", "../d/up/more"),
        Entry::file("ok", "fine"),
    ]);
    let w = Written::new();
    let i = open(
        &SourceSpec::OciDir(w.dir("oci", &oci(&img))),
        &Options::default(),
        &SelectPaths(&["/ok"]),
    )
    .expect("a loop is no reason to fail the scan");
    for p in ["/self", "/a", "/b/x", "/d/up", "/d/up/more/x"] {
        assert_eq!(i.tree.resolve(p).err(), Some(ResolveError::Loop(p.to_string())), "{p}");
        assert_eq!(i.tree.content(p), None);
    }
    assert_eq!(i.tree.content("/ok"), Some(&b"fine"[..]));
    assert_eq!(i.tree.len(), 6);
}

#[test]
fn decompression_bomb_past_the_layer_cap() {
    let blob = zero_bomb_layer(64 << 20);
    assert!(blob.len() < 1 << 20, "a bomb: {} bytes", blob.len());
    let img = Image::fixture("basic");
    let unknown = sha256(b"unknown");
    let layout = oci_from_blobs(
        &img.config,
        &[(
            &blob[..],
            unknown.as_str(),
            "application/vnd.oci.image.layer.v1.tar+gzip",
        )],
    );
    let member = format!("blobs/sha256/{}", &sha256(&blob)[7..]);
    let w = Written::new();
    let p = w.dir("bomb", &layout);
    let spec = SourceSpec::OciDir(p.clone());

    let cap = Options {
        limits: Limits {
            max_layer_size: 16 << 20,
            ..Limits::default()
        },
        ..Options::default()
    };
    let (err, msg) = fail(&spec, &cap);
    match &err {
        ImageError::TooLarge { layer, cap, .. } => {
            assert_eq!(layer, &member);
            assert_eq!(*cap, 16 << 20);
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    names(&msg, &p, &member);

    // The ratio cap: default ratio, a small floor.
    let ratio = Options {
        limits: Limits {
            ratio_floor: 1 << 20,
            ..Limits::default()
        },
        ..Options::default()
    };
    let (err, msg) = fail(&spec, &ratio);
    match &err {
        ImageError::TooLarge { layer, cap, .. } => {
            assert_eq!(layer, &member);
            assert_eq!(*cap, blob.len() as u64 * Limits::default().max_ratio);
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    names(&msg, &p, &member);

    // Under the default limits the same layer is read; only its promised diff id is wrong.
    let (err, _) = fail(&spec, &Options::default());
    assert!(matches!(err, ImageError::DigestMismatch { .. }), "{err:?}");
}

#[test]
fn too_many_entries() {
    let img = Image::fixture("basic").compressed(Compression::Gzip);
    let w = Written::new();
    let p = w.dir("oci", &oci(&img));
    let options = Options {
        limits: Limits {
            max_entries: 10,
            ..Limits::default()
        },
        ..Options::default()
    };
    let (err, msg) = fail(&SourceSpec::OciDir(p.clone()), &options);
    assert!(matches!(err, ImageError::Layer { .. }), "{err:?}");
    names(&msg, &p, &oci_layer_member(&img, 0));
    assert!(msg.contains("more than 10 entries"), "{msg}");
}

#[test]
fn fewer_diff_ids_than_layers() {
    let mut img = Image::fixture("basic");
    img.diff_ids_override = Some(img.diff_ids()[..2].to_vec());
    let w = Written::new();
    let p = w.tar("legacy.tar", &docker_legacy(&img));
    let (err, msg) = fail(&SourceSpec::DockerArchive(p.clone()), &Options::default());
    assert!(
        matches!(&err, ImageError::BadMetadata { file, .. } if file == "manifest.json"),
        "{err:?}"
    );
    names(&msg, &p, "manifest.json");
    assert!(msg.contains("3 layers") && msg.contains("2 diff_ids"), "{msg}");

    let layout = oci(&img);
    let index: serde_json::Value = serde_json::from_slice(layout.get("index.json")).expect("index");
    let manifest = index["manifests"][0]["digest"].as_str().expect("digest").to_string();
    let p = w.dir("oci", &layout);
    let (err, msg) = fail(&SourceSpec::OciDir(p.clone()), &Options::default());
    assert!(
        matches!(&err, ImageError::BadMetadata { file, .. } if *file == manifest),
        "{err:?}"
    );
    names(&msg, &p, &manifest);
    assert!(msg.contains("3 layers") && msg.contains("2 diff_ids"), "{msg}");
}

#[test]
fn garbage_index_json() {
    let img = Image::fixture("basic");
    let w = Written::new();
    for (name, garbage) in [
        ("not-json", &b"{\"manifests\": [ this is not json"[..]),
        ("wrong-shape", &b"{\"manifests\": 5}"[..]),
        (
            "bad-digest",
            &b"{\"manifests\": [{\"mediaType\": \"x\", \"digest\": \"md5:abc\"}]}"[..],
        ),
    ] {
        let mut layout = oci(&img);
        layout.add("index.json", garbage.to_vec());
        let p = w.dir(name, &layout);
        let (err, msg) = fail(&SourceSpec::OciDir(p.clone()), &Options::default());
        assert!(
            matches!(&err, ImageError::BadMetadata { file, .. } if file == "index.json"),
            "{name}: {err:?}"
        );
        names(&msg, &p, "index.json");
    }
    // An empty index names no image.
    let mut layout = oci(&img);
    layout.add("index.json", b"{\"schemaVersion\": 2, \"manifests\": []}".to_vec());
    let p = w.dir("empty", &layout);
    let (err, msg) = fail(&SourceSpec::OciDir(p.clone()), &Options::default());
    assert!(matches!(err, ImageError::BadMetadata { .. }), "{err:?}");
    names(&msg, &p, "index.json");
}

#[test]
fn garbage_manifest_and_config() {
    let img = Image::fixture("basic");
    let w = Written::new();
    let mut legacy = docker_legacy(&img);
    legacy.add("manifest.json", b"[{\"Config\": 1}]".to_vec());
    let p = w.tar("manifest.tar", &legacy);
    let (err, msg) = fail(&SourceSpec::DockerArchive(p.clone()), &Options::default());
    assert!(
        matches!(&err, ImageError::BadMetadata { file, .. } if file == "manifest.json"),
        "{err:?}"
    );
    names(&msg, &p, "manifest.json");

    let mut legacy = docker_legacy(&img);
    let cfg = format!("{}.json", &img.config_digest()[7..]);
    legacy.add(&cfg, b"{\"rootfs\": {\"diff_ids\": [\"sha256:zz\"]}}".to_vec());
    let p = w.tar("config.tar", &legacy);
    let (err, msg) = fail(&SourceSpec::DockerArchive(p.clone()), &Options::default());
    assert!(
        matches!(&err, ImageError::BadMetadata { file, .. } if *file == cfg),
        "{err:?}"
    );
    names(&msg, &p, &cfg);

    // Not an archive at all.
    let p = w.path("junk.tar");
    std::fs::write(&p, vec![7u8; 4096]).expect("write");
    let (err, msg) = fail(&SourceSpec::DockerArchive(p.clone()), &Options::default());
    assert!(matches!(err, ImageError::Unrecognised { .. }), "{err:?}");
    names(&msg, &p, "");
}

#[test]
fn selected_file_past_max_file_size_is_an_unknown() {
    let img = one_layer(vec![
        Entry::dir("var/"),
        Entry::file("var/big.db", vec![b'x'; 4096]),
        Entry::file("var/small.db", "small"),
    ]);
    let w = Written::new();
    let options = Options {
        limits: Limits {
            max_file_size: 1024,
            ..Limits::default()
        },
        ..Options::default()
    };
    let i = open(
        &SourceSpec::OciDir(w.dir("oci", &oci(&img))),
        &options,
        &SelectPaths(&["/var/big.db", "/var/small.db"]),
    )
    .expect("one large file does not sink the scan");
    assert_eq!(i.tree.content("/var/small.db"), Some(&b"small"[..]));
    let big = i.tree.entry("/var/big.db").expect("listed");
    assert_eq!((big.size, big.content()), (4096, None));
    assert_eq!(i.unknowns.len(), 1);
    let u = &i.unknowns[0];
    assert_eq!(u.path, "/var/big.db");
    assert_eq!(u.layer.as_ref().map(|d| d.to_string()), Some(img.diff_ids()[0].clone()));
    assert!(u.reason.contains("4096") && u.reason.contains("1024"), "{}", u.reason);
}

#[test]
fn truncated_plain_layer_names_the_last_entry() {
    let img = Image {
        layers: vec![Layer::new(vec![
            Entry::dir("usr/"),
            Entry::file("usr/big", vec![b'b'; 10_000]),
            Entry::file("usr/after", "never read"),
        ])],
        ..Image::fixture("basic")
    };
    let member = oci_layer_member(&img, 0);
    let mut layout = oci(&img);
    let tar = img.layers[0].tar();
    // Cut inside usr/big's data: header blocks at 0 and 512, data from 1024.
    layout.add(&member, tar[..6000].to_vec());
    let w = Written::new();
    let p = w.dir("oci", &layout);
    let (err, msg) = fail(&SourceSpec::OciDir(p.clone()), &Options::default());
    assert!(
        matches!(&err, ImageError::Layer { layer, .. } if *layer == member),
        "{err:?}"
    );
    names(&msg, &p, &member);
    assert!(msg.contains("/usr/big"), "{msg}");
}

#[test]
fn bad_layer_digest_in_a_manifest_names_the_manifest() {
    let img = Image::fixture("basic");
    let mut layout = oci(&img);
    let mut index: serde_json::Value = serde_json::from_slice(layout.get("index.json")).expect("index");
    let old = index["manifests"][0]["digest"].as_str().expect("digest").to_string();
    let mut man: serde_json::Value =
        serde_json::from_slice(layout.get(&format!("blobs/sha256/{}", &old[7..]))).expect("manifest");
    man["layers"][1]["digest"] = "sha256:not-hex".into();
    let bytes = serde_json::to_vec(&man).expect("json");
    let new = sha256(&bytes);
    layout.add(&format!("blobs/sha256/{}", &new[7..]), bytes);
    index["manifests"][0]["digest"] = new.clone().into();
    layout.add("index.json", serde_json::to_vec(&index).expect("json"));
    let w = Written::new();
    let p = w.dir("oci", &layout);
    let (err, msg) = fail(&SourceSpec::OciDir(p.clone()), &Options::default());
    assert!(
        matches!(&err, ImageError::BadMetadata { file, .. } if *file == new),
        "{err:?}"
    );
    names(&msg, &p, &new);
    assert!(msg.contains("not-hex"), "{msg}");
}

#[test]
fn too_many_layers() {
    let layer = Layer::new(vec![Entry::file("f", "x")]);
    let blob = layer.blob();
    let n = 65_536;
    let diff_id = sha256(&layer.tar());
    let layers = vec![(&blob[..], diff_id.as_str(), "application/vnd.oci.image.layer.v1.tar"); n];
    let w = Written::new();
    let p = w.dir("many", &oci_from_blobs(&Image::fixture("basic").config, &layers));
    let (err, msg) = fail(&SourceSpec::OciDir(p.clone()), &Options::default());
    assert!(matches!(err, ImageError::Unrecognised { .. }), "{err:?}");
    names(&msg, &p, "65536 layers");
}
