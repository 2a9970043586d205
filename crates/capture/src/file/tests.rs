use super::*;
use crate::abi::{self, tag, ABI_VERSION, RECORD_MAX};
use crate::encode::RecordBuilder;
use crate::event::{Event, Kind, ProcInfo, SockAddr};
use crate::source::{CaptureSource, Flow};
use std::io::Write;
use std::net::Ipv4Addr;
use std::path::Path;
use std::time::Duration;

fn records() -> Vec<Vec<u8>> {
    let exec = RecordBuilder::new(abi::KIND_PROC_EXEC, 1_000, 10, 10)
        .ppid(1)
        .comm("sh")
        .cgroup(77)
        .field(tag::FILENAME, b"/bin/sh")
        .argv(&["sh", "-c", "cat /etc/shadow"])
        .path_rev(tag::EXEPATH, "/usr/bin/dash")
        .path_rev(tag::CWD, "/root")
        .path_rev(tag::CGROUP, "/system.slice/docker-0123abcd.scope")
        .procinfo(&ProcInfo {
            cap_effective: 0xa80425fb,
            vpid: 1,
            ..Default::default()
        })
        .build();
    let open = RecordBuilder::syscall("openat", 2_000, 10, 10)
        .res(3)
        .comm("cat")
        .str_arg(1, "/etc/shadow")
        .build();
    let connect = RecordBuilder::syscall("connect", 3_000, 11, 12)
        .res(0)
        .comm("curl")
        .sockaddr(Ipv4Addr::new(1, 2, 3, 4).into(), 443)
        .build();
    let close = RecordBuilder::syscall("close", 4_000, 10, 10).arg(0, 3).build();
    vec![exec, open, connect, close]
}

/// `n` varied records (paths, pids, timestamps), compressing like a real stream.
fn many(n: u64) -> Vec<Vec<u8>> {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    (0..n)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            RecordBuilder::syscall("openat", i * 1000 + x % 1000, (x % 50) as u32, 7)
                .res((x % 30) as i64)
                .str_arg(1, &format!("/srv/data/{:x}/{}", x % 65536, x % 1000))
                .build()
        })
        .collect()
}

fn header() -> CaptureHeader {
    CaptureHeader {
        hostname: "node-1".into(),
        kernel_release: "6.8.0-45-generic".into(),
        vigil_version: "0.1.0".into(),
        start_wall_ns: 1_700_000_000_000_000_000,
        boot_wall_ns: 1_699_999_000_000_000_000,
        filter: Some("proc.name = cat".into()),
        state: serde_json::json!({
            "processes": [{"pid": 1, "comm": "systemd"}, {"pid": 10, "comm": "sh", "container": "0123abcd"}],
            "containers": [{"id": "0123abcd", "image": "alpine:3.20"}],
        }),
    }
}

fn counters() -> Counters {
    Counters {
        seen: 10,
        sent: 9,
        drop_full: 1,
        received: 9,
        ..Default::default()
    }
}

fn write_file(path: &Path, recs: &[Vec<u8>]) -> CaptureTrailer {
    let mut w = CaptureWriter::create(path, &header()).unwrap();
    for r in recs {
        w.write_record(r).unwrap();
    }
    w.finish(counters(), 1_700_000_060_000_000_000).unwrap()
}

fn read_all(path: &Path) -> (Vec<Vec<u8>>, Result<(), CaptureError>) {
    let mut r = CaptureReader::open(path).unwrap();
    let mut out = Vec::new();
    loop {
        match r.next_record() {
            Ok(Some(rec)) => out.push(rec.to_vec()),
            Ok(None) => return (out, Ok(())),
            Err(e) => return (out, Err(e)),
        }
    }
}

/// A file with the given preamble fields and an uncompressed `body`, compressed as the writer does.
fn raw_file(path: &Path, version: u16, abi: u16, body: &[u8]) {
    let mut f = std::fs::File::create(path).unwrap();
    f.write_all(&MAGIC).unwrap();
    f.write_all(&version.to_le_bytes()).unwrap();
    f.write_all(&abi.to_le_bytes()).unwrap();
    f.write_all(&COMPRESSION_ZSTD.to_le_bytes()).unwrap();
    f.write_all(&[0, 0]).unwrap();
    f.write_all(&zstd::encode_all(body, 3).unwrap()).unwrap();
}

