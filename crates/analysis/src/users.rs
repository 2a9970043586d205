//! `/etc/passwd` and `/etc/group`, parsed line by line. Comments, blank lines, NIS `+`/`-`
//! entries and lines without a numeric id are skipped; the rest never fails.

use vigil_types::{GroupEntry, PasswdEntry};

fn lines(data: &[u8]) -> impl Iterator<Item = Vec<&str>> + '_ {
    data.split(|&b| b == b'\n').filter_map(|l| {
        let l = std::str::from_utf8(l).ok()?.trim_end_matches('\r');
        if l.trim().is_empty() || l.starts_with('#') || l.starts_with('+') || l.starts_with('-') {
            return None;
        }
        Some(l.split(':').collect())
    })
}

/// The entries of a passwd file: `name:x:uid:gid:gecos:home:shell`.
pub(crate) fn parse_passwd(data: &[u8]) -> Vec<PasswdEntry> {
    lines(data)
        .filter_map(|f| {
            let name = f.first().filter(|n| !n.is_empty())?;
            Some(PasswdEntry {
                name: name.to_string(),
                uid: f.get(2)?.trim().parse().ok()?,
                gid: f.get(3)?.trim().parse().ok()?,
                home: f.get(5).map_or(String::new(), |s| s.to_string()),
                shell: f.get(6).map_or(String::new(), |s| s.trim().to_string()),
            })
        })
        .collect()
}

/// The entries of a group file: `name:x:gid:member,member`.
pub(crate) fn parse_group(data: &[u8]) -> Vec<GroupEntry> {
    lines(data)
        .filter_map(|f| {
            let name = f.first().filter(|n| !n.is_empty())?;
            Some(GroupEntry {
                name: name.to_string(),
                gid: f.get(2)?.trim().parse().ok()?,
                members: f
                    .get(3)
                    .map(|m| {
                        m.split(',')
                            .map(str::trim)
                            .filter(|m| !m.is_empty())
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skips_what_is_not_an_entry() {
        let p = parse_passwd(
            b"root:x:0:0:root:/root:/bin/bash\r\n# c\n\n+nis\nbad:x:zero:0::/:/bin/sh\nshort:x:5\n\
              app:x:1000:1000::/home/app\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n\xff:x:1:1::/:\n",
        );
        let names: Vec<(&str, u32, &str)> = p.iter().map(|e| (e.name.as_str(), e.uid, e.shell.as_str())).collect();
        assert_eq!(
            names,
            vec![
                ("root", 0, "/bin/bash"),
                ("app", 1000, ""),
                ("nobody", 65534, "/usr/sbin/nologin")
            ]
        );
        let g = parse_group(b"root:x:0:\nsudo:x:27:alice,bob\nbad:x:\n");
        assert_eq!(g.len(), 2);
        assert_eq!(g[1].members, vec!["alice", "bob"]);
        assert!(g[0].members.is_empty());
    }
}
