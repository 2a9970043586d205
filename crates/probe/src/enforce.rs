//! The enforcer: eBPF programs that block (see `bpf/enforce.bpf.c`).
//!
//! - [`Enforcer::kill_on_exec`]: processes of a container whose new image is one of the listed
//!   names are killed by `bpf_send_signal(SIGKILL)` from `sched_process_exec`, before they run an
//!   instruction of their own.
//! - [`Enforcer::deny_connect`]: `cgroup/connect4` and `cgroup/connect6` programs on the
//!   container's cgroup v2 directory refuse outbound connects (the caller gets EPERM) except to
//!   the allowed networks and ports; loopback is always allowed.
//!
//! Each kill and denial arrives as an [`EnforceEvent`] through [`Enforcer::poll`].

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::mem::MaybeUninit;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::os::fd::AsRawFd;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::str::FromStr;
use std::time::Duration;

use libbpf_rs::skel::{OpenSkel, SkelBuilder};
use libbpf_rs::{Link, MapCore, MapFlags, OpenObject, RingBuffer, RingBufferBuilder};

use crate::eskel;
use crate::ProbeError;

/// Longest image name matched at exec (the kernel's comm is 16 bytes with its NUL).
pub const EXEC_NAME_MAX: usize = 15;
/// Allowed destinations per protected container.
pub const ALLOW_MAX: usize = 16;
const CGROUP_DFL: u32 = 0xffff_ffff;
const EVENT_SIZE: usize = 80;
const POLICY_SIZE: usize = 8 + ALLOW_MAX * 24;

/// An allowed destination: a network (None: any address) and a port (None: any port).
///
/// Written `10.0.0.0/8`, `10.1.2.3`, `10.0.0.0/8:5432`, `*:53`, `fd00::/8`, `[fd00::/8]:443`,
/// `[::]/0:443`; an address without a prefix is a single host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allow {
    pub net: Option<(IpAddr, u8)>,
    pub port: Option<u16>,
}

/// Why an [`Allow`] did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an allowed destination (CIDR, CIDR:port, [v6/len]:port or *:port): {0:?}")]
pub struct AllowError(pub String);

impl FromStr for Allow {
    type Err = AllowError;

    fn from_str(s: &str) -> Result<Allow, AllowError> {
        let bad = || AllowError(s.to_owned());
        let s = s.trim();
        // Split off the port: after "]" for bracketed v6, else after the only ":" (v4, "*").
        let (net, port) = if let Some(rest) = s.strip_prefix('[') {
            let (inner, after) = rest.split_once(']').ok_or_else(bad)?;
            // "[v6]/len:port" or "[v6/len]:port"
            let (len_part, port) = match after.split_once(':') {
                Some((l, p)) => (l, Some(p)),
                None => (after, None),
            };
            (format!("{inner}{len_part}"), port)
        } else if s.matches(':').count() == 1 {
            let (n, p) = s.split_once(':').ok_or_else(bad)?;
            (n.to_owned(), Some(p))
        } else {
            (s.to_owned(), None)
        };
        let port = match port {
            Some(p) => Some(p.parse::<u16>().ok().filter(|&p| p != 0).ok_or_else(bad)?),
            None => None,
        };
        let net = match net.as_str() {
            "*" | "" => None,
            n => {
                let (addr, len) = match n.split_once('/') {
                    Some((a, l)) => (a, Some(l.parse::<u8>().map_err(|_| bad())?)),
                    None => (n, None),
                };
                let addr: IpAddr = addr.parse().map_err(|_| bad())?;
                let max = if addr.is_ipv4() { 32 } else { 128 };
                let len = len.unwrap_or(max);
                if len > max {
                    return Err(bad());
                }
                Some((addr, len))
            }
        };
        if net.is_none() && port.is_none() && s != "*" {
            return Err(bad());
        }
        Ok(Allow { net, port })
    }
}

impl fmt::Display for Allow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.net, self.port) {
            (None, None) => write!(f, "*"),
            (None, Some(p)) => write!(f, "*:{p}"),
            (Some((a @ IpAddr::V4(_), l)), None) => write!(f, "{a}/{l}"),
            (Some((a @ IpAddr::V4(_), l)), Some(p)) => write!(f, "{a}/{l}:{p}"),
            (Some((a @ IpAddr::V6(_), l)), None) => write!(f, "{a}/{l}"),
            (Some((a @ IpAddr::V6(_), l)), Some(p)) => write!(f, "[{a}/{l}]:{p}"),
        }
    }
}

