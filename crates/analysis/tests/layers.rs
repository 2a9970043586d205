//! Findings across layers (a secret deleted or replaced later is still reported, marked deleted),
//! the configuration's environment, custom patterns, content regexes, users, and hostile content.

mod support;

use support::{
    analyse, analyse_spec, file, file_secrets, fixture, secrets_in, symlink, token, whiteout, ALNUM, UPPER_DIGITS,
};
use vigil_analysis::{Analyzer, AnalyzerConfig, CustomSecret};
use vigil_types::{FoundIn, GroupEntry, PasswdEntry};

#[test]
fn a_key_deleted_or_replaced_later_is_still_found() {
    let ghp = format!("ghp_{}", token(40, 36, ALNUM));
    let layers = vec![
        vec![
            file("/root/.ssh/id_rsa", fixture("keys/rsa.pem")),
            file("/app/settings.py", format!("DEBUG = False\nTOKEN = \"{ghp}\"\n")),
            file("/app/keep.py", format!("\n\nX = \"{ghp}\"\n")),
        ],
        vec![
            whiteout("/root/.ssh/id_rsa"),
            file("/app/settings.py", "DEBUG = False\nTOKEN = os.environ['TOKEN']\n"),
        ],
        vec![file("/app/other.txt", "nothing here\n")],
    ];
    let r = analyse(&layers, &[], AnalyzerConfig::default());
    assert_eq!(
        file_secrets(&r.analysis),
        vec![
            ("github-pat".to_string(), "/app/keep.py".to_string(), 0, 3, false),
            ("github-pat".to_string(), "/app/settings.py".to_string(), 0, 2, true),
            ("private-key".to_string(), "/root/.ssh/id_rsa".to_string(), 0, 1, true),
        ]
    );
    assert!(r.image.tree.entry("/root/.ssh/id_rsa").is_none());
}

#[test]
fn a_secret_kept_through_rewrites_is_reported_once_at_the_layer_that_introduced_it() {
    let key = format!("AKIA{}", token(41, 16, UPPER_DIGITS));
    let other = format!("AKIA{}", token(46, 16, UPPER_DIGITS));
    let layers = vec![
        vec![
            file("/etc/app.conf", format!("key={key}\n")),
            file("/etc/gone.conf", format!("key={other}\n")),
        ],
        // Rewritten (a chmod, an edit elsewhere): the secret stays, one line lower.
        vec![
            file("/etc/app.conf", format!("# managed\nkey={key}\n")),
            file("/etc/gone.conf", format!("key={other}\n")),
        ],
        // A second, different key appears; the other file goes.
        vec![
            file("/etc/app.conf", format!("# managed\nkey={key}\nnew={other}\n")),
            whiteout("/etc/gone.conf"),
        ],
    ];
    let r = analyse(&layers, &[], AnalyzerConfig::default());
    assert_eq!(
        file_secrets(&r.analysis),
        vec![
            (
                "aws-access-key-id".to_string(),
                "/etc/app.conf".to_string(),
                0,
                2,
                false
            ),
            (
                "aws-access-key-id".to_string(),
                "/etc/app.conf".to_string(),
                2,
                3,
                false
            ),
            (
                "aws-access-key-id".to_string(),
                "/etc/gone.conf".to_string(),
                0,
                1,
                true
            ),
        ]
    );
}

#[test]
fn environment_variables_of_the_configuration() {
    let ghp = format!("ghp_{}", token(42, 36, ALNUM));
    let pw = format!("DB_PASSWORD=S3cure-{}", token(43, 10, ALNUM));
    let gh = format!("GITHUB_TOKEN={ghp}");
    let env = [
        "PATH=/usr/local/bin:/usr/bin",
        pw.as_str(),
        gh.as_str(),
        "POSTGRES_PASSWORD_FILE=/run/secrets/pg",
        "API_KEY=",
        "SECRET_TOKEN=${FROM_BUILD}",
        "GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D",
        "ENABLE_TOKEN_AUTH=true",
    ];
    let r = analyse(&[vec![file("/app/x", "x\n")]], &env, AnalyzerConfig::default());
    let found: Vec<(&str, &str, &str)> = r
        .analysis
        .secrets
        .iter()
        .map(|s| match &s.found_in {
            FoundIn::Env { name } => (s.rule.as_str(), name.as_str(), s.redacted.as_str()),
            FoundIn::File { path, .. } => panic!("unexpected file finding {path}"),
        })
        .collect();
    assert_eq!(
        found,
        vec![
            ("secret-env", "DB_PASSWORD", "DB_PASSWORD=*****************"),
            ("github-pat", "GITHUB_TOKEN", "ghp_********************"),
        ]
    );
}

