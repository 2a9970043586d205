//! Which files are worth searching: cheap checks on the path, no allocation. The set stays
//! honest: configuration, code, scripts, keys and dotfiles anywhere are searched (`/root/.ssh/id_rsa`,
//! `/app/.env`, `~/.docker/config.json`, `/app/config.py`, `.npmrc`); what is left out is media,
//! archives, compiled objects and the distribution's documentation and locale data.

/// Directories whose files hold no secrets worth reading: documentation, manual pages, locales,
/// time zones, icons, fonts, terminal descriptions, the package manager's own file lists.
const SKIP_DIRS: &[&str] = &[
    "/usr/share/doc/",
    "/usr/share/man/",
    "/usr/share/info/",
    "/usr/share/locale/",
    "/usr/share/i18n/",
    "/usr/share/zoneinfo/",
    "/usr/share/icons/",
    "/usr/share/fonts/",
    "/usr/share/mime/",
    "/usr/share/terminfo/",
    "/usr/share/X11/locale/",
    "/usr/share/lintian/",
    "/usr/share/common-licenses/",
    "/usr/share/bash-completion/",
    "/usr/share/zsh/",
    "/usr/lib/locale/",
    "/usr/lib/terminfo/",
    "/var/lib/dpkg/info/",
    "/var/cache/debconf/",
    "/proc/",
    "/sys/",
    "/dev/",
];

/// Extensions (lower case, without the dot) of binary, media and archive files.
const SKIP_EXT: &[&str] = &[
    "so", "a", "o", "ko", "pyc", "pyo", "class", "jar", "war", "ear", "zip", "gz", "tgz", "xz", "txz", "bz2", "tbz2",
    "zst", "lz4", "lzma", "7z", "rar", "tar", "whl", "egg", "deb", "rpm", "png", "jpg", "jpeg", "gif", "bmp", "ico",
    "icns", "webp", "tif", "tiff", "psd", "svg", "svgz", "woff", "woff2", "ttf", "otf", "ttc", "eot", "pfb", "pcf",
    "mp3", "mp4", "m4a", "ogg", "oga", "wav", "flac", "avi", "mov", "webm", "mkv", "pdf", "exe", "dll", "node", "wasm",
    "mo", "gmo", "po", "pot", "db", "sqlite", "sqlite3", "pack", "idx", "map", "dat", "bin", "iso", "img", "qcow2",
];

/// The file name of an absolute path.
pub(crate) fn base_name(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, b)| b)
}

/// Whether the file at `path` is searched for secrets and content.
pub(crate) fn searched(path: &str) -> bool {
    if SKIP_DIRS.iter().any(|d| path.starts_with(d)) {
        return false;
    }
    let base = base_name(path);
    if base.contains(".so.") {
        return false;
    }
    match base.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => !SKIP_EXT.iter().any(|e| e.eq_ignore_ascii_case(ext)),
        _ => true,
    }
}

/// `/etc/passwd` and `/etc/group`: kept whole for the users analysis.
pub(crate) fn is_user_db(path: &str) -> bool {
    path == "/etc/passwd" || path == "/etc/group"
}

/// Package databases with file digests, kept whole when verifying.
pub(crate) fn is_verify_db(path: &str) -> bool {
    (path.starts_with("/var/lib/dpkg/info/") || path.starts_with("/var/lib/dpkg/status.d/"))
        && path.ends_with(".md5sums")
        || path == "/lib/apk/db/installed"
        || path == "/usr/lib/apk/db/installed"
        || path.starts_with("/etc/dpkg/dpkg.cfg.d/")
}

/// Whether a file is a dotenv file (`.env`, `.env.local`, `prod.env`).
pub(crate) fn is_dotenv(base: &str) -> bool {
    base == ".env" || base.starts_with(".env.") || (base.ends_with(".env") && base.len() > 4)
}

/// Whether content looks binary: an ELF or a NUL byte in its first 8 KiB.
pub(crate) fn is_binary(data: &[u8]) -> bool {
    data.starts_with(b"\x7fELF") || memchr::memchr(0, &data[..data.len().min(8 << 10)]).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_places_are_searched_media_and_docs_are_not() {
        for p in [
            "/root/.ssh/id_rsa",
            "/app/.env",
            "/home/x/.docker/config.json",
            "/app/config.py",
            "/home/node/.npmrc",
            "/etc/ssl/private/server.key",
            "/usr/local/bin/deploy.sh",
            "/app/settings.yaml",
            "/Makefile",
        ] {
            assert!(searched(p), "{p}");
        }
        for p in [
            "/usr/share/doc/bash/README",
            "/usr/share/zoneinfo/Europe/Paris",
            "/usr/lib/x86_64-linux-gnu/libc.so.6",
            "/app/logo.PNG",
            "/usr/lib/python3/dist-packages/x.cpython-311.pyc",
            "/srv/data.tar.gz",
        ] {
            assert!(!searched(p), "{p}");
        }
        assert!(is_dotenv(".env") && is_dotenv(".env.production") && is_dotenv("prod.env"));
        assert!(!is_dotenv("environment") && !is_dotenv(".envrc"));
        assert!(is_verify_db("/var/lib/dpkg/info/bash.md5sums"));
        assert!(is_verify_db("/var/lib/dpkg/info/libc6:amd64.md5sums"));
        assert!(!is_verify_db("/var/lib/dpkg/info/bash.list"));
        assert!(is_binary(b"\x7fELF\x02\x01") && is_binary(b"ab\0c") && !is_binary(b"plain text"));
    }
}