impl Allow {
    /// The `struct ve_allow` bytes.
    fn to_bytes(self) -> [u8; 24] {
        let mut b = [0u8; 24];
        let (family, plen, words) = match self.net {
            None => (0u8, 0u8, [0u32; 4]),
            Some((IpAddr::V4(a), l)) => (4, l, [u32::from(a), 0, 0, 0]),
            Some((IpAddr::V6(a), l)) => {
                let o = a.octets();
                let w = |i: usize| u32::from_be_bytes([o[i], o[i + 1], o[i + 2], o[i + 3]]);
                (6, l, [w(0), w(4), w(8), w(12)])
            }
        };
        b[0] = family;
        b[1] = plen;
        b[2..4].copy_from_slice(&self.port.unwrap_or(0).to_ne_bytes());
        for (i, w) in words.iter().enumerate() {
            b[4 + i * 4..8 + i * 4].copy_from_slice(&w.to_ne_bytes());
        }
        b
    }
}

/// What the enforcer did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnforceAction {
    /// A process was sent SIGKILL at exec; `result` is `bpf_send_signal`'s return (0: sent).
    KillExec { name: String, result: i32 },
    /// A connect was refused with EPERM.
    DenyConnect { dest: SocketAddr, protocol: u16 },
}

/// One kill or denial, as the kernel reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnforceEvent {
    /// Boot-time nanoseconds (add [`crate::boot_to_wall_offset_ns`] for wall time).
    pub ts: u64,
    /// Kill: the process's cgroup id in the configured hierarchy; deny: the cgroup v2 id of the
    /// protected container.
    pub cgroup: u64,
    pub pid: u32,
    /// The caller's comm.
    pub comm: String,
    pub action: EnforceAction,
}

fn cstr(b: &[u8]) -> String {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    String::from_utf8_lossy(b.get(..end).unwrap_or_default()).into_owned()
}

impl EnforceEvent {
    /// Decodes a `struct ve_event`; None if it is not one.
    pub fn decode(b: &[u8]) -> Option<EnforceEvent> {
        let b: &[u8; EVENT_SIZE] = b.get(..EVENT_SIZE)?.try_into().ok()?;
        let u64_at = |o: usize| {
            u64::from_ne_bytes([
                b[o],
                b[o + 1],
                b[o + 2],
                b[o + 3],
                b[o + 4],
                b[o + 5],
                b[o + 6],
                b[o + 7],
            ])
        };
        let u32_at = |o: usize| u32::from_ne_bytes([b[o], b[o + 1], b[o + 2], b[o + 3]]);
        let u16_at = |o: usize| u16::from_ne_bytes([b[o], b[o + 1]]);
        // Offsets of struct ve_event (enforce.h); all below EVENT_SIZE, so the indexing holds.
        let (ts, cgroup, pid, kind) = (u64_at(0), u64_at(8), u32_at(16), u32_at(20));
        let result = u32_at(24) as i32;
        let (port, proto) = (u16_at(28), u16_at(30));
        let words = [u32_at(32), u32_at(36), u32_at(40), u32_at(44)];
        let name = cstr(&b[48..64]);
        let comm = cstr(&b[64..80]);
        let action = match kind {
            1 => EnforceAction::KillExec { name, result },
            2 => EnforceAction::DenyConnect {
                dest: SocketAddr::new(IpAddr::V4(Ipv4Addr::from(words[0])), port),
                protocol: proto,
            },
            3 => {
                let mut o = [0u8; 16];
                for (i, w) in words.iter().enumerate() {
                    o[i * 4..i * 4 + 4].copy_from_slice(&w.to_be_bytes());
                }
                EnforceAction::DenyConnect {
                    dest: SocketAddr::new(IpAddr::V6(Ipv6Addr::from(o)), port),
                    protocol: proto,
                }
            }
            _ => return None,
        };
        Some(EnforceEvent {
            ts,
            cgroup,
            pid,
            comm,
            action,
        })
    }
}

/// The enforcer's kernel counters, summed over CPUs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EnforceCounters {
    pub killed: u64,
    pub kill_failed: u64,
    pub denied: u64,
    /// Events lost because the ring buffer was full (the kill or denial still happened).
    pub ring_full: u64,
    /// Ring buffer records that did not decode (none expected).
    pub undecoded: u64,
}

/// How the enforcer keys containers.
#[derive(Debug, Clone)]
pub struct EnforcerConfig {
    /// The cgroup v1 subsystem index whose ids [`Enforcer::kill_on_exec`] takes, or None for
    /// cgroup v2: the same choice as [`crate::ProbeConfig::cgroup_subsys`], so the ids in
    /// capture records can be passed as they are.
    pub cgroup_subsys: Option<u32>,
}

