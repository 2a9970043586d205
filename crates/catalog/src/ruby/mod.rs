//! Ruby gems: installed ones from `specifications/*.gemspec` (anywhere: `/usr/local/bundle`,
//! `/var/lib/gems/<ruby>`, `/usr/lib/ruby/gems/<ruby>` and its `default/` gems, Debian's
//! `/usr/share/rubygems-integration`), and, for directory scans, the gems a `Gemfile.lock` pins.

mod parse_gemfile_lock;
mod parse_gemspec;

use vigil_image::FileKind;
use vigil_types::{Package, PackageType, Purl};

use crate::{Cataloger, Files, Found, Scope, Select};

use parse_gemfile_lock::parse_gemfile_lock;
use parse_gemspec::parse_gemspec;

/// Installed gems, from the specifications RubyGems writes when it installs one.
pub struct GemspecCataloger;

const GEMSPEC: &str = "ruby-installed-gemspec-cataloger";
const LOCK: &str = "ruby-gemfile-lock-cataloger";

/// Whether `path` is `…/specifications/<x>.gemspec` or `…/specifications/default/<x>.gemspec`.
fn is_installed_gemspec(path: &str) -> bool {
    let Some((dir, _)) = path.strip_suffix(".gemspec").and_then(|p| p.rsplit_once('/')) else {
        return false;
    };
    let dir = dir.strip_suffix("/default").unwrap_or(dir);
    dir.ends_with("/specifications")
}

impl Cataloger for GemspecCataloger {
    fn name(&self) -> &'static str {
        GEMSPEC
    }

    fn select(&self, path: &str, _mode: u32, _size: u64) -> Select {
        if is_installed_gemspec(path) {
            Select::Keep
        } else {
            Select::Skip
        }
    }

    fn catalog(&self, files: &Files<'_>, out: &mut Found) {
        for (f, data) in files.iter() {
            let spec = match parse_gemspec(&String::from_utf8_lossy(&data)) {
                Ok(s) => s,
                Err(e) => {
                    out.unknown(files, &f, e);
                    continue;
                }
            };
            let purl = Purl::new("gem", &spec.name, &spec.version);
            let mut p = Package::new(
                PackageType::Gem,
                &spec.name,
                &spec.version,
                purl,
                files.location(&f),
                GEMSPEC,
            );
            p.licenses = spec.licenses;
            p.set_meta("homepage", &spec.homepage);
            p.set_meta("authors", &spec.authors.join(", "));
            p.files = installed_files(files, f.path, &spec.name, &spec.version, &spec.files);
            out.push(p);
        }
    }
}

/// The gem's files as absolute paths, when its directory `<base>/gems/<name>-<version>` (beside
/// `<base>/specifications`) is in the tree; a gemspec lists them relative to it.
fn installed_files(files: &Files<'_>, spec_path: &str, name: &str, version: &str, listed: &[String]) -> Vec<String> {
    let Some(base) = spec_path.rsplit_once("/specifications/").map(|(b, _)| b) else {
        return Vec::new();
    };
    let dir = format!("{base}/gems/{name}-{version}");
    if listed.is_empty() || files.tree().entry(&dir).is_none_or(|e| e.kind != FileKind::Dir) {
        return Vec::new();
    }
    listed
        .iter()
        .filter(|f| !f.is_empty() && !f.starts_with('/') && !f.split('/').any(|c| c == ".."))
        .map(|f| format!("{dir}/{f}"))
        .collect()
}

/// Gems a `Gemfile.lock` pins: declared dependencies, read in directory scans only.
pub struct GemfileLockCataloger;

impl Cataloger for GemfileLockCataloger {
    fn name(&self) -> &'static str {
        LOCK
    }

    fn select(&self, path: &str, _mode: u32, _size: u64) -> Select {
        if path.ends_with("/Gemfile.lock") || path.ends_with("/gems.locked") {
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
            let lock = match parse_gemfile_lock(&String::from_utf8_lossy(&data)) {
                Ok(l) => l,
                Err(e) => {
                    out.unknown(files, &f, e);
                    continue;
                }
            };
            for (line, text) in &lock.bad_lines {
                out.unknown(files, &f, format!("line {line}: not a `name (version)` spec: {text:?}"));
            }
            for g in lock.gems {
                let purl = Purl::new("gem", &g.name, &g.version).qualifier("platform", &g.platform);
                let mut p = Package::new(PackageType::Gem, &g.name, &g.version, purl, files.location(&f), LOCK);
                p.set_meta("declared", "true");
                p.set_meta("platform", &g.platform);
                p.set_meta("source", &g.source.to_ascii_lowercase());
                p.set_meta("remote", &g.remote);
                out.push(p);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selects_installed_specifications_only() {
        assert!(is_installed_gemspec(
            "/usr/local/bundle/specifications/rake-13.0.6.gemspec"
        ));
        assert!(is_installed_gemspec(
            "/usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec"
        ));
        assert!(is_installed_gemspec(
            "/usr/share/rubygems-integration/all/specifications/rack-2.2.22.gemspec"
        ));
        assert!(!is_installed_gemspec("/src/app/rack.gemspec"));
        assert!(!is_installed_gemspec("/x/specifications/a/b.gemspec"));
        assert!(!is_installed_gemspec("/x/specifications/rake.gemspec.bak"));
    }
}
