//! JUnit XML, as Jenkins, GitLab and Azure DevOps read test reports.
//!
//! With a policy verdict: a `<testsuite>` per policy and a `<testcase>` per decision (classname
//! `<gate>.<trigger>`, name the trigger id): STOP is a `<failure type="STOP">`, WARN a passing
//! case with `<system-out>WARN: …</system-out>`, an allowlisted decision `<skipped>` with the
//! allowlist's reason, a GO rule a passing case; a policy without decisions has one passing case.
//! A last suite for the bundle carries what is not a decision: the image deny or allow list when
//! it decided the verdict, expired allowlist items and the fix advice (in `<system-out>`).
//!
//! Without a verdict: one suite `vulnerabilities`, a case per finding, failing when its severity
//! is at or above `--fail-on` (suppressed findings skipped when they are shown).
//!
//! Every attribute and text is escaped; control characters, which XML 1.0 cannot carry, are
//! dropped (tab, newline and carriage return are kept, as character references in attributes).

use std::fmt::Write as _;

use vigil_match::Finding;
use vigil_policy::{Action, Decision, ImageRef, Verdict, VerdictBasis};

use crate::verdict::{basis_text, fix_summary, layer_text};
use crate::{RenderOptions, Scan};

/// Whether XML 1.0 can carry `c` (and we want it to: no other control characters).
fn keep(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || !(c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}')
}

