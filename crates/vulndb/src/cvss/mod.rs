//! CVSS vectors: parsing, scoring and severity ratings for CVSS v2, v3.0,
//! v3.1 and v4.0, as OSV `severity[]` entries and NVD records carry them.
//!
//! ```
//! use vigil_vulndb::cvss::{Cvss, Severity};
//!
//! let v3 = Cvss::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")?;
//! assert_eq!(v3.base_score().to_string(), "9.8");
//! assert_eq!(v3.severity(), Severity::Critical);
//!
//! let v4 = Cvss::parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")?;
//! assert_eq!(v4.base_score().to_string(), "9.3");
//!
//! let v2 = Cvss::parse("AV:N/AC:L/Au:N/C:P/I:P/A:P")?;
//! assert_eq!((v2.version(), v2.base_score().tenths()), ("2.0", 75));
//! assert_eq!(v2.severity(), Severity::High);
//! # Ok::<(), vigil_vulndb::cvss::CvssError>(())
//! ```
//!
//! Metrics may come in any order; [`Cvss::vector`] writes them back in the
//! specification's order, leaving out metrics that are "not defined" (`X`,
//! or `ND` in v2), which score as if absent.

mod error;
mod metrics;
mod score;
pub mod v2;
pub mod v3;
pub mod v4;
mod v4_table;

use std::fmt;
use std::str::FromStr;

pub use error::{CvssError, MAX_SHOWN};
pub use score::{Score, ScoreError, Severity};

/// The longest string [`Cvss::parse`] looks at. A v4.0 vector with every
/// threat, environmental and supplemental metric is about 200 bytes.
pub const MAX_VECTOR_LEN: usize = 512;

/// A parsed CVSS vector of any supported version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cvss {
    /// CVSS v2.0 (no prefix: `AV:N/AC:L/Au:N/C:P/I:P/A:P`).
    V2(v2::CvssV2),
    /// CVSS v3.0 or v3.1 (`CVSS:3.0/…`, `CVSS:3.1/…`).
    V3(v3::CvssV3),
    /// CVSS v4.0 (`CVSS:4.0/…`).
    V4(v4::CvssV4),
}

impl Cvss {
    /// Parses a vector string, telling the version from its prefix; a vector
    /// without a `CVSS:` prefix is read as v2. Surrounding whitespace is
    /// ignored.
    pub fn parse(input: &str) -> Result<Cvss, CvssError> {
        let vector = checked(input)?;
        match vector.strip_prefix("CVSS:") {
            None => v2::CvssV2::parse(vector).map(Cvss::V2),
            Some(rest) => {
                let version = rest.split_once('/').map_or(rest, |(v, _)| v);
                match version {
                    "3.0" | "3.1" => v3::CvssV3::parse(vector).map(Cvss::V3),
                    "4.0" => v4::CvssV4::parse(vector).map(Cvss::V4),
                    _ => Err(CvssError::UnsupportedVersion {
                        vector: error::shown(vector),
                        prefix: error::shown(&format!("CVSS:{version}")),
                    }),
                }
            }
        }
    }

    /// The base score: v2 and v3 base equations, v4's CVSS-B (the base
    /// metrics alone, threat and environmental metrics left out).
    pub fn base_score(&self) -> Score {
        match self {
            Cvss::V2(c) => c.base_score(),
            Cvss::V3(c) => c.base_score(),
            Cvss::V4(c) => c.base_score(),
        }
    }

    /// The score of everything the vector says: the environmental score if
    /// an environmental metric is defined, else the temporal (v4: threat)
    /// score if one of those is, else the base score.
    pub fn score(&self) -> Score {
        match self {
            Cvss::V2(c) => c.score(),
            Cvss::V3(c) => c.score(),
            Cvss::V4(c) => c.score(),
        }
    }

    /// The rating of [`Cvss::base_score`]: v3 and v4 bands, or v2's
    /// Low/Medium/High.
    pub fn severity(&self) -> Severity {
        match self {
            Cvss::V2(_) => Severity::from_v2_score(self.base_score()),
            Cvss::V3(_) | Cvss::V4(_) => Severity::from_score(self.base_score()),
        }
    }

    /// `"2.0"`, `"3.0"`, `"3.1"` or `"4.0"`.
    pub fn version(&self) -> &'static str {
        match self {
            Cvss::V2(_) => "2.0",
            Cvss::V3(c) => c.minor.as_str(),
            Cvss::V4(_) => "4.0",
        }
    }

    /// The vector normalised: prefix, metrics in the specification's order,
    /// undefined (`X`/`ND`) metrics left out.
    pub fn vector(&self) -> String {
        match self {
            Cvss::V2(c) => c.vector(),
            Cvss::V3(c) => c.vector(),
            Cvss::V4(c) => c.vector(),
        }
    }
}

impl FromStr for Cvss {
    type Err = CvssError;

    fn from_str(s: &str) -> Result<Cvss, CvssError> {
        Cvss::parse(s)
    }
}

impl fmt::Display for Cvss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.vector())
    }
}

