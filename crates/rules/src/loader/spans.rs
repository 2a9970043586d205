//! One span space for every condition text the loader parses (rules', macros', exceptions'), so
//! that a span anywhere in a substituted condition leads back to its file, line and column.

use super::items::{Loc, Text};
use super::source::SourceFile;
use crate::ast::{Arg, Expr, ExprKind, Operand, Rhs, Span};

enum Origin {
    Text(Text),
    Fixed(Loc),
}

struct Segment {
    base: u32,
    len: u32,
    origin: Origin,
}

#[derive(Default)]
pub(crate) struct SpanMap {
    segments: Vec<Segment>,
    next: u32,
}

impl SpanMap {
    fn add(&mut self, len: usize, origin: Origin) -> u32 {
        let base = self.next;
        let len = u32::try_from(len).unwrap_or(u32::MAX);
        // One byte of gap so that an end-of-text span is still inside its segment.
        self.next = self.next.saturating_add(len).saturating_add(1);
        self.segments.push(Segment { base, len, origin });
        base
    }

    pub fn add_text(&mut self, text: &Text) -> u32 {
        self.add(text.text.len(), Origin::Text(text.clone()))
    }

    /// A segment standing for one place (exceptions, built rather than parsed).
    pub fn add_fixed(&mut self, loc: Loc) -> u32 {
        self.add(1, Origin::Fixed(loc))
    }

    pub fn locate(&self, files: &[SourceFile], span: Span) -> Loc {
        let i = self
            .segments
            .partition_point(|s| s.base <= span.start)
            .saturating_sub(1);
        let Some(seg) = self.segments.get(i) else {
            return Loc {
                file: 0,
                mark: Default::default(),
                width: 1,
            };
        };
        match &seg.origin {
            Origin::Fixed(loc) => *loc,
            Origin::Text(t) => {
                let local = Span {
                    start: span.start - seg.base,
                    end: span.end.saturating_sub(seg.base).min(seg.len),
                };
                self.locate_text(files, t, local)
            }
        }
    }

    /// Where a span of `text` (relative to the text) is in its file.
    pub fn locate_text(&self, files: &[SourceFile], text: &Text, span: Span) -> Loc {
        let start = span.start as usize;
        let width = text
            .text
            .get(start..(span.end as usize).max(start))
            .map_or(1, |s| s.lines().next().map_or(1, |l| l.chars().count().max(1)));
        let Some((piece, within, ptext)) = text.piece_at(start) else {
            return Loc {
                file: 0,
                mark: Default::default(),
                width: 1,
            };
        };
        let mark = files.get(piece.file as usize).map_or(piece.start, |f| {
            f.locate_in_scalar(ptext, piece.style, piece.start, piece.end, within)
        });
        Loc {
            file: piece.file,
            mark,
            width: u32::try_from(width).unwrap_or(1),
        }
    }
}

/// Moves every span of `e` by `by`.
pub(crate) fn shift(e: &mut Expr, by: u32) {
    let mv = |s: &mut Span| {
        s.start = s.start.saturating_add(by);
        s.end = s.end.saturating_add(by);
    };
    fn operand(o: &mut Operand, by: u32) {
        let mv = |s: &mut Span| {
            s.start = s.start.saturating_add(by);
            s.end = s.end.saturating_add(by);
        };
        match o {
            Operand::Field(f) => mv(&mut f.span),
            Operand::Transform { args, span, .. } => {
                mv(span);
                for a in args {
                    match a {
                        Arg::Operand(o) => operand(o, by),
                        Arg::Lit(v) => mv(&mut v.span),
                    }
                }
            }
        }
    }
    mv(&mut e.span);
    match &mut e.kind {
        ExprKind::And(xs) | ExprKind::Or(xs) => xs.iter_mut().for_each(|x| shift(x, by)),
        ExprKind::Not(x) => shift(x, by),
        ExprKind::Ref(_) => {}
        ExprKind::Exists(o) => operand(o, by),
        ExprKind::Compare { lhs, op_span, rhs, .. } => {
            operand(lhs, by);
            mv(op_span);
            match rhs {
                Rhs::Value(v) => mv(&mut v.span),
                Rhs::List { items, span } => {
                    mv(span);
                    items.iter_mut().for_each(|v| mv(&mut v.span));
                }
                Rhs::Field(o) => operand(o, by),
            }
        }
    }
}
