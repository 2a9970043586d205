//! The Java archive cataloger through the real pipeline: fixture archives built with `jar`
//! (tests/fixtures/java/make.sh), and archives built here for the hostile cases.

use std::io::{Cursor, Write};
use std::path::Path;

use vigil_catalog::java::{Caps, JavaArchiveCataloger};
use vigil_catalog::{Catalog, Cataloger, Catalogers, Scope};
use vigil_types::{Package, PackageType};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

fn scan_with(root: &Path, cataloger: JavaArchiveCataloger) -> Catalog {
    let cats = Catalogers::new(vec![Box::new(cataloger)]);
    let image = vigil_image::open(
        &vigil_image::SourceSpec::Dir(root.to_path_buf()),
        &vigil_image::Options::default(),
        &cats,
    )
    .expect("open fixture");
    cats.run(&image.tree, Scope::Image)
}

fn scan(root: &Path) -> Catalog {
    scan_with(root, JavaArchiveCataloger::default())
}

fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/java/rootfs")
}

fn by_virtual_path<'a>(c: &'a Catalog, vp: &str) -> &'a Package {
    c.packages
        .iter()
        .find(|p| p.metadata.get("virtual_path").map(String::as_str) == Some(vp))
        .unwrap_or_else(|| panic!("no package at {vp}: {:#?}", c.packages))
}

fn meta<'a>(p: &'a Package, k: &str) -> Option<&'a str> {
    p.metadata.get(k).map(String::as_str)
}

/// An archive of `entries`, deflated.
fn jar(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, data) in entries {
        w.start_file(*name, opts).expect("start entry");
        w.write_all(data).expect("write entry");
    }
    w.finish().expect("finish zip").into_inner()
}

fn pom(g: &str, a: &str, v: &str) -> (String, Vec<u8>) {
    (
        format!("META-INF/maven/{g}/{a}/pom.properties"),
        format!("groupId={g}\nartifactId={a}\nversion={v}\n").into_bytes(),
    )
}

fn write(root: &Path, path: &str, data: &[u8]) {
    let full = root.join(path.trim_start_matches('/'));
    std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
    std::fs::write(full, data).expect("write");
}

#[test]
fn fat_jar_is_named_by_its_own_pom_not_the_shaded_one() {
    let c = scan(&fixture());
    let own = by_virtual_path(&c, "/opt/app/fat-app-2.0.0.jar");
    assert_eq!((own.name.as_str(), own.version.as_str()), ("fat-app", "2.0.0"));
    assert_eq!(own.purl.to_string(), "pkg:maven/org.example/fat-app@2.0.0");
    assert_eq!(own.ty, PackageType::JavaArchive);
    assert_eq!(meta(own, "group_id"), Some("org.example"));
    assert_eq!(meta(own, "artifact_id"), Some("fat-app"));
    assert_eq!(meta(own, "main_class"), Some("org.example.fat.Main"));
    assert_eq!(own.locations[0].path, "/opt/app/fat-app-2.0.0.jar");
    assert_eq!(own.locations[0].layer, None);
    assert_eq!(own.found_by, "java-archive-cataloger");

    let shaded = by_virtual_path(&c, "/opt/app/fat-app-2.0.0.jar:com.google.guava:guava");
    assert_eq!(shaded.purl.to_string(), "pkg:maven/com.google.guava/guava@31.1-jre");
    assert_eq!(shaded.locations[0].path, "/opt/app/fat-app-2.0.0.jar");
    assert_eq!(meta(shaded, "main_class"), None);
    let in_fat = c
        .packages
        .iter()
        .filter(|p| p.locations[0].path == "/opt/app/fat-app-2.0.0.jar")
        .count();
    assert_eq!(in_fat, 2);
}

