//! Known containers: their ids, metadata from the Docker Engine API and user names from their
//! own root, with a bounded cache.
//!
//! Lookups run on a background thread; the event path only sends a request the first time a
//! container is seen and drains replies without blocking, so events never wait for Docker.
//! A second thread follows Docker's event stream: `start` and `rename` refresh a container's
//! metadata, `die` and `destroy` mark it dead (kept until the cache needs the room).

use hashbrown::HashMap;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::Duration;

use crate::container_id::{ContainerId, Runtime};
use crate::docker::{ContainerInfo, DockerClient};
use crate::users::Users;

/// Requests queued for the worker at most.
const QUEUE: usize = 1024;

/// What is known of a container's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContainerMeta {
    Known(Arc<ContainerInfo>),
    /// Asked for, no answer yet.
    Pending,
    /// Will not be known: why.
    Unknown(Arc<str>),
}

/// One known container.
#[derive(Debug, Clone)]
pub struct Container {
    pub id: Arc<ContainerId>,
    pub meta: ContainerMeta,
    pub users: Option<Arc<Users>>,
    /// Docker reported it dead or destroyed.
    pub dead: bool,
    /// A process of it, for reading its root.
    pub pid: u32,
    asked: bool,
}

enum Request {
    Lookup { id: String, pid: u32, inspect: bool },
}

enum Reply {
    Info {
        id: String,
        info: Result<Box<ContainerInfo>, String>,
    },
    Users {
        id: String,
        users: Users,
    },
    Dead {
        id: String,
    },
}

struct Worker {
    tx: SyncSender<Request>,
    rx: Receiver<Reply>,
    stop: Arc<AtomicBool>,
    docker: bool,
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Counters of the container cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ContainerStats {
    pub containers: usize,
    pub evictions: u64,
    pub docker_lookups: u64,
    pub docker_failures: u64,
    /// Requests not queued because the worker was behind; retried when the container is seen again.
    pub queue_full: u64,
}

/// The container cache.
#[derive(Default)]
pub struct Containers {
    by_id: HashMap<String, Container>,
    order: VecDeque<String>,
    max: usize,
    worker: Option<Worker>,
    no_metadata: Option<Arc<str>>,
    pub(crate) stats: ContainerStats,
    pub(crate) warnings: Vec<String>,
}

impl std::fmt::Debug for Containers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Containers").field("len", &self.by_id.len()).finish()
    }
}

impl Containers {
    pub fn new(max: usize) -> Containers {
        Containers {
            max: max.max(1),
            ..Containers::default()
        }
    }

    /// Starts the lookup threads. `docker`: the daemon's socket, or None to read only users.
    /// A missing socket adds one warning; metadata is then Unknown and ids still resolve.
    pub fn start(&mut self, docker: Option<PathBuf>, proc_root: PathBuf) {
        let client = match docker {
            Some(sock) if sock.exists() => Some(DockerClient::new(&sock)),
            Some(sock) => {
                let why = format!(
                    "no Docker socket at {}: container metadata unavailable, events carry container.id only",
                    sock.display()
                );
                self.warnings.push(why.clone());
                self.no_metadata = Some(why.into());
                None
            }
            None => {
                self.no_metadata = Some("no metadata source configured".into());
                None
            }
        };
        let (tx, req_rx) = mpsc::sync_channel::<Request>(QUEUE);
        let (reply_tx, rx) = mpsc::channel::<Reply>();
        let stop = Arc::new(AtomicBool::new(false));
        let docker = client.is_some();
        let (c, r) = (client.clone(), reply_tx.clone());
        let spawned = std::thread::Builder::new()
            .name("vigil-containers".into())
            .spawn(move || lookup_loop(req_rx, r, c, proc_root));
        if let Err(e) = spawned {
            self.warnings.push(format!("container metadata thread: {e}"));
            return;
        }
        if let Some(client) = client {
            let s = stop.clone();
            let spawned = std::thread::Builder::new()
                .name("vigil-docker-events".into())
                .spawn(move || events_loop(client, reply_tx, s));
            if let Err(e) = spawned {
                self.warnings.push(format!("docker event thread: {e}"));
            }
        }
        self.worker = Some(Worker { tx, rx, stop, docker });
    }

    /// Applies the worker's replies; never blocks.
    pub fn drain(&mut self) {
        let Some(w) = &self.worker else { return };
        while let Ok(reply) = w.rx.try_recv() {
            match reply {
                Reply::Info { id, info } => {
                    let Some(c) = self.by_id.get_mut(&id) else { continue };
                    self.stats.docker_lookups += 1;
                    c.meta = match info {
                        Ok(i) => ContainerMeta::Known(Arc::new(*i)),
                        Err(e) => {
                            self.stats.docker_failures += 1;
                            ContainerMeta::Unknown(e.into())
                        }
                    };
                }
                Reply::Users { id, users } => {
                    if let Some(c) = self.by_id.get_mut(&id) {
                        c.users = Some(Arc::new(users));
                    }
                }
                Reply::Dead { id } => {
                    if let Some(c) = self.by_id.get_mut(&id) {
                        c.dead = true;
                    }
                }
            }
        }
    }

