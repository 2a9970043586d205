//! Fixtures shared by the integration tests: a small Python web image laid out like the
//! benchmark image (a Debian base of two layers, then the application's layers), its analysis,
//! and vulnerability findings built from JSON as the matcher writes them.

#![allow(dead_code)]

use serde_json::json;
use time::macros::datetime;
use time::OffsetDateTime;
use vigil_match::{Counts, Finding, MatchReport};
use vigil_policy::{evaluate, BaseLayers, Bundle, DbFacts, ImageRef, Input, Verdict};
use vigil_sbom::Sbom;
use vigil_types::{
    Analysis, ContentMatch, Digest, Distro, FileEntry, FileEntryKind, FoundIn, HistoryEntry, ImageConfig, LayerInfo,
    Location, Package, PackageType, PasswdEntry, Purl, Searched, SecretFinding, SourceInfo, VerifyFinding,
    VerifyProblem,
};

/// The evaluation time of every test.
pub const NOW: OffsetDateTime = datetime!(2026-11-23 12:00 UTC);

pub fn diff_id(layer: usize) -> Digest {
    Digest::sha256_of(format!("layer {layer}").as_bytes())
}

fn history(created_by: &str, empty: bool) -> HistoryEntry {
    HistoryEntry {
        created: "2026-11-01T10:00:00Z".to_string(),
        created_by: created_by.to_string(),
        comment: String::new(),
        empty_layer: empty,
    }
}

/// Layers: 0 (debian rootfs) and 1 (python3) are the base, 2 (COPY) and 3 (pip install) the
/// application's; the base's last instruction is `CMD ["python3"]`.
pub fn config() -> ImageConfig {
    ImageConfig {
        architecture: "amd64".to_string(),
        os: "linux".to_string(),
        user: String::new(),
        env: vec![
            "PATH=/usr/local/bin:/usr/bin".to_string(),
            "AWS_ACCESS_KEY_ID=AKIA…".to_string(),
        ],
        cmd: vec!["python".to_string(), "app.py".to_string()],
        working_dir: "/app".to_string(),
        exposed_ports: vec!["8000/tcp".to_string()],
        labels: [(
            "org.opencontainers.image.source".to_string(),
            "https://git.example/app".to_string(),
        )]
        .into_iter()
        .collect(),
        healthcheck: None,
        history: vec![
            history("/bin/sh -c #(nop) ADD file:4f1b0ab3 in / ", false),
            history("/bin/sh -c #(nop)  CMD [\"bash\"]", true),
            history(
                "/bin/sh -c apt-get update && apt-get install -y python3 python3-pip",
                false,
            ),
            history("/bin/sh -c #(nop)  CMD [\"python3\"]", true),
            history("WORKDIR /app", true),
            history("COPY . /app # buildkit", false),
            history("RUN /bin/sh -c pip install -r requirements.txt # buildkit", false),
            history("EXPOSE map[8000/tcp:{}]", true),
            history("CMD [\"python\" \"app.py\"]", true),
        ],
        ..ImageConfig::default()
    }
}

fn package(ty: PackageType, name: &str, version: &str, layer: usize, path: &str, licences: &[&str]) -> Package {
    let purl_type = match ty {
        PackageType::Deb => "deb",
        PackageType::Python => "pypi",
        PackageType::Npm => "npm",
        _ => "generic",
    };
    let mut p = Package::new(
        ty,
        name,
        version,
        Purl::new(purl_type, name, version),
        Location::new(path, Some(diff_id(layer))),
        "test-cataloger",
    );
    p.licenses = licences.iter().map(|s| s.to_string()).collect();
    p
}

