//! Gate `secrets`: credentials found in the files of every layer and in environment variables.

use vigil_types::{FoundIn, SecretFinding};

use super::{need_analysis, param, Ctx, Fired, GateSpec, Origin, Outcome, ParamKind, TriggerSpec};
use crate::glob_match;
use crate::params::Params;

pub(super) const GATE: GateSpec = GateSpec {
    name: "secrets",
    aliases: &["secret_scans"],
    description: "Secrets (private keys, cloud access keys, tokens, Docker auth) in files of every layer, including files a later layer deleted, and in environment variables.",
    triggers: &[
        TriggerSpec {
            name: "content_match",
            description: "Fires for each secret the analysis found with the built-in patterns (and custom ones), filtered by category or rule id. Trigger id: `<rule>:<path>` or `<rule>:env:<NAME>`.",
            params: &[
                param("categories", ParamKind::List, false, "Only these categories: aws, gcp, azure, github, gitlab, slack, stripe, private-key, docker, jwt, generic, ...", "private-key,aws,gcp,azure"),
                param("rules", ParamKind::List, false, "Only these pattern ids.", "aws-access-key-id,private-key"),
                param("include_env", ParamKind::Bool, false, "Whether secrets in environment variables fire (default true).", "true"),
                param("include_deleted", ParamKind::Bool, false, "Whether secrets in files a later layer deleted fire (default true: they are still in the image's layers).", "true"),
                param("exclude_paths", ParamKind::List, false, "Globs of file paths to leave out.", "/usr/share/doc/*,*/test/*"),
            ],
            eval: content_match,
            check: None,
        },
        TriggerSpec {
            name: "custom",
            description: "A secret pattern of your own: the analysis searches every file (of every layer) for the regex, and each match fires. Trigger id: `<id>:<path>` or `<id>:env:<NAME>`.",
            params: &[
                param("id", ParamKind::Str, true, "The pattern's id (reported as the rule).", "acme-api-token"),
                param("regex", ParamKind::Regex, true, "The regex searched in file contents and environment variables.", "acme_[0-9a-f]{32}"),
                param("path_regex", ParamKind::Regex, false, "Only files whose path matches this regex.", "\\.(env|ya?ml|json)$"),
            ],
            eval: custom,
            check: None,
        },
    ],
};

fn fired(s: &SecretFinding) -> Fired {
    match &s.found_in {
        FoundIn::File {
            path,
            layer,
            line,
            deleted,
        } => {
            let gone = if *deleted {
                " (deleted by a later layer, still in the image's layers)"
            } else {
                ""
            };
            Fired::new(
                format!("{}:{path}", s.rule),
                path.clone(),
                format!(
                    "{} ({}) in {path} line {line}: {}{gone}",
                    s.title, s.category, s.redacted
                ),
            )
            .at(Origin::Layer(*layer))
        }
        FoundIn::Env { name } => Fired::new(
            format!("{}:env:{name}", s.rule),
            format!("env:{name}"),
            format!(
                "{} ({}) in environment variable {name}: {}",
                s.title, s.category, s.redacted
            ),
        ),
    }
}

fn content_match(ctx: &Ctx<'_>, p: &Params<'_>) -> Result<Outcome, String> {
    let a = match need_analysis(ctx) {
        Ok(a) => a,
        Err(o) => return Ok(o),
    };
    if a.searched.secret_rules.is_empty() {
        return Ok(Outcome::unavailable("the analysis did not search for secrets"));
    }
    let categories = p.list("categories");
    let rules = p.list("rules");
    let include_env = p.bool("include_env")?.unwrap_or(true);
    let include_deleted = p.bool("include_deleted")?.unwrap_or(true);
    let excludes = p.list("exclude_paths");
    let mut out = Outcome::default();
    let unsearched: Vec<&str> = rules
        .iter()
        .copied()
        .filter(|r| !a.searched.secret_rules.iter().any(|s| s == r))
        .collect();
    if !unsearched.is_empty() {
        out.unavailable.push(format!(
            "the analysis did not search for secret pattern(s) {}",
            unsearched.join(", ")
        ));
    }
    for s in &a.secrets {
        if !categories.is_empty() && !categories.iter().any(|c| c.eq_ignore_ascii_case(&s.category)) {
            continue;
        }
        if !rules.is_empty() && !rules.contains(&s.rule.as_str()) {
            continue;
        }
        match &s.found_in {
            FoundIn::Env { .. } if !include_env => continue,
            FoundIn::File { deleted: true, .. } if !include_deleted => continue,
            FoundIn::File { path, .. } if excludes.iter().any(|g| glob_match(g, path)) => continue,
            _ => {}
        }
        out.fired.push(fired(s));
    }
    Ok(out)
}

fn custom(ctx: &Ctx<'_>, p: &Params<'_>) -> Result<Outcome, String> {
    let a = match need_analysis(ctx) {
        Ok(a) => a,
        Err(o) => return Ok(o),
    };
    let id = p.required("id")?;
    if !a.searched.secret_rules.iter().any(|r| r == id) {
        return Ok(Outcome::unavailable(format!(
            "the analysis did not search for the custom secret pattern {id}"
        )));
    }
    Ok(Outcome::fired(
        a.secrets.iter().filter(|s| s.rule == id).map(fired).collect(),
    ))
}
