//! CVSS v2.0: base, temporal and environmental equations of the v2 guide
//! ("A Complete Guide to the Common Vulnerability Scoring System Version 2.0",
//! section 3.2), each rounded to one decimal.

use super::error::CvssError;
use super::metrics::{metric_values, Components, VectorWriter};
use super::{checked, Score};

metric_values! {
    /// AV: how the vulnerability is reached.
    AccessVector { Local = "L", AdjacentNetwork = "A", Network = "N" }
}
metric_values! {
    /// AC: how hard the attack is once the system is reached.
    AccessComplexity { High = "H", Medium = "M", Low = "L" }
}
metric_values! {
    /// Au: how many times an attacker must authenticate.
    Authentication { Multiple = "M", Single = "S", None = "N" }
}
metric_values! {
    /// C, I, A: impact on confidentiality, integrity, availability.
    Impact { None = "N", Partial = "P", Complete = "C" }
}
metric_values! {
    /// E: exploitability.
    Exploitability { Unproven = "U", ProofOfConcept = "POC", Functional = "F", High = "H" }
}
metric_values! {
    /// RL: remediation level.
    RemediationLevel { OfficialFix = "OF", TemporaryFix = "TF", Workaround = "W", Unavailable = "U" }
}
metric_values! {
    /// RC: report confidence.
    ReportConfidence { Unconfirmed = "UC", Uncorroborated = "UR", Confirmed = "C" }
}
metric_values! {
    /// CDP: collateral damage potential.
    CollateralDamage { None = "N", Low = "L", LowMedium = "LM", MediumHigh = "MH", High = "H" }
}
metric_values! {
    /// TD: target distribution.
    TargetDistribution { None = "N", Low = "L", Medium = "M", High = "H" }
}
metric_values! {
    /// CR, IR, AR: security requirements.
    Requirement { Low = "L", Medium = "M", High = "H" }
}

/// Metric names in the guide's order.
const NAMES: &[&str] = &[
    "AV", "AC", "Au", "C", "I", "A", "E", "RL", "RC", "CDP", "TD", "CR", "IR", "AR",
];

/// The six base metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BaseMetrics {
    pub av: AccessVector,
    pub ac: AccessComplexity,
    pub au: Authentication,
    pub c: Impact,
    pub i: Impact,
    pub a: Impact,
}

/// Temporal metrics; `None` is "not defined" (`ND`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TemporalMetrics {
    pub e: Option<Exploitability>,
    pub rl: Option<RemediationLevel>,
    pub rc: Option<ReportConfidence>,
}

/// Environmental metrics; `None` is "not defined" (`ND`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct EnvironmentalMetrics {
    pub cdp: Option<CollateralDamage>,
    pub td: Option<TargetDistribution>,
    pub cr: Option<Requirement>,
    pub ir: Option<Requirement>,
    pub ar: Option<Requirement>,
}

/// A CVSS v2 vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CvssV2 {
    pub base: BaseMetrics,
    pub temporal: TemporalMetrics,
    pub environmental: EnvironmentalMetrics,
}

impl CvssV2 {
    /// Parses `AV:N/AC:L/Au:N/C:P/I:P/A:P`, optionally followed by temporal
    /// and environmental metrics (`ND` meaning not defined).
    pub fn parse(input: &str) -> Result<CvssV2, CvssError> {
        let vector = checked(input)?;
        let m = Components::split(vector, vector, NAMES)?;
        let nd = "ND";
        Ok(CvssV2 {
            base: BaseMetrics {
                av: m.required("AV")?,
                ac: m.required("AC")?,
                au: m.required("Au")?,
                c: m.required("C")?,
                i: m.required("I")?,
                a: m.required("A")?,
            },
            temporal: TemporalMetrics {
                e: m.optional("E", nd)?,
                rl: m.optional("RL", nd)?,
                rc: m.optional("RC", nd)?,
            },
            environmental: EnvironmentalMetrics {
                cdp: m.optional("CDP", nd)?,
                td: m.optional("TD", nd)?,
                cr: m.optional("CR", nd)?,
                ir: m.optional("IR", nd)?,
                ar: m.optional("AR", nd)?,
            },
        })
    }

