//! Which event types a condition can match, computed from its tree as Falco does: a leaf on
//! `evt.type` gives the types its test accepts, `and` intersects, `or` unions, `not` complements,
//! and any other leaf accepts every type.
//!
//! Types are Vigil's event kinds (the raw `u16` of [`Kind`]): every captured syscall, plus the
//! exec, fork and exit tracepoints. A kind may have more than one name (exec is `execve` or
//! `execveat`), so each subtree carries two sets: the kinds it *may* match (some name of the kind
//! passes) and the kinds it *must* match (every name passes). `not` swaps them, which keeps the
//! final "may" set a sound over-approximation: a rule is never skipped for an event it matches.

use std::ops::ControlFlow;

use vigil_capture::abi::{KIND_PROC_EXEC, KIND_PROC_EXIT, KIND_PROC_FORK, KIND_SYSCALL_BASE};
use vigil_capture::syscalls::{self, SYSCALLS};
use vigil_capture::Kind;

use crate::ast::{CmpOp, Expr, ExprKind, Operand, Rhs};
use crate::value::{FieldRef, Fields, Scratch, Value};

/// One past the largest raw kind.
pub const KIND_LIMIT: usize = KIND_SYSCALL_BASE as usize + SYSCALLS.len();
const WORDS: usize = KIND_LIMIT.div_ceil(64);

/// A set of event kinds (raw [`Kind`] values), as a bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct EventTypeSet {
    bits: [u64; WORDS],
}

impl EventTypeSet {
    pub const EMPTY: EventTypeSet = EventTypeSet { bits: [0; WORDS] };

    /// Every kind Vigil has.
    pub fn all() -> EventTypeSet {
        let mut s = EventTypeSet::EMPTY;
        for k in all_kinds() {
            s.insert(k);
        }
        s
    }

    pub fn insert(&mut self, kind: u16) {
        if let Some(w) = self.bits.get_mut(usize::from(kind) / 64) {
            *w |= 1 << (kind % 64);
        }
    }

    pub fn contains(&self, kind: u16) -> bool {
        self.bits
            .get(usize::from(kind) / 64)
            .is_some_and(|w| w & (1 << (kind % 64)) != 0)
    }

    pub fn union(&self, o: &EventTypeSet) -> EventTypeSet {
        let mut s = *self;
        for (a, b) in s.bits.iter_mut().zip(o.bits.iter()) {
            *a |= b;
        }
        s
    }

    pub fn intersection(&self, o: &EventTypeSet) -> EventTypeSet {
        let mut s = *self;
        for (a, b) in s.bits.iter_mut().zip(o.bits.iter()) {
            *a &= b;
        }
        s
    }

    /// The kinds of [`EventTypeSet::all`] not in this set.
    pub fn complement(&self) -> EventTypeSet {
        let all = EventTypeSet::all();
        let mut s = *self;
        for (a, b) in s.bits.iter_mut().zip(all.bits.iter()) {
            *a = !*a & b;
        }
        s
    }

    pub fn is_empty(&self) -> bool {
        self.bits.iter().all(|w| *w == 0)
    }

    pub fn len(&self) -> usize {
        self.bits.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// The raw kinds in the set, ascending.
    pub fn iter(&self) -> impl Iterator<Item = u16> + '_ {
        (0..KIND_LIMIT as u16).filter(|k| self.contains(*k))
    }

    /// The event type names of the kinds in the set (exec gives `execve` and `execveat`).
    pub fn names(&self) -> Vec<&'static str> {
        self.iter().flat_map(|k| kind_names(k).iter().copied()).collect()
    }

    /// The syscalls the probe must capture for these kinds (the exec, fork and exit tracepoints
    /// are always on and are not syscalls).
    pub fn syscall_names(&self) -> Vec<&'static str> {
        self.iter().filter_map(syscalls::by_kind).map(|s| s.name).collect()
    }
}

/// Every valid raw kind.
fn all_kinds() -> impl Iterator<Item = u16> {
    [KIND_PROC_EXEC, KIND_PROC_FORK, KIND_PROC_EXIT]
        .into_iter()
        .chain(SYSCALLS.iter().map(|s| s.kind))
}

