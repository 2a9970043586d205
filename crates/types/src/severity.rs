//! [`Severity`]: how bad a vulnerability finding is, on one scale for every source.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The severity of a finding, from a CVSS score, a distribution's rating or an advisory's own.
///
/// Ordered from least to most severe: `Unknown < Negligible < Low < Medium < High < Critical`,
/// so `finding.severity >= threshold` is the `--fail-on` test. `Negligible` is what Debian
/// calls `unimportant` and Ubuntu `negligible`; `Unknown` is a finding no source rated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Unknown,
    Negligible,
    Low,
    Medium,
    High,
    Critical,
}

/// Why a string is not a severity name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown severity {0:?}; expected one of: critical, high, medium, low, negligible, unknown")]
pub struct SeverityError(pub String);

impl Severity {
    /// Every severity, most severe first (the order reports list them in).
    pub const ALL: [Severity; 6] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Negligible,
        Severity::Unknown,
    ];

    /// The lowercase name: `critical`, `high`, `medium`, `low`, `negligible`, `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Unknown => "unknown",
            Severity::Negligible => "negligible",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The name with a capital: `Critical`, ... (for tables).
    pub fn title(self) -> &'static str {
        match self {
            Severity::Unknown => "Unknown",
            Severity::Negligible => "Negligible",
            Severity::Low => "Low",
            Severity::Medium => "Medium",
            Severity::High => "High",
            Severity::Critical => "Critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = SeverityError;

    /// Parses a name in any case; `moderate` (GitHub's word) is `medium`, `none` and `info`
    /// are `negligible`, `unimportant` (Debian's word) is `negligible` too.
    fn from_str(s: &str) -> Result<Severity, SeverityError> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "critical" => Severity::Critical,
            "high" | "important" => Severity::High,
            "medium" | "moderate" => Severity::Medium,
            "low" => Severity::Low,
            "negligible" | "unimportant" | "none" | "info" => Severity::Negligible,
            "unknown" => Severity::Unknown,
            _ => return Err(SeverityError(s.to_string())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_from_unknown_to_critical() {
        let mut v = Severity::ALL.to_vec();
        v.sort();
        assert_eq!(
            v,
            [
                Severity::Unknown,
                Severity::Negligible,
                Severity::Low,
                Severity::Medium,
                Severity::High,
                Severity::Critical
            ]
        );
        assert!(Severity::High >= Severity::Medium);
    }

    #[test]
    fn names_round_trip_and_aliases_parse() {
        for s in Severity::ALL {
            assert_eq!(s.as_str().parse::<Severity>(), Ok(s));
            assert_eq!(s.title().parse::<Severity>(), Ok(s));
        }
        assert_eq!("MODERATE".parse::<Severity>(), Ok(Severity::Medium));
        assert_eq!("unimportant".parse::<Severity>(), Ok(Severity::Negligible));
        assert!("severe".parse::<Severity>().is_err());
        assert_eq!(
            serde_json::to_string(&Severity::Critical).expect("serialises"),
            "\"critical\""
        );
    }
}
