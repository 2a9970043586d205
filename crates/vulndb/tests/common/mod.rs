//! Helpers shared by the integration tests: fixture paths, zips built from fixture folders, and a
//! stand-in for the per-ecosystem version check.

#![allow(dead_code)]

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use vigil_vulndb::{basic_version_check, RangeKind};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The fixture folder of one ecosystem in the bucket mirror.
pub fn osv(ecosystem: &str) -> PathBuf {
    fixtures().join("osv").join(ecosystem)
}

/// The bucket mirror's ecosystems.
pub const BUCKET: [&str; 12] = [
    "Alpine",
    "Debian",
    "Go",
    "Hex",
    "Maven",
    "NuGet",
    "Packagist",
    "PyPI",
    "RubyGems",
    "Ubuntu",
    "crates.io",
    "npm",
];

/// A zip of `(name, content)` entries.
pub fn zip_entries(entries: &[(&str, &[u8])], method: CompressionMethod) -> Vec<u8> {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(method);
    for (name, data) in entries {
        w.start_file(*name, opts).expect("start entry");
        w.write_all(data).expect("write entry");
    }
    w.finish().expect("finish zip").into_inner()
}

/// The `all.zip` of a fixture folder: one deflated entry per record, named `<ID>.json`.
pub fn all_zip(dir: &Path) -> Vec<u8> {
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("read fixture dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let name = p.file_name().expect("file name").to_string_lossy().into_owned();
            (name, std::fs::read(&p).expect("read fixture"))
        })
        .collect();
    files.sort();
    let entries: Vec<(&str, &[u8])> = files.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
    zip_entries(&entries, CompressionMethod::Deflated)
}

/// Writes `<dir>/<Ecosystem>-all.zip` for each named fixture folder; returns the paths.
pub fn write_zips(dir: &Path, ecosystems: &[&str]) -> Vec<PathBuf> {
    ecosystems
        .iter()
        .map(|e| {
            let path = dir.join(format!("{e}-all.zip"));
            std::fs::write(&path, all_zip(&osv(e))).expect("write zip");
            path
        })
        .collect()
}

/// The tests' stand-in for the real version check: the basic check, and PyPI `ECOSYSTEM`
/// versions must start with a digit (as PEP 440 versions do, epochs included).
pub fn standin_check(ecosystem: &str, kind: RangeKind, version: &str) -> Result<(), String> {
    basic_version_check(ecosystem, kind, version)?;
    if ecosystem == "PyPI" && kind == RangeKind::Ecosystem && !version.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("a PEP 440 version starts with a digit".into());
    }
    Ok(())
}

/// Names of the files in a directory (to check that a failed build leaves nothing behind).
pub fn dir_listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("dir entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
