//! Container metadata from the Docker Engine API (`GET /containers/{id}/json`), and a small
//! blocking client over the daemon's Unix socket for inspect and the event stream.
//!
//! The inspect document is hostile input: unknown fields are ignored, missing ones default,
//! and the body is capped before it is parsed.

use std::collections::BTreeMap;

use serde::Deserialize;

mod client;
pub use client::{ContainerEvent, DockerClient, Events, DEFAULT_SOCKET};

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DockerError {
    #[error("docker socket {socket}: {source}")]
    Io { socket: String, source: std::io::Error },
    #[error("docker API {path}: HTTP {status}: {message}")]
    Http { path: String, status: u16, message: String },
    #[error("docker API {path}: malformed response: {what}")]
    Malformed { path: String, what: String },
    #[error("docker API {path}: response larger than {limit} bytes")]
    TooLarge { path: String, limit: usize },
    #[error("not a container id or name: {0:?}")]
    InvalidId(String),
    #[error("docker inspect JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// An image reference split into repository (with its registry), tag and digest.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, Deserialize)]
pub struct ImageRef {
    /// `localhost:5000/a/b`, `nginx`, `docker.io/library/nginx`: as written, registry included.
    pub repository: String,
    pub tag: Option<String>,
    /// `sha256:<hex>` after `@`.
    pub digest: Option<String>,
}

impl ImageRef {
    /// Splits `[registry[:port]/]path[:tag][@digest]`. A `:` is a tag separator only after the
    /// last `/`, so a registry port is never taken for a tag.
    pub fn parse(reference: &str) -> ImageRef {
        let (name, digest) = match reference.split_once('@') {
            Some((n, d)) => (n, Some(d.to_owned())),
            None => (reference, None),
        };
        let slash = name.rfind('/').map_or(0, |i| i + 1);
        let (repository, tag) = match name.rfind(':').filter(|&c| c >= slash) {
            Some(c) => (name.get(..c).unwrap_or(name), name.get(c + 1..).map(str::to_owned)),
            None => (name, None),
        };
        ImageRef {
            repository: repository.to_owned(),
            tag: tag.filter(|t| !t.is_empty()),
            digest,
        }
    }

    /// The registry host (with port) when the first component names one (has a `.` or `:`, or
    /// is `localhost`), as the Docker reference grammar decides.
    pub fn registry(&self) -> Option<&str> {
        let (first, _) = self.repository.split_once('/')?;
        (first.contains('.') || first.contains(':') || first == "localhost").then_some(first)
    }
}

/// A bind or volume mount of a container.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct Mount {
    pub source: String,
    pub destination: String,
    pub rw: bool,
}

/// Kubernetes facts from the labels kubelet sets on the containers it creates.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct K8s {
    pub pod_name: String,
    pub namespace: String,
    pub pod_uid: Option<String>,
    pub container_name: Option<String>,
}

