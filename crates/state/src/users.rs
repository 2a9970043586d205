//! uid → name and gid → name from `/etc/passwd` and `/etc/group` content, as read from a
//! container's own root (`/proc/<pid>/root/etc/passwd`), for `user.name` and `group.name`.
//!
//! Both files are hostile: content past [`MAX_FILE`] bytes is ignored, lines longer than
//! [`MAX_LINE`] are skipped, as are lines with missing or non-numeric id fields, and at most
//! [`MAX_ENTRIES`] ids are kept. The first entry for an id wins, as getpwuid does.

use hashbrown::HashMap;
use std::io::Read;
use std::path::Path;
pub use vigil_types::passwd::MAX_LINE;
use vigil_types::passwd::{group_entries, passwd_entries};

/// Bytes of a passwd/group file that are read at most.
pub const MAX_FILE: usize = 4 << 20;
/// Most ids kept from one file.
pub const MAX_ENTRIES: usize = 100_000;

/// An id → name map parsed from passwd or group content.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IdNames {
    names: HashMap<u32, String>,
    /// Lines skipped because they were too long or malformed.
    pub skipped: usize,
}

impl IdNames {
    pub fn name(&self, id: u32) -> Option<&str> {
        self.names.get(&id).map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// Parses `/etc/passwd` content: `name:password:uid:gid:gecos:home:shell`.
pub fn parse_passwd(content: &[u8]) -> IdNames {
    let content = content.get(..MAX_FILE).unwrap_or(content);
    collect(passwd_entries(content).map(|e| e.map(|e| (e.uid, e.name))))
}

/// Parses `/etc/group` content: `name:password:gid:members`.
pub fn parse_group(content: &[u8]) -> IdNames {
    let content = content.get(..MAX_FILE).unwrap_or(content);
    collect(group_entries(content).map(|e| e.map(|e| (e.gid, e.name))))
}

/// Reads at most [`MAX_FILE`] bytes of a file (e.g. `/proc/<pid>/root/etc/passwd`).
pub fn read_capped(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    std::fs::File::open(path)?.take(MAX_FILE as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

/// The user and group names of one root filesystem, e.g. a container's `/proc/<pid>/root`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Users {
    pub users: IdNames,
    pub groups: IdNames,
}

impl Users {
    /// Reads `<root>/etc/passwd` and `<root>/etc/group` (capped); a missing or unreadable file
    /// gives an empty map, as a distroless image has none.
    pub fn load(root: &Path) -> Users {
        let read = |name: &str| read_capped(&root.join("etc").join(name)).unwrap_or_default();
        Users {
            users: parse_passwd(&read("passwd")),
            groups: parse_group(&read("group")),
        }
    }
}

/// The id → name map of `entries` (`None` for a malformed line, counted as skipped).
fn collect(entries: impl Iterator<Item = Option<(u32, String)>>) -> IdNames {
    let mut out = IdNames::default();
    for entry in entries {
        let Some((id, name)) = entry else {
            out.skipped += 1;
            continue;
        };
        if out.names.len() >= MAX_ENTRIES && !out.names.contains_key(&id) {
            out.skipped += 1;
            continue;
        }
        out.names.entry(id).or_insert(name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // An excerpt of a real Debian 12 /etc/passwd and /etc/group.
    const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\n\
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n\
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n\
_apt:x:42:65534::/nonexistent:/usr/sbin/nologin\n";
    const GROUP: &str = "root:x:0:\ndaemon:x:1:\nadm:x:4:\nwww-data:x:33:\nnogroup:x:65534:\n";

    #[test]
    fn real_files() {
        let p = parse_passwd(PASSWD.as_bytes());
        assert_eq!(p.len(), 5);
        assert_eq!(p.name(0), Some("root"));
        assert_eq!(p.name(33), Some("www-data"));
        assert_eq!(p.name(42), Some("_apt"));
        assert_eq!(p.name(65534), Some("nobody"));
        assert_eq!(p.name(1000), None);
        assert_eq!(p.skipped, 0);
        let g = parse_group(GROUP.as_bytes());
        assert_eq!(g.name(4), Some("adm"));
        assert_eq!(g.name(65534), Some("nogroup"));
    }

    #[test]
    fn this_machines_files() {
        let Ok(p) = read_capped(Path::new("/etc/passwd")) else {
            return;
        };
        assert_eq!(parse_passwd(&p).name(0), Some("root"));
        let Ok(g) = read_capped(Path::new("/etc/group")) else {
            return;
        };
        assert_eq!(parse_group(&g).name(0), Some("root"));
    }

    #[test]
    fn load_from_a_root() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(Users::load(tmp.path()), Users::default(), "no /etc at all");
        std::fs::create_dir(tmp.path().join("etc")).unwrap();
        std::fs::write(tmp.path().join("etc/passwd"), PASSWD).unwrap();
        std::fs::write(tmp.path().join("etc/group"), GROUP).unwrap();
        let u = Users::load(tmp.path());
        assert_eq!(u.users.name(33), Some("www-data"));
        assert_eq!(u.groups.name(4), Some("adm"));
        // Our own process's root, as /proc/<pid>/root is read for a container.
        let own = Users::load(Path::new("/proc/self/root"));
        assert_eq!(own.users.name(0), Some("root"));
    }

    #[test]
    fn hostile_lines() {
        let long = format!("evil:x:7:7:{}:/:/bin/sh\n", "a".repeat(MAX_LINE));
        let input = format!(
            "# comment\n\nroot:x:0:0:root:/root:/bin/sh\r\nshort:x:5\nnoid:x::1:::\nneg:x:-1:0:::\nbig:x:99999999999:0:::\n:x:8:8:::\n+::::::\n{long}dup:x:0:0:::\nalice:x:1000:1000:::"
        );
        let p = parse_passwd(input.as_bytes());
        assert_eq!(p.name(0), Some("root"), "first entry for an id wins; CR stripped");
        assert_eq!(p.name(1000), Some("alice"), "last line without newline");
        assert_eq!(p.name(5), None, "too few fields");
        assert_eq!(p.name(7), None, "overlong line");
        assert_eq!(p.name(8), None, "empty name");
        assert_eq!(p.len(), 2);
        assert_eq!(p.skipped, 7);
        // A group line with 3 fields is enough.
        assert_eq!(parse_group(b"wheel:x:10").name(10), Some("wheel"));
        assert!(parse_passwd(&[0xff, b':', b'x', b':', b'1', b':', b'1']).is_empty());
    }

    #[test]
    fn huge_content_is_capped() {
        let line = "u:x:1:1:::\n";
        let mut big = line.repeat(MAX_FILE / line.len() + 10).into_bytes();
        big.extend_from_slice(b"late:x:2:2:::\n");
        let p = parse_passwd(&big);
        assert_eq!(p.name(1), Some("u"));
        assert_eq!(p.name(2), None, "content past the cap is ignored");
    }
}
