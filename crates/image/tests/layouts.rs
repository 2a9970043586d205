//! The same fixture image read from every layout: the squashed tree, layer provenance, links,
//! whiteouts, layer facts, source facts and the image configuration.

mod support;

use std::path::PathBuf;

use support::{docker_legacy, docker_oci, oci, oci_multi, Compression, Entry, Image, Layer, Written};
use vigil_image::{
    open, FileKind, Image as Read, ImageError, Options, Platform, ResolveError, SelectPaths, SourceSpec,
};

const KEEP: &[&str] = &[
    "/etc/passwd",
    "/usr/lib/os-release",
    "/opt/app/config.yml",
    "/usr/bin/tool",
    "/etc/motd",
    "/usr/lib/libbar.so.2",
    "/tmp/old/a.txt",
];

fn read(spec: SourceSpec) -> Read {
    read_with(spec, &Options::default())
}

fn read_with(spec: SourceSpec, options: &Options) -> Read {
    match open(&spec, options, &SelectPaths(KEEP)) {
        Ok(i) => i,
        Err(e) => panic!("{spec}: {e}"),
    }
}

/// Every layout of the basic fixture, written once.
struct All {
    _w: Written,
    specs: Vec<SourceSpec>,
}

fn all_layouts() -> All {
    let img = Image::fixture("basic");
    let w = Written::new();
    let specs = vec![
        SourceSpec::DockerArchive(w.tar("legacy-plain.tar", &docker_legacy(&img))),
        SourceSpec::DockerArchive(w.tar(
            "legacy-gzip.tar",
            &docker_legacy(&img.clone().compressed(Compression::Gzip)),
        )),
        SourceSpec::DockerArchive(w.tar("docker25.tar", &docker_oci(&img))),
        SourceSpec::OciDir(w.dir("oci-gzip", &oci(&img.clone().compressed(Compression::Gzip)))),
        SourceSpec::OciDir(w.dir("oci-zstd", &oci(&img.clone().compressed(Compression::Zstd)))),
        SourceSpec::OciDir(w.dir("oci-plain", &oci(&img))),
        SourceSpec::OciArchive(w.tar("oci.tar", &oci(&img.clone().compressed(Compression::Gzip)))),
        SourceSpec::OciArchive(w.tar("docker25-as-oci.tar", &docker_oci(&img))),
        SourceSpec::OciDir(w.dir("multi", &oci_multi(&[&img, &arm64(&img)], "vigil-test/basic:1"))),
    ];
    All { _w: w, specs }
}

/// The arm64 sibling of an image: another architecture and a different top layer.
fn arm64(img: &Image) -> Image {
    let mut a = img.clone().compressed(Compression::Gzip);
    a.config["architecture"] = "arm64".into();
    a.config["variant"] = "v8".into();
    a.layers[2] = Layer::new(vec![
        Entry::dir("etc/"),
        Entry::file("etc/motd", "Welcome to basic on arm64\n"),
    ])
    .compressed(Compression::Gzip);
    a
}

