//! `--ignore FILE`: rules that take findings out of the results, each with a reason.
//!
//! A YAML or JSON file: a list of rules, or a mapping with the key `ignore` holding the list.
//!
//! ```yaml
//! ignore:
//!   - id: CVE-2023-4863            # the finding's id or any alias
//!     reason: libwebp is not used by the application
//!     expires: 2025-06-30          # the rule stops applying after this day
//!   - package:
//!       name: openssl              # exact
//!       version: 3.0.11-1~deb12u2  # exact
//!       type: deb                  # vigil package type
//!       location: /usr/lib/**      # glob over the package's evidence paths
//!     fix_state: wont-fix          # fixed | not-fixed | wont-fix
//!     reason: accepted until the base image moves to trixie
//! ```
//!
//! A rule matches a finding when every criterion it has holds; it must have at least one, and a
//! `reason`. Unknown keys are errors (a typo must not widen a rule).

use std::path::Path;

use serde::Deserialize;
use serde_json::Value;
use time::Date;
use vigil_types::PackageType;

use super::glob::Glob;
use super::SuppressError;
use crate::finding::{Finding, FixState};

/// Largest ignore file read.
pub const MAX_IGNORE_FILE: u64 = 4 << 20;

/// The rules of one ignore file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreRules {
    /// Where they came from (the file name), for reports.
    pub source: String,
    pub rules: Vec<IgnoreRule>,
}

/// One ignore rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreRule {
    /// Position in the file, from 0.
    pub index: usize,
    pub id: Option<String>,
    pub package: PackageFilter,
    pub fix_state: Option<FixState>,
    pub reason: String,
    /// The last day the rule applies.
    pub expires: Option<Date>,
}

/// The package criteria of a rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PackageFilter {
    pub name: Option<String>,
    pub version: Option<String>,
    pub ty: Option<PackageType>,
    pub location: Option<Glob>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    #[serde(default, alias = "vulnerability")]
    id: Option<String>,
    #[serde(default)]
    package: Option<RawPackage>,
    #[serde(default, alias = "fix-state")]
    fix_state: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    expires: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPackage {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default, rename = "type")]
    ty: Option<String>,
    #[serde(default)]
    location: Option<String>,
}

impl IgnoreRules {
    /// Reads an ignore file (YAML or JSON).
    pub fn load(path: &Path) -> Result<IgnoreRules, SuppressError> {
        let text = super::read_capped(path, MAX_IGNORE_FILE)?;
        IgnoreRules::parse(&text, &path.display().to_string())
    }

    /// Parses ignore rules from YAML or JSON text; `source` names it in errors and reports.
    pub fn parse(text: &str, source: &str) -> Result<IgnoreRules, SuppressError> {
        let err = |message: String| SuppressError::Invalid {
            input: source.to_string(),
            message,
        };
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let trimmed = text.trim_start();
        let value: Value = if trimmed.starts_with('{') || trimmed.starts_with('[') {
            serde_json::from_str(text).map_err(|e| err(format!("JSON: {e}")))?
        } else {
            super::yaml::to_json(text).map_err(err)?
        };
        let list = match value {
            Value::Null => Vec::new(),
            Value::Array(items) => items,
            Value::Object(mut map) => {
                let list = map.remove("ignore");
                if let Some(k) = map.keys().next() {
                    return Err(err(format!("unknown key {k:?} (expected only \"ignore\")")));
                }
                match list {
                    Some(Value::Array(items)) => items,
                    Some(Value::Null) | None => Vec::new(),
                    Some(_) => return Err(err("\"ignore\" must be a list of rules".into())),
                }
            }
            _ => return Err(err("expected a list of rules or a mapping with \"ignore\"".into())),
        };
        let rules = list
            .into_iter()
            .enumerate()
            .map(|(i, v)| rule(i, v).map_err(|m| err(format!("rule {}: {m}", i + 1))))
            .collect::<Result<_, _>>()?;
        Ok(IgnoreRules {
            source: source.to_string(),
            rules,
        })
    }
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn rule(index: usize, v: Value) -> Result<IgnoreRule, String> {
    let raw: RawRule = serde_json::from_value(v).map_err(|e| e.to_string())?;
    let reason = non_empty(raw.reason).ok_or("a reason is required")?;
    let package = match raw.package {
        None => PackageFilter::default(),
        Some(p) => PackageFilter {
            name: non_empty(p.name),
            version: non_empty(p.version),
            ty: match non_empty(p.ty) {
                None => None,
                Some(t) => Some(PackageType::from_name(&t).ok_or_else(|| format!("unknown package type {t:?}"))?),
            },
            location: match non_empty(p.location) {
                None => None,
                Some(l) => Some(Glob::new(&l)?),
            },
        },
    };
    let fix_state = match non_empty(raw.fix_state) {
        None => None,
        Some(s) => {
            Some(FixState::parse(&s).ok_or_else(|| format!("unknown fix_state {s:?} (fixed, not-fixed, wont-fix)"))?)
        }
    };
    let expires = match non_empty(raw.expires) {
        None => None,
        Some(s) => Some(parse_date(&s).ok_or_else(|| format!("expires {s:?} is not a date (YYYY-MM-DD)"))?),
    };
    let id = non_empty(raw.id);
    let empty_package = package == PackageFilter::default();
    if id.is_none() && empty_package && fix_state.is_none() {
        return Err("a rule needs an id, a package or a fix_state (it would ignore everything)".into());
    }
    Ok(IgnoreRule {
        index,
        id,
        package,
        fix_state,
        reason,
        expires,
    })
}

/// `2025-06-30`, or an RFC 3339 time whose date is taken.
pub(crate) fn parse_date(s: &str) -> Option<Date> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s, &fmt).ok().or_else(|| {
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
            .ok()
            .map(|t| t.to_offset(time::UtcOffset::UTC).date())
    })
}

