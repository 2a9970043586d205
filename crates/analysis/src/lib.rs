//! Image analysis beside the catalogers (secrets, content regexes, file index, users, verify).
//!
//! INTERFACE SKELETON: the public API the CLI codes against. The analysis helper replaces every
//! body and splits this file into modules, keeping these names and signatures (adding is fine).

use vigil_image::{Image, Inspector};
use vigil_types::{Analysis, Package};

/// A custom secret pattern (from a policy).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomSecret {
    pub id: String,
    pub regex: String,
    /// Only files whose path matches this regex, when given.
    pub path_regex: Option<String>,
}

/// What to analyse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnalyzerConfig {
    pub custom_secrets: Vec<CustomSecret>,
    pub content_regexes: Vec<String>,
    /// Compute every regular file's sha256.
    pub digests: bool,
    /// Verify package files against the package databases.
    pub verify: bool,
    /// Files larger than this are not searched.
    pub max_file_size: u64,
}

impl Default for AnalyzerConfig {
    fn default() -> Self {
        AnalyzerConfig {
            custom_secrets: Vec::new(),
            content_regexes: Vec::new(),
            digests: false,
            verify: false,
            max_file_size: 10 << 20,
        }
    }
}

/// Why an analyzer could not be built (a custom pattern that does not compile).
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error("{what} {id}: invalid regex: {message}")]
    Regex { what: String, id: String, message: String },
}

/// Analyses an image while it is read (as the image reader's [`Inspector`]) and after.
pub struct Analyzer {
    config: AnalyzerConfig,
}

impl Analyzer {
    pub fn new(config: AnalyzerConfig) -> Result<Analyzer, AnalysisError> {
        Ok(Analyzer { config })
    }

    /// The analysis of `image` (read with this analyzer as its inspector) and its packages.
    pub fn finish(&self, image: &Image, packages: &[Package]) -> Analysis {
        let _ = (image, packages, &self.config);
        unimplemented!("analysis helper")
    }
}

impl Inspector for Analyzer {
    fn wants(&self, path: &str, mode: u32, size: u64) -> bool {
        let _ = (path, mode, size);
        false
    }

    fn inspect(&self, path: &str, mode: u32, data: &[u8]) -> Option<Vec<u8>> {
        let _ = (path, mode, data);
        None
    }
}
