//! Bad input gives a clear error naming the input and the place — never a panic.

mod common;

use serde_json::{json, Value};
use vigil_sbom::{decode, encode, Format, SbomError};

use common::{encode_to_string, sample_sbom};

fn err(bytes: &[u8], name: &str) -> SbomError {
    match decode(bytes, name) {
        Ok(s) => panic!("{name}: decoded {} packages from bad input", s.packages.len()),
        Err(e) => e,
    }
}

fn encoded_value(format: Format) -> Value {
    serde_json::from_str(&encode_to_string(&sample_sbom(), format)).expect("json")
}

fn bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec_pretty(v).expect("json")
}

#[test]
fn garbage_is_not_json() {
    let e = err(b"\x7fELF\x02\x01\x01garbage", "/tmp/app.bin");
    assert!(matches!(e, SbomError::Json { line: 1, column: 1, .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "/tmp/app.bin: not valid JSON at line 1, column 1: expected value"
    );

    let e = err(b"", "empty.json");
    assert_eq!(
        e.to_string(),
        "empty.json: not valid JSON at line 1, column 0: EOF while parsing a value"
    );

    let e = err(b"{\n  \"bomFormat\": \"CycloneDX\",\n  \"specVersion\": ", "cut.json");
    assert!(
        matches!(e, SbomError::Json { line: 3, .. }),
        "truncated input points at its end: {e}"
    );
    assert!(
        e.to_string()
            .starts_with("cut.json: not valid JSON at line 3, column 17"),
        "{e}"
    );

    // A table is for people, not for decode.
    let table = encode_to_string(&sample_sbom(), Format::Table);
    let e = err(table.as_bytes(), "sbom.txt");
    assert!(e.to_string().starts_with("sbom.txt: not valid JSON at line 1"), "{e}");
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = "[".repeat(100_000);
    let e = err(deep.as_bytes(), "deep.json");
    assert!(e.to_string().contains("recursion limit exceeded"), "{e}");

    // Components nested deeper than Vigil follows, within serde_json's own limit.
    let mut c = json!({"type": "library", "name": "leaf"});
    for i in 0..40 {
        c = json!({"type": "library", "name": format!("level{i}"), "components": [c]});
    }
    let doc = json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [c]});
    let e = err(&bytes(&doc), "nested.cdx.json");
    assert!(e.to_string().contains("nest deeper than 32 levels"), "{e}");
}

