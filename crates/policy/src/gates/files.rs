//! Gate `files`: the final filesystem's entries (names, modes, digests) and content matches.

use vigil_types::{FileEntry, FileEntryKind, FoundIn};

use super::{need_analysis, param, Ctx, Fired, GateSpec, Origin, Outcome, ParamKind, TriggerSpec};
use crate::glob_match;
use crate::params::Params;

pub(super) const GATE: GateSpec = GateSpec {
    name: "files",
    aliases: &[],
    description: "The files of the image's final filesystem, and matches of content regexes in every layer.",
    triggers: &[
        TriggerSpec {
            name: "name_match",
            description: "Fires for each file whose path matches the regex. Trigger id: the path.",
            params: &[param("regex", ParamKind::Regex, true, "Regex searched in absolute paths.", "\\.(pem|key)$")],
            eval: name_match,
            check: None,
        },
        TriggerSpec {
            name: "content_regex_match",
            description: "Fires for each place a content regex matched (files of every layer, including files a later layer deleted). The regex is given to the analysis (see `needs`). Trigger id: the path.",
            params: &[param("regex", ParamKind::Regex, true, "Regex searched in file contents, line by line.", "BEGIN (RSA|EC) PRIVATE KEY")],
            eval: content_regex_match,
            check: None,
        },
        TriggerSpec {
            name: "attribute_match",
            description: "Fires when a file exists whose mode and/or sha256 meet the conditions. Trigger id: the path.",
            params: &[
                param("path", ParamKind::Str, true, "Absolute path, or a glob.", "/etc/shadow"),
                param("mode", ParamKind::Mode, false, "Permission bits compared with mode_op.", "0644"),
                param("mode_op", ParamKind::Enum(&["=", "!=", "any_set", "all_set", "none_set"]), false, "= (default), !=, any_set (any of the bits set), all_set, none_set.", "any_set"),
                param("checksum", ParamKind::Str, false, "sha256 of the content, hex (needs file digests, see `needs`).", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
                param("checksum_match", ParamKind::Enum(&["equals", "not_equals"]), false, "equals (default) or not_equals.", "not_equals"),
            ],
            eval: attribute_match,
            check: Some(check_attribute),
        },
        TriggerSpec {
            name: "suid_or_sgid_set",
            description: "Fires for each regular file with the setuid or setgid bit. Trigger id: the path.",
            params: &[param("exclude_paths", ParamKind::List, false, "Globs of paths to leave out.", "/usr/bin/passwd,/bin/su")],
            eval: suid_or_sgid,
            check: None,
        },
        TriggerSpec {
            name: "world_writable",
            description: "Fires for each file or directory anyone can write; directories with the sticky bit (like /tmp) are not reported. Trigger id: the path.",
            params: &[param("exclude_paths", ParamKind::List, false, "Globs of paths to leave out.", "/var/tmp/*")],
            eval: world_writable,
            check: None,
        },
    ],
};

fn file_fired(e: &FileEntry, message: String) -> Fired {
    Fired::new(e.path.clone(), e.path.clone(), message).at(Origin::Layer(e.layer))
}

fn name_match(ctx: &Ctx<'_>, p: &Params<'_>) -> Result<Outcome, String> {
    let a = match need_analysis(ctx) {
        Ok(a) => a,
        Err(o) => return Ok(o),
    };
    let re = p.regex("regex")?.ok_or("parameter regex is required")?;
    Ok(Outcome::fired(
        a.files
            .iter()
            .filter(|e| re.is_match(&e.path))
            .map(|e| file_fired(e, format!("{} matches name regex {}", e.path, re.as_str())))
            .collect(),
    ))
}

fn content_regex_match(ctx: &Ctx<'_>, p: &Params<'_>) -> Result<Outcome, String> {
    let a = match need_analysis(ctx) {
        Ok(a) => a,
        Err(o) => return Ok(o),
    };
    let regex = p.required("regex")?;
    if !a.searched.content_regexes.iter().any(|r| r == regex) {
        return Ok(Outcome::unavailable(format!(
            "the analysis did not search file contents for {regex:?}"
        )));
    }
    let mut fired = Vec::new();
    for m in a.content_matches.iter().filter(|m| m.regex == regex) {
        fired.push(match &m.found_in {
            FoundIn::File {
                path,
                layer,
                line,
                deleted,
            } => {
                let gone = if *deleted { " (deleted by a later layer)" } else { "" };
                Fired::new(
                    path.clone(),
                    path.clone(),
                    format!("{path} line {line} matches content regex {regex}{gone}"),
                )
                .at(Origin::Layer(*layer))
            }
            FoundIn::Env { name } => Fired::new(
                format!("env:{name}"),
                format!("env:{name}"),
                format!("environment variable {name} matches content regex {regex}"),
            ),
        });
    }
    Ok(Outcome::fired(fired))
}

fn check_attribute(p: &Params<'_>) -> Result<(), String> {
    if p.str("mode").is_none() && p.str("checksum").is_none() {
        return Err("give mode or checksum (or both)".to_string());
    }
    if p.str("mode_op").is_some() && p.str("mode").is_none() {
        return Err("parameter mode_op needs mode".to_string());
    }
    if let Some(c) = p.str("checksum") {
        let hex = c.strip_prefix("sha256:").unwrap_or(c);
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "parameter checksum: expected 64 hex digits of a sha256, got {c:?}"
            ));
        }
    }
    Ok(())
}

