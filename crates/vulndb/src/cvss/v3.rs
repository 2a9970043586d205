//! CVSS v3.0 and v3.1: base, temporal and environmental equations of the
//! v3.0 and v3.1 specifications (section 7 and 8 of each), with each
//! version's Roundup.

use super::error::{shown, CvssError};
use super::metrics::{metric_values, Components, VectorWriter};
use super::{checked, Score, Severity};

metric_values! {
    /// AV and MAV.
    AttackVector { Network = "N", Adjacent = "A", Local = "L", Physical = "P" }
}
metric_values! {
    /// AC and MAC.
    AttackComplexity { Low = "L", High = "H" }
}
metric_values! {
    /// PR and MPR.
    PrivilegesRequired { None = "N", Low = "L", High = "H" }
}
metric_values! {
    /// UI and MUI.
    UserInteraction { None = "N", Required = "R" }
}
metric_values! {
    /// S and MS.
    Scope { Unchanged = "U", Changed = "C" }
}
metric_values! {
    /// C, I, A and MC, MI, MA.
    Impact { High = "H", Low = "L", None = "N" }
}
metric_values! {
    /// E: exploit code maturity.
    ExploitMaturity { Unproven = "U", ProofOfConcept = "P", Functional = "F", High = "H" }
}
metric_values! {
    /// RL: remediation level.
    RemediationLevel { OfficialFix = "O", TemporaryFix = "T", Workaround = "W", Unavailable = "U" }
}
metric_values! {
    /// RC: report confidence.
    ReportConfidence { Unknown = "U", Reasonable = "R", Confirmed = "C" }
}
metric_values! {
    /// CR, IR, AR: security requirements.
    Requirement { Low = "L", Medium = "M", High = "H" }
}

/// Metric names in the specification's order.
const NAMES: &[&str] = &[
    "AV", "AC", "PR", "UI", "S", "C", "I", "A", // base
    "E", "RL", "RC", // temporal
    "CR", "IR", "AR", "MAV", "MAC", "MPR", "MUI", "MS", "MC", "MI", "MA", // environmental
];

/// Which v3 specification the vector follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Minor {
    /// CVSS v3.0.
    V3_0,
    /// CVSS v3.1.
    V3_1,
}

impl Minor {
    /// `"3.0"` or `"3.1"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Minor::V3_0 => "3.0",
            Minor::V3_1 => "3.1",
        }
    }
}

/// The eight base metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BaseMetrics {
    pub av: AttackVector,
    pub ac: AttackComplexity,
    pub pr: PrivilegesRequired,
    pub ui: UserInteraction,
    pub s: Scope,
    pub c: Impact,
    pub i: Impact,
    pub a: Impact,
}

/// Temporal metrics; `None` is "not defined" (`X`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TemporalMetrics {
    pub e: Option<ExploitMaturity>,
    pub rl: Option<RemediationLevel>,
    pub rc: Option<ReportConfidence>,
}

/// Environmental metrics; `None` is "not defined" (`X`): a requirement
/// then weighs as Medium, a modified metric takes its base value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct EnvironmentalMetrics {
    pub cr: Option<Requirement>,
    pub ir: Option<Requirement>,
    pub ar: Option<Requirement>,
    pub mav: Option<AttackVector>,
    pub mac: Option<AttackComplexity>,
    pub mpr: Option<PrivilegesRequired>,
    pub mui: Option<UserInteraction>,
    pub ms: Option<Scope>,
    pub mc: Option<Impact>,
    pub mi: Option<Impact>,
    pub ma: Option<Impact>,
}

impl EnvironmentalMetrics {
    fn any_defined(&self) -> bool {
        *self != EnvironmentalMetrics::default()
    }
}

/// A CVSS v3.0 or v3.1 vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CvssV3 {
    pub minor: Minor,
    pub base: BaseMetrics,
    pub temporal: TemporalMetrics,
    pub environmental: EnvironmentalMetrics,
}

impl CvssV3 {
    /// Parses `CVSS:3.0/…` or `CVSS:3.1/…`.
    pub fn parse(input: &str) -> Result<CvssV3, CvssError> {
        let vector = checked(input)?;
        let (prefix, body) = vector.split_once('/').unwrap_or((vector, ""));
        let minor = match prefix {
            "CVSS:3.0" => Minor::V3_0,
            "CVSS:3.1" => Minor::V3_1,
            _ => {
                return Err(CvssError::UnsupportedVersion {
                    vector: shown(vector),
                    prefix: shown(prefix),
                })
            }
        };
        let m = Components::split(vector, body, NAMES)?;
        let x = "X";
        Ok(CvssV3 {
            minor,
            base: BaseMetrics {
                av: m.required("AV")?,
                ac: m.required("AC")?,
                pr: m.required("PR")?,
                ui: m.required("UI")?,
                s: m.required("S")?,
                c: m.required("C")?,
                i: m.required("I")?,
                a: m.required("A")?,
            },
            temporal: TemporalMetrics {
                e: m.optional("E", x)?,
                rl: m.optional("RL", x)?,
                rc: m.optional("RC", x)?,
            },
            environmental: EnvironmentalMetrics {
                cr: m.optional("CR", x)?,
                ir: m.optional("IR", x)?,
                ar: m.optional("AR", x)?,
                mav: m.optional("MAV", x)?,
                mac: m.optional("MAC", x)?,
                mpr: m.optional("MPR", x)?,
                mui: m.optional("MUI", x)?,
                ms: m.optional("MS", x)?,
                mc: m.optional("MC", x)?,
                mi: m.optional("MI", x)?,
                ma: m.optional("MA", x)?,
            },
        })
    }

