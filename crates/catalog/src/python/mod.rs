//! Python packages.
//!
//! - [`PythonInstalledCataloger`]: installed distributions, from `*.dist-info/METADATA`,
//!   `*.egg-info/PKG-INFO`, `*.egg-info` files and `*.egg/EGG-INFO/PKG-INFO`, with the files each
//!   owns (`RECORD`, `installed-files.txt`), `top_level.txt` and `direct_url.json` as extra facts.
//! - [`PythonDeclaredCataloger`]: in directory scans only, the declared dependencies of a project:
//!   pinned lines of `requirements*.txt`, `poetry.lock` and `Pipfile.lock`.
//!
//! Both report purls `pkg:pypi/<name>@<version>` with the name as the package writes it.

mod license;
mod parse_direct_url;
mod parse_metadata;
mod parse_pipfile_lock;
mod parse_poetry_lock;
mod parse_record;
mod parse_requirements;

use vigil_image::FileRef;
use vigil_types::{Digest, Location, Package, PackageType, Purl};

use crate::{Cataloger, Files, Found, Scope, Select};

/// Installed Python distributions (Syft's `python-installed-package-cataloger`).
pub struct PythonInstalledCataloger;

/// Declared Python dependencies of a project, for directory scans (Syft's `python-package-cataloger`).
pub struct PythonDeclaredCataloger;

const INSTALLED: &str = "python-installed-package-cataloger";
const DECLARED: &str = "python-package-cataloger";

/// The file name of an absolute path, and its parent directory.
fn split(path: &str) -> (&str, &str) {
    match path.rfind('/') {
        Some(0) => ("/", &path[1..]),
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path),
    }
}

/// How a distribution's metadata is laid out.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Layout {
    /// `<site>/<name>-<ver>.dist-info/METADATA`
    DistInfo,
    /// `<site>/<name>-<ver>.egg-info/PKG-INFO`
    EggInfoDir,
    /// `<site>/<name>-<ver>.egg-info`, the metadata file itself
    EggInfoFile,
    /// `<site>/<name>-<ver>.egg/EGG-INFO/PKG-INFO`
    Egg,
}

fn layout(path: &str) -> Option<Layout> {
    let (dir, name) = split(path);
    match name {
        "METADATA" if dir.ends_with(".dist-info") => Some(Layout::DistInfo),
        "PKG-INFO" if dir.ends_with(".egg-info") => Some(Layout::EggInfoDir),
        "PKG-INFO" if dir.ends_with(".egg/EGG-INFO") => Some(Layout::Egg),
        _ if name.ends_with(".egg-info") => Some(Layout::EggInfoFile),
        _ => None,
    }
}

impl Cataloger for PythonInstalledCataloger {
    fn name(&self) -> &'static str {
        INSTALLED
    }

    fn select(&self, path: &str, _mode: u32, _size: u64) -> Select {
        let (dir, name) = split(path);
        let keep = match name {
            "METADATA" | "RECORD" | "direct_url.json" => dir.ends_with(".dist-info"),
            "PKG-INFO" => dir.ends_with(".egg-info") || dir.ends_with("/EGG-INFO"),
            "installed-files.txt" => dir.ends_with(".egg-info"),
            "top_level.txt" => dir.ends_with(".dist-info") || dir.ends_with(".egg-info"),
            _ => name.ends_with(".egg-info"),
        };
        if keep {
            Select::Keep
        } else {
            Select::Skip
        }
    }

    fn catalog(&self, files: &Files<'_>, out: &mut Found) {
        for (f, data) in files.iter() {
            let Some(layout) = layout(f.path) else {
                continue;
            };
            installed(files, &f, layout, &data, out);
        }
    }
}

