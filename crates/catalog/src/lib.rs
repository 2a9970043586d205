//! Catalogers: each finds one ecosystem's packages in an image's file tree.
//!
//! A cataloger says which files it needs ([`Cataloger::select`], called while layers stream by, so
//! only those contents are kept), may boil big files down to small facts while they stream
//! ([`Cataloger::extract`]: binaries, archives), and then reads what was kept
//! ([`Cataloger::catalog`]). A file that fails to parse becomes an [`Unknown`]; the scan goes on.
//!
//! ```no_run
//! use vigil_catalog::Catalogers;
//! use vigil_image::{open, Options, SourceSpec};
//! let catalogers = Catalogers::default_set();
//! let spec = SourceSpec::parse("dir:/").unwrap();
//! let image = open(&spec, &Options::default(), &catalogers).unwrap();
//! let found = catalogers.run(&image.tree, vigil_catalog::Scope::Directory);
//! println!("{} packages", found.packages.len());
//! ```

mod apk;
mod binary;
mod cx;
pub mod distro;
pub mod dotnet;
mod dpkg;
mod elf;
mod golang;
mod introduced;
pub mod java;
pub mod npm;
pub mod php;
pub mod python;
mod registry;
mod rpm;
pub mod ruby;
mod rust;

pub use apk::ApkCataloger;
pub use binary::BinaryClassifierCataloger;
pub use cx::{Files, Found, Scope};
pub use dpkg::DpkgCataloger;
pub use golang::GoBinaryCataloger;
pub use registry::{Catalog, Catalogers};
pub use rpm::RpmCataloger;
pub use rust::{CargoAuditableCataloger, CargoLockCataloger};
pub use vigil_image::Select;
pub use vigil_types::Unknown;

/// Finds one ecosystem's packages.
pub trait Cataloger: Send + Sync {
    /// A short name, recorded as `found_by` on each package (e.g. `dpkg-db-cataloger`).
    fn name(&self) -> &'static str;

    /// What to keep of the regular file at `path` (absolute). Called for every file of every
    /// layer: decide from the path (and mode, size) without allocating.
    fn select(&self, path: &str, mode: u32, size: u64) -> Select;

    /// For [`Select::Extract`]: the small facts to keep from the whole content, or `None` when the
    /// file holds nothing for this cataloger. Runs on the layer-reading threads.
    fn extract(&self, path: &str, data: &[u8]) -> Option<Vec<u8>> {
        let _ = (path, data);
        None
    }

    /// Reads the kept files and reports packages and unknowns.
    fn catalog(&self, files: &Files<'_>, out: &mut Found);
}
