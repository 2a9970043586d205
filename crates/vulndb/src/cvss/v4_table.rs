//! The data and the interpolation of CVSS v4.0 scoring (specification
//! section 8): the expert-ranked score of each of the 270 macrovectors, the
//! highest-severity vectors of each equivalence-set level, the depth of each
//! level, and the severity distance that places a vector inside its
//! macrovector.
//!
//! The interpolation follows the specification's reference calculator step
//! by step, in binary floating point as the calculator computes it, so that
//! scores that land on a half tenth round the same way.

use super::v4::{
    AttackComplexity as AC, AttackRequirements as AT, AttackVector as AV, Effective, Impact,
    ModifiedSubsequentImpact as SI, PrivilegesRequired as PR, Requirement as Req, UserInteraction as UI,
};
use super::Score;

/// Score of each macrovector, keyed by its EQ1…EQ6 levels, sorted by key.
/// EQ3 = 2 comes only with EQ6 = 1 (no high impact, so no high requirement
/// meets one), hence 3 × 2 × 5 × 3 × 3 = 270 entries.
#[rustfmt::skip]
pub(crate) const MACROVECTORS: [(&str, f64); 270] = [
    ("000000", 10.0), ("000001", 9.9), ("000010", 9.8), ("000011", 9.5), ("000020", 9.5), ("000021", 9.2),
    ("000100", 10.0), ("000101", 9.6), ("000110", 9.3), ("000111", 8.7), ("000120", 9.1), ("000121", 8.1),
    ("000200", 9.3), ("000201", 9.0), ("000210", 8.9), ("000211", 8.0), ("000220", 8.1), ("000221", 6.8),
    ("001000", 9.8), ("001001", 9.5), ("001010", 9.5), ("001011", 9.2), ("001020", 9.0), ("001021", 8.4),
    ("001100", 9.3), ("001101", 9.2), ("001110", 8.9), ("001111", 8.1), ("001120", 8.1), ("001121", 6.5),
    ("001200", 8.8), ("001201", 8.0), ("001210", 7.8), ("001211", 7.0), ("001220", 6.9), ("001221", 4.8),
    ("002001", 9.2), ("002011", 8.2), ("002021", 7.2),
    ("002101", 7.9), ("002111", 6.9), ("002121", 5.0),
    ("002201", 6.9), ("002211", 5.5), ("002221", 2.7),
    ("010000", 9.9), ("010001", 9.7), ("010010", 9.5), ("010011", 9.2), ("010020", 9.2), ("010021", 8.5),
    ("010100", 9.5), ("010101", 9.1), ("010110", 9.0), ("010111", 8.3), ("010120", 8.4), ("010121", 7.1),
    ("010200", 9.2), ("010201", 8.1), ("010210", 8.2), ("010211", 7.1), ("010220", 7.2), ("010221", 5.3),
    ("011000", 9.5), ("011001", 9.3), ("011010", 9.2), ("011011", 8.5), ("011020", 8.5), ("011021", 7.3),
    ("011100", 9.2), ("011101", 8.2), ("011110", 8.0), ("011111", 7.2), ("011120", 7.0), ("011121", 5.9),
    ("011200", 8.4), ("011201", 7.0), ("011210", 7.1), ("011211", 5.2), ("011220", 5.0), ("011221", 3.0),
    ("012001", 8.6), ("012011", 7.5), ("012021", 5.2),
    ("012101", 7.1), ("012111", 5.2), ("012121", 2.9),
    ("012201", 6.3), ("012211", 2.9), ("012221", 1.7),
    ("100000", 9.8), ("100001", 9.5), ("100010", 9.4), ("100011", 8.7), ("100020", 9.1), ("100021", 8.1),
    ("100100", 9.4), ("100101", 8.9), ("100110", 8.6), ("100111", 7.4), ("100120", 7.7), ("100121", 6.4),
    ("100200", 8.7), ("100201", 7.5), ("100210", 7.4), ("100211", 6.3), ("100220", 6.3), ("100221", 4.9),
    ("101000", 9.4), ("101001", 8.9), ("101010", 8.8), ("101011", 7.7), ("101020", 7.6), ("101021", 6.7),
    ("101100", 8.6), ("101101", 7.6), ("101110", 7.4), ("101111", 5.8), ("101120", 5.9), ("101121", 5.0),
    ("101200", 7.2), ("101201", 5.7), ("101210", 5.7), ("101211", 5.2), ("101220", 5.2), ("101221", 2.5),
    ("102001", 8.3), ("102011", 7.0), ("102021", 5.4),
    ("102101", 6.5), ("102111", 5.8), ("102121", 2.6),
    ("102201", 5.3), ("102211", 2.1), ("102221", 1.3),
    ("110000", 9.5), ("110001", 9.0), ("110010", 8.8), ("110011", 7.6), ("110020", 7.6), ("110021", 7.0),
    ("110100", 9.0), ("110101", 7.7), ("110110", 7.5), ("110111", 6.2), ("110120", 6.1), ("110121", 5.3),
    ("110200", 7.7), ("110201", 6.6), ("110210", 6.8), ("110211", 5.9), ("110220", 5.2), ("110221", 3.0),
    ("111000", 8.9), ("111001", 7.8), ("111010", 7.6), ("111011", 6.7), ("111020", 6.2), ("111021", 5.8),
    ("111100", 7.4), ("111101", 5.9), ("111110", 5.7), ("111111", 5.7), ("111120", 4.7), ("111121", 2.3),
    ("111200", 6.1), ("111201", 5.2), ("111210", 5.7), ("111211", 2.9), ("111220", 2.4), ("111221", 1.6),
    ("112001", 7.1), ("112011", 5.9), ("112021", 3.0),
    ("112101", 5.8), ("112111", 2.6), ("112121", 1.5),
    ("112201", 2.3), ("112211", 1.3), ("112221", 0.6),
    ("200000", 9.3), ("200001", 8.7), ("200010", 8.6), ("200011", 7.2), ("200020", 7.5), ("200021", 5.8),
    ("200100", 8.6), ("200101", 7.4), ("200110", 7.4), ("200111", 6.1), ("200120", 5.6), ("200121", 3.4),
    ("200200", 7.0), ("200201", 5.4), ("200210", 5.2), ("200211", 4.0), ("200220", 4.0), ("200221", 2.2),
    ("201000", 8.5), ("201001", 7.5), ("201010", 7.4), ("201011", 5.5), ("201020", 6.2), ("201021", 5.1),
    ("201100", 7.2), ("201101", 5.7), ("201110", 5.5), ("201111", 4.1), ("201120", 4.6), ("201121", 1.9),
    ("201200", 5.3), ("201201", 3.6), ("201210", 3.4), ("201211", 1.9), ("201220", 1.9), ("201221", 0.8),
    ("202001", 6.4), ("202011", 5.1), ("202021", 2.0),
    ("202101", 4.7), ("202111", 2.1), ("202121", 1.1),
    ("202201", 2.4), ("202211", 0.9), ("202221", 0.4),
    ("210000", 8.8), ("210001", 7.5), ("210010", 7.3), ("210011", 5.3), ("210020", 6.0), ("210021", 5.0),
    ("210100", 7.3), ("210101", 5.5), ("210110", 5.9), ("210111", 4.0), ("210120", 4.1), ("210121", 2.0),
    ("210200", 5.4), ("210201", 4.3), ("210210", 4.5), ("210211", 2.2), ("210220", 2.0), ("210221", 1.1),
    ("211000", 7.5), ("211001", 5.5), ("211010", 5.8), ("211011", 4.5), ("211020", 4.0), ("211021", 2.1),
    ("211100", 6.1), ("211101", 5.1), ("211110", 4.8), ("211111", 1.8), ("211120", 2.0), ("211121", 0.9),
    ("211200", 4.6), ("211201", 1.8), ("211210", 1.7), ("211211", 0.7), ("211220", 0.8), ("211221", 0.2),
    ("212001", 5.3), ("212011", 2.4), ("212021", 1.4),
    ("212101", 2.4), ("212111", 1.2), ("212121", 0.5),
    ("212201", 1.0), ("212211", 0.3), ("212221", 0.1),
];

