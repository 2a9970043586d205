//! The binary classifiers through the real pipeline: small files holding byte excerpts copied
//! from real builds (so these tests stand alone), the real programs of this machine when they
//! are installed (each compared with what the program says of itself), and the registry
//! dropping a classified binary that an OS package owns.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use vigil_catalog::{BinaryClassifierCataloger, Catalog, Cataloger, Catalogers, Files, Found, Scope, Select};
use vigil_types::{Location, Package, PackageType, Purl};

fn scan(root: &Path, list: Vec<Box<dyn Cataloger>>) -> Catalog {
    let cats = Catalogers::new(list);
    let image = vigil_image::open(
        &vigil_image::SourceSpec::Dir(root.to_path_buf()),
        &vigil_image::Options::default(),
        &cats,
    )
    .expect("open rootfs");
    cats.run(&image.tree, Scope::Image)
}

fn put(root: &Path, rel: &str, data: &[u8]) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    // A plausible binary: an ELF magic, some code-like filler, then the excerpt.
    let mut bytes = b"\x7fELF\x02\x01\x01\0".to_vec();
    bytes.extend(std::iter::repeat_n(0x90u8, 2048));
    bytes.extend_from_slice(data);
    bytes.extend(std::iter::repeat_n(0u8, 512));
    std::fs::write(&p, bytes).expect("write");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// Byte excerpts around the version strings of real builds (Debian 12 packages unless noted).
const EXCERPTS: &[(&str, &[u8], &str)] = &[
    // /usr/bin/python3.11 (python3.11-minimal 3.11.2-6): PY_VERSION as its own string.
    (
        "usr/local/bin/python3.11",
        b"pymalloc\x00pymalloc_debug\x003.11.2\x00strict\x00<prefix>/lib/pyt",
        "pkg:generic/python@3.11.2",
    ),
    // pyenv's libpython3.11.so.1.0 (3.11.7, optimised): the release only in build paths.
    (
        "usr/local/lib/libpython3.11.so.1.0",
        b"IBC_2.9\x00/root/.pyenv/versions/3.11.7/lib\x00\x00\x00\x00\x02\x00ild.20260509073455.222/Python-3.11.7\x00./Modules/getbuildinfo.c\x00",
        "pkg:generic/python@3.11.7",
    ),
    // /usr/bin/node (nodejs 20.20.2).
    (
        "usr/local/bin/node",
        b"node.js instance\x00[ \x00]\n\n\x00/json\x00node.js/v20.20.2\x00(delegate_) != nullptr\x00",
        "pkg:generic/node@20.20.2",
    ),
    // /usr/sbin/nginx (nginx-light 1.22.1): the OpenSSL it was built with is not an OpenSSL.
    (
        "usr/sbin/nginx",
        b"d option: \"%c\"\x00nginx version: nginx/1.22.1\n\x00OpenSSL 3.0.22 25 Aug 2026\x00)\n\x00TLS",
        "pkg:generic/nginx@1.22.1",
    ),
    // /usr/bin/redis-check-rdb (redis-tools 7.0.15; Debian's redis-server links to it).
    (
        "usr/local/bin/redis-server",
        b"payload %5u\n\x00\x00\x00\x00\x00\x00ziplistGet(p, &value, &vlen, &vlval)\x00\x00\x00\x00\x0b\x00\x00\x00\n\x00\x00\x00\x00\x00\xc0\xff\xff\xff\xdfA7.0.151790282056000000000\x00%llx\x00networking.c\x00",
        "pkg:generic/redis@7.0.15",
    ),
    // /usr/lib/x86_64-linux-gnu/libcrypto.so.3 (libssl3 3.0.19).
    (
        "usr/local/ssl/lib64/libcrypto.so.3",
        b"\x80\x03\x80\x03@\x00OpenSSL 3.0.19 27 Jan 2026\x003.0.19\x00not available\x00",
        "pkg:generic/openssl@3.0.19",
    ),
    // /bin/busybox (busybox-static 1:1.35.0-4+deb12u1+b1).
    (
        "bin/busybox",
        b"valid date '%s'\x00out of memory\x00BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1)\x00/d",
        "pkg:generic/busybox@1.35.0",
    ),
    // /usr/lib/postgresql/15/bin/postgres (postgresql-15 15.20-0+deb12u1).
    (
        "usr/local/pgsql/bin/postgres",
        b"sql-bugs@lists.postgresql.org\x00postgres (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n\x00\x00\x00\"root\"",
        "pkg:generic/postgresql@15.20",
    ),
];

