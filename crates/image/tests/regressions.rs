//! Regression tests, each named after the bug it pins down, and the layer-format corners that
//! were checked while looking for bugs (long names, odd entry names, whiteout semantics).

mod support;

use support::{docker_legacy, docker_oci, oci, oci_multi, write_tar, Compression, Entry, Image, Layer, Written};
use vigil_image::{open, FileKind, Image as Read, Options, SelectPaths, SourceSpec};

fn image(layers: Vec<Layer>) -> Image {
    let mut img = Image::fixture("basic");
    img.layers = layers;
    // Pair history with these layers: one non-empty entry per layer.
    img.config["history"] = serde_json::Value::Array(
        (0..img.layers.len())
            .map(|i| serde_json::json!({"created_by": format!("layer {i}")}))
            .collect(),
    );
    img
}

fn read_oci(img: &Image, keep: &[&str]) -> (Written, Read) {
    let w = Written::new();
    let p = w.dir("oci", &oci(img));
    let i = open(&SourceSpec::OciDir(p), &Options::default(), &SelectPaths(keep)).expect("reads");
    (w, i)
}

fn paths(i: &Read) -> Vec<String> {
    let mut v: Vec<String> = i.tree.iter().map(|f| f.path.to_string()).collect();
    v.sort();
    v
}

/// `docker save` writes a layer equal to an earlier one as a symlink to the first copy; the
/// archive index ignored symlinks, so such images failed with "not in the image".
#[test]
fn docker_save_symlinked_duplicate_layer() {
    let same = || Layer::new(vec![Entry::dir("app/")]);
    let img = image(vec![
        Layer::new(vec![Entry::dir("etc/"), Entry::file("etc/hostname", "base\n")]),
        same(),
        Layer::new(vec![Entry::dir("etc/"), Entry::file("etc/motd", "hi\n")]),
        same(),
    ]);
    let layout = docker_legacy(&img);
    assert_eq!(layout.symlinks.len(), 1, "the fourth layer repeats the second");
    let w = Written::new();
    let i = open(
        &SourceSpec::DockerArchive(w.tar("dup.tar", &layout)),
        &Options::default(),
        &SelectPaths(&["/etc/motd"]),
    )
    .expect("a symlinked layer.tar is read through its link");
    assert_eq!(i.layers.len(), 4);
    assert_eq!(i.layers[3].diff_id, i.layers[1].diff_id);
    assert_eq!(i.tree.entry("/app").map(|f| f.layer), Some(3));
    assert_eq!(i.tree.content("/etc/motd"), Some(&b"hi\n"[..]));
}

/// A hard link resolved through the squashed tree to its target's first name, so once a later
/// layer deleted or replaced that name, the link lost its content (a container still sees it).
#[test]
fn hard_link_outlives_its_deleted_or_replaced_target() {
    let img = image(vec![
        Layer::new(vec![
            Entry::dir("bin/"),
            Entry::file("bin/prog", "version 1").mode(0o755),
            Entry::hardlink("bin/prog-alias", "bin/prog"),
            Entry::file("bin/other", "other 1"),
            Entry::hardlink("bin/other-alias", "bin/other"),
        ]),
        Layer::new(vec![
            Entry::dir("bin/"),
            Entry::file("bin/.wh.prog", ""),
            Entry::file("bin/other", "other 2"),
        ]),
    ]);
    let (_w, i) = read_oci(&img, &["/bin/prog", "/bin/other"]);
    assert!(i.tree.entry("/bin/prog").is_none());
    assert_eq!(i.tree.content("/bin/prog-alias"), Some(&b"version 1"[..]));
    let r = i.tree.resolve("/bin/prog-alias").expect("ok").expect("found");
    assert_eq!(
        (r.path, r.kind, r.size, r.layer),
        ("/bin/prog-alias", FileKind::File, 9, 0)
    );
    // The replaced target: the link keeps the old file, the name shows the new one.
    assert_eq!(i.tree.content("/bin/other-alias"), Some(&b"other 1"[..]));
    assert_eq!(i.tree.content("/bin/other"), Some(&b"other 2"[..]));
    // Each kept content is listed once: links stand in only for files no other name holds.
    let mut listed: Vec<&str> = i.tree.with_content().map(|f| f.path).collect();
    listed.sort();
    assert_eq!(listed, vec!["/bin/other", "/bin/other-alias", "/bin/prog-alias"]);

    // While the target is unchanged, the link resolves to it.
    let (_w, i) = read_oci(&image(vec![img.layers[0].clone()]), &["/bin/prog"]);
    let r = i.tree.resolve("/bin/prog-alias").expect("ok").expect("found");
    assert_eq!((r.path, r.kind), ("/bin/prog", FileKind::File));
    assert_eq!(
        i.tree
            .with_content()
            .filter(|f| f.path.starts_with("/bin/prog"))
            .count(),
        1
    );
}

