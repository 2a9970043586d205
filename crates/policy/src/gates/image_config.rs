//! Gate `image_config` (Anchore's `dockerfile`): the image configuration and its history.

use vigil_types::ImageConfig;

use super::{param, Ctx, Fired, GateSpec, Origin, Outcome, ParamKind, TriggerSpec, ALLOW_DENY};
use crate::history::INSTRUCTIONS;
use crate::params::{compile_regex, split_list, Params};
use crate::{glob_match, ImageRef};

/// The label that names the base image (OCI image spec annotations).
pub(crate) const BASE_NAME_LABEL: &str = "org.opencontainers.image.base.name";

const CHECKS: &[&str] = &["=", "!=", "exists", "not_exists", "like", "in", "not_in"];

pub(super) const GATE: GateSpec = GateSpec {
    name: "image_config",
    aliases: &["dockerfile"],
    description: "The image configuration (user, ports, labels, healthcheck) and the Dockerfile instructions its history records.",
    triggers: &[
        TriggerSpec {
            name: "instruction",
            description: "Checks the Dockerfile instructions of the image history (`created_by` lines; FROM is not recorded). Fires for each line that meets the check, or once for not_exists. Trigger id: `<INSTRUCTION>:<value>` (`<INSTRUCTION>` for not_exists).",
            params: &[
                param("instruction", ParamKind::Enum(INSTRUCTIONS), true, "The instruction checked.", "RUN"),
                param("check", ParamKind::Enum(CHECKS), true, "= and != compare the value; like is a regex search; in and not_in a comma-separated list; exists and not_exists need no value.", "like"),
                param("value", ParamKind::Str, false, "What the instruction's arguments are compared with.", "curl .*\\| *(ba)?sh"),
            ],
            eval: instruction,
            check: Some(check_instruction),
        },
        TriggerSpec {
            name: "effective_user",
            description: "Checks the user the container runs as (`USER`; unset means root). A numeric uid is named through /etc/passwd when analysed, and uid 0 is root. Trigger id: `user:<name>`.",
            params: &[
                param("users", ParamKind::List, true, "User names or uids.", "root,0"),
                param("type", ALLOW_DENY, false, "deny (default): fires when the user is listed; allow: fires when it is not.", "deny"),
            ],
            eval: effective_user,
            check: None,
        },
        TriggerSpec {
            name: "exposed_ports",
            description: "Checks the ports the image exposes (`EXPOSE`). A port without protocol matches both; `8000-8100` is a range. Trigger id: `port:<port>/<proto>`.",
            params: &[
                param("ports", ParamKind::List, true, "Ports, `port/proto` or ranges.", "22,23/tcp,6000-6063"),
                param("type", ALLOW_DENY, false, "deny (default): fires for each listed port exposed; allow: fires for each exposed port not listed.", "deny"),
            ],
            eval: exposed_ports,
            check: None,
        },
        TriggerSpec {
            name: "no_healthcheck",
            description: "Fires when the image has no HEALTHCHECK (or `HEALTHCHECK NONE`). Trigger id: `healthcheck`.",
            params: &[],
            eval: no_healthcheck,
            check: None,
        },
        TriggerSpec {
            name: "required_labels",
            description: "Fires for each listed label the image lacks (`key`, or `key=value` for a value too). Trigger id: `label:<key>`.",
            params: &[param("labels", ParamKind::List, true, "Labels required.", "org.opencontainers.image.source,maintainer")],
            eval: required_labels,
            check: None,
        },
        TriggerSpec {
            name: "no_history",
            description: "Fires when the image has no history, so instruction checks and base-image attribution cannot work. Trigger id: `no_history`.",
            params: &[],
            eval: no_history,
            check: None,
        },
        TriggerSpec {
            name: "base_image",
            description: "Checks the base image's name: from `--base IMAGE`, else the label org.opencontainers.image.base.name. Patterns are globs matched against the name as given and in full form (`docker.io/library/python:3.12`). Trigger id: `base:<name>`.",
            params: &[
                param("allow", ParamKind::List, false, "Fires when the base image matches none of these.", "docker.io/library/python:*,gcr.io/distroless/*"),
                param("deny", ParamKind::List, false, "Fires when the base image matches one of these.", "*:latest"),
            ],
            eval: base_image,
            check: Some(check_base_image),
        },
    ],
};

