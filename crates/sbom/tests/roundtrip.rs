//! decode(encode(x)) for every format, determinism, and reading real Syft documents.

mod common;

use std::path::PathBuf;

use vigil_sbom::{decode, encode_with, EncodeOptions, Format, Sbom};
use vigil_types::{Location, PackageType};

use common::{encode_to_string, sample_sbom};

fn round_trip(sbom: &Sbom, format: Format) -> Sbom {
    let text = encode_to_string(sbom, format);
    decode(text.as_bytes(), "round-trip.json").unwrap_or_else(|e| panic!("{format}: {e}"))
}

#[test]
fn vigil_json_round_trips_exactly() {
    let sbom = sample_sbom();
    assert_eq!(round_trip(&sbom, Format::VigilJson), sbom);

    let mut compact = Vec::new();
    encode_with(&sbom, Format::VigilJson, EncodeOptions { compact: true }, &mut compact).expect("encode");
    assert_eq!(compact.iter().filter(|&&b| b == b'\n').count(), 1, "one line");
    assert_eq!(decode(&compact, "compact.json").expect("decode"), sbom);

    let dir = common::directory_sbom();
    assert_eq!(round_trip(&dir, Format::VigilJson), dir);
}

#[test]
fn vigil_json_carries_its_schema_version_and_everything() {
    let text = encode_to_string(&sample_sbom(), Format::VigilJson);
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["tool"]["name"], "vigil");
    assert_eq!(v["created"], "2024-05-01T12:00:00Z");
    assert_eq!(v["distro"]["id"], "debian");
    assert_eq!(v["config"]["exposed_ports"][0], "8080/tcp");
    assert_eq!(v["layers"].as_array().map(Vec::len), Some(4));
    assert_eq!(v["unknowns"][1]["path"], "/opt/app/lib/truncated.jar");
    assert_eq!(v["packages"][0]["files"][0], "/usr/share/doc/bash/copyright");
    assert_eq!(v["packages"][0]["metadata"]["source_version"], "5.2.15-2");
}

#[test]
fn cyclonedx_round_trip_keeps_packages_distro_and_source() {
    let sbom = sample_sbom();
    let back = round_trip(&sbom, Format::CycloneDxJson);
    assert_eq!(back.tool, sbom.tool);
    assert_eq!(back.created, sbom.created);
    assert_eq!(back.source, sbom.source);
    assert_eq!(back.layers, sbom.layers);
    assert_eq!(back.distro, sbom.distro);
    assert_eq!(back.packages.len(), sbom.packages.len());
    for (a, b) in sbom.packages.iter().zip(&back.packages) {
        assert_eq!(b.id, a.id);
        assert_eq!(b.name, a.name);
        assert_eq!(b.version, a.version);
        assert_eq!(b.purl, a.purl);
        assert_eq!(b.ty, a.ty);
        assert_eq!(b.locations, a.locations);
        assert_eq!(b.layer, a.layer);
        assert_eq!(b.found_by, a.found_by);
        assert_eq!(b.metadata, a.metadata);
        // Licences come back normalised: "(MIT OR CC0-1.0)" is "MIT OR CC0-1.0".
        let want: Vec<String> = a
            .licenses
            .iter()
            .map(|l| l.trim_matches(|c| c == '(' || c == ')').to_string())
            .collect();
        assert_eq!(b.licenses, want, "{}", a.name);
        // Not in CycloneDX: the files a package owns.
        assert!(b.files.is_empty());
    }
    // Not in CycloneDX: image configuration and unknowns (vigil-json has them).
    assert_eq!(back.config, None);
    assert!(back.unknowns.is_empty());

    let dir = common::directory_sbom();
    let back = round_trip(&dir, Format::CycloneDxJson);
    assert_eq!(back.source, dir.source);
    assert!(back.packages.iter().all(|p| p.layer.is_none()));
}

