//! Version strings inside program binaries: the byte-level helpers the classifiers share.
//! Everything here works on untrusted bytes, with bounded look-ahead and no allocation until a
//! version is found.

use memchr::memmem;

/// Longest version accepted (`3.13.0rc1`, `1.1.1w`, `15.20`, `3.0.0-alpha17` are far shorter).
const MAX_LEN: usize = 32;

/// A dotted numeric version at the start of `b` with at least `min_parts` parts
/// (`1.22.1` has 3), followed by a suffix `suffix` accepts (it returns how many bytes it
/// takes). Returns the version text, or `None`.
pub(crate) fn version_at(b: &[u8], min_parts: usize, suffix: fn(&[u8]) -> usize) -> Option<&str> {
    let b = &b[..b.len().min(MAX_LEN + 1)];
    let mut i = 0;
    let mut parts = 0;
    loop {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            // Only on the first part: a dot is taken only when a digit follows it.
            return None;
        }
        parts += 1;
        if b.get(i) == Some(&b'.') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            i += 1;
        } else {
            break;
        }
    }
    if parts < min_parts {
        return None;
    }
    i += suffix(&b[i..]);
    if i > MAX_LEN {
        return None;
    }
    // Only ASCII digits, dots and what `suffix` accepted (ASCII) were taken.
    std::str::from_utf8(&b[..i]).ok()
}

/// No suffix.
pub(crate) fn no_suffix(_: &[u8]) -> usize {
    0
}

/// A pre-release tag from `tags` directly followed by digits (`rc1`, `b2`, `beta1`), or nothing.
pub(crate) fn tagged(b: &[u8], tags: &[&str]) -> usize {
    for t in tags {
        if let Some(rest) = b.strip_prefix(t.as_bytes()) {
            let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
            if digits > 0 {
                return t.len() + digits;
            }
        }
    }
    0
}

/// The version right after each occurrence of `needle`, in file order.
pub(crate) fn after<'a>(
    hay: &'a [u8],
    needle: &'a [u8],
    min_parts: usize,
    suffix: fn(&[u8]) -> usize,
) -> impl Iterator<Item = &'a str> + 'a {
    memmem::find_iter(hay, needle).filter_map(move |at| version_at(&hay[at + needle.len()..], min_parts, suffix))
}

/// The first version after `needle`.
pub(crate) fn first_after<'a>(
    hay: &'a [u8],
    needle: &'a [u8],
    min_parts: usize,
    suffix: fn(&[u8]) -> usize,
) -> Option<&'a str> {
    after(hay, needle, min_parts, suffix).next()
}

/// Whether `b` is a byte that can continue a version (so a match next to it is not a whole
/// version).
pub(crate) fn continues(b: Option<&u8>) -> bool {
    b.is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rc(b: &[u8]) -> usize {
        tagged(b, &["rc", "a", "b"])
    }

    #[test]
    fn reads_versions() {
        assert_eq!(version_at(b"3.11.2\0", 3, no_suffix), Some("3.11.2"));
        assert_eq!(version_at(b"1.22.1\n", 2, no_suffix), Some("1.22.1"));
        assert_eq!(version_at(b"15.20 (Debian)", 2, no_suffix), Some("15.20"));
        assert_eq!(version_at(b"15.20 (Debian)", 3, no_suffix), None);
        assert_eq!(version_at(b"3.13.0rc1 x", 3, rc), Some("3.13.0rc1"));
        assert_eq!(version_at(b"3.13.0rcx", 3, rc), Some("3.13.0"));
        assert_eq!(version_at(b"1.2.", 2, no_suffix), Some("1.2"));
        assert_eq!(version_at(b"v1.2", 1, no_suffix), None);
        assert_eq!(version_at(b"", 1, no_suffix), None);
        assert_eq!(version_at(b"123456789012345678901234567890123456", 1, no_suffix), None);
    }

    #[test]
    fn finds_after_needles() {
        let hay = b"xx nginx/bad \0nginx/1.22.1\0nginx/1.0.0\0";
        assert_eq!(first_after(hay, b"nginx/", 3, no_suffix), Some("1.22.1"));
        assert_eq!(
            after(hay, b"nginx/", 3, no_suffix).collect::<Vec<_>>(),
            vec!["1.22.1", "1.0.0"]
        );
        assert_eq!(first_after(b"nginx/", b"nginx/", 3, no_suffix), None);
    }
}
