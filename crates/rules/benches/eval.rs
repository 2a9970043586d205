//! Evaluating a realistic condition per event. Target: well under 100 ns per event when the
//! event does not match.
//!
//! `cargo bench -p vigil-rules --bench eval`.

#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use vigil_rules::{compile, parse, FieldRef, FieldSpec, FieldType, Fields, Scratch, StaticTable, Value};

const SPECS: &[FieldSpec] = &[
    FieldSpec::new("evt.type", FieldType::Str, ""),
    FieldSpec::new("evt.is_open_read", FieldType::Bool, ""),
    FieldSpec::new("fd.name", FieldType::Str, ""),
    FieldSpec::new("proc.name", FieldType::Str, ""),
    FieldSpec::new("container.id", FieldType::Str, ""),
];

const COND: &str = "evt.type in (open, openat, openat2) and evt.is_open_read=true \
    and fd.name pmatch (/etc/shadow, /etc/sudoers, /etc/pam.d, /root/.ssh) \
    and not proc.name in (sshd, sudo, su, login, passwd, unix_chkpwd) and container.id != host";

/// An event as a caller would hold it: fields borrowed from the decoded record and state.
struct Event<'a> {
    kind: &'a str,
    read: bool,
    path: &'a str,
    comm: &'a str,
    container: &'a str,
}

impl Fields for Event<'_> {
    fn get<'s>(&'s self, f: &FieldRef, _buf: &'s mut Vec<u8>) -> Value<'s> {
        match f.id {
            0 => Value::Str(self.kind.as_bytes()),
            1 => Value::Bool(self.read),
            2 => Value::Str(self.path.as_bytes()),
            3 => Value::Str(self.comm.as_bytes()),
            4 => Value::Str(self.container.as_bytes()),
            _ => Value::Missing,
        }
    }
}

fn bench(c: &mut Criterion) {
    let cond = compile(&parse(COND).unwrap(), &StaticTable::new(SPECS)).unwrap();
    let mut scratch = Scratch::new();
    let base = Event {
        kind: "openat",
        read: true,
        path: "/etc/shadow",
        comm: "cat",
        container: "3f2a1b9c0d4e",
    };
    assert!(cond.matches(&base, &mut scratch));
    let other_syscall = Event { kind: "read", ..base };
    let other_file = Event {
        path: "/usr/lib/x86_64-linux-gnu/libc.so.6",
        ..base
    };
    let allowed_proc = Event { comm: "sshd", ..base };
    for (name, ev, want) in [
        ("no match: other syscall", &other_syscall, false),
        ("no match: other file", &other_file, false),
        ("no match: allowed process", &allowed_proc, false),
        ("match", &base, true),
    ] {
        assert_eq!(cond.matches(ev, &mut scratch), want);
        c.bench_function(name, |b| b.iter(|| cond.matches(black_box(ev), &mut scratch)));
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
