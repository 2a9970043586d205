//! Responses in the pipeline (`responses:` of vigil.yaml): actions run for the alerts of the
//! rules they name, recorded in the alert's `actions` key; kill-on-exec and deny-connect armed
//! ahead of time for the containers they name, as soon as the sensor sees them.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context, Result};
use vigil_respond::{ActionKind, ActionRecord, Responder, Responses, Target};
use vigil_state::Enriched;

pub struct Responding {
    cgroup_subsys: Option<u32>,
    responses: Responses,
    responder: Responder,
    /// Containers already considered for arming (full id).
    seen: HashMap<String, ()>,
    /// Armed kill-on-exec: (cgroup id, program) pairs.
    armed_exec: HashMap<(u64, String), ()>,
}

impl Responding {
    pub fn build(
        section: &crate::config::Section,
        docker_socket: &Path,
        cgroup_subsys: Option<u32>,
    ) -> Result<Responding> {
        let list: Vec<vigil_respond::ResponseConfig> = section.parse()?;
        let responses = Responses::new(list).with_context(|| format!("{}: in `responses`", section.at))?;
        let enforcer = if responses.needs_enforcer() {
            Some(
                vigil_respond::Enforcer::start(&vigil_respond::EnforcerConfig { cgroup_subsys })
                    .context("starting the kernel enforcer (deny-connect, kill-on-exec)")?,
            )
        } else {
            None
        };
        let docker = docker_socket
            .exists()
            .then(|| vigil_state::DockerClient::new(docker_socket));
        eprintln!("vigil: {} response(s) configured", responses.len());
        Ok(Responding {
            cgroup_subsys,
            responses,
            responder: Responder::new(docker, enforcer, cgroup_subsys),
            seen: HashMap::new(),
            armed_exec: HashMap::new(),
        })
    }

    /// Arms kill-on-exec and deny-connect for every container whose metadata has arrived and
    /// that the responses name: called between batches, so a container arms within 50 ms of its
    /// metadata whether it makes events or not.
    pub fn arm(&mut self, tracker: &vigil_state::Tracker) {
        let fresh: Vec<(String, u32, std::sync::Arc<vigil_state::ContainerInfo>)> = tracker
            .containers()
            .iter()
            .filter(|c| !c.dead && !self.seen.contains_key(c.id.full()))
            .filter_map(|c| match &c.meta {
                vigil_state::ContainerMeta::Known(info) => Some((c.id.full().to_string(), c.pid, info.clone())),
                _ => None,
            })
            .collect();
        for (id, pid, info) in fresh {
            self.seen.insert(id.clone(), ());
            let rules: Vec<_> = self
                .responses
                .iter()
                .filter(|r| r.is_armed_ahead() && r.arms(&info.name, &info.image_ref.repository))
                .cloned()
                .collect();
            if rules.is_empty() {
                continue;
            }
            let pid = info.pid.filter(|p| *p != 0).unwrap_or(pid);
            for r in rules {
                let rec = match r.action {
                    ActionKind::KillOnExec => match vigil_probe::ProcessCgroups::of_pid(pid, self.cgroup_subsys) {
                        Ok(cg) => {
                            let names: Vec<&str> = r.programs.iter().map(String::as_str).collect();
                            for n in &names {
                                self.armed_exec.insert((cg.exec_id, n.to_string()), ());
                            }
                            self.responder.kill_on_exec(cg.exec_id, &names, r.dry_run)
                        }
                        Err(e) => {
                            eprintln!("vigil: warning: cannot arm kill-on-exec for {}: {e}", info.name);
                            continue;
                        }
                    },
                    _ => self.responder.deny_connect(&id, &r.allow, r.dry_run),
                };
                eprintln!(
                    "vigil: response armed: {} {} ({}){}",
                    rec.action.as_str(),
                    rec.target,
                    info.name,
                    rec.error.as_deref().map(|e| format!(": {e}")).unwrap_or_default()
                );
            }
        }
    }

    /// Connections the kernel refused since the last call, with the container they came from:
    /// each becomes an alert of its own (the response is an event too).
    pub fn denials(&mut self, tracker: &vigil_state::Tracker) -> Vec<Denial> {
        let mut out = Vec::new();
        let Some(enf) = self.responder.enforcer_mut() else {
            return out;
        };
        let mut events = Vec::new();
        if let Err(e) = enf.poll(std::time::Duration::ZERO, &mut |ev| events.push(ev.clone())) {
            eprintln!("vigil: warning: reading the enforcer's events: {e}");
        }
        for ev in events {
            if let vigil_respond::EnforceAction::DenyConnect { dest, .. } = ev.action {
                let container = tracker.process(ev.pid).and_then(|p| p.container.clone());
                let (name, image) = match container.as_deref().map(|c| tracker.container(c.full())) {
                    Some(vigil_state::ContainerMeta::Known(i)) => {
                        (Some(i.name.clone()), Some(i.image_ref.repository.clone()))
                    }
                    _ => (None, None),
                };
                out.push(Denial {
                    ts: ev.ts,
                    pid: ev.pid,
                    comm: ev.comm.clone(),
                    dest: dest.to_string(),
                    container_id: container
                        .as_deref()
                        .map_or("host".to_string(), |c| c.short().to_string()),
                    container_name: name,
                    image,
                });
            }
        }
        out
    }

    /// The actions for one alert: those its rule's responses ran now, and the kill the kernel
    /// already did when the event is an exec it was armed to stop.
    pub fn on_alert(&mut self, rule: &str, tags: &[String], en: &Enriched<'_>) -> Vec<ActionRecord> {
        let mut out = Vec::new();
        let ev = en.event;
        if matches!(ev.kind, vigil_capture::Kind::Exec) {
            let comm = String::from_utf8_lossy(ev.comm()).into_owned();
            if self.armed_exec.contains_key(&(ev.cgroup, comm.clone())) {
                out.push(ActionRecord::done(
                    ActionKind::Kill,
                    format!("pid {} ({comm}) at exec, by the kernel", ev.pid),
                ));
            }
        }
        let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
        let todo: Vec<_> = self.responses.for_alert(rule, &tags).cloned().collect();
        for r in todo {
            if r.is_armed_ahead() {
                continue; // armed when the container appeared
            }
            let comm = String::from_utf8_lossy(ev.comm()).into_owned();
            let names = if r.programs.is_empty() {
                vec![comm]
            } else {
                r.programs.clone()
            };
            let t = Target {
                pid: Some(ev.pid),
                container: en.container_id.as_deref().map(|c| c.full().to_string()),
                cgroup_id: en.container_id.as_ref().map(|_| ev.cgroup),
                names,
            };
            if r.action == ActionKind::KillOnExec {
                for n in &t.names {
                    if let Some(c) = t.cgroup_id {
                        self.armed_exec.insert((c, n.clone()), ());
                    }
                }
            }
            out.push(self.responder.respond(&r, &t));
        }
        out
    }
}

/// A connection the kernel refused.
pub struct Denial {
    pub ts: u64,
    pub pid: u32,
    pub comm: String,
    pub dest: String,
    pub container_id: String,
    pub container_name: Option<String>,
    pub image: Option<String>,
}