#[test]
fn spdx_round_trip_keeps_packages() {
    let sbom = sample_sbom();
    let back = round_trip(&sbom, Format::SpdxJson);
    assert_eq!(back.tool, sbom.tool);
    assert_eq!(back.created, sbom.created);
    assert_eq!(back.source.name, "example/app:1.2");
    assert_eq!(back.source.image_id, sbom.source.image_id);
    let distro = back.distro.as_ref().expect("distro");
    assert_eq!((distro.id.as_str(), distro.version_id.as_str()), ("debian", "12"));
    assert_eq!(distro.pretty_name, "Debian GNU/Linux 12 (bookworm)");
    assert_eq!(back.packages.len(), sbom.packages.len());
    for (a, b) in sbom.packages.iter().zip(&back.packages) {
        assert_eq!(b.id, a.id);
        assert_eq!(b.name, a.name);
        assert_eq!(b.version, a.version);
        assert_eq!(b.purl, a.purl);
        assert_eq!(b.ty, a.ty);
        assert_eq!(b.found_by, a.found_by);
        let paths: Vec<&str> = b.locations.iter().map(|l| l.path.as_str()).collect();
        let want: Vec<&str> = a.locations.iter().map(|l| l.path.as_str()).collect();
        assert_eq!(paths, want);
        let want: Vec<String> = a
            .licenses
            .iter()
            .map(|l| l.trim_matches(|c| c == '(' || c == ')').to_string())
            .collect();
        assert_eq!(b.licenses, want, "{}", a.name);
    }
}

