//! Evaluating a [`Compiled`] condition against one event's [`Fields`]. Short-circuits like
//! Falco; a field that cannot be extracted makes its comparison false; nothing is allocated once
//! the scratch buffers have grown to the sizes the event's values need.

use std::io::Write as _;
use std::ops::ControlFlow;

use crate::ast::{CmpOp, Transformer};
use crate::compile::{CArg, COperand, Check, Compiled, Lhs, Node, Test};
use crate::value::{Fields, Scratch, Value};

impl Compiled {
    /// Does the event match the condition?
    pub fn matches<F: Fields + ?Sized>(&self, ev: &F, scratch: &mut Scratch) -> bool {
        let bufs = scratch.slots(self.slots);
        node(&self.root, ev, bufs)
    }
}

fn node<F: Fields + ?Sized>(n: &Node, ev: &F, bufs: &mut [Vec<u8>]) -> bool {
    match n {
        Node::And(xs) => xs.iter().all(|x| node(x, ev, bufs)),
        Node::Or(xs) => xs.iter().any(|x| node(x, ev, bufs)),
        Node::Not(x) => !node(x, ev, bufs),
        Node::Check(c) => check(c, ev, bufs),
    }
}

fn check<F: Fields + ?Sized>(c: &Check, ev: &F, bufs: &mut [Vec<u8>]) -> bool {
    if bufs.len() < c.lhs_slots {
        return false; // cannot happen: the scratch was sized for the deepest check
    }
    let (lb, rb) = bufs.split_at_mut(c.lhs_slots);
    match &c.lhs {
        Lhs::One(op) => {
            let v = operand(op, ev, lb);
            !v.is_missing() && test(&c.test, v, ev, rb)
        }
        Lhs::Multi { field, all } => {
            let Some((buf, _)) = lb.split_first_mut() else {
                return false;
            };
            let mut seen = false;
            let mut result = *all;
            ev.for_each(field, buf, &mut |v| {
                if v.is_missing() {
                    return ControlFlow::Continue(());
                }
                seen = true;
                let hit = test(&c.test, v, ev, rb);
                if hit != *all {
                    // any: first hit decides; all: first miss decides.
                    result = hit;
                    return ControlFlow::Break(());
                }
                ControlFlow::Continue(())
            });
            seen && result
        }
    }
}

fn test<F: Fields + ?Sized>(t: &Test, v: Value<'_>, ev: &F, rb: &mut [Vec<u8>]) -> bool {
    match t {
        Test::Exists => true,
        Test::StrEq(s) => matches!(v, Value::Str(x) if x == &**s),
        Test::StrNe(s) => matches!(v, Value::Str(x) if x != &**s),
        Test::StrOrd(o, s) => matches!(v, Value::Str(x) if o.holds(x.cmp(s))),
        Test::Contains(f) => matches!(v, Value::Str(x) if f.find(x).is_some()),
        Test::IContains(n) => matches!(v, Value::Str(x) if icontains(x, n)),
        Test::StartsWith(p) => matches!(v, Value::Str(x) if x.starts_with(p)),
        Test::EndsWith(p) => matches!(v, Value::Str(x) if x.ends_with(p)),
        Test::Glob(g) => matches!(v, Value::Str(x) if g.matches(x)),
        Test::Regex(r) => matches!(v, Value::Str(x) if r.is_match(x)),
        Test::StrIn(set) => matches!(v, Value::Str(x) if set.contains(x)),
        Test::Pmatch(dirs) => matches!(v, Value::Str(x) if dirs.iter().any(|d| under(x, d))),
        Test::PmatchSet { dirs, root } => matches!(v, Value::Str(x) if under_any(x, dirs, *root)),
        Test::AnyOf(ts) => ts.iter().any(|t| test(t, v, ev, rb)),
        Test::AllOf(ts) => ts.iter().all(|t| test(t, v, ev, rb)),
        Test::OneOf(ts) => {
            let mut held = ts.iter().filter(|t| test(t, v, ev, rb));
            held.next().is_some() && held.next().is_none()
        }
        Test::ContainsAny(ac) => matches!(v, Value::Str(x) if ac.is_match(x)),
        Test::StartsWithAny(ac) => {
            matches!(v, Value::Str(x) if ac.is_match(aho_corasick::Input::new(x).anchored(aho_corasick::Anchored::Yes)))
        }
        Test::NumEq(n) => v.as_int() == Some(*n),
        Test::NumNe(n) => v.as_int().is_some_and(|x| x != *n),
        Test::NumOrd(o, n) => v.as_int().is_some_and(|x| o.holds(x.cmp(n))),
        Test::NumIn(set) => v.as_int().is_some_and(|x| set.contains(&x)),
        Test::Bool(b) => v == Value::Bool(*b),
        Test::Ip { nets, negate } => match v {
            Value::Ip(ip) => nets.iter().any(|n| n.contains(ip)) != *negate,
            _ => false,
        },
        Test::Field { op, rhs } => {
            let w = operand(rhs, ev, rb);
            compare_values(*op, v, w)
        }
    }
}

