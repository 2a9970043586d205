//! The container id of a process, from its cgroup path.
//!
//! Container runtimes put each container in its own cgroup whose last component names the
//! container: Docker (`/docker/<id>`, `/system.slice/docker-<id>.scope`), containerd/CRI
//! (`/kubepods/burstable/pod<uid>/<id>`, `.../cri-containerd-<id>.scope`,
//! `...slice:cri-containerd:<id>`), CRI-O (`crio-<id>.scope`, `/kubepods/.../crio-<id>`) and
//! podman (`libpod-<id>.scope`). Ids are 64 lowercase hex digits. cgroup v1 and v2 name the
//! same paths; v1 just repeats them once per controller hierarchy.
//!
//! The path is scanned from its deepest component upwards, so a systemd `init.scope` inside a
//! container, or a nested container, resolves to the innermost container. Nothing is allocated
//! unless an id is found.

use std::fmt;

/// The container runtime a cgroup path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Runtime {
    Docker,
    /// containerd's CRI plugin (Kubernetes). Bare ids under `/kubepods` are reported as this too.
    Containerd,
    CriO,
    Podman,
}

impl Runtime {
    pub fn as_str(self) -> &'static str {
        match self {
            Runtime::Docker => "docker",
            Runtime::Containerd => "containerd",
            Runtime::CriO => "cri-o",
            Runtime::Podman => "podman",
        }
    }
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A container's full id (64 lowercase hex digits), its runtime, and its pod's uid when the
/// cgroup path names one (Kubernetes).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "RawContainerId")]
pub struct ContainerId {
    id: String,
    runtime: Runtime,
    pod_uid: Option<String>,
}

impl ContainerId {
    /// Builds an id from a full 64-hex-digit string; None when it is not one.
    pub fn new(id: &str, runtime: Runtime) -> Option<Self> {
        is_id(id).then(|| ContainerId {
            id: id.to_owned(),
            runtime,
            pod_uid: None,
        })
    }

    /// The full id (`container.full_id`).
    pub fn full(&self) -> &str {
        &self.id
    }

    /// The first 12 characters (`container.id`).
    pub fn short(&self) -> &str {
        // The id is validated as 64 ASCII hex digits, so byte 12 is a char boundary.
        self.id.get(..12).unwrap_or(&self.id)
    }

    pub fn runtime(&self) -> Runtime {
        self.runtime
    }

    /// The Kubernetes pod uid, with dashes (`k8s.pod.uid`), when the cgroup path names it.
    pub fn pod_uid(&self) -> Option<&str> {
        self.pod_uid.as_deref()
    }
}

impl fmt::Display for ContainerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.short())
    }
}

/// A snapshot's container id before it is checked: a capture file is hostile input too.
#[derive(serde::Deserialize)]
struct RawContainerId {
    id: String,
    runtime: Runtime,
    pod_uid: Option<String>,
}

impl TryFrom<RawContainerId> for ContainerId {
    type Error = String;
    fn try_from(raw: RawContainerId) -> Result<Self, String> {
        if !is_id(&raw.id) {
            return Err(format!("not a 64-hex-digit container id: {:?}", raw.id));
        }
        if raw.pod_uid.as_ref().is_some_and(|u| u.len() > 64) {
            return Err("pod uid longer than 64 bytes".to_owned());
        }
        Ok(ContainerId {
            id: raw.id,
            runtime: raw.runtime,
            pod_uid: raw.pod_uid,
        })
    }
}