/// The same Sbom gives the same bytes, except the per-document unique ids.
#[test]
fn output_is_deterministic() {
    let mask = |s: String| -> String {
        s.lines()
            .map(|l| {
                if l.contains("\"serialNumber\"") || l.contains("\"documentNamespace\"") {
                    "MASKED"
                } else {
                    l
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    for sbom in [sample_sbom(), common::directory_sbom()] {
        for f in Format::ALL {
            let a = encode_to_string(&sbom, f);
            let b = encode_to_string(&sbom, f);
            if f == Format::CycloneDxJson || f == Format::SpdxJson {
                assert_ne!(a, b, "{f}: unique per document");
            }
            assert_eq!(mask(a), mask(b), "{f}");
        }
    }
    let cdx = encode_to_string(&sample_sbom(), Format::CycloneDxJson);
    let v: serde_json::Value = serde_json::from_str(&cdx).expect("json");
    let serial = v["serialNumber"].as_str().expect("serial");
    assert!(serial.starts_with("urn:uuid:") && serial.len() == 45, "{serial}");
    assert_eq!(&serial[23..24], "4", "uuid v4: {serial}");
    assert_eq!(v["metadata"]["timestamp"], "2024-05-01T12:00:00Z");
}

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/syft")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn reads_syft_cyclonedx() {
    let sbom = decode(&fixture("cyclonedx.json"), "syft.cdx.json").expect("decode");
    assert_eq!(sbom.tool.name, "syft");
    assert_eq!(sbom.tool.version, "1.18.1");
    assert_eq!(sbom.created, "2026-11-23T11:42:34Z");
    assert_eq!(sbom.source.name, "/tmp/sch/rootfs");
    assert_eq!(sbom.source.scheme, "sbom");
    let d = sbom.distro.as_ref().expect("distro");
    assert_eq!(
        (
            d.id.as_str(),
            d.version_id.as_str(),
            d.version_codename.as_str(),
            d.pretty_name.as_str()
        ),
        ("debian", "12", "bookworm", "Debian GNU/Linux 12 (bookworm)")
    );
    assert_eq!(sbom.packages.len(), 16);

    let bash = sbom.packages.iter().find(|p| p.name == "bash").expect("bash");
    assert_eq!(bash.version, "5.2.15-2+b8");
    assert_eq!(bash.ty, PackageType::Deb);
    assert_eq!(
        bash.purl.to_string(),
        "pkg:deb/debian/bash@5.2.15-2+b8?arch=amd64&distro=debian-12&upstream=bash%405.2.15-2"
    );
    assert_eq!(bash.found_by, "dpkg-db-cataloger");
    assert_eq!(
        bash.locations,
        vec![
            Location::new("/usr/share/doc/bash/copyright", None),
            Location::new("/var/lib/dpkg/status", None)
        ]
    );
    assert_eq!(bash.metadata.get("source").map(String::as_str), Some("bash"));
    assert_eq!(
        bash.metadata.get("source_version").map(String::as_str),
        Some("5.2.15-2")
    );
    assert_eq!(bash.metadata.get("installed_size").map(String::as_str), Some("7164"));
    assert_eq!(bash.licenses.len(), 10);
    assert!(bash.licenses.contains(&"GPL-3.0-or-later".to_string()));
    assert!(bash.licenses.contains(&"MIT-like".to_string()));
    assert_eq!(bash.id, bash.compute_id(), "foreign bom-refs are not package ids");

    let types: Vec<(&str, PackageType)> = sbom.packages.iter().map(|p| (p.name.as_str(), p.ty)).collect();
    for want in [
        ("@babel/helper-string-parser", PackageType::Npm),
        ("commons-cli", PackageType::JavaArchive),
        ("example.com/hello", PackageType::GoModule),
        ("stdlib", PackageType::GoModule),
        ("requests", PackageType::Python),
        ("zlib1g", PackageType::Deb),
    ] {
        assert!(types.contains(&want), "{want:?}");
    }
    let requests = sbom.packages.iter().find(|p| p.name == "requests").expect("requests");
    assert_eq!(requests.licenses, vec!["Apache 2.0"]);
    assert_eq!(requests.purl.to_string(), "pkg:pypi/requests@2.31.0");
    assert_eq!(requests.locations.len(), 3);
    let hello = sbom
        .packages
        .iter()
        .find(|p| p.name == "example.com/hello")
        .expect("hello");
    assert_eq!(hello.version, "(devel)");
}

#[test]
fn reads_syft_spdx() {
    let sbom = decode(&fixture("spdx.json"), "syft.spdx.json").expect("decode");
    assert_eq!(
        (sbom.tool.name.as_str(), sbom.tool.version.as_str()),
        ("syft", "1.18.1")
    );
    assert_eq!(sbom.created, "2026-11-23T11:42:34Z");
    assert_eq!(sbom.source.name, "/tmp/sch/rootfs");
    assert_eq!(sbom.packages.len(), 16, "the described directory is not a package");
    let bash = sbom.packages.iter().find(|p| p.name == "bash").expect("bash");
    assert_eq!(bash.ty, PackageType::Deb);
    assert_eq!(bash.version, "5.2.15-2+b8");
    assert_eq!(bash.found_by, "DPKG DB");
    assert_eq!(
        bash.locations,
        vec![
            Location::new("/usr/share/doc/bash/copyright", None),
            Location::new("/var/lib/dpkg/status", None)
        ]
    );
    assert_eq!(
        bash.licenses,
        vec![
            "BSD-4-Clause-UC",
            "GFDL-1.3-only",
            "GFDL-NIV-1.3",
            "GPL-2.0-only",
            "GPL-2.0-or-later",
            "GPL-3.0-only",
            "GPL-3.0-or-later",
            "Latex2e",
            "MIT-like",
            "permissive"
        ]
    );
    let requests = sbom.packages.iter().find(|p| p.name == "requests").expect("requests");
    assert_eq!(requests.ty, PackageType::Python);
    assert_eq!(requests.licenses, vec!["Apache 2.0"], "LicenseRef resolved to its text");
    let tzdata = sbom.packages.iter().find(|p| p.name == "tzdata").expect("tzdata");
    assert!(tzdata.licenses.is_empty(), "NOASSERTION is no licence");
    let stdlib = sbom.packages.iter().find(|p| p.name == "stdlib").expect("stdlib");
    assert_eq!(
        (stdlib.ty, stdlib.version.as_str()),
        (PackageType::GoModule, "go1.19.8")
    );
    assert_eq!(stdlib.purl.to_string(), "pkg:golang/stdlib@1.19.8");
    let jar = sbom.packages.iter().find(|p| p.name == "commons-cli").expect("jar");
    assert_eq!(jar.ty, PackageType::JavaArchive);
    assert_eq!(
        jar.locations,
        vec![Location::new("/opt/app/lib/commons-cli-1.5.0.jar", None)]
    );
}

/// Syft's packages, read from either of its formats, agree on identity.
#[test]
fn syft_formats_agree() {
    let a = decode(&fixture("cyclonedx.json"), "a").expect("cdx");
    let b = decode(&fixture("spdx.json"), "b").expect("spdx");
    let key = |s: &Sbom| {
        let mut v: Vec<(String, String, String, PackageType)> = s
            .packages
            .iter()
            .map(|p| (p.name.clone(), p.version.clone(), p.purl.to_string(), p.ty))
            .collect();
        v.sort();
        v
    };
    assert_eq!(key(&a), key(&b));
}

fn trivy(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/trivy")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Trivy writes npm scopes as CycloneDX `group`, a relative `FilePath` property, an
/// operating system named "none" when it found none, and Debian packages without purls.
#[test]
fn reads_trivy_cyclonedx() {
    let sbom = decode(&trivy("cyclonedx.json"), "trivy.cdx.json").expect("decode");
    assert_eq!(
        (sbom.tool.name.as_str(), sbom.tool.version.as_str()),
        ("trivy", "0.59.1")
    );
    assert_eq!(sbom.created, "2026-11-23T11:54:19Z", "+00:00 normalised to Z");
    assert_eq!(sbom.source.name, "/tmp/sch/rootfs2");
    assert_eq!(sbom.distro, None, "\"none\" is no distro");
    let mut names: Vec<(&str, &str, PackageType)> = sbom
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str(), p.ty))
        .collect();
    names.sort();
    assert_eq!(
        names,
        vec![
            ("@babel/helper-string-parser", "7.24.1", PackageType::Npm),
            ("app", "1.0.0", PackageType::Npm),
            ("example.com/hello", "", PackageType::GoModule),
            ("lodash", "4.17.21", PackageType::Npm),
            ("requests", "2.31.0", PackageType::Python),
            ("six", "1.16.0", PackageType::Python),
            ("stdlib", "v1.19.8", PackageType::GoModule),
        ]
    );
    let babel = sbom
        .packages
        .iter()
        .find(|p| p.name.starts_with("@babel"))
        .expect("babel");
    assert_eq!(babel.purl.to_string(), "pkg:npm/%40babel/helper-string-parser@7.24.1");
    assert_eq!(
        babel.locations,
        vec![Location::new(
            "/app/node_modules/@babel/helper-string-parser/package.json",
            None
        )]
    );
    assert_eq!(babel.licenses, vec!["MIT"]);
    assert_eq!(babel.found_by, "cyclonedx-json");
}

#[test]
fn reads_trivy_spdx() {
    let sbom = decode(&trivy("spdx.json"), "trivy.spdx.json").expect("decode");
    assert_eq!(
        (sbom.tool.name.as_str(), sbom.tool.version.as_str()),
        ("trivy", "0.59.1")
    );
    assert_eq!(sbom.source.name, "/tmp/sch/rootfs2");
    assert_eq!(sbom.distro, None);
    assert_eq!(sbom.packages.len(), 7, "only packages with purls");
    let stdlib = sbom.packages.iter().find(|p| p.name == "stdlib").expect("stdlib");
    assert_eq!(stdlib.ty, PackageType::GoModule);
    assert_eq!(stdlib.locations, vec![Location::new("/usr/local/bin/hello", None)]);
    let requests = sbom.packages.iter().find(|p| p.name == "requests").expect("requests");
    assert_eq!(requests.licenses, vec!["Apache-2.0"]);
    // Both of Trivy's formats agree on identity.
    let cdx = decode(&trivy("cyclonedx.json"), "trivy.cdx.json").expect("decode");
    let key = |s: &Sbom| {
        let mut v: Vec<String> = s.packages.iter().map(|p| format!("{} {}", p.name, p.purl)).collect();
        v.sort();
        v
    };
    assert_eq!(key(&sbom), key(&cdx));
}
