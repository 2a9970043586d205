//! The rule engine in the pipeline: rule files (Vigil's defaults, or the user's), selection
//! from the command line, evaluation on each enriched event, alerts written as Falco writes
//! them (text, or JSON with Falco's keys).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use clap::Args;
use vigil_rules::fields::{EventFields, Host};
use vigil_rules::{LoadedRules, MatchMode, Priority, Renderer, Ruleset, RulesetConfig, Scratch};
use vigil_state::Enriched;

#[derive(Args, Clone, Default)]
pub struct RuleArgs {
    /// Rule files in Falco's language, loaded in order (later ones redefine, append, override).
    /// Without any, Vigil's default rules run.
    #[arg(short = 'r', long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// Do not evaluate rules.
    #[arg(long)]
    pub no_rules: bool,
    /// Run only rules of this priority or more severe (emergency ... debug; default: the
    /// configuration's `priority`, else debug).
    #[arg(long, value_name = "LEVEL")]
    pub priority: Option<String>,
    /// Enable rules whose name matches this glob (applied before the disables).
    #[arg(long, value_name = "GLOB")]
    pub enable: Vec<String>,
    /// Disable rules whose name matches this glob.
    #[arg(long, value_name = "GLOB")]
    pub disable: Vec<String>,
    /// Enable rules with a tag matching this glob.
    #[arg(long, value_name = "GLOB")]
    pub enable_tag: Vec<String>,
    /// Disable rules with a tag matching this glob.
    #[arg(long, value_name = "GLOB")]
    pub disable_tag: Vec<String>,
    /// `first`: an event raises at most one alert (the first matching rule in definition
    /// order); `all`: one per matching rule (default: the configuration's, else first).
    #[arg(long, value_name = "MODE")]
    pub matching: Option<String>,
    /// The configuration file (default: $VIGIL_CONFIG, else /etc/vigil/vigil.yaml if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Loads the rule files or the defaults; errors fail, warnings are summarised.
pub fn load_rules(files: &[PathBuf]) -> LoadedRules {
    if files.is_empty() {
        let defaults = vigil_rules::defaults::default_rules();
        vigil_rules::load_sources(&defaults)
    } else {
        let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
        vigil_rules::load_files(&paths)
    }
}

/// Where alerts go: straight to a writer (replay), or the configured outputs (watch).
pub enum Sink {
    Writer,
    Outputs(vigil_outputs::Outputs),
}

pub struct Engine {
    sink: Sink,
    responding: Option<super::respond::Responding>,
    json_line: Vec<u8>,
    ruleset: Ruleset,
    renderer: Renderer,
    scratch: Scratch,
    host: Host,
    json: bool,
    line: Vec<u8>,
    pub alerts: u64,
}

impl Engine {
    /// The rules of `args` and `config` (the command line wins).
    pub fn load(args: &RuleArgs, config: &crate::config::Config, host: Host, json: bool) -> Result<Engine> {
        let files = if args.rules.is_empty() {
            &config.rules_files
        } else {
            &args.rules
        };
        let loaded = load_rules(files);
        let matching = args
            .matching
            .as_deref()
            .or(config.rule_matching.as_deref())
            .unwrap_or("first");
        let mode = match matching {
            "first" => MatchMode::First,
            "all" => MatchMode::All,
            m => bail!("rule matching {m:?}: use first or all"),
        };
        let priority = args
            .priority
            .as_deref()
            .or(config.priority.as_deref())
            .unwrap_or("debug");
        let Some(min_priority) = Priority::parse(priority) else {
            bail!(
                "priority {priority:?}: use emergency, alert, critical, error, warning, notice, informational or debug"
            )
        };
        let cfg = RulesetConfig {
            mode,
            selections: config.rules.clone(),
            min_priority,
            enable: args.enable.clone(),
            disable: args.disable.clone(),
            enable_tags: args.enable_tag.clone(),
            disable_tags: args.disable_tag.clone(),
        };
        let (ruleset, diags) = Ruleset::compile(&loaded, &cfg);
        let all: Vec<_> = loaded.diagnostics.iter().chain(diags.iter()).collect();
        let errors: Vec<_> = all.iter().filter(|d| d.is_error()).collect();
        if !errors.is_empty() {
            for d in &errors {
                eprintln!("{d}");
            }
            bail!(
                "{} error(s) in the rule files (see above; `vigil rules validate FILE...` lists them too)",
                errors.len()
            );
        }
        let warnings = all.len();
        let running = ruleset.rules().iter().filter(|r| r.enabled).count();
        let source = if files.is_empty() {
            "Vigil's default rules".to_string()
        } else {
            format!("{} rule file(s)", files.len())
        };
        eprintln!(
            "vigil: {running} of {} rules running from {source}{}",
            ruleset.rules().len(),
            if warnings > 0 {
                format!(" ({warnings} warnings: `vigil rules validate` shows them)")
            } else {
                String::new()
            }
        );
        Ok(Engine {
            responding: None,
            sink: Sink::Writer,
            json_line: Vec::new(),
            ruleset,
            renderer: Renderer::new(),
            scratch: Scratch::new(),
            host,
            json,
            line: Vec::with_capacity(1024),
            alerts: 0,
        })
    }