/// A hard link in an upper layer naming a file of a lower layer.
#[test]
fn hard_link_to_a_file_in_a_lower_layer() {
    let img = image(vec![
        Layer::new(vec![Entry::dir("lib/"), Entry::file("lib/libz.so.1.3", "zlib 1.3")]),
        Layer::new(vec![
            Entry::dir("lib/"),
            Entry::hardlink("lib/libz.so.1", "lib/libz.so.1.3"),
        ]),
    ]);
    let (_w, i) = read_oci(&img, &["/lib/libz.so.1.3"]);
    let l = i.tree.entry("/lib/libz.so.1").expect("link");
    assert_eq!((l.kind, l.layer, l.size), (FileKind::HardLink, 1, 8));
    assert_eq!(i.tree.content("/lib/libz.so.1"), Some(&b"zlib 1.3"[..]));
}

/// The same name under both annotations of a nested index was listed twice as a tag.
#[test]
fn oci_index_names_are_not_repeated() {
    let img = Image::fixture("basic");
    let w = Written::new();
    let p = w.dir("multi", &oci_multi(&[&img], "vigil-test/basic:1"));
    let i = open(&SourceSpec::OciDir(p), &Options::default(), &SelectPaths(&[])).expect("reads");
    assert_eq!(i.source.tags, vec!["vigil-test/basic:1"]);
}

/// A Docker 25 `docker save` holds an OCI index beside manifest.json; the manifest digest it
/// gives was dropped.
#[test]
fn docker25_archive_reports_its_manifest_digest() {
    let img = Image::fixture("basic");
    let layout = docker_oci(&img);
    let index: serde_json::Value = serde_json::from_slice(layout.get("index.json")).expect("index");
    let w = Written::new();
    let i = open(
        &SourceSpec::DockerArchive(w.tar("d25.tar", &layout)),
        &Options::default(),
        &SelectPaths(&[]),
    )
    .expect("reads");
    assert_eq!(
        i.source.manifest_digest.map(|d| d.to_string()).as_deref(),
        index["manifests"][0]["digest"].as_str()
    );
    // Its layers are stored uncompressed: the blob digest is the diff id.
    assert!(i.layers.iter().all(|l| l.digest.as_ref() == Some(&l.diff_id)));
}

