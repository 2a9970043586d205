//! The classifiers: which file names each well-known program goes by, and where its version
//! sits inside the binary. Each pattern was checked against real builds (Debian 12's packages,
//! pyenv's Pythons); the tests say which.

use memchr::memmem;

use super::parse_version::{after, continues, first_after, no_suffix, tagged, version_at};

/// One kind of program.
pub(crate) struct Class {
    /// The classifier's name, recorded as metadata `class` (Syft's names).
    pub id: &'static str,
    /// The package name reported (`pkg:generic/<package>@<version>`).
    pub package: &'static str,
    /// Whether a file's base name is this program's.
    pub wants: fn(&str) -> bool,
    /// The version inside the file, given its base name and content.
    pub find: fn(&str, &[u8]) -> Option<String>,
}

pub(crate) const CLASSES: &[Class] = &[
    Class {
        id: "python-binary",
        package: "python",
        wants: is_python_exe,
        find: python,
    },
    Class {
        id: "python-binary-lib",
        package: "python",
        wants: is_libpython,
        find: python,
    },
    Class {
        id: "nodejs-binary",
        package: "node",
        wants: |b| b == "node" || b == "nodejs" || b.starts_with("libnode.so"),
        find: |_, d| first_after(d, b"node.js/v", 3, no_suffix).map(str::to_string),
    },
    Class {
        id: "nginx-binary",
        package: "nginx",
        wants: |b| b == "nginx",
        find: nginx,
    },
    Class {
        id: "redis-binary",
        package: "redis",
        wants: |b| b == "redis-server",
        find: redis,
    },
    Class {
        id: "openssl-binary",
        package: "openssl",
        wants: |b| b == "openssl" || b.starts_with("libcrypto.so"),
        find: openssl,
    },
    Class {
        id: "busybox-binary",
        package: "busybox",
        wants: |b| b == "busybox",
        find: |_, d| first_after(d, b"BusyBox v", 3, no_suffix).map(str::to_string),
    },
    Class {
        id: "postgresql-binary",
        package: "postgresql",
        wants: |b| b == "postgres",
        find: postgres,
    },
];

/// The classifier for a base name, if any. No allocation: called for every file.
pub(crate) fn for_name(base: &str) -> Option<&'static Class> {
    CLASSES.iter().find(|c| (c.wants)(base))
}

/// `python`, `python3`, `python3.11`, `python2.7` — not `python3.11-config` or `python-foo`.
fn is_python_exe(b: &str) -> bool {
    let Some(rest) = b.strip_prefix("python") else {
        return false;
    };
    let (major, minor) = rest.split_once('.').unwrap_or((rest, "1"));
    major.bytes().all(|c| c.is_ascii_digit()) && !minor.is_empty() && minor.bytes().all(|c| c.is_ascii_digit())
}

/// `libpython3.11.so.1.0`, `libpython3.7m.so.1.0`, `libpython3.11d.so`.
fn is_libpython(b: &str) -> bool {
    b.strip_prefix("libpython")
        .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()) && r.contains(".so"))
}

/// `3.11` from `python3.11` or `libpython3.11.so.1.0`; `None` for `python3`.
fn python_series(base: &str) -> Option<&str> {
    let rest = base.strip_prefix("lib").unwrap_or(base).strip_prefix("python")?;
    version_at(rest.as_bytes(), 2, no_suffix)
}

/// Python's version: the file name gives the series (`3.11`), the content the release
/// (`3.11.2`). Debian's builds hold `PY_VERSION` as its own NUL-terminated string; optimised
/// builds fold it into code, and then the release shows only in build paths
/// (`/root/.pyenv/versions/3.11.7/lib`, `Python-3.11.7`), which are taken as a fallback.
fn python(base: &str, data: &[u8]) -> Option<String> {
    let series = match python_series(base) {
        Some(s) => s.to_string(),
        // `python3`: learn the series from the library it links or the paths it holds.
        // Debian's static python3.11 holds neither (it is installed as `python3.11`, and
        // `python3` is a symbolic link, never selected): then nothing is reported.
        None => {
            let major = base.strip_prefix("python").unwrap_or("");
            [&b"libpython"[..], b"/python"]
                .iter()
                .flat_map(|n| after(data, n, 2, no_suffix))
                .find(|s| major.is_empty() || s.strip_prefix(major).is_some_and(|r| r.starts_with('.')))?
                .to_string()
        }
    };
    let needle = format!("{series}.");
    let mut fallback = None;
    for at in memmem::find_iter(data, needle.as_bytes()) {
        if at > 0 && continues(data.get(at - 1)) {
            continue;
        }
        let Some(v) = version_at(&data[at..], 3, |b| tagged(b, &["rc", "a", "b"])) else {
            continue;
        };
        let end = at + v.len();
        if v.bytes().filter(|&c| c == b'.').count() != 2 || continues(data.get(end)) {
            continue;
        }
        if at > 0 && data[at - 1] == 0 && data.get(end) == Some(&0) {
            return Some(v.to_string());
        }
        fallback.get_or_insert(v);
    }
    fallback.map(str::to_string)
}

