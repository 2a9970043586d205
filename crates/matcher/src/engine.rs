//! The matching run: every package of the SBOM against the store, then suppression.

use std::collections::{BTreeMap, HashMap};

use vigil_sbom::Sbom;
use vigil_types::PackageType;
use vigil_vulndb::{Affected, Db};

use crate::group::{self, Ctx};
use crate::hit::{self, Installed, RangeProblem};
use crate::report::{package_label, Counts, MatchReport, Note, NoteKind};
use crate::suppress::{ImageIdentity, Suppressors};
use crate::target::{target, NoTarget};
use crate::{MatchError, MatchOptions};

/// How many package names a grouped note lists before "and N more".
const NAMES_LISTED: usize = 10;

/// Matches every package of `sbom` against the advisories in `db`, then applies the
/// suppressions of `options`. See the crate documentation for the rules.
pub fn match_sbom(sbom: &Sbom, db: &Db, options: &MatchOptions) -> Result<MatchReport, MatchError> {
    let mut ctx = Ctx::new(db);
    let mut counts = Counts {
        packages: sbom.packages.len(),
        ..Counts::default()
    };
    let mut notes: Vec<Note> = Vec::new();
    let mut no_ecosystem: BTreeMap<PackageType, Vec<String>> = BTreeMap::new();
    let mut no_distro: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // OS releases the database has no advisories for: their packages cannot have findings.
    let mut covered: HashMap<(String, Option<String>), bool> = HashMap::new();
    let mut no_data: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut findings = Vec::new();
    let mut problems: Vec<RangeProblem> = Vec::new();

    for p in &sbom.packages {
        let label = || package_label(&p.name, &p.version, p.ty);
        let t = match target(p, sbom.distro.as_ref()) {
            Ok(t) => t,
            Err(NoTarget::NoEcosystem) => {
                counts.without_ecosystem += 1;
                no_ecosystem.entry(p.ty).or_default().push(label());
                continue;
            }
            Err(NoTarget::Distro(d)) => {
                counts.unsupported_distro += 1;
                no_distro.entry(d).or_default().push(label());
                continue;
            }
            Err(NoTarget::NoVersion) => {
                counts.without_version += 1;
                notes.push(Note {
                    kind: NoteKind::NoVersion,
                    package: Some(label()),
                    advisory: None,
                    message: "no version: not matched".into(),
                });
                continue;
            }
        };
        if p.ty.is_os() {
            let key = (t.ecosystem.as_str().to_string(), t.release.query().map(str::to_string));
            let covered = match covered.get(&key) {
                Some(c) => *c,
                None => {
                    let c = db.has_advisories(&t.ecosystem, key.1.as_deref())?;
                    covered.insert(key.clone(), c);
                    c
                }
            };
            if !covered {
                counts.unsupported_distro += 1;
                let release = key.1.map_or(String::new(), |r| format!(" {r}"));
                no_data.entry(format!("{}{release}", key.0)).or_default().push(label());
                continue;
            }
        }
        counts.looked_up += 1;
        let entries = db.affected(&t.ecosystem, t.release.query(), &t.name)?;
        let entries: Vec<&Affected> = entries.iter().filter(|e| t.release.admits(e)).collect();
        let mut installed = Installed::new(&t.version);
        let mut hits = Vec::new();
        problems.clear();
        for e in &entries {
            counts.entries_compared += 1;
            if let Some(h) = hit::evaluate(e, &t, &mut installed, &mut problems) {
                hits.push(h);
            }
        }
        let failures: Vec<String> = installed.failures().map(ToString::to_string).collect();
        if !failures.is_empty() {
            counts.unparsable_versions += 1;
            for f in failures {
                notes.push(Note {
                    kind: NoteKind::UnparsableVersion,
                    package: Some(label()),
                    advisory: None,
                    message: format!(
                        "{f}; the {} advisory entries' ranges for {} were not evaluated (listed versions were compared)",
                        entries.len(),
                        t.name
                    ),
                });
            }
        }
        for pr in problems.drain(..) {
            counts.unparsable_ranges += 1;
            let dup = notes.iter().any(|n| {
                n.kind == NoteKind::UnparsableRange
                    && n.advisory.as_deref() == Some(pr.advisory.as_str())
                    && n.package == Some(label())
            });
            if !dup {
                notes.push(Note {
                    kind: NoteKind::UnparsableRange,
                    package: Some(label()),
                    advisory: Some(pr.advisory),
                    message: format!("{}; that range was not evaluated", pr.error),
                });
            }
        }
        findings.extend(group::findings(p, t.scheme, hits, &mut ctx)?);
    }

    for (ty, names) in no_ecosystem {
        notes.push(Note {
            kind: NoteKind::NoEcosystem,
            package: None,
            advisory: None,
            message: format!(
                "{} {ty} package(s) have no advisory ecosystem and were not matched: {}",
                names.len(),
                listed(&names)
            ),
        });
    }
    for (distro, names) in no_distro {
        let which = if distro.is_empty() {
            "an unknown distribution (no os-release, no distro qualifier)".to_string()
        } else {
            format!("distribution {distro}, which has no advisory data here")
        };
        notes.push(Note {
            kind: NoteKind::UnsupportedDistro,
            package: None,
            advisory: None,
            message: format!(
                "{} OS package(s) of {which} were not matched: {}",
                names.len(),
                listed(&names)
            ),
        });
    }

    for (release, names) in no_data {
        notes.push(Note {
            kind: NoteKind::UnsupportedDistro,
            package: None,
            advisory: None,
            message: format!(
                "{} OS package(s) of {release} were not matched: the database has no advisories for {release} \
                 (run `vigil db update` with that ecosystem): {}",
                names.len(),
                listed(&names)
            ),
        });
    }

    findings.sort_by(|a, b| {
        b.severity
            .level
            .cmp(&a.severity.level)
            .then_with(|| a.package.name.cmp(&b.package.name))
            .then_with(|| a.package.version.cmp(&b.package.version))
            .then_with(|| a.id.cmp(&b.id))
            .then_with(|| a.package.id.cmp(&b.package.id))
    });

    let image = image_identity(sbom);
    let today = options.today.unwrap_or_else(|| time::OffsetDateTime::now_utc().date());
    let suppressors = Suppressors {
        vex: &options.vex,
        ignore: &options.ignore,
        only_fixed: options.only_fixed,
        today,
        image: &image,
    };
    let (findings, suppressed, expired_rules) = suppressors.apply(findings);
    counts.findings = findings.len();
    counts.suppressed = suppressed.len();
    Ok(MatchReport {
        findings,
        suppressed,
        expired_rules,
        notes,
        counts,
    })
}

fn listed(names: &[String]) -> String {
    let mut s = names.iter().take(NAMES_LISTED).cloned().collect::<Vec<_>>().join(", ");
    if names.len() > NAMES_LISTED {
        s.push_str(&format!(" and {} more", names.len() - NAMES_LISTED));
    }
    s
}

/// The names and digests VEX products may use for the scanned image.
pub(crate) fn image_identity(sbom: &Sbom) -> ImageIdentity {
    let s = &sbom.source;
    let mut names: Vec<String> = Vec::new();
    for n in std::iter::once(&s.name).chain(&s.tags) {
        if !n.is_empty() && !names.contains(n) {
            names.push(n.clone());
        }
    }
    let digests = [&s.manifest_digest, &s.image_id]
        .into_iter()
        .flatten()
        .map(ToString::to_string)
        .collect();
    ImageIdentity { names, digests }
}
