//! The files a distribution installed: `*.dist-info/RECORD` (CSV rows `path,hash,size`, paths
//! relative to the site-packages directory) and `*.egg-info/installed-files.txt` (one path a line,
//! relative to the egg-info directory). Paths are resolved to absolute paths inside the image root.

use vigil_image::resolve_in_root;

/// Why a RECORD file could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordError {
    #[error("line {0}: unterminated quoted field")]
    Unterminated(usize),
}

/// The paths of a RECORD file, resolved against `site_packages` (absolute).
pub fn parse_record(text: &str, site_packages: &str) -> Result<Vec<String>, RecordError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let path = first_field(line).ok_or(RecordError::Unterminated(i + 1))?;
        if !path.is_empty() {
            out.push(resolve_in_root(site_packages, &path));
        }
    }
    Ok(out)
}

/// The paths of an `installed-files.txt`, resolved against the egg-info directory `dir`.
pub fn parse_installed_files(text: &str, dir: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| resolve_in_root(dir, l))
        .collect()
}

/// The first field of a CSV row: plain, or double-quoted with `""` for a quote.
/// `None` when a quoted field does not end on this line.
fn first_field(line: &str) -> Option<String> {
    let Some(rest) = line.strip_prefix('"') else {
        return Some(line.split(',').next().unwrap_or("").to_string());
    };
    let mut out = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            if chars.peek() == Some(&'"') {
                chars.next();
                out.push('"');
            } else {
                return Some(out);
            }
        } else {
            out.push(c);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_rows_resolve_against_site_packages() {
        let site = "/usr/local/lib/python3.11/site-packages";
        let rows = "../../../bin/chardetect,sha256=7J9D8yhhslnlpjojeT-fFujWGOF72YqxaV603zyv1Ls,248\n\
                    chardet/__init__.py,sha256=YsP5wQlsHJ2auF1RZJfypiSrCA7_bQiRm3ES_NI76-Y,1559\n\
                    \"odd,name.py\",sha256=x,1\n\
                    chardet-3.0.4.dist-info/RECORD,,\n";
        assert_eq!(
            parse_record(rows, site).expect("record"),
            vec![
                "/usr/local/bin/chardetect",
                "/usr/local/lib/python3.11/site-packages/chardet/__init__.py",
                "/usr/local/lib/python3.11/site-packages/odd,name.py",
                "/usr/local/lib/python3.11/site-packages/chardet-3.0.4.dist-info/RECORD",
            ]
        );
        assert_eq!(parse_record("\"open,x\n", site), Err(RecordError::Unterminated(1)));
    }

    #[test]
    fn paths_stay_inside_the_root() {
        assert_eq!(resolve_in_root("/a/b", "../../../../etc/passwd"), "/etc/passwd");
        assert_eq!(resolve_in_root("/a/b", "/usr/bin/x"), "/usr/bin/x");
        assert_eq!(resolve_in_root("/a", ".."), "/");
    }

    #[test]
    fn installed_files_resolve_against_the_egg_info_dir() {
        let dir = "/usr/local/lib/python3.11/site-packages/six-1.16.0-py3.11.egg-info";
        assert_eq!(
            parse_installed_files("../six.py\nPKG-INFO\n\n", dir),
            vec![
                "/usr/local/lib/python3.11/site-packages/six.py",
                "/usr/local/lib/python3.11/site-packages/six-1.16.0-py3.11.egg-info/PKG-INFO",
            ]
        );
    }
}