fn tree_listing(i: &Read) -> Vec<(String, FileKind, usize, u64, u32, Option<String>)> {
    let mut v: Vec<_> = i
        .tree
        .iter()
        .map(|f| {
            (
                f.path.to_string(),
                f.kind,
                f.layer,
                f.size,
                f.mode,
                f.link.map(str::to_string),
            )
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

#[test]
fn squashed_tree_of_the_basic_image() {
    let w = Written::new();
    let p = w.tar("basic.tar", &docker_legacy(&Image::fixture("basic")));
    let i = read(SourceSpec::DockerArchive(p));
    let mut paths: Vec<&str> = i.tree.iter().map(|f| f.path).collect();
    paths.sort();
    assert_eq!(
        paths,
        vec![
            "/etc",
            "/etc/abs-os-release",
            "/etc/debian_version",
            "/etc/motd",
            "/etc/os-release",
            "/etc/passwd",
            "/lib",
            "/opt",
            "/opt/app",
            "/opt/app/config.yml",
            "/tmp",
            "/usr",
            "/usr/bin",
            "/usr/bin/hello",
            "/usr/bin/tool-alias",
            "/usr/bin/tool-link2",
            "/usr/lib",
            "/usr/lib/libbar.so.2",
            "/usr/lib/libfoo.so.1",
            "/usr/lib/os-release",
            "/usr/local",
            "/usr/local/bin",
            "/usr/local/bin/loop-a",
            "/usr/local/bin/loop-b",
            "/var",
            "/var/lib",
            "/var/lib/app",
            "/var/lib/app/state",
        ]
    );
    assert_eq!(i.tree.len(), paths.len());
    // Which layer wrote each file.
    for (path, layer) in [
        ("/etc/passwd", 1),
        ("/etc/motd", 2),
        ("/etc/debian_version", 0),
        ("/usr/lib/os-release", 0),
        ("/usr/lib/libbar.so.2", 1),
        ("/opt/app/config.yml", 1),
        ("/usr/bin/tool-alias", 0),
        ("/usr/bin/tool-link2", 1),
        ("/var/lib/app/state", 0),
        ("/etc", 2),
        ("/opt/app", 1),
    ] {
        assert_eq!(i.tree.entry(path).map(|f| f.layer), Some(layer), "{path}");
    }
    // Hard links keep the content of their file, which a later layer deleted under its first name.
    let tool = b"#!/bin/sh\necho tool 1.0\n";
    assert_eq!(i.tree.content("/usr/bin/tool-alias"), Some(&tool[..]));
    assert_eq!(i.tree.content("/usr/bin/tool-link2"), Some(&tool[..]));
    let alias = i.tree.entry("/usr/bin/tool-alias").expect("alias");
    assert_eq!(
        (alias.kind, alias.link, alias.size),
        (FileKind::HardLink, Some("/usr/bin/tool"), 24)
    );
    let hello = i.tree.entry("/usr/bin/hello").expect("hello");
    assert_eq!(
        (hello.kind, hello.mode & 0o777, hello.size),
        (FileKind::File, 0o755, 21)
    );
    // Selected contents are kept, the rest are not.
    assert_eq!(
        i.tree.content("/etc/passwd"),
        Some(&b"root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\napp:x:1000:1000::/opt/app:/bin/sh\n"[..])
    );
    assert_eq!(i.tree.content("/opt/app/config.yml"), Some(&b"mode: prod\n"[..]));
    assert_eq!(i.tree.entry("/usr/bin/hello").and_then(|f| f.content()), None);
    // Both versions of /etc/passwd stay in the history (the all-layers scope).
    assert_eq!(
        i.tree
            .history("/etc/passwd")
            .iter()
            .map(|(l, _)| *l)
            .collect::<Vec<_>>(),
        vec![0, 1]
    );
    // A file deleted later keeps its kept content in history but is not visible.
    assert!(i.tree.entry("/tmp/old/a.txt").is_none());
    assert_eq!(i.tree.history("/tmp/old/a.txt").len(), 1);
    assert!(i.unknowns.is_empty(), "{:?}", i.unknowns);
}

#[test]
fn whiteouts_and_opaque_directories() {
    let w = Written::new();
    let i = read(SourceSpec::OciDir(w.dir("oci", &oci(&Image::fixture("basic")))));
    // `.wh.rootfile` at the layer root deletes a top-level file.
    assert!(i.tree.entry("/rootfile").is_none());
    // `tmp/.wh.old` deletes a directory and everything below it.
    assert!(i.tree.entry("/tmp/old").is_none());
    assert!(i.tree.entry("/tmp/old/b.txt").is_none());
    assert!(i.tree.entry("/tmp").is_some());
    // The opaque marker hides what lower layers had in /opt/app, not what its own layer adds.
    assert!(i.tree.entry("/opt/app/old.txt").is_none());
    assert_eq!(i.tree.entry("/opt/app/config.yml").map(|f| f.layer), Some(1));
    // `usr/bin/.wh.tool` deletes one file, not its neighbours.
    assert!(i.tree.entry("/usr/bin/tool").is_none());
    assert!(i.tree.entry("/usr/bin/hello").is_some());
    // Whiteout markers never appear as files.
    assert!(i.tree.iter().all(|f| !f.path.contains(".wh.")));
}

#[test]
fn links_resolve_inside_the_root() {
    let w = Written::new();
    let i = read(SourceSpec::OciDir(w.dir("oci", &oci(&Image::fixture("basic")))));
    let release = std::fs::read("tests/fixtures/basic/layer0/usr/lib/os-release").expect("fixture");
    // A relative symlink.
    let os = i.tree.entry("/etc/os-release").expect("link");
    assert_eq!((os.kind, os.link), (FileKind::Symlink, Some("../usr/lib/os-release")));
    assert_eq!(i.tree.content("/etc/os-release"), Some(&release[..]));
    // An absolute symlink is taken from the image root, not the host's.
    assert_eq!(i.tree.content("/etc/abs-os-release"), Some(&release[..]));
    let r = i
        .tree
        .resolve("/etc/abs-os-release")
        .expect("no loop")
        .expect("resolves");
    assert_eq!(r.path, "/usr/lib/os-release");
    // A symlinked directory (/lib -> usr/lib), including a file an upper layer added below it.
    assert_eq!(
        i.tree.resolve("/lib/libfoo.so.1").expect("ok").map(|f| f.path),
        Some("/usr/lib/libfoo.so.1")
    );
    assert_eq!(i.tree.content("/lib/libbar.so.2"), Some(&b"libbar 2.0\n"[..]));
    // `..` after a symlinked directory climbs from where the link leads, as the kernel does.
    assert_eq!(
        i.tree.resolve("/lib/../bin/hello").expect("ok").map(|f| f.path),
        Some("/usr/bin/hello")
    );
    assert!(i.tree.resolve("/lib/../etc/passwd").expect("ok").is_none());
    // A loop is an error of that lookup only.
    assert!(matches!(
        i.tree.resolve("/usr/local/bin/loop-a"),
        Err(ResolveError::Loop(_))
    ));
    assert!(i.tree.resolve("/usr/local/bin/missing").expect("no loop").is_none());
}

#[test]
fn hard_links_resolve_to_content() {
    // Within one layer, to a target another layer overwrites nothing of.
    let img = Image {
        layers: vec![Layer::new(vec![
            Entry::dir("usr/"),
            Entry::dir("usr/bin/"),
            Entry::file("usr/bin/perl", "perl 5.36").mode(0o755),
            Entry::hardlink("usr/bin/perl5.36.0", "usr/bin/perl"),
            Entry::hardlink("usr/bin/perl-dot", "./usr/bin/perl"),
        ])],
        ..Image::fixture("basic")
    };
    let w = Written::new();
    let i = open(
        &SourceSpec::OciDir(w.dir("oci", &oci(&img))),
        &Options::default(),
        &SelectPaths(&["/usr/bin/perl"]),
    )
    .expect("reads");
    let l = i.tree.entry("/usr/bin/perl5.36.0").expect("link");
    assert_eq!((l.kind, l.link), (FileKind::HardLink, Some("/usr/bin/perl")));
    assert_eq!(i.tree.content("/usr/bin/perl5.36.0"), Some(&b"perl 5.36"[..]));
    assert_eq!(i.tree.content("/usr/bin/perl-dot"), Some(&b"perl 5.36"[..]));
    let r = i.tree.resolve("/usr/bin/perl5.36.0").expect("ok").expect("found");
    assert_eq!((r.kind, r.size), (FileKind::File, 9));
}

#[test]
fn every_layout_gives_the_same_tree_and_diff_ids() {
    let all = all_layouts();
    let img = Image::fixture("basic");
    let want_ids = img.diff_ids();
    let mut first: Option<(String, Vec<_>)> = None;
    for spec in &all.specs {
        let i = read(spec.clone());
        let ids: Vec<String> = i.layers.iter().map(|l| l.diff_id.to_string()).collect();
        assert_eq!(ids, want_ids, "{spec}");
        let tree_ids: Vec<String> = (0..i.tree.layer_count())
            .filter_map(|l| i.tree.layer_digest(l))
            .map(|d| d.to_string())
            .collect();
        assert_eq!(tree_ids, want_ids, "{spec}");
        assert_eq!(i.tree.content("/etc/motd"), Some(&b"Welcome to basic\n"[..]), "{spec}");
        assert_eq!(
            i.source.image_id.as_ref().map(|d| d.to_string()),
            Some(img.config_digest()),
            "{spec}"
        );
        let listing = tree_listing(&i);
        match &first {
            None => first = Some((spec.to_string(), listing)),
            Some((name, l)) => assert!(*l == listing, "{spec} differs from {name}"),
        }
    }
}

#[test]
fn layer_info_fields() {
    let img = Image::fixture("basic").compressed(Compression::Gzip);
    let built = img.built_layers();
    let w = Written::new();
    let i = read(SourceSpec::OciDir(w.dir("oci", &oci(&img))));
    assert_eq!(i.layers.len(), 3);
    let created_by = [
        "/bin/sh -c #(nop) ADD file:4b1f3c in / ",
        "RUN /bin/sh -c install-app # buildkit",
        "COPY motd /etc/motd # buildkit",
    ];
    for (n, (l, b)) in i.layers.iter().zip(&built).enumerate() {
        assert_eq!(l.index, n);
        assert_eq!(l.diff_id.to_string(), b.diff_id);
        assert_eq!(l.digest.as_ref().map(|d| d.to_string()), Some(b.digest.clone()));
        assert_eq!(l.size, b.blob.len() as u64);
        assert_eq!(l.uncompressed_size, b.tar.len() as u64);
        assert_eq!(l.media_type, "application/vnd.oci.image.layer.v1.tar+gzip");
        assert_eq!(l.created_by, created_by[n]);
        let entries = tar::Archive::new(&b.tar[..]).entries().expect("tar").count() as u64;
        assert_eq!(l.entries, entries);
    }
    // 13 directories, 17 files and symlinks and a hard link in the base; whiteouts count too.
    assert_eq!(i.layers[0].entries, 31);
    assert_eq!(i.layers[2].entries, 5);
    assert_eq!(i.source.size, built.iter().map(|b| b.tar.len() as u64).sum::<u64>());

    // A legacy archive of plain tars has no blob digest apart from the diff id; one of gzip
    // layers has its blob digest computed.
    let plain = read(SourceSpec::DockerArchive(
        w.tar("plain.tar", &docker_legacy(&Image::fixture("basic"))),
    ));
    assert!(plain.layers.iter().all(|l| l.digest.is_none()));
    assert!(plain
        .layers
        .iter()
        .all(|l| l.size == l.uncompressed_size && l.media_type.is_empty()));
    let gz = read(SourceSpec::DockerArchive(w.tar("gz.tar", &docker_legacy(&img))));
    assert_eq!(
        gz.layers[1].digest.as_ref().map(|d| d.to_string()),
        Some(built[1].digest.clone())
    );
}

#[test]
fn source_info_per_layout() {
    let img = Image::fixture("basic");
    let cfg = img.config_digest();
    let w = Written::new();

    let legacy = read(SourceSpec::DockerArchive(w.tar("legacy.tar", &docker_legacy(&img))));
    let s = &legacy.source;
    assert_eq!(s.scheme, "docker-archive");
    assert_eq!(s.tags, vec!["vigil-test/basic:1"]);
    assert_eq!(s.name, "vigil-test/basic:1");
    assert_eq!(s.image_id.as_ref().map(|d| d.to_string()), Some(cfg.clone()));
    assert_eq!(s.manifest_digest, None);
    assert_eq!(s.platform, "linux/amd64");
    assert!(
        s.input.starts_with("docker-archive:") && s.input.ends_with("legacy.tar"),
        "{}",
        s.input
    );

    let layout = oci(&img);
    let o = read(SourceSpec::OciDir(w.dir("oci", &layout)));
    let index: serde_json::Value = serde_json::from_slice(layout.get("index.json")).expect("index");
    let man_digest = index["manifests"][0]["digest"].as_str().expect("digest").to_string();
    assert_eq!(o.source.scheme, "oci-dir");
    assert_eq!(o.source.tags, vec!["vigil-test/basic:1"]);
    assert_eq!(
        o.source.manifest_digest.as_ref().map(|d| d.to_string()),
        Some(man_digest.clone())
    );
    assert_eq!(o.source.image_id.as_ref().map(|d| d.to_string()), Some(cfg.clone()));

    let a = read(SourceSpec::OciArchive(w.tar("oci.tar", &layout)));
    assert_eq!(a.source.scheme, "oci-archive");
    assert_eq!(
        a.source.manifest_digest.as_ref().map(|d| d.to_string()),
        Some(man_digest)
    );

    // Docker 25: the tags come from manifest.json, the manifest digest from index.json.
    let d25 = docker_oci(&img);
    let index: serde_json::Value = serde_json::from_slice(d25.get("index.json")).expect("index");
    let d = read(SourceSpec::DockerArchive(w.tar("d25.tar", &d25)));
    assert_eq!(d.source.tags, vec!["vigil-test/basic:1"]);
    assert_eq!(d.source.image_id.as_ref().map(|d| d.to_string()), Some(cfg));
    assert_eq!(
        d.source.manifest_digest.as_ref().map(|d| d.to_string()).as_deref(),
        index["manifests"][0]["digest"].as_str()
    );
}

#[test]
fn image_config_fields() {
    let w = Written::new();
    let i = read(SourceSpec::DockerArchive(
        w.tar("d.tar", &docker_legacy(&Image::fixture("basic"))),
    ));
    let c = &i.config;
    assert_eq!(c.user, "app");
    assert_eq!(
        c.env,
        vec![
            "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "APP_MODE=prod"
        ]
    );
    assert_eq!(c.entrypoint, vec!["/usr/bin/hello"]);
    assert_eq!(c.cmd, vec!["--serve"]);
    assert_eq!(c.working_dir, "/opt/app");
    assert_eq!(c.exposed_ports, vec!["8080/tcp", "9090/udp"]);
    assert_eq!(c.volumes, vec!["/var/lib/app"]);
    assert_eq!(
        c.labels.get("org.opencontainers.image.title").map(String::as_str),
        Some("basic")
    );
    assert_eq!(c.labels.len(), 2);
    assert_eq!(
        c.healthcheck,
        Some(vec![
            "CMD".to_string(),
            "/usr/bin/hello".to_string(),
            "--check".to_string()
        ])
    );
    assert_eq!(c.stop_signal, "SIGTERM");
    assert_eq!((c.os.as_str(), c.architecture.as_str()), ("linux", "amd64"));
    assert_eq!(c.created, "2024-01-02T03:04:05Z");
    assert_eq!(c.history.len(), 6);
    assert_eq!(c.history.iter().filter(|h| h.empty_layer).count(), 3);
    assert_eq!(c.history[2].comment, "buildkit.dockerfile.v0");
}

#[test]
fn multi_platform_index_picks_the_platform() {
    let img = Image::fixture("basic").compressed(Compression::Gzip);
    let arm = arm64(&img);
    let w = Written::new();
    let layout = oci_multi(&[&img, &arm], "vigil-test/basic:1");
    let dir = w.dir("multi", &layout);

    let amd = read(SourceSpec::OciDir(dir.clone()));
    assert_eq!(amd.source.platform, "linux/amd64");
    assert_eq!(amd.tree.content("/etc/motd"), Some(&b"Welcome to basic\n"[..]));
    assert_eq!(amd.source.tags, vec!["vigil-test/basic:1"]);

    let want: Platform = "linux/arm64".parse().expect("platform");
    let options = Options {
        platform: Some(want),
        ..Options::default()
    };
    let a = read_with(SourceSpec::OciDir(dir.clone()), &options);
    assert_eq!(a.source.platform, "linux/arm64/v8");
    assert_eq!(a.config.architecture, "arm64");
    assert_eq!(a.tree.content("/etc/motd"), Some(&b"Welcome to basic on arm64\n"[..]));
    assert_eq!(
        a.source.image_id.as_ref().map(|d| d.to_string()),
        Some(arm.config_digest())
    );
    assert_eq!(a.layers[2].diff_id.to_string(), arm.diff_ids()[2]);
    // The variant narrows too.
    let v8 = Options {
        platform: Some("linux/arm64/v8".parse().expect("platform")),
        ..Options::default()
    };
    assert_eq!(read_with(SourceSpec::OciDir(dir.clone()), &v8).config.variant, "v8");

    // A platform the index lacks: the error lists what is there (not the attestation).
    let s390 = Options {
        platform: Some("linux/s390x".parse().expect("platform")),
        ..Options::default()
    };
    let spec = SourceSpec::OciArchive(w.tar("multi.tar", &layout));
    let err = open(&spec, &s390, &SelectPaths(KEEP)).err().expect("no s390x image");
    match &err {
        ImageError::NoPlatform {
            input,
            platform,
            available,
        } => {
            assert_eq!(platform, "linux/s390x");
            assert_eq!(available, "linux/amd64, linux/arm64/v8");
            assert!(input.ends_with("multi.tar"));
        }
        other => panic!("expected NoPlatform, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("multi.tar") && msg.contains("linux/s390x") && msg.contains("linux/arm64/v8"),
        "{msg}"
    );
}

#[test]
fn single_platform_layout_of_another_architecture_is_read_by_default() {
    let img = Image::fixture("basic").compressed(Compression::Gzip);
    let arm = arm64(&img);
    let w = Written::new();
    let dir = w.dir("arm-only", &oci_multi(&[&arm], "vigil-test/basic:arm"));
    // No --platform: the only image is read, whatever its platform.
    let a = read(SourceSpec::OciDir(dir.clone()));
    assert_eq!(a.config.architecture, "arm64");
    // An explicit platform must match.
    let amd = Options {
        platform: Some("linux/amd64".parse().expect("platform")),
        ..Options::default()
    };
    let err = open(&SourceSpec::OciDir(dir), &amd, &SelectPaths(KEEP))
        .err()
        .expect("no amd64 image");
    assert!(matches!(err, ImageError::NoPlatform { .. }), "{err}");
}

#[test]
fn bare_arguments_are_sniffed() {
    let img = Image::fixture("basic");
    let w = Written::new();
    let arg = |p: PathBuf| p.to_str().expect("utf8").to_string();
    let legacy = arg(w.tar("legacy.tar", &docker_legacy(&img)));
    assert!(matches!(SourceSpec::parse(&legacy), Ok(SourceSpec::DockerArchive(_))));
    let d25 = arg(w.tar("d25.tar", &docker_oci(&img)));
    assert!(matches!(SourceSpec::parse(&d25), Ok(SourceSpec::DockerArchive(_))));
    let o = arg(w.tar("oci.tar", &oci(&img)));
    assert!(matches!(SourceSpec::parse(&o), Ok(SourceSpec::OciArchive(_))));
    let od = arg(w.dir("ocidir", &oci(&img)));
    assert!(matches!(SourceSpec::parse(&od), Ok(SourceSpec::OciDir(_))));
}
