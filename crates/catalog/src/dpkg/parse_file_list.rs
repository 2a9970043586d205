//! The files a package owns: `/var/lib/dpkg/info/<package>[:<arch>].list` (one absolute path per
//! line) and, for distroless `status.d`, `<package>.md5sums` (`<md5>  <relative path>` lines).

/// The paths of a `.list` file, in order, without dpkg's `/.` entry for the root.
pub fn parse_list(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .filter(|l| l.starts_with('/') && *l != "/.")
        .map(str::to_string)
        .collect()
}

/// The paths of an `.md5sums` file, made absolute.
pub fn parse_md5sums(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let l = l.strip_suffix('\r').unwrap_or(l);
            let (sum, path) = l.split_once(char::is_whitespace)?;
            if sum.len() != 32 || !sum.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            let path = path.trim_start().trim_start_matches("./").trim_start_matches('/');
            (!path.is_empty()).then(|| format!("/{path}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_keeps_every_path_but_the_root() {
        let text =
            "/.\n/lib\n/lib/x86_64-linux-gnu/libz.so.1.2.13\n/usr/share/doc/zlib1g/copyright\r\n\nnot absolute\n";
        assert_eq!(
            parse_list(text),
            vec![
                "/lib",
                "/lib/x86_64-linux-gnu/libz.so.1.2.13",
                "/usr/share/doc/zlib1g/copyright"
            ]
        );
    }

    #[test]
    fn md5sums_paths_become_absolute() {
        let text = "c7c774d91213e966a04b2e51c787be23  lib/x86_64-linux-gnu/libz.so.1.2.13\n\
d348307d5bf18267bcbada155a715a3e  usr/share/doc/zlib1g/copyright\n\
nothex  usr/bin/x\n\
d348307d5bf18267bcbada155a715a3e\n";
        assert_eq!(
            parse_md5sums(text),
            vec![
                "/lib/x86_64-linux-gnu/libz.so.1.2.13",
                "/usr/share/doc/zlib1g/copyright"
            ]
        );
    }
}
