//! Userspace state for Vigil's runtime half: what an event is enriched with before rules run.
//!
//! - [`tracker`]: the [`Tracker`] that the event stream drives (processes, threads, fds,
//!   cgroups, containers) and its bootstrap from `/proc`; [`Tracker::apply`] returns an
//!   [`Enriched`] view of each event.
//! - [`fd`]: what an fd is, as `fd.*` fields need it.
//! - [`cgroup`]: the hierarchy the probe tracks and the kernfs id ↔ path map.
//! - [`containers`]: the container cache with its background Docker lookups.
//! - [`snapshot`]: the state as data, for capture files.
//! - [`container_id`]: the container id (and Kubernetes pod uid) from a cgroup path.
//! - [`docker`]: container metadata from the Docker Engine API, and a small blocking client.
//! - [`users`]: uid/gid → name maps from a container's own `/etc/passwd` and `/etc/group`.
//! - [`proc`]: reading `/proc/<pid>`, and a simple bounded process table.
//!
//! ```
//! use vigil_capture::{encode::RecordBuilder, Event};
//! use vigil_state::{Tracker, TrackerConfig};
//! let mut t = Tracker::new(TrackerConfig::default());
//! let rec = RecordBuilder::syscall("openat", 1, 42, 42).arg(0, -100i64 as u64).str_arg(1, "/etc/shadow").res(3).build();
//! let ev = Event::decode(&rec).unwrap();
//! let e = t.apply(&ev);
//! assert_eq!(e.fd.map(|(n, f)| (n, f.name())), Some((3, "/etc/shadow".to_owned())));
//! ```

// Tests may unwrap: a panic there is a failed test, which is the point.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod cgroup;
pub mod container_id;
pub mod containers;
pub mod docker;
pub mod enriched;
pub mod fd;
pub mod proc;
pub mod snapshot;
pub mod tracker;
pub mod users;

pub use container_id::{container_id, container_id_from_proc_cgroup, ContainerId, Runtime};

pub use containers::{Container, ContainerMeta};
pub use docker::{ContainerInfo, DockerClient, DockerError, ImageRef, K8s, Mount};
pub use enriched::Enriched;
pub use fd::{Fd, FdTable, Inet, Role};
pub use proc::ProcessTable;
pub use snapshot::Snapshot;
pub use tracker::{BootstrapReport, Process, Stats, Tracker, TrackerConfig};
pub use users::{parse_group, parse_passwd, IdNames, Users};
