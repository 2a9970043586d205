//! Choosing a finding's severity, in this order:
//!
//! 1. a CVSS vector of a matched record (the advisory's `severity[]` or the entry's), scored
//!    with `vigil_vulndb::cvss`; the newest CVSS version wins (v4.0, then v3.1, v3.0, v2.0);
//! 2. the distribution's rating: Debian's urgency (`unimportant` → negligible, `low`,
//!    `medium`, `high`), Ubuntu's priority (`negligible` … `critical`);
//! 3. the NVD's CVSS for the vulnerability's CVE (`Db::nvd_cvss`), primary scorer first;
//! 4. the advisory's own word: GitHub's `database_specific.severity` (`MODERATE` → medium);
//! 5. else unknown.

use vigil_types::Severity;
use vigil_vulndb::cvss::{self, Cvss};
use vigil_vulndb::osv::SeverityType;
use vigil_vulndb::CvssVector;

use crate::finding::{CvssScore, Rating, RatingSource};

/// What a group of matched records says about severity.
#[derive(Default)]
pub(crate) struct Inputs {
    /// CVSS vectors of the records: (vector, record id).
    pub record_cvss: Vec<(String, String)>,
    /// Distribution ratings: (rating word, who).
    pub distro: Vec<(String, String)>,
    /// NVD vectors for the CVEs.
    pub nvd: Vec<CvssVector>,
    /// Advisory words: (`HIGH`, record id).
    pub advisory: Vec<(String, String)>,
}

impl Inputs {
    /// Takes a record's `severity[]` entries: CVSS vectors, and Ubuntu priorities.
    pub fn add_osv(&mut self, severity: &[vigil_vulndb::osv::Severity], origin: &str) {
        for s in severity {
            match &s.kind {
                SeverityType::CvssV2 | SeverityType::CvssV3 | SeverityType::CvssV4 => {
                    push_unique(&mut self.record_cvss, (s.score.clone(), origin.to_string()));
                }
                SeverityType::Ubuntu => {
                    push_unique(&mut self.distro, (s.score.clone(), format!("{origin} Ubuntu priority")));
                }
                SeverityType::Other(_) => {}
            }
        }
    }
}

fn push_unique<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if !v.contains(&x) {
        v.push(x);
    }
}

fn cvss_severity(c: &Cvss) -> Severity {
    match c.severity() {
        cvss::Severity::Critical => Severity::Critical,
        cvss::Severity::High => Severity::High,
        cvss::Severity::Medium => Severity::Medium,
        cvss::Severity::Low => Severity::Low,
        cvss::Severity::None => Severity::Negligible,
    }
}

fn version_rank(v: &str) -> u8 {
    match v {
        "4.0" => 4,
        "3.1" => 3,
        "3.0" => 2,
        _ => 1,
    }
}

/// A distribution's rating word as a severity (`None` for "not yet assigned" and the like).
pub(crate) fn distro_word(word: &str) -> Option<Severity> {
    match word.trim().trim_end_matches('*').to_ascii_lowercase().as_str() {
        "unimportant" | "negligible" => Some(Severity::Negligible),
        "low" => Some(Severity::Low),
        "medium" => Some(Severity::Medium),
        "high" => Some(Severity::High),
        "critical" => Some(Severity::Critical),
        _ => None,
    }
}

fn advisory_word(word: &str) -> Option<Severity> {
    match word.trim().to_ascii_uppercase().as_str() {
        "CRITICAL" => Some(Severity::Critical),
        "HIGH" => Some(Severity::High),
        "MODERATE" | "MEDIUM" => Some(Severity::Medium),
        "LOW" => Some(Severity::Low),
        _ => None,
    }
}

/// Scores every vector (bad vectors are left out: they cannot rate anything).
fn scored(vectors: impl Iterator<Item = (String, String)>) -> Vec<(CvssScore, Cvss)> {
    let mut out: Vec<(CvssScore, Cvss)> = Vec::new();
    for (vector, source) in vectors {
        let Ok(c) = Cvss::parse(&vector) else { continue };
        if out.iter().any(|(s, _)| s.vector == c.vector() && s.source == source) {
            continue;
        }
        out.push((
            CvssScore {
                version: c.version().to_string(),
                vector: c.vector(),
                score: c.base_score().as_f64(),
                severity: cvss_severity(&c),
                source,
            },
            c,
        ));
    }
    out
}

