//! Every gate and trigger on the fixture image: each fires when it should, and not when it should
//! not; missing data is a WARN, never a pass.

mod common;

use common::*;
use vigil_match::{Note, NoteKind};
use vigil_policy::{gates, Action, Verdict};
use vigil_types::{FoundIn, SecretFinding};

/// Evaluates one rule on `case`; the verdict.
fn run(case: &Case, gate: &str, trigger: &str, params: &str) -> Verdict {
    case.eval(&bundle(&[&rule(gate, trigger, "stop", params)]))
}

/// The trigger ids one rule fires on `case`.
fn ids(case: &Case, gate: &str, trigger: &str, params: &str) -> Vec<String> {
    fired(&run(case, gate, trigger, params), gate, trigger)
}

fn sorted(ids: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ids.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// The rule gives exactly one WARN decision saying the data is unavailable.
fn assert_unavailable(v: &Verdict, mentions: &str) {
    let d: Vec<_> = v.decisions().collect();
    assert_eq!(d.len(), 1, "{d:#?}");
    assert_eq!(d[0].trigger_id, "data_unavailable");
    assert_eq!(d[0].effective, Action::Warn);
    assert!(d[0].message.starts_with("data unavailable: "), "{}", d[0].message);
    assert!(d[0].message.contains(mentions), "{}", d[0].message);
    assert_eq!(v.action, Action::Warn);
}

#[test]
fn table_has_every_gate() {
    let names: Vec<&str> = gates().iter().map(|g| g.name).collect();
    assert_eq!(
        names,
        [
            "vulnerabilities",
            "packages",
            "licenses",
            "image_config",
            "files",
            "secrets",
            "metadata",
            "passwd",
            "always"
        ]
    );
    let triggers: usize = gates().iter().map(|g| g.triggers.len()).sum();
    assert_eq!(triggers, 29);
}

#[test]
fn vulnerabilities_package_severity_and_fix() {
    let c = Case::new();
    let high = ids(&c, "vulnerabilities", "package", "severity: high, fix_available: true");
    assert_eq!(
        high,
        sorted(&[
            "CVE-2019-19844+django",
            "CVE-2020-7471+django",
            "CVE-2019-11324+urllib3"
        ])
    );
    let medium = ids(
        &c,
        "vulnerabilities",
        "package",
        "severity_comparison: '=', severity: medium, fix_available: true",
    );
    assert_eq!(medium, sorted(&["CVE-2023-45803+urllib3", "CVE-2024-0727+openssl"]));
    let unfixed = ids(&c, "vulnerabilities", "package", "fix_available: false");
    assert_eq!(unfixed, ["CVE-2023-5678+openssl"]);
    let below = ids(
        &c,
        "vulnerabilities",
        "package",
        "severity_comparison: '<', severity: medium",
    );
    assert_eq!(below, ["CVE-2023-5678+openssl"]);
    assert!(ids(&c, "vulnerabilities", "package", "severity: critical, package_type: os").is_empty());
}

#[test]
fn vulnerabilities_package_message_names_the_package_and_fix() {
    let v = run(&Case::new(), "vulnerabilities", "package", "severity: critical");
    let d = v
        .decisions()
        .find(|d| d.trigger_id == "CVE-2019-19844+django")
        .expect("fired");
    assert_eq!(d.subject, "django@2.2.0");
    assert_eq!(d.fix.as_deref(), Some("2.2.9"));
    assert!(
        d.message
            .contains("CRITICAL vulnerability CVE-2019-19844 in django 2.2.0 (python)"),
        "{}",
        d.message
    );
    assert!(d.message.contains("fixed in 2.2.9"), "{}", d.message);
    assert_eq!(d.action, Action::Stop);
}

#[test]
fn vulnerabilities_package_types_and_names() {
    let c = Case::new();
    assert_eq!(
        ids(&c, "vulnerabilities", "package", "package_type: os"),
        sorted(&["CVE-2024-0727+openssl", "CVE-2023-5678+openssl"])
    );
    assert_eq!(ids(&c, "vulnerabilities", "package", "package_type: non-os").len(), 4);
    assert_eq!(
        ids(
            &c,
            "vulnerabilities",
            "package",
            "package_type: python, package_names: 'urllib*'"
        ),
        sorted(&["CVE-2019-11324+urllib3", "CVE-2023-45803+urllib3"])
    );
    assert!(ids(&c, "vulnerabilities", "package", "package_type: npm").is_empty());
}

#[test]
fn vulnerabilities_package_cvss_scores() {
    let c = Case::new();
    let django = sorted(&["CVE-2019-19844+django", "CVE-2020-7471+django"]);
    assert_eq!(ids(&c, "vulnerabilities", "package", "cvss_v3_base_score: 9.0"), django);
    // AV:N/AC:L/PR:N/UI:N gives the maximum exploitability subscore, 3.9.
    assert_eq!(
        ids(
            &c,
            "vulnerabilities",
            "package",
            "cvss_v3_exploitability_score_comparison: '>=', cvss_v3_exploitability_score: 3.9"
        ),
        sorted(&[
            "CVE-2019-19844+django",
            "CVE-2020-7471+django",
            "CVE-2019-11324+urllib3"
        ])
    );
    // C:H/I:H/A:H gives an impact subscore of 5.9; one high metric gives 3.6.
    assert_eq!(
        ids(
            &c,
            "vulnerabilities",
            "package",
            "cvss_v3_impact_score_comparison: '>', cvss_v3_impact_score: 5.0"
        ),
        django
    );
    assert_eq!(
        ids(
            &c,
            "vulnerabilities",
            "package",
            "cvss_v3_base_score_comparison: '<', cvss_v3_base_score: 6"
        ),
        ["CVE-2024-0727+openssl"]
    );
}

#[test]
fn vulnerabilities_package_epss_kev_and_age() {
    let c = Case::new();
    assert_eq!(
        ids(&c, "vulnerabilities", "package", "epss_score: 0.4"),
        ["CVE-2024-0727+openssl"]
    );
    assert!(ids(
        &c,
        "vulnerabilities",
        "package",
        "epss_percentile_comparison: '<', epss_percentile: 0.5"
    )
    .is_empty());
    assert_eq!(
        ids(&c, "vulnerabilities", "package", "kev: true"),
        ["CVE-2024-0727+openssl"]
    );
    assert_eq!(ids(&c, "vulnerabilities", "package", "kev: false").len(), 5);
    // Published 13 days before NOW.
    assert_eq!(
        ids(&c, "vulnerabilities", "package", "max_days_since_creation: 30"),
        ["CVE-2024-0727+openssl"]
    );
    assert_eq!(
        ids(&c, "vulnerabilities", "package", "min_days_since_published: 30").len(),
        5
    );
    // Fixed and last modified in 2020: a fix has been out for more than a year.
    assert_eq!(
        ids(&c, "vulnerabilities", "package", "max_days_since_fix: 365"),
        sorted(&[
            "CVE-2019-19844+django",
            "CVE-2020-7471+django",
            "CVE-2019-11324+urllib3",
            "CVE-2023-45803+urllib3"
        ])
    );
}

#[test]
fn vulnerabilities_package_path_exclusion() {
    let c = Case::new();
    assert_eq!(
        ids(&c, "vulnerabilities", "package", "exclude_paths: ['*/site-packages/*']"),
        sorted(&["CVE-2024-0727+openssl", "CVE-2023-5678+openssl"])
    );
    assert_eq!(
        ids(
            &c,
            "vulnerabilities",
            "package",
            "exclude_path_regex: '^/var/lib/dpkg/'"
        )
        .len(),
        4
    );
}

#[test]
fn vulnerabilities_without_a_scan_warn() {
    let mut c = Case::new();
    c.report = None;
    assert_unavailable(
        &run(&c, "vulnerabilities", "package", "severity: high"),
        "no vulnerability scan",
    );
    assert_unavailable(
        &run(&c, "vulnerabilities", "denylist", "ids: CVE-2019-11324"),
        "no vulnerability scan",
    );
}

#[test]
fn vulnerabilities_denylist() {
    let c = Case::new();
    assert_eq!(
        ids(
            &c,
            "vulnerabilities",
            "denylist",
            "ids: [CVE-2019-11324, GHSA-0000-0000-0000]"
        ),
        ["CVE-2019-11324+urllib3"]
    );
    assert!(ids(&c, "vulnerabilities", "denylist", "ids: CVE-2021-44228").is_empty());
}

#[test]
fn vulnerabilities_stale_feed_data() {
    let mut c = Case::new();
    assert!(ids(&c, "vulnerabilities", "stale_feed_data", "max_days_since_sync: 2").is_empty());
    c.db = Some(db(NOW - time::Duration::days(5)));
    let v = run(&c, "vulnerabilities", "stale_feed_data", "max_days_since_sync: 2");
    let d: Vec<_> = v.decisions().collect();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].trigger_id, "stale_feed_data");
    assert!(d[0].message.contains("5 days old"), "{}", d[0].message);
    c.db = None;
    assert_unavailable(
        &run(&c, "vulnerabilities", "stale_feed_data", "max_days_since_sync: 2"),
        "no vulnerability database",
    );
}

