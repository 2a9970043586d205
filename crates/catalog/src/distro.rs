//! The distribution, from `os-release` (with the older release files as fallbacks).

use vigil_image::FileTree;
use vigil_types::Distro;

const FILES: [&str; 5] = [
    "/etc/os-release",
    "/usr/lib/os-release",
    "/etc/alpine-release",
    "/etc/debian_version",
    "/etc/redhat-release",
];

/// Whether `path` is one of the files the distro is read from (their contents are always kept).
pub fn wants(path: &str) -> bool {
    FILES.contains(&path)
}

/// Reads the distribution from the tree; `None` when no release file is there.
pub fn detect(tree: &FileTree) -> Option<Distro> {
    for path in ["/etc/os-release", "/usr/lib/os-release"] {
        if let Some(d) = tree
            .content(path)
            .and_then(|c| parse_os_release(&String::from_utf8_lossy(c)))
        {
            return Some(d);
        }
    }
    if let Some(v) = tree.content("/etc/alpine-release") {
        return Some(Distro {
            id: "alpine".into(),
            version_id: String::from_utf8_lossy(v).trim().to_string(),
            name: "Alpine Linux".into(),
            ..Distro::default()
        });
    }
    if let Some(v) = tree.content("/etc/debian_version") {
        let v = String::from_utf8_lossy(v).trim().to_string();
        let major = v.split('.').next().unwrap_or("").to_string();
        return Some(Distro {
            id: "debian".into(),
            version_id: if major.chars().all(|c| c.is_ascii_digit()) {
                major
            } else {
                String::new()
            },
            name: "Debian GNU/Linux".into(),
            ..Distro::default()
        });
    }
    None
}

/// Parses the `KEY=value` lines of os-release (values may be quoted; comments skipped).
pub fn parse_os_release(text: &str) -> Option<Distro> {
    let mut d = Distro::default();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else { continue };
        let v = v.trim();
        let v = v
            .strip_prefix('"')
            .and_then(|x| x.strip_suffix('"'))
            .or_else(|| v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
            .unwrap_or(v)
            .to_string();
        match k.trim() {
            "ID" => d.id = v.to_ascii_lowercase(),
            "VERSION_ID" => d.version_id = v,
            "VERSION_CODENAME" => d.version_codename = v,
            "NAME" => d.name = v,
            "PRETTY_NAME" => d.pretty_name = v,
            "ID_LIKE" => d.id_like = v.split_whitespace().map(str::to_string).collect(),
            _ => {}
        }
    }
    (!d.id.is_empty()).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_debian_os_release() {
        let d = parse_os_release(
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n",
        )
        .expect("distro");
        assert_eq!(d.id, "debian");
        assert_eq!(d.version_id, "12");
        assert_eq!(d.purl_qualifier(), "debian-12");
        assert_eq!(d.version_codename, "bookworm");
        assert!(parse_os_release("# nothing\n").is_none());
    }

    #[test]
    fn parses_id_like() {
        let d = parse_os_release("ID=ubuntu\nID_LIKE=debian\nVERSION_ID='22.04'\n").expect("distro");
        assert_eq!(d.id_like, vec!["debian"]);
        assert_eq!(d.version_id, "22.04");
    }
}
