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
use vigil_yaml::{self as yaml, Kind, Node};

pub use vigil_rules::Selection;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    pub rules_files: Vec<PathBuf>,
    pub priority: Option<String>,
    pub rule_matching: Option<String>,
    pub rules: Vec<Selection>,
    /// The probe's ring buffer, bytes (a power of two).
    pub ring_bytes: Option<usize>,
    /// Sections handed to other crates' serde configs, as JSON, with where they are.
    pub sections: Vec<Section>,
}

/// A section of the file (`outputs`, `throttle`, `responses`) for a serde config elsewhere.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub key: String,
    pub value: serde_json::Value,
    /// Every mapping key in the section with its place, to point serde's errors at the file.
    pub keys: Vec<(String, String)>,
    pub at: String,
}

impl Section {
    /// Deserialises the section; an error names the file, line and column of the offending key
    /// when serde names one.
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_value(self.value.clone()).map_err(|e| {
            let msg = e.to_string();
            // serde names the offending key as "unknown field `x`" (or variant); find it.
            let named = ["unknown field `", "unknown variant `"].iter().find_map(|p| {
                msg.split_once(p)
                    .and_then(|(_, rest)| rest.split_once('`'))
                    .map(|(k, _)| k)
            });
            let place = named
                .and_then(|k| self.keys.iter().find(|(key, _)| key == k))
                .map_or(self.at.as_str(), |(_, at)| at.as_str());
            anyhow!("{place}: in `{}`: {msg}", self.key)
        })
    }
}

/// YAML → JSON for a serde config: scalars become numbers or booleans when they read as such.
fn to_json(file: &Path, n: &Node, keys: &mut Vec<(String, String)>) -> serde_json::Value {
    use serde_json::Value;
    match &n.kind {
        Kind::Scalar(s, style) => {
            if n.is_null() {
                return Value::Null;
            }
            if *style == yaml::Style::Plain {
                if let Some(b) = n.as_bool() {
                    return Value::Bool(b);
                }
                if let Ok(i) = s.parse::<i64>() {
                    return Value::from(i);
                }
                if let Ok(f) = s.parse::<f64>() {
                    if f.is_finite() {
                        return Value::from(f);
                    }
                }
            }
            Value::String(s.clone())
        }
        Kind::Seq(items) => Value::Array(items.iter().map(|i| to_json(file, i, keys)).collect()),
        Kind::Map(pairs) => {
            let mut m = serde_json::Map::new();
            for (k, v) in pairs {
                let key = k.as_str().unwrap_or("").to_string();
                keys.push((key.clone(), at(file, k)));
                m.insert(key, to_json(file, v, keys));
            }
            Value::Object(m)
        }
    }
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
                Some("ring_bytes") => {
                    let n = string(file, v, "ring_bytes")?;
                    let n: usize = n
                        .parse()
                        .ok()
                        .filter(|n: &usize| n.is_power_of_two() && *n >= 4096)
                        .ok_or_else(|| anyhow!("{}: `ring_bytes` is a power of two of at least 4096, found {n}", at(file, v)))?;
                    cfg.ring_bytes = Some(n);
                }
                Some("rules") => {
                    let Kind::Seq(items) = &v.kind else {
                        bail!("{}: `rules` is a list of enable/disable entries", at(file, v));
                    };
                    for i in items {
                        cfg.rules.push(selection(file, i)?);
                    }
                }
                Some(key @ ("outputs" | "throttle" | "responses")) => {
                    let mut keys = Vec::new();
                    let value = to_json(file, v, &mut keys);
                    cfg.sections.push(Section { key: key.to_string(), value, keys, at: at(file, k) });
                }
                other => bail!(
                    "{}: unknown key {:?} (known: rules_files, priority, rule_matching, rules, ring_bytes, outputs, throttle, responses)",
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

    pub fn section(&self, key: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.key == key)
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
    fn sections_become_json_and_errors_point_at_their_keys() {
        #[derive(serde::Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Out {
            r#type: String,
            min_priority: Option<String>,
            queue: Option<u32>,
            tls: Option<bool>,
        }
        let text = "outputs:\n  - type: syslog\n    queue: 100\n    tls: yes\n  - type: file\n    pathh: /x\n";
        let c = Config::parse(Path::new("v.yaml"), text).unwrap();
        let s = c.section("outputs").unwrap();
        assert_eq!(s.value[0]["queue"], 100);
        assert_eq!(s.value[0]["tls"], true);
        let e = s.parse::<Vec<Out>>().unwrap_err().to_string();
        assert!(e.starts_with("v.yaml:6:5: in `outputs`: unknown field `pathh`"), "{e}");
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
