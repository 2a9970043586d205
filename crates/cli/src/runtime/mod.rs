//! The runtime commands: `vigil watch`, `vigil capture`, `vigil replay`. One pipeline for all
//! three: a capture source (the live probe or a capture file) → decode → state → filter →
//! printer and/or capture writer.

pub mod capture;
pub mod engine;
pub mod filter;
pub mod print;
pub mod respond;
pub mod watch;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use vigil_capture::{CaptureSource, Counters, Event, Flow};

/// Signals: SIGINT/SIGTERM stop cleanly, SIGUSR1 asks for the counters.
pub struct Signals {
    quit: Arc<AtomicBool>,
    usr1: Arc<AtomicBool>,
}

impl Signals {
    pub fn install() -> Result<Signals> {
        use signal_hook::consts::{SIGINT, SIGTERM, SIGUSR1};
        let quit = Arc::new(AtomicBool::new(false));
        let usr1 = Arc::new(AtomicBool::new(false));
        for sig in [SIGINT, SIGTERM] {
            signal_hook::flag::register(sig, Arc::clone(&quit)).context("installing the SIGINT/SIGTERM handler")?;
        }
        signal_hook::flag::register(SIGUSR1, Arc::clone(&usr1)).context("installing the SIGUSR1 handler")?;
        Ok(Signals { quit, usr1 })
    }

    pub fn quit_requested(&self) -> bool {
        self.quit.load(Ordering::Relaxed)
    }
}

/// The one-line counters summary, printed on stderr at exit and on SIGUSR1.
pub fn counters_line(c: &Counters) -> String {
    format!(
        "vigil: counters seen={} sent={} received={} drop_full={} drop_size={} drop_read={} bad={} stash_miss={}",
        c.seen, c.sent, c.received, c.drop_full, c.drop_size, c.drop_read, c.bad, c.stash_miss
    )
}

/// What the pipeline's callback gets: an event, or the end of a batch (at least every 50 ms,
/// events or not: for work that must not wait for the next event, such as arming responses).
pub enum Step<'a, 'b> {
    Event(&'a Event<'b>),
    Tick,
}

/// Feeds every record of `source` to `on_event` until the source ends, the deadline passes or
/// a signal asks to stop. Records that do not decode are counted as `bad`, never fatal.
pub fn drive(
    source: &mut dyn CaptureSource,
    signals: &Signals,
    deadline: Option<Instant>,
    on_event: &mut dyn FnMut(Step<'_, '_>) -> Result<()>,
) -> Result<Counters> {
    let mut bad = 0u64;
    let mut first_bad: Option<String> = None;
    let mut failed: Option<anyhow::Error> = None;
    let mut draining = false;
    loop {
        if !draining && (signals.quit_requested() || deadline.is_some_and(|d| Instant::now() >= d)) {
            // Stop the source, then one last pass with no wait: what the kernel already sent
            // is delivered, not lost, and the counters add up.
            source.stop();
            draining = true;
        }
        if signals.usr1.swap(false, Ordering::Relaxed) {
            let mut c = source.counters();
            c.bad += bad;
            eprintln!("{}", counters_line(&c));
        }
        let wait = if draining {
            Duration::ZERO
        } else {
            Duration::from_millis(50)
        };
        let got = source.next_batch(wait, &mut |rec| match Event::decode(rec) {
            Ok(ev) => match on_event(Step::Event(&ev)) {
                Ok(()) => Flow::Continue,
                Err(e) => {
                    failed = Some(e);
                    Flow::Stop
                }
            },
            Err(e) => {
                bad += 1;
                if first_bad.is_none() {
                    first_bad = Some(e.to_string());
                }
                Flow::Continue
            }
        })?;
        if let Some(e) = failed.take() {
            return Err(e);
        }
        on_event(Step::Tick)?;
        if got.is_none() || (draining && got == Some(0)) {
            break;
        }
    }
    if let Some(e) = first_bad {
        eprintln!("vigil: warning: {bad} record(s) could not be decoded; the first: {e}");
    }
    let mut c = source.counters();
    c.bad += bad;
    Ok(c)
}
