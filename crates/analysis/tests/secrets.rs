//! Every built-in secret rule on a real image read (true positives where people leave secrets),
//! and look-alikes that must stay quiet.

mod support;

use support::{analyse, b64, file, file_secrets, fixture, secrets_in, token, ALNUM, HEX, UPPER_DIGITS};
use vigil_analysis::{builtin_rules, AnalyzerConfig};

fn keys_layer() -> Vec<support::Entry> {
    vec![
        file("/root/.ssh/id_rsa", fixture("keys/rsa.pem")),
        file("/etc/ssl/private/ec.key", fixture("keys/ec.pem")),
        file("/etc/ssl/private/dsa.key", fixture("keys/dsa.pem")),
        file("/home/x/.ssh/id_ed25519", fixture("keys/openssh.key")),
        file("/app/certs/tls.key", fixture("keys/pkcs8.pem")),
        file("/app/certs/enc.key", fixture("keys/encrypted.pem")),
        file("/app/release/signing.asc", fixture("keys/pgp.asc")),
    ]
}

#[test]
fn private_keys_of_every_kind() {
    let r = analyse(&[keys_layer()], &[], AnalyzerConfig::default());
    let found = file_secrets(&r.analysis);
    let mut paths: Vec<(&str, &str, u32)> = found.iter().map(|f| (f.1.as_str(), f.0.as_str(), f.3)).collect();
    paths.sort();
    assert_eq!(
        paths,
        vec![
            ("/app/certs/enc.key", "private-key", 1),
            ("/app/certs/tls.key", "private-key", 1),
            ("/app/release/signing.asc", "private-key", 1),
            ("/etc/ssl/private/dsa.key", "private-key", 1),
            ("/etc/ssl/private/ec.key", "private-key", 1),
            ("/home/x/.ssh/id_ed25519", "private-key", 1),
            ("/root/.ssh/id_rsa", "private-key", 1),
        ]
    );
    let rsa = secrets_in(&r.analysis, "/root/.ssh/id_rsa")[0];
    assert_eq!(rsa.category, "private-key");
    assert!(
        rsa.redacted.starts_with("-----BEGIN RSA PRIVATE KEY----- MIIE***"),
        "{}",
        rsa.redacted
    );
    // The key material is not in the report.
    let body = String::from_utf8(fixture("keys/rsa.pem")).expect("pem");
    let second_line = body.lines().nth(1).expect("line");
    assert!(!rsa.redacted.contains(&second_line[4..20]));
}

