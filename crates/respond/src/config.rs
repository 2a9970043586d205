//! The `responses` section of vigil.yaml: which alerts trigger which action.
//!
//! ```yaml
//! responses:
//!   - rules: ["Terminal shell in container"]
//!     action: kill-on-exec
//!   - tags: ["network"]
//!     action: deny-connect
//!     allow: ["10.0.0.0/8:5432", "*:53"]
//!     dry_run: true
//! ```

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};
use vigil_probe::Allow;

/// What a response does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionKind {
    /// SIGKILL the process that triggered the alert.
    Kill,
    /// Freeze the container (Docker Engine API `pause`).
    Pause,
    /// Stop the container (Docker Engine API `stop`).
    Stop,
    /// Refuse the container's outbound connects, except to `allow`.
    DenyConnect,
    /// Kill the alert's program whenever it is executed again in the container, at exec.
    KillOnExec,
}

impl ActionKind {
    pub const ALL: [ActionKind; 5] = [
        ActionKind::Kill,
        ActionKind::Pause,
        ActionKind::Stop,
        ActionKind::DenyConnect,
        ActionKind::KillOnExec,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::Kill => "kill",
            ActionKind::Pause => "pause",
            ActionKind::Stop => "stop",
            ActionKind::DenyConnect => "deny-connect",
            ActionKind::KillOnExec => "kill-on-exec",
        }
    }
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ActionKind {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<ActionKind, ConfigError> {
        ActionKind::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| ConfigError::UnknownAction(s.to_owned()))
    }
}

/// A response that is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    #[error("unknown response action {0:?} (kill, pause, stop, deny-connect, kill-on-exec)")]
    UnknownAction(String),
    #[error("response #{index} ({action}) names no rules and no tags: it would never run")]
    MatchesNothing { index: usize, action: ActionKind },
    #[error("response #{index} ({action}): `allow` only applies to deny-connect")]
    AllowWithout { index: usize, action: ActionKind },
    #[error("response #{index}: {n} allowed destinations, at most {max}")]
    TooManyAllowed { index: usize, n: usize, max: usize },
}

/// One entry of `responses`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResponseConfig {
    /// Rule-name globs (`*`, `?`); the response runs for an alert of a matching rule...
    #[serde(default)]
    pub rules: Vec<String>,
    /// ...or of a rule with a tag matching one of these globs.
    #[serde(default)]
    pub tags: Vec<String>,
    pub action: ActionKind,
    /// deny-connect only: destinations still allowed (`10.0.0.0/8`, `10.0.0.0/8:5432`, `*:53`,
    /// `[fd00::/8]:443`). Empty: every outbound connect is refused (loopback stays allowed).
    #[serde(default, deserialize_with = "allow_list")]
    pub allow: Vec<Allow>,
    /// Report what would be done, do nothing.
    #[serde(default)]
    pub dry_run: bool,
    /// kill-on-exec and deny-connect: containers (name or image repository globs) armed as soon
    /// as the sensor sees them, so the first forbidden exec or connect is already stopped.
    /// Empty: armed for a container by its first alert.
    #[serde(default)]
    pub containers: Vec<String>,
    /// kill-on-exec: the program names killed at exec (kernel comm, 15 bytes), e.g. the shells.
    /// Empty: the alerting process's name.
    #[serde(default)]
    pub programs: Vec<String>,
}

impl ResponseConfig {
    /// Does this response arm ahead of time for a container of this name and image repository?
    pub fn arms(&self, name: &str, image_repository: &str) -> bool {
        self.containers.iter().any(|g| {
            glob_match(g, name)
                || glob_match(g, image_repository)
                || image_repository.rsplit('/').next().is_some_and(|r| glob_match(g, r))
        })
    }

    /// Every configured response, for arming.
    pub fn is_armed_ahead(&self) -> bool {
        !self.containers.is_empty() && matches!(self.action, ActionKind::KillOnExec | ActionKind::DenyConnect)
    }
}

fn allow_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Allow>, D::Error> {
    let raw = Vec::<String>::deserialize(d)?;
    raw.iter()
        .map(|s| s.parse::<Allow>().map_err(serde::de::Error::custom))
        .collect()
}

pub use vigil_types::glob_match;

impl ResponseConfig {
    /// Does this response apply to an alert of `rule` carrying `tags`?
    pub fn applies(&self, rule: &str, tags: &[&str]) -> bool {
        self.rules.iter().any(|g| glob_match(g, rule))
            || self.tags.iter().any(|g| tags.iter().any(|t| glob_match(g, t)))
    }
}