impl Default for EnforcerConfig {
    fn default() -> Self {
        EnforcerConfig {
            cgroup_subsys: crate::env::default_cgroup_subsys(),
        }
    }
}

type Pending = Rc<RefCell<(Vec<EnforceEvent>, u64)>>;

/// The loaded enforcer. The exec program is attached from the start (one hash lookup per exec
/// while no rule is set); connect programs are attached per protected container.
pub struct Enforcer {
    // Field order is drop order: the ring buffer and links go before the skeleton.
    ring: RingBuffer<'static>,
    _exec_link: Link,
    connect: HashMap<u64, (PathBuf, [Link; 2])>,
    skel: eskel::EnforceSkel<'static>,
    pending: Pending,
    ncpus: usize,
}

impl fmt::Debug for Enforcer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Enforcer")
            .field("protected", &self.connect.len())
            .finish_non_exhaustive()
    }
}

fn map_err(map: &'static str) -> impl Fn(libbpf_rs::Error) -> ProbeError {
    move |e| ProbeError::Map {
        map,
        msg: e.to_string(),
    }
}

/// The `struct ve_exec_key` for a name; names are cut to [`EXEC_NAME_MAX`] bytes as the kernel
/// cuts comm.
fn exec_key(cgroup: u64, name: &str) -> Result<[u8; 24], ProbeError> {
    if name.is_empty() || name.contains('/') || name.contains('\0') {
        return Err(ProbeError::Map {
            map: "ve_exec_kill",
            msg: format!("{name:?} is not a program name (no '/', not empty)"),
        });
    }
    let mut k = [0u8; 24];
    k[..8].copy_from_slice(&cgroup.to_ne_bytes());
    let n = name.len().min(EXEC_NAME_MAX);
    k[8..8 + n].copy_from_slice(&name.as_bytes()[..n]);
    Ok(k)
}

impl Enforcer {
    /// Checks the environment, loads the programs and attaches the exec program.
    pub fn start(cfg: &EnforcerConfig) -> Result<Enforcer, ProbeError> {
        crate::check_environment()?;
        // As for the probe: the open object lives as long as the enforcer; leaked once per start.
        let storage: &'static mut MaybeUninit<OpenObject> = Box::leak(Box::new(MaybeUninit::uninit()));
        let mut open = eskel::EnforceSkelBuilder::default()
            .open(storage)
            .map_err(|e| ProbeError::Open(e.to_string()))?;
        if let Some(ro) = open.maps.rodata_data.as_deref_mut() {
            ro.ve_cfg.cgroup_subsys = cfg.cgroup_subsys.unwrap_or(CGROUP_DFL);
        }
        let skel = open.load().map_err(|e| ProbeError::Load(e.to_string()))?;
        let exec_link = skel.progs.vg_kill_exec.attach().map_err(|e| ProbeError::Attach {
            program: "sched_process_exec (enforcer)",
            msg: e.to_string(),
        })?;
        let pending: Pending = Rc::default();
        let sink = Rc::clone(&pending);
        let mut rb = RingBufferBuilder::new();
        rb.add(&skel.maps.ve_events, move |rec: &[u8]| {
            let mut p = sink.borrow_mut();
            match EnforceEvent::decode(rec) {
                Some(e) => p.0.push(e),
                None => p.1 += 1,
            }
            0
        })
        .map_err(|e| ProbeError::Ring(e.to_string()))?;
        let ring = rb.build().map_err(|e| ProbeError::Ring(e.to_string()))?;
        Ok(Enforcer {
            ring,
            _exec_link: exec_link,
            connect: HashMap::new(),
            skel,
            pending,
            ncpus: libbpf_rs::num_possible_cpus().unwrap_or(1),
        })
    }

    /// Kill, at exec, processes in cgroup `container_cgroup_id` (the configured hierarchy's id,
    /// as capture records carry it) whose image is one of `names` (a basename such as "sh":
    /// matched against the name executed and the executable file's own name).
    pub fn kill_on_exec(&mut self, container_cgroup_id: u64, names: &[&str]) -> Result<(), ProbeError> {
        for name in names {
            let k = exec_key(container_cgroup_id, name)?;
            self.skel
                .maps
                .ve_exec_kill
                .update(&k, &1u32.to_ne_bytes(), MapFlags::ANY)
                .map_err(map_err("ve_exec_kill"))?;
        }
        Ok(())
    }

