//! Go programs: the modules compiled into an executable, from the build information the Go
//! linker embeds (`go version -m` shows the same), plus the Go standard library as `stdlib`.

mod parse_buildinfo;
mod parse_modinfo;

use serde::{Deserialize, Serialize};
use vigil_types::{Location, Package, PackageType, Purl};

use crate::elf::{self, Elf};
use crate::{Cataloger, Files, Found, Select};
use parse_modinfo::{ModInfo, Module};

const NAME: &str = "go-module-binary-cataloger";

/// Finds Go modules in executables.
pub struct GoBinaryCataloger;

/// What `extract` keeps of an executable: the decoded build information, or why it is corrupt.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Extract {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    go_version: String,
    /// Architecture from the ELF header (used when the `GOARCH` setting is missing).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    arch: String,
    #[serde(default)]
    info: ModInfo,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Reads the build information of `data`: `None` when it is not a Go executable.
fn extract(data: &[u8]) -> Option<Extract> {
    // O(1) rejection of everything that is not ELF.
    if !data.starts_with(elf::MAGIC) {
        return None;
    }
    let found = match Elf::parse(data) {
        Ok(Some(elf)) => parse_buildinfo::read_elf(&elf).map(|r| r.map(|r| (r, elf.go_arch().unwrap_or("")))),
        Ok(None) => return None,
        // Garbled ELF headers: only a Go program if its blob is somewhere, so look for it
        // (rare files; a fast substring search).
        Err(_) => match memchr::memmem::find(data, parse_buildinfo::MAGIC) {
            Some(at) => parse_buildinfo::decode(&data[at..], &|_, _| None, false).map(|r| Some((r, ""))),
            None => return None,
        },
    };
    Some(match found {
        Ok(Some((raw, arch))) => Extract {
            info: parse_modinfo::parse(&raw.modinfo),
            go_version: raw.go_version,
            arch: arch.to_string(),
            error: None,
        },
        Ok(None) => return None,
        Err(e) => Extract {
            error: Some(e.to_string()),
            ..Extract::default()
        },
    })
}

impl Cataloger for GoBinaryCataloger {
    fn name(&self) -> &'static str {
        NAME
    }

    fn select(&self, _path: &str, mode: u32, size: u64) -> Select {
        if elf::is_exec_candidate(mode, size) {
            Select::Extract
        } else {
            Select::Skip
        }
    }

    fn extract(&self, _path: &str, data: &[u8]) -> Option<Vec<u8>> {
        extract(data).and_then(|e| serde_json::to_vec(&e).ok())
    }

    fn catalog(&self, files: &Files<'_>, out: &mut Found) {
        for (f, x) in files.decoded::<Extract>(out, "Go build information extract") {
            if let Some(err) = x.error {
                out.unknown(files, &f, err);
                continue;
            }
            packages(&x, files.location(&f), out);
        }
    }
}

/// `pkg:golang/<all but the last path segment>/<last segment>@<version>`.
fn purl(path: &str, version: &str) -> Purl {
    match path.rsplit_once('/') {
        Some((ns, name)) => Purl::new("golang", name, version).namespace(ns),
        None => Purl::new("golang", path, version),
    }
}

/// A dependency after replacement: the replacement's path and version, except that a local
/// directory (`=> ../dir`) is not a module path, so the original path is kept with the
/// directory's version (`(devel)`).
fn effective(dep: &Module) -> (&str, &str, &str) {
    match dep.replace.as_deref() {
        Some(r) if r.path.starts_with('.') || r.path.starts_with('/') => (
            dep.path.as_str(),
            if r.version.is_empty() { "(devel)" } else { &r.version },
            "",
        ),
        Some(r) => (r.path.as_str(), r.version.as_str(), r.sum.as_str()),
        None => (dep.path.as_str(), dep.version.as_str(), dep.sum.as_str()),
    }
}

