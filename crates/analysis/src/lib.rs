//! Image analysis beside the catalogers: the file index, secrets in every layer and in the
//! environment, content regexes, users and groups, and package files verified against their
//! databases.
//!
//! The [`Analyzer`] is the image reader's [`Inspector`]: while each layer streams by it looks at
//! the files worth searching (cheap path checks, no binaries), and keeps a short note per
//! (layer, path): secrets found (masked), content matches, digests, and the few files it needs
//! whole (`/etc/passwd`, package databases). [`Analyzer::finish`] turns the notes of the squashed
//! tree into a [`vigil_types::Analysis`], marking what a later layer deleted.
//!
//! ```no_run
//! use std::sync::Arc;
//! use vigil_analysis::{Analyzer, AnalyzerConfig};
//! use vigil_image::{open, Options, SelectNothing, SourceSpec};
//! let analyzer = Arc::new(Analyzer::new(AnalyzerConfig::default()).unwrap());
//! let options = Options { inspector: Some(analyzer.clone()), ..Options::default() };
//! let image = open(&SourceSpec::parse("docker-archive:app.tar").unwrap(), &options, &SelectNothing).unwrap();
//! let analysis = analyzer.finish(&image, &[]);
//! println!("{} secrets", analysis.secrets.len());
//! ```

mod base64;
mod candidates;
mod finish;
mod note;
mod rules;
mod scan;
mod users;
mod verify;
mod versions;

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest as _, Sha256};
use vigil_image::{Image, Inspector};
use vigil_types::{Analysis, Package};

pub use rules::{builtin_rules, RuleFiles, SecretRule};

use crate::candidates::{is_binary, is_user_db, is_verify_db, searched};
use crate::note::{Fact, NoteWriter};
use crate::scan::Scanner;

/// A custom secret pattern (from a policy).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomSecret {
    /// The id findings carry (`rule`).
    pub id: String,
    /// The pattern; a group named `secret` (or else the first group) is the part masked.
    pub regex: String,
    /// Only files whose path matches this regex, when given.
    pub path_regex: Option<String>,
}

/// What to analyse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnalyzerConfig {
    /// Secret patterns beside the built-in ones.
    pub custom_secrets: Vec<CustomSecret>,
    /// Regexes whose matching lines are reported as content matches.
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
#[non_exhaustive]
pub enum AnalysisError {
    #[error("{what} {id}: invalid regex: {message}")]
    Regex { what: String, id: String, message: String },
}

/// `/etc/passwd` or `/etc/group` larger than this is not kept.
const MAX_USER_DB: usize = 4 << 20;

/// Analyses an image while it is read (as the image reader's [`Inspector`]) and after.
pub struct Analyzer {
    config: AnalyzerConfig,
    scanner: Scanner,
    custom_paths: bool,
}

impl Analyzer {
    /// Compiles the built-in rules and the configuration's patterns.
    pub fn new(config: AnalyzerConfig) -> Result<Analyzer, AnalysisError> {
        let scanner = Scanner::new(&config.custom_secrets, &config.content_regexes)?;
        let custom_paths = config.custom_secrets.iter().any(|c| c.path_regex.is_some());
        Ok(Analyzer {
            config,
            scanner,
            custom_paths,
        })
    }

    /// The configuration this analyzer was built with.
    pub fn config(&self) -> &AnalyzerConfig {
        &self.config
    }

    /// The analysis of `image` (read with this analyzer as its inspector) and its packages.
    pub fn finish(&self, image: &Image, packages: &[Package]) -> Analysis {
        finish::finish(self, image, packages)
    }
}

impl Inspector for Analyzer {
    fn wants(&self, path: &str, _mode: u32, size: u64) -> bool {
        if size > self.config.max_file_size {
            return false;
        }
        self.config.digests
            || self.config.verify
            || is_user_db(path)
            || searched(path)
            || (self.custom_paths && self.scanner.custom_path_wants(path))
    }

    fn inspect(&self, path: &str, _mode: u32, data: &[u8]) -> Option<Vec<u8>> {
        let mut note = NoteWriter::default();
        if self.config.digests {
            note.add(&Fact::Sha256(&Sha256::digest(data)));
        }
        if self.config.verify {
            note.add(&Fact::Md5(&Md5::digest(data)));
            note.add(&Fact::Sha1(&Sha1::digest(data)));
            if is_verify_db(path) {
                note.add(&Fact::Raw(data));
            }
        }
        if is_user_db(path) && data.len() <= MAX_USER_DB {
            note.add(&Fact::Raw(data));
        }
        let general = searched(path);
        if (general || (self.custom_paths && self.scanner.custom_path_wants(path))) && !is_binary(data) {
            let mut dropped = 0u32;
            for h in self.scanner.secrets(Some(path), general, data, &mut dropped) {
                note.add(&Fact::Secret {
                    rule: h.rule as u16,
                    line: h.line,
                    fingerprint: h.fingerprint,
                    redacted: &h.redacted,
                });
            }
            if general {
                for (regex, line, fingerprint) in self.scanner.content_matches(data, &mut dropped) {
                    note.add(&Fact::Content {
                        regex: regex as u16,
                        line,
                        fingerprint,
                    });
                }
            }
            if dropped > 0 {
                note.add(&Fact::Dropped(dropped));
            }
        }
        note.finish()
    }
}
