//! From the matched entries of one package to findings: records that are the same
//! vulnerability (by id, aliases, or a single upstream id) are joined into one finding, which
//! takes its id, severity, fix, EPSS, KEV and references from all of them.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

use serde_json::Value;
use vigil_types::Package;
use vigil_vulndb::version::{Scheme, Version};
use vigil_vulndb::{is_cve_id, Advisory, CvssVector, Db, DbError, Epss, Kev};

use crate::finding::{EpssScore, Finding, FindingPackage, Fix, FixState, KevEntry, Reference};
use crate::hit::Hit;
use crate::severity::{self, Inputs};

/// What is known of one CVE beyond the advisories.
#[derive(Default)]
struct CveFacts {
    epss: Option<Epss>,
    kev: Option<Kev>,
    nvd: Vec<CvssVector>,
}

/// Lookups shared by all packages of one run: each advisory and CVE is read once.
pub(crate) struct Ctx<'d> {
    db: &'d Db,
    advisories: HashMap<String, Option<Rc<Advisory>>>,
    cves: HashMap<String, Rc<CveFacts>>,
}

impl<'d> Ctx<'d> {
    pub fn new(db: &'d Db) -> Ctx<'d> {
        Ctx {
            db,
            advisories: HashMap::new(),
            cves: HashMap::new(),
        }
    }

    fn advisory(&mut self, id: &str) -> Result<Option<Rc<Advisory>>, DbError> {
        if let Some(a) = self.advisories.get(id) {
            return Ok(a.clone());
        }
        let a = self.db.advisory(id)?.map(Rc::new);
        self.advisories.insert(id.to_string(), a.clone());
        Ok(a)
    }

    fn cve(&mut self, cve: &str) -> Result<Rc<CveFacts>, DbError> {
        if let Some(c) = self.cves.get(cve) {
            return Ok(c.clone());
        }
        let facts = Rc::new(CveFacts {
            epss: self.db.epss(cve)?,
            kev: self.db.kev(cve)?,
            nvd: self.db.nvd_cvss(cve)?,
        });
        self.cves.insert(cve.to_string(), facts.clone());
        Ok(facts)
    }
}

/// The ids a record is known by for joining: its id, its aliases, and its upstream id when it
/// has exactly one (`DEBIAN-CVE-2023-1234` ← `CVE-2023-1234`; a USN listing ten CVEs joins
/// none of them).
fn keys(id: &str, a: Option<&Advisory>) -> Vec<String> {
    let mut k = vec![id.to_string()];
    if let Some(a) = a {
        k.extend(a.aliases.iter().cloned());
        if a.upstream.len() == 1 {
            k.extend(a.upstream.iter().cloned());
        }
    }
    k
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// `CVE-2021-44228` sorts by year, then number.
fn cve_key(id: &str) -> (u32, u64) {
    let mut parts = id.trim_start_matches("CVE-").split('-');
    let year = parts.next().and_then(|y| y.parse().ok()).unwrap_or(u32::MAX);
    let num = parts.next().and_then(|n| n.parse().ok()).unwrap_or(u64::MAX);
    (year, num)
}

/// The finding's id: the lowest CVE id, else a GHSA id, else the lowest advisory id.
fn primary(keys: &BTreeSet<String>, advisory_ids: &[&str]) -> String {
    if let Some(c) = keys.iter().filter(|k| is_cve_id(k)).min_by_key(|k| cve_key(k)) {
        return c.clone();
    }
    if let Some(g) = keys.iter().find(|k| k.starts_with("GHSA-")) {
        return g.clone();
    }
    advisory_ids.iter().min().map(|s| s.to_string()).unwrap_or_default()
}

/// Builds the findings of one package from its hits.
pub(crate) fn findings(
    p: &Package,
    scheme: Scheme,
    hits: Vec<Hit<'_>>,
    ctx: &mut Ctx<'_>,
) -> Result<Vec<Finding>, DbError> {
    if hits.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids: Vec<&str> = Vec::new();
    for h in &hits {
        if !ids.contains(&h.entry.advisory_id.as_str()) {
            ids.push(&h.entry.advisory_id);
        }
    }
    let records: Vec<Option<Rc<Advisory>>> = ids.iter().map(|id| ctx.advisory(id)).collect::<Result<_, _>>()?;
    let record_keys: Vec<Vec<String>> = ids.iter().zip(&records).map(|(id, a)| keys(id, a.as_deref())).collect();
    let mut parent: Vec<usize> = (0..ids.len()).collect();
    let mut first_with: HashMap<&str, usize> = HashMap::new();
    for (i, ks) in record_keys.iter().enumerate() {
        for k in ks {
            match first_with.get(k.as_str()) {
                Some(&j) => {
                    let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                    parent[a.max(b)] = a.min(b);
                }
                None => {
                    first_with.insert(k, i);
                }
            }
        }
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut group_of: HashMap<usize, usize> = HashMap::new();
    for i in 0..ids.len() {
        let root = find(&mut parent, i);
        let g = *group_of.entry(root).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(i);
    }
    let mut out = Vec::with_capacity(groups.len());
    for members in groups {
        let member_ids: Vec<&str> = members.iter().map(|&i| ids[i]).collect();
        let member_hits: Vec<&Hit<'_>> = hits
            .iter()
            .filter(|h| member_ids.contains(&h.entry.advisory_id.as_str()))
            .collect();
        let member_records: Vec<(&str, Option<&Advisory>)> =
            members.iter().map(|&i| (ids[i], records[i].as_deref())).collect();
        let all_keys: BTreeSet<String> = members.iter().flat_map(|&i| record_keys[i].iter().cloned()).collect();
        out.push(build(
            p,
            scheme,
            &member_ids,
            &member_records,
            &member_hits,
            all_keys,
            ctx,
        )?);
    }
    Ok(out)
}

fn build(
    p: &Package,
    scheme: Scheme,
    ids: &[&str],
    records: &[(&str, Option<&Advisory>)],
    hits: &[&Hit<'_>],
    keys: BTreeSet<String>,
    ctx: &mut Ctx<'_>,
) -> Result<Finding, DbError> {
    let id = primary(&keys, ids);
    let aliases: Vec<String> = keys.into_iter().filter(|k| *k != id).collect();
    // Records in order of preference for text: the one named like the finding, GHSA, the rest.
    let mut ordered: Vec<&(&str, Option<&Advisory>)> = records.iter().collect();
    ordered.sort_by_key(|(rid, _)| (*rid != id, !rid.starts_with("GHSA-"), rid.to_string()));
    let advisories: Vec<&Advisory> = ordered.iter().filter_map(|(_, a)| *a).collect();

    let mut cves: Vec<String> = std::iter::once(&id)
        .chain(&aliases)
        .filter(|k| is_cve_id(k))
        .cloned()
        .collect();
    if cves.is_empty() {
        // A record with several upstream CVEs (a USN, a DSA) still has their EPSS and KEV.
        for a in &advisories {
            for u in a.upstream.iter().filter(|u| is_cve_id(u)) {
                if !cves.contains(u) {
                    cves.push(u.clone());
                }
            }
        }
    }

    let mut inputs = Inputs::default();
    for a in &advisories {
        inputs.add_osv(&a.severity, &a.id);
    }
    for h in hits {
        inputs.add_osv(&h.entry.severity, &h.entry.advisory_id);
        if let Some(u) = &h.entry.urgency {
            inputs
                .distro
                .push((u.clone(), format!("{} urgency", h.entry.ecosystem_raw)));
        }
    }
    for a in &advisories {
        if let Some(w) = a
            .database_specific
            .as_ref()
            .and_then(|d| d.get("severity"))
            .and_then(Value::as_str)
        {
            inputs.advisory.push((w.to_string(), a.id.clone()));
        }
    }
    let mut epss: Option<EpssScore> = None;
    let mut kev: Option<KevEntry> = None;
    for cve in &cves {
        let facts = ctx.cve(cve)?;
        inputs.nvd.extend(facts.nvd.iter().cloned());
        if let Some(e) = &facts.epss {
            if epss.as_ref().is_none_or(|b| e.score > b.score) {
                epss = Some(EpssScore {
                    cve: e.cve.clone(),
                    score: e.score,
                    percentile: e.percentile,
                    date: e.date.clone(),
                });
            }
        }
        if let (None, Some(k)) = (&kev, &facts.kev) {
            kev = Some(KevEntry {
                cve: k.cve.clone(),
                date_added: k.date_added.clone(),
                due_date: k.due_date.clone(),
                known_ransomware: k.known_ransomware(),
            });
        }
    }
    let (rating, cvss) = severity::choose(&inputs);

    let mut references: Vec<Reference> = Vec::new();
    for a in &advisories {
        for r in &a.references {
            if !references.iter().any(|x| x.url == r.url) {
                references.push(Reference {
                    kind: r.kind.clone(),
                    url: r.url.clone(),
                });
            }
        }
    }
    let mut matches: Vec<_> = hits.iter().map(|h| h.detail.clone()).collect();
    matches.sort_by(|a, b| a.advisory.cmp(&b.advisory));
    let text = |f: fn(&Advisory) -> Option<&String>| {
        advisories
            .iter()
            .find_map(|a| f(a).filter(|s| !s.trim().is_empty()).cloned())
    };
    Ok(Finding {
        id,
        aliases,
        package: FindingPackage::of(p),
        severity: rating,
        cvss,
        fix: fix(hits, scheme),
        epss,
        kev,
        summary: text(|a| a.summary.as_ref()),
        description: text(|a| a.details.as_ref()),
        cwes: cwes(&advisories),
        published: advisories.iter().filter_map(|a| a.published.clone()).min(),
        modified: advisories.iter().filter_map(|a| a.modified.clone()).max(),
        references,
        matches,
    })
}

/// The fix of a joined finding: fixed when any matched entry has a fixed version above the
/// installed one (the highest of those nearest fixes is the upgrade that clears them all);
/// else won't fix when a distribution says so; else not fixed.
fn fix(hits: &[&Hit<'_>], scheme: Scheme) -> Fix {
    let nearest = hits.iter().filter_map(|h| h.nearest.as_ref()).reduce(|a, b| {
        if b.1.cmp(&a.1) == Some(Ordering::Greater) {
            b
        } else {
            a
        }
    });
    let mut versions: Vec<(String, Option<Version>)> = Vec::new();
    for h in hits {
        for f in &h.detail.fixed {
            if !versions.iter().any(|(v, _)| v == f) {
                versions.push((f.clone(), Version::parse(scheme, f).ok()));
            }
        }
    }
    versions.sort_by(|a, b| match (&a.1, &b.1) {
        (Some(x), Some(y)) => x.cmp(y).unwrap_or(Ordering::Equal),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    });
    let versions: Vec<String> = versions.into_iter().map(|(v, _)| v).collect();
    if let Some((v, _)) = nearest {
        return Fix {
            state: FixState::Fixed,
            versions,
            nearest: Some(v.clone()),
            reason: None,
        };
    }
    match hits.iter().find_map(|h| h.wont_fix.clone()) {
        Some(reason) => Fix {
            state: FixState::WontFix,
            versions,
            nearest: None,
            reason: Some(reason),
        },
        None => Fix {
            state: FixState::NotFixed,
            versions,
            nearest: None,
            reason: None,
        },
    }
}

/// CWE ids from GitHub's `database_specific.cwe_ids`.
fn cwes(advisories: &[&Advisory]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for a in advisories {
        let Some(list) = a
            .database_specific
            .as_ref()
            .and_then(|d| d.get("cwe_ids"))
            .and_then(Value::as_array)
        else {
            continue;
        };
        for c in list.iter().filter_map(Value::as_str).take(32) {
            let valid = c
                .strip_prefix("CWE-")
                .is_some_and(|n| !n.is_empty() && n.len() <= 6 && n.bytes().all(|b| b.is_ascii_digit()));
            if valid && !out.iter().any(|o| o == c) {
                out.push(c.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primary_prefers_the_lowest_cve_then_ghsa() {
        let k = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(
            primary(
                &k(&["PYSEC-2021-1", "CVE-2021-10000", "CVE-2021-9999", "GHSA-x"]),
                &["PYSEC-2021-1"]
            ),
            "CVE-2021-9999"
        );
        assert_eq!(primary(&k(&["GO-2024-1", "GHSA-abcd"]), &["GO-2024-1"]), "GHSA-abcd");
        assert_eq!(
            primary(
                &k(&["RUSTSEC-2024-2", "RUSTSEC-2024-1"]),
                &["RUSTSEC-2024-2", "RUSTSEC-2024-1"]
            ),
            "RUSTSEC-2024-1"
        );
    }
}
