//! The bundle shipped with Vigil (`default-bundle.yaml`, embedded).

use crate::{Bundle, PolicyError};

/// The text of the default bundle.
pub const DEFAULT_BUNDLE_YAML: &str = include_str!("default-bundle.yaml");

/// The name the default bundle's places carry.
pub const DEFAULT_BUNDLE_SOURCE: &str = "<default>";

impl Bundle {
    /// The bundle shipped with Vigil, used when `--policy` is not given: STOP on critical and
    /// high vulnerabilities with a fix, on private keys and cloud credentials, and on exposed
    /// port 22; WARN on medium vulnerabilities with a fix, on the root (or unset) user, without a
    /// HEALTHCHECK, on vulnerability data older than two days, and when it is unavailable.
    pub fn default_bundle() -> Bundle {
        // The text is part of this crate and a test parses it, so this cannot fail in a build
        // whose tests pass; should it ever, the error names every problem.
        match Bundle::parse(DEFAULT_BUNDLE_YAML, DEFAULT_BUNDLE_SOURCE) {
            Ok(b) => b,
            Err(e) => panic!("the built-in default bundle is invalid: {e}"),
        }
    }

    /// The default bundle, or the error that it is invalid (for callers that prefer no panic).
    pub fn try_default_bundle() -> Result<Bundle, PolicyError> {
        Bundle::parse(DEFAULT_BUNDLE_YAML, DEFAULT_BUNDLE_SOURCE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_bundle_is_valid() {
        let b = Bundle::try_default_bundle().expect("valid");
        assert_eq!(b.source, DEFAULT_BUNDLE_SOURCE);
        assert_eq!(b.policies.len(), 1);
        assert_eq!(b.policies[0].rules.len(), 10);
        assert_eq!(b.policies[0].rules[3].params["categories"], "private-key,aws,gcp,azure");
    }
}
