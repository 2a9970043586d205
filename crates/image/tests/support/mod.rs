//! Builds container images for tests, in every layout Vigil reads, from committed fixture trees.
//!
//! A fixture (`tests/fixtures/<name>/`) is one directory per layer (`layer0/`, `layer1/`, …),
//! each a tiny root filesystem, plus `config.json` (the image configuration without `rootfs`) and
//! optionally `hardlinks` (`layer link target` lines, since git cannot hold hard links). Whiteouts
//! are committed as they travel in layers: empty `.wh.<name>` files and `.wh..wh..opq` markers.
//!
//! Layer tars are deterministic (sorted, fixed mtime, uid 0), digests and diff ids are real. A
//! layout is built as a list of members ([`Layout`]) so a test can tamper with one before writing
//! it out as a directory or a tar.

#![allow(dead_code)]

use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use vigil_types::Digest;

/// The mtime written into every generated header (2024-01-02T03:04:05Z).
pub const MTIME: u64 = 1_704_164_645;

pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";

pub fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// How a layer blob is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// What a tar entry is.
#[derive(Clone, Debug)]
pub enum Kind {
    File(Vec<u8>),
    Dir,
    Symlink(String),
    HardLink(String),
    Fifo,
}

/// One tar entry. `name` is written as given (no normalisation), so tests can write hostile names.
#[derive(Clone, Debug)]
pub struct Entry {
    pub name: String,
    pub kind: Kind,
    pub mode: u32,
    /// Write the name as a PAX `path` record instead of in the header.
    pub pax_name: bool,
}

impl Entry {
    pub fn file(name: &str, data: impl Into<Vec<u8>>) -> Entry {
        Entry {
            name: name.to_string(),
            kind: Kind::File(data.into()),
            mode: 0o644,
            pax_name: false,
        }
    }
    pub fn dir(name: &str) -> Entry {
        Entry {
            name: name.to_string(),
            kind: Kind::Dir,
            mode: 0o755,
            pax_name: false,
        }
    }
    pub fn symlink(name: &str, target: &str) -> Entry {
        Entry {
            name: name.to_string(),
            kind: Kind::Symlink(target.to_string()),
            mode: 0o777,
            pax_name: false,
        }
    }
    pub fn hardlink(name: &str, target: &str) -> Entry {
        Entry {
            name: name.to_string(),
            kind: Kind::HardLink(target.to_string()),
            mode: 0o644,
            pax_name: false,
        }
    }
    pub fn mode(mut self, mode: u32) -> Entry {
        self.mode = mode;
        self
    }
    pub fn pax(mut self) -> Entry {
        self.pax_name = true;
        self
    }
}

/// One layer: its entries in tar order and how it is compressed.
#[derive(Clone, Debug)]
pub struct Layer {
    pub entries: Vec<Entry>,
    pub compression: Compression,
    /// When set, the layer's tar is these bytes, not one written from `entries`.
    pub raw: Option<Vec<u8>>,
}

impl Layer {
    pub fn new(entries: Vec<Entry>) -> Layer {
        Layer {
            entries,
            compression: Compression::None,
            raw: None,
        }
    }

    /// A layer whose tar is given as bytes (headers the builder does not write).
    pub fn from_tar(tar: Vec<u8>) -> Layer {
        Layer {
            entries: Vec::new(),
            compression: Compression::None,
            raw: Some(tar),
        }
    }

    pub fn compressed(mut self, c: Compression) -> Layer {
        self.compression = c;
        self
    }

    /// The entries of a committed tree, sorted, directories with a trailing slash as Docker writes
    /// them, then `hardlinks` (link, target) appended.
    pub fn from_dir(dir: &Path, hardlinks: &[(String, String)]) -> Layer {
        let mut entries = Vec::new();
        walk(dir, "", &mut entries);
        for (link, target) in hardlinks {
            entries.push(Entry::hardlink(link, target));
        }
        Layer::new(entries)
    }

