//! The CycloneDX and SPDX encoders' output validated against the official JSON schemas
//! (vendored under tests/schemas, see the README there), with no network access.

mod common;

use std::collections::HashMap;
use std::path::PathBuf;

use jsonschema::{Retrieve, Uri, Validator};
use serde_json::Value;
use vigil_sbom::{Format, Sbom};

fn schema_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/schemas")
}

fn load(name: &str) -> Value {
    let path = schema_dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Serves the schemas the CycloneDX schema references from the vendored copies; anything else
/// is an error (no network).
struct Local(HashMap<String, Value>);

impl Retrieve for Local {
    fn retrieve(&self, uri: &Uri<String>) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        self.0
            .get(uri.as_str())
            .cloned()
            .ok_or_else(|| format!("schema {uri} is not vendored").into())
    }
}

fn cyclonedx_validator() -> Validator {
    let mut local = HashMap::new();
    for name in ["spdx.schema.json", "jsf-0.82.schema.json"] {
        local.insert(format!("http://cyclonedx.org/schema/{name}"), load(name));
    }
    jsonschema::options()
        .with_retriever(Local(local))
        .should_validate_formats(true)
        .build(&load("bom-1.6.schema.json"))
        .expect("CycloneDX 1.6 schema compiles")
}

fn spdx_validator() -> Validator {
    jsonschema::options()
        .with_retriever(Local(HashMap::new()))
        .should_validate_formats(true)
        .build(&load("spdx-schema.json"))
        .expect("SPDX 2.3 schema compiles")
}

