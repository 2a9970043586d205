//! The runtime state the event stream drives: processes (with their fds), threads, the cgroup
//! map and containers. [`Tracker::apply`] updates the state for one event, then returns the
//! event's [`Enriched`] view, as Falco's libsinsp does before rules run.
//!
//! Memory is bounded: processes, threads, fds per process, cgroups and containers all have
//! caps, and every eviction or drop is counted in [`Stats`].
//!
//! Not tracked: O_CLOEXEC fds are kept across exec (the probe does not report which fds the
//! kernel closed), and fds shared by `CLONE_FILES` threads are per process, not per thread.

use hashbrown::HashMap;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use vigil_capture::{Event, Kind, ProcInfo};

use crate::cgroup::{self, Hierarchy};
use crate::container_id::{container_id, ContainerId};
use crate::containers::{ContainerMeta, ContainerStats, Containers};
use crate::enriched::Enriched;
use crate::fd::FdTable;
use crate::users::Users;

mod bootstrap;
mod events;
#[cfg(test)]
mod tests;

pub use bootstrap::BootstrapReport;
pub(crate) use events::FdRef;

/// Deepest ancestor chain walked.
pub const MAX_ANCESTORS: usize = 64;

/// Caps and sources of the tracker. `Default` suits a host with tens of thousands of tasks.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrackerConfig {
    /// Processes kept, live and exited.
    pub max_processes: usize,
    /// Non-leader threads mapped to their process.
    pub max_threads: usize,
    /// Exited processes kept so late events still resolve; the oldest are reaped first.
    pub keep_exited: usize,
    pub max_fds_per_process: usize,
    pub max_containers: usize,
    pub max_cgroups: usize,
    /// The hierarchy whose kernfs ids the probe reports; None: no rescans.
    #[serde(skip)]
    pub cgroup: Option<Hierarchy>,
    /// Least event time between two rescans of the cgroup mount.
    pub rescan_interval_ns: u64,
    /// Most directories one rescan visits.
    pub rescan_max_dirs: usize,
}

impl Default for TrackerConfig {
    fn default() -> Self {
        TrackerConfig {
            max_processes: 32_768,
            max_threads: 131_072,
            keep_exited: 1024,
            max_fds_per_process: 1024,
            max_containers: 4096,
            max_cgroups: 65_536,
            cgroup: None,
            rescan_interval_ns: 1_000_000_000,
            rescan_max_dirs: 20_000,
        }
    }
}

/// One process (thread group) as the tracker knows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Process {
    pub pid: u32,
    /// The parent process's pid.
    pub ppid: u32,
    /// `proc.name`: the kernel's comm, at most 15 bytes.
    pub comm: Box<str>,
    /// `proc.exe`: the file name exec was given.
    pub exe: Arc<str>,
    /// `proc.exepath`: the executable's full path inside the process's root.
    pub exepath: Arc<str>,
    /// `proc.args` (after argv[0]) and `proc.cmdline` come from here; argv[0] included.
    pub argv: Arc<[Box<str>]>,
    pub cwd: Arc<str>,
    /// The cgroup path in the tracked hierarchy.
    pub cgroup: Arc<str>,
    pub container: Option<Arc<ContainerId>>,
    /// Whether `container` comes from a cgroup path (exec, fork, /proc); false for a process
    /// only seen in a syscall's header.
    pub container_known: bool,
    /// Credentials, capabilities, tty, session, start time and exe facts.
    pub info: ProcInfo,
    pub uid: u32,
    pub gid: u32,
    pub euid: u32,
    pub egid: u32,
    pub exited_ns: Option<u64>,
    pub fds: FdTable,
    #[serde(skip)]
    pub(crate) last_seen: u64,
    #[serde(skip)]
    pub(crate) exit_gen: u64,
}

impl Process {
    /// `proc.cmdline`: comm-free `argv` joined by spaces, as Falco prints it (name and args).
    pub fn args(&self) -> impl Iterator<Item = &str> {
        self.argv.iter().skip(1).map(|a| &**a)
    }

