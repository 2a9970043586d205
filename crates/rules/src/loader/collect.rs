//! Reading items in file order into definitions: redefinition, `append: true`, `override:`,
//! the `rule` + `enabled` form, sources other than `syscall`, versions and plugins.

use hashbrown::{HashMap, HashSet};

use super::items::{get, map, seq, Item, Loc, Text};
use super::source::SourceFile;
use super::yaml::{self, Kind, Node};
use super::{Priority, Severity};

#[derive(Debug, Clone)]
pub(crate) struct Diag {
    pub severity: Severity,
    pub loc: Loc,
    pub message: String,
}

/// An exception as written; its values are interpreted when the condition is built.
#[derive(Debug, Clone)]
pub(crate) struct Exception {
    pub name: String,
    pub loc: Loc,
    pub fields: Node,
    pub comps: Option<Node>,
    /// One node per value (a tuple for a list of fields, a scalar or list for one field).
    pub values: Vec<(u32, Node)>,
    pub file: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct RuleDef {
    pub name: String,
    pub loc: Loc,
    pub cond: Text,
    pub output: String,
    pub desc: String,
    pub priority: Priority,
    pub tags: Vec<String>,
    pub enabled: bool,
    pub warn_evttypes: bool,
    pub skip_unknown: bool,
    pub exceptions: Vec<Exception>,
    pub index: u32,
    pub visibility: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct MacroDef {
    pub name: String,
    pub loc: Loc,
    pub cond: Text,
    pub index: u32,
    pub visibility: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct ListDef {
    pub name: String,
    pub loc: Loc,
    pub items: Vec<Item>,
    pub index: u32,
    pub visibility: u32,
}

#[derive(Default)]
pub(crate) struct Collector {
    pub files: Vec<SourceFile>,
    pub diags: Vec<Diag>,
    pub rules: Vec<RuleDef>,
    pub macros: Vec<MacroDef>,
    pub lists: Vec<ListDef>,
    rule_names: HashMap<String, usize>,
    pub macro_names: HashMap<String, usize>,
    pub list_names: HashMap<String, usize>,
    /// Names of items skipped for their source, so that appends to them are skipped too.
    skipped: HashSet<(Kind3, String)>,
    pub engine_version: Option<String>,
    counter: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind3 {
    Rule,
    Macro,
    List,
}

impl Kind3 {
    fn word(self) -> &'static str {
        match self {
            Kind3::Rule => "rule",
            Kind3::Macro => "macro",
            Kind3::List => "list",
        }
    }
}

const RULE_KEYS: &[&str] = &[
    "rule",
    "desc",
    "condition",
    "output",
    "priority",
    "tags",
    "enabled",
    "warn_evttypes",
    "skip-if-unknown-filter",
    "exceptions",
    "append",
    "override",
    "source",
    "capture",
    "capture_duration",
];
const RULE_APPEND: &[&str] = &["condition", "output", "desc", "tags", "exceptions"];
const RULE_REPLACE: &[&str] = &[
    "condition",
    "output",
    "desc",
    "priority",
    "tags",
    "exceptions",
    "enabled",
    "warn_evttypes",
    "skip-if-unknown-filter",
    "capture",
    "capture_duration",
];

/// What an item says about the definition it extends.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Append,
    Replace,
}

impl Collector {
    fn diag(&mut self, severity: Severity, loc: Loc, message: String) {
        self.diags.push(Diag { severity, loc, message });
    }

    fn error(&mut self, loc: Loc, message: String) {
        self.diag(Severity::Error, loc, message);
    }

    fn warn(&mut self, loc: Loc, message: String) {
        self.diag(Severity::Warning, loc, message);
    }

    fn next_id(&mut self) -> u32 {
        self.counter += 1;
        self.counter
    }

    pub fn add_file(&mut self, name: &str, text: &str) {
        let file = u32::try_from(self.files.len()).unwrap_or(u32::MAX);
        self.files.push(SourceFile::new(name, text.to_string()));
        let at = |mark| Loc { file, mark, width: 1 };
        let docs = match yaml::parse(text) {
            Ok(d) => d,
            Err(e) => {
                self.error(at(e.mark), format!("invalid YAML: {}", e.message));
                return;
            }
        };
        for doc in &docs {
            if doc.is_null() {
                continue;
            }
            let Some(items) = seq(doc) else {
                self.error(
                    Loc::of(file, doc),
                    format!(
                        "a rules file is a sequence of items (`- rule: ...`), found {}",
                        doc.what()
                    ),
                );
                continue;
            };
            for item in items {
                self.add_item(file, item);
            }
        }
    }

    fn add_item(&mut self, file: u32, item: &Node) {
        let loc = Loc::of(file, item);
        let Some(entries) = map(item) else {
            self.error(
                loc,
                format!("an item is a mapping (`- rule: ...`), found {}", item.what()),
            );
            return;
        };
        for kind in [Kind3::Rule, Kind3::Macro, Kind3::List] {
            if let Some(name) = get(entries, kind.word()) {
                return self.add_named(kind, file, loc, entries, name);
            }
        }
        if let Some(v) = get(entries, "required_engine_version") {
            return self.engine_version(file, v);
        }
        if let Some(v) = get(entries, "required_plugin_versions") {
            return self.plugins(file, v);
        }
        let keys: Vec<&str> = entries.iter().filter_map(|(k, _)| k.as_str()).collect();
        self.error(
            loc,
            format!(
                "unknown item with keys {}: expected `rule`, `macro`, `list`, `required_engine_version` or \
                 `required_plugin_versions`",
                keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
            ),
        );
    }

    fn engine_version(&mut self, file: u32, v: &Node) {
        let Some(s) = v.as_str() else {
            return self.error(Loc::of(file, v), "`required_engine_version` must be a version".into());
        };
        let key = |s: &str| -> Vec<u64> { s.split('.').map(|p| p.trim().parse().unwrap_or(0)).collect() };
        if self.engine_version.as_deref().is_none_or(|cur| key(s) > key(cur)) {
            self.engine_version = Some(s.to_string());
        }
    }

    fn plugins(&mut self, file: u32, v: &Node) {
        let Some(list) = seq(v) else {
            return self.error(Loc::of(file, v), "`required_plugin_versions` must be a sequence".into());
        };
        for p in list {
            let name = map(p).and_then(|e| get(e, "name")).and_then(Node::as_str);
            match name {
                Some("container") => {}
                Some(other) => self.warn(
                    Loc::of(file, p),
                    format!(
                        "requires plugin `{other}`, which Vigil does not have (only the `container` plugin's fields \
                         are built in); rules using its fields will not load"
                    ),
                ),
                None => self.error(Loc::of(file, p), "a plugin requirement needs a `name`".into()),
            }
        }
    }

    fn add_named(&mut self, kind: Kind3, file: u32, loc: Loc, entries: &[(Node, Node)], name_node: &Node) {
        let word = kind.word();
        let name = match name_node.as_str() {
            Some(n) if !n.trim().is_empty() => n.to_string(),
            _ => return self.error(Loc::of(file, name_node), format!("a {word} needs a name")),
        };
        let allowed: &[&str] = match kind {
            Kind3::Rule => RULE_KEYS,
            Kind3::Macro => &["macro", "condition", "append", "override", "source", "desc"],
            Kind3::List => &["list", "items", "append", "override", "source"],
        };
        for (k, _) in entries {
            match k.as_str() {
                Some(key) if allowed.contains(&key) => {}
                Some(key) => self.warn(
                    Loc::of(file, k),
                    format!("unknown key `{key}` in {word} `{name}` (ignored)"),
                ),
                None => self.warn(
                    Loc::of(file, k),
                    format!("a key of {word} `{name}` is not a string (ignored)"),
                ),
            }
        }
        if let Some(src) = get(entries, "source") {
            let s = src.as_str().unwrap_or("");
            if s != "syscall" {
                self.warn(
                    Loc::of(file, src),
                    format!("{word} `{name}` has source `{s}`; only `syscall` items are loaded, skipped"),
                );
                self.skipped.insert((kind, name));
                return;
            }
        }
        let append = match get(entries, "append") {
            None => false,
            Some(v) => match v.as_bool() {
                Some(b) => b,
                None => {
                    return self.error(
                        Loc::of(file, v),
                        format!("`append` of {word} `{name}` must be true or false"),
                    )
                }
            },
        };
        if append && get(entries, "override").is_some() {
            return self.error(
                loc,
                format!("{word} `{name}`: `override` and `append: true` cannot be used together"),
            );
        }
        let overrides = match get(entries, "override") {
            None => None,
            Some(v) => match self.overrides(kind, file, &name, entries, v) {
                Some(o) => Some(o),
                None => return,
            },
        };
        let changes: Option<Vec<(&str, Mode)>> = if append {
            let keys: &[&str] = match kind {
                Kind3::Rule => RULE_APPEND,
                Kind3::Macro => &["condition"],
                Kind3::List => &["items"],
            };
            let mut changes = Vec::new();
            for (k, _) in entries {
                match k.as_str() {
                    Some(key) if keys.contains(&key) => changes.push((key, Mode::Append)),
                    Some("append" | "source") => {}
                    Some(key) if key == word => {}
                    Some(key) if allowed.contains(&key) => self.warn(
                        Loc::of(file, k),
                        format!("`{key}` cannot be appended to {word} `{name}` (ignored); use `override: {{{key}: replace}}`"),
                    ),
                    _ => {}
                }
            }
            if changes.is_empty() {
                return self.error(
                    loc,
                    format!(
                        "{word} `{name}` has `append: true` but nothing to append ({})",
                        keys.join(", ")
                    ),
                );
            }
            Some(changes)
        } else {
            overrides
        };
        let enable_only = kind == Kind3::Rule
            && changes.is_none()
            && get(entries, "enabled").is_some()
            && entries
                .iter()
                .all(|(k, _)| matches!(k.as_str(), Some("rule" | "enabled" | "source")));
        let changes = match changes {
            Some(c) => c,
            None if enable_only => vec![("enabled", Mode::Replace)],
            None => return self.define(kind, file, loc, name, entries),
        };
        let id = self.next_id();
        let found = match kind {
            Kind3::Rule => self.rule_names.get(&name),
            Kind3::Macro => self.macro_names.get(&name),
            Kind3::List => self.list_names.get(&name),
        }
        .copied();
        let Some(idx) = found else {
            if self.skipped.contains(&(kind, name.clone())) {
                return;
            }
            let how = if append {
                "has `append: true`"
            } else if enable_only {
                "only sets `enabled`"
            } else {
                "has `override`"
            };
            return self.error(
                loc,
                format!("{word} `{name}` {how} but no {word} of that name is defined before"),
            );
        };
        for (key, mode) in changes {
            let Some(v) = get(entries, key) else { continue };
            self.apply(kind, idx, file, &name, key, mode, v);
        }
        match kind {
            Kind3::Rule => self.rules.get_mut(idx).map(|r| r.visibility = id),
            Kind3::Macro => self.macros.get_mut(idx).map(|r| r.visibility = id),
            Kind3::List => self.lists.get_mut(idx).map(|r| r.visibility = id),
        };
    }

    /// Checks an `override:` mapping against Falco's rules; `None` after reporting an error.
    fn overrides<'e>(
        &mut self,
        kind: Kind3,
        file: u32,
        name: &str,
        entries: &'e [(Node, Node)],
        v: &Node,
    ) -> Option<Vec<(&'e str, Mode)>> {
        let word = kind.word();
        let Some(ov) = map(v) else {
            self.error(
                Loc::of(file, v),
                format!("`override` of {word} `{name}` must be a mapping of key: append|replace"),
            );
            return None;
        };
        let (app, rep): (&[&str], &[&str]) = match kind {
            Kind3::Rule => (RULE_APPEND, RULE_REPLACE),
            Kind3::Macro => (&["condition"], &["condition"]),
            Kind3::List => (&["items"], &["items"]),
        };
        let mut out = Vec::new();
        let mut ok = true;
        for (k, mode) in ov {
            let key = k.as_str().unwrap_or("");
            let m = match mode.as_str() {
                Some("append") => Mode::Append,
                Some("replace") => Mode::Replace,
                _ => {
                    self.error(
                        Loc::of(file, mode),
                        format!("override of `{key}` must be `append` or `replace`"),
                    );
                    ok = false;
                    continue;
                }
            };
            let allowed = if m == Mode::Append { app } else { rep };
            if !allowed.contains(&key) {
                let what = if m == Mode::Append { "appended" } else { "replaced" };
                self.error(
                    Loc::of(file, k),
                    format!(
                        "key `{key}` of {word} `{name}` cannot be {what} (only {})",
                        allowed.join(", ")
                    ),
                );
                ok = false;
                continue;
            }
            match entries.iter().find(|(ek, _)| ek.as_str() == Some(key)) {
                Some((ek, _)) => out.push((ek.as_str().unwrap_or(""), m)),
                None => {
                    self.error(
                        Loc::of(file, k),
                        format!("{word} `{name}` overrides `{key}` but does not set it"),
                    );
                    ok = false;
                }
            }
        }
        for (k, _) in entries {
            let key = k.as_str().unwrap_or("");
            if key == word || key == "override" || key == "source" {
                continue;
            }
            if !ov.iter().any(|(ok, _)| ok.as_str() == Some(key)) {
                self.error(
                    Loc::of(file, k),
                    format!("{word} `{name}` sets `{key}` without an entry for it under `override`"),
                );
                ok = false;
            }
        }
        ok.then_some(out)
    }

    #[allow(clippy::too_many_arguments)]
    fn apply(&mut self, kind: Kind3, idx: usize, file: u32, name: &str, key: &str, mode: Mode, v: &Node) {
        let loc = Loc::of(file, v);
        match (kind, key) {
            (Kind3::List, _) => {
                let Some(items) = self.items(file, name, v) else { return };
                if let Some(l) = self.lists.get_mut(idx) {
                    if mode == Mode::Replace {
                        l.items = items;
                    } else {
                        l.items.extend(items);
                    }
                }
            }
            (Kind3::Macro, _) => {
                let Some(t) = self.text(file, name, "condition", v) else {
                    return;
                };
                if let Some(m) = self.macros.get_mut(idx) {
                    if mode == Mode::Replace {
                        m.cond = t;
                    } else {
                        m.cond.append(t);
                    }
                }
            }
            (Kind3::Rule, "condition") => {
                let Some(t) = self.text(file, name, key, v) else { return };
                if let Some(r) = self.rules.get_mut(idx) {
                    if mode == Mode::Replace {
                        r.cond = t;
                    } else {
                        r.cond.append(t);
                    }
                }
            }
            (Kind3::Rule, "output" | "desc") => {
                let Some(t) = self.text(file, name, key, v) else { return };
                if let Some(r) = self.rules.get_mut(idx) {
                    let field = if key == "output" { &mut r.output } else { &mut r.desc };
                    if mode == Mode::Replace {
                        *field = t.text;
                    } else {
                        if !field.is_empty() {
                            field.push(' ');
                        }
                        field.push_str(&t.text);
                    }
                }
            }
            (Kind3::Rule, "tags") => {
                let Some(tags) = self.strings(file, name, key, v) else {
                    return;
                };
                if let Some(r) = self.rules.get_mut(idx) {
                    if mode == Mode::Replace {
                        r.tags = tags;
                    } else {
                        for t in tags {
                            if !r.tags.contains(&t) {
                                r.tags.push(t);
                            }
                        }
                    }
                }
            }
            (Kind3::Rule, "exceptions") => {
                let Some(exc) = self.exceptions(file, name, v, mode == Mode::Append) else {
                    return;
                };
                let Some(r) = self.rules.get_mut(idx) else { return };
                if mode == Mode::Replace {
                    r.exceptions = exc;
                    return;
                }
                let mut errors = Vec::new();
                for e in exc {
                    match r.exceptions.iter_mut().find(|x| x.name == e.name) {
                        // Appending to an exception of the same name adds its values.
                        Some(prev) => prev.values.extend(e.values),
                        None if e.fields.is_null() => errors.push((e.loc, e.name)),
                        None => r.exceptions.push(e),
                    }
                }
                for (l, n) in errors {
                    self.error(
                        l,
                        format!("rule `{name}` appends to exception `{n}`, which it does not have (add `fields`)"),
                    );
                }
            }
            (Kind3::Rule, "priority") => {
                let Some(p) = self.priority(file, name, v) else { return };
                if let Some(r) = self.rules.get_mut(idx) {
                    r.priority = p;
                }
            }
            (Kind3::Rule, "enabled" | "warn_evttypes" | "skip-if-unknown-filter") => {
                let Some(b) = v.as_bool() else {
                    return self.error(loc, format!("`{key}` of rule `{name}` must be true or false"));
                };
                if let Some(r) = self.rules.get_mut(idx) {
                    match key {
                        "enabled" => r.enabled = b,
                        "warn_evttypes" => r.warn_evttypes = b,
                        _ => r.skip_unknown = b,
                    }
                }
            }
            _ => {}
        }
    }

    fn define(&mut self, kind: Kind3, file: u32, loc: Loc, name: String, entries: &[(Node, Node)]) {
        let word = kind.word();
        let required: &[&str] = match kind {
            Kind3::Rule => &["condition", "output", "desc", "priority"],
            Kind3::Macro => &["condition"],
            Kind3::List => &["items"],
        };
        let missing: Vec<&str> = required.iter().copied().filter(|k| get(entries, k).is_none()).collect();
        if !missing.is_empty() {
            let keys = missing.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
            return self.error(loc, format!("{word} `{name}` has no {keys}"));
        }
        let id = self.next_id();
        let found = match kind {
            Kind3::Rule => self.rule_names.get(&name),
            Kind3::Macro => self.macro_names.get(&name),
            Kind3::List => self.list_names.get(&name),
        }
        .copied();
        let index = found.map_or(id, |i| match kind {
            Kind3::Rule => self.rules.get(i).map_or(id, |r| r.index),
            Kind3::Macro => self.macros.get(i).map_or(id, |r| r.index),
            Kind3::List => self.lists.get(i).map_or(id, |r| r.index),
        });
        let opt = |k: &str| get(entries, k);
        match kind {
            Kind3::List => {
                let Some(items) = opt("items").and_then(|v| self.items(file, &name, v)) else {
                    return;
                };
                let def = ListDef {
                    name: name.clone(),
                    loc,
                    items,
                    index,
                    visibility: id,
                };
                match found.and_then(|i| self.lists.get_mut(i)) {
                    Some(slot) => *slot = def,
                    None => {
                        self.list_names.insert(name, self.lists.len());
                        self.lists.push(def);
                    }
                }
            }
            Kind3::Macro => {
                let Some(cond) = opt("condition").and_then(|v| self.text(file, &name, "condition", v)) else {
                    return;
                };
                let def = MacroDef {
                    name: name.clone(),
                    loc,
                    cond,
                    index,
                    visibility: id,
                };
                match found.and_then(|i| self.macros.get_mut(i)) {
                    Some(slot) => *slot = def,
                    None => {
                        self.macro_names.insert(name, self.macros.len());
                        self.macros.push(def);
                    }
                }
            }
            Kind3::Rule => {
                let cond = opt("condition").and_then(|v| self.text(file, &name, "condition", v));
                let output = opt("output").and_then(|v| self.text(file, &name, "output", v));
                let desc = opt("desc").and_then(|v| self.text(file, &name, "desc", v));
                let priority = opt("priority").and_then(|v| self.priority(file, &name, v));
                let tags = match opt("tags") {
                    Some(v) => self.strings(file, &name, "tags", v),
                    None => Some(Vec::new()),
                };
                let exceptions = match opt("exceptions") {
                    Some(v) => self.exceptions(file, &name, v, false),
                    None => Some(Vec::new()),
                };
                let mut flag = |k: &str, default: bool| match get(entries, k) {
                    None => Some(default),
                    Some(v) => {
                        let b = v.as_bool();
                        if b.is_none() {
                            self.error(
                                Loc::of(file, v),
                                format!("`{k}` of rule `{name}` must be true or false"),
                            );
                        }
                        b
                    }
                };
                let enabled = flag("enabled", true);
                let warn_evttypes = flag("warn_evttypes", true);
                let skip_unknown = flag("skip-if-unknown-filter", false);
                let (Some(cond), Some(output), Some(desc), Some(priority), Some(tags), Some(exceptions)) =
                    (cond, output, desc, priority, tags, exceptions)
                else {
                    return;
                };
                let (Some(enabled), Some(warn_evttypes), Some(skip_unknown)) = (enabled, warn_evttypes, skip_unknown)
                else {
                    return;
                };
                let def = RuleDef {
                    name: name.clone(),
                    loc,
                    cond,
                    output: output.text,
                    desc: desc.text,
                    priority,
                    tags,
                    enabled,
                    warn_evttypes,
                    skip_unknown,
                    exceptions,
                    index,
                    visibility: id,
                };
                match found.and_then(|i| self.rules.get_mut(i)) {
                    Some(slot) => *slot = RuleDef { loc: slot.loc, ..def },
                    None => {
                        self.rule_names.insert(name, self.rules.len());
                        self.rules.push(def);
                    }
                }
            }
        }
    }

    fn text(&mut self, file: u32, name: &str, key: &str, v: &Node) -> Option<Text> {
        if v.is_null() {
            return Some(Text::default());
        }
        let t = Text::from_node(file, v);
        if t.is_none() {
            self.error(
                Loc::of(file, v),
                format!("`{key}` of `{name}` must be a string, found {}", v.what()),
            );
        }
        t
    }

    fn strings(&mut self, file: u32, name: &str, key: &str, v: &Node) -> Option<Vec<String>> {
        if v.is_null() {
            return Some(Vec::new());
        }
        let out: Option<Vec<String>> = seq(v).and_then(|s| s.iter().map(|n| n.as_str().map(str::to_string)).collect());
        if out.is_none() {
            self.error(
                Loc::of(file, v),
                format!("`{key}` of `{name}` must be a sequence of strings"),
            );
        }
        out
    }

    fn items(&mut self, file: u32, name: &str, v: &Node) -> Option<Vec<Item>> {
        if v.is_null() {
            return Some(Vec::new());
        }
        let out: Option<Vec<Item>> = seq(v).and_then(|s| s.iter().map(|n| n.as_str().map(Item::from_scalar)).collect());
        if out.is_none() {
            self.error(
                Loc::of(file, v),
                format!("`items` of list `{name}` must be a sequence of strings"),
            );
        }
        out
    }

    fn priority(&mut self, file: u32, name: &str, v: &Node) -> Option<Priority> {
        let p = v.as_str().and_then(Priority::parse);
        if p.is_none() {
            self.error(
                Loc::of(file, v),
                format!(
                    "rule `{name}`: unknown priority `{}` (emergency, alert, critical, error, warning, notice, \
                     informational, debug)",
                    v.as_str().unwrap_or("")
                ),
            );
        }
        p
    }

    fn exceptions(&mut self, file: u32, name: &str, v: &Node, appending: bool) -> Option<Vec<Exception>> {
        if v.is_null() {
            return Some(Vec::new());
        }
        let Some(list) = seq(v) else {
            self.error(
                Loc::of(file, v),
                format!("`exceptions` of rule `{name}` must be a sequence"),
            );
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for e in list {
            let loc = Loc::of(file, e);
            let Some(entries) = map(e) else {
                self.error(loc, format!("an exception of rule `{name}` must be a mapping"));
                ok = false;
                continue;
            };
            for (k, _) in entries {
                if !matches!(k.as_str(), Some("name" | "fields" | "comps" | "values")) {
                    self.warn(
                        Loc::of(file, k),
                        format!(
                            "unknown key `{}` in an exception of rule `{name}` (ignored)",
                            k.as_str().unwrap_or("")
                        ),
                    );
                }
            }
            let Some(ename) = get(entries, "name").and_then(Node::as_str) else {
                self.error(loc, format!("an exception of rule `{name}` has no `name`"));
                ok = false;
                continue;
            };
            let fields = get(entries, "fields").cloned();
            let values = match get(entries, "values") {
                None => Vec::new(),
                Some(n) if n.is_null() => Vec::new(),
                Some(n) => match seq(n) {
                    Some(vs) => vs.iter().map(|x| (file, x.clone())).collect(),
                    None => {
                        self.error(
                            Loc::of(file, n),
                            format!("`values` of exception `{ename}` must be a sequence"),
                        );
                        ok = false;
                        continue;
                    }
                },
            };
            let fields = match fields {
                Some(f) => f,
                None if appending => Node {
                    kind: Kind::Scalar(String::new(), yaml::Style::Plain),
                    mark: e.mark,
                    end: e.mark,
                },
                None => {
                    self.error(loc, format!("exception `{ename}` of rule `{name}` has no `fields`"));
                    ok = false;
                    continue;
                }
            };
            out.push(Exception {
                name: ename.to_string(),
                loc: Loc::of(file, get(entries, "name").unwrap_or(e)),
                fields,
                comps: get(entries, "comps").cloned(),
                values,
                file,
            });
        }
        ok.then_some(out)
    }
}
