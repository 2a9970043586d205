//! Vigil's kernel probe: eBPF programs on tracepoints (`raw_syscalls:sys_enter/sys_exit`,
//! `sched:sched_process_exec/fork/exit`), written in C with CO-RE and compiled by clang in
//! build.rs, loaded with libbpf-rs. Records arrive through a BPF ring buffer in the layout of
//! [`vigil_capture::abi`]; [`Probe`] is a [`CaptureSource`].
//!
//! ```no_run
//! use std::time::Duration;
//! use vigil_capture::{CaptureSource, Event, Flow};
//! let mut probe = vigil_probe::Probe::start(&vigil_probe::ProbeConfig::default()).unwrap();
//! probe.next_batch(Duration::from_millis(100), &mut |rec| {
//!     if let Ok(ev) = Event::decode(rec) { println!("{} {}", ev.pid, ev.name()); }
//!     Flow::Continue
//! }).unwrap();
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod cgroups;
mod enforce;
mod env;

#[allow(
    dead_code,
    unused_imports,
    unsafe_code,
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used
)]
mod skel {
    include!(concat!(env!("OUT_DIR"), "/vigil.skel.rs"));
}

#[allow(
    dead_code,
    unused_imports,
    unsafe_code,
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used
)]
mod eskel {
    include!(concat!(env!("OUT_DIR"), "/enforce.skel.rs"));
}

use std::cell::RefCell;
use std::mem::MaybeUninit;
use std::rc::Rc;
use std::time::Duration;

use libbpf_rs::skel::{OpenSkel, SkelBuilder};
use libbpf_rs::{MapCore, MapFlags, OpenObject, RingBuffer, RingBufferBuilder};
use vigil_capture::abi::{self, CGROUP_DFL, MAX_SYSCALLS, RECORD_MAX};
use vigil_capture::source::{CaptureSource, Counters, Flow, SourceError};
use vigil_capture::syscalls::{Syscall, SYSCALLS};

pub use cgroups::{subsys_name, CgroupError, ProcessCgroups};
pub use enforce::{
    Allow, AllowError, EnforceAction, EnforceCounters, EnforceEvent, Enforcer, EnforcerConfig, ALLOW_MAX, EXEC_NAME_MAX,
};
pub use env::{check_environment, default_cgroup_subsys, kernel_release, EnvError};

/// Why the probe could not start. Each names the missing piece.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProbeError {
    #[error(transparent)]
    Env(#[from] EnvError),
    #[error("ring buffer size {0} is not a power of two of at least 4096 bytes")]
    RingSize(usize),
    #[error("opening the eBPF object failed: {0}")]
    Open(String),
    #[error("loading the eBPF programs into the kernel failed (the verifier's log is above on stderr): {0}")]
    Load(String),
    #[error("attaching eBPF program {program} failed: {msg}")]
    Attach { program: &'static str, msg: String },
    #[error("the probe was built for record ABI {probe}, this build reads {ours}")]
    Abi { probe: u32, ours: u16 },
    #[error("filling the probe's {map} map failed: {msg}")]
    Map { map: &'static str, msg: String },
    #[error("reading the ring buffer failed: {0}")]
    Ring(String),
}

/// What to capture and how.
#[derive(Debug, Clone)]
pub struct ProbeConfig {
    /// Ring buffer bytes, a power of two (Falco's default is 8 MiB).
    pub ring_bytes: usize,
    /// The syscalls to capture; every other one is dropped in the kernel after one map lookup.
    pub syscalls: Vec<&'static Syscall>,
    /// The cgroup v1 subsystem index whose hierarchy names containers, or None for cgroup v2.
    pub cgroup_subsys: Option<u32>,
    /// Wake the reader when this many bytes are waiting; below that, the reader's poll
    /// timeout picks records up (a wake-up per event doubles the cost on small VMs).
    pub wakeup_bytes: u64,
    /// Drop events of this process (the sensor's own).
    pub exclude_pid: Option<u32>,
    /// Read the open family's path and connect's address at syscall entry (the default), so
    /// another thread cannot change them between the kernel's use and ours. Off: everything is
    /// read at exit and `sys_enter` is not attached at all, which halves the fixed cost every
    /// syscall pays while the probe is loaded.
    pub entry_args: bool,
}

impl Default for ProbeConfig {
    fn default() -> Self {
        ProbeConfig {
            ring_bytes: 8 << 20,
            syscalls: SYSCALLS.iter().collect(),
            cgroup_subsys: env::default_cgroup_subsys(),
            wakeup_bytes: 256 * 1024,
            exclude_pid: Some(std::process::id()),
            entry_args: true,
        }
    }
}

/// Records copied out of the ring buffer by its callback, handed to the consumer after.
/// One copy per record into a buffer that is reused, so no allocation per event once warm.
#[derive(Default)]
struct Batch {
    data: Vec<u8>,
    ends: Vec<u32>,
}

/// The loaded, attached probe.
pub struct Probe {
    // Field order is drop order: the ring buffer borrows the skeleton's map.
    ring: RingBuffer<'static>,
    links: Vec<libbpf_rs::Link>,
    skel: skel::VigilSkel<'static>,
    batch: Rc<RefCell<Batch>>,
    received: u64,
    ncpus: usize,
}

impl std::fmt::Debug for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Probe")
            .field("received", &self.received)
            .finish_non_exhaustive()
    }
}