/// The names rules use for a kind; the exec tracepoint stands for both exec syscalls.
pub fn kind_names(kind: u16) -> &'static [&'static str] {
    const EXEC: &[&str] = &["execve", "execveat"];
    const FORK: &[&str] = &[syscalls::PROC_FORK_NAME];
    const EXIT: &[&str] = &[syscalls::PROC_EXIT_NAME];
    match Kind::from_raw(kind) {
        Some(Kind::Exec) => EXEC,
        Some(Kind::Fork) => FORK,
        Some(Kind::Exit) => EXIT,
        Some(Kind::Syscall(s)) => std::slice::from_ref(&s.name),
        None => &[],
    }
}

/// Whether Vigil has an event type of this name.
pub fn is_known_name(name: &str) -> bool {
    all_kinds().any(|k| kind_names(k).contains(&name))
}

/// The event types a condition can match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Derived {
    pub kinds: EventTypeSet,
    /// Names compared with `evt.type` (by `=` or `in`) that Vigil does not have, in order.
    pub unknown: Vec<String>,
}

/// Derives the event types of a condition whose macros are substituted.
pub fn derive(e: &Expr) -> Derived {
    let mut unknown = Vec::new();
    let (may, _) = walk(e, &mut unknown);
    Derived { kinds: may, unknown }
}

/// (may, must) for a subtree.
fn walk(e: &Expr, unknown: &mut Vec<String>) -> (EventTypeSet, EventTypeSet) {
    match &e.kind {
        ExprKind::And(xs) => xs.iter().fold((EventTypeSet::all(), EventTypeSet::all()), |acc, x| {
            let (may, must) = walk(x, unknown);
            (acc.0.intersection(&may), acc.1.intersection(&must))
        }),
        ExprKind::Or(xs) => xs.iter().fold((EventTypeSet::EMPTY, EventTypeSet::EMPTY), |acc, x| {
            let (may, must) = walk(x, unknown);
            (acc.0.union(&may), acc.1.union(&must))
        }),
        ExprKind::Not(x) => {
            let (may, must) = walk(x, unknown);
            (must.complement(), may.complement())
        }
        ExprKind::Compare {
            lhs: Operand::Field(f),
            op,
            rhs,
            ..
        } if f.name == "evt.type" && f.arg.is_none() && !matches!(rhs, Rhs::Field(_)) => {
            evt_type_leaf(e, *op, rhs, unknown).unwrap_or((EventTypeSet::all(), EventTypeSet::EMPTY))
        }
        _ => (EventTypeSet::all(), EventTypeSet::EMPTY),
    }
}

/// A comparison on `evt.type`: compiled alone and run against every kind's names.
fn evt_type_leaf(e: &Expr, op: CmpOp, rhs: &Rhs, unknown: &mut Vec<String>) -> Option<(EventTypeSet, EventTypeSet)> {
    let c = crate::compile(e, &crate::fields::table()).ok()?;
    if matches!(op, CmpOp::Eq | CmpOp::In | CmpOp::Intersects) {
        let items = match rhs {
            Rhs::Value(v) => std::slice::from_ref(v),
            Rhs::List { items, .. } => items.as_slice(),
            Rhs::Field(_) => &[],
        };
        for v in items {
            if !is_known_name(&v.text) && !unknown.contains(&v.text) {
                unknown.push(v.text.clone());
            }
        }
    }
    let mut scratch = Scratch::new();
    let (mut may, mut must) = (EventTypeSet::EMPTY, EventTypeSet::EMPTY);
    for k in all_kinds() {
        let names = kind_names(k);
        let hits = names.iter().filter(|n| c.matches(&Named(n), &mut scratch)).count();
        if hits > 0 {
            may.insert(k);
        }
        if hits == names.len() {
            must.insert(k);
        }
    }
    Some((may, must))
}

/// An event that is nothing but its type name (the leaf reads no other field).
struct Named<'a>(&'a str);

impl Fields for Named<'_> {
    fn get<'s>(&'s self, _: &FieldRef, _: &'s mut Vec<u8>) -> Value<'s> {
        Value::Str(self.0.as_bytes())
    }

    fn for_each(&self, _: &FieldRef, _: &mut Vec<u8>, each: &mut dyn FnMut(Value<'_>) -> ControlFlow<()>) {
        let _ = each(Value::Str(self.0.as_bytes()));
    }
}
