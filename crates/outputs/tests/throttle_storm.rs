//! One noisy container sends 1,000,000 alerts: memory stays bounded, the counts are exact, and another
#![allow(clippy::unwrap_used)]
//! container's alerts all get through.
mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use vigil_outputs::{Alert, AlertSink, Outputs, SinkError, SinkSpec, ThrottleConfig, SUMMARY_RULE};
use vigil_rules::Priority;

#[derive(Default)]
struct Seen {
    noisy: u64,
    quiet: u64,
    summaries: Vec<serde_json::Value>,
}

struct Counting(Arc<Mutex<Seen>>);

impl AlertSink for Counting {
    fn name(&self) -> &str {
        "counting"
    }
    fn send(&mut self, a: &Alert) -> Result<(), SinkError> {
        let mut s = self.0.lock().unwrap();
        match (&*a.rule, &*a.container_id) {
            (SUMMARY_RULE, _) => s.summaries.push(serde_json::from_str(&a.json).unwrap()),
            (_, "noisy") => s.noisy += 1,
            (_, "quiet") => s.quiet += 1,
            other => panic!("unexpected {other:?}"),
        }
        Ok(())
    }
}

fn rss_kib() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap();
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .unwrap()
        .trim()
        .trim_end_matches(" kB")
        .trim()
        .parse()
        .unwrap()
}

#[test]
fn a_million_alerts_from_one_container() {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let throttle = ThrottleConfig {
        rate: 10.0,
        burst: 50,
        summary_interval_secs: 1,
        ..Default::default()
    };
    let outputs = Outputs::from_sinks(
        vec![SinkSpec {
            sink: Box::new(Counting(seen.clone())),
            min_priority: None,
            queue_size: 100_000,
        }],
        &throttle,
    )
    .unwrap();
    let noisy = alert("Shell in container", "noisy", Priority::Notice, 0);
    let quiet = alert("Shell in container", "quiet", Priority::Critical, 1);
    let before = rss_kib();
    const N: u64 = 1_000_000;
    let mut quiet_sent = 0;
    for i in 0..N {
        outputs.submit(&noisy);
        if i % 25_000 == 0 {
            outputs.submit(&quiet);
            quiet_sent += 1;
        }
    }
    let grown = rss_kib().saturating_sub(before);
    let stats = outputs.shutdown(Duration::from_secs(5));
    let seen = seen.lock().unwrap();
    assert_eq!(quiet_sent, 40);
    assert_eq!(seen.quiet, 40, "the quiet container is not throttled by the noisy one");
    assert_eq!(stats.throttle.passed + stats.throttle.suppressed, N + quiet_sent);
    assert_eq!(seen.noisy + seen.quiet, stats.throttle.passed);
    assert!(
        seen.noisy >= 50 && seen.noisy < 50 + 10 * 120,
        "noisy passed {}",
        seen.noisy
    );
    assert_eq!(stats.throttle.keys, 2);
    // Every suppressed alert is reported, in summaries that name the noisy container alone.
    assert!(!seen.summaries.is_empty());
    let mut reported = 0;
    for s in &seen.summaries {
        assert_eq!(s["rule"], SUMMARY_RULE);
        assert_eq!(s["priority"], "Notice");
        assert_eq!(s["throttled"].as_array().unwrap().len(), 1);
        assert_eq!(s["throttled"][0]["container_id"], "noisy");
        reported += s["throttled"][0]["suppressed"].as_u64().unwrap();
    }
    assert_eq!(reported, stats.throttle.suppressed);
    assert_eq!(stats.throttle.summaries as usize, seen.summaries.len());
    let sink = &stats.sinks[0];
    assert_eq!(sink.sent, stats.throttle.passed + stats.throttle.summaries);
    assert_eq!(sink.dropped_queue_full, 0);
    assert!(grown < 16 * 1024, "RSS grew by {grown} KiB");
}
