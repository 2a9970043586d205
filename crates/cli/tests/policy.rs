//! `vigil scan --policy`, `vigil policy validate | eval | gates | show-default` and
//! `vigil sbom --analyze` as a user runs them, on images written by the test: a Debian base layer,
//! an application layer with Django 2.2.0, urllib3 1.24.1 and an AWS key in `/app/.env`, and a
//! last layer that deletes the key and adds a private key in `/root/.ssh`; the image runs as root
//! and exposes 22/tcp. Advisories: the OSV fixtures plus `fixtures/policy/osv` (Django
//! CVE-2019-19844, critical, fixed in 2.2.9; urllib3 CVE-2019-11324, high, fixed in 1.24.2).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

const TAG: &str = "registry.example.com/team/app:1.0";
const BASE_TAG: &str = "registry.example.com/base/debian:12";
const AWS_KEY_ID: &str = "AKIAQ3EGVD5XK2MPLR7T";

fn vigil(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vigil"))
        .args(args)
        .env_remove("VIGIL_DB")
        .output()
        .expect("vigil runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn both(o: &Output) -> String {
    format!("{}{}", text(&o.stdout), text(&o.stderr))
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf8 path")
}

// ---- a tiny image writer: ustar members, docker-save layout ----

enum Member {
    File(String, Vec<u8>, u32),
    Dir(String),
}

fn file(name: &str, data: impl Into<Vec<u8>>, mode: u32) -> Member {
    Member::File(name.to_string(), data.into(), mode)
}

fn folder(name: &str) -> Member {
    Member::Dir(name.to_string())
}

fn octal(field: &mut [u8], value: u64) {
    let digits = format!("{value:0width$o}", width = field.len() - 1);
    field[..digits.len()].copy_from_slice(digits.as_bytes());
}

fn header(name: &str, size: u64, mode: u32, kind: u8) -> [u8; 512] {
    assert!(name.len() < 100, "short names only: {name}");
    let mut h = [0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    octal(&mut h[100..108], u64::from(mode));
    octal(&mut h[108..116], 0);
    octal(&mut h[116..124], 0);
    octal(&mut h[124..136], size);
    octal(&mut h[136..148], 1_704_164_645);
    h[156] = kind;
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    let c = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(c.as_bytes());
    h
}

fn tar(members: &[(String, Vec<u8>, u32, u8)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, data, mode, kind) in members {
        out.extend_from_slice(&header(name, data.len() as u64, *mode, *kind));
        out.extend_from_slice(data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.resize(out.len() + 1024, 0);
    out
}

fn layer(members: &[Member]) -> Vec<u8> {
    let list: Vec<_> = members
        .iter()
        .map(|m| match m {
            Member::File(n, d, mode) => (n.clone(), d.clone(), *mode, b'0'),
            Member::Dir(n) => (format!("{n}/"), Vec::new(), 0o755, b'5'),
        })
        .collect();
    tar(&list)
}

fn sha256(b: &[u8]) -> String {
    format!("sha256:{}", hex(&Sha256::digest(b)))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Writes a `docker save` archive of `layers` (bottom first) with `config` (without `rootfs`).
fn docker_archive(path: &Path, tag: &str, layers: &[Vec<u8>], created_by: &[&str], mut config: Value) {
    let diff_ids: Vec<String> = layers.iter().map(|l| sha256(l)).collect();
    config["rootfs"] = json!({"type": "layers", "diff_ids": diff_ids});
    config["history"] = Value::Array(
        created_by
            .iter()
            .map(|c| json!({"created": "2024-01-02T03:04:05Z", "created_by": c}))
            .collect(),
    );
    let config = serde_json::to_vec(&config).expect("config");
    let config_name = format!("{}.json", &sha256(&config)[7..]);
    let mut members = vec![(config_name.clone(), config, 0o644, b'0')];
    let mut names = Vec::new();
    for (i, l) in layers.iter().enumerate() {
        let dir = format!("{:064x}", i + 1);
        names.push(format!("{dir}/layer.tar"));
        members.push((format!("{dir}/layer.tar"), l.clone(), 0o644, b'0'));
    }
    let manifest = json!([{"Config": config_name, "RepoTags": [tag], "Layers": names}]);
    members.push((
        "manifest.json".to_string(),
        serde_json::to_vec(&manifest).expect("manifest"),
        0o644,
        b'0',
    ));
    std::fs::write(path, tar(&members)).expect("write image");
}

fn base_layer(release: &str) -> Vec<u8> {
    layer(&[
        folder("etc"),
        file(
            "etc/os-release",
            format!("PRETTY_NAME=\"Debian GNU/Linux {release}\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"{release}\"\nID=debian\n"),
            0o644,
        ),
        file(
            "etc/passwd",
            "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
            0o644,
        ),
        file("etc/group", "root:x:0:\nnogroup:x:65534:\n", 0o644),
        folder("root"),
        folder("usr"),
    ])
}

fn dist_info(name: &str, version: &str) -> Vec<u8> {
    format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: test\nLicense: BSD\n").into_bytes()
}

const PRIVATE_KEY: &str = "-----BEGIN RSA PRIVATE KEY-----
MIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun
VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK
LxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo
9z+40RQzuVaE8AkAFmxZzow3x+VJYKdjykkJ0iT9wCS0DRTXu269V264Vf/3jvre
dZ+hQ6EHT9Q7xbgWXq9G2eUzCnEdPWmyE5wvlj5m2Mph2ITnYZnY5sKoF4aqBfHT
-----END RSA PRIVATE KEY-----
";

/// The application image, and its base image alone.
struct Images {
    app: String,
    base: String,
    other_base: String,
}

fn images(dir: &Path) -> Images {
    let base = base_layer("12");
    let site = "usr/local/lib/python3.11/site-packages";
    let app_layer = layer(&[
        folder("usr/local/lib/python3.11/site-packages/Django-2.2.0.dist-info"),
        file(
            &format!("{site}/Django-2.2.0.dist-info/METADATA"),
            dist_info("Django", "2.2.0"),
            0o644,
        ),
        folder("usr/local/lib/python3.11/site-packages/urllib3-1.24.1.dist-info"),
        file(
            &format!("{site}/urllib3-1.24.1.dist-info/METADATA"),
            dist_info("urllib3", "1.24.1"),
            0o644,
        ),
        folder("app"),
        file(
            "app/.env",
            format!(
                "DJANGO_SETTINGS_MODULE=app.settings\nAWS_ACCESS_KEY_ID={AWS_KEY_ID}\nAWS_SECRET_ACCESS_KEY=q8Vt3wZr0Lk2Hn5Jx7Pc9Md1Gf4Bs6Ye0Ua3Ri8T\n"
            ),
            0o600,
        ),
        file("app/main.py", "print('hello')\n", 0o644),
    ]);
    let last = layer(&[
        folder("app"),
        file("app/.wh..env", "", 0o644),
        folder("root/.ssh"),
        file("root/.ssh/id_rsa", PRIVATE_KEY, 0o600),
    ]);
    let config = json!({
        "architecture": "amd64",
        "os": "linux",
        "created": "2024-01-02T03:04:05Z",
        "config": {
            "Env": ["PATH=/usr/local/bin:/usr/bin:/bin"],
            "Cmd": ["python", "/app/main.py"],
            "WorkingDir": "/app",
            "ExposedPorts": {"22/tcp": {}, "8000/tcp": {}}
        }
    });
    let app = dir.join("app.tar");
    docker_archive(
        &app,
        TAG,
        &[base.clone(), app_layer, last],
        &[
            "/bin/sh -c #(nop) ADD file:debian-rootfs.tar in / ",
            "COPY . / # buildkit",
            "RUN /bin/sh -c rm /app/.env && mkdir -p /root/.ssh # buildkit",
        ],
        config.clone(),
    );
    let base_path = dir.join("base.tar");
    docker_archive(
        &base_path,
        BASE_TAG,
        &[base],
        &["/bin/sh -c #(nop) ADD file:debian-rootfs.tar in / "],
        config.clone(),
    );
    let other = dir.join("other-base.tar");
    docker_archive(
        &other,
        "registry.example.com/base/debian:11",
        &[base_layer("11")],
        &["/bin/sh -c #(nop) ADD file:debian-rootfs.tar in / "],
        config,
    );
    Images {
        app: format!("docker-archive:{}", app.display()),
        base: format!("docker-archive:{}", base_path.display()),
        other_base: format!("docker-archive:{}", other.display()),
    }
}

/// A database of the OSV fixtures and this test's records.
fn database(dir: &Path) -> String {
    let db = dir.join("vulndb.sqlite");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let out = vigil(&[
        "db",
        "import",
        "--db",
        s(&db),
        s(&fixtures.join("osv")),
        s(&fixtures.join("policy/osv")),
    ]);
    assert!(out.status.success(), "import failed: {}", text(&out.stderr));
    s(&db).to_string()
}

struct Env {
    dir: tempfile::TempDir,
    images: Images,
    db: String,
}

fn setup() -> Env {
    let dir = tempfile::tempdir().expect("tmp");
    let images = images(dir.path());
    let db = database(dir.path());
    Env { dir, images, db }
}

fn json_of(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("json ({e}): {}", both(o)))
}

/// (gate, trigger, trigger id, effective action) of every decision.
fn decisions(report: &Value) -> BTreeSet<(String, String, String, String)> {
    let mut out = BTreeSet::new();
    for p in report["policy"]["policies"].as_array().expect("policies") {
        for d in p["decisions"].as_array().expect("decisions") {
            let f = |k: &str| d[k].as_str().unwrap_or_default().to_string();
            out.insert((f("gate"), f("trigger"), f("trigger_id"), f("effective")));
        }
    }
    out
}

fn decision_list(report: &Value) -> Vec<Value> {
    report["policy"]["policies"]
        .as_array()
        .expect("policies")
        .iter()
        .flat_map(|p| p["decisions"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// The STOP decisions of the vulnerabilities gate for `package` (case-insensitive).
fn vuln_stops(report: &Value, package: &str) -> Vec<Value> {
    decision_list(report)
        .into_iter()
        .filter(|d| {
            d["gate"] == "vulnerabilities"
                && d["effective"] == "stop"
                && d["trigger_id"]
                    .as_str()
                    .is_some_and(|t| t.to_ascii_lowercase().ends_with(&format!("+{package}")))
        })
        .collect()
}

fn scan(env: &Env, extra: &[&str]) -> Output {
    let mut args = vec!["scan", env.images.app.as_str(), "--db", env.db.as_str(), "-q"];
    args.extend_from_slice(extra);
    vigil(&args)
}

#[test]
fn the_default_bundle_stops_on_django_urllib3_secrets_and_ssh() {
    let env = setup();
    let out = scan(&env, &["--policy", "default", "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("STOP"), "{}", text(&out.stderr));
    let report = json_of(&out);
    assert_eq!(report["policy"]["action"], "stop", "{}", report["policy"]);
    assert_eq!(report["policy"]["image"]["repository"], "team/app");
    let django = vuln_stops(&report, "django");
    assert!(
        django
            .iter()
            .any(|d| d["trigger_id"].as_str().unwrap_or("").starts_with("CVE-2019-19844")),
        "{django:?}"
    );
    assert_eq!(django[0]["fix"], "2.2.9", "{django:?}");
    let urllib3 = vuln_stops(&report, "urllib3");
    assert!(
        urllib3
            .iter()
            .any(|d| d["trigger_id"].as_str().unwrap_or("").starts_with("CVE-2019-11324")),
        "{urllib3:?}"
    );
    // Fix advice names both upgrades.
    let advice = report["policy"]["fix_advice"].to_string().to_ascii_lowercase();
    assert!(advice.contains("2.2.9") && advice.contains("1.24.2"), "{advice}");

    let all = decision_list(&report);
    let found = |gate: &str, needle: &str, action: &str| {
        all.iter()
            .any(|d| d["gate"] == gate && d["effective"] == action && d.to_string().contains(needle))
    };
    // The private key of the last layer, and the AWS key the last layer deleted.
    assert!(found("secrets", "/root/.ssh/id_rsa", "stop"), "{all:#?}");
    assert!(found("secrets", "/app/.env", "stop"), "the deleted AWS key: {all:#?}");
    for rule in ["aws-access-key-id", "aws-secret-access-key"] {
        assert!(
            all.iter().any(|d| d["trigger_id"] == format!("{rule}:/app/.env")),
            "{rule} in the .env's usual upper-case spelling: {all:#?}"
        );
    }
    let aws = all
        .iter()
        .find(|d| d["gate"] == "secrets" && d.to_string().contains("/app/.env"))
        .expect("aws decision");
    assert_eq!(aws["layer"]["index"], 1, "found in the layer that added it: {aws}");
    assert!(
        !aws.to_string().contains(&AWS_KEY_ID[4..]),
        "the key itself is not printed: {aws}"
    );
    assert!(found("image_config", "22", "stop"), "exposed ssh: {all:#?}");
    assert!(found("image_config", "root", "warn"), "root user: {all:#?}");
    assert!(found("image_config", "healthcheck", "warn"), "no healthcheck: {all:#?}");
    assert!(!found("image_config", "8000", "stop"), "8000 is not ssh: {all:#?}");
}

#[test]
fn without_policy_the_default_verdict_is_shown_but_only_fail_on_gates() {
    let env = setup();
    let out = scan(&env, &["-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = json_of(&out);
    assert_eq!(report["policy"]["action"], "stop");
    // JUnit failures are what CI fails on: without --policy they follow --fail-on, not the verdict.
    let junit = text(&scan(&env, &["-o", "junit"]).stdout);
    assert!(junit.contains("<testsuite") && !junit.contains("<failure"), "{junit}");
    assert!(
        !junit.contains("policy/") && !junit.contains("exposed_ports"),
        "{junit}"
    );
    let junit = text(&scan(&env, &["-o", "junit", "--fail-on", "critical"]).stdout);
    assert!(
        junit.contains("<failure") && junit.contains("CVE-2019-19844"),
        "{junit}"
    );
    let critical = scan(&env, &["-o", "json", "--fail-on", "critical"]);
    assert_eq!(
        critical.status.code(),
        Some(1),
        "django is critical: {}",
        text(&critical.stderr)
    );
    // --fail-on-warn without a policy is a usage error.
    let bad = scan(&env, &["--fail-on-warn"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("--policy"), "{}", text(&bad.stderr));
}

/// A bundle of warn rules only: exit 0, and 1 with --fail-on-warn.
#[test]
fn warn_verdicts_fail_only_with_fail_on_warn() {
    let env = setup();
    let bundle = env.dir.path().join("warn.yaml");
    std::fs::write(
        &bundle,
        r#"version: "1"
id: warn-only
name: Warn only
policies:
  - id: hygiene
    name: Hygiene
    rules:
      - {id: no-root, gate: image_config, trigger: effective_user, action: warn, params: {users: "root,0"}}
      - {id: ssh, gate: image_config, trigger: exposed_ports, action: warn, params: {ports: "22"}}
      - {id: telnet, gate: image_config, trigger: exposed_ports, action: stop, params: {ports: "23"}}
"#,
    )
    .expect("write");
    let out = scan(&env, &["--policy", s(&bundle), "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = json_of(&out);
    assert_eq!(report["policy"]["action"], "warn");
    assert_eq!(report["policy"]["bundle_id"], "warn-only");
    let d = decisions(&report);
    assert!(d.iter().all(|(_, _, _, a)| a == "warn"), "{d:?}");
    assert_eq!(d.len(), 2, "root and port 22, not 23: {d:?}");
    let fail = scan(&env, &["--policy", s(&bundle), "--fail-on-warn", "-o", "json"]);
    assert_eq!(fail.status.code(), Some(1), "{}", text(&fail.stderr));
    assert!(text(&fail.stderr).contains("--fail-on-warn"), "{}", text(&fail.stderr));
}

/// The default bundle with an allowlist for every STOP decision, expiring on `expires`.
fn allowlisted_bundle(path: &Path, stops: &[Value], expires: &str) {
    let mut bundle = serde_json::to_value(vigil_policy::Bundle::default_bundle()).expect("bundle json");
    bundle["id"] = json!("team-app");
    let items: Vec<Value> = stops
        .iter()
        .enumerate()
        .map(|(i, d)| {
            json!({
                "id": format!("item-{i}"),
                "gate": d["gate"],
                "trigger_id": d["trigger_id"],
                "reason": "accepted by the security team until the next release",
                "expires": expires,
            })
        })
        .collect();
    bundle["allowlists"] = json!([{"id": "team-app-exceptions", "name": "Team app exceptions", "items": items}]);
    if let Some(mappings) = bundle["mappings"].as_array_mut() {
        for m in mappings {
            m["allowlist_ids"]
                .as_array_mut()
                .map(|a| a.push(json!("team-app-exceptions")))
                .unwrap_or_else(|| m["allowlist_ids"] = json!(["team-app-exceptions"]));
        }
    }
    std::fs::write(path, serde_json::to_vec_pretty(&bundle).expect("json")).expect("write bundle");
}

#[test]
fn allowlists_apply_until_they_expire() {
    let env = setup();
    let first = json_of(&scan(&env, &["--policy", "default", "-o", "json"]));
    let stops: Vec<Value> = decision_list(&first)
        .into_iter()
        .filter(|d| d["effective"] == "stop")
        .collect();
    assert!(stops.len() >= 5, "django, urllib3, two secrets, port 22: {stops:#?}");
    let bundle = env.dir.path().join("team.json");

    allowlisted_bundle(&bundle, &stops, "2099-12-31");
    let valid = vigil(&["policy", "validate", s(&bundle)]);
    assert_eq!(valid.status.code(), Some(0), "{}", both(&valid));
    let out = scan(&env, &["--policy", s(&bundle), "-o", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "WARN remains (root, healthcheck): {}",
        both(&out)
    );
    let report = json_of(&out);
    assert_eq!(report["policy"]["action"], "warn");
    for d in vuln_stops(&first, "django")
        .iter()
        .chain(&vuln_stops(&first, "urllib3"))
    {
        let now = decision_list(&report)
            .into_iter()
            .find(|n| n["trigger_id"] == d["trigger_id"] && n["gate"] == d["gate"])
            .expect("still reported");
        assert_eq!(now["effective"], "go", "{now}");
        assert_eq!(now["action"], "stop", "the rule's action is kept: {now}");
        assert_eq!(now["allowlisted"]["allowlist"], "team-app-exceptions", "{now}");
    }
    let warn = scan(&env, &["--policy", s(&bundle), "--fail-on-warn", "-o", "json"]);
    assert_eq!(warn.status.code(), Some(1));

    allowlisted_bundle(&bundle, &stops, "2020-01-01");
    let out = scan(&env, &["--policy", s(&bundle), "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report = json_of(&out);
    assert_eq!(report["policy"]["action"], "stop");
    let expired = report["policy"]["expired_allowlist_items"]
        .as_array()
        .expect("expired items");
    assert_eq!(expired.len(), stops.len(), "{expired:?}");
    assert!(expired
        .iter()
        .any(|e| e["trigger_id"].as_str().unwrap_or("").contains("CVE-2019-19844")));
    assert!(text(&out.stderr).contains("expired"), "{}", text(&out.stderr));
}

#[test]
fn a_stored_analysed_sbom_gives_the_same_decisions_without_the_image() {
    let env = setup();
    let direct = json_of(&scan(&env, &["--policy", "default", "-o", "json"]));
    let sbom = env.dir.path().join("app.vigil.json");
    let out = vigil(&[
        "sbom",
        &env.images.app,
        "--analyze",
        "-o",
        &format!("vigil-json={}", sbom.display()),
        "-q",
    ]);
    assert!(out.status.success(), "{}", both(&out));
    let stored: Value = serde_json::from_slice(&std::fs::read(&sbom).expect("read")).expect("sbom json");
    assert!(
        stored["analysis"]["secrets"].as_array().is_some_and(|a| a.len() >= 2),
        "{}",
        stored["analysis"]
    );

    // The image is gone: only the SBOM is evaluated.
    std::fs::remove_file(env.dir.path().join("app.tar")).expect("rm");
    let src = format!("sbom:{}", sbom.display());
    let eval = vigil(&["policy", "eval", &src, "--db", &env.db, "-o", "json", "-q"]);
    assert_eq!(eval.status.code(), Some(1), "{}", text(&eval.stderr));
    let evaluated = json_of(&eval);
    assert_eq!(decisions(&evaluated), decisions(&direct));
    assert_eq!(evaluated["policy"]["action"], "stop");

    // Without the analysis, the secret gates cannot pass silently: they say the data is missing.
    let plain = env.dir.path().join("plain.vigil.json");
    std::fs::copy(&sbom, &plain).expect("copy");
    let mut v: Value = serde_json::from_slice(&std::fs::read(&plain).expect("read")).expect("json");
    v.as_object_mut().expect("object").remove("analysis");
    std::fs::write(&plain, serde_json::to_vec(&v).expect("json")).expect("write");
    let eval = vigil(&[
        "policy",
        "eval",
        &format!("sbom:{}", plain.display()),
        "--db",
        &env.db,
        "-o",
        "json",
        "-q",
    ]);
    let report = json_of(&eval);
    let secrets: Vec<Value> = decision_list(&report)
        .into_iter()
        .filter(|d| d["gate"] == "secrets")
        .collect();
    assert!(
        !secrets.is_empty() && secrets.iter().all(|d| d["effective"] == "warn"),
        "{secrets:#?}"
    );
}

#[test]
fn every_format_carries_the_verdict() {
    let env = setup();
    let sarif = scan(&env, &["--policy", "default", "-o", "sarif"]);
    assert_eq!(sarif.status.code(), Some(1));
    let sarif = json_of(&sarif);
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let policy: Vec<&Value> = results
        .iter()
        .filter(|r| r["ruleId"].as_str().is_some_and(|id| id.starts_with("policy/")))
        .collect();
    assert!(
        policy
            .iter()
            .any(|r| r["ruleId"] == "policy/vulnerabilities/package" && r["level"] == "error"),
        "{policy:#?}"
    );
    assert!(policy
        .iter()
        .any(|r| r["ruleId"].as_str().unwrap_or("").starts_with("policy/secrets/")));

    let junit = scan(&env, &["--policy", "default", "-o", "junit"]);
    assert_eq!(junit.status.code(), Some(1));
    let xml = text(&junit.stdout);
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(xml.contains("<failure") && xml.contains("CVE-2019-19844"), "{xml}");

    let table = scan(&env, &["--policy", "default"]);
    let t = text(&table.stdout);
    assert!(t.contains("STOP") && t.contains("CVE-2019-11324"), "{t}");

    // Several formats at once, to files, from one scan.
    let j = env.dir.path().join("r.json");
    let x = env.dir.path().join("r.xml");
    let out = scan(
        &env,
        &[
            "--policy",
            "default",
            "-o",
            &format!("json={}", j.display()),
            "-o",
            &format!("junit={}", x.display()),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let r: Value = serde_json::from_slice(&std::fs::read(&j).expect("json file")).expect("json");
    assert_eq!(r["policy"]["action"], "stop");
    assert!(std::fs::read_to_string(&x).expect("xml").contains("<testsuite"));
}

#[test]
fn the_base_image_tells_base_from_application_layers() {
    let env = setup();
    let out = scan(&env, &["--policy", "default", "--base", &env.images.base, "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report = json_of(&out);
    assert_eq!(report["policy"]["base"]["count"], 1, "{}", report["policy"]["base"]);
    let key = decision_list(&report)
        .into_iter()
        .find(|d| d["gate"] == "secrets" && d.to_string().contains("/root/.ssh/id_rsa"))
        .expect("key decision");
    assert_eq!(key["layer"]["part"], "application", "{key}");
    let django = vuln_stops(&report, "django");
    assert_eq!(django[0]["layer"]["part"], "application", "{django:?}");

    // A base whose layers are not the image's bottom layers is an error, before any verdict.
    let bad = scan(&env, &["--policy", "default", "--base", &env.images.other_base]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("not the base"), "{}", text(&bad.stderr));
}

#[test]
fn a_missing_database_warns_in_the_verdict() {
    let env = setup();
    let out = vigil(&[
        "scan",
        &env.images.app,
        "--db",
        "/nonexistent/vulndb.sqlite",
        "--policy",
        "default",
        "-o",
        "json",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(1), "secrets still STOP: {}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("no vulnerability database"),
        "{}",
        text(&out.stderr)
    );
    let report = json_of(&out);
    let vulns: Vec<Value> = decision_list(&report)
        .into_iter()
        .filter(|d| d["gate"] == "vulnerabilities")
        .collect();
    assert!(!vulns.is_empty(), "the gate does not pass silently");
    assert!(vulns.iter().all(|d| d["effective"] == "warn"), "{vulns:#?}");
    assert!(
        vulns
            .iter()
            .any(|d| d["message"].as_str().unwrap_or("").contains("unavailable")
                || d["message"].as_str().unwrap_or("").contains("no vulnerability")),
        "{vulns:#?}"
    );
}

#[test]
fn bad_policy_files_are_errors_at_file_line_col() {
    let env = setup();
    let dir = env.dir.path();
    let cases: &[(&str, &str, usize)] = &[
        (
            "unknown-gate.yaml",
            "      - {id: r1, gate: vulnerabilitiez, trigger: package, action: stop}\n",
            7,
        ),
        (
            "unknown-trigger.yaml",
            "      - {id: r1, gate: vulnerabilities, trigger: packages_with_cves, action: stop}\n",
            7,
        ),
        (
            "wrong-type.yaml",
            "      - {id: r1, gate: vulnerabilities, trigger: stale_feed_data, action: warn, params: {max_days_since_sync: soon}}\n",
            7,
        ),
        (
            "bad-regex.yaml",
            "      - {id: r1, gate: vulnerabilities, trigger: package, action: stop, params: {exclude_path_regex: \"([a-z\"}}\n",
            7,
        ),
    ];
    let head = "version: \"1\"\nid: bad\nname: Bad\npolicies:\n  - id: p\n    rules:\n";
    for (name, rule, line) in cases {
        let path = dir.join(name);
        std::fs::write(&path, format!("{head}{rule}")).expect("write");
        let out = vigil(&["policy", "validate", s(&path)]);
        let all = both(&out);
        assert_eq!(out.status.code(), Some(1), "{name}: {all}");
        let place = format!("{}:{line}:", path.display());
        let first = all
            .lines()
            .find(|l| l.starts_with(&place))
            .unwrap_or_else(|| panic!("{name}: {all}"));
        let col: usize = first[place.len()..]
            .split(':')
            .next()
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| panic!("{name}: no column in {first}"));
        assert!(all.contains(rule.trim_end()), "{name}: the line is shown: {all}");
        let caret = all
            .lines()
            .find(|l| l.trim_end().ends_with('^'))
            .unwrap_or_else(|| panic!("{name}: {all}"));
        let rule_line = all.lines().find(|l| l.ends_with(rule.trim_end())).expect("rule line");
        let offset = rule_line.len() - rule.trim_end().len();
        assert_eq!(
            caret.trim_end().len() - offset,
            col,
            "{name}: caret under column {col}: {all}"
        );
        assert!(col >= 1 && rule.len() >= col, "{name}: {all}");

        // vigil scan reads the policy before the image: a bad file exits 2 even with no image.
        let scan = vigil(&["scan", "docker-archive:/nonexistent.tar", "--policy", s(&path)]);
        assert_eq!(scan.status.code(), Some(2), "{name}");
        let err = text(&scan.stderr);
        assert!(err.contains(&place) && err.contains('^'), "{name}: {err}");
        assert!(
            !err.contains("nonexistent.tar"),
            "{name}: the image was not read: {err}"
        );
    }
    // All of them at once: every file reported.
    let paths: Vec<PathBuf> = cases.iter().map(|(n, ..)| dir.join(n)).collect();
    let mut args = vec!["policy", "validate"];
    args.extend(paths.iter().map(|p| s(p)));
    let out = vigil(&args);
    assert_eq!(out.status.code(), Some(1));
    for p in &paths {
        assert!(both(&out).contains(&format!("{}:7:", p.display())), "{}", both(&out));
    }
    // A good file.
    let good = dir.join("good.yaml");
    std::fs::write(
        &good,
        format!(
            "{head}      - {{id: r1, gate: vulnerabilities, trigger: package, action: stop, params: {{severity: high, fix_available: \"true\"}}}}\n      - {{id: r2, gate: image_config, trigger: no_healthcheck, action: warn}}\nallowlists:\n  - id: a\n    items:\n      - {{id: i1, gate: vulnerabilities, trigger_id: \"CVE-2019-19844+*\", reason: test}}\nmappings:\n  - {{registry: \"*\", repository: \"*\", tag: \"*\", policy_ids: [p], allowlist_ids: [a]}}\n"
        ),
    )
    .expect("write");
    let out = vigil(&["policy", "validate", s(&good)]);
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    assert!(
        text(&out.stdout).contains("ok: 1 policies, 2 rules, 1 allowlist items, 1 mappings"),
        "{}",
        both(&out)
    );
    // A good policy on an image that does not exist: 2.
    let out = vigil(&[
        "scan",
        "docker-archive:/nonexistent.tar",
        "--policy",
        s(&good),
        "--db",
        &env.db,
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn gates_lists_the_table_the_evaluator_uses() {
    let out = vigil(&["policy", "gates", "--json"]);
    assert!(out.status.success(), "{}", both(&out));
    let listed: Value = json_of(&out);
    let table = vigil_policy::gates();
    let listed = listed.as_array().expect("array");
    assert_eq!(listed.len(), table.len());
    for (g, spec) in listed.iter().zip(table) {
        assert_eq!(g["gate"], spec.name);
        assert_eq!(g["description"], spec.description);
        let triggers = g["triggers"].as_array().expect("triggers");
        assert_eq!(triggers.len(), spec.triggers.len(), "{}", spec.name);
        for (t, ts) in triggers.iter().zip(spec.triggers) {
            assert_eq!(t["trigger"], ts.name);
            assert!(
                !ts.description.is_empty(),
                "{}.{} has a description",
                spec.name,
                ts.name
            );
            let params = t["params"].as_array().expect("params");
            assert_eq!(params.len(), ts.params.len());
            for (p, ps) in params.iter().zip(ts.params) {
                assert_eq!(p["name"], ps.name);
                assert_eq!(p["required"], ps.required);
                assert_eq!(p["description"], ps.description);
            }
        }
    }
    let names: BTreeSet<&str> = table.iter().map(|g| g.name).collect();
    for gate in [
        "vulnerabilities",
        "packages",
        "image_config",
        "files",
        "secrets",
        "licenses",
        "metadata",
        "passwd",
    ] {
        assert!(names.contains(gate), "gate {gate} in {names:?}");
    }
    let plain = text(&vigil(&["policy", "gates"]).stdout);
    let md = text(&vigil(&["policy", "gates", "--markdown"]).stdout);
    for g in table {
        for t in g.triggers {
            assert!(
                plain.contains(&format!("{}.{}", g.name, t.name)),
                "{}.{}",
                g.name,
                t.name
            );
            assert!(
                md.contains(&format!("`{}` / `{}`", g.name, t.name)),
                "{}.{}",
                g.name,
                t.name
            );
            for p in t.params {
                assert!(md.contains(&format!("`{}`", p.name)));
            }
        }
    }
}

#[test]
fn the_default_bundle_can_be_printed_and_validated() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = vigil(&["policy", "show-default"]);
    assert!(out.status.success(), "{}", both(&out));
    let path = dir.path().join("mine.yaml");
    std::fs::write(&path, &out.stdout).expect("write");
    let valid = vigil(&["policy", "validate", s(&path)]);
    assert_eq!(valid.status.code(), Some(0), "{}", both(&valid));
    let b = vigil_policy::Bundle::default_bundle();
    let rules: usize = b.policies.iter().map(|p| p.rules.len()).sum();
    assert!(
        text(&valid.stdout).contains(&format!("ok: {} policies, {rules} rules", b.policies.len())),
        "{}",
        text(&valid.stdout)
    );
    let printed = vigil_policy::Bundle::load(&path).expect("loads");
    let expected = serde_json::to_value(&b).expect("json");
    assert_eq!(serde_json::to_value(&printed).expect("json"), expected);
    // As JSON too, which the loader reads as well.
    let out = vigil(&["policy", "show-default", "--json"]);
    assert_eq!(json_of(&out), expected);
    let path = dir.path().join("mine.json");
    std::fs::write(&path, &out.stdout).expect("write");
    let printed = vigil_policy::Bundle::load(&path).expect("loads");
    assert_eq!(serde_json::to_value(&printed).expect("json"), expected);
}

const NEEDS_BUNDLE: &str = r#"version: "1"
id: team
name: Team bundle
policies:
  - id: strict
    name: Strict
    rules:
      - {id: hello, gate: files, trigger: content_regex_match, action: warn, params: {regex: "print\\('hello'\\)"}}
      - {id: settings, gate: secrets, trigger: custom, action: stop,
         params: {id: django-settings, regex: "DJANGO_SETTINGS_MODULE=[a-z.]+", path_regex: "\\.env$"}}
  - id: lenient
    name: Lenient
    rules:
      - {id: health, gate: image_config, trigger: no_healthcheck, action: warn}
mappings:
  - {name: team-images, registry: registry.example.com, repository: "team/*", tag: "*", policy_ids: [strict]}
  - {name: everything-else, registry: "*", repository: "*", tag: "*", policy_ids: [lenient]}
denylisted_images:
  - {name: retired, registry: "*", repository: "legacy/*", tag: "*"}
"#;

/// What a bundle's rules need (content regexes, custom secret patterns) is what the analysis
/// searches; the image's name picks the mapping.
#[test]
fn the_bundle_decides_what_is_searched_and_the_name_picks_the_policies() {
    let env = setup();
    let bundle = env.dir.path().join("team.yaml");
    std::fs::write(&bundle, NEEDS_BUNDLE).expect("write");
    let b = s(&bundle);

    let out = scan(&env, &["--policy", b, "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    let direct = json_of(&out);
    assert_eq!(direct["policy"]["mapping"], "team-images", "{}", direct["policy"]);
    let d = decisions(&direct);
    assert!(
        d.iter().any(|(g, t, id, a)| g == "files"
            && t == "content_regex_match"
            && id.contains("/app/main.py")
            && a == "warn"),
        "{d:?}"
    );
    assert!(
        d.iter()
            .any(|(g, t, id, a)| g == "secrets" && t == "custom" && id.contains("/app/.env") && a == "stop"),
        "the custom pattern, in the deleted file: {d:?}"
    );

    // Another name: the second mapping, whose policy only warns.
    let other = scan(
        &env,
        &["--policy", b, "--image-name", "docker.io/library/other:1", "-o", "json"],
    );
    assert_eq!(other.status.code(), Some(0), "{}", both(&other));
    let other = json_of(&other);
    assert_eq!(other["policy"]["mapping"], "everything-else");
    assert_eq!(other["policy"]["action"], "warn");
    assert_eq!(other["policy"]["image"]["repository"], "library/other");
    // A deny-listed name: STOP whatever the policies say.
    let denied = scan(
        &env,
        &[
            "--policy",
            b,
            "--image-name",
            "registry.example.com/legacy/app:3",
            "-o",
            "json",
        ],
    );
    assert_eq!(denied.status.code(), Some(1));
    let denied = json_of(&denied);
    assert_eq!(denied["policy"]["action"], "stop");
    assert_eq!(denied["policy"]["basis"], "denylisted");

    // An SBOM analysed for the default bundle did not search for this bundle's patterns: those
    // rules WARN that their data is unavailable instead of passing.
    let plain = env.dir.path().join("plain.json");
    let out = vigil(&[
        "sbom",
        &env.images.app,
        "--analyze",
        "-o",
        &format!("vigil-json={}", plain.display()),
        "-q",
    ]);
    assert!(out.status.success(), "{}", both(&out));
    let eval = vigil(&[
        "policy",
        "eval",
        &format!("sbom:{}", plain.display()),
        "--policy",
        b,
        "--db",
        &env.db,
        "-o",
        "json",
    ]);
    let report = json_of(&eval);
    let rules: Vec<Value> = decision_list(&report)
        .into_iter()
        .filter(|d| d["gate"] == "files" || d["gate"] == "secrets")
        .collect();
    assert_eq!(rules.len(), 2, "{rules:#?}");
    assert!(rules.iter().all(|d| d["effective"] == "warn"), "{rules:#?}");

    // Analysed with --policy, the stored SBOM gives the direct scan's decisions.
    let full = env.dir.path().join("full.json");
    let out = vigil(&[
        "sbom",
        &env.images.app,
        "--analyze",
        "--policy",
        b,
        "-o",
        &format!("vigil-json={}", full.display()),
        "-q",
    ]);
    assert!(out.status.success(), "{}", both(&out));
    let stored: Value = serde_json::from_slice(&std::fs::read(&full).expect("read")).expect("json");
    assert_eq!(
        stored["analysis"]["searched"]["content_regexes"],
        json!(["print\\('hello'\\)"])
    );
    let eval = vigil(&[
        "policy",
        "eval",
        &format!("sbom:{}", full.display()),
        "--policy",
        b,
        "--db",
        &env.db,
        "-o",
        "json",
    ]);
    assert_eq!(eval.status.code(), Some(1));
    assert_eq!(decisions(&json_of(&eval)), d);

    // --policy without --analyze is refused: it would have nothing to search.
    let out = vigil(&["sbom", &env.images.app, "--policy", b]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_gates_document_is_generated_from_the_table() {
    let out = vigil(&["policy", "gates", "--markdown"]);
    assert!(out.status.success());
    let doc = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/policy-gates.md");
    let committed = std::fs::read_to_string(&doc).expect("docs/policy-gates.md");
    assert!(
        committed == String::from_utf8_lossy(&out.stdout),
        "docs/policy-gates.md is out of date: regenerate it with `vigil policy gates --markdown > docs/policy-gates.md`"
    );
}
