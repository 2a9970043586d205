//! JavaScript packages.
//!
//! - [`NpmInstalledCataloger`]: every `package.json` with a name and a version: the packages
//!   under `node_modules` (scoped ones too) and the application's own manifest, private or not.
//! - [`NpmLockCataloger`]: in directory scans only, the declared dependencies of lockfiles:
//!   `package-lock.json` (v1, v2, v3), `yarn.lock` (classic and berry), `pnpm-lock.yaml`
//!   (5.x, 6.x, 9.x). Lockfiles inside `node_modules` belong to a dependency, not to the project,
//!   and are not read.
//!
//! Purls are `pkg:npm/<name>@<version>`, a scope as the namespace: `pkg:npm/%40types/node@20.11.5`.

mod parse_package_json;
mod parse_package_lock;
mod parse_pnpm_lock;
mod parse_yarn_lock;
mod yaml;

use vigil_image::FileRef;
use vigil_types::{Digest, Package, PackageType, Purl};

use crate::{Cataloger, Files, Found, Scope, Select};

/// Installed JavaScript packages (Syft's `javascript-package-cataloger`).
pub struct NpmInstalledCataloger;

/// Declared JavaScript dependencies from lockfiles, for directory scans (Syft's
/// `javascript-lock-cataloger`).
pub struct NpmLockCataloger;

const INSTALLED: &str = "javascript-package-cataloger";
const LOCK: &str = "javascript-lock-cataloger";

/// One package a lockfile pins.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Locked {
    pub name: String,
    pub version: String,
    /// Where it was fetched from (a tarball URL, or yarn berry's resolution).
    pub resolved: String,
    pub integrity: String,
    pub dev: bool,
    /// Only `package-lock.json` v2 and v3 record licences.
    pub licenses: Vec<String>,
}

/// JSON manifests and lockfiles are objects; serde would also accept an array for a struct.
pub(crate) fn not_object(data: &[u8]) -> Result<(), serde_json::Error> {
    match data.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') | None => Ok(()),
        Some(_) => Err(serde::de::Error::custom("expected a JSON object")),
    }
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// `pkg:npm/name@v`, or `pkg:npm/%40scope/name@v` for `@scope/name`.
pub(crate) fn purl(name: &str, version: &str) -> Purl {
    match name.strip_prefix('@').and_then(|_| name.split_once('/')) {
        Some((scope, bare)) => Purl::new("npm", bare, version).namespace(scope),
        None => Purl::new("npm", name, version),
    }
}

impl Cataloger for NpmInstalledCataloger {
    fn name(&self) -> &'static str {
        INSTALLED
    }

    fn select(&self, path: &str, _mode: u32, _size: u64) -> Select {
        if path.ends_with("/package.json") {
            Select::Keep
        } else {
            Select::Skip
        }
    }

    fn catalog(&self, files: &Files<'_>, out: &mut Found) {
        for (f, data) in files.iter() {
            let m = match parse_package_json::parse(&data) {
                Ok(Some(m)) => m,
                Ok(None) => continue,
                Err(e) => {
                    out.unknown(files, &f, format!("package.json: {e}"));
                    continue;
                }
            };
            let mut p = Package::new(
                PackageType::Npm,
                &m.name,
                &m.version,
                purl(&m.name, &m.version),
                files.location(&f),
                INSTALLED,
            );
            p.layer = introduced(files, &f, &m.version);
            p.licenses = m.licenses;
            p.set_meta("author", &m.author);
            p.set_meta("homepage", &m.homepage);
            if m.private {
                p.set_meta("private", "true");
            }
            out.push(p);
        }
    }
}

/// The layer that introduced this version: the lowest layer from which on every kept version of
/// the manifest names the same version.
fn introduced(files: &Files<'_>, f: &FileRef<'_>, version: &str) -> Option<Digest> {
    let mut layer = f.layer;
    for (l, content) in files.history(f.path).iter().rev() {
        let same = matches!(parse_package_json::parse(content), Ok(Some(m)) if m.version == version);
        if !same {
            break;
        }
        layer = layer.min(*l);
    }
    files.tree().layer_digest(layer).cloned()
}

