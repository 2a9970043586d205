//! The outputs configuration: serde types with `deny_unknown_fields`, so a typo is an error naming the key.
//!
//! In `vigil.yaml` (the CLI converts the YAML to a JSON value and calls [`OutputsConfig::from_json`]):
//!
//! ```yaml
//! outputs:
//!   - type: stdout                 # text lines; `format: json` for one JSON alert per line
//!   - type: file
//!     path: /var/log/vigil/alerts.json
//!     format: json
//!     min_priority: warning        # this output only gets Warning and more severe
//!   - type: syslog                 # the local daemon on /dev/log, RFC 3164 style, facility user
//!   - type: syslog
//!     transport: tls               # udp | tcp | tls (RFC 5424; TCP/TLS octet-counted, RFC 6587)
//!     address: siem.example.com:6514
//!     ca_file: /etc/vigil/siem-ca.pem
//!     facility: local4
//!     format: json
//!   - type: program
//!     command: "jq -c . >> /var/log/alerts.jsonl"
//!     format: json
//!   - type: http
//!     url: https://hooks.example.com/vigil
//!     headers: { Authorization: "Bearer s3cr3t" }
//!     timeout_ms: 5000
//!     max_retries: 3
//!     ca_file: /etc/vigil/ca.pem
//!     client_cert: /etc/vigil/client.pem
//!     client_key: /etc/vigil/client.key
//!     queue_size: 4096
//! throttle:
//!   rate: 10                       # alerts per second per (rule, container), refilled continuously
//!   burst: 50
//!   summary_interval_secs: 10
//! ```
use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Deserializer};
use vigil_rules::Priority;

use crate::alert::Format;
use crate::error::ConfigError;

/// Queue length of an output when not configured.
pub const DEFAULT_QUEUE_SIZE: usize = 1024;

/// All outputs and the throttle.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputsConfig {
    /// The outputs. Absent: stdout and the local syslog. An empty list sends alerts nowhere.
    #[serde(default = "default_outputs")]
    pub outputs: Vec<OutputConfig>,
    #[serde(default)]
    pub throttle: ThrottleConfig,
}

impl Default for OutputsConfig {
    /// Falco's defaults: text alerts on stdout and to the local syslog daemon (`/dev/log`, facility `user`);
    /// a missing `/dev/log` is a warning at build time, not an error. Throttling with its defaults.
    fn default() -> OutputsConfig {
        OutputsConfig {
            outputs: default_outputs(),
            throttle: ThrottleConfig::default(),
        }
    }
}

fn default_outputs() -> Vec<OutputConfig> {
    vec![
        OutputConfig::Stdout(StdoutConfig::default()),
        OutputConfig::Syslog(SyslogConfig::default()),
    ]
}

impl OutputsConfig {
    /// Deserialize from a JSON value (the CLI converts `vigil.yaml`'s tree). Unknown keys are errors whose
    /// message names the key (serde's "unknown field `x`, expected one of ...").
    pub fn from_json(value: serde_json::Value) -> Result<OutputsConfig, ConfigError> {
        Ok(serde_json::from_value(value)?)
    }
}

/// One output, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum OutputConfig {
    Stdout(StdoutConfig),
    File(FileConfig),
    Syslog(SyslogConfig),
    Program(ProgramConfig),
    Http(HttpConfig),
}

impl OutputConfig {
    pub fn kind(&self) -> &'static str {
        match self {
            OutputConfig::Stdout(_) => "stdout",
            OutputConfig::File(_) => "file",
            OutputConfig::Syslog(_) => "syslog",
            OutputConfig::Program(_) => "program",
            OutputConfig::Http(_) => "http",
        }
    }

    /// The least severe priority this output receives (`None`: all).
    pub fn min_priority(&self) -> Option<Priority> {
        match self {
            OutputConfig::Stdout(c) => c.min_priority,
            OutputConfig::File(c) => c.min_priority,
            OutputConfig::Syslog(c) => c.min_priority,
            OutputConfig::Program(c) => c.min_priority,
            OutputConfig::Http(c) => c.min_priority,
        }
    }

    pub fn queue_size(&self) -> usize {
        match self {
            OutputConfig::Stdout(c) => c.queue_size,
            OutputConfig::File(c) => c.queue_size,
            OutputConfig::Syslog(c) => c.queue_size,
            OutputConfig::Program(c) => c.queue_size,
            OutputConfig::Http(c) => c.queue_size,
        }
    }

    /// The name given in the configuration, if any.
    pub fn name(&self) -> Option<&str> {
        match self {
            OutputConfig::Stdout(c) => c.name.as_deref(),
            OutputConfig::File(c) => c.name.as_deref(),
            OutputConfig::Syslog(c) => c.name.as_deref(),
            OutputConfig::Program(c) => c.name.as_deref(),
            OutputConfig::Http(c) => c.name.as_deref(),
        }
    }
}

