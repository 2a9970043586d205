//! Reading a bundle file: YAML (or JSON, which is YAML) into a validated [`Bundle`], every
//! problem placed at `file:line:col` with its line, all of them at once.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use vigil_yaml::{Kind, Mark, Node};

use crate::gates::{self, gates, ParamKind};
use crate::params::{check_value, Params};
use crate::suggest::hint;
use crate::{
    Action, AllowItem, Allowlist, Bundle, CustomSecret, ImageSelector, Mapping, Needs, Place, Policy, PolicyError,
    Problem, Rule, BUNDLE_VERSION,
};

/// Files larger than this are refused (a bundle is a few kilobytes).
const MAX_BUNDLE_BYTES: u64 = 16 << 20;

impl Bundle {
    /// Reads and validates a bundle file (YAML or JSON).
    pub fn load(path: &Path) -> Result<Bundle, PolicyError> {
        let read_error = |source| PolicyError::Read {
            path: path.display().to_string(),
            source,
        };
        let size = std::fs::metadata(path).map_err(read_error)?.len();
        if size > MAX_BUNDLE_BYTES {
            return Err(read_error(std::io::Error::other(format!(
                "{size} bytes is larger than the {MAX_BUNDLE_BYTES}-byte limit for a bundle"
            ))));
        }
        let text = std::fs::read_to_string(path).map_err(read_error)?;
        Bundle::parse(&text, &path.display().to_string())
    }

    /// Parses and validates bundle text; `name` is used in error places.
    pub fn parse(text: &str, name: &str) -> Result<Bundle, PolicyError> {
        let mut loader = Loader {
            file: name,
            lines: text.lines().collect(),
            problems: Vec::new(),
        };
        let bundle = loader.document(text);
        let mut problems = loader.problems;
        match bundle {
            Some(mut b) if problems.is_empty() => {
                b.source = name.to_string();
                Ok(b)
            }
            _ => {
                if problems.is_empty() {
                    problems.push(loader_problem(name, &[], Mark { line: 1, col: 1 }, "not a bundle"));
                }
                problems.sort_by_key(|p| (p.at.line, p.at.col));
                Err(PolicyError::Invalid(problems))
            }
        }
    }

    /// What the analysis must search for this bundle's rules (content regexes, custom secret
    /// patterns, digests, verification), so `vigil scan --policy` analyses the image once.
    pub fn needs(&self) -> Needs {
        let mut needs = Needs::default();
        for rule in self.policies.iter().flat_map(|p| &p.rules) {
            let p = Params::new(&rule.params);
            match (rule.gate.as_str(), rule.trigger.as_str()) {
                ("files", "content_regex_match") => {
                    if let Some(r) = p.str("regex") {
                        if !needs.content_regexes.iter().any(|x| x == r) {
                            needs.content_regexes.push(r.to_string());
                        }
                    }
                }
                ("files", "attribute_match") if p.str("checksum").is_some() => needs.digests = true,
                ("packages", "verify") => needs.verify = true,
                ("secrets", "custom") => {
                    if let (Some(id), Some(regex)) = (p.str("id"), p.str("regex")) {
                        let s = CustomSecret {
                            id: id.to_string(),
                            regex: regex.to_string(),
                            path_regex: p.str("path_regex").map(str::to_string),
                        };
                        if !needs.secret_patterns.contains(&s) {
                            needs.secret_patterns.push(s);
                        }
                    }
                }
                _ => {}
            }
        }
        needs
    }
}

fn loader_problem(file: &str, lines: &[&str], mark: Mark, message: &str) -> Problem {
    let line = mark.line.max(1) as usize;
    Problem {
        at: Place {
            file: file.to_string(),
            line,
            col: mark.col.max(1) as usize,
        },
        message: message.to_string(),
        line_text: lines.get(line - 1).map_or(String::new(), |l| l.to_string()),
    }
}

struct Loader<'t> {
    file: &'t str,
    lines: Vec<&'t str>,
    problems: Vec<Problem>,
}

/// The entries of a mapping node, keys checked.
struct Fields<'n> {
    mark: Mark,
    entries: Vec<(&'n str, &'n Node)>,
}

impl<'n> Fields<'n> {
    fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }
}

