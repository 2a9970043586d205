//! Gate `vulnerabilities`: the findings of the vulnerability match and the freshness of the
//! data behind them.

use regex::Regex;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};
use vigil_match::{Finding, FixState, NoteKind};
use vigil_types::{PackageType, Severity};
use vigil_vulndb::cvss::Cvss;
use vigil_vulndb::version::Scheme;

use super::{param, Ctx, Fired, GateSpec, Origin, Outcome, ParamKind, TriggerSpec, VulnFix, CMP};
use crate::glob_match;
use crate::params::{Cmp, Params};

/// Package types a `package_type` parameter accepts besides `all`, `os` and `non-os`.
const PACKAGE_TYPES: &[&str] = &[
    "all",
    "os",
    "non-os",
    "deb",
    "apk",
    "rpm",
    "python",
    "npm",
    "java-archive",
    "go-module",
    "rust-crate",
    "gem",
    "php-composer",
    "dotnet",
    "binary",
];

const SEVERITIES: &[&str] = &["unknown", "negligible", "low", "medium", "high", "critical"];

pub(super) const GATE: GateSpec = GateSpec {
    name: "vulnerabilities",
    aliases: &[],
    description: "Vulnerabilities matched in the image's packages, and whether the vulnerability data is there and fresh.",
    triggers: &[
        TriggerSpec {
            name: "package",
            description: "Fires for each vulnerability finding that meets every given condition (no condition: every finding). \
                Trigger id: `<vulnerability id>+<package name>`. Findings suppressed by ignore rules or VEX are not seen.",
            params: &[
                param("package_type", ParamKind::Enum(PACKAGE_TYPES), false, "Only packages of this type: all (default), os (deb, apk, rpm), non-os, or one type.", "non-os"),
                param("severity_comparison", CMP, false, "How the finding's severity compares with `severity` (default >=).", ">="),
                param("severity", ParamKind::Enum(SEVERITIES), false, "The severity compared with.", "high"),
                param("cvss_v3_base_score_comparison", CMP, false, "How the CVSS v3 base score compares with `cvss_v3_base_score` (default >=).", ">="),
                param("cvss_v3_base_score", ParamKind::Float, false, "CVSS v3 base score (the highest of the finding's v3 vectors); findings without a v3 vector do not fire.", "7.0"),
                param("cvss_v3_exploitability_score_comparison", CMP, false, "Comparison for `cvss_v3_exploitability_score` (default >=).", ">="),
                param("cvss_v3_exploitability_score", ParamKind::Float, false, "CVSS v3 exploitability subscore (0 to 3.9), computed from the vector.", "3.9"),
                param("cvss_v3_impact_score_comparison", CMP, false, "Comparison for `cvss_v3_impact_score` (default >=).", ">="),
                param("cvss_v3_impact_score", ParamKind::Float, false, "CVSS v3 impact subscore (0 to 6.0), computed from the vector.", "5.9"),
                param("fix_available", ParamKind::Bool, false, "true: only findings with a fixed version above the installed one; false: only findings without one.", "true"),
                param("max_days_since_creation", ParamKind::Int, false, "Only vulnerabilities published at most this many days ago (new ones). A finding without a publication date does not fire.", "30"),
                param("min_days_since_published", ParamKind::Int, false, "Only vulnerabilities published at least this many days ago (a grace period). A finding without a publication date fires.", "14"),
                param("max_days_since_fix", ParamKind::Int, false, "Only findings with a fix that has been available for more than this many days. The advisory data has no fix date: the age used is that of the record's last modification (a fix was known by then at the latest), else its publication; so this fires late rather than early.", "30"),
                param("epss_score_comparison", CMP, false, "Comparison for `epss_score` (default >=).", ">="),
                param("epss_score", ParamKind::Float, false, "FIRST EPSS probability of exploitation (0 to 1); findings without an EPSS score do not fire.", "0.1"),
                param("epss_percentile_comparison", CMP, false, "Comparison for `epss_percentile` (default >=).", ">="),
                param("epss_percentile", ParamKind::Float, false, "EPSS percentile (0 to 1).", "0.95"),
                param("kev", ParamKind::Bool, false, "true: only vulnerabilities in CISA's Known Exploited Vulnerabilities catalogue; false: only those not in it.", "true"),
                param("exclude_paths", ParamKind::List, false, "Globs of package locations (the package's main evidence file) to leave out.", "/usr/share/doc/*,*/tests/*"),
                param("exclude_path_regex", ParamKind::Regex, false, "A regex of package locations to leave out.", "^/opt/vendor/"),
                param("package_names", ParamKind::List, false, "Only packages whose name matches one of these globs.", "openssl,lib*"),
            ],
            eval: package,
            check: Some(check_package),
        },
        TriggerSpec {
            name: "denylist",
            description: "Fires for each finding whose id or alias is listed. Trigger id: `<vulnerability id>+<package name>`.",
            params: &[param("ids", ParamKind::List, true, "Vulnerability ids (CVE, GHSA, distribution ids).", "CVE-2021-44228,GHSA-jfh8-c2jp-5v3q")],
            eval: denylist,
            check: None,
        },
        TriggerSpec {
            name: "stale_feed_data",
            description: "Fires when the vulnerability database was built more than `max_days_since_sync` days ago. Trigger id: `stale_feed_data`.",
            params: &[param("max_days_since_sync", ParamKind::Int, true, "Largest accepted age of the vulnerability database, in days.", "2")],
            eval: stale_feed_data,
            check: None,
        },
        TriggerSpec {
            name: "vulnerability_data_unavailable",
            description: "Fires when no vulnerability database was available, or when it has no data for the image's distribution. Trigger id: `vulnerability_data_unavailable`.",
            params: &[],
            eval: data_unavailable,
            check: None,
        },
    ],
};

