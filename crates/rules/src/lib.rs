//! The Falco rule language, as Vigil reads it: conditions are lexed ([`lexer`]), parsed into a
//! tree with spans ([`ast`], [`parse`]), compiled against the caller's field table
//! ([`FieldTable`], [`compile`]) and evaluated against the caller's events ([`Fields`],
//! [`Compiled::matches`]).
//!
//! Macro and list names are left in the tree ([`ast::ExprKind::Ref`], unquoted list items) for
//! the rules loader to substitute; compiling a tree that still has a macro reference is an error.
//!
//! ```
//! use vigil_rules::{compile, parse, FieldRef, FieldSpec, FieldType, Fields, Scratch, StaticTable, Value};
//!
//! const FIELDS: &[FieldSpec] = &[
//!     FieldSpec::new("proc.name", FieldType::Str, "process name"),
//!     FieldSpec::new("fd.name", FieldType::Str, "file name"),
//! ];
//!
//! struct Open<'a> { comm: &'a str, path: &'a str }
//!
//! impl Fields for Open<'_> {
//!     fn get<'s>(&'s self, f: &FieldRef, _buf: &'s mut Vec<u8>) -> Value<'s> {
//!         match f.id {
//!             0 => Value::Str(self.comm.as_bytes()),
//!             1 => Value::Str(self.path.as_bytes()),
//!             _ => Value::Missing,
//!         }
//!     }
//! }
//!
//! let expr = parse("fd.name pmatch (/etc, /root/.ssh) and not proc.name in (sshd, sudo)").unwrap();
//! let cond = compile(&expr, &StaticTable::new(FIELDS)).unwrap();
//! let mut scratch = Scratch::new();
//! assert!(cond.matches(&Open { comm: "cat", path: "/etc/shadow" }, &mut scratch));
//! assert!(!cond.matches(&Open { comm: "sshd", path: "/etc/shadow" }, &mut scratch));
//! ```

#![deny(unsafe_code)]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod ast;
pub mod compile;
mod cost;
pub mod defaults;
mod eval;
pub mod fields;
mod glob;
pub mod lexer;
pub mod loader;
mod net;
pub mod output;
pub mod parser;
pub mod ruleset;
pub mod table;
pub mod testing;
pub mod value;

pub use ast::{CmpOp, Expr, ExprKind, Span};
pub use compile::{compile, CompileError, Compiled};
pub use loader::{load_files, load_sources, Diagnostic, LoadedRule, LoadedRules, Origin, Priority, Severity};
pub use output::{Output, OutputError, Renderer};
pub use parser::{parse, ParseError};
pub use ruleset::{CompiledRule, EventTypeSet, MatchMode, Ruleset, RulesetConfig, Selection};
pub use table::{suggest, ArgSpec, FieldInfo, FieldLookupError, FieldSpec, FieldTable, StaticTable};
pub use value::{Cardinality, FieldArg, FieldRef, FieldType, Fields, Scratch, Value};
