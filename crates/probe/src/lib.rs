//! Vigil's eBPF probe (work in progress: loader follows).
#[allow(dead_code, unused_imports, clippy::all, clippy::pedantic, clippy::unwrap_used)]
mod skel {
    include!(concat!(env!("OUT_DIR"), "/vigil.skel.rs"));
}
