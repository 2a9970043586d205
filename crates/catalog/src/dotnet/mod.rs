//! .NET: the NuGet packages an application was built with, from its `<app>.deps.json`.

mod parse_deps_json;

use vigil_types::{Package, PackageType, Purl};

use crate::{Cataloger, Files, Found, Select};

use parse_deps_json::{parse_deps_json, Library};

const NAME: &str = "dotnet-deps-cataloger";

/// Packages listed in `*.deps.json`: every `package` library, and the application itself (the
/// `project` named like the file) when it has a version.
pub struct DotnetDepsCataloger;

impl Cataloger for DotnetDepsCataloger {
    fn name(&self) -> &'static str {
        NAME
    }

    fn select(&self, path: &str, _mode: u32, _size: u64) -> Select {
        if path.ends_with(".deps.json") {
            Select::Keep
        } else {
            Select::Skip
        }
    }

    fn catalog(&self, files: &Files<'_>, out: &mut Found) {
        for (f, data) in files.iter() {
            let (libs, bad) = match parse_deps_json(&data) {
                Ok(x) => x,
                Err(e) => {
                    out.unknown(files, &f, e);
                    continue;
                }
            };
            for key in bad {
                out.unknown(files, &f, format!("library key {key:?} is not Name/Version"));
            }
            let file = f.path.rsplit('/').next().unwrap_or(f.path);
            let app = file.strip_suffix(".deps.json").unwrap_or(file);
            let projects = libs.iter().filter(|l| l.kind == "project").count();
            for lib in &libs {
                let wanted = match lib.kind.as_str() {
                    "package" => true,
                    // The application itself: named like the file, or the only project there is.
                    "project" => lib.name.eq_ignore_ascii_case(app) || projects == 1,
                    _ => false,
                };
                if wanted {
                    out.push(package(files, &f, lib));
                }
            }
        }
    }
}

/// `pkg:nuget/<Name>@<Version>`.
fn package(files: &Files<'_>, f: &vigil_image::FileRef<'_>, lib: &Library) -> Package {
    let purl = Purl::new("nuget", &lib.name, &lib.version);
    let mut p = Package::new(
        PackageType::Dotnet,
        &lib.name,
        &lib.version,
        purl,
        files.location(f),
        NAME,
    );
    p.set_meta("type", &lib.kind);
    p.set_meta("sha512", &lib.sha512);
    p.set_meta("path", &lib.path);
    p.set_meta("hash_path", &lib.hash_path);
    p
}