fn config<'a>(ctx: &Ctx<'a>) -> Result<&'a ImageConfig, Outcome> {
    ctx.sbom.config.as_ref().ok_or_else(|| {
        Outcome::unavailable("the SBOM has no image configuration (not an image, or a format that drops it)")
    })
}

fn check_instruction(p: &Params<'_>) -> Result<(), String> {
    let check = p.word("check").unwrap_or_default();
    match (check.as_str(), p.str("value")) {
        ("exists" | "not_exists", _) => Ok(()),
        (_, None) => Err(format!("parameter value is required with check {check}")),
        ("like", Some(v)) => compile_regex(v)
            .map(|_| ())
            .map_err(|e| format!("parameter value: invalid regex: {e}")),
        _ => Ok(()),
    }
}

fn clip(s: &str) -> &str {
    match s.char_indices().nth(200) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

fn instruction(ctx: &Ctx<'_>, p: &Params<'_>) -> Result<Outcome, String> {
    if let Err(o) = config(ctx) {
        return Ok(o);
    }
    check_instruction(p)?;
    if ctx.history.is_empty() {
        return Ok(Outcome::unavailable("the image has no history"));
    }
    let name = p.required("instruction")?.to_ascii_uppercase();
    let check = p.word("check").ok_or("parameter check is required")?;
    let value = p.str("value").unwrap_or("");
    let lines: Vec<_> = ctx.history.iter().filter(|i| i.name == name).collect();
    if check == "not_exists" {
        if lines.is_empty() {
            return Ok(Outcome::fired(vec![Fired::new(
                name.clone(),
                name.clone(),
                format!("the image history has no {name} instruction"),
            )]));
        }
        return Ok(Outcome::default());
    }
    let regex = if check == "like" {
        Some(compile_regex(value)?)
    } else {
        None
    };
    let list: Vec<&str> = split_list(value).collect();
    let mut fired = Vec::new();
    for ins in lines {
        let v = ins.value.as_str();
        let hit = match check.as_str() {
            "exists" => true,
            "=" => v == value,
            "!=" => v != value,
            "like" => regex.as_ref().is_some_and(|r| r.is_match(v)),
            "in" => list.contains(&v),
            "not_in" => !list.contains(&v),
            other => return Err(format!("parameter check: unknown check {other:?}")),
        };
        if hit {
            let why = if check == "exists" {
                String::new()
            } else {
                format!(" ({check} {value})")
            };
            fired.push(
                Fired::new(
                    format!("{name}:{}", clip(v)),
                    format!("{name} {}", clip(v)),
                    format!("history entry {}: {name} {}{why}", ins.history, clip(v)),
                )
                .at(Origin::History(ins.history)),
            );
        }
    }
    Ok(Outcome::fired(fired))
}

/// The history entry that last set `instruction`, if the history shows one.
fn last_of(ctx: &Ctx<'_>, instruction: &str, contains: &str) -> Origin {
    ctx.history
        .iter()
        .rev()
        .find(|i| i.name == instruction && i.value.contains(contains))
        .map_or(Origin::None, |i| Origin::History(i.history))
}

fn effective_user(ctx: &Ctx<'_>, p: &Params<'_>) -> Result<Outcome, String> {
    let cfg = match config(ctx) {
        Ok(c) => c,
        Err(o) => return Ok(o),
    };
    let users = p.list("users");
    if users.is_empty() {
        return Err("parameter users is required".to_string());
    }
    let allow = p.word("type").as_deref() == Some("allow");
    let raw = cfg.user.split(':').next().unwrap_or("").trim();
    let unset = raw.is_empty();
    // The names the user goes by: as written, and the passwd name of a uid (or the uid of a name).
    let mut names: Vec<String> = vec![if unset { "root".to_string() } else { raw.to_string() }];
    let passwd = ctx.analysis.and_then(|a| a.passwd.as_deref()).unwrap_or(&[]);
    if let Ok(uid) = names[0].parse::<u32>() {
        if uid == 0 {
            names.push("root".to_string());
        }
        names.extend(passwd.iter().filter(|e| e.uid == uid).map(|e| e.name.clone()));
    } else {
        if names[0] == "root" {
            names.push("0".to_string());
        }
        let first = names[0].clone();
        names.extend(passwd.iter().filter(|e| e.name == first).map(|e| e.uid.to_string()));
    }
    let listed = users.iter().any(|u| names.iter().any(|n| n == u));
    if listed == allow {
        return Ok(Outcome::default());
    }
    let shown = names
        .iter()
        .find(|n| n.parse::<u32>().is_err())
        .unwrap_or(&names[0])
        .clone();
    let how = if unset {
        "no USER is set, so the container runs as root".to_string()
    } else {
        format!("the container runs as user {raw}")
    };
    let why = if allow {
        "not in the allowed users"
    } else {
        "a denied user"
    };
    Ok(Outcome::fired(vec![Fired::new(
        format!("user:{shown}"),
        shown,
        format!("{how} ({why})"),
    )
    .at(last_of(ctx, "USER", ""))]))
}

/// `22`, `22/tcp`, `8000-8100`, `8000-8100/udp` against an exposed `port/proto`.
fn port_matches(spec: &str, exposed: &str) -> bool {
    let (port, proto) = exposed.split_once('/').unwrap_or((exposed, "tcp"));
    let (want, want_proto) = match spec.split_once('/') {
        Some((w, p)) => (w, Some(p)),
        None => (spec, None),
    };
    if want_proto.is_some_and(|p| !p.eq_ignore_ascii_case(proto)) {
        return false;
    }
    let Ok(port) = port.parse::<u32>() else {
        return want == port;
    };
    match want.split_once('-') {
        Some((lo, hi)) => match (lo.trim().parse::<u32>(), hi.trim().parse::<u32>()) {
            (Ok(lo), Ok(hi)) => (lo..=hi).contains(&port),
            _ => false,
        },
        None => want.trim().parse::<u32>() == Ok(port),
    }
}

fn exposed_ports(ctx: &Ctx<'_>, p: &Params<'_>) -> Result<Outcome, String> {
    let cfg = match config(ctx) {
        Ok(c) => c,
        Err(o) => return Ok(o),
    };
    let ports = p.list("ports");
    if ports.is_empty() {
        return Err("parameter ports is required".to_string());
    }
    let allow = p.word("type").as_deref() == Some("allow");
    let mut fired = Vec::new();
    for exposed in &cfg.exposed_ports {
        let full = if exposed.contains('/') {
            exposed.clone()
        } else {
            format!("{exposed}/tcp")
        };
        let listed = ports.iter().any(|s| port_matches(s, &full));
        if listed != allow {
            let why = if allow { "not an allowed port" } else { "a denied port" };
            let number = full.split('/').next().unwrap_or("");
            fired.push(
                Fired::new(
                    format!("port:{full}"),
                    full.clone(),
                    format!("the image exposes port {full} ({why})"),
                )
                .at(last_of(ctx, "EXPOSE", number)),
            );
        }
    }
    Ok(Outcome::fired(fired))
}

fn no_healthcheck(ctx: &Ctx<'_>, _p: &Params<'_>) -> Result<Outcome, String> {
    let cfg = match config(ctx) {
        Ok(c) => c,
        Err(o) => return Ok(o),
    };
    let message = match cfg.healthcheck.as_deref() {
        None | Some([]) => "the image has no HEALTHCHECK",
        Some([first, ..]) if first.eq_ignore_ascii_case("NONE") => {
            "the image disables its health check (HEALTHCHECK NONE)"
        }
        Some(_) => return Ok(Outcome::default()),
    };
    Ok(Outcome::fired(vec![Fired::new("healthcheck", "HEALTHCHECK", message)]))
}

fn required_labels(ctx: &Ctx<'_>, p: &Params<'_>) -> Result<Outcome, String> {
    let cfg = match config(ctx) {
        Ok(c) => c,
        Err(o) => return Ok(o),
    };
    let mut fired = Vec::new();
    for want in p.list("labels") {
        let (key, value) = match want.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v.trim())),
            None => (want, None),
        };
        let message = match (cfg.labels.get(key), value) {
            (None, _) => format!("the image has no label {key}"),
            (Some(have), Some(v)) if have != v => format!("label {key} is {have:?}, not {v:?}"),
            _ => continue,
        };
        fired.push(Fired::new(format!("label:{key}"), key, message));
    }
    Ok(Outcome::fired(fired))
}

