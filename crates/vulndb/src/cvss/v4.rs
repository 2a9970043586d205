//! CVSS v4.0: the macrovector scoring of the v4.0 specification (section 8).
//!
//! A vector falls in one "macrovector" given by six equivalence-set levels
//! (EQ1–EQ6, see [`CvssV4::macrovector`]); the specification scores each
//! macrovector by expert ranking (the table in `v4_table`), and a vector is
//! scored by interpolating between its macrovector's score and the next
//! lower macrovectors' by its severity distance from the macrovector's
//! highest-severity vectors.

use super::error::{shown, CvssError};
use super::metrics::{metric_values, Components, VectorWriter};
use super::{checked, v4_table, Score, Severity};

metric_values! {
    /// AV and MAV.
    AttackVector { Network = "N", Adjacent = "A", Local = "L", Physical = "P" }
}
metric_values! {
    /// AC and MAC.
    AttackComplexity { Low = "L", High = "H" }
}
metric_values! {
    /// AT and MAT: attack requirements.
    AttackRequirements { None = "N", Present = "P" }
}
metric_values! {
    /// PR and MPR.
    PrivilegesRequired { None = "N", Low = "L", High = "H" }
}
metric_values! {
    /// UI and MUI.
    UserInteraction { None = "N", Passive = "P", Active = "A" }
}
metric_values! {
    /// VC, VI, VA, SC, SI, SA and MVC, MVI, MVA, MSC.
    Impact { High = "H", Low = "L", None = "N" }
}
metric_values! {
    /// MSI and MSA, which add Safety to the impact values.
    ModifiedSubsequentImpact { Safety = "S", High = "H", Low = "L", None = "N" }
}
metric_values! {
    /// E: exploit maturity.
    ExploitMaturity { Attacked = "A", ProofOfConcept = "P", Unreported = "U" }
}
metric_values! {
    /// CR, IR, AR: security requirements.
    Requirement { High = "H", Medium = "M", Low = "L" }
}
metric_values! {
    /// S (supplemental): safety.
    Safety { Negligible = "N", Present = "P" }
}
metric_values! {
    /// AU (supplemental): automatable.
    Automatable { No = "N", Yes = "Y" }
}
metric_values! {
    /// R (supplemental): recovery.
    Recovery { Automatic = "A", User = "U", Irrecoverable = "I" }
}
metric_values! {
    /// V (supplemental): value density.
    ValueDensity { Diffuse = "D", Concentrated = "C" }
}
metric_values! {
    /// RE (supplemental): vulnerability response effort.
    ResponseEffort { Low = "L", Moderate = "M", High = "H" }
}
metric_values! {
    /// U (supplemental): provider urgency.
    ProviderUrgency { Clear = "Clear", Green = "Green", Amber = "Amber", Red = "Red" }
}

/// Metric names in the specification's order.
const NAMES: &[&str] = &[
    "AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA", // base
    "E",  // threat
    "CR", "IR", "AR", "MAV", "MAC", "MAT", "MPR", "MUI", "MVC", "MVI", "MVA", "MSC", "MSI",
    "MSA", // environmental
    "S", "AU", "R", "V", "RE", "U", // supplemental
];

/// The eleven base metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BaseMetrics {
    pub av: AttackVector,
    pub ac: AttackComplexity,
    pub at: AttackRequirements,
    pub pr: PrivilegesRequired,
    pub ui: UserInteraction,
    pub vc: Impact,
    pub vi: Impact,
    pub va: Impact,
    pub sc: Impact,
    pub si: Impact,
    pub sa: Impact,
}

