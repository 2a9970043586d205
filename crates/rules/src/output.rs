//! Rule outputs: `%field` templates compiled once ([`Output`]), rendered as Falco prints alerts —
//! the text line `<evt.time>: <Priority> <output>` and the JSON alert with Falco's keys
//! (`hostname`, `output`, `output_fields`, `priority`, `rule`, `source`, `tags`, `time`, in the
//! order Falco writes them) — into buffers the caller reuses ([`Renderer`]).
//!
//! A template field is `%` then a field name with its argument (`%proc.aname[2]`,
//! `%evt.arg.flags`, `%container.label[app]`) or a transformer call (`%tolower(proc.name)`). A
//! `%` not followed by a field name is literal text; a leading `*` (Falco's "all values
//! required" marker) is accepted and ignored. A value that cannot be extracted prints as `<NA>`
//! and is `null` in `output_fields`, where numbers and booleans keep their JSON types. A field
//! with several values (`proc.aname` without an index, list fields) prints as `(a,b,c)`.
//!
//! Times are UTC (Falco prints the text prefix in local time).

use std::io::Write as _;
use std::ops::ControlFlow;

use crate::ast::{ExprKind, FieldName, Operand, Span};
use crate::compile::{output_operand, COperand, CompileError};
use crate::fields::{id, EventFields};
use crate::ruleset::CompiledRule;
use crate::table::FieldTable;
use crate::value::{FieldArg, FieldRef, Fields, Scratch, Value};

/// Why an output template does not compile.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum OutputError {
    #[error("`%{text}` (at byte {at}): {source}")]
    Field {
        text: String,
        at: usize,
        #[source]
        source: CompileError,
    },
    #[error("`%{text}` (at byte {at}): unbalanced parentheses")]
    Unbalanced { text: String, at: usize },
}

#[derive(Debug, Clone)]
enum Seg {
    Lit(Box<[u8]>),
    /// An index into [`Output::fields`].
    Field(usize),
}

#[derive(Debug, Clone)]
struct OField {
    /// As written after `%`: the key in `output_fields`.
    key: Box<str>,
    op: COperand,
    slots: usize,
}

/// A compiled output template.
#[derive(Debug, Clone)]
pub struct Output {
    segs: Box<[Seg]>,
    /// Distinct fields, in order of first use.
    fields: Box<[OField]>,
    slots: usize,
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'.'
}

