//! `META-INF/maven/<groupId>/<artifactId>/pom.properties`, written by Maven for every artifact it
//! builds: a Java properties file with `groupId`, `artifactId` and `version`.

use serde::{Deserialize, Serialize};

/// One `pom.properties` of an archive.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct PomProperties {
    /// The entry's path inside its archive.
    #[serde(rename = "p")]
    pub path: String,
    #[serde(rename = "g", default, skip_serializing_if = "String::is_empty")]
    pub group_id: String,
    #[serde(rename = "a", default, skip_serializing_if = "String::is_empty")]
    pub artifact_id: String,
    #[serde(rename = "v", default, skip_serializing_if = "String::is_empty")]
    pub version: String,
}

/// Whether `name` (an entry of an archive) is a `pom.properties` where Maven puts them.
pub(super) fn is_pom_properties(name: &str) -> bool {
    let Some(rest) = name.strip_prefix("META-INF/maven/") else {
        return false;
    };
    let Some(dirs) = rest.strip_suffix("/pom.properties") else {
        return false;
    };
    matches!(dirs.split_once('/'), Some((g, a)) if !g.is_empty() && !a.is_empty() && !a.contains('/'))
}

/// Reads the three coordinates; the directory names stand in for a missing group or artifact.
pub(super) fn parse_pom_properties(path: &str, text: &str) -> PomProperties {
    let mut p = PomProperties {
        path: path.to_string(),
        ..PomProperties::default()
    };
    for (k, v) in properties(text) {
        match k.as_str() {
            "groupId" => p.group_id = v,
            "artifactId" => p.artifact_id = v,
            "version" => p.version = v,
            _ => {}
        }
    }
    let dirs = path
        .strip_prefix("META-INF/maven/")
        .and_then(|r| r.strip_suffix("/pom.properties"))
        .and_then(|r| r.split_once('/'));
    if let Some((g, a)) = dirs {
        if p.group_id.is_empty() {
            p.group_id = g.to_string();
        }
        if p.artifact_id.is_empty() {
            p.artifact_id = a.to_string();
        }
    }
    p
}

/// The key/value pairs of a Java properties file: `#`/`!` comments, `=`, `:` or blank as the
/// separator, a trailing backslash continues the line, and the usual escapes.
fn properties(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut logical = String::new();
    for raw in text.split('\n') {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let line = if logical.is_empty() {
            line.trim_start()
        } else {
            line.trim_start_matches([' ', '\t', '\u{c}'])
        };
        if logical.is_empty() && (line.is_empty() || line.starts_with('#') || line.starts_with('!')) {
            continue;
        }
        // An odd number of trailing backslashes continues the line.
        let trailing = line.chars().rev().take_while(|&c| c == '\\').count();
        if trailing % 2 == 1 {
            logical.push_str(&line[..line.len() - 1]);
            continue;
        }
        logical.push_str(line);
        out.push(split_pair(&logical));
        logical.clear();
    }
    if !logical.is_empty() {
        out.push(split_pair(&logical));
    }
    out
}

fn split_pair(line: &str) -> (String, String) {
    let mut key = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(e) = chars.next() {
                    key.push(unescape(e, &mut chars));
                }
            }
            '=' | ':' => break,
            ' ' | '\t' | '\u{c}' => {
                // Blanks may be followed by one `=` or `:`.
                while matches!(chars.peek(), Some(' ' | '\t' | '\u{c}')) {
                    chars.next();
                }
                if matches!(chars.peek(), Some('=' | ':')) {
                    chars.next();
                }
                break;
            }
            _ => key.push(c),
        }
    }
    while matches!(chars.peek(), Some(' ' | '\t' | '\u{c}')) {
        chars.next();
    }
    let mut value = String::new();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(e) = chars.next() {
                value.push(unescape(e, &mut chars));
            }
        } else {
            value.push(c);
        }
    }
    (key, value.trim_end().to_string())
}

fn unescape(e: char, rest: &mut std::iter::Peekable<std::str::Chars<'_>>) -> char {
    match e {
        't' => '\t',
        'n' => '\n',
        'r' => '\r',
        'f' => '\u{c}',
        'u' => {
            let hex: String = (0..4).filter_map(|_| rest.next_if(char::is_ascii_hexdigit)).collect();
            u32::from_str_radix(&hex, 16)
                .ok()
                .and_then(char::from_u32)
                .unwrap_or('\u{fffd}')
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_maven_written_properties() {
        // As maven-archiver writes it.
        let text = "#Generated by Maven\n#Tue Jan 02 10:00:00 UTC 2024\ngroupId=com.google.guava\nartifactId=guava\nversion=31.1-jre\n";
        let p = parse_pom_properties("META-INF/maven/com.google.guava/guava/pom.properties", text);
        assert_eq!(p.group_id, "com.google.guava");
        assert_eq!(p.artifact_id, "guava");
        assert_eq!(p.version, "31.1-jre");
    }

    #[test]
    fn separators_escapes_and_continuations() {
        let text = "groupId : org.example\r\nartifactId   my\\\n    -lib\nversion 1.0\\u002d1\nempty=\n";
        let p = parse_pom_properties("META-INF/maven/x/y/pom.properties", text);
        assert_eq!(p.group_id, "org.example");
        assert_eq!(p.artifact_id, "my-lib");
        assert_eq!(p.version, "1.0-1");
    }

    #[test]
    fn directories_stand_in_for_missing_coordinates() {
        let p = parse_pom_properties("META-INF/maven/org.acme/widget/pom.properties", "version=2\n");
        assert_eq!(
            (p.group_id.as_str(), p.artifact_id.as_str(), p.version.as_str()),
            ("org.acme", "widget", "2")
        );
        let p = parse_pom_properties("META-INF/maven/org.acme/widget/pom.properties", "\u{0}\u{ff}\\");
        assert_eq!(p.version, "");
    }

    #[test]
    fn recognises_only_maven_paths() {
        assert!(is_pom_properties("META-INF/maven/org.acme/widget/pom.properties"));
        assert!(!is_pom_properties("META-INF/maven/widget/pom.properties"));
        assert!(!is_pom_properties("META-INF/maven/a/b/c/pom.properties"));
        assert!(!is_pom_properties("BOOT-INF/classes/META-INF/maven/a/b/pom.properties"));
    }
}
