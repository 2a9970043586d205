//! From a parsed condition to an evaluable one: fields resolved to ids through the caller's
//! [`FieldTable`], operators type-checked, values parsed once for the field's type (numbers,
//! booleans, CIDRs, hex bytes), regexes and globs compiled, `in` lists hashed.

use aho_corasick::{AhoCorasick, StartKind};
use hashbrown::HashSet;
use memchr::memmem::Finder;

use crate::ast::{Arg, CmpOp, Expr, ExprKind, ListMod, Operand, Rhs, Span, Transformer, ValueLit};
use crate::glob::Glob;
use crate::lexer::is_number;
use crate::net::Net;
use crate::table::{suggest, FieldLookupError, FieldTable};
use crate::value::{Cardinality, FieldRef, FieldType};

mod merge;

/// Why a condition does not compile; every variant has the span of the offending text.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CompileError {
    #[error("unknown field `{name}`{}", did_you_mean(suggestion))]
    UnknownField {
        name: String,
        suggestion: Option<String>,
        span: Span,
    },
    #[error("field `{name}`: {reason}")]
    FieldArg {
        name: String,
        reason: FieldLookupError,
        span: Span,
    },
    #[error("operator `{op}` does not apply to {ty} field `{field}`")]
    Operator {
        op: &'static str,
        field: String,
        ty: &'static str,
        span: Span,
    },
    #[error("bad value `{value}` for `{field}`: {reason}")]
    Value {
        value: String,
        field: String,
        reason: String,
        span: Span,
    },
    #[error("`{name}` is not a field and no macro of that name was substituted")]
    UnresolvedRef { name: String, span: Span },
    #[error("{what}")]
    Unsupported { what: String, span: Span },
}

fn did_you_mean(s: &Option<String>) -> String {
    s.as_ref().map_or(String::new(), |s| format!(" (did you mean `{s}`?)"))
}

impl CompileError {
    pub fn span(&self) -> Span {
        match self {
            CompileError::UnknownField { span, .. }
            | CompileError::FieldArg { span, .. }
            | CompileError::Operator { span, .. }
            | CompileError::Value { span, .. }
            | CompileError::UnresolvedRef { span, .. }
            | CompileError::Unsupported { span, .. } => *span,
        }
    }

    /// `origin:line:col: message` for a condition whose text is `src`.
    pub fn render(&self, origin: &str, src: &str) -> String {
        let (line, col) = self.span().line_col(src);
        format!("{origin}:{line}:{col}: {self}")
    }
}

/// A compiled condition. Evaluate it with [`Compiled::matches`].
#[derive(Debug, Clone)]
pub struct Compiled {
    pub(crate) root: Node,
    /// Scratch buffers the deepest comparison needs at once.
    pub(crate) slots: usize,
}

#[derive(Debug, Clone)]
pub(crate) enum Node {
    And(Box<[Node]>),
    Or(Box<[Node]>),
    Not(Box<Node>),
    Check(Box<Check>),
}

#[derive(Debug, Clone)]
pub(crate) struct Check {
    pub(crate) lhs: Lhs,
    pub(crate) test: Test,
    /// Buffers the left side uses; the right side (`val()`) uses the ones after them.
    pub(crate) lhs_slots: usize,
}

#[derive(Debug, Clone)]
pub(crate) enum Lhs {
    One(COperand),
    /// A field with several values; `all` for `in` on a list field.
    Multi {
        field: FieldRef,
        all: bool,
    },
}

#[derive(Debug, Clone)]
pub(crate) enum COperand {
    Field(FieldRef),
    /// A multi-valued field given whole to `len` or `join`.
    Multi(FieldRef),
    Transform {
        func: Transformer,
        args: Box<[CArg]>,
    },
}