fn queue_size() -> usize {
    DEFAULT_QUEUE_SIZE
}

/// `stdout`: one alert per line.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StdoutConfig {
    /// Name in stats and messages (default `stdout`).
    #[serde(default)]
    pub name: Option<String>,
    /// `text` (default) or `json`.
    #[serde(default)]
    pub format: Format,
    /// Least severe priority sent (default: all).
    #[serde(default, deserialize_with = "priority")]
    pub min_priority: Option<Priority>,
    /// Alerts waiting for this output before new ones are dropped (default 1024).
    #[serde(default = "queue_size")]
    pub queue_size: usize,
}

impl Default for StdoutConfig {
    fn default() -> StdoutConfig {
        StdoutConfig {
            name: None,
            format: Format::Text,
            min_priority: None,
            queue_size: DEFAULT_QUEUE_SIZE,
        }
    }
}

/// `file`: appended, one alert per line; reopened (created) when the file is rotated away.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    #[serde(default)]
    pub name: Option<String>,
    pub path: PathBuf,
    #[serde(default)]
    pub format: Format,
    #[serde(default, deserialize_with = "priority")]
    pub min_priority: Option<Priority>,
    #[serde(default = "queue_size")]
    pub queue_size: usize,
}

/// Where syslog messages go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyslogTransport {
    /// The local daemon's unix datagram socket (`path`, default `/dev/log`).
    #[default]
    Unix,
    Udp,
    /// Octet-counted framing (RFC 6587 §3.4.1).
    Tcp,
    /// TCP with TLS (RFC 5425), octet-counted.
    Tls,
}

/// The syslog message header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyslogProtocol {
    /// `<PRI>Mmm dd hh:mm:ss app[pid]: msg`, as glibc's `syslog()` writes to `/dev/log` (what every local
    /// daemon, journald included, parses). The timestamp is UTC.
    Rfc3164,
    /// `<PRI>1 TIMESTAMP HOSTNAME APP PROCID - - msg`.
    Rfc5424,
}

/// Syslog facilities (RFC 5424 §6.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyslogFacility {
    Kern,
    #[default]
    User,
    Mail,
    Daemon,
    Auth,
    Syslog,
    Lpr,
    News,
    Uucp,
    Cron,
    Authpriv,
    Ftp,
    Local0,
    Local1,
    Local2,
    Local3,
    Local4,
    Local5,
    Local6,
    Local7,
}

impl SyslogFacility {
    /// The facility's number (user = 1, local0 = 16).
    pub fn code(self) -> u8 {
        match self {
            SyslogFacility::Kern => 0,
            SyslogFacility::User => 1,
            SyslogFacility::Mail => 2,
            SyslogFacility::Daemon => 3,
            SyslogFacility::Auth => 4,
            SyslogFacility::Syslog => 5,
            SyslogFacility::Lpr => 6,
            SyslogFacility::News => 7,
            SyslogFacility::Uucp => 8,
            SyslogFacility::Cron => 9,
            SyslogFacility::Authpriv => 10,
            SyslogFacility::Ftp => 11,
            SyslogFacility::Local0 => 16,
            SyslogFacility::Local1 => 17,
            SyslogFacility::Local2 => 18,
            SyslogFacility::Local3 => 19,
            SyslogFacility::Local4 => 20,
            SyslogFacility::Local5 => 21,
            SyslogFacility::Local6 => 22,
            SyslogFacility::Local7 => 23,
        }
    }
}