pub fn packages() -> Vec<Package> {
    vec![
        package(
            PackageType::Deb,
            "bash",
            "5.2.15-2+b2",
            0,
            "/var/lib/dpkg/status",
            &["GPL-3.0-or-later"],
        ),
        package(
            PackageType::Deb,
            "openssl",
            "3.0.11-1~deb12u1",
            1,
            "/var/lib/dpkg/status",
            &["Apache-2.0"],
        ),
        package(
            PackageType::Python,
            "django",
            "2.2.0",
            3,
            "/usr/local/lib/python3.11/site-packages/Django-2.2.dist-info/METADATA",
            &["BSD-3-Clause"],
        ),
        package(
            PackageType::Python,
            "urllib3",
            "1.24.1",
            3,
            "/usr/local/lib/python3.11/site-packages/urllib3-1.24.1.dist-info/METADATA",
            &["MIT"],
        ),
        package(
            PackageType::Npm,
            "lodash",
            "4.17.4",
            2,
            "/app/static/node_modules/lodash/package.json",
            &["MIT OR Apache-2.0"],
        ),
    ]
}

fn file(path: &str, kind: FileEntryKind, mode: u32, layer: usize) -> FileEntry {
    FileEntry {
        path: path.to_string(),
        kind,
        mode,
        uid: 0,
        gid: 0,
        size: 100,
        layer,
        link: None,
        sha256: None,
    }
}

/// The app's settings file digest.
pub const SETTINGS_SHA256: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

pub fn analysis() -> Analysis {
    let mut settings = file("/app/settings.py", FileEntryKind::File, 0o644, 2);
    settings.sha256 = Some(SETTINGS_SHA256.to_string());
    Analysis {
        searched: Searched {
            secret_rules: vec![
                "private-key".to_string(),
                "aws-access-key-id".to_string(),
                "github-pat".to_string(),
            ],
            content_regexes: vec!["password\\s*=".to_string()],
            digests: true,
            verify: true,
            max_file_size: 10 << 20,
        },
        files: vec![
            file("/app", FileEntryKind::Dir, 0o755, 2),
            settings,
            file("/app/uploads", FileEntryKind::Dir, 0o777, 3),
            file("/etc/passwd", FileEntryKind::File, 0o644, 0),
            file("/root/.ssh/id_rsa", FileEntryKind::File, 0o600, 2),
            file("/tmp", FileEntryKind::Dir, 0o1777, 0),
            file("/usr/bin/passwd", FileEntryKind::File, 0o4755, 0),
            file("/usr/bin/wall", FileEntryKind::File, 0o2755, 1),
            file("/usr/lib/libfoo.so", FileEntryKind::Symlink, 0o777, 1),
        ],
        secrets: vec![
            SecretFinding {
                rule: "private-key".to_string(),
                category: "private-key".to_string(),
                title: "Private key".to_string(),
                found_in: FoundIn::File {
                    path: "/root/.ssh/id_rsa".to_string(),
                    layer: 2,
                    line: 1,
                    deleted: false,
                },
                redacted: "-----BEGIN RSA PRIVATE KEY-----****".to_string(),
            },
            SecretFinding {
                rule: "aws-access-key-id".to_string(),
                category: "aws".to_string(),
                title: "AWS access key ID".to_string(),
                found_in: FoundIn::Env {
                    name: "AWS_ACCESS_KEY_ID".to_string(),
                },
                redacted: "AKIA****************".to_string(),
            },
            SecretFinding {
                rule: "github-pat".to_string(),
                category: "github".to_string(),
                title: "GitHub personal access token".to_string(),
                found_in: FoundIn::File {
                    path: "/app/.env".to_string(),
                    layer: 2,
                    line: 3,
                    deleted: true,
                },
                redacted: "ghp_****".to_string(),
            },
        ],
        content_matches: vec![ContentMatch {
            regex: "password\\s*=".to_string(),
            found_in: FoundIn::File {
                path: "/app/settings.py".to_string(),
                layer: 2,
                line: 12,
                deleted: false,
            },
        }],
        passwd: Some(vec![
            passwd("root", 0, 0, "/bin/bash"),
            passwd("games", 5, 60, "/usr/sbin/nologin"),
            passwd("app", 1000, 1000, "/bin/sh"),
        ]),
        groups: None,
        verify: vec![
            VerifyFinding {
                package_id: "openssl-id".to_string(),
                package: "openssl".to_string(),
                path: "/usr/lib/ssl/openssl.cnf".to_string(),
                problem: VerifyProblem::Changed,
                layer: Some(3),
            },
            VerifyFinding {
                package_id: "openssl-id".to_string(),
                package: "openssl".to_string(),
                path: "/usr/bin/c_rehash".to_string(),
                problem: VerifyProblem::Missing,
                layer: None,
            },
        ],
        notes: Vec::new(),
    }
}

