//! Value types shared by both halves of Vigil. No I/O lives here.
//!
//! - [`Digest`]: a content digest such as `sha256:…`, parsed and checked.
//! - [`Purl`]: a package URL, built and parsed per the purl specification.
//! - [`Package`], [`Location`], [`PackageType`]: what a cataloger reports.
//! - [`ImageConfig`], [`LayerInfo`], [`Distro`]: what is known of an image.
//! - [`Analysis`]: files, secrets, users, changed package files — what policy gates read.
//! - [`Severity`]: how bad a vulnerability finding is.
//!
//! ```
//! use vigil_types::Purl;
//! let p = Purl::new("deb", "openssl", "3.0.15-1~deb12u1").namespace("debian")
//!     .qualifier("arch", "amd64").qualifier("distro", "debian-12");
//! assert_eq!(p.to_string(), "pkg:deb/debian/openssl@3.0.15-1~deb12u1?arch=amd64&distro=debian-12");
//! ```

mod analysis;
mod digest;
mod glob;
mod image;
mod package;
pub mod passwd;
mod purl;
mod severity;

pub use analysis::{
    Analysis, ContentMatch, FileEntry, FileEntryKind, FoundIn, GroupEntry, PasswdEntry, Searched, SecretFinding,
    VerifyFinding, VerifyProblem,
};
pub use digest::{Digest, DigestError};
pub use glob::{glob_match, glob_match_bytes};
pub use image::{Distro, HistoryEntry, ImageConfig, LayerInfo, SourceInfo};
pub use package::{Location, Package, PackageType, Unknown};
pub use purl::{Purl, PurlError};
pub use severity::{Severity, SeverityError};
