//! The syntax tree of a condition. Every node carries the byte span of its source text, so that
//! the loader (later) and the compiler can point at `file:line:col`.
//!
//! Macro and list names stay unresolved here: a bare identifier used as a condition is
//! [`ExprKind::Ref`], and an unquoted item of a value list may name a list ([`ValueLit::quoted`]
//! tells the two apart). The loader substitutes them before [`crate::compile`].

use std::fmt;

/// A byte range `start..end` in the condition's source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        // Conditions longer than 4 GiB are rejected by the lexer, so these never saturate in practice.
        Span {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// 1-based line and column (in characters) of the span's start within `src`.
    pub fn line_col(&self, src: &str) -> (usize, usize) {
        let start = (self.start as usize).min(src.len());
        let before = src.get(..start).unwrap_or(src);
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
        (line, col)
    }

    /// The source text the span covers (empty if the span is not within `src`).
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        src.get(self.start as usize..self.end as usize).unwrap_or("")
    }
}

/// A condition (or part of one) with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// `a and b and c` (chains are flattened; at least two operands).
    And(Vec<Expr>),
    /// `a or b or c` (chains are flattened; at least two operands).
    Or(Vec<Expr>),
    Not(Box<Expr>),
    /// A bare identifier used as a condition: a macro name, resolved by the loader.
    Ref(String),
    /// `operand exists`.
    Exists(Operand),
    /// `operand op rhs`, or `operand op modifier (list)` (the right side is then a
    /// [`Rhs::List`] and the comparison is made against each item).
    Compare {
        lhs: Operand,
        op: CmpOp,
        op_span: Span,
        modifier: Option<ListMod>,
        rhs: Rhs,
    },
}

/// A list modifier after a single-value operator: `proc.cmdline contains anyof (wget, curl)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListMod {
    /// At least one item's comparison holds.
    AnyOf,
    /// Every item's comparison holds.
    AllOf,
    /// Exactly one item's comparison holds.
    OneOf,
}

impl ListMod {
    pub fn from_word(w: &str) -> Option<ListMod> {
        Some(match w {
            "anyof" => ListMod::AnyOf,
            "allof" => ListMod::AllOf,
            "oneof" => ListMod::OneOf,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ListMod::AnyOf => "anyof",
            ListMod::AllOf => "allof",
            ListMod::OneOf => "oneof",
        }
    }
}

/// A field reference as written: `proc.name`, `proc.aname[2]`, `container.label[app]`,
/// `evt.arg.flags` (the dotted argument form stays part of the name; the field table splits it).
#[derive(Debug, Clone, PartialEq)]
pub struct FieldName {
    pub name: String,
    /// The bracket argument, unquoted.
    pub arg: Option<String>,
    pub span: Span,
}

/// The left side of a comparison, or a transformer's argument.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Field(FieldName),
    /// `tolower(proc.name)`, `join(",", proc.args)`.
    Transform {
        func: Transformer,
        args: Vec<Arg>,
        span: Span,
    },
}

impl Operand {
    pub fn span(&self) -> Span {
        match self {
            Operand::Field(f) => f.span,
            Operand::Transform { span, .. } => *span,
        }
    }
}

/// A transformer argument: a field (possibly transformed) or a quoted literal.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Operand(Operand),
    Lit(ValueLit),
}

/// The right side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Rhs {
    Value(ValueLit),
    /// `(a, b, "c d")`; may be empty.
    List {
        items: Vec<ValueLit>,
        span: Span,
    },
    /// `val(field)` (possibly inside a transformer): compare with another field of the same event.
    Field(Operand),
}

/// A literal value: a bare word (`/etc/shadow`, `O_RDONLY`, `127.0.0.0/8`, `42`) or a quoted
/// string with its escapes resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueLit {
    pub text: String,
    pub quoted: bool,
    pub span: Span,
}

/// Comparison operators. `exists` is [`ExprKind::Exists`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    /// `=` and `==`.
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    IContains,
    BContains,
    StartsWith,
    BStartsWith,
    EndsWith,
    Glob,
    IGlob,
    Regex,
    In,
    Intersects,
    Pmatch,
}