/// An uncompressed body: the header, then each frame as (length word, bytes).
fn body(frames: &[(u32, &[u8])]) -> Vec<u8> {
    let h = serde_json::to_vec(&header()).unwrap();
    let mut b = (h.len() as u32).to_le_bytes().to_vec();
    b.extend_from_slice(&h);
    for (len, bytes) in frames {
        b.extend_from_slice(&len.to_le_bytes());
        b.extend_from_slice(bytes);
    }
    b
}

fn trailer_frame(records: u64) -> Vec<u8> {
    let t = serde_json::to_vec(&CaptureTrailer {
        records,
        ..Default::default()
    })
    .unwrap();
    let mut b = (t.len() as u32).to_le_bytes().to_vec();
    b.extend_from_slice(&t);
    b
}

#[test]
fn round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.vcap");
    let recs = records();
    let t = write_file(&path, &recs);
    assert_eq!(t.records, 4);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "only the final file remains"
    );

    let mut r = CaptureReader::open(&path).unwrap();
    assert_eq!(r.header(), &header());
    assert_eq!(r.header().state["containers"][0]["image"], "alpine:3.20");
    assert_eq!(r.header().wall_ns(1_000), 1_699_999_000_000_001_000);
    assert_eq!(r.format_version(), FORMAT_VERSION);
    assert!(r.trailer().is_none());
    let mut got = Vec::new();
    while let Some(rec) = r.next_record().unwrap() {
        got.push(rec.to_vec());
    }
    assert_eq!(got, recs);
    let tr = r.trailer().unwrap();
    assert_eq!(tr.records, 4);
    assert_eq!(tr.counters, counters());
    assert_eq!(tr.end_wall_ns, 1_700_000_060_000_000_000);
    assert_eq!(r.next_record().unwrap(), None);

    // The records decode to the same events.
    let e = Event::decode(&got[0]).unwrap();
    assert_eq!(e.kind, Kind::Exec);
    assert_eq!(
        e.argv().collect::<Vec<_>>(),
        vec![&b"sh"[..], b"-c", b"cat /etc/shadow"]
    );
    assert_eq!(e.cgroup_rev().unwrap().to_path(), "/system.slice/docker-0123abcd.scope");
    assert_eq!(Event::decode(&got[1]).unwrap().str_arg(1), Some(&b"/etc/shadow"[..]));
    assert_eq!(
        Event::decode(&got[2]).unwrap().sockaddr(),
        Some(SockAddr::Inet(Ipv4Addr::new(1, 2, 3, 4).into(), 443))
    );
}

#[test]
fn compresses() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.vcap");
    let recs: Vec<Vec<u8>> = (0..2000).flat_map(|_| records()).collect();
    let raw: usize = recs.iter().map(|r| r.len() + 4).sum();
    write_file(&path, &recs);
    let size = std::fs::metadata(&path).unwrap().len() as usize;
    assert!(size * 10 < raw, "{size} bytes on disk for {raw} bytes of records");
    assert_eq!(read_all(&path).0.len(), 8000);
}

#[test]
fn replays_as_a_capture_source() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.vcap");
    let recs: Vec<Vec<u8>> = (0..3000).flat_map(|_| records()).collect();
    write_file(&path, &recs);
    let mut r = CaptureReader::open(&path).unwrap();
    let mut got = Vec::new();
    let mut batches = 0;
    while let Some(n) = r
        .next_batch(Duration::ZERO, &mut |rec| {
            got.push(rec.to_vec());
            Flow::Continue
        })
        .unwrap()
    {
        assert!(n > 0);
        batches += 1;
    }
    assert_eq!(got, recs);
    assert!(batches >= 3, "12000 records come in batches, got {batches}");
    let c = r.counters();
    assert_eq!(c.received, 12000);
    assert_eq!(c.drop_full, 1);

    // Flow::Stop ends a batch after that record.
    let mut r = CaptureReader::open(&path).unwrap();
    assert_eq!(r.next_batch(Duration::ZERO, &mut |_| Flow::Stop).unwrap(), Some(1));
    assert_eq!(r.records_read(), 1);
}

