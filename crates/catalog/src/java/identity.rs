//! Which package an archive is, as Syft decides it: the `pom.properties` whose artifactId matches
//! the file name is the archive's own (a shaded jar carries the pom.properties of everything it
//! swallowed: picking another one is the classic wrong-version bug); without one, the name and
//! version come from the file name, then from the manifest.

use std::collections::BTreeMap;

use super::parse_pom_properties::PomProperties;

/// The name and version a file name carries: `commons-lang3-3.12.0.jar` is `commons-lang3` at
/// `3.12.0` (the version starts at the first `-` followed by a digit); `app.jar` has no version.
pub(super) fn name_version_from_file(file: &str) -> (&str, &str) {
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    let b = stem.as_bytes();
    let split = (0..b.len()).find(|&i| b[i] == b'-' && b.get(i + 1).is_some_and(u8::is_ascii_digit));
    match split {
        Some(i) => (&stem[..i], &stem[i + 1..]),
        None => (stem, ""),
    }
}

/// The `pom.properties` that describes the archive itself, given the name from its file name.
/// An artifactId equal to that name wins; otherwise the first (in path order) whose artifactId
/// starts with the name or ends it (`xstream-1.4.19.jar` and `xstream`).
pub(super) fn own_pom<'a>(poms: &'a [PomProperties], file_name: &str) -> Option<&'a PomProperties> {
    if file_name.is_empty() {
        return None;
    }
    let usable = || poms.iter().filter(|p| !p.artifact_id.is_empty());
    usable().find(|p| p.artifact_id == file_name).or_else(|| {
        usable().find(|p| p.artifact_id.starts_with(file_name) || file_name.ends_with(p.artifact_id.as_str()))
    })
}

/// Without a pom named like the file: an archive whose only `pom.properties` agrees with the
/// version it shows otherwise (file name or manifest), or that shows no version at all, is that
/// artifact. Debian renames jars (`maven3-core.jar` holds `maven-core`); Syft would report such
/// an archive twice, once under a made-up name. A shaded jar carries its own pom beside the
/// others, so it has more than one and is not taken here.
pub(super) fn sole_pom<'a>(poms: &'a [PomProperties], version: &str) -> Option<&'a PomProperties> {
    match poms {
        [p] if !p.artifact_id.is_empty() && (version.is_empty() || p.version == version) => Some(p),
        _ => None,
    }
}

fn header<'a>(m: &'a BTreeMap<String, String>, key: &str) -> Option<&'a str> {
    m.get(key).map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// A name from manifest headers, for an archive whose file name gives none.
pub(super) fn name_from_manifest(m: &BTreeMap<String, String>) -> Option<&str> {
    [
        "Name",
        "Bundle-Name",
        "Short-Name",
        "Extension-Name",
        "Implementation-Title",
        "Specification-Title",
    ]
    .iter()
    .find_map(|k| header(m, k))
}

/// A version from manifest headers.
pub(super) fn version_from_manifest(m: &BTreeMap<String, String>) -> Option<&str> {
    [
        "Implementation-Version",
        "Specification-Version",
        "Plugin-Version",
        "Bundle-Version",
    ]
    .iter()
    .find_map(|k| header(m, k))
}

/// A Maven groupId guessed from manifest headers: the first, in order of how often they hold
/// one, that reads as a reverse domain name (`org.apache.commons.lang3`); for class names
/// (`Main-Class`, `Bundle-Activator`) the package. OSGi directives (`;singleton:=true`) are cut.
pub(super) fn group_from_manifest(m: &BTreeMap<String, String>) -> Option<String> {
    const FIELDS: [(&str, bool); 9] = [
        ("Group-Id", false),
        ("Extension-Name", false),
        ("Implementation-Vendor-Id", false),
        ("Bundle-SymbolicName", false),
        ("Implementation-Title", false),
        ("Automatic-Module-Name", false),
        ("Bundle-Activator", true),
        ("Main-Class", true),
        ("Specification-Vendor", false),
    ];
    FIELDS.iter().find_map(|&(key, is_class)| {
        let v = header(m, key)?.split(';').next()?.trim();
        let v = if is_class { v.rsplit_once('.')?.0 } else { v };
        looks_like_group(v).then(|| v.to_string())
    })
}