#[test]
fn custom_patterns_with_and_without_a_path_regex() {
    let acme = format!("ACME-{}", token(44, 12, b"0123456789"));
    let layers = vec![vec![
        file("/opt/acme/conf.ini", format!("[auth]\nkey = {acme}\n")),
        file("/app/readme.txt", format!("{acme}\n")),
        // Documentation is not searched, unless a custom path pattern names it.
        file("/usr/share/doc/acme/setup.txt", format!("\n{acme}\n")),
        file("/app/internal.cfg", "corp_secret: \"hunter2hunter2\"\n"),
    ]];
    let config = AnalyzerConfig {
        custom_secrets: vec![
            CustomSecret {
                id: "acme-license".to_string(),
                regex: r"ACME-(?P<secret>[0-9]{12})".to_string(),
                path_regex: Some("^/(opt/acme|usr/share/doc/acme)/".to_string()),
            },
            CustomSecret {
                id: "corp-secret".to_string(),
                regex: r#"corp_secret:\s*"([^"]+)""#.to_string(),
                path_regex: None,
            },
        ],
        ..AnalyzerConfig::default()
    };
    let r = analyse(&layers, &[], config);
    assert_eq!(
        file_secrets(&r.analysis),
        vec![
            ("corp-secret".to_string(), "/app/internal.cfg".to_string(), 0, 1, false),
            (
                "acme-license".to_string(),
                "/opt/acme/conf.ini".to_string(),
                0,
                2,
                false
            ),
            (
                "acme-license".to_string(),
                "/usr/share/doc/acme/setup.txt".to_string(),
                0,
                2,
                false
            ),
        ]
    );
    let s = secrets_in(&r.analysis, "/opt/acme/conf.ini")[0];
    assert_eq!(s.category, "custom");
    assert_eq!(s.redacted, "ACME-************");
    assert_eq!(
        secrets_in(&r.analysis, "/app/internal.cfg")[0].redacted,
        "corp_secret: \"**************\""
    );
    assert!(r.analysis.searched.secret_rules.contains(&"acme-license".to_string()));
}

#[test]
fn invalid_custom_patterns_are_errors_naming_them() {
    let bad = AnalyzerConfig {
        custom_secrets: vec![CustomSecret {
            id: "broken".to_string(),
            regex: "(unclosed".to_string(),
            path_regex: None,
        }],
        ..AnalyzerConfig::default()
    };
    let e = Analyzer::new(bad).err().expect("error").to_string();
    assert!(e.contains("broken") && e.contains("invalid regex"), "{e}");
    let bad = AnalyzerConfig {
        content_regexes: vec!["[z-a]".to_string()],
        ..AnalyzerConfig::default()
    };
    assert!(Analyzer::new(bad).err().expect("error").to_string().contains("[z-a]"));
}

#[test]
fn content_regexes_report_each_matching_line_in_every_layer() {
    let layers = vec![
        vec![
            file("/app/settings.py", "import os\nDEBUG = True\nALLOWED_HOSTS = ['*']\n"),
            file("/etc/nginx/nginx.conf", "server {\n  autoindex on;\n}\n"),
        ],
        // settings.py replaced (DEBUG off); nginx.conf rewritten keeping its line and adding one.
        vec![
            file("/app/settings.py", "import os\nDEBUG = False\n"),
            file(
                "/etc/nginx/nginx.conf",
                "location /files { autoindex on; }\nserver {\n  autoindex on;\n}\n",
            ),
        ],
    ];
    let re_debug = r"(?i)^[ \t]*debug\s*=\s*true".to_string();
    let re_autoindex = r"autoindex\s+on".to_string();
    let config = AnalyzerConfig {
        content_regexes: vec![re_debug.clone(), re_autoindex.clone()],
        ..AnalyzerConfig::default()
    };
    let r = analyse(&layers, &[], config);
    let got: Vec<(&str, &str, usize, u32, bool)> = r
        .analysis
        .content_matches
        .iter()
        .map(|m| match &m.found_in {
            FoundIn::File {
                path,
                layer,
                line,
                deleted,
            } => (m.regex.as_str(), path.as_str(), *layer, *line, *deleted),
            FoundIn::Env { .. } => panic!("env"),
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (re_debug.as_str(), "/app/settings.py", 0, 2, true),
            // Two equal matches now: one kept since layer 0, one added by layer 1 (equal texts
            // pair in order, so the lines are those of the final file, first to first).
            (re_autoindex.as_str(), "/etc/nginx/nginx.conf", 0, 1, false),
            (re_autoindex.as_str(), "/etc/nginx/nginx.conf", 1, 3, false),
        ]
    );
    assert_eq!(r.analysis.searched.content_regexes, vec![re_debug, re_autoindex]);
}

