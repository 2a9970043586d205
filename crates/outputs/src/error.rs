use std::path::PathBuf;

/// A sink could not deliver an alert (after its own retries).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SinkError {
    #[error("{sink}: {source}")]
    Io {
        sink: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{sink}: HTTP status {status} from {url}")]
    HttpStatus { sink: String, url: String, status: u16 },
    #[error("{sink}: {message}")]
    Other { sink: String, message: String },
}

impl SinkError {
    pub(crate) fn io(sink: &str, source: std::io::Error) -> SinkError {
        SinkError::Io {
            sink: sink.to_owned(),
            source,
        }
    }
    pub(crate) fn other(sink: &str, message: impl Into<String>) -> SinkError {
        SinkError::Other {
            sink: sink.to_owned(),
            message: message.into(),
        }
    }
}

/// The outputs configuration is invalid, or a file it names cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// From [`crate::OutputsConfig::from_json`]: serde's message names the unknown key or the bad value.
    #[error("outputs configuration: {0}")]
    Json(#[from] serde_json::Error),
    #[error("output #{index} ({kind}): {message}")]
    Invalid {
        index: usize,
        kind: &'static str,
        message: String,
    },
    #[error("output #{index} ({kind}): {path}: {source}")]
    File {
        index: usize,
        kind: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("output #{index} ({kind}): {path}: {message}")]
    Pem {
        index: usize,
        kind: &'static str,
        path: PathBuf,
        message: String,
    },
    #[error("throttle: {0}")]
    Throttle(String),
}