/// The descriptor as loaded: without entry-time reads, the stashed argument is read at exit.
fn effective(s: &Syscall, entry_args: bool) -> Syscall {
    let mut s = *s;
    if !entry_args {
        if s.dflags & abi::dflag::ENTER_SOCKADDR != 0 {
            s.special = abi::special::SOCKADDR;
            s.sa_arg = s.enter_arg;
        }
        s.dflags &= !(abi::dflag::ENTER_STR | abi::dflag::ENTER_SOCKADDR);
    }
    s
}

fn sysdesc_bytes(s: &Syscall) -> [u8; abi::SYSDESC_SIZE] {
    let mut b = [0u8; abi::SYSDESC_SIZE];
    b[0..2].copy_from_slice(&s.kind.to_le_bytes());
    b[2] = s.strmask;
    b[3] = s.special;
    b[4] = s.sa_arg;
    b[5] = s.enter_arg;
    b[6..8].copy_from_slice(&s.dflags.to_le_bytes());
    b
}

impl Probe {
    /// Checks the environment, loads the programs, fills the syscall table and attaches.
    pub fn start(cfg: &ProbeConfig) -> Result<Probe, ProbeError> {
        check_environment()?;
        if cfg.ring_bytes < 4096 || !cfg.ring_bytes.is_power_of_two() || cfg.ring_bytes > (1 << 30) {
            return Err(ProbeError::RingSize(cfg.ring_bytes));
        }
        // The open object must outlive the skeleton, which borrows it for 'static because the
        // probe lives as long as the sensor; a few hundred bytes, leaked once per start.
        let storage: &'static mut MaybeUninit<OpenObject> = Box::leak(Box::new(MaybeUninit::uninit()));
        let builder = skel::VigilSkelBuilder::default();
        let mut open = builder.open(storage).map_err(|e| ProbeError::Open(e.to_string()))?;
        if let Some(ro) = open.maps.rodata_data.as_deref_mut() {
            ro.vg_cfg.cgroup_subsys = cfg.cgroup_subsys.unwrap_or(CGROUP_DFL);
            ro.vg_cfg.self_pid = cfg.exclude_pid.unwrap_or(0);
            ro.vg_cfg.wakeup_bytes = cfg.wakeup_bytes;
            if ro.vg_abi_version != u32::from(abi::ABI_VERSION) {
                return Err(ProbeError::Abi {
                    probe: ro.vg_abi_version,
                    ours: abi::ABI_VERSION,
                });
            }
        }
        open.maps
            .vg_events
            .set_max_entries(cfg.ring_bytes as u32)
            .map_err(|e| ProbeError::Open(e.to_string()))?;
        let syscalls: Vec<Syscall> = cfg.syscalls.iter().map(|s| effective(s, cfg.entry_args)).collect();
        let needs_enter = syscalls
            .iter()
            .any(|s| s.dflags & (abi::dflag::ENTER_STR | abi::dflag::ENTER_SOCKADDR) != 0);
        if !needs_enter {
            // No argument must be read at entry: leave sys_enter out entirely.
            open.progs.vg_sys_enter.set_autoload(false);
        }
        let mut skel = open.load().map_err(|e| ProbeError::Load(e.to_string()))?;

        for s in &syscalls {
            if (s.nr as usize) < MAX_SYSCALLS {
                skel.maps
                    .vg_syscalls
                    .update(&s.nr.to_ne_bytes(), &sysdesc_bytes(s), MapFlags::ANY)
                    .map_err(|e| ProbeError::Map {
                        map: "vg_syscalls",
                        msg: e.to_string(),
                    })?;
            }
        }

        let attach = |p: &mut libbpf_rs::ProgramMut<'_>, name: &'static str| -> Result<libbpf_rs::Link, ProbeError> {
            p.attach().map_err(|e| ProbeError::Attach {
                program: name,
                msg: e.to_string(),
            })
        };
        // Attach the lifecycle programs first: state is right before syscalls reference it.
        let mut links = vec![
            attach(&mut skel.progs.vg_exec, "sched_process_exec")?,
            attach(&mut skel.progs.vg_fork, "sched_process_fork")?,
            attach(&mut skel.progs.vg_exit, "sched_process_exit")?,
        ];
        if needs_enter {
            links.push(attach(&mut skel.progs.vg_sys_enter, "raw_syscalls:sys_enter")?);
        }
        links.push(attach(&mut skel.progs.vg_sys_exit, "raw_syscalls:sys_exit")?);
        let batch = Rc::new(RefCell::new(Batch::default()));
        let sink = Rc::clone(&batch);
        let mut rb = RingBufferBuilder::new();
        rb.add(&skel.maps.vg_events, move |rec: &[u8]| {
            let mut b = sink.borrow_mut();
            b.data.extend_from_slice(rec);
            let end = b.data.len() as u32;
            b.ends.push(end);
            0
        })
        .map_err(|e| ProbeError::Ring(e.to_string()))?;
        let ring = rb.build().map_err(|e| ProbeError::Ring(e.to_string()))?;
        let ncpus = libbpf_rs::num_possible_cpus().unwrap_or(1);
        Ok(Probe {
            ring,
            links,
            skel,
            batch,
            received: 0,
            ncpus,
        })
    }

