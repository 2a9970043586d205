//! Layer provenance of language packages in a multi-layer image: each package's `layer` is the
//! layer that introduced its version, its location's layer the one that last wrote the file.
//! The image is a `docker save` archive built here from three layer tars.

use vigil_catalog::npm::NpmInstalledCataloger;
use vigil_catalog::python::PythonInstalledCataloger;
use vigil_catalog::{Catalogers, Scope};
use vigil_image::{open, Options, SourceSpec};
use vigil_types::Digest;

const SITE: &str = "usr/local/lib/python3.11/site-packages";

fn layer(files: &[(&str, &str)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, body) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(body.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, path, body.as_bytes()).expect("append");
    }
    b.into_inner().expect("layer tar")
}

fn metadata(name: &str, version: &str) -> String {
    format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nLicense: MIT\n")
}

#[test]
fn packages_know_the_layer_that_introduced_them() {
    let six_path = format!("{SITE}/six-1.16.0.dist-info/METADATA");
    let six = metadata("six", "1.16.0");
    // `pip install --force-reinstall` in a later layer rewrites the same version.
    let six_again = format!("{six}Summary: Python 2 and 3 compatibility utilities\n");
    let lodash = r#"{"name": "lodash", "version": "4.17.11", "license": "MIT"}"#;
    let minimist = r#"{"name": "minimist", "version": "1.2.0"}"#;
    // `npm install minimist@1.2.8` in a later layer upgrades it in place.
    let minimist_new = r#"{"name": "minimist", "version": "1.2.8"}"#;
    let layers = [
        layer(&[
            (six_path.as_str(), six.as_str()),
            ("srv/app/node_modules/lodash/package.json", lodash),
        ]),
        layer(&[
            (six_path.as_str(), six_again.as_str()),
            ("srv/app/node_modules/minimist/package.json", minimist),
        ]),
        layer(&[("srv/app/node_modules/minimist/package.json", minimist_new)]),
    ];
    let diff_ids: Vec<Digest> = layers.iter().map(|l| Digest::sha256_of(l)).collect();
    let config = serde_json::json!({
        "architecture": "amd64",
        "os": "linux",
        "config": {},
        "rootfs": {"type": "layers", "diff_ids": diff_ids.iter().map(|d| d.to_string()).collect::<Vec<_>>()},
    })
    .to_string();
    let manifest = serde_json::json!([{
        "Config": "config.json",
        "RepoTags": ["vigil/lang-layers:test"],
        "Layers": ["l0/layer.tar", "l1/layer.tar", "l2/layer.tar"],
    }])
    .to_string();

    let dir = tempfile::tempdir().expect("tempdir");
    let archive = dir.path().join("image.tar");
    let mut b = tar::Builder::new(std::fs::File::create(&archive).expect("create"));
    let mut add = |name: &str, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, name, data).expect("append");
    };
    add("manifest.json", manifest.as_bytes());
    add("config.json", config.as_bytes());
    for (i, l) in layers.iter().enumerate() {
        add(&format!("l{i}/layer.tar"), l);
    }
    b.finish().expect("finish");
    drop(b);

    let cats = Catalogers::new(vec![
        Box::new(PythonInstalledCataloger),
        Box::new(NpmInstalledCataloger),
    ]);
    let image = open(&SourceSpec::DockerArchive(archive), &Options::default(), &cats).expect("open archive");
    let c = cats.run(&image.tree, Scope::Image);
    assert!(c.unknowns.is_empty(), "{:?}", c.unknowns);
    let get = |name: &str| c.packages.iter().find(|p| p.name == name).expect(name);

    let six = get("six");
    assert_eq!(six.layer.as_ref(), Some(&diff_ids[0]), "introduced by the bottom layer");
    assert_eq!(
        six.locations[0].layer.as_ref(),
        Some(&diff_ids[1]),
        "last written by layer 1"
    );

    let lodash = get("lodash");
    assert_eq!(lodash.layer.as_ref(), Some(&diff_ids[0]));
    assert_eq!(lodash.locations[0].layer.as_ref(), Some(&diff_ids[0]));

    let minimist = get("minimist");
    assert_eq!(minimist.version, "1.2.8");
    assert_eq!(
        minimist.layer.as_ref(),
        Some(&diff_ids[2]),
        "the upgrade introduced 1.2.8"
    );
    assert_eq!(c.packages.len(), 3);
}
