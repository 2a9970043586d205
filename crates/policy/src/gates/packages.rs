//! Gate `packages`: packages required or forbidden, and package files changed or missing.

use std::cmp::Ordering;

use vigil_types::{Package, PackageType, VerifyProblem};
use vigil_vulndb::version::{compare, Scheme};

use super::{need_analysis, param, Ctx, Fired, GateSpec, Origin, Outcome, ParamKind, TriggerSpec};
use crate::glob_match;
use crate::params::Params;

pub(super) const GATE: GateSpec = GateSpec {
    name: "packages",
    aliases: &[],
    description: "The packages the SBOM lists: required ones, forbidden ones, and files changed against the package database.",
    triggers: &[
        TriggerSpec {
            name: "required_package",
            description: "Fires when no package has the name (and version, when given). Trigger id: the package name.",
            params: &[
                param("name", ParamKind::Str, true, "Package name.", "ca-certificates"),
                param("version", ParamKind::Str, false, "Required version; any version when absent.", "1.2.3"),
                param("version_match_type", ParamKind::Enum(&["exact", "minimum"]), false, "exact (default): that version; minimum: that version or a later one, in the package's ecosystem ordering.", "minimum"),
            ],
            eval: required_package,
            check: None,
        },
        TriggerSpec {
            name: "denylist",
            description: "Fires for each package whose name matches (and version and type, when given). Trigger id: the package name.",
            params: &[
                param("name", ParamKind::Str, true, "Package name or glob.", "telnet*"),
                param("version", ParamKind::Str, false, "Only this version (a glob).", "1.0.*"),
                param("package_type", ParamKind::Str, false, "Only packages of this type (deb, python, npm, ...).", "deb"),
            ],
            eval: denylist,
            check: Some(check_type),
        },
        TriggerSpec {
            name: "verify",
            description: "Fires for each package file whose content differs from the package database's digest, or that is missing. Needs the analysis to have verified package files. Trigger id: the file path.",
            params: &[
                param("check", ParamKind::Enum(&["changed", "missing", "any"]), false, "Which problems fire: changed, missing or any (default).", "changed"),
                param("only_packages", ParamKind::List, false, "Only files of these packages (names or globs).", "openssl,libc6"),
                param("only_directories", ParamKind::List, false, "Only files under these directories.", "/usr/bin,/usr/sbin"),
            ],
            eval: verify,
            check: None,
        },
    ],
};

fn check_type(p: &Params<'_>) -> Result<(), String> {
    match p.str("package_type") {
        Some(t) if PackageType::from_name(&t.to_ascii_lowercase()).is_none() => {
            Err(format!("parameter package_type: unknown package type {t:?}"))
        }
        _ => Ok(()),
    }
}

/// The version ordering of a package type.
pub(crate) fn scheme_for(ty: PackageType) -> Option<Scheme> {
    Some(match ty {
        PackageType::Deb => Scheme::Dpkg,
        PackageType::Apk => Scheme::Apk,
        PackageType::Rpm => Scheme::Rpm,
        PackageType::Python => Scheme::Pep440,
        PackageType::Npm | PackageType::RustCrate => Scheme::Semver,
        PackageType::GoModule => Scheme::Go,
        PackageType::JavaArchive => Scheme::Maven,
        PackageType::Gem => Scheme::RubyGems,
        PackageType::Dotnet => Scheme::NuGet,
        PackageType::PhpComposer => Scheme::Composer,
        _ => return None,
    })
}

fn origin(p: &Package) -> Origin {
    p.layer.as_ref().map_or(Origin::None, |d| Origin::DiffId(d.to_string()))
}

fn required_package(ctx: &Ctx<'_>, p: &Params<'_>) -> Result<Outcome, String> {
    let name = p.required("name")?;
    let version = p.str("version");
    let minimum = p.word("version_match_type").as_deref() == Some("minimum");
    let named: Vec<&Package> = ctx.sbom.packages.iter().filter(|q| q.name == name).collect();
    let Some(want) = version else {
        if named.is_empty() {
            return Ok(Outcome::fired(vec![Fired::new(
                name,
                name,
                format!("required package {name} is not installed"),
            )]));
        }
        return Ok(Outcome::default());
    };
    let satisfied = named.iter().any(|q| {
        if !minimum {
            return q.version == want;
        }
        match scheme_for(q.ty).map(|s| compare(s, &q.version, want)) {
            Some(Ok(o)) => o != Ordering::Less,
            // No ordering for the type, or a version that does not parse: only equality counts.
            _ => q.version == want,
        }
    });
    if satisfied {
        return Ok(Outcome::default());
    }
    let found = if named.is_empty() {
        "it is not installed".to_string()
    } else {
        let v: Vec<&str> = named.iter().map(|q| q.version.as_str()).collect();
        format!("installed: {}", v.join(", "))
    };
    let what = if minimum {
        format!("{want} or later")
    } else {
        want.to_string()
    };
    Ok(Outcome::fired(vec![Fired::new(
        name,
        name,
        format!("required package {name} {what} is not installed ({found})"),
    )]))
}

fn denylist(ctx: &Ctx<'_>, p: &Params<'_>) -> Result<Outcome, String> {
    let name = p.required("name")?;
    let version = p.str("version");
    let ty = p.word("package_type");
    Ok(Outcome::fired(
        ctx.sbom
            .packages
            .iter()
            .filter(|q| glob_match(name, &q.name))
            .filter(|q| version.is_none_or(|v| glob_match(v, &q.version)))
            .filter(|q| ty.as_deref().is_none_or(|t| q.ty.as_str() == t))
            .map(|q| {
                Fired::new(
                    q.name.clone(),
                    format!("{}@{}", q.name, q.version),
                    format!("deny-listed package {} {} ({}) is installed", q.name, q.version, q.ty),
                )
                .at(origin(q))
            })
            .collect(),
    ))
}

fn verify(ctx: &Ctx<'_>, p: &Params<'_>) -> Result<Outcome, String> {
    let a = match need_analysis(ctx) {
        Ok(a) => a,
        Err(o) => return Ok(o),
    };
    if !a.searched.verify {
        return Ok(Outcome::unavailable(
            "package files were not verified against the package databases",
        ));
    }
    let check = p.word("check").unwrap_or_else(|| "any".to_string());
    let packages = p.list("only_packages");
    let dirs = p.list("only_directories");
    Ok(Outcome::fired(
        a.verify
            .iter()
            .filter(|v| match check.as_str() {
                "changed" => v.problem == VerifyProblem::Changed,
                "missing" => v.problem == VerifyProblem::Missing,
                _ => true,
            })
            .filter(|v| packages.is_empty() || packages.iter().any(|g| glob_match(g, &v.package)))
            .filter(|v| {
                dirs.is_empty()
                    || dirs.iter().any(|d| {
                        let d = d.trim_end_matches('/');
                        v.path.strip_prefix(d).is_some_and(|rest| rest.starts_with('/'))
                    })
            })
            .map(|v| {
                let what = match v.problem {
                    VerifyProblem::Changed => "was changed (its digest differs from the package database's)",
                    VerifyProblem::Missing => "is missing",
                };
                let f = Fired::new(
                    v.path.clone(),
                    v.path.clone(),
                    format!("{} of package {} {what}", v.path, v.package),
                );
                match v.layer {
                    Some(l) => f.at(Origin::Layer(l)),
                    None => f,
                }
            })
            .collect(),
    ))
}
