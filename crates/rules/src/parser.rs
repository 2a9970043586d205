//! Recursive-descent parser for conditions, with Falco's precedence: `or` binds loosest, then
//! `and`, then `not`; comparisons and parentheses are the primaries.
//!
//! ```text
//! or      := and ("or" and)*
//! and     := not ("and" not)*
//! not     := "not" not | primary
//! primary := "(" or ")" | IDENT                      -- a macro reference
//!          | operand "exists" | operand OP rhs
//! operand := FIELD | TRANSFORMER "(" arg ("," arg)* ")"
//! arg     := operand | STRING
//! rhs     := "(" [value ("," value)*] ")"            -- after in / intersects / pmatch
//!          | MODIFIER "(" [value ("," value)*] ")"   -- anyof / allof / oneof, other operators
//!          | value | "val" "(" operand ")" | TRANSFORMER "(" ... ")"
//! ```

use crate::ast::{Arg, CmpOp, Expr, ExprKind, FieldName, ListMod, Operand, Rhs, Span, Transformer, ValueLit};
use crate::lexer::{Lexer, Mode, Token, TokenKind};

/// A syntax error: where, what was expected, and what was found instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected {expected}, found {found} (at byte {})", span.start)]
pub struct ParseError {
    pub span: Span,
    pub expected: String,
    pub found: String,
}

impl ParseError {
    /// `origin:line:col: expected ..., found ...` for a condition whose text is `src`.
    pub fn render(&self, origin: &str, src: &str) -> String {
        let (line, col) = self.span.line_col(src);
        format!(
            "{origin}:{line}:{col}: expected {}, found {}",
            self.expected, self.found
        )
    }
}

/// Parse one condition.
pub fn parse(src: &str) -> Result<Expr, ParseError> {
    let mut p = Parser {
        lx: Lexer::new(src),
        src,
    };
    let e = p.or()?;
    let t = p.lx.next_token(Mode::Expr)?;
    if t.kind != TokenKind::Eof {
        let expected = if t.kind == TokenKind::RParen {
            "end of condition (unbalanced `)`)"
        } else {
            "`and`, `or` or end of condition"
        };
        return Err(p.error(&t, expected));
    }
    Ok(e)
}

/// Nesting deeper than this is refused rather than risking the stack on hostile input.
pub const MAX_DEPTH: usize = 100;

struct Parser<'a> {
    lx: Lexer<'a>,
    src: &'a str,
}

impl<'a> Parser<'a> {
    fn error(&self, t: &Token, expected: &str) -> ParseError {
        ParseError {
            span: t.span,
            expected: expected.to_string(),
            found: t.describe(self.src),
        }
    }

    fn or(&mut self) -> Result<Expr, ParseError> {
        self.chain(true, 0)
    }

    fn chain(&mut self, is_or: bool, depth: usize) -> Result<Expr, ParseError> {
        let mut items = vec![if is_or {
            self.chain(false, depth)?
        } else {
            self.not(depth)?
        }];
        let sep = if is_or { TokenKind::Or } else { TokenKind::And };
        while self.lx.peek(Mode::Expr)?.kind == sep {
            self.lx.next_token(Mode::Expr)?;
            items.push(if is_or {
                self.chain(false, depth)?
            } else {
                self.not(depth)?
            });
        }
        if items.len() == 1 {
            return Ok(items.pop().unwrap_or_else(unreachable_expr));
        }
        let span = items.iter().map(|e| e.span).reduce(Span::to).unwrap_or_default();
        Ok(Expr {
            kind: if is_or {
                ExprKind::Or(items)
            } else {
                ExprKind::And(items)
            },
            span,
        })
    }

    fn not(&mut self, depth: usize) -> Result<Expr, ParseError> {
        let t = self.lx.peek(Mode::Expr)?;
        if depth > MAX_DEPTH {
            return Err(self.error(&t, "a condition nested less deeply"));
        }
        if t.kind == TokenKind::Not {
            self.lx.next_token(Mode::Expr)?;
            let inner = self.not(depth + 1)?;
            let span = t.span.to(inner.span);
            return Ok(Expr {
                kind: ExprKind::Not(Box::new(inner)),
                span,
            });
        }
        self.primary(depth)
    }

