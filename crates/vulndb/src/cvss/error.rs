//! The one error type of CVSS parsing.

/// Why a CVSS vector string was rejected.
///
/// Every variant names the vector (cut to [`MAX_SHOWN`] bytes, so a hostile
/// multi-megabyte string cannot blow up a log line) and, where there is one,
/// the offending metric.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CvssError {
    /// The string is empty (or only whitespace).
    #[error("empty CVSS vector")]
    Empty,
    /// The string is longer than any valid vector can be.
    #[error("CVSS vector {vector:?}… is {len} bytes long, more than the limit of {limit}")]
    TooLong {
        /// The start of the vector.
        vector: String,
        /// Its length in bytes.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// A `CVSS:x.y/` prefix with a version this crate does not know.
    #[error("CVSS vector {vector:?}: unsupported version prefix {prefix:?}")]
    UnsupportedVersion {
        /// The vector.
        vector: String,
        /// The prefix, e.g. `CVSS:5.0`.
        prefix: String,
    },
    /// A component is not of the form `METRIC:VALUE`.
    #[error("CVSS vector {vector:?}: malformed component {component:?}, expected METRIC:VALUE")]
    Malformed {
        /// The vector.
        vector: String,
        /// The component between two slashes.
        component: String,
    },
    /// A metric name this version of CVSS does not define.
    #[error("CVSS vector {vector:?}: unknown metric {metric:?}")]
    UnknownMetric {
        /// The vector.
        vector: String,
        /// The metric name as written.
        metric: String,
    },
    /// A mandatory (base) metric is absent.
    #[error("CVSS vector {vector:?}: mandatory metric {metric} is missing")]
    MissingMetric {
        /// The vector.
        vector: String,
        /// The metric's abbreviation, e.g. `AV`.
        metric: &'static str,
    },
    /// A metric given more than once.
    #[error("CVSS vector {vector:?}: metric {metric} appears more than once")]
    DuplicateMetric {
        /// The vector.
        vector: String,
        /// The metric's abbreviation.
        metric: &'static str,
    },
    /// A value the metric does not allow.
    #[error("CVSS vector {vector:?}: metric {metric} has invalid value {value:?}")]
    BadValue {
        /// The vector.
        vector: String,
        /// The metric's abbreviation.
        metric: &'static str,
        /// The value as written.
        value: String,
    },
}

/// How much of a hostile string an error keeps.
pub const MAX_SHOWN: usize = 160;

/// The first [`MAX_SHOWN`] bytes of `s`, cut at a character boundary.
pub(crate) fn shown(s: &str) -> String {
    if s.len() <= MAX_SHOWN {
        return s.to_owned();
    }
    let mut end = MAX_SHOWN;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default().to_owned()
}
