//! A realistic event mix through a compiled ruleset, on one core: records decoded, applied to
//! the state tracker and evaluated, as the pipeline does. Reported in events per second; the
//! target is at least 1,000,000. `decode + state` alone is measured too, so the rules' own share
//! is the difference.
//!
//! Rulesets: ~40 rules written here in Falco's style (macros already expanded), and Falco's
//! falco_rules.yaml from ../shared/data when the rules loader can read it.
//!
//! `cargo bench -p vigil-rules --bench ruleset`.

#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::net::Ipv4Addr;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use vigil_capture::abi::{tag, KIND_PROC_EXEC};
use vigil_capture::encode::RecordBuilder;
use vigil_capture::{Event, ProcInfo, Tuple};
use vigil_rules::fields::{EventFields, Host};
use vigil_rules::ruleset::{LoadedRule, LoadedRules, Origin, Priority, Severity};
use vigil_rules::{parse, MatchMode, Ruleset, RulesetConfig, Scratch};
use vigil_state::{Tracker, TrackerConfig};

const SHELLS: &str = "(ash, bash, csh, ksh, sh, tcsh, zsh, dash)";
const SENSITIVE: &str = "(/etc/shadow, /etc/sudoers, /etc/pam.conf, /etc/security/pwquality.conf, /etc/gshadow)";
const BIN_DIRS: &str = "(/bin, /sbin, /usr/bin, /usr/sbin, /usr/local/bin, /usr/local/sbin)";
const PKG_MGMT: &str = "(apt, apt-get, aptitude, dpkg, yum, dnf, rpm, apk, pip, pip3, npm, gem, zypper)";