#[test]
fn classifies_each_program_from_its_version_string() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (rel, bytes, _) in EXCERPTS {
        put(dir.path(), rel, bytes);
    }
    // Named like a program but without its version string; and a version string under
    // another name: neither is classified.
    put(dir.path(), "usr/bin/node", b"#!/bin/sh\nexec nodejs \"$@\"\n");
    put(
        dir.path(),
        "usr/bin/not-python",
        b"pymalloc_debug\x003.11.2\x00strict\x00",
    );
    let cat = scan(dir.path(), vec![Box::new(BinaryClassifierCataloger)]);
    assert!(cat.unknowns.is_empty(), "{:?}", cat.unknowns);
    let mut got: Vec<(String, String)> = cat
        .packages
        .iter()
        .map(|p| (p.locations[0].path.clone(), p.purl.to_string()))
        .collect();
    got.sort();
    let mut want: Vec<(String, String)> = EXCERPTS
        .iter()
        .map(|(rel, _, purl)| (format!("/{rel}"), purl.to_string()))
        .collect();
    want.sort();
    assert_eq!(got, want);
    for p in &cat.packages {
        assert_eq!(p.ty, PackageType::Binary);
        assert_eq!(p.found_by, "binary-classifier-cataloger");
        assert!(p
            .metadata
            .get("class")
            .is_some_and(|c| c.ends_with("-binary") || c.ends_with("-binary-lib")));
    }
    let py = cat
        .packages
        .iter()
        .find(|p| p.locations[0].path.ends_with("libpython3.11.so.1.0"))
        .expect("libpython");
    assert_eq!((py.name.as_str(), py.version.as_str()), ("python", "3.11.7"));
    assert_eq!(py.metadata["class"], "python-binary-lib");
}

/// A stand-in for the dpkg cataloger: reports one package owning `/usr/bin/python3.11`.
struct FakeDpkg;

impl Cataloger for FakeDpkg {
    fn name(&self) -> &'static str {
        "fake-dpkg"
    }
    fn select(&self, _: &str, _: u32, _: u64) -> Select {
        Select::Skip
    }
    fn catalog(&self, _: &Files<'_>, out: &mut Found) {
        let purl = Purl::new("deb", "python3.11-minimal", "3.11.2-6").namespace("debian");
        let loc = Location::new("/var/lib/dpkg/status", None);
        let mut p = Package::new(
            PackageType::Deb,
            "python3.11-minimal",
            "3.11.2-6",
            purl,
            loc,
            "fake-dpkg",
        );
        p.files = vec!["/usr/bin/python3.11".to_string()];
        out.push(p);
    }
}

#[test]
fn a_binary_owned_by_an_os_package_is_dropped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_, py, _) = EXCERPTS[0];
    put(dir.path(), "usr/bin/python3.11", py);
    put(dir.path(), "usr/local/bin/python3.11", py);

    let alone = scan(dir.path(), vec![Box::new(BinaryClassifierCataloger)]);
    assert_eq!(alone.packages.len(), 2);

    let both = scan(
        dir.path(),
        vec![Box::new(FakeDpkg), Box::new(BinaryClassifierCataloger)],
    );
    let got: Vec<(PackageType, &str, &str)> = both
        .packages
        .iter()
        .map(|p| (p.ty, p.name.as_str(), p.locations[0].path.as_str()))
        .collect();
    // The owned copy is the deb's; the copy in /usr/local is nobody's and stays.
    assert_eq!(
        got,
        vec![
            (PackageType::Deb, "python3.11-minimal", "/var/lib/dpkg/status"),
            (PackageType::Binary, "python", "/usr/local/bin/python3.11"),
        ]
    );
}