fn installed(files: &Files<'_>, f: &FileRef<'_>, layout: Layout, data: &[u8], out: &mut Found) {
    let meta = match parse_metadata::parse(&String::from_utf8_lossy(data)) {
        Ok(m) => m,
        Err(e) => {
            out.unknown(files, f, format!("python package metadata: {e}"));
            return;
        }
    };
    let (dir, _) = split(f.path);
    // The directory holding the distribution's other files, and the site-packages directory.
    let (info_dir, site) = match layout {
        Layout::DistInfo | Layout::EggInfoDir => (Some(dir), split(dir).0),
        Layout::EggInfoFile => (None, dir),
        Layout::Egg => (Some(dir), split(split(dir).0).0),
    };
    let purl = Purl::new("pypi", &purl_name(&meta.name), &meta.version);
    let mut p = Package::new(
        PackageType::Python,
        &meta.name,
        &meta.version,
        purl,
        files.location(f),
        INSTALLED,
    );
    p.layer = introduced(files, f, &meta.version);
    p.licenses = license::licenses(&meta);
    p.set_meta("site_packages", site);
    p.set_meta("requires_python", &meta.requires_python);
    p.set_meta("author", &meta.author_line());
    p.set_meta("homepage", meta.homepage());
    if !meta.requires_dist.is_empty() {
        p.set_meta(
            "requires_dist",
            &serde_json::Value::from(meta.requires_dist.clone()).to_string(),
        );
    }
    if let Some(info) = info_dir {
        owned_files(files, &mut p, layout, info, site, out);
        extra_facts(files, &mut p, info, out);
    }
    out.push(p);
}

/// The files the distribution installed, from RECORD (dist-info) or installed-files.txt (egg-info).
fn owned_files(files: &Files<'_>, p: &mut Package, layout: Layout, info: &str, site: &str, out: &mut Found) {
    let list = match layout {
        Layout::DistInfo => format!("{info}/RECORD"),
        Layout::EggInfoDir => format!("{info}/installed-files.txt"),
        Layout::EggInfoFile | Layout::Egg => return,
    };
    let Some((entry, data)) = sibling(files, &list) else {
        return;
    };
    let text = String::from_utf8_lossy(data);
    match layout {
        Layout::DistInfo => match parse_record::parse_record(&text, site) {
            Ok(paths) => p.files = paths,
            Err(e) => out.unknown(files, &entry, format!("python RECORD: {e}")),
        },
        _ => p.files = parse_record::parse_installed_files(&text, info),
    }
    p.locations.push(files.location(&entry));
}

/// `top_level.txt` (the import names) and `direct_url.json` (where it was installed from).
fn extra_facts(files: &Files<'_>, p: &mut Package, info: &str, out: &mut Found) {
    if let Some((entry, data)) = sibling(files, &format!("{info}/top_level.txt")) {
        let names: Vec<&str> = std::str::from_utf8(data)
            .unwrap_or("")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        p.set_meta("top_level", &names.join(","));
        p.locations.push(files.location(&entry));
    }
    if let Some((entry, data)) = sibling(files, &format!("{info}/direct_url.json")) {
        match parse_direct_url::parse(data) {
            Ok(d) => {
                p.set_meta("direct_url", &d.url);
                p.set_meta("vcs", &d.vcs);
                p.set_meta("commit_id", &d.commit_id);
                if d.editable {
                    p.set_meta("editable", "true");
                }
            }
            Err(e) => out.unknown(files, &entry, format!("python direct_url.json: {e}")),
        }
    }
}

/// A kept file next to the metadata, by exact path (a file of the same distribution directory).
fn sibling<'a>(files: &Files<'a>, path: &str) -> Option<(FileRef<'a>, &'a [u8])> {
    let entry = files.tree().entry(path)?;
    let data = entry.content()?;
    Some((entry, data))
}