    fn primary(&mut self, depth: usize) -> Result<Expr, ParseError> {
        let t = self.lx.next_token(Mode::Expr)?;
        match &t.kind {
            TokenKind::LParen => {
                let inner = self.chain_at(depth + 1)?;
                let close = self.lx.next_token(Mode::Expr)?;
                if close.kind != TokenKind::RParen {
                    let expected = format!("`)` closing the `(` at byte {}, or `and`/`or`", t.span.start);
                    return Err(self.error(&close, &expected));
                }
                // Keep the inner node (no Group node) but widen its span to the parentheses.
                Ok(Expr {
                    kind: inner.kind,
                    span: t.span.to(close.span),
                })
            }
            TokenKind::Ident => {
                let name = t.span.text(self.src);
                if let Some(func) = Transformer::from_name(name) {
                    if self.lx.peek(Mode::Expr)?.kind == TokenKind::LParen {
                        let lhs = self.transform(func, &t, depth)?;
                        return self.check(lhs);
                    }
                }
                if let TokenKind::Op(_) | TokenKind::Exists = self.lx.peek(Mode::Expr)?.kind {
                    return Err(self.error(
                        &t,
                        "a field name (fields have a dot, as in `proc.name`) before an operator",
                    ));
                }
                Ok(Expr {
                    kind: ExprKind::Ref(name.to_string()),
                    span: t.span,
                })
            }
            TokenKind::Field { .. } => {
                let lhs = Operand::Field(self.field_name(&t));
                self.check(lhs)
            }
            _ => Err(self.error(&t, "a field, a macro name, `not` or `(`")),
        }
    }

    fn chain_at(&mut self, depth: usize) -> Result<Expr, ParseError> {
        if depth > MAX_DEPTH {
            let t = self.lx.peek(Mode::Expr)?;
            return Err(self.error(&t, "a condition nested less deeply"));
        }
        self.chain(true, depth)
    }

    fn field_name(&self, t: &Token) -> FieldName {
        match &t.kind {
            TokenKind::Field { name, arg } => FieldName {
                name: name.text(self.src).to_string(),
                arg: arg.as_ref().map(|(a, _)| a.clone()),
                span: t.span,
            },
            _ => FieldName {
                name: t.span.text(self.src).to_string(),
                arg: None,
                span: t.span,
            },
        }
    }

    /// After the operand: `exists`, or an operator and its right side.
    fn check(&mut self, lhs: Operand) -> Result<Expr, ParseError> {
        let t = self.lx.next_token(Mode::Expr)?;
        let op = match t.kind {
            TokenKind::Exists => {
                let span = lhs.span().to(t.span);
                return Ok(Expr {
                    kind: ExprKind::Exists(lhs),
                    span,
                });
            }
            TokenKind::Op(op) => op,
            _ => {
                let expected = format!(
                    "a comparison operator after `{}` (= == != < <= > >= contains icontains bcontains startswith \
                     bstartswith endswith glob iglob regex in intersects pmatch exists)",
                    lhs.span().text(self.src)
                );
                return Err(self.error(&t, &expected));
            }
        };
        let (modifier, rhs) = match self.lx.list_modifier() {
            Some(m) => (Some(self.modifier(op, &t, &m)?), self.modified_list(op, &m)?),
            None => (None, self.rhs(op, &t)?),
        };
        let span = lhs.span().to(rhs_span(&rhs)).to(t.span);
        Ok(Expr {
            kind: ExprKind::Compare {
                lhs,
                op,
                op_span: t.span,
                modifier,
                rhs,
            },
            span,
        })
    }

    /// The modifier token just read after `op`; list operators take no modifier.
    fn modifier(&self, op: CmpOp, op_tok: &Token, m: &Token) -> Result<ListMod, ParseError> {
        match m.kind {
            TokenKind::Modifier(_) if op.takes_list() => Err(self.error(
                m,
                &format!(
                    "a list right after `{}` (anyof/allof/oneof apply to single-value operators)",
                    op_tok.span.text(self.src)
                ),
            )),
            TokenKind::Modifier(lm) => Ok(lm),
            _ => Err(self.error(m, "anyof, allof or oneof")),
        }
    }

    /// `(a, b, ...)` after a list modifier.
    fn modified_list(&mut self, op: CmpOp, m: &Token) -> Result<Rhs, ParseError> {
        let open = self.lx.next_token(Mode::Value)?;
        let what = format!("{} {}", op.as_str(), m.span.text(self.src));
        if open.kind != TokenKind::LParen {
            return Err(self.error(&open, &format!("a parenthesised list after `{what}`")));
        }
        self.list_items(&open, &what)
    }

    /// The items of a value list whose `(` was `open`, up to and including `)`.
    fn list_items(&mut self, open: &Token, what: &str) -> Result<Rhs, ParseError> {
        let mut items = Vec::new();
        let mut next = self.lx.next_token(Mode::Value)?;
        if next.kind != TokenKind::RParen {
            loop {
                items.push(self.value(&next, &format!("a list item after `{what} (`"))?);
                next = self.lx.next_token(Mode::Value)?;
                match next.kind {
                    TokenKind::Comma => next = self.lx.next_token(Mode::Value)?,
                    TokenKind::RParen => break,
                    _ => return Err(self.error(&next, "`,` or `)` in the value list")),
                }
            }
        }
        Ok(Rhs::List {
            items,
            span: open.span.to(next.span),
        })
    }

