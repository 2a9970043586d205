//! Evaluation benchmark: the default bundle and a 50-rule bundle (`benches/fifty-rules.yaml`)
//! on one image. Target: under 50 ms per evaluation.
//!
//! `cargo bench -p vigil-policy --bench evaluate`. The input is the vigil-json SBOM
//! `VIGIL_BENCH_SBOM` names (ideally made with `vigil sbom --analyze`, so the file and secret
//! gates have data) and the findings of the vigil JSON scan report `VIGIL_BENCH_SCAN` names
//! (`vigil scan -o json`: its `findings`). Without them, a synthetic image of the benchmark
//! image's size, built here deterministically: 200 packages (150 deb, 40 python, 10 npm),
//! 150 findings, 10,000 files, 6 layers with history, secrets, users and verify results.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use criterion::Criterion;
use serde_json::json;
use time::macros::datetime;
use vigil_match::{Counts, Finding, MatchReport};
use vigil_policy::{evaluate, Bundle, DbFacts, ImageRef, Input};
use vigil_sbom::Sbom;
use vigil_types::{
    Analysis, Digest, Distro, FileEntry, FileEntryKind, FoundIn, HistoryEntry, ImageConfig, LayerInfo, Location,
    Package, PackageType, PasswdEntry, Purl, Searched, SecretFinding, SourceInfo, VerifyFinding, VerifyProblem,
};

const TARGET: Duration = Duration::from_millis(50);
const FIFTY: &str = include_str!("fifty-rules.yaml");

/// A small deterministic generator (xorshift), so every run measures the same input.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn layer(i: usize) -> Digest {
    Digest::sha256_of(format!("bench layer {i}").as_bytes())
}