#[test]
fn writer_refuses_bad_records_and_levels() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.vcap");
    let mut w = CaptureWriter::create(&path, &header()).unwrap();
    assert!(matches!(
        w.write_record(&vec![0u8; RECORD_MAX + 1]),
        Err(CaptureError::RecordLength { len, .. }) if len == RECORD_MAX + 1
    ));
    assert!(matches!(
        w.write_record(&[]),
        Err(CaptureError::RecordLength { len: 0, .. })
    ));
    w.write_record(&vec![7u8; RECORD_MAX]).unwrap();
    w.finish(Counters::default(), 0).unwrap();
    let (recs, end) = read_all(&path);
    end.unwrap();
    assert_eq!(recs, vec![vec![7u8; RECORD_MAX]]);
    assert!(matches!(
        CaptureWriter::with_level(dir.path().join("x"), &header(), 0),
        Err(CaptureError::Level { level: 0, .. })
    ));
}

#[test]
fn dropped_writer_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.vcap");
    let mut w = CaptureWriter::create(&path, &header()).unwrap();
    for r in records() {
        w.write_record(&r).unwrap();
    }
    w.flush().unwrap();
    let tmp = w.temp_path().to_path_buf();
    assert_eq!(tmp.parent(), path.parent());
    assert!(tmp.exists());
    assert!(!path.exists(), "nothing under the final name before finish");
    drop(w);
    assert!(!tmp.exists());
    assert!(!path.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn finish_replaces_an_existing_file_only_at_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.vcap");
    write_file(&path, &records());
    let mut w = CaptureWriter::create(&path, &header()).unwrap();
    w.write_record(&records()[0]).unwrap();
    assert_eq!(read_all(&path).0.len(), 4, "the old file is intact while writing");
    w.finish(Counters::default(), 0).unwrap();
    assert_eq!(read_all(&path).0.len(), 1);
}

#[test]
fn crashed_writer_file_reads_as_truncated() {
    // A crash leaves the temporary file; after a flush everything before it is readable.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.vcap");
    let mut w = CaptureWriter::create(&path, &header()).unwrap();
    for r in records() {
        w.write_record(&r).unwrap();
    }
    w.flush().unwrap();
    let saved = dir.path().join("crashed.vcap");
    std::fs::copy(w.temp_path(), &saved).unwrap();
    drop(w);
    let (recs, end) = read_all(&saved);
    assert_eq!(recs, records());
    let e = end.unwrap_err();
    assert!(matches!(e, CaptureError::Truncated { record: 4, .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("crashed.vcap") && msg.contains("truncated at record 4"),
        "{msg}"
    );
}

#[test]
fn truncated_body_keeps_earlier_records() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.vcap");
    let recs = many(20_000);
    write_file(&path, &recs);
    let full = std::fs::read(&path).unwrap();
    let cut = dir.path().join("cut.vcap");
    std::fs::write(&cut, &full[..full.len() / 2]).unwrap();
    let (got, end) = read_all(&cut);
    assert!(!got.is_empty() && got.len() < recs.len(), "{} records", got.len());
    assert_eq!(got[..], recs[..got.len()]);
    match end {
        Err(CaptureError::Truncated { record, .. }) => assert_eq!(record, got.len() as u64),
        other => panic!("{other:?}"),
    }
    // Cut inside the header.
    std::fs::write(&cut, &full[..PREAMBLE_SIZE + 10]).unwrap();
    assert!(matches!(
        CaptureReader::open(&cut),
        Err(CaptureError::Truncated { record: 0, .. })
    ));
    // Only the trailer missing: a body that ends after the records.
    let mut frames: Vec<(u32, &[u8])> = Vec::new();
    let small = records();
    for r in &small {
        frames.push((r.len() as u32, r));
    }
    raw_file(&cut, FORMAT_VERSION, ABI_VERSION, &body(&frames));
    let (got, end) = read_all(&cut);
    assert_eq!(got, small);
    assert!(matches!(end, Err(CaptureError::Truncated { record: 4, .. })));
}

#[test]
fn wrong_magic_version_abi() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.vcap");
    std::fs::write(&path, b"\x28\xb5\x2f\xfd not a capture file at all").unwrap();
    let e = CaptureReader::open(&path).unwrap_err();
    assert!(matches!(e, CaptureError::Magic { .. }), "{e}");
    assert!(e.to_string().contains("not a Vigil capture file"));

    std::fs::write(&path, b"VIGIL").unwrap();
    assert!(matches!(
        CaptureReader::open(&path),
        Err(CaptureError::Short { len: 5, .. })
    ));
    std::fs::write(&path, b"").unwrap();
    assert!(matches!(
        CaptureReader::open(&path),
        Err(CaptureError::Short { len: 0, .. })
    ));

    raw_file(&path, FORMAT_VERSION + 1, ABI_VERSION, &body(&[]));
    let e = CaptureReader::open(&path).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(
        e,
        CaptureError::Version {
            found: 2,
            supported: 1,
            ..
        }
    ));
    assert!(
        msg.contains("c.vcap") && msg.contains("version 2") && msg.contains("version 1"),
        "{msg}"
    );

    raw_file(&path, FORMAT_VERSION, ABI_VERSION + 1, &body(&[]));
    let e = CaptureReader::open(&path).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(
        e,
        CaptureError::Abi {
            found: 2,
            supported: 1,
            ..
        }
    ));
    assert!(
        msg.contains("c.vcap") && msg.contains("ABI version 2") && msg.contains("ABI version 1"),
        "{msg}"
    );
}

