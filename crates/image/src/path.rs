//! Normalising paths found in layer tars: relative to the image root, never outside it.

/// Why a tar entry's path is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum PathError {
    Absolute,
    Escapes,
    NotUtf8,
}

impl PathError {
    pub fn reason(&self) -> &'static str {
        match self {
            PathError::Absolute => "absolute path in a layer",
            PathError::Escapes => "path climbs out of the image root with ..",
            PathError::NotUtf8 => "path is not valid UTF-8",
        }
    }
}

/// Turns a tar entry name into an absolute image path (`/usr/bin/x`), or `None` for the root itself.
/// `./` prefixes and `.` components are dropped; `..` that climbs above the root, and absolute
/// names, are refused: a well-formed layer never has them.
pub fn normalize_entry(raw: &[u8], out: &mut String) -> Result<bool, PathError> {
    let s = std::str::from_utf8(raw).map_err(|_| PathError::NotUtf8)?;
    if s.starts_with('/') {
        return Err(PathError::Absolute);
    }
    out.clear();
    let mut depth = 0usize;
    for comp in s.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                if depth == 0 {
                    return Err(PathError::Escapes);
                }
                let cut = out.rfind('/').unwrap_or(0);
                out.truncate(cut);
                depth -= 1;
            }
            c => {
                out.push('/');
                out.push_str(c);
                depth += 1;
            }
        }
    }
    Ok(!out.is_empty())
}

/// Joins a link target onto the directory holding the link, inside the root. An absolute
/// target is taken from the image root; `..` at the root stays at the root, as in a chroot.
pub fn resolve_in_root(dir: &str, target: &str) -> String {
    let mut out = String::with_capacity(dir.len() + target.len() + 1);
    if !target.starts_with('/') {
        out.push_str(dir.trim_end_matches('/'));
    }
    for comp in target.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                let cut = out.rfind('/').unwrap_or(0);
                out.truncate(cut);
            }
            c => {
                out.push('/');
                out.push_str(c);
            }
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// The parent directory of an absolute path (`/` for top-level entries).
pub fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> Result<String, PathError> {
        let mut out = String::new();
        normalize_entry(s.as_bytes(), &mut out).map(|_| out)
    }

    #[test]
    fn normalizes() {
        assert_eq!(norm("./usr/bin/x").as_deref(), Ok("/usr/bin/x"));
        assert_eq!(norm("usr//lib/./a/").as_deref(), Ok("/usr/lib/a"));
        assert_eq!(norm("a/b/../c").as_deref(), Ok("/a/c"));
        assert_eq!(norm("./").as_deref(), Ok(""));
    }

    #[test]
    fn refuses_escapes() {
        assert_eq!(norm("../etc/passwd"), Err(PathError::Escapes));
        assert_eq!(norm("a/../../etc"), Err(PathError::Escapes));
        assert_eq!(norm("/etc/passwd"), Err(PathError::Absolute));
    }

    #[test]
    fn resolves_links_inside_root() {
        assert_eq!(resolve_in_root("/etc", "../usr/lib/os-release"), "/usr/lib/os-release");
        assert_eq!(resolve_in_root("/etc", "../../../../x"), "/x");
        assert_eq!(resolve_in_root("/a/b", "/c"), "/c");
        assert_eq!(resolve_in_root("/", "usr/lib"), "/usr/lib");
        assert_eq!(parent("/usr/bin"), "/usr");
        assert_eq!(parent("/usr"), "/");
    }
}
