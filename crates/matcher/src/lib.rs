//! The matcher: an SBOM against the advisory database gives [`Finding`]s.
//!
//! This crate owns how a package is found vulnerable and why:
//!
//! - which advisories a package is compared with (`target.rs`): its type and the image's
//!   distribution give the OSV ecosystem and release (a Debian 12 image only against `Debian:12`
//!   advisories), Debian and Ubuntu packages are looked up by source package, Alpine packages by
//!   origin;
//! - OSV semantics exactly (`range.rs`, `hit.rs`): `ECOSYSTEM` and `SEMVER` ranges walked as the
//!   OSV specification says (`introduced`, `fixed`, `last_affected`, `limit`, several pairs per
//!   range), explicit `versions` lists, entries without either (every version); withdrawn
//!   advisories never reach the matcher (the store leaves them out);
//! - one finding per package and vulnerability (`group.rs`): records joined by id, aliases and a
//!   single upstream id, the id a CVE when there is one;
//! - fix state (fixed with the nearest fixed version, not fixed, won't fix from Debian's
//!   urgency), severity (`severity.rs`: record CVSS, distribution rating, NVD, advisory word),
//!   EPSS and KEV by CVE, references, and the matched range with its comparator and evidence;
//! - suppression (`suppress`): OpenVEX statements, ignore rules with reasons and expiry,
//!   `--only-fixed`; suppressed findings are kept with what suppressed them.
//!
//! Nothing is skipped silently: packages without an ecosystem, distributions without data,
//! versions or ranges that do not parse are [`Note`]s and [`Counts`].
//!
//! ```no_run
//! use vigil_match::{match_sbom, IgnoreRules, MatchOptions, VexDocument};
//! use vigil_types::Severity;
//!
//! # fn run(sbom: &vigil_sbom::Sbom) -> Result<(), Box<dyn std::error::Error>> {
//! let db = vigil_vulndb::Db::open("vulndb.sqlite".as_ref())?;
//! let options = MatchOptions {
//!     only_fixed: false,
//!     ignore: vec![IgnoreRules::load(".vigil-ignore.yaml".as_ref())?],
//!     vex: vec![VexDocument::load("app.openvex.json".as_ref())?],
//!     today: None,
//! };
//! let report = match_sbom(sbom, &db, &options)?;
//! for f in &report.findings {
//!     println!("{}", f.explain());
//! }
//! if report.gate(Severity::High).failed {
//!     std::process::exit(1);
//! }
//! # Ok(()) }
//! ```

mod engine;
mod finding;
mod group;
mod hit;
mod range;
mod report;
mod severity;
pub mod suppress;
mod target;

pub use engine::match_sbom;
pub use finding::{
    CvssScore, EpssScore, Finding, FindingPackage, Fix, FixState, KevEntry, MatchDetail, MatchKind, Rating,
    RatingSource, Reference,
};
pub use report::{Counts, Gate, MatchReport, Note, NoteKind, Suppressed};
pub use suppress::{ExpiredRule, IgnoreRules, SuppressError, Suppression, VexDocument, VexStatus};
pub use vigil_types::Severity;

/// What a match run takes besides the SBOM and the database.
#[derive(Debug, Clone, Default)]
pub struct MatchOptions {
    /// Suppress findings without a fix (`--only-fixed`); they are kept as suppressed.
    pub only_fixed: bool,
    /// Ignore rules (`--ignore FILE`, one entry per file).
    pub ignore: Vec<IgnoreRules>,
    /// OpenVEX documents (`--vex FILE`).
    pub vex: Vec<VexDocument>,
    /// The day ignore-rule expiry is judged against; `None` is today (UTC).
    pub today: Option<time::Date>,
}

/// Why a match run failed (only the database can make it fail).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MatchError {
    #[error(transparent)]
    Db(#[from] vigil_vulndb::DbError),
}