impl CmpOp {
    /// The operator word or symbol, as Falco writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::Contains => "contains",
            CmpOp::IContains => "icontains",
            CmpOp::BContains => "bcontains",
            CmpOp::StartsWith => "startswith",
            CmpOp::BStartsWith => "bstartswith",
            CmpOp::EndsWith => "endswith",
            CmpOp::Glob => "glob",
            CmpOp::IGlob => "iglob",
            CmpOp::Regex => "regex",
            CmpOp::In => "in",
            CmpOp::Intersects => "intersects",
            CmpOp::Pmatch => "pmatch",
        }
    }

    /// The word operators (`contains` ... `pmatch`); symbols are lexed separately.
    pub fn from_word(w: &str) -> Option<CmpOp> {
        Some(match w {
            "contains" => CmpOp::Contains,
            "icontains" => CmpOp::IContains,
            "bcontains" => CmpOp::BContains,
            "startswith" => CmpOp::StartsWith,
            "bstartswith" => CmpOp::BStartsWith,
            "endswith" => CmpOp::EndsWith,
            "glob" => CmpOp::Glob,
            "iglob" => CmpOp::IGlob,
            "regex" => CmpOp::Regex,
            "in" => CmpOp::In,
            "intersects" => CmpOp::Intersects,
            "pmatch" => CmpOp::Pmatch,
            _ => return None,
        })
    }

    /// Operators whose right side is a parenthesised list.
    pub fn takes_list(self) -> bool {
        matches!(self, CmpOp::In | CmpOp::Intersects | CmpOp::Pmatch)
    }
}

/// Field transformers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transformer {
    ToLower,
    ToUpper,
    B64,
    Basename,
    Len,
    Join,
    Concat,
    Getopt,
}

impl Transformer {
    pub fn from_name(w: &str) -> Option<Transformer> {
        Some(match w {
            "tolower" => Transformer::ToLower,
            "toupper" => Transformer::ToUpper,
            "b64" => Transformer::B64,
            "basename" => Transformer::Basename,
            "len" => Transformer::Len,
            "join" => Transformer::Join,
            "concat" => Transformer::Concat,
            "getopt" => Transformer::Getopt,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Transformer::ToLower => "tolower",
            Transformer::ToUpper => "toupper",
            Transformer::B64 => "b64",
            Transformer::Basename => "basename",
            Transformer::Len => "len",
            Transformer::Join => "join",
            Transformer::Concat => "concat",
            Transformer::Getopt => "getopt",
        }
    }
}

// The Display forms are an s-expression view of the tree (precedence made explicit), used by tests
// and debugging output: `(and (= evt.type open) (not (in proc.name [sshd, "a b"])))`; a list
// modifier follows its operator: `(contains anyof proc.cmdline [wget, curl])`.

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::And(xs) | ExprKind::Or(xs) => {
                f.write_str(if matches!(self.kind, ExprKind::And(_)) {
                    "(and"
                } else {
                    "(or"
                })?;
                for x in xs {
                    write!(f, " {x}")?;
                }
                f.write_str(")")
            }
            ExprKind::Not(x) => write!(f, "(not {x})"),
            ExprKind::Ref(name) => f.write_str(name),
            ExprKind::Exists(op) => write!(f, "(exists {op})"),
            ExprKind::Compare {
                lhs,
                op,
                modifier: Some(m),
                rhs,
                ..
            } => write!(f, "({} {} {lhs} {rhs})", op.as_str(), m.as_str()),
            ExprKind::Compare { lhs, op, rhs, .. } => write!(f, "({} {lhs} {rhs})", op.as_str()),
        }
    }
}

impl fmt::Display for FieldName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.arg {
            Some(a) => write!(f, "{}[{a}]", self.name),
            None => f.write_str(&self.name),
        }
    }
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Field(name) => write!(f, "{name}"),
            Operand::Transform { func, args, .. } => {
                write!(f, "{}(", func.as_str())?;
                for (i, a) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    match a {
                        Arg::Operand(o) => write!(f, "{o}")?,
                        Arg::Lit(v) => write!(f, "{v}")?,
                    }
                }
                f.write_str(")")
            }
        }
    }
}

impl fmt::Display for ValueLit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.quoted {
            write!(f, "{:?}", self.text)
        } else {
            f.write_str(&self.text)
        }
    }
}

impl fmt::Display for Rhs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rhs::Value(v) => write!(f, "{v}"),
            Rhs::List { items, .. } => {
                f.write_str("[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
            Rhs::Field(o) => write!(f, "val({o})"),
        }
    }
}
