//! [`evaluate`]: a bundle on one image gives a [`Verdict`].
//!
//! 1. The mapping: the first whose registry, repository and tag globs match the image chooses
//!    the policies and allowlists; with none matching, every policy and allowlist applies.
//! 2. Every rule of those policies: its trigger function (from the gate table) gives fired
//!    triggers, each a decision with the rule's action; data the trigger needed and did not have
//!    is a WARN decision `data unavailable: …`, an error a WARN `evaluation error: …`.
//! 3. Allowlists: an unexpired item of the same gate whose trigger id (exact or glob) matches
//!    makes the decision's effective action GO; expired items that matched are listed.
//! 4. A policy's action is its worst effective decision (GO when none); the bundle's the worst
//!    policy's; an image on the deny list is STOP, else one on the allow list GO.

use time::format_description::well_known::Rfc3339;

use crate::advice::advise;
use crate::allowlist::Allowlists;
use crate::gates::{self, Ctx, Fired, Origin, VulnFix};
use crate::history::{base_end, infer_base, instructions, Instruction};
use crate::params::Params;
use crate::{
    Action, Allowlist, BaseLayers, Bundle, Decision, ExpiredItem, Input, LayerRef, Part, Policy, PolicyResult, Rule,
    Verdict, VerdictBasis,
};

/// Evaluates `bundle` on `input`.
pub fn evaluate(bundle: &Bundle, input: &Input<'_>) -> Verdict {
    let sbom = input.sbom;
    let history = sbom
        .config
        .as_ref()
        .map(|c| instructions(&c.history))
        .unwrap_or_default();
    let base = input.base.clone().or_else(|| {
        infer_base(&history).map(|count| BaseLayers {
            count,
            how: "history".to_string(),
        })
    });
    let base_history_end = base.as_ref().and_then(|b| base_end(&history, b.count));
    let ctx = Ctx {
        input,
        sbom,
        analysis: sbom.analysis.as_ref(),
        matches: input.matches,
        history,
        base: base.clone(),
    };
    let layers = Layers {
        ctx: &ctx,
        base_history_end,
    };

    let mapping = bundle
        .mappings
        .iter()
        .find(|m| input.image.matches(&m.registry, &m.repository, &m.tag));
    let (policies, allowlists): (Vec<Result<&Policy, &str>>, Vec<&Allowlist>) = match mapping {
        Some(m) => (
            m.policy_ids
                .iter()
                .map(|id| bundle.policies.iter().find(|p| &p.id == id).ok_or(id.as_str()))
                .collect(),
            bundle
                .allowlists
                .iter()
                .filter(|a| m.allowlist_ids.contains(&a.id))
                .collect(),
        ),
        None => (
            bundle.policies.iter().map(Ok).collect(),
            bundle.allowlists.iter().collect(),
        ),
    };
    let allow = Allowlists::new(allowlists, input.now);

    let mut results = Vec::new();
    let mut expired: Vec<ExpiredItem> = Vec::new();
    let mut failing_fixes: Vec<VulnFix> = Vec::new();
    for policy in policies {
        let (policy_id, name, decisions) = match policy {
            Ok(p) => {
                let mut decisions = Vec::new();
                for rule in &p.rules {
                    for (mut d, vuln) in rule_decisions(&ctx, &layers, &p.id, rule) {
                        let checked = allow.check(&d.gate, &d.trigger_id);
                        for e in checked.expired {
                            if !expired.iter().any(|x| x.allowlist == e.allowlist && x.item == e.item) {
                                expired.push(e);
                            }
                        }
                        if let Some(by) = checked.allowed {
                            d.effective = Action::Go;
                            d.allowlisted = Some(by);
                        }
                        if d.effective > Action::Go {
                            failing_fixes.extend(vuln);
                        }
                        decisions.push(d);
                    }
                }
                (p.id.clone(), p.name.clone(), decisions)
            }
            Err(id) => (
                id.to_string(),
                String::new(),
                vec![problem_decision(
                    id,
                    "mapping",
                    "policy_ids",
                    "evaluation_error",
                    format!("evaluation error: the mapping names policy {id}, which the bundle does not have"),
                )],
            ),
        };
        let action = decisions.iter().map(|d| d.effective).max().unwrap_or(Action::Go);
        results.push(PolicyResult {
            policy_id,
            name,
            action,
            decisions,
        });
    }
    let by_policy = results.iter().map(|p| p.action).max().unwrap_or(Action::Go);
    let (action, basis) = if bundle.denylisted_images.iter().any(|s| s.matches(&input.image)) {
        (Action::Stop, VerdictBasis::Denylisted)
    } else if bundle.allowlisted_images.iter().any(|s| s.matches(&input.image)) {
        (Action::Go, VerdictBasis::Allowlisted)
    } else {
        (by_policy, VerdictBasis::Policy)
    };
    Verdict {
        bundle_id: bundle.id.clone(),
        bundle_name: bundle.name.clone(),
        image: input.image.clone(),
        action,
        basis,
        mapping: mapping.map(|m| {
            if m.name.is_empty() {
                mapping_label(m)
            } else {
                m.name.clone()
            }
        }),
        policies: results,
        expired_allowlist_items: expired,
        fix_advice: advise(&failing_fixes),
        base,
        evaluated_at: {
            let t = input.now.to_offset(time::UtcOffset::UTC);
            let t = t.replace_nanosecond(0).unwrap_or(t);
            t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
        },
    }
}