    /// The vector in the guide's order, `ND` metrics left out.
    pub fn vector(&self) -> String {
        let (b, t, e) = (&self.base, &self.temporal, &self.environmental);
        VectorWriter::new("")
            .put("AV", b.av)
            .put("AC", b.ac)
            .put("Au", b.au)
            .put("C", b.c)
            .put("I", b.i)
            .put("A", b.a)
            .put_opt("E", t.e)
            .put_opt("RL", t.rl)
            .put_opt("RC", t.rc)
            .put_opt("CDP", e.cdp)
            .put_opt("TD", e.td)
            .put_opt("CR", e.cr)
            .put_opt("IR", e.ir)
            .put_opt("AR", e.ar)
            .finish()
    }

    /// The impact sub-equation, unrounded: `10.41 × (1 − (1−C)(1−I)(1−A))`.
    pub fn impact(&self) -> f64 {
        let b = &self.base;
        10.41 * (1.0 - (1.0 - cia(b.c)) * (1.0 - cia(b.i)) * (1.0 - cia(b.a)))
    }

    /// The exploitability sub-equation, unrounded: `20 × AV × AC × Au`.
    pub fn exploitability(&self) -> f64 {
        let b = &self.base;
        20.0 * av(b.av) * ac(b.ac) * au(b.au)
    }

    /// The impact subscore rounded to one decimal.
    pub fn impact_subscore(&self) -> Score {
        Score::round_half_up(self.impact())
    }

    /// The exploitability subscore rounded to one decimal.
    pub fn exploitability_subscore(&self) -> Score {
        Score::round_half_up(self.exploitability())
    }

    /// The base score.
    pub fn base_score(&self) -> Score {
        Score::clamp_tenths(base_equation(self.impact(), self.exploitability()) * 10.0)
    }

    /// The temporal score: base × E × RL × RC, rounded.
    pub fn temporal_score(&self) -> Score {
        let base = base_equation(self.impact(), self.exploitability());
        Score::clamp_tenths(self.temporal_of(base) * 10.0)
    }

    /// The environmental score: the temporal equation over the base score
    /// recomputed with the adjusted impact, then collateral damage and
    /// target distribution.
    pub fn environmental_score(&self) -> Score {
        let (b, env) = (&self.base, &self.environmental);
        let adjusted_impact = (10.41
            * (1.0 - (1.0 - cia(b.c) * req(env.cr)) * (1.0 - cia(b.i) * req(env.ir)) * (1.0 - cia(b.a) * req(env.ar))))
        .min(10.0);
        // The guide's equations clamp nothing on the way: with low
        // requirements the adjusted base can be slightly negative (−0.2),
        // and the environmental score keeps that.
        let adjusted_base = base_equation(adjusted_impact, self.exploitability());
        let adjusted_temporal = self.temporal_of(adjusted_base);
        Score::round_half_up((adjusted_temporal + (10.0 - adjusted_temporal) * cdp(env.cdp)) * td(env.td))
    }

    /// The most specific score the vector defines: environmental if any
    /// environmental metric is defined, else temporal if any temporal metric
    /// is, else base.
    pub fn score(&self) -> Score {
        let (t, e) = (&self.temporal, &self.environmental);
        if e.cdp.is_some() || e.td.is_some() || e.cr.is_some() || e.ir.is_some() || e.ar.is_some() {
            self.environmental_score()
        } else if t.e.is_some() || t.rl.is_some() || t.rc.is_some() {
            self.temporal_score()
        } else {
            self.base_score()
        }
    }

    /// `round_to_1_decimal(Base × E × RL × RC)`, unclamped.
    fn temporal_of(&self, base: f64) -> f64 {
        let t = &self.temporal;
        round_to_1_decimal(base * e(t.e) * rl(t.rl) * rc(t.rc))
    }
}

/// `round_to_1_decimal(((0.6 × Impact) + (0.4 × Exploitability) − 1.5) × f(Impact))`,
/// unclamped.
fn base_equation(impact: f64, exploitability: f64) -> f64 {
    let f = if impact == 0.0 { 0.0 } else { 1.176 };
    round_to_1_decimal((0.6 * impact + 0.4 * exploitability - 1.5) * f)
}

