//! What the table, SARIF and JUnit writers share about a policy verdict: where a decision points
//! in the image, its layer in words, and what the fix advice achieves.

use std::collections::HashSet;

use vigil_policy::{Action, Decision, LayerRef, Part, Verdict, VerdictBasis};
use vigil_sbom::Sbom;
use vigil_types::Package;

/// What a decision is about, as far as a report can point at it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target<'a> {
    /// A file in the image (absolute path).
    File(&'a str),
    /// A package of the SBOM.
    Package(&'a Package),
    /// The image as a whole (its config, its metadata, an environment variable).
    Image,
}

/// Gates whose decisions are about packages: vulnerabilities, packages, licences.
fn is_package_gate(gate: &str) -> bool {
    let g = gate.to_ascii_lowercase();
    g.contains("vuln") || g.contains("package") || g.contains("licen")
}

/// `/etc/shadow` or `/root/.ssh/id_rsa` — not `ENV AWS_SECRET_ACCESS_KEY`.
fn absolute_path(s: &str) -> Option<&str> {
    let s = s.trim();
    (s.starts_with('/') && !s.contains('\n')).then_some(s)
}

/// The package a decision names: by SBOM id or purl in the subject, else by name (and version
/// when the subject has one) from the subject (`django 2.2.0`, `django@2.2.0`) or the trigger id
/// (`CVE-2019-19844+django`).
pub(crate) fn package_of<'a>(d: &Decision, sbom: &'a Sbom) -> Option<&'a Package> {
    let subject = d.subject.trim();
    if subject.is_empty() && d.trigger_id.is_empty() {
        return None;
    }
    if let Some(p) = sbom
        .packages
        .iter()
        .find(|p| p.id == subject || (!subject.is_empty() && p.purl.to_string() == subject))
    {
        return Some(p);
    }
    // `name version`, `name@version` (an npm scope's leading `@` is part of the name), `name`.
    let split = subject
        .split_once(' ')
        .or_else(|| subject.rsplit_once('@').filter(|(n, _)| !n.is_empty()));
    let (mut name, version) = match split {
        Some((n, v)) => (n.trim(), Some(v.trim())),
        None => (subject, None),
    };
    if !sbom.packages.iter().any(|p| p.name.eq_ignore_ascii_case(name)) {
        if let Some((_, n)) = d.trigger_id.rsplit_once('+') {
            name = n.trim();
        }
    }
    let mut named = sbom.packages.iter().filter(|p| p.name.eq_ignore_ascii_case(name));
    let first = named.clone().next()?;
    Some(version.and_then(|v| named.find(|p| p.version == v)).unwrap_or(first))
}

/// Where a decision points: the package's evidence for package gates, the file for decisions
/// whose subject (or trigger id) is a path, the image otherwise.
pub(crate) fn target<'a>(d: &'a Decision, sbom: &'a Sbom) -> Target<'a> {
    if is_package_gate(&d.gate) {
        if let Some(p) = package_of(d, sbom) {
            return Target::Package(p);
        }
    }
    if let Some(path) = absolute_path(&d.subject).or_else(|| absolute_path(&d.trigger_id)) {
        return Target::File(path);
    }
    Target::Image
}

/// `base` or `app`.
pub(crate) fn part_word(p: Part) -> &'static str {
    match p {
        Part::Base => "base",
        Part::Application => "app",
    }
}

/// `3 (app)`, `0 (base)`, `2`.
pub(crate) fn layer_text(l: &LayerRef) -> String {
    match l.part {
        Some(p) => format!("{} ({})", l.index, part_word(p)),
        None => l.index.to_string(),
    }
}

/// What the verdict's basis means, in a few words.
pub(crate) fn basis_text(b: VerdictBasis) -> &'static str {
    match b {
        VerdictBasis::Policy => "policy",
        VerdictBasis::Denylisted => "image deny-listed",
        VerdictBasis::Allowlisted => "image allow-listed",
    }
}