const NO_MATCHES: &str = "no vulnerability scan (no vulnerability database was available)";

fn check_package(p: &Params<'_>) -> Result<(), String> {
    Filter::read(p).map(|_| ())
}

/// The conditions of a `package` rule.
struct Filter<'p> {
    package_type: Option<String>,
    severity: Option<(Cmp, Severity)>,
    base: Option<(Cmp, f64)>,
    exploitability: Option<(Cmp, f64)>,
    impact: Option<(Cmp, f64)>,
    fix_available: Option<bool>,
    max_days_since_creation: Option<i64>,
    min_days_since_published: Option<i64>,
    max_days_since_fix: Option<i64>,
    epss_score: Option<(Cmp, f64)>,
    epss_percentile: Option<(Cmp, f64)>,
    kev: Option<bool>,
    exclude_paths: Vec<&'p str>,
    exclude_path_regex: Option<Regex>,
    package_names: Vec<&'p str>,
}

fn compared(p: &Params<'_>, name: &str) -> Result<Option<(Cmp, f64)>, String> {
    let cmp = p.cmp(&format!("{name}_comparison"), Cmp::Ge)?;
    Ok(p.float(name)?.map(|v| (cmp, v)))
}

impl<'p> Filter<'p> {
    fn read(p: &Params<'p>) -> Result<Filter<'p>, String> {
        let severity = match p.str("severity") {
            None => None,
            Some(s) => Some((
                p.cmp("severity_comparison", Cmp::Ge)?,
                s.parse::<Severity>().map_err(|e| format!("parameter severity: {e}"))?,
            )),
        };
        if severity.is_none() && p.str("severity_comparison").is_some() {
            return Err("parameter severity_comparison needs severity".to_string());
        }
        let package_type = p.word("package_type");
        if let Some(t) = &package_type {
            if !PACKAGE_TYPES.contains(&t.as_str()) {
                return Err(format!("parameter package_type: unknown package type {t:?}"));
            }
        }
        Ok(Filter {
            package_type,
            severity,
            base: compared(p, "cvss_v3_base_score")?,
            exploitability: compared(p, "cvss_v3_exploitability_score")?,
            impact: compared(p, "cvss_v3_impact_score")?,
            fix_available: p.bool("fix_available")?,
            max_days_since_creation: p.int("max_days_since_creation")?,
            min_days_since_published: p.int("min_days_since_published")?,
            max_days_since_fix: p.int("max_days_since_fix")?,
            epss_score: compared(p, "epss_score")?,
            epss_percentile: compared(p, "epss_percentile")?,
            kev: p.bool("kev")?,
            exclude_paths: p.list("exclude_paths"),
            exclude_path_regex: p.regex("exclude_path_regex")?,
            package_names: p.list("package_names"),
        })
    }

    fn matches(&self, f: &Finding, now: OffsetDateTime) -> bool {
        let ty = f.package.ty;
        match self.package_type.as_deref() {
            None | Some("all") => {}
            Some("os") if !ty.is_os() => return false,
            Some("non-os") if ty.is_os() => return false,
            Some("os" | "non-os") => {}
            Some(t) if PackageType::from_name(t) != Some(ty) => return false,
            Some(_) => {}
        }
        if !self.package_names.is_empty() && !self.package_names.iter().any(|g| glob_match(g, &f.package.name)) {
            return false;
        }
        if let Some(path) = f.package.path() {
            if self.exclude_paths.iter().any(|g| glob_match(g, path))
                || self.exclude_path_regex.as_ref().is_some_and(|r| r.is_match(path))
            {
                return false;
            }
        }
        if let Some((cmp, level)) = self.severity {
            if !cmp.holds(&f.severity.level, &level) {
                return false;
            }
        }
        if let Some(want) = self.fix_available {
            if want != (f.fix.state == FixState::Fixed) {
                return false;
            }
        }
        if let Some(want) = self.kev {
            if want != f.kev.is_some() {
                return false;
            }
        }
        let epss_ok = |c: Option<(Cmp, f64)>, get: fn(&vigil_match::EpssScore) -> f64| match c {
            None => true,
            Some((cmp, v)) => f.epss.as_ref().is_some_and(|e| cmp.holds(&get(e), &v)),
        };
        if !epss_ok(self.epss_score, |e| e.score) || !epss_ok(self.epss_percentile, |e| e.percentile) {
            return false;
        }
        if self.base.is_some() || self.exploitability.is_some() || self.impact.is_some() {
            let s = cvss_v3(f);
            for (cond, value) in [
                (self.base, s.base),
                (self.exploitability, s.exploitability),
                (self.impact, s.impact),
            ] {
                if let Some((cmp, want)) = cond {
                    if !value.is_some_and(|v| cmp.holds(&v, &want)) {
                        return false;
                    }
                }
            }
        }
        let published = f.published.as_deref().and_then(|d| age_days(d, now));
        if let Some(max) = self.max_days_since_creation {
            if published.is_none_or(|d| d > max) {
                return false;
            }
        }
        if let Some(min) = self.min_days_since_published {
            if published.is_some_and(|d| d < min) {
                return false;
            }
        }
        if let Some(max) = self.max_days_since_fix {
            let known = f.modified.as_deref().and_then(|d| age_days(d, now)).or(published);
            if f.fix.state != FixState::Fixed || known.is_none_or(|d| d <= max) {
                return false;
            }
        }
        true
    }
}

#[derive(Default)]
struct V3Scores {
    base: Option<f64>,
    exploitability: Option<f64>,
    impact: Option<f64>,
}

/// The highest base, exploitability and impact scores of the finding's CVSS v3 vectors.
fn cvss_v3(f: &Finding) -> V3Scores {
    let mut s = V3Scores::default();
    let vectors = f
        .cvss
        .iter()
        .map(|c| c.vector.as_str())
        .chain(f.severity.vector.as_deref());
    for v in vectors.filter(|v| v.starts_with("CVSS:3")) {
        if let Ok(Cvss::V3(c)) = Cvss::parse(v) {
            let max = |old: Option<f64>, new: f64| Some(old.map_or(new, |o| o.max(new)));
            s.base = max(s.base, c.base_score().as_f64());
            s.exploitability = max(s.exploitability, c.exploitability_subscore().as_f64());
            s.impact = max(s.impact, c.impact_subscore().as_f64());
        }
    }
    s
}

/// Whole days from an RFC 3339 time or a `YYYY-MM-DD` date to `now`.
pub(crate) fn age_days(when: &str, now: OffsetDateTime) -> Option<i64> {
    let when = when.trim();
    let t = OffsetDateTime::parse(when, &Rfc3339).ok().or_else(|| {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        let day = when.get(..10)?;
        Date::parse(day, &format).ok().map(|d| d.midnight().assume_utc())
    })?;
    Some((now - t).whole_days())
}

/// The version ordering of a finding's package: the matcher's comparator, else the package type's.
pub(crate) fn scheme_of(f: &Finding) -> Option<Scheme> {
    f.matches
        .iter()
        .find_map(|m| Scheme::ALL.into_iter().find(|s| s.name() == m.comparator))
        .or(match f.package.ty {
            PackageType::Deb => Some(Scheme::Dpkg),
            PackageType::Apk => Some(Scheme::Apk),
            PackageType::Rpm => Some(Scheme::Rpm),
            PackageType::Python => Some(Scheme::Pep440),
            PackageType::Npm | PackageType::RustCrate => Some(Scheme::Semver),
            PackageType::GoModule => Some(Scheme::Go),
            PackageType::JavaArchive => Some(Scheme::Maven),
            PackageType::Gem => Some(Scheme::RubyGems),
            PackageType::Dotnet => Some(Scheme::NuGet),
            PackageType::PhpComposer => Some(Scheme::Composer),
            _ => None,
        })
}

/// The decision of one finding.
fn fired(f: &Finding, why: &str) -> Fired {
    let p = &f.package;
    let nearest = if f.fix.state == FixState::Fixed {
        f.fix.nearest.clone().or_else(|| f.fix.versions.first().cloned())
    } else {
        None
    };
    let rating = if f.severity.level == Severity::Unknown {
        "UNRATED".to_string()
    } else {
        f.severity.level.as_str().to_ascii_uppercase()
    };
    let mut message = format!("{rating} vulnerability {} in {} {} ({})", f.id, p.name, p.version, p.ty);
    if let Some(score) = f.severity.score {
        message.push_str(&format!(", score {score:.1}"));
    }
    match (&nearest, f.fix.state) {
        (Some(v), _) => message.push_str(&format!("; fixed in {v}")),
        (None, FixState::WontFix) => message.push_str("; the distribution will not fix it"),
        (None, _) => message.push_str("; no fix available"),
    }
    if let Some(e) = &f.epss {
        message.push_str(&format!("; EPSS {:.3} (percentile {:.2})", e.score, e.percentile));
    }
    if f.kev.is_some() {
        message.push_str("; in CISA KEV");
    }
    if !why.is_empty() {
        message.push_str(&format!(" [{why}]"));
    }
    let origin = match &p.layer {
        Some(d) => Origin::DiffId(d.to_string()),
        None => Origin::None,
    };
    Fired {
        trigger_id: format!("{}+{}", f.id, p.name),
        message,
        subject: format!("{}@{}", p.name, p.version),
        origin,
        fix: nearest.clone(),
        vuln: Some(VulnFix {
            id: f.id.clone(),
            package: p.name.clone(),
            package_type: p.ty.to_string(),
            installed: p.version.clone(),
            scheme: scheme_of(f),
            nearest,
        }),
    }
}

/// The conditions of a rule in words, for the decision message.
fn conditions(p: &Params<'_>) -> String {
    let mut parts = Vec::new();
    if let Some(s) = p.str("severity") {
        parts.push(format!("severity {} {s}", p.str("severity_comparison").unwrap_or(">=")));
    }
    for name in [
        "cvss_v3_base_score",
        "cvss_v3_exploitability_score",
        "cvss_v3_impact_score",
        "epss_score",
        "epss_percentile",
    ] {
        if let Some(v) = p.str(name) {
            let cmp = p.str(&format!("{name}_comparison")).unwrap_or(">=");
            parts.push(format!("{name} {cmp} {v}"));
        }
    }
    for name in [
        "fix_available",
        "kev",
        "package_type",
        "max_days_since_creation",
        "min_days_since_published",
        "max_days_since_fix",
    ] {
        if let Some(v) = p.str(name) {
            parts.push(format!("{name}={v}"));
        }
    }
    parts.join(", ")
}

fn package(ctx: &Ctx<'_>, p: &Params<'_>) -> Result<Outcome, String> {
    let Some(report) = ctx.matches else {
        return Ok(Outcome::unavailable(NO_MATCHES));
    };
    let filter = Filter::read(p)?;
    let why = conditions(p);
    let now = ctx.input.now;
    Ok(Outcome::fired(
        report
            .findings
            .iter()
            .filter(|f| filter.matches(f, now))
            .map(|f| fired(f, &why))
            .collect(),
    ))
}

fn denylist(ctx: &Ctx<'_>, p: &Params<'_>) -> Result<Outcome, String> {
    let Some(report) = ctx.matches else {
        return Ok(Outcome::unavailable(NO_MATCHES));
    };
    let ids = p.list("ids");
    Ok(Outcome::fired(
        report
            .findings
            .iter()
            .filter(|f| ids.iter().any(|id| f.has_id(id)))
            .map(|f| fired(f, "deny-listed id"))
            .collect(),
    ))
}

fn stale_feed_data(ctx: &Ctx<'_>, p: &Params<'_>) -> Result<Outcome, String> {
    let max = p
        .int("max_days_since_sync")?
        .ok_or("parameter max_days_since_sync is required")?;
    let Some(db) = &ctx.input.db else {
        return Ok(Outcome::unavailable(
            "no vulnerability database, so no build date to check",
        ));
    };
    let age = ctx.input.now - db.built_at;
    if age <= time::Duration::days(max) {
        return Ok(Outcome::default());
    }
    let built = db.built_at.format(&Rfc3339).unwrap_or_else(|_| db.built_at.to_string());
    Ok(Outcome::fired(vec![Fired::new(
        "stale_feed_data",
        db.path.clone(),
        format!(
            "the vulnerability data is {} days old (built {built}), older than {max} days",
            age.whole_days()
        ),
    )]))
}

fn data_unavailable(ctx: &Ctx<'_>, _p: &Params<'_>) -> Result<Outcome, String> {
    let Some(report) = ctx.matches else {
        return Ok(Outcome::fired(vec![Fired::new(
            "vulnerability_data_unavailable",
            "vulnerability database",
            "no vulnerability database was available: the image's packages were not checked for vulnerabilities",
        )]));
    };
    let notes: Vec<_> = report.notes_of(NoteKind::UnsupportedDistro).collect();
    let Some(first) = notes.first() else {
        return Ok(Outcome::default());
    };
    let distro = ctx
        .sbom
        .distro
        .as_ref()
        .map_or("the image's distribution".to_string(), |d| d.purl_qualifier());
    Ok(Outcome::fired(vec![Fired::new(
        "vulnerability_data_unavailable",
        distro.clone(),
        format!(
            "no vulnerability data for {distro}: {} package(s) not checked ({})",
            report.counts.unsupported_distro.max(notes.len()),
            first.message
        ),
    )]))
}