#[test]
fn vulnerabilities_data_unavailable() {
    let mut c = Case::new();
    assert!(ids(&c, "vulnerabilities", "vulnerability_data_unavailable", "").is_empty());
    let mut r = report(findings());
    r.notes.push(Note {
        kind: NoteKind::UnsupportedDistro,
        package: Some("bash@5.2.15-2+b2 (deb)".to_string()),
        advisory: None,
        message: "no advisory data for debian 12".to_string(),
    });
    c.report = Some(r);
    assert_eq!(
        ids(&c, "vulnerabilities", "vulnerability_data_unavailable", ""),
        ["vulnerability_data_unavailable"]
    );
    c.report = None;
    let v = run(&c, "vulnerabilities", "vulnerability_data_unavailable", "");
    assert_eq!(
        fired(&v, "vulnerabilities", "vulnerability_data_unavailable"),
        ["vulnerability_data_unavailable"]
    );
    assert_eq!(v.action, Action::Stop, "the rule's own action applies");
}

#[test]
fn packages_required_package() {
    let c = Case::new();
    assert_eq!(
        ids(&c, "packages", "required_package", "name: ca-certificates"),
        ["ca-certificates"]
    );
    assert!(ids(&c, "packages", "required_package", "name: bash").is_empty());
    assert!(ids(&c, "packages", "required_package", "name: django, version: 2.2.0").is_empty());
    assert_eq!(
        ids(
            &c,
            "packages",
            "required_package",
            "name: django, version: 2.2.10, version_match_type: minimum"
        ),
        ["django"]
    );
    // PEP 440: 2.2.0 is at least 2.2 (and at least 2.1.15).
    assert!(ids(
        &c,
        "packages",
        "required_package",
        "name: django, version: '2.2', version_match_type: minimum"
    )
    .is_empty());
    assert!(ids(
        &c,
        "packages",
        "required_package",
        "name: django, version: 2.1.15, version_match_type: minimum"
    )
    .is_empty());
}

