//! Builds records in the probe's layout: synthetic events for tests, benchmarks and `vigil rules
//! test`. A record built here decodes exactly as one from the kernel.

use crate::abi::{self, hdr, procinfo as pi, tag, tuple as tu, HDR_SIZE};
use crate::event::{ProcInfo, Tuple};
use std::net::IpAddr;

/// A record under construction.
#[derive(Debug, Clone)]
pub struct RecordBuilder {
    buf: Vec<u8>,
}

impl RecordBuilder {
    /// A record of this kind (see [`crate::abi`] and [`crate::syscalls`]) for `pid`/`tid`.
    pub fn new(kind: u16, ts: u64, pid: u32, tid: u32) -> RecordBuilder {
        let mut buf = vec![0u8; HDR_SIZE];
        buf[hdr::TS..hdr::TS + 8].copy_from_slice(&ts.to_le_bytes());
        buf[hdr::PID..hdr::PID + 4].copy_from_slice(&pid.to_le_bytes());
        buf[hdr::TID..hdr::TID + 4].copy_from_slice(&tid.to_le_bytes());
        buf[hdr::KIND..hdr::KIND + 2].copy_from_slice(&kind.to_le_bytes());
        buf[hdr::ABI..hdr::ABI + 2].copy_from_slice(&abi::ABI_VERSION.to_le_bytes());
        RecordBuilder { buf }
    }

