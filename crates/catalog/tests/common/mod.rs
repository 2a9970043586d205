//! Helpers for the cataloger tests: run catalogers through the real pipeline over a fixture
//! directory or over a `docker save` archive built from layers given in the test.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use vigil_catalog::{Catalog, Cataloger, Catalogers, Scope};
use vigil_image::{open, Image, Options, SourceSpec};
use vigil_types::{Digest, Package};

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel)
}

/// Runs `cataloger` over the root file system directory `dir`.
pub fn scan_dir(cataloger: Box<dyn Cataloger>, dir: &Path) -> Catalog {
    let cats = Catalogers::new(vec![cataloger]);
    let image = open(&SourceSpec::Dir(dir.to_path_buf()), &Options::default(), &cats).expect("open dir");
    cats.run(&image.tree, Scope::Image)
}

/// Runs `cats` over the image.
pub fn scan_image(cats: &Catalogers, image: &Image) -> Catalog {
    cats.run(&image.tree, Scope::Image)
}

pub fn find<'a>(c: &'a Catalog, name: &str) -> &'a Package {
    c.packages
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no package {name} in {:?}", names(c)))
}

pub fn names(c: &Catalog) -> Vec<&str> {
    c.packages.iter().map(|p| p.name.as_str()).collect()
}

/// One file of a test layer: path inside the image (no leading slash) and content.
pub type Entry<'a> = (&'a str, &'a [u8]);

/// Writes a `docker save` (legacy layout) archive of `layers`, bottom first, into `dir`, and
/// returns its path and the layers' diff ids.
pub fn docker_archive(dir: &Path, layers: &[Vec<Entry<'_>>]) -> (PathBuf, Vec<Digest>) {
    let mut tars = Vec::new();
    for layer in layers {
        let mut b = tar::Builder::new(Vec::new());
        for (path, data) in layer {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_entry_type(tar::EntryType::Regular);
            h.set_cksum();
            b.append_data(&mut h, path, *data).expect("append");
        }
        tars.push(b.into_inner().expect("layer tar"));
    }
    let diff_ids: Vec<Digest> = tars.iter().map(|t| Digest::sha256_of(t)).collect();
    let config = serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": diff_ids.iter().map(|d| d.to_string()).collect::<Vec<_>>()},
    });
    let layer_names: Vec<String> = (0..tars.len()).map(|i| format!("{i}/layer.tar")).collect();
    let manifest = serde_json::json!([{
        "Config": "config.json",
        "RepoTags": ["vigil-test:latest"],
        "Layers": layer_names,
    }]);
    let mut outer = tar::Builder::new(Vec::new());
    let mut add = |name: &str, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        h.set_cksum();
        outer.append_data(&mut h, name, data).expect("append");
    };
    add("manifest.json", manifest.to_string().as_bytes());
    add("config.json", config.to_string().as_bytes());
    for (name, t) in layer_names.iter().zip(&tars) {
        add(name, t);
    }
    let path = dir.join("image.tar");
    std::fs::write(&path, outer.into_inner().expect("outer tar")).expect("write archive");
    (path, diff_ids)
}

/// Opens the archive at `path` for `cats`.
pub fn open_archive(cats: &Catalogers, path: &Path) -> Image {
    open(
        &SourceSpec::DockerArchive(path.to_path_buf()),
        &Options::default(),
        cats,
    )
    .expect("open archive")
}
