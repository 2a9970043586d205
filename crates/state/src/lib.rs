//! Userspace state for Vigil's runtime half: what an event is enriched with before rules run.
//!
//! - [`container_id`]: the container id (and Kubernetes pod uid) from a cgroup path.
//! - [`docker`]: container metadata from the Docker Engine API, and a small blocking client.
//! - [`users`]: uid/gid → name maps from a container's own `/etc/passwd` and `/etc/group`.
//! - [`proc`]: a bounded process table, bootstrapped from `/proc`.

// Tests may unwrap: a panic there is a failed test, which is the point.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod container_id;
pub mod docker;
pub mod proc;
pub mod users;

pub use container_id::{container_id, container_id_from_proc_cgroup, ContainerId, Runtime};

pub use docker::{ContainerInfo, DockerClient, DockerError, ImageRef, K8s, Mount};
pub use proc::{Process, ProcessTable};
pub use users::{parse_group, parse_passwd, IdNames, Users};