#[test]
fn json_that_is_no_sbom_is_named() {
    let e = err(
        br#"{"name": "x", "dependencies": {"a": "1.0"}, "version": "1.0.0"}"#,
        "package.json",
    );
    assert_eq!(
        e.to_string(),
        "package.json: not an SBOM Vigil can read (a JSON object with keys \"dependencies\", \"name\", \"version\"); \
         expected vigil-json, CycloneDX JSON or SPDX JSON"
    );
    let e = err(b"[1, 2, 3]", "list.json");
    assert!(e.to_string().contains("(a JSON array)"), "{e}");
    let e = err(b"{}", "empty-object.json");
    assert!(e.to_string().contains("(an empty JSON object)"), "{e}");
    let e = err(br#"{"bomFormat": "SPDX", "specVersion": "1.6"}"#, "confused.json");
    assert!(
        e.to_string().contains("bomFormat is \"SPDX\", not \"CycloneDX\""),
        "{e}"
    );
}

#[test]
fn cyclonedx_component_without_name() {
    let mut doc = encoded_value(Format::CycloneDxJson);
    doc["components"][1].as_object_mut().expect("component").remove("name");
    let e = err(&bytes(&doc), "app.cdx.json");
    assert!(
        matches!(&e, SbomError::Invalid { path, .. } if path == "$.components[1].name"),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "app.cdx.json: cyclonedx-json document: at $.components[1].name: missing required field"
    );
}

#[test]
fn cyclonedx_of_the_wrong_shape() {
    let mut doc = encoded_value(Format::CycloneDxJson);
    doc["components"][2]["version"] = json!(7);
    let e = err(&bytes(&doc), "a.json");
    assert_eq!(
        e.to_string(),
        "a.json: cyclonedx-json document: at $.components[2].version: expected a string, found a number"
    );

    let mut doc = encoded_value(Format::CycloneDxJson);
    doc["components"][0]["purl"] = json!("npm/lodash@4.17.21");
    let e = err(&bytes(&doc), "b.json");
    assert!(
        e.to_string()
            .starts_with("b.json: cyclonedx-json document: at $.components[0].purl: not a package URL:"),
        "{e}"
    );

    let mut doc = encoded_value(Format::CycloneDxJson);
    doc["components"] = json!({"name": "not an array"});
    let e = err(&bytes(&doc), "c.json");
    assert_eq!(
        e.to_string(),
        "c.json: cyclonedx-json document: at $.components: expected an array, found an object"
    );

    let mut doc = encoded_value(Format::CycloneDxJson);
    doc["specVersion"] = json!("2.0");
    let e = err(&bytes(&doc), "d.json");
    assert_eq!(
        e.to_string(),
        "d.json: cyclonedx-json version \"2.0\" is not supported (this vigil reads CycloneDX 1.2 to 1.6)"
    );

    let mut doc = encoded_value(Format::CycloneDxJson);
    doc.as_object_mut().expect("doc").remove("specVersion");
    let e = err(&bytes(&doc), "e.json");
    assert_eq!(
        e.to_string(),
        "e.json: cyclonedx-json document: at $.specVersion: missing required field"
    );
}

#[test]
fn spdx_of_the_wrong_shape() {
    let mut doc = encoded_value(Format::SpdxJson);
    doc["packages"][3].as_object_mut().expect("package").remove("SPDXID");
    let e = err(&bytes(&doc), "app.spdx.json");
    assert_eq!(
        e.to_string(),
        "app.spdx.json: spdx-json document: at $.packages[3].SPDXID: missing required field"
    );

    let mut doc = encoded_value(Format::SpdxJson);
    doc["packages"][2]["externalRefs"][0]["referenceLocator"] = json!("pkg:");
    let e = err(&bytes(&doc), "b.spdx.json");
    assert!(
        e.to_string().starts_with(
            "b.spdx.json: spdx-json document: at $.packages[2].externalRefs[0].referenceLocator: not a package URL"
        ),
        "{e}"
    );

    let mut doc = encoded_value(Format::SpdxJson);
    doc["spdxVersion"] = json!("SPDX-3.0");
    let e = err(&bytes(&doc), "c.spdx.json");
    assert_eq!(
        e.to_string(),
        "c.spdx.json: spdx-json version \"SPDX-3.0\" is not supported (this vigil reads SPDX 2.2 and 2.3)"
    );
}

#[test]
fn newer_vigil_schema_is_refused() {
    let mut doc = encoded_value(Format::VigilJson);
    doc["schema_version"] = json!(2);
    // A field this version does not know is not what the error is about.
    doc["future_field"] = json!({"x": 1});
    let e = err(&bytes(&doc), "from-the-future.json");
    assert!(
        matches!(
            e,
            SbomError::NewerSchema {
                found: 2,
                supported: 1,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "from-the-future.json: vigil-json schema_version 2 is newer than this vigil reads (up to 1); \
         upgrade vigil, or have the newer one write cyclonedx-json or spdx-json"
    );
}

#[test]
fn vigil_json_of_the_wrong_shape() {
    let mut doc = encoded_value(Format::VigilJson);
    doc["packages"][1]["purl"] = json!("not a purl");
    let text = bytes(&doc);
    let e = err(&text, "sbom.json");
    let SbomError::Json {
        line,
        column,
        ref message,
        ..
    } = e
    else {
        panic!("{e:?}");
    };
    // The position is where the bad value is.
    let bad_line = String::from_utf8(text.clone())
        .expect("utf-8")
        .lines()
        .position(|l| l.contains("\"not a purl\""))
        .expect("present")
        + 1;
    assert_eq!(line, bad_line);
    assert!(column > 10);
    assert_eq!(message, "package URL \"not a purl\" does not start with \"pkg:\"");
    assert!(e.to_string().starts_with(&format!(
        "sbom.json: not a valid vigil-json document at line {bad_line}, column {column}:"
    )));

    let mut doc = encoded_value(Format::VigilJson);
    doc["schema_version"] = json!("one");
    let e = err(&bytes(&doc), "v.json");
    assert_eq!(
        e.to_string(),
        "v.json: vigil-json document: at $.schema_version: expected a schema version from 1 to 1, found \"one\""
    );

    let mut doc = encoded_value(Format::VigilJson);
    doc["packages"][0].as_object_mut().expect("package").remove("name");
    let e = err(&bytes(&doc), "w.json");
    assert!(e.to_string().contains("missing field `name`"), "{e}");
}

#[test]
fn encoding_problems_are_errors() {
    let mut sbom = sample_sbom();
    sbom.created = "last tuesday".to_string();
    let mut out = Vec::new();
    let e = encode(&sbom, Format::SpdxJson, &mut out).expect_err("no creation time");
    assert_eq!(
        e.to_string(),
        "cannot write spdx-json: SPDX requires a creation time, and the SBOM's `created` (\"last tuesday\") \
         is not an RFC 3339 time"
    );
    // CycloneDX's timestamp is optional: left out.
    let doc: Value = serde_json::from_str(&encode_to_string(&sbom, Format::CycloneDxJson)).expect("json");
    assert!(doc["metadata"].get("timestamp").is_none());

    struct Broken;
    impl std::io::Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::new(std::io::ErrorKind::BrokenPipe, "pipe closed"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let e = encode(&sample_sbom(), Format::Table, &mut Broken).expect_err("broken pipe");
    assert!(
        matches!(
            &e,
            SbomError::Write {
                format: Format::Table,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(e.to_string(), "writing table: pipe closed");
}
