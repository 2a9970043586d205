//! Standard base64 decoding (RFC 4648, padding optional), for Docker `auth` values and apk's
//! `Z:Q1…` digests. `None` on anything that is not base64.

fn value(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    } as u32)
}

/// Decodes `text`; `None` when it holds a character outside the alphabet or a dangling bit.
pub(crate) fn decode(text: &[u8]) -> Option<Vec<u8>> {
    let body = match text.iter().position(|&c| c == b'=') {
        Some(i) if text[i..].iter().all(|&c| c == b'=') && text.len() - i <= 2 => &text[..i],
        Some(_) => return None,
        None => text,
    };
    if body.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    for chunk in body.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= value(c)? << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn decodes_padded_and_unpadded() {
        assert_eq!(decode(b"dXNlcjpwYXNz").as_deref(), Some(&b"user:pass"[..]));
        assert_eq!(decode(b"YQ==").as_deref(), Some(&b"a"[..]));
        assert_eq!(decode(b"YWI").as_deref(), Some(&b"ab"[..]));
        assert_eq!(decode(b"").as_deref(), Some(&b""[..]));
        assert!(decode(b"a").is_none());
        assert!(decode(b"YQ=a").is_none());
        assert!(decode(b"Y!==").is_none());
    }
}
