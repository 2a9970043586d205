//! The built-in secret rules: one table that drives the scanner, `searched.secret_rules` and the
//! docs. Each regex names the secret itself as the group `secret` (the part that is masked).
//!
//! Regexes run on bytes and use ASCII word boundaries (`(?-u:\b)`) so the lazy DFA never has to
//! give up on non-ASCII text.

/// Which files a rule reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleFiles {
    /// Every searched file, and the configuration's environment.
    Any,
    /// Files with one of these base names only (`.npmrc`, `config.json`).
    Named(&'static [&'static str]),
    /// dotenv files (`.env`, `.env.production`, `app.env`) and the configuration's environment.
    DotEnv,
}

/// A built-in secret rule.
#[derive(Clone, Copy, Debug)]
pub struct SecretRule {
    /// Stable id, used by policies (`aws-access-key-id`).
    pub id: &'static str,
    /// `aws`, `gcp`, `github`, `private-key`, `docker`, ...
    pub category: &'static str,
    /// A human title.
    pub title: &'static str,
    /// What it detects and why it matters (for `vigil policy gates` and the docs).
    pub description: &'static str,
    /// Literal strings (case-sensitive: list the spellings) one of which a file must hold before
    /// the regex runs. Empty: the regex always runs on the files the rule reads.
    pub keywords: &'static [&'static str],
    /// The pattern; the group `secret` is the part masked in reports.
    pub regex: &'static str,
    /// Leading characters of the secret that are its fixed prefix (`AKIA`, `ghp_`) and stay
    /// visible in reports; the rest is masked.
    pub reveal: usize,
    pub files: RuleFiles,
}

/// The built-in rules, most specific first: when several rules match the same line, the first
/// one reports it.
pub fn builtin_rules() -> &'static [SecretRule] {
    RULES
}