/// The end (exclusive) of a parenthesised group starting at `open`, quotes respected.
fn close_paren(t: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote = None;
    let mut i = open;
    while let Some(&b) = t.get(i) {
        match (quote, b) {
            (Some(b'"'), b'\\') => i += 1,
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'(') => depth += 1,
            (None, b')') => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

impl Output {
    /// Compiles a template against a field table.
    pub fn compile(template: &str, table: &dyn FieldTable) -> Result<Output, OutputError> {
        let t = template.strip_prefix('*').unwrap_or(template);
        let b = t.as_bytes();
        let mut segs: Vec<Seg> = Vec::new();
        let mut fields: Vec<OField> = Vec::new();
        let mut lit: Vec<u8> = Vec::new();
        let mut i = 0;
        while let Some(&c) = b.get(i) {
            let name_len = match b.get(i + 1..) {
                Some(r) if r.first().is_some_and(u8::is_ascii_alphabetic) => {
                    r.iter().take_while(|&&x| is_name_byte(x)).count()
                }
                _ => 0,
            };
            if c != b'%' || name_len == 0 {
                lit.push(c);
                i += 1;
                continue;
            }
            let start = i + 1;
            let mut end = start + name_len;
            let name = t.get(start..end).unwrap_or("");
            let compiled = if b.get(end) == Some(&b'(') && crate::ast::Transformer::from_name(name).is_some() {
                let Some(close) = close_paren(b, end) else {
                    return Err(OutputError::Unbalanced {
                        text: t.get(start..).unwrap_or("").to_owned(),
                        at: start,
                    });
                };
                end = close;
                let text = t.get(start..end).unwrap_or("");
                transformer(text, table).map_err(|source| OutputError::Field {
                    text: text.to_owned(),
                    at: start,
                    source,
                })?
            } else {
                let mut arg = None;
                if b.get(end) == Some(&b'[') {
                    if let Some(close) = b.get(end..).and_then(|r| r.iter().position(|&x| x == b']')) {
                        arg = t.get(end + 1..end + close).map(str::to_owned);
                        end += close + 1;
                    }
                }
                match field(name, arg.clone(), table) {
                    Ok(c) => c,
                    // A sentence may end right after a field: `file=%fd.name.`
                    Err(e) if arg.is_none() && name.ends_with('.') => {
                        let trimmed = name.trim_end_matches('.');
                        end = start + trimmed.len();
                        field(trimmed, None, table).map_err(|_| OutputError::Field {
                            text: name.to_owned(),
                            at: start,
                            source: e,
                        })?
                    }
                    Err(source) => {
                        return Err(OutputError::Field {
                            text: t.get(start..end).unwrap_or("").to_owned(),
                            at: start,
                            source,
                        })
                    }
                }
            };
            let key = t.get(start..end).unwrap_or("");
            let idx = match fields.iter().position(|f| &*f.key == key) {
                Some(p) => p,
                None => {
                    let (op, slots) = compiled;
                    fields.push(OField {
                        key: key.into(),
                        op,
                        slots: slots.max(2),
                    });
                    fields.len() - 1
                }
            };
            if !lit.is_empty() {
                segs.push(Seg::Lit(std::mem::take(&mut lit).into_boxed_slice()));
            }
            segs.push(Seg::Field(idx));
            i = end;
        }
        if !lit.is_empty() {
            segs.push(Seg::Lit(lit.into_boxed_slice()));
        }
        let slots = fields.iter().map(|f| f.slots).max().unwrap_or(0);
        Ok(Output {
            segs: segs.into_boxed_slice(),
            fields: fields.into_boxed_slice(),
            slots,
        })
    }

    /// The fields the template uses, as written (the keys of `output_fields`).
    pub fn field_names(&self) -> impl Iterator<Item = &str> + '_ {
        self.fields.iter().map(|f| &*f.key)
    }

    /// Appends the rendered template to `out`.
    pub fn write<F: Fields + ?Sized>(&self, ev: &F, scratch: &mut Scratch, out: &mut Vec<u8>) {
        let bufs = scratch.slots(self.slots);
        for s in self.segs.iter() {
            match s {
                Seg::Lit(l) => out.extend_from_slice(l),
                Seg::Field(i) => match self.fields.get(*i).map(|f| value(f, ev, bufs)) {
                    Some(v) if !v.is_missing() => crate::eval::write_value(out, v),
                    _ => out.extend_from_slice(b"<NA>"),
                },
            }
        }
    }

    /// Appends the `output_fields` object: `{"proc.name":"bash","proc.pid":42,"fd.name":null}`.
    pub fn write_fields_json<F: Fields + ?Sized>(&self, ev: &F, scratch: &mut Scratch, out: &mut Vec<u8>) {
        let bufs = scratch.slots(self.slots);
        out.push(b'{');
        for (n, f) in self.fields.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            json_str(out, f.key.as_bytes());
            out.push(b':');
            json_value(out, value(f, ev, bufs));
        }
        out.push(b'}');
    }
}

fn field(name: &str, arg: Option<String>, table: &dyn FieldTable) -> Result<(COperand, usize), CompileError> {
    let op = Operand::Field(FieldName {
        name: name.to_owned(),
        arg,
        span: Span::default(),
    });
    output_operand(&op, table).map(|(c, _, s)| (c, s))
}

/// A transformer call, parsed with the condition parser as the operand of `exists`.
fn transformer(text: &str, table: &dyn FieldTable) -> Result<(COperand, usize), CompileError> {
    let unsupported = |what: String| CompileError::Unsupported {
        what,
        span: Span::default(),
    };
    let expr = crate::parse(&format!("{text} exists")).map_err(|e| unsupported(e.to_string()))?;
    let ExprKind::Exists(op) = expr.kind else {
        return Err(unsupported(format!("`{text}` is not a field or transformer call")));
    };
    output_operand(&op, table).map(|(c, _, s)| (c, s))
}

/// One field's value; a field with several values is written as `(a,b)` into `bufs[0]`.
fn value<'s, F: Fields + ?Sized>(f: &OField, ev: &'s F, bufs: &'s mut [Vec<u8>]) -> Value<'s> {
    let COperand::Multi(field) = &f.op else {
        return crate::eval::operand(&f.op, ev, bufs);
    };
    let [out, tmp, ..] = bufs else {
        return Value::Missing;
    };
    out.clear();
    out.push(b'(');
    let mut any = false;
    ev.for_each(field, tmp, &mut |v| {
        if !v.is_missing() {
            if any {
                out.push(b',');
            }
            any = true;
            crate::eval::write_value(out, v);
        }
        ControlFlow::Continue(())
    });
    out.push(b')');
    if any {
        Value::Str(out)
    } else {
        Value::Missing
    }
}

