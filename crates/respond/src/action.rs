//! Carrying out responses, each reported as an [`ActionRecord`].

use std::time::Duration;

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use vigil_probe::{Allow, Enforcer, ProcessCgroups};
use vigil_state::DockerClient;

use crate::config::{ActionKind, ResponseConfig};

/// What an action was done to, and whether it worked: the lead puts these in the alert's
/// `actions` key (and logs each as its own event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionRecord {
    pub action: ActionKind,
    /// `pid 1234`, `container 6a6a92bd76ad`, `container 6a6a92bd76ad: sh, bash`, ...
    pub target: String,
    /// Done (or, in a dry run, would have been attempted).
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Only reported, not done.
    pub dry_run: bool,
    /// RFC 3339, UTC, nanoseconds.
    pub time: String,
}

fn now() -> String {
    OffsetDateTime::now_utc().format(&Rfc3339).unwrap_or_default()
}

impl ActionRecord {
    /// An action already carried out elsewhere (the kernel's kill at exec), for the record.
    pub fn done(action: ActionKind, target: String) -> ActionRecord {
        ActionRecord::new(action, target, false, Ok(()))
    }

    fn new(action: ActionKind, target: String, dry_run: bool, result: Result<(), String>) -> ActionRecord {
        let (ok, error) = match result {
            Ok(()) => (true, None),
            Err(e) => (false, Some(e)),
        };
        ActionRecord {
            action,
            target,
            ok,
            error,
            dry_run,
            time: now(),
        }
    }
}

/// What an alert was about: whatever of these the event carried.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    /// The process (host pid).
    pub pid: Option<u32>,
    /// The container id (or name), for the Docker API.
    pub container: Option<String>,
    /// The container's cgroup id as capture records carry it (the probe's hierarchy).
    pub cgroup_id: Option<u64>,
    /// For kill-on-exec: the program names to kill (the alert's `proc.name`, or the names a
    /// rule stands for, e.g. every shell).
    pub names: Vec<String>,
}

/// Carries out responses. Without a Docker client, pause and stop fail; without an enforcer,
/// deny-connect and kill-on-exec fail (each with a record saying so).
pub struct Responder {
    docker: Option<DockerClient>,
    enforcer: Option<Enforcer>,
    /// The cgroup v1 subsystem whose ids the enforcer keys exec rules on (as the probe).
    cgroup_subsys: Option<u32>,
    /// Grace period `stop` gives before SIGKILL.
    pub stop_grace: Duration,
}

impl std::fmt::Debug for Responder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Responder")
            .field("docker", &self.docker)
            .field("enforcer", &self.enforcer)
            .finish_non_exhaustive()
    }
}

impl Responder {
    pub fn new(docker: Option<DockerClient>, enforcer: Option<Enforcer>, cgroup_subsys: Option<u32>) -> Responder {
        Responder {
            docker,
            enforcer,
            cgroup_subsys,
            stop_grace: Duration::from_secs(10),
        }
    }

    /// The enforcer, to poll its kill and denial events.
    pub fn enforcer_mut(&mut self) -> Option<&mut Enforcer> {
        self.enforcer.as_mut()
    }

    /// Runs one configured response against an alert's target.
    pub fn respond(&mut self, r: &ResponseConfig, t: &Target) -> ActionRecord {
        let missing = |what: &str| {
            ActionRecord::new(
                r.action,
                format!("(no {what} in the alert)"),
                r.dry_run,
                Err(format!("the alert carries no {what}")),
            )
        };
        match r.action {
            ActionKind::Kill => match t.pid {
                Some(pid) => self.kill(pid, r.dry_run),
                None => missing("process id"),
            },
            ActionKind::Pause | ActionKind::Stop => match &t.container {
                Some(c) if r.action == ActionKind::Pause => self.pause(c, r.dry_run),
                Some(c) => self.stop(c, r.dry_run),
                None => missing("container"),
            },
            ActionKind::DenyConnect => match &t.container {
                Some(c) => self.deny_connect(c, &r.allow, r.dry_run),
                None => missing("container"),
            },
            ActionKind::KillOnExec => {
                let names: Vec<&str> = t.names.iter().map(String::as_str).collect();
                match (t.cgroup_id, &t.container) {
                    (Some(id), _) => self.kill_on_exec(id, &names, r.dry_run),
                    (None, Some(c)) => self.kill_on_exec_in(c, &names, r.dry_run),
                    (None, None) => missing("container"),
                }
            }
        }
    }

    /// SIGKILL process `pid`. Pid 0 and 1 and the sensor's own pid are refused.
    pub fn kill(&self, pid: u32, dry_run: bool) -> ActionRecord {
        let target = format!("pid {pid}");
        let result = match i32::try_from(pid) {
            Ok(p) if p > 1 && pid != std::process::id() => {
                if dry_run {
                    Ok(())
                } else {
                    kill(Pid::from_raw(p), Signal::SIGKILL).map_err(|e| format!("kill({pid}, SIGKILL): {e}"))
                }
            }
            _ => Err(format!("refusing to kill pid {pid}")),
        };
        ActionRecord::new(ActionKind::Kill, target, dry_run, result)
    }

    fn docker_call(
        &self,
        action: ActionKind,
        container: &str,
        dry_run: bool,
        f: impl FnOnce(&DockerClient) -> Result<(), vigil_state::DockerError>,
    ) -> ActionRecord {
        let target = format!("container {}", short(container));
        let result = match &self.docker {
            None => Err("no Docker Engine API client".to_owned()),
            Some(_) if dry_run => Ok(()),
            Some(d) => f(d).map_err(|e| e.to_string()),
        };
        ActionRecord::new(action, target, dry_run, result)
    }

