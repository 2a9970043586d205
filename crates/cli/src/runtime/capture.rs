//! `vigil capture` writes the live event stream to a capture file; `vigil replay` reads one
//! back through the same pipeline, with the state the file carries, so no live system is needed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};
use clap::Args;
use vigil_capture::{CaptureHeader, CaptureReader, CaptureWriter, Kind};
use vigil_state::{Snapshot, Tracker};

use super::print::Printer;
use super::watch::{parse_duration, ContextBuf, Sensor};
use super::{counters_line, drive, Signals};

#[derive(Args)]
pub struct CaptureArgs {
    /// The capture file to write (replaced atomically when the capture ends).
    #[arg(short = 'w', long = "write")]
    pub file: PathBuf,
    /// Stop after this long (e.g. 30s, 5m); default: until Ctrl-C.
    #[arg(long, value_parser = parse_duration)]
    pub duration: Option<Duration>,
    /// Keep only events matching this condition (Falco's condition language). Process
    /// lifecycle events (exec, fork, exit) are always kept so replay's state stays right.
    #[arg(long)]
    pub filter: Option<String>,
    /// Ring buffer size in bytes, a power of two.
    #[arg(long, default_value_t = 8 << 20)]
    pub ring_bytes: usize,
    #[arg(long, default_value = "/var/run/docker.sock")]
    pub docker_socket: PathBuf,
    /// Read every argument at syscall exit (see `vigil watch --help`).
    #[arg(long)]
    pub no_entry_args: bool,
}

#[derive(Args)]
pub struct ReplayArgs {
    /// A capture file written by `vigil capture`.
    pub file: PathBuf,
    /// Print one line per event.
    #[arg(long)]
    pub print: bool,
    /// Print events as JSON, one object per line.
    #[arg(long)]
    pub json: bool,
    /// Print only events matching this condition.
    #[arg(long)]
    pub filter: Option<String>,
    #[command(flatten)]
    pub rule: super::engine::RuleArgs,
}

pub fn run_capture(args: CaptureArgs) -> Result<std::process::ExitCode> {
    let filter = args
        .filter
        .as_deref()
        .map(|f| super::filter::Filter::compile(f, super::filter::live_host()))
        .transpose()?;
    let signals = Signals::install()?;
    let Sensor { mut probe, mut tracker } = Sensor::start(
        args.ring_bytes,
        &args.docker_socket,
        !args.no_entry_args,
        vigil_capture::syscalls::SYSCALLS.iter().collect(),
    )?;
    let boot_wall = u64::try_from(vigil_probe::boot_to_wall_offset_ns()).unwrap_or(0);
    // Metadata of the containers already running, before the snapshot is taken.
    tracker.containers_mut().wait_idle(Duration::from_secs(2));
    let mut header = CaptureHeader::this_host(env!("CARGO_PKG_VERSION"), boot_wall);
    header.filter = args.filter.clone();
    header.state = serde_json::to_value(tracker.snapshot()).context("serialising the state snapshot")?;
    let mut writer =
        CaptureWriter::create(&args.file, &header).with_context(|| format!("creating {}", args.file.display()))?;
    let deadline = args.duration.map(|d| Instant::now() + d);
    let mut last_flush = Instant::now();
    let mut filter = filter;
    let counters = drive(&mut probe, &signals, deadline, &mut |step| {
        let super::Step::Event(ev) = step else {
            return Ok(());
        };
        let en = tracker.apply(ev);
        let keep =
            matches!(ev.kind, Kind::Exec | Kind::Fork | Kind::Exit) || filter.as_mut().is_none_or(|f| f.matches(&en));
        if keep {
            writer.write_record(ev.record())?;
        }
        if last_flush.elapsed() >= Duration::from_secs(1) {
            // Bounds what a crash can lose: the reader reads a crashed capture up to here.
            writer.flush()?;
            last_flush = Instant::now();
        }
        Ok(())
    })?;
    let end = serde_json::to_value(tracker.snapshot_containers()).context("serialising the end state")?;
    let trailer = writer.finish_with(counters, vigil_capture::file::now_wall_ns(), end)?;
    let size = std::fs::metadata(&args.file).map(|m| m.len()).unwrap_or(0);
    eprintln!("{}", counters_line(&counters));
    eprintln!(
        "vigil: wrote {} events to {} ({size} bytes)",
        trailer.records,
        args.file.display()
    );
    Ok(std::process::ExitCode::SUCCESS)
}

