//! Bundler's `Gemfile.lock`: sections at column 0 (`GEM`, `GIT`, `PATH`, `PLATFORMS`,
//! `DEPENDENCIES`...); in the source sections a `specs:` list whose entries sit at a 4-space
//! indent as `name (version)` or `name (version-platform)`, their own dependencies at 6 spaces.

/// One locked gem.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct LockedGem {
    pub name: String,
    pub version: String,
    /// The platform of a native gem (`x86_64-linux`), when the lockfile pins one.
    pub platform: String,
    /// The section it came from: `GEM`, `GIT` or `PATH`.
    pub source: &'static str,
    /// The section's `remote:`.
    pub remote: String,
    /// 1-based line number.
    pub line: usize,
}

/// What a lockfile holds, and the spec lines that could not be read.
#[derive(Debug, Default)]
pub(super) struct Lockfile {
    pub gems: Vec<LockedGem>,
    pub bad_lines: Vec<(usize, String)>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub(super) enum LockError {
    #[error("not a Gemfile.lock: no GEM, GIT or PATH section")]
    NoSources,
}

pub(super) fn parse_gemfile_lock(text: &str) -> Result<Lockfile, LockError> {
    let mut out = Lockfile::default();
    let mut section: Option<&'static str> = None;
    let mut sources = 0;
    let mut remote = String::new();
    let mut in_specs = false;
    for (n, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(' ') {
            section = match line.trim_end() {
                "GEM" => Some("GEM"),
                "GIT" => Some("GIT"),
                "PATH" => Some("PATH"),
                _ => None,
            };
            sources += usize::from(section.is_some());
            remote.clear();
            in_specs = false;
            continue;
        }
        let Some(source) = section else { continue };
        let indent = line.len() - line.trim_start_matches(' ').len();
        let body = line.trim();
        if indent == 2 {
            in_specs = body == "specs:";
            if let Some(r) = body.strip_prefix("remote:") {
                remote = r.trim().to_string();
            }
            continue;
        }
        if indent != 4 || !in_specs {
            continue;
        }
        match spec_line(body) {
            Some((name, version, platform)) => out.gems.push(LockedGem {
                name: name.to_string(),
                version: version.to_string(),
                platform: platform.to_string(),
                source,
                remote: remote.clone(),
                line: n + 1,
            }),
            None => out.bad_lines.push((n + 1, body.chars().take(80).collect())),
        }
    }
    if sources == 0 {
        return Err(LockError::NoSources);
    }
    Ok(out)
}

/// `name (version)`; a version with a `-` carries a platform (`1.13.9-x86_64-linux`), as
/// RubyGems versions themselves never contain one.
fn spec_line(body: &str) -> Option<(&str, &str, &str)> {
    let (name, rest) = body.split_once(" (")?;
    let inner = rest.strip_suffix(')')?.trim();
    let name = name.trim();
    if name.is_empty() || inner.is_empty() || name.contains(char::is_whitespace) {
        return None;
    }
    Some(match inner.split_once('-') {
        Some((v, platform)) => (name, v, platform),
        None => (name, inner, ""),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sources_and_platforms() {
        let text = "GIT\n  remote: https://github.com/rails/rails.git\n  revision: 0123abcd\n  specs:\n    rails (7.1.0.alpha)\n      actionpack (= 7.1.0.alpha)\n\nGEM\n  remote: https://rubygems.org/\n  specs:\n    nokogiri (1.13.9-x86_64-linux)\n      racc (~> 1.4)\n    racc (1.6.0)\n\nPLATFORMS\n  x86_64-linux\n\nDEPENDENCIES\n  nokogiri\n  rails!\n\nBUNDLED WITH\n   2.3.27\n";
        let l = parse_gemfile_lock(text).expect("lockfile");
        let got: Vec<(&str, &str, &str, &str)> = l
            .gems
            .iter()
            .map(|g| (g.name.as_str(), g.version.as_str(), g.platform.as_str(), g.source))
            .collect();
        assert_eq!(
            got,
            [
                ("rails", "7.1.0.alpha", "", "GIT"),
                ("nokogiri", "1.13.9", "x86_64-linux", "GEM"),
                ("racc", "1.6.0", "", "GEM")
            ]
        );
        assert_eq!(l.gems[0].remote, "https://github.com/rails/rails.git");
        assert_eq!(l.gems[1].remote, "https://rubygems.org/");
        assert_eq!(l.gems[1].line, 11);
        assert!(l.bad_lines.is_empty());
    }

    #[test]
    fn bad_lines_and_garbage() {
        let l = parse_gemfile_lock("GEM\r\n  specs:\r\n    rack (2.2.22)\r\n    broken line\r\n    (1.0)\r\n")
            .expect("lockfile");
        assert_eq!(l.gems.len(), 1);
        assert_eq!(
            l.bad_lines,
            vec![(4, "broken line".to_string()), (5, "(1.0)".to_string())]
        );
        assert_eq!(parse_gemfile_lock("").err(), Some(LockError::NoSources));
        assert_eq!(
            parse_gemfile_lock("\u{0}\u{ff}{\"json\": true}").err(),
            Some(LockError::NoSources)
        );
    }
}
