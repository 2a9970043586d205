//! A process table bootstrapped from `/proc`, kept bounded as processes come and go.
//!
//! Everything under `/proc/<pid>` is read relative to a root directory, so tests can build a
//! synthetic tree. Processes vanish while they are read: a pid whose files disappear is
//! skipped and counted, never an error for the whole bootstrap.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::container_id::{container_id_from_proc_cgroup, ContainerId};

/// Clock ticks per second of `/proc/<pid>/stat` times. Linux fixes USER_HZ at 100 on every
/// architecture it exports to userspace, which is what `sysconf(_SC_CLK_TCK)` returns.
pub const CLK_TCK: u64 = 100;
/// Most bytes of `/proc/<pid>/cmdline` read.
pub const MAX_CMDLINE: u64 = 16 * 1024;
/// Most arguments kept from a command line.
pub const MAX_ARGS: usize = 1024;
/// Most bytes read from the small text files (`stat`, `status`, `cgroup`).
const MAX_SMALL: u64 = 64 * 1024;
/// Deepest ancestor chain walked.
pub const MAX_ANCESTORS: usize = 256;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProcError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path}: malformed: {what}")]
    Malformed { path: PathBuf, what: &'static str },
}

impl ProcError {
    /// True when the process is gone (its directory or files vanished mid-read).
    pub fn is_vanished(&self) -> bool {
        match self {
            ProcError::Io { source, .. } => {
                source.kind() == io::ErrorKind::NotFound || source.raw_os_error() == Some(3)
                // ESRCH
            }
            ProcError::Malformed { .. } => false,
        }
    }
}

/// What Vigil knows about one process (thread group).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Process {
    pub pid: u32,
    pub ppid: u32,
    /// Threads in the group (`Threads:` / stat field 20).
    pub threads: u32,
    /// `comm`, at most 15 bytes, may hold spaces and parentheses.
    pub comm: String,
    /// The resolved executable path (`readlink /proc/<pid>/exe`); None for kernel threads or
    /// when not permitted.
    pub exe: Option<String>,
    /// The command line split on NUL, capped at [`MAX_ARGS`] and [`MAX_CMDLINE`] bytes.
    pub argv: Vec<String>,
    pub cwd: Option<String>,
    /// `tty_nr` from stat (0: no controlling terminal).
    pub tty: u32,
    pub uid: u32,
    pub euid: u32,
    pub gid: u32,
    pub egid: u32,
    /// None when unset (4294967295).
    pub loginuid: Option<u32>,
    pub cap_effective: u64,
    pub cap_permitted: u64,
    pub cap_bounding: u64,
    pub cap_inheritable: u64,
    /// Session id (stat field 6).
    pub sid: u32,
    /// The pid in the process's own pid namespace (last `NSpid:` value).
    pub vpid: u32,
    /// Start time in nanoseconds since boot.
    pub start_ns: u64,
    /// None for host processes.
    pub container: Option<ContainerId>,
    /// Nanoseconds since boot at which it exited, once it has.
    pub exited_ns: Option<u64>,
}

/// Reads one process from `<proc_root>/<pid>`.
pub fn read_process(proc_root: &Path, pid: u32) -> Result<Process, ProcError> {
    let dir = proc_root.join(pid.to_string());
    let stat_path = dir.join("stat");
    let stat = read_small(&stat_path)?;
    let mut p = parse_stat(&stat).ok_or(ProcError::Malformed {
        path: stat_path,
        what: "stat",
    })?;
    p.pid = pid;
    let status_path = dir.join("status");
    let status = read_small(&status_path)?;
    parse_status(&status, &mut p);
    p.exe = readlink(&dir.join("exe"));
    p.cwd = readlink(&dir.join("cwd"));
    p.argv = read_cmdline(&dir.join("cmdline"))?;
    p.loginuid = read_small(&dir.join("loginuid"))
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok())
        .filter(|&u| u != u32::MAX);
    if let Ok(cg) = read_small(&dir.join("cgroup")) {
        p.container = container_id_from_proc_cgroup(&cg);
    }
    Ok(p)
}

fn read_small(path: &Path) -> Result<String, ProcError> {
    let mut buf = Vec::new();
    fs::File::open(path)
        .and_then(|f| f.take(MAX_SMALL).read_to_end(&mut buf))
        .map_err(|source| ProcError::Io {
            path: path.to_owned(),
            source,
        })?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

fn readlink(path: &Path) -> Option<String> {
    fs::read_link(path).ok().map(|p| p.to_string_lossy().into_owned())
}

fn read_cmdline(path: &Path) -> Result<Vec<String>, ProcError> {
    let mut buf = Vec::new();
    fs::File::open(path)
        .and_then(|f| f.take(MAX_CMDLINE).read_to_end(&mut buf))
        .map_err(|source| ProcError::Io {
            path: path.to_owned(),
            source,
        })?;
    Ok(split_cmdline(&buf))
}

/// Splits a NUL-separated command line; a trailing NUL does not add an empty argument.
pub fn split_cmdline(buf: &[u8]) -> Vec<String> {
    let buf = buf.strip_suffix(b"\0").unwrap_or(buf);
    if buf.is_empty() {
        return Vec::new();
    }
    buf.split(|&b| b == 0)
        .take(MAX_ARGS)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}

/// Parses `/proc/<pid>/stat`. `comm` sits between the first `(` and the LAST `)`, since it
/// may itself hold parentheses and spaces; fields after it are counted from field 3 (state).
pub fn parse_stat(stat: &str) -> Option<Process> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let comm = stat.get(open + 1..close)?;
    let rest: Vec<&str> = stat.get(close + 1..)?.split_ascii_whitespace().collect();
    // rest[0] is field 3 (state), so field N is rest[N - 3].
    let field = |n: usize| rest.get(n - 3).and_then(|s| s.parse::<u64>().ok());
    let ticks = field(22)?;
    Some(Process {
        pid: stat.get(..open)?.trim().parse().ok()?,
        comm: comm.to_owned(),
        ppid: u32::try_from(field(4)?).ok()?,
        tty: rest.get(4).and_then(|s| s.parse::<i64>().ok()).map_or(0, |t| t as u32),
        sid: field(6).and_then(|t| u32::try_from(t).ok()).unwrap_or(0),
        threads: field(20).and_then(|t| u32::try_from(t).ok()).unwrap_or(1),
        start_ns: ticks.saturating_mul(1_000_000_000 / CLK_TCK),
        ..Process::default()
    })
}