fn is_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The container id for one cgroup path (the part after the second `:` of a
/// `/proc/<pid>/cgroup` line). None for host processes.
pub fn container_id(path: &str) -> Option<ContainerId> {
    let mut found: Option<(&str, Runtime)> = None;
    let mut parent_iter = path.rsplit('/').skip(1);
    for seg in path.rsplit('/') {
        let parent = parent_iter.next();
        if let Some(hit) = match_segment(seg, parent, path) {
            found = Some(hit);
            break;
        }
    }
    let (id, runtime) = found?;
    Some(ContainerId {
        id: id.to_owned(),
        runtime,
        pod_uid: pod_uid(path),
    })
}

/// Matches one path component; `parent` is the component above it.
fn match_segment<'a>(seg: &'a str, parent: Option<&str>, path: &str) -> Option<(&'a str, Runtime)> {
    let name = seg.strip_suffix(".scope").unwrap_or(seg);
    // `kubepods-burstable-pod<uid>.slice:cri-containerd:<id>` (systemd driver, nested form)
    if let Some((head, id)) = name.rsplit_once(':') {
        let kind = head.rsplit(':').next().unwrap_or(head);
        let runtime = match kind {
            "cri-containerd" => Some(Runtime::Containerd),
            "crio" => Some(Runtime::CriO),
            "docker" => Some(Runtime::Docker),
            _ => None,
        };
        if let Some(runtime) = runtime.filter(|_| is_id(id)) {
            return Some((id, runtime));
        }
    }
    const PREFIXES: [(&str, Runtime); 4] = [
        ("docker-", Runtime::Docker),
        ("cri-containerd-", Runtime::Containerd),
        ("crio-", Runtime::CriO),
        ("libpod-", Runtime::Podman),
    ];
    for (prefix, runtime) in PREFIXES {
        if let Some(id) = name.strip_prefix(prefix) {
            // `crio-conmon-<id>.scope` / `libpod-conmon-<id>.scope` are the runtime's monitor,
            // a host process: is_id rejects them.
            if is_id(id) {
                return Some((id, runtime));
            }
        }
    }
    if is_id(name) {
        match parent {
            Some("docker") => return Some((name, Runtime::Docker)),
            Some(p) if p.starts_with("pod") && path.contains("kubepods") => return Some((name, Runtime::Containerd)),
            Some("libpod_parent") => return Some((name, Runtime::Podman)),
            _ => {}
        }
    }
    None
}

/// The pod uid from `/kubepods/<qos>/pod<uid>/` or `kubepods-<qos>-pod<uid_with_underscores>.slice`.
fn pod_uid(path: &str) -> Option<String> {
    if !path.contains("kubepods") {
        return None;
    }
    for seg in path.split('/') {
        let raw = if let Some(rest) = seg.strip_prefix("pod") {
            rest
        } else if seg.starts_with("kubepods") {
            let slice = seg.split(':').next().unwrap_or(seg);
            let slice = slice.strip_suffix(".slice").unwrap_or(slice);
            match slice.rfind("-pod").and_then(|at| slice.get(at + 4..)) {
                Some(uid) => uid,
                None => continue,
            }
        } else {
            continue;
        };
        if raw.len() == 36 && raw.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-' || b == b'_') {
            return Some(raw.replace('_', "-"));
        }
    }
    None
}

