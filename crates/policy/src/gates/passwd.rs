//! Gate `passwd`: the users of the image's `/etc/passwd`.

use vigil_types::PasswdEntry;

use super::{need_analysis, param, Ctx, Fired, GateSpec, Outcome, ParamKind, TriggerSpec};
use crate::params::Params;

pub(super) const GATE: GateSpec = GateSpec {
    name: "passwd",
    aliases: &["passwd_file"],
    description: "The users of the final filesystem's /etc/passwd (an image without one fires nothing).",
    triggers: &[
        TriggerSpec {
            name: "denylist_usernames",
            description: "Fires for each listed user name present. Trigger id: the user name.",
            params: &[param("usernames", ParamKind::List, true, "User names.", "ftp,games")],
            eval: usernames,
            check: None,
        },
        TriggerSpec {
            name: "denylist_uids",
            description: "Fires for each user with a listed uid. Trigger id: the user name.",
            params: &[param("uids", ParamKind::List, true, "Numeric uids.", "0")],
            eval: uids,
            check: Some(check_uids),
        },
        TriggerSpec {
            name: "denylist_gids",
            description: "Fires for each user whose primary gid is listed. Trigger id: the user name.",
            params: &[param("gids", ParamKind::List, true, "Numeric gids.", "0")],
            eval: gids,
            check: Some(check_gids),
        },
        TriggerSpec {
            name: "denylist_shells",
            description: "Fires for each user whose login shell is listed. Trigger id: the user name.",
            params: &[param(
                "shells",
                ParamKind::List,
                true,
                "Shell paths.",
                "/bin/bash,/bin/sh",
            )],
            eval: shells,
            check: None,
        },
    ],
};

fn numbers(p: &Params<'_>, name: &str) -> Result<Vec<u32>, String> {
    p.list(name)
        .iter()
        .map(|v| {
            v.parse::<u32>()
                .map_err(|_| format!("parameter {name}: expected numbers, got {v:?}"))
        })
        .collect()
}

fn check_uids(p: &Params<'_>) -> Result<(), String> {
    numbers(p, "uids").map(|_| ())
}

fn check_gids(p: &Params<'_>) -> Result<(), String> {
    numbers(p, "gids").map(|_| ())
}

fn run(ctx: &Ctx<'_>, hit: impl Fn(&PasswdEntry) -> Option<String>) -> Result<Outcome, String> {
    let a = match need_analysis(ctx) {
        Ok(a) => a,
        Err(o) => return Ok(o),
    };
    let users = a.passwd.as_deref().unwrap_or(&[]);
    Ok(Outcome::fired(
        users
            .iter()
            .filter_map(|e| {
                hit(e).map(|why| {
                    Fired::new(
                        e.name.clone(),
                        e.name.clone(),
                        format!(
                            "/etc/passwd has user {} (uid {}, gid {}, shell {}): {why}",
                            e.name,
                            e.uid,
                            e.gid,
                            if e.shell.is_empty() { "none" } else { &e.shell }
                        ),
                    )
                })
            })
            .collect(),
    ))
}

fn usernames(ctx: &Ctx<'_>, p: &Params<'_>) -> Result<Outcome, String> {
    let names = p.list("usernames");
    run(ctx, |e| {
        names
            .contains(&e.name.as_str())
            .then(|| "a denied user name".to_string())
    })
}

fn uids(ctx: &Ctx<'_>, p: &Params<'_>) -> Result<Outcome, String> {
    let ids = numbers(p, "uids")?;
    run(ctx, |e| {
        ids.contains(&e.uid).then(|| format!("uid {} is denied", e.uid))
    })
}

fn gids(ctx: &Ctx<'_>, p: &Params<'_>) -> Result<Outcome, String> {
    let ids = numbers(p, "gids")?;
    run(ctx, |e| {
        ids.contains(&e.gid).then(|| format!("gid {} is denied", e.gid))
    })
}

fn shells(ctx: &Ctx<'_>, p: &Params<'_>) -> Result<Outcome, String> {
    let list = p.list("shells");
    run(ctx, |e| {
        list.contains(&e.shell.as_str())
            .then(|| format!("shell {} is denied", e.shell))
    })
}