    /// The vector in the specification's order, `X` metrics left out.
    pub fn vector(&self) -> String {
        let (b, t, e) = (&self.base, &self.temporal, &self.environmental);
        VectorWriter::new(match self.minor {
            Minor::V3_0 => "CVSS:3.0",
            Minor::V3_1 => "CVSS:3.1",
        })
        .put("AV", b.av)
        .put("AC", b.ac)
        .put("PR", b.pr)
        .put("UI", b.ui)
        .put("S", b.s)
        .put("C", b.c)
        .put("I", b.i)
        .put("A", b.a)
        .put_opt("E", t.e)
        .put_opt("RL", t.rl)
        .put_opt("RC", t.rc)
        .put_opt("CR", e.cr)
        .put_opt("IR", e.ir)
        .put_opt("AR", e.ar)
        .put_opt("MAV", e.mav)
        .put_opt("MAC", e.mac)
        .put_opt("MPR", e.mpr)
        .put_opt("MUI", e.mui)
        .put_opt("MS", e.ms)
        .put_opt("MC", e.mc)
        .put_opt("MI", e.mi)
        .put_opt("MA", e.ma)
        .finish()
    }

    /// The impact sub score (ISC), unrounded; negative for some scope
    /// changed vectors with little impact.
    pub fn impact(&self) -> f64 {
        let b = &self.base;
        let iss = 1.0 - (1.0 - cia(b.c)) * (1.0 - cia(b.i)) * (1.0 - cia(b.a));
        match b.s {
            Scope::Unchanged => 6.42 * iss,
            Scope::Changed => 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02).powi(15),
        }
    }

    /// The exploitability sub score, unrounded: `8.22 × AV × AC × PR × UI`.
    pub fn exploitability(&self) -> f64 {
        let b = &self.base;
        8.22 * av(b.av) * ac(b.ac) * pr(b.pr, b.s) * ui(b.ui)
    }

    /// The impact subscore rounded to one decimal (0.0 when negative), as
    /// calculators show it.
    pub fn impact_subscore(&self) -> Score {
        Score::round_half_up(self.impact())
    }

    /// The exploitability subscore rounded to one decimal.
    pub fn exploitability_subscore(&self) -> Score {
        Score::round_half_up(self.exploitability())
    }

    /// The base score.
    pub fn base_score(&self) -> Score {
        let impact = self.impact();
        if impact <= 0.0 {
            return Score::ZERO;
        }
        let sum = impact + self.exploitability();
        match self.base.s {
            Scope::Unchanged => self.roundup(sum.min(10.0)),
            Scope::Changed => self.roundup((1.08 * sum).min(10.0)),
        }
    }

    /// The temporal score: `Roundup(Base × E × RL × RC)`.
    pub fn temporal_score(&self) -> Score {
        self.roundup(self.base_score().as_f64() * self.temporal_factor())
    }

    /// The environmental score, from the modified base metrics (each falling
    /// back to its base value), the security requirements and the temporal
    /// metrics.
    pub fn environmental_score(&self) -> Score {
        let (b, e) = (&self.base, &self.environmental);
        let scope = e.ms.unwrap_or(b.s);
        let miss = (1.0
            - (1.0 - req(e.cr) * cia(e.mc.unwrap_or(b.c)))
                * (1.0 - req(e.ir) * cia(e.mi.unwrap_or(b.i)))
                * (1.0 - req(e.ar) * cia(e.ma.unwrap_or(b.a))))
        .min(0.915);
        let impact = match scope {
            Scope::Unchanged => 6.42 * miss,
            Scope::Changed => {
                let tail = match self.minor {
                    Minor::V3_0 => (miss - 0.02).powi(15),
                    Minor::V3_1 => (miss * 0.9731 - 0.02).powi(13),
                };
                7.52 * (miss - 0.029) - 3.25 * tail
            }
        };
        if impact <= 0.0 {
            return Score::ZERO;
        }
        let exploitability = 8.22
            * av(e.mav.unwrap_or(b.av))
            * ac(e.mac.unwrap_or(b.ac))
            * pr(e.mpr.unwrap_or(b.pr), scope)
            * ui(e.mui.unwrap_or(b.ui));
        let sum = impact + exploitability;
        let modified_base = match scope {
            Scope::Unchanged => self.roundup(sum.min(10.0)),
            Scope::Changed => self.roundup((1.08 * sum).min(10.0)),
        };
        self.roundup(modified_base.as_f64() * self.temporal_factor())
    }

    /// The most specific score the vector defines: environmental if any
    /// environmental metric is defined, else temporal if any temporal metric
    /// is, else base.
    pub fn score(&self) -> Score {
        if self.environmental.any_defined() {
            self.environmental_score()
        } else if self.temporal != TemporalMetrics::default() {
            self.temporal_score()
        } else {
            self.base_score()
        }
    }

    /// The rating of the base score.
    pub fn severity(&self) -> Severity {
        Severity::from_score(self.base_score())
    }

    fn temporal_factor(&self) -> f64 {
        let t = &self.temporal;
        e(t.e) * rl(t.rl) * rc(t.rc)
    }

    fn roundup(&self, x: f64) -> Score {
        match self.minor {
            Minor::V3_0 => roundup_v30(x),
            Minor::V3_1 => roundup_v31(x),
        }
    }
}

