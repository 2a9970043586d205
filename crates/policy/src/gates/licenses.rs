//! Gate `licenses`: licences the packages declare.

use vigil_types::Package;

use super::{param, Ctx, Fired, GateSpec, Origin, Outcome, ParamKind, TriggerSpec};
use crate::params::Params;

pub(super) const GATE: GateSpec = GateSpec {
    name: "licenses",
    aliases: &["licences"],
    description: "Licences the packages declare (SPDX expressions are split into their licences).",
    triggers: &[
        TriggerSpec {
            name: "denylist_exact_match",
            description: "Fires for each package declaring a listed licence (compared whole, ignoring case). Trigger id: `<licence>+<package name>`.",
            params: &[param("licenses", ParamKind::List, true, "Licence names or SPDX ids.", "GPL-3.0-only,AGPL-3.0-only")],
            eval: exact,
            check: None,
        },
        TriggerSpec {
            name: "denylist_partial_match",
            description: "Fires for each package declaring a licence that contains a listed text (ignoring case). Trigger id: `<licence>+<package name>`.",
            params: &[param("licenses", ParamKind::List, true, "Parts of licence names.", "GPL,SSPL")],
            eval: partial,
            check: None,
        },
    ],
};

/// The licences of a package: each declared string, an SPDX expression split into its ids.
fn licences(p: &Package) -> Vec<&str> {
    let mut out = Vec::new();
    for l in &p.licenses {
        let l = l.trim();
        let is_expression = l.contains(['(', ')'])
            || [" AND ", " OR ", " WITH ", " and ", " or "]
                .iter()
                .any(|op| l.contains(op));
        if !is_expression {
            out.push(l);
            continue;
        }
        for word in l.split(|c: char| c.is_whitespace() || c == '(' || c == ')') {
            if !word.is_empty() && !matches!(word, "AND" | "OR" | "WITH" | "and" | "or" | "with") {
                out.push(word);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn run(ctx: &Ctx<'_>, p: &Params<'_>, hit: fn(&str, &str) -> bool, how: &str) -> Result<Outcome, String> {
    let wanted = p.list("licenses");
    if wanted.is_empty() {
        return Err("parameter licenses is required".to_string());
    }
    let mut fired = Vec::new();
    for pkg in &ctx.sbom.packages {
        for l in licences(pkg) {
            if let Some(w) = wanted.iter().find(|w| hit(l, w)) {
                let f = Fired::new(
                    format!("{l}+{}", pkg.name),
                    format!("{}@{}", pkg.name, pkg.version),
                    format!(
                        "package {} {} ({}) has licence {l} ({how} {w})",
                        pkg.name, pkg.version, pkg.ty
                    ),
                );
                fired.push(match &pkg.layer {
                    Some(d) => f.at(Origin::DiffId(d.to_string())),
                    None => f,
                });
            }
        }
    }
    Ok(Outcome::fired(fired))
}

fn exact(ctx: &Ctx<'_>, p: &Params<'_>) -> Result<Outcome, String> {
    run(ctx, p, |l, w| l.eq_ignore_ascii_case(w), "deny-listed:")
}

fn partial(ctx: &Ctx<'_>, p: &Params<'_>) -> Result<Outcome, String> {
    run(
        ctx,
        p,
        |l, w| l.to_ascii_lowercase().contains(&w.to_ascii_lowercase()),
        "contains deny-listed",
    )
}
