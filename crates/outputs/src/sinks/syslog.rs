//! Syslog: the local daemon's datagram socket, or a remote collector over UDP, TCP or TLS (RFC 5424; stream
//! transports frame each message as `LEN SP MSG`, RFC 6587 octet counting).
use std::io::Write;
use std::net::{TcpStream, ToSocketAddrs, UdpSocket};
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};

use crate::alert::{civil_from_days, format_time, Alert, Format};
use crate::config::{SyslogConfig, SyslogProtocol, SyslogTransport};
use crate::error::{ConfigError, SinkError};
use crate::AlertSink;

/// The local syslog socket.
pub const DEFAULT_SOCKET: &str = "/dev/log";
/// Longest UDP message sent; longer ones are cut (at a character boundary).
const MAX_DATAGRAM: usize = 65_000;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Write the syslog message of `alert` into `out` (cleared first). PRI is `facility * 8 + severity`.
pub fn format_syslog(
    out: &mut Vec<u8>,
    protocol: SyslogProtocol,
    facility: u8,
    app: &str,
    pid: u32,
    alert: &Alert,
    format: Format,
) {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(64);
    let pri = u32::from(facility) * 8 + u32::from(alert.syslog_severity());
    let _ = write!(s, "<{pri}>");
    match protocol {
        SyslogProtocol::Rfc3164 => {
            let secs = alert.time_ns / 1_000_000_000;
            let (_, month, day) = civil_from_days(secs / 86_400);
            let mon = MONTHS.get((month as usize).wrapping_sub(1)).copied().unwrap_or("Jan");
            let _ = write!(s, "{mon} {day:>2} ");
            format_time(alert.time_ns, false, 0, &mut s);
            let _ = write!(s, " {app}[{pid}]: ");
        }
        SyslogProtocol::Rfc5424 => {
            s.push_str("1 ");
            format_time(alert.time_ns, true, 6, &mut s);
            s.push(' ');
            push_header_field(&mut s, &alert.hostname, 255);
            s.push(' ');
            push_header_field(&mut s, app, 48);
            let _ = write!(s, " {pid} - - ");
        }
    }
    out.clear();
    out.extend_from_slice(s.as_bytes());
    out.extend_from_slice(alert.line(format).as_bytes());
}

/// RFC 5424 header fields are 1..=max printable ASCII characters without spaces, or `-`.
fn push_header_field(s: &mut String, v: &str, max: usize) {
    if v.is_empty() || v.len() > max || !v.bytes().all(|b| (33..=126).contains(&b)) {
        s.push('-');
    } else {
        s.push_str(v);
    }
}

enum Conn {
    Unix(PathBuf, Option<UnixDatagram>),
    Udp(String, Option<UdpSocket>),
    Tcp(String, Option<TcpStream>),
    Tls(
        String,
        Arc<ClientConfig>,
        ServerName<'static>,
        Option<Box<StreamOwned<ClientConnection, TcpStream>>>,
    ),
}

/// The syslog sink. Connections are opened on the first alert and reopened once after an error.
pub struct SyslogSink {
    name: String,
    conn: Conn,
    protocol: SyslogProtocol,
    facility: u8,
    app: String,
    pid: u32,
    format: Format,
    timeout: Duration,
    msg: Vec<u8>,
    frame: Vec<u8>,
    reconnects: u64,
}

impl SyslogSink {
    /// Check the configuration and read its TLS files; connects on the first alert.
    pub fn new(c: &SyslogConfig) -> Result<SyslogSink, ConfigError> {
        SyslogSink::from_config(0, c)
    }

