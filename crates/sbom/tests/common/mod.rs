//! A realistic SBOM shared by the integration tests: a Debian 12 image with an npm app, Python
//! packages, a jar and a Go binary. Names, versions, purls and licences are the ones real tools
//! report for these packages on Debian 12 (dpkg status, dist-info, package-lock.json, the jar's
//! pom.properties, the Go binary's build info).

#![allow(dead_code)]

use std::collections::BTreeMap;

use vigil_sbom::{Sbom, Tool, SCHEMA_VERSION};
use vigil_types::{
    Digest, Distro, HistoryEntry, ImageConfig, LayerInfo, Location, Package, PackageType, Purl, SourceInfo, Unknown,
};

pub fn layer_digest(i: u8) -> Digest {
    Digest::sha256_of(format!("layer {i}").as_bytes())
}

fn deb(name: &str, version: &str, arch: &str, source: Option<(&str, &str)>, licenses: &[&str]) -> Package {
    let layer = layer_digest(0);
    let mut purl = Purl::new("deb", name, version)
        .namespace("debian")
        .qualifier("arch", arch)
        .qualifier("distro", "debian-12");
    if let Some((src, _)) = source {
        purl = purl.qualifier("upstream", src);
    }
    let mut p = Package::new(
        PackageType::Deb,
        name,
        version,
        purl,
        Location::new("/var/lib/dpkg/status", Some(layer.clone())),
        "dpkg-cataloger",
    );
    p.locations
        .push(Location::new(format!("/usr/share/doc/{name}/copyright"), Some(layer)));
    p.licenses = licenses.iter().map(ToString::to_string).collect();
    p.set_meta("arch", arch);
    if let Some((src, src_version)) = source {
        p.set_meta("source", src);
        p.set_meta("source_version", src_version);
    }
    p.files = vec![format!("/usr/share/doc/{name}/copyright")];
    p
}

fn lang(ty: PackageType, purl: Purl, path: &str, layer: u8, found_by: &str, licenses: &[&str]) -> Package {
    let name = match &purl.namespace {
        Some(ns) if ty == PackageType::Npm || ty == PackageType::GoModule => {
            format!("{ns}/{}", purl.name)
        }
        _ => purl.name.clone(),
    };
    let version = purl.version.clone().unwrap_or_default();
    let mut p = Package::new(
        ty,
        &name,
        &version,
        purl,
        Location::new(path, Some(layer_digest(layer))),
        found_by,
    );
    p.licenses = licenses.iter().map(ToString::to_string).collect();
    p
}

pub fn sample_packages() -> Vec<Package> {
    let mut v = vec![
        deb(
            "bash",
            "5.2.15-2+b8",
            "amd64",
            Some(("bash", "5.2.15-2")),
            &[
                "GPL-3.0-or-later",
                "BSD-4-Clause-UC",
                "Latex2e",
                "MIT-like",
                "permissive",
            ],
        ),
        deb(
            "libc6",
            "2.36-9+deb12u14",
            "amd64",
            Some(("glibc", "2.36-9+deb12u14")),
            &["GPL-2.0-only", "LGPL-2.1-only"],
        ),
        deb(
            "zlib1g",
            "1:1.2.13.dfsg-1",
            "amd64",
            Some(("zlib", "1:1.2.13.dfsg-1")),
            &["Zlib"],
        ),
        deb(
            "openssl",
            "3.0.19-1~deb12u2",
            "amd64",
            None,
            &["Apache-2.0", "Artistic", "GPL-1+"],
        ),
        deb("tzdata", "2025b-0+deb12u2", "all", None, &[]),
        lang(
            PackageType::Npm,
            Purl::new("npm", "lodash", "4.17.21"),
            "/app/node_modules/lodash/package.json",
            2,
            "npm-cataloger",
            &["MIT"],
        ),
        lang(
            PackageType::Npm,
            Purl::new("npm", "helper-string-parser", "7.24.1").namespace("@babel"),
            "/app/node_modules/@babel/helper-string-parser/package.json",
            2,
            "npm-cataloger",
            &["MIT"],
        ),
        lang(
            PackageType::Npm,
            Purl::new("npm", "type-fest", "0.20.2"),
            "/app/node_modules/type-fest/package.json",
            2,
            "npm-cataloger",
            &["(MIT OR CC0-1.0)"],
        ),
        lang(
            PackageType::Python,
            Purl::new("pypi", "requests", "2.31.0"),
            "/usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA",
            1,
            "python-cataloger",
            &["Apache 2.0"],
        ),
        lang(
            PackageType::Python,
            Purl::new("pypi", "six", "1.16.0"),
            "/usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA",
            1,
            "python-cataloger",
            &["MIT"],
        ),
        lang(
            PackageType::JavaArchive,
            Purl::new("maven", "commons-cli", "1.5.0").namespace("commons-cli"),
            "/opt/app/lib/commons-cli-1.5.0.jar",
            3,
            "java-cataloger",
            &["Apache-2.0"],
        ),
        lang(
            PackageType::GoModule,
            Purl::new("golang", "cobra", "v1.8.0").namespace("github.com/spf13"),
            "/usr/local/bin/hello",
            3,
            "go-binary-cataloger",
            &["Apache-2.0"],
        ),
    ];
    // The Go standard library: version as the binary records it, purl version without "go".
    let mut stdlib = lang(
        PackageType::GoModule,
        Purl::new("golang", "stdlib", "1.19.8"),
        "/usr/local/bin/hello",
        3,
        "go-binary-cataloger",
        &["BSD-3-Clause"],
    );
    stdlib.version = "go1.19.8".to_string();
    stdlib.id = stdlib.compute_id();
    v.push(stdlib);
    // A Python package found twice (in two layers): two packages, one table row.
    let mut again = v.iter().find(|p| p.name == "six").expect("six").clone();
    again.locations = vec![Location::new(
        "/usr/local/lib/python3.11/site-packages/six-1.16.0.dist-info/METADATA",
        Some(layer_digest(3)),
    )];
    again.layer = Some(layer_digest(3));
    again.id = again.compute_id();
    v.push(again);
    v
}