    /// The kernel-side counters, summed over CPUs.
    pub fn kernel_counters(&self) -> Counters {
        let [seen, sent, drop_full, drop_size, drop_read, stash_miss] =
            percpu_sums(&self.skel.maps.vg_counters, self.ncpus);
        Counters {
            seen,
            sent,
            drop_full,
            drop_size,
            drop_read,
            stash_miss,
            ..Counters::default()
        }
    }

    /// Programs attached (for the start-up message).
    pub fn programs(&self) -> usize {
        self.links.len()
    }
}

impl CaptureSource for Probe {
    fn next_batch(
        &mut self,
        timeout: Duration,
        f: &mut dyn FnMut(&[u8]) -> Flow,
    ) -> Result<Option<usize>, SourceError> {
        // poll() returns early when the kernel forces a wake-up (the buffer is filling up);
        // otherwise it waits out the timeout, and consume() collects what arrived silently.
        if let Err(e) = self.ring.poll(timeout) {
            if e.kind() != libbpf_rs::ErrorKind::Interrupted {
                return Err(SourceError::Other(format!("ring buffer poll: {e}")));
            }
        }
        if self.batch.borrow().ends.is_empty() {
            let _ = self.ring.consume_raw_n(RECORD_MAX);
        }
        let mut b = self.batch.borrow_mut();
        let mut start = 0usize;
        let mut n = 0usize;
        let mut stopped = false;
        for &end in &b.ends {
            let end = end as usize;
            n += 1;
            if !stopped && f(&b.data[start..end]) == Flow::Stop {
                stopped = true;
            }
            start = end;
        }
        self.received += n as u64;
        b.data.clear();
        b.ends.clear();
        Ok(Some(n))
    }

    fn stop(&mut self) {
        // Detaching the programs: no record is started after this, so sent == received
        // once the ring buffer is drained.
        self.links.clear();
    }

    fn counters(&self) -> Counters {
        let mut c = self.kernel_counters();
        c.received = self.received;
        c
    }
}

/// The `N` u64 counters at key 0 of a per-CPU array map, each summed over the CPUs; zeros when
/// the map cannot be read (counters are reported, never fatal).
pub(crate) fn percpu_sums<const N: usize>(map: &dyn MapCore, ncpus: usize) -> [u64; N] {
    let mut sums = [0u64; N];
    let Ok(Some(per_cpu)) = map.lookup_percpu(&0u32.to_ne_bytes(), MapFlags::ANY) else {
        return sums;
    };
    for v in per_cpu.iter().take(ncpus) {
        for (i, sum) in sums.iter_mut().enumerate() {
            *sum += v
                .get(i * 8..i * 8 + 8)
                .and_then(|b| b.try_into().ok())
                .map_or(0, u64::from_ne_bytes);
        }
    }
    sums
}

/// Nanoseconds to add to a record's boot-time timestamp to get nanoseconds since the Unix epoch.
pub fn boot_to_wall_offset_ns() -> i128 {
    fn now(clock: libc::clockid_t) -> i128 {
        let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: clock_gettime writes one timespec into the valid, exclusively borrowed `ts`.
        let rc = unsafe { libc::clock_gettime(clock, &mut ts) };
        if rc != 0 {
            return 0;
        }
        i128::from(ts.tv_sec) * 1_000_000_000 + i128::from(ts.tv_nsec)
    }
    now(libc::CLOCK_REALTIME) - now(libc::CLOCK_BOOTTIME)
}
