//! `vigil watch`: the live sensor.

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use clap::Args;

use super::print::{Context, Printer};
use super::{counters_line, drive, Signals};

#[derive(Args)]
pub struct WatchArgs {
    /// Print one line per event on stdout.
    #[arg(long)]
    pub print: bool,
    /// Print events as JSON, one object per line.
    #[arg(long)]
    pub json: bool,
    /// Stop after this long (e.g. 30s, 5m); default: until Ctrl-C.
    #[arg(long, value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Ring buffer size in bytes, a power of two.
    #[arg(long, default_value_t = 8 << 20)]
    pub ring_bytes: usize,
}

pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let (num, unit) = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map_or((s, "s"), |i| s.split_at(i));
    let n: f64 = num
        .parse()
        .map_err(|_| format!("not a duration: {s:?} (use e.g. 30s, 5m, 1h, 500ms)"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" | "" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("unknown unit {unit:?} in {s:?} (use ms, s, m or h)")),
    };
    Ok(Duration::from_secs_f64(secs))
}

pub fn run(args: WatchArgs) -> Result<std::process::ExitCode> {
    let signals = Signals::install()?;
    let cfg = vigil_probe::ProbeConfig {
        ring_bytes: args.ring_bytes,
        ..Default::default()
    };
    let mut probe = vigil_probe::Probe::start(&cfg).context("starting the kernel probe")?;
    eprintln!(
        "vigil: watching ({} programs attached, kernel {})",
        probe.programs(),
        vigil_probe::kernel_release()?
    );
    let deadline = args.duration.map(|d| Instant::now() + d);
    let mut printer = Printer::new(args.json, vigil_probe::boot_to_wall_offset_ns());
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let print = args.print || args.json;
    let counters = drive(&mut probe, &signals, deadline, &mut |ev| {
        if print {
            printer.print(ev, &Context::default(), &mut out)?;
        }
        Ok(())
    })?;
    out.flush()?;
    eprintln!("{}", counters_line(&counters));
    Ok(std::process::ExitCode::SUCCESS)
}
