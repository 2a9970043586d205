//! Tokens of a condition, with byte spans.
//!
//! Falco's condition syntax is context-sensitive: after a comparison operator, a value is a bare
//! word that may contain characters that are operators elsewhere (`evt.dir = <`,
//! `fd.name glob /etc/[a-z]*`, `fd.net = 127.0.0.0/8`). So the lexer has two modes and the parser
//! says which one it wants: [`Mode::Expr`] for fields, keywords, operators and macro names,
//! [`Mode::Value`] for values and value lists. [`tokenize`] drives the modes itself for tools
//! that want the whole token stream.
//!
//! A bare value is any run of characters other than whitespace, `(`, `)`, `,`, `=`, and quotes
//! (as in Falco). Quoted strings take `'` or `"`; the escapes `\\ \" \' \n \r \t \b \f` are
//! resolved, and any other backslash is kept as written so regex and glob values (`"\.sh$"`) mean
//! what they say.

use crate::ast::{CmpOp, ListMod, Span, Transformer};
use crate::parser::ParseError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Expr,
    Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    LParen,
    RParen,
    Comma,
    And,
    Or,
    Not,
    /// A comparison operator; `==` and `=` both give `CmpOp::Eq`.
    Op(CmpOp),
    Exists,
    /// `anyof`, `allof` or `oneof` right after an operator and before `(` (see
    /// [`Lexer::list_modifier`]); anywhere else these words are ordinary values or names.
    Modifier(ListMod),
    /// A dot-free identifier: a macro or list name, a transformer name, or `val`.
    Ident,
    /// A field name (at least one dot) with its optional bracket argument (unquoted).
    Field {
        name: Span,
        arg: Option<(String, Span)>,
    },
    /// A bare value that is an integer (decimal, optionally negative, or `0x` hex).
    Num,
    /// Any other bare value.
    Bare,
    /// A quoted string, escapes resolved.
    Str(String),
    Eof,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

impl Token {
    /// A short description for error messages: `` `proc.name` ``, `end of condition`.
    pub fn describe(&self, src: &str) -> String {
        match self.kind {
            TokenKind::Eof => "end of condition".to_string(),
            _ => format!("`{}`", self.span.text(src)),
        }
    }
}

/// The longest condition accepted (spans are `u32`).
pub const MAX_CONDITION_LEN: usize = u32::MAX as usize;

#[derive(Debug, Clone, Copy)]
pub struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn is_bare(b: u8) -> bool {
    !is_space(b) && !matches!(b, b'(' | b')' | b',' | b'=' | b'"' | b'\'')
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic()
}

