//! Vulnerability advisories: feeds, the store, and version ordering per ecosystem.

pub mod version;
