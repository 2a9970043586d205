//! Package files verified against the package databases: dpkg's `<package>.md5sums` (md5 of each
//! file) and apk's `installed` (`Z:Q1<base64 sha1>`). A listed file absent from the final tree is
//! Missing, one whose digest differs is Changed. Paths dpkg was told not to install
//! (`path-exclude` in `/etc/dpkg/dpkg.cfg.d/`, as slim images do for documentation) are skipped.

use std::collections::{BTreeMap, HashMap};

use vigil_image::{FileKind, FileTree};
use vigil_types::{glob_match_bytes, Package, PackageType, VerifyFinding, VerifyProblem};

use crate::finish::Live;

/// What verification found, and what it could not do.
#[derive(Default)]
pub(crate) struct Verified {
    pub findings: Vec<VerifyFinding>,
    pub notes: Vec<String>,
}

/// The owner of a database entry: the package with that name and type, else the name alone.
struct Owners<'a> {
    by_file: HashMap<&'a str, &'a Package>,
    packages: &'a [Package],
}

impl<'a> Owners<'a> {
    fn new(packages: &'a [Package]) -> Owners<'a> {
        let mut by_file = HashMap::new();
        for p in packages.iter().filter(|p| p.ty == PackageType::Deb) {
            for f in &p.files {
                by_file.insert(f.as_str(), p);
            }
        }
        Owners { by_file, packages }
    }

    fn find(&self, ty: PackageType, name: &str, file: &str) -> (String, String) {
        let by_name = || self.packages.iter().find(|p| p.ty == ty && p.name == name);
        match self.by_file.get(file).copied().or_else(by_name) {
            Some(p) => (p.id.clone(), p.name.clone()),
            None => (String::new(), name.to_string()),
        }
    }
}

/// One file a database lists, with the digest it recorded.
struct Listed<'a> {
    package: &'a str,
    path: String,
    digest: Vec<u8>,
}

enum Algo {
    Md5,
    Sha1,
}

/// Verifies the databases of the final tree.
pub(crate) fn verify(tree: &FileTree, live: &HashMap<&str, Live<'_>>, packages: &[Package]) -> Verified {
    let mut out = Verified::default();
    let owners = Owners::new(packages);
    let filters = dpkg_filters(live);
    let mut dbs: Vec<(&str, &[u8])> = live
        .iter()
        .filter_map(|(p, l)| Some((*p, l.raw?)))
        .filter(|(p, _)| p.ends_with(".md5sums"))
        .collect();
    dbs.sort();
    let mut unverifiable = 0usize;
    let mut checked = 0usize;
    for (db, raw) in &dbs {
        let name = crate::candidates::base_name(db).trim_end_matches(".md5sums");
        let name = name.split(':').next().unwrap_or(name);
        let listed = parse_md5sums(name, raw).filter(|l| !excluded(&filters, &l.path));
        for l in listed {
            checked += 1;
            if !check(tree, live, &owners, PackageType::Deb, &l, Algo::Md5, &mut out.findings) {
                unverifiable += 1;
            }
        }
    }
    for db in ["/lib/apk/db/installed", "/usr/lib/apk/db/installed"] {
        let Some(raw) = live.get(db).and_then(|l| l.raw) else {
            continue;
        };
        for l in parse_apk(raw) {
            if tree.entry(&l.path).is_some_and(|f| f.kind == FileKind::Symlink) {
                continue;
            }
            checked += 1;
            if !check(tree, live, &owners, PackageType::Apk, &l, Algo::Sha1, &mut out.findings) {
                unverifiable += 1;
            }
        }
    }
    if unverifiable > 0 {
        out.notes.push(format!(
            "verify: {unverifiable} of {checked} package files were not compared (past the size searched, or not regular files)"
        ));
    }
    let mut others: BTreeMap<&str, usize> = BTreeMap::new();
    for p in packages
        .iter()
        .filter(|p| !matches!(p.ty, PackageType::Deb | PackageType::Apk))
    {
        *others.entry(p.ty.as_str()).or_default() += 1;
    }
    for (ty, n) in others {
        out.notes.push(format!(
            "verify: {n} {ty} package(s) not verified (only dpkg md5sums and apk checksums are checked)"
        ));
    }
    if dbs.is_empty() && packages.iter().any(|p| p.ty == PackageType::Deb) {
        out.notes
            .push("verify: dpkg packages found but no md5sums files to verify them against".to_string());
    }
    out.findings
        .sort_by(|a, b| (&a.path, &a.package).cmp(&(&b.path, &b.package)));
    out
}

/// Compares one listed file with the final tree; false when it could not be compared.
fn check(
    tree: &FileTree,
    live: &HashMap<&str, Live<'_>>,
    owners: &Owners<'_>,
    ty: PackageType,
    l: &Listed<'_>,
    algo: Algo,
    findings: &mut Vec<VerifyFinding>,
) -> bool {
    let finding = |problem, layer| {
        let (package_id, package) = owners.find(ty, l.package, &l.path);
        VerifyFinding {
            package_id,
            package,
            path: l.path.clone(),
            problem,
            layer,
        }
    };
    let f = match tree.resolve(&l.path) {
        Ok(Some(f)) => f,
        Ok(None) => {
            findings.push(finding(VerifyProblem::Missing, None));
            return true;
        }
        Err(_) => return false,
    };
    if f.kind != FileKind::File && f.kind != FileKind::HardLink {
        return false;
    }
    let target = match f.kind {
        FileKind::HardLink => f.link.unwrap_or(f.path),
        _ => f.path,
    };
    let Some(facts) = live.get(f.path).or_else(|| live.get(target)) else {
        return false;
    };
    let actual = match algo {
        Algo::Md5 => facts.md5,
        Algo::Sha1 => facts.sha1,
    };
    let Some(actual) = actual else { return false };
    if actual != l.digest.as_slice() {
        findings.push(finding(VerifyProblem::Changed, Some(f.layer)));
    }
    true
}