impl IgnoreRule {
    /// Whether the rule's criteria all hold for the finding (expiry aside).
    pub fn matches(&self, f: &Finding) -> bool {
        let p = &self.package;
        self.id.as_deref().is_none_or(|id| f.has_id(id))
            && p.name.as_deref().is_none_or(|n| n == f.package.name)
            && p.version.as_deref().is_none_or(|v| v == f.package.version)
            && p.ty.is_none_or(|t| t == f.package.ty)
            && p.location
                .as_ref()
                .is_none_or(|g| f.package.locations.iter().any(|l| g.matches(&l.path)))
            && self.fix_state.is_none_or(|s| s == f.fix.state)
    }

    /// True when `today` is after the last day the rule applies.
    pub fn is_expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|e| today > e)
    }

    /// The rule's criteria as text: `id CVE-2023-1, package openssl (deb), fix_state wont-fix`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(id) = &self.id {
            parts.push(format!("id {id}"));
        }
        let p = &self.package;
        let mut pkg = Vec::new();
        if let Some(n) = &p.name {
            pkg.push(format!("name {n}"));
        }
        if let Some(v) = &p.version {
            pkg.push(format!("version {v}"));
        }
        if let Some(t) = p.ty {
            pkg.push(format!("type {t}"));
        }
        if let Some(l) = &p.location {
            pkg.push(format!("location {}", l.as_str()));
        }
        if !pkg.is_empty() {
            parts.push(format!("package {}", pkg.join(" ")));
        }
        if let Some(s) = self.fix_state {
            parts.push(format!("fix_state {s}"));
        }
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_and_json_forms() {
        let y = IgnoreRules::parse(
            "ignore:\n  - id: CVE-2023-4863\n    reason: not used\n    expires: 2025-06-30\n  - package: {name: openssl, type: deb, location: /usr/lib/**}\n    fix_state: wont-fix\n    reason: accepted\n",
            "ignore.yaml",
        )
        .expect("valid");
        assert_eq!(y.rules.len(), 2);
        assert_eq!(y.rules[0].expires, Some(time::macros::date!(2025 - 06 - 30)));
        assert_eq!(y.rules[1].package.ty, Some(PackageType::Deb));
        assert_eq!(y.rules[1].fix_state, Some(FixState::WontFix));
        assert_eq!(
            y.rules[1].describe(),
            "package name openssl type deb location /usr/lib/**, fix_state wont-fix"
        );
        let j = IgnoreRules::parse(r#"[{"id": "GHSA-1", "reason": "r"}]"#, "i.json").expect("valid");
        assert_eq!(j.rules[0].id.as_deref(), Some("GHSA-1"));
        assert!(IgnoreRules::parse("", "empty").expect("empty is fine").rules.is_empty());
    }

    #[test]
    fn mistakes_are_errors_naming_the_rule() {
        let e = |t: &str| {
            IgnoreRules::parse(t, "f")
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert!(e("- id: CVE-1\n").contains("rule 1: a reason is required"));
        assert!(e("- reason: x\n").contains("would ignore everything"));
        assert!(e("- id: CVE-1\n  reason: x\n  pakage: {name: a}\n").contains("unknown field"));
        assert!(e("- id: CVE-1\n  reason: x\n  expires: soon\n").contains("not a date"));
        assert!(e("- package: {type: debian}\n  reason: x\n").contains("unknown package type"));
        assert!(e("- fix_state: maybe\n  reason: x\n").contains("unknown fix_state"));
        assert!(e("ignores: []\n").contains("unknown key"));
        assert!(e("{\"ignore\": [").contains("JSON"));
    }

    #[test]
    fn expiry_is_inclusive_of_the_day() {
        let r = IgnoreRules::parse("- id: X\n  reason: r\n  expires: 2025-06-30\n", "f").expect("valid");
        let rule = &r.rules[0];
        assert!(!rule.is_expired(time::macros::date!(2025 - 06 - 30)));
        assert!(rule.is_expired(time::macros::date!(2025 - 07 - 01)));
        assert_eq!(
            parse_date("2025-06-30T23:00:00-02:00"),
            Some(time::macros::date!(2025 - 07 - 01))
        );
    }
}