/// The score of a macrovector; `None` for levels past the last (the "next
/// lower macrovector" of a lowest level).
pub(crate) fn lookup(levels: [u8; 6]) -> Option<f64> {
    let mut key = [0u8; 6];
    for (k, level) in key.iter_mut().zip(levels) {
        *k = b'0'.checked_add(level)?;
    }
    MACROVECTORS
        .binary_search_by(|(k, _)| k.as_bytes().cmp(&key[..]))
        .ok()
        .and_then(|i| MACROVECTORS.get(i))
        .map(|(_, score)| *score)
}

/// Highest-severity (AV, PR, UI) of each EQ1 level.
const EQ1_MAXES: [&[(AV, PR, UI)]; 3] = [
    &[(AV::Network, PR::None, UI::None)],
    &[
        (AV::Adjacent, PR::None, UI::None),
        (AV::Network, PR::Low, UI::None),
        (AV::Network, PR::None, UI::Passive),
    ],
    &[(AV::Physical, PR::None, UI::None), (AV::Adjacent, PR::Low, UI::Passive)],
];

/// Highest-severity (AC, AT) of each EQ2 level.
const EQ2_MAXES: [&[(AC, AT)]; 2] = [&[(AC::Low, AT::None)], &[(AC::High, AT::None), (AC::Low, AT::Present)]];

