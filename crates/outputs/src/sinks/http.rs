//! HTTP(S) webhook: the JSON alert POSTed to a URL, with retries and exponential backoff.
use std::time::Duration;

use ureq::tls::{Certificate, ClientCert, PrivateKey, RootCerts, TlsConfig};
use ureq::Agent;

use crate::alert::Alert;
use crate::config::HttpConfig;
use crate::error::{ConfigError, SinkError};
use crate::AlertSink;

const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// The webhook sink. A 2xx reply is success; 5xx, 408, 429, connection errors and timeouts are retried
/// `max_retries` times after `retry_backoff_ms`, doubling; any other status fails at once.
pub struct HttpSink {
    name: String,
    url: String,
    agent: Agent,
    headers: Vec<(String, String)>,
    max_retries: u32,
    backoff: Duration,
    retries: u64,
}

impl HttpSink {
    /// Check the configuration and read its TLS files.
    pub fn new(c: &HttpConfig) -> Result<HttpSink, ConfigError> {
        HttpSink::from_config(0, c)
    }

    pub(crate) fn from_config(index: usize, c: &HttpConfig) -> Result<HttpSink, ConfigError> {
        let name = c.name.as_deref();
        let invalid = |message: String| ConfigError::Invalid {
            index,
            kind: "http",
            message,
        };
        let uri: ureq::http::Uri = c.url.parse().map_err(|e| invalid(format!("url `{}`: {e}", c.url)))?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
            return Err(invalid(format!(
                "url `{}`: expected http://host/... or https://host/...",
                c.url
            )));
        }
        for (k, v) in &c.headers {
            ureq::http::HeaderName::try_from(k.as_str()).map_err(|e| invalid(format!("header `{k}`: {e}")))?;
            ureq::http::HeaderValue::try_from(v.as_str()).map_err(|e| invalid(format!("header `{k}` value: {e}")))?;
        }
        let mut tls = TlsConfig::builder();
        if let Some(ca) = &c.ca_file {
            let certs: Vec<Certificate<'static>> = super::tls::certs(index, "http", ca)?
                .iter()
                .map(|d| Certificate::from_der(d.as_ref()).to_owned())
                .collect();
            tls = tls.root_certs(RootCerts::new_with_certs(&certs));
        }
        match (&c.client_cert, &c.client_key) {
            (Some(cert), Some(key)) => {
                let chain: Vec<Certificate<'static>> = super::tls::certs(index, "http", cert)?
                    .iter()
                    .map(|d| Certificate::from_der(d.as_ref()).to_owned())
                    .collect();
                let pem = super::read_file(index, "http", key)?;
                let key =
                    PrivateKey::from_pem(&pem).map_err(|e| super::tls::pem_err(index, "http", key, e.to_string()))?;
                tls = tls.client_cert(Some(ClientCert::new_with_certs(&chain, key)));
            }
            (None, None) => {}
            _ => return Err(invalid("`client_cert` and `client_key` go together".into())),
        }
        let agent: Agent = Agent::config_builder()
            .timeout_global(Some(Duration::from_millis(c.timeout_ms.max(1))))
            .http_status_as_error(false)
            .user_agent(concat!("vigil/", env!("CARGO_PKG_VERSION")))
            .tls_config(tls.build())
            .build()
            .into();
        Ok(HttpSink {
            name: name.map_or_else(|| format!("http:{}", c.url), str::to_owned),
            url: c.url.clone(),
            agent,
            headers: c.headers.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            max_retries: c.max_retries,
            backoff: Duration::from_millis(c.retry_backoff_ms),
            retries: 0,
        })
    }

    /// One POST: Ok, or Err with whether a retry may help.
    fn post(&self, body: &str) -> Result<(), (SinkError, bool)> {
        let mut req = self.agent.post(&self.url).content_type("application/json");
        for (k, v) in &self.headers {
            req = req.header(k.as_str(), v.as_str());
        }
        match req.send(body) {
            Ok(resp) => {
                let status = resp.status().as_u16();
                // Drain a little of the body so the connection can be reused; ignore what it says.
                let _ = resp.into_body().with_config().limit(64 * 1024).read_to_vec();
                if (200..300).contains(&status) {
                    Ok(())
                } else {
                    let retry = status >= 500 || status == 408 || status == 429;
                    Err((
                        SinkError::HttpStatus {
                            sink: self.name.clone(),
                            url: self.url.clone(),
                            status,
                        },
                        retry,
                    ))
                }
            }
            Err(e) => {
                let retry = matches!(
                    e,
                    ureq::Error::Io(_)
                        | ureq::Error::Timeout(_)
                        | ureq::Error::ConnectionFailed
                        | ureq::Error::HostNotFound
                        | ureq::Error::Protocol(_)
                );
                Err((SinkError::other(&self.name, format!("POST {}: {e}", self.url)), retry))
            }
        }
    }
}

impl AlertSink for HttpSink {
    fn name(&self) -> &str {
        &self.name
    }
    fn send(&mut self, alert: &Alert) -> Result<(), SinkError> {
        let mut delay = self.backoff;
        let mut attempt = 0;
        loop {
            match self.post(&alert.json) {
                Ok(()) => return Ok(()),
                Err((e, retry)) => {
                    if !retry || attempt >= self.max_retries {
                        return Err(e);
                    }
                }
            }
            attempt += 1;
            self.retries += 1;
            std::thread::sleep(delay);
            delay = (delay * 2).min(MAX_BACKOFF);
        }
    }
    fn retries(&self) -> u64 {
        self.retries
    }
}
