//! The inspector beside the selector: it sees every regular file it wants in every layer (whatever
//! the selector decides), its notes are kept per (layer, path), and the tree tells which version is
//! the live one.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::json;
use support::{docker_legacy, oci, Compression, Entry, Image, Layer, Written};
use vigil_image::{open, Image as Read, Inspector, Limits, Options, Select, Selector, SourceSpec};

/// Wants files below `/etc` and `/app`; the note is `"<size>:<content>"`. Counts calls per path.
#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<(String, Vec<u8>)>>,
    wants_calls: AtomicUsize,
}

impl Inspector for Recorder {
    fn wants(&self, path: &str, _mode: u32, size: u64) -> bool {
        self.wants_calls.fetch_add(1, Ordering::Relaxed);
        (path.starts_with("/etc/") || path.starts_with("/app/")) && size < 1000
    }

    fn inspect(&self, path: &str, _mode: u32, data: &[u8]) -> Option<Vec<u8>> {
        if let Ok(mut s) = self.seen.lock() {
            s.push((path.to_string(), data.to_vec()));
        }
        if path == "/app/none" {
            return None;
        }
        let mut n = format!("{}:", data.len()).into_bytes();
        n.extend_from_slice(data);
        Some(n)
    }
}

/// Keeps `/etc/keep`, extracts the length of `/app/extract`, skips the rest.
struct Sel;

impl Selector for Sel {
    fn select(&self, path: &str, _: u32, _: u64) -> Select {
        match path {
            "/etc/keep" => Select::Keep,
            "/app/extract" => Select::Extract,
            _ => Select::Skip,
        }
    }

    fn extract(&self, _: &str, _: u32, data: &[u8]) -> Option<Vec<u8>> {
        Some(format!("len={}", data.len()).into_bytes())
    }
}

/// Layer 0 writes a secret, layer 1 replaces it, layer 2 deletes it; other files stay.
fn three_layers() -> Image {
    Image {
        layers: vec![
            Layer::new(vec![
                Entry::dir("etc/"),
                Entry::file("etc/secret", "v0"),
                Entry::file("etc/keep", "kept"),
                Entry::dir("app/"),
                Entry::file("app/extract", "12345"),
                Entry::file("app/none", "n"),
                Entry::file("app/big", vec![b'x'; 2000]),
                Entry::dir("usr/"),
                Entry::file("usr/other", "o"),
            ]),
            Layer::new(vec![Entry::dir("etc/"), Entry::file("etc/secret", "v1")]),
            Layer::new(vec![
                Entry::dir("etc/"),
                Entry::file("etc/.wh.secret", ""),
                Entry::dir("app/"),
                Entry::file("app/late", "l"),
            ]),
        ],
        config: json!({"architecture": "amd64", "os": "linux", "config": {}}),
        tags: vec!["vigil-test/inspector:1".to_string()],
        diff_ids_override: None,
    }
}

fn read(spec: &SourceSpec, inspector: Option<Arc<Recorder>>) -> Read {
    let options = Options {
        inspector: inspector.map(|r| r as Arc<dyn Inspector>),
        ..Options::default()
    };
    open(spec, &options, &Sel).unwrap_or_else(|e| panic!("{spec}: {e}"))
}

fn notes(i: &Read) -> Vec<(String, usize, String, bool)> {
    let mut v: Vec<_> = i
        .tree
        .notes()
        .map(|n| {
            (
                n.path.to_string(),
                n.layer,
                String::from_utf8_lossy(n.data).into_owned(),
                n.live,
            )
        })
        .collect();
    v.sort();
    v
}

fn expected() -> Vec<(String, usize, String, bool)> {
    let e = |p: &str, l: usize, n: &str, live: bool| (p.to_string(), l, n.to_string(), live);
    vec![
        e("/app/extract", 0, "5:12345", true),
        e("/app/late", 2, "1:l", true),
        e("/etc/keep", 0, "4:kept", true),
        e("/etc/secret", 0, "2:v0", false),
        e("/etc/secret", 1, "2:v1", false),
    ]
}