    /// Stops killing `names` in `container_cgroup_id`; names not set are ignored.
    pub fn remove_kill_on_exec(&mut self, container_cgroup_id: u64, names: &[&str]) -> Result<(), ProbeError> {
        for name in names {
            let k = exec_key(container_cgroup_id, name)?;
            match self.skel.maps.ve_exec_kill.delete(&k) {
                Ok(()) => {}
                Err(e) if e.kind() == libbpf_rs::ErrorKind::NotFound => {}
                Err(e) => return Err(map_err("ve_exec_kill")(e)),
            }
        }
        Ok(())
    }

    /// Refuses outbound connects from the processes in cgroup v2 directory `cgroup_dir` (and
    /// below it) except to `allow`; returns the directory's cgroup v2 id. Calling it again for
    /// the same directory replaces the allowed list.
    pub fn deny_connect(&mut self, cgroup_dir: &Path, allow: &[Allow]) -> Result<u64, ProbeError> {
        if allow.len() > ALLOW_MAX {
            return Err(ProbeError::Map {
                map: "ve_connect_policy",
                msg: format!("{} allowed destinations, at most {ALLOW_MAX}", allow.len()),
            });
        }
        let dir = File::open(cgroup_dir).map_err(|e| ProbeError::Attach {
            program: "cgroup/connect4",
            msg: format!("{}: {e}", cgroup_dir.display()),
        })?;
        let id = dir.metadata().map(|m| m.ino()).map_err(|e| ProbeError::Attach {
            program: "cgroup/connect4",
            msg: format!("{}: {e}", cgroup_dir.display()),
        })?;
        let mut policy = vec![0u8; POLICY_SIZE];
        policy[..4].copy_from_slice(&(allow.len() as u32).to_ne_bytes());
        for (i, a) in allow.iter().enumerate() {
            policy[8 + i * 24..32 + i * 24].copy_from_slice(&a.to_bytes());
        }
        // The policy goes in first: the programs deny nothing until it is there.
        self.skel
            .maps
            .ve_connect_policy
            .update(&id.to_ne_bytes(), &policy, MapFlags::ANY)
            .map_err(map_err("ve_connect_policy"))?;
        if self.connect.contains_key(&id) {
            return Ok(id);
        }
        let attach = |p: &mut libbpf_rs::ProgramMut<'_>, program: &'static str| {
            p.attach_cgroup(dir.as_raw_fd()).map_err(|e| ProbeError::Attach {
                program,
                msg: format!("{}: {e}", cgroup_dir.display()),
            })
        };
        let l4 = attach(&mut self.skel.progs.vg_deny_connect4, "cgroup/connect4");
        let l6 = attach(&mut self.skel.progs.vg_deny_connect6, "cgroup/connect6");
        match (l4, l6) {
            (Ok(l4), Ok(l6)) => {
                self.connect.insert(id, (cgroup_dir.to_owned(), [l4, l6]));
                Ok(id)
            }
            (Err(e), _) | (_, Err(e)) => {
                let _ = self.skel.maps.ve_connect_policy.delete(&id.to_ne_bytes());
                Err(e)
            }
        }
    }