    /// The shared id for `id`, registering the container (and asking for its metadata) the
    /// first time. `pid` is one of its processes.
    pub fn intern(&mut self, id: ContainerId, pid: u32) -> Arc<ContainerId> {
        if let Some(c) = self.by_id.get_mut(id.full()) {
            if c.pid == 0 {
                c.pid = pid;
            }
            let arc = c.id.clone();
            if !c.asked {
                self.ask(arc.full().to_owned());
            }
            return arc;
        }
        if self.by_id.len() >= self.max {
            self.evict();
        }
        let arc = Arc::new(id);
        let none = || -> Arc<str> { "no metadata source configured".into() };
        let meta = match &self.worker {
            None => ContainerMeta::Unknown(self.no_metadata.clone().unwrap_or_else(none)),
            Some(w) if !w.docker => ContainerMeta::Unknown(self.no_metadata.clone().unwrap_or_else(none)),
            Some(_) if !matches!(arc.runtime(), Runtime::Docker | Runtime::Podman) => {
                ContainerMeta::Unknown(format!("{} containers: no metadata source", arc.runtime()).into())
            }
            Some(_) => ContainerMeta::Pending,
        };
        let key = arc.full().to_owned();
        self.by_id.insert(
            key.clone(),
            Container {
                id: arc.clone(),
                meta,
                users: None,
                dead: false,
                pid,
                asked: false,
            },
        );
        self.order.push_back(key.clone());
        self.stats.containers = self.by_id.len();
        self.ask(key);
        arc
    }

    fn ask(&mut self, id: String) {
        let Some(w) = &self.worker else { return };
        let Some(c) = self.by_id.get_mut(&id) else { return };
        let inspect = w.docker && c.meta == ContainerMeta::Pending;
        match w.tx.try_send(Request::Lookup {
            id,
            pid: c.pid,
            inspect,
        }) {
            Ok(()) => c.asked = true,
            Err(TrySendError::Full(_)) => self.stats.queue_full += 1,
            Err(TrySendError::Disconnected(_)) => c.asked = true,
        }
    }

    /// Drops dead containers first, then the oldest.
    fn evict(&mut self) {
        let victim = self
            .order
            .iter()
            .position(|k| self.by_id.get(k).is_none_or(|c| c.dead))
            .unwrap_or(0);
        if let Some(k) = self.order.remove(victim) {
            if self.by_id.remove(&k).is_some() {
                self.stats.evictions += 1;
            }
        }
        self.stats.containers = self.by_id.len();
    }

    pub fn get(&self, full_id: &str) -> Option<&Container> {
        self.by_id.get(full_id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Container> {
        self.by_id.values()
    }

    /// Puts a container as a snapshot carried it.
    pub(crate) fn restore(&mut self, id: ContainerId, info: Option<ContainerInfo>, users: Option<Users>, dead: bool) {
        let arc = self.intern(id, 0);
        if let Some(c) = self.by_id.get_mut(arc.full()) {
            c.meta = match info {
                Some(i) => ContainerMeta::Known(Arc::new(i)),
                None => ContainerMeta::Unknown("not in the capture's snapshot".into()),
            };
            c.users = users.map(Arc::new);
            c.dead = dead;
            c.asked = true;
        }
    }

    /// Sets a container's user names (tests, replay).
    pub fn set_users(&mut self, full_id: &str, users: Users) {
        if let Some(c) = self.by_id.get_mut(full_id) {
            c.users = Some(Arc::new(users));
        }
    }

    /// Blocks until every reply for the requests sent so far has arrived, or `timeout`; for
    /// tests and for a CLI that wants metadata before printing.
    pub fn wait_idle(&mut self, timeout: Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            self.drain();
            let pending = self.by_id.values().any(|c| c.meta == ContainerMeta::Pending);
            if !pending {
                return true;
            }
            if std::time::Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn lookup_loop(rx: Receiver<Request>, tx: mpsc::Sender<Reply>, docker: Option<DockerClient>, proc_root: PathBuf) {
    for Request::Lookup { id, mut pid, inspect } in rx {
        if inspect {
            if let Some(client) = &docker {
                let info = client.inspect(&id).map(Box::new).map_err(|e| e.to_string());
                // The container's init process has the container's root for certain; the
                // process whose event revealed the container may be runc, not yet pivoted.
                if let Some(init) = info.as_ref().ok().and_then(|i| i.pid).filter(|p| *p != 0) {
                    pid = init;
                }
                if tx.send(Reply::Info { id: id.clone(), info }).is_err() {
                    return;
                }
            }
        }
        if pid != 0 {
            let users = Users::load(&proc_root.join(pid.to_string()).join("root"));
            if tx.send(Reply::Users { id, users }).is_err() {
                return;
            }
        }
    }
}

fn events_loop(client: DockerClient, tx: mpsc::Sender<Reply>, stop: Arc<AtomicBool>) {
    let client = client.with_timeout(Some(Duration::from_secs(30)));
    let mut backoff = Duration::from_millis(500);
    while !stop.load(Ordering::Relaxed) {
        let Ok(events) = client.events() else {
            std::thread::sleep(backoff);
            backoff = (backoff * 2).min(Duration::from_secs(30));
            continue;
        };
        backoff = Duration::from_millis(500);
        for e in events {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            let Ok(e) = e else { continue };
            let reply = match e.action.as_str() {
                "start" | "rename" => Reply::Info {
                    info: client.inspect(&e.id).map(Box::new).map_err(|err| err.to_string()),
                    id: e.id,
                },
                "die" | "destroy" => Reply::Dead { id: e.id },
                _ => continue,
            };
            if tx.send(reply).is_err() {
                return;
            }
        }
    }
}
