//! From collected definitions to [`LoadedRules`]: lists expanded, macros substituted with
//! Falco's visibility, exceptions appended, every rule compiled against the field table.

use std::sync::Arc;

use super::collect::{Collector, Diag, Exception, ListDef};
use super::items::{seq, Item, Loc, Text};
use super::spans::{shift, SpanMap};
use super::{Diagnostic, LoadedRule, LoadedRules, Origin, Severity};
use crate::ast::{CmpOp, Expr, ExprKind, Operand, Rhs, Span, ValueLit};
use crate::compile::{compile, CompileError};
use crate::fields;
use crate::table::suggest;

/// State of a list during expansion (for cycles).
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Todo,
    Busy,
    Done,
}

struct Resolver<'c> {
    c: &'c Collector,
    diags: Vec<Diag>,
    spans: SpanMap,
    /// Expanded items of each list (by index in `c.lists`).
    expanded: Vec<Vec<Item>>,
    list_state: Vec<State>,
    list_used: Vec<bool>,
    /// Each macro's parsed condition (lists expanded), `None` if it does not parse.
    macro_parsed: Vec<Option<Expr>>,
    /// Each macro's condition with its own macros substituted, once computed.
    macro_resolved: Vec<Option<Expr>>,
    macro_used: Vec<bool>,
    /// Macros whose errors were reported (so users of them are not reported again).
    macro_broken: Vec<bool>,
}

pub(crate) fn resolve(c: Collector) -> LoadedRules {
    let n_lists = c.lists.len();
    let n_macros = c.macros.len();
    let mut r = Resolver {
        c: &c,
        diags: Vec::new(),
        spans: SpanMap::default(),
        expanded: vec![Vec::new(); n_lists],
        list_state: vec![State::Todo; n_lists],
        list_used: vec![false; n_lists],
        macro_parsed: vec![None; n_macros],
        macro_resolved: vec![None; n_macros],
        macro_used: vec![false; n_macros],
        macro_broken: vec![false; n_macros],
    };
    for i in 0..n_lists {
        r.expand_list(i, &mut Vec::new());
    }
    for i in 0..n_macros {
        r.parse_macro(i);
    }
    for i in 0..n_macros {
        r.resolve_macro(i);
    }
    let mut rules = Vec::with_capacity(c.rules.len());
    for def in &c.rules {
        if let Some(rule) = r.rule(def) {
            rules.push(rule);
        }
    }
    for (i, l) in c.lists.iter().enumerate() {
        if !r.list_used.get(i).copied().unwrap_or(true) {
            r.warn(l.loc, format!("list `{}` is not used", l.name));
        }
    }
    for (i, m) in c.macros.iter().enumerate() {
        if !r.macro_used.get(i).copied().unwrap_or(true) {
            r.warn(m.loc, format!("macro `{}` is not used", m.name));
        }
    }
    let diags = std::mem::take(&mut r.diags);
    let mut diagnostics: Vec<Diagnostic> = c.diags.iter().chain(diags.iter()).map(|d| diagnostic(&c, d)).collect();
    // Errors first within a file? Keep the order found, but stable by file then line for reading.
    diagnostics.sort_by(|a, b| {
        let fa = c.files.iter().position(|f| f.name == a.origin.file);
        let fb = c.files.iter().position(|f| f.name == b.origin.file);
        (fa, a.origin.line, a.origin.col).cmp(&(fb, b.origin.line, b.origin.col))
    });
    LoadedRules {
        rules,
        diagnostics,
        required_engine_version: c.engine_version.clone(),
        lists: n_lists,
        macros: n_macros,
    }
}

fn diagnostic(c: &Collector, d: &Diag) -> Diagnostic {
    let file = c.files.get(d.loc.file as usize);
    Diagnostic {
        severity: d.severity,
        origin: Origin {
            file: file.map_or_else(|| Arc::from("?"), |f| f.name.clone()),
            line: d.loc.mark.line,
            col: d.loc.mark.col,
        },
        message: d.message.clone(),
        snippet: file.and_then(|f| f.snippet(d.loc.mark, d.loc.width as usize)),
    }
}

impl<'c> Resolver<'c> {
    fn error(&mut self, loc: Loc, message: String) {
        self.diags.push(Diag {
            severity: Severity::Error,
            loc,
            message,
        });
    }

    fn warn(&mut self, loc: Loc, message: String) {
        self.diags.push(Diag {
            severity: Severity::Warning,
            loc,
            message,
        });
    }

