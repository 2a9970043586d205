//! `--print`: one line per event, as sysdig users read them, or one JSON object per line.
//! Lines are built in reused buffers: nothing is allocated per event once warm.

use std::fmt::Write as _;
use std::io::Write;

use vigil_capture::render;
use vigil_capture::Event;

/// What the state adds to an event for printing.
#[derive(Debug, Default, Clone, Copy)]
pub struct Context<'a> {
    /// `host` outside containers.
    pub container_id: Option<&'a str>,
    pub container_name: Option<&'a str>,
    pub container_image: Option<&'a str>,
    pub exepath: Option<&'a str>,
    pub user: Option<&'a str>,
    pub fd_name: Option<&'a str>,
}

pub struct Printer {
    json: bool,
    boot_offset: i128,
    line: String,
    args: String,
    num: u64,
}

/// `wall_ns` (since the epoch, UTC) as RFC 3339 with nanoseconds, or as the time of day.
pub(crate) fn push_time(out: &mut String, wall_ns: i128, iso: bool) {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(wall_ns).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    if iso {
        let _ = write!(
            out,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z",
            t.year(),
            t.month() as u8,
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.nanosecond()
        );
    } else {
        let _ = write!(
            out,
            "{:02}:{:02}:{:02}.{:09}",
            t.hour(),
            t.minute(),
            t.second(),
            t.nanosecond()
        );
    }
}

fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn lossy(b: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(b)
}

impl Printer {
    pub fn new(json: bool, boot_offset: i128) -> Printer {
        Printer {
            json,
            boot_offset,
            line: String::with_capacity(512),
            args: String::with_capacity(512),
            num: 0,
        }
    }

    /// Counts an event of the stream, printed or not: `evt.num` is its place in the stream.
    pub fn tick(&mut self) -> u64 {
        self.num += 1;
        self.num
    }

    /// Writes the event last counted by [`tick`](Self::tick).
    pub fn print(&mut self, ev: &Event<'_>, ctx: &Context<'_>, out: &mut dyn Write) -> std::io::Result<()> {
        self.line.clear();
        self.args.clear();
        render::write_args(ev, &mut self.args);
        let wall = i128::from(ev.ts) + self.boot_offset;
        let cid = ctx.container_id.unwrap_or("host");
        if self.json {
            let l = &mut self.line;
            let _ = write!(l, "{{\"evt.num\":{},\"evt.time\":", self.num);
            l.push('"');
            push_time(l, wall, true);
            l.push('"');
            let _ = write!(l, ",\"evt.cpu\":{},\"evt.type\":", ev.cpu);
            push_json_str(l, ev.name());
            let _ = write!(l, ",\"evt.res\":{},\"evt.args\":", ev.res);
            push_json_str(l, &self.args);
            l.push_str(",\"proc.name\":");
            push_json_str(l, &lossy(ev.comm()));
            let _ = write!(
                l,
                ",\"proc.pid\":{},\"thread.tid\":{},\"proc.ppid\":{}",
                ev.pid, ev.tid, ev.ppid
            );
            let _ = write!(l, ",\"user.uid\":{},\"group.gid\":{}", ev.uid, ev.gid);
            for (k, v) in [
                ("proc.exepath", ctx.exepath),
                ("user.name", ctx.user),
                ("fd.name", ctx.fd_name),
                ("container.id", Some(cid)),
                ("container.name", ctx.container_name),
                ("container.image", ctx.container_image),
            ] {
                let _ = write!(l, ",\"{k}\":");
                match v {
                    Some(v) => push_json_str(l, v),
                    None => l.push_str("null"),
                }
            }
            l.push_str("}\n");
        } else {
            let l = &mut self.line;
            let _ = write!(l, "{} ", self.num);
            push_time(l, wall, false);
            let _ = write!(
                l,
                " {} {} ({}) < {} {}",
                ev.cpu,
                lossy(ev.comm()),
                ev.tid,
                ev.name(),
                self.args
            );
            let _ = write!(l, " pid={} ppid={} uid={}", ev.pid, ev.ppid, ev.uid);
            if let Some(fd) = ctx.fd_name {
                let _ = write!(l, " fd.name={fd}");
            }
            let _ = write!(l, " container={cid}");
            if ctx.container_id.is_some() {
                let _ = write!(
                    l,
                    " ({} {})",
                    ctx.container_name.unwrap_or("<NA>"),
                    ctx.container_image.unwrap_or("<NA>")
                );
            }
            l.push('\n');
        }
        out.write_all(self.line.as_bytes())
    }
}