/// GNU long names and links, and PAX `path` / `linkpath` records, name entries past 100 bytes.
#[test]
fn pax_and_gnu_long_names() {
    let deep = format!("usr/share/{}/", "d".repeat(120));
    let gnu_file = format!("{deep}gnu-{}.txt", "n".repeat(40));
    let pax_file = format!("{deep}pax-{}.txt", "p".repeat(40));
    let long_target = format!("/{gnu_file}");
    let img = image(vec![Layer::new(vec![
        Entry::dir("usr/"),
        Entry::dir("usr/share/"),
        Entry::dir(&deep),
        Entry::file(&gnu_file, "gnu"),
        Entry::file(&pax_file, "pax").pax(),
        Entry::symlink("usr/gnu-link", &long_target),
        Entry::symlink("usr/pax-link", &format!("/{pax_file}")).pax(),
        Entry::hardlink(&format!("{deep}hard-{}", "h".repeat(30)), &gnu_file).pax(),
    ])
    .compressed(Compression::Gzip)]);
    let gnu_abs = format!("/{gnu_file}");
    let pax_abs = format!("/{pax_file}");
    let (_w, i) = read_oci(&img, &[&gnu_abs, &pax_abs]);
    assert_eq!(i.tree.content(&gnu_abs), Some(&b"gnu"[..]));
    assert_eq!(i.tree.content(&pax_abs), Some(&b"pax"[..]));
    assert_eq!(
        i.tree.entry("/usr/gnu-link").and_then(|f| f.link),
        Some(long_target.as_str())
    );
    assert_eq!(i.tree.content("/usr/gnu-link"), Some(&b"gnu"[..]));
    assert_eq!(i.tree.content("/usr/pax-link"), Some(&b"pax"[..]));
    let hard = format!("/{deep}hard-{}", "h".repeat(30));
    assert_eq!(i.tree.content(&hard), Some(&b"gnu"[..]));
    // No truncated stand-in names leak into the tree.
    assert_eq!(i.tree.len(), 8);
    assert!(i
        .tree
        .iter()
        .all(|f| f.path.len() < 100 || f.path.starts_with("/usr/share/ddd")));
}

/// `./` prefixes, doubled and trailing slashes, `.` components, the root entry itself, and a
/// PAX global header are all one path each, or nothing.
#[test]
fn odd_entry_names_normalise() {
    let mut b = tar::Builder::new(Vec::new());
    let mut g = tar::Header::new_ustar();
    let body = b"22 comment=vigil test\n";
    g.set_entry_type(tar::EntryType::XGlobalHeader);
    g.set_size(body.len() as u64);
    g.set_path("pax_global_header").expect("path");
    g.set_cksum();
    b.append(&g, &body[..]).expect("global");
    let rest = write_tar(&[
        Entry::dir("./"),
        Entry::dir("./etc/"),
        Entry::file("./etc//hosts", "127.0.0.1 localhost\n"),
        Entry::dir("usr//lib/"),
        Entry::file("usr/./lib/x.so", "x"),
        Entry::file("usr/lib/../lib/y.so", "y"),
        Entry::file(".wh..wh..opq", ""),
    ]);
    let mut tar = b.into_inner().expect("tar");
    // Drop the end-of-archive blocks into_inner wrote, so the entries follow the global header.
    tar.truncate(tar.len() - 1024);
    tar.extend_from_slice(&rest);
    let img = image(vec![Layer::from_tar(tar)]);
    let (_w, i) = read_oci(&img, &["/etc/hosts"]);
    assert_eq!(
        paths(&i),
        vec!["/etc", "/etc/hosts", "/usr/lib", "/usr/lib/x.so", "/usr/lib/y.so"]
    );
    assert_eq!(i.tree.content("/etc/hosts"), Some(&b"127.0.0.1 localhost\n"[..]));
    assert_eq!(i.layers[0].entries, 8);
}

/// An opaque marker at the layer root hides every path of the layers below.
#[test]
fn opaque_marker_in_the_root_hides_all_lower_layers() {
    let img = image(vec![
        Layer::new(vec![
            Entry::dir("etc/"),
            Entry::file("etc/a", "a"),
            Entry::file("top", "t"),
        ]),
        Layer::new(vec![
            Entry::file(".wh..wh..opq", ""),
            Entry::dir("etc/"),
            Entry::file("etc/b", "b"),
        ]),
    ]);
    let (_w, i) = read_oci(&img, &[]);
    assert_eq!(paths(&i), vec!["/etc", "/etc/b"]);
    assert_eq!(i.tree.entry("/etc").map(|f| f.layer), Some(1));
}