#[test]
fn users_and_groups_of_the_final_tree() {
    let layers = vec![
        vec![
            file("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\n"),
            file("/etc/group", "root:x:0:\n"),
        ],
        vec![
            file(
                "/etc/passwd",
                "root:x:0:0:root:/root:/bin/bash\n# comment\napp:x:1000:1000:App,,,:/home/app:/bin/sh\nbroken line\n\
                 nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
            ),
            file("/etc/group", "root:x:0:\nwheel:x:10:app,ops\napp:x:1000:\n"),
        ],
    ];
    let r = analyse(&layers, &[], AnalyzerConfig::default());
    let passwd = r.analysis.passwd.expect("passwd");
    assert_eq!(
        passwd[1],
        PasswdEntry {
            name: "app".to_string(),
            uid: 1000,
            gid: 1000,
            home: "/home/app".to_string(),
            shell: "/bin/sh".to_string(),
        }
    );
    assert_eq!(passwd.len(), 3);
    let groups = r.analysis.groups.expect("groups");
    assert_eq!(
        groups[1],
        GroupEntry {
            name: "wheel".to_string(),
            gid: 10,
            members: vec!["app".to_string(), "ops".to_string()],
        }
    );
    // No passwd at all: None, not an empty list.
    let r = analyse(&[vec![file("/app/x", "x")]], &[], AnalyzerConfig::default());
    assert!(r.analysis.passwd.is_none() && r.analysis.groups.is_none());
}

#[test]
fn passwd_that_was_not_read_is_said_so_not_reported_empty() {
    // /etc/passwd links to a file the analyzer does not keep: no users, and a note says why.
    let layers = vec![vec![
        file("/usr/lib/passwd", "root:x:0:0::/root:/bin/ash\n"),
        symlink("/etc/passwd", "../usr/lib/passwd"),
    ]];
    let r = analyse(&layers, &[], AnalyzerConfig::default());
    assert!(r.analysis.passwd.is_none());
    assert!(
        r.analysis
            .notes
            .iter()
            .any(|n| n.starts_with("/etc/passwd: present but")),
        "{:?}",
        r.analysis.notes
    );
}

#[test]
fn hostile_content_is_bounded() {
    let key = format!("AKIA{}", token(45, 16, UPPER_DIGITS));
    // A 10 MB single line of invalid UTF-8 with a key in the middle, and a file with thousands of keys.
    let mut line: Vec<u8> = (0..(10 << 20) + 4096)
        .map(|i| [0xff, b'a', 0xc3, b' '][i % 4])
        .collect();
    line[5 << 20..(5 << 20) + 20].copy_from_slice(key.as_bytes());
    let many = format!("{key}\n").repeat(5000);
    let layers = vec![vec![file("/app/line.txt", &line), file("/app/many.txt", &many)]];
    let config = AnalyzerConfig {
        max_file_size: 11 << 20,
        content_regexes: vec!["AKIA".to_string()],
        ..AnalyzerConfig::default()
    };
    let r = analyse(&layers, &[], config);
    let line_hits = secrets_in(&r.analysis, "/app/line.txt");
    assert_eq!(line_hits.len(), 1);
    assert!(line_hits[0].redacted.len() < 200);
    assert_eq!(secrets_in(&r.analysis, "/app/many.txt").len(), 64);
    assert!(
        r.analysis
            .notes
            .iter()
            .any(|n| n.starts_with("/app/many.txt (layer 0):")),
        "{:?}",
        r.analysis.notes
    );
    // Past max_file_size: not searched, and said so.
    let r = analyse(&[vec![file("/app/line.txt", &line)]], &[], AnalyzerConfig::default());
    assert!(r.analysis.secrets.is_empty());
    assert!(
        r.analysis
            .notes
            .iter()
            .any(|n| n.contains("larger than 10485760 bytes not searched")),
        "{:?}",
        r.analysis.notes
    );
}

#[test]
fn dir_sources_are_analysed_too() {
    let tmp = tempfile::tempdir().expect("tmp");
    let root = tmp.path();
    std::fs::create_dir_all(root.join("root/.ssh")).expect("mkdir");
    std::fs::create_dir_all(root.join("etc")).expect("mkdir");
    std::fs::write(root.join("root/.ssh/id_ecdsa"), fixture("keys/ec.pem")).expect("write");
    std::fs::write(root.join("etc/passwd"), "root:x:0:0::/root:/bin/sh\n").expect("write");
    let r = analyse_spec(
        &vigil_image::SourceSpec::Dir(root.to_path_buf()),
        AnalyzerConfig::default(),
    );
    assert_eq!(
        file_secrets(&r.analysis),
        vec![(
            "private-key".to_string(),
            "/root/.ssh/id_ecdsa".to_string(),
            0,
            1,
            false
        )]
    );
    assert_eq!(r.analysis.passwd.map(|p| p.len()), Some(1));
}