/// Highest-severity (VC, VI, VA, CR, IR, AR) of each joint EQ3, EQ6 level.
type Eq3Eq6Max = (Impact, Impact, Impact, Req, Req, Req);

fn eq3eq6_maxes(eq3: u8, eq6: u8) -> &'static [Eq3Eq6Max] {
    use Impact::{High as H, Low as L};
    use Req::{High as RH, Medium as RM};
    match (eq3, eq6) {
        (0, 0) => &[(H, H, H, RH, RH, RH)],
        (0, _) => &[(H, H, L, RM, RM, RH), (H, H, H, RM, RM, RM)],
        (1, 0) => &[(L, H, H, RH, RH, RH), (H, L, H, RH, RH, RH)],
        (1, _) => &[
            (L, H, L, RH, RM, RH),
            (L, H, H, RH, RM, RM),
            (H, L, H, RM, RH, RM),
            (H, L, L, RM, RH, RH),
            (L, L, H, RH, RH, RM),
        ],
        _ => &[(L, L, L, RH, RH, RH)],
    }
}

/// Highest-severity (SC, SI, SA) of each EQ4 level (SC never is Safety).
const EQ4_MAXES: [&[(SI, SI, SI)]; 3] = [
    &[(SI::High, SI::Safety, SI::Safety)],
    &[(SI::High, SI::High, SI::High)],
    &[(SI::Low, SI::Low, SI::Low)],
];

/// Depth of each level: one more than the most steps a vector of the level
/// can be from its highest-severity vectors.
const EQ1_DEPTH: [f64; 3] = [1.0, 4.0, 5.0];
const EQ2_DEPTH: [f64; 2] = [1.0, 2.0];
const EQ4_DEPTH: [f64; 3] = [6.0, 5.0, 4.0];

fn eq3eq6_depth(eq3: u8, eq6: u8) -> f64 {
    match (eq3, eq6) {
        (0, 0) => 7.0,
        (0, _) => 6.0,
        (1, _) => 8.0,
        _ => 10.0,
    }
}

// Severity levels of each metric value, in the calculator's tenths.

fn av_level(v: AV) -> f64 {
    match v {
        AV::Network => 0.0,
        AV::Adjacent => 0.1,
        AV::Local => 0.2,
        AV::Physical => 0.3,
    }
}

fn pr_level(v: PR) -> f64 {
    match v {
        PR::None => 0.0,
        PR::Low => 0.1,
        PR::High => 0.2,
    }
}

fn ui_level(v: UI) -> f64 {
    match v {
        UI::None => 0.0,
        UI::Passive => 0.1,
        UI::Active => 0.2,
    }
}

fn ac_level(v: AC) -> f64 {
    match v {
        AC::Low => 0.0,
        AC::High => 0.1,
    }
}

fn at_level(v: AT) -> f64 {
    match v {
        AT::None => 0.0,
        AT::Present => 0.1,
    }
}

