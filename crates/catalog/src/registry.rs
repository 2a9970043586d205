//! The set of catalogers run on a source: one selector for the layer reader, one run over the tree.

use vigil_image::{FileTree, Select, Selector};
use vigil_types::{Distro, Package, PackageType, Unknown};

use crate::cx::{Files, Found, Scope};
use crate::{distro, Cataloger};

/// Everything the catalogers found in one source.
#[derive(Debug, Default)]
pub struct Catalog {
    pub distro: Option<Distro>,
    pub packages: Vec<Package>,
    pub unknowns: Vec<Unknown>,
}

/// The catalogers to run. Implements [`Selector`] for the layer reader.
pub struct Catalogers {
    list: Vec<Box<dyn Cataloger>>,
}

impl Catalogers {
    /// Every cataloger Vigil has.
    pub fn default_set() -> Catalogers {
        let list: Vec<Box<dyn Cataloger>> = vec![
            Box::new(crate::java::JavaArchiveCataloger::default()),
            Box::new(crate::ruby::GemspecCataloger),
            Box::new(crate::ruby::GemfileLockCataloger),
            Box::new(crate::php::ComposerInstalledCataloger),
            Box::new(crate::php::ComposerLockCataloger),
            Box::new(crate::dotnet::DotnetDepsCataloger),
        ];
        Catalogers { list }
    }

    /// A custom set (tests, or a user's `--catalogers` choice).
    pub fn new(list: Vec<Box<dyn Cataloger>>) -> Catalogers {
        Catalogers { list }
    }

    /// Names of the catalogers, in run order.
    pub fn names(&self) -> Vec<&'static str> {
        self.list.iter().map(|c| c.name()).collect()
    }

    fn combined(&self, path: &str, mode: u32, size: u64) -> Select {
        if distro::wants(path) {
            return Select::Keep;
        }
        let mut out = Select::Skip;
        for c in &self.list {
            match c.select(path, mode, size) {
                Select::Keep => return Select::Keep,
                Select::Extract => out = Select::Extract,
                Select::Skip => {}
            }
        }
        out
    }

    /// Runs every cataloger over `tree`, then settles overlaps: binaries owned by an OS package
    /// are dropped (the OS package already reports them), duplicates merged, order made stable.
    pub fn run(&self, tree: &FileTree, scope: Scope) -> Catalog {
        let distro = distro::detect(tree);
        let mut found = Found::default();
        let select_all = |p: &str, m: u32, s: u64| self.combined(p, m, s);
        for (slot, c) in self.list.iter().enumerate() {
            let files = Files {
                tree,
                distro: distro.as_ref(),
                scope,
                cataloger: c.as_ref(),
                slot: slot as u16,
                select_all: &select_all,
            };
            c.catalog(&files, &mut found);
        }
        let mut packages = found.packages;
        drop_owned_binaries(&mut packages);
        packages
            .sort_by(|a, b| (a.ty, &a.name, &a.version, &a.locations).cmp(&(b.ty, &b.name, &b.version, &b.locations)));
        packages.dedup_by(|a, b| a.id == b.id);
        Catalog {
            distro,
            packages,
            unknowns: found.unknowns,
        }
    }
}

/// Binary-classified packages whose file an OS package owns are the OS package's, reported once.
fn drop_owned_binaries(packages: &mut Vec<Package>) {
    let owned: std::collections::HashSet<&str> = packages
        .iter()
        .filter(|p| p.ty.is_os())
        .flat_map(|p| p.files.iter().map(String::as_str))
        .collect();
    if owned.is_empty() {
        return;
    }
    let drop: Vec<bool> = packages
        .iter()
        .map(|p| p.ty == PackageType::Binary && p.locations.iter().any(|l| owned.contains(l.path.as_str())))
        .collect();
    let mut i = 0;
    packages.retain(|_| {
        i += 1;
        !drop[i - 1]
    });
}

impl Selector for Catalogers {
    fn select(&self, path: &str, mode: u32, size: u64) -> Select {
        self.combined(path, mode, size)
    }

    /// Several catalogers may extract from the same file: each part is stored as
    /// `[slot: u16 LE][len: u32 LE][bytes]`.
    fn extract(&self, path: &str, mode: u32, data: &[u8]) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        for (slot, c) in self.list.iter().enumerate() {
            if c.select(path, mode, data.len() as u64) != Select::Extract {
                continue;
            }
            if let Some(part) = c.extract(path, data) {
                out.extend_from_slice(&(slot as u16).to_le_bytes());
                out.extend_from_slice(&(part.len() as u32).to_le_bytes());
                out.extend_from_slice(&part);
            }
        }
        (!out.is_empty()).then_some(out)
    }
}

/// The part of an extract envelope that belongs to `slot`.
pub(crate) fn envelope_part(env: &[u8], slot: u16) -> Option<&[u8]> {
    let mut rest = env;
    while rest.len() >= 6 {
        let s = u16::from_le_bytes([rest[0], rest[1]]);
        let len = u32::from_le_bytes([rest[2], rest[3], rest[4], rest[5]]) as usize;
        let body = rest.get(6..6 + len)?;
        if s == slot {
            return Some(body);
        }
        rest = &rest[6 + len..];
    }
    None
}