    /// A syscall record by name. Panics on an unknown name: a test's typo.
    pub fn syscall(name: &str, ts: u64, pid: u32, tid: u32) -> RecordBuilder {
        let kind = crate::syscalls::by_name(name).map(|s| s.kind);
        #[expect(
            clippy::expect_used,
            reason = "builders are for tests and benches: a bad name is a bug there"
        )]
        let kind = kind.expect("known syscall name");
        RecordBuilder::new(kind, ts, pid, tid)
    }

    pub fn res(mut self, res: i64) -> Self {
        self.buf[hdr::RES..hdr::RES + 8].copy_from_slice(&res.to_le_bytes());
        self
    }
    pub fn arg(mut self, i: usize, v: u64) -> Self {
        let o = hdr::ARGS + 8 * i;
        self.buf[o..o + 8].copy_from_slice(&v.to_le_bytes());
        self
    }
    pub fn ppid(mut self, ppid: u32) -> Self {
        self.buf[hdr::PPID..hdr::PPID + 4].copy_from_slice(&ppid.to_le_bytes());
        self
    }
    pub fn ids(mut self, uid: u32, gid: u32) -> Self {
        self.buf[hdr::UID..hdr::UID + 4].copy_from_slice(&uid.to_le_bytes());
        self.buf[hdr::GID..hdr::GID + 4].copy_from_slice(&gid.to_le_bytes());
        self
    }
    pub fn cgroup(mut self, id: u64) -> Self {
        self.buf[hdr::CGROUP..hdr::CGROUP + 8].copy_from_slice(&id.to_le_bytes());
        self
    }
    pub fn comm(mut self, comm: &str) -> Self {
        let c = comm.as_bytes();
        let n = c.len().min(15);
        self.buf[hdr::COMM..hdr::COMM + 16].fill(0);
        self.buf[hdr::COMM..hdr::COMM + n].copy_from_slice(&c[..n]);
        self
    }
    pub fn flags(mut self, flags: u16) -> Self {
        self.buf[hdr::FLAGS..hdr::FLAGS + 2].copy_from_slice(&flags.to_le_bytes());
        self
    }

    /// Appends a raw field.
    pub fn field(mut self, t: u8, bytes: &[u8]) -> Self {
        let len = bytes.len().min(u16::MAX as usize);
        self.buf.push(t);
        self.buf.push(0);
        self.buf.extend_from_slice(&(len as u16).to_le_bytes());
        self.buf.extend_from_slice(&bytes[..len]);
        let nvar = u16::from_le_bytes([self.buf[hdr::NVAR], self.buf[hdr::NVAR + 1]]) + 1;
        self.buf[hdr::NVAR..hdr::NVAR + 2].copy_from_slice(&nvar.to_le_bytes());
        self
    }

    /// The user string of argument `i`.
    pub fn str_arg(self, i: u8, s: &str) -> Self {
        self.field(tag::ARG0 + i, s.as_bytes())
    }

    /// A path field (exe path, cwd, cgroup) from its absolute form, stored leaf first.
    pub fn path_rev(self, t: u8, path: &str) -> Self {
        let mut b = Vec::new();
        for c in path.split('/').filter(|c| !c.is_empty()).rev() {
            b.extend_from_slice(c.as_bytes());
            b.push(0);
        }
        self.field(t, &b)
    }

    pub fn argv(self, argv: &[&str]) -> Self {
        let mut b = Vec::new();
        for a in argv {
            b.extend_from_slice(a.as_bytes());
            b.push(0);
        }
        self.field(tag::ARGV, &b)
    }

    pub fn sockaddr(self, addr: IpAddr, port: u16) -> Self {
        let mut b = Vec::new();
        match addr {
            IpAddr::V4(a) => {
                b.extend_from_slice(&2u16.to_le_bytes());
                b.extend_from_slice(&port.to_be_bytes());
                b.extend_from_slice(&a.octets());
                b.extend_from_slice(&[0; 8]);
            }
            IpAddr::V6(a) => {
                b.extend_from_slice(&10u16.to_le_bytes());
                b.extend_from_slice(&port.to_be_bytes());
                b.extend_from_slice(&[0; 4]);
                b.extend_from_slice(&a.octets());
                b.extend_from_slice(&[0; 4]);
            }
        }
        self.field(tag::SOCKADDR, &b)
    }

    pub fn tuple(self, t: &Tuple) -> Self {
        let mut b = vec![0u8; tu::SIZE];
        b[tu::FAMILY..tu::FAMILY + 2].copy_from_slice(&t.family.to_le_bytes());
        b[tu::TYPE..tu::TYPE + 2].copy_from_slice(&t.sock_type.to_le_bytes());
        b[tu::PROTO..tu::PROTO + 2].copy_from_slice(&t.proto.to_le_bytes());
        b[tu::LPORT..tu::LPORT + 2].copy_from_slice(&t.local.1.to_le_bytes());
        b[tu::RPORT..tu::RPORT + 2].copy_from_slice(&t.remote.1.to_le_bytes());
        for (o, a) in [(tu::LADDR, t.local.0), (tu::RADDR, t.remote.0)] {
            match a {
                IpAddr::V4(v) => b[o..o + 4].copy_from_slice(&v.octets()),
                IpAddr::V6(v) => b[o..o + 16].copy_from_slice(&v.octets()),
            }
        }
        self.field(tag::TUPLE, &b)
    }

    pub fn procinfo(self, p: &ProcInfo) -> Self {
        let mut b = vec![0u8; pi::SIZE];
        for (o, v) in [
            (pi::CAP_EFFECTIVE, p.cap_effective),
            (pi::CAP_PERMITTED, p.cap_permitted),
            (pi::CAP_INHERITABLE, p.cap_inheritable),
            (pi::EXE_INO, p.exe_ino),
            (pi::EXE_CTIME, p.exe_ctime),
            (pi::EXE_MTIME, p.exe_mtime),
            (pi::START_TIME, p.start_time),
        ] {
            b[o..o + 8].copy_from_slice(&v.to_le_bytes());
        }
        for (o, v) in [
            (pi::LOGINUID, p.loginuid),
            (pi::TTY, p.tty),
            (pi::SID, p.sid),
            (pi::VPID, p.vpid),
            (pi::VTID, p.vtid),
            (pi::UID, p.uid),
            (pi::GID, p.gid),
            (pi::FLAGS, p.flags),
        ] {
            b[o..o + 4].copy_from_slice(&v.to_le_bytes());
        }
        self.field(tag::PROCINFO, &b)
    }

    /// The finished record.
    pub fn build(mut self) -> Vec<u8> {
        let len = self.buf.len().min(u16::MAX as usize) as u16;
        self.buf[hdr::LEN..hdr::LEN + 2].copy_from_slice(&len.to_le_bytes());
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Event, Kind, SockAddr};
    use std::net::Ipv4Addr;

    #[test]
    fn round_trip_open() {
        let r = RecordBuilder::syscall("openat", 5, 100, 101)
            .res(3)
            .arg(0, (-100i64) as u64)
            .arg(2, 0o1)
            .comm("cat")
            .str_arg(1, "/etc/shadow")
            .build();
        let e = Event::decode(&r).unwrap();
        assert_eq!(e.name(), "openat");
        assert_eq!((e.pid, e.tid, e.res, e.ts), (100, 101, 3, 5));
        assert_eq!(e.comm(), b"cat");
        assert_eq!(e.str_arg(1), Some(&b"/etc/shadow"[..]));
        assert_eq!(e.args[0] as i64, -100);
        assert_eq!(e.arg_index("flags"), Some(2));
    }

    #[test]
    fn round_trip_exec() {
        let info = ProcInfo {
            cap_effective: 0x1fff,
            loginuid: 1000,
            flags: abi::P_EXE_UPPER,
            vpid: 7,
            ..Default::default()
        };
        let r = RecordBuilder::new(abi::KIND_PROC_EXEC, 1, 10, 10)
            .field(tag::FILENAME, b"/bin/sh")
            .argv(&["sh", "-c", "echo hi"])
            .path_rev(tag::EXEPATH, "/usr/bin/dash")
            .path_rev(tag::CWD, "/")
            .path_rev(tag::CGROUP, "/docker/abc")
            .procinfo(&info)
            .build();
        let e = Event::decode(&r).unwrap();
        assert_eq!(e.kind, Kind::Exec);
        assert_eq!(e.name(), "execve");
        let argv: Vec<_> = e.argv().collect();
        assert_eq!(argv, vec![&b"sh"[..], b"-c", b"echo hi"]);
        assert_eq!(e.exe_path_rev().unwrap().to_path(), "/usr/bin/dash");
        assert_eq!(e.cwd_rev().unwrap().to_path(), "/");
        assert_eq!(e.cgroup_rev().unwrap().to_path(), "/docker/abc");
        assert_eq!(e.procinfo(), Some(info));
        assert!(e.procinfo().unwrap().exe_upper_layer());
    }

    #[test]
    fn round_trip_connect() {
        let t = Tuple {
            family: 2,
            sock_type: 1,
            proto: 6,
            local: (Ipv4Addr::new(10, 0, 0, 2).into(), 40000),
            remote: (Ipv4Addr::new(1, 2, 3, 4).into(), 443),
        };
        let r = RecordBuilder::syscall("connect", 1, 1, 1)
            .sockaddr(Ipv4Addr::new(1, 2, 3, 4).into(), 443)
            .tuple(&t)
            .build();
        let e = Event::decode(&r).unwrap();
        assert_eq!(
            e.sockaddr(),
            Some(SockAddr::Inet(Ipv4Addr::new(1, 2, 3, 4).into(), 443))
        );
        assert_eq!(e.tuple(), Some(t));
        assert_eq!(e.tuple().unwrap().l4proto(), Some("tcp"));

        // a unix socket's record has no inet tuple, even if one slipped in
        let unix = Tuple { family: 1, ..t };
        let r = RecordBuilder::syscall("connect", 1, 1, 1).tuple(&unix).build();
        assert_eq!(Event::decode(&r).unwrap().tuple(), None);
    }

    #[test]
    fn hostile_records_are_refused() {
        let good = RecordBuilder::syscall("unlink", 1, 1, 1).str_arg(0, "/x").build();
        assert!(Event::decode(&good[..50]).is_err());
        let mut long = good.clone();
        long[hdr::LEN] = 0xff;
        long[hdr::LEN + 1] = 0x7f;
        assert!(matches!(
            Event::decode(&long),
            Err(crate::event::DecodeError::Length { .. })
        ));
        let mut field = good.clone();
        let n = field.len();
        field[HDR_SIZE + 2] = 0xff; // field length past the end
        assert!(matches!(
            Event::decode(&field[..n]),
            Err(crate::event::DecodeError::Field { .. })
        ));
        let mut ver = good.clone();
        ver[hdr::ABI] = 9;
        assert_eq!(Event::decode(&ver).unwrap_err(), crate::event::DecodeError::Abi(9));
        let mut kind = good;
        kind[hdr::KIND] = 0xee;
        assert!(matches!(Event::decode(&kind), Err(crate::event::DecodeError::Kind(_))));
    }

    proptest::proptest! {
        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let _ = Event::decode(&bytes);
        }
    }
}
