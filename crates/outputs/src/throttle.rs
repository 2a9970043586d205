//! Throttling per (rule, container) with token buckets, and the summary alert of what was suppressed.
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hashbrown::{Equivalent, HashMap};
use serde_json::json;
use vigil_rules::Priority;

use crate::alert::{format_time, Alert};
use crate::config::ThrottleConfig;

/// The rule name of the summary alert.
pub const SUMMARY_RULE: &str = "Vigil alerts throttled";
/// At most this many (rule, container) entries are listed in a summary's text; the JSON lists up to
/// [`SUMMARY_JSON_KEYS`]; the rest are counted in `others`.
const SUMMARY_TEXT_KEYS: usize = 10;
const SUMMARY_JSON_KEYS: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    Suppressed,
}

/// Counters of the throttle since start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ThrottleStats {
    pub passed: u64,
    pub suppressed: u64,
    /// Summary alerts produced.
    pub summaries: u64,
    /// (rule, container) buckets currently held.
    pub keys: usize,
    /// Alerts that went through the shared overflow bucket because `max_keys` buckets were busy.
    pub overflowed: u64,
}

#[derive(Debug)]
struct Key {
    rule: Arc<str>,
    container: Arc<str>,
}

struct KeyRef<'a> {
    rule: &'a str,
    container: &'a str,
}

fn hash_pair<H: Hasher>(rule: &str, container: &str, h: &mut H) {
    rule.hash(h);
    container.hash(h);
}

impl Hash for Key {
    fn hash<H: Hasher>(&self, h: &mut H) {
        hash_pair(&self.rule, &self.container, h)
    }
}
impl PartialEq for Key {
    fn eq(&self, o: &Key) -> bool {
        self.rule == o.rule && self.container == o.container
    }
}
impl Eq for Key {}
impl Hash for KeyRef<'_> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        hash_pair(self.rule, self.container, h)
    }
}
impl Equivalent<Key> for KeyRef<'_> {
    fn equivalent(&self, k: &Key) -> bool {
        *k.rule == *self.rule && *k.container == *self.container
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
    /// Suppressed since the last summary.
    suppressed: u64,
}

impl Bucket {
    fn take(&mut self, now: Instant, rate: f64, burst: f64) -> bool {
        let dt = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens = (self.tokens + dt * rate).min(burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            self.suppressed += 1;
            false
        }
    }

    fn idle(&self, now: Instant, rate: f64, burst: f64) -> bool {
        self.suppressed == 0 && self.tokens + now.saturating_duration_since(self.last).as_secs_f64() * rate >= burst
    }
}

/// The throttle: [`Throttler::check`] on each alert, [`Throttler::summary`] once per interval. Memory is
/// bounded by `max_keys` buckets (about 100 bytes each plus the shared names).
pub struct Throttler {
    enabled: bool,
    rate: f64,
    burst: f64,
    max_keys: usize,
    buckets: HashMap<Key, Bucket>,
    overflow: Bucket,
    last_sweep: Option<Instant>,
    /// Most severe priority suppressed since the last summary.
    worst: Option<Priority>,
    hostname: Option<Arc<str>>,
    stats: ThrottleStats,
}

impl Throttler {
    pub fn new(cfg: &ThrottleConfig, now: Instant) -> Throttler {
        let burst = f64::from(cfg.burst.max(1));
        Throttler {
            enabled: cfg.enabled,
            rate: cfg.rate,
            burst,
            max_keys: cfg.max_keys.max(1),
            buckets: HashMap::new(),
            overflow: Bucket {
                tokens: burst,
                last: now,
                suppressed: 0,
            },
            last_sweep: None,
            worst: None,
            hostname: None,
            stats: ThrottleStats::default(),
        }
    }

    pub fn stats(&self) -> ThrottleStats {
        ThrottleStats {
            keys: self.buckets.len(),
            ..self.stats
        }
    }