#[test]
fn packages_denylist() {
    let c = Case::new();
    assert_eq!(ids(&c, "packages", "denylist", "name: lodash"), ["lodash"]);
    assert_eq!(
        ids(&c, "packages", "denylist", "name: '*ssl', version: '3.0.*'"),
        ["openssl"]
    );
    assert!(ids(&c, "packages", "denylist", "name: '*ssl', version: '1.1.*'").is_empty());
    assert_eq!(
        ids(&c, "packages", "denylist", "name: '*', package_type: python"),
        ["django", "urllib3"]
    );
    let v = run(&c, "packages", "denylist", "name: lodash");
    let d = v.decisions().next().expect("one");
    let layer = d.layer.as_ref().expect("layer");
    assert_eq!(layer.index, 2);
    assert_eq!(layer.diff_id.as_deref(), Some(diff_id(2).to_string().as_str()));
}

#[test]
fn packages_verify() {
    let mut c = Case::new();
    assert_eq!(
        ids(&c, "packages", "verify", ""),
        ["/usr/bin/c_rehash", "/usr/lib/ssl/openssl.cnf"]
    );
    assert_eq!(
        ids(&c, "packages", "verify", "check: changed"),
        ["/usr/lib/ssl/openssl.cnf"]
    );
    assert_eq!(
        ids(&c, "packages", "verify", "only_directories: /usr/bin"),
        ["/usr/bin/c_rehash"]
    );
    assert!(ids(&c, "packages", "verify", "only_packages: libc6").is_empty());
    if let Some(a) = c.sbom.analysis.as_mut() {
        a.searched.verify = false;
    }
    assert_unavailable(&run(&c, "packages", "verify", ""), "not verified");
    c.sbom.analysis = None;
    assert_unavailable(&run(&c, "packages", "verify", ""), "no image analysis");
}