    /// Lifts `deny_connect` from a cgroup v2 directory (by the id `deny_connect` returned).
    /// Returns false if it was not protected.
    pub fn remove_deny_connect(&mut self, cgroup_v2_id: u64) -> Result<bool, ProbeError> {
        let Some((_dir, links)) = self.connect.remove(&cgroup_v2_id) else {
            return Ok(false);
        };
        drop(links);
        match self.skel.maps.ve_connect_policy.delete(&cgroup_v2_id.to_ne_bytes()) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == libbpf_rs::ErrorKind::NotFound => Ok(true),
            Err(e) => Err(map_err("ve_connect_policy")(e)),
        }
    }

    /// The cgroup v2 directories under `deny_connect`, with their ids.
    pub fn protected(&self) -> impl Iterator<Item = (u64, &Path)> {
        self.connect.iter().map(|(id, (dir, _))| (*id, dir.as_path()))
    }

    /// Waits up to `timeout` for kills and denials and hands each to `f`; returns how many.
    pub fn poll(&mut self, timeout: Duration, f: &mut dyn FnMut(&EnforceEvent)) -> Result<usize, ProbeError> {
        if let Err(e) = self.ring.poll(timeout) {
            if e.kind() != libbpf_rs::ErrorKind::Interrupted {
                return Err(ProbeError::Ring(e.to_string()));
            }
        }
        let events = std::mem::take(&mut self.pending.borrow_mut().0);
        for e in &events {
            f(e);
        }
        Ok(events.len())
    }

    /// The kernel-side counters, summed over CPUs.
    pub fn counters(&self) -> EnforceCounters {
        let [killed, kill_failed, denied, ring_full] = crate::percpu_sums(&self.skel.maps.ve_counters, self.ncpus);
        EnforceCounters {
            undecoded: self.pending.borrow().1,
            killed,
            kill_failed,
            denied,
            ring_full,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_forms() {
        let a = |s: &str| s.parse::<Allow>().unwrap();
        assert_eq!(
            a("10.0.0.0/8"),
            Allow {
                net: Some(("10.0.0.0".parse().unwrap(), 8)),
                port: None
            }
        );
        assert_eq!(a("10.1.2.3").net, Some(("10.1.2.3".parse().unwrap(), 32)));
        assert_eq!(a("10.0.0.0/8:5432").port, Some(5432));
        assert_eq!(
            a("*:53"),
            Allow {
                net: None,
                port: Some(53)
            }
        );
        assert_eq!(a("fd00::/8").net, Some(("fd00::".parse().unwrap(), 8)));
        assert_eq!(a("[fd00::/8]:443").port, Some(443));
        assert_eq!(a("[::1]:53").net, Some(("::1".parse().unwrap(), 128)));
        assert_eq!(a("[::]/0:443").net, Some(("::".parse().unwrap(), 0)));
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "1.2.3.4:0",
            "1.2.3.4:x",
            "nope",
            "[::1",
            "1.2.3.4/8/8",
        ] {
            assert!(bad.parse::<Allow>().is_err(), "{bad}");
        }
        for s in ["10.0.0.0/8", "10.0.0.0/8:5432", "*:53", "[fd00::/8]:443", "fd00::/8"] {
            assert_eq!(a(&a(s).to_string()), a(s), "{s}");
        }
    }

    #[test]
    fn allow_bytes_are_ve_allow() {
        let b = "10.1.0.0/16:5432".parse::<Allow>().unwrap().to_bytes();
        assert_eq!((b[0], b[1]), (4, 16));
        assert_eq!(u16::from_ne_bytes([b[2], b[3]]), 5432);
        assert_eq!(u32::from_ne_bytes([b[4], b[5], b[6], b[7]]), 0x0a01_0000);
        let b = "[2001:db8::1/128]:443".parse::<Allow>().unwrap().to_bytes();
        assert_eq!(b[0], 6);
        assert_eq!(u32::from_ne_bytes([b[4], b[5], b[6], b[7]]), 0x2001_0db8);
        assert_eq!(u32::from_ne_bytes([b[16], b[17], b[18], b[19]]), 1);
    }

    #[test]
    fn exec_keys() {
        let k = exec_key(7, "sh").unwrap();
        assert_eq!(&k[..8], &7u64.to_ne_bytes());
        assert_eq!(&k[8..11], b"sh\0");
        let long = exec_key(7, "a-very-long-program-name").unwrap();
        assert_eq!(&long[8..23], b"a-very-long-pro");
        assert_eq!(long[23], 0);
        assert!(exec_key(7, "").is_err());
        assert!(exec_key(7, "/bin/sh").is_err());
    }

    #[test]
    fn events_decode() {
        let mut b = [0u8; EVENT_SIZE];
        b[0..8].copy_from_slice(&5u64.to_ne_bytes());
        b[8..16].copy_from_slice(&937u64.to_ne_bytes());
        b[16..20].copy_from_slice(&42u32.to_ne_bytes());
        b[20..24].copy_from_slice(&2u32.to_ne_bytes());
        b[28..30].copy_from_slice(&8080u16.to_ne_bytes());
        b[30..32].copy_from_slice(&6u16.to_ne_bytes());
        b[32..36].copy_from_slice(&0xac11_0001u32.to_ne_bytes());
        b[64..66].copy_from_slice(b"nc");
        let e = EnforceEvent::decode(&b).unwrap();
        assert_eq!((e.ts, e.cgroup, e.pid, e.comm.as_str()), (5, 937, 42, "nc"));
        assert_eq!(
            e.action,
            EnforceAction::DenyConnect {
                dest: "172.17.0.1:8080".parse().unwrap(),
                protocol: 6
            }
        );
        b[20..24].copy_from_slice(&1u32.to_ne_bytes());
        b[48..50].copy_from_slice(b"sh");
        assert_eq!(
            EnforceEvent::decode(&b).unwrap().action,
            EnforceAction::KillExec {
                name: "sh".into(),
                result: 0
            }
        );
        b[20..24].copy_from_slice(&9u32.to_ne_bytes());
        assert_eq!(EnforceEvent::decode(&b), None);
        assert_eq!(EnforceEvent::decode(&b[..10]), None);
    }
}
