//! The SBOM model and its formats.
//!
//! This crate owns [`Sbom`] — everything a scan found: the source, its layers and configuration,
//! the distribution, the packages and the files that could not be read — and the formats it is
//! written in and read from:
//!
//! - `vigil-json`: the whole model, versioned by [`SCHEMA_VERSION`]; nothing is lost.
//! - `cyclonedx-json`: CycloneDX 1.6, with Vigil's facts as `vigil:` properties in Syft's style.
//! - `spdx-json`: SPDX 2.3.
//! - `table`: NAME, VERSION, TYPE for people (write only).
//!
//! [`decode`] reads vigil-json, CycloneDX JSON and SPDX JSON — Vigil's own or another tool's,
//! such as Syft's — telling them apart by their content.
//!
//! ```
//! use vigil_sbom::{decode, encode, Format, Sbom};
//! use vigil_types::{Location, Package, PackageType, Purl, SourceInfo};
//!
//! let source = SourceInfo { scheme: "dir".into(), input: "dir:.".into(), name: ".".into(), ..Default::default() };
//! let mut sbom = Sbom::new_at(source, "2024-05-01T12:00:00Z");
//! let purl = Purl::new("pypi", "six", "1.16.0");
//! sbom.packages.push(Package::new(PackageType::Python, "six", "1.16.0", purl,
//!     Location::new("/usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA", None), "python-cataloger"));
//!
//! let mut out = Vec::new();
//! encode(&sbom, Format::CycloneDxJson, &mut out)?;
//! let back = decode(&out, "sbom.cdx.json")?;
//! assert_eq!(back.packages[0].purl.to_string(), "pkg:pypi/six@1.16.0");
//! # Ok::<(), vigil_sbom::SbomError>(())
//! ```

mod error;
mod format;
mod license;
mod model;

use std::io::Write;

use serde_json::Value;

pub use error::SbomError;
pub use format::cyclonedx_json::{cyclonedx_bom, CycloneDxBom};
pub use format::Format;
pub use model::{now_rfc3339, Sbom, Tool, SCHEMA_VERSION, TOOL_NAME};

/// How to write JSON formats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EncodeOptions {
    /// One line instead of indented JSON (ignored by the table).
    pub compact: bool,
}

/// Writes `sbom` in `format` (JSON pretty-printed).
pub fn encode(sbom: &Sbom, format: Format, out: &mut dyn Write) -> Result<(), SbomError> {
    encode_with(sbom, format, EncodeOptions::default(), out)
}

/// Writes `sbom` in `format` with options.
///
/// Output is deterministic: the same `Sbom` gives the same bytes, except CycloneDX's
/// `serialNumber` and SPDX's `documentNamespace`, which are unique per document. Times come from
/// [`Sbom::created`], never the clock.
pub fn encode_with(sbom: &Sbom, format: Format, options: EncodeOptions, out: &mut dyn Write) -> Result<(), SbomError> {
    let mut bytes = match format {
        Format::VigilJson => format::vigil_json::encode(sbom, options)?,
        Format::CycloneDxJson => format::cyclonedx_json::encode(sbom, options)?,
        Format::SpdxJson => format::spdx_json::encode(sbom, options)?,
        Format::Table => format::table::render(sbom).into_bytes(),
    };
    if format != Format::Table {
        bytes.push(b'\n');
    }
    out.write_all(&bytes)
        .and_then(|()| out.flush())
        .map_err(|source| SbomError::Write { format, source })
}

/// Reads an SBOM in vigil-json, CycloneDX JSON or SPDX JSON, told apart by content. `name`
/// (a file name, `-` for standard input) is used in errors.
pub fn decode(bytes: &[u8], name: &str) -> Result<Sbom, SbomError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let value: Value = serde_json::from_slice(bytes).map_err(|e| SbomError::json(name, "not valid JSON", &e))?;
    match sniff(&value, name)? {
        Format::VigilJson => format::vigil_json::decode(bytes, &value, name),
        Format::CycloneDxJson => format::cyclonedx_json::decode(&value, name),
        Format::SpdxJson => format::spdx_json::decode(&value, name),
        Format::Table => Err(unknown(name, &value)),
    }
}

/// Which format a parsed document is in.
fn sniff(value: &Value, name: &str) -> Result<Format, SbomError> {
    let Some(obj) = value.as_object() else {
        return Err(unknown(name, value));
    };
    if let Some(bf) = obj.get("bomFormat") {
        return match bf.as_str() {
            Some("CycloneDX") => Ok(Format::CycloneDxJson),
            _ => Err(SbomError::UnknownFormat {
                input: name.to_string(),
                found: format!("bomFormat is {bf}, not \"CycloneDX\""),
            }),
        };
    }
    if obj.contains_key("spdxVersion") {
        return Ok(Format::SpdxJson);
    }
    if obj.contains_key("schema_version") && obj.contains_key("packages") {
        return Ok(Format::VigilJson);
    }
    Err(unknown(name, value))
}

fn unknown(name: &str, value: &Value) -> SbomError {
    let found = match value {
        Value::Object(m) if m.is_empty() => "an empty JSON object".to_string(),
        Value::Object(m) => {
            let keys: Vec<String> = m.keys().take(6).map(|k| format!("{k:?}")).collect();
            let more = if m.len() > 6 { ", ..." } else { "" };
            format!("a JSON object with keys {}{more}", keys.join(", "))
        }
        Value::Array(_) => "a JSON array".to_string(),
        Value::String(_) => "a JSON string".to_string(),
        Value::Number(_) => "a JSON number".to_string(),
        Value::Bool(_) => "a JSON boolean".to_string(),
        Value::Null => "JSON null".to_string(),
    };
    SbomError::UnknownFormat {
        input: name.to_string(),
        found,
    }
}