/// (name, condition): Falco-style rules with their macros substituted.
fn rules() -> Vec<(String, String)> {
    let open_read = "evt.type in (open, openat, openat2) and evt.is_open_read=true and fd.typechar='f' and fd.num>=0";
    let open_write = "evt.type in (open, openat, openat2) and evt.is_open_write=true and fd.typechar='f' and fd.num>=0";
    let spawned = "evt.type in (execve, execveat)";
    let container = "container.id != host";
    let outbound = "evt.type = connect and (fd.typechar = 4 or fd.typechar = 6) and fd.ip != 0.0.0.0 and fd.net != 127.0.0.0/8 and not fd.snet in (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)";
    let r = |n: &str, c: String| (n.to_string(), c);
    vec![
        r("Read sensitive file untrusted", format!("{open_read} and fd.name in {SENSITIVE} and not proc.name in (sshd, sudo, su, login, passwd, unix_chkpwd, systemd-logind, cron)")),
        r("Read sensitive file trusted after startup", format!("{open_read} and fd.name in {SENSITIVE} and proc.name in (sshd, sudo) and proc.duration > 5000000000")),
        r("Write below binary dir", format!("{open_write} and fd.directory in {BIN_DIRS} and not proc.name in {PKG_MGMT}")),
        r("Write below etc", format!("{open_write} and fd.name startswith /etc/ and not proc.name in {PKG_MGMT} and not fd.name in (/etc/resolv.conf, /etc/hostname, /etc/hosts)")),
        r("Write below root", format!("{open_write} and (fd.name = /root or fd.directory = /root) and not fd.name in (/root/.bash_history, /root/.viminfo)")),
        r("Read ssh keys", format!("{open_read} and (fd.name contains /.ssh/id_ or fd.name endswith authorized_keys) and not proc.name in (sshd, ssh, ssh-agent)")),
        r("Read cloud credentials", format!("{open_read} and (fd.name endswith /.aws/credentials or fd.name endswith /.config/gcloud/credentials.db or fd.name endswith /.azure/accessTokens.json or fd.name contains /.kube/config)")),
        r("Terminal shell in container", format!("{spawned} and {container} and proc.name in {SHELLS} and proc.tty != 0")),
        r("Shell spawned by web server", format!("{spawned} and proc.name in {SHELLS} and proc.pname in (nginx, httpd, apache2, lighttpd, caddy, php-fpm, node, java, tomcat)")),
        r("Package management in container", format!("{spawned} and {container} and proc.name in {PKG_MGMT}")),
        r("Compiler in container", format!("{spawned} and {container} and proc.name in (gcc, cc, g++, clang, make, ld, go, rustc)")),
        r("Netcat remote code execution", format!("{spawned} and proc.name in (nc, ncat, netcat) and (proc.args contains \"-e\" or proc.args contains \"-c\" or proc.args contains \"--sh-exec\" or proc.args contains \"--exec\")")),
        r("Network scanning tool", format!("{spawned} and proc.name in (nmap, masscan, zmap, rustscan, naabu)")),
        r("Remote copy tool", format!("{spawned} and {container} and proc.name in (scp, rsync, sftp, ftp, tftp)")),
        r("Search for credentials", format!("{spawned} and ((proc.name = grep and (proc.args contains password or proc.args contains passwd or proc.args contains BEGIN or proc.args contains aws_secret)) or (proc.name = find and (proc.args contains id_rsa or proc.args contains .pem or proc.args contains credentials)))")),
        r("Clear log activities", format!("{open_write} and (fd.name startswith /var/log/ or fd.name pmatch (/var/log)) and evt.arg.flags contains O_TRUNC and not proc.name in (logrotate, rsyslogd, journald)")),
        r("Delete bash history", "evt.type in (unlink, unlinkat, rename) and (evt.arg.name endswith .bash_history or evt.arg.path endswith .bash_history)".into()),
        r("Linux kernel module injection", "evt.type in (init_module, finit_module) and evt.res = SUCCESS".into()),
        r("PTRACE attached to process", "evt.type = ptrace and evt.arg.request in (PTRACE_ATTACH, PTRACE_SEIZE, PTRACE_POKETEXT, PTRACE_POKEDATA) and evt.res = SUCCESS".into()),
        r("PTRACE anti-debug attempt", "evt.type = ptrace and evt.arg.request = PTRACE_TRACEME and proc.pname != gdb".into()),
        r("Fileless execution via memfd", format!("{spawned} and proc.is_exe_from_memfd = true")),
        r("Execution from /dev/shm", format!("{spawned} and (proc.exe startswith /dev/shm or proc.exepath startswith /dev/shm or proc.cwd startswith /dev/shm/)")),
        r("Drop and execute new binary in container", format!("{spawned} and {container} and proc.is_exe_upper_layer = true")),
        r("Detect release_agent file container escape", format!("{open_write} and {container} and fd.name endswith release_agent")),
        r("Mount host filesystem", format!("evt.type = mount and {container} and not proc.name in (mount.nfs, mount.cifs)")),
        r("Setns to host namespace", format!("evt.type = setns and {container} and not proc.name in (runc, containerd-shim, crio, docker-init)")),
        r("Unshare new namespaces", "evt.type = unshare and evt.res = SUCCESS and not proc.name in (unshare, runc, podman, bwrap)".into()),
        r("Crypto mining pool connection", format!("{outbound} and fd.sport in (3333, 4444, 5555, 6666, 7777, 8888, 9999, 14444, 45700)")),
        r("Crypto miner launched", format!("{spawned} and (proc.name in (xmrig, minerd, cpuminer, ethminer, nbminer) or proc.cmdline contains stratum+tcp)")),
        r("Contact K8S API server from container", format!("evt.type = connect and {container} and fd.sip.name = kubernetes.default.svc.cluster.local and fd.sport = 443 and not proc.name in (kubectl, helm)")),
        r("Unexpected outbound connection from database", format!("{outbound} and proc.name in (postgres, mysqld, mariadbd, redis-server, mongod, memcached)")),
        r("Reverse shell redirect to socket", "evt.type in (dup, dup2, dup3) and fd.num in (0, 1, 2) and fd.type in (ipv4, ipv6) and proc.name in (ash, bash, csh, ksh, sh, tcsh, zsh, dash, python, python3, perl)".into()),
        r("Non sudo setuid", "evt.type = setuid and evt.res = SUCCESS and user.name != root and not proc.name in (sudo, su, sshd, cron, login)".into()),
        r("User mgmt binaries", format!("{spawned} and proc.name in (useradd, userdel, usermod, groupadd, passwd, chpasswd, adduser) and not proc.pname in (apt, dpkg, yum)")),
        r("Create symlink over sensitive files", "evt.type in (symlink, symlinkat) and (evt.arg.target in (/etc, /etc/shadow, /root, /root/.ssh) or evt.arg.target startswith /etc/)".into()),
        r("Modify shell configuration", format!("{open_write} and (fd.filename in (.bashrc, .bash_profile, .profile, .zshrc, .cshrc) or fd.name in (/etc/profile, /etc/bashrc, /etc/bash.bashrc))")),
        r("Schedule cron jobs", format!("{open_write} and (fd.name startswith /etc/cron or fd.name startswith /var/spool/cron) and not proc.name in (crontab)")),
        r("Change thread namespace", "evt.type = setns and not proc.name in (docker, sysdig, dragent, nsenter, calico, oci-umount, network_namespace)".into()),
        r("Launch privileged container", format!("{spawned} and {container} and container.privileged = true and proc.vpid = 1")),
        r("Kill critical process", "evt.type in (kill, tkill, tgkill) and evt.arg.sig in (9, 15) and proc.name != systemd and evt.res = SUCCESS and proc.aname[1] != containerd-shim".into()),
        r("Chmod setuid bit", "evt.type in (chmod, fchmod, fchmodat) and evt.arg.mode contains S_ISUID and not proc.name in (dpkg, rpm, apt)".into()),
        r("BPF program loaded", "evt.type = bpf and evt.res >= 0 and not proc.name in (falco, vigil, cilium-agent, bpftool)".into()),
    ]
}