/// `<md5 hex>  <path without the leading slash>` lines.
fn parse_md5sums<'a>(package: &'a str, raw: &'a [u8]) -> impl Iterator<Item = Listed<'a>> + 'a {
    raw.split(|&b| b == b'\n').filter_map(move |line| {
        let line = std::str::from_utf8(line).ok()?.trim_end_matches('\r');
        let (hash, path) = line.split_once(char::is_whitespace)?;
        let digest = hex::decode(hash).ok().filter(|d| d.len() == 16)?;
        let path = path.trim_start();
        if path.is_empty() {
            return None;
        }
        Some(Listed {
            package,
            path: format!("/{}", path.trim_start_matches('/')),
            digest,
        })
    })
}

/// `P:` name, `F:` directory, `R:` file, `Z:Q1<base64 sha1>` records of apk's installed database.
fn parse_apk(raw: &[u8]) -> Vec<Listed<'_>> {
    let mut out = Vec::new();
    let (mut package, mut dir) = ("", "");
    let mut file: Option<String> = None;
    for line in raw.split(|&b| b == b'\n') {
        let Ok(line) = std::str::from_utf8(line) else { continue };
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            (package, dir, file) = ("", "", None);
            continue;
        }
        match line.split_at_checked(2) {
            Some(("P:", v)) => package = v,
            Some(("F:", v)) => (dir, file) = (v, None),
            Some(("R:", v)) => file = Some(format!("/{}/{v}", dir.trim_matches('/')).replace("//", "/")),
            Some(("Z:", v)) => {
                let digest = v.strip_prefix("Q1").and_then(|b| crate::base64::decode(b.as_bytes()));
                if let (Some(path), Some(digest)) = (file.take(), digest.filter(|d| d.len() == 20)) {
                    out.push(Listed { package, path, digest });
                }
            }
            _ => {}
        }
    }
    out
}

/// dpkg's `path-exclude` / `path-include` filters, in order: (include, glob).
fn dpkg_filters<'a>(live: &HashMap<&str, Live<'a>>) -> Vec<(bool, &'a str)> {
    let mut cfgs: Vec<(&str, &'a [u8])> = live
        .iter()
        .filter(|(p, _)| p.starts_with("/etc/dpkg/dpkg.cfg.d/"))
        .filter_map(|(p, l)| Some((*p, l.raw?)))
        .collect();
    cfgs.sort();
    let mut out = Vec::new();
    for (_, raw) in cfgs {
        for line in raw.split(|&b| b == b'\n') {
            let Ok(line) = std::str::from_utf8(line) else { continue };
            let line = line.trim();
            let Some((key, glob)) = line.split_once(|c: char| c == '=' || c.is_whitespace()) else {
                continue;
            };
            match key {
                "path-exclude" => out.push((false, glob.trim())),
                "path-include" => out.push((true, glob.trim())),
                _ => {}
            }
        }
    }
    out
}

/// dpkg applies the filters in order; the last one matching decides.
fn excluded(filters: &[(bool, &str)], path: &str) -> bool {
    let mut excluded = false;
    for (include, glob) in filters {
        if glob_match_bytes(glob.as_bytes(), path.as_bytes()) {
            excluded = !include;
        }
    }
    excluded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_and_filters() {
        assert!(glob_match_bytes(b"/usr/share/doc/*", b"/usr/share/doc/bash/README"));
        assert!(glob_match_bytes(
            b"/usr/share/doc/*/copyright",
            b"/usr/share/doc/bash/copyright"
        ));
        assert!(!glob_match_bytes(
            b"/usr/share/doc/*/copyright",
            b"/usr/share/doc/bash/README"
        ));
        assert!(glob_match_bytes(b"/a?c", b"/abc") && !glob_match_bytes(b"/a?c", b"/abbc"));
        let f = [(false, "/usr/share/doc/*"), (true, "/usr/share/doc/*/copyright")];
        assert!(excluded(&f, "/usr/share/doc/bash/README"));
        assert!(!excluded(&f, "/usr/share/doc/bash/copyright"));
        assert!(!excluded(&f, "/usr/bin/bash"));
    }

    #[test]
    fn parses_databases() {
        let m: Vec<_> = parse_md5sums(
            "bash",
            b"d41d8cd98f00b204e9800998ecf8427e  bin/bash\nbad line\nzz  x\n0123456789abcdef0123456789abcdef  usr/share/doc/bash/a b\n",
        )
        .map(|l| l.path)
        .collect();
        assert_eq!(m, vec!["/bin/bash", "/usr/share/doc/bash/a b"]);
        let a = parse_apk(
            b"P:musl\nV:1\nF:lib\nR:ld-musl.so.1\na:0:0:755\nZ:Q1L2Fo5jM5sdKyqMN8P2E7BHlg4iE=\nR:nosum\n\nP:busybox\nF:bin\nR:busybox\nZ:Q1bad\n",
        );
        assert_eq!(a.len(), 1);
        assert_eq!(
            (a[0].package, a[0].path.as_str(), a[0].digest.len()),
            ("musl", "/lib/ld-musl.so.1", 20)
        );
    }
}
