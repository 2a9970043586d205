//! Core metadata of an installed distribution: `*.dist-info/METADATA`, `*.egg-info/PKG-INFO`, or
//! an `*.egg-info` file. RFC 822 style headers (repeatable, continued on indented lines); the body
//! after the first empty line is the long description and is not read.

/// The fields of a distribution's core metadata that the cataloger uses.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Metadata {
    pub name: String,
    pub version: String,
    pub license: String,
    pub license_expression: String,
    /// `Classifier:` values that start with `License ::`.
    pub license_classifiers: Vec<String>,
    pub author: String,
    pub author_email: String,
    pub maintainer: String,
    pub home_page: String,
    /// `Project-URL:` values as (label, url).
    pub project_urls: Vec<(String, String)>,
    pub requires_python: String,
    pub requires_dist: Vec<String>,
}

/// Why a metadata file is not a distribution's metadata.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum MetadataError {
    #[error("no Name header in the metadata")]
    NoName,
    #[error("no Version header for {0:?}")]
    NoVersion(String),
}

impl Metadata {
    /// The author as one line: `Name <email>`, or whichever of the two is given.
    pub fn author_line(&self) -> String {
        let (who, mail) = if self.author.is_empty() && self.author_email.is_empty() {
            (&self.maintainer, "")
        } else {
            (&self.author, self.author_email.as_str())
        };
        match (who.is_empty(), mail.is_empty()) {
            (false, false) if !mail.contains('<') => format!("{who} <{mail}>"),
            (false, _) => who.clone(),
            (true, _) => mail.to_string(),
        }
    }

    /// `Home-page`, else a `Project-URL` labelled as the home page.
    pub fn homepage(&self) -> &str {
        if !self.home_page.is_empty() {
            return &self.home_page;
        }
        self.project_urls
            .iter()
            .find(|(label, _)| {
                let l = label.to_ascii_lowercase().replace(['-', '_', ' ', '.'], "");
                l == "homepage" || l == "home"
            })
            .map_or("", |(_, url)| url.as_str())
    }
}

/// Parses the header block of `text`. Stops at the first empty line, or at the first line that is
/// neither a header nor a continuation (the start of a body without a separator, as Python's
/// email parser treats it).
pub fn parse(text: &str) -> Result<Metadata, MetadataError> {
    let mut m = Metadata::default();
    let mut current: Option<(&str, String)> = None;
    for line in text.lines() {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = current.as_mut() {
                value.push('\n');
                value.push_str(line.trim());
                continue;
            }
            break;
        }
        let Some((key, value)) = line.split_once(':') else {
            break;
        };
        if key.is_empty() || key.contains(' ') {
            break;
        }
        if let Some((k, v)) = current.take() {
            m.set(k, v);
        }
        current = Some((key, value.trim().to_string()));
    }
    if let Some((k, v)) = current.take() {
        m.set(k, v);
    }
    if m.name.is_empty() {
        return Err(MetadataError::NoName);
    }
    if m.version.is_empty() {
        return Err(MetadataError::NoVersion(m.name));
    }
    Ok(m)
}

impl Metadata {
    fn set(&mut self, key: &str, value: String) {
        let value = value.trim().to_string();
        // Header names are case-insensitive; the values of the single ones: first wins.
        let first = |slot: &mut String, v: String| {
            if slot.is_empty() {
                *slot = v;
            }
        };
        match key.to_ascii_lowercase().as_str() {
            "name" => first(&mut self.name, value),
            "version" => first(&mut self.version, value),
            "license" => first(&mut self.license, value),
            "license-expression" => first(&mut self.license_expression, value),
            "author" => first(&mut self.author, value),
            "author-email" => first(&mut self.author_email, value),
            "maintainer" => first(&mut self.maintainer, value),
            "home-page" => first(&mut self.home_page, value),
            "requires-python" => first(&mut self.requires_python, value),
            "requires-dist" if !value.is_empty() => self.requires_dist.push(value),
            "project-url" => {
                if let Some((label, url)) = value.split_once(',') {
                    self.project_urls
                        .push((label.trim().to_string(), url.trim().to_string()));
                }
            }
            "classifier" if value.starts_with("License ::") => self.license_classifiers.push(value),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_headers_and_stops_at_the_body() {
        let m = parse(
            "Metadata-Version: 2.1\nName: PyYAML\nVersion: 5.3\nHome-page: https://github.com/yaml/pyyaml\n\
             Author: Kirill Simonov\nAuthor-email: xi@resolvent.net\nLicense: MIT\n\
             Classifier: Development Status :: 5 - Production/Stable\n\
             Classifier: License :: OSI Approved :: MIT License\nRequires-Python: >=2.7\n\
             Requires-Dist: idna (<2.8,>=2.5)\n\nName: not-a-header\nVersion: 9\n",
        )
        .expect("metadata");
        assert_eq!(m.name, "PyYAML");
        assert_eq!(m.version, "5.3");
        assert_eq!(m.license, "MIT");
        assert_eq!(m.license_classifiers, vec!["License :: OSI Approved :: MIT License"]);
        assert_eq!(m.author_line(), "Kirill Simonov <xi@resolvent.net>");
        assert_eq!(m.homepage(), "https://github.com/yaml/pyyaml");
        assert_eq!(m.requires_python, ">=2.7");
        assert_eq!(m.requires_dist, vec!["idna (<2.8,>=2.5)"]);
    }

    #[test]
    fn continuation_lines_belong_to_the_header_before_them() {
        let m = parse(
            "Metadata-Version: 1.1\nName: termcolor\nVersion: 1.1.0\nLicense: MIT\nDescription: Example\n        =======\n        \n        text\nPlatform: UNKNOWN\nClassifier: License :: OSI Approved :: MIT License\n",
        )
        .expect("metadata");
        assert_eq!(m.name, "termcolor");
        assert_eq!(m.license_classifiers.len(), 1);
    }

    #[test]
    fn project_url_home_page_and_author_email_only() {
        let m = parse(
            "Name: attrs\nVersion: 25.3.0\nProject-URL: Documentation, https://www.attrs.org/\nProject-URL: Homepage, https://example.org/attrs\nAuthor-email: Hynek Schlawack <hs@ox.cx>\n",
        )
        .expect("metadata");
        assert_eq!(m.homepage(), "https://example.org/attrs");
        assert_eq!(m.author_line(), "Hynek Schlawack <hs@ox.cx>");
    }

    #[test]
    fn missing_name_or_version_is_an_error() {
        assert_eq!(parse("Version: 1\n"), Err(MetadataError::NoName));
        assert_eq!(parse("Name: x\n"), Err(MetadataError::NoVersion("x".into())));
        assert_eq!(parse(""), Err(MetadataError::NoName));
        assert_eq!(
            parse("just some text\nName: x\nVersion: 1\n"),
            Err(MetadataError::NoName)
        );
    }
}