fn is_ident_cont(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Is `s` an integer as numeric field values are written?
pub fn is_number(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if let Some(hex) = digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit())
    } else {
        !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
    }
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Lexer<'a> {
        Lexer { src, pos: 0 }
    }

    pub fn src(&self) -> &'a str {
        self.src
    }

    /// Byte offset of the next unread character.
    pub fn pos(&self) -> usize {
        self.pos
    }

    fn byte(&self, i: usize) -> Option<u8> {
        self.src.as_bytes().get(i).copied()
    }

    fn skip_space(&mut self) {
        while self.byte(self.pos).is_some_and(is_space) {
            self.pos += 1;
        }
    }

    fn err(&self, span: Span, expected: &str, found: String) -> ParseError {
        ParseError {
            span,
            expected: expected.to_string(),
            found,
        }
    }

    /// The next token without consuming it.
    pub fn peek(&self, mode: Mode) -> Result<Token, ParseError> {
        let mut copy = *self;
        copy.next_token(mode)
    }

    pub fn next_token(&mut self, mode: Mode) -> Result<Token, ParseError> {
        if self.src.len() > MAX_CONDITION_LEN {
            return Err(self.err(Span::new(0, 0), "a condition shorter than 4 GiB", "a longer one".into()));
        }
        self.skip_space();
        let start = self.pos;
        let Some(b) = self.byte(start) else {
            return Ok(Token {
                kind: TokenKind::Eof,
                span: Span::new(start, start),
            });
        };
        let single = |kind| Token {
            kind,
            span: Span::new(start, start + 1),
        };
        match b {
            b'(' => {
                self.pos += 1;
                return Ok(single(TokenKind::LParen));
            }
            b')' => {
                self.pos += 1;
                return Ok(single(TokenKind::RParen));
            }
            b',' => {
                self.pos += 1;
                return Ok(single(TokenKind::Comma));
            }
            b'"' | b'\'' => return self.quoted(b),
            _ => {}
        }
        match mode {
            Mode::Expr => self.expr_token(start, b),
            Mode::Value => Ok(self.value_token(start)),
        }
    }

    fn expr_token(&mut self, start: usize, b: u8) -> Result<Token, ParseError> {
        let two = self.src.as_bytes().get(start..start + 2);
        let sym = match two {
            Some(b"==") => Some((CmpOp::Eq, 2)),
            Some(b"!=") => Some((CmpOp::Ne, 2)),
            Some(b"<=") => Some((CmpOp::Le, 2)),
            Some(b">=") => Some((CmpOp::Ge, 2)),
            _ => match b {
                b'=' => Some((CmpOp::Eq, 1)),
                b'<' => Some((CmpOp::Lt, 1)),
                b'>' => Some((CmpOp::Gt, 1)),
                _ => None,
            },
        };
        if let Some((op, len)) = sym {
            self.pos += len;
            return Ok(Token {
                kind: TokenKind::Op(op),
                span: Span::new(start, start + len),
            });
        }
        if !is_ident_start(b) {
            let ch = self.src.get(start..).and_then(|s| s.chars().next()).unwrap_or('?');
            return Err(self.err(
                Span::new(start, start + ch.len_utf8()),
                "a field, a macro name, `not` or `(`",
                format!("`{ch}`"),
            ));
        }
        // [a-zA-Z][a-zA-Z0-9_]* ( '.' [a-zA-Z][a-zA-Z0-9_]* )*
        let mut end = start;
        let mut dotted = false;
        loop {
            while self.byte(end).is_some_and(is_ident_cont) {
                end += 1;
            }
            if self.byte(end) == Some(b'.') && self.byte(end + 1).is_some_and(is_ident_start) {
                dotted = true;
                end += 1;
            } else {
                break;
            }
        }
        self.pos = end;
        let span = Span::new(start, end);
        let word = span.text(self.src);
        if dotted {
            let arg = if self.byte(end) == Some(b'[') {
                Some(self.field_arg(end)?)
            } else {
                None
            };
            let full = Span::new(start, self.pos);
            return Ok(Token {
                kind: TokenKind::Field { name: span, arg },
                span: full,
            });
        }
        let kind = match word {
            "and" => TokenKind::And,
            "or" => TokenKind::Or,
            "not" => TokenKind::Not,
            "exists" => TokenKind::Exists,
            w => match CmpOp::from_word(w) {
                Some(op) => TokenKind::Op(op),
                None => TokenKind::Ident,
            },
        };
        Ok(Token { kind, span })
    }

    /// `[arg]` after a field name; `open` is the offset of `[`. The argument is a quoted string or
    /// a run of characters other than whitespace, brackets and quotes.
    fn field_arg(&mut self, open: usize) -> Result<(String, Span), ParseError> {
        let inner = open + 1;
        let (text, after) = match self.byte(inner) {
            Some(q @ (b'"' | b'\'')) => {
                self.pos = inner;
                let tok = self.quoted(q)?;
                let TokenKind::Str(s) = tok.kind else {
                    return Err(self.err(tok.span, "a quoted field argument", tok.describe(self.src)));
                };
                (s, tok.span.end as usize)
            }
            _ => {
                let mut end = inner;
                while self
                    .byte(end)
                    .is_some_and(|b| !is_space(b) && !matches!(b, b'[' | b']' | b'"' | b'\''))
                {
                    end += 1;
                }
                if end == inner {
                    return Err(self.err(
                        Span::new(open, inner + 1),
                        "a field argument inside `[ ]`",
                        "none".into(),
                    ));
                }
                (Span::new(inner, end).text(self.src).to_string(), end)
            }
        };
        if self.byte(after) != Some(b']') {
            let found = self
                .byte(after)
                .map_or("end of condition".to_string(), |b| format!("`{}`", b as char));
            return Err(self.err(Span::new(open, after), "`]` closing the field argument", found));
        }
        self.pos = after + 1;
        Ok((text, Span::new(inner, after)))
    }

    /// After a comparison operator: consumes `anyof`, `allof` or `oneof` if one comes next and is
    /// followed by `(`. The words are keywords only there, so `proc.name = oneof` still compares
    /// with the value `oneof`.
    pub fn list_modifier(&mut self) -> Option<Token> {
        self.skip_space();
        let start = self.pos;
        let mut end = start;
        while self.byte(end).is_some_and(|b| b.is_ascii_lowercase()) {
            end += 1;
        }
        let m = ListMod::from_word(Span::new(start, end).text(self.src))?;
        let mut after = end;
        while self.byte(after).is_some_and(is_space) {
            after += 1;
        }
        if self.byte(after) != Some(b'(') {
            return None;
        }
        self.pos = end;
        Some(Token {
            kind: TokenKind::Modifier(m),
            span: Span::new(start, end),
        })
    }

    fn value_token(&mut self, start: usize) -> Token {
        let mut end = start;
        while self.byte(end).is_some_and(is_bare) {
            end += 1;
        }
        // A bare value is never empty here: `start` is not whitespace, a paren, a comma or a quote,
        // and `=` (the one remaining non-bare byte) is taken as a one-character value so that the
        // parser can report it.
        if end == start {
            end = start + 1;
        }
        self.pos = end;
        let span = Span::new(start, end);
        let word = span.text(self.src);
        let kind = if self.byte(end) == Some(b'(') && (word == "val" || Transformer::from_name(word).is_some()) {
            TokenKind::Ident
        } else if is_number(word) {
            TokenKind::Num
        } else {
            TokenKind::Bare
        };
        Token { kind, span }
    }

    fn quoted(&mut self, quote: u8) -> Result<Token, ParseError> {
        let start = self.pos;
        let bytes = self.src.as_bytes();
        let mut out: Vec<u8> = Vec::new();
        let mut i = start + 1;
        loop {
            let Some(&b) = bytes.get(i) else {
                return Err(self.err(
                    Span::new(start, i),
                    if quote == b'"' {
                        "`\"` closing the string"
                    } else {
                        "`'` closing the string"
                    },
                    "end of condition".into(),
                ));
            };
            if b == quote {
                i += 1;
                break;
            }
            if b == b'\\' {
                let esc = bytes.get(i + 1).copied();
                let resolved = match esc {
                    Some(b'\\') => Some(b'\\'),
                    Some(b'"') => Some(b'"'),
                    Some(b'\'') => Some(b'\''),
                    Some(b'n') => Some(b'\n'),
                    Some(b'r') => Some(b'\r'),
                    Some(b't') => Some(b'\t'),
                    Some(b'b') => Some(0x08),
                    Some(b'f') => Some(0x0c),
                    _ => None,
                };
                if let Some(r) = resolved {
                    out.push(r);
                    i += 2;
                    continue;
                }
            }
            out.push(b);
            i += 1;
        }
        self.pos = i;
        // Only ASCII bytes were replaced or removed, so the result is still UTF-8; the fallback
        // keeps the raw text if that ever stops being true.
        let text = String::from_utf8(out).unwrap_or_else(|_| Span::new(start + 1, i - 1).text(self.src).to_string());
        Ok(Token {
            kind: TokenKind::Str(text),
            span: Span::new(start, i),
        })
    }
}

