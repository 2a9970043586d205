//! Programs installed without a package manager (built from source, copied from a release
//! tarball): Python, Node.js, nginx, Redis, OpenSSL, BusyBox, PostgreSQL, recognised by file
//! name and versioned from the strings inside them, as Syft's binary classifiers do. When an OS
//! package owns the file, the registry drops the finding (the OS package reports it already).

mod classifiers;
mod parse_version;

use serde::{Deserialize, Serialize};
use vigil_types::{Package, PackageType, Purl};

use crate::{Cataloger, Files, Found, Select};

const NAME: &str = "binary-classifier-cataloger";

/// Finds well-known programs by file name and version string.
pub struct BinaryClassifierCataloger;

/// What `extract` keeps: the classifier that matched and the version it read.
#[derive(Debug, Serialize, Deserialize)]
struct Extract {
    class: String,
    version: String,
}

fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

impl Cataloger for BinaryClassifierCataloger {
    fn name(&self) -> &'static str {
        NAME
    }

    fn select(&self, path: &str, _mode: u32, size: u64) -> Select {
        if size > 0 && classifiers::for_name(base_name(path)).is_some() {
            Select::Extract
        } else {
            Select::Skip
        }
    }

    fn extract(&self, path: &str, data: &[u8]) -> Option<Vec<u8>> {
        let base = base_name(path);
        let class = classifiers::for_name(base)?;
        let version = (class.find)(base, data)?;
        serde_json::to_vec(&Extract {
            class: class.id.to_string(),
            version,
        })
        .ok()
    }

    fn catalog(&self, files: &Files<'_>, out: &mut Found) {
        for (f, x) in files.decoded::<Extract>(out, "binary classifier extract") {
            let Some(class) = classifiers::CLASSES.iter().find(|c| c.id == x.class) else {
                continue;
            };
            let purl = Purl::new("generic", class.package, &x.version);
            let mut p = Package::new(
                PackageType::Binary,
                class.package,
                &x.version,
                purl,
                files.location(&f),
                NAME,
            );
            p.set_meta("class", class.id);
            out.push(p);
        }
    }
}
