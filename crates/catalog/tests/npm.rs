//! The JavaScript catalogers through the real pipeline. Fixtures: an app installed with
//! `npm install --ignore-scripts` (code removed, manifests kept) laid out as a root filesystem
//! under `srv/app`, and lockfiles written by npm 6 (v1), npm 11 (v2, v3), yarn 1.22, yarn 4.5 and
//! pnpm 7, 8 and 9 (lockfile 5.4, 6.0, 9.0) for the same dependencies.

use std::path::PathBuf;

use vigil_catalog::npm::{NpmInstalledCataloger, NpmLockCataloger};
use vigil_catalog::{Catalog, Cataloger, Catalogers, Scope};
use vigil_image::{open, Options, SourceSpec};
use vigil_types::Package;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/npm")
        .join(name)
}

fn scan(dir: PathBuf, cats: Vec<Box<dyn Cataloger>>, scope: Scope) -> Catalog {
    let cats = Catalogers::new(cats);
    let image = open(&SourceSpec::Dir(dir), &Options::default(), &cats).expect("open fixture");
    cats.run(&image.tree, scope)
}

fn at<'a>(c: &'a Catalog, path: &str) -> &'a Package {
    c.packages
        .iter()
        .find(|p| p.locations[0].path == path)
        .unwrap_or_else(|| panic!("nothing at {path}: {:#?}", c.packages))
}

#[test]
fn installed_packages_and_the_app_itself() {
    let c = scan(
        fixture("image"),
        vec![Box::new(NpmInstalledCataloger), Box::new(NpmLockCataloger)],
        Scope::Image,
    );
    assert!(c.unknowns.is_empty(), "{:?}", c.unknowns);
    let mut purls: Vec<String> = c.packages.iter().map(|p| p.purl.to_string()).collect();
    purls.sort();
    // The package-lock.json beside the app is not read in an image scan.
    assert_eq!(
        purls,
        vec![
            "pkg:npm/%40types/node@20.11.5",
            "pkg:npm/lodash@4.17.11",
            "pkg:npm/minimist@0.0.8",
            "pkg:npm/minimist@1.2.0",
            "pkg:npm/mkdirp@0.5.1",
            "pkg:npm/undici-types@5.26.5",
            "pkg:npm/vigil-fixture-app@1.0.0",
        ]
    );
    for p in &c.packages {
        assert_eq!(p.found_by, "javascript-package-cataloger");
        assert!(p.locations[0].layer.is_none());
        assert!(!p.metadata.contains_key("declared"));
    }

    let app = at(&c, "/srv/app/package.json");
    assert_eq!(app.name, "vigil-fixture-app");
    assert_eq!(app.metadata["private"], "true");
    assert_eq!(app.licenses, vec!["UNLICENSED"]);

    let types = at(&c, "/srv/app/node_modules/@types/node/package.json");
    assert_eq!(types.name, "@types/node");
    assert_eq!(types.purl.namespace.as_deref(), Some("@types"));
    assert_eq!(types.purl.name, "node");
    assert_eq!(types.licenses, vec!["MIT"]);
    assert_eq!(
        types.metadata["homepage"],
        "https://github.com/DefinitelyTyped/DefinitelyTyped/tree/master/types/node"
    );

    let lodash = at(&c, "/srv/app/node_modules/lodash/package.json");
    assert_eq!(
        lodash.metadata["author"],
        "John-David Dalton <john.david.dalton@gmail.com> (http://allyoucanleet.com/)"
    );
    assert_eq!(lodash.metadata["homepage"], "https://lodash.com/");
    assert!(!lodash.metadata.contains_key("private"));

    // The older minimist mkdirp needs, nested under it; its author is a person object.
    let nested = at(&c, "/srv/app/node_modules/mkdirp/node_modules/minimist/package.json");
    assert_eq!(nested.version, "0.0.8");
    assert_eq!(nested.licenses, vec!["MIT"]);
    assert_eq!(
        nested.metadata["author"],
        "James Halliday <mail@substack.net> (http://substack.net)"
    );
}

/// (name, version, dev) of every package, sorted, checking what all lockfile packages share.
fn locked(project: &str) -> Vec<(String, String, bool)> {
    let c = scan(fixture(project), vec![Box::new(NpmLockCataloger)], Scope::Directory);
    assert!(c.unknowns.is_empty(), "{project}: {:?}", c.unknowns);
    let mut v: Vec<(String, String, bool)> = c
        .packages
        .iter()
        .map(|p| {
            assert_eq!(p.found_by, "javascript-lock-cataloger");
            assert_eq!(p.metadata["declared"], "true");
            assert!(p.locations[0].path.starts_with('/'));
            assert_eq!(p.purl.ty, "npm");
            (p.name.clone(), p.version.clone(), p.metadata.contains_key("dev"))
        })
        .collect();
    v.sort();
    v
}

fn t(n: &str, v: &str, dev: bool) -> (String, String, bool) {
    (n.to_string(), v.to_string(), dev)
}

fn app_deps() -> Vec<(String, String, bool)> {
    vec![
        t("@types/node", "20.11.5", false),
        t("lodash", "4.17.11", false),
        t("minimist", "0.0.8", false),
        t("minimist", "1.2.0", false),
        t("mkdirp", "0.5.1", false),
        t("undici-types", "5.26.5", false),
    ]
}

