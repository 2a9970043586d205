//! The `docker:` source against a real Docker daemon, when one is running: an image is imported
//! from a busybox root filesystem generated here, read through the Engine API, and compared with
//! the same image read from `docker save`.
//!
//! Without `/var/run/docker.sock` these tests print a note and pass, unless `VIGIL_REQUIRE_KERNEL=1`
//! is set (CI sets it and starts dockerd), in which case they fail.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use support::{write_tar, Entry, Written};
use vigil_image::{open, FileKind, ImageError, Options, SelectNothing, SelectPaths, SourceSpec};

const SOCKET: &str = "/var/run/docker.sock";
const TAG: &str = "vigil-test/busybox:1";
const BUSYBOX: &str = "/bin/busybox";

/// Whether the daemon tests can run; panics when they must and cannot.
fn daemon_available(test: &str) -> bool {
    let required = std::env::var("VIGIL_REQUIRE_KERNEL").is_ok_and(|v| v == "1");
    let missing = if !Path::new(SOCKET).exists() {
        Some(format!("{SOCKET} does not exist (is dockerd running?)"))
    } else if let Some(why) = match Command::new("docker")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Err(_) => Some("the docker CLI is not installed (apt-get install docker.io)".to_string()),
        Ok(s) if !s.success() => Some(format!("the daemon on {SOCKET} does not answer `docker version`")),
        Ok(_) => None,
    } {
        Some(why)
    } else if !Path::new(BUSYBOX).is_file() {
        Some(format!("{BUSYBOX} is missing (apt-get install busybox-static)"))
    } else {
        None
    };
    match missing {
        None => true,
        Some(why) if required => panic!("{test}: VIGIL_REQUIRE_KERNEL=1 but {why}"),
        Some(why) => {
            eprintln!("{test}: skipped: {why}");
            false
        }
    }
}

/// The root filesystem: busybox, a few applet symlinks (relative and absolute), /etc files.
fn rootfs() -> (Vec<u8>, u64) {
    let busybox = std::fs::read(BUSYBOX).expect("busybox");
    let size = busybox.len() as u64;
    let tar = write_tar(&[
        Entry::dir("bin/"),
        Entry::file("bin/busybox", busybox).mode(0o755),
        Entry::symlink("bin/sh", "busybox"),
        Entry::symlink("bin/ls", "busybox"),
        Entry::symlink("bin/cat", "/bin/busybox"),
        Entry::dir("etc/"),
        Entry::file(
            "etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
        ),
        Entry::file("etc/os-release", "ID=vigil-busybox\nVERSION_ID=1\n"),
        Entry::dir("usr/"),
        Entry::dir("usr/bin/"),
        Entry::symlink("usr/bin/env", "../../bin/busybox"),
    ]);
    (tar, size)
}

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().expect("run docker");
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Imports the busybox image; returns the tar it was made from and busybox's size.
fn import(w: &Written) -> (Vec<u8>, u64) {
    let (tar, size) = rootfs();
    let p: PathBuf = w.path("rootfs.tar");
    std::fs::write(&p, &tar).expect("write rootfs");
    docker(&[
        "import",
        "--change",
        "CMD [\"/bin/sh\"]",
        "--change",
        "ENV VIGIL=1",
        "--change",
        "USER nobody",
        p.to_str().expect("utf8"),
        TAG,
    ]);
    (tar, size)
}