    fn list(&self, name: &str) -> Option<(usize, &'c ListDef)> {
        let c: &'c Collector = self.c;
        let i = *c.list_names.get(name)?;
        Some((i, c.lists.get(i)?))
    }

    /// Expands the list names among list `i`'s items (lists defined before it), recursively.
    fn expand_list(&mut self, i: usize, stack: &mut Vec<usize>) {
        match self.list_state.get(i) {
            Some(State::Todo) => {}
            Some(State::Busy) => {
                let names: Vec<&str> = stack
                    .iter()
                    .chain(std::iter::once(&i))
                    .filter_map(|j| self.c.lists.get(*j).map(|l| l.name.as_str()))
                    .collect();
                let msg = format!("lists refer to each other in a cycle: {}", names.join(" -> "));
                if let Some(l) = self.c.lists.get(i) {
                    self.error(l.loc, msg);
                }
                return;
            }
            _ => return,
        }
        let c = self.c;
        let Some(def) = c.lists.get(i) else { return };
        self.list_state[i] = State::Busy;
        stack.push(i);
        let mut out = Vec::with_capacity(def.items.len());
        for item in &def.items {
            match (!item.quoted).then(|| self.list(&item.text)).flatten() {
                Some((j, inner)) if inner.index < def.visibility && j != i => {
                    self.expand_list(j, stack);
                    self.list_used[j] = true;
                    out.extend(self.expanded.get(j).into_iter().flatten().cloned());
                }
                _ => out.push(item.clone()),
            }
        }
        stack.pop();
        self.expanded[i] = out;
        self.list_state[i] = State::Done;
    }

    /// Parses a condition text into the shared span space, reporting a syntax error.
    fn parse(&mut self, text: &Text, what: &str) -> Option<Expr> {
        match crate::parse(&text.text) {
            Ok(mut e) => {
                let base = self.spans.add_text(text);
                shift(&mut e, base);
                Some(e)
            }
            Err(err) => {
                let loc = self.spans.locate_text(&self.c.files, text, err.span);
                self.error(loc, format!("{what}: expected {}, found {}", err.expected, err.found));
                None
            }
        }
    }

    fn parse_macro(&mut self, i: usize) {
        let c = self.c;
        let Some(m) = c.macros.get(i) else { return };
        match self.parse(&m.cond, &format!("macro `{}`", m.name)) {
            Some(mut e) => {
                self.lists_in(&mut e);
                self.macro_parsed[i] = Some(e);
            }
            None => self.macro_broken[i] = true,
        }
    }

    fn resolve_macro(&mut self, i: usize) {
        let c = self.c;
        let Some(m) = c.macros.get(i) else { return };
        let Some(mut e) = self.macro_parsed.get(i).cloned().flatten() else {
            return;
        };
        let mut stack = vec![i];
        if self.macros_in(&mut e, m.visibility, &format!("macro `{}`", m.name), &mut stack) {
            self.macro_resolved[i] = Some(e);
        } else {
            self.macro_broken[i] = true;
        }
    }

    /// Substitutes lists named by unquoted items of value lists. As in Falco, every list is
    /// visible to conditions, whatever the order (only lists inside lists follow visibility).
    fn lists_in(&mut self, e: &mut Expr) {
        match &mut e.kind {
            ExprKind::And(xs) | ExprKind::Or(xs) => xs.iter_mut().for_each(|x| self.lists_in(x)),
            ExprKind::Not(x) => self.lists_in(x),
            ExprKind::Compare {
                rhs: Rhs::List { items, .. },
                ..
            } => {
                if !items
                    .iter()
                    .any(|v| !v.quoted && self.c.list_names.contains_key(&v.text))
                {
                    return;
                }
                let mut out = Vec::with_capacity(items.len());
                for v in items.drain(..) {
                    let found = if v.quoted { None } else { self.list(&v.text) };
                    match found {
                        Some((j, _)) => {
                            self.list_used[j] = true;
                            out.extend(self.expanded.get(j).into_iter().flatten().map(|it| ValueLit {
                                text: it.text.clone(),
                                quoted: it.quoted,
                                span: v.span,
                            }));
                        }
                        None => out.push(v),
                    }
                }
                *items = out;
            }
            _ => {}
        }
    }