    /// Take a token for the alert's (rule, container). No allocation unless the pair is new.
    pub fn check(&mut self, alert: &Alert, now: Instant) -> Verdict {
        if !self.enabled {
            self.stats.passed += 1;
            return Verdict::Pass;
        }
        let (rate, burst) = (self.rate, self.burst);
        let key = KeyRef {
            rule: &alert.rule,
            container: &alert.container_id,
        };
        let pass = if let Some(b) = self.buckets.get_mut(&key) {
            b.take(now, rate, burst)
        } else {
            if self.buckets.len() >= self.max_keys {
                self.sweep(now);
            }
            if self.buckets.len() < self.max_keys {
                let mut b = Bucket {
                    tokens: burst,
                    last: now,
                    suppressed: 0,
                };
                let pass = b.take(now, rate, burst);
                self.buckets.insert(
                    Key {
                        rule: alert.rule.clone(),
                        container: alert.container_id.clone(),
                    },
                    b,
                );
                pass
            } else {
                self.stats.overflowed += 1;
                self.overflow.take(now, rate, burst)
            }
        };
        if pass {
            self.stats.passed += 1;
            Verdict::Pass
        } else {
            self.stats.suppressed += 1;
            self.worst = Some(self.worst.map_or(alert.priority, |w| w.min(alert.priority)));
            if self.hostname.as_deref() != Some(&*alert.hostname) {
                self.hostname = Some(alert.hostname.clone());
            }
            Verdict::Suppressed
        }
    }

    /// Drop idle buckets (full, nothing pending); at most once a second.
    fn sweep(&mut self, now: Instant) {
        if self
            .last_sweep
            .is_some_and(|t| now.saturating_duration_since(t) < Duration::from_secs(1))
        {
            return;
        }
        self.last_sweep = Some(now);
        let (rate, burst) = (self.rate, self.burst);
        self.buckets.retain(|_, b| !b.idle(now, rate, burst));
    }

