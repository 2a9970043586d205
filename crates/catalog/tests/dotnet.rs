//! The .NET cataloger through the real pipeline: the deps.json the .NET SDK wrote for
//! pythonnet's Python.Runtime (shipped in its PyPI wheel), a hand-written self-contained app's
//! deps.json with a project reference and a runtime pack, and one without libraries.

use std::path::{Path, PathBuf};

use vigil_catalog::dotnet::DotnetDepsCataloger;
use vigil_catalog::{Catalog, Catalogers, Scope};
use vigil_types::PackageType;

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dotnet/rootfs")
}

fn scan() -> Catalog {
    let cats = Catalogers::new(vec![Box::new(DotnetDepsCataloger)]);
    let image = vigil_image::open(
        &vigil_image::SourceSpec::Dir(fixture()),
        &vigil_image::Options::default(),
        &cats,
    )
    .expect("open fixture");
    cats.run(&image.tree, Scope::Image)
}

const PYNET: &str = "/usr/local/lib/python3.11/site-packages/pythonnet/runtime/Python.Runtime.deps.json";

#[test]
fn sdk_written_deps_json() {
    let c = scan();
    let mut got: Vec<String> = c
        .packages
        .iter()
        .filter(|p| p.locations[0].path == PYNET)
        .map(|p| p.purl.to_string())
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            "pkg:nuget/Microsoft.CSharp@4.7.0",
            "pkg:nuget/Microsoft.SourceLink.GitHub@10.0.401",
            "pkg:nuget/Python.Runtime@3.2.1",
            "pkg:nuget/System.Buffers@4.6.1",
            "pkg:nuget/System.IO.Hashing@10.0.12",
            "pkg:nuget/System.Memory@4.6.3",
            "pkg:nuget/System.Numerics.Vectors@4.6.1",
            "pkg:nuget/System.Reflection.Emit.ILGeneration@4.7.0",
            "pkg:nuget/System.Reflection.Emit@4.7.0",
            "pkg:nuget/System.Runtime.CompilerServices.Unsafe@6.1.2",
        ]
    );
    let csharp = c
        .packages
        .iter()
        .find(|p| p.name == "Microsoft.CSharp")
        .expect("Microsoft.CSharp");
    assert_eq!(csharp.ty, PackageType::Dotnet);
    assert_eq!(csharp.found_by, "dotnet-deps-cataloger");
    assert_eq!(
        csharp.metadata.get("sha512").map(String::as_str),
        Some("sha512-pTj+D3uJWyN3My70i2Hqo+OXixq3Os2D1nJ2x92FFo6sk8fYS1m1WLNTs0Dc1uPaViH0YvEEwvzddQ7y4rhXmA==")
    );
    assert_eq!(
        csharp.metadata.get("path").map(String::as_str),
        Some("microsoft.csharp/4.7.0")
    );
    let root = c
        .packages
        .iter()
        .find(|p| p.name == "Python.Runtime")
        .expect("root project");
    assert_eq!(root.metadata.get("type").map(String::as_str), Some("project"));
    assert_eq!(root.metadata.get("sha512"), None);
}

#[test]
fn app_project_but_not_its_project_references_or_runtime_pack() {
    let c = scan();
    let mut got: Vec<String> = c
        .packages
        .iter()
        .filter(|p| p.locations[0].path == "/app/WebApp.deps.json")
        .map(|p| p.purl.to_string())
        .collect();
    got.sort();
    assert_eq!(got, ["pkg:nuget/Newtonsoft.Json@13.0.3", "pkg:nuget/WebApp@2.4.0"]);
}

#[test]
fn deps_json_without_libraries_is_an_unknown() {
    let c = scan();
    assert_eq!(c.packages.len(), 12);
    assert_eq!(c.unknowns.len(), 1);
    assert_eq!(c.unknowns[0].path, "/opt/broken/Broken.deps.json");
    assert_eq!(c.unknowns[0].reason, "no \"libraries\" object");
    assert_eq!(c.unknowns[0].found_by, "dotnet-deps-cataloger");
}

#[test]
fn registered_in_the_default_set() {
    let names = vigil_catalog::Catalogers::default_set().names();
    assert!(names.contains(&"dotnet-deps-cataloger"), "{names:?}");
}