pub fn sample_sbom() -> Sbom {
    let layers: Vec<LayerInfo> = (0..4)
        .map(|i| LayerInfo {
            index: usize::from(i),
            diff_id: layer_digest(i),
            digest: Some(Digest::sha256_of(format!("blob {i}").as_bytes())),
            size: 1_000_000 * (u64::from(i) + 1),
            uncompressed_size: 3_000_000 * (u64::from(i) + 1),
            media_type: "application/vnd.oci.image.layer.v1.tar+gzip".to_string(),
            created_by: format!("/bin/sh -c #(nop) step {i}"),
            entries: 100 * (u64::from(i) + 1),
        })
        .collect();
    let mut labels = BTreeMap::new();
    labels.insert(
        "org.opencontainers.image.source".to_string(),
        "https://example.invalid/app".to_string(),
    );
    Sbom {
        schema_version: SCHEMA_VERSION,
        tool: Tool::vigil(),
        created: "2024-05-01T12:00:00Z".to_string(),
        source: SourceInfo {
            scheme: "docker-archive".to_string(),
            input: "docker-archive:/tmp/app.tar".to_string(),
            name: "example/app:1.2".to_string(),
            tags: vec!["example/app:1.2".to_string(), "example/app:latest".to_string()],
            image_id: Some(Digest::sha256_of(b"config")),
            manifest_digest: Some(Digest::sha256_of(b"manifest")),
            platform: "linux/amd64".to_string(),
            size: 30_000_000,
        },
        layers,
        config: Some(ImageConfig {
            architecture: "amd64".to_string(),
            os: "linux".to_string(),
            env: vec!["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin".to_string()],
            cmd: vec!["bash".to_string()],
            working_dir: "/app".to_string(),
            exposed_ports: vec!["8080/tcp".to_string()],
            labels,
            history: vec![HistoryEntry {
                created: "2024-04-30T10:00:00Z".to_string(),
                created_by: "/bin/sh -c #(nop) ADD file:abc in /".to_string(),
                ..HistoryEntry::default()
            }],
            ..ImageConfig::default()
        }),
        distro: Some(Distro {
            id: "debian".to_string(),
            version_id: "12".to_string(),
            version_codename: "bookworm".to_string(),
            name: "Debian GNU/Linux".to_string(),
            pretty_name: "Debian GNU/Linux 12 (bookworm)".to_string(),
            id_like: Vec::new(),
        }),
        packages: sample_packages(),
        unknowns: vec![
            Unknown {
                path: "/usr/lib/python3/dist-packages/broken-1.0.dist-info/METADATA".to_string(),
                layer: Some(layer_digest(1)),
                found_by: "python-cataloger".to_string(),
                reason: "invalid UTF-8 at byte 12".to_string(),
            },
            Unknown {
                path: "/opt/app/lib/truncated.jar".to_string(),
                layer: Some(layer_digest(3)),
                found_by: "java-cataloger".to_string(),
                reason: "zip: end of central directory not found".to_string(),
            },
        ],
        analysis: None,
    }
}

/// The same packages, scanned from a directory (no layers, no image).
pub fn directory_sbom() -> Sbom {
    let mut s = sample_sbom();
    s.source = SourceInfo {
        scheme: "dir".to_string(),
        input: "dir:/srv/app".to_string(),
        name: "/srv/app".to_string(),
        size: 12_345,
        ..SourceInfo::default()
    };
    s.layers.clear();
    s.config = None;
    for p in &mut s.packages {
        p.layer = None;
        for l in &mut p.locations {
            l.layer = None;
        }
    }
    s
}

pub fn encode_to_string(sbom: &Sbom, format: vigil_sbom::Format) -> String {
    let mut out = Vec::new();
    vigil_sbom::encode(sbom, format, &mut out).expect("encode");
    String::from_utf8(out).expect("utf-8")
}
