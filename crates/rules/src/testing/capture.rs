//! Cases whose input is a capture file written by `vigil capture`: the state the capture started
//! with (its header's snapshot, plus the container metadata its trailer learned by the end) is
//! rebuilt, then every record is decoded, applied to the state and evaluated, as `vigil replay`
//! does.

use std::path::Path;

use vigil_capture::{CaptureReader, Event};
use vigil_state::{Snapshot, Tracker};

use crate::fields::{EventFields, Host};
use crate::ruleset::Ruleset;
use crate::value::Scratch;

/// Why a capture could not be used as a case's input (the caller adds the case file and case).
#[derive(Debug, thiserror::Error)]
pub enum CaptureInputError {
    #[error("capture {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: vigil_capture::CaptureError,
    },
    #[error("capture {path}: the header holds no state snapshot")]
    NoState { path: String },
    #[error("capture {path}: reading the {which}: {msg}")]
    State {
        path: String,
        which: &'static str,
        msg: String,
    },
    #[error("capture {path}: record {num} does not decode: {msg}")]
    Decode { path: String, num: u64, msg: String },
}

/// Runs every record of the capture at `path` through `ruleset`; the names of the rules that
/// fired, in order.
pub(crate) fn alerts(path: &Path, ruleset: &Ruleset) -> Result<Vec<String>, CaptureInputError> {
    let name = path.display().to_string();
    let read = |source| CaptureInputError::Read {
        path: name.clone(),
        source,
    };
    let state = |which: &'static str, e: serde_json::Error| CaptureInputError::State {
        path: name.clone(),
        which,
        msg: e.to_string(),
    };
    // A first pass reaches the trailer and its end state.
    let mut first = CaptureReader::open(path).map_err(read)?;
    while first.next_record().map_err(read)?.is_some() {}
    let end = first.trailer().map(|t| t.state_end.clone()).filter(|v| !v.is_null());

    let mut reader = CaptureReader::open(path).map_err(read)?;
    let header = reader.header();
    if header.state.is_null() {
        return Err(CaptureInputError::NoState { path: name.clone() });
    }
    let snapshot: Snapshot =
        serde_json::from_value(header.state.clone()).map_err(|e| state("state snapshot in its header", e))?;
    let mut tracker = Tracker::from_snapshot(snapshot);
    if let Some(end) = end {
        let later: Snapshot = serde_json::from_value(end).map_err(|e| state("end state in its trailer", e))?;
        tracker.learn_later(later);
    }
    let host = Host {
        hostname: Some(header.hostname.clone().into_boxed_str()).filter(|h| !h.is_empty()),
        boot_epoch_ns: Some(header.boot_wall_ns),
    };
    let mut scratch = Scratch::new();
    let mut hits = Vec::new();
    let mut got = Vec::new();
    let mut num = 0u64;
    while let Some(rec) = reader.next_record().map_err(read)? {
        num += 1;
        let ev = Event::decode(rec).map_err(|e| CaptureInputError::Decode {
            path: name.clone(),
            num,
            msg: e.to_string(),
        })?;
        let en = tracker.apply(&ev);
        let f = EventFields::new(&en, &host, Some(num));
        ruleset.evaluate(&f, &mut scratch, &mut hits);
        got.extend(hits.iter().map(|r| r.name.clone()));
    }
    Ok(got)
}
