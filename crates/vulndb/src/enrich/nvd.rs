//! CVSS vectors from CVE JSON 5 records (cvelistV5: `containers.cna.metrics[]`,
//! `containers.adp[].metrics[]`, each with `cvssV4_0` / `cvssV3_1` / `cvssV3_0` / `cvssV2_0`
//! objects holding a `vectorString`) and from NVD API 2.0 responses and feed files
//! (`vulnerabilities[].cve.metrics.cvssMetricV40 / V31 / V30 / V2[]`, each with a `source`, a
//! `type` and `cvssData.vectorString`). These fill in severity for advisories that have none.

use std::io::Read;

use serde::Deserialize;

use super::{is_cve_id, stream_array};
use crate::import::run::Run;
use crate::import::validate::Invalid;
use crate::store::CvssVector;
use crate::DbError;

#[derive(Deserialize)]
struct Cve5 {
    #[serde(rename = "cveMetadata")]
    meta: Cve5Meta,
    #[serde(default)]
    containers: Option<Cve5Containers>,
}

#[derive(Deserialize)]
struct Cve5Meta {
    #[serde(rename = "cveId")]
    id: String,
}

#[derive(Deserialize)]
struct Cve5Containers {
    #[serde(default)]
    cna: Option<Cve5Container>,
    #[serde(default)]
    adp: Option<Vec<Cve5Container>>,
}

#[derive(Deserialize)]
struct Cve5Container {
    #[serde(rename = "providerMetadata", default)]
    provider: Option<Provider>,
    #[serde(default)]
    metrics: Option<Vec<Cve5Metric>>,
}

#[derive(Deserialize)]
struct Provider {
    #[serde(rename = "shortName", default)]
    short_name: Option<String>,
}

#[derive(Deserialize)]
struct Cve5Metric {
    #[serde(rename = "cvssV4_0", default)]
    v40: Option<Vector>,
    #[serde(rename = "cvssV3_1", default)]
    v31: Option<Vector>,
    #[serde(rename = "cvssV3_0", default)]
    v30: Option<Vector>,
    #[serde(rename = "cvssV2_0", default)]
    v20: Option<Vector>,
}

#[derive(Deserialize)]
struct Vector {
    #[serde(rename = "vectorString")]
    vector: String,
}

/// Parses a CVE JSON 5 record into its id and CVSS vectors (none for a rejected CVE).
pub(crate) fn parse_cve5(bytes: &[u8]) -> Result<(String, Vec<CvssVector>), Invalid> {
    let record: Cve5 = serde_json::from_slice(bytes).map_err(|e| Invalid {
        id: None,
        reason: format!("not a CVE JSON 5 record: {e}"),
    })?;
    let cve = record.meta.id;
    if !is_cve_id(&cve) {
        return Err(Invalid {
            id: None,
            reason: format!("not a CVE id: {:?}", cve.chars().take(40).collect::<String>()),
        });
    }
    let mut vectors = Vec::new();
    let containers = record.containers.map(|c| {
        let cna = c.cna.map(|x| ("cna", x));
        cna.into_iter()
            .chain(c.adp.unwrap_or_default().into_iter().map(|x| ("adp", x)))
            .collect::<Vec<_>>()
    });
    for (kind, container) in containers.unwrap_or_default() {
        let origin = container
            .provider
            .and_then(|p| p.short_name)
            .unwrap_or_else(|| kind.to_string());
        for metric in container.metrics.unwrap_or_default() {
            let versions = [
                ("4.0", metric.v40),
                ("3.1", metric.v31),
                ("3.0", metric.v30),
                ("2.0", metric.v20),
            ];
            for (version, vector) in versions {
                let Some(vector) = vector else { continue };
                check_vector(version, &vector.vector).map_err(|reason| Invalid {
                    id: Some(cve.clone()),
                    reason,
                })?;
                vectors.push(CvssVector {
                    version: version.to_string(),
                    vector: vector.vector,
                    origin: origin.clone(),
                    kind: kind.to_string(),
                });
            }
        }
    }
    Ok((cve, vectors))
}

#[derive(Deserialize)]
struct NvdItem {
    cve: NvdCve,
}