/// Fills ids, capabilities and the thread count from `/proc/<pid>/status`.
pub fn parse_status(status: &str, p: &mut Process) {
    for line in status.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let mut nums = value.split_ascii_whitespace();
        match key {
            "Uid" => {
                p.uid = nums.next().and_then(|v| v.parse().ok()).unwrap_or(p.uid);
                p.euid = nums.next().and_then(|v| v.parse().ok()).unwrap_or(p.euid);
            }
            "Gid" => {
                p.gid = nums.next().and_then(|v| v.parse().ok()).unwrap_or(p.gid);
                p.egid = nums.next().and_then(|v| v.parse().ok()).unwrap_or(p.egid);
            }
            "NSpid" => {
                p.vpid = value
                    .split_ascii_whitespace()
                    .last()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(p.vpid)
            }
            "Threads" => p.threads = nums.next().and_then(|v| v.parse().ok()).unwrap_or(p.threads),
            "CapEff" | "CapPrm" | "CapBnd" | "CapInh" => {
                let Some(v) = nums.next().and_then(|v| u64::from_str_radix(v, 16).ok()) else {
                    continue;
                };
                match key {
                    "CapEff" => p.cap_effective = v,
                    "CapPrm" => p.cap_permitted = v,
                    "CapInh" => p.cap_inheritable = v,
                    _ => p.cap_bounding = v,
                }
            }
            _ => {}
        }
    }
}

/// Live processes by pid, with a maximum size.
#[derive(Debug)]
pub struct ProcessTable {
    procs: HashMap<u32, Process>,
    max: usize,
    /// Inserts refused because the table was full of live processes.
    pub dropped: u64,
    /// Pids skipped at bootstrap because they vanished or were unreadable.
    pub skipped: u64,
}

impl ProcessTable {
    pub fn new(max: usize) -> Self {
        ProcessTable {
            procs: HashMap::new(),
            max,
            dropped: 0,
            skipped: 0,
        }
    }

    /// Reads every numeric directory of `proc_root` (normally `/proc`).
    pub fn bootstrap(proc_root: &Path, max: usize) -> Result<Self, ProcError> {
        let mut table = ProcessTable::new(max);
        let entries = fs::read_dir(proc_root).map_err(|source| ProcError::Io {
            path: proc_root.to_owned(),
            source,
        })?;
        for entry in entries.flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
                continue;
            };
            match read_process(proc_root, pid) {
                Ok(p) => table.insert(p),
                Err(_) => table.skipped += 1,
            }
        }
        Ok(table)
    }

    /// Adds or replaces a process (fork, exec). When the table is full, exited processes are
    /// reaped first; if it is still full the insert is dropped and counted.
    pub fn insert(&mut self, p: Process) {
        if self.procs.len() >= self.max && !self.procs.contains_key(&p.pid) {
            self.reap();
            if self.procs.len() >= self.max {
                self.dropped += 1;
                return;
            }
        }
        self.procs.insert(p.pid, p);
    }

    /// Marks a process exited; it stays (for ancestors of late events) until [`reap`](Self::reap).
    pub fn exit(&mut self, pid: u32, now_ns: u64) {
        if let Some(p) = self.procs.get_mut(&pid) {
            p.exited_ns = Some(now_ns);
        }
    }

    /// Removes every exited process; returns how many.
    pub fn reap(&mut self) -> usize {
        let before = self.procs.len();
        self.procs.retain(|_, p| p.exited_ns.is_none());
        before - self.procs.len()
    }

    pub fn get(&self, pid: u32) -> Option<&Process> {
        self.procs.get(&pid)
    }

    pub fn len(&self) -> usize {
        self.procs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.procs.is_empty()
    }

    /// The process itself (n = 0), its parent (n = 1), ... as `proc.aname[n]` counts them.
    /// Stops at a pid not in the table, at pid 0, on a loop, or after [`MAX_ANCESTORS`].
    pub fn ancestors(&self, pid: u32) -> Ancestors<'_> {
        Ancestors {
            table: self,
            next: Some(pid),
            steps: 0,
        }
    }
}

/// Iterator returned by [`ProcessTable::ancestors`].
pub struct Ancestors<'a> {
    table: &'a ProcessTable,
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
        let p = self.table.get(pid)?;
        if p.ppid != p.pid {
            self.next = Some(p.ppid);
        }
        Some(p)
    }
}

#[cfg(test)]
mod tests;