    /// Substitutes macro references visible at `visibility`; false after reporting an error.
    fn macros_in(&mut self, e: &mut Expr, visibility: u32, who: &str, stack: &mut Vec<usize>) -> bool {
        match &mut e.kind {
            ExprKind::And(xs) | ExprKind::Or(xs) => {
                let mut ok = true;
                for x in xs {
                    ok &= self.macros_in(x, visibility, who, stack);
                }
                ok
            }
            ExprKind::Not(x) => self.macros_in(x, visibility, who, stack),
            ExprKind::Ref(name) => {
                let c = self.c;
                let found = c
                    .macro_names
                    .get(name.as_str())
                    .and_then(|&i| Some((i, c.macros.get(i)?)));
                let (i, m) = match found {
                    Some((i, m)) if m.index < visibility => (i, m),
                    Some((i, _)) => {
                        self.macro_used[i] = true;
                        let loc = self.spans.locate(&c.files, e.span);
                        self.error(
                            loc,
                            format!(
                                "{who}: macro `{name}` is defined after it (a macro sees only the macros defined before it)"
                            ),
                        );
                        return false;
                    }
                    None => {
                        let loc = self.spans.locate(&c.files, e.span);
                        let names: Vec<&str> = c.macros.iter().map(|m| m.name.as_str()).collect();
                        let hint = suggest(name, &names).map_or(String::new(), |s| format!(" (did you mean `{s}`?)"));
                        let what = if name.contains('.') { "field or macro" } else { "macro" };
                        self.error(loc, format!("{who}: undefined {what} `{name}`{hint}"));
                        return false;
                    }
                };
                self.macro_used[i] = true;
                if stack.contains(&i) {
                    let mut names: Vec<&str> = stack
                        .iter()
                        .filter_map(|j| c.macros.get(*j).map(|m| m.name.as_str()))
                        .collect();
                    names.push(&m.name);
                    let loc = self.spans.locate(&c.files, e.span);
                    self.error(
                        loc,
                        format!("macros refer to each other in a cycle: {}", names.join(" -> ")),
                    );
                    return false;
                }
                if self.macro_broken.get(i).copied().unwrap_or(true) {
                    return false;
                }
                let body = match self.macro_resolved.get(i).cloned().flatten() {
                    Some(b) => b,
                    None => {
                        let Some(mut b) = self.macro_parsed.get(i).cloned().flatten() else {
                            return false;
                        };
                        stack.push(i);
                        let ok = self.macros_in(&mut b, visibility, who, stack);
                        stack.pop();
                        if !ok {
                            return false;
                        }
                        b
                    }
                };
                *e = body;
                true
            }
            _ => true,
        }
    }

    fn rule(&mut self, def: &super::collect::RuleDef) -> Option<LoadedRule> {
        let who = format!("rule `{}`", def.name);
        let mut cond = self.parse(&def.cond, &who)?;
        self.lists_in(&mut cond);
        // Rules see every macro, whatever the order (Falco resolves them with the maximum visibility).
        if !self.macros_in(&mut cond, u32::MAX, &who, &mut Vec::new()) {
            return None;
        }
        let mut parts = vec![cond];
        for ex in &def.exceptions {
            parts.extend(self.exception(def, ex)?);
        }
        let condition = if parts.len() == 1 {
            parts.pop()?
        } else {
            let span = parts.iter().map(|p| p.span).reduce(Span::to).unwrap_or_default();
            Expr {
                kind: ExprKind::And(parts),
                span,
            }
        };
        if let Err(err) = compile(&condition, &fields::table()) {
            let loc = self.spans.locate(&self.c.files, err.span());
            match err {
                CompileError::UnknownField { .. } if def.skip_unknown => {
                    self.warn(loc, format!("{who} skipped (skip-if-unknown-filter): {err}"));
                }
                _ => self.error(loc, format!("{who}: {err}")),
            }
            return None;
        }
        let mut unsupported = Vec::new();
        unsupported_fields(&condition, &mut unsupported);
        if !unsupported.is_empty() {
            unsupported.dedup();
            let names = unsupported
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ");
            self.warn(
                def.loc,
                format!("{who} uses {names}, which Vigil cannot extract (always missing)"),
            );
        }
        let file = self.c.files.get(def.loc.file as usize);
        Some(LoadedRule {
            name: def.name.clone(),
            desc: def.desc.clone(),
            condition,
            condition_text: def.cond.text.clone(),
            output: def.output.clone(),
            priority: def.priority,
            source: "syscall".to_string(),
            tags: def.tags.clone(),
            enabled: def.enabled,
            warn_evttypes: def.warn_evttypes,
            skip_if_unknown_filter: def.skip_unknown,
            origin: Origin {
                file: file.map_or_else(|| Arc::from("?"), |f| f.name.clone()),
                line: def.loc.mark.line,
                col: def.loc.mark.col,
            },
        })
    }