/// Opens a capture and rebuilds the state it started with, plus the container metadata it
/// learned by its end (read from the trailer in a first, fast pass).
pub fn open_capture(path: &Path) -> Result<(CaptureReader, Tracker, Option<String>)> {
    let open = || CaptureReader::open(path).with_context(|| format!("opening capture {}", path.display()));
    let mut first = open()?;
    let mut cut_short = None;
    loop {
        match first.next_record() {
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(e) => {
                cut_short = Some(e);
                break;
            }
        }
    }
    let end_state = first.trailer().map(|t| t.state_end.clone()).filter(|v| !v.is_null());
    let reader = open()?;
    let state = &reader.header().state;
    if state.is_null() {
        bail!("{}: the capture holds no state snapshot", path.display());
    }
    let snapshot: Snapshot = serde_json::from_value(state.clone())
        .with_context(|| format!("{}: reading the state snapshot in its header", path.display()))?;
    let mut tracker = Tracker::from_snapshot(snapshot);
    if let Some(end) = end_state {
        let later: Snapshot = serde_json::from_value(end)
            .with_context(|| format!("{}: reading the end state in its trailer", path.display()))?;
        tracker.learn_later(later);
    }
    Ok((reader, tracker, cut_short.map(|e| e.to_string())))
}

pub fn run_replay(args: ReplayArgs) -> Result<std::process::ExitCode> {
    let signals = Signals::install()?;
    let (mut reader, mut tracker, cut_short) = open_capture(&args.file)?;
    let host = vigil_rules::fields::Host {
        hostname: Some(reader.header().hostname.clone().into_boxed_str()).filter(|h| !h.is_empty()),
        boot_epoch_ns: Some(reader.header().boot_wall_ns),
    };
    let mut filter = args
        .filter
        .as_deref()
        .map(|f| super::filter::Filter::compile(f, host.clone()))
        .transpose()?;
    // Rules run on a replay unless the user only asked for the events to be printed.
    // As for `vigil watch`: rules run unless --no-rules; --print adds the events.
    let mut engine = if args.rule.no_rules {
        None
    } else {
        let config = crate::config::Config::find(args.rule.config.as_deref())?;
        Some(super::engine::Engine::load(
            &args.rule,
            &config,
            host,
            args.json && !args.print,
        )?)
    };
    let boot_wall = i128::from(reader.header().boot_wall_ns);
    let mut printer = Printer::new(args.json, boot_wall);
    let mut ctx = ContextBuf::new();
    let stdout = std::io::stdout();
    // Not locked for the whole run: the stdout alert output writes from its own thread.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout);
    let print = args.print || (args.json && engine.is_none());
    let mut matched = 0u64;
    let result = drive(&mut reader, &signals, None, &mut |step| {
        let super::Step::Event(ev) = step else {
            return Ok(());
        };
        let en = tracker.apply(ev);
        let num = printer.tick();
        if filter.as_mut().is_none_or(|f| f.matches(&en)) {
            matched += 1;
            if print {
                let c = ctx.fill(&en);
                printer.print(ev, &c, &mut out)?;
            }
            if let Some(engine) = engine.as_mut() {
                engine.on_event(&en, num, &mut out)?;
            }
        }
        Ok(())
    });
    out.flush()?;
    if let Some(e) = &engine {
        eprintln!("vigil: {} alert(s)", e.alerts);
    }
    let counters = match (result, cut_short) {
        (Ok(c), _) => c,
        (Err(_), Some(cut)) => {
            // Everything before the damage was replayed; say where it is and fail the run.
            eprintln!(
                "vigil: error: {cut}; {} events before it were replayed",
                reader.records_read()
            );
            return Ok(std::process::ExitCode::from(2));
        }
        (Err(e), None) => return Err(e),
    };
    if let Some(t) = reader.trailer() {
        eprintln!(
            "vigil: replayed {} of {} events ({} matched); at capture time: {}",
            counters.received,
            t.records,
            matched,
            counters_line(&t.counters).trim_start_matches("vigil: ")
        );
    } else {
        eprintln!(
            "vigil: warning: {} ends without its trailer (the capture was cut short); replayed {} events",
            args.file.display(),
            counters.received
        );
    }
    Ok(std::process::ExitCode::SUCCESS)
}
