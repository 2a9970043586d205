//! [`ImageRef::parse`]: an image name split the way the Docker reference grammar splits it.

use std::fmt;

use crate::{glob_match, ImageRef, ImageSelector};

/// The registry of names without one.
const DEFAULT_REGISTRY: &str = "docker.io";

impl ImageRef {
    /// `nginx` → docker.io / library/nginx / latest; `reg:5000/team/app:1.2@sha256:…`.
    ///
    /// The first path component is a registry when it contains `.` or `:` or is `localhost`
    /// (as Docker decides); otherwise the registry is `docker.io`, and a single-component
    /// repository there gets the `library/` prefix. `index.docker.io` and
    /// `registry-1.docker.io` are `docker.io`. The tag is `latest` when the name has neither a
    /// tag nor a digest. Surrounding whitespace is ignored; nothing here fails: a name that is
    /// not a valid reference is split as well as it can be.
    pub fn parse(name: &str) -> ImageRef {
        let name = name.trim();
        let (rest, digest) = match name.split_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (name, None),
        };
        let (registry, path) = match rest.split_once('/') {
            Some((first, path)) if first.contains(['.', ':']) || first == "localhost" => {
                (first.to_ascii_lowercase(), path)
            }
            _ => (DEFAULT_REGISTRY.to_string(), rest),
        };
        let registry = match registry.as_str() {
            "index.docker.io" | "registry-1.docker.io" => DEFAULT_REGISTRY.to_string(),
            _ => registry,
        };
        // The tag is after the last `:` of the last path component (a registry port has its
        // `:` before a `/`).
        let last_slash = path.rfind('/').map_or(0, |i| i + 1);
        let (repository, tag) = match path[last_slash..].rfind(':') {
            Some(i) => (&path[..last_slash + i], path[last_slash + i + 1..].to_string()),
            None => (path, String::new()),
        };
        let repository = if registry == DEFAULT_REGISTRY && !repository.contains('/') && !repository.is_empty() {
            format!("library/{repository}")
        } else {
            repository.to_string()
        };
        let tag = if tag.is_empty() && digest.is_none() {
            "latest".to_string()
        } else {
            tag
        };
        ImageRef {
            registry,
            repository,
            tag,
            digest,
        }
    }

    /// True when the selector's registry, repository and tag globs all match.
    pub fn matches(&self, registry: &str, repository: &str, tag: &str) -> bool {
        glob_match(registry, &self.registry) && glob_match(repository, &self.repository) && glob_match(tag, &self.tag)
    }
}

impl ImageSelector {
    /// True when this selector's globs match `image`.
    pub fn matches(&self, image: &ImageRef) -> bool {
        image.matches(&self.registry, &self.repository, &self.tag)
    }
}

impl fmt::Display for ImageRef {
    /// `docker.io/library/nginx:latest`, with `@digest` when there is one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if !self.tag.is_empty() {
            write!(f, ":{}", self.tag)?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(name: &str) -> (String, String, String, Option<String>) {
        let r = ImageRef::parse(name);
        (r.registry, r.repository, r.tag, r.digest)
    }

    #[test]
    fn docker_hub_defaults() {
        assert_eq!(
            split("nginx"),
            ("docker.io".into(), "library/nginx".into(), "latest".into(), None)
        );
        assert_eq!(
            split("bitnami/redis:7.2"),
            ("docker.io".into(), "bitnami/redis".into(), "7.2".into(), None)
        );
        assert_eq!(
            split("index.docker.io/library/python:3.12-slim"),
            ("docker.io".into(), "library/python".into(), "3.12-slim".into(), None)
        );
    }

    #[test]
    fn registries_ports_and_digests() {
        assert_eq!(
            split("reg.example.com:5000/team/app:1.2@sha256:abcd"),
            (
                "reg.example.com:5000".into(),
                "team/app".into(),
                "1.2".into(),
                Some("sha256:abcd".into())
            )
        );
        assert_eq!(
            split("localhost/app"),
            ("localhost".into(), "app".into(), "latest".into(), None)
        );
        assert_eq!(
            split("ghcr.io/acme/web@sha256:ff"),
            (
                "ghcr.io".into(),
                "acme/web".into(),
                String::new(),
                Some("sha256:ff".into())
            )
        );
        assert_eq!(
            ImageRef::parse("localhost:5000/app:v1").to_string(),
            "localhost:5000/app:v1"
        );
    }
}
