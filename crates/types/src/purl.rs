//! Package URLs (<https://github.com/package-url/purl-spec>): `pkg:type/namespace/name@version?qualifiers#subpath`.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A package URL. Qualifiers are kept sorted by key, as the specification's canonical form asks.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Purl {
    pub ty: String,
    pub namespace: Option<String>,
    pub name: String,
    pub version: Option<String>,
    pub qualifiers: BTreeMap<String, String>,
    pub subpath: Option<String>,
}

/// Why a string is not a package URL.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum PurlError {
    #[error("package URL {0:?} does not start with \"pkg:\"")]
    Scheme(String),
    #[error("package URL {0:?} has no type")]
    NoType(String),
    #[error("package URL {0:?} has no name")]
    NoName(String),
    #[error("package URL {0:?} has a malformed percent-encoding")]
    Encoding(String),
}

impl Purl {
    /// A purl of `ty` (lowercased), `name` and `version` (empty means none).
    pub fn new(ty: &str, name: &str, version: &str) -> Purl {
        Purl {
            ty: ty.to_ascii_lowercase(),
            namespace: None,
            name: name.to_string(),
            version: (!version.is_empty()).then(|| version.to_string()),
            qualifiers: BTreeMap::new(),
            subpath: None,
        }
    }

    /// Sets the namespace (`/`-separated segments); an empty one is dropped.
    pub fn namespace(mut self, ns: &str) -> Purl {
        let ns = ns.trim_matches('/');
        self.namespace = (!ns.is_empty()).then(|| ns.to_string());
        self
    }

    /// Adds a qualifier; an empty value is dropped, as the specification says.
    pub fn qualifier(mut self, key: &str, value: &str) -> Purl {
        if !value.is_empty() {
            self.qualifiers.insert(key.to_ascii_lowercase(), value.to_string());
        }
        self
    }

    /// Sets the subpath.
    pub fn subpath(mut self, subpath: &str) -> Purl {
        let s = subpath.trim_matches('/');
        self.subpath = (!s.is_empty()).then(|| s.to_string());
        self
    }
}

fn encode(out: &mut String, s: &str, keep: &[u8]) {
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') || keep.contains(&b) {
            out.push(b as char);
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{b:02X}");
        }
    }
}

fn decode(s: &str, whole: &str) -> Result<String, PurlError> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| PurlError::Encoding(whole.to_string()))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| PurlError::Encoding(whole.to_string()))
}

impl fmt::Display for Purl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::with_capacity(64);
        s.push_str("pkg:");
        s.push_str(&self.ty);
        s.push('/');
        if let Some(ns) = &self.namespace {
            for seg in ns.split('/').filter(|x| !x.is_empty()) {
                encode(&mut s, seg, &[]);
                s.push('/');
            }
        }
        encode(&mut s, &self.name, &[]);
        if let Some(v) = &self.version {
            s.push('@');
            encode(&mut s, v, b":+");
        }
        for (i, (k, v)) in self.qualifiers.iter().enumerate() {
            s.push(if i == 0 { '?' } else { '&' });
            s.push_str(k);
            s.push('=');
            encode(&mut s, v, b":/");
        }
        if let Some(sp) = &self.subpath {
            s.push('#');
            for (i, seg) in sp.split('/').enumerate() {
                if i > 0 {
                    s.push('/');
                }
                encode(&mut s, seg, &[]);
            }
        }
        f.write_str(&s)
    }
}