/// `nginx version: nginx/1.22.1` (the `-v` text), else the `Server:` token `nginx/1.22.1`.
fn nginx(_: &str, d: &[u8]) -> Option<String> {
    first_after(d, b"nginx version: nginx/", 3, no_suffix)
        .or_else(|| first_after(d, b"\0nginx/", 3, no_suffix))
        .map(str::to_string)
}

/// `postgres (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)`, else `PostgreSQL 15.20 ...`.
fn postgres(_: &str, d: &[u8]) -> Option<String> {
    let suffix = |b: &[u8]| tagged(b, &["beta", "rc"]);
    first_after(d, b"(PostgreSQL) ", 2, suffix)
        .or_else(|| first_after(d, b"\0PostgreSQL ", 2, suffix))
        .map(str::to_string)
}

/// `OpenSSL 3.0.15 3 Sep 2024` / `OpenSSL 1.1.1w  11 Sep 2023`: `OPENSSL_VERSION_TEXT`, a
/// string of its own, with the release date after the version (which rules out prose such as
/// "OpenSSL 1.1.1 or later").
fn openssl(_: &str, d: &[u8]) -> Option<String> {
    let needle = b"\0OpenSSL ";
    let suffix = |b: &[u8]| match b {
        [c, n, ..] if c.is_ascii_lowercase() && !n.is_ascii_alphanumeric() => 1,
        [b'-', rest @ ..] => {
            let t = tagged(rest, &["alpha", "beta", "pre"]);
            if t > 0 {
                t + 1
            } else {
                0
            }
        }
        _ => 0,
    };
    memmem::find_iter(d, needle).find_map(|at| {
        let rest = &d[at + needle.len()..];
        let v = version_at(rest, 3, suffix)?;
        let tail = &rest[v.len()..];
        let spaces = tail.iter().take(3).take_while(|&&c| c == b' ').count();
        (spaces > 0 && tail.get(spaces).is_some_and(u8::is_ascii_digit)).then(|| v.to_string())
    })
}