/// Whiteouts and opaque markers apply to lower layers only: what the same layer writes stays,
/// whichever comes first in the tar.
#[test]
fn whiteouts_spare_their_own_layer() {
    let img = image(vec![
        Layer::new(vec![
            Entry::dir("d/"),
            Entry::file("d/old", "old"),
            Entry::dir("d/sub/"),
            Entry::file("d/sub/f", "f"),
            Entry::file("x", "x0"),
            Entry::file("foobar", "neighbour"),
        ]),
        Layer::new(vec![
            Entry::file("x", "x1"),
            Entry::file(".wh.x", ""),
            Entry::dir("d/"),
            Entry::dir("d/sub/"),
            Entry::file("d/sub/new", "n"),
            Entry::file("d/.wh..wh..opq", ""),
            Entry::file(".wh.foo", ""),
        ]),
    ]);
    let (_w, i) = read_oci(&img, &["/x"]);
    assert_eq!(paths(&i), vec!["/d", "/d/sub", "/d/sub/new", "/foobar", "/x"]);
    assert_eq!(i.tree.content("/x"), Some(&b"x1"[..]));
    assert_eq!(i.tree.entry("/foobar").map(|f| f.layer), Some(0));
}

/// A whiteout of a directory, and the directory made again by a later layer: only the new
/// contents show.
#[test]
fn deleted_directory_made_again_later() {
    let img = image(vec![
        Layer::new(vec![
            Entry::dir("cache/"),
            Entry::file("cache/a", "a"),
            Entry::file("cache/b", "b"),
        ]),
        Layer::new(vec![Entry::file(".wh.cache", "")]),
        Layer::new(vec![Entry::dir("cache/"), Entry::file("cache/c", "c")]),
    ]);
    let (_w, i) = read_oci(&img, &[]);
    assert_eq!(paths(&i), vec!["/cache", "/cache/c"]);
    assert_eq!(i.tree.entry("/cache").map(|f| f.layer), Some(2));
}

/// A file replaced by a directory and a directory replaced by a symlink, across layers.
#[test]
fn kinds_change_across_layers() {
    let img = image(vec![
        Layer::new(vec![
            Entry::file("opt", "was a file"),
            Entry::dir("var/"),
            Entry::dir("var/run/"),
            Entry::file("var/run/pid", "1"),
        ]),
        Layer::new(vec![
            Entry::dir("opt/"),
            Entry::file("opt/tool", "t"),
            Entry::dir("var/"),
            Entry::symlink("var/run", "/run"),
            Entry::dir("run/"),
            Entry::file("run/pid", "2"),
        ]),
    ]);
    let (_w, i) = read_oci(&img, &["/run/pid", "/var/run/pid"]);
    assert_eq!(
        paths(&i),
        vec!["/opt", "/opt/tool", "/run", "/run/pid", "/var", "/var/run"]
    );
    assert_eq!(i.tree.entry("/opt").map(|f| f.kind), Some(FileKind::Dir));
    assert_eq!(i.tree.content("/var/run/pid"), Some(&b"2"[..]));
}

/// `tar -C layout -cf x.tar .` names members `./index.json`, `./blobs/sha256/…`: the same image.
#[test]
fn oci_archive_with_dot_slash_members() {
    let img = Image::fixture("basic").compressed(Compression::Gzip);
    let mut layout = oci(&img);
    for m in &mut layout.members {
        m.0 = format!("./{}", m.0);
    }
    let w = Written::new();
    let p = w.tar("dot.tar", &layout);
    assert!(matches!(
        SourceSpec::parse(p.to_str().expect("utf8")),
        Ok(SourceSpec::OciArchive(_))
    ));
    let i = open(
        &SourceSpec::OciArchive(p),
        &Options::default(),
        &SelectPaths(&["/etc/motd"]),
    )
    .expect("reads");
    assert_eq!(i.layers.len(), 3);
    assert_eq!(i.tree.content("/etc/motd"), Some(&b"Welcome to basic\n"[..]));
}
