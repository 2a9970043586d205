//! The dependency list `cargo auditable` embeds in Rust executables: an ELF section `.dep-v0`
//! holding zlib-compressed JSON,
//! `{"packages":[{"name","version","source","kind","dependencies":[index...],"root":bool}]}`
//! (`kind` is `runtime` when absent, `root` false when absent).

use std::io::Read;

use flate2::read::ZlibDecoder;
use serde::{Deserialize, Serialize};

use crate::elf::Elf;

/// Most bytes the section may inflate to. Real lists are a few KB to a few hundred KB.
pub(crate) const MAX_INFLATED: u64 = 8 << 20;

/// One crate as `cargo auditable` records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Crate {
    pub name: String,
    pub version: String,
    /// `crates.io`, `local`, `git`, `registry`, or another source kind.
    #[serde(default)]
    pub source: String,
    /// `runtime` (linked into the program) or `build` (build scripts, proc-macros).
    #[serde(default = "runtime", skip_serializing_if = "is_runtime")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<usize>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub root: bool,
}

fn runtime() -> String {
    "runtime".to_string()
}

fn is_runtime(k: &str) -> bool {
    k == "runtime"
}

#[derive(Deserialize)]
struct VersionInfo {
    packages: Vec<Crate>,
}

/// Why an auditable section could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum AuditError {
    #[error("cargo-auditable section lies outside the file")]
    Bounds,
    #[error("cargo-auditable data inflates past the cap of {0} bytes")]
    TooBig(u64),
    #[error("cargo-auditable data is not valid zlib: {0}")]
    Zlib(String),
    #[error("cargo-auditable data is not the expected JSON: {0}")]
    Json(String),
}

/// The crates of an ELF file: `Ok(None)` when it has no `.dep-v0` section.
pub(crate) fn read_elf(elf: &Elf<'_>) -> Result<Option<Vec<Crate>>, AuditError> {
    let Some(sec) = elf.section_by_name(b".dep-v0") else {
        return Ok(None);
    };
    let compressed = elf.section_data(&sec).map_err(|_| AuditError::Bounds)?;
    parse(compressed).map(Some)
}

/// Inflates (at most [`MAX_INFLATED`] bytes) and parses the section's content.
pub(crate) fn parse(compressed: &[u8]) -> Result<Vec<Crate>, AuditError> {
    let mut json = Vec::new();
    ZlibDecoder::new(compressed)
        .take(MAX_INFLATED + 1)
        .read_to_end(&mut json)
        .map_err(|e| AuditError::Zlib(e.to_string()))?;
    if json.len() as u64 > MAX_INFLATED {
        return Err(AuditError::TooBig(MAX_INFLATED));
    }
    let info: VersionInfo = serde_json::from_slice(&json).map_err(|e| AuditError::Json(e.to_string()))?;
    Ok(info.packages)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::write::ZlibEncoder;
    use flate2::Compression;

    use super::*;
    use crate::elf::build;

    fn zlib(b: &[u8]) -> Vec<u8> {
        let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
        e.write_all(b).expect("write to a Vec");
        e.finish().expect("finish")
    }

    #[test]
    fn reads_the_section() {
        // The JSON cargo-auditable 0.7.7 wrote for the fixture program (tests/fixtures/rust).
        let json = br#"{"packages":[{"name":"itoa","version":"1.0.19","source":"crates.io"},{"name":"tinyapp","version":"0.1.0","source":"local","dependencies":[0],"root":true}],"format":1}"#;
        let file = build::elf64(&[(".text", b"\xc3"), (".dep-v0", &zlib(json))], None);
        let elf = Elf::parse(&file).expect("ok").expect("elf");
        let crates = read_elf(&elf).expect("ok").expect("auditable");
        assert_eq!(crates.len(), 2);
        assert_eq!(
            (crates[0].name.as_str(), crates[0].version.as_str()),
            ("itoa", "1.0.19")
        );
        assert_eq!(crates[0].source, "crates.io");
        assert_eq!(crates[0].kind, "runtime");
        assert!(!crates[0].root && crates[1].root);
        assert_eq!(crates[1].dependencies, vec![0]);
    }

    #[test]
    fn without_the_section_is_none() {
        let file = build::elf64(&[(".text", b"\xc3")], None);
        let elf = Elf::parse(&file).expect("ok").expect("elf");
        assert_eq!(read_elf(&elf), Ok(None));
    }

    #[test]
    fn a_zlib_bomb_hits_the_cap() {
        // 64 MB of zeros compress to ~64 KB; inflating stops at the cap.
        let mut e = ZlibEncoder::new(Vec::new(), Compression::best());
        let zeros = vec![b' '; 1 << 20];
        for _ in 0..64 {
            e.write_all(&zeros).expect("write");
        }
        let bomb = e.finish().expect("finish");
        assert!(bomb.len() < 1 << 20);
        assert_eq!(parse(&bomb), Err(AuditError::TooBig(MAX_INFLATED)));
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(matches!(parse(b"not zlib at all"), Err(AuditError::Zlib(_))));
        assert!(matches!(parse(&zlib(b"{\"packages\": 3}")), Err(AuditError::Json(_))));
        let full = zlib(br#"{"packages":[]}"#);
        assert!(matches!(parse(&full[..full.len() / 2]), Err(AuditError::Zlib(_))));
        assert_eq!(parse(&full), Ok(vec![]));
    }
}