/// What `container.*` and `k8s.*` fields need about one container.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct ContainerInfo {
    /// The full id.
    pub id: String,
    /// Without the leading `/`.
    pub name: String,
    /// `Config.Image`, as the user named it (`repository:tag`, maybe a digest).
    pub image: String,
    pub image_ref: ImageRef,
    /// The image's id (`Image`, `sha256:<hex>`).
    pub image_id: String,
    pub labels: BTreeMap<String, String>,
    pub privileged: bool,
    pub mounts: Vec<Mount>,
    /// `State.StartedAt` (RFC 3339); None when the container never started.
    pub started_at: Option<String>,
    /// The main process's pid in the host's pid namespace (`State.Pid`); None when not running.
    pub pid: Option<u32>,
    pub k8s: Option<K8s>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct RawInspect {
    id: String,
    name: String,
    image: String,
    config: RawConfig,
    host_config: RawHostConfig,
    mounts: Option<Vec<RawMount>>,
    state: RawState,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct RawConfig {
    image: String,
    labels: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct RawHostConfig {
    privileged: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawMount {
    #[serde(rename = "Source")]
    source: String,
    #[serde(rename = "Destination")]
    destination: String,
    #[serde(rename = "RW")]
    rw: bool,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct RawState {
    started_at: String,
    pid: u32,
}

impl ContainerInfo {
    /// Parses the body of `GET /containers/{id}/json`.
    pub fn from_inspect_json(body: &[u8]) -> Result<ContainerInfo, DockerError> {
        let raw: RawInspect = serde_json::from_slice(body)?;
        if raw.id.is_empty() {
            let path = "/containers/{id}/json".to_owned();
            return Err(DockerError::Malformed {
                path,
                what: "no Id".to_owned(),
            });
        }
        let labels = raw.config.labels.unwrap_or_default();
        let k8s = k8s_from_labels(&labels);
        let started_at = Some(raw.state.started_at).filter(|s| !s.is_empty() && !s.starts_with("0001-01-01"));
        Ok(ContainerInfo {
            name: raw.name.strip_prefix('/').unwrap_or(&raw.name).to_owned(),
            image_ref: ImageRef::parse(&raw.config.image),
            image: raw.config.image,
            image_id: raw.image,
            id: raw.id,
            labels,
            privileged: raw.host_config.privileged,
            mounts: raw
                .mounts
                .unwrap_or_default()
                .into_iter()
                .map(|m| Mount {
                    source: m.source,
                    destination: m.destination,
                    rw: m.rw,
                })
                .collect(),
            started_at,
            pid: Some(raw.state.pid).filter(|&p| p != 0),
            k8s,
        })
    }
}

/// Pod name and namespace are required; uid and container name are kept when present.
fn k8s_from_labels(labels: &BTreeMap<String, String>) -> Option<K8s> {
    Some(K8s {
        pod_name: labels.get("io.kubernetes.pod.name")?.clone(),
        namespace: labels.get("io.kubernetes.pod.namespace")?.clone(),
        pod_uid: labels.get("io.kubernetes.pod.uid").cloned(),
        container_name: labels.get("io.kubernetes.container.name").cloned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_references() {
        // (reference, repository, tag, digest, registry)
        type Case<'a> = (&'a str, &'a str, Option<&'a str>, Option<&'a str>, Option<&'a str>);
        let cases: [Case; 8] = [
            ("nginx", "nginx", None, None, None),
            ("nginx:1.25", "nginx", Some("1.25"), None, None),
            (
                "localhost:5000/a/b:1.0",
                "localhost:5000/a/b",
                Some("1.0"),
                None,
                Some("localhost:5000"),
            ),
            (
                "localhost:5000/a/b",
                "localhost:5000/a/b",
                None,
                None,
                Some("localhost:5000"),
            ),
            (
                "nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31",
                "nginx",
                None,
                Some("sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31"),
                None,
            ),
            (
                "ghcr.io/o/r:v1@sha256:ab",
                "ghcr.io/o/r",
                Some("v1"),
                Some("sha256:ab"),
                Some("ghcr.io"),
            ),
            ("library/nginx:", "library/nginx", None, None, None),
            ("", "", None, None, None),
        ];
        for (input, repo, tag, digest, registry) in cases {
            let r = ImageRef::parse(input);
            assert_eq!(r.repository, repo, "{input}");
            assert_eq!(r.tag.as_deref(), tag, "{input}");
            assert_eq!(r.digest.as_deref(), digest, "{input}");
            assert_eq!(r.registry(), registry, "{input}");
        }
    }

    #[test]
    fn real_inspect_document() {
        // `docker inspect` of a container run from an imported busybox image, Docker 20.10.24.
        let body = include_bytes!("../tests/fixtures/docker/inspect-busybox.json");
        let c = ContainerInfo::from_inspect_json(body).unwrap();
        assert_eq!(c.id, "9efc354b48e454b8c2a02e86853c5814a7a3866d8e71c1d801d077e3ab9ef5b9");
        assert_eq!(c.name, "vigil-state-fixture");
        assert_eq!(c.image, "vigil-state-test/busybox:1");
        assert_eq!(c.image_ref.repository, "vigil-state-test/busybox");
        assert_eq!(c.image_ref.tag.as_deref(), Some("1"));
        assert_eq!(
            c.image_id,
            "sha256:51561226eba628096f078ff31d386f6ce7de84d7dfb6b499518cd3998c898da5"
        );
        assert_eq!(c.labels.get("app").map(String::as_str), Some("test"));
        assert!(!c.privileged);
        assert_eq!(
            c.mounts,
            [Mount {
                source: "/tmp/vst".into(),
                destination: "/data".into(),
                rw: false
            }]
        );
        assert_eq!(c.started_at.as_deref(), Some("2026-11-23T13:27:35.566108036Z"));
        assert!(c.pid.is_some());
        let k = c.k8s.unwrap();
        assert_eq!((k.pod_name.as_str(), k.namespace.as_str()), ("web-0", "prod"));
        assert_eq!(k.pod_uid.as_deref(), Some("8b0a7d3e-5c1f-4e2a-9b6d-0f1e2d3c4b5a"));
        assert_eq!(k.container_name.as_deref(), Some("web"));
    }

    #[test]
    fn sparse_and_hostile_documents() {
        let c = ContainerInfo::from_inspect_json(
            br#"{"Id":"abc","Name":"x","Config":{"Labels":null},"Mounts":null,"State":{"StartedAt":"0001-01-01T00:00:00Z"},"HostConfig":{"Privileged":true},"Extra":[1,2]}"#,
        )
        .unwrap();
        assert_eq!(c.name, "x");
        assert!(c.privileged && c.labels.is_empty() && c.mounts.is_empty());
        assert_eq!(c.started_at, None);
        assert_eq!(c.pid, None);
        assert_eq!(c.k8s, None);
        assert!(ContainerInfo::from_inspect_json(b"[]").is_err());
        assert!(ContainerInfo::from_inspect_json(b"{\"Id\":3}").is_err());
        assert!(ContainerInfo::from_inspect_json(b"{").is_err());
    }
}