/// What upgrading every package of the fix advice does to the STOP decisions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FixOutcome {
    /// Packages to upgrade.
    pub packages: usize,
    /// STOP decisions (after allowlists) the upgrades clear.
    pub cleared: usize,
    /// STOP decisions that remain after the upgrades.
    pub remaining: usize,
}

impl FixOutcome {
    /// Whether the upgrades alone turn the verdict away from STOP.
    pub fn clears_gate(&self, v: &Verdict) -> bool {
        self.remaining == 0 && v.basis != VerdictBasis::Denylisted
    }
}

/// `None` without fix advice.
pub(crate) fn fix_outcome(v: &Verdict) -> Option<FixOutcome> {
    if v.fix_advice.is_empty() {
        return None;
    }
    // A vulnerability decision's trigger id is `<vulnerability id>+<package name>`; the advice
    // lists the vulnerability ids an upgrade of its package clears.
    let clears: HashSet<String> = v
        .fix_advice
        .iter()
        .flat_map(|a| a.clears.iter().map(move |id| format!("{id}+{}", a.package)))
        .collect();
    let (mut cleared, mut remaining) = (0, 0);
    for d in v.decisions().filter(|d| d.effective == Action::Stop) {
        if d.gate == "vulnerabilities" && clears.contains(d.trigger_id.as_str()) {
            cleared += 1;
        } else {
            remaining += 1;
        }
    }
    Some(FixOutcome {
        packages: v.fix_advice.len(),
        cleared,
        remaining,
    })
}

/// The summary line of the fix advice: "upgrading these 2 packages clears the gate", or what
/// is left when it does not.
pub(crate) fn fix_summary(v: &Verdict) -> Option<String> {
    let o = fix_outcome(v)?;
    let these = if o.packages == 1 {
        "this package".to_string()
    } else {
        format!("these {} packages", o.packages)
    };
    Some(if o.clears_gate(v) {
        format!("upgrading {these} clears the gate")
    } else if o.remaining > 0 {
        format!(
            "upgrading {these} clears {} of {} STOP decisions; {} remain",
            o.cleared,
            o.cleared + o.remaining,
            o.remaining
        )
    } else {
        format!("upgrading {these} clears every STOP decision, but the image is deny-listed")
    })
}

/// Decisions of the verdict by effective action, worst first: STOP, WARN, then GO (allowlisted
/// first). Each with its policy id.
pub(crate) fn by_action(v: &Verdict) -> [(Action, Vec<&Decision>); 3] {
    let of = |a: Action| {
        let mut ds: Vec<&Decision> = v.decisions().filter(|d| d.effective == a).collect();
        // Stable: allowlisted GO decisions before GO rules, otherwise the evaluator's order.
        ds.sort_by_key(|d| d.allowlisted.is_none());
        ds
    };
    [
        (Action::Stop, of(Action::Stop)),
        (Action::Warn, of(Action::Warn)),
        (Action::Go, of(Action::Go)),
    ]
}