    /// The uncompressed tar (what the diff id is computed over).
    pub fn tar(&self) -> Vec<u8> {
        match &self.raw {
            Some(t) => t.clone(),
            None => write_tar(&self.entries),
        }
    }

    /// The blob as stored.
    pub fn blob(&self) -> Vec<u8> {
        compress(&self.tar(), self.compression)
    }

    pub fn media_type(&self) -> &'static str {
        match self.compression {
            Compression::None => "application/vnd.oci.image.layer.v1.tar",
            Compression::Gzip => "application/vnd.oci.image.layer.v1.tar+gzip",
            Compression::Zstd => "application/vnd.oci.image.layer.v1.tar+zstd",
        }
    }
}

fn walk(dir: &Path, prefix: &str, out: &mut Vec<Entry>) {
    let mut names: Vec<_> = fs::read_dir(dir)
        .expect("fixture dir")
        .map(|e| e.expect("fixture entry").file_name())
        .collect();
    names.sort();
    for name in names {
        let name = name.to_str().expect("fixture names are UTF-8").to_string();
        let full = dir.join(&name);
        let rel = format!("{prefix}{name}");
        let meta = fs::symlink_metadata(&full).expect("stat fixture");
        if meta.file_type().is_symlink() {
            let target = fs::read_link(&full).expect("readlink");
            out.push(Entry::symlink(&rel, target.to_str().expect("UTF-8 target")));
        } else if meta.is_dir() {
            out.push(Entry::dir(&format!("{rel}/")));
            walk(&full, &format!("{rel}/"), out);
        } else {
            let data = fs::read(&full).expect("read fixture");
            let exec = meta.permissions().mode() & 0o111 != 0;
            out.push(Entry::file(&rel, data).mode(if exec { 0o755 } else { 0o644 }));
        }
    }
}

fn header_for(e: &Entry, size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_mtime(MTIME);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mode(e.mode);
    h.set_size(size);
    h.set_entry_type(match &e.kind {
        Kind::File(_) => tar::EntryType::Regular,
        Kind::Dir => tar::EntryType::Directory,
        Kind::Symlink(_) => tar::EntryType::Symlink,
        Kind::HardLink(_) => tar::EntryType::Link,
        Kind::Fifo => tar::EntryType::Fifo,
    });
    h
}

/// Writes `bytes` into a fixed header field, refusing what does not fit.
fn set_field(field: &mut [u8], bytes: &[u8]) {
    assert!(
        bytes.len() <= field.len(),
        "{:?} does not fit a header field",
        String::from_utf8_lossy(bytes)
    );
    field.fill(0);
    field[..bytes.len()].copy_from_slice(bytes);
}

/// A PAX extended header block holding `records` (`key=value`).
fn pax_header(records: &[(&str, &str)]) -> (tar::Header, Vec<u8>) {
    let mut body = Vec::new();
    for (k, v) in records {
        // "<len> <key>=<value>\n" where len counts itself.
        let rest = format!(" {k}={v}\n");
        let mut len = rest.len() + 1;
        while format!("{len}").len() + rest.len() != len {
            len += 1;
        }
        body.extend_from_slice(format!("{len}{rest}").as_bytes());
    }
    let mut h = tar::Header::new_ustar();
    set_field(&mut h.as_old_mut().name, b"././@PaxHeader");
    h.set_entry_type(tar::EntryType::XHeader);
    h.set_size(body.len() as u64);
    h.set_mode(0o644);
    h.set_mtime(MTIME);
    h.set_cksum();
    (h, body)
}