/// The input trimmed, if it is neither empty nor too long.
pub(crate) fn checked(input: &str) -> Result<&str, CvssError> {
    if input.len() > MAX_VECTOR_LEN {
        return Err(CvssError::TooLong {
            vector: error::shown(input),
            len: input.len(),
            limit: MAX_VECTOR_LEN,
        });
    }
    let vector = input.trim();
    if vector.is_empty() {
        return Err(CvssError::Empty);
    }
    Ok(vector)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_from_prefix() {
        let cases = [
            ("AV:N/AC:L/Au:N/C:P/I:P/A:P", "2.0", "7.5", Severity::High),
            (
                "CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H",
                "3.0",
                "8.1",
                Severity::High,
            ),
            (
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                "3.1",
                "9.8",
                Severity::Critical,
            ),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                "4.0",
                "9.3",
                Severity::Critical,
            ),
            ("  AV:L/AC:L/Au:N/C:P/I:N/A:N\n", "2.0", "2.1", Severity::Low),
        ];
        for (vector, version, score, severity) in cases {
            let c = Cvss::parse(vector).unwrap_or_else(|e| panic!("{vector}: {e}"));
            assert_eq!(c.version(), version);
            assert_eq!(c.base_score().to_string(), score);
            assert_eq!(c.severity(), severity);
            assert_eq!(c.vector(), vector.trim());
            assert_eq!(c.to_string(), vector.trim());
        }
    }

    #[test]
    fn severity_bands() {
        let s = |t: u8| Score::from_tenths(t).unwrap_or(Score::MAX);
        let v3 = |t| Severity::from_score(s(t));
        assert_eq!(
            [v3(0), v3(1), v3(39), v3(40), v3(69), v3(70), v3(89), v3(90), v3(100)],
            [
                Severity::None,
                Severity::Low,
                Severity::Low,
                Severity::Medium,
                Severity::Medium,
                Severity::High,
                Severity::High,
                Severity::Critical,
                Severity::Critical
            ]
        );
        let v2 = |t| Severity::from_v2_score(s(t));
        assert_eq!(
            [v2(0), v2(39), v2(40), v2(69), v2(70), v2(100)],
            [
                Severity::Low,
                Severity::Low,
                Severity::Medium,
                Severity::Medium,
                Severity::High,
                Severity::High
            ]
        );
        let zero = Cvss::parse("AV:N/AC:L/Au:N/C:N/I:N/A:N").ok().map(|c| c.severity());
        assert_eq!(zero, Some(Severity::Low));
        let zero = Cvss::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N")
            .ok()
            .map(|c| c.severity());
        assert_eq!(zero, Some(Severity::None));
        assert_eq!(Severity::Critical.to_string(), "CRITICAL");
    }

    #[test]
    fn score_text() {
        assert_eq!("9.8".parse::<Score>().map(Score::tenths), Ok(98));
        assert_eq!("10".parse::<Score>().map(Score::tenths), Ok(100));
        assert_eq!("0.0".parse::<Score>().map(Score::tenths), Ok(0));
        for bad in ["", "10.1", "11", "9.85", "-1.0", ".5", "5.", "a.b", "100.0", "9,8"] {
            assert!(bad.parse::<Score>().is_err(), "{bad}");
        }
        assert_eq!(Score::MAX.to_string(), "10.0");
        assert_eq!(Score::from_tenths(5).map(|s| s.to_string()), Some("0.5".to_owned()));
        assert_eq!(Score::from_tenths(101), None);
        assert!((Score::MAX.as_f32() - 10.0).abs() < f32::EPSILON);
    }

    #[test]
    fn errors() {
        assert_eq!(Cvss::parse(""), Err(CvssError::Empty));
        assert_eq!(Cvss::parse(" \t\n"), Err(CvssError::Empty));
        assert!(matches!(
            Cvss::parse("CVSS:5.0/AV:N"),
            Err(CvssError::UnsupportedVersion { ref prefix, .. }) if prefix == "CVSS:5.0"
        ));
        assert!(matches!(
            Cvss::parse("CVSS:/AV:N"),
            Err(CvssError::UnsupportedVersion { .. })
        ));
        assert!(matches!(
            Cvss::parse("CVSS:3.1"),
            Err(CvssError::MissingMetric { metric: "AV", .. })
        ));
        assert!(matches!(
            Cvss::parse("CVSS:3.1/"),
            Err(CvssError::MissingMetric { metric: "AV", .. })
        ));
        assert!(matches!(Cvss::parse("CVSS:3.1//"), Err(CvssError::Malformed { .. })));
        // A v3 vector without its prefix is read as v2, and fails there.
        assert!(matches!(
            Cvss::parse("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            Err(CvssError::UnknownMetric { ref metric, .. }) if metric == "PR"
        ));
        let long = "AV:N/".repeat(1000);
        let err = Cvss::parse(&long);
        assert!(matches!(err, Err(CvssError::TooLong { len: 5000, .. })));
        let message = err.map(|_| ()).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.len() < 400, "{message}");
        let message = Cvss::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:Q")
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            message.as_deref(),
            Some(r#"CVSS vector "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:Q": metric A has invalid value "Q""#)
        );
    }
}
