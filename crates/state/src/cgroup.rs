//! The cgroup hierarchy the probe reads ids from, and the map from a cgroup's kernfs id (what
//! every record's header carries) to its path.
//!
//! With cgroup v1 a task has one cgroup per controller hierarchy; the probe follows one of them,
//! named by its subsystem index (the line order of `/proc/cgroups`). Containers get a cgroup in
//! every hierarchy, so "memory" (then "cpu", then "pids") serves. With only cgroup v2 there is
//! one unified hierarchy. A cgroup's kernfs id is the inode number of its directory under the
//! hierarchy's mount, so the map can be rebuilt from the filesystem.

use std::collections::VecDeque;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Controllers whose v1 hierarchy is tracked, most preferred first.
const PREFERRED: [&str; 3] = ["memory", "cpu", "pids"];
/// Most bytes of `/proc/cgroups` and `mountinfo` read.
const MAX_FILE: u64 = 1 << 20;

/// The hierarchy the probe is configured with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hierarchy {
    /// The v1 subsystem's index (`/proc/cgroups` line order); None for the v2 unified hierarchy.
    pub subsys_index: Option<u32>,
    /// Where the hierarchy is mounted.
    pub mount: PathBuf,
    /// The path inside the hierarchy that is mounted there (mountinfo's root field; `/` unless
    /// we run inside a cgroup namespace or a bind mount).
    pub root: String,
    /// The v1 controller's name (`memory`), to pick the line of `/proc/<pid>/cgroup`.
    pub controller: Option<String>,
}

impl Hierarchy {
    /// The value for the probe's `cgroup_subsys` config field.
    pub fn probe_config(&self) -> u32 {
        self.subsys_index.unwrap_or(vigil_capture::abi::CGROUP_DFL)
    }
}

fn read_capped(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut buf = Vec::new();
    fs::File::open(path).ok()?.take(MAX_FILE).read_to_end(&mut buf).ok()?;
    Some(String::from_utf8_lossy(&buf).into_owned())
}

/// Reads `<proc_root>/cgroups` and `<proc_root>/self/mountinfo`. None when no cgroup
/// filesystem is mounted at all.
pub fn tracked_hierarchy(proc_root: &Path) -> Option<Hierarchy> {
    let cgroups = read_capped(&proc_root.join("cgroups")).unwrap_or_default();
    let mountinfo = read_capped(&proc_root.join("self/mountinfo"))?;
    choose(&cgroups, &mountinfo)
}

/// Picks the hierarchy from the two files' content.
pub fn choose(cgroups: &str, mountinfo: &str) -> Option<Hierarchy> {
    let mounts: Vec<Mount> = mountinfo.lines().filter_map(parse_mountinfo_line).collect();
    let subsystems = parse_cgroups(cgroups);
    for want in PREFERRED {
        let Some((index, _)) = subsystems
            .iter()
            .enumerate()
            .find(|(_, s)| s.name == want && s.usable())
        else {
            continue;
        };
        let found = mounts
            .iter()
            .find(|m| m.fstype == "cgroup" && m.super_opts.split(',').any(|o| o == want));
        if let (Some(m), Ok(index)) = (found, u32::try_from(index)) {
            return Some(Hierarchy {
                subsys_index: Some(index),
                mount: PathBuf::from(&m.mount_point),
                root: m.root.clone(),
                controller: Some(want.to_owned()),
            });
        }
    }
    mounts.iter().find(|m| m.fstype == "cgroup2").map(|m| Hierarchy {
        subsys_index: None,
        mount: PathBuf::from(&m.mount_point),
        root: m.root.clone(),
        controller: None,
    })
}

struct Subsystem<'a> {
    name: &'a str,
    hierarchy: u32,
    enabled: bool,
}

impl Subsystem<'_> {
    /// Hierarchy 0 means the controller is not mounted on v1 (it is on v2, or nowhere).
    fn usable(&self) -> bool {
        self.hierarchy != 0 && self.enabled
    }
}

/// `#subsys_name hierarchy num_cgroups enabled`, one line per subsystem in index order.
fn parse_cgroups(content: &str) -> Vec<Subsystem<'_>> {
    content
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let mut f = l.split_ascii_whitespace();
            let name = f.next().unwrap_or("");
            let hierarchy = f.next().and_then(|h| h.parse().ok()).unwrap_or(0);
            let enabled = f.nth(1).is_none_or(|e| e == "1");
            Subsystem {
                name,
                hierarchy,
                enabled,
            }
        })
        .collect()
}

struct Mount {
    root: String,
    mount_point: String,
    fstype: String,
    super_opts: String,
}

/// `id parent maj:min root mount_point opts [optional...] - fstype source super_opts`.
fn parse_mountinfo_line(line: &str) -> Option<Mount> {
    let (head, tail) = line.split_once(" - ")?;
    let mut h = head.split(' ');
    let root = unescape(h.nth(3)?);
    let mount_point = unescape(h.next()?);
    let mut t = tail.split(' ');
    let fstype = t.next()?.to_owned();
    let super_opts = t.nth(1).unwrap_or("").to_owned();
    Some(Mount {
        root,
        mount_point,
        fstype,
        super_opts,
    })
}

