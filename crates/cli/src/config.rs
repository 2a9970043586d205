//! `vigil.yaml`: the runtime configuration. Every key is optional (`vigil watch` alone works);
//! an unknown key or a value of the wrong kind is an error naming the file, line and column.
//!
//! ```yaml
//! rules_files: [/etc/vigil/rules.d/local.yaml]   # default: Vigil's default rules
//! priority: warning                              # run rules of this priority or more severe
//! rule_matching: first                           # first | all
//! rules:                                         # applied in order; the later wins
//!   - disable: {rule: "Shell in *"}
//!   - enable: {tag: profile_nginx}
//! ```

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Result};
use vigil_rules::loader::yaml::{self, Kind, Node};

pub use vigil_rules::Selection;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    pub rules_files: Vec<PathBuf>,
    pub priority: Option<String>,
    pub rule_matching: Option<String>,
    pub rules: Vec<Selection>,
}

fn at(file: &Path, n: &Node) -> String {
    format!("{}:{}:{}", file.display(), n.mark.line, n.mark.col)
}

fn string(file: &Path, n: &Node, key: &str) -> Result<String> {
    match &n.kind {
        Kind::Scalar(s, _) => Ok(s.clone()),
        _ => bail!("{}: `{key}` must be a string, found {}", at(file, n), n.what()),
    }
}

fn strings(file: &Path, n: &Node, key: &str) -> Result<Vec<String>> {
    match &n.kind {
        Kind::Seq(items) => items.iter().map(|i| string(file, i, key)).collect(),
        Kind::Scalar(..) if n.is_null() => Ok(Vec::new()),
        _ => bail!("{}: `{key}` must be a list of strings, found {}", at(file, n), n.what()),
    }
}

fn selection(file: &Path, n: &Node) -> Result<Selection> {
    let Kind::Map(pairs) = &n.kind else {
        bail!(
            "{}: each `rules` entry is `enable:` or `disable:` with `rule:` or `tag:`",
            at(file, n)
        );
    };
    let [(k, v)] = pairs.as_slice() else {
        bail!(
            "{}: each `rules` entry has exactly one key, `enable` or `disable`",
            at(file, n)
        );
    };
    let enable = match k.as_str() {
        Some("enable") => true,
        Some("disable") => false,
        other => bail!(
            "{}: unknown key {:?} in `rules` (use enable or disable)",
            at(file, k),
            other.unwrap_or("")
        ),
    };
    let Kind::Map(inner) = &v.kind else {
        bail!(
            "{}: `{}` takes `rule: GLOB` or `tag: GLOB`",
            at(file, v),
            k.as_str().unwrap_or("")
        );
    };
    let [(what, glob)] = inner.as_slice() else {
        bail!(
            "{}: `{}` takes exactly one of `rule` or `tag`",
            at(file, v),
            k.as_str().unwrap_or("")
        );
    };
    let g = string(file, glob, "rule")?;
    Ok(match (enable, what.as_str()) {
        (true, Some("rule")) => Selection::EnableRule(g),
        (false, Some("rule")) => Selection::DisableRule(g),
        (true, Some("tag")) => Selection::EnableTag(g),
        (false, Some("tag")) => Selection::DisableTag(g),
        (_, other) => bail!(
            "{}: unknown key {:?} (use rule or tag)",
            at(file, what),
            other.unwrap_or("")
        ),
    })
}

impl Config {
    pub fn parse(file: &Path, text: &str) -> Result<Config> {
        let docs = yaml::parse(text)
            .map_err(|e| anyhow!("{}:{}:{}: {}", file.display(), e.mark.line, e.mark.col, e.message))?;
        let mut cfg = Config::default();
        let Some(root) = docs.first() else { return Ok(cfg) };
        if root.is_null() {
            return Ok(cfg);
        }
        let Kind::Map(pairs) = &root.kind else {
            bail!(
                "{}: the configuration is a mapping of keys, found {}",
                at(file, root),
                root.what()
            );
        };
        let base = file.parent().unwrap_or(Path::new("."));
        for (k, v) in pairs {
            match k.as_str() {
                Some("rules_files") => {
                    cfg.rules_files = strings(file, v, "rules_files")?
                        .into_iter()
                        .map(|p| base.join(p))
                        .collect()
                }
                Some("priority") => cfg.priority = Some(string(file, v, "priority")?),
                Some("rule_matching") => cfg.rule_matching = Some(string(file, v, "rule_matching")?),
                Some("rules") => {
                    let Kind::Seq(items) = &v.kind else {
                        bail!("{}: `rules` is a list of enable/disable entries", at(file, v));
                    };
                    for i in items {
                        cfg.rules.push(selection(file, i)?);
                    }
                }
                other => bail!(
                    "{}: unknown key {:?} (known: rules_files, priority, rule_matching, rules)",
                    at(file, k),
                    other.unwrap_or("")
                ),
            }
        }
        Ok(cfg)
    }

    /// `--config FILE`, else `$VIGIL_CONFIG`, else `/etc/vigil/vigil.yaml` when it exists, else
    /// the defaults.
    pub fn find(explicit: Option<&Path>) -> Result<Config> {
        if let Some(p) = explicit {
            return Config::load(p);
        }
        if let Some(p) = std::env::var_os("VIGIL_CONFIG") {
            return Config::load(Path::new(&p));
        }
        let system = Path::new("/etc/vigil/vigil.yaml");
        if system.exists() {
            return Config::load(system);
        }
        Ok(Config::default())
    }

    pub fn load(file: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(file).map_err(|e| anyhow!("{}: {e}", file.display()))?;
        Config::parse(file, &text)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_full_file() {
        let text = "rules_files: [local.yaml]\npriority: warning\nrule_matching: all\nrules:\n  - disable: {rule: \"Shell in *\"}\n  - enable: {tag: profile_nginx}\n";
        let c = Config::parse(Path::new("/etc/vigil/vigil.yaml"), text).unwrap();
        assert_eq!(c.rules_files, vec![PathBuf::from("/etc/vigil/local.yaml")]);
        assert_eq!(c.priority.as_deref(), Some("warning"));
        assert_eq!(c.rule_matching.as_deref(), Some("all"));
        assert_eq!(
            c.rules,
            vec![
                Selection::DisableRule("Shell in *".into()),
                Selection::EnableTag("profile_nginx".into())
            ]
        );
    }

    #[test]
    fn unknown_keys_name_the_place() {
        let e = Config::parse(Path::new("v.yaml"), "priority: warning\nrule_file: x\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("v.yaml:2:1: unknown key \"rule_file\""), "{e}");
        let e = Config::parse(Path::new("v.yaml"), "rules:\n  - disable: {rules: x}\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("v.yaml:2:") && e.contains("rule or tag"), "{e}");
        let e = Config::parse(Path::new("v.yaml"), "priority: [a]\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("v.yaml:1:") && e.contains("must be a string"), "{e}");
        let e = Config::parse(Path::new("v.yaml"), "rules: [\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("v.yaml:"), "{e}");
    }

    #[test]
    fn empty_is_fine() {
        assert_eq!(Config::parse(Path::new("v.yaml"), "").unwrap(), Config::default());
        assert_eq!(
            Config::parse(Path::new("v.yaml"), "# nothing\n").unwrap(),
            Config::default()
        );
    }
}
