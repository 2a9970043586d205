//! The Python catalogers through the real pipeline, on fixture root filesystems made with pip
//! (`pip install --no-deps --prefix`, a legacy `setup.py install` for the egg-info cases) and a
//! Debian package's egg-info directory.

use std::path::PathBuf;

use vigil_catalog::python::{PythonDeclaredCataloger, PythonInstalledCataloger};
use vigil_catalog::{Catalog, Cataloger, Catalogers, Scope};
use vigil_image::{open, Options, SourceSpec};
use vigil_types::Package;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/python")
        .join(name)
}

fn scan(dir: PathBuf, cats: Vec<Box<dyn Cataloger>>, scope: Scope) -> Catalog {
    let cats = Catalogers::new(cats);
    let image = open(&SourceSpec::Dir(dir), &Options::default(), &cats).expect("open fixture");
    cats.run(&image.tree, scope)
}

fn find<'a>(c: &'a Catalog, name: &str, path_part: &str) -> &'a Package {
    c.packages
        .iter()
        .find(|p| p.name == name && p.locations[0].path.contains(path_part))
        .unwrap_or_else(|| panic!("{name} under {path_part} not found in {:#?}", c.packages))
}

const SITE: &str = "/usr/local/lib/python3.11/site-packages";

#[test]
fn installed_distributions_in_an_image() {
    let c = scan(fixture("image"), vec![Box::new(PythonInstalledCataloger)], Scope::Image);
    assert!(c.unknowns.is_empty(), "{:?}", c.unknowns);
    let mut ids: Vec<String> = c.packages.iter().map(|p| p.purl.to_string()).collect();
    ids.sort();
    assert_eq!(
        ids,
        vec![
            "pkg:pypi/attrs@25.3.0",
            "pkg:pypi/chardet@3.0.4",
            "pkg:pypi/python-debian@0.1.49",
            "pkg:pypi/pyyaml@5.3",
            "pkg:pypi/requests@2.19.0",
            "pkg:pypi/six@1.16.0",
            "pkg:pypi/termcolor@1.1.0",
            "pkg:pypi/termcolor@1.1.0",
        ]
    );

    let requests = find(&c, "requests", SITE);
    assert_eq!(
        requests.locations[0].path,
        format!("{SITE}/requests-2.19.0.dist-info/METADATA")
    );
    assert!(requests.locations[0].layer.is_none());
    assert_eq!(requests.found_by, "python-installed-package-cataloger");
    assert_eq!(requests.licenses, vec!["Apache-2.0"]);
    assert_eq!(requests.metadata["site_packages"], SITE);
    assert_eq!(requests.metadata["author"], "Kenneth Reitz <me@kennethreitz.org>");
    assert_eq!(requests.metadata["homepage"], "http://python-requests.org");
    assert_eq!(
        requests.metadata["requires_python"],
        ">=2.6, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*"
    );
    assert_eq!(requests.metadata["top_level"], "requests");
    assert!(requests.metadata["requires_dist"].contains("\"certifi (>=2017.4.17)\""));
    assert!(requests.files.contains(&format!("{SITE}/requests/api.py")));
    assert!(requests
        .files
        .contains(&format!("{SITE}/requests-2.19.0.dist-info/METADATA")));
    let paths: Vec<&str> = requests.locations.iter().map(|l| l.path.as_str()).collect();
    assert!(paths.contains(&format!("{SITE}/requests-2.19.0.dist-info/RECORD").as_str()));

    let yaml = find(&c, "PyYAML", SITE);
    assert_eq!(yaml.version, "5.3");
    assert_eq!(yaml.licenses, vec!["MIT"]);
    assert_eq!(yaml.metadata["top_level"], "_yaml,yaml");

    // PEP 639 License-Expression; the author only as Author-email.
    let attrs = find(&c, "attrs", SITE);
    assert_eq!(attrs.licenses, vec!["MIT"]);
    assert_eq!(attrs.metadata["author"], "Hynek Schlawack <hs@ox.cx>");
    assert_eq!(attrs.metadata["requires_python"], ">=3.8");

    // A console script installed outside site-packages (`../../../bin/chardetect` in RECORD).
    let chardet = find(&c, "chardet", SITE);
    assert!(
        chardet.files.contains(&"/usr/local/bin/chardetect".to_string()),
        "{:?}",
        chardet.files
    );
    assert_eq!(chardet.licenses, vec!["LGPL"]);

    // A legacy `setup.py install`: egg-info directory with installed-files.txt.
    let six = find(&c, "six", SITE);
    assert_eq!(
        six.locations[0].path,
        format!("{SITE}/six-1.16.0-py3.11.egg-info/PKG-INFO")
    );
    assert_eq!(six.licenses, vec!["MIT"]);
    assert_eq!(six.metadata["top_level"], "six");
    assert_eq!(
        six.files[..2],
        [
            format!("{SITE}/__pycache__/six.cpython-311.pyc"),
            format!("{SITE}/six.py")
        ]
    );
    assert!(six
        .files
        .contains(&format!("{SITE}/six-1.16.0-py3.11.egg-info/PKG-INFO")));

    // distutils' install_egg_info: the egg-info is the metadata file itself (Metadata-Version 1.1,
    // a Description continued on indented lines, headers after it).
    let termcolor = find(&c, "termcolor", SITE);
    assert_eq!(
        termcolor.locations[0].path,
        format!("{SITE}/termcolor-1.1.0-py3.11.egg-info")
    );
    assert_eq!(termcolor.licenses, vec!["MIT"]);
    assert_eq!(termcolor.metadata["site_packages"], SITE);
    assert!(termcolor.files.is_empty());

    // Installed from a local directory into a virtual environment: direct_url.json.
    let venv = find(&c, "termcolor", "/opt/venv/");
    assert_eq!(venv.metadata["site_packages"], "/opt/venv/lib/python3.11/site-packages");
    assert_eq!(venv.metadata["direct_url"], "file:///tmp/pyfx/termcolor-1.1.0");
    assert!(venv
        .files
        .contains(&"/opt/venv/lib/python3.11/site-packages/termcolor.py".to_string()));

    // A Debian package's egg-info directory (no installed-files.txt).
    let debian = find(&c, "python-debian", "/usr/lib/python3/dist-packages/");
    assert_eq!(debian.licenses, vec!["GPL-2.0-or-later"]);
    assert_eq!(debian.metadata["top_level"], "deb822,debian,debian_bundle");
    assert_eq!(debian.metadata["requires_python"], ">=3.5");
    assert!(debian.files.is_empty());
}

