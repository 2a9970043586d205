//! [`Score`], a CVSS score held exactly, and [`Severity`], its rating.

use std::fmt;
use std::str::FromStr;

/// A CVSS score from 0.0 to 10.0, held exactly as tenths.
///
/// Every CVSS version rounds its scores to one decimal, so a fixed-point
/// value compares and prints without floating-point surprises.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Score(u8);

impl Score {
    /// 0.0.
    pub const ZERO: Score = Score(0);
    /// 10.0.
    pub const MAX: Score = Score(100);

    /// The score of `tenths` / 10, if it is at most 10.0.
    pub const fn from_tenths(tenths: u8) -> Option<Score> {
        if tenths <= 100 {
            Some(Score(tenths))
        } else {
            None
        }
    }

    /// The score in tenths: 98 for 9.8.
    pub const fn tenths(self) -> u8 {
        self.0
    }

    /// The score as a float: 9.8 for 9.8.
    pub fn as_f32(self) -> f32 {
        f32::from(self.0) / 10.0
    }

    /// The score as a double.
    pub fn as_f64(self) -> f64 {
        f64::from(self.0) / 10.0
    }

    /// The score of a count of tenths computed in floating point: the
    /// nearest integer, NaN and negatives giving 0.0, anything above 100
    /// giving 10.0. Callers pass values that are already whole up to
    /// representation error (42.99999999999999 for 4.3 × 10).
    pub(crate) fn clamp_tenths(t: f64) -> Score {
        let t = t.round();
        if t.is_nan() || t <= 0.0 {
            Score::ZERO
        } else if t >= 100.0 {
            Score::MAX
        } else {
            // In (0, 100) and integral: the cast is exact.
            Score(t as u8)
        }
    }

    /// Rounds to the nearest tenth, halves up, clamped to 0.0–10.0 (the
    /// one-decimal subscores, and v2's final environmental rounding).
    ///
    /// The small bias absorbs binary representation error, so that a value
    /// whose decimal form is exactly `x.x5` rounds up as in decimal arithmetic.
    pub(crate) fn round_half_up(x: f64) -> Score {
        Score::clamp_tenths((x * 10.0 + 0.5 + 1e-9).floor())
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0 / 10, self.0 % 10)
    }
}

/// Why a string is not a score.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a CVSS score (0.0 to 10.0 with at most one decimal): {0:?}")]
pub struct ScoreError(String);

impl FromStr for Score {
    type Err = ScoreError;

    /// Parses `9.8`, `10`, `10.0`, `0.0`.
    fn from_str(s: &str) -> Result<Score, ScoreError> {
        let bad = || ScoreError(super::error::shown(s));
        let (int, frac) = match s.split_once('.') {
            Some((i, f)) => (i, f),
            None => (s, "0"),
        };
        let digits = |p: &str| !p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit());
        if !digits(int) || frac.len() != 1 || !digits(frac) {
            return Err(bad());
        }
        let i: u8 = int.parse().map_err(|_| bad())?;
        let f: u8 = frac.parse().map_err(|_| bad())?;
        i.checked_mul(10)
            .and_then(|t| t.checked_add(f))
            .and_then(Score::from_tenths)
            .ok_or_else(bad)
    }
}

/// The qualitative severity rating of a score.
///
/// CVSS v3 and v4 define None (0.0), Low (0.1–3.9), Medium (4.0–6.9),
/// High (7.0–8.9) and Critical (9.0–10.0). CVSS v2 (as NVD rates it) has
/// only Low (0.0–3.9), Medium (4.0–6.9) and High (7.0–10.0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// 0.0 (v3, v4).
    None,
    /// 0.1–3.9 (v2: 0.0–3.9).
    Low,
    /// 4.0–6.9.
    Medium,
    /// 7.0–8.9 (v2: 7.0–10.0).
    High,
    /// 9.0–10.0 (v3, v4).
    Critical,
}

impl Severity {
    /// The CVSS v3/v4 rating of a score.
    pub fn from_score(score: Score) -> Severity {
        match score.tenths() {
            0 => Severity::None,
            1..=39 => Severity::Low,
            40..=69 => Severity::Medium,
            70..=89 => Severity::High,
            _ => Severity::Critical,
        }
    }

    /// The CVSS v2 rating of a score (NVD's bands).
    pub fn from_v2_score(score: Score) -> Severity {
        match score.tenths() {
            0..=39 => Severity::Low,
            40..=69 => Severity::Medium,
            _ => Severity::High,
        }
    }

    /// The rating's name in capitals, as OSV and GitHub advisories write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::None => "NONE",
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