fn synthetic_sbom() -> Sbom {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let source = SourceInfo {
        scheme: "docker-archive".into(),
        input: "docker-archive:bench.tar".into(),
        name: "acme/web:1.0".into(),
        platform: "linux/amd64".into(),
        size: 412_000_000,
        ..SourceInfo::default()
    };
    let mut sbom = Sbom::new_at(source, "2026-11-23T10:00:00Z");
    sbom.layers = (0..6)
        .map(|i| LayerInfo {
            index: i,
            diff_id: layer(i),
            digest: None,
            size: 10_000_000,
            uncompressed_size: 60_000_000,
            media_type: String::new(),
            created_by: String::new(),
            entries: 2000,
        })
        .collect();
    let history = |created_by: &str, empty: bool| HistoryEntry {
        created_by: created_by.to_string(),
        empty_layer: empty,
        ..HistoryEntry::default()
    };
    sbom.config = Some(ImageConfig {
        architecture: "amd64".into(),
        os: "linux".into(),
        env: vec!["PATH=/usr/local/bin:/usr/bin:/bin".into()],
        exposed_ports: vec!["8000/tcp".into()],
        history: vec![
            history("/bin/sh -c #(nop) ADD file:0123abcd in / ", false),
            history("/bin/sh -c #(nop)  CMD [\"bash\"]", true),
            history(
                "/bin/sh -c apt-get update && apt-get install -y --no-install-recommends ca-certificates curl",
                false,
            ),
            history("/bin/sh -c apt-get install -y python3 python3-pip", false),
            history("/bin/sh -c #(nop)  CMD [\"python3\"]", true),
            history("WORKDIR /app", true),
            history("COPY requirements.txt /app/ # buildkit", false),
            history("RUN /bin/sh -c pip install -r requirements.txt # buildkit", false),
            history("COPY . /app # buildkit", false),
            history("EXPOSE map[8000/tcp:{}]", true),
            history("CMD [\"python\" \"app.py\"]", true),
        ],
        ..ImageConfig::default()
    });
    sbom.distro = Some(Distro {
        id: "debian".into(),
        version_id: "12".into(),
        ..Distro::default()
    });
    let licences = [
        "GPL-2.0-only",
        "MIT",
        "BSD-3-Clause",
        "Apache-2.0",
        "LGPL-2.1-or-later",
        "MIT OR Apache-2.0",
    ];
    for i in 0..200usize {
        let (ty, purl_type, path, layer_index) = match i {
            0..150 => (PackageType::Deb, "deb", "/var/lib/dpkg/status".to_string(), 1 + i % 2),
            150..190 => (
                PackageType::Python,
                "pypi",
                format!("/usr/local/lib/python3.11/site-packages/pkg{i}.dist-info/METADATA"),
                4,
            ),
            _ => (
                PackageType::Npm,
                "npm",
                format!("/app/node_modules/pkg{i}/package.json"),
                5,
            ),
        };
        let name = format!("pkg{i}");
        let version = format!("{}.{}.{}", 1 + rng.below(3), rng.below(20), rng.below(10));
        let mut p = Package::new(
            ty,
            &name,
            &version,
            Purl::new(purl_type, &name, &version),
            Location::new(path, Some(layer(layer_index))),
            "bench",
        );
        p.licenses = vec![licences[i % licences.len()].to_string()];
        sbom.packages.push(p);
    }
    let mut files = Vec::with_capacity(10_000);
    let dirs = [
        "/usr/bin",
        "/usr/lib/x86_64-linux-gnu",
        "/usr/share/doc",
        "/usr/local/lib/python3.11/site-packages",
        "/app",
        "/etc",
    ];
    for i in 0..10_000usize {
        let dir = dirs[i % dirs.len()];
        let ext = ["", ".so", ".py", ".txt", ".json", ".pem"][rng.below(6) as usize];
        let mode = match rng.below(500) {
            0 => 0o4755,
            1 => 0o777,
            _ => 0o644,
        };
        files.push(FileEntry {
            path: format!("{dir}/file{i}{ext}"),
            kind: FileEntryKind::File,
            mode,
            uid: 0,
            gid: 0,
            size: rng.below(100_000),
            layer: i % 6,
            link: None,
            sha256: None,
        });
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let secret = |rule: &str, category: &str, path: &str| SecretFinding {
        rule: rule.into(),
        category: category.into(),
        title: rule.into(),
        found_in: FoundIn::File {
            path: path.into(),
            layer: 4,
            line: 1,
            deleted: false,
        },
        redacted: "****".into(),
    };
    sbom.analysis = Some(Analysis {
        searched: Searched {
            secret_rules: vec!["private-key".into(), "aws-access-key-id".into(), "github-pat".into()],
            content_regexes: Vec::new(),
            digests: false,
            verify: true,
            max_file_size: 10 << 20,
        },
        files,
        secrets: vec![
            secret("private-key", "private-key", "/app/deploy/id_rsa"),
            secret("aws-access-key-id", "aws", "/app/.env"),
            secret("github-pat", "github", "/app/.git/config"),
        ],
        content_matches: Vec::new(),
        passwd: Some(
            (0..20)
                .map(|i| PasswdEntry {
                    name: if i == 0 { "root".into() } else { format!("user{i}") },
                    uid: i,
                    gid: i,
                    home: String::new(),
                    shell: "/usr/sbin/nologin".into(),
                })
                .collect(),
        ),
        groups: None,
        verify: (0..3)
            .map(|i| VerifyFinding {
                package_id: format!("id{i}"),
                package: format!("pkg{i}"),
                path: format!("/usr/bin/tool{i}"),
                problem: VerifyProblem::Changed,
                layer: Some(3),
            })
            .collect(),
        notes: Vec::new(),
    });
    sbom
}

fn synthetic_findings(sbom: &Sbom) -> Vec<Finding> {
    let mut rng = Rng(0x0bad_cafe_f00d_0002);
    let severities = ["low", "medium", "high", "critical", "negligible", "unknown"];
    let vectors = [
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N",
        "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H",
    ];
    (0..150)
        .map(|i| {
            let p = &sbom.packages[rng.below(sbom.packages.len() as u64) as usize];
            let fixed = rng.below(3) > 0;
            let nearest = format!("{}.{}", p.version, 1 + rng.below(5));
            let vector = vectors[rng.below(3) as usize];
            let mut v = json!({
                "id": format!("CVE-20{:02}-{:05}", 15 + rng.below(10), i),
                "package": {"id": p.id, "name": p.name, "version": p.version, "type": p.ty.as_str(),
                            "purl": p.purl.to_string(), "locations": p.locations, "layer": p.layer},
                "severity": {"level": severities[rng.below(6) as usize], "source": "cvss", "vector": vector},
                "cvss": [{"version": "3.1", "vector": vector, "score": 7.5, "severity": "high", "source": "nvd"}],
                "fix": {"state": if fixed { "fixed" } else { "not-fixed" }},
                "matches": [],
                "published": "2024-03-01T00:00:00Z",
                "modified": "2024-06-01T00:00:00Z",
            });
            if fixed {
                v["fix"]["versions"] = json!([nearest]);
                v["fix"]["nearest"] = json!(nearest);
            }
            if i % 10 == 0 {
                v["epss"] = json!({"cve": "CVE", "score": 0.2, "percentile": 0.96});
            }
            serde_json::from_value(v).unwrap_or_else(|e| panic!("synthetic finding: {e}"))
        })
        .collect()
}

fn read_input() -> Result<(Sbom, Vec<Finding>, &'static str), String> {
    let sbom = match std::env::var_os("VIGIL_BENCH_SBOM") {
        Some(path) => {
            let name = std::path::PathBuf::from(&path).display().to_string();
            let bytes = std::fs::read(&path).map_err(|e| format!("VIGIL_BENCH_SBOM {name}: {e}"))?;
            vigil_sbom::decode(&bytes, &name).map_err(|e| format!("VIGIL_BENCH_SBOM: {e}"))?
        }
        None => synthetic_sbom(),
    };
    let from_env = std::env::var_os("VIGIL_BENCH_SBOM").is_some();
    let findings = match std::env::var_os("VIGIL_BENCH_SCAN") {
        Some(path) => {
            #[derive(serde::Deserialize)]
            struct Scan {
                findings: Vec<Finding>,
            }
            let bytes = std::fs::read(&path).map_err(|e| format!("VIGIL_BENCH_SCAN: {e}"))?;
            serde_json::from_slice::<Scan>(&bytes)
                .map_err(|e| format!("VIGIL_BENCH_SCAN: {e}"))?
                .findings
        }
        None if from_env => Vec::new(),
        None => synthetic_findings(&sbom),
    };
    Ok((sbom, findings, if from_env { "VIGIL_BENCH_SBOM" } else { "synthetic" }))
}

fn median_ms(bundle: &Bundle, input: &Input<'_>) -> (f64, f64) {
    let mut times: Vec<Duration> = (0..30)
        .map(|_| {
            let start = Instant::now();
            let v = evaluate(bundle, input);
            let t = start.elapsed();
            std::hint::black_box(v.policies.len());
            t
        })
        .collect();
    times.sort();
    (times[times.len() / 2].as_secs_f64() * 1e3, times[0].as_secs_f64() * 1e3)
}

fn main() -> ExitCode {
    let (sbom, findings, origin) = match read_input() {
        Ok(x) => x,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let fifty = match Bundle::parse(FIFTY, "benches/fifty-rules.yaml") {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let default = Bundle::default_bundle();
    let report = MatchReport {
        findings,
        suppressed: Vec::new(),
        expired_rules: Vec::new(),
        notes: Vec::new(),
        counts: Counts::default(),
    };
    let input = Input {
        sbom: &sbom,
        matches: Some(&report),
        db: Some(DbFacts {
            path: "vulndb.sqlite".into(),
            built_at: datetime!(2026-11-22 00:00 UTC),
        }),
        image: ImageRef::parse(&sbom.source.name),
        base: None,
        now: datetime!(2026-11-23 12:00 UTC),
    };
    let files = sbom.analysis.as_ref().map_or(0, |a| a.files.len());
    println!(
        "input ({origin}): {} packages, {} findings, {} files, {} layers",
        sbom.packages.len(),
        report.findings.len(),
        files,
        sbom.layers.len()
    );
    for (name, bundle) in [("default bundle", &default), ("50-rule bundle", &fifty)] {
        let rules: usize = bundle.policies.iter().map(|p| p.rules.len()).sum();
        let v = evaluate(bundle, &input);
        let (median, best) = median_ms(bundle, &input);
        println!(
            "{name} ({rules} rules): {} decisions, verdict {}; median {median:.2} ms, best {best:.2} ms (target < {} ms)",
            v.decisions().count(),
            v.action.as_upper(),
            TARGET.as_millis()
        );
    }
    let mut criterion = Criterion::default().sample_size(30).configure_from_args();
    criterion.bench_function("evaluate default bundle", |b| {
        b.iter(|| evaluate(std::hint::black_box(&default), &input))
    });
    criterion.bench_function("evaluate 50-rule bundle", |b| {
        b.iter(|| evaluate(std::hint::black_box(&fifty), &input))
    });
    criterion.final_summary();
    ExitCode::SUCCESS
}