/// `syslog`: severity from the priority (Emergency 0 ... Debug 7), facility configurable.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyslogConfig {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub transport: SyslogTransport,
    /// The unix socket (transport `unix`); default `/dev/log`.
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// `host:port` (transports `udp`, `tcp`, `tls`).
    #[serde(default)]
    pub address: Option<String>,
    /// Header format; default `rfc3164` on `unix`, `rfc5424` on the network.
    #[serde(default)]
    pub protocol: Option<SyslogProtocol>,
    #[serde(default)]
    pub facility: SyslogFacility,
    /// The message: the text line (default) or the JSON alert.
    #[serde(default)]
    pub format: Format,
    /// APP-NAME / tag (default `vigil`).
    #[serde(default)]
    pub app_name: Option<String>,
    /// TLS: PEM file of the CA certificates to trust (default: the Mozilla roots).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// TLS: PEM client certificate chain and key, for servers that require client authentication.
    #[serde(default)]
    pub client_cert: Option<PathBuf>,
    #[serde(default)]
    pub client_key: Option<PathBuf>,
    /// TLS: the name to verify the server's certificate against (default: the host of `address`).
    #[serde(default)]
    pub server_name: Option<String>,
    /// Connect and write timeout in milliseconds (default 5000).
    #[serde(default = "timeout_ms")]
    pub timeout_ms: u64,
    #[serde(default, deserialize_with = "priority")]
    pub min_priority: Option<Priority>,
    #[serde(default = "queue_size")]
    pub queue_size: usize,
}

impl Default for SyslogConfig {
    fn default() -> SyslogConfig {
        SyslogConfig {
            name: None,
            transport: SyslogTransport::Unix,
            path: None,
            address: None,
            protocol: None,
            facility: SyslogFacility::User,
            format: Format::Text,
            app_name: None,
            ca_file: None,
            client_cert: None,
            client_key: None,
            server_name: None,
            timeout_ms: timeout_ms(),
            min_priority: None,
            queue_size: DEFAULT_QUEUE_SIZE,
        }
    }
}

fn timeout_ms() -> u64 {
    5000
}

/// `program`: one long-lived `sh -c COMMAND` reading alerts on its stdin, one per line; restarted with
/// backoff (100 ms doubling to 10 s) when it exits.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramConfig {
    #[serde(default)]
    pub name: Option<String>,
    pub command: String,
    #[serde(default)]
    pub format: Format,
    #[serde(default, deserialize_with = "priority")]
    pub min_priority: Option<Priority>,
    #[serde(default = "queue_size")]
    pub queue_size: usize,
}

/// `http`: a JSON POST of the JSON alert per alert. Retries with exponential backoff on 5xx, 408, 429 and
/// connection errors or timeouts; not on other 4xx.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    #[serde(default)]
    pub name: Option<String>,
    /// `http://` or `https://`.
    pub url: String,
    /// Extra request headers (e.g. `Authorization`).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Whole-request timeout in milliseconds (default 5000).
    #[serde(default = "timeout_ms")]
    pub timeout_ms: u64,
    /// Retries after the first attempt (default 3).
    #[serde(default = "max_retries")]
    pub max_retries: u32,
    /// Delay before the first retry, doubled each time up to 30 s (default 200 ms).
    #[serde(default = "retry_backoff_ms")]
    pub retry_backoff_ms: u64,
    /// PEM file of the CA certificates to trust (default: the Mozilla roots).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// PEM client certificate chain and private key (mTLS).
    #[serde(default)]
    pub client_cert: Option<PathBuf>,
    #[serde(default)]
    pub client_key: Option<PathBuf>,
    #[serde(default, deserialize_with = "priority")]
    pub min_priority: Option<Priority>,
    #[serde(default = "queue_size")]
    pub queue_size: usize,
}

fn max_retries() -> u32 {
    3
}
fn retry_backoff_ms() -> u64 {
    200
}

/// Token bucket per (rule, container): `burst` alerts at once, refilled at `rate` per second. Alerts over the
/// limit are suppressed and counted; every `summary_interval_secs` in which something was suppressed, one
/// summary alert (rule `Vigil alerts throttled`) reports the counts.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThrottleConfig {
    /// Default true.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Tokens per second (default 10).
    #[serde(default = "rate")]
    pub rate: f64,
    /// Bucket size (default 50).
    #[serde(default = "burst")]
    pub burst: u32,
    /// Default 10.
    #[serde(default = "summary_interval_secs")]
    pub summary_interval_secs: u64,
    /// Most (rule, container) buckets kept (default 10000); past it, idle full buckets are evicted, and if
    /// none is idle the newcomers share one overflow bucket.
    #[serde(default = "max_keys")]
    pub max_keys: usize,
}

impl Default for ThrottleConfig {
    fn default() -> ThrottleConfig {
        ThrottleConfig {
            enabled: true,
            rate: rate(),
            burst: burst(),
            summary_interval_secs: summary_interval_secs(),
            max_keys: max_keys(),
        }
    }
}

