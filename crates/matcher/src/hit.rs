//! One advisory entry against one installed version: does it match, how, and what fixes it.

use std::cmp::Ordering;

use serde_json::Value;
use vigil_vulndb::version::{Scheme, Version, VersionError};
use vigil_vulndb::{Affected, Ecosystem};

use crate::finding::{MatchDetail, MatchKind};
use crate::range::{self, range_scheme};
use crate::target::Target;

/// The installed version, parsed on demand once per scheme (a package is compared in its
/// ecosystem's ordering and, for `SEMVER` ranges, in SemVer).
pub(crate) struct Installed<'t> {
    pub text: &'t str,
    parsed: Vec<(Scheme, Result<Version, VersionError>)>,
}

impl<'t> Installed<'t> {
    pub fn new(text: &'t str) -> Installed<'t> {
        Installed {
            text,
            parsed: Vec::with_capacity(2),
        }
    }

    pub fn get(&mut self, scheme: Scheme) -> &Result<Version, VersionError> {
        let at = match self.parsed.iter().position(|(s, _)| *s == scheme) {
            Some(i) => i,
            None => {
                self.parsed.push((scheme, Version::parse(scheme, self.text)));
                self.parsed.len() - 1
            }
        };
        &self.parsed[at].1
    }

    /// The schemes the version failed to parse in, with the error (for notes).
    pub fn failures(&self) -> impl Iterator<Item = &VersionError> {
        self.parsed.iter().filter_map(|(_, r)| r.as_ref().err())
    }
}

/// A range version that could not be parsed: the range was not evaluated.
#[derive(Debug, Clone)]
pub(crate) struct RangeProblem {
    pub advisory: String,
    pub error: VersionError,
}

/// What in an entry matched: how, the range as text, the range's fixed versions, the ordering.
type Matched<'a> = (MatchKind, String, Vec<(&'a str, Version)>, Scheme);

/// An entry that matched.
#[derive(Debug, Clone)]
pub(crate) struct Hit<'a> {
    pub entry: &'a Affected,
    pub detail: MatchDetail,
    /// The lowest fixed version above the installed one, parsed for comparing across hits.
    pub nearest: Option<(String, Version)>,
    /// Why the distribution will not fix it, when it says so.
    pub wont_fix: Option<String>,
}

/// Evaluates one entry; problems with its ranges are pushed to `problems`.
pub(crate) fn evaluate<'a>(
    entry: &'a Affected,
    target: &Target,
    installed: &mut Installed<'_>,
    problems: &mut Vec<RangeProblem>,
) -> Option<Hit<'a>> {
    let mut matched: Option<Matched<'a>> = None;
    let mut all_fixed: Vec<(&'a str, Version)> = Vec::new();
    for r in &entry.ranges {
        let scheme = range_scheme(r.kind, target.scheme);
        let Ok(v) = installed.get(scheme) else {
            continue; // reported once per package by the caller
        };
        match range::evaluate(v, r, scheme) {
            Err(error) => problems.push(RangeProblem {
                advisory: entry.advisory_id.clone(),
                error,
            }),
            Ok(ev) => {
                if matched.is_none() {
                    if let Some(interval) = &ev.interval {
                        matched = Some((
                            MatchKind::Range,
                            interval.text(r.kind, scheme),
                            ev.fixed.clone(),
                            scheme,
                        ));
                    }
                }
                all_fixed.extend(ev.fixed);
            }
        }
    }
    if matched.is_none() {
        if listed(&entry.versions, installed, target.scheme) {
            let text = format!("{} listed in the entry's versions", installed.text);
            matched = Some((MatchKind::Version, text, all_fixed, target.scheme));
        } else if entry.ranges.is_empty() && entry.versions.is_empty() {
            let text = "every version: the entry has no ranges and no versions".to_string();
            matched = Some((MatchKind::AllVersions, text, Vec::new(), target.scheme));
        }
    }
    let (how, range_text, fixed, scheme) = matched?;
    let nearest = match installed.get(scheme) {
        Ok(v) => fixed
            .iter()
            .filter(|(_, f)| f.cmp(v) == Some(Ordering::Greater))
            .min_by(|a, b| a.1.cmp(&b.1).unwrap_or(Ordering::Equal))
            .map(|(s, f)| (s.to_string(), f.clone())),
        Err(_) => None,
    };
    let mut fixed_text: Vec<String> = Vec::with_capacity(fixed.len());
    for (s, _) in &fixed {
        if !fixed_text.iter().any(|f| f == s) {
            fixed_text.push(s.to_string());
        }
    }
    Some(Hit {
        entry,
        detail: MatchDetail {
            advisory: entry.advisory_id.clone(),
            ecosystem: entry.ecosystem_raw.clone(),
            package: entry.original_name.clone(),
            version: installed.text.to_string(),
            comparator: scheme.name().to_string(),
            how,
            range: range_text,
            fixed: fixed_text,
        },
        nearest,
        wont_fix: wont_fix(entry),
    })
}

/// Whether the installed version is in an explicit `versions` list: the same string, or the same
/// version in the ecosystem's ordering (`1.0` and `1.0.0` in PEP 440).
fn listed(versions: &[String], installed: &mut Installed<'_>, scheme: Scheme) -> bool {
    if versions.is_empty() {
        return false;
    }
    if versions.iter().any(|v| v == installed.text) {
        return true;
    }
    let Ok(v) = installed.get(scheme) else {
        return false;
    };
    versions
        .iter()
        .any(|s| Version::parse(scheme, s).is_ok_and(|x| x.cmp(v) == Some(Ordering::Equal)))
}