    /// The syscalls the probe must capture for these rules (the state's own needs are added
    /// by the caller).
    pub fn syscall_names(&self) -> Vec<&'static str> {
        self.ruleset.event_types().syscall_names()
    }

    /// Sends alerts to the configured outputs (`outputs:` and `throttle:` of vigil.yaml; without
    /// them, Falco's defaults: stdout and the local syslog) instead of the writer.
    pub fn use_outputs(&mut self, config: Option<&crate::config::Config>) -> Result<()> {
        let mut cfg = match config {
            Some(c) => {
                let mut obj = serde_json::Map::new();
                for key in ["outputs", "throttle"] {
                    if let Some(sec) = c.section(key) {
                        // checked here, with the file's positions, before the crate sees it
                        match key {
                            "outputs" => {
                                sec.parse::<Vec<vigil_outputs::OutputConfig>>()?;
                            }
                            _ => {
                                sec.parse::<vigil_outputs::ThrottleConfig>()?;
                            }
                        }
                        obj.insert(key.to_string(), sec.value.clone());
                    }
                }
                vigil_outputs::OutputsConfig::from_json(serde_json::Value::Object(obj))?
            }
            None => vigil_outputs::OutputsConfig::default(),
        };
        if self.json && config.is_none_or(|c| c.section("outputs").is_none()) {
            for o in &mut cfg.outputs {
                if let vigil_outputs::OutputConfig::Stdout(s) = o {
                    s.format = vigil_outputs::Format::Json;
                }
            }
        }
        let outputs = vigil_outputs::Outputs::build(&cfg)?;
        for w in outputs.warnings() {
            eprintln!("vigil: warning: {w}");
        }
        self.sink = Sink::Outputs(outputs);
        Ok(())
    }

    /// Runs the `responses:` of the configuration on alerts (and arms them ahead of time).
    pub fn use_responses(
        &mut self,
        config: &crate::config::Config,
        docker_socket: &Path,
        cgroup_subsys: Option<u32>,
    ) -> Result<()> {
        if let Some(sec) = config.section("responses") {
            self.responding = Some(super::respond::Responding::build(sec, docker_socket, cgroup_subsys)?);
        }
        Ok(())
    }

    /// Between batches: arms responses for containers whose metadata arrived, and alerts on
    /// the connections the kernel refused.
    pub fn tick(&mut self, tracker: &vigil_state::Tracker) {
        let Some(r) = self.responding.as_mut() else { return };
        r.arm(tracker);
        for d in r.denials(tracker) {
            self.alerts += 1;
            self.denial_alert(&d);
        }
    }