impl ThrottleConfig {
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if !(self.rate.is_finite() && self.rate >= 0.0) {
            return Err(ConfigError::Throttle(format!(
                "rate must be a number >= 0, not {}",
                self.rate
            )));
        }
        if self.enabled && self.burst == 0 {
            return Err(ConfigError::Throttle("burst must be at least 1".into()));
        }
        if self.summary_interval_secs == 0 {
            return Err(ConfigError::Throttle("summary_interval_secs must be at least 1".into()));
        }
        if self.max_keys == 0 {
            return Err(ConfigError::Throttle("max_keys must be at least 1".into()));
        }
        Ok(())
    }
}

fn yes() -> bool {
    true
}
fn rate() -> f64 {
    10.0
}
fn burst() -> u32 {
    50
}
fn summary_interval_secs() -> u64 {
    10
}
fn max_keys() -> usize {
    10_000
}

fn priority<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Priority>, D::Error> {
    let s = String::deserialize(d)?;
    Priority::parse(&s).map(Some).ok_or_else(|| {
        serde::de::Error::custom(format!(
            "unknown priority `{s}` (emergency, alert, critical, error, warning, notice, informational, debug)"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_are_falcos() {
        let c = OutputsConfig::from_json(json!({})).unwrap();
        assert_eq!(c, OutputsConfig::default());
        assert_eq!(c.outputs.len(), 2);
        assert!(matches!(&c.outputs[0], OutputConfig::Stdout(s) if s.format == Format::Text));
        assert!(matches!(&c.outputs[1], OutputConfig::Syslog(s)
            if s.transport == SyslogTransport::Unix && s.facility == SyslogFacility::User && s.path.is_none()));
        assert!(c.throttle.enabled);
        assert_eq!(
            (c.throttle.rate, c.throttle.burst, c.throttle.summary_interval_secs),
            (10.0, 50, 10)
        );
    }

    #[test]
    fn full_config() {
        let c = OutputsConfig::from_json(json!({
            "outputs": [
                {"type": "stdout", "format": "json"},
                {"type": "file", "path": "/tmp/a.log", "min_priority": "warning", "queue_size": 8},
                {"type": "syslog", "transport": "tcp", "address": "10.0.0.1:601", "facility": "local4"},
                {"type": "program", "command": "cat", "format": "json"},
                {"type": "http", "url": "http://x/y", "headers": {"A": "b"}, "max_retries": 1, "min_priority": "Info"}
            ],
            "throttle": {"rate": 2.5, "burst": 5, "summary_interval_secs": 3}
        }))
        .unwrap();
        assert_eq!(c.outputs.len(), 5);
        assert_eq!(c.outputs[1].min_priority(), Some(Priority::Warning));
        assert_eq!(c.outputs[1].queue_size(), 8);
        assert_eq!(c.outputs[4].min_priority(), Some(Priority::Informational));
        match &c.outputs[2] {
            OutputConfig::Syslog(s) => {
                assert_eq!(s.transport, SyslogTransport::Tcp);
                assert_eq!(s.facility.code(), 20);
            }
            o => panic!("{o:?}"),
        }
        assert_eq!(c.throttle.burst, 5);
        assert_eq!(c.throttle.max_keys, 10_000);
    }

    #[test]
    fn unknown_keys_are_named() {
        let e = OutputsConfig::from_json(json!({"outputs": [{"type": "file", "path": "/x", "pth": 1}]})).unwrap_err();
        assert!(e.to_string().contains("unknown field `pth`"), "{e}");
        let e = OutputsConfig::from_json(json!({"throttle": {"rat": 1}})).unwrap_err();
        assert!(e.to_string().contains("unknown field `rat`"), "{e}");
        let e = OutputsConfig::from_json(json!({"outpts": []})).unwrap_err();
        assert!(e.to_string().contains("unknown field `outpts`"), "{e}");
        let e = OutputsConfig::from_json(json!({"outputs": [{"type": "kafka"}]})).unwrap_err();
        assert!(e.to_string().contains("unknown variant `kafka`"), "{e}");
        let e = OutputsConfig::from_json(json!({"outputs": [{"type": "stdout", "min_priority": "loud"}]})).unwrap_err();
        assert!(e.to_string().contains("unknown priority `loud`"), "{e}");
    }
}