const RULES: &[SecretRule] = &[
    SecretRule {
        id: "private-key",
        category: "private-key",
        title: "Private key",
        description: "A PEM or OpenSSH private key (RSA, EC, DSA, OpenSSH, PKCS#8, encrypted PKCS#8, \
                      PGP) with its key material: whoever has the image has the key.",
        keywords: &["PRIVATE KEY"],
        regex: r#"-----BEGIN (?:[A-Z0-9]+ ){0,2}PRIVATE KEY(?: BLOCK)?-----(?:\r?\n|\\n)(?:[A-Za-z][A-Za-z0-9-]*:[^\r\n\\]*(?:\r?\n|\\n))*(?:\r?\n|\\n)?(?P<secret>[A-Za-z0-9+/=]{40,})"#,
        reveal: 4,
        files: RuleFiles::Any,
    },
    SecretRule {
        id: "aws-access-key-id",
        category: "aws",
        title: "AWS access key ID",
        description: "An AWS access key id (AKIA… long-term, ASIA… temporary): half of an AWS \
                      credential, and the key a leaked secret is used with.",
        keywords: &["AKIA", "ASIA", "ABIA", "ACCA", "A3T"],
        regex: r"(?-u:\b)(?P<secret>(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})(?-u:\b)",
        reveal: 4,
        files: RuleFiles::Any,
    },
    SecretRule {
        id: "aws-secret-access-key",
        category: "aws",
        title: "AWS secret access key",
        description: "A 40-character AWS secret access key assigned to a name that says so \
                      (aws_secret_access_key, SecretAccessKey): with its key id, full API access.",
        keywords: &[
            "aws_secret",
            "AWS_SECRET",
            "aws-secret",
            "AwsSecret",
            "awsSecret",
            "secret_access_key",
            "SECRET_ACCESS_KEY",
            "SecretAccessKey",
            "secretAccessKey",
            "secret-access-key",
        ],
        regex: r#"(?i)(?:aws[_-]?secret[_-]?(?:access[_-]?)?key|secret[_-]?access[_-]?key)["']?[ \t]*(?::|=>|=)[ \t]*["']?(?P<secret>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#,
        reveal: 0,
        files: RuleFiles::Any,
    },
    SecretRule {
        id: "gcp-service-account",
        category: "gcp",
        title: "GCP service account key",
        description: "A Google Cloud service-account JSON key file (type service_account with a \
                      private key id): it authenticates as the service account.",
        keywords: &["private_key_id"],
        regex: r#""private_key_id"[ \t]*:[ \t]*"(?P<secret>[0-9a-f]{40})""#,
        reveal: 0,
        files: RuleFiles::Any,
    },
    SecretRule {
        id: "github-pat",
        category: "github",
        title: "GitHub personal access token",
        description: "A classic GitHub personal access token (ghp_).",
        keywords: &["ghp_"],
        regex: r"(?-u:\b)(?P<secret>ghp_[A-Za-z0-9]{36})(?-u:\b)",
        reveal: 4,
        files: RuleFiles::Any,
    },
    SecretRule {
        id: "github-fine-grained-pat",
        category: "github",
        title: "GitHub fine-grained personal access token",
        description: "A fine-grained GitHub personal access token (github_pat_).",
        keywords: &["github_pat_"],
        regex: r"(?-u:\b)(?P<secret>github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})(?-u:\b)",
        reveal: 11,
        files: RuleFiles::Any,
    },
    SecretRule {
        id: "github-oauth-token",
        category: "github",
        title: "GitHub OAuth access token",
        description: "A GitHub OAuth app access token (gho_).",
        keywords: &["gho_"],
        regex: r"(?-u:\b)(?P<secret>gho_[A-Za-z0-9]{36})(?-u:\b)",
        reveal: 4,
        files: RuleFiles::Any,
    },
    SecretRule {
        id: "github-app-token",
        category: "github",
        title: "GitHub App token",
        description: "A GitHub App user-to-server (ghu_) or installation (ghs_) token.",
        keywords: &["ghu_", "ghs_"],
        regex: r"(?-u:\b)(?P<secret>gh[us]_[A-Za-z0-9]{36})(?-u:\b)",
        reveal: 4,
        files: RuleFiles::Any,
    },
    SecretRule {
        id: "github-refresh-token",
        category: "github",
        title: "GitHub refresh token",
        description: "A GitHub App refresh token (ghr_).",
        keywords: &["ghr_"],
        regex: r"(?-u:\b)(?P<secret>ghr_[A-Za-z0-9]{36,76})(?-u:\b)",
        reveal: 4,
        files: RuleFiles::Any,
    },
    SecretRule {
        id: "gitlab-pat",
        category: "gitlab",
        title: "GitLab personal access token",
        description: "A GitLab personal access token (glpat-).",
        keywords: &["glpat-"],
        regex: r"(?-u:\b)(?P<secret>glpat-[A-Za-z0-9_-]{20})(?:[^A-Za-z0-9_-]|$)",
        reveal: 6,
        files: RuleFiles::Any,
    },
    SecretRule {
        id: "slack-token",
        category: "slack",
        title: "Slack token",
        description: "A Slack bot, user, app or configuration token (xoxb-, xoxp-, xoxa-, ...).",
        keywords: &["xoxb-", "xoxp-", "xoxa-", "xoxo-", "xoxr-", "xoxs-"],
        regex: r"(?-u:\b)(?P<secret>xox[abposr]-[0-9]{8,14}-[0-9A-Za-z-]{20,100})(?-u:\b)",
        reveal: 5,
        files: RuleFiles::Any,
    },
    SecretRule {
        id: "slack-webhook",
        category: "slack",
        title: "Slack incoming webhook",
        description: "A Slack incoming-webhook URL: anyone holding it can post to the channel.",
        keywords: &["hooks.slack.com"],
        regex: r"https://hooks\.slack\.com/services/(?P<secret>T[A-Z0-9]{8,12}/B[A-Z0-9]{8,12}/[A-Za-z0-9]{24})",
        reveal: 0,
        files: RuleFiles::Any,
    },
    SecretRule {
        id: "stripe-live-key",
        category: "stripe",
        title: "Stripe live secret key",
        description: "A Stripe live secret or restricted key (sk_live_, rk_live_): charges real money.",
        keywords: &["sk_live_", "rk_live_"],
        regex: r"(?-u:\b)(?P<secret>[sr]k_live_[0-9A-Za-z]{24,99})(?-u:\b)",
        reveal: 8,
        files: RuleFiles::Any,
    },
    SecretRule {
        id: "google-api-key",
        category: "gcp",
        title: "Google API key",
        description: "A Google API key (AIza…), billed to its project.",
        keywords: &["AIza"],
        regex: r"(?-u:\b)(?P<secret>AIza[0-9A-Za-z_-]{35})(?:[^0-9A-Za-z_-]|$)",
        reveal: 4,
        files: RuleFiles::Any,
    },
    SecretRule {
        id: "npm-token",
        category: "npm",
        title: "npm access token",
        description: "An npm access token (npm_): publishes packages as its owner.",
        keywords: &["npm_"],
        regex: r"(?-u:\b)(?P<secret>npm_[A-Za-z0-9]{36})(?-u:\b)",
        reveal: 4,
        files: RuleFiles::Any,
    },
    SecretRule {
        id: "npmrc-auth",
        category: "npm",
        title: "npm registry credential in .npmrc",
        description: "A literal _authToken, _auth or _password in an .npmrc (a ${VAR} reference is not \
                      reported).",
        keywords: &["_authToken", "_auth", "_password"],
        regex: r#"(?m)(?:_authToken|_auth|_password)[ \t]*=[ \t]*["']?(?P<secret>[^\s"'$][^\s"']*)"#,
        reveal: 0,
        files: RuleFiles::Named(&[".npmrc", "npmrc"]),
    },
    SecretRule {
        id: "pypi-token",
        category: "pypi",
        title: "PyPI upload token",
        description: "A PyPI API token (pypi-AgEIcHlwaS5vcmc…): uploads packages as its owner.",
        keywords: &["pypi-AgEIcHlwaS5vcmc"],
        regex: r"(?P<secret>pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,})",
        reveal: 5,
        files: RuleFiles::Any,
    },
    SecretRule {
        id: "docker-auth",
        category: "docker",
        title: "Docker registry credential",
        description: "A registry login kept in a Docker config.json (auths → auth, base64 of \
                      user:password) or a legacy .dockercfg.",
        keywords: &["\"auth\""],
        regex: r#""auth"[ \t]*:[ \t]*"(?P<secret>[A-Za-z0-9+/]{4,}={0,2})""#,
        reveal: 0,
        files: RuleFiles::Named(&["config.json", ".dockercfg"]),
    },
    SecretRule {
        id: "secret-env",
        category: "env",
        title: "Secret in an environment variable",
        description: "An environment variable named like a password, secret, token, API key, access \
                      key or private key with a literal value, in the image configuration or a \
                      dotenv file. Names ending in _FILE, _PATH or _DIR (which point at secrets) and \
                      references (${VAR}) are not reported.",
        keywords: &[],
        regex: r#"(?mi)^[ \t]*(?:export[ \t]+)?(?P<name>[A-Z0-9_.-]*(?:PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY)[A-Z0-9_.-]*)[ \t]*=[ \t]*["']?(?P<secret>[^\s"'$<{%#][^\s"'#]*)"#,
        reveal: 0,
        files: RuleFiles::DotEnv,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_regexes_compile_with_a_secret_group() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
        for r in RULES {
            let re = regex::bytes::Regex::new(r.regex).unwrap_or_else(|e| panic!("{}: {e}", r.id));
            assert!(re.capture_names().any(|n| n == Some("secret")), "{}", r.id);
        }
    }
}
