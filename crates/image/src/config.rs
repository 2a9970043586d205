//! The image configuration JSON (Docker's and OCI's are the same shape for what we read).

use std::collections::BTreeMap;

use serde::Deserialize;
use vigil_types::{Digest, HistoryEntry, ImageConfig};

#[derive(Deserialize, Default)]
#[serde(default)]
struct Raw {
    architecture: String,
    os: String,
    variant: String,
    created: String,
    config: RawConfig,
    rootfs: RawRootfs,
    history: Vec<RawHistory>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct RawConfig {
    user: String,
    env: Option<Vec<String>>,
    entrypoint: Option<Vec<String>>,
    cmd: Option<Vec<String>>,
    working_dir: String,
    exposed_ports: Option<BTreeMap<String, serde_json::Value>>,
    volumes: Option<BTreeMap<String, serde_json::Value>>,
    labels: Option<BTreeMap<String, String>>,
    healthcheck: Option<RawHealth>,
    stop_signal: String,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct RawHealth {
    test: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawRootfs {
    diff_ids: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RawHistory {
    created: String,
    created_by: String,
    comment: String,
    empty_layer: bool,
}

/// A parsed configuration: what people see, and the layer digests it promises.
pub(crate) struct Parsed {
    pub config: ImageConfig,
    pub diff_ids: Vec<Digest>,
}

pub(crate) fn parse(bytes: &[u8]) -> Result<Parsed, String> {
    let raw: Raw = serde_json::from_slice(bytes).map_err(|e| format!("invalid image configuration: {e}"))?;
    let diff_ids = raw
        .rootfs
        .diff_ids
        .iter()
        .map(|d| d.parse::<Digest>().map_err(|e| format!("rootfs.diff_ids: {e}")))
        .collect::<Result<Vec<_>, _>>()?;
    let c = raw.config;
    Ok(Parsed {
        config: ImageConfig {
            architecture: raw.architecture,
            os: raw.os,
            variant: raw.variant,
            created: raw.created,
            user: c.user,
            env: c.env.unwrap_or_default(),
            entrypoint: c.entrypoint.unwrap_or_default(),
            cmd: c.cmd.unwrap_or_default(),
            working_dir: c.working_dir,
            exposed_ports: c.exposed_ports.unwrap_or_default().into_keys().collect(),
            volumes: c.volumes.unwrap_or_default().into_keys().collect(),
            labels: c.labels.unwrap_or_default(),
            healthcheck: c.healthcheck.and_then(|h| h.test),
            stop_signal: c.stop_signal,
            history: raw
                .history
                .into_iter()
                .map(|h| HistoryEntry {
                    created: h.created,
                    created_by: h.created_by,
                    comment: h.comment,
                    empty_layer: h.empty_layer,
                })
                .collect(),
        },
        diff_ids,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_docker_config() {
        let json = br#"{"architecture":"amd64","os":"linux","config":{"User":"nginx","Env":["A=1"],
            "Cmd":["nginx","-g","daemon off;"],"ExposedPorts":{"80/tcp":{}},"Labels":{"k":"v"},
            "Healthcheck":{"Test":["CMD","true"]}},
            "rootfs":{"type":"layers","diff_ids":["sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]},
            "history":[{"created_by":"RUN x","empty_layer":true}]}"#;
        let p = parse(json).expect("parses");
        assert_eq!(p.config.user, "nginx");
        assert_eq!(p.config.exposed_ports, vec!["80/tcp"]);
        assert_eq!(p.config.healthcheck, Some(vec!["CMD".to_string(), "true".to_string()]));
        assert_eq!(p.diff_ids.len(), 1);
        assert!(p.config.history[0].empty_layer);
        assert!(parse(b"{\"rootfs\":{\"diff_ids\":[\"md5:1\"]}}").is_err());
        assert!(parse(b"[").is_err());
    }
}