#[test]
fn garbage_after_the_magic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.vcap");
    // Garbage in the preamble.
    let mut bytes = MAGIC.to_vec();
    bytes.extend_from_slice(&[0xde, 0xad, 0xbe, 0xef, 0x12, 0x34, 0x56, 0x78, 1, 2, 3, 4, 5, 6, 7, 8]);
    std::fs::write(&path, &bytes).unwrap();
    assert!(matches!(
        CaptureReader::open(&path),
        Err(CaptureError::Version { found: 0xadde, .. })
    ));
    // A valid preamble, then garbage instead of a zstd stream.
    write_file(&path, &records());
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.truncate(PREAMBLE_SIZE);
    bytes.extend_from_slice(&[0x55; 300]);
    std::fs::write(&path, &bytes).unwrap();
    let e = CaptureReader::open(&path).unwrap_err();
    assert!(matches!(e, CaptureError::Body { record: 0, .. }), "{e}");
    // Unknown compression.
    bytes[12] = 9;
    std::fs::write(&path, &bytes).unwrap();
    assert!(matches!(
        CaptureReader::open(&path),
        Err(CaptureError::Compression { found: 9, .. })
    ));
}

#[test]
fn corrupt_frames() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.vcap");
    let recs = records();
    // A frame length beyond RECORD_MAX.
    let big = vec![0u8; 100];
    raw_file(
        &path,
        FORMAT_VERSION,
        ABI_VERSION,
        &body(&[(recs[0].len() as u32, &recs[0]), (RECORD_MAX as u32 + 1, &big)]),
    );
    let (got, end) = read_all(&path);
    assert_eq!(got.len(), 1);
    let e = end.unwrap_err();
    assert!(
        matches!(e, CaptureError::FrameTooLong { record: 1, len, .. } if len == RECORD_MAX as u32 + 1),
        "{e}"
    );
    assert!(e.to_string().contains("record 1"), "{e}");
    // A zero length.
    raw_file(&path, FORMAT_VERSION, ABI_VERSION, &body(&[(0, b"")]));
    assert!(matches!(
        read_all(&path).1,
        Err(CaptureError::EmptyFrame { record: 0, .. })
    ));
    // A length that runs into the next frame: the trailer count no longer matches, or the
    // next length word is garbage.
    let mut b = body(&[(recs[1].len() as u32 - 4, &recs[1]), (recs[2].len() as u32, &recs[2])]);
    b.extend_from_slice(&TRAILER_MARK.to_le_bytes());
    b.extend_from_slice(&trailer_frame(2));
    raw_file(&path, FORMAT_VERSION, ABI_VERSION, &b);
    let end = read_all(&path).1;
    assert!(end.is_err(), "{end:?}");
    // A trailer that miscounts.
    let mut b = body(&[(recs[1].len() as u32, &recs[1])]);
    b.extend_from_slice(&TRAILER_MARK.to_le_bytes());
    b.extend_from_slice(&trailer_frame(5));
    raw_file(&path, FORMAT_VERSION, ABI_VERSION, &b);
    assert!(matches!(
        read_all(&path).1,
        Err(CaptureError::Count { said: 5, found: 1, .. })
    ));
    // Data after the trailer.
    let mut b = body(&[]);
    b.extend_from_slice(&TRAILER_MARK.to_le_bytes());
    b.extend_from_slice(&trailer_frame(0));
    b.push(0);
    raw_file(&path, FORMAT_VERSION, ABI_VERSION, &b);
    assert!(matches!(read_all(&path).1, Err(CaptureError::TrailingData { .. })));
    // A huge trailer length.
    let mut b = body(&[]);
    b.extend_from_slice(&TRAILER_MARK.to_le_bytes());
    b.extend_from_slice(&u32::MAX.to_le_bytes());
    raw_file(&path, FORMAT_VERSION, ABI_VERSION, &b);
    assert!(matches!(read_all(&path).1, Err(CaptureError::TrailerTooLarge { .. })));
}

