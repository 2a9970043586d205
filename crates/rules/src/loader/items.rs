//! Reading the parts of an item from its YAML nodes: positioned text, list items, bools.

use super::yaml::{Kind, Mark, Node, Style};

/// A place in one of the loaded files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Loc {
    pub file: u32,
    pub mark: Mark,
    /// Characters to underline.
    pub width: u32,
}

impl Loc {
    pub fn of(file: u32, node: &Node) -> Loc {
        let width = match &node.kind {
            Kind::Scalar(s, Style::Plain) if !s.contains('\n') => s.chars().count(),
            Kind::Scalar(s, Style::Quoted) if !s.contains('\n') => s.chars().count() + 2,
            _ => 1,
        };
        Loc {
            file,
            mark: node.mark,
            width: u32::try_from(width).unwrap_or(1),
        }
    }
}

/// One scalar's contribution to a condition (or output) text.
#[derive(Debug, Clone)]
pub(crate) struct Piece {
    /// Where the piece starts in [`Text::text`].
    pub at: usize,
    pub file: u32,
    pub start: Mark,
    pub end: Mark,
    pub style: Style,
}

/// Text assembled from scalars (a condition and its appends, joined by a space), remembering
/// where each part came from.
#[derive(Debug, Clone, Default)]
pub(crate) struct Text {
    pub text: String,
    pub pieces: Vec<Piece>,
}

impl Text {
    pub fn from_node(file: u32, node: &Node) -> Option<Text> {
        match &node.kind {
            Kind::Scalar(s, style) => Some(Text {
                text: s.clone(),
                pieces: vec![Piece {
                    at: 0,
                    file,
                    start: node.mark,
                    end: node.end,
                    style: *style,
                }],
            }),
            _ => None,
        }
    }

    /// Falco appends with a space between.
    pub fn append(&mut self, other: Text) {
        if !self.text.is_empty() {
            self.text.push(' ');
        }
        let base = self.text.len();
        self.text.push_str(&other.text);
        self.pieces
            .extend(other.pieces.into_iter().map(|p| Piece { at: p.at + base, ..p }));
    }

    /// The piece holding byte `off` and the offset within it.
    pub fn piece_at(&self, off: usize) -> Option<(&Piece, usize, &str)> {
        let i = self.pieces.partition_point(|p| p.at <= off).checked_sub(1)?;
        let p = self.pieces.get(i)?;
        let end = self
            .pieces
            .get(i + 1)
            .map_or(self.text.len(), |n| n.at.saturating_sub(1));
        let text = self.text.get(p.at..end.max(p.at))?;
        Some((p, off - p.at, text))
    }
}

/// A list item as written: `bash`, or `'"a b"'` (a quoted item keeps its quotes in Falco and
/// is never taken for a list name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Item {
    pub text: String,
    pub quoted: bool,
}

impl Item {
    pub fn from_scalar(s: &str) -> Item {
        let b = s.as_bytes();
        if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
            let inner = s.get(1..s.len() - 1).unwrap_or("");
            let mut text = String::with_capacity(inner.len());
            let mut chars = inner.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    match chars.next() {
                        Some(n @ ('"' | '\'' | '\\')) => text.push(n),
                        Some(n) => {
                            text.push('\\');
                            text.push(n);
                        }
                        None => text.push('\\'),
                    }
                } else {
                    text.push(c);
                }
            }
            return Item { text, quoted: true };
        }
        Item {
            text: s.to_string(),
            quoted: false,
        }
    }
}

/// The entries of a mapping node, or None.
pub(crate) fn map(node: &Node) -> Option<&[(Node, Node)]> {
    match &node.kind {
        Kind::Map(e) => Some(e),
        _ => None,
    }
}

pub(crate) fn seq(node: &Node) -> Option<&[Node]> {
    match &node.kind {
        Kind::Seq(e) => Some(e),
        _ => None,
    }
}

/// The value of key `k` in a mapping's entries.
pub(crate) fn get<'n>(entries: &'n [(Node, Node)], k: &str) -> Option<&'n Node> {
    entries.iter().find(|(key, _)| key.as_str() == Some(k)).map(|(_, v)| v)
}
