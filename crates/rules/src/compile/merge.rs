//! Folding the operands of an `or` that test the same field with the same string operator into
//! one test: `f contains a or f contains b ...` becomes one multi-pattern search (Aho-Corasick),
//! `f startswith a or ...` an anchored one, `f = a or f = b` (and `in` lists) one hashed set.
//! Falco's rule files are full of these chains once macros are expanded.

use aho_corasick::{AhoCorasick, StartKind};
use hashbrown::HashSet;

use super::{COperand, Check, Lhs, Node, Test};
use crate::value::FieldRef;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Contains,
    StartsWith,
    Eq,
}

/// What an `or` operand tests, when it can be merged: the field (and whether the field has
/// several values), the operator, the patterns.
fn mergeable(n: &Node) -> Option<(&FieldRef, bool, Op, Vec<&[u8]>)> {
    let Node::Check(c) = n else { return None };
    let (field, multi) = match &c.lhs {
        Lhs::One(COperand::Field(f)) => (f, false),
        Lhs::Multi { field, all: false } => (field, true),
        _ => return None,
    };
    let (op, pats) = match &c.test {
        Test::Contains(f) => (Op::Contains, vec![f.needle()]),
        Test::StartsWith(p) => (Op::StartsWith, vec![&**p]),
        Test::StrEq(s) => (Op::Eq, vec![&**s]),
        // `in` on an "any" field holds when some value is in the set, as `=` does.
        Test::StrIn(set) => (Op::Eq, set.iter().map(|s| &**s).collect()),
        _ => return None,
    };
    Some((field, multi, op, pats))
}

/// The operands of an `or`, with same-field string tests merged; order is kept otherwise (a
/// merged test takes the place of its first operand).
pub(super) fn merge_or(nodes: Vec<Node>) -> Vec<Node> {
    let keys: Vec<_> = nodes.iter().map(mergeable).collect();
    let same = |a: &(&FieldRef, bool, Op, Vec<&[u8]>), b: &(&FieldRef, bool, Op, Vec<&[u8]>)| {
        a.0 == b.0 && a.1 == b.1 && a.2 == b.2
    };
    let group_size = |i: usize| -> usize {
        match keys.get(i).and_then(Option::as_ref) {
            Some(k) => keys.iter().flatten().filter(|o| same(k, o)).count(),
            None => 0,
        }
    };
    let mut merged: Vec<Option<Node>> = vec![None; nodes.len()];
    let mut skip = vec![false; nodes.len()];
    for i in 0..nodes.len() {
        if skip.get(i).copied().unwrap_or(true) || group_size(i) < 2 {
            continue;
        }
        let Some(Some(k)) = keys.get(i) else { continue };
        let mut pats: Vec<&[u8]> = Vec::new();
        let mut lhs_slots = 1;
        for (j, o) in keys.iter().enumerate().skip(i) {
            if let Some(o) = o.as_ref().filter(|o| same(k, o)) {
                pats.extend(o.3.iter().copied());
                if let Some(s) = skip.get_mut(j) {
                    *s = j != i;
                }
                if let Some(Node::Check(c)) = nodes.get(j) {
                    lhs_slots = lhs_slots.max(c.lhs_slots);
                }
            }
        }
        let test = match k.2 {
            Op::Eq => Some(Test::StrIn(
                pats.iter().map(|p| Box::<[u8]>::from(*p)).collect::<HashSet<_>>(),
            )),
            Op::Contains => AhoCorasick::new(&pats).ok().map(|a| Test::ContainsAny(Box::new(a))),
            Op::StartsWith => AhoCorasick::builder()
                .start_kind(StartKind::Anchored)
                .build(&pats)
                .ok()
                .map(|a| Test::StartsWithAny(Box::new(a))),
        };
        let Some(test) = test else {
            // The automaton would be too big: keep the operands as they are.
            for (j, s) in skip.iter_mut().enumerate().skip(i) {
                if keys.get(j).and_then(Option::as_ref).is_some_and(|o| same(k, o)) {
                    *s = false;
                }
            }
            continue;
        };
        let lhs = if k.1 {
            Lhs::Multi {
                field: k.0.clone(),
                all: false,
            }
        } else {
            Lhs::One(COperand::Field(k.0.clone()))
        };
        if let Some(m) = merged.get_mut(i) {
            *m = Some(Node::Check(Box::new(Check { lhs, test, lhs_slots })));
        }
    }
    nodes
        .into_iter()
        .zip(merged)
        .zip(skip)
        .filter_map(|((n, m), s)| if s { None } else { Some(m.unwrap_or(n)) })
        .collect()
}