fn no_history(ctx: &Ctx<'_>, _p: &Params<'_>) -> Result<Outcome, String> {
    let cfg = match config(ctx) {
        Ok(c) => c,
        Err(o) => return Ok(o),
    };
    if !cfg.history.is_empty() {
        return Ok(Outcome::default());
    }
    Ok(Outcome::fired(vec![Fired::new(
        "no_history",
        "history",
        "the image has no history: its instructions cannot be checked",
    )]))
}

fn check_base_image(p: &Params<'_>) -> Result<(), String> {
    if p.list("allow").is_empty() && p.list("deny").is_empty() {
        return Err("give allow or deny (or both)".to_string());
    }
    Ok(())
}

/// The base image's name: `--base NAME` (the `how` of the given base layers), else the label.
pub(crate) fn base_name(ctx: &Ctx<'_>) -> Option<String> {
    if let Some(b) = &ctx.base {
        if let Some(name) = b.how.strip_prefix("--base") {
            let name = name.trim_start_matches([' ', '=']).trim();
            if !name.is_empty() {
                return Some(name.to_string());
            }
        }
    }
    ctx.sbom
        .config
        .as_ref()
        .and_then(|c| c.labels.get(BASE_NAME_LABEL))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn base_image(ctx: &Ctx<'_>, p: &Params<'_>) -> Result<Outcome, String> {
    check_base_image(p)?;
    let Some(name) = base_name(ctx) else {
        return Ok(Outcome::unavailable(format!(
            "the base image is not known (give --base IMAGE, or label the image with {BASE_NAME_LABEL})"
        )));
    };
    let full = ImageRef::parse(&name).to_string();
    let hit = |globs: &[&str]| {
        globs
            .iter()
            .find(|g| glob_match(g, &name) || glob_match(g, &full))
            .map(|g| g.to_string())
    };
    let deny = p.list("deny");
    let allow = p.list("allow");
    let message = if let Some(g) = hit(&deny) {
        format!("base image {name} is denied (matches {g})")
    } else if !allow.is_empty() && hit(&allow).is_none() {
        format!("base image {name} is not an allowed base image ({})", allow.join(", "))
    } else {
        return Ok(Outcome::default());
    };
    Ok(Outcome::fired(vec![Fired::new(format!("base:{name}"), name, message)]))
}

#[cfg(test)]
mod tests {
    use super::port_matches;

    #[test]
    fn port_specs() {
        assert!(port_matches("22", "22/tcp"));
        assert!(port_matches("22", "22/udp"));
        assert!(!port_matches("22/udp", "22/tcp"));
        assert!(port_matches("8000-8100", "8080/tcp"));
        assert!(!port_matches("8000-8100", "9000/tcp"));
        assert!(!port_matches("2", "22/tcp"));
    }
}
