//! Falco's syscall-source fields for Vigil's enriched events: the table ([`TABLE`], [`table`])
//! with names, types, arguments and descriptions, and the extraction ([`EventFields`], and
//! [`Fields`] for [`Enriched`] directly) that the compiled conditions call.
//!
//! Every field of Falco's evt, proc/thread, user, group, fd, fs.path, container and k8s classes
//! is in the table, so rule files written for Falco load and type-check. The ones Vigil cannot
//! supply yet are listed in [`UNSUPPORTED`] and always extract as [`Value::Missing`].
//!
//! Extraction borrows from the event and the tracker's state; values that must be built (a
//! command line, a formatted time, an address pair) are written into the evaluator's reused
//! buffer, so evaluation allocates nothing per event.
//!
//! ```
//! use vigil_capture::{encode::RecordBuilder, Event};
//! use vigil_rules::{compile, fields, parse, Scratch};
//! use vigil_state::{Tracker, TrackerConfig};
//!
//! let cond = compile(&parse("evt.type=openat and fd.directory=/etc and evt.is_open_read=true").unwrap(), &fields::table()).unwrap();
//! let mut tracker = Tracker::new(TrackerConfig::default());
//! let rec = RecordBuilder::syscall("openat", 1, 42, 42).arg(0, -100i64 as u64).str_arg(1, "/etc/shadow").res(3).build();
//! let ev = Event::decode(&rec).unwrap();
//! let enriched = tracker.apply(&ev);
//! assert!(cond.matches(&enriched, &mut Scratch::new()));
//! ```

use std::fmt;
use std::ops::ControlFlow;

use vigil_state::Enriched;

use crate::table::{ArgSpec, StaticTable};
use crate::value::{Cardinality, FieldArg, FieldRef, Fields, Value};

mod container;
mod evt;
mod fd;
mod proc;
mod table;
#[cfg(test)]
mod tests;
mod time;

pub use table::{id, TABLE, UNSUPPORTED};

/// The field table, for [`crate::compile`].
pub fn table() -> StaticTable<'static> {
    StaticTable::new(TABLE)
}

/// Whether a field name (without argument) is one that always extracts as missing.
pub fn is_unsupported(name: &str) -> bool {
    UNSUPPORTED.contains(&name)
}

/// What the extraction needs to know about the host, beyond the event and the state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Host {
    /// `evt.hostname`.
    pub hostname: Option<Box<str>>,
    /// The wall-clock time of boot in nanoseconds since the epoch: event times are since boot.
    /// Without it the absolute time fields are missing.
    pub boot_epoch_ns: Option<u64>,
}

impl Host {
    /// No hostname, no clock: the fields that need them are missing.
    pub const UNKNOWN: Host = Host {
        hostname: None,
        boot_epoch_ns: None,
    };

    /// The running host: its hostname from `<proc>/sys/kernel/hostname`, and its boot time as
    /// now minus `<proc>/uptime` (to about 10 ms).
    pub fn detect(proc_root: &std::path::Path) -> Host {
        let read = |p: &str| std::fs::read_to_string(proc_root.join(p)).ok();
        let hostname = read("sys/kernel/hostname")
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .map(String::into_boxed_str);
        let uptime_ns = read("uptime").and_then(|u| parse_uptime_ns(&u));
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .and_then(|d| u64::try_from(d.as_nanos()).ok());
        let boot_epoch_ns = match (now, uptime_ns) {
            (Some(n), Some(u)) => n.checked_sub(u),
            _ => None,
        };
        Host {
            hostname,
            boot_epoch_ns,
        }
    }
}

/// `/proc/uptime`'s first number (seconds with a fraction) in nanoseconds.
fn parse_uptime_ns(s: &str) -> Option<u64> {
    let first = s.split_whitespace().next()?;
    let (secs, frac) = first.split_once('.').unwrap_or((first, ""));
    let secs: u64 = secs.parse().ok()?;
    let mut ns = 0u64;
    let mut scale = 100_000_000u64;
    for c in frac.bytes().take(9) {
        ns += u64::from(c.checked_sub(b'0').filter(|d| *d <= 9)?) * scale;
        scale /= 10;
    }
    secs.checked_mul(1_000_000_000)?.checked_add(ns)
}

/// One enriched event with the host facts and its sequence number: what [`Fields`] reads.
#[derive(Debug, Clone, Copy)]
pub struct EventFields<'a, 't> {
    pub enriched: &'a Enriched<'t>,
    pub host: &'a Host,
    /// `evt.num`.
    pub num: Option<u64>,
}

impl<'a, 't> EventFields<'a, 't> {
    pub fn new(enriched: &'a Enriched<'t>, host: &'a Host, num: Option<u64>) -> Self {
        EventFields { enriched, host, num }
    }

    /// The event time in nanoseconds since the epoch, when the boot time is known.
    pub(crate) fn epoch_ns(&self) -> Option<u64> {
        self.host.boot_epoch_ns?.checked_add(self.enriched.event.ts)
    }
}

impl Fields for EventFields<'_, '_> {
    fn get<'s>(&'s self, f: &FieldRef, buf: &'s mut Vec<u8>) -> Value<'s> {
        get(*self, f, buf)
    }