/// Values of Debian's and Ubuntu's per-package fields that mean "will not be fixed".
///
/// What the OSV data of the Debian security tracker carries is `ecosystem_specific.urgency`
/// per package and release: `unimportant` (the security team judged the issue not to need a
/// fix in Debian), `end-of-life` (the release no longer has security support for the package),
/// `low`, `medium`, `high`, `not yet assigned`. The tracker's own "no DSA" / "ignored" /
/// "postponed" notes are not part of the OSV records today; if a record carries one (a key
/// `nodsa`/`no-dsa`, or one of the values below, anywhere in `ecosystem_specific` or
/// `database_specific`), it is read too. `postponed` (fix planned for a point release) stays
/// "not fixed". Anything else: not fixed.
const WONT_FIX_VALUES: [&str; 8] = [
    "no-dsa",
    "nodsa",
    "ignored",
    "wont-fix",
    "wont fix",
    "won't fix",
    "will not fix",
    "will_not_fix",
];

/// Why the distribution will not fix an entry, when it says so.
pub(crate) fn wont_fix(entry: &Affected) -> Option<String> {
    if !matches!(entry.ecosystem.base, Ecosystem::Debian | Ecosystem::Ubuntu) {
        return None;
    }
    let eco = &entry.ecosystem_raw;
    if let Some(u) = entry.urgency.as_deref() {
        match u.trim().trim_end_matches('*').to_ascii_lowercase().as_str() {
            "unimportant" => return Some(format!("{eco} urgency unimportant")),
            "end-of-life" => return Some(format!("{eco} urgency end-of-life (no security support)")),
            _ => {}
        }
    }
    [&entry.ecosystem_specific, &entry.database_specific]
        .into_iter()
        .flatten()
        .find_map(|v| marker(v, 0))
        .map(|m| format!("{eco} {m}"))
}

/// A won't-fix marker in a JSON value (depth-limited: the value is hostile).
fn marker(v: &Value, depth: usize) -> Option<String> {
    if depth > 4 {
        return None;
    }
    match v {
        Value::Object(map) => map.iter().take(64).find_map(|(k, x)| {
            let key = k.to_ascii_lowercase();
            let flagged =
                matches!(key.as_str(), "nodsa" | "no-dsa" | "no_dsa") && !matches!(x, Value::Null | Value::Bool(false));
            if flagged {
                return Some(match x.as_str() {
                    Some(reason) if !reason.trim().is_empty() => format!("{k}: {}", clip(reason)),
                    _ => k.clone(),
                });
            }
            match x {
                Value::String(s) if is_wont_fix_value(s) => Some(format!("{k}: {}", clip(s))),
                _ => marker(x, depth + 1),
            }
        }),
        Value::Array(items) => items.iter().take(64).find_map(|x| match x {
            Value::String(s) if is_wont_fix_value(s) => Some(clip(s)),
            _ => marker(x, depth + 1),
        }),
        _ => None,
    }
}

fn is_wont_fix_value(s: &str) -> bool {
    let s = s.trim();
    WONT_FIX_VALUES.iter().any(|m| m.eq_ignore_ascii_case(s))
}

fn clip(s: &str) -> String {
    match s.char_indices().nth(80) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use vigil_vulndb::OsvEcosystem;

    fn entry(eco: &str, urgency: Option<&str>, es: Option<Value>) -> Affected {
        Affected {
            advisory_id: "DEBIAN-CVE-2024-1".into(),
            ecosystem: OsvEcosystem::parse(eco).expect("ecosystem"),
            ecosystem_raw: eco.into(),
            name: "x".into(),
            original_name: "x".into(),
            purl: None,
            ranges: vec![],
            versions: vec![],
            severity: vec![],
            urgency: urgency.map(str::to_string),
            ecosystem_specific: es,
            database_specific: None,
        }
    }

    #[test]
    fn debian_urgencies_that_mean_wont_fix() {
        assert_eq!(
            wont_fix(&entry("Debian:12", Some("unimportant"), None)).as_deref(),
            Some("Debian:12 urgency unimportant")
        );
        assert!(wont_fix(&entry("Debian:11", Some("end-of-life"), None)).is_some());
        assert_eq!(wont_fix(&entry("Debian:12", Some("low"), None)), None);
        assert_eq!(wont_fix(&entry("Debian:12", Some("not yet assigned"), None)), None);
        assert_eq!(wont_fix(&entry("Debian:12", None, None)), None);
    }

    #[test]
    fn no_dsa_and_ignored_markers_are_read_postponed_is_not() {
        let e = entry("Debian:12", Some("low"), Some(json!({"nodsa": "Minor issue"})));
        assert_eq!(wont_fix(&e).as_deref(), Some("Debian:12 nodsa: Minor issue"));
        let e = entry("Debian:12", None, Some(json!({"status": {"nodsa_reason": "ignored"}})));
        assert_eq!(wont_fix(&e).as_deref(), Some("Debian:12 nodsa_reason: ignored"));
        let e = entry("Debian:12", None, Some(json!({"nodsa_reason": "postponed"})));
        assert_eq!(wont_fix(&e), None);
        let e = entry("Debian:12", None, Some(json!({"nodsa": false})));
        assert_eq!(wont_fix(&e), None);
    }

    #[test]
    fn language_ecosystems_have_no_wont_fix() {
        let e = entry("PyPI", Some("unimportant"), Some(json!({"nodsa": true})));
        assert_eq!(wont_fix(&e), None);
    }

    #[test]
    fn deep_or_wide_hostile_objects_are_bounded() {
        let mut v = json!("ignored");
        for _ in 0..100 {
            v = json!({ "a": v });
        }
        assert_eq!(
            wont_fix(&entry("Debian:12", None, Some(v))),
            None,
            "too deep to be read"
        );
    }
}
