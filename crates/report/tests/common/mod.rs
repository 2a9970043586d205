//! What the report tests share: a real match run on the matcher's fixture advisories, the SBOM it
//! runs on, rendering helpers, and the vendored schemas' validators.

#![allow(dead_code, reason = "each test crate uses a part of it")]

use std::collections::HashMap;
use std::path::PathBuf;

use jsonschema::{Retrieve, Uri, Validator};
use serde_json::Value;
use tempfile::TempDir;
use vigil_match::{match_sbom, IgnoreRules, MatchOptions, MatchReport, VexDocument};
use vigil_report::{render, Format, RenderOptions, Scan};
use vigil_sbom::Sbom;
use vigil_types::{Digest, Distro, Location, Package, PackageType, Purl, SourceInfo};
use vigil_vulndb::{import, Db, ImportOptions};

pub fn matcher_fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../matcher/tests/fixtures")
}

pub fn db() -> (TempDir, Db) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("vulndb.sqlite");
    let f = matcher_fixtures();
    let inputs = [
        f.join("osv"),
        f.join("enrich/epss_scores-2025-05-12.csv"),
        f.join("enrich/known_exploited_vulnerabilities.json"),
        f.join("enrich/nvdcve-2.0-sample.json"),
    ];
    let options = ImportOptions {
        version_check: vigil_vulndb::version::osv_version_check,
        ..ImportOptions::default()
    };
    import(&path, &inputs, &options).expect("import");
    let db = Db::open(&path).expect("open");
    (dir, db)
}

pub fn pkg(ty: PackageType, name: &str, version: &str, purl: Purl, path: &str) -> Package {
    let mut p = Package::new(
        ty,
        name,
        version,
        purl,
        Location::new(path, Some(Digest::sha256_of(b"layer"))),
        "test",
    );
    if ty == PackageType::Deb {
        p.set_meta("source", if name == "libc6" { "glibc" } else { "openssl" });
    }
    p
}

pub fn sbom() -> Sbom {
    let source = SourceInfo {
        scheme: "docker-archive".into(),
        input: "docker-archive:app.tar".into(),
        name: "acme/app:1.0".into(),
        image_id: Some(Digest::sha256_of(b"config")),
        ..SourceInfo::default()
    };
    let mut s = Sbom::new_at(source, "2025-05-12T12:00:00Z");
    s.distro = Some(Distro {
        id: "debian".into(),
        version_id: "12".into(),
        pretty_name: "Debian GNU/Linux 12 (bookworm)".into(),
        ..Distro::default()
    });
    let deb = |name: &str, v: &str| {
        pkg(
            PackageType::Deb,
            name,
            v,
            Purl::new("deb", name, v)
                .namespace("debian")
                .qualifier("distro", "debian-12"),
            "/var/lib/dpkg/status",
        )
    };
    s.packages = vec![
        deb("libssl3", "3.0.11-1~deb12u2"),
        deb("libc6", "2.36-9+deb12u4"),
        pkg(
            PackageType::Python,
            "Django",
            "2.2",
            Purl::new("pypi", "django", "2.2"),
            "/usr/local/lib/python3.11/dist-packages/Django-2.2.dist-info/METADATA",
        ),
        pkg(
            PackageType::Npm,
            "lodash",
            "4.17.11",
            Purl::new("npm", "lodash", "4.17.11"),
            "/srv/app/node_modules/lodash/package.json",
        ),
        pkg(
            PackageType::JavaArchive,
            "log4j-core",
            "2.14.1",
            Purl::new("maven", "log4j-core", "2.14.1").namespace("org.apache.logging.log4j"),
            "/opt/app/lib/log4j core 2.14.1.jar",
        ),
        pkg(
            PackageType::RustCrate,
            "rsa",
            "0.9.6",
            Purl::new("cargo", "rsa", "0.9.6"),
            "/usr/bin/tool",
        ),
        pkg(
            PackageType::Binary,
            "python",
            "3.11.2",
            Purl::new("generic", "python", "3.11.2"),
            "/usr/bin/python3.11",
        ),
    ];
    s
}

pub const IGNORE: &str = "ignore:\n  - id: CVE-2021-3281\n    reason: templates are never extracted\n  - id: CVE-2023-5678\n    reason: old exception\n    expires: 2024-01-01\n";
pub const VEX: &str = r#"{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.com/vex/1",
  "timestamp": "2025-05-01T00:00:00Z", "statements": [
  {"vulnerability": {"name": "CVE-2019-10744"}, "products": [{"@id": "pkg:npm/lodash"}],
   "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path", "impact_statement": "defaultsDeep is unused"},
  {"vulnerability": {"name": "CVE-2023-49092"}, "products": [{"@id": "pkg:cargo/rsa@0.9.6"}], "status": "fixed"}]}"#;

pub fn report(db: &Db, sbom: &Sbom, only_fixed: bool) -> MatchReport {
    let options = MatchOptions {
        only_fixed,
        ignore: vec![IgnoreRules::parse(IGNORE, "vigil-ignore.yaml").expect("rules")],
        vex: vec![VexDocument::parse(VEX, "app.openvex.json").expect("vex")],
        today: Some(time::macros::date!(2025 - 05 - 12)),
    };
    match_sbom(sbom, db, &options).expect("match")
}

pub fn rendered(scan: &Scan<'_>, format: Format, options: RenderOptions) -> String {
    let mut out = Vec::new();
    render(scan, format, &options, &mut out).expect("render");
    String::from_utf8(out).expect("UTF-8")
}

pub fn json(scan: &Scan<'_>, format: Format, options: RenderOptions) -> Value {
    serde_json::from_str(&rendered(scan, format, options)).expect("JSON")
}

pub struct Local(pub HashMap<String, Value>);

impl Retrieve for Local {
    fn retrieve(&self, uri: &Uri<String>) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        self.0
            .get(uri.as_str())
            .cloned()
            .ok_or_else(|| format!("schema {uri} is not vendored").into())
    }
}

pub fn load(path: PathBuf) -> Value {
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn errors(v: &Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// The vendored SARIF 2.1.0 schema, compiled with formats checked.
pub fn sarif_validator() -> Validator {
    let mut schema = load(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/sarif-schema-2.1.0.json"));
    // The published schema's `language` patterns (of `run` and `toolComponent`) have a stray `]`
    // that only a lenient ECMAScript engine accepts; they are replaced by what they mean (see
    // tests/schemas/README.md). Vigil writes no `language`, so nothing it writes is checked
    // differently.
    for definition in ["run", "toolComponent"] {
        let language = &mut schema["definitions"][definition]["properties"]["language"]["pattern"];
        assert_eq!(language, "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$");
        *language = Value::from("^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
    }
    jsonschema::options()
        .with_retriever(Local(HashMap::new()))
        .should_validate_formats(true)
        .build(&schema)
        .expect("SARIF schema compiles")
}
