//! Scan reports: an SBOM and what the matcher found in it, written for people and for tools.
//!
//! - `table`: one row per finding (ID, PACKAGE, INSTALLED, FIXED-IN, TYPE, SEVERITY, EPSS, KEV),
//!   a summary by severity, suppressed findings counted (and listed with
//!   [`RenderOptions::show_suppressed`]), expired ignore rules, notes, the `--fail-on` verdict;
//! - `json`: everything, versioned by [`JSON_SCHEMA_VERSION`];
//! - `sarif`: SARIF 2.1.0 for GitHub code scanning — a rule per vulnerability with
//!   `security-severity`, a result per finding located at the package's evidence file;
//! - `cyclonedx-json`: the SBOM's CycloneDX 1.6 BOM with a `vulnerabilities` array (ratings,
//!   CWEs, advisories, affected components; suppressed findings with their `analysis`);
//! - `junit`: JUnit XML for CI systems (Jenkins, GitLab, Azure DevOps): a test case per policy
//!   decision, or per finding against `--fail-on` when there is no verdict.
//!
//! With a policy [`Verdict`](vigil_policy::Verdict) in the [`Scan`], the table adds a "Policy"
//! section (decisions grouped by action, expired allowlist items, fix advice), the JSON a
//! `policy` key, and SARIF a rule per gate and trigger with a result per decision.
//!
//! ```no_run
//! use vigil_report::{render, Format, RenderOptions, Scan};
//! # fn run(sbom: &vigil_sbom::Sbom, report: &vigil_match::MatchReport) -> Result<(), vigil_report::ReportError> {
//! let scan = Scan { sbom, report, db: None, verdict: None };
//! let options = RenderOptions { fail_on: Some(vigil_types::Severity::High), ..RenderOptions::default() };
//! render(&scan, Format::Table, &options, &mut std::io::stdout())?;
//! # Ok(()) }
//! ```

mod cyclonedx;
mod json;
mod junit;
mod sarif;
mod sarif_policy;
mod table;
mod table_policy;
mod verdict;

use std::fmt;
use std::io::Write;
use std::str::FromStr;

use serde::Serialize;
use vigil_match::MatchReport;
use vigil_policy::Verdict;
use vigil_sbom::Sbom;
use vigil_types::Severity;

/// The version of the JSON report's schema. A reader that knows version N reads every document
/// of version N; fields may be added without a new version, never removed or changed.
pub const JSON_SCHEMA_VERSION: u32 = 1;

/// A report format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    Table,
    Json,
    Sarif,
    CycloneDxJson,
    Junit,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 5] = [
        Format::Table,
        Format::Json,
        Format::Sarif,
        Format::CycloneDxJson,
        Format::Junit,
    ];

    /// The name `-o` takes.
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::CycloneDxJson => "cyclonedx-json",
            Format::Junit => "junit",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = ReportError;

    fn from_str(s: &str) -> Result<Format, ReportError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "table" => Ok(Format::Table),
            "json" => Ok(Format::Json),
            "sarif" => Ok(Format::Sarif),
            "cyclonedx-json" | "cyclonedx" | "cdx" => Ok(Format::CycloneDxJson),
            "junit" | "junit-xml" => Ok(Format::Junit),
            _ => Err(ReportError::UnknownFormat(s.to_string())),
        }
    }
}

/// What the advisory database was, for reports that say what the scan was made against.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DbInfo {
    pub path: String,
    /// When it was built, RFC 3339.
    pub built_at: String,
    pub advisories: u64,
    /// Older than `vigil db status` considers fresh.
    pub stale: bool,
}

/// One scan: the SBOM, the matcher's report on it, and the policy verdict when a bundle was
/// evaluated.
#[derive(Clone, Copy, Debug)]
pub struct Scan<'a> {
    pub sbom: &'a Sbom,
    pub report: &'a MatchReport,
    pub db: Option<&'a DbInfo>,
    pub verdict: Option<&'a Verdict>,
}

/// How to write a report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// List suppressed findings (table: a second table; SARIF: results with `suppressions`;
    /// CycloneDX: also those `--only-fixed` hid). JSON always has them.
    pub show_suppressed: bool,
    /// The `--fail-on` threshold, to say in the report whether the gate failed (and, in JUnit
    /// without a verdict, which findings are failing test cases).
    pub fail_on: Option<Severity>,
    /// One line instead of indented JSON (JSON formats).
    pub compact: bool,
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    #[error(
        "unknown report format {0:?}; expected one of: table, json, sarif, cyclonedx-json (or cyclonedx, cdx), junit"
    )]
    UnknownFormat(String),
    #[error("cannot encode the {format} report: {message}")]
    Encode { format: Format, message: String },
    #[error("cannot write the {format} report: {source}")]
    Write {
        format: Format,
        #[source]
        source: std::io::Error,
    },
}

/// Writes the report of `scan` in `format`.
pub fn render(
    scan: &Scan<'_>,
    format: Format,
    options: &RenderOptions,
    out: &mut dyn Write,
) -> Result<(), ReportError> {
    let bytes = match format {
        Format::Table => table::render(scan, options).into_bytes(),
        Format::Json => to_json(format, &json::document(scan, options), options)?,
        Format::Sarif => to_json(format, &sarif::document(scan, options), options)?,
        Format::CycloneDxJson => to_json(format, &cyclonedx::document(scan, options)?, options)?,
        Format::Junit => junit::render(scan, options).into_bytes(),
    };
    out.write_all(&bytes)
        .and_then(|()| out.flush())
        .map_err(|source| ReportError::Write { format, source })
}

fn to_json<T: Serialize>(format: Format, value: &T, options: &RenderOptions) -> Result<Vec<u8>, ReportError> {
    let r = if options.compact {
        serde_json::to_vec(value)
    } else {
        serde_json::to_vec_pretty(value)
    };
    let mut bytes = r.map_err(|e| ReportError::Encode {
        format,
        message: e.to_string(),
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Control characters (a newline in a hostile package name) are shown escaped in text output.
pub(crate) fn printable(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// A score for a severity without one (SARIF's `security-severity`): the middle of the band
/// GitHub maps back to the same severity.
pub(crate) fn band_score(s: Severity) -> Option<f64> {
    match s {
        Severity::Critical => Some(9.5),
        Severity::High => Some(8.0),
        Severity::Medium => Some(5.5),
        Severity::Low => Some(2.0),
        Severity::Negligible | Severity::Unknown => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for f in Format::ALL {
            assert_eq!(f.name().parse::<Format>().ok(), Some(f));
        }
        assert_eq!("CDX".parse::<Format>().ok(), Some(Format::CycloneDxJson));
        let err = "xml".parse::<Format>().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("unknown report format \"xml\""), "{err}");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(printable("a\nb"), "a\\nb");
        assert_eq!(printable("plain"), "plain");
    }
}