/// Environmental metrics; `None` is "not defined" (`X`): a requirement then
/// counts as High, a modified metric takes its base value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct EnvironmentalMetrics {
    pub cr: Option<Requirement>,
    pub ir: Option<Requirement>,
    pub ar: Option<Requirement>,
    pub mav: Option<AttackVector>,
    pub mac: Option<AttackComplexity>,
    pub mat: Option<AttackRequirements>,
    pub mpr: Option<PrivilegesRequired>,
    pub mui: Option<UserInteraction>,
    pub mvc: Option<Impact>,
    pub mvi: Option<Impact>,
    pub mva: Option<Impact>,
    pub msc: Option<Impact>,
    pub msi: Option<ModifiedSubsequentImpact>,
    pub msa: Option<ModifiedSubsequentImpact>,
}

/// Supplemental metrics: informative, they do not change the score.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SupplementalMetrics {
    pub s: Option<Safety>,
    pub au: Option<Automatable>,
    pub r: Option<Recovery>,
    pub v: Option<ValueDensity>,
    pub re: Option<ResponseEffort>,
    pub u: Option<ProviderUrgency>,
}

/// A CVSS v4.0 vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CvssV4 {
    pub base: BaseMetrics,
    /// E; `None` ("not defined") scores as Attacked.
    pub exploit_maturity: Option<ExploitMaturity>,
    pub environmental: EnvironmentalMetrics,
    pub supplemental: SupplementalMetrics,
}

/// The metric values that scoring sees: modified metrics in place of base
/// ones, E defaulting to Attacked and requirements to High.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Effective {
    pub(crate) av: AttackVector,
    pub(crate) ac: AttackComplexity,
    pub(crate) at: AttackRequirements,
    pub(crate) pr: PrivilegesRequired,
    pub(crate) ui: UserInteraction,
    pub(crate) vc: Impact,
    pub(crate) vi: Impact,
    pub(crate) va: Impact,
    pub(crate) sc: Impact,
    pub(crate) si: ModifiedSubsequentImpact,
    pub(crate) sa: ModifiedSubsequentImpact,
    pub(crate) e: ExploitMaturity,
    pub(crate) cr: Requirement,
    pub(crate) ir: Requirement,
    pub(crate) ar: Requirement,
}

fn lift(v: Impact) -> ModifiedSubsequentImpact {
    match v {
        Impact::High => ModifiedSubsequentImpact::High,
        Impact::Low => ModifiedSubsequentImpact::Low,
        Impact::None => ModifiedSubsequentImpact::None,
    }
}

impl CvssV4 {
    /// Parses `CVSS:4.0/…`.
    pub fn parse(input: &str) -> Result<CvssV4, CvssError> {
        let vector = checked(input)?;
        let (prefix, body) = vector.split_once('/').unwrap_or((vector, ""));
        if prefix != "CVSS:4.0" {
            return Err(CvssError::UnsupportedVersion {
                vector: shown(vector),
                prefix: shown(prefix),
            });
        }
        let m = Components::split(vector, body, NAMES)?;
        let x = "X";
        Ok(CvssV4 {
            base: BaseMetrics {
                av: m.required("AV")?,
                ac: m.required("AC")?,
                at: m.required("AT")?,
                pr: m.required("PR")?,
                ui: m.required("UI")?,
                vc: m.required("VC")?,
                vi: m.required("VI")?,
                va: m.required("VA")?,
                sc: m.required("SC")?,
                si: m.required("SI")?,
                sa: m.required("SA")?,
            },
            exploit_maturity: m.optional("E", x)?,
            environmental: EnvironmentalMetrics {
                cr: m.optional("CR", x)?,
                ir: m.optional("IR", x)?,
                ar: m.optional("AR", x)?,
                mav: m.optional("MAV", x)?,
                mac: m.optional("MAC", x)?,
                mat: m.optional("MAT", x)?,
                mpr: m.optional("MPR", x)?,
                mui: m.optional("MUI", x)?,
                mvc: m.optional("MVC", x)?,
                mvi: m.optional("MVI", x)?,
                mva: m.optional("MVA", x)?,
                msc: m.optional("MSC", x)?,
                msi: m.optional("MSI", x)?,
                msa: m.optional("MSA", x)?,
            },
            supplemental: SupplementalMetrics {
                s: m.optional("S", x)?,
                au: m.optional("AU", x)?,
                r: m.optional("R", x)?,
                v: m.optional("V", x)?,
                re: m.optional("RE", x)?,
                u: m.optional("U", x)?,
            },
        })
    }

