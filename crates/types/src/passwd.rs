//! `/etc/passwd` and `/etc/group` lines, parsed the one way both halves need: the image analysis
//! (users of an image, for policy) and the runtime state (`user.name` from a container's root).
//!
//! The files are hostile: a line longer than [`MAX_LINE`], a NIS compat entry (`+`, `-name`),
//! a line with too few fields, an empty or non-UTF-8 name, or an id that is not a number is
//! malformed (`None`); comments and blank lines are not entries at all and are not yielded.

use crate::{GroupEntry, PasswdEntry};

/// Longest line that is parsed.
pub const MAX_LINE: usize = 4096;

/// The `:`-separated fields of each line that may be an entry; `None` for a line that is
/// skipped as malformed before its fields are looked at.
fn lines(content: &[u8]) -> impl Iterator<Item = Option<Vec<&[u8]>>> + '_ {
    content.split(|&b| b == b'\n').filter_map(|line| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) || line.first() == Some(&b'#') {
            return None;
        }
        if line.len() > MAX_LINE || matches!(line.first(), Some(b'+' | b'-')) {
            return Some(None);
        }
        Some(Some(line.split(|&b| b == b':').collect()))
    })
}

fn name(f: &[&[u8]]) -> Option<String> {
    let n = std::str::from_utf8(f.first()?).ok()?;
    (!n.is_empty()).then(|| n.to_string())
}

fn id(f: &[&[u8]], i: usize) -> Option<u32> {
    std::str::from_utf8(f.get(i)?).ok()?.trim().parse().ok()
}

fn text(f: &[&[u8]], i: usize) -> String {
    f.get(i)
        .map_or(String::new(), |s| String::from_utf8_lossy(s).trim().to_string())
}

/// The entries of a passwd file (`name:x:uid:gid:gecos:home:shell`), `None` for each malformed
/// line.
pub fn passwd_entries(content: &[u8]) -> impl Iterator<Item = Option<PasswdEntry>> + '_ {
    lines(content).map(|f| {
        let f = f?;
        Some(PasswdEntry {
            name: name(&f)?,
            uid: id(&f, 2)?,
            gid: id(&f, 3)?,
            home: text(&f, 5),
            shell: text(&f, 6),
        })
    })
}

/// The entries of a group file (`name:x:gid:member,member`), `None` for each malformed line.
pub fn group_entries(content: &[u8]) -> impl Iterator<Item = Option<GroupEntry>> + '_ {
    lines(content).map(|f| {
        let f = f?;
        Some(GroupEntry {
            name: name(&f)?,
            gid: id(&f, 2)?,
            members: text(&f, 3)
                .split(',')
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .map(str::to_string)
                .collect(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_and_malformed_lines() {
        let p: Vec<Option<PasswdEntry>> = passwd_entries(
            b"# c\n\n  \nroot:x:0:0:root:/root:/bin/bash\r\n+nis\nshort:x:5\napp:x:1000:1000::/home/app\n\xff:x:1:1::/:\n",
        )
        .collect();
        assert_eq!(p.len(), 5, "comments and blank lines are not yielded");
        let root = p[0].as_ref().expect("root");
        assert_eq!(
            (root.name.as_str(), root.uid, root.shell.as_str()),
            ("root", 0, "/bin/bash")
        );
        assert!(p[1].is_none() && p[2].is_none() && p[4].is_none());
        assert_eq!(p[3].as_ref().map(|e| e.home.as_str()), Some("/home/app"));
        let g: Vec<Option<GroupEntry>> = group_entries(b"sudo:x:27:alice, bob\nwheel:x:10\nbad:x:\n").collect();
        assert_eq!(
            g[0].as_ref().map(|e| e.members.clone()),
            Some(vec!["alice".into(), "bob".into()])
        );
        assert_eq!(g[1].as_ref().map(|e| e.gid), Some(10));
        assert!(g[2].is_none());
        let long = format!("evil:x:7:7:{}:/:/bin/sh", "a".repeat(MAX_LINE));
        assert_eq!(passwd_entries(long.as_bytes()).collect::<Vec<_>>(), vec![None]);
    }
}
