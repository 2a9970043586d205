//! [`Outputs`]: one thread and one bounded queue per sink, the throttle in front, the summary ticker.
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TryRecvError, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use vigil_rules::Priority;

use crate::alert::{now_ns, Alert};
use crate::config::OutputsConfig;
use crate::error::ConfigError;
use crate::throttle::{ThrottleStats, Throttler, Verdict};
use crate::{sinks, AlertSink, ThrottleConfig};

/// A sink with its queue options, for [`Outputs::from_sinks`] (sinks built outside this crate, or in tests).
pub struct SinkSpec {
    pub sink: Box<dyn AlertSink>,
    /// The least severe priority the sink receives (`None`: all).
    pub min_priority: Option<Priority>,
    /// Alerts waiting for the sink before new ones are dropped (at least 1).
    pub queue_size: usize,
}

/// One output's counters since start. Every alert offered to the output (passing its `min_priority`) ends in
/// exactly one of `dropped_queue_full`, `sent`, `failed`, or is still `pending`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinkStats {
    pub name: String,
    /// Accepted into the queue.
    pub queued: u64,
    /// Delivered.
    pub sent: u64,
    /// Not delivered: the sink gave up after its own retries.
    pub failed: u64,
    /// Not queued: the queue was full (the output is slow or down).
    pub dropped_queue_full: u64,
    /// Queued and not yet sent or failed (after a shutdown that timed out: lost).
    pub pending: u64,
    /// Repeated attempts (HTTP retries, reconnections, program restarts) reported by the sink.
    pub retries: u64,
    /// The last delivery error.
    pub last_error: Option<String>,
}

/// Counters of all outputs and the throttle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stats {
    pub sinks: Vec<SinkStats>,
    pub throttle: ThrottleStats,
}

#[derive(Default)]
struct Counters {
    queued: AtomicU64,
    sent: AtomicU64,
    failed: AtomicU64,
    dropped: AtomicU64,
    retries: AtomicU64,
    last_error: Mutex<Option<String>>,
}

struct Route {
    min_priority: Option<Priority>,
    tx: SyncSender<Arc<Alert>>,
    counters: Arc<Counters>,
}

/// The routes to the sink threads; shared with the summary ticker. Dropping the last reference closes the
/// queues, which ends the sink threads once they have drained them.
struct Dispatch {
    routes: Vec<Route>,
}

impl Dispatch {
    fn send(&self, alert: &Alert) {
        let mut shared: Option<Arc<Alert>> = None;
        for r in &self.routes {
            if r.min_priority.is_some_and(|min| alert.priority > min) {
                continue;
            }
            let a = shared.get_or_insert_with(|| Arc::new(alert.clone())).clone();
            match r.tx.try_send(a) {
                Ok(()) => r.counters.queued.fetch_add(1, Relaxed),
                Err(TrySendError::Full(_)) => r.counters.dropped.fetch_add(1, Relaxed),
                // The sink's thread is gone (it panicked): the alert is lost like a failed delivery.
                Err(TrySendError::Disconnected(_)) => r.counters.failed.fetch_add(1, Relaxed),
            };
        }
    }
}

struct Worker {
    name: String,
    counters: Arc<Counters>,
    handle: Option<JoinHandle<()>>,
}

/// The running outputs. [`Outputs::submit`] never blocks on an output.
pub struct Outputs {
    dispatch: Option<Arc<Dispatch>>,
    workers: Vec<Worker>,
    throttle: Arc<Mutex<Throttler>>,
    ticker: Option<(mpsc::Sender<()>, JoinHandle<()>)>,
    warnings: Vec<String>,
}

impl Outputs {
    /// Build the configured sinks and start their threads. Files named by the configuration (CA, client
    /// certificates) are read now; network connections and the program are opened on the first alert.
    pub fn build(cfg: &OutputsConfig) -> Result<Outputs, ConfigError> {
        let mut warnings = Vec::new();
        let mut specs = Vec::with_capacity(cfg.outputs.len());
        for (index, o) in cfg.outputs.iter().enumerate() {
            if o.queue_size() == 0 {
                return Err(ConfigError::Invalid {
                    index,
                    kind: o.kind(),
                    message: "queue_size must be at least 1".into(),
                });
            }
            let sink = sinks::build(index, o, &mut warnings)?;
            specs.push(SinkSpec {
                sink,
                min_priority: o.min_priority(),
                queue_size: o.queue_size(),
            });
        }
        let mut outputs = Outputs::from_sinks(specs, &cfg.throttle)?;
        outputs.warnings = warnings;
        Ok(outputs)
    }