    /// The vector in the specification's order, `X` metrics left out.
    pub fn vector(&self) -> String {
        let (b, e, s) = (&self.base, &self.environmental, &self.supplemental);
        VectorWriter::new("CVSS:4.0")
            .put("AV", b.av)
            .put("AC", b.ac)
            .put("AT", b.at)
            .put("PR", b.pr)
            .put("UI", b.ui)
            .put("VC", b.vc)
            .put("VI", b.vi)
            .put("VA", b.va)
            .put("SC", b.sc)
            .put("SI", b.si)
            .put("SA", b.sa)
            .put_opt("E", self.exploit_maturity)
            .put_opt("CR", e.cr)
            .put_opt("IR", e.ir)
            .put_opt("AR", e.ar)
            .put_opt("MAV", e.mav)
            .put_opt("MAC", e.mac)
            .put_opt("MAT", e.mat)
            .put_opt("MPR", e.mpr)
            .put_opt("MUI", e.mui)
            .put_opt("MVC", e.mvc)
            .put_opt("MVI", e.mvi)
            .put_opt("MVA", e.mva)
            .put_opt("MSC", e.msc)
            .put_opt("MSI", e.msi)
            .put_opt("MSA", e.msa)
            .put_opt("S", s.s)
            .put_opt("AU", s.au)
            .put_opt("R", s.r)
            .put_opt("V", s.v)
            .put_opt("RE", s.re)
            .put_opt("U", s.u)
            .finish()
    }

    /// The values scoring uses.
    pub(crate) fn effective(&self) -> Effective {
        let (b, e) = (&self.base, &self.environmental);
        Effective {
            av: e.mav.unwrap_or(b.av),
            ac: e.mac.unwrap_or(b.ac),
            at: e.mat.unwrap_or(b.at),
            pr: e.mpr.unwrap_or(b.pr),
            ui: e.mui.unwrap_or(b.ui),
            vc: e.mvc.unwrap_or(b.vc),
            vi: e.mvi.unwrap_or(b.vi),
            va: e.mva.unwrap_or(b.va),
            sc: e.msc.unwrap_or(b.sc),
            si: e.msi.unwrap_or(lift(b.si)),
            sa: e.msa.unwrap_or(lift(b.sa)),
            e: self.exploit_maturity.unwrap_or(ExploitMaturity::Attacked),
            cr: e.cr.unwrap_or(Requirement::High),
            ir: e.ir.unwrap_or(Requirement::High),
            ar: e.ar.unwrap_or(Requirement::High),
        }
    }

    /// The EQ1–EQ6 levels of the vector (its macrovector), each 0 for the
    /// most severe level.
    pub fn macrovector(&self) -> [u8; 6] {
        self.effective().macrovector()
    }

    /// The score of the whole vector (CVSS-B, -BT, -BE or -BTE, see
    /// [`CvssV4::nomenclature`]).
    pub fn score(&self) -> Score {
        v4_table::score(&self.effective())
    }

    /// CVSS-B: the score of the base metrics alone, threat and environmental
    /// metrics taken as not defined.
    pub fn base_score(&self) -> Score {
        CvssV4 {
            exploit_maturity: None,
            environmental: EnvironmentalMetrics::default(),
            ..*self
        }
        .score()
    }

    /// The rating of [`CvssV4::base_score`].
    pub fn severity(&self) -> Severity {
        Severity::from_score(self.base_score())
    }

    /// What [`CvssV4::score`] covers: `CVSS-B` (base), `CVSS-BT` (base and
    /// threat), `CVSS-BE` (base and environmental) or `CVSS-BTE`.
    pub fn nomenclature(&self) -> &'static str {
        let threat = self.exploit_maturity.is_some();
        let env = self.environmental != EnvironmentalMetrics::default();
        match (threat, env) {
            (false, false) => "CVSS-B",
            (true, false) => "CVSS-BT",
            (false, true) => "CVSS-BE",
            (true, true) => "CVSS-BTE",
        }
    }
}

