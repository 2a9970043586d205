//! Against the real dockerd: import a one-binary busybox image, run a labelled container,
//! watch its `start` event on the event stream, inspect it with our client, and check that the
//! container id read from its main process's `/proc/<pid>/cgroup` is the daemon's id.
//!
//! Skipped when there is no daemon (or no busybox-static), unless `VIGIL_REQUIRE_KERNEL=1`.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use vigil_state::docker::DockerError;
use vigil_state::{container_id_from_proc_cgroup, DockerClient, Runtime};

const NAME: &str = "vigil-state-test";
const IMAGE: &str = "vigil-state-test/busybox:1";

fn docker(args: &[&str]) -> Option<String> {
    let out = Command::new("docker").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Removes the container and the imported image however the test ends.
struct Cleanup;

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = docker(&["rm", "-f", NAME]);
        let _ = docker(&["rmi", IMAGE]);
    }
}

fn skip(why: &str) {
    if std::env::var("VIGIL_REQUIRE_KERNEL").as_deref() == Ok("1") {
        panic!("VIGIL_REQUIRE_KERNEL=1 but {why}");
    }
    eprintln!("skipping: {why}");
}

#[test]
fn inspect_events_and_cgroup_of_a_real_container() {
    let socket = Path::new(vigil_state::docker::DEFAULT_SOCKET);
    if !socket.exists() || docker(&["version", "--format", "{{.Server.Version}}"]).is_none() {
        return skip("no Docker daemon");
    }
    let busybox = Path::new("/bin/busybox");
    if !busybox.exists() {
        return skip("no /bin/busybox (apt-get install busybox-static)");
    }

    // A rootfs tar with busybox as /bin/sh (busybox runs the applet named by argv[0], and
    // `sh -c 'sleep 60'` uses its builtin applets).
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("root/bin")).unwrap();
    std::fs::copy(busybox, tmp.path().join("root/bin/sh")).unwrap();
    let tar = tmp.path().join("rootfs.tar");
    let ok = Command::new("tar")
        .arg("-C")
        .arg(tmp.path().join("root"))
        .arg("-cf")
        .arg(&tar)
        .arg("bin")
        .status()
        .unwrap();
    assert!(ok.success());
    let _ = docker(&["rm", "-f", NAME]);
    docker(&["import", tar.to_str().unwrap(), IMAGE]).expect("docker import");
    let _cleanup = Cleanup;

    let client = DockerClient::new(socket).with_timeout(Some(Duration::from_secs(30)));
    let mut events = client.events().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for e in events.by_ref() {
            let Ok(e) = e else { break };
            if e.action == "start" && e.attributes.get("name").map(String::as_str) == Some(NAME) {
                let _ = tx.send(e);
                break;
            }
        }
    });

    let id = docker(&[
        "run", "-d", "--name", NAME, "-l", "app=test", IMAGE, "/bin/sh", "-c", "sleep 60",
    ])
    .expect("docker run");

    let info = client.inspect(NAME).unwrap();
    assert_eq!(info.id, id);
    assert_eq!(info.name, NAME);
    assert_eq!(info.image, IMAGE);
    assert_eq!(info.image_ref.repository, "vigil-state-test/busybox");
    assert_eq!(info.image_ref.tag.as_deref(), Some("1"));
    assert!(info.image_id.starts_with("sha256:"), "{}", info.image_id);
    assert_eq!(info.labels.get("app").map(String::as_str), Some("test"));
    assert!(!info.privileged);
    assert!(info.started_at.is_some());
    assert_eq!(info.k8s, None);
    assert_eq!(client.inspect(&id).unwrap().name, NAME, "by full id too");

    let pid = info.pid.expect("running container has a pid");
    let cgroup = std::fs::read_to_string(format!("/proc/{pid}/cgroup")).unwrap();
    let cid = container_id_from_proc_cgroup(&cgroup).expect("container id from cgroup");
    assert_eq!(cid.full(), id, "{cgroup}");
    assert_eq!(cid.short(), &id[..12]);
    assert_eq!(cid.runtime(), Runtime::Docker);

    let p = vigil_state::proc::read_process(Path::new("/proc"), pid).unwrap();
    assert_eq!(p.container.as_ref().map(|c| c.full()), Some(id.as_str()));
    // busybox's `sh -c` execs its last command in place, so depending on timing the main
    // process is still the shell or already `sleep`.
    assert!(
        p.argv == ["/bin/sh", "-c", "sleep 60"] || p.argv == ["sleep", "60"],
        "{:?}",
        p.argv
    );

    let event = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("start event on the stream");
    assert_eq!(event.id, id);
    assert_eq!(event.attributes.get("image").map(String::as_str), Some(IMAGE));
    assert_eq!(event.attributes.get("app").map(String::as_str), Some("test"));
    assert!(event.time_nano > 0);

    // The tracker: bootstrap from /proc, metadata fetched in the background, users from the
    // container's own root (busybox has no /etc/passwd: an empty map, not an error).
    let mut t = vigil_state::Tracker::new(vigil_state::TrackerConfig {
        cgroup: vigil_state::cgroup::tracked_hierarchy(Path::new("/proc")),
        ..Default::default()
    });
    t.start_metadata(Some(socket.to_owned()), "/proc".into());
    let report = t.bootstrap_proc(Path::new("/proc"), None);
    assert!(report.containers >= 1, "{report:?}");
    let tp = t.process(pid).expect("container process bootstrapped");
    assert_eq!(tp.container.as_ref().map(|c| c.full()), Some(id.as_str()));
    assert!(
        t.containers_mut().wait_idle(Duration::from_secs(30)),
        "metadata lookup finished"
    );
    match t.container(&id) {
        vigil_state::ContainerMeta::Known(info) => {
            assert_eq!(info.name, NAME);
            assert_eq!(info.labels.get("app").map(String::as_str), Some("test"));
        }
        other => panic!("metadata not known: {other:?}"),
    }
    assert!(t.stats().containers.docker_lookups >= 1);
    assert_eq!(t.warnings().count(), 0);

    match client.inspect("vigil-state-no-such-container") {
        Err(DockerError::Http {
            status: 404, message, ..
        }) => assert!(message.contains("No such container"), "{message}"),
        other => panic!("expected 404, got {other:?}"),
    }
}