/// Runs `cmd args` and returns its stdout and stderr together.
fn run(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    Some(format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}

/// The version token after `marker` in `text`.
fn token_after(text: &str, marker: &str) -> Option<String> {
    let rest = &text[text.find(marker)? + marker.len()..];
    let v: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    (!v.is_empty()).then_some(v)
}

/// Real programs of this machine: (file, where to put it in the rootfs, its own version report).
fn real_programs() -> Vec<(String, String, Option<String>)> {
    let mut v = vec![
        (
            "/usr/bin/python3.11".to_string(),
            "usr/local/bin/python3.11".to_string(),
            run(
                "/usr/bin/python3.11",
                &["-c", "import platform; print(platform.python_version(), end='')"],
            ),
        ),
        (
            "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0".to_string(),
            "usr/local/lib/libpython3.11.so.1.0".to_string(),
            run(
                "/usr/bin/python3.11",
                &["-c", "import platform; print(platform.python_version(), end='')"],
            ),
        ),
        (
            "/usr/bin/node".into(),
            "usr/local/bin/node".into(),
            run("/usr/bin/node", &["--version"]).and_then(|t| token_after(&t, "v")),
        ),
        (
            "/bin/busybox".into(),
            "bin/busybox".into(),
            run("/bin/busybox", &[]).and_then(|t| token_after(&t, "BusyBox v")),
        ),
        (
            "/usr/sbin/nginx".into(),
            "usr/sbin/nginx".into(),
            run("/usr/sbin/nginx", &["-v"]).and_then(|t| token_after(&t, "nginx/")),
        ),
        (
            "/usr/bin/openssl".into(),
            "usr/local/bin/openssl".into(),
            run("/usr/bin/openssl", &["version"]).and_then(|t| token_after(&t, "OpenSSL ")),
        ),
        (
            "/usr/lib/x86_64-linux-gnu/libcrypto.so.3".into(),
            "usr/local/lib/libcrypto.so.3".into(),
            run("/usr/bin/openssl", &["version"])
                .and_then(|t| token_after(&t, "Library: OpenSSL ").or_else(|| token_after(&t, "OpenSSL "))),
        ),
        (
            "/usr/lib/postgresql/15/bin/postgres".into(),
            "usr/local/bin/postgres".into(),
            run("/usr/lib/postgresql/15/bin/postgres", &["--version"]).and_then(|t| token_after(&t, "(PostgreSQL) ")),
        ),
        (
            "/usr/bin/redis-check-rdb".into(),
            "usr/local/bin/redis-server".into(),
            run("/usr/bin/redis-cli", &["--version"]).and_then(|t| token_after(&t, "redis-cli ")),
        ),
    ];
    // pyenv's Pythons, when present: optimised builds that keep no PY_VERSION string.
    if let Ok(rd) = std::fs::read_dir("/root/.pyenv/versions") {
        for e in rd.flatten() {
            let base = e.path();
            let Ok(libs) = std::fs::read_dir(base.join("lib")) else {
                continue;
            };
            for lib in libs.flatten() {
                let name = lib.file_name().to_string_lossy().to_string();
                if name.starts_with("libpython") && name.ends_with(".so.1.0") {
                    let exe = base.join("bin/python");
                    let ver = run(
                        &exe.to_string_lossy(),
                        &["-c", "import platform; print(platform.python_version())"],
                    )
                    .map(|s| s.trim().to_string());
                    v.push((lib.path().to_string_lossy().to_string(), format!("opt/py/{name}"), ver));
                }
            }
        }
    }
    v
}

#[test]
fn classifies_the_real_programs_here() {
    let mut checked = 0;
    for (src, rel, want) in real_programs() {
        let src = Path::new(&src);
        let (Ok(real), Some(want)) = (src.canonicalize(), want) else {
            eprintln!(
                "note: {} is not here (or did not report its version); skipped",
                src.display()
            );
            continue;
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let dest = dir.path().join(&rel);
        std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
        if std::fs::hard_link(&real, &dest).is_err() {
            std::fs::copy(&real, &dest).expect("copy");
        }
        let cat = scan(dir.path(), vec![Box::new(BinaryClassifierCataloger)]);
        let got: Vec<&str> = cat.packages.iter().map(|p| p.version.as_str()).collect();
        assert_eq!(got, vec![want.as_str()], "{}", src.display());
        eprintln!("{}: {} {}", src.display(), cat.packages[0].name, want);
        checked += 1;
    }
    eprintln!("classified {checked} real programs");
}