/// Reverse-domain names under the top-level domains Java projects use.
fn looks_like_group(v: &str) -> bool {
    const TLDS: [&str; 16] = [
        "com", "org", "net", "io", "dev", "edu", "gov", "mil", "info", "biz", "app", "co", "de", "fr", "uk", "ch",
    ];
    let Some((tld, rest)) = v.split_once('.') else {
        return false;
    };
    TLDS.contains(&tld)
        && !rest.is_empty()
        && v.split('.')
            .all(|seg| !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pom(g: &str, a: &str, v: &str) -> PomProperties {
        PomProperties {
            path: format!("META-INF/maven/{g}/{a}/pom.properties"),
            group_id: g.into(),
            artifact_id: a.into(),
            version: v.into(),
        }
    }

    #[test]
    fn splits_file_names() {
        assert_eq!(
            name_version_from_file("commons-lang3-3.12.0.jar"),
            ("commons-lang3", "3.12.0")
        );
        assert_eq!(name_version_from_file("guava-31.1-jre.jar"), ("guava", "31.1-jre"));
        assert_eq!(
            name_version_from_file("spring-boot-2.7.0-SNAPSHOT.jar"),
            ("spring-boot", "2.7.0-SNAPSHOT")
        );
        assert_eq!(name_version_from_file("log4j-1.2.17.jar"), ("log4j", "1.2.17"));
        assert_eq!(name_version_from_file("app.jar"), ("app", ""));
        assert_eq!(name_version_from_file("-1.jar"), ("", "1"));
        assert_eq!(name_version_from_file("noext"), ("noext", ""));
    }

    #[test]
    fn picks_the_pom_named_like_the_file_not_the_shaded_ones() {
        let poms = [
            pom("com.google.guava", "guava", "31.1-jre"),
            pom("com.acme", "fat-app", "2.0.0"),
        ];
        assert_eq!(own_pom(&poms, "fat-app").map(|p| p.version.as_str()), Some("2.0.0"));
        // An exact match beats a prefix match that comes first.
        let poms = [
            pom("x", "guava-testlib", "1"),
            pom("com.google.guava", "guava", "31.1-jre"),
        ];
        assert_eq!(own_pom(&poms, "guava").map(|p| p.artifact_id.as_str()), Some("guava"));
        // Fuzzy: the file name ends with the artifactId.
        let poms = [pom("com.thoughtworks.xstream", "xstream", "1.4.19")];
        assert_eq!(own_pom(&poms, "my-xstream").map(|p| p.version.as_str()), Some("1.4.19"));
        // No pom matches an unrelated file name.
        let poms = [pom("com.google.guava", "guava", "31.1-jre")];
        assert!(own_pom(&poms, "app").is_none());
        assert!(own_pom(&poms, "").is_none());
    }

    #[test]
    fn a_sole_pom_that_agrees_is_the_archives_own() {
        let poms = [pom("org.apache.maven", "maven-core", "3.8.7")];
        assert_eq!(
            sole_pom(&poms, "3.8.7").map(|p| p.artifact_id.as_str()),
            Some("maven-core")
        );
        assert_eq!(sole_pom(&poms, "").map(|p| p.artifact_id.as_str()), Some("maven-core"));
        // A different version: a library shaded into an archive of its own.
        assert!(sole_pom(&poms, "1.0").is_none());
        let two = [pom("a", "b", "1"), pom("c", "d", "1")];
        assert!(sole_pom(&two, "1").is_none());
        assert!(sole_pom(&[], "").is_none());
    }

    #[test]
    fn guesses_group_ids_from_manifests() {
        let m: BTreeMap<String, String> = [
            ("Bundle-SymbolicName", "org.apache.commons.lang3;singleton:=true"),
            ("Implementation-Title", "Apache Commons Lang"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(group_from_manifest(&m).as_deref(), Some("org.apache.commons.lang3"));
        let m: BTreeMap<String, String> = [
            ("Main-Class", "com.acme.tool.Main"),
            ("Implementation-Vendor-Id", "Acme Inc"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(group_from_manifest(&m).as_deref(), Some("com.acme.tool"));
        let m: BTreeMap<String, String> = [("Main-Class", "Main")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(group_from_manifest(&m), None);
        assert!(!looks_like_group("org."));
        assert!(!looks_like_group("The Apache Software Foundation"));
    }
}
