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

pub struct Engine {
    ruleset: Ruleset,
    renderer: Renderer,
    scratch: Scratch,
    host: Host,
    json: bool,
    line: Vec<u8>,
    pub alerts: u64,
}

impl Engine {
    pub fn load(args: &RuleArgs, host: Host, json: bool) -> Result<Engine> {
        let config = crate::config::Config::find(args.config.as_deref())?;
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

    /// Evaluates the rules on one event and writes an alert per match. Nothing is allocated
    /// when no rule matches.
    pub fn on_event(&mut self, en: &Enriched<'_>, num: u64, out: &mut dyn Write) -> std::io::Result<()> {
        let f = EventFields::new(en, &self.host, Some(num));
        let mut hits = Vec::new();
        self.ruleset.evaluate(&f, &mut self.scratch, &mut hits);
        for rule in hits {
            self.line.clear();
            if self.json {
                self.renderer.json(rule, &f, &mut self.line);
            } else {
                self.renderer.text(rule, &f, &mut self.line);
            }
            if self.line.last() != Some(&b'\n') {
                self.line.push(b'\n');
            }
            out.write_all(&self.line)?;
            self.alerts += 1;
        }
        Ok(())
    }
}
