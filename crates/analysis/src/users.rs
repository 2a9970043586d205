//! `/etc/passwd` and `/etc/group` of the image: their well-formed entries (the line rules are
//! `vigil_types::passwd`'s, shared with the runtime state).

use vigil_types::passwd::{group_entries, passwd_entries};
use vigil_types::{GroupEntry, PasswdEntry};

/// The entries of a passwd file; malformed lines are left out.
pub(crate) fn parse_passwd(data: &[u8]) -> Vec<PasswdEntry> {
    passwd_entries(data).flatten().collect()
}

/// The entries of a group file; malformed lines are left out.
pub(crate) fn parse_group(data: &[u8]) -> Vec<GroupEntry> {
    group_entries(data).flatten().collect()
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