fn errors(validator: &Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn encoded(sbom: &Sbom, format: Format) -> Value {
    serde_json::from_str(&common::encode_to_string(sbom, format)).expect("output is JSON")
}

#[test]
fn cyclonedx_output_is_valid_cyclonedx_1_6() {
    let v = cyclonedx_validator();
    for sbom in [common::sample_sbom(), common::directory_sbom()] {
        let doc = encoded(&sbom, Format::CycloneDxJson);
        assert_eq!(errors(&v, &doc), Vec::<String>::new());
        // Not vacuous: the document has what the schema checks.
        assert_eq!(doc["specVersion"], "1.6");
        let comps = doc["components"].as_array().expect("components");
        assert_eq!(comps.len(), sbom.packages.len() + 1);
        assert!(comps.iter().any(|c| c["licenses"][0]["expression"] == "MIT OR CC0-1.0"));
        assert!(comps
            .iter()
            .any(|c| c["licenses"][0]["license"]["name"] == "Apache 2.0"));
    }
}

#[test]
fn spdx_output_is_valid_spdx_2_3() {
    let v = spdx_validator();
    for sbom in [common::sample_sbom(), common::directory_sbom()] {
        let doc = encoded(&sbom, Format::SpdxJson);
        assert_eq!(errors(&v, &doc), Vec::<String>::new());
        assert_eq!(doc["spdxVersion"], "SPDX-2.3");
        let pkgs = doc["packages"].as_array().expect("packages");
        // root + packages + distro
        assert_eq!(pkgs.len(), sbom.packages.len() + 2);
        assert!(doc["hasExtractedLicensingInfos"]
            .as_array()
            .is_some_and(|a| !a.is_empty()));
    }
}

#[test]
fn empty_sboms_are_valid_too() {
    let sbom = Sbom::new_at(vigil_types::SourceInfo::default(), "2024-05-01T12:00:00Z");
    assert_eq!(
        errors(&cyclonedx_validator(), &encoded(&sbom, Format::CycloneDxJson)),
        Vec::<String>::new()
    );
    assert_eq!(
        errors(&spdx_validator(), &encoded(&sbom, Format::SpdxJson)),
        Vec::<String>::new()
    );
}

#[test]
fn awkward_names_and_licences_stay_valid() {
    let mut sbom = common::sample_sbom();
    let p = &mut sbom.packages[0];
    p.name = "weird name/with spaces+plus@at\u{e9}".to_string();
    p.licenses = vec![
        "GPL-2.0-or-later WITH Classpath-exception-2.0".to_string(),
        "see LICENSE.txt (c) 2024 \"quoted\"".to_string(),
        String::new(),
    ];
    p.version = String::new();
    sbom.packages[1].licenses = vec!["mit and isc".to_string(), "Apache-2.0".to_string()];
    assert_eq!(
        errors(&cyclonedx_validator(), &encoded(&sbom, Format::CycloneDxJson)),
        Vec::<String>::new()
    );
    let doc = encoded(&sbom, Format::SpdxJson);
    assert_eq!(errors(&spdx_validator(), &doc), Vec::<String>::new());
    assert_eq!(doc["packages"][2]["licenseDeclared"], "(MIT AND ISC) AND Apache-2.0");
}

#[test]
fn every_license_ref_used_is_defined() {
    let doc = encoded(&common::sample_sbom(), Format::SpdxJson);
    let defined: Vec<&str> = doc["hasExtractedLicensingInfos"]
        .as_array()
        .expect("defined")
        .iter()
        .map(|l| l["licenseId"].as_str().expect("id"))
        .collect();
    let mut used = Vec::new();
    for p in doc["packages"].as_array().expect("packages") {
        let declared = p["licenseDeclared"].as_str().expect("declared");
        for word in declared.split([' ', '(', ')']) {
            if word.starts_with("LicenseRef-") {
                assert!(defined.contains(&word), "{word} is used but not defined");
                used.push(word);
            }
        }
    }
    used.sort_unstable();
    used.dedup();
    let mut defined_sorted = defined.clone();
    defined_sorted.sort_unstable();
    assert_eq!(used, defined_sorted, "every definition is used");
    assert_eq!(
        defined_sorted,
        vec![
            "LicenseRef-Apache-2.0",
            "LicenseRef-Artistic",
            "LicenseRef-GPL-1-",
            "LicenseRef-MIT-like",
            "LicenseRef-permissive"
        ]
    );
}

/// The validators are not vacuous: they accept a real Syft document and reject broken ones.
#[test]
fn validators_accept_syft_and_reject_broken_documents() {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/syft");
    let read = |n: &str| -> Value {
        serde_json::from_slice(&std::fs::read(fixtures.join(n)).expect("fixture")).expect("json")
    };
    let cdx = cyclonedx_validator();
    let spdx = spdx_validator();
    assert_eq!(errors(&cdx, &read("cyclonedx.json")), Vec::<String>::new());
    assert_eq!(errors(&spdx, &read("spdx.json")), Vec::<String>::new());

    let mut doc = encoded(&common::sample_sbom(), Format::CycloneDxJson);
    doc["components"][0]["licenses"][0]["license"] = serde_json::json!({"id": "Not-A-Licence"});
    doc["serialNumber"] = Value::String("not a urn".to_string());
    let errs = errors(&cdx, &doc);
    assert!(errs.iter().any(|e| e.starts_with("/serialNumber")), "{errs:?}");
    assert!(errs.iter().any(|e| e.starts_with("/components/0/licenses")), "{errs:?}");

    let mut doc = encoded(&common::sample_sbom(), Format::SpdxJson);
    doc["packages"][1]["primaryPackagePurpose"] = Value::String("OPERATING-SYSTEM".to_string());
    let obj = doc.as_object_mut().expect("object");
    obj.remove("creationInfo");
    let errs = errors(&spdx, &doc);
    assert!(errs.iter().any(|e| e.contains("creationInfo")), "{errs:?}");
    assert!(
        errs.iter().any(|e| e.starts_with("/packages/1/primaryPackagePurpose")),
        "{errs:?}"
    );
}

/// Another tool's SBOM, read and written again in either format, is still valid.
#[test]
fn converted_foreign_documents_are_valid() {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let cdx = cyclonedx_validator();
    let spdx = spdx_validator();
    for (name, packages) in [
        ("syft/cyclonedx.json", 16),
        ("syft/spdx.json", 16),
        ("trivy/cyclonedx.json", 7),
        ("trivy/spdx.json", 7),
    ] {
        let bytes = std::fs::read(fixtures.join(name)).expect("fixture");
        let sbom = vigil_sbom::decode(&bytes, name).expect("decode");
        assert_eq!(sbom.packages.len(), packages, "{name}");
        assert_eq!(
            errors(&cdx, &encoded(&sbom, Format::CycloneDxJson)),
            Vec::<String>::new(),
            "{name} as CycloneDX"
        );
        assert_eq!(
            errors(&spdx, &encoded(&sbom, Format::SpdxJson)),
            Vec::<String>::new(),
            "{name} as SPDX"
        );
    }
}