#[test]
fn notes_of_every_layer_with_the_live_flag() {
    let w = Written::new();
    let img = three_layers();
    let specs = [
        SourceSpec::DockerArchive(w.tar("legacy.tar", &docker_legacy(&img))),
        SourceSpec::OciDir(w.dir("oci-gzip", &oci(&img.clone().compressed(Compression::Gzip)))),
    ];
    for spec in &specs {
        let rec = Arc::new(Recorder::default());
        let i = read(spec, Some(rec.clone()));
        assert_eq!(notes(&i), expected(), "{spec}");
        // The selector's contents are untouched by the inspector, and read once.
        assert_eq!(i.tree.content("/etc/keep"), Some(&b"kept"[..]));
        assert_eq!(i.tree.content("/app/extract"), Some(&b"len=5"[..]));
        let seen = rec.seen.lock().expect("lock");
        let mut paths: Vec<&str> = seen.iter().map(|(p, _)| p.as_str()).collect();
        paths.sort();
        assert_eq!(
            paths,
            [
                "/app/extract",
                "/app/late",
                "/app/none",
                "/etc/keep",
                "/etc/secret",
                "/etc/secret"
            ],
            "{spec}: each wanted file of each layer inspected once; /app/big is over the inspector's size"
        );
        // Asked for every regular file, directories and whiteouts excluded.
        assert_eq!(rec.wants_calls.load(Ordering::Relaxed), 8, "{spec}");
        assert!(i.tree.live_note("/etc/secret").is_none());
        assert_eq!(i.tree.live_note("/etc/keep").map(|n| n.data), Some(&b"4:kept"[..]));
        assert!(i.tree.is_live("/app/late", 2));
        assert!(!i.tree.is_live("/etc/secret", 1));
        assert!(i.tree.is_live("/etc/keep", 0));
        assert!(i.unknowns.is_empty(), "{spec}: {:?}", i.unknowns);
    }
}

#[test]
fn a_recreated_file_is_live_again_and_the_replaced_version_is_not() {
    let w = Written::new();
    let mut img = three_layers();
    img.layers.push(Layer::new(vec![
        Entry::dir("etc/"),
        Entry::file("etc/secret", "v3"),
        Entry::dir("app/"),
        // A directory replacing a noted file: the file's note is no longer live.
        Entry::dir("app/late/"),
    ]));
    let spec = SourceSpec::DockerArchive(w.tar("four.tar", &docker_legacy(&img)));
    let i = read(&spec, Some(Arc::new(Recorder::default())));
    let n = notes(&i);
    assert!(n.contains(&("/etc/secret".to_string(), 3, "2:v3".to_string(), true)));
    assert!(n.contains(&("/etc/secret".to_string(), 1, "2:v1".to_string(), false)));
    assert!(n.contains(&("/app/late".to_string(), 2, "1:l".to_string(), false)));
    assert_eq!(i.tree.live_note("/etc/secret").map(|n| n.layer), Some(3));
}

#[test]
fn without_an_inspector_there_are_no_notes() {
    let w = Written::new();
    let spec = SourceSpec::DockerArchive(w.tar("plain.tar", &docker_legacy(&three_layers())));
    let i = read(&spec, None);
    assert_eq!(i.tree.notes().count(), 0);
    assert_eq!(i.tree.content("/etc/keep"), Some(&b"kept"[..]));
}

#[test]
fn files_past_the_reader_cap_are_not_inspected_and_not_unknowns() {
    let w = Written::new();
    let spec = SourceSpec::DockerArchive(w.tar("cap.tar", &docker_legacy(&three_layers())));
    let rec = Arc::new(Recorder::default());
    let options = Options {
        inspector: Some(rec.clone() as Arc<dyn Inspector>),
        limits: Limits {
            max_file_size: 3,
            ..Limits::default()
        },
        ..Options::default()
    };
    let i = open(&spec, &options, &vigil_image::SelectNothing).expect("reads");
    let n = notes(&i);
    assert!(n.iter().all(|(_, _, d, _)| d.len() <= 5), "{n:?}");
    assert!(n.iter().any(|(p, l, _, _)| p == "/etc/secret" && *l == 0));
    assert!(!n.iter().any(|(p, _, _, _)| p == "/etc/keep"));
    assert!(i.unknowns.is_empty());
}

#[test]
fn dir_sources_are_inspected_too() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    std::fs::create_dir_all(root.join("etc")).expect("mkdir");
    std::fs::create_dir_all(root.join("usr")).expect("mkdir");
    std::fs::write(root.join("etc/keep"), "kept").expect("write");
    std::fs::write(root.join("etc/secret"), "s").expect("write");
    std::fs::write(root.join("usr/other"), "o").expect("write");
    let spec = SourceSpec::Dir(root.to_path_buf());
    let i = read(&spec, Some(Arc::new(Recorder::default())));
    assert_eq!(
        notes(&i),
        vec![
            ("/etc/keep".to_string(), 0, "4:kept".to_string(), true),
            ("/etc/secret".to_string(), 0, "1:s".to_string(), true),
        ]
    );
    assert_eq!(i.tree.content("/etc/keep"), Some(&b"kept"[..]));
}
