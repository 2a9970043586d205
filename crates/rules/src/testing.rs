//! Rule tests as data: a YAML file of cases, each a list of input events given as field maps (or
//! a capture file) and the alerts expected. `vigil rules test FILE` runs such files for users'
//! rules; Vigil's own default rules are tested with files of the same format
//! (crates/rules/tests/cases).
//!
//! ```yaml
//! rules: [my-rules.yaml]        # rule files, relative to this file; absent: Vigil's default rules
//! defaults:                     # fields under every event of the file (an event's own win)
//!   container.id: 3f2a9c1d7b4e
//! cases:
//!   - name: cat reads the shadow file
//!     events:                   # or `event:` with one map
//!       - {evt.type: openat, proc.name: cat, fd.name: /etc/shadow, fd.num: 3, evt.is_open_read: true}
//!     expect: [Read of password or sudo files]   # every alert of every event, in order
//!   - name: sshd reads the shadow file
//!     neighbour_of: Read of password or sudo files   # a benign neighbour of that rule
//!     events:
//!       - {evt.type: openat, proc.name: sshd, fd.name: /etc/shadow, fd.num: 3, evt.is_open_read: true}
//!     expect: []
//!   - name: a recorded attack
//!     capture: attack.vcap      # a file written by `vigil capture`, relative to this file
//!     expect_contains: [Terminal shell in container, Read of password or sudo files]
//! ```
//!
//! **Expectations.** `expect:` lists every alert of the case, by rule name, in the order raised
//! (`[]`: none). `expect_contains:` (instead of `expect:`) lists alerts that must be raised in this
//! order, with any others allowed before, between and after them: for captures that raise many
//! alerts. `neighbour_of:` names rules the case must not raise, whichever form is used.
//!
//! **Capture input.** `capture: PATH` replaces `events:`. The state is rebuilt as `vigil replay`
//! rebuilds it: the process and container tables from the snapshot in the capture's header, plus
//! the container metadata its trailer learned by the end; every record is then decoded, applied to
//! the state and evaluated with all its fields (host name and boot time from the header, `evt.num`
//! counting records from 1). `defaults:` does not apply to captures. A record that does not decode
//! or a capture without a state snapshot fails the file.
//!
//! Field names are those of the field table, with their argument as in conditions
//! (`evt.arg.flags`, `proc.aname[1]`, `container.label[app]`); values are parsed for the field's
//! type. Fields with several values (`proc.aname`, `fd.ip`, `fd.types`) take a list. A field not
//! given is missing, as one that cannot be extracted from a real event, except a few that the
//! extractor derives from others: `fd.directory` and `fd.filename` from a file's `fd.name`, and
//! `fd.rnet` from `fd.rip`. `evt.type: execve` is a successful exec (the new program's `proc.*`
//! fields) unless `evt.rawres` is negative. Every rule runs (match mode `all`), whatever its
//! priority.

use std::net::IpAddr;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use vigil_capture::abi::{KIND_PROC_EXEC, KIND_PROC_EXIT, KIND_PROC_FORK};
use vigil_capture::syscalls;
use yaml_rust2::{Yaml, YamlLoader};

use crate::fields;
use crate::loader::{self, Diagnostic};
use crate::ruleset::{MatchMode, Ruleset, RulesetConfig};
use crate::table::{suggest, FieldTable};
use crate::value::{Cardinality, FieldArg, FieldRef, FieldType, Fields, Scratch, Value};

mod capture;

pub use capture::CaptureInputError;

/// A case file, parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFile {
    /// Rule files as written (relative to the case file); empty for the default rules.
    pub rules: Vec<String>,
    pub cases: Vec<Case>,
}

/// One case: its input and the alerts it must raise.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub name: String,
    /// The rules this case is a benign neighbour of: it must not raise them.
    pub neighbour_of: Vec<String>,
    pub input: Input,
    /// Rule names, in the order the alerts are raised.
    pub expect: Vec<String>,
    /// Whether `expect` is every alert or alerts among others.
    pub mode: ExpectMode,
}

/// What a case feeds the rules.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// `event:` / `events:`: field maps, in order.
    Events(Vec<MapEvent>),
    /// `capture:`: a capture file (the path resolved against the case file's directory).
    Capture(PathBuf),
}

