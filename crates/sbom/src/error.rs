//! What can go wrong reading or writing an SBOM. Every decoding error names the input and the
//! place in it: a line and column for malformed JSON, a JSON path for a document of the wrong shape.

use crate::Format;

/// Why an SBOM could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SbomError {
    /// The input is not JSON, or (vigil-json) not of the schema's shape; serde_json's position.
    #[error("{input}: {what} at line {line}, column {column}: {message}")]
    Json {
        input: String,
        what: &'static str,
        line: usize,
        column: usize,
        message: String,
    },
    /// A CycloneDX or SPDX document of the wrong shape; `path` is a JSON path such as
    /// `$.components[3].name`.
    #[error("{input}: {format} document: at {path}: {message}")]
    Invalid {
        input: String,
        format: Format,
        path: String,
        message: String,
    },
    /// Valid JSON, but none of the formats Vigil reads.
    #[error("{input}: not an SBOM Vigil can read ({found}); expected vigil-json, CycloneDX JSON or SPDX JSON")]
    UnknownFormat { input: String, found: String },
    /// A vigil-json document from a newer Vigil.
    #[error(
        "{input}: vigil-json schema_version {found} is newer than this vigil reads (up to {supported}); \
         upgrade vigil, or have the newer one write cyclonedx-json or spdx-json"
    )]
    NewerSchema { input: String, found: u64, supported: u32 },
    /// A CycloneDX or SPDX version Vigil does not read.
    #[error("{input}: {format} version {version:?} is not supported (this vigil reads {supported})")]
    UnsupportedVersion {
        input: String,
        format: Format,
        version: String,
        supported: &'static str,
    },
    /// `--output` named no format.
    #[error(
        "unknown SBOM format {0:?}; expected one of: cyclonedx-json (or cyclonedx, cdx), \
         spdx-json (or spdx), vigil-json (or json), table"
    )]
    UnknownFormatName(String),
    /// The SBOM lacks something the format requires.
    #[error("cannot write {format}: {message}")]
    Unencodable { format: Format, message: String },
    /// Writing the output failed.
    #[error("writing {format}: {source}")]
    Write {
        format: Format,
        #[source]
        source: std::io::Error,
    },
}

impl SbomError {
    /// A JSON syntax or data error from serde_json, with its line and column.
    pub(crate) fn json(input: &str, what: &'static str, e: &serde_json::Error) -> SbomError {
        let message = e.to_string();
        // serde_json appends " at line L column C"; the variant prints its own.
        let message = match message.rfind(" at line ") {
            Some(i) if e.line() > 0 => message[..i].to_string(),
            _ => message,
        };
        SbomError::Json {
            input: input.to_string(),
            what,
            line: e.line(),
            column: e.column(),
            message,
        }
    }
}
