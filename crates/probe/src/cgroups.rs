//! Where a process's cgroups are, in the hierarchies the enforcer keys on: the configured v1
//! subsystem's (the capture probe's container identity) and cgroup v2's (where cgroup socket
//! programs attach). On a cgroup v1 host with systemd's hybrid layout, v2 is mounted at
//! /sys/fs/cgroup/unified and runc places containers there too (`0::/docker/<id>`).

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Why a process's cgroups could not be found.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CgroupError {
    #[error("cannot read {path}: {msg}")]
    Read { path: String, msg: String },
    #[error("process {pid} has no cgroup in the {hierarchy} hierarchy ({path})")]
    NotIn { pid: u32, hierarchy: String, path: String },
    #[error("the {0} cgroup hierarchy is not mounted here (/proc/self/mountinfo)")]
    NotMounted(String),
}

/// A process's cgroups: the directory and id in each hierarchy the enforcer uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessCgroups {
    /// The cgroup id in the configured hierarchy (v1 subsystem or v2): the id capture records
    /// carry in their header and [`crate::Enforcer::kill_on_exec`] keys on.
    pub exec_id: u64,
    /// Its directory.
    pub exec_dir: PathBuf,
    /// The cgroup v2 directory (where `deny_connect` attaches), when cgroup2 is mounted and the
    /// process has a v2 cgroup.
    pub v2_dir: Option<PathBuf>,
    /// The cgroup v2 id (the directory's inode number; what `bpf_get_current_cgroup_id` returns).
    pub v2_id: Option<u64>,
}

/// A mounted cgroup hierarchy: where it is mounted and which cgroup path is its root there.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Mount {
    point: PathBuf,
    root: String,
}

/// Finds the mount of the v1 hierarchy holding `subsys` (None: the cgroup2 hierarchy).
fn find_mount(mountinfo: &str, subsys: Option<&str>) -> Option<Mount> {
    mountinfo.lines().find_map(|line| {
        let (left, right) = line.split_once(" - ")?;
        let l: Vec<&str> = left.split(' ').collect();
        let mut r = right.split(' ');
        let fstype = r.next()?;
        let _source = r.next()?;
        let superopts = r.next().unwrap_or("");
        let ok = match subsys {
            None => fstype == "cgroup2",
            Some(s) => fstype == "cgroup" && superopts.split(',').any(|o| o == s),
        };
        if !ok {
            return None;
        }
        Some(Mount {
            point: PathBuf::from(unescape(l.get(4)?)),
            root: unescape(l.get(3)?),
        })
    })
}

