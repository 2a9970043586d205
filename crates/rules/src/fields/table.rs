//! Falco's syscall-source field table, as data. Each row's position is its field id; the
//! [`id`] constants name the positions (generated from the same rows, so they cannot drift).
//! Rows are grouped by class in this order: evt, proc/thread, user, group, fd, fs.path,
//! container, k8s; the extractors dispatch on the first id of each class.
//!
//! Descriptions are ours; names, types and meanings follow Falco's libsinsp tables.

use crate::table::{ArgSpec, FieldSpec};
use crate::value::{Cardinality, FieldType};

const fn s(name: &'static str, desc: &'static str) -> FieldSpec {
    FieldSpec::new(name, FieldType::Str, desc)
}
const fn i(name: &'static str, desc: &'static str) -> FieldSpec {
    FieldSpec::new(name, FieldType::Int, desc)
}
const fn u(name: &'static str, desc: &'static str) -> FieldSpec {
    FieldSpec::new(name, FieldType::UInt, desc)
}
const fn b(name: &'static str, desc: &'static str) -> FieldSpec {
    FieldSpec::new(name, FieldType::Bool, desc)
}
const fn ip(name: &'static str, desc: &'static str) -> FieldSpec {
    FieldSpec::new(name, FieldType::Ip, desc)
}
/// Ancestor fields: `[n]` for one ancestor (0 is the process itself), none for any ancestor.
const fn anc(spec: FieldSpec) -> FieldSpec {
    spec.with_arg(ArgSpec::IndexOrAny)
}
/// `field[key]`, `field.key`.
const fn key(spec: FieldSpec) -> FieldSpec {
    spec.with_arg(ArgSpec::KeyOrIndex)
}
/// Several values, any of which may match (`fd.ip`: client or server).
const fn any(spec: FieldSpec) -> FieldSpec {
    spec.with_card(Cardinality::Any)
}

macro_rules! fields {
    ($( $id:ident = $spec:expr ; )*) => {
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[repr(u32)]
        enum Pos { $($id,)* }

        /// Field ids: the position of each row in [`TABLE`].
        pub mod id {
            $(pub const $id: u32 = super::Pos::$id as u32;)*
        }

        /// Every field, in id order.
        pub const TABLE: &[FieldSpec] = &[$($spec,)*];

        /// (constant name, id), for the test that each constant names its row.
        #[cfg(test)]
        pub(crate) const ID_NAMES: &[(&str, u32)] = &[$((stringify!($id), id::$id),)*];
    };
}

