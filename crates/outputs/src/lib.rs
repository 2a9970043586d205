//! Vigil's alert outputs: where rendered alerts go once a rule has matched.
//!
//! This crate owns the [`AlertSink`] trait and its sinks — stdout, file, syslog (the local `/dev/log`
//! socket and remote RFC 5424 over UDP, TCP and TLS), program and HTTP(S) webhook — and [`Outputs`],
//! the runtime that feeds them. Every sink runs on its own thread behind its own bounded queue;
//! [`Outputs::submit`] only ever does a `try_send`, so a slow or dead output never blocks detection or
//! the other outputs. What an output drops is counted ([`SinkStats`]). Alerts are throttled per
//! (rule, container) with a token bucket before they reach the queues ([`ThrottleConfig`]); suppressed
//! alerts are reported in a periodic summary alert.
//!
//! ```no_run
//! use std::sync::Arc;
//! use vigil_outputs::{Alert, Outputs, OutputsConfig};
//!
//! // No configuration: stdout and the local syslog, as Falco does.
//! let outputs = Outputs::build(&OutputsConfig::default()).expect("valid config");
//! for w in outputs.warnings() {
//!     eprintln!("warning: {w}");
//! }
//! let alert = Alert {
//!     priority: vigil_rules::Priority::Warning,
//!     rule: "Terminal shell in container".into(),
//!     time_ns: 1_700_000_000_000_000_000,
//!     hostname: "node1".into(),
//!     container_id: "0123456789ab".into(),
//!     tags: Arc::from(vec![Arc::<str>::from("shell")]),
//!     text: "22:13:20.000000000: Warning A shell was spawned".into(),
//!     output: "A shell was spawned".into(),
//!     json: r#"{"output":"A shell was spawned","priority":"Warning","rule":"Terminal shell in container"}"#.into(),
//! };
//! outputs.submit(&alert);
//! let stats = outputs.shutdown(std::time::Duration::from_secs(5));
//! ```
#![deny(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod alert;
mod config;
mod error;
mod runtime;
pub mod sinks;
pub use sinks::{FileSink, HttpSink, ProgramSink, SyslogSink, WriterSink};
mod throttle;

pub use alert::{Alert, Format};
pub use config::{
    FileConfig, HttpConfig, OutputConfig, OutputsConfig, ProgramConfig, StdoutConfig, SyslogConfig, SyslogFacility,
    SyslogProtocol, SyslogTransport, ThrottleConfig, DEFAULT_QUEUE_SIZE,
};
pub use error::{ConfigError, SinkError};
pub use runtime::{Outputs, SinkSpec, SinkStats, Stats};
pub use throttle::{ThrottleStats, Throttler, Verdict, SUMMARY_RULE};

/// One output: receives alerts, one at a time, on its own thread.
///
/// `send` may block (that only delays this sink's own queue); it returns an error when the alert could not
/// be delivered after the sink's own retries, and the alert is then counted as failed.
pub trait AlertSink: Send {
    /// A short name for stats and messages (`stdout`, `file:/var/log/vigil.log`, ...).
    fn name(&self) -> &str;
    /// Deliver one alert.
    fn send(&mut self, alert: &Alert) -> Result<(), SinkError>;
    /// Push out anything buffered. Called when the queue is momentarily empty and at shutdown.
    fn flush(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
    /// Repeated attempts since start (retries, reconnections, restarts), for [`SinkStats::retries`].
    fn retries(&self) -> u64 {
        0
    }
}