#[test]
fn licenses_exact_and_partial() {
    let c = Case::new();
    assert_eq!(
        ids(&c, "licenses", "denylist_exact_match", "licenses: GPL-3.0-or-later"),
        ["GPL-3.0-or-later+bash"]
    );
    assert_eq!(
        ids(&c, "licenses", "denylist_exact_match", "licenses: [mit]"),
        ["MIT+lodash", "MIT+urllib3"]
    );
    assert!(ids(&c, "licenses", "denylist_exact_match", "licenses: GPL").is_empty());
    assert_eq!(
        ids(&c, "licenses", "denylist_partial_match", "licenses: gpl"),
        ["GPL-3.0-or-later+bash"]
    );
    assert_eq!(
        ids(&c, "licenses", "denylist_partial_match", "licenses: apache"),
        ["Apache-2.0+lodash", "Apache-2.0+openssl"]
    );
}

#[test]
fn image_config_instruction() {
    let c = Case::new();
    assert_eq!(
        ids(
            &c,
            "image_config",
            "instruction",
            "instruction: RUN, check: like, value: 'pip install'"
        ),
        ["RUN:pip install -r requirements.txt"]
    );
    assert_eq!(
        ids(
            &c,
            "image_config",
            "instruction",
            "instruction: USER, check: not_exists"
        ),
        ["USER"]
    );
    assert_eq!(
        ids(
            &c,
            "image_config",
            "instruction",
            "instruction: WORKDIR, check: '=', value: /app"
        ),
        ["WORKDIR:/app"]
    );
    assert!(ids(
        &c,
        "image_config",
        "instruction",
        "instruction: WORKDIR, check: '!=', value: /app"
    )
    .is_empty());
    assert_eq!(
        ids(&c, "image_config", "instruction", "instruction: CMD, check: exists").len(),
        3
    );
    assert_eq!(
        ids(
            &c,
            "image_config",
            "instruction",
            "instruction: EXPOSE, check: in, value: 'map[8000/tcp:{}]'"
        ),
        ["EXPOSE:map[8000/tcp:{}]"]
    );
    assert!(ids(
        &c,
        "image_config",
        "instruction",
        "instruction: EXPOSE, check: not_in, value: 'map[8000/tcp:{}]'"
    )
    .is_empty());
    assert!(ids(
        &c,
        "image_config",
        "instruction",
        "instruction: HEALTHCHECK, check: exists"
    )
    .is_empty());
    // The dockerfile alias reads the same trigger.
    assert_eq!(
        fired(
            &run(&c, "dockerfile", "instruction", "instruction: USER, check: not_exists"),
            "image_config",
            "instruction"
        ),
        ["USER"]
    );
}

