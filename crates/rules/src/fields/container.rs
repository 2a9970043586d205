//! `container.*` and `k8s.*`: the container of the event's process, from the tracker's
//! container cache (Docker inspect data), and the pod facts kubelet's labels carry.

use vigil_state::{ContainerInfo, Mount};

use super::table::id;
use super::time::parse_rfc3339;
use super::{build, EventFields};
use crate::glob::Glob;
use crate::value::{FieldArg, FieldRef, Value};

/// The label kubelet puts on a pod's containers naming its sandbox.
const SANDBOX_LABEL: &str = "io.kubernetes.sandbox.id";

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

fn s(v: &str) -> Value<'_> {
    Value::Str(v.as_bytes())
}

fn opt(v: Option<&str>) -> Value<'_> {
    v.map_or(Value::Missing, s)
}

pub(super) fn get<'s>(x: EventFields<'s, '_>, f: &FieldRef, buf: &'s mut Vec<u8>) -> Value<'s> {
    let e = x.enriched;
    match f.id {
        id::CONTAINER_ID => return s(e.container_short_id()),
        id::CONTAINER_FULL_ID => return s(e.container_id.as_deref().map_or("host", |c| c.full())),
        id::CONTAINER_NAME => return opt(e.container_name()),
        id::CONTAINER_TYPE => return opt(e.container_id.as_deref().map(|c| c.runtime().as_str())),
        id::K8S_NS_NAME => return opt(e.k8s().1),
        id::K8S_POD_NAME => return opt(e.k8s().0),
        id::K8S_POD_UID | id::K8S_POD_ID => return opt(e.k8s().2),
        _ => {}
    }
    let Some(info) = e.container_info() else {
        return Value::Missing;
    };
    match f.id {
        id::CONTAINER_IMAGE => s(&info.image),
        id::CONTAINER_IMAGE_ID => {
            let hex = info.image_id.strip_prefix("sha256:").unwrap_or(&info.image_id);
            if hex.is_empty() {
                Value::Missing
            } else {
                s(short(hex))
            }
        }
        id::CONTAINER_IMAGE_REPOSITORY if !info.image_ref.repository.is_empty() => s(&info.image_ref.repository),
        id::CONTAINER_IMAGE_TAG => opt(info.image_ref.tag.as_deref()),
        id::CONTAINER_IMAGE_DIGEST => opt(info.image_ref.digest.as_deref()),
        id::CONTAINER_PRIVILEGED => Value::Bool(info.privileged),
        id::CONTAINER_MOUNTS => build(buf, |b| {
            for (i, m) in info.mounts.iter().enumerate() {
                if i > 0 {
                    b.push(b' ');
                }
                write_mount(m, b);
            }
        }),
        id::CONTAINER_MOUNT => match find_mount(info, &f.arg, By::Source) {
            Some(m) => build(buf, |b| write_mount(m, b)),
            None => Value::Str(b"none"),
        },
        id::CONTAINER_MOUNT_SOURCE => opt(find_mount(info, &f.arg, By::Dest).map(|m| m.source.as_str())),
        id::CONTAINER_MOUNT_DEST => opt(find_mount(info, &f.arg, By::Source).map(|m| m.destination.as_str())),
        id::CONTAINER_MOUNT_RDWR => match find_mount(info, &f.arg, By::Source) {
            Some(m) => s(if m.rw { "true" } else { "false" }),
            None => Value::Missing,
        },
        id::CONTAINER_START_TS => start_ns(info).map_or(Value::Missing, Value::UNum),
        id::CONTAINER_DURATION => match (start_ns(info), x.epoch_ns()) {
            (Some(start), Some(now)) => now.checked_sub(start).map_or(Value::Missing, Value::UNum),
            _ => Value::Missing,
        },
        id::CONTAINER_LABEL => match &f.arg {
            FieldArg::Key(k) => opt(info.labels.get(&**k).map(String::as_str)),
            _ => Value::Missing,
        },
        id::CONTAINER_LABELS => build(buf, |b| {
            for (i, (k, v)) in info.labels.iter().enumerate() {
                if i > 0 {
                    b.extend_from_slice(b", ");
                }
                b.extend_from_slice(k.as_bytes());
                b.push(b':');
                b.extend_from_slice(v.as_bytes());
            }
        }),
        id::K8S_POD_SANDBOX_ID => opt(info.labels.get(SANDBOX_LABEL).map(|v| short(v))),
        id::K8S_POD_FULL_SANDBOX_ID => opt(info.labels.get(SANDBOX_LABEL).map(String::as_str)),
        _ => Value::Missing,
    }
}

fn start_ns(info: &ContainerInfo) -> Option<u64> {
    parse_rfc3339(info.started_at.as_deref()?)
}

/// `source:dest:mode:rdwr:propagation`; mode and propagation are not in Vigil's inspect data
/// and are left empty.
fn write_mount(m: &Mount, b: &mut Vec<u8>) {
    b.extend_from_slice(m.source.as_bytes());
    b.push(b':');
    b.extend_from_slice(m.destination.as_bytes());
    b.extend_from_slice(b"::");
    b.extend_from_slice(if m.rw { b"true" } else { b"false" });
    b.push(b':');
}

/// Which path a mount argument names.
#[derive(Clone, Copy)]
enum By {
    Source,
    Dest,
}

/// A mount by index, or the first whose source (or destination) is the key or matches it as
/// a glob.
fn find_mount<'i>(info: &'i ContainerInfo, arg: &FieldArg, by: By) -> Option<&'i Mount> {
    match arg {
        FieldArg::Index(i) => info.mounts.get(usize::try_from(*i).ok()?),
        FieldArg::Key(k) => {
            let path = |m: &'i Mount| match by {
                By::Source => m.source.as_str(),
                By::Dest => m.destination.as_str(),
            };
            if k.contains(['*', '?', '[']) {
                // Compiled per call: mount globs are rare in rules and never on a hot path.
                let g = Glob::new(k.as_bytes(), false);
                info.mounts.iter().find(|m| g.matches(path(m).as_bytes()))
            } else {
                info.mounts.iter().find(|m| path(m) == &**k)
            }
        }
        FieldArg::None => None,
    }
}
