//! rustls client configuration from PEM files (remote syslog over TLS).
use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ClientConfig, RootCertStore};

use crate::error::ConfigError;

pub(crate) fn pem_err(index: usize, kind: &'static str, path: &Path, message: impl Into<String>) -> ConfigError {
    ConfigError::Pem {
        index,
        kind,
        path: path.to_path_buf(),
        message: message.into(),
    }
}

pub(crate) fn certs(
    index: usize,
    kind: &'static str,
    path: &Path,
) -> Result<Vec<CertificateDer<'static>>, ConfigError> {
    let pem = super::read_file(index, kind, path)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| pem_err(index, kind, path, e.to_string()))?;
    if certs.is_empty() {
        return Err(pem_err(index, kind, path, "no PEM certificate in the file"));
    }
    Ok(certs)
}

pub(crate) fn key(index: usize, kind: &'static str, path: &Path) -> Result<PrivateKeyDer<'static>, ConfigError> {
    let pem = super::read_file(index, kind, path)?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| pem_err(index, kind, path, e.to_string()))
}

/// A client config trusting `ca_file` (or the Mozilla roots), with an optional client certificate.
pub(crate) fn client_config(
    index: usize,
    kind: &'static str,
    ca_file: Option<&Path>,
    client: Option<(&Path, &Path)>,
) -> Result<Arc<ClientConfig>, ConfigError> {
    let mut roots = RootCertStore::empty();
    match ca_file {
        Some(path) => {
            for c in certs(index, kind, path)? {
                roots.add(c).map_err(|e| pem_err(index, kind, path, e.to_string()))?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let builder = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| ConfigError::Invalid {
            index,
            kind,
            message: e.to_string(),
        })?
        .with_root_certificates(roots);
    let config = match client {
        Some((cert, key_path)) => builder
            .with_client_auth_cert(certs(index, kind, cert)?, key(index, kind, key_path)?)
            .map_err(|e| pem_err(index, kind, key_path, e.to_string()))?,
        None => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}