/// `path` is `dir` or inside it (component-wise: `/etc` covers `/etc/shadow`, not `/etcx`).
fn under(path: &[u8], dir: &[u8]) -> bool {
    if dir == b"/" {
        return path.first() == Some(&b'/');
    }
    path.starts_with(dir) && matches!(path.get(dir.len()), None | Some(b'/'))
}

/// `path` is one of `dirs` or inside one: each of its own directory prefixes is looked up.
fn under_any(path: &[u8], dirs: &hashbrown::HashSet<Box<[u8]>>, root: bool) -> bool {
    if (root && path.first() == Some(&b'/')) || dirs.contains(path) {
        return true;
    }
    memchr::memchr_iter(b'/', path)
        .filter(|&i| i > 0)
        .any(|i| path.get(..i).is_some_and(|p| dirs.contains(p)))
}

/// ASCII case-insensitive substring search; `needle` is already lowercase.
fn icontains(hay: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    let upper = first.to_ascii_uppercase();
    let mut from = 0;
    while let Some(i) = hay.get(from..).and_then(|h| memchr::memchr2(first, upper, h)) {
        let at = from + i + 1;
        match hay.get(at..at + rest.len()) {
            Some(cand) if cand.eq_ignore_ascii_case(rest) => return true,
            Some(_) => from = at,
            None => return false,
        }
    }
    false
}

/// Two run-time values (`field op val(other)`); values of different kinds never match.
fn compare_values(op: CmpOp, a: Value<'_>, b: Value<'_>) -> bool {
    use std::cmp::Ordering;
    let ord: Option<Ordering> = match (a, b) {
        (Value::Str(x), Value::Str(y)) => {
            match op {
                CmpOp::Contains => return memchr::memmem::find(x, y).is_some(),
                CmpOp::IContains => return icontains(x, &y.to_ascii_lowercase()),
                CmpOp::StartsWith => return x.starts_with(y),
                CmpOp::EndsWith => return x.ends_with(y),
                _ => {}
            }
            Some(x.cmp(y))
        }
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(&y)),
        (Value::Ip(x), Value::Ip(y)) => Some(x.to_canonical().cmp(&y.to_canonical())),
        _ => match (a.as_int(), b.as_int()) {
            (Some(x), Some(y)) => Some(x.cmp(&y)),
            _ => None,
        },
    };
    let Some(o) = ord else {
        return false;
    };
    match op {
        CmpOp::Eq => o == Ordering::Equal,
        CmpOp::Ne => o != Ordering::Equal,
        CmpOp::Lt => o == Ordering::Less,
        CmpOp::Le => o != Ordering::Greater,
        CmpOp::Gt => o == Ordering::Greater,
        CmpOp::Ge => o != Ordering::Less,
        _ => false,
    }
}

/// One operand's value; `bufs[0]` is its own buffer, the rest are for its arguments.
pub(crate) fn operand<'s, F: Fields + ?Sized>(op: &COperand, ev: &'s F, bufs: &'s mut [Vec<u8>]) -> Value<'s> {
    let Some((out, rest)) = bufs.split_first_mut() else {
        return Value::Missing;
    };
    match op {
        COperand::Field(f) => ev.get(f, out),
        // A whole list is only an argument of len/join, which read it themselves.
        COperand::Multi(_) => Value::Missing,
        COperand::Transform { func, args } => transform(*func, args, ev, out, rest),
    }
}

