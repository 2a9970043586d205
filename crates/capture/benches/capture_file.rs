//! Capture file throughput on a realistic record mix: opens, connects, closes and execs from a
//! few dozen processes in a handful of containers, varying paths, fds and timestamps.

#![allow(clippy::unwrap_used)]

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::net::Ipv4Addr;
use vigil_capture::abi::{self, tag};
use vigil_capture::encode::RecordBuilder;
use vigil_capture::file::{CaptureHeader, CaptureReader, CaptureWriter};
use vigil_capture::{Counters, ProcInfo};

const N: usize = 100_000;

/// xorshift64: deterministic variation without a dependency.
fn next(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x
}

fn mix(n: usize) -> Vec<Vec<u8>> {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut ts = 5_000_000_000u64;
    (0..n)
        .map(|i| {
            let r = next(&mut x);
            ts += r % 20_000;
            let pid = 1000 + (r % 40) as u32;
            let cg = 100 + r % 6;
            match i % 10 {
                0..=4 => RecordBuilder::syscall("openat", ts, pid, pid)
                    .res((r % 60) as i64 + 3)
                    .arg(0, (-100i64) as u64)
                    .arg(2, r % 4)
                    .cgroup(cg)
                    .comm("nginx")
                    .str_arg(1, &format!("/var/www/html/static/{:x}/img-{}.png", r % 4096, r % 997))
                    .build(),
                5 | 6 => RecordBuilder::syscall("close", ts, pid, pid)
                    .arg(0, r % 64 + 3)
                    .cgroup(cg)
                    .comm("nginx")
                    .build(),
                7 | 8 => RecordBuilder::syscall("connect", ts, pid, pid + 1)
                    .res(0)
                    .arg(0, r % 64 + 3)
                    .cgroup(cg)
                    .comm("curl")
                    .sockaddr(Ipv4Addr::new(10, 0, (r % 7) as u8, (r % 250) as u8).into(), 443)
                    .build(),
                _ => RecordBuilder::new(abi::KIND_PROC_EXEC, ts, pid + 5000, pid + 5000)
                    .ppid(pid)
                    .cgroup(cg)
                    .comm("sh")
                    .field(tag::FILENAME, b"/bin/sh")
                    .argv(&["sh", "-c", &format!("ls -la /tmp/job-{}", r % 10_000)])
                    .path_rev(tag::EXEPATH, "/usr/bin/dash")
                    .path_rev(tag::CWD, "/srv/app")
                    .path_rev(
                        tag::CGROUP,
                        &format!("/system.slice/docker-{:016x}{:016x}.scope", cg, cg * 7),
                    )
                    .procinfo(&ProcInfo {
                        cap_effective: 0xa80425fb,
                        start_time: ts,
                        vpid: (r % 100) as u32,
                        loginuid: u32::MAX,
                        ..Default::default()
                    })
                    .build(),
            }
        })
        .collect()
}

fn write(path: &std::path::Path, recs: &[Vec<u8>], level: i32) {
    let mut w = CaptureWriter::with_level(path, &CaptureHeader::default(), level).unwrap();
    for r in recs {
        w.write_record(r).unwrap();
    }
    w.finish(Counters::default(), 0).unwrap();
}

fn bench(c: &mut Criterion) {
    let recs = mix(N);
    let raw: usize = recs.iter().map(|r| r.len()).sum();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bench.vcap");
    for level in [1, 3] {
        write(&path, &recs, level);
        let size = std::fs::metadata(&path).unwrap().len();
        eprintln!(
            "level {level}: {N} records, {} B average, {raw} B raw -> {size} B on disk, ratio {:.1}",
            raw / N,
            raw as f64 / size as f64
        );
    }

    let mut g = c.benchmark_group("capture_file");
    g.sample_size(10);
    g.throughput(Throughput::Elements(N as u64));
    for level in [1, 3] {
        g.bench_function(format!("write_level{level}"), |b| b.iter(|| write(&path, &recs, level)));
    }
    write(&path, &recs, 3);
    g.bench_function("read", |b| {
        b.iter(|| {
            let mut r = CaptureReader::open(&path).unwrap();
            let mut bytes = 0;
            while let Some(rec) = r.next_record().unwrap() {
                bytes += rec.len();
            }
            assert_eq!(bytes, raw);
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