/// Writes entries as a tar: names and link targets are copied verbatim into the header when
/// they fit, else carried by GNU long-name entries (or PAX when asked).
pub fn write_tar(entries: &[Entry]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        let data: &[u8] = match &e.kind {
            Kind::File(d) => d,
            _ => &[],
        };
        let mut h = header_for(e, data.len() as u64);
        let link = match &e.kind {
            Kind::Symlink(t) | Kind::HardLink(t) => Some(t.as_str()),
            _ => None,
        };
        if e.pax_name {
            let mut records = vec![("path", e.name.as_str())];
            if let Some(l) = link {
                records.push(("linkpath", l));
            }
            let (ph, body) = pax_header(&records);
            b.append(&ph, &body[..]).expect("pax header");
            // The ustar name is a truncated stand-in, as GNU tar writes it.
            let short: String = e.name.chars().take(99).collect();
            set_field(&mut h.as_old_mut().name, short.as_bytes());
            if let Some(l) = link {
                let short: String = l.chars().take(99).collect();
                set_field(&mut h.as_old_mut().linkname, short.as_bytes());
            }
            h.set_cksum();
            b.append(&h, data).expect("append");
            continue;
        }
        match link {
            Some(l) if l.len() > 100 => {
                h.set_cksum();
                b.append_link(&mut h, &e.name, l).expect("long link");
            }
            Some(l) => {
                set_field(&mut h.as_old_mut().linkname, l.as_bytes());
                if e.name.len() <= 100 {
                    set_field(&mut h.as_old_mut().name, e.name.as_bytes());
                    h.set_cksum();
                    b.append(&h, data).expect("append");
                } else {
                    b.append_data(&mut h, &e.name, data).expect("append long name");
                }
            }
            None if e.name.len() <= 100 => {
                set_field(&mut h.as_old_mut().name, e.name.as_bytes());
                h.set_cksum();
                b.append(&h, data).expect("append");
            }
            None => b.append_data(&mut h, &e.name, data).expect("append long name"),
        }
    }
    b.into_inner().expect("finish tar")
}

pub fn compress(tar: &[u8], c: Compression) -> Vec<u8> {
    match c {
        Compression::None => tar.to_vec(),
        Compression::Gzip => {
            let mut w = flate2::GzBuilder::new()
                .mtime(0)
                .write(Vec::new(), flate2::Compression::fast());
            w.write_all(tar).expect("gzip");
            w.finish().expect("gzip")
        }
        Compression::Zstd => ruzstd::encoding::compress_to_vec(tar, ruzstd::encoding::CompressionLevel::Fastest),
    }
}

pub fn sha256(bytes: &[u8]) -> String {
    Digest::sha256_of(bytes).to_string()
}

fn hex_of(digest: &str) -> &str {
    digest.strip_prefix("sha256:").expect("sha256 digest")
}

/// An image: layers bottom first, its configuration (without `rootfs`) and tags.
#[derive(Clone, Debug)]
pub struct Image {
    pub layers: Vec<Layer>,
    pub config: Value,
    /// `repo:tag` names (`vigil-test/basic:1`).
    pub tags: Vec<String>,
    /// When set, written as `rootfs.diff_ids` instead of the real ones (to test mismatches).
    pub diff_ids_override: Option<Vec<String>>,
}

/// A layer as built: its bytes and digests.
pub struct Built {
    pub tar: Vec<u8>,
    pub blob: Vec<u8>,
    pub diff_id: String,
    pub digest: String,
    pub media_type: &'static str,
}

impl Image {
    /// Reads `tests/fixtures/<name>`.
    pub fn fixture(name: &str) -> Image {
        let dir = fixture_dir(name);
        let config: Value =
            serde_json::from_slice(&fs::read(dir.join("config.json")).expect("config.json")).expect("config JSON");
        let links = fs::read_to_string(dir.join("hardlinks")).unwrap_or_default();
        let mut layers = Vec::new();
        for i in 0.. {
            let ld = dir.join(format!("layer{i}"));
            if !ld.is_dir() {
                break;
            }
            let key = format!("layer{i}");
            let hard: Vec<(String, String)> = links
                .lines()
                .filter(|l| !l.starts_with('#'))
                .filter_map(|l| {
                    let mut it = l.split_whitespace();
                    (it.next() == Some(key.as_str())).then(|| {
                        (
                            it.next().expect("link").to_string(),
                            it.next().expect("target").to_string(),
                        )
                    })
                })
                .collect();
            layers.push(Layer::from_dir(&ld, &hard));
        }
        assert!(!layers.is_empty(), "fixture {name} has no layer0/");
        Image {
            layers,
            config,
            tags: vec![format!("vigil-test/{name}:1")],
            diff_ids_override: None,
        }
    }