/// The layer that introduced this version of the package: the lowest layer from which on every
/// kept version of its metadata file names the same version.
fn introduced(files: &Files<'_>, f: &FileRef<'_>, version: &str) -> Option<Digest> {
    let mut layer = f.layer;
    for (l, content) in files.history(f.path).iter().rev() {
        let same = parse_metadata::parse(&String::from_utf8_lossy(content)).is_ok_and(|m| m.version == version);
        if !same {
            break;
        }
        layer = layer.min(*l);
    }
    files.tree().layer_digest(layer).cloned()
}

impl Cataloger for PythonDeclaredCataloger {
    fn name(&self) -> &'static str {
        DECLARED
    }

    fn select(&self, path: &str, _mode: u32, _size: u64) -> Select {
        let (_, name) = split(path);
        let keep = name == "poetry.lock"
            || name == "Pipfile.lock"
            || (name.ends_with(".txt") && name.contains("requirements"));
        if keep {
            Select::Keep
        } else {
            Select::Skip
        }
    }

    fn catalog(&self, files: &Files<'_>, out: &mut Found) {
        if files.scope() != Scope::Directory {
            return;
        }
        for (f, data) in files.iter() {
            let (_, name) = split(f.path);
            let locked = match name {
                "poetry.lock" => match std::str::from_utf8(&data) {
                    Ok(text) => parse_poetry_lock::parse(text).map_err(|e| e.to_string()),
                    Err(e) => Err(format!("not UTF-8: {e}")),
                },
                "Pipfile.lock" => parse_pipfile_lock::parse(&data).map_err(|e| e.to_string()),
                _ => {
                    for r in parse_requirements::parse(&String::from_utf8_lossy(&data)) {
                        let mut p = declared(files, &f, &r.name, &r.version);
                        p.set_meta("markers", &r.markers);
                        out.push(p);
                    }
                    continue;
                }
            };
            match locked {
                Ok(list) => {
                    for l in list {
                        let mut p = declared(files, &f, &l.name, &l.version);
                        if l.dev {
                            p.set_meta("dev", "true");
                        }
                        out.push(p);
                    }
                }
                Err(e) => out.unknown(files, &f, format!("python {name}: {e}")),
            }
        }
    }
}

/// The purl name of a Python distribution: lowercased, `_` as `-`, as the purl specification asks
/// for PyPI (and as Syft writes it), so the same distribution has one purl however it spells its name.
pub fn purl_name(name: &str) -> String {
    name.to_ascii_lowercase().replace('_', "-")
}

