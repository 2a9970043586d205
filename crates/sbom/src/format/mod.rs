//! The formats an [`Sbom`](crate::Sbom) is written in and read from.

use std::fmt;
use std::str::FromStr;

use vigil_types::PackageType;

use crate::SbomError;

pub(crate) mod cyclonedx_json;
pub(crate) mod spdx_json;
pub(crate) mod table;
pub(crate) mod vigil_json;
mod walk;

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// CycloneDX 1.6, JSON.
    CycloneDxJson,
    /// SPDX 2.3, JSON.
    SpdxJson,
    /// Vigil's own JSON: the whole model, nothing lost.
    VigilJson,
    /// A table for people (write only).
    Table,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 4] = [
        Format::Table,
        Format::VigilJson,
        Format::CycloneDxJson,
        Format::SpdxJson,
    ];

    /// The canonical name, as `-o` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Format::CycloneDxJson => "cyclonedx-json",
            Format::SpdxJson => "spdx-json",
            Format::VigilJson => "vigil-json",
            Format::Table => "table",
        }
    }

    /// True for the formats [`crate::decode`] reads back.
    pub fn is_decodable(self) -> bool {
        !matches!(self, Format::Table)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = SbomError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "cyclonedx-json" | "cyclonedx" | "cdx" => Ok(Format::CycloneDxJson),
            "spdx-json" | "spdx" => Ok(Format::SpdxJson),
            "vigil-json" | "json" => Ok(Format::VigilJson),
            "table" => Ok(Format::Table),
            _ => Err(SbomError::UnknownFormatName(s.to_string())),
        }
    }
}

/// The package type a purl type stands for.
pub(crate) fn type_from_purl(purl_type: &str) -> PackageType {
    match purl_type {
        "deb" => PackageType::Deb,
        "apk" => PackageType::Apk,
        "rpm" => PackageType::Rpm,
        "pypi" => PackageType::Python,
        "npm" => PackageType::Npm,
        "maven" => PackageType::JavaArchive,
        "golang" => PackageType::GoModule,
        "cargo" => PackageType::RustCrate,
        "gem" => PackageType::Gem,
        "composer" => PackageType::PhpComposer,
        "nuget" => PackageType::Dotnet,
        _ => PackageType::Binary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purl_types_map_to_package_types() {
        for (t, want) in [
            ("deb", PackageType::Deb),
            ("apk", PackageType::Apk),
            ("rpm", PackageType::Rpm),
            ("pypi", PackageType::Python),
            ("npm", PackageType::Npm),
            ("maven", PackageType::JavaArchive),
            ("golang", PackageType::GoModule),
            ("cargo", PackageType::RustCrate),
            ("gem", PackageType::Gem),
            ("composer", PackageType::PhpComposer),
            ("nuget", PackageType::Dotnet),
            ("generic", PackageType::Binary),
            ("github", PackageType::Binary),
        ] {
            assert_eq!(type_from_purl(t), want, "{t}");
        }
    }

    #[test]
    fn names_and_aliases() {
        for (s, f) in [
            ("cyclonedx-json", Format::CycloneDxJson),
            ("cyclonedx", Format::CycloneDxJson),
            ("CDX", Format::CycloneDxJson),
            ("spdx-json", Format::SpdxJson),
            ("spdx", Format::SpdxJson),
            ("vigil-json", Format::VigilJson),
            ("json", Format::VigilJson),
            ("table", Format::Table),
        ] {
            assert_eq!(s.parse::<Format>().ok(), Some(f), "{s}");
        }
        for f in Format::ALL {
            assert_eq!(f.to_string().parse::<Format>().ok(), Some(f));
        }
        let err = "xml".parse::<Format>().err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "unknown SBOM format \"xml\"; expected one of: cyclonedx-json (or cyclonedx, cdx), \
                 spdx-json (or spdx), vigil-json (or json), table"
            )
        );
    }
}