fn packages(x: &Extract, location: Location, out: &mut Found) {
    let info = &x.info;
    let arch = info.setting("GOARCH").unwrap_or(&x.arch);
    let main_path = info.main.as_ref().map_or("", |m| m.path.as_str());
    let settings = info.settings_joined();
    let base = |p: &mut Package| {
        p.set_meta("go_version", &x.go_version);
        p.set_meta("architecture", arch);
        p.set_meta("main_module", main_path);
    };
    if let Some(main) = &info.main {
        if !main.path.is_empty() {
            let version = if main.version.is_empty() {
                "(devel)"
            } else {
                &main.version
            };
            let mut p = Package::new(
                PackageType::GoModule,
                &main.path,
                version,
                purl(&main.path, version),
                location.clone(),
                NAME,
            );
            base(&mut p);
            p.set_meta("main", "true");
            p.set_meta("h1_digest", &main.sum);
            p.set_meta("build_settings", &settings);
            out.push(p);
        }
    }
    for dep in &info.deps {
        let (path, version, sum) = effective(dep);
        if path.is_empty() {
            continue;
        }
        let mut p = Package::new(
            PackageType::GoModule,
            path,
            version,
            purl(path, version),
            location.clone(),
            NAME,
        );
        base(&mut p);
        p.set_meta("h1_digest", sum);
        if let Some(r) = &dep.replace {
            let replace = format!("{} {} => {} {}", dep.path, dep.version, r.path, r.version);
            p.set_meta("replace", replace.trim_end());
        }
        out.push(p);
    }
    // The standard library, as Syft reports it: version `go1.22.1`, purl version `1.22.1`
    // (experiments such as ` X:boringcrypto` dropped).
    let toolchain = x.go_version.split_whitespace().next().unwrap_or("");
    if let Some(v) = toolchain
        .strip_prefix("go")
        .filter(|v| v.starts_with(|c: char| c.is_ascii_digit()))
    {
        let mut p = Package::new(
            PackageType::GoModule,
            "stdlib",
            toolchain,
            Purl::new("golang", "stdlib", v),
            location,
            NAME,
        );
        base(&mut p);
        p.set_meta("build_settings", &settings);
        out.push(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls_split_the_module_path() {
        assert_eq!(
            purl("gopkg.in/yaml.v3", "v3.0.1").to_string(),
            "pkg:golang/gopkg.in/yaml.v3@v3.0.1"
        );
        assert_eq!(
            purl("github.com/opencontainers/runc", "v1.1.12").to_string(),
            "pkg:golang/github.com/opencontainers/runc@v1.1.12"
        );
        assert_eq!(
            purl("example.com/app", "(devel)").to_string(),
            "pkg:golang/example.com/app@%28devel%29"
        );
        assert_eq!(purl("stdlib", "1.22.1").to_string(), "pkg:golang/stdlib@1.22.1");
    }

    #[test]
    fn non_elf_and_non_go_are_not_extracted() {
        assert!(extract(b"#!/bin/sh\necho hi\n").is_none());
        assert!(
            extract(b"\x7fELF").is_none(),
            "garbled ELF without the Go magic is simply not Go"
        );
        let plain = crate::elf::build::elf64(&[(".text", b"\xc3")], Some(0x1000));
        assert!(extract(&plain).is_none());
    }

    #[test]
    fn architecture_falls_back_to_the_elf_header() {
        let m = "path\tx\nmod\tx\t(devel)\t\n";
        let mut blob = parse_buildinfo::MAGIC.to_vec();
        blob.extend_from_slice(&[8, 2]);
        blob.resize(32, 0);
        blob.push(8);
        blob.extend_from_slice(b"go1.22.1");
        blob.push(m.len() as u8);
        blob.extend_from_slice(m.as_bytes());
        let file = crate::elf::build::elf64(&[(".go.buildinfo", &blob)], Some(0x1000));
        let x = extract(&file).expect("go");
        assert_eq!(x.arch, "amd64");
        assert_eq!(x.info.setting("GOARCH"), None);
        let mut found = Found::default();
        packages(&x, Location::new("/x", None), &mut found);
        let got: Vec<(&str, &str, &str)> = found
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.version.as_str(), p.metadata["architecture"].as_str()))
            .collect();
        assert_eq!(got, vec![("x", "(devel)", "amd64"), ("stdlib", "go1.22.1", "amd64")]);
    }

    #[test]
    fn garbled_elf_with_a_go_blob_is_corrupt() {
        // ELF magic, a bogus class, and a pointer-format blob that cannot be resolved.
        let mut data = b"\x7fELF\x09\x01".to_vec();
        data.resize(64, 0);
        data.extend_from_slice(parse_buildinfo::MAGIC);
        data.extend_from_slice(&[8, 0]);
        data.resize(128, 0x41);
        let x = extract(&data).expect("claims Go");
        assert!(x.error.as_deref().is_some_and(|e| e.contains("not mapped")), "{x:?}");
    }
}