fn passwd(name: &str, uid: u32, gid: u32, shell: &str) -> PasswdEntry {
    PasswdEntry {
        name: name.to_string(),
        uid,
        gid,
        home: String::new(),
        shell: shell.to_string(),
    }
}

/// The image's SBOM, with its analysis.
pub fn sbom() -> Sbom {
    let source = SourceInfo {
        scheme: "docker-archive".to_string(),
        input: "docker-archive:app.tar".to_string(),
        name: "acme/web:1.4".to_string(),
        platform: "linux/amd64".to_string(),
        size: 180_000_000,
        ..SourceInfo::default()
    };
    let mut s = Sbom::new_at(source, "2026-11-23T11:00:00Z");
    s.layers = (0..4)
        .map(|i| LayerInfo {
            index: i,
            diff_id: diff_id(i),
            digest: None,
            size: 1000,
            uncompressed_size: 2000,
            media_type: String::new(),
            created_by: String::new(),
            entries: 10,
        })
        .collect();
    s.config = Some(config());
    s.distro = Some(Distro {
        id: "debian".to_string(),
        version_id: "12".to_string(),
        ..Distro::default()
    });
    s.packages = packages();
    s.analysis = Some(analysis());
    s
}

/// A finding as the matcher writes it.
#[allow(clippy::too_many_arguments)]
pub fn finding(
    id: &str,
    pkg: &Package,
    severity: &str,
    score: Option<f64>,
    vector: Option<&str>,
    fixed: &[&str],
    nearest: Option<&str>,
    comparator: &str,
) -> Finding {
    let state = if nearest.is_some() { "fixed" } else { "not-fixed" };
    let mut v = json!({
        "id": id,
        "package": {
            "id": pkg.id, "name": pkg.name, "version": pkg.version, "type": pkg.ty.as_str(),
            "purl": pkg.purl.to_string(), "locations": pkg.locations, "layer": pkg.layer,
        },
        "severity": {"level": severity, "source": if score.is_some() { "cvss" } else { "advisory" }},
        "fix": {"state": state, "versions": fixed},
        "matches": [{
            "advisory": format!("OSV-{id}"), "ecosystem": "PyPI", "package": pkg.name,
            "version": pkg.version, "comparator": comparator, "how": "range",
            "range": ">=0", "fixed": fixed,
        }],
        "published": "2019-12-18T00:00:00Z",
        "modified": "2020-02-01T00:00:00Z",
    });
    if let Some(s) = score {
        v["severity"]["score"] = json!(s);
    }
    if let Some(vec) = vector {
        v["severity"]["vector"] = json!(vec);
        v["cvss"] = json!([{"version": "3.1", "vector": vec, "score": score.unwrap_or(0.0), "severity": severity, "source": "nvd@nist.gov"}]);
    }
    if let Some(n) = nearest {
        v["fix"]["nearest"] = json!(n);
    }
    serde_json::from_value(v).expect("a finding")
}

pub const CRITICAL_VECTOR: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
pub const HIGH_VECTOR: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H";
pub const MEDIUM_VECTOR: &str = "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N";

pub fn pkg(name: &str) -> Package {
    packages()
        .into_iter()
        .find(|p| p.name == name)
        .expect("fixture package")
}