    /// Every layer stored with compression `c`.
    pub fn compressed(mut self, c: Compression) -> Image {
        for l in &mut self.layers {
            l.compression = c;
        }
        self
    }

    pub fn built_layers(&self) -> Vec<Built> {
        self.layers
            .iter()
            .map(|l| {
                let tar = l.tar();
                let blob = compress(&tar, l.compression);
                Built {
                    diff_id: sha256(&tar),
                    digest: sha256(&blob),
                    tar,
                    blob,
                    media_type: l.media_type(),
                }
            })
            .collect()
    }

    /// The real diff ids, bottom first.
    pub fn diff_ids(&self) -> Vec<String> {
        self.layers.iter().map(|l| sha256(&l.tar())).collect()
    }

    /// The configuration JSON with `rootfs` filled in.
    pub fn config_bytes(&self) -> Vec<u8> {
        let mut c = self.config.clone();
        let ids = self.diff_ids_override.clone().unwrap_or_else(|| self.diff_ids());
        c["rootfs"] = json!({"type": "layers", "diff_ids": ids});
        serde_json::to_vec(&c).expect("config")
    }

    pub fn config_digest(&self) -> String {
        sha256(&self.config_bytes())
    }

    fn platform(&self) -> Value {
        let mut p = json!({"os": self.config["os"], "architecture": self.config["architecture"]});
        if let Some(v) = self.config.get("variant") {
            p["variant"] = v.clone();
        }
        p
    }

    /// The OCI image manifest naming config and layers.
    pub fn manifest_bytes(&self, built: &[Built], config_media_type: &str) -> Vec<u8> {
        let cfg = self.config_bytes();
        let layers: Vec<Value> = built
            .iter()
            .map(|b| json!({"mediaType": b.media_type, "digest": b.digest, "size": b.blob.len()}))
            .collect();
        serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": config_media_type, "digest": sha256(&cfg), "size": cfg.len()},
            "layers": layers,
        }))
        .expect("manifest")
    }
}

/// An image layout as ordered members (`path`, bytes), written out as a directory or a tar.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    pub members: Vec<(String, Vec<u8>)>,
    /// Symbolic links between members (`name`, `target` relative to the link's directory), written
    /// after the members in a tar, as `docker save` links a repeated layer to its first copy.
    pub symlinks: Vec<(String, String)>,
}

impl Layout {
    pub fn add(&mut self, name: &str, bytes: Vec<u8>) {
        if let Some(m) = self.members.iter_mut().find(|(n, _)| n == name) {
            m.1 = bytes;
        } else {
            self.members.push((name.to_string(), bytes));
        }
    }

    pub fn get(&self, name: &str) -> &[u8] {
        &self
            .members
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("no member {name}"))
            .1
    }

    pub fn remove(&mut self, name: &str) {
        let before = self.members.len();
        self.members.retain(|(n, _)| n != name);
        assert!(self.members.len() < before, "no member {name}");
    }

    /// Member names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.members.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// The archive bytes (directories for nested members, as `docker save` writes them).
    pub fn tar_bytes(&self) -> Vec<u8> {
        let mut entries = Vec::new();
        let mut dirs: Vec<String> = Vec::new();
        for (name, bytes) in &self.members {
            let mut acc = String::new();
            let parts: Vec<&str> = name.split('/').collect();
            for p in &parts[..parts.len() - 1] {
                acc.push_str(p);
                acc.push('/');
                if !dirs.contains(&acc) {
                    dirs.push(acc.clone());
                    entries.push(Entry::dir(&acc));
                }
            }
            entries.push(Entry::file(name, bytes.clone()));
        }
        for (name, target) in &self.symlinks {
            entries.push(Entry::symlink(name, target));
        }
        write_tar(&entries)
    }

    pub fn write_tar(&self, path: &Path) {
        fs::write(path, self.tar_bytes()).expect("write archive");
    }

    pub fn write_dir(&self, dir: &Path) {
        for (name, bytes) in &self.members {
            let p = dir.join(name);
            fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            fs::write(p, bytes).expect("write member");
        }
        for (name, target) in &self.symlinks {
            std::os::unix::fs::symlink(target, dir.join(name)).expect("symlink member");
        }
    }
}

