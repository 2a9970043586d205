//! A small YAML document tree for lockfiles, built from yaml-rust2's event parser.
//!
//! Lockfiles are plain maps of maps. Scalars stay strings as written (`version: 1.10` is the
//! version "1.10", not a float). Anchors and aliases are refused: lockfiles never use them, and
//! expanding them is how a small file becomes a huge tree. Nesting is capped.

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

/// Deepest nesting accepted; lockfiles need about five levels.
const MAX_DEPTH: usize = 64;

/// A YAML node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl Node {
    /// The value under `key` when this is a map.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The scalar under `key`, if there is one.
    pub fn str(&self, key: &str) -> Option<&str> {
        match self.get(key)? {
            Node::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub fn entries(&self) -> &[(String, Node)] {
        match self {
            Node::Map(entries) => entries,
            _ => &[],
        }
    }
}

/// Why a YAML document was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum YamlError {
    #[error("YAML syntax: {0}")]
    Syntax(String),
    #[error("line {0}: aliases are not allowed in a lockfile")]
    Alias(usize),
    #[error("line {0}: a mapping key must be a plain value")]
    ComplexKey(usize),
    #[error("line {0}: nested deeper than {MAX_DEPTH} levels")]
    TooDeep(usize),
    #[error("the document is empty")]
    Empty,
}

enum Frame {
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>, Option<String>),
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    docs: Vec<Node>,
    error: Option<YamlError>,
}

impl Builder {
    fn value(&mut self, node: Node, line: usize) {
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Frame::Seq(items)) => items.push(node),
            Some(Frame::Map(entries, key)) => match key.take() {
                Some(k) => entries.push((k, node)),
                None => match node {
                    Node::Scalar(s) => *key = Some(s),
                    _ => self.error = Some(YamlError::ComplexKey(line)),
                },
            },
        }
    }

    fn open(&mut self, frame: Frame, line: usize) {
        if self.stack.len() >= MAX_DEPTH {
            self.error = Some(YamlError::TooDeep(line));
            return;
        }
        self.stack.push(frame);
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        let line = mark.line();
        match ev {
            Event::Scalar(s, ..) => self.value(Node::Scalar(s), line),
            Event::SequenceStart(..) => self.open(Frame::Seq(Vec::new()), line),
            Event::MappingStart(..) => self.open(Frame::Map(Vec::new(), None), line),
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Seq(items)) => self.value(Node::Seq(items), line),
                Some(Frame::Map(entries, _)) => self.value(Node::Map(entries), line),
                None => {}
            },
            Event::Alias(_) => self.error = Some(YamlError::Alias(line)),
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart | Event::DocumentEnd => {}
        }
    }
}

/// Parses the first document of `text`.
pub fn load(text: &str) -> Result<Node, YamlError> {
    load_all(text)?.into_iter().next().ok_or(YamlError::Empty)
}

/// Parses every document of `text` (`---` separated), in order.
pub fn load_all(text: &str) -> Result<Vec<Node>, YamlError> {
    let mut b = Builder::default();
    let parsed = Parser::new_from_str(text).load(&mut b, true);
    if let Some(e) = b.error {
        return Err(e);
    }
    parsed.map_err(|e| YamlError::Syntax(e.to_string()))?;
    Ok(b.docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_maps_of_strings() {
        let n = load("lockfileVersion: '6.0'\npackages:\n  /lodash@4.17.11:\n    resolution: {integrity: sha512-x}\n    dev: false\n    version: 1.10\n").expect("yaml");
        assert_eq!(n.str("lockfileVersion"), Some("6.0"));
        let pkgs = n.get("packages").expect("packages");
        let (key, entry) = &pkgs.entries()[0];
        assert_eq!(key, "/lodash@4.17.11");
        assert_eq!(
            entry.get("resolution").and_then(|r| r.str("integrity")),
            Some("sha512-x")
        );
        assert_eq!(entry.str("dev"), Some("false"));
        assert_eq!(entry.str("version"), Some("1.10"));
    }

    #[test]
    fn refuses_aliases_deep_nesting_and_bad_syntax() {
        let bomb = "a: &a [x, x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n";
        assert!(matches!(load(bomb), Err(YamlError::Alias(_))));
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert!(load(&deep).is_err());
        assert!(matches!(load("? [a]\n: b\n"), Err(YamlError::ComplexKey(_))));
        assert!(matches!(load("a: [unclosed\n"), Err(YamlError::Syntax(_))));
        assert!(matches!(load(""), Err(YamlError::Empty)));
        let docs = load_all("---\na: 1\n---\nb: 2\n").expect("two documents");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[1].str("b"), Some("2"));
    }
}