/// v3.0's Roundup: the smallest number with one decimal that is equal to or
/// higher than the input. The input is a product of decimal weights computed
/// in binary floating point; the tolerance keeps a value that is a whole
/// tenth in decimal (4.7 computed as 4.700000000000001) from going up a
/// tenth.
fn roundup_v30(x: f64) -> Score {
    Score::clamp_tenths((x * 10.0 - 1e-9).ceil())
}

/// v3.1's Roundup (specification appendix A): round to five decimals as an
/// integer first, then up to one decimal.
fn roundup_v31(x: f64) -> Score {
    if x.is_nan() || x <= 0.0 {
        return Score::ZERO;
    }
    // x is at most about 11 here; the product fits an f64 integer exactly.
    let int_input = (x * 100_000.0).round();
    let tenths = (int_input / 10_000.0).floor();
    if int_input % 10_000.0 == 0.0 {
        Score::clamp_tenths(tenths)
    } else {
        Score::clamp_tenths(tenths + 1.0)
    }
}

fn av(v: AttackVector) -> f64 {
    match v {
        AttackVector::Network => 0.85,
        AttackVector::Adjacent => 0.62,
        AttackVector::Local => 0.55,
        AttackVector::Physical => 0.2,
    }
}

fn ac(v: AttackComplexity) -> f64 {
    match v {
        AttackComplexity::Low => 0.77,
        AttackComplexity::High => 0.44,
    }
}

/// PR weighs more when the scope changes.
fn pr(v: PrivilegesRequired, scope: Scope) -> f64 {
    match (v, scope) {
        (PrivilegesRequired::None, _) => 0.85,
        (PrivilegesRequired::Low, Scope::Unchanged) => 0.62,
        (PrivilegesRequired::Low, Scope::Changed) => 0.68,
        (PrivilegesRequired::High, Scope::Unchanged) => 0.27,
        (PrivilegesRequired::High, Scope::Changed) => 0.5,
    }
}

fn ui(v: UserInteraction) -> f64 {
    match v {
        UserInteraction::None => 0.85,
        UserInteraction::Required => 0.62,
    }
}

fn cia(v: Impact) -> f64 {
    match v {
        Impact::High => 0.56,
        Impact::Low => 0.22,
        Impact::None => 0.0,
    }
}

fn e(v: Option<ExploitMaturity>) -> f64 {
    match v {
        Some(ExploitMaturity::Unproven) => 0.91,
        Some(ExploitMaturity::ProofOfConcept) => 0.94,
        Some(ExploitMaturity::Functional) => 0.97,
        Some(ExploitMaturity::High) | None => 1.0,
    }
}

fn rl(v: Option<RemediationLevel>) -> f64 {
    match v {
        Some(RemediationLevel::OfficialFix) => 0.95,
        Some(RemediationLevel::TemporaryFix) => 0.96,
        Some(RemediationLevel::Workaround) => 0.97,
        Some(RemediationLevel::Unavailable) | None => 1.0,
    }
}

fn rc(v: Option<ReportConfidence>) -> f64 {
    match v {
        Some(ReportConfidence::Unknown) => 0.92,
        Some(ReportConfidence::Reasonable) => 0.96,
        Some(ReportConfidence::Confirmed) | None => 1.0,
    }
}