/// `docker save` before Docker 25: `<id>/layer.tar` (with `VERSION` and `json`), `<config hex>.json`,
/// `manifest.json`, `repositories`. Layers are stored with their own compression (docker writes
/// plain tars; gzip here tests that the reader sniffs).
pub fn docker_legacy(img: &Image) -> Layout {
    let built = img.built_layers();
    let cfg = img.config_bytes();
    let cfg_hex = hex_of(&sha256(&cfg)).to_string();
    let mut l = Layout::default();
    let mut chain = String::new();
    let mut layer_names: Vec<String> = Vec::new();
    let mut first_copy: Vec<(String, String)> = Vec::new();
    for b in &built {
        // A legacy layer id: the hash of the chain so far, as docker derives v1 ids.
        chain = sha256(format!("{chain}{}", b.diff_id).as_bytes());
        let id = hex_of(&chain).to_string();
        l.add(&format!("{id}/VERSION"), b"1.0".to_vec());
        l.add(
            &format!("{id}/json"),
            serde_json::to_vec(&json!({"id": id})).expect("json"),
        );
        let name = format!("{id}/layer.tar");
        // A layer equal to an earlier one is a symlink to its first copy, as docker writes it.
        match first_copy.iter().find(|(d, _)| *d == b.diff_id) {
            Some((_, first)) => l.symlinks.push((name.clone(), format!("../{first}"))),
            None => {
                l.add(&name, b.blob.clone());
                first_copy.push((b.diff_id.clone(), name.clone()));
            }
        }
        layer_names.push(name);
    }
    l.add(&format!("{cfg_hex}.json"), cfg);
    l.add(
        "manifest.json",
        serde_json::to_vec(&json!([{
            "Config": format!("{cfg_hex}.json"),
            "RepoTags": img.tags,
            "Layers": layer_names,
        }]))
        .expect("manifest"),
    );
    l.add("repositories", repositories(img, &layer_names));
    l
}

fn repositories(img: &Image, layer_names: &[String]) -> Vec<u8> {
    let top = layer_names
        .last()
        .map(|n| n.trim_end_matches("/layer.tar").to_string())
        .unwrap_or_default();
    let mut repos = serde_json::Map::new();
    for t in &img.tags {
        if let Some((repo, tag)) = t.rsplit_once(':') {
            repos.insert(repo.to_string(), json!({tag: top}));
        }
    }
    serde_json::to_vec(&Value::Object(repos)).expect("repositories")
}