fn mapping_label(m: &crate::Mapping) -> String {
    format!("{}/{}:{}", m.registry, m.repository, m.tag)
}

fn problem_decision(policy: &str, gate: &str, trigger: &str, trigger_id: &str, message: String) -> Decision {
    Decision {
        policy_id: policy.to_string(),
        rule_id: String::new(),
        gate: gate.to_string(),
        trigger: trigger.to_string(),
        trigger_id: trigger_id.to_string(),
        action: Action::Warn,
        effective: Action::Warn,
        allowlisted: None,
        subject: String::new(),
        message,
        layer: None,
        fix: None,
    }
}

/// The decisions of one rule, each with its fix facts when it is a vulnerability.
fn rule_decisions(ctx: &Ctx<'_>, layers: &Layers<'_>, policy: &str, rule: &Rule) -> Vec<(Decision, Option<VulnFix>)> {
    let warn = |trigger_id: &str, subject: String, message: String| Decision {
        policy_id: policy.to_string(),
        rule_id: rule.id.clone(),
        gate: rule.gate.clone(),
        trigger: rule.trigger.clone(),
        trigger_id: trigger_id.to_string(),
        action: Action::Warn,
        effective: Action::Warn,
        allowlisted: None,
        message,
        subject,
        layer: None,
        fix: None,
    };
    let Some(gate) = gates::gate(&rule.gate) else {
        let m = format!("evaluation error: unknown gate {}", rule.gate);
        return vec![(warn("evaluation_error", rule.gate.clone(), m), None)];
    };
    let Some(trigger) = gate.trigger(&rule.trigger) else {
        let m = format!(
            "evaluation error: unknown trigger {} of gate {}",
            rule.trigger, gate.name
        );
        return vec![(warn("evaluation_error", rule.trigger.clone(), m), None)];
    };
    let outcome = match (trigger.eval)(ctx, &Params::new(&rule.params)) {
        Ok(o) => o,
        Err(e) => {
            let m = format!(
                "evaluation error: rule {} ({}.{}): {e}",
                rule.id, gate.name, trigger.name
            );
            return vec![(warn("evaluation_error", String::new(), m), None)];
        }
    };
    let mut out: Vec<(Decision, Option<VulnFix>)> = outcome
        .unavailable
        .into_iter()
        .map(|what| {
            let subject = format!("{}.{}", gate.name, trigger.name);
            (
                warn("data_unavailable", subject, format!("data unavailable: {what}")),
                None,
            )
        })
        .collect();
    for f in outcome.fired {
        let Fired {
            trigger_id,
            message,
            subject,
            origin,
            fix,
            vuln,
        } = f;
        out.push((
            Decision {
                policy_id: policy.to_string(),
                rule_id: rule.id.clone(),
                gate: gate.name.to_string(),
                trigger: trigger.name.to_string(),
                trigger_id,
                action: rule.action,
                effective: rule.action,
                allowlisted: None,
                message,
                subject,
                layer: layers.resolve(&origin),
                fix,
            },
            vuln,
        ));
    }
    out
}

/// Resolves where a fired trigger comes from to a layer and a part of the image.
struct Layers<'c> {
    ctx: &'c Ctx<'c>,
    /// The last history position of the base image.
    base_history_end: Option<usize>,
}

impl Layers<'_> {
    fn part_of_layer(&self, index: usize) -> Option<Part> {
        self.ctx
            .base
            .as_ref()
            .map(|b| if index < b.count { Part::Base } else { Part::Application })
    }

    fn layer(&self, index: usize, part: Option<Part>) -> LayerRef {
        LayerRef {
            index,
            diff_id: self.ctx.sbom.layers.get(index).map(|l| l.diff_id.to_string()),
            part,
        }
    }

    fn resolve(&self, origin: &Origin) -> Option<LayerRef> {
        match origin {
            Origin::None => None,
            Origin::Layer(i) => Some(self.layer(*i, self.part_of_layer(*i))),
            Origin::DiffId(d) => {
                let i = self.ctx.sbom.layers.iter().position(|l| l.diff_id.to_string() == *d)?;
                Some(self.layer(i, self.part_of_layer(i)))
            }
            Origin::History(h) => {
                let ins: &Instruction = self.ctx.history.get(*h)?;
                let index = ins.layer.unwrap_or(0);
                let part = match (self.ctx.base.as_ref(), self.base_history_end) {
                    (None, _) => None,
                    (Some(_), Some(end)) => Some(if *h <= end { Part::Base } else { Part::Application }),
                    (Some(_), None) => self.part_of_layer(index),
                };
                Some(self.layer(index, part))
            }
        }
    }
}
