//! A YAML document as a small tree whose every node knows its line and column, built from
//! yaml-rust2's event parser (the loader needs positions for every item and key, which no
//! maintained serde-based YAML crate keeps).

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// 1-based line and column (in characters) in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Mark {
    pub line: u32,
    pub col: u32,
}

impl Mark {
    fn from_marker(m: Marker) -> Mark {
        Mark {
            line: u32::try_from(m.line()).unwrap_or(u32::MAX),
            col: u32::try_from(m.col()).unwrap_or(u32::MAX).saturating_add(1),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    Quoted,
    Block,
}

#[derive(Debug, Clone)]
pub enum Kind {
    Scalar(String, Style),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

#[derive(Debug, Clone)]
pub struct Node {
    pub kind: Kind,
    pub mark: Mark,
    /// Where the next node starts (for scalars: the end of the text this one can occupy).
    pub end: Mark,
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            Kind::Scalar(s, _) => Some(s),
            _ => None,
        }
    }

    /// A plain scalar meaning "nothing" (`~`, `null`, or empty).
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, Kind::Scalar(s, Style::Plain) if s.is_empty() || s == "~" || s == "null" || s == "Null" || s == "NULL")
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.as_str()? {
            "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
            "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => Some(false),
            _ => None,
        }
    }

    pub fn what(&self) -> &'static str {
        match self.kind {
            Kind::Scalar(..) => "a scalar",
            Kind::Seq(_) => "a sequence",
            Kind::Map(_) => "a mapping",
        }
    }
}

/// A YAML syntax error.
#[derive(Debug, Clone)]
pub struct YamlError {
    pub mark: Mark,
    pub message: String,
}

/// Documents nested deeper than this are refused (rule files are three or four levels deep).
const MAX_DEPTH: usize = 64;

enum Frame {
    Seq(Vec<Node>, Mark, usize),
    Map(Vec<(Node, Node)>, Option<Node>, Mark, usize),
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    docs: Vec<Node>,
    anchors: Vec<(usize, Node)>,
    error: Option<YamlError>,
}

