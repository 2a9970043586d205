//! PHP Composer packages: installed ones from `vendor/composer/installed.json`, and, for
//! directory scans, the ones a `composer.lock` pins.

mod parse_composer;

use vigil_types::{Package, PackageType, Purl};

use crate::{Cataloger, Files, Found, Scope, Select};

use parse_composer::{parse_installed, parse_lock, ComposerError, ComposerPackage, Parsed};

const INSTALLED: &str = "php-composer-installed-cataloger";
const LOCK: &str = "php-composer-lock-cataloger";

/// Packages Composer installed, from `vendor/composer/installed.json`.
pub struct ComposerInstalledCataloger;

impl Cataloger for ComposerInstalledCataloger {
    fn name(&self) -> &'static str {
        INSTALLED
    }

    fn select(&self, path: &str, _mode: u32, _size: u64) -> Select {
        if path.ends_with("/composer/installed.json") {
            Select::Keep
        } else {
            Select::Skip
        }
    }

    fn catalog(&self, files: &Files<'_>, out: &mut Found) {
        catalog_with(files, out, INSTALLED, parse_installed, false);
    }
}

/// Packages a `composer.lock` pins: declared dependencies, read in directory scans only.
pub struct ComposerLockCataloger;

impl Cataloger for ComposerLockCataloger {
    fn name(&self) -> &'static str {
        LOCK
    }

    fn select(&self, path: &str, _mode: u32, _size: u64) -> Select {
        if path.ends_with("/composer.lock") {
            Select::Keep
        } else {
            Select::Skip
        }
    }

    fn catalog(&self, files: &Files<'_>, out: &mut Found) {
        if files.scope() == Scope::Directory {
            catalog_with(files, out, LOCK, parse_lock, true);
        }
    }
}

fn catalog_with(
    files: &Files<'_>,
    out: &mut Found,
    found_by: &str,
    parse: fn(&[u8]) -> Result<Parsed, ComposerError>,
    declared: bool,
) {
    for (f, data) in files.iter() {
        let parsed = match parse(&data) {
            Ok(p) => p,
            Err(e) => {
                out.unknown(files, &f, e);
                continue;
            }
        };
        for why in parsed.skipped {
            out.unknown(files, &f, format!("skipped {why}"));
        }
        for c in parsed.packages {
            out.push(package(c, files.location(&f), found_by, declared));
        }
    }
}

/// `pkg:composer/<vendor>/<name>@<version>`.
fn package(c: ComposerPackage, location: vigil_types::Location, found_by: &str, declared: bool) -> Package {
    let (vendor, project) = c.name.split_once('/').unwrap_or(("", c.name.as_str()));
    let purl = Purl::new("composer", project, &c.version).namespace(vendor);
    let mut p = Package::new(PackageType::PhpComposer, &c.name, &c.version, purl, location, found_by);
    p.licenses = c.licenses;
    p.set_meta("type", &c.kind);
    p.set_meta("dist_url", &c.dist_url);
    p.set_meta("dist_reference", &c.dist_reference);
    p.set_meta("source_url", &c.source_url);
    p.set_meta("source_reference", &c.source_reference);
    if c.dev {
        p.set_meta("dev", "true");
    }
    if declared {
        p.set_meta("declared", "true");
    }
    p
}
