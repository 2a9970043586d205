//! The sinks. Each is usable on its own (tests, other crates) or through [`crate::Outputs`].
use std::path::{Path, PathBuf};

use crate::config::{OutputConfig, SyslogTransport};
use crate::error::ConfigError;
use crate::AlertSink;

mod file;
mod http;
mod program;
mod syslog;
mod tls;
mod writer;

pub use file::FileSink;
pub use http::HttpSink;
pub use program::ProgramSink;
pub use syslog::{format_syslog, SyslogSink, DEFAULT_SOCKET};
pub use writer::WriterSink;

/// Build the sink of one configured output (`index` is its place in the list, for errors).
pub(crate) fn build(
    index: usize,
    cfg: &OutputConfig,
    warnings: &mut Vec<String>,
) -> Result<Box<dyn AlertSink>, ConfigError> {
    let named = |default: String| cfg.name().map_or(default, str::to_owned);
    Ok(match cfg {
        OutputConfig::Stdout(c) => Box::new(WriterSink::new(named("stdout".into()), std::io::stdout(), c.format)),
        OutputConfig::File(c) => Box::new(FileSink::new(
            named(format!("file:{}", c.path.display())),
            c.path.clone(),
            c.format,
        )),
        OutputConfig::Syslog(c) => {
            if c.transport == SyslogTransport::Unix {
                let path = c.path.as_deref().unwrap_or(Path::new(DEFAULT_SOCKET));
                if !path.exists() {
                    warnings.push(format!(
                        "syslog output: {} does not exist (no syslog daemon?); alerts for it will fail until it does",
                        path.display()
                    ));
                }
            }
            Box::new(SyslogSink::from_config(index, c)?)
        }
        OutputConfig::Program(c) => Box::new(ProgramSink::new(
            named(format!("program:{}", c.command)),
            c.command.clone(),
            c.format,
        )),
        OutputConfig::Http(c) => Box::new(HttpSink::from_config(index, c)?),
    })
}

pub(crate) fn read_file(index: usize, kind: &'static str, path: &Path) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path).map_err(|source| ConfigError::File {
        index,
        kind,
        path: PathBuf::from(path),
        source,
    })
}