#[test]
fn reads_an_image_from_the_daemon() {
    if !daemon_available("reads_an_image_from_the_daemon") {
        return;
    }
    let w = Written::new();
    let (tar, busybox_size) = import(&w);
    let keep = SelectPaths(&["/etc/passwd", "/etc/os-release"]);
    let spec = SourceSpec::parse(&format!("docker:{TAG}")).expect("spec");
    assert_eq!(spec, SourceSpec::Docker(TAG.to_string()));
    let i = open(&spec, &Options::default(), &keep).expect("reads from the daemon");

    assert_eq!(i.source.scheme, "docker");
    assert_eq!(i.source.input, format!("docker:{TAG}"));
    assert_eq!(i.source.tags, vec![TAG]);
    assert_eq!(i.source.name, TAG);
    let id = docker(&["image", "inspect", "--format", "{{.Id}}", TAG]);
    assert_eq!(
        i.source.image_id.as_ref().map(|d| d.to_string()),
        Some(id.trim().to_string())
    );
    assert_eq!(i.layers.len(), 1);
    // docker import keeps the tar it was given: the diff id is the digest of our bytes.
    assert_eq!(i.layers[0].diff_id.to_string(), support::sha256(&tar));
    assert_eq!(i.config.cmd, vec!["/bin/sh"]);
    assert_eq!(i.config.user, "nobody");
    assert!(i.config.env.iter().any(|e| e == "VIGIL=1"), "{:?}", i.config.env);

    let mut paths: Vec<&str> = i.tree.iter().map(|f| f.path).collect();
    paths.sort();
    assert_eq!(
        paths,
        vec![
            "/bin",
            "/bin/busybox",
            "/bin/cat",
            "/bin/ls",
            "/bin/sh",
            "/etc",
            "/etc/os-release",
            "/etc/passwd",
            "/usr",
            "/usr/bin",
            "/usr/bin/env"
        ]
    );
    let bb = i.tree.entry("/bin/busybox").expect("busybox");
    assert_eq!(
        (bb.kind, bb.size, bb.mode & 0o777),
        (FileKind::File, busybox_size, 0o755)
    );
    for applet in ["/bin/sh", "/bin/cat", "/usr/bin/env"] {
        let r = i.tree.resolve(applet).expect("no loop").expect("resolves");
        assert_eq!(r.path, "/bin/busybox", "{applet}");
    }
    assert_eq!(
        i.tree.content("/etc/os-release"),
        Some(&b"ID=vigil-busybox\nVERSION_ID=1\n"[..])
    );
    assert!(i
        .tree
        .content("/etc/passwd")
        .is_some_and(|c| c.starts_with(b"root:x:0:0")));

    // The same image from `docker save` reads the same.
    let saved = w.path("saved.tar");
    docker(&["save", "-o", saved.to_str().expect("utf8"), TAG]);
    let s = open(&SourceSpec::DockerArchive(saved), &Options::default(), &keep).expect("reads docker save");
    let ids = |img: &vigil_image::Image| img.layers.iter().map(|l| l.diff_id.to_string()).collect::<Vec<_>>();
    assert_eq!(ids(&s), ids(&i));
    assert_eq!(s.source.image_id, i.source.image_id);
    assert_eq!(s.source.tags, i.source.tags);
    let listing = |img: &vigil_image::Image| {
        let mut v: Vec<_> = img
            .tree
            .iter()
            .map(|f| (f.path.to_string(), f.kind, f.size, f.link.map(str::to_string)))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    assert_eq!(listing(&s), listing(&i));
    // Best effort: leave no test image behind.
    let _ = Command::new("docker")
        .args(["rmi", TAG])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

#[test]
fn missing_image_names_the_image() {
    if !daemon_available("missing_image_names_the_image") {
        return;
    }
    let name = "vigil-test/no-such-image:0";
    let err = open(
        &SourceSpec::Docker(name.to_string()),
        &Options::default(),
        &SelectNothing,
    )
    .err()
    .expect("no such image");
    assert!(matches!(err, ImageError::Daemon { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(name), "{msg}");
    assert!(msg.contains("404"), "{msg}");
}

#[test]
fn missing_socket_names_the_socket() {
    let w = Written::new();
    let sock = w.path("nowhere/docker.sock");
    let options = Options {
        docker_socket: Some(sock.clone()),
        ..Options::default()
    };
    let err = open(&SourceSpec::Docker(TAG.to_string()), &options, &SelectNothing)
        .err()
        .expect("no daemon there");
    assert!(matches!(err, ImageError::Daemon { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains(sock.to_str().expect("utf8")), "{msg}");
    assert!(msg.contains(&format!("docker:{TAG}")), "{msg}");
}