/// The validated `responses` list.
#[derive(Debug, Clone, Default)]
pub struct Responses {
    list: Vec<ResponseConfig>,
}

impl Responses {
    pub fn new(list: Vec<ResponseConfig>) -> Result<Responses, ConfigError> {
        for (index, r) in list.iter().enumerate() {
            if r.rules.is_empty() && r.tags.is_empty() {
                return Err(ConfigError::MatchesNothing {
                    index,
                    action: r.action,
                });
            }
            if !r.allow.is_empty() && r.action != ActionKind::DenyConnect {
                return Err(ConfigError::AllowWithout {
                    index,
                    action: r.action,
                });
            }
            if r.allow.len() > vigil_probe::ALLOW_MAX {
                return Err(ConfigError::TooManyAllowed {
                    index,
                    n: r.allow.len(),
                    max: vigil_probe::ALLOW_MAX,
                });
            }
        }
        Ok(Responses { list })
    }

    /// The responses for an alert, in configuration order.
    pub fn for_alert<'a>(
        &'a self,
        rule: &'a str,
        tags: &'a [&'a str],
    ) -> impl Iterator<Item = &'a ResponseConfig> + 'a {
        self.list.iter().filter(move |r| r.applies(rule, tags))
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &ResponseConfig> {
        self.list.iter()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether any response needs the kernel enforcer (deny-connect, kill-on-exec).
    pub fn needs_enforcer(&self) -> bool {
        self.list
            .iter()
            .any(|r| !r.dry_run && matches!(r.action, ActionKind::DenyConnect | ActionKind::KillOnExec))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("Terminal shell*", "Terminal shell in container"));
        assert!(glob_match("*shell*", "Terminal shell in container"));
        assert!(glob_match("a?c", "abc"));
        assert!(!glob_match("a?c", "ac"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a*b*c", "aXbYbZc"));
        assert!(!glob_match("a*b*c", "aXbYbZ"));
        assert!(!glob_match("shell", "shells"));
        assert!(glob_match("mitre_*", "mitre_execution"));
        assert!(glob_match("ünï*", "ünïcode"));
    }

    fn parse(json: &str) -> Result<Vec<ResponseConfig>, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn config_entries() {
        let l = parse(
            r#"[{"rules":["Terminal shell*"],"action":"kill-on-exec"},
                {"tags":["network"],"action":"deny-connect","allow":["10.0.0.0/8:5432","*:53"],"dry_run":true}]"#,
        )
        .unwrap();
        assert_eq!(l[0].action, ActionKind::KillOnExec);
        assert!(!l[0].dry_run);
        assert_eq!(l[1].allow.len(), 2);
        assert_eq!(l[1].allow[1].to_string(), "*:53");
        let r = Responses::new(l).unwrap();
        let hits: Vec<_> = r
            .for_alert("Terminal shell in container", &["container", "shell"])
            .map(|r| r.action)
            .collect();
        assert_eq!(hits, [ActionKind::KillOnExec]);
        let hits: Vec<_> = r
            .for_alert("Outbound connection", &["network"])
            .map(|r| r.action)
            .collect();
        assert_eq!(hits, [ActionKind::DenyConnect]);
        assert_eq!(r.for_alert("Other", &["file"]).count(), 0);
        assert!(r.needs_enforcer() && r.len() == 2);
    }

    #[test]
    fn bad_entries_are_refused() {
        assert!(parse(r#"[{"rules":["x"],"action":"kill","colour":"red"}]"#)
            .unwrap_err()
            .to_string()
            .contains("unknown field `colour`"));
        assert!(parse(r#"[{"rules":["x"],"action":"explode"}]"#).is_err());
        assert!(parse(r#"[{"rules":["x"],"action":"deny-connect","allow":["10.0.0.0/99"]}]"#).is_err());
        assert!(parse(r#"[{"rules":["x"]}]"#).is_err());
        let nothing = parse(r#"[{"action":"kill"}]"#).unwrap();
        assert_eq!(
            Responses::new(nothing).unwrap_err(),
            ConfigError::MatchesNothing {
                index: 0,
                action: ActionKind::Kill
            }
        );
        let misplaced = parse(r#"[{"rules":["x"],"action":"pause","allow":["*:53"]}]"#).unwrap();
        assert!(matches!(
            Responses::new(misplaced),
            Err(ConfigError::AllowWithout { .. })
        ));
        assert_eq!("stop".parse::<ActionKind>().unwrap(), ActionKind::Stop);
        assert!("Stop".parse::<ActionKind>().is_err());
    }
}