#[test]
fn war_reports_itself_and_its_nested_jars() {
    let c = scan(&fixture());
    let war = by_virtual_path(&c, "/usr/local/tomcat/webapps/shop.war");
    assert_eq!(war.purl.to_string(), "pkg:maven/org.example/shop@1.0.0");

    let a = by_virtual_path(&c, "/usr/local/tomcat/webapps/shop.war:WEB-INF/lib/lib-a-1.0.1.jar");
    assert_eq!(a.purl.to_string(), "pkg:maven/org.example.libs/lib-a@1.0.1");
    assert_eq!(a.locations[0].path, "/usr/local/tomcat/webapps/shop.war");

    // No Maven metadata and no version in the file name: the manifest gives version and group.
    let b = by_virtual_path(&c, "/usr/local/tomcat/webapps/shop.war:WEB-INF/lib/lib-b.jar");
    assert_eq!((b.name.as_str(), b.version.as_str()), ("lib-b", "3.1"));
    assert_eq!(b.purl.to_string(), "pkg:maven/org.example.b/lib-b@3.1");
    assert_eq!(b.licenses, vec!["MIT", "Apache-2.0"]);
    assert_eq!(meta(b, "artifact_id"), None);
}

#[test]
fn ear_nests_a_war_nesting_jars() {
    let c = scan(&fixture());
    let ear = by_virtual_path(&c, "/opt/jboss/deployments/enterprise.ear");
    assert_eq!((ear.name.as_str(), ear.version.as_str()), ("enterprise", "7.2"));
    // No group anywhere: the name stands in, as Syft does.
    assert_eq!(ear.purl.to_string(), "pkg:maven/enterprise/enterprise@7.2");
    let war = by_virtual_path(&c, "/opt/jboss/deployments/enterprise.ear:shop.war");
    assert_eq!(war.purl.to_string(), "pkg:maven/org.example/shop@1.0.0");
    let deep = by_virtual_path(
        &c,
        "/opt/jboss/deployments/enterprise.ear:shop.war:WEB-INF/lib/lib-b.jar",
    );
    assert_eq!(deep.version, "3.1");
    let lib = by_virtual_path(&c, "/opt/jboss/deployments/enterprise.ear:lib/lib-a-1.0.1.jar");
    assert_eq!(lib.version, "1.0.1");
    let in_ear = c
        .packages
        .iter()
        .filter(|p| p.locations[0].path == "/opt/jboss/deployments/enterprise.ear")
        .count();
    assert_eq!(in_ear, 5, "{:#?}", c.packages);
}

#[test]
fn osgi_bundle_without_maven_metadata() {
    let c = scan(&fixture());
    let p = by_virtual_path(&c, "/usr/share/java/osgi-tool.jar");
    assert_eq!((p.name.as_str(), p.version.as_str()), ("osgi-tool", "5.1.0"));
    assert_eq!(p.purl.to_string(), "pkg:maven/org.example.osgi.tool/osgi-tool@5.1.0");
    assert_eq!(p.licenses, vec!["EPL-2.0"]);
}

#[test]
fn renamed_jars_are_named_by_their_only_pom() {
    let c = scan(&fixture());
    // Debian's real jar: a bare manifest, one pom.properties, a file name that is not the artifactId.
    let ep = by_virtual_path(&c, "/usr/share/java/error-prone-annotation.jar");
    assert_eq!(
        ep.purl.to_string(),
        "pkg:maven/com.google.errorprone/error_prone_annotation@2.18.0"
    );
    assert_eq!(meta(ep, "artifact_id"), Some("error_prone_annotation"));
    let core = by_virtual_path(&c, "/usr/share/java/maven3-core.jar");
    assert_eq!(core.purl.to_string(), "pkg:maven/org.apache.maven/maven-core@3.8.7");
    // Each reported once, not again as a package nested in itself.
    for path in [
        "/usr/share/java/error-prone-annotation.jar",
        "/usr/share/java/maven3-core.jar",
    ] {
        assert_eq!(
            c.packages.iter().filter(|p| p.locations[0].path == path).count(),
            1,
            "{path}"
        );
    }
}

