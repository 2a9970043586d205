//! Fix advice: for each package with failing vulnerability decisions, the lowest version that
//! fixes all of them that have a fix.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use vigil_vulndb::version::{Scheme, Version};

use crate::gates::VulnFix;
use crate::FixAdvice;

/// Orders two fixed versions of a package: by its ecosystem's ordering, else (no scheme, or a
/// version that does not parse in it) by dotted numeric parts.
fn order(scheme: Option<Scheme>, a: &str, b: &str) -> Ordering {
    if let Some(s) = scheme {
        if let (Ok(x), Ok(y)) = (Version::parse(s, a), Version::parse(s, b)) {
            if let Some(o) = x.cmp(&y) {
                return o;
            }
        }
    }
    let parts = |v: &str| -> Vec<u64> {
        v.split(|c: char| !c.is_ascii_digit())
            .filter(|p| !p.is_empty())
            .map(|p| p.parse().unwrap_or(u64::MAX))
            .collect()
    };
    parts(a).cmp(&parts(b)).then_with(|| a.cmp(b))
}

/// The advice for the failing vulnerability decisions `fixes`, sorted by package name and type.
///
/// Each decision's nearest fixed version is the lowest release above the installed one that
/// fixes that vulnerability, so the version that fixes every one of them is the highest of those
/// nearest versions. Decisions without a fix are not cleared by any upgrade and are not listed;
/// a package none of whose decisions has a fix gets no advice.
pub(crate) fn advise<'a>(fixes: impl IntoIterator<Item = &'a VulnFix>) -> Vec<FixAdvice> {
    let mut groups: BTreeMap<(String, String, String), Vec<&VulnFix>> = BTreeMap::new();
    for f in fixes {
        groups
            .entry((f.package.clone(), f.package_type.clone(), f.installed.clone()))
            .or_default()
            .push(f);
    }
    let mut out = Vec::new();
    for ((package, package_type, installed), items) in groups {
        let fixed: Vec<&&VulnFix> = items.iter().filter(|f| f.nearest.is_some()).collect();
        let scheme = items.iter().find_map(|f| f.scheme);
        let Some(upgrade_to) = fixed
            .iter()
            .filter_map(|f| f.nearest.as_deref())
            .max_by(|a, b| order(scheme, a, b))
        else {
            continue;
        };
        let mut clears: Vec<String> = fixed.iter().map(|f| f.id.clone()).collect();
        clears.sort();
        clears.dedup();
        out.push(FixAdvice {
            package,
            package_type,
            installed,
            upgrade_to: upgrade_to.to_string(),
            clears,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(id: &str, nearest: Option<&str>, scheme: Option<Scheme>) -> VulnFix {
        VulnFix {
            id: id.to_string(),
            package: "p".to_string(),
            package_type: "python".to_string(),
            installed: "1.0".to_string(),
            scheme,
            nearest: nearest.map(str::to_string),
        }
    }

    #[test]
    fn highest_nearest_in_the_ecosystem_ordering() {
        let f = [
            fix("A", Some("2.2.9"), Some(Scheme::Pep440)),
            fix("B", Some("2.2.10"), Some(Scheme::Pep440)),
            fix("C", None, Some(Scheme::Pep440)),
        ];
        let a = advise(&f);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].upgrade_to, "2.2.10");
        assert_eq!(a[0].clears, ["A", "B"]);
        // Pre-releases order below the release in PEP 440; plain text ordering would not.
        let f = [
            fix("A", Some("2.0.0rc1"), Some(Scheme::Pep440)),
            fix("B", Some("2.0.0"), Some(Scheme::Pep440)),
        ];
        assert_eq!(advise(&f)[0].upgrade_to, "2.0.0");
        // Without a scheme, numeric parts still order 1.10 above 1.9.
        let f = [fix("A", Some("1.10"), None), fix("B", Some("1.9"), None)];
        assert_eq!(advise(&f)[0].upgrade_to, "1.10");
        assert!(advise(&[fix("C", None, None)]).is_empty());
    }
}