/// The nearest tenth, halves away from zero, as a float (intermediate
/// results can be negative). The nudge absorbs binary representation error
/// so that a value that is `x.x5` in decimal rounds as in decimal.
fn round_to_1_decimal(x: f64) -> f64 {
    let tenths = (x.abs() * 10.0 + 0.5 + 1e-9).floor();
    tenths.copysign(x) / 10.0
}

fn av(v: AccessVector) -> f64 {
    match v {
        AccessVector::Local => 0.395,
        AccessVector::AdjacentNetwork => 0.646,
        AccessVector::Network => 1.0,
    }
}

fn ac(v: AccessComplexity) -> f64 {
    match v {
        AccessComplexity::High => 0.35,
        AccessComplexity::Medium => 0.61,
        AccessComplexity::Low => 0.71,
    }
}

fn au(v: Authentication) -> f64 {
    match v {
        Authentication::Multiple => 0.45,
        Authentication::Single => 0.56,
        Authentication::None => 0.704,
    }
}

fn cia(v: Impact) -> f64 {
    match v {
        Impact::None => 0.0,
        Impact::Partial => 0.275,
        Impact::Complete => 0.660,
    }
}

fn e(v: Option<Exploitability>) -> f64 {
    match v {
        Some(Exploitability::Unproven) => 0.85,
        Some(Exploitability::ProofOfConcept) => 0.9,
        Some(Exploitability::Functional) => 0.95,
        Some(Exploitability::High) | None => 1.0,
    }
}

fn rl(v: Option<RemediationLevel>) -> f64 {
    match v {
        Some(RemediationLevel::OfficialFix) => 0.87,
        Some(RemediationLevel::TemporaryFix) => 0.90,
        Some(RemediationLevel::Workaround) => 0.95,
        Some(RemediationLevel::Unavailable) | None => 1.0,
    }
}

fn rc(v: Option<ReportConfidence>) -> f64 {
    match v {
        Some(ReportConfidence::Unconfirmed) => 0.90,
        Some(ReportConfidence::Uncorroborated) => 0.95,
        Some(ReportConfidence::Confirmed) | None => 1.0,
    }
}

fn cdp(v: Option<CollateralDamage>) -> f64 {
    match v {
        Some(CollateralDamage::None) | None => 0.0,
        Some(CollateralDamage::Low) => 0.1,
        Some(CollateralDamage::LowMedium) => 0.3,
        Some(CollateralDamage::MediumHigh) => 0.4,
        Some(CollateralDamage::High) => 0.5,
    }
}

fn td(v: Option<TargetDistribution>) -> f64 {
    match v {
        Some(TargetDistribution::None) => 0.0,
        Some(TargetDistribution::Low) => 0.25,
        Some(TargetDistribution::Medium) => 0.75,
        Some(TargetDistribution::High) | None => 1.0,
    }
}

