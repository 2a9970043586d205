//! `vigil watch`: the live sensor.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use clap::Args;

use super::engine::Engine;
use super::print::{Context, Printer};
use super::{counters_line, drive, Signals};
use vigil_state::{Enriched, Tracker, TrackerConfig};

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
    /// Print only events matching this condition (Falco's condition language, e.g.
    /// `evt.type=openat and fd.name startswith /etc and container.id != host`).
    #[arg(long)]
    pub filter: Option<String>,
    /// Ring buffer size in bytes, a power of two (default: the configuration's, else 8 MiB).
    #[arg(long)]
    pub ring_bytes: Option<usize>,
    /// The Docker Engine API socket, for container names, images and labels.
    #[arg(long, default_value = "/var/run/docker.sock")]
    pub docker_socket: PathBuf,
    /// Read every argument at syscall exit: no program on sys_enter, about half the fixed cost
    /// per syscall, but a path or address another thread changes during the call is seen changed.
    #[arg(long)]
    pub no_entry_args: bool,
    #[command(flatten)]
    pub rule: super::engine::RuleArgs,
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

/// The live sensor: the probe started first (so nothing is missed while /proc is read), then
/// the state bootstrapped from /proc, then the metadata threads.
pub struct Sensor {
    pub probe: vigil_probe::Probe,
    pub tracker: Tracker,
}

impl Sensor {
    pub fn start(
        ring_bytes: usize,
        docker_socket: &Path,
        entry_args: bool,
        syscalls: Vec<&'static vigil_capture::syscalls::Syscall>,
    ) -> Result<Sensor> {
        let hierarchy = vigil_state::cgroup::tracked_hierarchy(Path::new("/proc"));
        let cfg = vigil_probe::ProbeConfig {
            ring_bytes,
            cgroup_subsys: hierarchy.as_ref().and_then(|h| h.subsys_index),
            entry_args,
            syscalls,
            ..Default::default()
        };
        let probe = vigil_probe::Probe::start(&cfg).context("starting the kernel probe")?;
        let mut tracker = Tracker::new(TrackerConfig {
            cgroup: hierarchy,
            ..Default::default()
        });
        tracker.load_host_users(Path::new("/"));
        // The metadata threads first: the bootstrap asks them about every running container.
        tracker.start_metadata(Some(docker_socket.to_path_buf()), PathBuf::from("/proc"));
        let report = tracker.bootstrap_proc(Path::new("/proc"), None);
        for w in tracker.warnings() {
            eprintln!("vigil: warning: {w}");
        }
        eprintln!(
            "vigil: watching ({} programs attached, kernel {}; {} processes and {} containers found in /proc)",
            probe.programs(),
            vigil_probe::kernel_release()?,
            report.processes,
            report.containers
        );
        Ok(Sensor { probe, tracker })
    }
}

/// Builds the printer's context from an enriched event, into reused buffers.
pub struct ContextBuf {
    fd: String,
    image: String,
}

impl ContextBuf {
    pub fn new() -> ContextBuf {
        ContextBuf {
            fd: String::with_capacity(256),
            image: String::with_capacity(128),
        }
    }

    pub fn fill<'a>(&'a mut self, en: &'a Enriched<'_>) -> Context<'a> {
        self.fd.clear();
        self.image.clear();
        let fd_name = en.fd.map(|(_, fd)| {
            let _ = fd.write_name(&mut self.fd);
            self.fd.as_str()
        });
        let info = en.container_info();
        let container_image = info.map(|i| {
            self.image.push_str(&i.image_ref.repository);
            if let Some(t) = &i.image_ref.tag {
                self.image.push(':');
                self.image.push_str(t);
            }
            self.image.as_str()
        });
        Context {
            container_id: en.container_id.as_deref().map(|c| c.short()),
            container_name: en.container_name().filter(|_| en.container_id.is_some()),
            container_image,
            exepath: en.process.map(|p| &*p.exepath).filter(|p| !p.is_empty()),
            user: en.user_name(),
            fd_name: fd_name.filter(|n| !n.is_empty()),
        }
    }
}

/// The syscalls to capture: every one when events are printed; else what the rules need plus
/// what the state needs.
pub fn capture_set(engine: Option<&Engine>, everything: bool) -> Vec<&'static vigil_capture::syscalls::Syscall> {
    use vigil_capture::syscalls::{by_name, STATE_SYSCALLS, SYSCALLS};
    match engine {
        Some(e) if !everything => {
            let mut names = e.syscall_names();
            names.extend_from_slice(STATE_SYSCALLS);
            let mut set: Vec<_> = names.into_iter().filter_map(by_name).collect();
            set.sort_by_key(|s| s.kind);
            set.dedup_by_key(|s| s.kind);
            set
        }
        _ => SYSCALLS.iter().collect(),
    }
}

pub fn run(args: WatchArgs) -> Result<std::process::ExitCode> {
    let host = super::filter::live_host();
    let mut filter = args
        .filter
        .as_deref()
        .map(|f| super::filter::Filter::compile(f, host.clone()))
        .transpose()?;
    let config = crate::config::Config::find(args.rule.config.as_deref())?;
    let mut engine = if args.rule.no_rules {
        None
    } else {
        Some(Engine::load(&args.rule, &config, host, args.json)?)
    };
    if let Some(e) = engine.as_mut() {
        // vigil.yaml's outputs, or Falco's defaults (stdout and the local syslog)
        let given = args.rule.config.is_some() || config != crate::config::Config::default();
        e.use_outputs(given.then_some(&config))?;
        let subsys = vigil_state::cgroup::tracked_hierarchy(Path::new("/proc")).and_then(|h| h.subsys_index);
        e.use_responses(&config, &args.docker_socket, subsys)?;
    }
    let print = args.print || (args.json && engine.is_none());
    let syscalls = capture_set(engine.as_ref(), print);
    let signals = Signals::install()?;
    let ring = args.ring_bytes.or(config.ring_bytes).unwrap_or(8 << 20);
    let Sensor { mut probe, mut tracker } = Sensor::start(ring, &args.docker_socket, !args.no_entry_args, syscalls)?;
    let deadline = args.duration.map(|d| Instant::now() + d);
    let mut printer = Printer::new(args.json, vigil_probe::boot_to_wall_offset_ns());
    let mut ctx = ContextBuf::new();
    let mut alerts_flushed = 0u64;
    let stdout = std::io::stdout();
    // Not locked for the whole run: the stdout alert output writes from its own thread.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout);
    let counters = drive(&mut probe, &signals, deadline, &mut |step| {
        let super::Step::Event(ev) = step else {
            if let Some(e) = engine.as_mut() {
                e.tick(&tracker);
            }
            return Ok(());
        };
        let en = tracker.apply(ev);
        let num = printer.tick();
        if print && filter.as_mut().is_none_or(|f| f.matches(&en)) {
            let c = ctx.fill(&en);
            printer.print(ev, &c, &mut out)?;
        }
        if let Some(engine) = engine.as_mut() {
            engine.on_event(&en, num, &mut out)?;
            // Alerts are not held back in the buffer: they are the point.
            if engine.alerts != alerts_flushed {
                alerts_flushed = engine.alerts;
                out.flush()?;
            }
        }
        Ok(())
    })?;
    out.flush()?;
    eprintln!("{}", counters_line(&counters));
    if let Some(e) = engine {
        eprintln!("vigil: {} alert(s)", e.alerts);
        e.finish(std::time::Duration::from_secs(5));
    }
    Ok(std::process::ExitCode::SUCCESS)
}
