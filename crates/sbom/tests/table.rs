//! Snapshots of the table for people.

mod common;

use vigil_sbom::{Format, Sbom};
use vigil_types::{Location, Package, PackageType, Purl, SourceInfo, Unknown};

use common::{encode_to_string, sample_sbom};

fn table(sbom: &Sbom) -> String {
    encode_to_string(sbom, Format::Table)
}

fn empty() -> Sbom {
    Sbom::new_at(SourceInfo::default(), "2024-05-01T12:00:00Z")
}

#[test]
fn image_table() {
    // Sorted by name, aligned, no trailing spaces; "six" found twice is one row but two packages.
    let want = "\
NAME                         VERSION           TYPE
@babel/helper-string-parser  7.24.1            npm
bash                         5.2.15-2+b8       deb
commons-cli                  1.5.0             java-archive
github.com/spf13/cobra       v1.8.0            go-module
libc6                        2.36-9+deb12u14   deb
lodash                       4.17.21           npm
openssl                      3.0.19-1~deb12u2  deb
requests                     2.31.0            python
six                          1.16.0            python
stdlib                       go1.19.8          go-module
type-fest                    0.20.2            npm
tzdata                       2025b-0+deb12u2   deb
zlib1g                       1:1.2.13.dfsg-1   deb

14 packages: 5 deb, 3 npm, 3 python, 2 go-module, 1 java-archive
2 files could not be read; run with `-o vigil-json` for details
";
    assert_eq!(table(&sample_sbom()), want);
}

#[test]
fn empty_table() {
    assert_eq!(table(&empty()), "No packages discovered\n");
    let mut s = empty();
    s.unknowns.push(Unknown {
        path: "/var/lib/dpkg/status".to_string(),
        layer: None,
        found_by: "dpkg-cataloger".to_string(),
        reason: "line 3: field without a package".to_string(),
    });
    assert_eq!(
        table(&s),
        "No packages discovered\n1 file could not be read; run with `-o vigil-json` for details\n"
    );
}

#[test]
fn one_package_and_hostile_names() {
    let mut s = empty();
    let loc = || Location::new("/var/lib/dpkg/status", None);
    s.packages.push(Package::new(
        PackageType::Deb,
        "zz",
        "1.0",
        Purl::new("deb", "zz", "1.0"),
        loc(),
        "dpkg-cataloger",
    ));
    assert_eq!(
        table(&s),
        "NAME  VERSION  TYPE\nzz    1.0      deb\n\n1 package: 1 deb\n"
    );
    s.packages.push(Package::new(
        PackageType::Binary,
        "evil\nname",
        "1\t2",
        Purl::new("generic", "evil", "1"),
        loc(),
        "binary-cataloger",
    ));
    let want = "\
NAME        VERSION  TYPE
evil\\nname  1\\t2     binary
zz          1.0      deb

2 packages: 1 binary, 1 deb
";
    assert_eq!(table(&s), want);
}