    /// The summary of what was suppressed since the last call, or `None` if nothing was; resets the counts.
    ///
    /// Its priority is the most severe priority among the suppressed alerts, so every output that would have
    /// received one of them receives the summary. Its container is `host`; `source` is `internal`; the JSON
    /// alert has Falco's keys and `throttled: [{rule, container_id, suppressed}]` (largest first).
    pub fn summary(&mut self, time_ns: u64) -> Option<Alert> {
        let priority = self.worst.take()?;
        let mut rows: Vec<(Arc<str>, Arc<str>, u64)> = Vec::new();
        for (k, b) in self.buckets.iter_mut() {
            if b.suppressed > 0 {
                rows.push((k.rule.clone(), k.container.clone(), b.suppressed));
                b.suppressed = 0;
            }
        }
        if self.overflow.suppressed > 0 {
            rows.push(("*".into(), "*".into(), self.overflow.suppressed));
            self.overflow.suppressed = 0;
        }
        rows.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)).then_with(|| a.1.cmp(&b.1)));
        let total: u64 = rows.iter().map(|r| r.2).sum();
        self.stats.summaries += 1;

        let mut output = format!(
            "Vigil throttled {total} alerts from {} rule/container pairs:",
            rows.len()
        );
        for (rule, container, n) in rows.iter().take(SUMMARY_TEXT_KEYS) {
            output.push_str(&format!(" [rule={rule} container={container} suppressed={n}]"));
        }
        if rows.len() > SUMMARY_TEXT_KEYS {
            output.push_str(&format!(" and {} more", rows.len() - SUMMARY_TEXT_KEYS));
        }
        let mut text = String::new();
        format_time(time_ns, false, 9, &mut text);
        text.push_str(&format!(": {priority} {output}"));
        let mut time = String::new();
        format_time(time_ns, true, 9, &mut time);
        let hostname = self.hostname.clone().unwrap_or_else(|| "".into());
        let listed: Vec<_> = rows
            .iter()
            .take(SUMMARY_JSON_KEYS)
            .map(|(r, c, n)| json!({"rule": &**r, "container_id": &**c, "suppressed": n}))
            .collect();
        let json = json!({
            "hostname": &*hostname,
            "output": &output,
            "output_fields": {"vigil.throttled.total": total, "vigil.throttled.pairs": rows.len()},
            "priority": priority.as_str(),
            "rule": SUMMARY_RULE,
            "source": "internal",
            "tags": ["vigil", "throttle"],
            "throttled": listed,
            "throttled_others": rows.len().saturating_sub(SUMMARY_JSON_KEYS),
            "time": time,
        });
        Some(Alert {
            priority,
            rule: SUMMARY_RULE.into(),
            time_ns,
            hostname,
            container_id: "host".into(),
            tags: Arc::from(vec![Arc::<str>::from("vigil"), Arc::from("throttle")]),
            text: text.into(),
            output: output.into(),
            json: json.to_string().into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn alert(rule: &str, container: &str, p: Priority) -> Alert {
        Alert {
            priority: p,
            rule: rule.into(),
            time_ns: 0,
            hostname: "h".into(),
            container_id: container.into(),
            tags: Arc::from(Vec::<Arc<str>>::new()),
            text: "t".into(),
            output: "o".into(),
            json: "{}".into(),
        }
    }

    fn cfg(rate: f64, burst: u32, max_keys: usize) -> ThrottleConfig {
        ThrottleConfig {
            rate,
            burst,
            max_keys,
            ..ThrottleConfig::default()
        }
    }

    #[test]
    fn bucket_refills_at_rate() {
        let t0 = Instant::now();
        let mut t = Throttler::new(&cfg(10.0, 5, 100), t0);
        let a = alert("r", "c1", Priority::Warning);
        let pass = (0..8).filter(|_| t.check(&a, t0) == Verdict::Pass).count();
        assert_eq!(pass, 5);
        // 0.25 s later: 2.5 tokens -> 2 pass.
        let t1 = t0 + Duration::from_millis(250);
        let pass = (0..8).filter(|_| t.check(&a, t1) == Verdict::Pass).count();
        assert_eq!(pass, 2);
        // Another container has its own bucket.
        let b = alert("r", "c2", Priority::Warning);
        assert_eq!((0..5).filter(|_| t.check(&b, t1) == Verdict::Pass).count(), 5);
        assert_eq!(t.stats().suppressed, 3 + 6);
        let s = t.summary(1_700_000_000_000_000_000).unwrap();
        assert_eq!(s.rule.as_ref(), SUMMARY_RULE);
        assert_eq!(s.priority, Priority::Warning);
        assert!(
            s.output.contains("throttled 9 alerts") && s.output.contains("container=c1 suppressed=9"),
            "{}",
            s.output
        );
        assert!(
            s.text.starts_with("22:13:20.000000000: Warning Vigil throttled 9"),
            "{}",
            s.text
        );
        let v: serde_json::Value = serde_json::from_str(&s.json).unwrap();
        assert_eq!(v["time"], "2023-11-14T22:13:20.000000000Z");
        assert_eq!(v["rule"], SUMMARY_RULE);
        assert_eq!(v["throttled"][0]["container_id"], "c1");
        assert_eq!(v["throttled"][0]["suppressed"], 9);
        assert_eq!(v["output_fields"]["vigil.throttled.total"], 9);
        assert!(t.summary(0).is_none(), "counts reset after a summary");
    }

    #[test]
    fn summary_priority_is_the_most_severe_suppressed() {
        let t0 = Instant::now();
        let mut t = Throttler::new(&cfg(0.0, 1, 100), t0);
        for p in [
            Priority::Notice,
            Priority::Notice,
            Priority::Critical,
            Priority::Critical,
            Priority::Debug,
        ] {
            t.check(&alert("r", &format!("{p}"), p), t0);
        }
        assert_eq!(t.summary(0).unwrap().priority, Priority::Critical);
    }

    #[test]
    fn keys_are_bounded() {
        let t0 = Instant::now();
        let mut t = Throttler::new(&cfg(1.0, 1, 3), t0);
        for i in 0..10 {
            t.check(&alert("r", &format!("c{i}"), Priority::Warning), t0);
        }
        assert_eq!(t.stats().keys, 3);
        assert_eq!(t.stats().overflowed, 7);
        // Overflow shares one bucket of burst 1.
        assert_eq!(t.stats().passed, 4);
        assert_eq!(t.stats().suppressed, 6);
        let s = t.summary(0).unwrap();
        assert!(s.output.contains("container=* suppressed=6"), "{}", s.output);
        // Two seconds later the buckets are full again and idle: newcomers evict them.
        let t1 = t0 + Duration::from_secs(2);
        assert_eq!(t.check(&alert("r", "new", Priority::Warning), t1), Verdict::Pass);
        assert_eq!(t.stats().keys, 1);
    }

    #[test]
    fn disabled_passes_everything() {
        let t0 = Instant::now();
        let mut t = Throttler::new(
            &ThrottleConfig {
                enabled: false,
                ..ThrottleConfig::default()
            },
            t0,
        );
        let a = alert("r", "c", Priority::Warning);
        assert!((0..1000).all(|_| t.check(&a, t0) == Verdict::Pass));
        assert!(t.summary(0).is_none());
    }
}