impl Effective {
    /// The equivalence sets of the specification (section 8.2).
    pub(crate) fn macrovector(&self) -> [u8; 6] {
        use ModifiedSubsequentImpact as S;
        let (av_n, pr_n, ui_n) = (
            self.av == AttackVector::Network,
            self.pr == PrivilegesRequired::None,
            self.ui == UserInteraction::None,
        );
        // EQ1: 0 = AV:N and PR:N and UI:N; 1 = one of them N, not AV:P; 2 = the rest.
        let eq1 = if av_n && pr_n && ui_n {
            0
        } else if (av_n || pr_n || ui_n) && self.av != AttackVector::Physical {
            1
        } else {
            2
        };
        // EQ2: 0 = AC:L and AT:N.
        let eq2 = if self.ac == AttackComplexity::Low && self.at == AttackRequirements::None {
            0
        } else {
            1
        };
        // EQ3: 0 = VC:H and VI:H; 1 = one of VC, VI, VA high; 2 = none.
        let (vc_h, vi_h, va_h) = (
            self.vc == Impact::High,
            self.vi == Impact::High,
            self.va == Impact::High,
        );
        let eq3 = if vc_h && vi_h {
            0
        } else if vc_h || vi_h || va_h {
            1
        } else {
            2
        };
        // EQ4: 0 = MSI:S or MSA:S; 1 = one of SC, SI, SA high; 2 = none.
        let eq4 = if self.si == S::Safety || self.sa == S::Safety {
            0
        } else if self.sc == Impact::High || self.si == S::High || self.sa == S::High {
            1
        } else {
            2
        };
        // EQ5: E:A 0, E:P 1, E:U 2.
        let eq5 = match self.e {
            ExploitMaturity::Attacked => 0,
            ExploitMaturity::ProofOfConcept => 1,
            ExploitMaturity::Unreported => 2,
        };
        // EQ6: 0 = a high requirement meets a high impact.
        let high = Requirement::High;
        let eq6 = if (self.cr == high && vc_h) || (self.ir == high && vi_h) || (self.ar == high && va_h) {
            0
        } else {
            1
        };
        [eq1, eq2, eq3, eq4, eq5, eq6]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> CvssV4 {
        CvssV4::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    const BASE: &str = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";

    #[test]
    fn well_known_scores() {
        for (vector, score) in [
            (BASE, "9.3"),
            (
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H",
                "10.0",
            ),
            // Macrovector 100200 (8.7), 0.2 down EQ1 of depth 0.4 towards 7.0, mean over 4.
            ("CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "8.5"),
            // Highest-severity vectors of macrovector 100200.
            ("CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "8.7"),
            ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "8.7"),
            ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", "0.0"),
        ] {
            assert_eq!(v4(vector).score().to_string(), score, "{vector}");
            assert_eq!(v4(vector).base_score().to_string(), score, "{vector}");
        }
    }

    #[test]
    fn macrovector_levels() {
        assert_eq!(v4(BASE).macrovector(), [0, 0, 0, 2, 0, 0]);
        let v = v4("CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N/E:U");
        assert_eq!(v.macrovector(), [2, 1, 2, 2, 2, 1]);
        let v = v4(&format!("{BASE}/CR:L/IR:L/AR:M/MSA:S"));
        assert_eq!(v.macrovector(), [0, 0, 0, 0, 0, 1]);
    }

    #[test]
    fn threat_and_environmental() {
        // E:U: macrovector 000220 (8.1); the only distance (SC/SI/SA N below
        // L) is in EQ4, which has no lower macrovector.
        let v = v4(&format!("{BASE}/E:U"));
        assert_eq!(v.score().to_string(), "8.1");
        assert_eq!(v.base_score().to_string(), "9.3");
        assert_eq!(v.severity(), Severity::Critical);
        assert_eq!(v.nomenclature(), "CVSS-BT");
        // MSI:S lifts EQ4 to 0 and, being an impact, lifts the no-impact shortcut too.
        assert_eq!(v4(&format!("{BASE}/MSI:S")).score().to_string(), "10.0");
        let none = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N";
        assert_eq!(v4(&format!("{none}/MSI:S")).score().to_string(), "8.9");
        assert_eq!(v4(&format!("{none}/MSI:S")).base_score().to_string(), "0.0");
        assert_eq!(v4(&format!("{BASE}/MSI:S")).nomenclature(), "CVSS-BE");
        assert_eq!(v4(&format!("{BASE}/E:P/MSI:S")).nomenclature(), "CVSS-BTE");
        assert_eq!(v4(BASE).nomenclature(), "CVSS-B");
    }

    #[test]
    fn not_defined_takes_the_specification_defaults() {
        let base = v4(BASE).score();
        // E:X is E:A, CR/IR/AR:X are H, modified metrics X take the base value.
        assert_eq!(v4(&format!("{BASE}/E:A/CR:H/IR:H/AR:H")).score(), base);
        assert_eq!(
            v4(&format!(
                "{BASE}/MAV:N/MAC:L/MAT:N/MPR:N/MUI:N/MVC:H/MVI:H/MVA:H/MSC:N/MSI:N/MSA:N"
            ))
            .score(),
            base
        );
        let all_x = v4(&format!(
            "{BASE}/E:X/CR:X/IR:X/AR:X/MAV:X/MAC:X/MAT:X/MPR:X/MUI:X/MVC:X/MVI:X/MVA:X/MSC:X/MSI:X/MSA:X/S:X/AU:X/R:X/V:X/RE:X/U:X"
        ));
        assert_eq!(all_x.score(), base);
        assert_eq!(all_x.vector(), BASE);
        // A modified metric replaces its base value.
        let local = v4("CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N");
        assert_eq!(v4(&format!("{BASE}/MAV:L/MPR:L")).score(), local.score());
    }

    #[test]
    fn supplemental_metrics_are_kept_and_do_not_score() {
        let v = v4(&format!("{BASE}/U:Amber/S:P/AU:Y/R:I/V:C/RE:H"));
        assert_eq!(v.score(), v4(BASE).score());
        assert_eq!(v.supplemental.u, Some(ProviderUrgency::Amber));
        assert_eq!(v.vector(), format!("{BASE}/S:P/AU:Y/R:I/V:C/RE:H/U:Amber"));
    }

    #[test]
    fn errors_name_the_metric() {
        let err = |s: &str| CvssV4::parse(s).err();
        assert!(matches!(
            err("CVSS:4.0/AV:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
            Some(CvssError::MissingMetric { metric: "AT", .. })
        ));
        assert!(matches!(
            err(&format!("{BASE}/SC:S")),
            Some(CvssError::DuplicateMetric { metric: "SC", .. })
        ));
        assert!(matches!(
            err("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:S/SI:N/SA:N"),
            Some(CvssError::BadValue { metric: "SC", .. })
        ));
        assert!(matches!(
            err(&format!("{BASE}/MSC:S")),
            Some(CvssError::BadValue { metric: "MSC", .. })
        ));
        assert!(matches!(
            err(&format!("{BASE}/U:amber")),
            Some(CvssError::BadValue { metric: "U", .. })
        ));
        assert!(matches!(
            err(&format!("{BASE}/S:U")),
            Some(CvssError::BadValue { metric: "S", .. })
        ));
        assert!(matches!(
            err(&format!("{BASE}/RL:O")),
            Some(CvssError::UnknownMetric { ref metric, .. }) if metric == "RL"
        ));
        assert!(matches!(err(&format!("{BASE}/")), Some(CvssError::Malformed { .. })));
    }
}