/// At most `max` characters, an ellipsis marking the cut.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use vigil_types::{Location, PackageType, Purl, SourceInfo};

    use super::*;

    fn sbom() -> Sbom {
        let mut s = Sbom::new_at(SourceInfo::default(), "2025-05-12T12:00:00Z");
        let pkg = |ty, name: &str, version: &str, purl: Purl, path: &str| {
            Package::new(ty, name, version, purl, Location::new(path, None), "test")
        };
        s.packages = vec![
            pkg(
                PackageType::Python,
                "Django",
                "2.2",
                Purl::new("pypi", "django", "2.2"),
                "/app/Django-2.2.dist-info/METADATA",
            ),
            pkg(
                PackageType::Python,
                "Django",
                "3.2",
                Purl::new("pypi", "django", "3.2"),
                "/venv/Django-3.2.dist-info/METADATA",
            ),
            pkg(
                PackageType::Npm,
                "@babel/core",
                "7.0.0",
                Purl::new("npm", "core", "7.0.0").namespace("@babel"),
                "/srv/node_modules/@babel/core/package.json",
            ),
        ];
        s
    }

    fn decision(gate: &str, trigger_id: &str, subject: &str) -> Decision {
        Decision {
            policy_id: "p".into(),
            rule_id: "r".into(),
            gate: gate.into(),
            trigger: "t".into(),
            trigger_id: trigger_id.into(),
            action: Action::Stop,
            effective: Action::Stop,
            allowlisted: None,
            message: String::new(),
            subject: subject.into(),
            layer: None,
            fix: None,
        }
    }

    fn evidence<'a>(d: &Decision, sbom: &'a Sbom) -> Option<&'a str> {
        package_of(d, sbom)
            .and_then(|p| p.locations.first())
            .map(|l| l.path.as_str())
    }

    #[test]
    fn packages_are_found_by_id_purl_name_and_version_or_trigger_id() {
        let s = sbom();
        let newer = s.packages[1].id.clone();
        let v = "vulnerabilities";
        assert_eq!(
            evidence(&decision(v, "CVE-1+django", &newer), &s),
            Some("/venv/Django-3.2.dist-info/METADATA")
        );
        assert_eq!(
            evidence(&decision(v, "x", "pkg:pypi/django@3.2"), &s),
            Some("/venv/Django-3.2.dist-info/METADATA")
        );
        assert_eq!(
            evidence(&decision(v, "x", "django 3.2"), &s),
            Some("/venv/Django-3.2.dist-info/METADATA")
        );
        assert_eq!(
            evidence(&decision(v, "x", "Django@2.2"), &s),
            Some("/app/Django-2.2.dist-info/METADATA")
        );
        // An unknown version: the first package of that name.
        assert_eq!(
            evidence(&decision(v, "x", "django 9.9"), &s),
            Some("/app/Django-2.2.dist-info/METADATA")
        );
        // A subject that names no package: the name after `+` in the trigger id.
        assert_eq!(
            evidence(&decision(v, "GHSA-xxxx+django", "critical, fixed in 3.2.1"), &s),
            Some("/app/Django-2.2.dist-info/METADATA")
        );
        // An npm scope's `@` is part of the name.
        assert_eq!(
            evidence(&decision("packages", "@babel/core", "@babel/core@7.0.0"), &s),
            Some("/srv/node_modules/@babel/core/package.json")
        );
        assert_eq!(evidence(&decision(v, "CVE-1+flask", "flask 1.0"), &s), None);
        assert_eq!(evidence(&decision(v, "", ""), &s), None);
    }

    #[test]
    fn targets() {
        let s = sbom();
        assert!(matches!(
            target(&decision("vulnerabilities", "CVE-1+django", "django 2.2"), &s),
            Target::Package(p) if p.version == "2.2"
        ));
        assert_eq!(
            target(
                &decision("secrets", "/root/.aws/credentials", "/root/.aws/credentials"),
                &s
            ),
            Target::File("/root/.aws/credentials")
        );
        // A secret in the environment points at the image.
        assert_eq!(
            target(
                &decision("secrets", "AWS_SECRET_ACCESS_KEY", "ENV AWS_SECRET_ACCESS_KEY"),
                &s
            ),
            Target::Image
        );
        // Only package gates look packages up: a file gate's subject named like a package is not one.
        assert_eq!(target(&decision("files", "django", "django"), &s), Target::Image);
        assert_eq!(target(&decision("image_config", "22/tcp", "22/tcp"), &s), Target::Image);
        // A package gate whose package is gone but whose subject is a path.
        assert_eq!(
            target(&decision("packages", "verify", "/usr/bin/ls"), &s),
            Target::File("/usr/bin/ls")
        );
    }

    #[test]
    fn truncation_counts_characters() {
        assert_eq!(truncate("abcdef", 6), "abcdef");
        assert_eq!(truncate("abcdefg", 6), "abcde…");
        assert_eq!(truncate("ééééééé", 3), "éé…");
    }

    #[test]
    fn paths_are_absolute_single_lines() {
        assert_eq!(absolute_path("/root/.ssh/id_rsa"), Some("/root/.ssh/id_rsa"));
        assert_eq!(absolute_path("ENV AWS_SECRET_ACCESS_KEY"), None);
        assert_eq!(absolute_path("/a\n/b"), None);
    }
}