fn transform<'s, F: Fields + ?Sized>(
    func: Transformer,
    args: &[CArg],
    ev: &'s F,
    out: &'s mut Vec<u8>,
    rest: &mut [Vec<u8>],
) -> Value<'s> {
    out.clear();
    match func {
        Transformer::Len => match args.first() {
            Some(CArg::Operand(COperand::Multi(f))) => {
                let Some((buf, _)) = rest.split_first_mut() else {
                    return Value::Missing;
                };
                let mut n = 0u64;
                ev.for_each(f, buf, &mut |v| {
                    n += u64::from(!v.is_missing());
                    ControlFlow::Continue(())
                });
                Value::UNum(n)
            }
            Some(CArg::Operand(o)) => match operand(o, ev, rest) {
                Value::Str(s) => Value::UNum(s.len() as u64),
                _ => Value::Missing,
            },
            _ => Value::Missing,
        },
        Transformer::Join => {
            let (Some(CArg::Lit(sep)), Some(CArg::Operand(o))) = (args.first(), args.get(1)) else {
                return Value::Missing;
            };
            match o {
                COperand::Multi(f) => {
                    let Some((buf, _)) = rest.split_first_mut() else {
                        return Value::Missing;
                    };
                    let mut any = false;
                    ev.for_each(f, buf, &mut |v| {
                        if !v.is_missing() {
                            if any {
                                out.extend_from_slice(sep);
                            }
                            any = true;
                            write_value(out, v);
                        }
                        ControlFlow::Continue(())
                    });
                    if !any {
                        return Value::Missing;
                    }
                }
                o => {
                    let v = operand(o, ev, rest);
                    if v.is_missing() {
                        return Value::Missing;
                    }
                    write_value(out, v);
                }
            }
            Value::Str(out)
        }
        Transformer::Concat => {
            for a in args {
                match a {
                    CArg::Lit(l) => out.extend_from_slice(l),
                    CArg::Operand(o) => {
                        let v = operand(o, ev, rest);
                        if v.is_missing() {
                            return Value::Missing;
                        }
                        write_value(out, v);
                    }
                }
            }
            Value::Str(out)
        }
        Transformer::ToLower | Transformer::ToUpper | Transformer::Basename | Transformer::B64 => {
            let Some(CArg::Operand(o)) = args.first() else {
                return Value::Missing;
            };
            let Value::Str(s) = operand(o, ev, rest) else {
                return Value::Missing;
            };
            match func {
                Transformer::ToLower => out.extend(s.iter().map(u8::to_ascii_lowercase)),
                Transformer::ToUpper => out.extend(s.iter().map(u8::to_ascii_uppercase)),
                Transformer::Basename => {
                    let start = s.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
                    out.extend_from_slice(s.get(start..).unwrap_or_default());
                }
                _ => {
                    if !b64_decode(s, out) {
                        return Value::Missing;
                    }
                }
            }
            Value::Str(out)
        }
        Transformer::Getopt => Value::Missing,
    }
}

pub(crate) fn write_value(out: &mut Vec<u8>, v: Value<'_>) {
    // Writing into a Vec cannot fail.
    let _ = match v {
        Value::Str(s) => {
            out.extend_from_slice(s);
            Ok(())
        }
        Value::Num(n) => write!(out, "{n}"),
        Value::UNum(n) => write!(out, "{n}"),
        Value::Bool(b) => write!(out, "{b}"),
        Value::Ip(ip) => write!(out, "{ip}"),
        Value::Missing => Ok(()),
    };
}

/// Standard base64 (padding optional, no whitespace); false if `s` is not base64.
fn b64_decode(s: &[u8], out: &mut Vec<u8>) -> bool {
    let s = s.strip_suffix(b"==").or_else(|| s.strip_suffix(b"=")).unwrap_or(s);
    let val = |c: u8| -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    };
    for chunk in s.chunks(4) {
        let mut acc = 0u32;
        for &c in chunk {
            let Some(v) = val(c) else {
                return false;
            };
            acc = (acc << 6) | v;
        }
        // Bytes are taken from the top of the 6*len-bit accumulator; the casts keep the low 8 bits.
        match chunk.len() {
            4 => out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]),
            3 => out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]),
            2 => out.push((acc >> 4) as u8),
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_prefixes() {
        assert!(under(b"/etc/shadow", b"/etc"));
        assert!(under(b"/etc", b"/etc"));
        assert!(!under(b"/etcx/a", b"/etc"));
        assert!(under(b"/anything", b"/"));
        assert!(!under(b"relative", b"/"));
    }

    #[test]
    fn icontains_is_ascii_case_insensitive() {
        assert!(icontains(b"CAP_SYS_ADMIN CAP_NET_RAW", b"sys_admin"));
        assert!(icontains(b"xxAbC", b"abc"));
        assert!(!icontains(b"xxAb", b"abc"));
        assert!(icontains(b"anything", b""));
        assert!(icontains(b"aaab", b"aab"));
    }

    #[test]
    fn base64() {
        let mut out = Vec::new();
        assert!(b64_decode(b"Y3VybCBodHRwOi8vZXZpbA==", &mut out));
        assert_eq!(out, b"curl http://evil");
        out.clear();
        assert!(b64_decode(b"YWJj", &mut out));
        assert_eq!(out, b"abc");
        out.clear();
        assert!(!b64_decode(b"not base64!", &mut out));
    }
}