    /// Start the given sinks behind the throttle.
    pub fn from_sinks(specs: Vec<SinkSpec>, throttle: &ThrottleConfig) -> Result<Outputs, ConfigError> {
        throttle.validate()?;
        let mut routes = Vec::with_capacity(specs.len());
        let mut workers = Vec::with_capacity(specs.len());
        for spec in specs {
            let (tx, rx) = mpsc::sync_channel(spec.queue_size.max(1));
            let counters = Arc::new(Counters::default());
            let name = spec.sink.name().to_owned();
            let c = counters.clone();
            let sink = spec.sink;
            let handle = std::thread::Builder::new()
                .name(format!("vigil-out-{}", workers.len()))
                .spawn(move || run_sink(sink, rx, &c))
                .map_err(|e| ConfigError::Invalid {
                    index: workers.len(),
                    kind: "thread",
                    message: e.to_string(),
                })?;
            routes.push(Route {
                min_priority: spec.min_priority,
                tx,
                counters: counters.clone(),
            });
            workers.push(Worker {
                name,
                counters,
                handle: Some(handle),
            });
        }
        let dispatch = Arc::new(Dispatch { routes });
        let throttler = Arc::new(Mutex::new(Throttler::new(throttle, Instant::now())));
        let ticker = if throttle.enabled {
            let (stop_tx, stop_rx) = mpsc::channel();
            let (d, t) = (dispatch.clone(), throttler.clone());
            let every = Duration::from_secs(throttle.summary_interval_secs.max(1));
            let h = std::thread::Builder::new()
                .name("vigil-out-throttle".into())
                .spawn(move || tick(&d, &t, &stop_rx, every))
                .map_err(|e| ConfigError::Invalid {
                    index: 0,
                    kind: "thread",
                    message: e.to_string(),
                })?;
            Some((stop_tx, h))
        } else {
            None
        };
        Ok(Outputs {
            dispatch: Some(dispatch),
            workers,
            throttle: throttler,
            ticker,
            warnings: Vec::new(),
        })
    }

    /// Problems found while building that do not stop the outputs (e.g. no `/dev/log`).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Throttle the alert, then offer it to every output whose `min_priority` it meets. Never blocks on an
    /// output: a full queue drops the alert for that output and counts it.
    pub fn submit(&self, alert: &Alert) {
        let verdict = lock(&self.throttle).check(alert, Instant::now());
        if verdict == Verdict::Suppressed {
            return;
        }
        if let Some(d) = &self.dispatch {
            d.send(alert);
        }
    }

    pub fn stats(&self) -> Stats {
        let sinks = self
            .workers
            .iter()
            .map(|w| {
                let c = &w.counters;
                let (queued, sent, failed) = (c.queued.load(Relaxed), c.sent.load(Relaxed), c.failed.load(Relaxed));
                SinkStats {
                    name: w.name.clone(),
                    queued,
                    sent,
                    failed,
                    dropped_queue_full: c.dropped.load(Relaxed),
                    pending: queued.saturating_sub(sent + failed),
                    retries: c.retries.load(Relaxed),
                    last_error: lock(&c.last_error).clone(),
                }
            })
            .collect();
        Stats {
            sinks,
            throttle: lock(&self.throttle).stats(),
        }
    }

    /// Emit the pending throttle summary, close the queues and wait up to `timeout` for the outputs to
    /// deliver what is queued and flush. Outputs still busy after `timeout` are left behind (their thread
    /// ends when its current attempt does); what they had queued shows as `pending`.
    pub fn shutdown(mut self, timeout: Duration) -> Stats {
        self.close();
        let deadline = Instant::now() + timeout;
        loop {
            let busy = self
                .workers
                .iter()
                .any(|w| w.handle.as_ref().is_some_and(|h| !h.is_finished()));
            if !busy || Instant::now() >= deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        for w in &mut self.workers {
            if w.handle.as_ref().is_some_and(|h| h.is_finished()) {
                if let Some(h) = w.handle.take() {
                    let _ = h.join();
                }
            }
        }
        self.stats()
    }

    fn close(&mut self) {
        if let Some((stop, h)) = self.ticker.take() {
            drop(stop);
            let _ = h.join();
        }
        if let Some(d) = self.dispatch.take() {
            if let Some(s) = lock(&self.throttle).summary(now_ns()) {
                d.send(&s);
            }
        }
    }
}

impl Drop for Outputs {
    /// Closes the queues without waiting; use [`Outputs::shutdown`] to wait for delivery.
    fn drop(&mut self) {
        self.close();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn tick(d: &Dispatch, t: &Mutex<Throttler>, stop: &Receiver<()>, every: Duration) {
    loop {
        match stop.recv_timeout(every) {
            Err(RecvTimeoutError::Timeout) => {
                let summary = lock(t).summary(now_ns());
                if let Some(s) = summary {
                    d.send(&s);
                }
            }
            Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

fn run_sink(mut sink: Box<dyn AlertSink>, rx: Receiver<Arc<Alert>>, c: &Counters) {
    let deliver = |sink: &mut Box<dyn AlertSink>, a: &Alert| {
        let r = sink.send(a);
        c.retries.store(sink.retries(), Relaxed);
        match r {
            Ok(()) => {
                c.sent.fetch_add(1, Relaxed);
            }
            Err(e) => {
                *lock(&c.last_error) = Some(e.to_string());
                c.failed.fetch_add(1, Relaxed);
            }
        }
    };
    loop {
        match rx.try_recv() {
            Ok(a) => deliver(&mut sink, &a),
            Err(TryRecvError::Empty) => {
                if let Err(e) = sink.flush() {
                    *lock(&c.last_error) = Some(e.to_string());
                }
                match rx.recv() {
                    Ok(a) => deliver(&mut sink, &a),
                    Err(_) => break,
                }
            }
            Err(TryRecvError::Disconnected) => break,
        }
    }
    if let Err(e) = sink.flush() {
        *lock(&c.last_error) = Some(e.to_string());
    }
}