#[derive(Debug, Clone)]
pub(crate) enum CArg {
    Operand(COperand),
    Lit(Box<[u8]>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ord {
    Lt,
    Le,
    Gt,
    Ge,
}

impl Ord {
    fn from_op(op: CmpOp) -> Option<Ord> {
        Some(match op {
            CmpOp::Lt => Ord::Lt,
            CmpOp::Le => Ord::Le,
            CmpOp::Gt => Ord::Gt,
            CmpOp::Ge => Ord::Ge,
            _ => return None,
        })
    }

    pub(crate) fn holds(self, o: std::cmp::Ordering) -> bool {
        use std::cmp::Ordering::*;
        match self {
            Ord::Lt => o == Less,
            Ord::Le => o != Greater,
            Ord::Gt => o == Greater,
            Ord::Ge => o != Less,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Test {
    Exists,
    StrEq(Box<[u8]>),
    StrNe(Box<[u8]>),
    StrOrd(Ord, Box<[u8]>),
    Contains(Box<Finder<'static>>),
    /// Needle lowercased (ASCII).
    IContains(Box<[u8]>),
    StartsWith(Box<[u8]>),
    EndsWith(Box<[u8]>),
    Glob(Glob),
    Regex(Box<regex::bytes::Regex>),
    StrIn(HashSet<Box<[u8]>>),
    /// `anyof` with an operator that has no merged form: at least one test holds.
    AnyOf(Box<[Test]>),
    /// `allof`: every test holds.
    AllOf(Box<[Test]>),
    /// `oneof`: exactly one test holds.
    OneOf(Box<[Test]>),
    /// Any of several substrings (merged `contains` of an `or`, `contains anyof`, and
    /// `icontains anyof` with an ASCII case-insensitive automaton).
    ContainsAny(Box<aho_corasick::AhoCorasick>),
    /// Any of several prefixes (an anchored automaton; merged `startswith` of an `or`,
    /// `startswith anyof`).
    StartsWithAny(Box<aho_corasick::AhoCorasick>),
    /// Directory prefixes without trailing `/` (the root is kept as `/`).
    Pmatch(Box<[Box<[u8]>]>),
    /// As [`Test::Pmatch`] for long lists: the path's own prefixes are looked up in a set.
    PmatchSet {
        dirs: HashSet<Box<[u8]>>,
        root: bool,
    },
    NumEq(i128),
    NumNe(i128),
    NumOrd(Ord, i128),
    NumIn(HashSet<i128>),
    Bool(bool),
    Ip {
        nets: Box<[Net]>,
        negate: bool,
    },
    /// `op val(field)`: compared at run time.
    Field {
        op: CmpOp,
        rhs: COperand,
    },
}

/// Above this many directories, `pmatch` looks the path's prefixes up in a set instead of
/// comparing with each directory.
const PMATCH_LINEAR_MAX: usize = 8;

/// One operand compiled for the output formatter: its form, type and scratch buffers. A field
/// with several values is given whole ([`COperand::Multi`]).
pub(crate) fn output_operand(
    op: &Operand,
    table: &dyn FieldTable,
) -> Result<(COperand, FieldType, usize), CompileError> {
    operand(op, table, true)
}

/// Compile a parsed condition against a field table.
pub fn compile(expr: &Expr, table: &dyn FieldTable) -> Result<Compiled, CompileError> {
    let mut slots = 0;
    let root = node(expr, table, &mut slots)?;
    Ok(Compiled { root, slots })
}

fn node(e: &Expr, table: &dyn FieldTable, slots: &mut usize) -> Result<Node, CompileError> {
    Ok(match &e.kind {
        // Cheap tests first: a false `and` (a true `or`) stops sooner. Fields have no side
        // effects, so the order changes only the cost.
        ExprKind::And(xs) => Node::And(
            crate::cost::order(xs)
                .into_iter()
                .map(|x| node(x, table, slots))
                .collect::<Result<_, _>>()?,
        ),
        ExprKind::Or(xs) => {
            let kids = crate::cost::order(xs)
                .into_iter()
                .map(|x| node(x, table, slots))
                .collect::<Result<Vec<_>, _>>()?;
            Node::Or(merge::merge_or(kids).into_boxed_slice())
        }
        ExprKind::Not(x) => Node::Not(Box::new(node(x, table, slots)?)),
        ExprKind::Ref(name) => {
            return Err(CompileError::UnresolvedRef {
                name: name.clone(),
                span: e.span,
            })
        }
        ExprKind::Exists(op) => {
            let (lhs, _, lhs_slots) = lhs(op, table, CmpOp::Eq)?;
            *slots = (*slots).max(lhs_slots);
            Node::Check(Box::new(Check {
                lhs,
                test: Test::Exists,
                lhs_slots,
            }))
        }
        ExprKind::Compare {
            lhs: l,
            op,
            op_span,
            modifier,
            rhs,
        } => {
            let (lhs, ty, lhs_slots) = lhs(l, table, *op)?;
            let ctx = Ctx {
                field: l.to_string(),
                ty,
                op: *op,
                op_span: *op_span,
            };
            let (test, rhs_slots) = match modifier {
                Some(m) => (modified(&ctx, *m, rhs)?, 0),
                None => test(&ctx, rhs, table)?,
            };
            *slots = (*slots).max(lhs_slots + rhs_slots);
            Node::Check(Box::new(Check { lhs, test, lhs_slots }))
        }
    })
}

struct Ctx {
    field: String,
    ty: FieldType,
    op: CmpOp,
    op_span: Span,
}

impl Ctx {
    fn bad_op(&self) -> CompileError {
        CompileError::Operator {
            op: self.op.as_str(),
            field: self.field.clone(),
            ty: self.ty.as_str(),
            span: self.op_span,
        }
    }

    fn bad_value(&self, v: &ValueLit, reason: String) -> CompileError {
        CompileError::Value {
            value: v.text.clone(),
            field: self.field.clone(),
            reason,
            span: v.span,
        }
    }
}

fn resolve(f: &crate::ast::FieldName, table: &dyn FieldTable) -> Result<crate::table::FieldInfo, CompileError> {
    table.resolve(&f.name, f.arg.as_deref()).map_err(|e| match e {
        FieldLookupError::Unknown => CompileError::UnknownField {
            name: f.name.clone(),
            suggestion: suggest(&f.name, &table.names()).map(str::to_string),
            span: f.span,
        },
        reason => CompileError::FieldArg {
            name: f.name.clone(),
            reason,
            span: f.span,
        },
    })
}

/// The left side: its compiled form, its type and the scratch buffers it needs.
fn lhs(op: &Operand, table: &dyn FieldTable, cmp: CmpOp) -> Result<(Lhs, FieldType, usize), CompileError> {
    if let Operand::Field(f) = op {
        let info = resolve(f, table)?;
        if info.card != Cardinality::One {
            let all = info.card == Cardinality::List && cmp == CmpOp::In;
            return Ok((Lhs::Multi { field: info.field, all }, info.ty, 1));
        }
    }
    let (c, ty, slots) = operand(op, table, false)?;
    Ok((Lhs::One(c), ty, slots))
}

/// An operand that yields one value; `whole_list` lets a multi-valued field through (for the
/// list argument of `len` and `join`).
fn operand(
    op: &Operand,
    table: &dyn FieldTable,
    whole_list: bool,
) -> Result<(COperand, FieldType, usize), CompileError> {
    match op {
        Operand::Field(f) => {
            let info = resolve(f, table)?;
            match (info.card, whole_list) {
                (Cardinality::One, _) => Ok((COperand::Field(info.field), info.ty, 1)),
                (_, true) => Ok((COperand::Multi(info.field), info.ty, 1)),
                (_, false) => Err(CompileError::Unsupported {
                    what: format!(
                        "`{f}` has several values and cannot be used here (give it an index, or use len/join)"
                    ),
                    span: f.span,
                }),
            }
        }
        Operand::Transform { func, args, span } => {
            let unsupported = |what: String| CompileError::Unsupported { what, span: *span };
            let arity_ok = match func {
                Transformer::ToLower | Transformer::ToUpper | Transformer::B64 | Transformer::Basename => {
                    args.len() == 1
                }
                Transformer::Len => args.len() == 1,
                Transformer::Join => args.len() == 2,
                Transformer::Concat => !args.is_empty(),
                Transformer::Getopt => {
                    return Err(unsupported("the `getopt` transformer is not supported yet".to_string()));
                }
            };
            if !arity_ok {
                return Err(unsupported(format!("wrong number of arguments to `{}`", func.as_str())));
            }
            let mut out = Vec::with_capacity(args.len());
            let mut inner_slots = 0;
            for (i, a) in args.iter().enumerate() {
                match a {
                    Arg::Lit(v) => {
                        if !matches!(func, Transformer::Concat | Transformer::Join)
                            || (*func == Transformer::Join && i != 0)
                        {
                            return Err(unsupported(format!(
                                "`{}` takes a field here, not `{}`",
                                func.as_str(),
                                v.text
                            )));
                        }
                        out.push(CArg::Lit(v.text.as_bytes().into()));
                    }
                    Arg::Operand(o) => {
                        if *func == Transformer::Join && i == 0 {
                            return Err(unsupported(
                                "`join` takes a quoted separator first, as in join(\",\", field)".into(),
                            ));
                        }
                        let whole = matches!(func, Transformer::Len | Transformer::Join);
                        let (c, ty, s) = operand(o, table, whole)?;
                        let needs_str = matches!(
                            func,
                            Transformer::ToLower | Transformer::ToUpper | Transformer::B64 | Transformer::Basename
                        );
                        if needs_str && ty != FieldType::Str {
                            return Err(unsupported(format!(
                                "`{}` takes a string field, `{o}` is {}",
                                func.as_str(),
                                ty.as_str()
                            )));
                        }
                        if *func == Transformer::Len && ty != FieldType::Str && !matches!(c, COperand::Multi(_)) {
                            return Err(unsupported(format!(
                                "`len` takes a string or list field, `{o}` is {}",
                                ty.as_str()
                            )));
                        }
                        inner_slots = inner_slots.max(s);
                        out.push(CArg::Operand(c));
                    }
                }
            }
            let ty = if *func == Transformer::Len {
                FieldType::UInt
            } else {
                FieldType::Str
            };
            Ok((
                COperand::Transform {
                    func: *func,
                    args: out.into_boxed_slice(),
                },
                ty,
                1 + inner_slots,
            ))
        }
    }
}

fn parse_int(ctx: &Ctx, v: &ValueLit) -> Result<i128, CompileError> {
    let t = v.text.trim();
    if !is_number(t) {
        return Err(ctx.bad_value(v, "not a number".into()));
    }
    let (neg, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, t),
    };
    let n = match digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        Some(hex) => i128::from_str_radix(hex, 16),
        None => digits.parse::<i128>(),
    }
    .map_err(|_| ctx.bad_value(v, "number out of range".into()))?;
    let n = if neg { -n } else { n };
    if n < i128::from(i64::MIN) || n > i128::from(u64::MAX) {
        return Err(ctx.bad_value(v, "number out of range".into()));
    }
    Ok(n)
}

fn parse_hex(ctx: &Ctx, v: &ValueLit) -> Result<Box<[u8]>, CompileError> {
    let t = v.text.as_bytes();
    let nib = |b: u8| (b as char).to_digit(16);
    if t.len() % 2 != 0 {
        return Err(ctx.bad_value(v, "hex bytes need an even number of digits".into()));
    }
    t.chunks(2)
        .map(|p| match p {
            [h, l] => match (nib(*h), nib(*l)) {
                // Both digits are < 16, so the byte fits.
                (Some(h), Some(l)) => Ok((h * 16 + l) as u8),
                _ => Err(ctx.bad_value(v, "not hex bytes".into())),
            },
            _ => Err(ctx.bad_value(v, "not hex bytes".into())),
        })
        .collect()
}

fn one_value<'v>(ctx: &Ctx, rhs: &'v Rhs) -> Result<&'v ValueLit, CompileError> {
    match rhs {
        Rhs::Value(v) => Ok(v),
        Rhs::List { span, .. } => Err(CompileError::Unsupported {
            what: format!(
                "`{}` takes one value; a list needs `in`, `intersects`, `pmatch` or a modifier (`anyof`, `allof`, `oneof`)",
                ctx.op.as_str()
            ),
            span: *span,
        }),
        Rhs::Field(o) => Err(CompileError::Unsupported {
            what: format!("`{}` cannot compare with another field", ctx.op.as_str()),
            span: o.span(),
        }),
    }
}

fn list<'v>(ctx: &Ctx, rhs: &'v Rhs) -> Result<&'v [ValueLit], CompileError> {
    match rhs {
        Rhs::List { items, .. } => Ok(items),
        Rhs::Value(v) => Err(CompileError::Unsupported {
            what: format!("`{}` takes a parenthesised list", ctx.op.as_str()),
            span: v.span,
        }),
        Rhs::Field(o) => Err(CompileError::Unsupported {
            what: format!("`{}` cannot compare with another field", ctx.op.as_str()),
            span: o.span(),
        }),
    }
}

