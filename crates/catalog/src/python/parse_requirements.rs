//! pip requirements files (`requirements*.txt`): the pinned `name==version` lines. Options
//! (`-r`, `-i`, `--hash`), comments, URLs and unpinned ranges name no single version and are skipped.

/// One pinned requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub name: String,
    pub version: String,
    /// The environment marker after `;`, if any.
    pub markers: String,
    /// 1-based line where the requirement starts.
    pub line: usize,
}

/// The pinned requirements of a requirements file. Never fails: a line that is not a pinned
/// requirement names nothing to report.
pub fn parse(text: &str) -> Vec<Requirement> {
    let mut out = Vec::new();
    let mut logical = String::new();
    let mut start = 0;
    for (i, raw) in text.lines().enumerate() {
        if logical.is_empty() {
            start = i + 1;
        }
        let line = strip_comment(raw);
        if let Some(cont) = line.strip_suffix('\\') {
            logical.push_str(cont);
            logical.push(' ');
            continue;
        }
        logical.push_str(line);
        if let Some(r) = pinned(&logical, start) {
            out.push(r);
        }
        logical.clear();
    }
    if let Some(r) = pinned(&logical, start) {
        out.push(r);
    }
    out
}

/// The line without a `#` comment (one at the start or after whitespace), trimmed at the end.
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    let cut = bytes
        .iter()
        .enumerate()
        .find(|&(i, &b)| b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()))
        .map_or(line.len(), |(i, _)| i);
    line[..cut].trim_end()
}

/// A `name[extras]==version ; markers --options` line, when it pins one version.
fn pinned(line: &str, at: usize) -> Option<Requirement> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('-') || line.contains("://") {
        return None;
    }
    // Per-requirement options (`--hash=...`) follow the requirement.
    let line = line.split(" --").next().unwrap_or("").trim();
    let (spec, markers) = match line.split_once(';') {
        Some((s, m)) => (s.trim(), m.trim()),
        None => (line, ""),
    };
    let name_end = spec
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(spec.len());
    let name = &spec[..name_end];
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return None;
    }
    let mut rest = spec[name_end..].trim_start();
    if let Some(after) = rest.strip_prefix('[') {
        rest = after.split_once(']')?.1.trim_start();
    }
    let version = rest.strip_prefix("===").or_else(|| rest.strip_prefix("=="))?.trim();
    let valid = !version.is_empty()
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+' | '!'));
    valid.then(|| Requirement {
        name: name.to_string(),
        version: version.to_string(),
        markers: markers.to_string(),
        line: at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pins(text: &str) -> Vec<(String, String)> {
        parse(text).into_iter().map(|r| (r.name, r.version)).collect()
    }

    #[test]
    fn keeps_pinned_lines_only() {
        let text = "-i https://pypi.org/simple\n\
                    # a comment\n\
                    certifi==2026.10.18; python_version >= '3.7' --hash=sha256:aa --hash=sha256:bb\n\
                    requests[security] == 2.19.0  # pinned with extras\n\
                    Django>=2.2\n\
                    flask\n\
                    -r other.txt\n\
                    -e git+https://github.com/x/y.git#egg=y\n\
                    pkg @ https://example.org/pkg-1.0.tar.gz\n\
                    numpy==1.*\n\
                    idna===2.7\n\
                    urllib3==1.23 \\\n    --hash=sha256:cc\n";
        assert_eq!(
            pins(text),
            vec![
                ("certifi".into(), "2026.10.18".into()),
                ("requests".into(), "2.19.0".into()),
                ("idna".into(), "2.7".into()),
                ("urllib3".into(), "1.23".into()),
            ]
        );
        let r = &parse(text)[0];
        assert_eq!(r.markers, "python_version >= '3.7'");
        assert_eq!(r.line, 3);
        assert_eq!(parse(text)[3].line, 12);
    }

    #[test]
    fn garbage_gives_nothing() {
        assert!(parse("\u{0}\u{1}==\n==1.0\n[x]==1\n").is_empty());
    }
}