/// How the alerts raised are compared with the expected ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExpectMode {
    /// `expect:` the alerts are exactly these, in this order.
    #[default]
    Exact,
    /// `expect_contains:` these alerts are raised in this order, among any others.
    Contains,
}

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("{file}: not YAML: {msg}")]
    Yaml { file: String, msg: String },
    #[error("{file}: {place}: {msg}")]
    Format { file: String, place: String, msg: String },
    #[error("{file}: cannot read: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: the rule files do not load: {}", first_error(.diagnostics))]
    Rules { file: String, diagnostics: Vec<Diagnostic> },
    #[error("{file}: case `{case}`: {source}")]
    Capture {
        file: String,
        case: String,
        #[source]
        source: Box<CaptureInputError>,
    },
}

fn first_error(d: &[Diagnostic]) -> String {
    d.iter()
        .find(|d| d.is_error())
        .map(|d| format!("{}:{}:{}: {}", d.origin.file, d.origin.line, d.origin.col, d.message))
        .unwrap_or_default()
}

/// One field value of a [`MapEvent`], owned.
#[derive(Debug, Clone, PartialEq)]
enum Owned {
    Str(Vec<u8>),
    Num(i64),
    UNum(u64),
    Bool(bool),
    Ip(IpAddr),
}

impl Owned {
    fn value(&self) -> Value<'_> {
        match self {
            Owned::Str(s) => Value::Str(s),
            Owned::Num(n) => Value::Num(*n),
            Owned::UNum(n) => Value::UNum(*n),
            Owned::Bool(b) => Value::Bool(*b),
            Owned::Ip(ip) => Value::Ip(*ip),
        }
    }
}

/// An event given as a map from fields to values: what the case files hold. Implements
/// [`Fields`] by looking the compiled field reference up; fields not in the map are missing.
#[derive(Debug, Clone, PartialEq)]
pub struct MapEvent {
    /// `evt.type`, for the event kind.
    pub evt_type: String,
    kind: u16,
    values: Vec<(FieldRef, Vec<Owned>)>,
}

impl MapEvent {
    /// Builds an event from (field name, YAML value) pairs; errors name the field.
    fn from_pairs(pairs: &[(String, Yaml)]) -> Result<MapEvent, String> {
        let table = fields::table();
        let mut values: Vec<(FieldRef, Vec<Owned>)> = Vec::new();
        let mut evt_type = None;
        for (key, v) in pairs {
            if matches!(v, Yaml::Null) {
                continue;
            }
            let (name, arg) = split_field(key);
            let info = table.resolve(name, arg).map_err(|e| {
                let names = table.names();
                match suggest(name, &names) {
                    Some(s) => format!("field `{key}`: {e} (did you mean `{s}`?)"),
                    None => format!("field `{key}`: {e}"),
                }
            })?;
            let items: Vec<&Yaml> = match v {
                Yaml::Array(a) => a.iter().collect(),
                other => vec![other],
            };
            if items.len() != 1 && info.card == Cardinality::One {
                return Err(format!("field `{key}` has one value, not a list"));
            }
            let parsed = items
                .into_iter()
                .map(|y| parse_value(info.ty, y).map_err(|m| format!("field `{key}`: {m}")))
                .collect::<Result<Vec<_>, _>>()?;
            if info.field.id == fields::id::EVT_TYPE && info.field.arg == FieldArg::None {
                if let Some(Owned::Str(s)) = parsed.first() {
                    evt_type = Some(String::from_utf8_lossy(s).into_owned());
                }
            }
            values.retain(|(f, _)| *f != info.field);
            values.push((info.field, parsed));
        }
        derive(&mut values);
        let evt_type = evt_type.ok_or_else(|| "every event needs `evt.type`".to_owned())?;
        let failed = values
            .iter()
            .any(|(f, v)| f.id == fields::id::EVT_RAWRES && matches!(v.first(), Some(Owned::Num(n)) if *n < 0));
        let kind = kind_of(&evt_type, failed)
            .ok_or_else(|| format!("`evt.type: {evt_type}` is not an event Vigil captures"))?;
        Ok(MapEvent { evt_type, kind, values })
    }

    /// The raw event kind, as the capture and the ruleset number them.
    pub fn kind(&self) -> u16 {
        self.kind
    }

    fn find(&self, f: &FieldRef) -> Option<&[Owned]> {
        self.values.iter().find(|(k, _)| k == f).map(|(_, v)| v.as_slice())
    }
}

impl Fields for MapEvent {
    fn get<'s>(&'s self, f: &FieldRef, _buf: &'s mut Vec<u8>) -> Value<'s> {
        match self.find(f) {
            Some([one]) => one.value(),
            _ => Value::Missing,
        }
    }

