//! Composer catalogers through the real pipeline: installed.json and composer.lock written by
//! Composer 2.5 on this machine (from a local package repository), a Composer 1 installed.json,
//! and a truncated one.

use std::path::{Path, PathBuf};

use vigil_catalog::php::{ComposerInstalledCataloger, ComposerLockCataloger};
use vigil_catalog::{Catalog, Catalogers, Scope};
use vigil_types::{Package, PackageType};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/php/rootfs")
}

fn scan(scope: Scope) -> Catalog {
    let cats = Catalogers::new(vec![
        Box::new(ComposerInstalledCataloger),
        Box::new(ComposerLockCataloger),
    ]);
    let image = vigil_image::open(
        &vigil_image::SourceSpec::Dir(fixture()),
        &vigil_image::Options::default(),
        &cats,
    )
    .expect("open fixture");
    cats.run(&image.tree, scope)
}

fn at<'a>(c: &'a Catalog, path: &str, name: &str) -> &'a Package {
    c.packages
        .iter()
        .find(|p| p.locations[0].path == path && p.name == name)
        .unwrap_or_else(|| panic!("no {name} at {path}: {:#?}", c.packages))
}

fn meta<'a>(p: &'a Package, k: &str) -> Option<&'a str> {
    p.metadata.get(k).map(String::as_str)
}

const SHOP: &str = "/var/www/shop/vendor/composer/installed.json";
const LEGACY: &str = "/srv/legacy/vendor/composer/installed.json";

#[test]
fn composer_2_installed_json() {
    let c = scan(Scope::Image);
    let log = at(&c, SHOP, "psr/log");
    assert_eq!(log.purl.to_string(), "pkg:composer/psr/log@1.1.4");
    assert_eq!(log.ty, PackageType::PhpComposer);
    assert_eq!(log.licenses, vec!["MIT"]);
    assert_eq!(log.found_by, "php-composer-installed-cataloger");
    assert_eq!(meta(log, "source_url"), Some("https://github.com/php-fig/log.git"));
    assert_eq!(
        meta(log, "dist_reference"),
        Some("d49695b909c3b7628b6289db5479a1c204601f11")
    );
    assert_eq!(meta(log, "type"), Some("library"));
    assert_eq!(meta(log, "dev"), None);
    // The version is kept as written.
    let poly = at(&c, SHOP, "symfony/polyfill-mbstring");
    assert_eq!(poly.purl.to_string(), "pkg:composer/symfony/polyfill-mbstring@v1.27.0");
    let helper = at(&c, SHOP, "acme/test-helper");
    assert_eq!(helper.licenses, vec!["BSD-3-Clause", "GPL-2.0-or-later"]);
    assert_eq!(meta(helper, "dev"), Some("true"));
    assert_eq!(meta(helper, "source_url"), None);
}

#[test]
fn composer_1_installed_json_and_a_truncated_one() {
    let c = scan(Scope::Image);
    let mono = at(&c, LEGACY, "monolog/monolog");
    assert_eq!(mono.purl.to_string(), "pkg:composer/monolog/monolog@1.27.1");
    assert_eq!(
        meta(mono, "dist_url"),
        Some("https://api.github.com/repos/Seldaek/monolog/zipball/904713c5929655dc9b97288b69cfeedad610c9a1")
    );
    assert_eq!(at(&c, LEGACY, "psr/log").version, "1.1.4");
    // Image scans read installed.json only: 3 + 2 packages, and the truncated file is an unknown.
    assert_eq!(c.packages.len(), 5, "{:#?}", c.packages);
    assert_eq!(c.unknowns.len(), 1);
    assert_eq!(c.unknowns[0].path, "/srv/broken/vendor/composer/installed.json");
    assert!(
        c.unknowns[0].reason.starts_with("invalid JSON: EOF"),
        "{}",
        c.unknowns[0].reason
    );
}

#[test]
fn composer_lock_in_directory_scans() {
    let c = scan(Scope::Directory);
    let lock: Vec<(String, Option<&str>)> = c
        .packages
        .iter()
        .filter(|p| p.found_by == "php-composer-lock-cataloger")
        .map(|p| (p.purl.to_string(), meta(p, "dev")))
        .collect();
    assert_eq!(
        lock,
        [
            ("pkg:composer/acme/test-helper@0.2.0".to_string(), Some("true")),
            ("pkg:composer/psr/log@1.1.4".to_string(), None),
            ("pkg:composer/symfony/polyfill-mbstring@v1.27.0".to_string(), None),
        ]
    );
    let log = at(&c, "/var/www/shop/composer.lock", "psr/log");
    assert_eq!(meta(log, "declared"), Some("true"));
    assert_eq!(log.licenses, vec!["MIT"]);
}

#[test]
fn registered_in_the_default_set() {
    let names = vigil_catalog::Catalogers::default_set().names();
    for name in ["php-composer-installed-cataloger", "php-composer-lock-cataloger"] {
        assert!(names.contains(&name), "{name} not in {names:?}");
    }
}