/// `docker save` from Docker 25 on: an OCI layout (`oci-layout`, `index.json`, `blobs/sha256/…`
/// with uncompressed layers) plus the legacy `manifest.json` naming the same blobs.
pub fn docker_oci(img: &Image) -> Layout {
    let img = img.clone().compressed(Compression::None);
    let built = img.built_layers();
    let cfg = img.config_bytes();
    let man = img.manifest_bytes(&built, OCI_CONFIG);
    let mut l = Layout::default();
    for b in &built {
        l.add(&format!("blobs/sha256/{}", hex_of(&b.digest)), b.blob.clone());
    }
    l.add(&format!("blobs/sha256/{}", hex_of(&sha256(&cfg))), cfg.clone());
    l.add(&format!("blobs/sha256/{}", hex_of(&sha256(&man))), man.clone());
    let tag = img.tags.first().cloned().unwrap_or_default();
    let short = tag.rsplit_once(':').map(|(_, t)| t.to_string()).unwrap_or_default();
    l.add(
        "index.json",
        serde_json::to_vec(&json!({
            "schemaVersion": 2,
            "mediaType": OCI_INDEX,
            "manifests": [{
                "mediaType": OCI_MANIFEST,
                "digest": sha256(&man),
                "size": man.len(),
                "annotations": {
                    "io.containerd.image.name": format!("docker.io/{tag}"),
                    "org.opencontainers.image.ref.name": short,
                },
            }],
        }))
        .expect("index"),
    );
    let layer_names: Vec<String> = built
        .iter()
        .map(|b| format!("blobs/sha256/{}", hex_of(&b.digest)))
        .collect();
    l.add(
        "manifest.json",
        serde_json::to_vec(&json!([{
            "Config": format!("blobs/sha256/{}", hex_of(&sha256(&cfg))),
            "RepoTags": img.tags,
            "Layers": layer_names,
        }]))
        .expect("manifest"),
    );
    l.add("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec());
    l.add("repositories", repositories(&img, &layer_names));
    l
}

/// Adds an image's blobs (layers, config, manifest) to a layout; returns the manifest descriptor.
fn add_image_blobs(l: &mut Layout, img: &Image) -> Value {
    let built = img.built_layers();
    let cfg = img.config_bytes();
    let man = img.manifest_bytes(&built, OCI_CONFIG);
    for b in &built {
        l.add(&format!("blobs/sha256/{}", hex_of(&b.digest)), b.blob.clone());
    }
    l.add(&format!("blobs/sha256/{}", hex_of(&sha256(&cfg))), cfg);
    l.add(&format!("blobs/sha256/{}", hex_of(&sha256(&man))), man.clone());
    json!({"mediaType": OCI_MANIFEST, "digest": sha256(&man), "size": man.len()})
}

/// An OCI image layout holding one image, tagged with its first tag's `ref.name`.
pub fn oci(img: &Image) -> Layout {
    let mut l = Layout::default();
    l.add("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec());
    let mut desc = add_image_blobs(&mut l, img);
    if let Some(t) = img.tags.first() {
        desc["annotations"] = json!({"org.opencontainers.image.ref.name": t});
    }
    l.add(
        "index.json",
        serde_json::to_vec(&json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [desc]})).expect("index"),
    );
    l
}

/// An OCI layout whose `index.json` names one multi-platform index (as `docker buildx` and
/// containerd export it): one manifest per image with its platform, plus an attestation manifest.
pub fn oci_multi(images: &[&Image], name: &str) -> Layout {
    let mut l = Layout::default();
    l.add("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec());
    let mut manifests = Vec::new();
    for img in images {
        let mut d = add_image_blobs(&mut l, img);
        d["platform"] = img.platform();
        manifests.push(d);
    }
    // An attestation manifest, which readers must not take for an image.
    let att_cfg = br#"{"architecture":"unknown","os":"unknown","rootfs":{"type":"layers","diff_ids":[]}}"#.to_vec();
    let att_man = serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": sha256(&att_cfg), "size": att_cfg.len()},
        "layers": [],
    }))
    .expect("attestation");
    l.add(&format!("blobs/sha256/{}", hex_of(&sha256(&att_cfg))), att_cfg);
    l.add(&format!("blobs/sha256/{}", hex_of(&sha256(&att_man))), att_man.clone());
    manifests.push(json!({
        "mediaType": OCI_MANIFEST, "digest": sha256(&att_man), "size": att_man.len(),
        "platform": {"os": "unknown", "architecture": "unknown"},
        "annotations": {"vnd.docker.reference.type": "attestation-manifest",
                        "vnd.docker.reference.digest": manifests[0]["digest"]},
    }));
    let nested = serde_json::to_vec(&json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}))
        .expect("nested index");
    l.add(&format!("blobs/sha256/{}", hex_of(&sha256(&nested))), nested.clone());
    l.add(
        "index.json",
        serde_json::to_vec(&json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [{
            "mediaType": OCI_INDEX, "digest": sha256(&nested), "size": nested.len(),
            "annotations": {"io.containerd.image.name": name, "org.opencontainers.image.ref.name": name},
        }]}))
        .expect("index"),
    );
    l
}