#[test]
fn image_config_effective_user() {
    let mut c = Case::new();
    let deny_root = "users: root, type: deny";
    let v = run(&c, "image_config", "effective_user", deny_root);
    let d = v.decisions().next().expect("fires");
    assert_eq!(d.trigger_id, "user:root");
    assert!(d.message.contains("no USER is set"), "{}", d.message);
    let set_user = |c: &mut Case, u: &str| {
        if let Some(cfg) = c.sbom.config.as_mut() {
            cfg.user = u.to_string();
        }
    };
    set_user(&mut c, "app");
    assert!(ids(&c, "image_config", "effective_user", deny_root).is_empty());
    assert!(ids(&c, "image_config", "effective_user", "users: app, type: allow").is_empty());
    set_user(&mut c, "0:0");
    assert_eq!(ids(&c, "image_config", "effective_user", deny_root), ["user:root"]);
    // A uid is named through /etc/passwd.
    set_user(&mut c, "1000");
    assert_eq!(
        ids(&c, "image_config", "effective_user", "users: app, type: deny"),
        ["user:app"]
    );
    set_user(&mut c, "");
    assert_eq!(
        ids(&c, "image_config", "effective_user", "users: app, type: allow"),
        ["user:root"]
    );
}

#[test]
fn image_config_exposed_ports() {
    let mut c = Case::new();
    assert!(ids(&c, "image_config", "exposed_ports", "ports: '22', type: deny").is_empty());
    assert_eq!(
        ids(&c, "image_config", "exposed_ports", "ports: '8000', type: deny"),
        ["port:8000/tcp"]
    );
    assert_eq!(
        ids(&c, "image_config", "exposed_ports", "ports: '443,80', type: allow"),
        ["port:8000/tcp"]
    );
    assert!(ids(&c, "image_config", "exposed_ports", "ports: 8000-8100, type: allow").is_empty());
    if let Some(cfg) = c.sbom.config.as_mut() {
        cfg.exposed_ports.push("22/tcp".to_string());
    }
    assert_eq!(ids(&c, "image_config", "exposed_ports", "ports: '22'"), ["port:22/tcp"]);
}

#[test]
fn image_config_healthcheck_labels_history() {
    let mut c = Case::new();
    assert_eq!(ids(&c, "image_config", "no_healthcheck", ""), ["healthcheck"]);
    assert_eq!(
        ids(
            &c,
            "image_config",
            "required_labels",
            "labels: [org.opencontainers.image.source, maintainer]"
        ),
        ["label:maintainer"]
    );
    assert!(ids(&c, "image_config", "no_history", "").is_empty());
    if let Some(cfg) = c.sbom.config.as_mut() {
        cfg.healthcheck = Some(vec!["CMD".to_string(), "curl -f http://localhost:8000/".to_string()]);
        cfg.labels.insert("maintainer".to_string(), "web@acme.io".to_string());
        cfg.history.clear();
    }
    assert!(ids(&c, "image_config", "no_healthcheck", "").is_empty());
    assert!(ids(&c, "image_config", "required_labels", "labels: maintainer").is_empty());
    assert_eq!(
        ids(
            &c,
            "image_config",
            "required_labels",
            "labels: 'maintainer=ops@acme.io'"
        ),
        ["label:maintainer"]
    );
    assert_eq!(ids(&c, "image_config", "no_history", ""), ["no_history"]);
    assert_unavailable(
        &run(&c, "image_config", "instruction", "instruction: RUN, check: exists"),
        "no history",
    );
    if let Some(cfg) = c.sbom.config.as_mut() {
        cfg.healthcheck = Some(vec!["NONE".to_string()]);
    }
    assert_eq!(ids(&c, "image_config", "no_healthcheck", ""), ["healthcheck"]);
    c.sbom.config = None;
    assert_unavailable(&run(&c, "image_config", "no_healthcheck", ""), "no image configuration");
}

#[test]
fn image_config_base_image() {
    let mut c = Case::new();
    assert_unavailable(
        &run(&c, "image_config", "base_image", "deny: '*:latest'"),
        "base image is not known",
    );
    if let Some(cfg) = c.sbom.config.as_mut() {
        cfg.labels.insert(
            "org.opencontainers.image.base.name".to_string(),
            "python:3.11-slim".to_string(),
        );
    }
    assert!(ids(&c, "image_config", "base_image", "deny: '*:latest'").is_empty());
    assert!(ids(&c, "image_config", "base_image", "allow: 'docker.io/library/python:*'").is_empty());
    assert_eq!(
        ids(&c, "image_config", "base_image", "allow: 'gcr.io/distroless/*'"),
        ["base:python:3.11-slim"]
    );
    c.base = Some(vigil_policy::BaseLayers {
        count: 2,
        how: "--base python:latest".to_string(),
    });
    assert_eq!(
        ids(&c, "image_config", "base_image", "deny: '*:latest'"),
        ["base:python:latest"]
    );
}

