//! What an image analysis found besides packages: its files, secrets, content matches, users and
//! the packages whose files were changed. Policy gates read it; `vigil sbom --analyze` stores it in
//! the vigil-json SBOM so a policy can be evaluated again later without the image.

use serde::{Deserialize, Serialize};

/// The analysis of one image (or directory).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Analysis {
    /// What was looked for: a gate whose data was not searched reports it as unavailable instead
    /// of passing.
    pub searched: Searched,
    /// Every entry of the squashed tree (the final filesystem), sorted by path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileEntry>,
    /// Secrets in files of every layer (including files a later layer deleted) and in the
    /// configuration's environment variables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<SecretFinding>,
    /// Matches of the content regexes listed in [`Searched::content_regexes`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub content_matches: Vec<ContentMatch>,
    /// `/etc/passwd` of the final filesystem; `None` when the image has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passwd: Option<Vec<PasswdEntry>>,
    /// `/etc/group` of the final filesystem; `None` when the image has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<GroupEntry>>,
    /// Package files changed or missing against the package database (when `searched.verify`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verify: Vec<VerifyFinding>,
    /// Things the analysis could not do, with why (a file too large to search, a database it
    /// cannot verify against).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// What an analysis searched for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Searched {
    /// Ids of the secret patterns applied (built-in and custom).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secret_rules: Vec<String>,
    /// The content regexes applied, as written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub content_regexes: Vec<String>,
    /// Whether files' sha256 digests were computed ([`FileEntry::sha256`]).
    #[serde(default)]
    pub digests: bool,
    /// Whether package files were verified against the package databases.
    #[serde(default)]
    pub verify: bool,
    /// Files larger than this were not searched for secrets or content.
    #[serde(default)]
    pub max_file_size: u64,
}

/// The kind of a file entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileEntryKind {
    File,
    Dir,
    Symlink,
    Hardlink,
    Other,
}

/// One entry of the final filesystem.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    /// Absolute path inside the image.
    pub path: String,
    pub kind: FileEntryKind,
    /// Permission bits with setuid/setgid/sticky (`0o4755`), without the file-type bits.
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    /// Index of the layer that last wrote it (0 = bottom).
    pub layer: usize,
    /// Symlink target, or hard-link target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// sha256 of the content, hex, when digests were computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// Where a secret or a content match was found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "in", rename_all = "lowercase")]
pub enum FoundIn {
    /// A file of a layer; `deleted` when the final filesystem no longer has this content there
    /// (a later layer removed or replaced it).
    File {
        path: String,
        layer: usize,
        /// 1-based line of the match.
        line: u32,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        deleted: bool,
    },
    /// An environment variable of the image configuration.
    Env { name: String },
}

/// A secret found by a pattern.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretFinding {
    /// The pattern's id: `aws-access-key-id`, `private-key`, `docker-auth`, or a custom id.
    pub rule: String,
    /// `aws`, `gcp`, `github`, `private-key`, `docker`, ... (custom patterns name their own).
    pub category: String,
    /// A human title: `AWS access key ID`.
    pub title: String,
    #[serde(flatten)]
    pub found_in: FoundIn,
    /// The matched text with the secret itself masked (`AKIA****************`).
    pub redacted: String,
}

/// A content regex match.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentMatch {
    /// The regex as written in the policy.
    pub regex: String,
    #[serde(flatten)]
    pub found_in: FoundIn,
}

/// One line of `/etc/passwd`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswdEntry {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub home: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub shell: String,
}

/// One line of `/etc/group`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupEntry {
    pub name: String,
    pub gid: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<String>,
}

/// How a package's file differs from what its database recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VerifyProblem {
    /// The content's digest differs from the database's.
    Changed,
    /// The file is not in the final filesystem.
    Missing,
}

/// A package file changed or missing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyFinding {
    /// [`crate::Package::id`] of the package that owns the file.
    pub package_id: String,
    pub package: String,
    pub path: String,
    pub problem: VerifyProblem,
    /// Layer that last wrote the file, when it exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<usize>,
}