fn loaded(rules: &[(String, String)]) -> LoadedRules {
    LoadedRules {
        rules: rules
            .iter()
            .map(|(name, cond)| LoadedRule {
                name: name.clone(),
                desc: String::new(),
                condition: parse(cond).unwrap_or_else(|e| panic!("{name}: {}", e.render("bench", cond))),
                condition_text: cond.clone(),
                output: "%proc.name %proc.cmdline %fd.name %container.id".into(),
                priority: Priority::Warning,
                source: "syscall".into(),
                tags: vec![],
                enabled: true,
                warn_evttypes: true,
                skip_if_unknown_filter: false,
                origin: Origin {
                    file: "bench".into(),
                    line: 1,
                    col: 1,
                },
            })
            .collect(),
        ..Default::default()
    }
}

const BOOT: u64 = 1_000_000_000;

fn exec(pid: u32, exe: &str, argv: &[&str]) -> Vec<u8> {
    RecordBuilder::new(KIND_PROC_EXEC, BOOT, pid, pid)
        .ppid(1)
        .ids(1000, 1000)
        .field(tag::FILENAME, exe.as_bytes())
        .argv(argv)
        .path_rev(tag::EXEPATH, exe)
        .path_rev(tag::CWD, "/srv/app")
        .procinfo(&ProcInfo::default())
        .build()
}

fn open(pid: u32, path: &str, flags: u64, fd: i64) -> Vec<u8> {
    RecordBuilder::syscall("openat", BOOT, pid, pid)
        .arg(0, (-100i64) as u64)
        .str_arg(1, path)
        .arg(2, flags)
        .res(fd)
        .build()
}

fn fd_call(name: &str, pid: u32, fd: u64, res: i64) -> Vec<u8> {
    RecordBuilder::syscall(name, BOOT, pid, pid).arg(0, fd).res(res).build()
}