impl Cataloger for NpmLockCataloger {
    fn name(&self) -> &'static str {
        LOCK
    }

    fn select(&self, path: &str, _mode: u32, _size: u64) -> Select {
        let keep = matches!(file_name(path), "package-lock.json" | "yarn.lock" | "pnpm-lock.yaml")
            && !path.contains("/node_modules/");
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
            let name = file_name(f.path);
            let parsed = match name {
                "package-lock.json" => parse_package_lock::parse(&data).map_err(|e| e.to_string()),
                _ => match std::str::from_utf8(&data) {
                    Err(e) => Err(format!("not UTF-8: {e}")),
                    Ok(text) if name == "yarn.lock" => parse_yarn_lock::parse(text).map_err(|e| e.to_string()),
                    Ok(text) => parse_pnpm_lock::parse(text).map_err(|e| e.to_string()),
                },
            };
            let locked = match parsed {
                Ok(l) => l,
                Err(e) => {
                    out.unknown(files, &f, format!("{name}: {e}"));
                    continue;
                }
            };
            for l in locked {
                let mut p = Package::new(
                    PackageType::Npm,
                    &l.name,
                    &l.version,
                    purl(&l.name, &l.version),
                    files.location(&f),
                    LOCK,
                );
                p.licenses = l.licenses;
                p.set_meta("declared", "true");
                p.set_meta("resolved", &l.resolved);
                p.set_meta("integrity", &l.integrity);
                if l.dev {
                    p.set_meta("dev", "true");
                }
                out.push(p);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::python::tests::mutate;

    #[test]
    fn parsers_never_panic_on_mutated_real_files() {
        let fx = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/npm");
        let read = |rel: &str| std::fs::read(format!("{fx}/{rel}")).expect("fixture");
        let manifest = read("image/srv/app/node_modules/minimist/package.json");
        let locks = [
            read("project-npm-v1/package-lock.json"),
            read("project-npm-v3/package-lock.json"),
        ];
        let yarns = [read("project-yarn-v1/yarn.lock"), read("project-yarn-berry/yarn.lock")];
        let pnpms = [
            read("project-pnpm-v5/pnpm-lock.yaml"),
            read("project-pnpm-v6/pnpm-lock.yaml"),
            read("project-pnpm-v9/pnpm-lock.yaml"),
        ];
        for seed in 0..300 {
            let _ = parse_package_json::parse(&mutate(&manifest, seed));
            for l in &locks {
                let _ = parse_package_lock::parse(&mutate(l, seed));
            }
            for y in &yarns {
                let _ = parse_yarn_lock::parse(&String::from_utf8_lossy(&mutate(y, seed)));
            }
            for p in &pnpms {
                let _ = parse_pnpm_lock::parse(&String::from_utf8_lossy(&mutate(p, seed)));
            }
        }
    }

    #[test]
    fn scoped_purls() {
        assert_eq!(
            purl("@types/node", "20.11.5").to_string(),
            "pkg:npm/%40types/node@20.11.5"
        );
        assert_eq!(purl("lodash", "4.17.11").to_string(), "pkg:npm/lodash@4.17.11");
        assert_eq!(purl("@broken", "1").to_string(), "pkg:npm/%40broken@1");
    }

    #[test]
    fn selection() {
        let i = NpmInstalledCataloger;
        assert_eq!(i.select("/srv/app/package.json", 0o644, 1), Select::Keep);
        assert_eq!(
            i.select("/srv/app/node_modules/@types/node/package.json", 0o644, 1),
            Select::Keep
        );
        assert_eq!(i.select("/srv/app/node_modules/x/index.js", 0o644, 1), Select::Skip);
        assert_eq!(i.select("/srv/app/mypackage.json", 0o644, 1), Select::Skip);
        let l = NpmLockCataloger;
        assert_eq!(l.select("/src/package-lock.json", 0o644, 1), Select::Keep);
        assert_eq!(l.select("/src/yarn.lock", 0o644, 1), Select::Keep);
        assert_eq!(l.select("/src/pnpm-lock.yaml", 0o644, 1), Select::Keep);
        assert_eq!(l.select("/src/node_modules/x/yarn.lock", 0o644, 1), Select::Skip);
        assert_eq!(l.select("/src/node_modules/.package-lock.json", 0o644, 1), Select::Skip);
    }
}