/// A gzip layer of one file of `size` zero bytes, streamed (no buffer of that size is held).
pub fn zero_bomb_layer(size: u64) -> Vec<u8> {
    let gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::default());
    let mut b = tar::Builder::new(gz);
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_size(size);
    h.set_mode(0o644);
    h.set_mtime(MTIME);
    b.append_data(&mut h, "zeros", io::repeat(0).take(size)).expect("bomb");
    b.into_inner().expect("tar").finish().expect("gzip")
}

/// A temporary directory and where each layout of an image was written in it.
pub struct Written {
    pub dir: tempfile::TempDir,
}

impl Written {
    pub fn new() -> Written {
        Written {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    /// Writes `layout` as a tar named `name`, returning its path.
    pub fn tar(&self, name: &str, layout: &Layout) -> PathBuf {
        let p = self.path(name);
        layout.write_tar(&p);
        p
    }
    /// Writes `layout` as a directory named `name`, returning its path.
    pub fn dir(&self, name: &str, layout: &Layout) -> PathBuf {
        let p = self.path(name);
        layout.write_dir(&p);
        p
    }
}

/// An OCI layout from raw layer blobs (`blob`, the diff id to promise, media type), for layers the
/// builder would not write: bombs, corrupt streams.
pub fn oci_from_blobs(config: &Value, layers: &[(&[u8], &str, &str)]) -> Layout {
    let mut c = config.clone();
    c["rootfs"] = json!({"type": "layers", "diff_ids": layers.iter().map(|l| l.1).collect::<Vec<_>>()});
    let cfg = serde_json::to_vec(&c).expect("config");
    let mut l = Layout::default();
    l.add("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#.to_vec());
    let mut descs = Vec::new();
    let mut added = std::collections::HashSet::new();
    for (blob, _, media) in layers {
        let digest = sha256(blob);
        if added.insert(digest.clone()) {
            l.add(&format!("blobs/sha256/{}", hex_of(&digest)), blob.to_vec());
        }
        descs.push(json!({"mediaType": media, "digest": digest, "size": blob.len()}));
    }
    let man = serde_json::to_vec(&json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": sha256(&cfg), "size": cfg.len()},
        "layers": descs,
    }))
    .expect("manifest");
    l.add(&format!("blobs/sha256/{}", hex_of(&sha256(&cfg))), cfg);
    l.add(&format!("blobs/sha256/{}", hex_of(&sha256(&man))), man.clone());
    l.add(
        "index.json",
        serde_json::to_vec(&json!({"schemaVersion": 2, "manifests": [
            {"mediaType": OCI_MANIFEST, "digest": sha256(&man), "size": man.len()}]}))
        .expect("index"),
    );
    l
}

/// The member name of layer `i` of `img` in an OCI layout (`blobs/sha256/<hex>`).
pub fn oci_layer_member(img: &Image, i: usize) -> String {
    format!("blobs/sha256/{}", hex_of(&sha256(&img.layers[i].blob())))
}

/// The member name of layer `i` in a legacy `docker save` layout (`<id>/layer.tar`).
pub fn legacy_layer_member(layout: &Layout, i: usize) -> String {
    let manifest: Value = serde_json::from_slice(layout.get("manifest.json")).expect("manifest.json");
    manifest[0]["Layers"][i].as_str().expect("layer member").to_string()
}