fn impact_level(v: Impact) -> f64 {
    match v {
        Impact::High => 0.0,
        Impact::Low => 0.1,
        Impact::None => 0.2,
    }
}

fn subsequent_level(v: SI) -> f64 {
    match v {
        SI::Safety => 0.0,
        SI::High => 0.1,
        SI::Low => 0.2,
        SI::None => 0.3,
    }
}

fn subsequent_of(v: Impact) -> SI {
    match v {
        Impact::High => SI::High,
        Impact::Low => SI::Low,
        Impact::None => SI::None,
    }
}

fn req_level(v: Req) -> f64 {
    match v {
        Req::High => 0.0,
        Req::Medium => 0.1,
        Req::Low => 0.2,
    }
}

/// Severity distances of a vector from one highest-severity vector, summed
/// per equivalence set: (EQ1, EQ2, EQ3+EQ6, EQ4).
#[derive(Debug, Clone, Copy, Default)]
struct Distances {
    eq1: f64,
    eq2: f64,
    eq3eq6: f64,
    eq4: f64,
}

/// The distances from the first highest-severity vector of the
/// macrovector that the vector does not exceed in any metric (the
/// calculator keeps the last one tried if none qualifies, which the
/// specification's construction rules out).
fn distances(v: &Effective, levels: [u8; 6]) -> Distances {
    let [eq1, eq2, eq3, eq4, _, eq6] = levels;
    let eq1_maxes = EQ1_MAXES.get(usize::from(eq1)).copied().unwrap_or(&[]);
    let eq2_maxes = EQ2_MAXES.get(usize::from(eq2)).copied().unwrap_or(&[]);
    let eq4_maxes = EQ4_MAXES.get(usize::from(eq4)).copied().unwrap_or(&[]);
    let mut found = Distances::default();
    for &(m_av, m_pr, m_ui) in eq1_maxes {
        for &(m_ac, m_at) in eq2_maxes {
            for &(m_vc, m_vi, m_va, m_cr, m_ir, m_ar) in eq3eq6_maxes(eq3, eq6) {
                for &(m_sc, m_si, m_sa) in eq4_maxes {
                    let d = [
                        av_level(v.av) - av_level(m_av),
                        pr_level(v.pr) - pr_level(m_pr),
                        ui_level(v.ui) - ui_level(m_ui),
                        ac_level(v.ac) - ac_level(m_ac),
                        at_level(v.at) - at_level(m_at),
                        impact_level(v.vc) - impact_level(m_vc),
                        impact_level(v.vi) - impact_level(m_vi),
                        impact_level(v.va) - impact_level(m_va),
                        subsequent_level(subsequent_of(v.sc)) - subsequent_level(m_sc),
                        subsequent_level(v.si) - subsequent_level(m_si),
                        subsequent_level(v.sa) - subsequent_level(m_sa),
                        req_level(v.cr) - req_level(m_cr),
                        req_level(v.ir) - req_level(m_ir),
                        req_level(v.ar) - req_level(m_ar),
                    ];
                    let [av, pr, ui, ac, at, vc, vi, va, sc, si, sa, cr, ir, ar] = d;
                    found = Distances {
                        eq1: av + pr + ui,
                        eq2: ac + at,
                        eq3eq6: vc + vi + va + cr + ir + ar,
                        eq4: sc + si + sa,
                    };
                    if d.iter().all(|x| *x >= 0.0) {
                        return found;
                    }
                }
            }
        }
    }
    found
}