#[test]
fn tokens_and_cloud_keys_where_people_leave_them() {
    let akia = format!("AKIA{}", token(1, 16, UPPER_DIGITS));
    let asia = format!("ASIA{}", token(2, 16, UPPER_DIGITS));
    let aws_secret = token(
        3,
        40,
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    );
    let ghp = format!("ghp_{}", token(4, 36, ALNUM));
    let gho = format!("gho_{}", token(5, 36, ALNUM));
    let ghs = format!("ghs_{}", token(6, 36, ALNUM));
    let ghr = format!("ghr_{}", token(7, 36, ALNUM));
    let fine = format!("github_pat_{}_{}", token(8, 22, ALNUM), token(9, 59, ALNUM));
    let glpat = format!("glpat-{}", token(10, 20, ALNUM));
    let xoxb = format!(
        "xoxb-{}-{}-{}",
        token(11, 12, b"0123456789"),
        token(12, 13, b"0123456789"),
        token(13, 24, ALNUM)
    );
    let hook = format!(
        "https://hooks.slack.com/services/T{}/B{}/{}",
        token(14, 10, UPPER_DIGITS),
        token(15, 10, UPPER_DIGITS),
        token(16, 24, ALNUM)
    );
    let stripe = format!("sk_live_{}", token(17, 24, ALNUM));
    let gkey = format!("AIza{}", token(18, 35, ALNUM));
    let npm = format!("npm_{}", token(19, 36, ALNUM));
    let pypi = format!("pypi-AgEIcHlwaS5vcmc{}", token(20, 60, ALNUM));
    let legacy_npm = format!("{}-{}-{}", token(21, 8, HEX), token(22, 4, HEX), token(23, 12, HEX));
    let docker = b64(format!("deploy:{}", token(24, 16, ALNUM)).as_bytes());
    let key_id = token(25, 40, HEX);
    let pkcs8 = String::from_utf8(fixture("keys/pkcs8.pem"))
        .expect("pem")
        .replace('\n', "\\n");

    let env_file = format!(
        "# deploy credentials\nAWS_ACCESS_KEY_ID={akia}\nAWS_SECRET_ACCESS_KEY={aws_secret}\nDB_PASSWORD=Tr0ub4dor-{}\n",
        token(26, 8, ALNUM)
    );
    let config_py = format!(
        "import os\n\nGITHUB_TOKEN = \"{ghp}\"\nOAUTH = '{gho}'\nAPP = \"{ghs}\"\nREFRESH = \"{ghr}\"\nFINE = \"{fine}\"\n\
         GITLAB = \"{glpat}\"\nSLACK = \"{xoxb}\"\nHOOK = \"{hook}\"\nSTRIPE = \"{stripe}\"\nMAPS = \"{gkey}\"\n\
         STS = \"{asia}\"\n"
    );
    let layer = vec![
        file("/app/.env", &env_file),
        file("/app/config.py", &config_py),
        file("/home/node/.npmrc", format!("registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken={legacy_npm}\n")),
        file("/srv/ci/publish.sh", format!("#!/bin/sh\nNPM_TOKEN={npm} npm publish\n")),
        file("/root/.pypirc", format!("[pypi]\nusername = __token__\npassword = {pypi}\n")),
        file(
            "/home/x/.docker/config.json",
            format!("{{\n  \"auths\": {{\n    \"registry.example.com\": {{\n      \"auth\": \"{docker}\"\n    }}\n  }}\n}}\n"),
        ),
        file(
            "/app/sa.json",
            format!(
                "{{\n  \"type\": \"service_account\",\n  \"project_id\": \"vigil-fixture\",\n  \"private_key_id\": \"{key_id}\",\n  \"private_key\": \"{pkcs8}\",\n  \"client_email\": \"ci@vigil-fixture.iam.gserviceaccount.com\"\n}}\n"
            ),
        ),
    ];
    let r = analyse(&[layer], &[], AnalyzerConfig::default());
    let got: Vec<(String, String, u32)> = file_secrets(&r.analysis)
        .into_iter()
        .map(|(rule, path, _, line, _)| (path, rule, line))
        .collect();
    let want = [
        ("/app/.env", "aws-access-key-id", 2),
        ("/app/.env", "aws-secret-access-key", 3),
        ("/app/.env", "secret-env", 4),
        ("/app/config.py", "github-pat", 3),
        ("/app/config.py", "github-oauth-token", 4),
        ("/app/config.py", "github-app-token", 5),
        ("/app/config.py", "github-refresh-token", 6),
        ("/app/config.py", "github-fine-grained-pat", 7),
        ("/app/config.py", "gitlab-pat", 8),
        ("/app/config.py", "slack-token", 9),
        ("/app/config.py", "slack-webhook", 10),
        ("/app/config.py", "stripe-live-key", 11),
        ("/app/config.py", "google-api-key", 12),
        ("/app/config.py", "aws-access-key-id", 13),
        ("/app/sa.json", "gcp-service-account", 4),
        ("/app/sa.json", "private-key", 5),
        ("/home/node/.npmrc", "npmrc-auth", 2),
        ("/home/x/.docker/config.json", "docker-auth", 4),
        ("/root/.pypirc", "pypi-token", 3),
        ("/srv/ci/publish.sh", "npm-token", 2),
    ];
    for (path, rule, line) in want {
        assert!(
            got.contains(&(path.to_string(), rule.to_string(), line)),
            "missing {rule} at {path}:{line}; got {got:#?}"
        );
    }
    assert_eq!(got.len(), want.len(), "{got:#?}");
    // Every built-in rule fired at least once here or in private_keys_of_every_kind.
    for rule in builtin_rules() {
        assert!(
            got.iter().any(|g| g.1 == rule.id) || rule.id == "private-key",
            "{} never fired",
            rule.id
        );
    }
    // Masked: the AWS key id keeps its prefix only, no secret appears in any snippet.
    let aws = secrets_in(&r.analysis, "/app/.env");
    assert_eq!(aws[0].redacted, "AKIA****************");
    assert_eq!(aws[0].category, "aws");
    assert_eq!(aws[0].title, "AWS access key ID");
    for s in &r.analysis.secrets {
        for secret in [&akia, &aws_secret, &ghp, &stripe, &docker, &legacy_npm, &pypi] {
            assert!(!s.redacted.contains(&secret[4..]), "{} leaks in {}", s.rule, s.redacted);
        }
    }
    let ids: Vec<&str> = builtin_rules().iter().map(|r| r.id).collect();
    for id in ids {
        assert!(r.analysis.searched.secret_rules.iter().any(|s| s == id));
    }
}

#[test]
fn look_alikes_stay_quiet() {
    let lookalike = "\
# AWS docs: AKIAEXAMPLE and AKIAIOSFODNN7EXAMPLE are not keys
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
# aws_secret_access_key = <your secret access key here>
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
token = \"ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"
if line.startswith('-----BEGIN RSA PRIVATE KEY-----'):
    raise ValueError('-----BEGIN PRIVATE KEY----- expected')
stripe_key = 'sk_test_51H8b2kLmN0pQrStUvWxYz0123'
url = 'https://hooks.slack.com/services/YOUR/WEBHOOK/URL'
";
    let layer = vec![
        file("/app/lookalike.py", lookalike),
        file("/app/public.pem", fixture("keys/public.pem")),
        file("/home/node/.npmrc", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n"),
        file(
            "/app/.env",
            "PASSWORD_FILE=/run/secrets/db\nAPI_KEY=\nTOKEN=$CI_TOKEN\nDEBUG_TOKEN=false\nSECRET_KEY=<change me>\n",
        ),
        file(
            "/root/.docker/config.json",
            "{\"auths\": {\"ghcr.io\": {}}, \"credsStore\": \"desktop\"}\n",
        ),
        file(
            "/app/notdocker/config.json",
            format!("{{\"auth\": \"{}\"}}\n", b64(b"no-colon-here")),
        ),
        // A key inside a binary is not reported (binaries are not searched).
        file(
            "/usr/lib/libfake.bin.x",
            [b"\x7fELF\x02\x01\x01\0".as_slice(), &fixture("keys/rsa.pem")].concat(),
        ),
        // A key in a file the candidate set leaves out (documentation) is not searched.
        file("/usr/share/doc/openssl/demo.key", fixture("keys/rsa.pem")),
    ];
    let r = analyse(&[layer], &[], AnalyzerConfig::default());
    assert!(r.analysis.secrets.is_empty(), "{:#?}", r.analysis.secrets);
}