impl Builder {
    fn push(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.push((anchor, node.clone()));
        }
        match self.stack.last_mut() {
            Some(Frame::Seq(items, ..)) => items.push(node),
            Some(Frame::Map(entries, key, ..)) => match key.take() {
                Some(k) => entries.push((k, node)),
                None => *key = Some(node),
            },
            None => self.docs.push(node),
        }
    }

    /// Sets the end mark of the node added last (scalars) to `mark`.
    fn close_last(&mut self, mark: Mark) {
        let last = match self.stack.last_mut() {
            Some(Frame::Seq(items, ..)) => items.last_mut(),
            Some(Frame::Map(_, Some(k), ..)) => Some(k),
            Some(Frame::Map(entries, None, ..)) => entries.last_mut().map(|(_, v)| v),
            None => self.docs.last_mut(),
        };
        if let Some(n) = last {
            if matches!(n.kind, Kind::Scalar(..)) && n.end == Mark::default() {
                n.end = mark;
            }
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, m: Marker) {
        if self.error.is_some() {
            return;
        }
        let mark = Mark::from_marker(m);
        self.close_last(mark);
        match ev {
            Event::Scalar(value, style, anchor, _) => {
                let style = match style {
                    TScalarStyle::Plain => Style::Plain,
                    TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted => Style::Quoted,
                    TScalarStyle::Literal | TScalarStyle::Folded => Style::Block,
                };
                let node = Node {
                    kind: Kind::Scalar(value, style),
                    mark,
                    end: Mark::default(),
                };
                self.push(node, anchor);
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.stack.len() >= MAX_DEPTH {
                    self.error = Some(YamlError {
                        mark,
                        message: format!("nested more than {MAX_DEPTH} levels deep"),
                    });
                    return;
                }
                self.stack.push(if matches!(ev, Event::SequenceStart(..)) {
                    Frame::Seq(Vec::new(), mark, anchor)
                } else {
                    Frame::Map(Vec::new(), None, mark, anchor)
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq(items, start, anchor)) => (
                        Node {
                            kind: Kind::Seq(items),
                            mark: start,
                            end: mark,
                        },
                        anchor,
                    ),
                    Some(Frame::Map(entries, _, start, anchor)) => {
                        // A block mapping's start mark is unreliable; its first key is where it starts.
                        let start = entries.first().map_or(start, |(k, _)| k.mark);
                        (
                            Node {
                                kind: Kind::Map(entries),
                                mark: start,
                                end: mark,
                            },
                            anchor,
                        )
                    }
                    None => return,
                };
                self.push(node, anchor);
            }
            Event::Alias(id) => {
                let found = self
                    .anchors
                    .iter()
                    .rev()
                    .find(|(a, _)| *a == id)
                    .map(|(_, n)| n.clone());
                match found {
                    Some(mut n) => {
                        n.mark = mark;
                        self.push(n, 0);
                    }
                    None => {
                        self.error = Some(YamlError {
                            mark,
                            message: "alias to an unknown anchor".to_string(),
                        })
                    }
                }
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart | Event::DocumentEnd => {}
        }
    }
}

/// Parses every document of `text`.
///
/// Falco reads rules with yaml-cpp, which accepts a flow list whose closing `]` (or items) is
/// indented no more than its key — a form falcosecurity's own files use and YAML 1.2 parsers
/// refuse. When yaml-rust2 reports "invalid indentation", the offending line is indented
/// further and the text parsed again (a bounded number of times); line numbers are unchanged.
pub fn parse(text: &str) -> Result<Vec<Node>, YamlError> {
    let mut patched: Option<String> = None;
    for _ in 0..MAX_REINDENTS {
        let src = patched.as_deref().unwrap_or(text);
        match parse_once(src) {
            Err(e) if e.message == "invalid indentation" => {
                let Some(fixed) = reindent(src, e.mark.line) else {
                    return Err(e);
                };
                patched = Some(fixed);
            }
            other => return other,
        }
    }
    parse_once(patched.as_deref().unwrap_or(text))
}

/// How many under-indented flow lines one file may have.
const MAX_REINDENTS: usize = 256;

/// `text` with two more spaces at the start of 1-based line `line`, if that line is inside a
/// flow collection (starts with `]`, `}`, a quote or a plain item after spaces).
fn reindent(text: &str, line: u32) -> Option<String> {
    let start = if line <= 1 {
        0
    } else {
        memchr::memchr_iter(b'\n', text.as_bytes()).nth(line as usize - 2)? + 1
    };
    let rest = text.get(start..)?;
    let first = rest.trim_start_matches(' ').chars().next()?;
    if matches!(first, '-' | '#' | '\n') {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 2);
    out.push_str(text.get(..start)?);
    out.push_str("  ");
    out.push_str(rest);
    Some(out)
}

fn parse_once(text: &str) -> Result<Vec<Node>, YamlError> {
    let mut b = Builder::default();
    let mut parser = Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut b, true) {
        let msg = e.info().to_string();
        return Err(YamlError {
            mark: Mark::from_marker(*e.marker()),
            message: msg,
        });
    }
    match b.error {
        Some(e) => Err(e),
        None => Ok(b.docs),
    }
}

/// The closest of `names` to `name` (case ignored), when close enough to be a typo: an edit
/// distance of at most a third of the name's length, and at least 2. For "did you mean"
/// hints on unknown keys, fields, gates and triggers.
pub fn suggest<'n>(name: &str, names: &[&'n str]) -> Option<&'n str> {
    let lower = name.to_lowercase();
    let limit = (lower.chars().count() / 3).max(2);
    names
        .iter()
        .map(|n| (levenshtein(&lower, &n.to_lowercase()), *n))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}