/// The mix, per 100 events: 5 exec, 35 open, 10 socket+connect, 25 close, 25 others (sendto,
/// fcntl, dup2, kill, setpgid, chmod...). No event here matches a rule except rare ones.
fn mix() -> Vec<Vec<u8>> {
    let files = [
        "/usr/lib/x86_64-linux-gnu/libc.so.6",
        "/etc/ld.so.cache",
        "/srv/app/index.js",
        "/srv/app/node_modules/express/lib/router/index.js",
        "/tmp/upload-3f2a.json",
        "/proc/self/status",
        "/etc/hosts",
        "/var/log/app/access.log",
    ];
    let progs: [(&str, &[&str]); 5] = [
        ("/usr/bin/node", &["node", "server.js"]),
        ("/usr/bin/python3", &["python3", "-m", "http.server"]),
        ("/usr/bin/ls", &["ls", "-la", "/srv/app"]),
        ("/usr/bin/curl", &["curl", "-s", "http://10.0.0.2/health"]),
        ("/usr/bin/git", &["git", "status"]),
    ];
    let mut out = Vec::new();
    for block in 0..20u32 {
        let pid = 1000 + (block % 5);
        let (exe, argv) = progs[(block % 5) as usize];
        out.push(exec(pid, exe, argv));
        for i in 0..35usize {
            let flags = if i % 7 == 0 { 0o1101 } else { 0 };
            out.push(open(
                pid,
                files[(i + block as usize) % files.len()],
                flags,
                3 + (i % 4) as i64,
            ));
        }
        for i in 0..5u16 {
            out.push(
                RecordBuilder::syscall("socket", BOOT, pid, pid)
                    .arg(0, 2)
                    .arg(1, 1)
                    .arg(2, 6)
                    .res(8)
                    .build(),
            );
            out.push(
                RecordBuilder::syscall("connect", BOOT, pid, pid)
                    .arg(0, 8)
                    .sockaddr(Ipv4Addr::new(10, 0, 3, 7).into(), 5432 + i)
                    .tuple(&Tuple {
                        family: 2,
                        sock_type: 1,
                        proto: 6,
                        local: (Ipv4Addr::new(10, 0, 0, 5).into(), 41000 + i),
                        remote: (Ipv4Addr::new(10, 0, 3, 7).into(), 5432 + i),
                    })
                    .res(0)
                    .build(),
            );
        }
        for i in 0..25u64 {
            out.push(fd_call("close", pid, 3 + i % 6, 0));
        }
        for i in 0..25u64 {
            out.push(match i % 6 {
                0 => fd_call("sendto", pid, 8, 120),
                1 => fd_call("fcntl", pid, 3, 0),
                2 => RecordBuilder::syscall("dup2", BOOT, pid, pid)
                    .arg(0, 3)
                    .arg(1, 9)
                    .res(9)
                    .build(),
                3 => RecordBuilder::syscall("kill", BOOT, pid, pid)
                    .arg(0, 1)
                    .arg(1, 0)
                    .res(0)
                    .build(),
                4 => RecordBuilder::syscall("setpgid", BOOT, pid, pid)
                    .arg(0, 0)
                    .arg(1, 0)
                    .res(0)
                    .build(),
                _ => RecordBuilder::syscall("chmod", BOOT, pid, pid)
                    .str_arg(0, "/tmp/upload-3f2a.json")
                    .arg(1, 0o644)
                    .res(0)
                    .build(),
            });
        }
    }
    out
}

fn run(tracker: &mut Tracker, rs: Option<&Ruleset>, recs: &[Vec<u8>], host: &Host, scratch: &mut Scratch) -> usize {
    let mut hits = Vec::new();
    let mut n = 0;
    for r in recs {
        let Ok(ev) = Event::decode(r) else { continue };
        let en = tracker.apply(&ev);
        if let Some(rs) = rs {
            rs.evaluate(&EventFields::new(&en, host, None), scratch, &mut hits);
            n += hits.len();
        } else {
            n += usize::from(black_box(&en).process.is_some());
        }
    }
    n
}