    fn for_each(&self, f: &FieldRef, buf: &mut Vec<u8>, each: &mut dyn FnMut(Value<'_>) -> ControlFlow<()>) {
        for_each(*self, f, buf, each)
    }
}

static UNKNOWN_HOST: Host = Host::UNKNOWN;

/// Extraction with no host facts ([`Host::UNKNOWN`]) and no event number.
impl Fields for Enriched<'_> {
    fn get<'s>(&'s self, f: &FieldRef, buf: &'s mut Vec<u8>) -> Value<'s> {
        get(EventFields::new(self, &UNKNOWN_HOST, None), f, buf)
    }

    fn for_each(&self, f: &FieldRef, buf: &mut Vec<u8>, each: &mut dyn FnMut(Value<'_>) -> ControlFlow<()>) {
        for_each(EventFields::new(self, &UNKNOWN_HOST, None), f, buf, each)
    }
}

/// Dispatch by class: the table keeps each class's rows together.
fn get<'s>(x: EventFields<'s, '_>, f: &FieldRef, buf: &'s mut Vec<u8>) -> Value<'s> {
    let id = f.id;
    if id < id::PROC_EXE {
        evt::get(x, f, buf)
    } else if id < id::FD_NUM {
        proc::get(x, f, buf)
    } else if id < id::CONTAINER_ID {
        fd::get(x, f, buf)
    } else {
        container::get(x, f, buf)
    }
}

fn for_each(
    x: EventFields<'_, '_>,
    f: &FieldRef,
    buf: &mut Vec<u8>,
    each: &mut dyn FnMut(Value<'_>) -> ControlFlow<()>,
) {
    match (f.id, &f.arg) {
        (id::PROC_AEXE | id::PROC_AEXEPATH | id::PROC_ANAME | id::PROC_ACMDLINE | id::PROC_APID, FieldArg::None) => {
            proc::each_ancestor(x, f.id, buf, each)
        }
        (id::FD_IP | id::FD_PORT | id::FD_NET | id::FD_TYPES, _) => fd::each(x, f.id, each),
        _ => {
            let v = get(x, f, buf);
            if !v.is_missing() {
                let _ = each(v);
            }
        }
    }
}

/// A `fmt::Write` into a byte buffer.
pub(crate) struct W<'a>(pub &'a mut Vec<u8>);

impl fmt::Write for W<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// Clears `buf`, lets `f` write into it, and returns it as a string value.
pub(crate) fn build<'s>(buf: &'s mut Vec<u8>, f: impl FnOnce(&mut Vec<u8>)) -> Value<'s> {
    buf.clear();
    f(buf);
    Value::Str(buf)
}

/// As [`build`], for writers that take a `String` (the capture crate's renderers). The
/// buffer's allocation is reused.
pub(crate) fn build_string<'s>(buf: &'s mut Vec<u8>, f: impl FnOnce(&mut String)) -> Value<'s> {
    buf.clear();
    // An empty vector is valid UTF-8, so this keeps the allocation and never falls back.
    let mut s = String::from_utf8(std::mem::take(buf)).unwrap_or_default();
    f(&mut s);
    *buf = s.into_bytes();
    Value::Str(buf)
}

/// Writes a number in decimal.
pub(crate) fn write_num(buf: &mut Vec<u8>, n: impl fmt::Display) {
    let _ = fmt::Write::write_fmt(&mut W(buf), format_args!("{n}"));
}

/// The table as a Markdown document: one section per class, one row per field.
pub fn markdown() -> String {
    let mut out = String::from("# Fields\n\nFalco's syscall-source fields as Vigil extracts them. Fields marked *unsupported* are accepted in conditions and always missing.\n");
    let mut class = "";
    for spec in TABLE {
        let c = class_of(spec.name);
        if c != class {
            class = c;
            out.push_str(&format!(
                "\n## {c}\n\n| Field | Type | Argument | Description |\n|---|---|---|---|\n"
            ));
        }
        let arg = match spec.arg {
            ArgSpec::None => "",
            ArgSpec::Index => "`[n]`",
            ArgSpec::IndexOrAny => "`[n]` or none (any)",
            ArgSpec::Key => "`[key]`",
            ArgSpec::KeyOrIndex => "`.name`, `[name]` or `[n]`",
        };
        let ty = match spec.card {
            Cardinality::List => format!("list of {}", spec.ty.as_str()),
            _ => spec.ty.as_str().to_owned(),
        };
        let note = if is_unsupported(spec.name) {
            " *(unsupported)*"
        } else {
            ""
        };
        out.push_str(&format!(
            "| `{}` | {ty} | {arg} | {}{note} |\n",
            spec.name,
            spec.desc.replace('|', "\\|")
        ));
    }
    out
}

/// The class a field belongs to, as the docs group them.
pub fn class_of(name: &str) -> &'static str {
    match name.split('.').next().unwrap_or("") {
        "evt" | "syscall" => "evt",
        "proc" | "thread" => "proc",
        "user" => "user",
        "group" => "group",
        "fd" => "fd",
        "fs" => "fs.path",
        "container" => "container",
        "k8s" => "k8s",
        _ => "other",
    }
}