fn req(v: Option<Requirement>) -> f64 {
    match v {
        Some(Requirement::Low) => 0.5,
        Some(Requirement::Medium) | None => 1.0,
        Some(Requirement::High) => 1.51,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v2(s: &str) -> CvssV2 {
        CvssV2::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn guide_examples() {
        // The v2 guide's worked examples (section 3.3).
        // CVE-2002-0392: base 7.8, temporal 6.4, environmental (CDP:H/TD:H/CR:M/IR:M/AR:H) 9.2.
        let c = v2("AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:H");
        assert_eq!(c.base_score().to_string(), "7.8");
        assert_eq!(c.temporal_score().to_string(), "6.4");
        assert_eq!(c.environmental_score().to_string(), "9.2");
        assert_eq!(c.score().to_string(), "9.2");
        // CVE-2003-0818: base 10.0, temporal 8.3, environmental (CDP:H/TD:H/CR:M/IR:M/AR:L) 9.0.
        let c = v2("AV:N/AC:L/Au:N/C:C/I:C/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:L");
        assert_eq!(c.base_score().to_string(), "10.0");
        assert_eq!(c.temporal_score().to_string(), "8.3");
        assert_eq!(c.environmental_score().to_string(), "9.0");
        // CVE-2003-0062: base 6.2, temporal 4.9, environmental (CDP:N/TD:N/...) 0.0.
        let c = v2("AV:L/AC:H/Au:N/C:C/I:C/A:C/E:POC/RL:OF/RC:C/CDP:N/TD:N/CR:M/IR:M/AR:M");
        assert_eq!(c.base_score().to_string(), "6.2");
        assert_eq!(c.temporal_score().to_string(), "4.9");
        assert_eq!(c.environmental_score().to_string(), "0.0");
    }

    #[test]
    fn well_known_base_scores_and_subscores() {
        let c = v2("AV:N/AC:L/Au:N/C:P/I:P/A:P");
        assert_eq!(c.base_score().to_string(), "7.5");
        assert_eq!(c.impact_subscore().to_string(), "6.4");
        assert_eq!(c.exploitability_subscore().to_string(), "10.0");
        let c = v2("AV:N/AC:M/Au:N/C:N/I:P/A:N");
        assert_eq!(c.base_score().to_string(), "4.3");
        assert_eq!(c.impact_subscore().to_string(), "2.9");
        assert_eq!(c.exploitability_subscore().to_string(), "8.6");
        assert_eq!(v2("AV:N/AC:L/Au:N/C:N/I:N/A:P").base_score().to_string(), "5.0");
        assert_eq!(v2("AV:L/AC:L/Au:N/C:C/I:C/A:C").base_score().to_string(), "7.2");
        assert_eq!(v2("AV:N/AC:M/Au:N/C:C/I:C/A:C").base_score().to_string(), "9.3");
        assert_eq!(v2("AV:N/AC:L/Au:S/C:N/I:P/A:N").base_score().to_string(), "4.0");
        assert_eq!(v2("AV:L/AC:L/Au:N/C:P/I:N/A:N").base_score().to_string(), "2.1");
        assert_eq!(v2("AV:N/AC:L/Au:N/C:N/I:N/A:N").base_score().to_string(), "0.0");
    }

    #[test]
    fn negative_adjusted_base_is_kept() {
        // Adjusted impact 10.41 × 0.275 × 0.5 is too low for this
        // exploitability: the adjusted base is −0.2, and the environmental
        // score (−0.2 + 10.2 × 0.4) × 1 = 3.88 → 3.9 (the reference agrees).
        let c = v2("AV:L/AC:H/Au:M/C:N/I:P/A:N/E:H/RC:ND/CDP:MH/CR:L/IR:L/AR:H");
        assert_eq!(c.base_score().to_string(), "0.8");
        assert_eq!(c.environmental_score().to_string(), "3.9");
    }

    #[test]
    fn not_defined_and_normalisation() {
        let c = v2("AC:L/AV:N/Au:N/C:P/I:P/A:P/E:ND/RL:ND/RC:ND/CDP:ND/TD:ND/CR:ND/IR:ND/AR:ND");
        assert_eq!(c.vector(), "AV:N/AC:L/Au:N/C:P/I:P/A:P");
        assert_eq!(c.score(), c.base_score());
        assert_eq!(c.temporal_score(), c.base_score());
        assert_eq!(c.environmental_score(), c.base_score());
    }

    #[test]
    fn errors_name_the_metric() {
        let err = |s: &str| CvssV2::parse(s).err();
        assert!(matches!(
            err("AV:N/AC:L/Au:N/C:P/I:P"),
            Some(CvssError::MissingMetric { metric: "A", .. })
        ));
        assert!(matches!(
            err("AV:N/AC:L/Au:N/C:P/I:P/A:P/AV:L"),
            Some(CvssError::DuplicateMetric { metric: "AV", .. })
        ));
        assert!(matches!(
            err("AV:N/AC:L/AU:N/C:P/I:P/A:P"),
            Some(CvssError::UnknownMetric { ref metric, .. }) if metric == "AU"
        ));
        assert!(matches!(
            err("AV:N/AC:L/Au:N/C:X/I:P/A:P"),
            Some(CvssError::BadValue { metric: "C", ref value, .. }) if value == "X"
        ));
        assert!(matches!(
            err("AV:N/AC:L/Au:N/C:P/I:P/A:P/E:X"),
            Some(CvssError::BadValue { metric: "E", .. })
        ));
        assert!(matches!(
            err("AV:N/AC:L/Au:N/C:P/I:P/A:P/"),
            Some(CvssError::Malformed { .. })
        ));
    }
}
