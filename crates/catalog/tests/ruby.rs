//! Ruby catalogers through the real pipeline, on gemspecs written by RubyGems on this machine
//! (Debian's ruby 3.1 and ruby-rack, and `gem install --local` of a gem built here) and a
//! Gemfile.lock written by `bundle lock --local`.

use std::path::{Path, PathBuf};

use vigil_catalog::ruby::{GemfileLockCataloger, GemspecCataloger};
use vigil_catalog::{Catalog, Catalogers, Scope};
use vigil_types::{Package, PackageType};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ruby/rootfs")
}

fn scan(root: &Path, scope: Scope) -> Catalog {
    let cats = Catalogers::new(vec![Box::new(GemspecCataloger), Box::new(GemfileLockCataloger)]);
    let image = vigil_image::open(
        &vigil_image::SourceSpec::Dir(root.to_path_buf()),
        &vigil_image::Options::default(),
        &cats,
    )
    .expect("open fixture");
    cats.run(&image.tree, scope)
}

fn find<'a>(c: &'a Catalog, found_by: &str, name: &str) -> &'a Package {
    c.packages
        .iter()
        .find(|p| p.found_by == found_by && p.name == name)
        .unwrap_or_else(|| panic!("no {name} from {found_by}: {:#?}", c.packages))
}

#[test]
fn installed_gems_from_every_specifications_directory() {
    let c = scan(&fixture(), Scope::Image);
    let mut got: Vec<(String, String, String)> = c
        .packages
        .iter()
        .map(|p| (p.purl.to_string(), p.locations[0].path.clone(), p.licenses.join(",")))
        .collect();
    got.sort();
    let want = [
        (
            "pkg:gem/json@2.6.1",
            "/usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec",
            "Ruby",
        ),
        (
            "pkg:gem/minitest@5.15.0",
            "/usr/lib/ruby/gems/3.1.0/specifications/minitest-5.15.0.gemspec",
            "MIT",
        ),
        (
            "pkg:gem/rack@2.2.22",
            "/usr/share/rubygems-integration/all/specifications/rack-2.2.22.gemspec",
            "MIT",
        ),
        (
            "pkg:gem/rake@13.0.6",
            "/usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec",
            "MIT",
        ),
        (
            "pkg:gem/tinyhttp@0.3.1",
            "/usr/local/bundle/specifications/tinyhttp-0.3.1.gemspec",
            "MIT,Apache-2.0",
        ),
    ];
    let want: Vec<(String, String, String)> = want
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(got, want);
    assert!(c
        .packages
        .iter()
        .all(|p| p.ty == PackageType::Gem && p.found_by == "ruby-installed-gemspec-cataloger"));

    let rack = find(&c, "ruby-installed-gemspec-cataloger", "rack");
    assert_eq!(
        rack.metadata.get("homepage").map(String::as_str),
        Some("https://github.com/rack/rack")
    );
    assert_eq!(
        rack.metadata.get("authors").map(String::as_str),
        Some("Leah Neukirchen")
    );
    // rake's gem directory is in the tree: its listed files become absolute paths.
    let rake = find(&c, "ruby-installed-gemspec-cataloger", "rake");
    assert_eq!(rake.files, vec!["/usr/lib/ruby/gems/3.1.0/gems/rake-13.0.6/exe/rake"]);
    // rack's is not (Debian installs it under vendor_ruby): no guessed paths.
    assert!(rack.files.is_empty());

    // The garbage gemspec is an unknown; the lockfile is not read in an image scan.
    assert_eq!(c.unknowns.len(), 1, "{:?}", c.unknowns);
    assert_eq!(
        c.unknowns[0].path,
        "/usr/local/bundle/specifications/broken-1.0.gemspec"
    );
    assert_eq!(c.unknowns[0].found_by, "ruby-installed-gemspec-cataloger");
    assert!(
        c.unknowns[0].reason.contains("no `Gem::Specification.new"),
        "{}",
        c.unknowns[0].reason
    );
}

#[test]
fn gemfile_lock_in_directory_scans() {
    let c = scan(&fixture(), Scope::Directory);
    let mut locked: Vec<(String, String)> = c
        .packages
        .iter()
        .filter(|p| p.found_by == "ruby-gemfile-lock-cataloger")
        .map(|p| {
            (
                p.purl.to_string(),
                p.metadata.get("source").cloned().unwrap_or_default(),
            )
        })
        .collect();
    locked.sort();
    let want = [
        ("pkg:gem/minitest@5.15.0", "gem"),
        ("pkg:gem/rack@2.2.22", "gem"),
        ("pkg:gem/rake@13.0.6", "gem"),
        ("pkg:gem/tinyhttp@0.3.1", "path"),
    ];
    let want: Vec<(String, String)> = want.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    assert_eq!(locked, want);
    let rack = find(&c, "ruby-gemfile-lock-cataloger", "rack");
    assert_eq!(rack.locations[0].path, "/srv/app/Gemfile.lock");
    assert_eq!(rack.metadata.get("declared").map(String::as_str), Some("true"));
    assert_eq!(
        rack.metadata.get("remote").map(String::as_str),
        Some("https://rubygems.org/")
    );
}

#[test]
fn garbage_lockfile_is_an_unknown() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("Gemfile.lock"), b"\xff\xfe not a lockfile {\n").expect("write");
    std::fs::create_dir_all(dir.path().join("specifications")).expect("mkdir");
    std::fs::write(
        dir.path().join("specifications/x-1.gemspec"),
        "Gem::Specification.new do |s|\n  s.name = \"x\n",
    )
    .expect("write");
    let c = scan(dir.path(), Scope::Directory);
    assert!(c.packages.is_empty());
    let mut got: Vec<(&str, &str)> = c
        .unknowns
        .iter()
        .map(|u| (u.path.as_str(), u.reason.as_str()))
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            ("/Gemfile.lock", "not a Gemfile.lock: no GEM, GIT or PATH section"),
            (
                "/specifications/x-1.gemspec",
                "unterminated string literal starting on line 2"
            ),
        ]
    );
}

#[test]
fn registered_in_the_default_set() {
    let names = vigil_catalog::Catalogers::default_set().names();
    for name in ["ruby-installed-gemspec-cataloger", "ruby-gemfile-lock-cataloger"] {
        assert!(names.contains(&name), "{name} not in {names:?}");
    }
}