/// The findings of the fixture image: django and urllib3 as in the benchmark image, openssl in
/// the base.
pub fn findings() -> Vec<Finding> {
    let django = pkg("django");
    let urllib3 = pkg("urllib3");
    let openssl = pkg("openssl");
    let mut epss_kev = finding(
        "CVE-2024-0727",
        &openssl,
        "medium",
        Some(5.5),
        Some(MEDIUM_VECTOR),
        &["3.0.13-1~deb12u1"],
        Some("3.0.13-1~deb12u1"),
        "dpkg",
    );
    epss_kev.epss = serde_json::from_value(json!({"cve": "CVE-2024-0727", "score": 0.42, "percentile": 0.97})).ok();
    epss_kev.kev =
        serde_json::from_value(json!({"cve": "CVE-2024-0727", "date_added": "2024-03-01", "known_ransomware": false}))
            .ok();
    epss_kev.published = Some("2026-11-10T00:00:00Z".to_string());
    epss_kev.modified = Some("2026-11-12T00:00:00Z".to_string());
    vec![
        finding(
            "CVE-2019-19844",
            &django,
            "critical",
            Some(9.8),
            Some(CRITICAL_VECTOR),
            &["1.11.27", "2.2.9", "3.0.1"],
            Some("2.2.9"),
            "PEP 440",
        ),
        finding(
            "CVE-2020-7471",
            &django,
            "critical",
            Some(9.8),
            Some(CRITICAL_VECTOR),
            &["1.11.28", "2.2.10", "3.0.3"],
            Some("2.2.10"),
            "PEP 440",
        ),
        finding(
            "CVE-2019-11324",
            &urllib3,
            "high",
            Some(7.5),
            Some(HIGH_VECTOR),
            &["1.24.2"],
            Some("1.24.2"),
            "PEP 440",
        ),
        finding(
            "CVE-2023-45803",
            &urllib3,
            "medium",
            Some(4.2),
            None,
            &["1.26.18", "2.0.7"],
            Some("1.26.18"),
            "PEP 440",
        ),
        epss_kev,
        finding("CVE-2023-5678", &openssl, "low", None, None, &[], None, "dpkg"),
    ]
}

pub fn report(findings: Vec<Finding>) -> MatchReport {
    MatchReport {
        findings,
        suppressed: Vec::new(),
        expired_rules: Vec::new(),
        notes: Vec::new(),
        counts: Counts::default(),
    }
}

pub fn db(built: OffsetDateTime) -> DbFacts {
    DbFacts {
        path: "/var/lib/vigil/vulndb.sqlite".to_string(),
        built_at: built,
    }
}

/// What a test evaluates: an SBOM, a match report (or none), the db facts (or none).
pub struct Case {
    pub sbom: Sbom,
    pub report: Option<MatchReport>,
    pub db: Option<DbFacts>,
    pub image: &'static str,
    pub base: Option<BaseLayers>,
}

impl Case {
    /// The fixture image with its analysis and findings, and a database built yesterday.
    pub fn new() -> Case {
        Case {
            sbom: sbom(),
            report: Some(report(findings())),
            db: Some(db(NOW - time::Duration::days(1))),
            image: "registry.acme.io/acme/web:1.4",
            base: None,
        }
    }

    pub fn eval(&self, bundle: &Bundle) -> Verdict {
        let input = Input {
            sbom: &self.sbom,
            matches: self.report.as_ref(),
            db: self.db.clone(),
            image: ImageRef::parse(self.image),
            base: self.base.clone(),
            now: NOW,
        };
        evaluate(bundle, &input)
    }
}

/// A bundle of one policy with the given rules (YAML flow mappings, one per line).
pub fn bundle(rules: &[&str]) -> Bundle {
    let mut text = String::from("version: \"1\"\nid: t\nname: Test\npolicies:\n  - id: p\n    rules:\n");
    for r in rules {
        text.push_str(&format!("      - {r}\n"));
    }
    match Bundle::parse(&text, "test.yaml") {
        Ok(b) => b,
        Err(e) => panic!("{e}\n{text}"),
    }
}

/// The trigger ids of a verdict's decisions of gate.trigger, sorted.
pub fn fired(v: &Verdict, gate: &str, trigger: &str) -> Vec<String> {
    let mut ids: Vec<String> = v
        .decisions()
        .filter(|d| d.gate == gate && d.trigger == trigger)
        .map(|d| d.trigger_id.clone())
        .collect();
    ids.sort();
    ids
}

/// A rule with one trigger and params, as a flow mapping.
pub fn rule(gate: &str, trigger: &str, action: &str, params: &str) -> String {
    if params.is_empty() {
        format!("{{gate: {gate}, trigger: {trigger}, action: {action}}}")
    } else {
        format!("{{gate: {gate}, trigger: {trigger}, action: {action}, params: {{{params}}}}}")
    }
}
