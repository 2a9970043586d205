//! Builds small `docker save` archives for the analysis tests (legacy layout: `<n>/layer.tar`,
//! a config with real diff ids, `manifest.json`), runs the real pipeline on them (the image reader
//! with the default catalogers as selector and an [`Analyzer`] as inspector), and makes
//! well-formed fake secrets from a fixed seed.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::json;
use sha2::{Digest as _, Sha256};
use vigil_analysis::{Analyzer, AnalyzerConfig};
use vigil_catalog::{Catalogers, Scope};
use vigil_image::{open, Image, Options, SourceSpec};
use vigil_types::{Analysis, FoundIn, Package, SecretFinding};

/// One entry of a layer.
pub enum Entry {
    File(String, Vec<u8>, u32),
    Dir(String),
    Symlink(String, String),
    /// Deletes the path from lower layers (`.wh.<name>`).
    Whiteout(String),
}

pub fn file(path: &str, data: impl AsRef<[u8]>) -> Entry {
    Entry::File(path.to_string(), data.as_ref().to_vec(), 0o644)
}

pub fn file_mode(path: &str, data: impl AsRef<[u8]>, mode: u32) -> Entry {
    Entry::File(path.to_string(), data.as_ref().to_vec(), mode)
}

pub fn dir(path: &str) -> Entry {
    Entry::Dir(path.to_string())
}

pub fn symlink(path: &str, target: &str) -> Entry {
    Entry::Symlink(path.to_string(), target.to_string())
}

pub fn whiteout(path: &str) -> Entry {
    Entry::Whiteout(path.to_string())
}

fn layer_tar(entries: &[Entry]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        let mut h = tar::Header::new_gnu();
        h.set_mtime(1_704_164_645);
        h.set_uid(0);
        h.set_gid(0);
        let (name, data): (String, &[u8]) = match e {
            Entry::File(p, d, mode) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_mode(*mode);
                (p.trim_start_matches('/').to_string(), d)
            }
            Entry::Dir(p) => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(0o755);
                (format!("{}/", p.trim_start_matches('/').trim_end_matches('/')), &[])
            }
            Entry::Symlink(p, t) => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_mode(0o777);
                h.set_link_name(t).expect("link name");
                (p.trim_start_matches('/').to_string(), &[])
            }
            Entry::Whiteout(p) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_mode(0o644);
                let p = p.trim_start_matches('/');
                let name = match p.rsplit_once('/') {
                    Some((d, n)) => format!("{d}/.wh.{n}"),
                    None => format!(".wh.{p}"),
                };
                (name, &[])
            }
        };
        h.set_size(data.len() as u64);
        b.append_data(&mut h, &name, data).expect("append");
    }
    b.into_inner().expect("tar")
}

fn sha256(b: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(b)))
}

/// Writes a docker-archive of `layers` (bottom first) with environment `env` into `dir`.
pub fn docker_archive(dir: &Path, layers: &[Vec<Entry>], env: &[&str]) -> PathBuf {
    let tars: Vec<Vec<u8>> = layers.iter().map(|l| layer_tar(l)).collect();
    let config = serde_json::to_vec(&json!({
        "architecture": "amd64",
        "os": "linux",
        "config": {"Env": env, "User": "app"},
        "rootfs": {"type": "layers", "diff_ids": tars.iter().map(|t| sha256(t)).collect::<Vec<_>>()},
        "history": tars.iter().enumerate().map(|(i, _)| json!({"created_by": format!("layer {i}")})).collect::<Vec<_>>(),
    }))
    .expect("config");
    let names: Vec<String> = (0..tars.len()).map(|i| format!("l{i}/layer.tar")).collect();
    let manifest = serde_json::to_vec(&json!([{
        "Config": "config.json",
        "RepoTags": ["vigil-test/analysis:1"],
        "Layers": names,
    }]))
    .expect("manifest");
    let mut outer = tar::Builder::new(Vec::new());
    let mut add = |name: &str, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_mode(0o644);
        h.set_size(data.len() as u64);
        h.set_entry_type(tar::EntryType::Regular);
        outer.append_data(&mut h, name, data).expect("member");
    };
    for (n, t) in names.iter().zip(&tars) {
        add(n, t);
    }
    add("config.json", &config);
    add("manifest.json", &manifest);
    let path = dir.join("image.tar");
    std::fs::write(&path, outer.into_inner().expect("archive")).expect("write archive");
    path
}

/// An image read through the real pipeline, with its packages and analysis.
pub struct Run {
    pub image: Image,
    pub packages: Vec<Package>,
    pub analysis: Analysis,
}

pub fn analyse_spec(spec: &SourceSpec, config: AnalyzerConfig) -> Run {
    let catalogers = Catalogers::default_set();
    let analyzer = Arc::new(Analyzer::new(config).expect("analyzer"));
    let options = Options {
        inspector: Some(analyzer.clone()),
        ..Options::default()
    };
    let image = open(spec, &options, &catalogers).unwrap_or_else(|e| panic!("{spec}: {e}"));
    let scope = match spec {
        SourceSpec::Dir(_) => Scope::Directory,
        _ => Scope::Image,
    };
    let packages = catalogers.run(&image.tree, scope).packages;
    let analysis = analyzer.finish(&image, &packages);
    Run {
        image,
        packages,
        analysis,
    }
}

/// Builds the archive in a temporary directory and analyses it.
pub fn analyse(layers: &[Vec<Entry>], env: &[&str], config: AnalyzerConfig) -> Run {
    let tmp = tempfile::tempdir().expect("tmp");
    let path = docker_archive(tmp.path(), layers, env);
    analyse_spec(&SourceSpec::DockerArchive(path), config)
}

/// (rule, path, layer, line, deleted) of file findings, in report order.
pub fn file_secrets(a: &Analysis) -> Vec<(String, String, usize, u32, bool)> {
    a.secrets
        .iter()
        .filter_map(|s| match &s.found_in {
            FoundIn::File {
                path,
                layer,
                line,
                deleted,
            } => Some((s.rule.clone(), path.clone(), *layer, *line, *deleted)),
            FoundIn::Env { .. } => None,
        })
        .collect()
}

pub fn secrets_in<'a>(a: &'a Analysis, file: &str) -> Vec<&'a SecretFinding> {
    a.secrets
        .iter()
        .filter(|s| matches!(&s.found_in, FoundIn::File { path, .. } if path == file))
        .collect()
}

/// A deterministic pseudo-random string over `alphabet` (fake secrets that look real: no runs,
/// no "EXAMPLE").
pub fn token(seed: u64, len: usize, alphabet: &[u8]) -> String {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut out = String::with_capacity(len);
    let mut last = 0u8;
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let c = alphabet[(x % alphabet.len() as u64) as usize];
        if c != last {
            out.push(c as char);
            last = c;
        }
    }
    out
}

pub const UPPER_DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
pub const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
pub const HEX: &[u8] = b"0123456789abcdef";

pub fn fixture(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Standard base64 with padding.
pub fn b64(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
