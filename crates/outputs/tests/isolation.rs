//! A slow or dead output never blocks `submit` or the other outputs; every alert is counted.
#![allow(clippy::unwrap_used)]
mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use vigil_outputs::{HttpConfig, HttpSink, Outputs, SinkSpec, ThrottleConfig};
use vigil_rules::Priority;

fn http(url: String, timeout_ms: u64, max_retries: u32) -> HttpConfig {
    serde_json::from_value(serde_json::json!({
        "type": "http", "url": url, "timeout_ms": timeout_ms, "max_retries": max_retries, "retry_backoff_ms": 10
    }))
    .map(|c: vigil_outputs::OutputConfig| match c {
        vigil_outputs::OutputConfig::Http(h) => h,
        _ => unreachable!(),
    })
    .unwrap()
}

#[test]
fn stalled_and_failing_webhooks_do_not_block_the_others() {
    let (stall_addr, held) = stalling_server();
    let (err_addr, err_seen) = http_server(500);
    let mem = Arc::new(Mutex::new(Vec::new()));
    let specs = vec![
        SinkSpec {
            sink: Box::new(MemSink(mem.clone())),
            min_priority: None,
            queue_size: 10_000,
        },
        SinkSpec {
            sink: Box::new(HttpSink::new(&http(format!("http://{stall_addr}/hook"), 300, 0)).unwrap()),
            min_priority: None,
            queue_size: 4,
        },
        SinkSpec {
            sink: Box::new(HttpSink::new(&http(format!("http://{err_addr}/hook"), 2000, 2)).unwrap()),
            min_priority: None,
            queue_size: 4,
        },
    ];
    let outputs = Outputs::from_sinks(
        specs,
        &ThrottleConfig {
            enabled: false,
            ..Default::default()
        },
    )
    .unwrap();
    const N: u64 = 200;
    let alerts: Vec<_> = (0..N)
        .map(|i| alert("r", &format!("c{i}"), Priority::Warning, i))
        .collect();
    let t = Instant::now();
    for a in &alerts {
        outputs.submit(a);
    }
    let took = t.elapsed();
    assert!(
        took < Duration::from_millis(200),
        "submit blocked: {took:?} for {N} alerts"
    );
    // The memory sink has everything, in order, while the webhooks are still busy.
    assert!(wait_until(Duration::from_secs(2), || mem.lock().unwrap().len() == N as usize));
    let texts = mem.lock().unwrap().clone();
    assert!(texts.iter().zip(&alerts).all(|(t, a)| **t == *a.text));

    let stats = outputs.shutdown(Duration::from_secs(10));
    let [m, stall, err] = &stats.sinks[..] else {
        panic!("{stats:?}")
    };
    assert_eq!(
        (m.queued, m.sent, m.failed, m.dropped_queue_full, m.pending),
        (N, N, 0, 0, 0)
    );
    for s in [stall, err] {
        assert_eq!(s.queued + s.dropped_queue_full, N, "{s:?}");
        assert_eq!(s.pending, 0, "{s:?}");
        assert_eq!(s.sent, 0, "{s:?}");
        assert_eq!(s.failed, s.queued, "{s:?}");
        // The queue holds 4, plus what the worker took off it during the burst (none if it was not
        // scheduled yet; a few if it was).
        assert!((4..=8).contains(&s.queued), "{s:?}");
        assert!(s.last_error.is_some());
    }
    // The stalled server saw one connection per attempt (no retries configured), answered none.
    assert_eq!(stall.retries, 0);
    assert_eq!(held.lock().unwrap().len() as u64, stall.failed);
    assert!(
        stall.last_error.as_deref().unwrap().contains("timeout"),
        "{:?}",
        stall.last_error
    );
    // The 500 server saw every attempt: 1 + 2 retries per alert.
    assert_eq!(err.retries, err.failed * 2);
    assert_eq!(err_seen.lock().unwrap().len() as u64, err.failed * 3);
    assert!(err.last_error.as_deref().unwrap().contains("500"));
}

#[test]
fn min_priority_filters_per_output() {
    let all = Arc::new(Mutex::new(Vec::new()));
    let severe = Arc::new(Mutex::new(Vec::new()));
    let outputs = Outputs::from_sinks(
        vec![
            SinkSpec {
                sink: Box::new(MemSink(all.clone())),
                min_priority: None,
                queue_size: 100,
            },
            SinkSpec {
                sink: Box::new(MemSink(severe.clone())),
                min_priority: Some(Priority::Error),
                queue_size: 100,
            },
        ],
        &ThrottleConfig::default(),
    )
    .unwrap();
    for (i, p) in Priority::ALL.into_iter().enumerate() {
        outputs.submit(&alert("r", &format!("c{i}"), p, i as u64));
    }
    let stats = outputs.shutdown(Duration::from_secs(5));
    assert_eq!(all.lock().unwrap().len(), 8);
    let sev = severe.lock().unwrap().clone();
    assert_eq!(sev.len(), 4, "{sev:?}");
    assert!(sev[3].contains(": Error "), "{sev:?}");
    assert_eq!((stats.sinks[1].queued, stats.sinks[1].sent), (4, 4));
}

#[test]
fn build_without_dev_log_warns() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = vigil_outputs::OutputsConfig::from_json(serde_json::json!({
        "outputs": [{"type": "syslog", "path": dir.path().join("no-log")}]
    }))
    .unwrap();
    let outputs = Outputs::build(&cfg).unwrap();
    assert_eq!(outputs.warnings().len(), 1);
    assert!(outputs.warnings()[0].contains("no-log"), "{:?}", outputs.warnings());
    outputs.submit(&alert("r", "c", Priority::Warning, 1));
    let stats = outputs.shutdown(Duration::from_secs(5));
    assert_eq!((stats.sinks[0].sent, stats.sinks[0].failed), (0, 1));
    // Falco's defaults: stdout and the local syslog.
    let d = Outputs::build(&vigil_outputs::OutputsConfig::default()).unwrap();
    let names: Vec<_> = d.stats().sinks.into_iter().map(|s| s.name).collect();
    assert_eq!(names, ["stdout", "syslog:/dev/log"]);
    assert_eq!(d.warnings().is_empty(), std::path::Path::new("/dev/log").exists());
}