/// The container id from a whole `/proc/<pid>/cgroup` file: v1 lines `N:controllers:path`,
/// the v2 line `0::path`. The first line naming a container wins.
pub fn container_id_from_proc_cgroup(content: &str) -> Option<ContainerId> {
    content.lines().find_map(|line| {
        let mut parts = line.splitn(3, ':');
        let _hierarchy = parts.next()?;
        let _controllers = parts.next()?;
        container_id(parts.next()?)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "3f9b2c4e1a7d8f6b5c0e9d2a1b4c7e8f0a3d6c9b2e5f8a1d4c7b0e3f6a9c2d5e";
    const UID: &str = "8b0a7d3e-5c1f-4e2a-9b6d-0f1e2d3c4b5a";

    fn check(path: &str, runtime: Runtime, pod: Option<&str>) {
        let c = container_id(path).unwrap_or_else(|| panic!("no id in {path}"));
        assert_eq!(c.full(), ID, "{path}");
        assert_eq!(c.short(), "3f9b2c4e1a7d");
        assert_eq!(c.runtime(), runtime, "{path}");
        assert_eq!(c.pod_uid(), pod, "{path}");
    }

    #[test]
    fn docker_layouts() {
        check(&format!("/docker/{ID}"), Runtime::Docker, None);
        check(&format!("/system.slice/docker-{ID}.scope"), Runtime::Docker, None);
        // systemd inside a container: the innermost container component wins.
        check(
            &format!("/system.slice/docker-{ID}.scope/init.scope"),
            Runtime::Docker,
            None,
        );
        check(&format!("/docker/{ID}/init.scope"), Runtime::Docker, None);
    }

    #[test]
    fn kubernetes_containerd_layouts() {
        check(
            &format!("/kubepods/burstable/pod{UID}/{ID}"),
            Runtime::Containerd,
            Some(UID),
        );
        check(&format!("/kubepods/pod{UID}/{ID}"), Runtime::Containerd, Some(UID));
        let u = UID.replace('-', "_");
        check(
            &format!(
                "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{u}.slice/cri-containerd-{ID}.scope"
            ),
            Runtime::Containerd,
            Some(UID),
        );
        check(
            &format!("/kubepods.slice/kubepods-pod{u}.slice/cri-containerd-{ID}.scope"),
            Runtime::Containerd,
            Some(UID),
        );
        check(
            &format!("/system.slice/containerd.service/kubepods-besteffort-pod{u}.slice:cri-containerd:{ID}"),
            Runtime::Containerd,
            Some(UID),
        );
        check(
            &format!("/system.slice/containerd.service/cri-containerd:{ID}"),
            Runtime::Containerd,
            None,
        );
    }

    #[test]
    fn crio_and_podman_layouts() {
        let u = UID.replace('-', "_");
        check(
            &format!("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{u}.slice/crio-{ID}.scope"),
            Runtime::CriO,
            Some(UID),
        );
        check(
            &format!("/kubepods/besteffort/pod{UID}/crio-{ID}"),
            Runtime::CriO,
            Some(UID),
        );
        check(&format!("/machine.slice/libpod-{ID}.scope"), Runtime::Podman, None);
        check(
            &format!("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-{ID}.scope/container"),
            Runtime::Podman,
            None,
        );
        check(&format!("/libpod_parent/libpod-{ID}"), Runtime::Podman, None);
    }

    #[test]
    fn host_paths_have_no_id() {
        for p in [
            "/",
            "",
            "/init.scope",
            "/user.slice/user-0.slice/session-3.scope",
            "/system.slice/docker.service",
            "/system.slice/containerd.service",
            "/kubepods.slice/kubepods-burstable.slice",
            "/process_api/04dd9606704f5536865a95c91d6cef71",
            &format!("/machine.slice/libpod-conmon-{ID}.scope"),
            &format!("/system.slice/crio-conmon-{ID}.scope"),
            &format!("/docker/{}", &ID[..63]),
            &format!("/docker/{}", ID.to_uppercase()),
            &format!("/some/{ID}"),
        ] {
            assert_eq!(container_id(p), None, "{p}");
        }
    }

    #[test]
    fn whole_proc_cgroup_files() {
        let v1 = format!(
            "12:pids:/docker/{ID}\n11:memory:/docker/{ID}\n1:name=systemd:/docker/{ID}\n0::/system.slice/containerd.service\n"
        );
        let c = container_id_from_proc_cgroup(&v1).unwrap();
        assert_eq!((c.full(), c.runtime()), (ID, Runtime::Docker));
        let v2 = format!("0::/system.slice/docker-{ID}.scope\n");
        assert_eq!(container_id_from_proc_cgroup(&v2).unwrap().full(), ID);
        assert_eq!(container_id_from_proc_cgroup("0::/\n"), None);
        assert_eq!(container_id_from_proc_cgroup("garbage\n::\n:\n"), None);
    }

    #[test]
    fn real_docker_container_cgroup_file() {
        // /proc/<pid>/cgroup of a Docker 20.10 container's main process on this machine
        // (cgroup v1 hierarchies plus the v2 line).
        let content = include_str!("../tests/fixtures/proc-cgroup/docker-hybrid");
        let c = container_id_from_proc_cgroup(content).unwrap();
        assert_eq!(
            c.full(),
            "9efc354b48e454b8c2a02e86853c5814a7a3866d8e71c1d801d077e3ab9ef5b9"
        );
        assert_eq!(c.short(), "9efc354b48e4");
        assert_eq!(c.runtime(), Runtime::Docker);
        assert_eq!(c.pod_uid(), None);
    }

    #[test]
    fn this_machines_own_cgroup_is_host_or_container() {
        // This machine's /proc/self/cgroup (hybrid v1+v2): whatever it says, parsing must not
        // invent an id from a non-container path such as `/process_api/<32 hex>`.
        let Ok(content) = std::fs::read_to_string("/proc/self/cgroup") else {
            return;
        };
        let got = container_id_from_proc_cgroup(&content);
        let mentions_runtime = ["docker", "containerd", "crio", "libpod", "kubepods"]
            .iter()
            .any(|r| content.contains(r));
        if !mentions_runtime {
            assert_eq!(got, None, "{content}");
        }
    }
}
