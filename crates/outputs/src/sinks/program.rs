//! One long-lived `sh -c COMMAND` reading alerts on its stdin, restarted with backoff when it exits.
use std::io::Write;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use crate::alert::{Alert, Format};
use crate::error::SinkError;
use crate::AlertSink;

const FIRST_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// A child that lived this long resets the backoff.
const HEALTHY: Duration = Duration::from_secs(10);
/// How long shutdown waits for the child to exit after its stdin is closed, before killing it.
const EXIT_WAIT: Duration = Duration::from_secs(2);

/// The program sink. The child inherits Vigil's stdout and stderr (as Falco's `popen`). While the child is
/// down and its restart backoff runs, `send` waits: alerts pile up in this output's queue and are dropped
/// (and counted) when it is full.
pub struct ProgramSink {
    name: String,
    command: String,
    format: Format,
    child: Option<(Child, ChildStdin, Instant)>,
    backoff: Duration,
    /// When the next start may happen.
    next_start: Option<Instant>,
    line: Vec<u8>,
    restarts: u64,
    started: bool,
}

impl ProgramSink {
    pub fn new(name: impl Into<String>, command: impl Into<String>, format: Format) -> ProgramSink {
        ProgramSink {
            name: name.into(),
            command: command.into(),
            format,
            child: None,
            backoff: FIRST_BACKOFF,
            next_start: None,
            line: Vec::with_capacity(512),
            restarts: 0,
            started: false,
        }
    }

    /// The running child's stdin, (re)starting it if it is not running (waiting out the backoff).
    fn stdin(&mut self) -> std::io::Result<&mut ChildStdin> {
        if let Some((child, _, since)) = &mut self.child {
            if child.try_wait()?.is_some() {
                let lived = since.elapsed();
                self.child = None;
                self.died(lived);
            }
        }
        if self.child.is_none() {
            if let Some(at) = self.next_start {
                let now = Instant::now();
                if at > now {
                    std::thread::sleep(at - now);
                }
            }
            if self.started {
                self.restarts += 1;
            }
            self.started = true;
            let mut child = Command::new("sh")
                .arg("-c")
                .arg(&self.command)
                .stdin(Stdio::piped())
                .spawn()
                .inspect_err(|_| self.died(Duration::ZERO))?;
            let Some(stdin) = child.stdin.take() else {
                let _ = child.kill();
                let _ = child.wait();
                return Err(std::io::Error::other("child has no stdin"));
            };
            self.child = Some((child, stdin, Instant::now()));
        }
        match &mut self.child {
            Some((_, stdin, _)) => Ok(stdin),
            None => Err(std::io::Error::other("program not running")),
        }
    }

    /// Schedule the next start: immediately after a healthy run, else after a doubling backoff.
    fn died(&mut self, lived: Duration) {
        if lived >= HEALTHY {
            self.backoff = FIRST_BACKOFF;
        }
        self.next_start = Some(Instant::now() + self.backoff);
        self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
    }

    fn reap(&mut self) {
        if let Some((mut child, stdin, since)) = self.child.take() {
            drop(stdin);
            let _ = child.kill();
            let _ = child.wait();
            self.died(since.elapsed());
        }
    }
}

impl AlertSink for ProgramSink {
    fn name(&self) -> &str {
        &self.name
    }
    fn send(&mut self, alert: &Alert) -> Result<(), SinkError> {
        self.line.clear();
        self.line.extend_from_slice(alert.line(self.format).as_bytes());
        self.line.push(b'\n');
        let line = std::mem::take(&mut self.line);
        let mut result = Ok(());
        // A write fails with EPIPE when the child is gone: restart it and write again, once.
        for _ in 0..2 {
            result = self.stdin().and_then(|s| s.write_all(&line));
            if result.is_ok() {
                break;
            }
            self.reap();
        }
        self.line = line;
        result.map_err(|e| SinkError::io(&self.name, e))
    }
    fn flush(&mut self) -> Result<(), SinkError> {
        match &mut self.child {
            Some((_, stdin, _)) => stdin.flush().map_err(|e| SinkError::io(&self.name, e)),
            None => Ok(()),
        }
    }
    fn retries(&self) -> u64 {
        self.restarts
    }
}

impl Drop for ProgramSink {
    /// Close the child's stdin and give it a moment to finish its work; kill it if it does not exit.
    fn drop(&mut self) {
        if let Some((mut child, stdin, _)) = self.child.take() {
            drop(stdin);
            let deadline = Instant::now() + EXIT_WAIT;
            while Instant::now() < deadline {
                match child.try_wait() {
                    Ok(Some(_)) | Err(_) => return,
                    Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