#[test]
fn every_package_of_the_fixture_and_the_unreadable_file() {
    let c = scan(&fixture());
    assert_eq!(c.packages.len(), 13, "{:#?}", c.packages);
    let ids: std::collections::HashSet<&str> = c.packages.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids.len(), 13, "ids are distinct per virtual path");
    assert_eq!(c.unknowns.len(), 1, "{:?}", c.unknowns);
    let u = &c.unknowns[0];
    assert_eq!(u.path, "/opt/app/broken.jar");
    assert_eq!(u.found_by, "java-archive-cataloger");
    assert!(u.reason.starts_with("not a readable zip archive"), "{}", u.reason);
}

#[test]
fn nested_zip_bomb_hits_the_cap() {
    let dir = tempfile::tempdir().expect("tempdir");
    // 80 MiB of zeros deflate to ~80 KB: past the 64 MiB cap for one nested archive.
    let zeros = vec![0u8; 80 << 20];
    let (pp, pc) = pom("org.example", "bombed", "1.0");
    let outer = jar(&[(pp.as_str(), &pc), ("WEB-INF/lib/bomb.jar", &zeros)]);
    assert!(outer.len() < 1 << 20);
    write(dir.path(), "/app/bombed.war", &outer);
    let c = scan(dir.path());
    assert_eq!(c.packages.len(), 1);
    assert_eq!(c.packages[0].purl.to_string(), "pkg:maven/org.example/bombed@1.0");
    assert_eq!(c.unknowns.len(), 1, "{:?}", c.unknowns);
    assert_eq!(c.unknowns[0].path, "/app/bombed.war");
    assert_eq!(
        c.unknowns[0].reason,
        "WEB-INF/lib/bomb.jar: decompresses to more than 67108864 bytes; not read"
    );
}

#[test]
fn manifest_bomb_hits_the_cap() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut mf = b"Manifest-Version: 1.0\nImplementation-Version: 9\n".to_vec();
    mf.resize(3 << 20, b'A');
    write(dir.path(), "/app/mf-1.0.jar", &jar(&[("META-INF/MANIFEST.MF", &mf)]));
    let c = scan(dir.path());
    assert_eq!(c.packages.len(), 1);
    assert_eq!(c.packages[0].version, "1.0");
    assert_eq!(c.unknowns.len(), 1);
    assert_eq!(
        c.unknowns[0].reason,
        "META-INF/MANIFEST.MF: decompresses to more than 1048576 bytes; not read"
    );
}

#[test]
fn total_decompressed_bytes_are_capped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inner = jar(&[("data.bin", &vec![7u8; 1 << 20])]);
    let entries: Vec<(String, Vec<u8>)> = (0..10).map(|i| (format!("lib/l{i}-1.0.jar"), inner.clone())).collect();
    let refs: Vec<(&str, &[u8])> = entries.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
    write(dir.path(), "/app/many.ear", &jar(&refs));
    let caps = Caps {
        max_total_bytes: 4 * inner.len() as u64,
        ..Caps::default()
    };
    let c = scan_with(dir.path(), JavaArchiveCataloger::with_caps(caps));
    // The outer ear and the four nested jars that fit; then one unknown, and nothing more read.
    assert_eq!(c.packages.len(), 5, "{:#?}", c.packages);
    assert_eq!(c.unknowns.len(), 1, "{:?}", c.unknowns);
    assert!(
        c.unknowns[0]
            .reason
            .starts_with("lib/l4-1.0.jar: the archive decompresses to more than"),
        "{}",
        c.unknowns[0].reason
    );
}