/// mountinfo escapes space, tab, newline and backslash as \ooo.
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let oct = b
            .get(i + 1..i + 4)
            .filter(|d| d.iter().all(|x| (b'0'..=b'7').contains(x)));
        match oct {
            Some(d) if c == b'\\' => {
                out.push(((d[0] - b'0') << 6) | ((d[1] - b'0') << 3) | (d[2] - b'0'));
                i += 4;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The path of the process in `subsys`'s hierarchy (None: v2) from `/proc/PID/cgroup`.
fn cgroup_path(proc_cgroup: &str, subsys: Option<&str>) -> Option<String> {
    proc_cgroup.lines().find_map(|line| {
        let mut f = line.splitn(3, ':');
        let _id = f.next()?;
        let controllers = f.next()?;
        let path = f.next()?;
        let ok = match subsys {
            None => controllers.is_empty(),
            Some(s) => controllers.split(',').any(|c| c == s),
        };
        ok.then(|| path.to_owned())
    })
}

/// The directory of cgroup `path` under `mount`.
fn dir_of(mount: &Mount, path: &str) -> PathBuf {
    let rel = if mount.root == "/" {
        path
    } else {
        path.strip_prefix(mount.root.as_str()).unwrap_or(path)
    };
    mount.point.join(rel.trim_start_matches('/'))
}

/// The name of v1 subsystem number `index` (the line order of `/proc/cgroups`).
pub fn subsys_name(index: u32) -> Result<String, CgroupError> {
    let text = read("/proc/cgroups")?;
    subsys_name_from(&text, index).ok_or_else(|| CgroupError::NotMounted(format!("subsystem #{index}")))
}

fn subsys_name_from(proc_cgroups: &str, index: u32) -> Option<String> {
    proc_cgroups
        .lines()
        .filter(|l| !l.starts_with('#'))
        .nth(index as usize)
        .and_then(|l| l.split_whitespace().next())
        .map(str::to_owned)
}

fn read(path: &str) -> Result<String, CgroupError> {
    std::fs::read_to_string(path).map_err(|e| CgroupError::Read {
        path: path.to_owned(),
        msg: e.to_string(),
    })
}

fn inode(dir: &Path) -> Result<u64, CgroupError> {
    std::fs::metadata(dir).map(|m| m.ino()).map_err(|e| CgroupError::Read {
        path: dir.display().to_string(),
        msg: e.to_string(),
    })
}

impl ProcessCgroups {
    /// The cgroups of process `pid`; `cgroup_subsys` as in [`crate::ProbeConfig`] (the v1
    /// subsystem index whose hierarchy names containers, None for cgroup v2).
    pub fn of_pid(pid: u32, cgroup_subsys: Option<u32>) -> Result<ProcessCgroups, CgroupError> {
        let proc_cgroup = read(&format!("/proc/{pid}/cgroup"))?;
        let mountinfo = read("/proc/self/mountinfo")?;
        let subsys = cgroup_subsys.map(subsys_name).transpose()?;
        let hierarchy = subsys.clone().unwrap_or_else(|| "cgroup2".into());
        let mount =
            find_mount(&mountinfo, subsys.as_deref()).ok_or_else(|| CgroupError::NotMounted(hierarchy.clone()))?;
        let path = cgroup_path(&proc_cgroup, subsys.as_deref()).ok_or_else(|| CgroupError::NotIn {
            pid,
            hierarchy: hierarchy.clone(),
            path: format!("/proc/{pid}/cgroup"),
        })?;
        let exec_dir = dir_of(&mount, &path);
        let exec_id = inode(&exec_dir)?;
        let (mut v2_dir, mut v2_id) = (None, None);
        if let (Some(m), Some(p)) = (find_mount(&mountinfo, None), cgroup_path(&proc_cgroup, None)) {
            let d = dir_of(&m, &p);
            if let Ok(id) = inode(&d) {
                v2_id = Some(id);
                v2_dir = Some(d);
            }
        }
        Ok(ProcessCgroups {
            exec_id,
            exec_dir,
            v2_dir,
            v2_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // From this host: Docker 20.10 with cgroupfs on cgroup v1, systemd's hybrid unified mount.
    const MOUNTINFO: &str = "\
1035 1034 0:83 / /sys/fs/cgroup rw,nosuid - tmpfs tmpfs rw,mode=755
1040 1035 0:30 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
1041 1035 0:31 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
1045 1035 0:35 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
1046 1035 0:36 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
1047 22 0:37 /docker /mnt/my\\040cg rw - cgroup cgroup rw,pids
";
    const PROC_CGROUP: &str = "\
9:name=systemd:/docker/6a6a
8:pids:/docker/6a6a
4:memory:/docker/6a6a
1:cpu:/docker/6a6a
0::/docker/6a6a
";

    #[test]
    fn mounts_and_paths() {
        let m = find_mount(MOUNTINFO, Some("memory")).unwrap();
        assert_eq!(m.point, PathBuf::from("/sys/fs/cgroup/memory"));
        assert_eq!(find_mount(MOUNTINFO, Some("mem")), None);
        let v2 = find_mount(MOUNTINFO, None).unwrap();
        assert_eq!(v2.point, PathBuf::from("/sys/fs/cgroup/unified"));
        assert_eq!(
            cgroup_path(PROC_CGROUP, Some("memory")).as_deref(),
            Some("/docker/6a6a")
        );
        assert_eq!(cgroup_path(PROC_CGROUP, None).as_deref(), Some("/docker/6a6a"));
        assert_eq!(cgroup_path(PROC_CGROUP, Some("blkio")), None);
        assert_eq!(
            dir_of(&v2, "/docker/6a6a"),
            PathBuf::from("/sys/fs/cgroup/unified/docker/6a6a")
        );
        // a bind mount of a subtree, with an escaped space in its mount point
        let pids = find_mount(MOUNTINFO, Some("pids")).unwrap();
        assert_eq!(pids.point, PathBuf::from("/mnt/my cg"));
        assert_eq!(dir_of(&pids, "/docker/6a6a"), PathBuf::from("/mnt/my cg/6a6a"));
        assert!(find_mount("garbage\n- \n", None).is_none());
    }

    #[test]
    fn subsystem_names() {
        let t = "#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t3\t2\t1\ncpu\t1\t2\t1\nmemory\t4\t32\t1\n";
        assert_eq!(subsys_name_from(t, 2).as_deref(), Some("memory"));
        assert_eq!(subsys_name_from(t, 0).as_deref(), Some("cpuset"));
        assert_eq!(subsys_name_from(t, 9), None);
    }
}
