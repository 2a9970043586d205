//! Java archives: jar, war, ear, Jenkins plugins (hpi, jpi) and the rarer par, sar and nar.
//!
//! Archives are boiled down while their layer streams by ([`Cataloger::extract`]): the manifest's
//! useful headers and every `pom.properties`, of the archive and of the archives nested in it, as
//! a small JSON summary. [`Cataloger::catalog`] turns each summary into packages:
//! - the archive itself, named by the `pom.properties` that matches its file name (or by its
//!   only one, when that agrees with the version shown elsewhere), else by its file name
//!   (`name-1.2.3.jar`), else by its manifest; the version likewise;
//! - every other `pom.properties` as a package nested in it (what a shaded jar swallowed);
//! - the same again for each nested archive, with `virtual_path` = `outer.war:WEB-INF/lib/x.jar`.

mod identity;
mod parse_archive;
mod parse_manifest;
mod parse_pom_properties;

use vigil_types::{Package, PackageType, Purl};

use crate::{Cataloger, Files, Found, Select};

pub use parse_archive::Caps;
use parse_archive::{is_java_archive, summarize, ArchiveFacts, Summary};

const NAME: &str = "java-archive-cataloger";

/// Finds Java archives and the packages they (and the archives nested in them) contain.
#[derive(Default)]
pub struct JavaArchiveCataloger {
    caps: Caps,
}

impl JavaArchiveCataloger {
    /// A cataloger with other limits than the defaults.
    pub fn with_caps(caps: Caps) -> JavaArchiveCataloger {
        JavaArchiveCataloger { caps }
    }
}

impl Cataloger for JavaArchiveCataloger {
    fn name(&self) -> &'static str {
        NAME
    }

    fn select(&self, path: &str, _mode: u32, _size: u64) -> Select {
        if is_java_archive(path) {
            Select::Extract
        } else {
            Select::Skip
        }
    }

    fn extract(&self, _path: &str, data: &[u8]) -> Option<Vec<u8>> {
        // Even an unreadable archive yields a summary: its problems become unknowns.
        serde_json::to_vec(&summarize(data, &self.caps)).ok()
    }

    fn catalog(&self, files: &Files<'_>, out: &mut Found) {
        for (f, summary) in files.decoded::<Summary>(out, "archive summary") {
            for problem in &summary.problems {
                out.unknown(files, &f, problem);
            }
            for archive in &summary.archives {
                packages_of(files, &f, archive, out);
            }
        }
    }
}

/// The packages of one archive: its own, then the other `pom.properties` it carries.
fn packages_of(files: &Files<'_>, f: &vigil_image::FileRef<'_>, a: &ArchiveFacts, out: &mut Found) {
    let virtual_path = if a.inner.is_empty() {
        f.path.to_string()
    } else {
        format!("{}:{}", f.path, a.inner)
    };
    let entry = a.inner.rsplit(':').next().unwrap_or("");
    let file_name = if a.inner.is_empty() { f.path } else { entry };
    let file_name = file_name.rsplit('/').next().unwrap_or(file_name);
    let (file_base, file_version) = identity::name_version_from_file(file_name);

    let shown_version = if file_version.is_empty() {
        identity::version_from_manifest(&a.manifest).unwrap_or("")
    } else {
        file_version
    };
    let own = identity::own_pom(&a.poms, file_base).or_else(|| identity::sole_pom(&a.poms, shown_version));
    let name = match own {
        Some(p) => p.artifact_id.as_str(),
        None if !file_base.is_empty() => file_base,
        None => identity::name_from_manifest(&a.manifest).unwrap_or(""),
    };
    let version = match own {
        Some(p) if !p.version.is_empty() => p.version.as_str(),
        _ => shown_version,
    };
    let group = match own {
        Some(p) if !p.group_id.is_empty() => Some(p.group_id.clone()),
        _ => identity::group_from_manifest(&a.manifest),
    };

    if !name.is_empty() {
        let mut p = package(files, f, name, version, group.as_deref(), &virtual_path);
        if let Some(own) = own {
            p.set_meta("artifact_id", &own.artifact_id);
        }
        if let Some(main) = a.manifest.get("Main-Class") {
            p.set_meta("main_class", main);
        }
        if let Some(l) = a.manifest.get("Bundle-License") {
            p.licenses = parse_manifest::bundle_licenses(l);
        }
        out.push(p);
    }

    for pom in &a.poms {
        if own.is_some_and(|o| o == pom) || pom.artifact_id.is_empty() {
            continue;
        }
        // The same coordinates as the archive's own identity: already reported.
        if pom.artifact_id == name && pom.version == version && group.as_deref() == Some(pom.group_id.as_str()) {
            continue;
        }
        let vp = format!("{virtual_path}:{}:{}", pom.group_id, pom.artifact_id);
        let group = (!pom.group_id.is_empty()).then_some(pom.group_id.as_str());
        let mut p = package(files, f, &pom.artifact_id, &pom.version, group, &vp);
        p.set_meta("artifact_id", &pom.artifact_id);
        out.push(p);
    }
}

/// A maven package: `pkg:maven/<group>/<name>@<version>`, the group being the name when unknown.
fn package(
    files: &Files<'_>,
    f: &vigil_image::FileRef<'_>,
    name: &str,
    version: &str,
    group: Option<&str>,
    virtual_path: &str,
) -> Package {
    let purl = Purl::new("maven", name, version).namespace(group.unwrap_or(name));
    let mut p = Package::new(PackageType::JavaArchive, name, version, purl, files.location(f), NAME);
    p.set_meta("virtual_path", virtual_path);
    if let Some(g) = group {
        p.set_meta("group_id", g);
    }
    // Two packages of one file differ by their virtual path: keep their ids apart.
    p.id = vigil_types::Digest::sha256_of(format!("{}\0{virtual_path}", p.id).as_bytes()).hex()[..16].to_string();
    p
}