    /// `not (f1 c1 v1 and f2 c2 v2 ...)` for each value of an exception.
    fn exception(&mut self, def: &super::collect::RuleDef, ex: &Exception) -> Option<Vec<Expr>> {
        let who = format!("exception `{}` of rule `{}`", ex.name, def.name);
        let (fields, single): (Vec<&super::yaml::Node>, bool) = match seq(&ex.fields) {
            Some(fs) => (fs.iter().collect(), false),
            None => (vec![&ex.fields], true),
        };
        let comps: Vec<Option<&str>> = match &ex.comps {
            None => vec![None; fields.len()],
            Some(n) => match seq(n) {
                Some(cs) if !single => cs.iter().map(|c| c.as_str()).collect(),
                None if single => vec![n.as_str()],
                _ => {
                    self.error(
                        ex.loc,
                        format!("{who}: `comps` must be like `fields` (a list, or one scalar)"),
                    );
                    return None;
                }
            },
        };
        if comps.len() != fields.len() {
            self.error(
                ex.loc,
                format!("{who}: {} fields but {} comps", fields.len(), comps.len()),
            );
            return None;
        }
        let mut operands = Vec::with_capacity(fields.len());
        for (f, comp) in fields.iter().zip(&comps) {
            let fname = f.as_str().unwrap_or("");
            let operand = match crate::parse(&format!("{fname} exists")) {
                Ok(Expr {
                    kind: ExprKind::Exists(op),
                    ..
                }) => op,
                _ => {
                    self.error(Loc::of(ex.file, f), format!("{who}: `{fname}` is not a field"));
                    return None;
                }
            };
            let default = if single { CmpOp::In } else { CmpOp::Eq };
            let op = match comp {
                None => default,
                Some(s) => match cmp_op(s) {
                    Some(op) => op,
                    None => {
                        self.error(ex.loc, format!("{who}: unknown comparison `{s}`"));
                        return None;
                    }
                },
            };
            operands.push((operand, op));
        }
        let mut out = Vec::new();
        if single {
            // One field: all the values form one list (or each is compared, for non-list operators).
            if ex.values.is_empty() {
                return Some(out);
            }
            let Some((operand, op)) = operands.first() else {
                return Some(out);
            };
            let base = self
                .spans
                .add_fixed(Loc::of(ex.file, ex.values.first().map_or(&ex.fields, |(_, n)| n)));
            let span = Span {
                start: base,
                end: base + 1,
            };
            let mut values = Vec::new();
            for (_, v) in &ex.values {
                match v.as_str() {
                    Some(s) => values.push(Item::from_scalar(s)),
                    None => match seq(v).and_then(|s| {
                        s.iter()
                            .map(|n| n.as_str().map(Item::from_scalar))
                            .collect::<Option<Vec<_>>>()
                    }) {
                        Some(items) => values.extend(items),
                        None => {
                            self.error(
                                Loc::of(ex.file, v),
                                format!("{who}: a value must be a string or a list of strings"),
                            );
                            return None;
                        }
                    },
                }
            }
            let rhs = if op.takes_list() {
                Rhs::List {
                    items: values.iter().map(|it| lit(it, span)).collect(),
                    span,
                }
            } else {
                // `fields: proc.name, comps: startswith`: each value is compared, any may match.
                let ors: Vec<Expr> = values
                    .iter()
                    .map(|it| cmp(operand.clone(), *op, Rhs::Value(lit(it, span)), span))
                    .collect();
                let e = if ors.len() == 1 {
                    ors.into_iter().next()?
                } else {
                    Expr {
                        kind: ExprKind::Or(ors),
                        span,
                    }
                };
                out.push(not(e, span));
                return Some(out);
            };
            let mut e = cmp(operand.clone(), *op, rhs, span);
            self.lists_in(&mut e);
            out.push(not(e, span));
            return Some(out);
        }
        for (file, v) in &ex.values {
            let loc = Loc::of(*file, v);
            let Some(tuple) = seq(v) else {
                self.error(
                    loc,
                    format!("{who}: each value must be a list with one entry per field"),
                );
                return None;
            };
            if tuple.len() != operands.len() {
                self.error(
                    loc,
                    format!(
                        "{who}: a value has {} entries for {} fields",
                        tuple.len(),
                        operands.len()
                    ),
                );
                return None;
            }
            let base = self.spans.add_fixed(loc);
            let span = Span {
                start: base,
                end: base + 1,
            };
            let mut conj = Vec::with_capacity(tuple.len());
            for ((operand, op), val) in operands.iter().zip(tuple) {
                let rhs = match (val.as_str(), seq(val)) {
                    (Some(s), _) if op.takes_list() => {
                        let it = Item::from_scalar(s);
                        Rhs::List {
                            items: vec![lit(&it, span)],
                            span,
                        }
                    }
                    (Some(s), _) => Rhs::Value(lit(&Item::from_scalar(s), span)),
                    (None, Some(items)) if op.takes_list() => {
                        let Some(items) = items
                            .iter()
                            .map(|n| n.as_str().map(Item::from_scalar))
                            .collect::<Option<Vec<_>>>()
                        else {
                            self.error(loc, format!("{who}: list values must be strings"));
                            return None;
                        };
                        Rhs::List {
                            items: items.iter().map(|it| lit(it, span)).collect(),
                            span,
                        }
                    }
                    _ => {
                        self.error(
                            Loc::of(*file, val),
                            format!("{who}: a list value needs `in`, `intersects` or `pmatch`"),
                        );
                        return None;
                    }
                };
                conj.push(cmp(operand.clone(), *op, rhs, span));
            }
            let mut e = if conj.len() == 1 {
                conj.pop()?
            } else {
                Expr {
                    kind: ExprKind::And(conj),
                    span,
                }
            };
            self.lists_in(&mut e);
            out.push(not(e, span));
        }
        Some(out)
    }
}