/// mountinfo writes space, tab, newline and backslash as `\ooo` octal escapes.
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let oct = b
            .get(i + 1..i + 4)
            .filter(|o| b[i] == b'\\' && o.iter().all(|c| (b'0'..=b'7').contains(c)));
        match oct {
            Some(o) => {
                let v = o.iter().fold(0u32, |a, c| a * 8 + u32::from(c - b'0'));
                out.push(v as u8);
                i += 4;
            }
            None => {
                out.push(b[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// This hierarchy's path in `/proc/<pid>/cgroup` content (`0::/x` for v2, `N:memory,..:/x`).
pub fn path_in_proc_cgroup<'a>(h: &Hierarchy, content: &'a str) -> Option<&'a str> {
    content.lines().find_map(|l| {
        let mut f = l.splitn(3, ':');
        let (num, ctrls, path) = (f.next()?, f.next()?, f.next()?);
        let hit = match &h.controller {
            Some(c) => ctrls.split(',').any(|x| x == c),
            None => num == "0" && ctrls.is_empty(),
        };
        hit.then_some(path)
    })
}

/// The kernfs id of the cgroup at `path` (relative to the hierarchy's root) under `h`.
pub fn kernfs_id(h: &Hierarchy, path: &str) -> Option<u64> {
    let rel = path.strip_prefix(h.root.trim_end_matches('/')).unwrap_or(path);
    let dir = h.mount.join(rel.trim_start_matches('/'));
    fs::metadata(dir).ok().map(|m| m.ino())
}

/// Walks the hierarchy breadth first and returns (kernfs id, path inside the hierarchy) for at
/// most `max_dirs` directories. Unreadable directories are skipped.
pub fn scan(h: &Hierarchy, max_dirs: usize) -> Vec<(u64, String)> {
    let mut out = Vec::new();
    let base = h.root.trim_end_matches('/').to_owned();
    let mut queue = VecDeque::from([(h.mount.clone(), base)]);
    while let Some((dir, path)) = queue.pop_front() {
        if out.len() >= max_dirs {
            break;
        }
        let Ok(meta) = fs::metadata(&dir) else { continue };
        out.push((meta.ino(), if path.is_empty() { "/".to_owned() } else { path.clone() }));
        let Ok(entries) = fs::read_dir(&dir) else { continue };
        for e in entries.flatten() {
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                let name = e.file_name().to_string_lossy().into_owned();
                queue.push_back((e.path(), format!("{path}/{name}")));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CGROUPS_V1: &str = "#subsys_name\thierarchy\tnum_cgroups\tenabled\n\
        cpuset\t4\t1\t1\ncpu\t2\t60\t1\ncpuacct\t2\t60\t1\nblkio\t7\t60\t1\nmemory\t9\t90\t1\n\
        devices\t3\t60\t1\nfreezer\t5\t1\t1\nnet_cls\t6\t1\t1\nperf_event\t8\t1\t1\npids\t10\t60\t1\n";
    const MOUNTINFO_V1: &str = "\
25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
33 25 0:28 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
34 33 0:29 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate
41 33 0:36 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:19 - cgroup cgroup rw,memory
38 33 0:33 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,cpu,cpuacct
";
    const CGROUPS_V2: &str = "#subsys_name\thierarchy\tnum_cgroups\tenabled\n\
        cpuset\t0\t88\t1\ncpu\t0\t88\t1\ncpuacct\t0\t88\t1\nblkio\t0\t88\t1\nmemory\t0\t88\t1\n";
    const MOUNTINFO_V2: &str = "\
35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
";

    #[test]
    fn v1_prefers_memory_by_line_index() {
        let h = choose(CGROUPS_V1, MOUNTINFO_V1).unwrap();
        assert_eq!(h.subsys_index, Some(4), "memory is the fifth subsystem line");
        assert_eq!(h.mount, PathBuf::from("/sys/fs/cgroup/memory"));
        assert_eq!(h.probe_config(), 4);
        // Without a memory mount, cpu (index 1) is next.
        let no_mem: String = MOUNTINFO_V1
            .lines()
            .filter(|l| !l.contains("rw,memory"))
            .map(|l| format!("{l}\n"))
            .collect();
        let h = choose(CGROUPS_V1, &no_mem).unwrap();
        assert_eq!(
            (h.subsys_index, h.mount.to_str()),
            (Some(1), Some("/sys/fs/cgroup/cpu,cpuacct"))
        );
    }

    #[test]
    fn v2_unified() {
        let h = choose(CGROUPS_V2, MOUNTINFO_V2).unwrap();
        assert_eq!(h.subsys_index, None);
        assert_eq!(h.probe_config(), vigil_capture::abi::CGROUP_DFL);
        assert_eq!(h.mount, PathBuf::from("/sys/fs/cgroup"));
        assert_eq!(h.root, "/");
        assert!(choose("", "").is_none());
        let esc = "35 24 0:30 /a\\040b /mnt/c\\040g rw - cgroup2 cgroup2 rw\n";
        let h = choose("", esc).unwrap();
        assert_eq!((h.root.as_str(), h.mount.to_str()), ("/a b", Some("/mnt/c g")));
    }

    #[test]
    fn scan_matches_inode_numbers() {
        let tmp = tempfile::tempdir().unwrap();
        fs::create_dir_all(tmp.path().join("system.slice/docker-x.scope")).unwrap();
        let h = Hierarchy {
            subsys_index: None,
            mount: tmp.path().to_owned(),
            root: "/".into(),
            controller: None,
        };
        let found = scan(&h, 100);
        let paths: Vec<&str> = found.iter().map(|(_, p)| p.as_str()).collect();
        assert_eq!(paths, ["/", "/system.slice", "/system.slice/docker-x.scope"]);
        let ino = fs::metadata(tmp.path().join("system.slice/docker-x.scope"))
            .unwrap()
            .ino();
        assert_eq!(found[2].0, ino);
        assert_eq!(kernfs_id(&h, "/system.slice/docker-x.scope"), Some(ino));
        assert_eq!(scan(&h, 2).len(), 2, "bounded");
    }

    #[test]
    fn real_host_if_any() {
        // Whatever this machine has, the answer names a directory that exists.
        if let Some(h) = tracked_hierarchy(Path::new("/proc")) {
            assert!(h.mount.is_dir(), "{h:?}");
        }
    }
}