fn attribute_match(ctx: &Ctx<'_>, p: &Params<'_>) -> Result<Outcome, String> {
    let a = match need_analysis(ctx) {
        Ok(a) => a,
        Err(o) => return Ok(o),
    };
    check_attribute(p)?;
    let path = p.required("path")?;
    let mode = p.mode("mode")?;
    let op = p.str("mode_op").unwrap_or("=");
    let checksum = p
        .str("checksum")
        .map(|c| c.strip_prefix("sha256:").unwrap_or(c).to_ascii_lowercase());
    let equals = p.word("checksum_match").as_deref() != Some("not_equals");
    if checksum.is_some() && !a.searched.digests {
        return Ok(Outcome::unavailable("file digests were not computed by the analysis"));
    }
    let mut fired = Vec::new();
    for e in a.files.iter().filter(|e| glob_match(path, &e.path)) {
        let mut why = Vec::new();
        if let Some(m) = mode {
            let have = e.mode & 0o7777;
            let hit = match op {
                "!=" => have != m,
                "any_set" => have & m != 0,
                "all_set" => have & m == m,
                "none_set" => have & m == 0,
                _ => have == m,
            };
            if !hit {
                continue;
            }
            why.push(format!("mode {have:04o} {op} {m:04o}"));
        }
        if let Some(want) = &checksum {
            let Some(have) = &e.sha256 else { continue };
            if (have.eq_ignore_ascii_case(want)) != equals {
                continue;
            }
            let how = if equals { "equals" } else { "does not equal" };
            why.push(format!("sha256 {have} {how} {want}"));
        }
        fired.push(file_fired(e, format!("{}: {}", e.path, why.join(", "))));
    }
    Ok(Outcome::fired(fired))
}

fn excluded(excludes: &[&str], path: &str) -> bool {
    excludes.iter().any(|g| glob_match(g, path))
}

fn suid_or_sgid(ctx: &Ctx<'_>, p: &Params<'_>) -> Result<Outcome, String> {
    let a = match need_analysis(ctx) {
        Ok(a) => a,
        Err(o) => return Ok(o),
    };
    let excludes = p.list("exclude_paths");
    Ok(Outcome::fired(
        a.files
            .iter()
            .filter(|e| matches!(e.kind, FileEntryKind::File | FileEntryKind::Hardlink) && e.mode & 0o6000 != 0)
            .filter(|e| !excluded(&excludes, &e.path))
            .map(|e| {
                let bits = match (e.mode & 0o4000 != 0, e.mode & 0o2000 != 0) {
                    (true, true) => "setuid and setgid",
                    (true, false) => "setuid",
                    _ => "setgid",
                };
                file_fired(
                    e,
                    format!(
                        "{} is {bits} (mode {:04o}, owner {}:{})",
                        e.path,
                        e.mode & 0o7777,
                        e.uid,
                        e.gid
                    ),
                )
            })
            .collect(),
    ))
}

fn world_writable(ctx: &Ctx<'_>, p: &Params<'_>) -> Result<Outcome, String> {
    let a = match need_analysis(ctx) {
        Ok(a) => a,
        Err(o) => return Ok(o),
    };
    let excludes = p.list("exclude_paths");
    Ok(Outcome::fired(
        a.files
            .iter()
            .filter(|e| e.kind != FileEntryKind::Symlink && e.mode & 0o002 != 0)
            .filter(|e| !(e.kind == FileEntryKind::Dir && e.mode & 0o1000 != 0))
            .filter(|e| !excluded(&excludes, &e.path))
            .map(|e| {
                let what = if e.kind == FileEntryKind::Dir {
                    "directory"
                } else {
                    "file"
                };
                file_fired(
                    e,
                    format!("{what} {} is world-writable (mode {:04o})", e.path, e.mode & 0o7777),
                )
            })
            .collect(),
    ))
}