#[test]
fn image_scans_ignore_declared_requirements() {
    let c = scan(
        fixture("project"),
        vec![Box::new(PythonDeclaredCataloger)],
        Scope::Image,
    );
    assert!(c.packages.is_empty());
    assert!(c.unknowns.is_empty());
}

#[test]
fn declared_dependencies_in_a_directory() {
    let c = scan(
        fixture("project"),
        vec![Box::new(PythonDeclaredCataloger)],
        Scope::Directory,
    );
    assert!(c.unknowns.is_empty(), "{:?}", c.unknowns);
    let of = |file: &str| -> Vec<(String, String, bool)> {
        let mut v: Vec<_> = c
            .packages
            .iter()
            .filter(|p| p.locations[0].path == format!("/{file}"))
            .map(|p| {
                assert_eq!(p.metadata["declared"], "true");
                assert_eq!(p.found_by, "python-package-cataloger");
                (p.name.clone(), p.version.clone(), p.metadata.contains_key("dev"))
            })
            .collect();
        v.sort();
        v
    };
    let t = |n: &str, v: &str, dev: bool| (n.to_string(), v.to_string(), dev);
    assert_eq!(
        of("requirements.txt"),
        vec![
            t("certifi", "2026.10.18", false),
            t("chardet", "3.0.4", false),
            t("idna", "2.7", false),
            t("requests", "2.19.0", false),
            t("urllib3", "1.23", false),
        ]
    );
    assert_eq!(of("requirements-dev.txt"), vec![t("six", "1.16.0", false)]);
    assert_eq!(
        of("Pipfile.lock"),
        vec![
            t("certifi", "2026.10.18", false),
            t("chardet", "3.0.4", false),
            t("idna", "2.7", false),
            t("requests", "2.19.0", false),
            t("six", "1.16.0", true),
            t("urllib3", "1.23", false),
        ]
    );
    assert_eq!(
        of("poetry.lock"),
        vec![
            t("certifi", "2026.10.18", false),
            t("chardet", "3.0.4", false),
            t("idna", "2.7", false),
            t("pyyaml", "5.3", false),
            t("requests", "2.19.0", false),
            t("six", "1.16.0", true),
            t("urllib3", "1.23", false),
        ]
    );
    assert_eq!(c.packages.len(), 19);
    let req = c
        .packages
        .iter()
        .find(|p| p.name == "requests" && p.locations[0].path == "/requirements.txt")
        .expect("requests");
    assert_eq!(req.purl.to_string(), "pkg:pypi/requests@2.19.0");
    assert!(req.metadata["markers"].starts_with("python_version >= '2.6'"));
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
    let site = root.join("usr/lib/python3.11/site-packages");
    let write = |rel: &str, data: &[u8]| {
        let p = site.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, data).expect("write");
    };
    write("bad-1.0.dist-info/METADATA", &garbage(1, 4096));
    write("bad-1.0.dist-info/RECORD", &garbage(2, 4096));
    write("noversion-1.0.egg-info", b"Metadata-Version: 1.1\nName: noversion\n");
    write(
        "ok-1.0.dist-info/METADATA",
        b"Metadata-Version: 2.1\nName: ok\nVersion: 1.0\n",
    );
    write("ok-1.0.dist-info/RECORD", b"ok.py,sha256=x,1\n\"unterminated,\n");
    write("ok-1.0.dist-info/direct_url.json", &garbage(3, 300));
    write("other-2.0.egg-info/PKG-INFO", b"Name: other\nVersion: 2.0\n");
    write("other-2.0.egg-info/installed-files.txt", &garbage(4, 2048));
    std::fs::write(root.join("poetry.lock"), garbage(5, 2048)).expect("write");
    std::fs::write(root.join("Pipfile.lock"), b"{\"default\": {\"x\": {\"version\": 3}}}").expect("write");
    std::fs::write(root.join("requirements.txt"), garbage(6, 2048)).expect("write");

    let c = scan(
        root.to_path_buf(),
        vec![Box::new(PythonInstalledCataloger), Box::new(PythonDeclaredCataloger)],
        Scope::Directory,
    );
    let names: Vec<&str> = c.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec!["ok", "other"], "{:#?}", c.packages);
    let mut why: Vec<(String, String)> = c
        .unknowns
        .iter()
        .map(|u| (u.path.rsplit('/').next().unwrap_or("").to_string(), u.reason.clone()))
        .collect();
    why.sort();
    let files: Vec<&str> = why.iter().map(|(f, _)| f.as_str()).collect();
    assert_eq!(
        files,
        vec![
            "METADATA",
            "Pipfile.lock",
            "RECORD",
            "direct_url.json",
            "noversion-1.0.egg-info",
            "poetry.lock"
        ],
        "{why:#?}"
    );
    assert!(why.iter().any(|(_, r)| r.contains("no Name header")));
    assert!(why
        .iter()
        .any(|(_, r)| r.contains("no Version header for \"noversion\"")));
    assert!(why.iter().any(|(_, r)| r.contains("line 2: unterminated quoted field")));
    let ok = c.packages.iter().find(|p| p.name == "ok").expect("ok");
    assert!(ok.files.is_empty(), "a RECORD that fails to parse owns nothing");
    for u in &c.unknowns {
        assert!(u.found_by.starts_with("python-"), "{u:?}");
    }
}
