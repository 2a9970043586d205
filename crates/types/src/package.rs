//! What a cataloger reports: packages, where they were found, and files it could not read.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Digest, Purl};

/// The kind of a package, named as Syft names them where there is a match.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum PackageType {
    Deb,
    Apk,
    Rpm,
    Python,
    Npm,
    JavaArchive,
    GoModule,
    RustCrate,
    Gem,
    PhpComposer,
    Dotnet,
    Binary,
}

impl PackageType {
    /// True for packages installed by the operating system's package manager.
    pub fn is_os(self) -> bool {
        matches!(self, PackageType::Deb | PackageType::Apk | PackageType::Rpm)
    }

    /// The kebab-case name used in Vigil's JSON and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            PackageType::Deb => "deb",
            PackageType::Apk => "apk",
            PackageType::Rpm => "rpm",
            PackageType::Python => "python",
            PackageType::Npm => "npm",
            PackageType::JavaArchive => "java-archive",
            PackageType::GoModule => "go-module",
            PackageType::RustCrate => "rust-crate",
            PackageType::Gem => "gem",
            PackageType::PhpComposer => "php-composer",
            PackageType::Dotnet => "dotnet",
            PackageType::Binary => "binary",
        }
    }

    /// Parses the name [`PackageType::as_str`] gives.
    pub fn from_name(s: &str) -> Option<PackageType> {
        ALL_TYPES.iter().copied().find(|t| t.as_str() == s)
    }
}

const ALL_TYPES: [PackageType; 12] = [
    PackageType::Deb,
    PackageType::Apk,
    PackageType::Rpm,
    PackageType::Python,
    PackageType::Npm,
    PackageType::JavaArchive,
    PackageType::GoModule,
    PackageType::RustCrate,
    PackageType::Gem,
    PackageType::PhpComposer,
    PackageType::Dotnet,
    PackageType::Binary,
];

impl fmt::Display for PackageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A file in the image that is evidence of something, with the layer that last wrote it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Location {
    /// Absolute path inside the image, `/`-separated, starting with `/`.
    pub path: String,
    /// The diff id of the layer that wrote this file (none for a directory source).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<Digest>,
}

impl Location {
    pub fn new(path: impl Into<String>, layer: Option<Digest>) -> Location {
        Location {
            path: path.into(),
            layer,
        }
    }
}

/// One package found in an image or directory.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// Stable id: the same package at the same place gets the same id in every scan.
    pub id: String,
    pub name: String,
    pub version: String,
    #[serde(rename = "type")]
    pub ty: PackageType,
    pub purl: Purl,
    /// Licence expressions or names, as the package declares them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<String>,
    /// The files that are evidence of the package (its database entry, its metadata file).
    pub locations: Vec<Location>,
    /// The diff id of the layer that introduced the package (its first layer with this version).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<Digest>,
    /// The cataloger that found it.
    pub found_by: String,
    /// Files the package owns, as its database lists them (absolute paths).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// Ecosystem-specific facts: `source`, `source_version`, `arch`, `maintainer`, `epoch`, ...
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: BTreeMap<String, String>,
}

impl Package {
    /// A package with its stable id computed from type, name, version and first location.
    pub fn new(ty: PackageType, name: &str, version: &str, purl: Purl, location: Location, found_by: &str) -> Package {
        let mut p = Package {
            id: String::new(),
            name: name.to_string(),
            version: version.to_string(),
            ty,
            purl,
            licenses: Vec::new(),
            layer: location.layer.clone(),
            locations: vec![location],
            found_by: found_by.to_string(),
            files: Vec::new(),
            metadata: BTreeMap::new(),
        };
        p.id = p.compute_id();
        p
    }

    /// Recomputes the stable id; call after changing name, version or the first location.
    pub fn compute_id(&self) -> String {
        let loc = self.locations.first().map_or("", |l| l.path.as_str());
        let key = format!("{}\0{}\0{}\0{}", self.ty, self.name, self.version, loc);
        Digest::sha256_of(key.as_bytes()).hex()[..16].to_string()
    }

    /// Sets a metadata key when the value is not empty.
    pub fn set_meta(&mut self, key: &str, value: &str) {
        if !value.is_empty() {
            self.metadata.insert(key.to_string(), value.to_string());
        }
    }
}

/// A file a cataloger could not read; the scan went on without it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unknown {
    /// Absolute path inside the image (or the source itself for source-level problems).
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<Digest>,
    /// Who gave up: a cataloger name or `image`.
    pub found_by: String,
    pub reason: String,
}