#[test]
fn oversized_header_is_refused_without_allocating_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.vcap");
    raw_file(
        &path,
        FORMAT_VERSION,
        ABI_VERSION,
        &(HEADER_MAX as u32 + 1).to_le_bytes(),
    );
    assert!(matches!(
        CaptureReader::open(&path),
        Err(CaptureError::HeaderTooLarge { .. })
    ));
    // Within the cap but longer than the file: truncated, not a 64 MiB allocation.
    raw_file(&path, FORMAT_VERSION, ABI_VERSION, &(HEADER_MAX as u32).to_le_bytes());
    assert!(matches!(
        CaptureReader::open(&path),
        Err(CaptureError::Truncated { record: 0, .. })
    ));
    // Not JSON.
    let mut b = 3u32.to_le_bytes().to_vec();
    b.extend_from_slice(b"{{{");
    raw_file(&path, FORMAT_VERSION, ABI_VERSION, &b);
    assert!(matches!(CaptureReader::open(&path), Err(CaptureError::Header { .. })));
}

#[test]
fn flipped_compressed_byte_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.vcap");
    let recs = many(2000);
    write_file(&path, &recs);
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x40;
    std::fs::write(&path, &bytes).unwrap();
    // The zstd checksum (or the frame structure) catches it before the trailer is accepted.
    let end = match CaptureReader::open(&path) {
        Ok(_) => read_all(&path).1,
        Err(e) => Err(e),
    };
    assert!(end.is_err(), "a flipped byte went unnoticed");
}

#[test]
fn this_host_fills_host_facts() {
    let h = CaptureHeader::this_host("9.9.9", 5);
    assert_eq!(h.vigil_version, "9.9.9");
    assert!(h.start_wall_ns > 1_600_000_000_000_000_000);
    assert_eq!(h.wall_ns(10), 15);
    if Path::new("/proc/sys/kernel/osrelease").exists() {
        assert!(!h.kernel_release.is_empty());
    }
}

proptest::proptest! {
    #[test]
    fn random_bytes_never_panic(tail in proptest::collection::vec(proptest::num::u8::ANY, 0..600), with_magic: bool) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.vcap");
        let mut bytes = Vec::new();
        if with_magic {
            bytes.extend_from_slice(&MAGIC);
            bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
            bytes.extend_from_slice(&ABI_VERSION.to_le_bytes());
            bytes.extend_from_slice(&COMPRESSION_ZSTD.to_le_bytes());
            bytes.extend_from_slice(&[0, 0]);
        }
        bytes.extend_from_slice(&tail);
        std::fs::write(&path, &bytes).unwrap();
        if let Ok(mut r) = CaptureReader::open(&path) {
            while let Ok(Some(_)) = r.next_record() {}
        }
    }

    #[test]
    fn random_frames_never_panic(frames in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
        // A valid header and valid zstd around random frames exercise the framing, not just the
        // decompressor.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.vcap");
        let mut b = body(&[]);
        b.extend_from_slice(&frames);
        raw_file(&path, FORMAT_VERSION, ABI_VERSION, &b);
        if let Ok(mut r) = CaptureReader::open(&path) {
            while let Ok(Some(_)) = r.next_record() {}
        }
    }
}