/// Redis writes its version only through `%s`; the constant shows in the build id string
/// `REDIS_VERSION` + build host + `-` + a 19-digit build time, e.g. `7.0.151790282056000000000`
/// (Debian: no host), `7.0.14buildkitsandbox-1702957741000000000`, `4.0.11841ce7054bd9-...`.
/// It follows the `payload %5` format string in the builds seen. Very old releases print
/// `Server started, Redis version 2.8.4`.
fn redis(_: &str, d: &[u8]) -> Option<String> {
    const STAMP: usize = 19;
    let start = memmem::find(d, b"payload %5").unwrap_or(0);
    let window = &d[start..d.len().min(start.saturating_add(4 << 20))];
    let mut i = 0;
    while i < window.len() {
        if !window[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let run_start = i;
        while i < window.len() && window[i].is_ascii_digit() {
            i += 1;
        }
        if i - run_start < STAMP || window.get(i) != Some(&0) {
            continue;
        }
        // The whole string: back over version, host and dash characters.
        let mut s = run_start;
        while s > 0
            && run_start - s < 64
            && (window[s - 1].is_ascii_alphanumeric() || matches!(window[s - 1], b'.' | b'-'))
        {
            s -= 1;
        }
        if let Some(v) = redis_build_id(&window[s..i]) {
            return Some(v);
        }
    }
    first_after(d, b"Server started, Redis version ", 3, no_suffix).map(str::to_string)
}

/// The version at the front of a build id string (see [`redis`]).
fn redis_build_id(s: &[u8]) -> Option<String> {
    // The first `<digits>.<digits>.` not preceded by a digit: major and minor.
    let digits = |from: usize| {
        s.get(from..)
            .map_or(0, |r| r.iter().take_while(|c| c.is_ascii_digit()).count())
    };
    let (at, end) = (0..s.len()).find_map(|k| {
        if k > 0 && s[k - 1].is_ascii_digit() {
            return None;
        }
        let dot = k + digits(k);
        let end = dot + 1 + digits(dot + 1);
        (dot > k && s.get(dot) == Some(&b'.') && end > dot + 1 && s.get(end) == Some(&b'.')).then_some((k, end))
    })?;
    let mm = std::str::from_utf8(&s[at..end]).ok()?;
    let tail = &s[end + 1..];
    let body = tail.get(..tail.len().checked_sub(19)?)?;
    let body = body.strip_suffix(b"-").unwrap_or(body);
    let patch_len = if !body.is_empty() && body.len() <= 2 && body.iter().all(u8::is_ascii_digit) {
        body.len()
    } else if (13..=14).contains(&body.len()) && body[..body.len() - 12].iter().all(u8::is_ascii_digit) {
        body.len() - 12 // a 12-character host name (a container id)
    } else {
        body.iter().take(2).take_while(|c| c.is_ascii_digit()).count()
    };
    if patch_len == 0 {
        return None;
    }
    let patch = std::str::from_utf8(&body[..patch_len]).ok()?;
    Some(format!("{mm}.{patch}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for b in [
            "python",
            "python3",
            "python3.11",
            "python2.7",
            "libpython3.11.so.1.0",
            "libpython3.7m.so.1.0",
        ] {
            assert_eq!(for_name(b).map(|c| c.package), Some("python"), "{b}");
        }
        for b in [
            "python3.11-config",
            "python-argcomplete",
            "python3.",
            "libpython",
            "pythonx",
        ] {
            assert!(for_name(b).is_none(), "{b}");
        }
        assert_eq!(for_name("libcrypto.so.3").map(|c| c.package), Some("openssl"));
        assert_eq!(for_name("postgres").map(|c| c.package), Some("postgresql"));
        assert!(for_name("libssl.so.3").is_none());
        assert!(for_name("nginx.conf").is_none());
    }

    #[test]
    fn python_versions() {
        // Debian 12's python3.11: PY_VERSION as its own string, next to `unidata_version` 3.2.0.
        let deb = b"pymalloc_debug\x003.11.2\x00strict\x00unidata_version\x003.2.0\x00";
        assert_eq!(python("python3.11", deb).as_deref(), Some("3.11.2"));
        // pyenv's libpython: only build paths hold the release.
        let pyenv = b"IBC_2.9\x00/root/.pyenv/versions/3.11.7/lib\x00\x00ild.1/Python-3.11.7\x00";
        assert_eq!(python("libpython3.11.so.1.0", pyenv).as_deref(), Some("3.11.7"));
        // `python3` learns its series from the library it links.
        let linked = b"libpython3.12.so.1.0\x00\x00x3.12.9 \x003.12.1\x00";
        assert_eq!(python("python3", linked).as_deref(), Some("3.12.1"));
        assert_eq!(python("python3.13", b"\x003.13.0rc2\x00").as_deref(), Some("3.13.0rc2"));
        assert_eq!(python("python3.11", b"13.11.2 3.11.2.1 3.11.22x"), None);
        assert_eq!(python("python3", b"no series here 3.11.2"), None);
    }

    #[test]
    fn openssl_versions() {
        let v3 = b"\x80\x03@\x00OpenSSL 3.0.19 27 Jan 2026\x003.0.19\x00not available\x00";
        assert_eq!(openssl("libcrypto.so.3", v3).as_deref(), Some("3.0.19"));
        let v1 = b"\x00OpenSSL 1.1.1 or later\x00OpenSSL 1.1.1w  11 Sep 2023\x00";
        assert_eq!(openssl("libcrypto.so.1.1", v1).as_deref(), Some("1.1.1w"));
        let alpha = b"\x00OpenSSL 3.0.0-alpha17 20 May 2021\x00";
        assert_eq!(openssl("openssl", alpha).as_deref(), Some("3.0.0-alpha17"));
    }

    #[test]
    fn redis_build_ids() {
        assert_eq!(redis_build_id(b"A7.0.151790282056000000000").as_deref(), Some("7.0.15"));
        assert_eq!(
            redis_build_id(b"7.0.14buildkitsandbox-1702957741000000000").as_deref(),
            Some("7.0.14")
        );
        assert_eq!(
            redis_build_id(b"4.0.11841ce7054bd9-1542359302000000000").as_deref(),
            Some("4.0.11")
        );
        assert_eq!(redis_build_id(b"9223372036854775807"), None);
        assert_eq!(redis_build_id(b"7.0.1790282056000000000").as_deref(), None);
        let bin = b"payload %5u\n\x00\x00ziplist\x00\x00\xdfA7.2.41790282056000000000\x00%llx\x00";
        assert_eq!(redis("redis-server", bin).as_deref(), Some("7.2.4"));
        assert_eq!(
            redis("redis-server", b"Server started, Redis version 2.8.4\n").as_deref(),
            Some("2.8.4")
        );
    }

    #[test]
    fn other_versions() {
        assert_eq!(
            nginx("nginx", b"d option\x00nginx version: nginx/1.22.1\n\x00").as_deref(),
            Some("1.22.1")
        );
        assert_eq!(
            nginx("nginx", b"%r\x00nginx/1.25.3\x00crypt").as_deref(),
            Some("1.25.3")
        );
        assert_eq!(
            postgres(
                "postgres",
                b"\x00postgres (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n"
            )
            .as_deref(),
            Some("15.20")
        );
        assert_eq!(
            postgres("postgres", b"\x00PostgreSQL 9.6.24 on x86_64").as_deref(),
            Some("9.6.24")
        );
    }
}