fn declared(files: &Files<'_>, f: &FileRef<'_>, name: &str, version: &str) -> Package {
    let purl = Purl::new("pypi", &purl_name(name), version);
    let loc: Location = files.location(f);
    let mut p = Package::new(PackageType::Python, name, version, purl, loc, DECLARED);
    p.set_meta("declared", "true");
    p
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Deterministic noise (xorshift).
    pub(crate) fn noise(seed: u64) -> impl FnMut() -> u64 {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        }
    }

    /// `base` with some bytes replaced and maybe cut short: close enough to the format to reach
    /// deep into a parser.
    pub(crate) fn mutate(base: &[u8], seed: u64) -> Vec<u8> {
        let mut next = noise(seed);
        let mut v = base.to_vec();
        for _ in 0..(next() % 8 + 1) {
            if v.is_empty() {
                break;
            }
            let at = (next() % v.len() as u64) as usize;
            let pick: &[u8] = b"\"{}[]:,@/\\ \n\t#=()'_-\x00\xff";
            v[at] = pick[(next() % pick.len() as u64) as usize];
        }
        if next().is_multiple_of(3) && !v.is_empty() {
            v.truncate((next() % v.len() as u64) as usize);
        }
        v
    }

    #[test]
    fn parsers_never_panic_on_mutated_real_files() {
        let fx = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/python");
        let read = |rel: &str| std::fs::read(format!("{fx}/{rel}")).expect("fixture");
        let site = "image/usr/local/lib/python3.11/site-packages";
        let metadata = read(&format!("{site}/requests-2.19.0.dist-info/METADATA"));
        let egg = read(&format!("{site}/termcolor-1.1.0-py3.11.egg-info"));
        let record = read(&format!("{site}/chardet-3.0.4.dist-info/RECORD"));
        let direct = read("image/opt/venv/lib/python3.11/site-packages/termcolor-1.1.0.dist-info/direct_url.json");
        let reqs = read("project/requirements.txt");
        let pipfile = read("project/Pipfile.lock");
        let poetry = read("project/poetry.lock");
        for seed in 0..400 {
            let text = |b: &[u8]| String::from_utf8_lossy(&mutate(b, seed)).into_owned();
            if let Ok(m) = parse_metadata::parse(&text(&metadata)) {
                let _ = license::licenses(&m);
            }
            let _ = parse_metadata::parse(&text(&egg));
            let _ = parse_record::parse_record(&text(&record), "/s");
            let _ = parse_record::parse_installed_files(&text(&record), "/s");
            let _ = parse_direct_url::parse(&mutate(&direct, seed));
            let _ = parse_requirements::parse(&text(&reqs));
            let _ = parse_pipfile_lock::parse(&mutate(&pipfile, seed));
            let _ = parse_poetry_lock::parse(&text(&poetry));
        }
    }

    #[test]
    fn selects_metadata_files_only() {
        let c = PythonInstalledCataloger;
        for keep in [
            "/usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO",
            "/usr/lib/python3/dist-packages/six-1.16.0.egg-info/installed-files.txt",
            "/usr/local/lib/python3.11/site-packages/termcolor-1.1.0-py3.11.egg-info",
            "/usr/local/lib/python3.11/site-packages/requests-2.19.0.dist-info/METADATA",
            "/usr/local/lib/python3.11/site-packages/requests-2.19.0.dist-info/RECORD",
            "/usr/local/lib/python3.11/site-packages/requests-2.19.0.dist-info/top_level.txt",
            "/opt/venv/lib/python3.11/site-packages/x-1.0.dist-info/direct_url.json",
            "/usr/lib/python2.7/site-packages/foo-1.0-py2.7.egg/EGG-INFO/PKG-INFO",
        ] {
            assert_eq!(c.select(keep, 0o644, 10), Select::Keep, "{keep}");
        }
        for skip in [
            "/usr/local/lib/python3.11/site-packages/requests/__init__.py",
            "/usr/local/lib/python3.11/site-packages/requests-2.19.0.dist-info/WHEEL",
            "/srv/METADATA",
            "/srv/PKG-INFO",
            "/srv/requirements.txt",
        ] {
            assert_eq!(c.select(skip, 0o644, 10), Select::Skip, "{skip}");
        }
        let d = PythonDeclaredCataloger;
        assert_eq!(d.select("/src/requirements-dev.txt", 0o644, 1), Select::Keep);
        assert_eq!(d.select("/src/dev-requirements.txt", 0o644, 1), Select::Keep);
        assert_eq!(d.select("/src/poetry.lock", 0o644, 1), Select::Keep);
        assert_eq!(d.select("/src/Pipfile.lock", 0o644, 1), Select::Keep);
        assert_eq!(d.select("/src/Pipfile", 0o644, 1), Select::Skip);
        assert_eq!(d.select("/src/notes.txt", 0o644, 1), Select::Skip);
    }

    #[test]
    fn layouts() {
        assert_eq!(layout("/s/a-1.dist-info/METADATA"), Some(Layout::DistInfo));
        assert_eq!(layout("/s/a-1.egg-info/PKG-INFO"), Some(Layout::EggInfoDir));
        assert_eq!(layout("/s/a-1.egg-info"), Some(Layout::EggInfoFile));
        assert_eq!(layout("/s/a-1.egg/EGG-INFO/PKG-INFO"), Some(Layout::Egg));
        assert_eq!(layout("/s/a-1.dist-info/RECORD"), None);
        assert_eq!(split("/a"), ("/", "a"));
    }
}
