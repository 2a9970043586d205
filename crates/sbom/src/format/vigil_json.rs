//! vigil-json: the [`Sbom`] model as serde writes it, versioned by `schema_version`.

use serde_json::Value;

use crate::{EncodeOptions, Format, Sbom, SbomError, SCHEMA_VERSION};

pub(crate) fn encode(sbom: &Sbom, options: EncodeOptions) -> Result<Vec<u8>, SbomError> {
    let r = if options.compact {
        serde_json::to_vec(sbom)
    } else {
        serde_json::to_vec_pretty(sbom)
    };
    r.map_err(|e| SbomError::Unencodable {
        format: Format::VigilJson,
        message: e.to_string(),
    })
}

/// Reads a document `decode` recognised as vigil-json: the version is checked on the parsed
/// value first, so a newer document gets a version error rather than a confusing field error;
/// the bytes are then parsed into the model, so a shape error has a line and column.
pub(crate) fn decode(bytes: &[u8], value: &Value, name: &str) -> Result<Sbom, SbomError> {
    let version = value.get("schema_version");
    match version.and_then(Value::as_u64) {
        Some(v) if v > u64::from(SCHEMA_VERSION) => Err(SbomError::NewerSchema {
            input: name.to_string(),
            found: v,
            supported: SCHEMA_VERSION,
        }),
        Some(v) if v >= 1 => serde_json::from_slice::<Sbom>(bytes)
            .map_err(|e| SbomError::json(name, "not a valid vigil-json document", &e)),
        _ => Err(SbomError::Invalid {
            input: name.to_string(),
            format: Format::VigilJson,
            path: "$.schema_version".to_string(),
            message: format!(
                "expected a schema version from 1 to {SCHEMA_VERSION}, found {}",
                version.map_or_else(|| "nothing".to_string(), Value::to_string)
            ),
        }),
    }
}