    /// An alert of Vigil's own for a refused connection, with Falco's keys and `actions`.
    fn denial_alert(&mut self, d: &super::respond::Denial) {
        let name = d.container_name.as_deref().unwrap_or("<NA>");
        let image = d.image.as_deref().unwrap_or("<NA>");
        let output = format!(
            "Outbound connection denied by Vigil's deny-connect response (proc={} pid={} dest={} container={} container_name={name} image={image})",
            d.comm, d.pid, d.dest, d.container_id
        );
        let fields = serde_json::json!({
            "proc.name": d.comm, "proc.pid": d.pid, "fd.name": d.dest,
            "container.id": d.container_id, "container.name": d.container_name, "container.image.repository": d.image,
        });
        let action = serde_json::json!([{"action": "deny-connect", "target": format!("container {}", d.container_id), "ok": true, "dry_run": false}]);
        let alert = self.internal_alert(
            "Outbound connection denied",
            Priority::Warning,
            d.ts,
            &d.container_id,
            &output,
            fields,
            &["vigil", "response", "network"],
            action,
        );
        self.emit(&alert);
    }

    /// A response taken, as an event of its own (besides the `actions` of the alert that caused it).
    fn action_alert(
        &self,
        rule: &str,
        a: &vigil_respond::ActionRecord,
        ts: u64,
        container_id: &str,
    ) -> vigil_outputs::Alert {
        let output = format!(
            "Vigil response {} on {} for rule \"{rule}\": {}{}",
            a.action.as_str(),
            a.target,
            if a.ok { "done" } else { "failed" },
            a.error.as_deref().map(|e| format!(" ({e})")).unwrap_or_default()
        );
        let fields = serde_json::json!({"container.id": container_id, "vigil.response.rule": rule});
        let action = serde_json::to_value([a]).unwrap_or(serde_json::Value::Null);
        self.internal_alert(
            "Vigil response taken",
            Priority::Notice,
            ts,
            container_id,
            &output,
            fields,
            &["vigil", "response"],
            action,
        )
    }

    /// An alert of Vigil's own with Falco's keys (`source: vigil`) and `actions`.
    #[allow(clippy::too_many_arguments)]
    fn internal_alert(
        &self,
        rule: &str,
        priority: Priority,
        ts_boot: u64,
        container_id: &str,
        output: &str,
        fields: serde_json::Value,
        tags: &[&str],
        actions: serde_json::Value,
    ) -> vigil_outputs::Alert {
        let time_ns = self.host.boot_epoch_ns.unwrap_or(0).saturating_add(ts_boot);
        // The same clock formats as event lines: RFC 3339 for JSON, time of day for text.
        let mut iso = String::with_capacity(32);
        super::print::push_time(&mut iso, i128::from(time_ns), true);
        let mut text = String::with_capacity(output.len() + 32);
        super::print::push_time(&mut text, i128::from(time_ns), false);
        text.push_str(": ");
        text.push_str(priority.as_str());
        text.push(' ');
        text.push_str(output);
        let hostname = self.host.hostname.as_deref().unwrap_or("");
        let json = serde_json::json!({
            "hostname": hostname,
            "output": output,
            "output_fields": fields,
            "priority": priority.as_str(),
            "rule": rule,
            "source": "vigil",
            "tags": tags,
            "time": iso,
            "actions": actions,
        });
        vigil_outputs::Alert {
            priority,
            rule: rule.into(),
            time_ns,
            hostname: hostname.into(),
            container_id: container_id.into(),
            tags: tags.iter().map(|t| std::sync::Arc::from(*t)).collect(),
            output: output.into(),
            text: text.into(),
            json: json.to_string().into(),
        }
    }

    fn emit(&self, alert: &vigil_outputs::Alert) {
        match &self.sink {
            Sink::Outputs(o) => o.submit(alert),
            Sink::Writer => println!("{}", if self.json { &*alert.json } else { &*alert.text }),
        }
    }