    /// `proc.loginuid`, None when unset.
    pub fn loginuid(&self) -> Option<u32> {
        Some(self.info.loginuid).filter(|&u| u != u32::MAX)
    }
}

/// Counters of the tracker (`Tracker::stats`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub events: u64,
    pub processes: usize,
    pub threads: usize,
    pub fds: usize,
    pub cgroups: usize,
    /// Exited processes removed after their grace period.
    pub reaped: u64,
    /// Live processes evicted because the table was full (exits probably missed).
    pub process_evictions: u64,
    pub thread_drops: u64,
    pub fd_drops: u64,
    /// Events whose cgroup id was not in the map.
    pub unknown_cgroups: u64,
    pub cgroup_rescans: u64,
    pub cgroup_evictions: u64,
    /// Processes first seen in a syscall record (no exec/fork/bootstrap).
    pub partial_processes: u64,
    pub containers: ContainerStats,
}

/// The state, and the per-event update.
#[derive(Debug)]
pub struct Tracker {
    pub(crate) cfg: TrackerConfig,
    pub(crate) procs: HashMap<u32, Process>,
    pub(crate) threads: HashMap<u32, u32>,
    exited: VecDeque<(u32, u64)>,
    exit_gen: u64,
    pub(crate) cgroups: HashMap<u64, Option<Arc<ContainerId>>>,
    pub(crate) containers: Containers,
    pub(crate) host_users: Arc<Users>,
    /// The fd a close event removed: (pid, fd, what), so the event's view still shows it.
    pub(crate) closed: Option<(u32, i32, crate::fd::Fd)>,
    scratch: Vec<u8>,
    scratch2: Vec<u8>,
    last_rescan: Option<u64>,
    ops: Vec<events::Op>,
    pub(crate) stats: Stats,
    warnings: Vec<String>,
}

impl Tracker {
    /// An empty tracker; no I/O.
    pub fn new(cfg: TrackerConfig) -> Tracker {
        let containers = Containers::new(cfg.max_containers);
        Tracker {
            cfg,
            procs: HashMap::new(),
            threads: HashMap::new(),
            exited: VecDeque::new(),
            exit_gen: 0,
            cgroups: HashMap::new(),
            containers,
            host_users: Arc::new(Users::default()),
            closed: None,
            scratch: Vec::with_capacity(4096),
            scratch2: Vec::with_capacity(4096),
            last_rescan: None,
            ops: events::op_table(),
            stats: Stats::default(),
            warnings: Vec::new(),
        }
    }

    /// Starts the background metadata threads: Docker inspect and events (when `docker` names
    /// a socket that exists) and user names from each container's root under `proc_root`.
    pub fn start_metadata(&mut self, docker: Option<PathBuf>, proc_root: PathBuf) {
        self.containers.start(docker, proc_root);
    }

    /// Loads the host's user and group names from `<root>/etc`.
    pub fn load_host_users(&mut self, root: &std::path::Path) {
        self.host_users = Arc::new(Users::load(root));
    }

    /// Things the user should hear about once (no Docker socket, ...).
    pub fn warnings(&self) -> impl Iterator<Item = &str> {
        self.warnings
            .iter()
            .chain(self.containers.warnings.iter())
            .map(String::as_str)
    }

    pub fn config(&self) -> &TrackerConfig {
        &self.cfg
    }

    pub fn stats(&self) -> Stats {
        let mut s = self.stats;
        s.processes = self.procs.len();
        s.threads = self.threads.len();
        s.fds = self.procs.values().map(|p| p.fds.len()).sum();
        s.cgroups = self.cgroups.len();
        s.containers = self.containers.stats;
        s
    }

    pub fn process(&self, pid: u32) -> Option<&Process> {
        self.procs.get(&pid)
    }

    /// The process a thread belongs to.
    pub fn thread(&self, tid: u32) -> Option<&Process> {
        let pid = self.threads.get(&tid).copied().unwrap_or(tid);
        self.procs.get(&pid)
    }

