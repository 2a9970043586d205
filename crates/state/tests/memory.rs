//! Resident memory with 10,000 tracked processes stays under 100 MB (the bound). In its
//! own test binary so no other test's allocations count.

#![allow(clippy::unwrap_used)]

use vigil_capture::abi::{self, tag};
use vigil_capture::encode::RecordBuilder;
use vigil_capture::{Event, ProcInfo};
use vigil_state::{Tracker, TrackerConfig};

fn apply(t: &mut Tracker, rec: &[u8]) {
    let ev = Event::decode(rec).unwrap();
    t.apply(&ev);
}

fn exec(pid: u32) -> Vec<u8> {
    RecordBuilder::new(abi::KIND_PROC_EXEC, 10, pid, pid)
        .ppid(1)
        .comm("some-server")
        .arg(0, u64::from(pid))
        .field(tag::FILENAME, b"/usr/local/bin/some-server")
        .argv(&[
            "/usr/local/bin/some-server",
            "--config",
            "/etc/some-server/config.yaml",
            "--verbose",
        ])
        .path_rev(tag::EXEPATH, "/usr/local/bin/some-server")
        .path_rev(tag::CWD, "/srv/app/data")
        .path_rev(tag::CGROUP, "/system.slice/some-server.service")
        .procinfo(&ProcInfo::default())
        .build()
}

#[test]
fn resident_memory_with_ten_thousand_processes() {
    fn rss_kb() -> u64 {
        let s = std::fs::read_to_string("/proc/self/status").unwrap();
        s.lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap()
    }
    let before = rss_kb();
    let mut t = Tracker::new(TrackerConfig::default());
    for i in 0..10_000u32 {
        let pid = 500_000 + i;
        apply(&mut t, &exec(pid));
        for fd in 3..23 {
            let rec = RecordBuilder::syscall("open", 1, pid, pid)
                .str_arg(0, "logs/app.log")
                .res(fd)
                .build();
            apply(&mut t, &rec);
        }
    }
    assert_eq!(t.stats().processes, 10_000);
    assert_eq!(t.stats().fds, 200_000);
    let grown_mb = rss_kb().saturating_sub(before) / 1024;
    assert!(grown_mb < 100, "{grown_mb} MB for 10,000 processes with 20 fds each");
}