/// The right side as a test on the left side's value, and the scratch buffers it needs.
fn test(ctx: &Ctx, rhs: &Rhs, table: &dyn FieldTable) -> Result<(Test, usize), CompileError> {
    use CmpOp::*;
    if let Rhs::Field(o) = rhs {
        let (c, ty, s) = operand(o, table, false)?;
        let numeric = |t: FieldType| matches!(t, FieldType::Int | FieldType::UInt);
        let same = ty == ctx.ty || (numeric(ty) && numeric(ctx.ty));
        let op_ok = match ctx.ty {
            FieldType::Str => matches!(
                ctx.op,
                Eq | Ne | Lt | Le | Gt | Ge | Contains | IContains | StartsWith | EndsWith
            ),
            FieldType::Int | FieldType::UInt => matches!(ctx.op, Eq | Ne | Lt | Le | Gt | Ge),
            FieldType::Bool | FieldType::Ip => matches!(ctx.op, Eq | Ne),
        };
        if !op_ok {
            return Err(ctx.bad_op());
        }
        if !same {
            return Err(CompileError::Unsupported {
                what: format!(
                    "cannot compare {} field `{}` with {} `{o}`",
                    ctx.ty.as_str(),
                    ctx.field,
                    ty.as_str()
                ),
                span: o.span(),
            });
        }
        return Ok((Test::Field { op: ctx.op, rhs: c }, s));
    }
    let t = match ctx.ty {
        FieldType::Str => str_test(ctx, rhs)?,
        FieldType::Int | FieldType::UInt => match ctx.op {
            Eq => Test::NumEq(parse_int(ctx, one_value(ctx, rhs)?)?),
            Ne => Test::NumNe(parse_int(ctx, one_value(ctx, rhs)?)?),
            In | Intersects => Test::NumIn(
                list(ctx, rhs)?
                    .iter()
                    .map(|v| parse_int(ctx, v))
                    .collect::<Result<_, _>>()?,
            ),
            op => match Ord::from_op(op) {
                Some(o) => Test::NumOrd(o, parse_int(ctx, one_value(ctx, rhs)?)?),
                None => return Err(ctx.bad_op()),
            },
        },
        FieldType::Bool => {
            let v = one_value(ctx, rhs)?;
            let b = if v.text.eq_ignore_ascii_case("true") {
                true
            } else if v.text.eq_ignore_ascii_case("false") {
                false
            } else {
                return Err(ctx.bad_value(v, "expected true or false".into()));
            };
            match ctx.op {
                Eq => Test::Bool(b),
                Ne => Test::Bool(!b),
                _ => return Err(ctx.bad_op()),
            }
        }
        FieldType::Ip => {
            let net = |v: &ValueLit| Net::parse(v.text.trim()).map_err(|r| ctx.bad_value(v, r));
            match ctx.op {
                Eq | Ne => Test::Ip {
                    nets: Box::new([net(one_value(ctx, rhs)?)?]),
                    negate: ctx.op == Ne,
                },
                In | Intersects => Test::Ip {
                    nets: list(ctx, rhs)?.iter().map(net).collect::<Result<_, _>>()?,
                    negate: false,
                },
                _ => return Err(ctx.bad_op()),
            }
        }
    };
    Ok((t, 0))
}