fields! {
    // ---- evt ----
    EVT_NUM = u("evt.num", "Sequence number of the event in this run (set by the caller of the extractor)");
    EVT_TIME = s("evt.time", "Event time of day in UTC, HH:MM:SS.nnnnnnnnn");
    EVT_TIME_S = s("evt.time.s", "Event time of day in UTC to the second, HH:MM:SS");
    EVT_TIME_ISO8601 = s("evt.time.iso8601", "Event time as an ISO 8601 UTC timestamp with nanoseconds");
    EVT_DATETIME = s("evt.datetime", "Event date and time in UTC, YYYY-MM-DD HH:MM:SS.nnnnnnnnn");
    EVT_DATETIME_S = s("evt.datetime.s", "Event date and time in UTC to the second");
    EVT_RAWTIME = u("evt.rawtime", "Event time in nanoseconds since the Unix epoch");
    EVT_RAWTIME_S = u("evt.rawtime.s", "Whole seconds of evt.rawtime");
    EVT_RAWTIME_NS = u("evt.rawtime.ns", "Nanosecond part of evt.rawtime");
    EVT_RELTIME = u("evt.reltime", "Nanoseconds since the capture started");
    EVT_RELTIME_S = u("evt.reltime.s", "Whole seconds of evt.reltime");
    EVT_RELTIME_NS = u("evt.reltime.ns", "Nanosecond part of evt.reltime");
    EVT_LATENCY = u("evt.latency", "Nanoseconds the syscall took, from entry to return");
    EVT_LATENCY_S = u("evt.latency.s", "Whole seconds of evt.latency");
    EVT_LATENCY_NS = u("evt.latency.ns", "Nanosecond part of evt.latency");
    EVT_LATENCY_HUMAN = s("evt.latency.human", "evt.latency as a readable duration such as 10.3ms");
    EVT_DELTATIME = u("evt.deltatime", "Nanoseconds since the previous event");
    EVT_DELTATIME_S = u("evt.deltatime.s", "Whole seconds of evt.deltatime");
    EVT_DELTATIME_NS = u("evt.deltatime.ns", "Nanosecond part of evt.deltatime");
    EVT_DIR = s("evt.dir", "Direction: '<' for a syscall's return; Vigil records only returns");
    EVT_TYPE = s("evt.type", "Event type: the syscall name (openat, connect ...), execve, procexit");
    EVT_TYPE_IS = key(u("evt.type.is", "1 when the event has the type named after the dot (evt.type.is.open), else 0"));
    SYSCALL_TYPE = s("syscall.type", "The syscall's name, for syscall events only");
    EVT_CATEGORY = s("evt.category", "Event category: file, net, process, IPC, memory, signal, user, system, other");
    EVT_CPU = i("evt.cpu", "CPU the event happened on");
    EVT_ARGS = s("evt.args", "All arguments as name=value pairs separated by spaces");
    EVT_ARG = key(s("evt.arg", "One argument by name (evt.arg.flags) or position (evt.arg[0]), as text"));
    EVT_RAWARG = key(i("evt.rawarg", "One argument by name, unformatted: numbers as numbers, paths as strings"));
    EVT_INFO = s("evt.info", "Readable summary of the event; the same as evt.args");
    EVT_BUFFER = s("evt.buffer", "Data buffer of an I/O event (read, write, send ...)");
    EVT_BUFLEN = u("evt.buflen", "Length of the data buffer of an I/O event");
    EVT_RES = s("evt.res", "Result: SUCCESS, or the errno name (ENOENT, EACCES ...) on failure");
    EVT_RAWRES = i("evt.rawres", "Result as a number: the return value, negative errno on failure");
    EVT_FAILED = b("evt.failed", "True when the syscall returned an error");
    EVT_IS_IO = b("evt.is_io", "True for events that read or write data through an fd");
    EVT_IS_IO_READ = b("evt.is_io_read", "True for events that read data from an fd");
    EVT_IS_IO_WRITE = b("evt.is_io_write", "True for events that write data to an fd");
    EVT_IO_DIR = s("evt.io_dir", "'r' for reading events, 'w' for writing events");
    EVT_IS_WAIT = b("evt.is_wait", "True for events that make the thread wait (sleep, poll ...)");
    EVT_WAIT_LATENCY = u("evt.wait_latency", "Nanoseconds a waiting event spent waiting");
    EVT_IS_SYSLOG = b("evt.is_syslog", "True for writes to /dev/log");
    EVT_COUNT = u("evt.count", "Always 1, for counting events");
    EVT_COUNT_ERROR = u("evt.count.error", "1 for events that failed, else 0");
    EVT_COUNT_ERROR_FILE = u("evt.count.error.file", "1 for failed file events, else 0");
    EVT_COUNT_ERROR_NET = u("evt.count.error.net", "1 for failed network events, else 0");
    EVT_COUNT_ERROR_MEMORY = u("evt.count.error.memory", "1 for failed memory events, else 0");
    EVT_COUNT_ERROR_OTHER = u("evt.count.error.other", "1 for failed events of other categories, else 0");
    EVT_COUNT_EXIT = u("evt.count.exit", "1 for return events (every Vigil event), for counting");
    EVT_ABSPATH = s("evt.abspath", "Absolute path from a dirfd and a relative name (unlinkat, mkdirat, openat ...)");
    EVT_ABSPATH_SRC = s("evt.abspath.src", "Absolute source path of a two-path syscall (renameat, linkat, symlinkat)");
    EVT_ABSPATH_DST = s("evt.abspath.dst", "Absolute destination path of a two-path syscall");
    EVT_IS_OPEN_READ = b("evt.is_open_read", "True for opens (open, openat, openat2) whose flags allow reading");
    EVT_IS_OPEN_WRITE = b("evt.is_open_write", "True for opens and creat whose flags allow writing");
    EVT_IS_OPEN_EXEC = b("evt.is_open_exec", "True for opens and creat that create a file with an execute bit");
    EVT_IS_OPEN_CREATE = b("evt.is_open_create", "True for opens that may create the file (O_CREAT) and creat");
    EVT_HOSTNAME = s("evt.hostname", "Name of the host the sensor runs on");
    EVT_SOURCE = s("evt.source", "Event source: always syscall");
    EVT_IS_ASYNC = b("evt.is_async", "True for events not generated by a syscall of the process (never, here)");
    EVT_ASYNCTYPE = s("evt.asynctype", "The type of an asynchronous event");

    // ---- proc / thread ----
    PROC_EXE = s("proc.exe", "First command-line argument (argv[0]), usually the program as invoked");
    PROC_PEXE = s("proc.pexe", "proc.exe of the parent process");
    PROC_AEXE = anc(s("proc.aexe", "proc.exe of the n-th ancestor ([0] self, [1] parent); without index any ancestor"));
    PROC_EXEPATH = s("proc.exepath", "Full path of the executable file, symlinks resolved by the kernel");
    PROC_PEXEPATH = s("proc.pexepath", "proc.exepath of the parent process");
    PROC_AEXEPATH = anc(s("proc.aexepath", "proc.exepath of the n-th ancestor; without index any ancestor"));
    PROC_NAME = s("proc.name", "Process name as the kernel keeps it (comm, at most 15 bytes)");
    PROC_PNAME = s("proc.pname", "proc.name of the parent process");
    PROC_ANAME = anc(s("proc.aname", "proc.name of the n-th ancestor; without index any ancestor"));
    PROC_ARGS = s("proc.args", "Command-line arguments after argv[0], joined by spaces");
    PROC_CMDLINE = s("proc.cmdline", "proc.name followed by proc.args");
    PROC_PCMDLINE = s("proc.pcmdline", "proc.cmdline of the parent process");
    PROC_ACMDLINE = anc(s("proc.acmdline", "proc.cmdline of the n-th ancestor; without index any ancestor"));
    PROC_CMDNARGS = u("proc.cmdnargs", "Number of arguments after argv[0]");
    PROC_CMDLENARGS = u("proc.cmdlenargs", "Total length of the arguments after argv[0], separators excluded");
    PROC_EXELINE = s("proc.exeline", "proc.exe followed by proc.args");
    PROC_ENV = s("proc.env", "Environment variables of the process");
    PROC_CWD = s("proc.cwd", "Current working directory of the process");
    PROC_LOGINSHELLID = i("proc.loginshellid", "Pid of the eldest shell among the process and its ancestors");
    PROC_TTY = u("proc.tty", "Controlling terminal's device number, 0 for none");
    PROC_PID = i("proc.pid", "Process id (thread group id) in the host's pid namespace");
    PROC_PPID = i("proc.ppid", "Parent's process id");
    PROC_APID = anc(i("proc.apid", "Pid of the n-th ancestor; without index any ancestor"));
    PROC_VPID = i("proc.vpid", "Process id as seen from the process's own pid namespace");
    PROC_PVPID = i("proc.pvpid", "Parent's process id as seen from its pid namespace");
    PROC_SID = i("proc.sid", "Session id of the process");
    PROC_SNAME = s("proc.sname", "proc.name of the session leader");
    PROC_SID_EXE = s("proc.sid.exe", "proc.exe of the session leader");
    PROC_SID_EXEPATH = s("proc.sid.exepath", "proc.exepath of the session leader");
    PROC_VPGID = i("proc.vpgid", "Process group id as seen from the process's pid namespace");
    PROC_VPGID_NAME = s("proc.vpgid.name", "proc.name of the process group leader");
    PROC_VPGID_EXE = s("proc.vpgid.exe", "proc.exe of the process group leader");
    PROC_VPGID_EXEPATH = s("proc.vpgid.exepath", "proc.exepath of the process group leader");
    PROC_DURATION = u("proc.duration", "Nanoseconds since the process started");
    PROC_PPID_DURATION = u("proc.ppid.duration", "Nanoseconds since the parent process started");
    PROC_PID_TS = u("proc.pid.ts", "Process start time in nanoseconds since the epoch");
    PROC_PPID_TS = u("proc.ppid.ts", "Parent's start time in nanoseconds since the epoch");
    PROC_IS_EXE_WRITABLE = b("proc.is_exe_writable", "True when the executable is writable by the process's user");
    PROC_IS_EXE_UPPER_LAYER = b("proc.is_exe_upper_layer", "True when the executable is in an overlayfs upper layer (added in the container)");
    PROC_IS_EXE_FROM_MEMFD = b("proc.is_exe_from_memfd", "True when the executable is a memfd (fileless execution)");
    PROC_IS_SID_LEADER = b("proc.is_sid_leader", "True when the process leads its session (sid equals vpid)");
    PROC_IS_VPGID_LEADER = b("proc.is_vpgid_leader", "True when the process leads its process group");
    PROC_EXE_INO = i("proc.exe_ino", "Inode number of the executable file");
    PROC_EXE_INO_CTIME = u("proc.exe_ino.ctime", "Status change time (ctime) of the executable, ns since the epoch");
    PROC_EXE_INO_MTIME = u("proc.exe_ino.mtime", "Modification time (mtime) of the executable, ns since the epoch");
    PROC_EXE_INO_CTIME_DURATION_PROC_START = u("proc.exe_ino.ctime_duration_proc_start", "Nanoseconds from the executable's ctime to the process start");
    PROC_EXE_INO_CTIME_DURATION_PIDNS_START = u("proc.exe_ino.ctime_duration_pidns_start", "Nanoseconds from the pid namespace start to the executable's ctime");
    PROC_PIDNS_INIT_START_TS = u("proc.pidns_init_start_ts", "Start time of the pid namespace's init, ns since the epoch");
    THREAD_CAP_PERMITTED = s("thread.cap_permitted", "Permitted capability set, as CAP_ names separated by spaces");
    THREAD_CAP_INHERITABLE = s("thread.cap_inheritable", "Inheritable capability set, as CAP_ names");
    THREAD_CAP_EFFECTIVE = s("thread.cap_effective", "Effective capability set, as CAP_ names");
    PROC_IS_CONTAINER_HEALTHCHECK = b("proc.is_container_healthcheck", "True when the process runs the container's health check");
    PROC_IS_CONTAINER_LIVENESS_PROBE = b("proc.is_container_liveness_probe", "True when the process runs the pod's liveness probe");
    PROC_IS_CONTAINER_READINESS_PROBE = b("proc.is_container_readiness_probe", "True when the process runs the pod's readiness probe");
    PROC_FDOPENCOUNT = u("proc.fdopencount", "Number of open fds the process has (as tracked, capped)");
    PROC_FDLIMIT = i("proc.fdlimit", "Most fds the process may open (RLIMIT_NOFILE)");
    PROC_VMSIZE = u("proc.vmsize", "Virtual memory size of the process in KiB");
    PROC_VMRSS = u("proc.vmrss", "Resident memory of the process in KiB");
    PROC_VMSWAP = u("proc.vmswap", "Swapped-out memory of the process in KiB");
    THREAD_PFMAJOR = u("thread.pfmajor", "Major page faults since the thread started");
    THREAD_PFMINOR = u("thread.pfminor", "Minor page faults since the thread started");
    THREAD_TID = i("thread.tid", "Thread id of the thread that made the syscall");
    THREAD_ISMAIN = b("thread.ismain", "True when the thread is the process's main thread");
    THREAD_VTID = i("thread.vtid", "Thread id as seen from the thread's pid namespace");
    THREAD_NAMETID = s("thread.nametid", "proc.name followed by thread.tid");
    THREAD_EXECTIME = u("thread.exectime", "CPU time of the last scheduled thread, in ns");
    THREAD_TOTEXECTIME = u("thread.totexectime", "Total CPU time of the thread since the capture started, in ns");
    THREAD_CGROUPS = s("thread.cgroups", "Every cgroup of the thread, subsystem=path separated by spaces");
    THREAD_CGROUP = key(s("thread.cgroup", "The thread's cgroup for one subsystem (thread.cgroup.cpuacct)"));
    PROC_NTHREADS = u("proc.nthreads", "Live threads of the process, main thread included");
    PROC_NCHILDS = u("proc.nchilds", "Live threads of the process other than the main one");
    THREAD_VMSIZE = u("thread.vmsize", "For the main thread, the process's virtual memory in KiB; else 0");
    THREAD_VMRSS = u("thread.vmrss", "For the main thread, the process's resident memory in KiB; else 0");

    // ---- user / group ----
    USER_UID = u("user.uid", "User id of the process");
    USER_NAME = s("user.name", "User name of user.uid, from the container's own /etc/passwd (the host's for host processes)");
    USER_HOMEDIR = s("user.homedir", "Home directory of the user");
    USER_SHELL = s("user.shell", "Login shell of the user");
    USER_LOGINUID = i("user.loginuid", "Audit login uid of the process; -1 when unset");
    USER_LOGINNAME = s("user.loginname", "User name of user.loginuid");
    GROUP_GID = u("group.gid", "Group id of the process");
    GROUP_NAME = s("group.name", "Group name of group.gid, from the container's own /etc/group");

    // ---- fd ----
    FD_NUM = i("fd.num", "Number of the fd the event is about (for opens, the new fd; negative when the open failed)");
    FD_TYPE = s("fd.type", "Kind of fd: file, directory, ipv4, ipv6, unix, pipe, event, signalfd, eventpoll, inotify, memfd ...");
    FD_TYPECHAR = s("fd.typechar", "Kind of fd as one letter: f file, d directory, 4 ipv4, 6 ipv6, u unix, p pipe ...");
    FD_NAME = s("fd.name", "Full name: the absolute path for files, client->server ip:port for sockets");
    FD_DIRECTORY = s("fd.directory", "For files, the directory holding the file; for directories, the directory");
    FD_FILENAME = s("fd.filename", "For files, the file name without its directory");
    FD_IP = any(ip("fd.ip", "Either address of the socket, client or server (matches if one does)"));
    FD_CIP = ip("fd.cip", "Client address of the socket");
    FD_SIP = ip("fd.sip", "Server address of the socket");
    FD_LIP = ip("fd.lip", "Local address of the socket");
    FD_RIP = ip("fd.rip", "Remote address of the socket");
    FD_PORT = any(u("fd.port", "Either port of the socket, client or server (matches if one does)"));
    FD_CPORT = u("fd.cport", "Client port of the socket");
    FD_SPORT = u("fd.sport", "Server port of the socket");
    FD_LPORT = u("fd.lport", "Local port of the socket");
    FD_RPORT = u("fd.rport", "Remote port of the socket");
    FD_L4PROTO = s("fd.l4proto", "Transport protocol of the socket: tcp, udp, icmp, raw");
    FD_SOCKFAMILY = s("fd.sockfamily", "Socket family: ip or unix");
    FD_IS_SERVER = b("fd.is_server", "True when this process is the server end of the connection");
    FD_UID = s("fd.uid", "Identifier of the fd: the thread id followed by the fd number");
    FD_CONTAINERNAME = s("fd.containername", "container.id and fd.name joined by a colon");
    FD_CONTAINERDIRECTORY = s("fd.containerdirectory", "container.id and fd.directory joined by a colon");
    FD_PROTO = any(s("fd.proto", "Either port's service name (matches if one does)"));
    FD_CPROTO = s("fd.cproto", "Service name of the client port");
    FD_SPROTO = s("fd.sproto", "Service name of the server port (http, ssh ...)");
    FD_LPROTO = s("fd.lproto", "Service name of the local port");
    FD_RPROTO = s("fd.rproto", "Service name of the remote port");
    FD_NET = any(ip("fd.net", "Either address of the socket, for network (CIDR) comparisons"));
    FD_CNET = ip("fd.cnet", "Client address, for network (CIDR) comparisons");
    FD_SNET = ip("fd.snet", "Server address, for network (CIDR) comparisons");
    FD_LNET = ip("fd.lnet", "Local address, for network (CIDR) comparisons");
    FD_RNET = ip("fd.rnet", "Remote address, for network (CIDR) comparisons");
    FD_CONNECTED = b("fd.connected", "True for a socket with a known peer (connected or accepted)");
    FD_NAME_CHANGED = b("fd.name_changed", "True when this event changed the fd's name (a UDP socket's new peer)");
    FD_CIP_NAME = s("fd.cip.name", "Domain name the client address was resolved from");
    FD_SIP_NAME = s("fd.sip.name", "Domain name the server address was resolved from");
    FD_LIP_NAME = s("fd.lip.name", "Domain name the local address was resolved from");
    FD_RIP_NAME = s("fd.rip.name", "Domain name the remote address was resolved from");
    FD_DEV = i("fd.dev", "Device number of the file's filesystem");
    FD_DEV_MAJOR = i("fd.dev.major", "Major device number of the file's filesystem");
    FD_DEV_MINOR = i("fd.dev.minor", "Minor device number of the file's filesystem");
    FD_INO = i("fd.ino", "Inode number of the file");
    FD_NAMERAW = s("fd.nameraw", "For files, the path exactly as the caller passed it; else fd.name");
    FD_TYPES = s("fd.types", "Kinds of every fd the process holds, as a list").with_card(Cardinality::List);

    // ---- fs.path ----
    FS_PATH_NAME = s("fs.path.name", "Path a file syscall acted on (open, unlink, mkdir, chmod ...), made absolute");
    FS_PATH_NAMERAW = s("fs.path.nameraw", "Path a file syscall acted on, as the caller passed it");
    FS_PATH_SOURCE = s("fs.path.source", "Source path of a two-path syscall (rename, link, symlink, mount), made absolute");
    FS_PATH_SOURCERAW = s("fs.path.sourceraw", "Source path of a two-path syscall, as passed");
    FS_PATH_TARGET = s("fs.path.target", "Target path of a two-path syscall, made absolute");
    FS_PATH_TARGETRAW = s("fs.path.targetraw", "Target path of a two-path syscall, as passed");

    // ---- container ----
    CONTAINER_ID = s("container.id", "Container id, first 12 hex digits; 'host' for host processes");
    CONTAINER_FULL_ID = s("container.full_id", "Full container id; 'host' for host processes");
    CONTAINER_NAME = s("container.name", "Container name from the runtime; 'host' for host processes");
    CONTAINER_IMAGE = s("container.image", "Image as the container was created from it (repository:tag)");
    CONTAINER_IMAGE_ID = s("container.image.id", "Image id, first 12 hex digits");
    CONTAINER_TYPE = s("container.type", "Container runtime: docker, podman, containerd, cri-o");
    CONTAINER_PRIVILEGED = b("container.privileged", "True for a container run with --privileged");
    CONTAINER_MOUNTS = s("container.mounts", "Every mount as source:dest:mode:rdwr:propagation, separated by spaces");
    CONTAINER_MOUNT = key(s("container.mount", "One mount by index or source path (glob allowed), as source:dest:mode:rdwr:propagation; 'none' if no match"));
    CONTAINER_MOUNT_SOURCE = key(s("container.mount.source", "Source of a mount chosen by index or destination path"));
    CONTAINER_MOUNT_DEST = key(s("container.mount.dest", "Destination of a mount chosen by index or source path"));
    CONTAINER_MOUNT_MODE = key(s("container.mount.mode", "Mode string of a mount chosen by index or source path"));
    CONTAINER_MOUNT_RDWR = key(s("container.mount.rdwr", "Whether a mount (by index or source) is read-write: true or false"));
    CONTAINER_MOUNT_PROPAGATION = key(s("container.mount.propagation", "Propagation of a mount chosen by index or source path"));
    CONTAINER_IMAGE_REPOSITORY = s("container.image.repository", "Repository part of the image reference, registry included");
    CONTAINER_IMAGE_TAG = s("container.image.tag", "Tag part of the image reference");
    CONTAINER_IMAGE_DIGEST = s("container.image.digest", "Digest part of the image reference (sha256:...)");
    CONTAINER_HEALTHCHECK = s("container.healthcheck", "The container's health check command");
    CONTAINER_LIVENESS_PROBE = s("container.liveness_probe", "The container's liveness probe command");
    CONTAINER_READINESS_PROBE = s("container.readiness_probe", "The container's readiness probe command");
    CONTAINER_START_TS = u("container.start_ts", "Container start time in nanoseconds since the epoch");
    CONTAINER_DURATION = u("container.duration", "Nanoseconds since the container started");
    CONTAINER_IP = s("container.ip", "Primary IPv4 address of the container");
    CONTAINER_CNI_JSON = s("container.cni.json", "The pod's CNI result as JSON");
    CONTAINER_LABEL = key(s("container.label", "Value of one container label (container.label[app])"));
    CONTAINER_LABELS = s("container.labels", "Every container label as key:value, separated by ', '");

    // ---- k8s ----
    K8S_NS_NAME = s("k8s.ns.name", "Kubernetes namespace of the pod");
    K8S_POD_NAME = s("k8s.pod.name", "Kubernetes pod name");
    K8S_POD_ID = s("k8s.pod.id", "Kubernetes pod uid (older name of k8s.pod.uid)");
    K8S_POD_UID = s("k8s.pod.uid", "Kubernetes pod uid");
    K8S_POD_SANDBOX_ID = s("k8s.pod.sandbox_id", "Id of the pod's sandbox (pause) container, 12 hex digits");
    K8S_POD_FULL_SANDBOX_ID = s("k8s.pod.full_sandbox_id", "Full id of the pod's sandbox container");
    K8S_POD_LABEL = key(s("k8s.pod.label", "Value of one pod label (k8s.pod.label[app])"));
    K8S_POD_LABELS = s("k8s.pod.labels", "Every pod label as key:value, separated by ', '");
    K8S_POD_IP = s("k8s.pod.ip", "IP address of the pod");
    K8S_POD_CNI_JSON = s("k8s.pod.cni.json", "The pod's CNI result as JSON");
    K8S_NS_ID = s("k8s.ns.id", "Kubernetes namespace uid");
    K8S_NS_LABEL = key(s("k8s.ns.label", "Value of one namespace label"));
    K8S_NS_LABELS = s("k8s.ns.labels", "Every namespace label as key:value");
    K8S_RC_NAME = s("k8s.rc.name", "Name of the pod's replication controller");
    K8S_RC_ID = s("k8s.rc.id", "Uid of the pod's replication controller");
    K8S_RC_LABEL = key(s("k8s.rc.label", "Value of one replication controller label"));
    K8S_RC_LABELS = s("k8s.rc.labels", "Every replication controller label as key:value");
    K8S_SVC_NAME = s("k8s.svc.name", "Name of the service the pod belongs to");
    K8S_SVC_ID = s("k8s.svc.id", "Uid of the service the pod belongs to");
    K8S_SVC_LABEL = key(s("k8s.svc.label", "Value of one service label"));
    K8S_SVC_LABELS = s("k8s.svc.labels", "Every service label as key:value");
    K8S_RS_NAME = s("k8s.rs.name", "Name of the pod's replica set");
    K8S_RS_ID = s("k8s.rs.id", "Uid of the pod's replica set");
    K8S_RS_LABEL = key(s("k8s.rs.label", "Value of one replica set label"));
    K8S_RS_LABELS = s("k8s.rs.labels", "Every replica set label as key:value");
    K8S_DEPLOYMENT_NAME = s("k8s.deployment.name", "Name of the pod's deployment");
    K8S_DEPLOYMENT_ID = s("k8s.deployment.id", "Uid of the pod's deployment");
    K8S_DEPLOYMENT_LABEL = key(s("k8s.deployment.label", "Value of one deployment label"));
    K8S_DEPLOYMENT_LABELS = s("k8s.deployment.labels", "Every deployment label as key:value");
}