impl FromStr for Purl {
    type Err = PurlError;
    fn from_str(whole: &str) -> Result<Self, Self::Err> {
        let rest = whole
            .strip_prefix("pkg:")
            .ok_or_else(|| PurlError::Scheme(whole.to_string()))?
            .trim_start_matches('/');
        let (rest, subpath) = match rest.split_once('#') {
            Some((r, s)) => (r, Some(decode(s, whole)?)),
            None => (rest, None),
        };
        let (rest, quals) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let mut qualifiers = BTreeMap::new();
        for pair in quals.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = decode(v, whole)?;
            if !v.is_empty() {
                qualifiers.insert(k.to_ascii_lowercase(), v);
            }
        }
        let (ty, path) = rest
            .split_once('/')
            .ok_or_else(|| PurlError::NoType(whole.to_string()))?;
        if ty.is_empty() {
            return Err(PurlError::NoType(whole.to_string()));
        }
        let path = path.trim_end_matches('/');
        let (path, version) = match path.rfind('@') {
            Some(at) if at > path.rfind('/').unwrap_or(0) => (&path[..at], Some(decode(&path[at + 1..], whole)?)),
            _ => (path, None),
        };
        let (ns, name) = match path.rsplit_once('/') {
            Some((ns, name)) => (Some(ns), name),
            None => (None, path),
        };
        if name.is_empty() {
            return Err(PurlError::NoName(whole.to_string()));
        }
        let namespace = match ns {
            Some(ns) => {
                let segs: Result<Vec<String>, _> = ns
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(|s| decode(s, whole))
                    .collect();
                Some(segs?.join("/")).filter(|s| !s.is_empty())
            }
            None => None,
        };
        Ok(Purl {
            ty: ty.to_ascii_lowercase(),
            namespace,
            name: decode(name, whole)?,
            version: version.filter(|v| !v.is_empty()),
            qualifiers,
            subpath: subpath.filter(|s| !s.is_empty()),
        })
    }
}

impl TryFrom<String> for Purl {
    type Error = PurlError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Purl> for String {
    fn from(p: Purl) -> String {
        p.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_canonical_form() {
        let p = Purl::new("npm", "core", "7.0.0").namespace("@babel");
        assert_eq!(p.to_string(), "pkg:npm/%40babel/core@7.0.0");
        let p = Purl::new("deb", "libstdc++6", "12.2.0-14")
            .namespace("debian")
            .qualifier("distro", "debian-12")
            .qualifier("arch", "amd64");
        assert_eq!(
            p.to_string(),
            "pkg:deb/debian/libstdc%2B%2B6@12.2.0-14?arch=amd64&distro=debian-12"
        );
        let p = Purl::new("rpm", "bash", "5.1-2")
            .qualifier("epoch", "1")
            .qualifier("empty", "");
        assert_eq!(p.to_string(), "pkg:rpm/bash@5.1-2?epoch=1");
    }

    #[test]
    fn round_trips() {
        for s in [
            "pkg:npm/%40babel/core@7.0.0",
            "pkg:deb/debian/libstdc%2B%2B6@12.2.0-14?arch=amd64&distro=debian-12",
            "pkg:maven/org.apache.commons/commons-lang3@3.12.0",
            "pkg:golang/github.com/opencontainers/runc@v1.1.12",
            "pkg:pypi/django@2.2.0",
            "pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&upstream=bash&distro=debian-12",
            "pkg:generic/python@3.11.2#usr/bin/python3",
        ] {
            let p: Purl = s.parse().expect("valid purl");
            let again: Purl = p.to_string().parse().expect("reparse");
            assert_eq!(p, again, "{s}");
        }
        let p: Purl = "pkg:golang/github.com/opencontainers/runc@v1.1.12"
            .parse()
            .expect("purl");
        assert_eq!(p.namespace.as_deref(), Some("github.com/opencontainers"));
        assert_eq!(p.name, "runc");
        assert_eq!(p.version.as_deref(), Some("v1.1.12"));
    }

    #[test]
    fn rejects_garbage() {
        assert!(matches!("npm/x".parse::<Purl>(), Err(PurlError::Scheme(_))));
        assert!(matches!("pkg:npm".parse::<Purl>(), Err(PurlError::NoType(_))));
        assert!(matches!("pkg:npm/x%zz".parse::<Purl>(), Err(PurlError::Encoding(_))));
    }
}
