//! Rust crates: from `Cargo.lock` files (images and directories alike, as Syft does) and from
//! the dependency list `cargo auditable` embeds in executables.

mod parse_auditable;
mod parse_cargo_lock;

use serde::{Deserialize, Serialize};
use vigil_types::{Package, PackageType, Purl};

use crate::elf::{self, Elf};
use crate::{Cataloger, Files, Found, Select};
use parse_auditable::Crate;

const LOCK_NAME: &str = "rust-cargo-lock-cataloger";
const AUDIT_NAME: &str = "cargo-auditable-binary-cataloger";

fn purl(name: &str, version: &str) -> Purl {
    Purl::new("cargo", name, version)
}

/// Reads `Cargo.lock` files.
pub struct CargoLockCataloger;

impl Cataloger for CargoLockCataloger {
    fn name(&self) -> &'static str {
        LOCK_NAME
    }

    fn select(&self, path: &str, _mode: u32, _size: u64) -> Select {
        if path.ends_with("/Cargo.lock") {
            Select::Keep
        } else {
            Select::Skip
        }
    }

    fn catalog(&self, files: &Files<'_>, out: &mut Found) {
        for (f, bytes) in files.iter() {
            let Ok(text) = std::str::from_utf8(&bytes) else {
                out.unknown(files, &f, "Cargo.lock is not UTF-8");
                continue;
            };
            let locked = match parse_cargo_lock::parse(text) {
                Ok(l) => l,
                Err(e) => {
                    out.unknown(files, &f, e);
                    continue;
                }
            };
            for c in locked {
                if c.name.is_empty() || c.version.is_empty() {
                    continue;
                }
                let mut p = Package::new(
                    PackageType::RustCrate,
                    &c.name,
                    &c.version,
                    purl(&c.name, &c.version),
                    files.location(&f),
                    LOCK_NAME,
                );
                // Workspace members and path dependencies have no source: they are local.
                p.set_meta("source", c.source.as_deref().unwrap_or("local"));
                p.set_meta("checksum", c.checksum.as_deref().unwrap_or(""));
                p.set_meta("dependencies", &c.dependencies.join(", "));
                out.push(p);
            }
        }
    }
}

/// Reads the `cargo auditable` dependency list of executables.
pub struct CargoAuditableCataloger;

/// What `extract` keeps: the crates, or why the section is corrupt.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Extract {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    crates: Vec<Crate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

fn extract(data: &[u8]) -> Option<Extract> {
    // O(1) rejection of non-ELF; a garbled ELF header cannot lead to the section: not ours.
    let elf = Elf::parse(data).ok()??;
    Some(match parse_auditable::read_elf(&elf) {
        Ok(Some(crates)) => Extract { crates, error: None },
        Ok(None) => return None,
        Err(e) => Extract {
            crates: Vec::new(),
            error: Some(e.to_string()),
        },
    })
}

impl Cataloger for CargoAuditableCataloger {
    fn name(&self) -> &'static str {
        AUDIT_NAME
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
        for (f, x) in files.decoded::<Extract>(out, "cargo-auditable extract") {
            if let Some(err) = x.error {
                out.unknown(files, &f, err);
                continue;
            }
            for c in &x.crates {
                // As Syft does: build-time crates (build scripts, proc-macros) are not in the
                // program, so only runtime crates are reported.
                if c.kind != "runtime" || c.name.is_empty() || c.version.is_empty() {
                    continue;
                }
                let mut p = Package::new(
                    PackageType::RustCrate,
                    &c.name,
                    &c.version,
                    purl(&c.name, &c.version),
                    files.location(&f),
                    AUDIT_NAME,
                );
                p.set_meta("source", &c.source);
                if c.root {
                    p.set_meta("root", "true");
                }
                let deps: Vec<&str> = c
                    .dependencies
                    .iter()
                    .filter_map(|&i| x.crates.get(i))
                    .map(|d| d.name.as_str())
                    .collect();
                p.set_meta("dependencies", &deps.join(", "));
                out.push(p);
            }
        }
    }
}