fn best(scores: &[(CvssScore, Cvss)], primary_first: &[bool]) -> Option<usize> {
    (0..scores.len()).max_by_key(|&i| {
        let primary = primary_first.get(i).copied().unwrap_or(false);
        // max_by_key keeps the last maximum; rank earlier entries higher on ties.
        (version_rank(&scores[i].0.version), primary, usize::MAX - i)
    })
}

fn from_cvss(s: &CvssScore, source: RatingSource) -> Rating {
    Rating {
        level: s.severity,
        score: Some(s.score),
        vector: Some(s.vector.clone()),
        source,
        origin: s.source.clone(),
    }
}

/// The rating and every scored vector (records' first, then the NVD's).
pub(crate) fn choose(inputs: &Inputs) -> (Rating, Vec<CvssScore>) {
    let records = scored(inputs.record_cvss.iter().cloned());
    let nvd = scored(inputs.nvd.iter().map(|v| (v.vector.clone(), v.origin.clone())));
    let nvd_primary: Vec<bool> = nvd
        .iter()
        .map(|(s, _)| {
            inputs
                .nvd
                .iter()
                .any(|v| v.origin == s.source && v.kind.eq_ignore_ascii_case("primary"))
        })
        .collect();
    let rating = if let Some(i) = best(&records, &[]) {
        from_cvss(&records[i].0, RatingSource::Cvss)
    } else if let Some((level, origin)) = inputs.distro.iter().find_map(|(w, o)| distro_word(w).map(|s| (s, o))) {
        Rating {
            level,
            score: None,
            vector: None,
            source: RatingSource::Distro,
            origin: origin.clone(),
        }
    } else if let Some(i) = best(&nvd, &nvd_primary) {
        from_cvss(&nvd[i].0, RatingSource::Nvd)
    } else if let Some((level, origin)) = inputs
        .advisory
        .iter()
        .find_map(|(w, o)| advisory_word(w).map(|s| (s, o)))
    {
        Rating {
            level,
            score: None,
            vector: None,
            source: RatingSource::Advisory,
            origin: origin.clone(),
        }
    } else {
        Rating::unknown()
    };
    let all = records.into_iter().chain(nvd).map(|(s, _)| s).collect();
    (rating, all)
}

#[cfg(test)]
mod tests {
    use super::*;

    const V31: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
    const V2: &str = "AV:N/AC:L/Au:N/C:P/I:P/A:P";

    fn nvd(vector: &str, kind: &str) -> CvssVector {
        CvssVector {
            version: "3.1".into(),
            vector: vector.into(),
            origin: "nvd@nist.gov".into(),
            kind: kind.into(),
        }
    }

    #[test]
    fn record_cvss_first_newest_version_wins() {
        let inputs = Inputs {
            record_cvss: vec![(V2.into(), "GHSA-1".into()), (V31.into(), "GHSA-1".into())],
            distro: vec![("low".into(), "Debian:12 urgency".into())],
            ..Inputs::default()
        };
        let (r, all) = choose(&inputs);
        assert_eq!(
            (r.level, r.score, r.source),
            (Severity::Critical, Some(9.8), RatingSource::Cvss)
        );
        assert_eq!(r.vector.as_deref(), Some(V31));
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].score, 7.5);
    }

    #[test]
    fn distro_rating_beats_nvd() {
        let inputs = Inputs {
            distro: vec![
                ("not yet assigned".into(), "a".into()),
                ("unimportant".into(), "Debian:12 urgency".into()),
            ],
            nvd: vec![nvd(V31, "Primary")],
            ..Inputs::default()
        };
        let (r, all) = choose(&inputs);
        assert_eq!((r.level, r.source), (Severity::Negligible, RatingSource::Distro));
        assert_eq!(r.origin, "Debian:12 urgency");
        assert_eq!(all.len(), 1, "the NVD vector is still listed");
    }

    #[test]
    fn nvd_then_advisory_word_then_unknown() {
        let inputs = Inputs {
            nvd: vec![nvd(V31, "Primary")],
            advisory: vec![("MODERATE".into(), "GHSA-1".into())],
            ..Inputs::default()
        };
        assert_eq!(choose(&inputs).0.source, RatingSource::Nvd);
        let inputs = Inputs {
            advisory: vec![("MODERATE".into(), "GHSA-1".into())],
            record_cvss: vec![("garbage".into(), "X".into())],
            ..Inputs::default()
        };
        let (r, all) = choose(&inputs);
        assert_eq!((r.level, r.source), (Severity::Medium, RatingSource::Advisory));
        assert!(all.is_empty(), "a bad vector rates nothing");
        assert_eq!(choose(&Inputs::default()).0.level, Severity::Unknown);
    }
}
