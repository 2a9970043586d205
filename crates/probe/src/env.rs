//! What the kernel and the process must offer before the probe can load, checked up front so
//! the error names the missing piece instead of a verifier or libbpf message.

use std::path::Path;

/// Oldest kernel the programs load on: tp_btf on raw_syscalls, BPF ring buffers with
/// `bpf_ringbuf_query`, and `bpf_task_pt_regs` (5.15).
pub const MIN_KERNEL: (u32, u32) = (5, 15);

const CAP_PERFMON: u32 = 38;
const CAP_BPF: u32 = 39;
const CAP_SYS_ADMIN: u32 = 21;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum EnvError {
    #[error(
        "the probe needs root, or CAP_BPF and CAP_PERFMON (this process has effective capabilities {0:#x}); run as root or grant them: setcap cap_bpf,cap_perfmon+ep vigil"
    )]
    Privileges(u64),
    #[error("the kernel has no BTF type information ({0} is missing): build it with CONFIG_DEBUG_INFO_BTF=y; CO-RE programs cannot be relocated without it")]
    NoBtf(String),
    #[error("kernel {release} is too old: the probe needs Linux {}.{} or newer (BPF ring buffers, tp_btf)", MIN_KERNEL.0, MIN_KERNEL.1)]
    KernelTooOld { release: String },
    #[error("cannot read {path}: {msg}")]
    Read { path: String, msg: String },
}

/// The running kernel's release string (`uname -r`).
pub fn kernel_release() -> Result<String, EnvError> {
    let path = "/proc/sys/kernel/osrelease";
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .map_err(|e| EnvError::Read {
            path: path.into(),
            msg: e.to_string(),
        })
}

/// Parses "6.18.44-fc-v769" into (6, 18).
pub fn parse_release(release: &str) -> Option<(u32, u32)> {
    let mut it = release.split(|c: char| !c.is_ascii_digit());
    let major = it.next()?.parse().ok()?;
    let minor = it.next()?.parse().ok()?;
    Some((major, minor))
}

/// Effective capabilities from `/proc/self/status`.
fn cap_effective(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("CapEff:"))?;
    u64::from_str_radix(line.trim_start_matches("CapEff:").trim(), 16).ok()
}

/// True when the capability set allows loading tracing programs.
pub fn caps_allow_bpf(caps: u64) -> bool {
    let has = |c: u32| caps & (1u64 << c) != 0;
    has(CAP_SYS_ADMIN) || (has(CAP_BPF) && has(CAP_PERFMON))
}

/// Checks privileges, BTF and the kernel version, in that order.
pub fn check_environment() -> Result<(), EnvError> {
    let status = std::fs::read_to_string("/proc/self/status").map_err(|e| EnvError::Read {
        path: "/proc/self/status".into(),
        msg: e.to_string(),
    })?;
    let caps = cap_effective(&status).unwrap_or(0);
    if !caps_allow_bpf(caps) {
        return Err(EnvError::Privileges(caps));
    }
    let btf = "/sys/kernel/btf/vmlinux";
    if !Path::new(btf).exists() {
        return Err(EnvError::NoBtf(btf.into()));
    }
    let release = kernel_release()?;
    match parse_release(&release) {
        Some(v) if v >= MIN_KERNEL => Ok(()),
        _ => Err(EnvError::KernelTooOld { release }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases() {
        assert_eq!(parse_release("6.18.44-fc-v769"), Some((6, 18)));
        assert_eq!(parse_release("5.4.0-150-generic"), Some((5, 4)));
        assert!(parse_release("5.4.0").unwrap() < MIN_KERNEL);
        assert!(parse_release("5.15.0").unwrap() >= MIN_KERNEL);
        assert_eq!(parse_release("garbage"), None);
    }

    #[test]
    fn capabilities() {
        assert_eq!(
            cap_effective("Name:\tx\nCapEff:\t000001ffffffffff\n"),
            Some(0x1ff_ffff_ffff)
        );
        assert!(caps_allow_bpf(0x1ff_ffff_ffff));
        assert!(caps_allow_bpf((1 << CAP_BPF) | (1 << CAP_PERFMON)));
        assert!(!caps_allow_bpf(1 << CAP_BPF));
        assert!(!caps_allow_bpf(0));
    }
}

/// The cgroup v1 subsystem whose hierarchy names containers, from `/proc/cgroups` (its lines
/// are in subsystem-index order): memory, else cpu, else pids, when mounted on a v1 hierarchy.
/// None means cgroup v2 (the unified hierarchy), which the probe reads directly.
pub fn default_cgroup_subsys() -> Option<u32> {
    let text = std::fs::read_to_string("/proc/cgroups").ok()?;
    cgroup_subsys_from(&text)
}

pub fn cgroup_subsys_from(proc_cgroups: &str) -> Option<u32> {
    let rows: Vec<(&str, u32)> = proc_cgroups
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let name = f.next()?;
            let hierarchy = f.next()?.parse().ok()?;
            Some((name, hierarchy))
        })
        .collect();
    ["memory", "cpu", "pids"].iter().find_map(|want| {
        rows.iter()
            .position(|(name, h)| name == want && *h != 0)
            .map(|i| i as u32)
    })
}

#[cfg(test)]
mod cgroup_tests {
    use super::*;

    #[test]
    fn v1_memory_index() {
        let t = "#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t3\t2\t1\ncpu\t1\t2\t1\ncpuacct\t2\t2\t1\nblkio\t7\t2\t1\nmemory\t4\t32\t1\n";
        assert_eq!(cgroup_subsys_from(t), Some(4));
        let v2 = "#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpuset\t0\t60\t1\ncpu\t0\t60\t1\nmemory\t0\t60\t1\n";
        assert_eq!(cgroup_subsys_from(v2), None);
    }
}