    /// Stops the outputs (flushing what they hold, up to `timeout`) and reports their counters.
    pub fn finish(self, timeout: std::time::Duration) {
        if let Sink::Outputs(o) = self.sink {
            let stats = o.shutdown(timeout);
            for s in &stats.sinks {
                eprintln!(
                    "vigil: output {}: sent={} failed={} dropped={} pending={}{}",
                    s.name,
                    s.sent,
                    s.failed,
                    s.dropped_queue_full,
                    s.pending,
                    s.last_error
                        .as_deref()
                        .map(|e| format!(" last error: {e}"))
                        .unwrap_or_default()
                );
            }
            let t = stats.throttle;
            eprintln!(
                "vigil: throttle: passed={} suppressed={} summaries={}",
                t.passed, t.suppressed, t.summaries
            );
        }
    }

    /// Evaluates the rules on one event; an alert per match goes to the outputs (or the writer).
    /// Nothing is allocated when no rule matches.
    pub fn on_event(&mut self, en: &Enriched<'_>, num: u64, out: &mut dyn Write) -> std::io::Result<()> {
        let f = EventFields::new(en, &self.host, Some(num));
        let mut hits = Vec::new();
        self.ruleset.evaluate(&f, &mut self.scratch, &mut hits);
        for rule in hits {
            self.alerts += 1;
            let actions = match self.responding.as_mut() {
                Some(r) => r.on_alert(&rule.name, &rule.tags, en),
                None => Vec::new(),
            };
            self.line.clear();
            match &self.sink {
                Sink::Writer => {
                    if self.json {
                        self.renderer.json(rule, &f, &mut self.line);
                    } else {
                        self.renderer.text(rule, &f, &mut self.line);
                    }
                    if self.line.last() != Some(&b'\n') {
                        self.line.push(b'\n');
                    }
                    out.write_all(&self.line)?;
                }
                Sink::Outputs(outputs) => {
                    self.renderer.text(rule, &f, &mut self.line);
                    self.json_line.clear();
                    self.renderer.json(rule, &f, &mut self.json_line);
                    let mut text = String::from_utf8_lossy(trim_nl(&self.line)).into_owned();
                    let mut json = String::from_utf8_lossy(trim_nl(&self.json_line)).into_owned();
                    if !actions.is_empty() {
                        // Vigil's own key beside Falco's: what was done about it.
                        let list = serde_json::to_string(&actions).unwrap_or_else(|_| "[]".into());
                        if json.ends_with('}') {
                            json.pop();
                            json.push_str(",\"actions\":");
                            json.push_str(&list);
                            json.push('}');
                        }
                        let names: Vec<String> = actions
                            .iter()
                            .map(|a| format!("{}{}", a.action.as_str(), if a.ok { "" } else { "(failed)" }))
                            .collect();
                        text.push_str(&format!(" actions=[{}]", names.join(",")));
                    }
                    // the text line is "<time>: <Priority> <output>"
                    let output = text
                        .split_once(": ")
                        .and_then(|(_, r)| r.split_once(' '))
                        .map_or("", |(_, o)| o);
                    let alert = vigil_outputs::Alert {
                        priority: rule.priority,
                        rule: rule.name.as_str().into(),
                        time_ns: self.host.boot_epoch_ns.unwrap_or(0).saturating_add(en.event.ts),
                        hostname: self.host.hostname.as_deref().unwrap_or("").into(),
                        container_id: en.container_short_id().into(),
                        tags: rule.tags.iter().map(|t| std::sync::Arc::from(t.as_str())).collect(),
                        output: output.into(),
                        text: text.into(),
                        json: json.into(),
                    };
                    outputs.submit(&alert);
                }
            }
            for a in &actions {
                let ev = self.action_alert(&rule.name, a, en.event.ts, en.container_short_id());
                self.emit(&ev);
            }
        }
        Ok(())
    }
}

fn trim_nl(b: &[u8]) -> &[u8] {
    b.strip_suffix(b"\n").unwrap_or(b)
}