fn lit(it: &Item, span: Span) -> ValueLit {
    ValueLit {
        text: it.text.clone(),
        quoted: it.quoted,
        span,
    }
}

fn cmp(mut lhs: Operand, op: CmpOp, rhs: Rhs, span: Span) -> Expr {
    set_operand_span(&mut lhs, span);
    Expr {
        kind: ExprKind::Compare {
            lhs,
            op,
            op_span: span,
            modifier: None,
            rhs,
        },
        span,
    }
}

fn set_operand_span(o: &mut Operand, span: Span) {
    match o {
        Operand::Field(f) => f.span = span,
        Operand::Transform { args, span: s, .. } => {
            *s = span;
            for a in args {
                match a {
                    crate::ast::Arg::Operand(o) => set_operand_span(o, span),
                    crate::ast::Arg::Lit(v) => v.span = span,
                }
            }
        }
    }
}

fn not(e: Expr, span: Span) -> Expr {
    Expr {
        kind: ExprKind::Not(Box::new(e)),
        span,
    }
}

fn cmp_op(s: &str) -> Option<CmpOp> {
    Some(match s.trim() {
        "=" | "==" => CmpOp::Eq,
        "!=" => CmpOp::Ne,
        "<" => CmpOp::Lt,
        "<=" => CmpOp::Le,
        ">" => CmpOp::Gt,
        ">=" => CmpOp::Ge,
        w => return CmpOp::from_word(w),
    })
}

fn unsupported_fields(e: &Expr, out: &mut Vec<String>) {
    fn operand(o: &Operand, out: &mut Vec<String>) {
        match o {
            Operand::Field(f) => {
                if fields::is_unsupported(&f.name) && !out.contains(&f.name) {
                    out.push(f.name.clone());
                }
            }
            Operand::Transform { args, .. } => {
                for a in args {
                    if let crate::ast::Arg::Operand(o) = a {
                        operand(o, out);
                    }
                }
            }
        }
    }
    match &e.kind {
        ExprKind::And(xs) | ExprKind::Or(xs) => xs.iter().for_each(|x| unsupported_fields(x, out)),
        ExprKind::Not(x) => unsupported_fields(x, out),
        ExprKind::Ref(_) => {}
        ExprKind::Exists(o) => operand(o, out),
        ExprKind::Compare { lhs, rhs, .. } => {
            operand(lhs, out);
            if let Rhs::Field(o) = rhs {
                operand(o, out);
            }
        }
    }
}
