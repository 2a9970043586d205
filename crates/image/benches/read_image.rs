//! Reading a generated 4-layer image of about 100 MB (gzip layers, 10,000 files) from an OCI
//! layout and from a `docker save` archive: the floor is decompressing and hashing each layer once.
//!
//! `cargo bench -p vigil-image --bench read_image`

#[path = "../tests/support/mod.rs"]
mod support;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use support::{docker_legacy, oci, Compression, Entry, Image, Layer, Written};
use vigil_image::{open, Options, SelectNothing, SelectPaths, SourceSpec};

const LAYERS: usize = 4;
const FILES_PER_LAYER: usize = 2_500;
const FILE_SIZE: usize = 10_000;

/// Text-like bytes that compress about as well as binaries and libraries do (2-3x).
fn filler(seed: u64, len: usize) -> Vec<u8> {
    let words: [&[u8]; 16] = [
        b"lib",
        b"usr",
        b"share",
        b"x86_64",
        b"linux",
        b"gnu",
        b"so",
        b"version",
        b"GLIBC_2.34",
        b"init",
        b"main",
        b"data",
        b"text",
        b"rodata",
        b"symbol",
        b"debug",
    ];
    let mut s = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut out = Vec::with_capacity(len + 16);
    while out.len() < len {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        match s % 3 {
            0 => out.extend_from_slice(&s.to_le_bytes()),
            _ => {
                out.extend_from_slice(words[(s % 16) as usize]);
                out.push(b' ');
            }
        }
    }
    out.truncate(len);
    out
}

fn image() -> Image {
    let mut img = Image::fixture("basic");
    img.layers = (0..LAYERS)
        .map(|l| {
            let mut entries = vec![Entry::dir("usr/"), Entry::dir(&format!("usr/l{l}/"))];
            for f in 0..FILES_PER_LAYER {
                let name = format!("usr/l{l}/file-{f:05}.so");
                entries.push(Entry::file(&name, filler((l * FILES_PER_LAYER + f) as u64, FILE_SIZE)));
            }
            entries.push(Entry::dir("var/"));
            entries.push(Entry::file("var/status", format!("layer {l}\n")));
            Layer::new(entries).compressed(Compression::Gzip)
        })
        .collect();
    img.config["history"] = serde_json::Value::Array(
        (0..LAYERS)
            .map(|i| serde_json::json!({"created_by": format!("layer {i}")}))
            .collect(),
    );
    img
}

fn bench(c: &mut Criterion) {
    let img = image();
    let w = Written::new();
    let dir = w.dir("oci", &oci(&img));
    let archive = w.tar("legacy.tar", &docker_legacy(&img));
    let total: u64 = (LAYERS * FILES_PER_LAYER * FILE_SIZE) as u64;

    let mut g = c.benchmark_group("read_image");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(total));
    g.bench_function("oci-dir gzip, list only", |b| {
        b.iter(|| {
            let i = open(&SourceSpec::OciDir(dir.clone()), &Options::default(), &SelectNothing).expect("reads");
            assert_eq!(i.tree.len(), LAYERS * (FILES_PER_LAYER + 1) + 3);
        })
    });
    g.bench_function("oci-dir gzip, keep one file", |b| {
        b.iter(|| {
            let i = open(
                &SourceSpec::OciDir(dir.clone()),
                &Options::default(),
                &SelectPaths(&["/var/status"]),
            )
            .expect("reads");
            assert_eq!(i.tree.content("/var/status"), Some(&b"layer 3\n"[..]));
        })
    });
    g.bench_function("docker-archive gzip, list only", |b| {
        b.iter(|| {
            let i = open(
                &SourceSpec::DockerArchive(archive.clone()),
                &Options::default(),
                &SelectNothing,
            )
            .expect("reads");
            assert_eq!(i.layers.len(), LAYERS);
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
