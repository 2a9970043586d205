//! Naming sources as Syft users write them: `docker-archive:PATH`, `oci-dir:PATH`, `oci-archive:PATH`,
//! `dir:PATH`, `docker:NAME`, `sbom:PATH`, or a bare argument recognised by sniffing.

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::ImageError;

/// A source of an image (or an SBOM), as the user named it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceSpec {
    DockerArchive(PathBuf),
    OciDir(PathBuf),
    OciArchive(PathBuf),
    Dir(PathBuf),
    Docker(String),
    Sbom(PathBuf),
}

impl SourceSpec {
    /// Parses `scheme:value`, or recognises a bare argument: an archive file by sniffing its
    /// members, a JSON file as an SBOM, a directory with `index.json` as an OCI layout, another
    /// directory as a root filesystem, anything else as an image in the Docker daemon.
    pub fn parse(arg: &str) -> Result<SourceSpec, ImageError> {
        if let Some((scheme, rest)) = arg.split_once(':') {
            let path = || PathBuf::from(rest);
            let spec = match scheme {
                "docker-archive" => Some(SourceSpec::DockerArchive(path())),
                "oci-dir" => Some(SourceSpec::OciDir(path())),
                "oci-archive" => Some(SourceSpec::OciArchive(path())),
                "dir" => Some(SourceSpec::Dir(path())),
                "docker" | "docker-daemon" => Some(SourceSpec::Docker(rest.to_string())),
                "sbom" => Some(SourceSpec::Sbom(path())),
                "registry" => {
                    return Err(ImageError::Unrecognised {
                        input: arg.to_string(),
                        reason: "registry sources are not supported yet; use `docker save` and docker-archive:"
                            .to_string(),
                    })
                }
                _ => None,
            };
            if let Some(spec) = spec {
                if rest.is_empty() {
                    return Err(ImageError::Unrecognised {
                        input: arg.to_string(),
                        reason: format!("{scheme}: needs a value"),
                    });
                }
                if !matches!(spec, SourceSpec::Docker(_)) {
                    let p = PathBuf::from(rest);
                    if !p.exists() {
                        return Err(ImageError::NotFound(p));
                    }
                }
                return Ok(spec);
            }
        }
        sniff(arg)
    }

    /// The scheme name: `docker-archive`, `oci-dir`, …
    pub fn scheme(&self) -> &'static str {
        match self {
            SourceSpec::DockerArchive(_) => "docker-archive",
            SourceSpec::OciDir(_) => "oci-dir",
            SourceSpec::OciArchive(_) => "oci-archive",
            SourceSpec::Dir(_) => "dir",
            SourceSpec::Docker(_) => "docker",
            SourceSpec::Sbom(_) => "sbom",
        }
    }
}

fn sniff(arg: &str) -> Result<SourceSpec, ImageError> {
    let p = Path::new(arg);
    if p.is_dir() {
        if p.join("index.json").is_file() && p.join("oci-layout").is_file() {
            return Ok(SourceSpec::OciDir(p.to_path_buf()));
        }
        return Ok(SourceSpec::Dir(p.to_path_buf()));
    }
    if p.is_file() {
        let mut head = vec![0u8; 512];
        let n = File::open(p)
            .and_then(|mut f| f.read(&mut head))
            .map_err(|e| ImageError::io(arg, e))?;
        head.truncate(n);
        let first = head.iter().find(|b| !b.is_ascii_whitespace());
        if first == Some(&b'{') {
            return Ok(SourceSpec::Sbom(p.to_path_buf()));
        }
        if n >= 262 && &head[257..262] == b"ustar" {
            let names = member_names(p).map_err(|e| ImageError::io(arg, e))?;
            if names.iter().any(|n| n == "manifest.json") {
                return Ok(SourceSpec::DockerArchive(p.to_path_buf()));
            }
            if names.iter().any(|n| n == "index.json") {
                return Ok(SourceSpec::OciArchive(p.to_path_buf()));
            }
        }
        return Err(ImageError::Unrecognised {
            input: arg.to_string(),
            reason: "a file that is neither an image archive (docker save, OCI) nor an SBOM".to_string(),
        });
    }
    if arg.contains('/') && (arg.starts_with('.') || arg.starts_with('/')) {
        return Err(ImageError::NotFound(p.to_path_buf()));
    }
    Ok(SourceSpec::Docker(arg.to_string()))
}

fn member_names(p: &Path) -> std::io::Result<Vec<String>> {
    let mut a = tar::Archive::new(File::open(p)?);
    let mut out = Vec::new();
    for e in a.entries_with_seek()? {
        let e = e?;
        let name = String::from_utf8_lossy(&e.path_bytes())
            .trim_start_matches("./")
            .to_string();
        out.push(name);
    }
    Ok(out)
}

impl fmt::Display for SourceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceSpec::Docker(n) => write!(f, "docker:{n}"),
            SourceSpec::DockerArchive(p)
            | SourceSpec::OciDir(p)
            | SourceSpec::OciArchive(p)
            | SourceSpec::Dir(p)
            | SourceSpec::Sbom(p) => write!(f, "{}:{}", self.scheme(), p.display()),
        }
    }
}

/// `os/architecture[/variant]`, as `--platform` takes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: String,
}

impl Default for Platform {
    fn default() -> Self {
        Platform {
            os: "linux".to_string(),
            architecture: "amd64".to_string(),
            variant: String::new(),
        }
    }
}

impl FromStr for Platform {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split('/').collect();
        match parts.as_slice() {
            [os, arch] if !os.is_empty() && !arch.is_empty() => Ok(Platform {
                os: os.to_string(),
                architecture: arch.to_string(),
                variant: String::new(),
            }),
            [os, arch, variant] if !os.is_empty() && !arch.is_empty() => Ok(Platform {
                os: os.to_string(),
                architecture: arch.to_string(),
                variant: variant.to_string(),
            }),
            _ => Err(format!("platform {s:?} is not os/arch[/variant], e.g. linux/arm64")),
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if !self.variant.is_empty() {
            write!(f, "/{}", self.variant)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_schemes() {
        assert_eq!(
            SourceSpec::parse("docker:nginx:1.25").expect("docker"),
            SourceSpec::Docker("nginx:1.25".to_string())
        );
        assert!(matches!(
            SourceSpec::parse("docker-archive:/nonexistent/x.tar"),
            Err(ImageError::NotFound(_))
        ));
        assert_eq!(
            SourceSpec::parse("alpine:3.19").expect("bare"),
            SourceSpec::Docker("alpine:3.19".into())
        );
        let d = tempfile::tempdir().expect("tmp");
        let s = d.path().to_str().expect("utf8");
        assert_eq!(
            SourceSpec::parse(s).expect("dir"),
            SourceSpec::Dir(d.path().to_path_buf())
        );
        std::fs::write(d.path().join("index.json"), "{}").expect("write");
        std::fs::write(d.path().join("oci-layout"), "{}").expect("write");
        assert_eq!(
            SourceSpec::parse(s).expect("oci"),
            SourceSpec::OciDir(d.path().to_path_buf())
        );
    }

    #[test]
    fn parses_platforms() {
        let p: Platform = "linux/arm64/v8".parse().expect("platform");
        assert_eq!(p.variant, "v8");
        assert_eq!(p.to_string(), "linux/arm64/v8");
        assert!("linux".parse::<Platform>().is_err());
    }
}