fn str_test(ctx: &Ctx, rhs: &Rhs) -> Result<Test, CompileError> {
    use CmpOp::*;
    let bytes = |v: &ValueLit| -> Box<[u8]> { v.text.as_bytes().into() };
    Ok(match ctx.op {
        Eq => Test::StrEq(bytes(one_value(ctx, rhs)?)),
        Ne => Test::StrNe(bytes(one_value(ctx, rhs)?)),
        Lt | Le | Gt | Ge => match Ord::from_op(ctx.op) {
            Some(o) => Test::StrOrd(o, bytes(one_value(ctx, rhs)?)),
            None => return Err(ctx.bad_op()),
        },
        Contains => Test::Contains(Box::new(Finder::new(one_value(ctx, rhs)?.text.as_bytes()).into_owned())),
        IContains => Test::IContains(one_value(ctx, rhs)?.text.to_ascii_lowercase().into_bytes().into()),
        BContains => Test::Contains(Box::new(
            Finder::new(&parse_hex(ctx, one_value(ctx, rhs)?)?).into_owned(),
        )),
        StartsWith => Test::StartsWith(bytes(one_value(ctx, rhs)?)),
        BStartsWith => Test::StartsWith(parse_hex(ctx, one_value(ctx, rhs)?)?),
        EndsWith => Test::EndsWith(bytes(one_value(ctx, rhs)?)),
        Glob => Test::Glob(crate::glob::Glob::new(one_value(ctx, rhs)?.text.as_bytes(), false)),
        IGlob => Test::Glob(crate::glob::Glob::new(one_value(ctx, rhs)?.text.as_bytes(), true)),
        Regex => {
            let v = one_value(ctx, rhs)?;
            let re = regex::bytes::RegexBuilder::new(&format!("^(?:{})$", v.text))
                .size_limit(1 << 20)
                .build()
                .map_err(|e| ctx.bad_value(v, format!("invalid regex: {e}")))?;
            Test::Regex(Box::new(re))
        }
        In | Intersects => Test::StrIn(list(ctx, rhs)?.iter().map(bytes).collect()),
        Pmatch => {
            let dirs: Vec<Box<[u8]>> = list(ctx, rhs)?
                .iter()
                .map(|v| {
                    let t = v.text.as_bytes();
                    let trimmed = match t.iter().rposition(|&b| b != b'/') {
                        Some(last) => t.get(..=last).unwrap_or(t),
                        None if t.is_empty() => t,
                        None => b"/",
                    };
                    trimmed.into()
                })
                .collect();
            if dirs.len() > PMATCH_LINEAR_MAX {
                Test::PmatchSet {
                    root: dirs.iter().any(|d| &**d == b"/"),
                    dirs: dirs.into_iter().collect(),
                }
            } else {
                Test::Pmatch(dirs.into_boxed_slice())
            }
        }
    })
}

