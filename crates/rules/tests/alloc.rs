//! The per-event path allocates nothing once warm: decoding a record, applying it to the state
//! and evaluating conditions over its fields, for events that create no new state (the vast
//! majority: reads of known fds, signals, failed calls). Counted with dhat's testing allocator.

#![allow(clippy::unwrap_used)]

use std::net::Ipv4Addr;

use vigil_capture::abi::{tag, KIND_PROC_EXEC};
use vigil_capture::encode::RecordBuilder;
use vigil_capture::{Event, ProcInfo, Tuple};
use vigil_rules::fields::{self, EventFields, Host};
use vigil_rules::ruleset::{LoadedRule, LoadedRules, Origin, Priority};
use vigil_rules::{MatchMode, Ruleset, RulesetConfig, Scratch};
use vigil_state::{Tracker, TrackerConfig};

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

const CONDITIONS: &[&str] = &[
    "evt.type in (open, openat, openat2) and evt.is_open_read=true and fd.name pmatch (/etc, /root/.ssh) and not proc.name in (sshd, sudo)",
    "evt.type=sendto and fd.sip != 127.0.0.1 and fd.sport in (25, 465, 587) and container.id != host",
    "proc.aname[1]=bash and proc.cmdline contains curl",
    "evt.type=kill and evt.arg.sig=SIGKILL and user.name=root",
    "fd.net != 10.0.0.0/8 and fd.l4proto=tcp and proc.exepath endswith /nc",
    "evt.res != SUCCESS and evt.type=setuid",
];

/// Rules over the same events that never match: the no-match path.
const NO_MATCH: &[&str] = &[
    "evt.type in (open, openat) and fd.name in (/etc/sudoers, /etc/gshadow) and proc.name != sudo",
    "evt.type = sendto and (proc.cmdline contains stratum or proc.cmdline contains xmrig or proc.cmdline contains minerd)",
    "evt.type in (kill, tkill) and evt.arg.sig = SIGTERM and proc.aname[2] startswith containerd",
    "evt.type = fchmod and evt.arg.mode contains S_ISUID",
    "evt.type = setuid and user.name != root and container.id != host",
];

fn rule(name: &str, cond: &str) -> LoadedRule {
    LoadedRule {
        name: name.into(),
        desc: String::new(),
        condition: vigil_rules::parse(cond).unwrap(),
        condition_text: cond.into(),
        output: String::new(),
        priority: Priority::Warning,
        source: "syscall".into(),
        tags: vec![],
        enabled: true,
        warn_evttypes: false,
        skip_if_unknown_filter: false,
        origin: Origin {
            file: "bench".into(),
            line: 1,
            col: 1,
        },
    }
}

