//! The tracker's state as data: a capture file carries it at its start, so replay needs no
//! live system. A snapshot is hostile input when read back: caps apply as for live events.

use serde::{Deserialize, Serialize};

use crate::container_id::ContainerId;
use crate::containers::ContainerMeta;
use crate::docker::ContainerInfo;
use crate::tracker::{Process, Tracker, TrackerConfig};
use crate::users::Users;

/// Bumped when the snapshot's shape changes.
pub const SNAPSHOT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub version: u32,
    pub processes: Vec<Process>,
    /// (tid, pid) of non-leader threads.
    pub threads: Vec<(u32, u32)>,
    pub containers: Vec<ContainerSnapshot>,
    /// (kernfs id, full container id or None for a host cgroup).
    pub cgroups: Vec<(u64, Option<String>)>,
    pub host_users: Users,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContainerSnapshot {
    pub id: ContainerId,
    pub info: Option<ContainerInfo>,
    pub users: Option<Users>,
    pub dead: bool,
}

impl Tracker {
    /// The state now.
    pub fn snapshot(&self) -> Snapshot {
        let mut processes: Vec<Process> = self
            .procs
            .values()
            .map(|p| Process {
                last_seen: 0,
                exit_gen: 0,
                ..p.clone()
            })
            .collect();
        processes.sort_by_key(|p| p.pid);
        let mut threads: Vec<(u32, u32)> = self.threads.iter().map(|(t, p)| (*t, *p)).collect();
        threads.sort_unstable();
        let mut containers: Vec<ContainerSnapshot> = self
            .containers
            .iter()
            .map(|c| ContainerSnapshot {
                id: (*c.id).clone(),
                info: match &c.meta {
                    ContainerMeta::Known(i) => Some((**i).clone()),
                    _ => None,
                },
                users: c.users.as_deref().cloned(),
                dead: c.dead,
            })
            .collect();
        containers.sort_by(|a, b| a.id.full().cmp(b.id.full()));
        let mut cgroups: Vec<(u64, Option<String>)> = self
            .cgroups
            .iter()
            .map(|(k, v)| (*k, v.as_ref().map(|c| c.full().to_owned())))
            .collect();
        cgroups.sort_unstable();
        Snapshot {
            version: SNAPSHOT_VERSION,
            processes,
            threads,
            containers,
            cgroups,
            host_users: (*self.host_users).clone(),
        }
    }

    /// The containers and cgroups only, for what a capture learned by its end (its trailer).
    pub fn snapshot_containers(&self) -> Snapshot {
        let mut s = self.snapshot();
        s.processes.clear();
        s.threads.clear();
        s
    }

    /// Learns from a later snapshot (a capture's trailer) the container metadata and cgroup
    /// ids that the start snapshot lacked; processes are not taken (they are future state).
    pub fn learn_later(&mut self, s: Snapshot) {
        for c in s.containers {
            let known = self
                .containers
                .get(c.id.full())
                .is_some_and(|k| matches!(k.meta, ContainerMeta::Known(_)));
            if !known {
                self.containers.restore(c.id, c.info, c.users, c.dead);
            }
        }
        for (id, c) in s.cgroups {
            let c = c.and_then(|full| self.containers.get(&full).map(|c| c.id.clone()));
            self.learn_cgroup(id, c);
        }
    }

    /// A tracker holding a snapshot's state (default caps).
    pub fn from_snapshot(s: Snapshot) -> Tracker {
        Tracker::from_snapshot_with(s, TrackerConfig::default())
    }

    pub fn from_snapshot_with(s: Snapshot, cfg: TrackerConfig) -> Tracker {
        let mut t = Tracker::new(cfg);
        for c in s.containers {
            t.containers.restore(c.id, c.info, c.users, c.dead);
        }
        let shared = |t: &mut Tracker, id: &ContainerId| t.containers.get(id.full()).map(|c| c.id.clone());
        for mut p in s.processes {
            // Share the container's id with the cache, as live state does.
            if let Some(c) = p.container.take() {
                p.container = shared(&mut t, &c).or(Some(c));
            }
            let max = t.cfg.max_fds_per_process;
            if p.fds.len() > max {
                t.stats.fd_drops += (p.fds.len() - max) as u64;
                let keep: Vec<i32> = p.fds.iter().map(|(n, _)| n).collect();
                for n in keep.into_iter().skip(max) {
                    p.fds.remove(n);
                }
            }
            t.insert_process(p);
        }
        for (tid, pid) in s.threads {
            t.add_thread(tid, pid);
        }
        for (id, c) in s.cgroups {
            let c = c.and_then(|full| t.containers.get(&full).map(|c| c.id.clone()));
            t.learn_cgroup(id, c);
        }
        t.host_users = std::sync::Arc::new(s.host_users);
        t
    }
}