/// A JSON string (invalid UTF-8 becomes U+FFFD).
fn json_str(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for chunk in s.utf8_chunks() {
        for c in chunk.valid().bytes() {
            match c {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                c if c < 0x20 || c == 0x7f => {
                    let _ = write!(out, "\\u{c:04x}");
                }
                c => out.push(c),
            }
        }
        if !chunk.invalid().is_empty() {
            out.extend_from_slice("\u{fffd}".as_bytes());
        }
    }
    out.push(b'"');
}

fn json_value(out: &mut Vec<u8>, v: Value<'_>) {
    match v {
        Value::Str(s) => json_str(out, s),
        Value::Num(n) => {
            let _ = write!(out, "{n}");
        }
        Value::UNum(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
        Value::Ip(ip) => {
            let _ = write!(out, "\"{ip}\"");
        }
        Value::Missing => out.extend_from_slice(b"null"),
    }
}

const fn plain(id: u32) -> FieldRef {
    FieldRef {
        id,
        arg: FieldArg::None,
    }
}

const EVT_TIME: FieldRef = plain(id::EVT_TIME);
const EVT_TIME_ISO8601: FieldRef = plain(id::EVT_TIME_ISO8601);
const EVT_HOSTNAME: FieldRef = plain(id::EVT_HOSTNAME);

/// Renders alerts into caller-owned buffers, reusing its own between alerts.
#[derive(Debug, Default)]
pub struct Renderer {
    scratch: Scratch,
    text: Vec<u8>,
    buf: Vec<u8>,
    /// Print the text prefix's time as `evt.time.iso8601` (Falco's `time_format_iso_8601`).
    pub iso8601: bool,
}

impl Renderer {
    pub fn new() -> Renderer {
        Renderer::default()
    }

    /// Appends Falco's text line (no newline): `13:27:35.566108036: Warning <output>`.
    pub fn text(&mut self, rule: &CompiledRule, ev: &EventFields<'_, '_>, out: &mut Vec<u8>) {
        let time = if self.iso8601 { &EVT_TIME_ISO8601 } else { &EVT_TIME };
        match ev.get(time, &mut self.buf) {
            Value::Str(t) => out.extend_from_slice(t),
            _ => out.extend_from_slice(b"<NA>"),
        }
        out.extend_from_slice(b": ");
        out.extend_from_slice(rule.priority.as_str().as_bytes());
        out.push(b' ');
        rule.output.write(ev, &mut self.scratch, out);
    }

    /// Appends Falco's JSON alert (one line, no newline).
    pub fn json(&mut self, rule: &CompiledRule, ev: &EventFields<'_, '_>, out: &mut Vec<u8>) {
        let mut text = std::mem::take(&mut self.text);
        text.clear();
        self.text(rule, ev, &mut text);
        out.extend_from_slice(b"{\"hostname\":");
        match ev.get(&EVT_HOSTNAME, &mut self.buf) {
            Value::Str(h) => json_str(out, h),
            _ => json_str(out, b""),
        }
        out.extend_from_slice(b",\"output\":");
        json_str(out, &text);
        self.text = text;
        out.extend_from_slice(b",\"output_fields\":");
        rule.output.write_fields_json(ev, &mut self.scratch, out);
        out.extend_from_slice(b",\"priority\":");
        json_str(out, rule.priority.as_str().as_bytes());
        out.extend_from_slice(b",\"rule\":");
        json_str(out, rule.name.as_bytes());
        out.extend_from_slice(b",\"source\":");
        json_str(out, rule.source.as_bytes());
        out.extend_from_slice(b",\"tags\":[");
        for (i, t) in rule.tags.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            json_str(out, t.as_bytes());
        }
        out.extend_from_slice(b"],\"time\":");
        match ev.get(&EVT_TIME_ISO8601, &mut self.buf) {
            Value::Str(t) => json_str(out, t),
            _ => out.extend_from_slice(b"null"),
        }
        out.push(b'}');
    }
}
