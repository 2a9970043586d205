//! What the caller provides to evaluate a compiled condition: field values for one event,
//! extracted on demand through [`Fields`], borrowing from the event (or from a scratch buffer
//! that the evaluator owns and reuses), so that the common path allocates nothing.

use std::net::IpAddr;
use std::ops::ControlFlow;

/// A field resolved at compile time: the caller's field id (from its [`crate::FieldTable`]) and
/// the bracket or dotted argument, parsed once.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldRef {
    pub id: u32,
    pub arg: FieldArg,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldArg {
    None,
    /// `proc.aname[2]`, `evt.arg[1]`.
    Index(u32),
    /// `container.label[app]`, `evt.arg.flags` (the part after the field's own name).
    Key(Box<str>),
}

/// The type of a field's values, as the field table declares it. Comparisons are type-checked
/// against it at compile time; values are parsed for it once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// Bytes, usually UTF-8: names, paths, command lines. [`Value::Str`].
    Str,
    /// Signed integers ([`Value::Num`]; [`Value::UNum`] is accepted too).
    Int,
    /// Unsigned integers: pids, ports, inode numbers, times. [`Value::UNum`] or [`Value::Num`].
    UInt,
    /// `true` / `false`. [`Value::Bool`].
    Bool,
    /// IPv4 or IPv6 addresses, compared with addresses or CIDR networks ([`Value::Ip`]).
    Ip,
}

impl FieldType {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Str => "string",
            FieldType::Int => "int",
            FieldType::UInt => "uint",
            FieldType::Bool => "bool",
            FieldType::Ip => "ip",
        }
    }
}

/// How many values a field has per event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cardinality {
    /// One value (or none): [`Fields::get`].
    One,
    /// Several candidate values, any of which may match: `proc.aname` without an index (every
    /// ancestor). Every operator is true when it holds for at least one value. [`Fields::for_each`].
    Any,
    /// A list value (Falco's list fields): `in` holds when every element is in the set (and there
    /// is at least one), `intersects` when at least one is; other operators hold when at least
    /// one element satisfies them. [`Fields::for_each`].
    List,
}

/// One extracted value. `Missing` means the field cannot be extracted for this event: every
/// comparison on it is false, and `exists` is false.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Str(&'a [u8]),
    Num(i64),
    UNum(u64),
    Bool(bool),
    Ip(IpAddr),
    Missing,
}

impl Value<'_> {
    pub fn is_missing(&self) -> bool {
        matches!(self, Value::Missing)
    }

    /// Integers as `i128`, so signed and unsigned compare exactly.
    pub(crate) fn as_int(&self) -> Option<i128> {
        match *self {
            Value::Num(n) => Some(i128::from(n)),
            Value::UNum(n) => Some(i128::from(n)),
            _ => None,
        }
    }
}

/// Field extraction for one event; the caller implements it (for enriched events, capture
/// replays, test inputs).
///
/// The evaluator passes a scratch buffer that it owns and reuses across events: an
/// implementation that must build a value (a joined command line, a formatted number) clears
/// it, writes into it and returns a borrow of it; values already in the event are returned
/// as borrows of the event.
pub trait Fields {
    /// The value of a [`Cardinality::One`] field, or [`Value::Missing`].
    fn get<'s>(&'s self, field: &FieldRef, buf: &'s mut Vec<u8>) -> Value<'s>;

    /// Every value of a [`Cardinality::Any`] or [`Cardinality::List`] field, in order, until
    /// `each` breaks. Not calling `each` at all means "no values" (`exists` is false). The
    /// default gives the single value of [`Fields::get`], if any.
    fn for_each(&self, field: &FieldRef, buf: &mut Vec<u8>, each: &mut dyn FnMut(Value<'_>) -> ControlFlow<()>) {
        let v = self.get(field, buf);
        if !v.is_missing() {
            let _ = each(v);
        }
    }
}

/// Buffers the evaluator reuses between events (one per field or transformer that a
/// comparison evaluates at once). Keep one per thread and pass it to every evaluation.
#[derive(Debug, Default)]
pub struct Scratch {
    pub(crate) bufs: Vec<Vec<u8>>,
}

impl Scratch {
    pub fn new() -> Scratch {
        Scratch::default()
    }

    /// At least `n` buffers (allocates only the first time a condition needs more).
    pub(crate) fn slots(&mut self, n: usize) -> &mut [Vec<u8>] {
        if self.bufs.len() < n {
            self.bufs.resize_with(n, Vec::new);
        }
        &mut self.bufs
    }
}
