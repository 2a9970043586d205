//! Loads the probe and counts records for a while, decoding each: the kernel side's cost without
//! the state, rules or printing. `cargo run --release -p vigil-probe --example count -- SECONDS`
use std::time::{Duration, Instant};
use vigil_capture::{CaptureSource, Event, Flow};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let secs: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(5);
    let entry_args = std::env::args().nth(2).as_deref() != Some("--no-entry-args");
    let cfg = vigil_probe::ProbeConfig {
        entry_args,
        ..Default::default()
    };
    let mut probe = vigil_probe::Probe::start(&cfg)?;
    eprintln!("count: probe attached");
    let end = Instant::now() + Duration::from_secs(secs);
    let mut decoded = 0u64;
    while Instant::now() < end {
        probe.next_batch(Duration::from_millis(50), &mut |r| {
            if Event::decode(r).is_ok() {
                decoded += 1;
            }
            Flow::Continue
        })?;
    }
    let c = probe.counters();
    eprintln!(
        "count: decoded={decoded} seen={} sent={} drop_full={}",
        c.seen, c.sent, c.drop_full
    );
    Ok(())
}