fn bench(c: &mut Criterion) {
    let recs = mix();
    let host = Host {
        hostname: Some("node-1".into()),
        boot_epoch_ns: Some(1_700_000_000_000_000_000),
    };
    let written = rules();
    let (ours, diags) = Ruleset::compile(&loaded(&written), &RulesetConfig::default());
    let errors: Vec<_> = diags.iter().filter(|d| d.severity == Severity::Error).collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(ours.rules().len(), written.len());
    let defaults = vigil_rules::load_sources(&vigil_rules::defaults::default_rules());
    let (defaults, diags) = Ruleset::compile(&defaults, &RulesetConfig::default());
    assert!(!diags.iter().any(|d| d.severity == Severity::Error), "{diags:?}");
    let mut rulesets = vec![
        ("bench rules (42)".to_string(), ours),
        ("Vigil's default rules".to_string(), defaults),
    ];
    if let Some((name, rs)) = falco_rules() {
        rulesets.push((name, rs));
    }

    let mut g = c.benchmark_group("ruleset");
    g.throughput(Throughput::Elements(recs.len() as u64));
    let mut tracker = Tracker::new(TrackerConfig::default());
    let mut scratch = Scratch::new();
    g.bench_function("decode + state only", |b| {
        b.iter(|| run(&mut tracker, None, &recs, &host, &mut scratch))
    });
    for (name, rs) in &rulesets {
        let hits = run(&mut tracker, Some(rs), &recs, &host, &mut scratch);
        eprintln!(
            "{name}: {} enabled rules, {hits} alerts per {} events",
            rs.rules().iter().filter(|r| r.enabled).count(),
            recs.len()
        );
        g.bench_function(format!("decode + state + {name}"), |b| {
            b.iter(|| run(&mut tracker, Some(rs), &recs, &host, &mut scratch))
        });
    }
    let (all, _) = Ruleset::compile(
        &loaded(&written),
        &RulesetConfig {
            mode: MatchMode::All,
            ..Default::default()
        },
    );
    g.bench_function("decode + state + bench rules, mode all", |b| {
        b.iter(|| run(&mut tracker, Some(&all), &recs, &host, &mut scratch))
    });
    g.finish();

    // Loading and compiling Falco's three published files (issue target: under 100 ms).
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/falco-rules");
    let files: Vec<_> = [
        "falco_rules.yaml",
        "falco-incubating_rules.yaml",
        "falco-sandbox_rules.yaml",
    ]
    .iter()
    .map(|f| dir.join(f))
    .collect();
    if files.iter().all(|f| f.exists()) {
        let paths: Vec<&std::path::Path> = files.iter().map(|p| p.as_path()).collect();
        let mut g = c.benchmark_group("compile");
        g.sample_size(20);
        g.bench_function("load + compile falco stable, incubating and sandbox", |b| {
            b.iter(|| {
                let loaded = vigil_rules::load_files(&paths);
                Ruleset::compile(&loaded, &RulesetConfig::default())
            })
        });
        g.finish();
    } else {
        eprintln!("compile of Falco's three files: skipped ({} not found)", dir.display());
    }
}

/// falco_rules.yaml through the loader, when ../shared has it (the bench runs without it).
fn falco_rules() -> Option<(String, Ruleset)> {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/falco-rules/falco_rules.yaml");
    if !path.exists() {
        eprintln!("falco_rules.yaml: skipped ({} not found)", path.display());
        return None;
    }
    let start = std::time::Instant::now();
    let loaded = vigil_rules::load_files(&[&path]);
    let (rs, diags) = Ruleset::compile(&loaded, &RulesetConfig::default());
    eprintln!(
        "falco_rules.yaml: {} rules loaded and compiled in {:.1} ms; {} loader and {} ruleset diagnostics ({} errors)",
        rs.rules().len(),
        start.elapsed().as_secs_f64() * 1000.0,
        loaded.diagnostics.len(),
        diags.len(),
        loaded.errors().count() + diags.iter().filter(|d| d.severity == Severity::Error).count()
    );
    for d in &diags {
        eprintln!("  {d}");
    }
    Some(("falco_rules.yaml".to_string(), rs))
}

criterion_group!(benches, bench);
criterion_main!(benches);