const TOP_KEYS: &[&str] = &[
    "version",
    "id",
    "name",
    "description",
    "policies",
    "allowlists",
    "mappings",
    "allowlisted_images",
    "denylisted_images",
];
const POLICY_KEYS: &[&str] = &["id", "name", "description", "comment", "rules"];
const RULE_KEYS: &[&str] = &["id", "gate", "trigger", "action", "params", "description", "comment"];
const ALLOWLIST_KEYS: &[&str] = &["id", "name", "description", "comment", "items"];
const ITEM_KEYS: &[&str] = &["id", "gate", "trigger_id", "reason", "expires"];
const MAPPING_KEYS: &[&str] = &["name", "registry", "repository", "tag", "policy_ids", "allowlist_ids"];
const SELECTOR_KEYS: &[&str] = &["name", "registry", "repository", "tag"];

impl<'t> Loader<'t> {
    fn problem(&mut self, mark: Mark, message: impl Into<String>) {
        let p = loader_problem(self.file, &self.lines, mark, &message.into());
        self.problems.push(p);
    }

    fn place(&self, mark: Mark) -> Place {
        Place {
            file: self.file.to_string(),
            line: mark.line as usize,
            col: mark.col as usize,
        }
    }

    /// A mapping node's entries; unknown and duplicate keys are problems.
    fn fields<'n>(&mut self, node: &'n Node, what: &str, known: &[&str]) -> Option<Fields<'n>> {
        let Kind::Map(entries) = &node.kind else {
            self.problem(node.mark, format!("{what} must be a mapping, not {}", node.what()));
            return None;
        };
        let mut out = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            let Some(key) = k.as_str() else {
                self.problem(k.mark, format!("a key of {what} must be a scalar"));
                continue;
            };
            if !known.contains(&key) {
                let h = hint(key, known.iter().copied());
                self.problem(k.mark, format!("unknown key `{key}` in {what}{h}"));
                continue;
            }
            if out.iter().any(|(seen, _)| *seen == key) {
                self.problem(k.mark, format!("duplicate key `{key}` in {what}"));
                continue;
            }
            out.push((key, v));
        }
        Some(Fields {
            mark: node.mark,
            entries: out,
        })
    }

    fn scalar(&mut self, node: &Node, what: &str) -> Option<String> {
        match node.as_str() {
            Some(s) if !node.is_null() => Some(s.to_string()),
            Some(_) => {
                self.problem(node.mark, format!("{what} is empty"));
                None
            }
            None => {
                self.problem(node.mark, format!("{what} must be a scalar, not {}", node.what()));
                None
            }
        }
    }

    fn required(&mut self, f: &Fields<'_>, key: &str, what: &str) -> Option<String> {
        match f.get(key) {
            Some(n) => self.scalar(n, &format!("`{key}` of {what}")),
            None => {
                self.problem(f.mark, format!("{what} is missing required key `{key}`"));
                None
            }
        }
    }

    fn optional(&mut self, f: &Fields<'_>, key: &str, what: &str) -> Option<String> {
        let n = f.get(key)?;
        if n.is_null() {
            return None;
        }
        self.scalar(n, &format!("`{key}` of {what}"))
    }

    /// A sequence of scalars, or one comma-separated scalar: the items with their marks.
    fn list(&mut self, node: &Node, what: &str) -> Vec<(String, Mark)> {
        match &node.kind {
            Kind::Seq(items) => items
                .iter()
                .filter_map(|i| self.scalar(i, &format!("an item of {what}")).map(|s| (s, i.mark)))
                .collect(),
            Kind::Scalar(s, _) => crate::params::split_list(s)
                .map(|v| (v.to_string(), node.mark))
                .collect(),
            Kind::Map(_) => {
                self.problem(node.mark, format!("{what} must be a list, not a mapping"));
                Vec::new()
            }
        }
    }

    fn seq<'n>(&mut self, node: Option<&'n Node>, what: &str) -> &'n [Node] {
        match node.map(|n| &n.kind) {
            None => &[],
            Some(Kind::Seq(items)) => items,
            Some(_) if node.is_some_and(Node::is_null) => &[],
            Some(_) => {
                if let Some(n) = node {
                    self.problem(n.mark, format!("{what} must be a list, not {}", n.what()));
                }
                &[]
            }
        }
    }

    fn document(&mut self, text: &str) -> Option<Bundle> {
        let docs = match vigil_yaml::parse(text) {
            Ok(d) => d,
            Err(e) => {
                self.problem(e.mark, format!("invalid YAML: {}", e.message));
                return None;
            }
        };
        let Some(root) = docs.first() else {
            self.problem(
                Mark { line: 1, col: 1 },
                "the file is empty: a bundle needs version, id and policies",
            );
            return None;
        };
        if let Some(second) = docs.get(1) {
            self.problem(second.mark, "a bundle file holds one YAML document");
        }
        self.bundle(root)
    }

    fn bundle(&mut self, root: &Node) -> Option<Bundle> {
        let f = self.fields(root, "the bundle", TOP_KEYS)?;
        let version = self.required(&f, "version", "the bundle");
        if let (Some(v), Some(node)) = (&version, f.get("version")) {
            if v.trim() != BUNDLE_VERSION {
                self.problem(
                    node.mark,
                    format!("unsupported bundle version {v:?} (this Vigil reads version {BUNDLE_VERSION:?})"),
                );
            }
        }
        let id = self.required(&f, "id", "the bundle");
        let name = self.optional(&f, "name", "the bundle");
        let description = self.optional(&f, "description", "the bundle").unwrap_or_default();
        if f.get("policies").is_none() {
            self.problem(f.mark, "the bundle is missing required key `policies`");
        }
        let mut policies = Vec::new();
        let mut seen = HashSet::new();
        for node in self.seq(f.get("policies"), "`policies`") {
            if let Some(p) = self.policy(node) {
                if !seen.insert(p.id.clone()) {
                    self.problem(node.mark, format!("duplicate policy id `{}`", p.id));
                }
                policies.push(p);
            }
        }
        let mut allowlists = Vec::new();
        let mut seen = HashSet::new();
        for node in self.seq(f.get("allowlists"), "`allowlists`") {
            if let Some(a) = self.allowlist(node) {
                if !seen.insert(a.id.clone()) {
                    self.problem(node.mark, format!("duplicate allowlist id `{}`", a.id));
                }
                allowlists.push(a);
            }
        }
        let policy_ids: Vec<&str> = policies.iter().map(|p| p.id.as_str()).collect();
        let allowlist_ids: Vec<&str> = allowlists.iter().map(|a| a.id.as_str()).collect();
        let mut mappings = Vec::new();
        for node in self.seq(f.get("mappings"), "`mappings`") {
            if let Some(m) = self.mapping(node, &policy_ids, &allowlist_ids) {
                mappings.push(m);
            }
        }
        let allowlisted_images = self.selectors(f.get("allowlisted_images"), "allowlisted_images");
        let denylisted_images = self.selectors(f.get("denylisted_images"), "denylisted_images");
        let id = id?;
        Some(Bundle {
            name: name.unwrap_or_else(|| id.clone()),
            id,
            version: version?,
            description,
            policies,
            allowlists,
            mappings,
            allowlisted_images,
            denylisted_images,
            source: String::new(),
        })
    }

    fn policy(&mut self, node: &Node) -> Option<Policy> {
        let f = self.fields(node, "a policy", POLICY_KEYS)?;
        let id = self.required(&f, "id", "a policy");
        let name = self.optional(&f, "name", "a policy").unwrap_or_default();
        if f.get("rules").is_none() {
            self.problem(f.mark, "a policy is missing required key `rules`");
        }
        let pid = id.clone().unwrap_or_default();
        let mut rules = Vec::new();
        let mut seen = HashSet::new();
        for (i, r) in self.seq(f.get("rules"), "`rules`").iter().enumerate() {
            if let Some(rule) = self.rule(r, &pid, i + 1) {
                if !seen.insert(rule.id.clone()) {
                    self.problem(r.mark, format!("duplicate rule id `{}` in policy `{pid}`", rule.id));
                }
                rules.push(rule);
            }
        }
        Some(Policy { id: id?, name, rules })
    }

    fn rule(&mut self, node: &Node, policy: &str, n: usize) -> Option<Rule> {
        let f = self.fields(node, "a rule", RULE_KEYS)?;
        let id = self
            .optional(&f, "id", "a rule")
            .unwrap_or_else(|| format!("{policy}-{n}"));
        let gate_name = self.required(&f, "gate", "a rule");
        let trigger_name = self.required(&f, "trigger", "a rule");
        let action_text = self.required(&f, "action", "a rule");
        let action = action_text.as_deref().and_then(|a| {
            let parsed = Action::parse(a);
            if parsed.is_none() {
                if let Some(node) = f.get("action") {
                    self.problem(node.mark, format!("invalid action `{a}`: expected stop, warn or go"));
                }
            }
            parsed
        });
        let gate = gate_name.as_deref().and_then(|g| {
            let found = gates::gate(g);
            if found.is_none() {
                let names = gates()
                    .iter()
                    .flat_map(|s| std::iter::once(s.name).chain(s.aliases.iter().copied()));
                let h = hint(g, names);
                let list: Vec<&str> = gates().iter().map(|s| s.name).collect();
                let msg = if h.is_empty() {
                    format!("unknown gate `{g}` (gates: {})", list.join(", "))
                } else {
                    format!("unknown gate `{g}`{h}")
                };
                if let Some(node) = f.get("gate") {
                    self.problem(node.mark, msg);
                }
            }
            found
        });
        let trigger = match (gate, trigger_name.as_deref()) {
            (Some(g), Some(t)) => {
                let found = g.trigger(t);
                if found.is_none() {
                    let names: Vec<&str> = g.triggers.iter().map(|t| t.name).collect();
                    let h = hint(t, names.iter().copied());
                    let msg = if h.is_empty() {
                        format!(
                            "unknown trigger `{t}` of gate `{}` (triggers: {})",
                            g.name,
                            names.join(", ")
                        )
                    } else {
                        format!("unknown trigger `{t}` of gate `{}`{h}", g.name)
                    };
                    if let Some(node) = f.get("trigger") {
                        self.problem(node.mark, msg);
                    }
                }
                found
            }
            _ => None,
        };
        let params = match trigger {
            Some(t) => self.params(&f, gate.map_or("", |g| g.name), t),
            None => BTreeMap::new(),
        };
        Some(Rule {
            id,
            gate: gate?.name.to_string(),
            trigger: trigger?.name.to_string(),
            action: action?,
            params,
            at: self.place(f.mark),
        })
    }

    fn params(&mut self, rule: &Fields<'_>, gate: &str, t: &gates::TriggerSpec) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let before = self.problems.len();
        let what = format!("trigger `{gate}.{}`", t.name);
        let node = rule.get("params").filter(|n| !n.is_null());
        let mark = node.map_or(rule.mark, |n| n.mark);
        let mut given: Vec<String> = Vec::new();
        if let Some(node) = node {
            let known: Vec<&str> = t.params.iter().map(|p| p.name).collect();
            let entries = match &node.kind {
                // Anchore's form: `params: [{name: severity, value: high}, ...]`.
                Kind::Seq(items) => self.named_params(items, &what, &known),
                _ => match self.fields(node, &format!("the params of {what}"), &known) {
                    Some(f) => f.entries,
                    None => return out,
                },
            };
            for (key, value) in &entries {
                let Some(spec) = t.params.iter().find(|p| p.name == *key) else {
                    continue;
                };
                given.push((*key).to_string());
                let text = match (&value.kind, spec.kind) {
                    (Kind::Seq(_), ParamKind::List) => {
                        let items = self.list(value, &format!("parameter `{key}`"));
                        items.into_iter().map(|(s, _)| s).collect::<Vec<_>>().join(",")
                    }
                    (Kind::Seq(_) | Kind::Map(_), _) => {
                        self.problem(
                            value.mark,
                            format!(
                                "parameter `{key}` of {what} must be a single value, not {}",
                                value.what()
                            ),
                        );
                        continue;
                    }
                    (Kind::Scalar(s, _), _) => s.clone(),
                };
                if let Err(e) = check_value(spec.kind, &text) {
                    self.problem(value.mark, format!("parameter `{key}` of {what}: {e}"));
                    continue;
                }
                out.insert((*key).to_string(), text);
            }
        }
        for spec in t.params.iter().filter(|p| p.required) {
            if !given.iter().any(|g| g == spec.name) {
                self.problem(mark, format!("{what} is missing required parameter `{}`", spec.name));
            }
        }
        if self.problems.len() == before {
            if let Some(check) = t.check {
                if let Err(e) = check(&Params::new(&out)) {
                    self.problem(mark, format!("{what}: {e}"));
                }
            }
        }
        out
    }

    /// Parameters written as a list of `{name, value}` mappings; unknown and repeated names are
    /// problems.
    fn named_params<'n>(&mut self, items: &'n [Node], what: &str, known: &[&str]) -> Vec<(&'n str, &'n Node)> {
        let mut out: Vec<(&'n str, &'n Node)> = Vec::new();
        for item in items {
            let Some(f) = self.fields(item, &format!("a parameter of {what}"), &["name", "value"]) else {
                continue;
            };
            let (Some(name_node), Some(value)) = (f.get("name"), f.get("value")) else {
                self.problem(f.mark, format!("a parameter of {what} needs `name` and `value`"));
                continue;
            };
            let Some(name) = name_node.as_str() else {
                self.problem(name_node.mark, format!("a parameter name of {what} must be a scalar"));
                continue;
            };
            if !known.contains(&name) {
                let h = hint(name, known.iter().copied());
                self.problem(name_node.mark, format!("unknown parameter `{name}` of {what}{h}"));
            } else if out.iter().any(|(n, _)| *n == name) {
                self.problem(name_node.mark, format!("parameter `{name}` of {what} is given twice"));
            } else {
                out.push((name, value));
            }
        }
        out
    }

    fn allowlist(&mut self, node: &Node) -> Option<Allowlist> {
        let f = self.fields(node, "an allowlist", ALLOWLIST_KEYS)?;
        let id = self.required(&f, "id", "an allowlist");
        let name = self.optional(&f, "name", "an allowlist").unwrap_or_default();
        let mut items = Vec::new();
        let mut seen = HashSet::new();
        for n in self.seq(f.get("items"), "`items`") {
            if let Some(item) = self.item(n) {
                if !seen.insert(item.id.clone()) {
                    self.problem(n.mark, format!("duplicate item id `{}` in allowlist", item.id));
                }
                items.push(item);
            }
        }
        Some(Allowlist { id: id?, name, items })
    }

    fn item(&mut self, node: &Node) -> Option<AllowItem> {
        let what = "an allowlist item";
        let f = self.fields(node, what, ITEM_KEYS)?;
        let id = self.required(&f, "id", what);
        let gate = self.required(&f, "gate", what).and_then(|g| {
            let found = gates::gate(&g).map(|s| s.name.to_string());
            if found.is_none() {
                let h = hint(&g, gates().iter().map(|s| s.name));
                if let Some(n) = f.get("gate") {
                    self.problem(n.mark, format!("unknown gate `{g}`{h}"));
                }
            }
            found
        });
        let trigger_id = self.required(&f, "trigger_id", what);
        let reason = self.required(&f, "reason", what);
        let expires = self.optional(&f, "expires", what);
        if let (Some(e), Some(n)) = (&expires, f.get("expires")) {
            if let Err(msg) = check_value(ParamKind::Date, e) {
                self.problem(n.mark, format!("`expires`: {msg}"));
            }
        }
        Some(AllowItem {
            id: id?,
            gate: gate?,
            trigger_id: trigger_id?,
            reason: reason?,
            expires,
        })
    }

    fn ids(&mut self, f: &Fields<'_>, key: &str, known: &[&str], kind: &str, required: bool) -> Vec<String> {
        let Some(node) = f.get(key) else {
            if required {
                self.problem(f.mark, format!("a mapping is missing required key `{key}`"));
            }
            return Vec::new();
        };
        let items = self.list(node, &format!("`{key}`"));
        if required && items.is_empty() {
            self.problem(node.mark, format!("`{key}` names no {kind}"));
        }
        for (id, mark) in &items {
            if !known.contains(&id.as_str()) {
                let h = hint(id, known.iter().copied());
                self.problem(*mark, format!("mapping names unknown {kind} `{id}`{h}"));
            }
        }
        items.into_iter().map(|(s, _)| s).collect()
    }

    fn glob(&mut self, f: &Fields<'_>, key: &str, what: &str) -> String {
        self.optional(f, key, what).unwrap_or_else(|| "*".to_string())
    }

    fn mapping(&mut self, node: &Node, policies: &[&str], allowlists: &[&str]) -> Option<Mapping> {
        let what = "a mapping";
        let f = self.fields(node, what, MAPPING_KEYS)?;
        Some(Mapping {
            name: self.optional(&f, "name", what).unwrap_or_default(),
            registry: self.glob(&f, "registry", what),
            repository: self.glob(&f, "repository", what),
            tag: self.glob(&f, "tag", what),
            policy_ids: self.ids(&f, "policy_ids", policies, "policy", true),
            allowlist_ids: self.ids(&f, "allowlist_ids", allowlists, "allowlist", false),
        })
    }

    fn selectors(&mut self, node: Option<&Node>, key: &str) -> Vec<ImageSelector> {
        let what = format!("an item of `{key}`");
        let mut out = Vec::new();
        for n in self.seq(node, &format!("`{key}`")) {
            if let Some(f) = self.fields(n, &what, SELECTOR_KEYS) {
                out.push(ImageSelector {
                    name: self.optional(&f, "name", &what).unwrap_or_default(),
                    registry: self.glob(&f, "registry", &what),
                    repository: self.glob(&f, "repository", &what),
                    tag: self.glob(&f, "tag", &what),
                });
            }
        }
        out
    }
}