/// The v4.0 score of a vector's effective metric values.
pub(crate) fn score(v: &Effective) -> Score {
    let no_impact = [v.vc, v.vi, v.va, v.sc].iter().all(|x| *x == Impact::None) && v.si == SI::None && v.sa == SI::None;
    if no_impact {
        return Score::ZERO;
    }
    let levels = v.macrovector();
    let [eq1, eq2, eq3, eq4, eq5, eq6] = levels;
    // Every macrovector a vector can have is in the table (see the tests);
    // were one missing, the vector would score 0.0 rather than panic.
    let Some(value) = lookup(levels) else {
        return Score::ZERO;
    };

    // The next lower macrovector along each equivalence set, if there is one.
    let lower_eq1 = lookup([eq1 + 1, eq2, eq3, eq4, eq5, eq6]);
    let lower_eq2 = lookup([eq1, eq2 + 1, eq3, eq4, eq5, eq6]);
    let lower_eq3eq6 = match (eq3, eq6) {
        // 00 goes down to 01 or to 10: the higher of the two.
        (0, 0) => {
            let left = lookup([eq1, eq2, eq3, eq4, eq5, eq6 + 1]);
            let right = lookup([eq1, eq2, eq3 + 1, eq4, eq5, eq6]);
            match (left, right) {
                (Some(l), Some(r)) if l > r => Some(l),
                _ => right,
            }
        }
        // 01 → 11, 11 → 21.
        (0 | 1, 1) => lookup([eq1, eq2, eq3 + 1, eq4, eq5, eq6]),
        // 10 → 11.
        (1, 0) => lookup([eq1, eq2, eq3, eq4, eq5, eq6 + 1]),
        // 21 is the lowest.
        _ => None,
    };
    let lower_eq4 = lookup([eq1, eq2, eq3, eq4 + 1, eq5, eq6]);
    let lower_eq5 = lookup([eq1, eq2, eq3, eq4, eq5 + 1, eq6]);

    let d = distances(v, levels);
    let step = 0.1;
    let depth_eq1 = EQ1_DEPTH.get(usize::from(eq1)).copied().unwrap_or(1.0) * step;
    let depth_eq2 = EQ2_DEPTH.get(usize::from(eq2)).copied().unwrap_or(1.0) * step;
    let depth_eq3eq6 = eq3eq6_depth(eq3, eq6) * step;
    let depth_eq4 = EQ4_DEPTH.get(usize::from(eq4)).copied().unwrap_or(1.0) * step;

    // Each existing lower macrovector contributes the score gap to it times
    // the proportion of the level's depth the vector lies down; EQ5 has
    // depth zero, so it contributes nothing but still counts in the mean.
    let mut existing = 0u32;
    let mut part = |lower: Option<f64>, distance: f64, depth: f64| -> f64 {
        match lower {
            Some(lower) => {
                existing += 1;
                (value - lower) * (distance / depth)
            }
            None => 0.0,
        }
    };
    let n1 = part(lower_eq1, d.eq1, depth_eq1);
    let n2 = part(lower_eq2, d.eq2, depth_eq2);
    let n3 = part(lower_eq3eq6, d.eq3eq6, depth_eq3eq6);
    let n4 = part(lower_eq4, d.eq4, depth_eq4);
    let n5 = part(lower_eq5, 0.0, 1.0);
    let mean = if existing == 0 {
        0.0
    } else {
        (n1 + n2 + n3 + n4 + n5) / f64::from(existing)
    };
    let result = (value - mean).clamp(0.0, 10.0);
    // Round to one decimal, a half up. The calculator adds 10^-6 first so
    // that a value lying on a half tenth (9.05 computed as
    // 9.049999999999999) rounds up as in exact arithmetic; distinct scores
    // are at least 1/4200 of a tenth apart, far more than the nudge.
    Score::clamp_tenths(((result + 1e-6) * 10.0).round())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_complete() {
        assert!(MACROVECTORS.windows(2).all(|w| w[0].0 < w[1].0));
        let mut n = 0;
        for eq1 in 0..3 {
            for eq2 in 0..2 {
                for (eq3, eq6) in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 1)] {
                    for eq4 in 0..3 {
                        for eq5 in 0..3 {
                            let s = lookup([eq1, eq2, eq3, eq4, eq5, eq6]);
                            assert!(matches!(s, Some(x) if (0.0..=10.0).contains(&x)));
                            n += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(n, MACROVECTORS.len());
        assert_eq!(lookup([2, 0, 0, 0, 0, 1]), Some(8.7));
        assert_eq!(lookup([0, 0, 2, 0, 0, 0]), None);
        assert_eq!(lookup([3, 0, 0, 0, 0, 0]), None);
        assert_eq!(lookup([u8::MAX, 0, 0, 0, 0, 0]), None);
    }
}