#[test]
fn files_name_and_content() {
    let mut c = Case::new();
    assert_eq!(ids(&c, "files", "name_match", "regex: '\\.py$'"), ["/app/settings.py"]);
    assert_eq!(ids(&c, "files", "name_match", "regex: id_rsa"), ["/root/.ssh/id_rsa"]);
    assert!(ids(&c, "files", "name_match", "regex: '\\.pem$'").is_empty());
    let v = run(&c, "files", "content_regex_match", "regex: 'password\\s*='");
    let d = v.decisions().next().expect("fires");
    assert_eq!(d.trigger_id, "/app/settings.py");
    assert!(d.message.contains("line 12"), "{}", d.message);
    assert_eq!(d.layer.as_ref().map(|l| l.index), Some(2));
    assert_unavailable(
        &run(&c, "files", "content_regex_match", "regex: SECRET_KEY"),
        "SECRET_KEY",
    );
    c.sbom.analysis = None;
    assert_unavailable(&run(&c, "files", "name_match", "regex: x"), "no image analysis");
}

#[test]
fn files_attribute_match() {
    let mut c = Case::new();
    assert_eq!(
        ids(&c, "files", "attribute_match", "path: /root/.ssh/id_rsa, mode: '0600'"),
        ["/root/.ssh/id_rsa"]
    );
    assert!(ids(&c, "files", "attribute_match", "path: /root/.ssh/id_rsa, mode: '0644'").is_empty());
    assert_eq!(
        ids(
            &c,
            "files",
            "attribute_match",
            "path: '/usr/bin/*', mode: '4000', mode_op: any_set"
        ),
        ["/usr/bin/passwd"]
    );
    let sum = format!("path: /app/settings.py, checksum: {SETTINGS_SHA256}");
    assert_eq!(ids(&c, "files", "attribute_match", &sum), ["/app/settings.py"]);
    assert!(ids(
        &c,
        "files",
        "attribute_match",
        &format!("{sum}, checksum_match: not_equals")
    )
    .is_empty());
    if let Some(a) = c.sbom.analysis.as_mut() {
        a.searched.digests = false;
    }
    assert_unavailable(&run(&c, "files", "attribute_match", &sum), "digests");
}

#[test]
fn files_suid_and_world_writable() {
    let c = Case::new();
    assert_eq!(
        ids(&c, "files", "suid_or_sgid_set", ""),
        ["/usr/bin/passwd", "/usr/bin/wall"]
    );
    assert_eq!(
        ids(&c, "files", "suid_or_sgid_set", "exclude_paths: /usr/bin/passwd"),
        ["/usr/bin/wall"]
    );
    // /tmp has the sticky bit and the symlink's mode means nothing: only /app/uploads.
    let v = run(&c, "files", "world_writable", "");
    let d: Vec<_> = v.decisions().collect();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].trigger_id, "/app/uploads");
    assert!(d[0].message.contains("mode 0777"), "{}", d[0].message);
}