    fn for_each(&self, f: &FieldRef, _buf: &mut Vec<u8>, each: &mut dyn FnMut(Value<'_>) -> ControlFlow<()>) {
        for v in self.find(f).unwrap_or(&[]) {
            if each(v.value()).is_break() {
                return;
            }
        }
    }
}

/// Fields the extractor derives from others, added when the case does not give them: a file's
/// `fd.directory` and `fd.filename` from an absolute `fd.name`, and `fd.rnet` from `fd.rip`.
fn derive(values: &mut Vec<(FieldRef, Vec<Owned>)>) {
    let plain = |id: u32| FieldRef {
        id,
        arg: FieldArg::None,
    };
    let has = |values: &[(FieldRef, Vec<Owned>)], id: u32| values.iter().any(|(f, _)| *f == plain(id));
    let one = |values: &[(FieldRef, Vec<Owned>)], id: u32| {
        values
            .iter()
            .find(|(f, _)| *f == plain(id))
            .and_then(|(_, v)| v.first().cloned())
    };
    let is_file = match one(values, fields::id::FD_TYPE) {
        Some(Owned::Str(t)) => t == b"file",
        _ => true,
    };
    if let (true, Some(Owned::Str(name))) = (is_file, one(values, fields::id::FD_NAME)) {
        if let (Some(b'/'), Some(slash)) = (name.first(), name.iter().rposition(|&b| b == b'/')) {
            let dir = if slash == 0 {
                b"/".to_vec()
            } else {
                name.get(..slash).unwrap_or_default().to_vec()
            };
            let file = name.get(slash + 1..).unwrap_or_default().to_vec();
            if !has(values, fields::id::FD_DIRECTORY) {
                values.push((plain(fields::id::FD_DIRECTORY), vec![Owned::Str(dir)]));
            }
            if !has(values, fields::id::FD_FILENAME) {
                values.push((plain(fields::id::FD_FILENAME), vec![Owned::Str(file)]));
            }
        }
    }
    if let (false, Some(ip)) = (has(values, fields::id::FD_RNET), one(values, fields::id::FD_RIP)) {
        values.push((plain(fields::id::FD_RNET), vec![ip]));
    }
}

/// `proc.aname[2]` → (`proc.aname`, Some(`2`)); `evt.arg.flags` stays whole (the table splits it).
fn split_field(key: &str) -> (&str, Option<&str>) {
    let key = key.trim();
    match key.split_once('[') {
        Some((name, rest)) if rest.ends_with(']') => (name, rest.get(..rest.len() - 1)),
        _ => (key, None),
    }
}

/// The kind of an event named by `evt.type`: a successful exec is the exec tracepoint's event,
/// a failed one (`evt.rawres` below 0) the syscall's.
fn kind_of(name: &str, failed: bool) -> Option<u16> {
    match name {
        "execve" | "execveat" if !failed => Some(KIND_PROC_EXEC),
        n if n == syscalls::PROC_FORK_NAME => Some(KIND_PROC_FORK),
        n if n == syscalls::PROC_EXIT_NAME => Some(KIND_PROC_EXIT),
        n => syscalls::by_name(n).map(|s| s.kind),
    }
}

fn scalar_text(y: &Yaml) -> Option<String> {
    match y {
        Yaml::String(s) | Yaml::Real(s) => Some(s.clone()),
        Yaml::Integer(i) => Some(i.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

fn parse_value(ty: FieldType, y: &Yaml) -> Result<Owned, String> {
    let text = scalar_text(y).ok_or_else(|| "expected a scalar value".to_owned())?;
    let t = text.trim();
    let int = |t: &str| -> Option<i128> {
        let (neg, d) = match t.strip_prefix('-') {
            Some(d) => (true, d),
            None => (false, t),
        };
        let n = match d.strip_prefix("0x") {
            Some(h) => i128::from_str_radix(h, 16).ok()?,
            None => d.parse::<i128>().ok()?,
        };
        Some(if neg { -n } else { n })
    };
    match ty {
        FieldType::Str => Ok(Owned::Str(text.into_bytes())),
        FieldType::Int => int(t)
            .and_then(|n| i64::try_from(n).ok())
            .map(Owned::Num)
            .ok_or_else(|| format!("`{t}` is not an integer")),
        FieldType::UInt => int(t)
            .and_then(|n| u64::try_from(n).ok())
            .map(Owned::UNum)
            .ok_or_else(|| format!("`{t}` is not an unsigned integer")),
        FieldType::Bool => match t {
            "true" => Ok(Owned::Bool(true)),
            "false" => Ok(Owned::Bool(false)),
            _ => Err(format!("`{t}` is not true or false")),
        },
        FieldType::Ip => t
            .parse::<IpAddr>()
            .map(Owned::Ip)
            .map_err(|_| format!("`{t}` is not an IP address")),
    }
}

fn str_list(y: &Yaml) -> Option<Vec<String>> {
    match y {
        Yaml::Array(a) => a.iter().map(scalar_text).collect(),
        Yaml::BadValue | Yaml::Null => Some(Vec::new()),
        other => scalar_text(other).map(|s| vec![s]),
    }
}

fn map_pairs(y: &Yaml) -> Option<Vec<(String, Yaml)>> {
    match y {
        Yaml::Hash(h) => h.iter().map(|(k, v)| Some((scalar_text(k)?, v.clone()))).collect(),
        Yaml::Null | Yaml::BadValue => Some(Vec::new()),
        _ => None,
    }
}

/// Parses a case file; `file` names it in errors.
pub fn parse_cases(file: &str, text: &str) -> Result<CaseFile, CaseError> {
    let fmt = |place: &str, msg: String| CaseError::Format {
        file: file.to_owned(),
        place: place.to_owned(),
        msg,
    };
    let docs = YamlLoader::load_from_str(text).map_err(|e| CaseError::Yaml {
        file: file.to_owned(),
        msg: e.to_string(),
    })?;
    let Some(root @ Yaml::Hash(top)) = docs.first() else {
        return Err(fmt("top level", "expected a map with `cases`".into()));
    };
    for k in top.keys() {
        let k = scalar_text(k).unwrap_or_default();
        if !matches!(k.as_str(), "rules" | "defaults" | "cases") {
            return Err(fmt("top level", format!("unknown key `{k}` (rules, defaults, cases)")));
        }
    }
    let rules = str_list(&root["rules"]).ok_or_else(|| fmt("rules", "expected a list of file names".into()))?;
    let defaults = map_pairs(&root["defaults"]).ok_or_else(|| fmt("defaults", "expected a map of fields".into()))?;
    let Yaml::Array(items) = &root["cases"] else {
        return Err(fmt("cases", "expected a list of cases".into()));
    };
    let mut cases = Vec::with_capacity(items.len());
    for (i, c) in items.iter().enumerate() {
        let name = match &c["name"] {
            Yaml::String(s) => s.clone(),
            _ => return Err(fmt(&format!("case {}", i + 1), "every case needs a `name`".into())),
        };
        let place = format!("case `{name}`");
        if let Yaml::Hash(h) = c {
            for k in h.keys() {
                let k = scalar_text(k).unwrap_or_default();
                if !matches!(
                    k.as_str(),
                    "name" | "neighbour_of" | "event" | "events" | "capture" | "expect" | "expect_contains"
                ) {
                    return Err(fmt(&place, format!("unknown key `{k}`")));
                }
            }
        }
        let raw_events: Vec<&Yaml> = match (&c["event"], &c["events"], &c["capture"]) {
            (e @ Yaml::Hash(_), Yaml::BadValue, Yaml::BadValue) => vec![e],
            (Yaml::BadValue, Yaml::Array(a), Yaml::BadValue) if !a.is_empty() => a.iter().collect(),
            (Yaml::BadValue, Yaml::BadValue, Yaml::String(_)) => Vec::new(),
            _ => {
                return Err(fmt(
                    &place,
                    "needs one of `event: {...}`, a non-empty `events: [...]` or `capture: FILE`".into(),
                ))
            }
        };
        let mut events = Vec::with_capacity(raw_events.len());
        for (j, e) in raw_events.into_iter().enumerate() {
            let own = map_pairs(e).ok_or_else(|| fmt(&place, format!("event {} is not a map", j + 1)))?;
            let mut pairs: Vec<(String, Yaml)> = defaults
                .iter()
                .filter(|(k, _)| !own.iter().any(|(o, _)| o == k))
                .cloned()
                .collect();
            pairs.extend(own);
            events.push(MapEvent::from_pairs(&pairs).map_err(|m| fmt(&format!("{place}, event {}", j + 1), m))?);
        }
        let (expect, mode) = match (&c["expect"], &c["expect_contains"]) {
            (y, Yaml::BadValue) if *y != Yaml::BadValue => (
                str_list(y).ok_or_else(|| fmt(&place, "`expect` is a list of rule names".into()))?,
                ExpectMode::Exact,
            ),
            (Yaml::BadValue, y) if *y != Yaml::BadValue => (
                str_list(y).ok_or_else(|| fmt(&place, "`expect_contains` is a list of rule names".into()))?,
                ExpectMode::Contains,
            ),
            _ => {
                return Err(fmt(
                    &place,
                    "needs `expect` (rule names, or [] for no alert) or `expect_contains`, not both".into(),
                ))
            }
        };
        let neighbour_of =
            str_list(&c["neighbour_of"]).ok_or_else(|| fmt(&place, "`neighbour_of` is a list of rule names".into()))?;
        let input = match &c["capture"] {
            Yaml::String(p) => Input::Capture(Path::new(file).parent().unwrap_or(Path::new("")).join(p)),
            _ => Input::Events(events),
        };
        cases.push(Case {
            name,
            neighbour_of,
            input,
            expect,
            mode,
        });
    }
    Ok(CaseFile { rules, cases })
}

/// The result of one case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub case: String,
    pub expected: Vec<String>,
    pub mode: ExpectMode,
    pub got: Vec<String>,
    /// Rules of `neighbour_of` that were raised.
    pub neighbours_raised: Vec<String>,
    /// Names in `expect` or `neighbour_of` that no loaded rule has.
    pub unknown_rules: Vec<String>,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        let expected = match self.mode {
            ExpectMode::Exact => self.expected == self.got,
            ExpectMode::Contains => {
                let mut got = self.got.iter();
                self.expected.iter().all(|e| got.any(|g| g == e))
            }
        };
        expected && self.neighbours_raised.is_empty() && self.unknown_rules.is_empty()
    }
}

/// Runs every case of `cases` against the rules in `sources` ((name, YAML text) pairs, in load
/// order). Errors only when the rules do not load or compile.
pub fn run(file: &str, cases: &CaseFile, sources: &[(&str, &str)]) -> Result<Vec<Outcome>, CaseError> {
    let loaded = loader::load_sources(sources);
    let rules_error = |diagnostics: Vec<Diagnostic>| CaseError::Rules {
        file: file.to_owned(),
        diagnostics,
    };
    if loaded.diagnostics.iter().any(Diagnostic::is_error) {
        return Err(rules_error(loaded.diagnostics));
    }
    let cfg = RulesetConfig {
        mode: MatchMode::All,
        ..RulesetConfig::default()
    };
    let (ruleset, diags) = Ruleset::compile(&loaded, &cfg);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(rules_error(diags));
    }
    let known = |n: &String| ruleset.rules().iter().any(|r| &r.name == n);
    let mut scratch = Scratch::new();
    let mut out = Vec::new();
    let mut outcomes = Vec::with_capacity(cases.cases.len());
    for case in &cases.cases {
        let mut got = Vec::new();
        match &case.input {
            Input::Events(events) => {
                for ev in events {
                    ruleset.evaluate_kind(ev.kind(), ev, &mut scratch, &mut out);
                    got.extend(out.iter().map(|r| r.name.clone()));
                }
            }
            Input::Capture(path) => {
                got = capture::alerts(path, &ruleset).map_err(|source| CaseError::Capture {
                    file: file.to_owned(),
                    case: case.name.clone(),
                    source: Box::new(source),
                })?;
            }
        }
        let neighbours_raised = case.neighbour_of.iter().filter(|n| got.contains(n)).cloned().collect();
        let unknown_rules = case
            .expect
            .iter()
            .chain(&case.neighbour_of)
            .filter(|n| !known(n))
            .cloned()
            .collect();
        outcomes.push(Outcome {
            case: case.name.clone(),
            expected: case.expect.clone(),
            mode: case.mode,
            got,
            neighbours_raised,
            unknown_rules,
        });
    }
    Ok(outcomes)
}

/// Reads and runs a case file: its `rules` (relative to it), or the default rules.
pub fn run_file(path: &Path) -> Result<Vec<Outcome>, CaseError> {
    let file = path.display().to_string();
    let io = |file: String| move |source| CaseError::Io { file, source };
    let text = std::fs::read_to_string(path).map_err(io(file.clone()))?;
    let cases = parse_cases(&file, &text)?;
    if cases.rules.is_empty() {
        return run(&file, &cases, &crate::defaults::default_rules());
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut texts: Vec<(String, String)> = Vec::with_capacity(cases.rules.len());
    for r in &cases.rules {
        let p: PathBuf = dir.join(r);
        let name = p.display().to_string();
        let t = std::fs::read_to_string(&p).map_err(io(name.clone()))?;
        texts.push((name, t));
    }
    let sources: Vec<(&str, &str)> = texts.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
    run(&file, &cases, &sources)
}