#[test]
fn nesting_depth_is_capped() {
    let dir = tempfile::tempdir().expect("tempdir");
    // level-9 inside level-8 inside ... inside level-0: ten levels, each with its own pom.
    let mut data = Vec::new();
    for level in (0..10).rev() {
        let (pp, pc) = pom("org.example", &format!("level{level}"), &format!("{level}.0"));
        let mut entries: Vec<(&str, &[u8])> = vec![(pp.as_str(), &pc)];
        let name = format!("lib/level{}-{}.0.jar", level + 1, level + 1);
        if !data.is_empty() {
            entries.push((name.as_str(), &data));
        }
        data = jar(&entries);
    }
    write(dir.path(), "/app/level0-0.0.jar", &data);
    let c = scan(dir.path());
    let mut names: Vec<&str> = c.packages.iter().map(|p| p.name.as_str()).collect();
    names.sort();
    assert_eq!(names, ["level0", "level1", "level2", "level3", "level4"]);
    let deepest = by_virtual_path(
        &c,
        "/app/level0-0.0.jar:lib/level1-1.0.jar:lib/level2-2.0.jar:lib/level3-3.0.jar:lib/level4-4.0.jar",
    );
    assert_eq!(deepest.version, "4.0");
    assert_eq!(c.unknowns.len(), 1, "{:?}", c.unknowns);
    assert_eq!(
        c.unknowns[0].reason,
        "lib/level1-1.0.jar:lib/level2-2.0.jar:lib/level3-3.0.jar:lib/level4-4.0.jar:lib/level5-5.0.jar: nested more than 4 archives deep; not read"
    );
}

#[test]
fn number_of_nested_archives_is_capped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let inner = jar(&[("x.txt", b"x")]);
    let entries: Vec<(String, Vec<u8>)> = (0..30).map(|i| (format!("lib/n{i:02}-1.jar"), inner.clone())).collect();
    let refs: Vec<(&str, &[u8])> = entries.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
    write(dir.path(), "/app/wide.jar", &jar(&refs));
    let caps = Caps {
        max_archives: 20,
        ..Caps::default()
    };
    let c = scan_with(dir.path(), JavaArchiveCataloger::with_caps(caps));
    assert_eq!(c.packages.len(), 21);
    assert_eq!(c.unknowns.len(), 1);
    assert_eq!(
        c.unknowns[0].reason,
        "lib/n20-1.jar: more than 20 nested archives; this and the rest not read"
    );
}

#[test]
fn garbled_archives_never_panic() {
    let good = std::fs::read(fixture().join("usr/local/tomcat/webapps/shop.war")).expect("fixture");
    let cat = JavaArchiveCataloger::default();
    // Every prefix length in steps, and a byte flipped at every position: each gives a summary.
    for cut in (0..good.len()).step_by(7) {
        assert!(cat.extract("/x.war", &good[..cut]).is_some());
    }
    for at in 0..good.len() {
        let mut bad = good.clone();
        bad[at] ^= 0x5a;
        assert!(cat.extract("/x.war", &bad).is_some());
    }
    for garbage in [&b""[..], b"PK\x05\x06", b"PK\x03\x04\xff\xff\xff\xff", &[0xffu8; 4096]] {
        assert!(cat.extract("/x.jar", garbage).is_some());
    }
}

#[test]
fn garbage_file_becomes_an_unknown() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "/lib/empty.jar", b"");
    write(
        dir.path(),
        "/lib/random.war",
        &(0..5000u32).map(|i| (i * 7919 % 251) as u8).collect::<Vec<_>>(),
    );
    let c = scan(dir.path());
    assert!(c.packages.is_empty());
    let paths: Vec<&str> = c.unknowns.iter().map(|u| u.path.as_str()).collect();
    assert_eq!(paths, ["/lib/empty.jar", "/lib/random.war"]);
    assert!(c
        .unknowns
        .iter()
        .all(|u| u.reason.starts_with("not a readable zip archive")));
}

#[test]
fn registered_in_the_default_set() {
    let names = vigil_catalog::Catalogers::default_set().names();
    assert!(names.contains(&"java-archive-cataloger"), "{names:?}");
}