/// `op anyof|allof|oneof (items)` on a string left side: each item compiled as `op item` would be,
/// then combined. `anyof` reuses the merged forms where there is one (one automaton for
/// `contains`, `icontains` and `startswith`, a hashed set for `=`).
fn modified(ctx: &Ctx, m: ListMod, rhs: &Rhs) -> Result<Test, CompileError> {
    use CmpOp::*;
    let items = match rhs {
        Rhs::List { items, .. } => items,
        Rhs::Value(v) => {
            return Err(CompileError::Unsupported {
                what: format!("`{}` takes a parenthesised list", m.as_str()),
                span: v.span,
            })
        }
        Rhs::Field(o) => {
            return Err(CompileError::Unsupported {
                what: format!("`{}` takes a parenthesised list, not a field", m.as_str()),
                span: o.span(),
            })
        }
    };
    if ctx.ty != FieldType::Str || matches!(ctx.op, In | Intersects | Pmatch) {
        return Err(CompileError::Unsupported {
            what: format!(
                "`{} {}` needs a string field and a single-value string operator; `{}` is {}",
                ctx.op.as_str(),
                m.as_str(),
                ctx.field,
                ctx.ty.as_str()
            ),
            span: ctx.op_span,
        });
    }
    if m == ListMod::AnyOf && items.len() > 1 {
        let pats = |hex: bool| -> Result<Vec<Box<[u8]>>, CompileError> {
            items
                .iter()
                .map(|v| {
                    if hex {
                        parse_hex(ctx, v)
                    } else {
                        Ok(v.text.as_bytes().into())
                    }
                })
                .collect()
        };
        let merged = match ctx.op {
            Eq => Some(Test::StrIn(pats(false)?.into_iter().collect())),
            Contains | BContains => AhoCorasick::new(pats(ctx.op == BContains)?)
                .ok()
                .map(|a| Test::ContainsAny(Box::new(a))),
            IContains => AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(pats(false)?)
                .ok()
                .map(|a| Test::ContainsAny(Box::new(a))),
            StartsWith | BStartsWith => AhoCorasick::builder()
                .start_kind(StartKind::Anchored)
                .build(pats(ctx.op == BStartsWith)?)
                .ok()
                .map(|a| Test::StartsWithAny(Box::new(a))),
            _ => None,
        };
        if let Some(t) = merged {
            return Ok(t);
        }
    }
    let tests = items
        .iter()
        .map(|v| str_test(ctx, &Rhs::Value(v.clone())))
        .collect::<Result<Box<[Test]>, _>>()?;
    Ok(match m {
        ListMod::AnyOf => Test::AnyOf(tests),
        ListMod::AllOf => Test::AllOf(tests),
        ListMod::OneOf => Test::OneOf(tests),
    })
}