fn react_app_deps(dev_marked: bool) -> Vec<(String, String, bool)> {
    vec![
        t("@types/node", "20.11.5", false),
        t("js-tokens", "4.0.0", false),
        t("lodash", "4.17.11", false),
        t("loose-envify", "1.4.0", false),
        t("minimist", "0.0.8", false),
        t("minimist", "1.2.0", dev_marked),
        t("mkdirp", "0.5.1", false),
        t("react", "18.2.0", false),
        t("react-dom", "18.2.0", false),
        t("scheduler", "0.23.2", false),
        t("undici-types", "5.26.5", false),
    ]
}

#[test]
fn package_lock_versions_1_2_3() {
    for v in ["v1", "v2", "v3"] {
        assert_eq!(locked(&format!("project-npm-{v}")), app_deps(), "{v}");
    }
    let c = scan(
        fixture("project-npm-v1"),
        vec![Box::new(NpmLockCataloger)],
        Scope::Directory,
    );
    let nested = c
        .packages
        .iter()
        .find(|p| p.name == "minimist" && p.version == "0.0.8")
        .expect("nested minimist");
    assert_eq!(nested.locations[0].path, "/package-lock.json");
    assert_eq!(
        nested.metadata["resolved"],
        "https://registry.npmjs.org/minimist/-/minimist-0.0.8.tgz"
    );
    assert!(nested.metadata["integrity"].starts_with("sha512-miQKw5Hv4NS1"));
    assert_eq!(nested.purl.to_string(), "pkg:npm/minimist@0.0.8");
    assert!(nested.licenses.is_empty(), "v1 lockfiles record no licence");

    // npm 7+ lockfiles record each package's licence.
    let c = scan(
        fixture("project-npm-v3"),
        vec![Box::new(NpmLockCataloger)],
        Scope::Directory,
    );
    assert_eq!(c.packages.len(), 6);
    for p in &c.packages {
        assert_eq!(p.licenses, vec!["MIT"], "{}", p.name);
    }
}

#[test]
fn yarn_classic_and_berry() {
    assert_eq!(locked("project-yarn-v1"), app_deps());
    // Berry: the workspace entry of the project itself is not a dependency; no dev flag there.
    assert_eq!(locked("project-yarn-berry"), react_app_deps(false));
}

#[test]
fn pnpm_lockfile_versions_5_6_9() {
    for v in ["v5", "v6", "v9"] {
        assert_eq!(locked(&format!("project-pnpm-{v}")), react_app_deps(true), "{v}");
    }
    let c = scan(
        fixture("project-pnpm-v5"),
        vec![Box::new(NpmLockCataloger)],
        Scope::Directory,
    );
    let types = c
        .packages
        .iter()
        .find(|p| p.name == "@types/node")
        .expect("@types/node");
    assert_eq!(types.purl.to_string(), "pkg:npm/%40types/node@20.11.5");
    assert!(types.metadata["integrity"].starts_with("sha512-g557vgQjUUfN76MZ"));
}

/// Deterministic noise (xorshift), so a failure can be reproduced.
fn garbage(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
fn garbage_becomes_unknowns_and_the_scan_goes_on() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let write = |rel: &str, data: &[u8]| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, data).expect("write");
    };
    write("app/package.json", b"[\"not\", \"an\", \"object\"]");
    write("app/node_modules/bad/package.json", &garbage(1, 4096));
    write(
        "app/node_modules/good/package.json",
        br#"{"name": "good", "version": "1.0.0"}"#,
    );
    write(
        "app/node_modules/good/test/fixture/package.json",
        br#"{"name": "fixture-without-version"}"#,
    );
    write("app/package-lock.json", &garbage(2, 4096));
    write("web/yarn.lock", &garbage(3, 4096));
    write("berry/yarn.lock", b"__metadata:\n  version: 8\n\"a@npm:1\": [\n");
    write("pn/pnpm-lock.yaml", &garbage(4, 4096));
    write(
        "pn2/pnpm-lock.yaml",
        b"lockfileVersion: '9.0'\npackages:\n  x: &a {}\n  y: *a\n",
    );

    let c = scan(
        root.to_path_buf(),
        vec![Box::new(NpmInstalledCataloger), Box::new(NpmLockCataloger)],
        Scope::Directory,
    );
    let names: Vec<&str> = c.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec!["good"]);
    let mut bad: Vec<&str> = c.unknowns.iter().map(|u| u.path.as_str()).collect();
    bad.sort();
    assert_eq!(
        bad,
        vec![
            "/app/node_modules/bad/package.json",
            "/app/package-lock.json",
            "/app/package.json",
            "/berry/yarn.lock",
            "/pn/pnpm-lock.yaml",
            "/pn2/pnpm-lock.yaml",
            "/web/yarn.lock",
        ],
        "{:#?}",
        c.unknowns
    );
    let reason = |path: &str| {
        c.unknowns
            .iter()
            .find(|u| u.path == path)
            .map(|u| u.reason.clone())
            .unwrap_or_default()
    };
    assert!(reason("/app/package.json").contains("expected a JSON object"));
    assert!(reason("/pn2/pnpm-lock.yaml").contains("aliases are not allowed"));
    assert!(reason("/berry/yarn.lock").starts_with("yarn.lock: YAML syntax"));
}