#[test]
fn no_allocation_per_event_once_warm() {
    let mut tracker = Tracker::new(TrackerConfig::default());
    let boot = 1_000_000_000u64;
    let setup = [
        RecordBuilder::new(KIND_PROC_EXEC, boot, 500, 500)
            .ppid(1)
            .field(tag::FILENAME, b"/usr/bin/curl")
            .argv(&["curl", "-s", "http://example.com"])
            .path_rev(tag::EXEPATH, "/usr/bin/curl")
            .path_rev(tag::CWD, "/root")
            .procinfo(&ProcInfo::default())
            .build(),
        RecordBuilder::syscall("openat", boot + 1, 500, 500)
            .arg(0, (-100i64) as u64)
            .str_arg(1, "/etc/hosts")
            .res(3)
            .build(),
        RecordBuilder::syscall("socket", boot + 2, 500, 500)
            .arg(0, 2)
            .arg(1, 1)
            .arg(2, 6)
            .res(4)
            .build(),
        RecordBuilder::syscall("connect", boot + 3, 500, 500)
            .arg(0, 4)
            .sockaddr(Ipv4Addr::new(93, 184, 215, 14).into(), 80)
            .tuple(&Tuple {
                family: 2,
                sock_type: 1,
                proto: 6,
                local: (Ipv4Addr::new(10, 0, 0, 5).into(), 41000),
                remote: (Ipv4Addr::new(93, 184, 215, 14).into(), 80),
            })
            .res(0)
            .build(),
    ];
    for r in &setup {
        tracker.apply(&Event::decode(r).unwrap());
    }
    let table = fields::table();
    let conds: Vec<_> = CONDITIONS
        .iter()
        .map(|c| vigil_rules::compile(&vigil_rules::parse(c).unwrap(), &table).unwrap())
        .collect();
    let host = Host {
        hostname: Some("node-1".into()),
        boot_epoch_ns: Some(1_700_000_000_000_000_000),
    };
    // events that create no new state
    let hot: Vec<Vec<u8>> = (0..200u64)
        .flat_map(|i| {
            [
                RecordBuilder::syscall("sendto", boot + 10 + i, 500, 500)
                    .arg(0, 4)
                    .res(100)
                    .build(),
                RecordBuilder::syscall("kill", boot + 10 + i, 500, 500)
                    .arg(0, 1)
                    .arg(1, 9)
                    .res(-1)
                    .build(),
                RecordBuilder::syscall("setuid", boot + 10 + i, 500, 500)
                    .arg(0, 0)
                    .res(-1)
                    .build(),
                RecordBuilder::syscall("fchmod", boot + 10 + i, 500, 500)
                    .arg(0, 3)
                    .arg(1, 0o644)
                    .res(0)
                    .build(),
                RecordBuilder::syscall("openat", boot + 10 + i, 500, 500)
                    .arg(0, (-100i64) as u64)
                    .str_arg(1, "/etc/shadow")
                    .res(-13)
                    .build(),
            ]
        })
        .collect();
    // The same conditions as a ruleset (plus rules no event here matches), every match reported.
    let mut rules: Vec<LoadedRule> = CONDITIONS
        .iter()
        .enumerate()
        .map(|(i, c)| rule(&format!("cond {i}"), c))
        .collect();
    rules.extend(NO_MATCH.iter().enumerate().map(|(i, c)| rule(&format!("quiet {i}"), c)));
    let (ruleset, _) = Ruleset::compile(
        &LoadedRules {
            rules,
            ..Default::default()
        },
        &RulesetConfig {
            mode: MatchMode::All,
            ..Default::default()
        },
    );
    let mut scratch = Scratch::new();
    let mut matched = Vec::new();
    let mut run = |tracker: &mut Tracker, scratch: &mut Scratch| -> usize {
        let mut hits = 0;
        for r in &hot {
            let ev = Event::decode(r).unwrap();
            let en = tracker.apply(&ev);
            let f = EventFields::new(&en, &host, Some(1));
            for c in &conds {
                hits += usize::from(c.matches(&f, scratch));
            }
            ruleset.evaluate(&f, scratch, &mut matched);
            assert!(matched.iter().all(|r| r.name.starts_with("cond")));
            hits += matched.len() << 16;
        }
        hits
    };
    // warm: buffers grow to their working size
    let warm_hits = run(&mut tracker, &mut scratch);
    let profiler = dhat::Profiler::builder().testing().build();
    let before = dhat::HeapStats::get();
    let hits = run(&mut tracker, &mut scratch);
    let after = dhat::HeapStats::get();
    drop(profiler);
    assert_eq!(hits, warm_hits);
    // curl's connect matches the fd.net/l4proto condition? no: the exe is curl, not nc. The
    // kill -9 by root matches; the failed setuid matches.
    assert!(hits & 0xffff >= 400, "the conditions must really evaluate: {hits} hits");
    assert_eq!(hits >> 16, hits & 0xffff, "the ruleset matches as the conditions do");
    assert_eq!(
        after.total_blocks - before.total_blocks,
        0,
        "{} allocations for {} events",
        after.total_blocks - before.total_blocks,
        hot.len()
    );
}