#[test]
fn secrets_content_match() {
    let mut c = Case::new();
    assert_eq!(
        ids(&c, "secrets", "content_match", "categories: [private-key, aws]"),
        [
            "aws-access-key-id:env:AWS_ACCESS_KEY_ID",
            "private-key:/root/.ssh/id_rsa"
        ]
    );
    assert_eq!(
        ids(
            &c,
            "secrets",
            "content_match",
            "categories: [private-key, aws], include_env: false"
        ),
        ["private-key:/root/.ssh/id_rsa"]
    );
    // A secret in a file a later layer deleted is still in the image.
    let v = run(&c, "secrets", "content_match", "");
    assert_eq!(fired(&v, "secrets", "content_match").len(), 3);
    let gh = v
        .decisions()
        .find(|d| d.trigger_id == "github-pat:/app/.env")
        .expect("deleted secret");
    assert!(gh.message.contains("deleted by a later layer"), "{}", gh.message);
    assert_eq!(ids(&c, "secrets", "content_match", "include_deleted: false").len(), 2);
    assert!(ids(
        &c,
        "secrets",
        "content_match",
        "categories: private-key, exclude_paths: '/root/*'"
    )
    .is_empty());
    // A pattern that was not applied is unavailable data.
    assert_unavailable(
        &run(&c, "secrets", "content_match", "rules: slack-token"),
        "slack-token",
    );
    if let Some(a) = c.sbom.analysis.as_mut() {
        a.searched.secret_rules.clear();
    }
    assert_unavailable(&run(&c, "secrets", "content_match", ""), "did not search for secrets");
}

#[test]
fn secrets_custom() {
    let mut c = Case::new();
    let params = "id: acme-token, regex: 'acme_[0-9a-f]{32}'";
    assert_unavailable(&run(&c, "secrets", "custom", params), "acme-token");
    if let Some(a) = c.sbom.analysis.as_mut() {
        a.searched.secret_rules.push("acme-token".to_string());
        a.secrets.push(SecretFinding {
            rule: "acme-token".to_string(),
            category: "custom".to_string(),
            title: "acme-token".to_string(),
            found_in: FoundIn::File {
                path: "/app/config.yaml".to_string(),
                layer: 3,
                line: 4,
                deleted: false,
            },
            redacted: "acme_****".to_string(),
        });
    }
    assert_eq!(ids(&c, "secrets", "custom", params), ["acme-token:/app/config.yaml"]);
}

#[test]
fn metadata_attribute() {
    let c = Case::new();
    let fires = |p: &str| ids(&c, "metadata", "attribute", p);
    assert_eq!(fires("attribute: size, comparison: '>', value: 100MB"), ["size"]);
    assert!(fires("attribute: size, comparison: '<', value: 100MB").is_empty());
    assert_eq!(fires("attribute: architecture, value: amd64"), ["architecture"]);
    assert!(fires("attribute: architecture, value: arm64").is_empty());
    assert_eq!(fires("attribute: os, comparison: like, value: '^lin'"), ["os"]);
    assert_eq!(fires("attribute: distro, value: Debian"), ["distro"]);
    assert_eq!(
        fires("attribute: distro_version, comparison: '>=', value: '11'"),
        ["distro_version"]
    );
    assert!(fires("attribute: distro_version, comparison: '<', value: '12'").is_empty());
    assert_eq!(
        fires("attribute: layer_count, comparison: '>', value: '3'"),
        ["layer_count"]
    );
    assert_eq!(fires("attribute: package_count, value: '5'"), ["package_count"]);
}

#[test]
fn passwd_denylists() {
    let mut c = Case::new();
    assert_eq!(
        ids(&c, "passwd", "denylist_usernames", "usernames: [games, ftp]"),
        ["games"]
    );
    assert_eq!(ids(&c, "passwd", "denylist_uids", "uids: '0'"), ["root"]);
    assert_eq!(ids(&c, "passwd", "denylist_gids", "gids: [1000]"), ["app"]);
    assert_eq!(ids(&c, "passwd", "denylist_shells", "shells: /bin/bash"), ["root"]);
    assert!(ids(&c, "passwd", "denylist_shells", "shells: /bin/zsh").is_empty());
    if let Some(a) = c.sbom.analysis.as_mut() {
        a.passwd = None;
    }
    assert!(ids(&c, "passwd", "denylist_uids", "uids: '0'").is_empty());
    c.sbom.analysis = None;
    assert_unavailable(&run(&c, "passwd", "denylist_uids", "uids: '0'"), "no image analysis");
}

#[test]
fn always_fires() {
    let v = run(&Case::new(), "always", "always", "");
    assert_eq!(fired(&v, "always", "always"), ["always"]);
    assert_eq!(v.action, Action::Stop);
}