/// Text content: `&`, `<`, `>` escaped.
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|c| keep(*c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// An attribute value (written between double quotes): also quotes, and whitespace other than a
/// space as character references so a parser's normalisation keeps it.
fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|c| keep(*c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

/// How a test case ended.
enum Outcome {
    Passed,
    Failed {
        message: String,
        kind: String,
        body: String,
    },
    Skipped {
        message: String,
    },
}

struct Case {
    classname: String,
    name: String,
    outcome: Outcome,
    /// `<system-out>`, when not empty.
    out: String,
}

struct Suite {
    name: String,
    properties: Vec<(&'static str, String)>,
    cases: Vec<Case>,
    out: String,
}

impl Suite {
    fn failures(&self) -> usize {
        self.cases
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Failed { .. }))
            .count()
    }

    fn skipped(&self) -> usize {
        self.cases
            .iter()
            .filter(|c| matches!(c.outcome, Outcome::Skipped { .. }))
            .count()
    }
}

fn write_case(out: &mut String, c: &Case) {
    let _ = write!(
        out,
        "    <testcase classname=\"{}\" name=\"{}\"",
        attr(&c.classname),
        attr(&c.name)
    );
    if matches!(c.outcome, Outcome::Passed) && c.out.is_empty() {
        out.push_str("/>\n");
        return;
    }
    out.push_str(">\n");
    match &c.outcome {
        Outcome::Passed => {}
        Outcome::Failed { message, kind, body } => {
            let _ = writeln!(
                out,
                "      <failure message=\"{}\" type=\"{}\">{}</failure>",
                attr(message),
                attr(kind),
                text(body)
            );
        }
        Outcome::Skipped { message } => {
            let _ = writeln!(out, "      <skipped message=\"{}\"/>", attr(message));
        }
    }
    if !c.out.is_empty() {
        let _ = writeln!(out, "      <system-out>{}</system-out>", text(&c.out));
    }
    out.push_str("    </testcase>\n");
}

fn write(title: &str, suites: &[Suite]) -> String {
    let tests: usize = suites.iter().map(|s| s.cases.len()).sum();
    let failures: usize = suites.iter().map(Suite::failures).sum();
    let skipped: usize = suites.iter().map(Suite::skipped).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">",
        attr(title)
    );
    for s in suites {
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">",
            attr(&s.name),
            s.cases.len(),
            s.failures(),
            s.skipped()
        );
        if !s.properties.is_empty() {
            out.push_str("    <properties>\n");
            for (name, value) in &s.properties {
                let _ = writeln!(
                    out,
                    "      <property name=\"{}\" value=\"{}\"/>",
                    attr(name),
                    attr(value)
                );
            }
            out.push_str("    </properties>\n");
        }
        for c in &s.cases {
            write_case(&mut out, c);
        }
        if !s.out.is_empty() {
            let _ = writeln!(out, "    <system-out>{}</system-out>", text(&s.out));
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// The details of a decision: the message, then what fired, where, and by which rule.
fn details(d: &Decision) -> String {
    let mut s = d.message.clone();
    let _ = write!(s, "\npolicy: {}, rule: {}", d.policy_id, d.rule_id);
    if !d.subject.is_empty() {
        let _ = write!(s, "\nsubject: {}", d.subject);
    }
    if let Some(l) = &d.layer {
        let _ = write!(s, "\nlayer: {}", layer_text(l));
    }
    if let Some(fix) = &d.fix {
        let _ = write!(s, "\nfixed in: {fix}");
    }
    s
}

fn decision_case(d: &Decision) -> Case {
    let mut case = Case {
        classname: format!("{}.{}", d.gate, d.trigger),
        name: if d.trigger_id.is_empty() {
            d.subject.clone()
        } else {
            d.trigger_id.clone()
        },
        outcome: Outcome::Passed,
        out: String::new(),
    };
    match (d.effective, &d.allowlisted) {
        (Action::Stop, _) => {
            case.outcome = Outcome::Failed {
                message: d.message.clone(),
                kind: "STOP".into(),
                body: details(d),
            }
        }
        (Action::Warn, _) => case.out = format!("WARN: {}", details(d)),
        (Action::Go, Some(a)) => {
            case.outcome = Outcome::Skipped {
                message: format!("allowlisted: {}", a.reason),
            };
            case.out = format!(
                "GO: allowlist {} item {}{}\n{}",
                a.allowlist,
                a.item,
                a.expires.as_ref().map(|e| format!(" (until {e})")).unwrap_or_default(),
                details(d)
            );
        }
        (Action::Go, None) => case.out = format!("GO: {}", details(d)),
    }
    case
}

fn image_name(i: &ImageRef) -> String {
    let mut s = String::new();
    if !i.registry.is_empty() {
        let _ = write!(s, "{}/", i.registry);
    }
    s.push_str(&i.repository);
    if !i.tag.is_empty() {
        let _ = write!(s, ":{}", i.tag);
    }
    if let Some(d) = &i.digest {
        let _ = write!(s, "@{d}");
    }
    s
}

fn policy_suites(v: &Verdict) -> Vec<Suite> {
    let mut suites: Vec<Suite> = v
        .policies
        .iter()
        .map(|p| {
            let mut cases: Vec<Case> = p.decisions.iter().map(decision_case).collect();
            if cases.is_empty() {
                cases.push(Case {
                    classname: "policy".into(),
                    name: format!("{}: no trigger fired", p.policy_id),
                    outcome: Outcome::Passed,
                    out: String::new(),
                });
            }
            let mut properties = vec![("action", p.action.as_upper().to_string())];
            if !p.name.is_empty() {
                properties.push(("name", p.name.clone()));
            }
            Suite {
                name: p.policy_id.clone(),
                properties,
                cases,
                out: String::new(),
            }
        })
        .collect();

    let mut bundle = Suite {
        name: format!("bundle {}", v.bundle_id),
        properties: vec![
            ("verdict", v.action.as_upper().to_string()),
            ("basis", basis_text(v.basis).to_string()),
            ("image", image_name(&v.image)),
        ],
        cases: Vec::new(),
        out: String::new(),
    };
    if let Some(m) = &v.mapping {
        bundle.properties.push(("mapping", m.clone()));
    }
    let image = image_name(&v.image);
    match v.basis {
        VerdictBasis::Denylisted => bundle.cases.push(Case {
            classname: "bundle.denylisted_images".into(),
            name: image.clone(),
            outcome: Outcome::Failed {
                message: format!("the image {image} is deny-listed by bundle {}", v.bundle_id),
                kind: "STOP".into(),
                body: format!("bundle {} ({})", v.bundle_name, v.bundle_id),
            },
            out: String::new(),
        }),
        VerdictBasis::Allowlisted => bundle.cases.push(Case {
            classname: "bundle.allowlisted_images".into(),
            name: image.clone(),
            outcome: Outcome::Passed,
            out: format!("GO: the image {image} is allow-listed by bundle {}", v.bundle_id),
        }),
        VerdictBasis::Policy => {}
    }
    for e in &v.expired_allowlist_items {
        let _ = writeln!(
            bundle.out,
            "WARN: allowlist {} item {} ({}) expired on {} and no longer applies: {}",
            e.allowlist, e.item, e.trigger_id, e.expired, e.reason
        );
    }
    if let Some(summary) = fix_summary(v) {
        bundle.out.push_str("Fix advice:\n");
        for a in &v.fix_advice {
            let _ = writeln!(
                bundle.out,
                "  {} {} -> {} (clears {})",
                a.package,
                a.installed,
                a.upgrade_to,
                a.clears.len()
            );
        }
        let _ = writeln!(bundle.out, "{summary}");
    }
    if !bundle.cases.is_empty() || !bundle.out.is_empty() {
        suites.push(bundle);
    }
    suites
}

fn finding_case(f: &Finding, fail: bool) -> Case {
    let p = &f.package;
    let mut message = format!("{} ({}) in {} {}", f.id, f.severity.level, p.name, p.version);
    if let Some(v) = &f.fix.nearest {
        let _ = write!(message, "; fixed in {v}");
    }
    let mut body = message.clone();
    if let Some(path) = p.path() {
        let _ = write!(body, "\nfound in: {path}");
    }
    if let Some(s) = &f.summary {
        let _ = write!(body, "\n{s}");
    }
    Case {
        classname: format!("vulnerabilities.{}", p.ty),
        name: format!("{} in {} {}", f.id, p.name, p.version),
        outcome: if fail {
            Outcome::Failed {
                message,
                kind: f.severity.level.to_string(),
                body,
            }
        } else {
            Outcome::Passed
        },
        out: String::new(),
    }
}

fn vulnerability_suite(scan: &Scan<'_>, options: &RenderOptions) -> Suite {
    let r = scan.report;
    let mut cases: Vec<Case> = r
        .findings
        .iter()
        .map(|f| finding_case(f, options.fail_on.is_some_and(|t| f.severity.level >= t)))
        .collect();
    if options.show_suppressed {
        cases.extend(r.suppressed.iter().map(|s| Case {
            outcome: Outcome::Skipped {
                message: format!("suppressed: {}", s.by.describe()),
            },
            ..finding_case(&s.finding, false)
        }));
    }
    if cases.is_empty() {
        cases.push(Case {
            classname: "vulnerabilities".into(),
            name: "no vulnerabilities found".into(),
            outcome: Outcome::Passed,
            out: String::new(),
        });
    }
    let mut properties = vec![("packages", r.counts.packages.to_string())];
    if let Some(t) = options.fail_on {
        properties.push(("fail-on", t.to_string()));
    }
    Suite {
        name: "vulnerabilities".into(),
        properties,
        cases,
        out: String::new(),
    }
}

pub(crate) fn render(scan: &Scan<'_>, options: &RenderOptions) -> String {
    let source = &scan.sbom.source;
    let image = if source.name.is_empty() {
        &source.input
    } else {
        &source.name
    };
    match scan.verdict {
        Some(v) => write(&format!("vigil policy {} on {image}", v.bundle_name), &policy_suites(v)),
        None => write(
            &format!("vigil vulnerabilities on {image}"),
            &[vulnerability_suite(scan, options)],
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(attr("a\"b'<c>&d"), "a&quot;b&apos;&lt;c&gt;&amp;d");
        assert_eq!(attr("x\ny\u{1b}[31m\u{0}"), "x&#10;y[31m");
        assert_eq!(text("<a> & \u{7}b\n"), "&lt;a&gt; &amp; b\n");
        assert_eq!(text("\u{FFFE}ok\u{85}"), "ok");
    }
}