    /// Freezes the container (`POST /containers/{id}/pause`).
    pub fn pause(&self, container: &str, dry_run: bool) -> ActionRecord {
        self.docker_call(ActionKind::Pause, container, dry_run, |d| d.pause(container))
    }

    /// Stops the container (`POST /containers/{id}/stop`), SIGKILL after [`Self::stop_grace`].
    pub fn stop(&self, container: &str, dry_run: bool) -> ActionRecord {
        let grace = self.stop_grace;
        self.docker_call(ActionKind::Stop, container, dry_run, |d| d.stop(container, grace))
    }

    /// The container's cgroups, through its init process.
    fn cgroups(&self, container: &str) -> Result<ProcessCgroups, String> {
        let d = self
            .docker
            .as_ref()
            .ok_or("no Docker Engine API client to find the container's cgroup")?;
        let info = d.inspect(container).map_err(|e| e.to_string())?;
        let pid = info
            .pid
            .ok_or_else(|| format!("container {} is not running", short(container)))?;
        ProcessCgroups::of_pid(pid, self.cgroup_subsys).map_err(|e| e.to_string())
    }

    /// Refuses the container's outbound connects except to `allow`.
    pub fn deny_connect(&mut self, container: &str, allow: &[Allow], dry_run: bool) -> ActionRecord {
        let mut target = format!("container {}", short(container));
        if !allow.is_empty() {
            let list: Vec<String> = allow.iter().map(Allow::to_string).collect();
            target.push_str(&format!(" (allow {})", list.join(", ")));
        }
        let result = (|| {
            if self.enforcer.is_none() {
                return Err("the kernel enforcer is not loaded".to_owned());
            }
            let cg = self.cgroups(container)?;
            let dir = cg
                .v2_dir
                .ok_or("the container has no cgroup v2 directory (no cgroup2 mount): deny-connect needs one")?;
            if dry_run {
                return Ok(());
            }
            let enf = self.enforcer.as_mut().ok_or("the kernel enforcer is not loaded")?;
            enf.deny_connect(&dir, allow).map(|_| ()).map_err(|e| e.to_string())
        })();
        ActionRecord::new(ActionKind::DenyConnect, target, dry_run, result)
    }

    /// Kills `names` at exec in the container with cgroup id `cgroup_id` (the probe's hierarchy).
    pub fn kill_on_exec(&mut self, cgroup_id: u64, names: &[&str], dry_run: bool) -> ActionRecord {
        let target = format!("cgroup {cgroup_id}: {}", names.join(", "));
        let result = match self.enforcer.as_mut() {
            None => Err("the kernel enforcer is not loaded".to_owned()),
            Some(_) if names.is_empty() => Err("no program names to kill".to_owned()),
            Some(_) if dry_run => Ok(()),
            Some(e) => e.kill_on_exec(cgroup_id, names).map_err(|e| e.to_string()),
        };
        ActionRecord::new(ActionKind::KillOnExec, target, dry_run, result)
    }

    /// Kills `names` at exec in a container given by id or name.
    pub fn kill_on_exec_in(&mut self, container: &str, names: &[&str], dry_run: bool) -> ActionRecord {
        match self.cgroups(container) {
            Ok(cg) => {
                let mut r = self.kill_on_exec(cg.exec_id, names, dry_run);
                r.target = format!("container {}: {}", short(container), names.join(", "));
                r
            }
            Err(e) => ActionRecord::new(
                ActionKind::KillOnExec,
                format!("container {}: {}", short(container), names.join(", ")),
                dry_run,
                Err(e),
            ),
        }
    }

    /// Lifts deny-connect and kill-on-exec `names` from a container (when it is gone, or the
    /// rule is disabled).
    pub fn release(&mut self, container: &str, names: &[&str]) -> Result<(), String> {
        let cg = self.cgroups(container)?;
        let enf = self.enforcer.as_mut().ok_or("the kernel enforcer is not loaded")?;
        if let Some(id) = cg.v2_id {
            enf.remove_deny_connect(id).map_err(|e| e.to_string())?;
        }
        if !names.is_empty() {
            enf.remove_kill_on_exec(cg.exec_id, names).map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}

/// Docker's short form of a 64-hex id; names are kept whole.
fn short(container: &str) -> &str {
    if container.len() == 64 && container.bytes().all(|b| b.is_ascii_hexdigit()) {
        container.get(..12).unwrap_or(container)
    } else {
        container
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_serialize_for_the_alert() {
        let r = ActionRecord::new(ActionKind::DenyConnect, "container web".into(), false, Ok(()));
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["action"], "deny-connect");
        assert_eq!(v["ok"], true);
        assert!(v.get("error").is_none());
        let t = v["time"].as_str().unwrap();
        assert!(t.ends_with('Z') && t.contains('T'), "{t}");
        let r = ActionRecord::new(ActionKind::Kill, "pid 9".into(), false, Err("no such process".into()));
        assert_eq!(serde_json::to_value(&r).unwrap()["error"], "no such process");
    }

    #[test]
    fn refusals_without_clients() {
        let mut r = Responder::new(None, None, None);
        let p = r.pause("web", false);
        assert!(!p.ok && p.error.as_deref() == Some("no Docker Engine API client"));
        let k = r.kill_on_exec(5, &["sh"], false);
        assert!(!k.ok && k.error.unwrap().contains("enforcer"));
        for pid in [0, 1, std::process::id(), u32::MAX] {
            assert!(!r.kill(pid, false).ok, "{pid}");
        }
        assert_eq!(short(&"ab".repeat(32)), "abababababab");
        assert_eq!(short("web"), "web");
    }
}
