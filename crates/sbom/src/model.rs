//! The SBOM model: everything a scan found, in one value that every format is written from.

use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use vigil_types::{Analysis, Distro, ImageConfig, LayerInfo, Package, SourceInfo, Unknown};

/// The version of the vigil-json schema this crate writes. A document with a larger number is
/// refused by [`crate::decode`]; one with a smaller number is read (fields added since default).
pub const SCHEMA_VERSION: u32 = 1;

/// The name tools and formats give Vigil.
pub const TOOL_NAME: &str = "vigil";

/// The program that produced an SBOM.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    #[serde(default)]
    pub version: String,
}

impl Tool {
    /// This build of Vigil.
    pub fn vigil() -> Tool {
        Tool {
            name: TOOL_NAME.to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// Everything one scan found.
///
/// The model is written once, after cataloging, and not changed afterwards: findings and
/// policy decisions point at packages by [`Package::id`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sbom {
    /// The vigil-json schema version ([`SCHEMA_VERSION`] when written by this crate).
    pub schema_version: u32,
    pub tool: Tool,
    /// When the SBOM was made, RFC 3339 in UTC (`2024-05-01T12:00:00Z`).
    pub created: String,
    pub source: SourceInfo,
    #[serde(default)]
    pub layers: Vec<LayerInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<ImageConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distro: Option<Distro>,
    #[serde(default)]
    pub packages: Vec<Package>,
    #[serde(default)]
    pub unknowns: Vec<Unknown>,
    /// Files, secrets, users and verification results (`vigil sbom --analyze`, `vigil scan`);
    /// only the vigil-json format keeps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<Analysis>,
}

impl Sbom {
    /// An empty SBOM of `source`, made now by this build of Vigil.
    pub fn new(source: SourceInfo) -> Sbom {
        Sbom::new_at(source, now_rfc3339())
    }

    /// An empty SBOM of `source` with a given creation time (for reproducible output).
    pub fn new_at(source: SourceInfo, created: impl Into<String>) -> Sbom {
        Sbom {
            schema_version: SCHEMA_VERSION,
            tool: Tool::vigil(),
            created: created.into(),
            source,
            layers: Vec::new(),
            config: None,
            distro: None,
            packages: Vec::new(),
            unknowns: Vec::new(),
            analysis: None,
        }
    }

    /// True when the source is a directory rather than an image.
    pub fn is_directory(&self) -> bool {
        self.source.scheme == "dir" || self.source.scheme == "file"
    }
}

/// The current time, RFC 3339 in UTC with whole seconds: `2024-05-01T12:00:00Z`.
pub fn now_rfc3339() -> String {
    format_utc(OffsetDateTime::now_utc())
}

/// `created` normalised to `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole seconds), as both CycloneDX and
/// SPDX want it; `None` when it is not an RFC 3339 time.
pub(crate) fn normalized_timestamp(created: &str) -> Option<String> {
    OffsetDateTime::parse(created.trim(), &Rfc3339).ok().map(format_utc)
}

fn format_utc(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_normalised_to_utc_seconds() {
        assert_eq!(
            normalized_timestamp("2024-05-01T14:30:15.123+02:00").as_deref(),
            Some("2024-05-01T12:30:15Z")
        );
        assert_eq!(
            normalized_timestamp("2024-05-01T12:00:00Z").as_deref(),
            Some("2024-05-01T12:00:00Z")
        );
        assert_eq!(normalized_timestamp("yesterday"), None);
        assert_eq!(normalized_timestamp(""), None);
        let now = now_rfc3339();
        assert_eq!(normalized_timestamp(&now), Some(now.clone()));
        assert!(now.ends_with('Z') && now.len() == 20, "{now}");
    }

    #[test]
    fn new_sbom_is_made_by_this_vigil() {
        let s = Sbom::new_at(SourceInfo::default(), "2024-01-02T03:04:05Z");
        assert_eq!(s.schema_version, SCHEMA_VERSION);
        assert_eq!(s.tool.name, "vigil");
        assert_eq!(s.tool.version, env!("CARGO_PKG_VERSION"));
        assert_eq!(s.created, "2024-01-02T03:04:05Z");
        assert!(s.packages.is_empty() && s.unknowns.is_empty());
    }
}