/// Fields in the table that always extract as missing: what the probe or the state does not
/// collect yet. Rule loaders warn when a rule uses one.
pub const UNSUPPORTED: &[&str] = &[
    // No capture start or previous-event time in the view; no entry timestamps (exit-only probe).
    "evt.reltime",
    "evt.reltime.s",
    "evt.reltime.ns",
    "evt.latency",
    "evt.latency.s",
    "evt.latency.ns",
    "evt.latency.human",
    "evt.deltatime",
    "evt.deltatime.s",
    "evt.deltatime.ns",
    // No I/O data is captured, and no waiting syscalls.
    "evt.buffer",
    "evt.buflen",
    "evt.wait_latency",
    "evt.asynctype",
    // The probe does not copy envp, the process group, limits, memory or fault counters.
    "proc.env",
    "proc.vpgid",
    "proc.vpgid.name",
    "proc.vpgid.exe",
    "proc.vpgid.exepath",
    "proc.is_vpgid_leader",
    "proc.is_exe_writable",
    "proc.exe_ino.ctime_duration_pidns_start",
    "proc.pidns_init_start_ts",
    "proc.is_container_healthcheck",
    "proc.is_container_liveness_probe",
    "proc.is_container_readiness_probe",
    "proc.fdlimit",
    "proc.vmsize",
    "proc.vmrss",
    "proc.vmswap",
    "thread.pfmajor",
    "thread.pfminor",
    "thread.exectime",
    "thread.totexectime",
    "thread.cgroups",
    "thread.cgroup",
    "proc.nthreads",
    "proc.nchilds",
    "thread.vmsize",
    "thread.vmrss",
    // Only names are read from passwd.
    "user.homedir",
    "user.shell",
    // No DNS, device, inode or port-name tracking; fd name changes are not reported.
    "fd.proto",
    "fd.cproto",
    "fd.sproto",
    "fd.lproto",
    "fd.rproto",
    "fd.name_changed",
    "fd.cip.name",
    "fd.sip.name",
    "fd.lip.name",
    "fd.rip.name",
    "fd.dev",
    "fd.dev.major",
    "fd.dev.minor",
    "fd.ino",
    // Not in the runtime's inspect data as Vigil reads it.
    "container.mount.mode",
    "container.mount.propagation",
    "container.healthcheck",
    "container.liveness_probe",
    "container.readiness_probe",
    "container.ip",
    "container.cni.json",
    // Pod metadata beyond kubelet's container labels needs the Kubernetes API.
    "k8s.pod.label",
    "k8s.pod.labels",
    "k8s.pod.ip",
    "k8s.pod.cni.json",
    "k8s.ns.id",
    "k8s.ns.label",
    "k8s.ns.labels",
    "k8s.rc.name",
    "k8s.rc.id",
    "k8s.rc.label",
    "k8s.rc.labels",
    "k8s.svc.name",
    "k8s.svc.id",
    "k8s.svc.label",
    "k8s.svc.labels",
    "k8s.rs.name",
    "k8s.rs.id",
    "k8s.rs.label",
    "k8s.rs.labels",
    "k8s.deployment.name",
    "k8s.deployment.id",
    "k8s.deployment.label",
    "k8s.deployment.labels",
];