    pub(crate) fn from_config(index: usize, c: &SyslogConfig) -> Result<SyslogSink, ConfigError> {
        let name = c.name.as_deref();
        let invalid = |message: &str| ConfigError::Invalid {
            index,
            kind: "syslog",
            message: message.into(),
        };
        let address = || {
            c.address
                .clone()
                .ok_or_else(|| invalid("`address` (host:port) is required for this transport"))
        };
        if c.transport == SyslogTransport::Unix && c.address.is_some() {
            return Err(invalid(
                "`address` is for transports udp, tcp and tls; the unix transport takes `path`",
            ));
        }
        if c.transport != SyslogTransport::Unix && c.path.is_some() {
            return Err(invalid("`path` is for the unix transport"));
        }
        if c.transport != SyslogTransport::Tls
            && (c.ca_file.is_some() || c.client_cert.is_some() || c.client_key.is_some() || c.server_name.is_some())
        {
            return Err(invalid(
                "`ca_file`, `client_cert`, `client_key` and `server_name` are for transport tls",
            ));
        }
        let (conn, default_name) = match c.transport {
            SyslogTransport::Unix => {
                let p = c.path.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_SOCKET));
                let n = format!("syslog:{}", p.display());
                (Conn::Unix(p, None), n)
            }
            SyslogTransport::Udp => {
                let a = address()?;
                (Conn::Udp(a.clone(), None), format!("syslog+udp:{a}"))
            }
            SyslogTransport::Tcp => {
                let a = address()?;
                (Conn::Tcp(a.clone(), None), format!("syslog+tcp:{a}"))
            }
            SyslogTransport::Tls => {
                let a = address()?;
                let client = match (&c.client_cert, &c.client_key) {
                    (Some(cert), Some(key)) => Some((cert.as_path(), key.as_path())),
                    (None, None) => None,
                    _ => return Err(invalid("`client_cert` and `client_key` go together")),
                };
                let config = super::tls::client_config(index, "syslog", c.ca_file.as_deref(), client)?;
                let host = match &c.server_name {
                    Some(n) => n.clone(),
                    None => host_of(&a)
                        .ok_or_else(|| invalid("`address` must be host:port"))?
                        .to_owned(),
                };
                let server = ServerName::try_from(host.clone())
                    .map_err(|_| invalid(&format!("`{host}` is not a valid TLS server name")))?;
                (Conn::Tls(a.clone(), config, server, None), format!("syslog+tls:{a}"))
            }
        };
        let protocol = c.protocol.unwrap_or(match c.transport {
            SyslogTransport::Unix => SyslogProtocol::Rfc3164,
            _ => SyslogProtocol::Rfc5424,
        });
        Ok(SyslogSink {
            name: name.map_or(default_name, str::to_owned),
            conn,
            protocol,
            facility: c.facility.code(),
            app: c.app_name.clone().unwrap_or_else(|| "vigil".into()),
            pid: std::process::id(),
            format: c.format,
            timeout: Duration::from_millis(c.timeout_ms.max(1)),
            msg: Vec::with_capacity(512),
            frame: Vec::with_capacity(512),
            reconnects: 0,
        })
    }

    fn write_once(&mut self) -> std::io::Result<()> {
        let timeout = Some(self.timeout);
        match &mut self.conn {
            Conn::Unix(path, sock) => {
                let s = match sock {
                    Some(s) => s,
                    None => {
                        let s = UnixDatagram::unbound()?;
                        s.set_write_timeout(timeout)?;
                        s.connect(&*path)?;
                        sock.insert(s)
                    }
                };
                s.send(&self.msg).map(drop)
            }
            Conn::Udp(addr, sock) => {
                let s = match sock {
                    Some(s) => s,
                    None => {
                        let target = resolve(addr)?;
                        let local = if target.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" };
                        let s = UdpSocket::bind(local)?;
                        s.connect(target)?;
                        s.set_write_timeout(timeout)?;
                        sock.insert(s)
                    }
                };
                let mut end = self.msg.len().min(MAX_DATAGRAM);
                while end < self.msg.len() && end > 0 && (self.msg[end] & 0xC0) == 0x80 {
                    end -= 1;
                }
                s.send(&self.msg[..end]).map(drop)
            }
            Conn::Tcp(addr, stream) => {
                frame(&mut self.frame, &self.msg);
                let s = match stream {
                    Some(s) => s,
                    None => stream.insert(connect(addr, self.timeout)?),
                };
                s.write_all(&self.frame)
            }
            Conn::Tls(addr, config, server, stream) => {
                frame(&mut self.frame, &self.msg);
                let s = match stream {
                    Some(s) => s,
                    None => {
                        let tcp = connect(addr, self.timeout)?;
                        let conn =
                            ClientConnection::new(config.clone(), server.clone()).map_err(std::io::Error::other)?;
                        stream.insert(Box::new(StreamOwned::new(conn, tcp)))
                    }
                };
                s.write_all(&self.frame)?;
                s.flush()
            }
        }
    }

    fn disconnect(&mut self) {
        match &mut self.conn {
            Conn::Unix(_, s) => *s = None,
            Conn::Udp(_, s) => *s = None,
            Conn::Tcp(_, s) => *s = None,
            Conn::Tls(_, _, _, s) => *s = None,
        }
    }
}

