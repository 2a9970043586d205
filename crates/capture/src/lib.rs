//! Runtime events for Vigil: the probe's record layout ([`abi`]), the syscall table
//! ([`syscalls`]), typed events parsed once from records ([`event`]), a builder for synthetic
//! records ([`encode`]) and the [`CaptureSource`] trait that the live probe, capture files and
//! test inputs implement.
//!
//! ```
//! use vigil_capture::{encode::RecordBuilder, Event};
//! let rec = RecordBuilder::syscall("openat", 1, 42, 42).str_arg(1, "/etc/shadow").res(3).build();
//! let ev = Event::decode(&rec).unwrap();
//! assert_eq!(ev.name(), "openat");
//! assert_eq!(ev.str_arg(1), Some(&b"/etc/shadow"[..]));
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod abi;
pub mod encode;
pub mod event;
pub mod file;
pub mod render;
pub mod source;
pub mod syscalls;

pub use event::{DecodeError, Event, Kind, PathRev, ProcInfo, SockAddr, Tuple};
pub use file::{CaptureError, CaptureHeader, CaptureReader, CaptureTrailer, CaptureWriter};
pub use source::{CaptureSource, Counters, Flow, SourceError, VecSource};
