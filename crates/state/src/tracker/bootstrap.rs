//! Filling the tracker from `/proc` at start: every live process with its fds, threads and
//! cgroup, and the kernfs ids of the cgroups they live in.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::Arc;

use vigil_capture::abi::{P_EXE_MEMFD, P_EXE_UPPER};
use vigil_capture::ProcInfo;

use super::{Process, Tracker};
use crate::cgroup::{self, Hierarchy};
use crate::fd::{Fd, FdTable};
use crate::proc::read_process;

/// What a bootstrap found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct BootstrapReport {
    pub processes: usize,
    pub threads: usize,
    pub fds: usize,
    pub containers: usize,
    pub cgroups: usize,
    /// Pids that vanished or could not be read.
    pub skipped: usize,
}

impl Tracker {
    /// Reads every process under `proc_root`. With `cgroup_mount` (or a configured hierarchy)
    /// each process's cgroup directory is stat'ed there so its kernfs id maps to its container.
    pub fn bootstrap_proc(&mut self, proc_root: &Path, cgroup_mount: Option<&Path>) -> BootstrapReport {
        let mut report = BootstrapReport::default();
        let hierarchy: Option<Hierarchy> = match (self.cfg.cgroup.clone(), cgroup_mount) {
            (Some(h), Some(m)) => Some(Hierarchy {
                mount: m.to_owned(),
                ..h
            }),
            (Some(h), None) => Some(h),
            (None, Some(m)) => Some(Hierarchy {
                subsys_index: None,
                mount: m.to_owned(),
                root: "/".into(),
                controller: None,
            }),
            (None, None) => None,
        };
        let Ok(entries) = fs::read_dir(proc_root) else {
            return report;
        };
        let pids: Vec<u32> = entries
            .flatten()
            .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok()))
            .collect();
        for pid in pids {
            let dir = proc_root.join(pid.to_string());
            let Ok(raw) = read_process(proc_root, pid) else {
                report.skipped += 1;
                continue;
            };
            let cg_text = fs::read_to_string(dir.join("cgroup")).unwrap_or_default();
            let path = match &hierarchy {
                Some(h) => cgroup::path_in_proc_cgroup(h, &cg_text),
                None => cg_text.lines().find_map(|l| l.splitn(3, ':').nth(2)),
            }
            .unwrap_or("");
            let container = raw.container.clone().map(|c| self.containers.intern(c, pid));
            if let Some(h) = &hierarchy {
                if !path.is_empty() {
                    if let Some(ino) = cgroup::kernfs_id(h, path) {
                        if !self.cgroups.contains_key(&ino) {
                            self.learn_cgroup(ino, container.clone());
                        }
                    }
                }
            }
            let mut info = ProcInfo {
                cap_effective: raw.cap_effective,
                cap_permitted: raw.cap_permitted,
                cap_inheritable: raw.cap_inheritable,
                start_time: raw.start_ns,
                loginuid: raw.loginuid.unwrap_or(u32::MAX),
                tty: raw.tty,
                sid: raw.sid,
                vpid: if raw.vpid == 0 { pid } else { raw.vpid },
                vtid: if raw.vpid == 0 { pid } else { raw.vpid },
                uid: raw.euid,
                gid: raw.egid,
                ..ProcInfo::default()
            };
            if let Ok(m) = fs::metadata(dir.join("exe")) {
                info.exe_ino = m.ino();
                info.exe_ctime = (m.ctime() as u64).saturating_mul(1_000_000_000) + m.ctime_nsec() as u64;
                info.exe_mtime = (m.mtime() as u64).saturating_mul(1_000_000_000) + m.mtime_nsec() as u64;
            }
            let exe = raw.exe.clone().unwrap_or_default();
            if exe.starts_with("/memfd:") {
                info.flags |= P_EXE_MEMFD;
            }
            if on_overlay_upper(&dir, &exe) {
                info.flags |= P_EXE_UPPER;
            }
            let fds = read_fds(&dir.join("fd"), self.cfg.max_fds_per_process, &mut self.stats.fd_drops);
            report.fds += fds.len();
            let p = Process {
                pid,
                ppid: raw.ppid,
                comm: raw.comm.into(),
                exe: raw
                    .argv
                    .first()
                    .map(|a| Arc::from(a.as_str()))
                    .unwrap_or_else(|| Arc::from(exe.as_str())),
                exepath: exe.into(),
                argv: raw.argv.iter().map(|a| a.as_str().into()).collect(),
                cwd: raw.cwd.unwrap_or_default().into(),
                cgroup: path.into(),
                container_known: true,
                container,
                info,
                uid: raw.uid,
                gid: raw.gid,
                euid: raw.euid,
                egid: raw.egid,
                fds,
                ..Process::default()
            };
            self.insert_process(p);
            report.processes += 1;
            if let Ok(tasks) = fs::read_dir(dir.join("task")) {
                for t in tasks.flatten() {
                    if let Some(tid) = t.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) {
                        if tid != pid {
                            self.add_thread(tid, pid);
                            report.threads += 1;
                        }
                    }
                }
            }
        }
        report.containers = self.containers.stats.containers;
        report.cgroups = self.cgroups.len();
        report
    }
}

/// Each `/proc/<pid>/fd/<n>` link, up to `max`.
fn read_fds(dir: &Path, max: usize, drops: &mut u64) -> FdTable {
    let mut t = FdTable::default();
    let Ok(entries) = fs::read_dir(dir) else { return t };
    for e in entries.flatten() {
        let Some(n) = e.file_name().to_str().and_then(|n| n.parse::<i32>().ok()) else {
            continue;
        };
        let Ok(target) = fs::read_link(e.path()) else { continue };
        if !t.insert(n, Fd::from_proc_link(&target.to_string_lossy()), max) {
            *drops += 1;
        }
    }
    t
}

/// Whether the exe sits on an overlay mount's upper layer: its device is an overlay mount's
/// (per the process's mountinfo) and the file exists under that mount's `upperdir`.
fn on_overlay_upper(dir: &Path, exe: &str) -> bool {
    if exe.is_empty() || exe.starts_with("/memfd:") {
        return false;
    }
    let Ok(info) = fs::read_to_string(dir.join("mountinfo")) else {
        return false;
    };
    let best = info
        .lines()
        .filter_map(|l| {
            let (head, tail) = l.split_once(" - ")?;
            let mp = head.split(' ').nth(4)?;
            let mut t = tail.split(' ');
            (t.next()? == "overlay").then_some(())?;
            let upper = t.nth(1)?.split(',').find_map(|o| o.strip_prefix("upperdir="))?;
            let inside = exe.strip_prefix(mp.trim_end_matches('/'))?;
            inside
                .starts_with('/')
                .then(|| (mp.len(), upper.to_owned(), inside.to_owned()))
        })
        .max_by_key(|(n, _, _)| *n);
    best.is_some_and(|(_, upper, inside)| Path::new(&format!("{upper}{inside}")).exists())
}