fn frame(out: &mut Vec<u8>, msg: &[u8]) {
    out.clear();
    out.extend_from_slice(msg.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(msg);
}

fn host_of(addr: &str) -> Option<&str> {
    let (host, _) = addr.rsplit_once(':')?;
    let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    (!host.is_empty()).then_some(host)
}

fn resolve(addr: &str) -> std::io::Result<std::net::SocketAddr> {
    addr.to_socket_addrs()?
        .next()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, format!("{addr}: no address")))
}

fn connect(addr: &str, timeout: Duration) -> std::io::Result<TcpStream> {
    let mut last = None;
    for a in addr.to_socket_addrs()? {
        match TcpStream::connect_timeout(&a, timeout) {
            Ok(s) => {
                s.set_write_timeout(Some(timeout))?;
                s.set_read_timeout(Some(timeout))?;
                s.set_nodelay(true)?;
                return Ok(s);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, format!("{addr}: no address"))))
}

impl AlertSink for SyslogSink {
    fn name(&self) -> &str {
        &self.name
    }
    fn send(&mut self, alert: &Alert) -> Result<(), SinkError> {
        format_syslog(
            &mut self.msg,
            self.protocol,
            self.facility,
            &self.app,
            self.pid,
            alert,
            self.format,
        );
        if self.write_once().is_ok() {
            return Ok(());
        }
        // The daemon restarted, the collector closed the connection...: reconnect once.
        self.disconnect();
        self.reconnects += 1;
        self.write_once().map_err(|e| {
            self.disconnect();
            SinkError::io(&self.name, e)
        })
    }
    fn retries(&self) -> u64 {
        self.reconnects
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vigil_rules::Priority;

    fn alert(p: Priority) -> Alert {
        Alert {
            priority: p,
            rule: "r".into(),
            time_ns: 1_700_000_000_123_456_789,
            hostname: "node-1".into(),
            container_id: "host".into(),
            tags: Arc::from(Vec::<Arc<str>>::new()),
            text: "22:13:20.123456789: Critical hello".into(),
            output: "hello".into(),
            json: r#"{"rule":"r"}"#.into(),
        }
    }

    #[test]
    fn rfc3164() {
        let mut out = Vec::new();
        format_syslog(
            &mut out,
            SyslogProtocol::Rfc3164,
            1,
            "vigil",
            42,
            &alert(Priority::Critical),
            Format::Text,
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<10>Nov 14 22:13:20 vigil[42]: 22:13:20.123456789: Critical hello"
        );
    }

    #[test]
    fn rfc5424_and_severities() {
        let mut out = Vec::new();
        format_syslog(
            &mut out,
            SyslogProtocol::Rfc5424,
            20,
            "vigil",
            7,
            &alert(Priority::Debug),
            Format::Json,
        );
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            r#"<167>1 2023-11-14T22:13:20.123456Z node-1 vigil 7 - - {"rule":"r"}"#
        );
        for (i, p) in Priority::ALL.into_iter().enumerate() {
            format_syslog(&mut out, SyslogProtocol::Rfc5424, 0, "a", 1, &alert(p), Format::Text);
            assert!(out.starts_with(format!("<{i}>1 ").as_bytes()));
        }
    }

    #[test]
    fn hosts() {
        assert_eq!(host_of("example.com:6514"), Some("example.com"));
        assert_eq!(host_of("[::1]:6514"), Some("::1"));
        assert_eq!(host_of("nohost"), None);
        let mut f = Vec::new();
        frame(&mut f, b"hello");
        assert_eq!(f, b"5 hello");
    }
}
