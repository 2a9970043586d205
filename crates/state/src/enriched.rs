//! One event with what the state knows about it: its process and parent, the fd it is about,
//! its container and the names of its user and group. Built by [`crate::Tracker::apply`]
//! from references and one `Arc` clone: nothing is allocated.

use std::sync::Arc;

use vigil_capture::Event;

use crate::container_id::ContainerId;
use crate::containers::{Container, ContainerMeta};
use crate::docker::ContainerInfo;
use crate::fd::Fd;
use crate::tracker::{Ancestors, Process, Tracker};

/// An event and its state.
#[derive(Debug, Clone)]
pub struct Enriched<'t> {
    pub event: &'t Event<'t>,
    pub process: Option<&'t Process>,
    pub parent: Option<&'t Process>,
    /// The fd the event is about and what it is (for close: what it was).
    pub fd: Option<(i32, &'t Fd)>,
    /// The container's id; None for a host process or when unknown.
    pub container_id: Option<Arc<ContainerId>>,
    tracker: &'t Tracker,
    /// The container's cache entry, looked up once per event (rules ask for it many times).
    container: std::cell::OnceCell<Option<&'t Container>>,
}

impl<'t> Enriched<'t> {
    pub(crate) fn new(
        tracker: &'t Tracker,
        event: &'t Event<'t>,
        fd: Option<crate::tracker::FdRef>,
        container_id: Option<Arc<ContainerId>>,
    ) -> Enriched<'t> {
        let process = tracker.process(event.pid);
        let parent = process.and_then(|p| tracker.process(p.ppid));
        let fd = match fd {
            Some(crate::tracker::FdRef::Fd(n)) => process.and_then(|p| p.fds.get(n)).map(|f| (n, f)),
            Some(crate::tracker::FdRef::Closed) => tracker
                .closed
                .as_ref()
                .filter(|(pid, _, _)| *pid == event.pid)
                .map(|(_, n, f)| (*n, f)),
            None => None,
        };
        Enriched {
            event,
            process,
            parent,
            fd,
            container_id,
            tracker,
            container: std::cell::OnceCell::new(),
        }
    }

    /// The process, its parent, ... (`proc.aname[n]`, `proc.apid[n]`, `proc.aexepath[n]`).
    pub fn ancestors(&self) -> Ancestors<'t> {
        self.tracker.ancestors(self.event.pid)
    }

    /// The container's cache entry.
    pub fn container(&self) -> Option<&'t Container> {
        *self.container.get_or_init(|| {
            self.container_id
                .as_ref()
                .and_then(|id| self.tracker.containers.get(id.full()))
        })
    }

    /// The container's metadata when known.
    pub fn container_info(&self) -> Option<&'t ContainerInfo> {
        match &self.container()?.meta {
            ContainerMeta::Known(i) => Some(i),
            _ => None,
        }
    }

    /// `container.id`: the short id, `host` for a host process (as Falco prints it).
    pub fn container_short_id(&self) -> &str {
        self.container_id.as_deref().map_or("host", ContainerId::short)
    }

    /// `container.name`: from metadata, `host` for a host process.
    pub fn container_name(&self) -> Option<&'t str> {
        match &self.container_id {
            None => Some("host"),
            Some(_) => self.container_info().map(|i| i.name.as_str()),
        }
    }

    /// `user.name`: from the container's own /etc/passwd, or the host's.
    pub fn user_name(&self) -> Option<&'t str> {
        self.users()?.users.name(self.event.uid)
    }

    /// `group.name`.
    pub fn group_name(&self) -> Option<&'t str> {
        self.users()?.groups.name(self.event.gid)
    }

    /// The name of any uid as the event's container (or the host) names it (`user.loginname`).
    pub fn user_name_of(&self, uid: u32) -> Option<&'t str> {
        self.users()?.users.name(uid)
    }

    fn users(&self) -> Option<&'t crate::users::Users> {
        match &self.container_id {
            None => Some(&self.tracker.host_users),
            Some(_) => self.container()?.users.as_deref(),
        }
    }

    /// `k8s.pod.name`, `k8s.ns.name`, `k8s.pod.uid`: from kubelet's labels, the uid also from
    /// the cgroup path.
    pub fn k8s(&self) -> (Option<&'t str>, Option<&'t str>, Option<&str>) {
        let k = self.container_info().and_then(|i| i.k8s.as_ref());
        let uid = k
            .and_then(|k| k.pod_uid.as_deref())
            .or_else(|| self.container_id.as_deref().and_then(ContainerId::pod_uid));
        (k.map(|k| k.pod_name.as_str()), k.map(|k| k.namespace.as_str()), uid)
    }
}