    fn rhs(&mut self, op: CmpOp, op_tok: &Token) -> Result<Rhs, ParseError> {
        let t = self.lx.next_token(Mode::Value)?;
        let what = op.as_str();
        match &t.kind {
            TokenKind::LParen => self.list_items(&t, what),
            _ if op.takes_list() => {
                if t.kind == TokenKind::Ident && t.span.text(self.src) == "val" {
                    return Err(self.error(&t, &format!("a parenthesised list after `{what}`")));
                }
                Err(self.error(
                    &t,
                    &format!("a parenthesised list after `{what}`, as in `{what} (a, b)`"),
                ))
            }
            TokenKind::Ident => {
                let word = t.span.text(self.src);
                if word == "val" {
                    let open = self.lx.next_token(Mode::Expr)?;
                    if open.kind != TokenKind::LParen {
                        return Err(self.error(&open, "`(` after `val`"));
                    }
                    let inner = self.operand(0)?;
                    self.close_call(&open, "val")?;
                    Ok(Rhs::Field(inner))
                } else if let Some(func) = Transformer::from_name(word) {
                    Ok(Rhs::Field(self.transform(func, &t, 0)?))
                } else {
                    Ok(Rhs::Value(ValueLit {
                        text: word.to_string(),
                        quoted: false,
                        span: t.span,
                    }))
                }
            }
            _ => {
                let expected = format!("a value after `{}`", op_tok.span.text(self.src));
                Ok(Rhs::Value(self.value(&t, &expected)?))
            }
        }
    }

    fn value(&self, t: &Token, expected: &str) -> Result<ValueLit, ParseError> {
        match &t.kind {
            TokenKind::Str(s) => Ok(ValueLit {
                text: s.clone(),
                quoted: true,
                span: t.span,
            }),
            TokenKind::Bare | TokenKind::Num | TokenKind::Ident => {
                let text = t.span.text(self.src);
                if text == "=" {
                    return Err(self.error(t, expected));
                }
                Ok(ValueLit {
                    text: text.to_string(),
                    quoted: false,
                    span: t.span,
                })
            }
            _ => Err(self.error(t, expected)),
        }
    }

    /// `func(` already seen up to `func`; parses the arguments and `)`.
    fn transform(&mut self, func: Transformer, name: &Token, depth: usize) -> Result<Operand, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.error(name, "transformers nested less deeply"));
        }
        let open = self.lx.next_token(Mode::Expr)?;
        if open.kind != TokenKind::LParen {
            return Err(self.error(&open, &format!("`(` after `{}`", func.as_str())));
        }
        let mut args = Vec::new();
        loop {
            let t = self.lx.peek(Mode::Expr)?;
            if let TokenKind::Str(s) = &t.kind {
                self.lx.next_token(Mode::Expr)?;
                args.push(Arg::Lit(ValueLit {
                    text: s.clone(),
                    quoted: true,
                    span: t.span,
                }));
            } else {
                args.push(Arg::Operand(self.operand(depth + 1)?));
            }
            let sep = self.lx.peek(Mode::Expr)?;
            if sep.kind == TokenKind::Comma {
                self.lx.next_token(Mode::Expr)?;
            } else {
                break;
            }
        }
        let close = self.close_call(&open, func.as_str())?;
        Ok(Operand::Transform {
            func,
            args,
            span: name.span.to(close),
        })
    }

    fn close_call(&mut self, open: &Token, what: &str) -> Result<Span, ParseError> {
        let close = self.lx.next_token(Mode::Expr)?;
        if close.kind != TokenKind::RParen {
            let expected = format!("`)` closing `{what}(` at byte {}", open.span.start);
            return Err(self.error(&close, &expected));
        }
        Ok(close.span)
    }

    fn operand(&mut self, depth: usize) -> Result<Operand, ParseError> {
        let t = self.lx.next_token(Mode::Expr)?;
        match &t.kind {
            TokenKind::Field { .. } => Ok(Operand::Field(self.field_name(&t))),
            TokenKind::Ident => match Transformer::from_name(t.span.text(self.src)) {
                Some(func) => self.transform(func, &t, depth + 1),
                // `toupper(val(proc.pname))` on a right side: `val` just marks the field.
                None if t.span.text(self.src) == "val" => {
                    let open = self.lx.next_token(Mode::Expr)?;
                    if open.kind != TokenKind::LParen {
                        return Err(self.error(&open, "`(` after `val`"));
                    }
                    let inner = self.operand(depth + 1)?;
                    self.close_call(&open, "val")?;
                    Ok(inner)
                }
                None => Err(self.error(&t, "a field name or a transformer")),
            },
            _ => Err(self.error(&t, "a field name or a transformer")),
        }
    }
}

fn rhs_span(rhs: &Rhs) -> Span {
    match rhs {
        Rhs::Value(v) => v.span,
        Rhs::List { span, .. } => *span,
        Rhs::Field(o) => o.span(),
    }
}

// `chain` pushes at least one item before popping, so this is never called; it exists to avoid an
// `unwrap` on a path the type system cannot see.
fn unreachable_expr() -> Expr {
    Expr {
        kind: ExprKind::And(Vec::new()),
        span: Span::default(),
    }
}