    pub fn processes(&self) -> impl Iterator<Item = &Process> {
        self.procs.values()
    }

    /// Metadata of a container by full id.
    pub fn container(&self, full_id: &str) -> ContainerMeta {
        match self.containers.get(full_id) {
            Some(c) => c.meta.clone(),
            None => ContainerMeta::Unknown("container not seen".into()),
        }
    }

    pub fn containers(&self) -> &Containers {
        &self.containers
    }

    pub fn containers_mut(&mut self) -> &mut Containers {
        &mut self.containers
    }

    /// The container a cgroup id maps to: Some(None) for a host cgroup, None when unknown.
    pub fn cgroup(&self, id: u64) -> Option<Option<&Arc<ContainerId>>> {
        self.cgroups.get(&id).map(Option::as_ref)
    }

    /// The process (n = 0), its parent (n = 1), ... as `proc.aname[n]` counts them. Stops at
    /// an unknown pid, pid 0, a loop, or after [`MAX_ANCESTORS`].
    pub fn ancestors(&self, pid: u32) -> Ancestors<'_> {
        Ancestors {
            tracker: self,
            next: Some(pid),
            steps: 0,
        }
    }

    /// Updates the state for `ev`, then returns its view.
    pub fn apply<'t>(&'t mut self, ev: &'t Event<'_>) -> Enriched<'t> {
        self.containers.drain();
        self.stats.events += 1;
        let fd = match ev.kind {
            Kind::Exec => {
                self.on_exec(ev);
                None
            }
            Kind::Fork => {
                self.on_fork(ev);
                None
            }
            Kind::Exit => {
                self.on_exit(ev);
                None
            }
            Kind::Syscall(s) => {
                self.ensure_process(ev);
                let op = self
                    .ops
                    .get(usize::from(
                        s.kind.saturating_sub(vigil_capture::abi::KIND_SYSCALL_BASE),
                    ))
                    .copied()
                    .unwrap_or(events::Op::None);
                self.on_syscall(op, ev)
            }
        };
        if let Some(p) = self.procs.get_mut(&ev.pid) {
            p.last_seen = ev.ts;
        }
        let container = self.event_container(ev);
        Enriched::new(self, ev, fd, container)
    }

    /// The container of the event: by its cgroup id, else the process's own, else after a
    /// (rate-limited, bounded) rescan of the cgroup mount.
    fn event_container(&mut self, ev: &Event<'_>) -> Option<Arc<ContainerId>> {
        if let Some(c) = self.cgroups.get(&ev.cgroup) {
            return c.clone();
        }
        let own = self
            .procs
            .get(&ev.pid)
            .filter(|p| p.container_known)
            .map(|p| p.container.clone());
        if ev.cgroup == 0 {
            return own.flatten();
        }
        self.stats.unknown_cgroups += 1;
        if let Some(c) = own {
            return c;
        }
        if self.rescan(ev.ts) {
            if let Some(c) = self.cgroups.get(&ev.cgroup) {
                return c.clone();
            }
        }
        None
    }

    /// Rescans the cgroup mount if one is configured and the last rescan is old enough.
    fn rescan(&mut self, now: u64) -> bool {
        let Some(h) = self.cfg.cgroup.clone() else { return false };
        if self
            .last_rescan
            .is_some_and(|t| now.saturating_sub(t) < self.cfg.rescan_interval_ns)
        {
            return false;
        }
        self.last_rescan = Some(now);
        self.stats.cgroup_rescans += 1;
        for (ino, path) in cgroup::scan(&h, self.cfg.rescan_max_dirs) {
            if !self.cgroups.contains_key(&ino) {
                let c = container_id(&path).map(|c| self.containers.intern(c, 0));
                self.learn_cgroup(ino, c);
            }
        }
        true
    }

    pub(crate) fn learn_cgroup(&mut self, id: u64, c: Option<Arc<ContainerId>>) {
        if id == 0 {
            return;
        }
        if self.cgroups.len() >= self.cfg.max_cgroups && !self.cgroups.contains_key(&id) {
            self.stats.cgroup_evictions += self.cgroups.len() as u64;
            self.cgroups.clear();
        }
        self.cgroups.insert(id, c);
    }

    /// Interns the container named by a cgroup path.
    pub(crate) fn container_for_path(&mut self, path: &str, pid: u32) -> Option<Arc<ContainerId>> {
        container_id(path).map(|c| self.containers.intern(c, pid))
    }

    /// Adds a process, making room first: the oldest exited ones are reaped, then the least
    /// recently seen sixteenth of the table is evicted (counted).
    pub(crate) fn insert_process(&mut self, p: Process) {
        if self.procs.len() >= self.cfg.max_processes && !self.procs.contains_key(&p.pid) {
            while self.procs.len() >= self.cfg.max_processes {
                let Some((pid, gen)) = self.exited.pop_front() else {
                    break;
                };
                self.reap_one(pid, gen);
            }
            if self.procs.len() >= self.cfg.max_processes {
                self.evict_lru();
            }
        }
        self.procs.insert(p.pid, p);
    }

    fn evict_lru(&mut self) {
        let mut seen: Vec<(u64, u32)> = self.procs.values().map(|p| (p.last_seen, p.pid)).collect();
        let n = (seen.len() / 16).max(1).min(seen.len());
        if n == 0 {
            return;
        }
        seen.select_nth_unstable(n - 1);
        for &(_, pid) in &seen[..n] {
            self.procs.remove(&pid);
            self.stats.process_evictions += 1;
        }
    }

    fn reap_one(&mut self, pid: u32, gen: u64) {
        if self
            .procs
            .get(&pid)
            .is_some_and(|p| p.exited_ns.is_some() && p.exit_gen == gen)
        {
            self.procs.remove(&pid);
            self.stats.reaped += 1;
        }
    }

    /// Marks a process exited; the oldest exited beyond `keep_exited` are reaped.
    pub(crate) fn mark_exited(&mut self, pid: u32, ts: u64) {
        let Some(p) = self.procs.get_mut(&pid) else { return };
        self.exit_gen += 1;
        p.exited_ns = Some(ts);
        p.exit_gen = self.exit_gen;
        self.exited.push_back((pid, self.exit_gen));
        while self.exited.len() > self.cfg.keep_exited {
            let Some((pid, gen)) = self.exited.pop_front() else {
                break;
            };
            self.reap_one(pid, gen);
        }
    }

    pub(crate) fn add_thread(&mut self, tid: u32, pid: u32) {
        if tid == pid {
            return;
        }
        if self.threads.len() >= self.cfg.max_threads && !self.threads.contains_key(&tid) {
            let procs = &self.procs;
            self.threads
                .retain(|_, p| procs.get(p).is_some_and(|p| p.exited_ns.is_none()));
            if self.threads.len() >= self.cfg.max_threads {
                self.stats.thread_drops += 1;
                return;
            }
        }
        self.threads.insert(tid, pid);
    }

    pub(crate) fn scratch(&mut self) -> (&mut Vec<u8>, &mut Vec<u8>) {
        (&mut self.scratch, &mut self.scratch2)
    }
}

/// Iterator returned by [`Tracker::ancestors`].
pub struct Ancestors<'a> {
    tracker: &'a Tracker,
    next: Option<u32>,
    steps: usize,
}

impl<'a> Iterator for Ancestors<'a> {
    type Item = &'a Process;

    fn next(&mut self) -> Option<&'a Process> {
        let pid = self.next.take()?;
        if pid == 0 || self.steps >= MAX_ANCESTORS {
            return None;
        }
        self.steps += 1;
        let p = self.tracker.procs.get(&pid)?;
        if p.ppid != p.pid {
            self.next = Some(p.ppid);
        }
        Some(p)
    }
}

/// Lossy UTF-8 into an `Arc<str>` (allocates: only where state is created).
pub(crate) fn arc_str(b: &[u8]) -> Arc<str> {
    String::from_utf8_lossy(b).into()
}
