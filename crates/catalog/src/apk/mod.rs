//! Alpine (and Wolfi, Chainguard) packages from apk's database, `/lib/apk/db/installed`.
//!
//! Each package gets its owned files from the `F:`/`R:` lines, its licences from `L:`, and the
//! layer that introduced it from the history of the database (see [`crate::introduced`]).

mod parse_installed;

use std::collections::HashSet;

use vigil_image::FileRef;
use vigil_types::{Package, PackageType, Purl};

use crate::introduced::introduced_layers;
use crate::{Cataloger, Files, Found, Select};
use parse_installed::{parse_installed, ApkEntry};

const FOUND_BY: &str = "apk-db-cataloger";
const INSTALLED: &str = "lib/apk/db/installed";

/// Finds packages in apk's database.
pub struct ApkCataloger;

impl Cataloger for ApkCataloger {
    fn name(&self) -> &'static str {
        FOUND_BY
    }

    fn select(&self, path: &str, _mode: u32, _size: u64) -> Select {
        if path.ends_with("/lib/apk/db/installed") {
            Select::Keep
        } else {
            Select::Skip
        }
    }

    fn catalog(&self, files: &Files<'_>, out: &mut Found) {
        for (f, data) in files.iter() {
            if f.path.strip_suffix(INSTALLED).is_some_and(|root| root.ends_with('/')) {
                catalog_db(files, &f, &data, out);
            }
        }
    }
}

fn catalog_db(files: &Files<'_>, f: &FileRef<'_>, data: &[u8], out: &mut Found) {
    let parsed = parse_installed(&String::from_utf8_lossy(data));
    if let Some(first) = parsed.errors.first() {
        let reason = if parsed.entries.is_empty() {
            format!("not an apk database: no package block could be read ({first})")
        } else {
            format!(
                "{} package block(s) could not be read and were skipped; first: {first}",
                parsed.errors.len()
            )
        };
        out.unknown(files, f, reason);
    }
    let layers = introduced_layers(files.history(f.path), keys);
    let location = files.location(f);
    for e in parsed.entries {
        let mut p = Package::new(
            PackageType::Apk,
            &e.name,
            &e.version,
            purl(files, &e),
            location.clone(),
            FOUND_BY,
        );
        if let Some(&layer) = layers.get(&key(&e)) {
            p.layer = files.tree().layer_digest(layer).cloned();
        }
        p.licenses = licenses(&e.license);
        p.set_meta("origin", &e.origin);
        p.set_meta("arch", &e.arch);
        p.set_meta("maintainer", &e.maintainer);
        p.set_meta("description", &e.description);
        p.set_meta("url", &e.url);
        p.set_meta("size", &e.size);
        p.set_meta("installed_size", &e.installed_size);
        p.set_meta("build_time", &e.build_time);
        p.set_meta("commit", &e.commit);
        p.files = e.files;
        out.push(p);
    }
}

fn key(e: &ApkEntry) -> String {
    format!("{}\0{}\0{}", e.name, e.arch, e.version)
}

fn keys(data: &[u8]) -> Option<HashSet<String>> {
    let parsed = parse_installed(&String::from_utf8_lossy(data));
    if parsed.entries.is_empty() && !parsed.errors.is_empty() {
        return None;
    }
    Some(parsed.entries.iter().map(key).collect())
}

/// The package URL as Syft writes it: `pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.1&upstream=musl`.
fn purl(files: &Files<'_>, e: &ApkEntry) -> Purl {
    let mut purl = Purl::new("apk", &e.name, &e.version)
        .qualifier("arch", &e.arch)
        .qualifier("upstream", &e.origin);
    if let Some(d) = files.distro() {
        purl = purl.namespace(&d.id).qualifier("distro", &d.purl_qualifier());
    }
    purl
}

/// `L:` is an SPDX expression in current packages (`MIT AND BSD-2-Clause`), kept whole; older
/// ones list licence names separated by spaces (`GPL2+ MIT`), split into names.
fn licenses(value: &str) -> Vec<String> {
    let value = value.trim();
    if value.is_empty() {
        return Vec::new();
    }
    let is_expression = value
        .split_whitespace()
        .any(|w| matches!(w, "AND" | "OR" | "WITH") || w.starts_with('(') || w.ends_with(')'));
    if is_expression {
        vec![value.to_string()]
    } else {
        let mut out: Vec<String> = value.split_whitespace().map(str::to_string).collect();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licences_keep_expressions_and_split_lists() {
        assert_eq!(licenses("MIT"), vec!["MIT"]);
        assert_eq!(
            licenses("BSD-2-Clause AND BSD-3-Clause"),
            vec!["BSD-2-Clause AND BSD-3-Clause"]
        );
        assert_eq!(
            licenses("(MIT OR Apache-2.0) AND Zlib"),
            vec!["(MIT OR Apache-2.0) AND Zlib"]
        );
        assert_eq!(licenses("GPL2+ MIT"), vec!["GPL2+", "MIT"]);
        assert!(licenses(" ").is_empty());
    }

    #[test]
    fn selects_the_database_only() {
        let c = ApkCataloger;
        assert_eq!(c.select("/lib/apk/db/installed", 0o644, 1), Select::Keep);
        assert_eq!(c.select("/lib/apk/db/installed.old", 0o644, 1), Select::Skip);
        assert_eq!(c.select("/lib/apk/db/scripts.tar", 0o644, 1), Select::Skip);
    }
}