/// The whole token stream of a condition (ending with [`TokenKind::Eof`]), switching to value
/// mode after each comparison operator for one value or one parenthesised list, and back to
/// expression mode inside `val( )` and transformers.
pub fn tokenize(src: &str) -> Result<Vec<Token>, ParseError> {
    let mut lx = Lexer::new(src);
    let mut out = Vec::new();
    // Value mode for the next token; value-list depth; paren depth at which a `val(`/transformer
    // call opened inside a value (back to value-done when it closes).
    let mut want_value = false;
    let mut in_list = false;
    let mut call_depth: Vec<u32> = Vec::new();
    let mut depth: u32 = 0;
    loop {
        let mode = if want_value || in_list { Mode::Value } else { Mode::Expr };
        let tok = lx.next_token(mode)?;
        let kind = tok.kind.clone();
        out.push(tok);
        match kind {
            TokenKind::Eof => return Ok(out),
            TokenKind::Op(_) => {
                want_value = true;
                if let Some(m) = lx.list_modifier() {
                    out.push(m);
                }
            }
            TokenKind::LParen => {
                depth += 1;
                if want_value {
                    if out
                        .len()
                        .checked_sub(2)
                        .and_then(|i| out.get(i))
                        .is_some_and(|t| t.kind == TokenKind::Ident)
                    {
                        call_depth.push(depth);
                    } else {
                        in_list = true;
                    }
                    want_value = false;
                }
            }
            TokenKind::RParen => {
                if in_list {
                    in_list = false;
                } else if call_depth.last() == Some(&depth) {
                    call_depth.pop();
                }
                depth = depth.saturating_sub(1);
            }
            TokenKind::Ident if want_value => {
                // `val(` or a transformer: keep want_value so that the next `(` opens a call.
            }
            _ => {
                if !in_list {
                    want_value = false;
                }
            }
        }
    }
}