#[derive(Deserialize)]
struct NvdCve {
    id: String,
    #[serde(default)]
    metrics: Option<NvdMetrics>,
}

#[derive(Deserialize, Default)]
struct NvdMetrics {
    #[serde(rename = "cvssMetricV40", default)]
    v40: Option<Vec<NvdMetric>>,
    #[serde(rename = "cvssMetricV31", default)]
    v31: Option<Vec<NvdMetric>>,
    #[serde(rename = "cvssMetricV30", default)]
    v30: Option<Vec<NvdMetric>>,
    #[serde(rename = "cvssMetricV2", default)]
    v2: Option<Vec<NvdMetric>>,
}

#[derive(Deserialize)]
struct NvdMetric {
    #[serde(default)]
    source: Option<String>,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(rename = "cvssData")]
    data: Vector,
}

/// Reads an NVD API 2.0 response or feed file (streamed, one CVE at a time).
pub(crate) fn read_api_feed(run: &mut Run<'_, '_>, reader: impl Read, label: &str) -> Result<(), DbError> {
    stream_array(reader, label, "vulnerabilities", &[], |index, item| {
        let place = format!("vulnerabilities[{index}]");
        match parse_nvd_item(item) {
            Ok((cve, vectors)) => run.cvss(&cve, &vectors),
            Err(invalid) => run.skip(&place, invalid.id, invalid.reason),
        }
    })?;
    Ok(())
}

fn parse_nvd_item(item: serde_json::Value) -> Result<(String, Vec<CvssVector>), Invalid> {
    let item: NvdItem = serde_json::from_value(item).map_err(|e| Invalid {
        id: None,
        reason: format!("not an NVD CVE item: {e}"),
    })?;
    let cve = item.cve.id;
    if !is_cve_id(&cve) {
        return Err(Invalid {
            id: None,
            reason: format!("not a CVE id: {:?}", cve.chars().take(40).collect::<String>()),
        });
    }
    let metrics = item.cve.metrics.unwrap_or_default();
    let mut vectors = Vec::new();
    for (version, list) in [
        ("4.0", metrics.v40),
        ("3.1", metrics.v31),
        ("3.0", metrics.v30),
        ("2.0", metrics.v2),
    ] {
        for metric in list.unwrap_or_default() {
            check_vector(version, &metric.data.vector).map_err(|reason| Invalid {
                id: Some(cve.clone()),
                reason,
            })?;
            vectors.push(CvssVector {
                version: version.to_string(),
                vector: metric.data.vector,
                origin: metric.source.unwrap_or_else(|| "nvd".to_string()),
                kind: metric.kind.unwrap_or_else(|| "Primary".to_string()),
            });
        }
    }
    Ok((cve, vectors))
}

/// The shape every CVSS vector of a version has: v3 and v4 vectors start with their
/// `CVSS:<version>/` prefix, v2 vectors have none; printable ASCII, no spaces. (Parsing the metrics
/// is the CVSS module's work.)
fn check_vector(version: &str, vector: &str) -> Result<(), String> {
    let shown = || vector.chars().take(60).collect::<String>();
    if vector.is_empty() || vector.len() > 512 || !vector.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!("unusable CVSS {version} vector {:?}", shown()));
    }
    let ok = match version {
        "2.0" => !vector.starts_with("CVSS:") && vector.contains("AV:"),
        v => vector
            .strip_prefix("CVSS:")
            .and_then(|r| r.strip_prefix(v))
            .is_some_and(|r| r.starts_with('/')),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "CVSS {version} vector {:?} does not have the shape of its version",
            shown()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vector_shapes() {
        assert!(check_vector("3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H").is_ok());
        assert!(check_vector("2.0", "AV:N/AC:M/Au:N/C:C/I:C/A:C").is_ok());
        assert!(check_vector("4.0", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").is_ok());
        assert!(check_vector("3.1", "CVSS:3.0/AV:N").is_err());
        assert!(check_vector("3.0", "CVSS:3.0").is_err());
        assert!(check_vector("2.0", "CVSS:3.1/AV:N").is_err());
        assert!(check_vector("3.1", "CVSS:3.1/AV N").is_err());
    }
}
