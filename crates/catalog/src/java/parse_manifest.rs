//! `META-INF/MANIFEST.MF`: `Name: value` headers in sections separated by blank lines; a line
//! that starts with one space continues the previous value (lines are wrapped at 72 bytes).

use std::collections::BTreeMap;

/// Manifest headers Vigil uses; others are dropped to keep the extract small.
pub(super) const KEPT: [&str; 20] = [
    "Implementation-Title",
    "Implementation-Version",
    "Implementation-Vendor",
    "Implementation-Vendor-Id",
    "Specification-Title",
    "Specification-Version",
    "Specification-Vendor",
    "Bundle-Name",
    "Bundle-SymbolicName",
    "Bundle-Version",
    "Bundle-License",
    "Bundle-Activator",
    "Automatic-Module-Name",
    "Main-Class",
    "Extension-Name",
    "Short-Name",
    "Long-Name",
    "Plugin-Version",
    "Group-Id",
    "Name",
];

/// Longest value kept for one header: real values are short; a longer one is cut.
const MAX_VALUE: usize = 4096;

/// The kept headers of a manifest, keyed by their canonical spelling. A header of the main
/// section wins; a header only found in a named (per-entry) section is used as a fallback, as
/// some build tools write `Implementation-*` there.
pub(super) fn parse_manifest(text: &str) -> BTreeMap<String, String> {
    let mut main = BTreeMap::new();
    let mut fallback: BTreeMap<String, String> = BTreeMap::new();
    let mut in_main = true;
    let mut current: Option<(usize, String)> = None;

    let mut finish = |cur: Option<(usize, String)>, in_main: bool, main: &mut BTreeMap<String, String>| {
        if let Some((k, v)) = cur {
            let key = KEPT[k].to_string();
            let v = v.trim().to_string();
            if in_main {
                main.insert(key, v);
            } else {
                fallback.entry(key).or_insert(v);
            }
        }
    };

    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some(rest) = line.strip_prefix(' ') {
            if let Some((_, v)) = current.as_mut() {
                if v.len() + rest.len() <= MAX_VALUE {
                    v.push_str(rest);
                }
            }
            continue;
        }
        finish(current.take(), in_main, &mut main);
        if line.is_empty() {
            // A blank line ends a section; every section after the main one is a named one.
            in_main = false;
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if let Some(k) = KEPT.iter().position(|h| h.eq_ignore_ascii_case(name.trim())) {
            let mut v = value.strip_prefix(' ').unwrap_or(value).to_string();
            v.truncate(floor_char(&v, MAX_VALUE));
            current = Some((k, v));
        }
    }
    finish(current.take(), in_main, &mut main);
    for (k, v) in fallback {
        if k != "Name" {
            main.entry(k).or_insert(v);
        }
    }
    main.retain(|_, v| !v.is_empty());
    main
}

/// The largest char boundary of `s` at or below `max`.
fn floor_char(s: &str, max: usize) -> usize {
    let mut i = max.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The licences of `Bundle-License`: a comma-separated list whose items may carry OSGi
/// attributes (`Apache-2.0;link="https://…"`); commas inside quotes do not separate.
pub(super) fn bundle_licenses(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut item = String::new();
    let mut quoted = false;
    for c in value.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                item.push(c);
            }
            ',' if !quoted => {
                push_license(&mut out, &item);
                item.clear();
            }
            _ => item.push(c),
        }
    }
    push_license(&mut out, &item);
    out
}

fn push_license(out: &mut Vec<String>, item: &str) {
    let name = item.split(';').next().unwrap_or("").trim().trim_matches('"').trim();
    if !name.is_empty() && !out.iter().any(|l| l == name) {
        out.push(name.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_continuation_lines_and_keeps_known_headers() {
        // As `jar cfm` wrote it on this machine: CRLF, wrapped at 72 bytes.
        let text = "Manifest-Version: 1.0\r\nImplementation-Title: Test Long Title That Goes On And On And On To Wrap\r\n  Over Seventy Two Bytes Here\r\nBundle-License: Apache-2.0;link=\"https://www.apache.org/licenses/LICENSE\r\n -2.0.txt\"\r\nCreated-By: 17.0.15 (Debian)\r\n\r\n";
        let m = parse_manifest(text);
        assert_eq!(
            m.get("Implementation-Title").map(String::as_str),
            Some("Test Long Title That Goes On And On And On To Wrap Over Seventy Two Bytes Here")
        );
        assert_eq!(
            m.get("Bundle-License").map(String::as_str),
            Some("Apache-2.0;link=\"https://www.apache.org/licenses/LICENSE-2.0.txt\"")
        );
        assert!(!m.contains_key("Created-By"));
        assert!(!m.contains_key("Manifest-Version"));
    }

    #[test]
    fn main_section_wins_over_named_sections() {
        let text = "Manifest-Version: 1.0\nMain-Class: com.acme.Main\n\nName: org/acme/\nImplementation-Version: 2.0\nMain-Class: other.Main\n";
        let m = parse_manifest(text);
        assert_eq!(m.get("Main-Class").map(String::as_str), Some("com.acme.Main"));
        assert_eq!(m.get("Implementation-Version").map(String::as_str), Some("2.0"));
        assert!(!m.contains_key("Name"));
    }

    #[test]
    fn header_names_are_case_insensitive_and_garbage_is_ignored() {
        let m = parse_manifest("implementation-version: 1.2\n\u{0}\u{1}garbage without colon\n: empty name\n");
        assert_eq!(m.get("Implementation-Version").map(String::as_str), Some("1.2"));
        assert_eq!(m.len(), 1);
        assert!(parse_manifest("").is_empty());
        assert!(parse_manifest(" continuation with nothing before\n").is_empty());
    }

    #[test]
    fn splits_bundle_licenses() {
        assert_eq!(
            bundle_licenses("Apache-2.0;link=\"http://x/a,b\", MIT, \"EPL-2.0\""),
            vec!["Apache-2.0", "MIT", "EPL-2.0"]
        );
        assert_eq!(
            bundle_licenses("https://www.apache.org/licenses/LICENSE-2.0.txt"),
            vec!["https://www.apache.org/licenses/LICENSE-2.0.txt"]
        );
        assert!(bundle_licenses(" , ").is_empty());
    }
}
