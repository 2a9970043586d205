//! Vulnerability advisories: feeds, the store, severity scoring, version ordering per ecosystem.