fn req(v: Option<Requirement>) -> f64 {
    match v {
        Some(Requirement::Low) => 0.5,
        Some(Requirement::Medium) | None => 1.0,
        Some(Requirement::High) => 1.5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(s: &str) -> String {
        CvssV3::parse(s)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .base_score()
            .to_string()
    }

    #[test]
    fn well_known_base_scores() {
        for (vector, score) in [
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "9.8"),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", "10.0"),
            ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", "7.8"),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", "6.1"),
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", "5.9"),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", "7.5"),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", "7.5"),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", "8.8"),
            ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", "8.8"),
            ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", "6.4"),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", "5.3"),
            ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N", "5.5"),
            ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H", "5.5"),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H", "6.5"),
            ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", "8.1"),
            ("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", "7.2"),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", "0.0"),
            ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:N/A:N", "0.0"),
            ("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", "1.6"),
            ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "9.8"),
            ("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", "6.1"),
        ] {
            assert_eq!(base(vector), score, "{vector}");
        }
    }

    #[test]
    fn subscores_as_nvd_shows_them() {
        let c = CvssV3::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.impact_subscore().to_string(), "5.9");
        assert_eq!(c.exploitability_subscore().to_string(), "3.9");
        assert_eq!(c.severity(), Severity::Critical);
        let c = CvssV3::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.impact_subscore().to_string(), "6.0");
        assert_eq!(c.exploitability_subscore().to_string(), "3.9");
        let c = CvssV3::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.impact_subscore().to_string(), "2.7");
        assert_eq!(c.exploitability_subscore().to_string(), "2.8");
    }

    #[test]
    fn roundup_31_avoids_float_artefacts() {
        // The specification's own example: 4.000000000000001 in floating point is 4.0.
        assert_eq!(roundup_v31(4.000_000_000_000_001).to_string(), "4.0");
        assert_eq!(roundup_v31(4.02).to_string(), "4.1");
        assert_eq!(roundup_v31(4.0).to_string(), "4.0");
        assert_eq!(roundup_v31(0.0).to_string(), "0.0");
        assert_eq!(roundup_v31(10.0).to_string(), "10.0");
        assert_eq!(roundup_v30(4.02).to_string(), "4.1");
        assert_eq!(roundup_v30(4.0).to_string(), "4.0");
        assert_eq!(roundup_v30(5.0 * 0.94).to_string(), "4.7");
    }

    #[test]
    fn temporal_and_environmental() {
        let c = CvssV3::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:C")
            .unwrap_or_else(|e| panic!("{e}"));
        // 9.8 × 0.91 × 0.95 = 8.4721 → 8.5
        assert_eq!(c.temporal_score().to_string(), "8.5");
        assert_eq!(c.score().to_string(), "8.5");
        assert_eq!(c.base_score().to_string(), "9.8");
        let c =
            CvssV3::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/MAV:L/MPR:L").unwrap_or_else(|e| panic!("{e}"));
        // Same as the base vector AV:L/PR:L.
        assert_eq!(c.environmental_score().to_string(), "7.8");
        assert_eq!(c.score().to_string(), "7.8");
        // Not defined everywhere: every score equals the base.
        let c = CvssV3::parse(
            "CVSS:3.1/AV:A/AC:H/PR:L/UI:R/S:C/C:L/I:H/A:N/E:X/RL:X/RC:X/CR:X/IR:X/AR:X/MAV:X/MAC:X/MPR:X/MUI:X/MS:X/MC:X/MI:X/MA:X",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.vector(), "CVSS:3.1/AV:A/AC:H/PR:L/UI:R/S:C/C:L/I:H/A:N");
        assert_eq!(c.temporal_score(), c.base_score());
        assert_eq!(c.environmental_score(), c.base_score());
    }

    #[test]
    fn any_order_normalised() {
        let c = CvssV3::parse("CVSS:3.1/S:U/C:H/I:H/A:H/AV:N/AC:L/PR:N/UI:N/RL:O").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.vector(), "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/RL:O");
    }

    #[test]
    fn errors_name_the_metric() {
        let err = |s: &str| CvssV3::parse(s).err();
        assert!(matches!(
            err("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H"),
            Some(CvssError::MissingMetric { metric: "S", .. })
        ));
        assert!(matches!(
            err("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/C:L"),
            Some(CvssError::DuplicateMetric { metric: "C", .. })
        ));
        assert!(matches!(
            err("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/Au:N"),
            Some(CvssError::UnknownMetric { ref metric, .. }) if metric == "Au"
        ));
        assert!(matches!(
            err("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            Some(CvssError::BadValue { metric: "AV", ref value, .. }) if value == "X"
        ));
        assert!(matches!(
            err("CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            Some(CvssError::UnsupportedVersion { ref prefix, .. }) if prefix == "CVSS:3.2"
        ));
        assert!(matches!(
            err("CVSS:3.1"),
            Some(CvssError::MissingMetric { metric: "AV", .. })
        ));
        assert!(matches!(err("CVSS:3.1/AV"), Some(CvssError::Malformed { .. })));
    }
}
