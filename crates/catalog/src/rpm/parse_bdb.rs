//! rpm's Berkeley DB database, `/var/lib/rpm/Packages` (rpm before 4.16: CentOS/RHEL 7 and 8,
//! older Fedora, SLES 12): a BDB hash database whose keys are package numbers and whose values are
//! header blobs. Only what reading those blobs needs is implemented:
//!
//! - page 0, the hash metadata page: magic `0x061561` (its byte order gives the file's), version,
//!   page size, encryption, last page number;
//! - hash pages (`P_HASH` 13, and `P_HASH_UNSORTED` 2 of older versions): a 26-byte page header
//!   (entry count at 20, type at 25), then an array of 16-bit item offsets; items run key, data,
//!   key, data, and item `i` ends where item `i - 1` begins (the first at the page end);
//! - items: `H_KEYDATA` (1: the bytes follow the type byte) and `H_OFFPAGE` (3: the value lives
//!   in a chain of overflow pages, given by its first page number at 4 and total length at 8);
//! - overflow pages (`P_OVERFLOW` 7): the bytes after the page header, as many as the header's
//!   offset field says, continued on the page named by the header's next-page field.
//!
//! Every page is scanned in order (no bucket arithmetic), so free pages (type 0) are simply
//! skipped. Record 0, rpm's counter of the last package number, is not a package. Duplicate
//! items, which rpm never writes, are reported; encrypted databases are refused.

use std::collections::HashSet;

const HASH_MAGIC: u32 = 0x0006_1561;
const BTREE_MAGIC: u32 = 0x0005_3162;
const PAGE_HEADER: usize = 26;
const P_HASH_UNSORTED: u8 = 2;
const P_OVERFLOW: u8 = 7;
const P_HASHMETA: u8 = 8;
const P_HASH: u8 = 13;
const H_KEYDATA: u8 = 1;
const H_OFFPAGE: u8 = 3;
/// Largest header blob read from an overflow chain (rpm's own limit is 256 MiB of data store).
const MAX_BLOB: usize = 256 << 20;

/// Why a Berkeley DB file could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BdbError {
    #[error("file of {0} bytes is too short for a Berkeley DB metadata page")]
    TooShort(usize),
    #[error("Berkeley DB btree database, not the hash database rpm's Packages is")]
    Btree,
    #[error("not a Berkeley DB hash database (magic {0:#010x})")]
    BadMagic(u32),
    #[error("unsupported Berkeley DB hash version {0}")]
    Version(u32),
    #[error("page size {0} is not a power of two between 512 and 65536")]
    PageSize(u32),
    #[error("page 0 is of type {0}, not a hash metadata page")]
    NotMeta(u8),
    #[error("encrypted Berkeley DB databases are not supported")]
    Encrypted,
}

#[derive(Clone, Copy)]
struct Db<'a> {
    data: &'a [u8],
    page_size: usize,
    pages: usize,
    /// Pages the metadata says the file has (more than `pages` when it was cut short).
    declared: usize,
    big_endian: bool,
}

impl<'a> Db<'a> {
    fn u32_at(&self, b: &[u8], at: usize) -> Option<u32> {
        let s: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
        Some(if self.big_endian {
            u32::from_be_bytes(s)
        } else {
            u32::from_le_bytes(s)
        })
    }

    fn u16_at(&self, b: &[u8], at: usize) -> Option<u16> {
        let s: [u8; 2] = b.get(at..at + 2)?.try_into().ok()?;
        Some(if self.big_endian {
            u16::from_be_bytes(s)
        } else {
            u16::from_le_bytes(s)
        })
    }

    fn page(&self, n: usize) -> Option<&'a [u8]> {
        if n >= self.pages {
            return None;
        }
        self.data.get(n * self.page_size..(n + 1) * self.page_size)
    }
}

/// Calls `each` with every header blob of the database, or with why one record holds none.
pub fn read_bdb(data: &[u8], each: &mut dyn FnMut(super::Record<'_>)) -> Result<(), BdbError> {
    let db = open(data)?;
    if db.pages < db.declared {
        each(Err(format!(
            "the file is cut short: it holds {} of its {} pages, records on the missing pages are lost",
            db.pages, db.declared
        )));
    }
    let mut buf = Vec::new();
    let mut chains: HashSet<u32> = HashSet::new();
    for n in 1..db.pages {
        let Some(page) = db.page(n) else { break };
        let ty = page[25];
        if ty != P_HASH && ty != P_HASH_UNSORTED {
            continue;
        }
        let entries = db.u16_at(page, 20).unwrap_or(0) as usize;
        if PAGE_HEADER + entries * 2 > db.page_size {
            each(Err(format!("page {n}: {entries} items do not fit the page")));
            continue;
        }
        for i in (0..entries.saturating_sub(1)).step_by(2) {
            let record = (|| -> Result<bool, String> {
                let key = item(&db, page, entries, i)?;
                let value = item(&db, page, entries, i + 1)?;
                let key_number = match (key.first(), key.len()) {
                    (Some(&H_KEYDATA), 5) => db.u32_at(key, 1),
                    _ => None,
                };
                if key_number == Some(0) {
                    return Ok(false);
                }
                match value.first() {
                    Some(&H_KEYDATA) => {
                        buf.clear();
                        buf.extend_from_slice(&value[1..]);
                        Ok(true)
                    }
                    Some(&H_OFFPAGE) => {
                        let first = db.u32_at(value, 4).ok_or("short off-page item")?;
                        let len = db.u32_at(value, 8).ok_or("short off-page item")? as usize;
                        if !chains.insert(first) {
                            return Err(format!("overflow chain at page {first} is used twice"));
                        }
                        overflow(&db, first, len, &mut buf)?;
                        Ok(true)
                    }
                    Some(t) => Err(format!("item of type {t} (duplicates), which rpm never writes")),
                    None => Err("empty item".to_string()),
                }
            })();
            match record {
                Ok(true) => each(Ok(&buf)),
                Ok(false) => {}
                Err(e) => each(Err(format!("page {n}, item {i}: {e}"))),
            }
        }
    }
    Ok(())
}

/// Checks the metadata page and returns the geometry.
fn open(data: &[u8]) -> Result<Db<'_>, BdbError> {
    if data.len() < 512 {
        return Err(BdbError::TooShort(data.len()));
    }
    let magic_le = u32::from_le_bytes([data[12], data[13], data[14], data[15]]);
    let magic_be = u32::from_be_bytes([data[12], data[13], data[14], data[15]]);
    let big_endian = match (magic_le, magic_be) {
        (HASH_MAGIC, _) => false,
        (_, HASH_MAGIC) => true,
        (BTREE_MAGIC, _) | (_, BTREE_MAGIC) => return Err(BdbError::Btree),
        _ => return Err(BdbError::BadMagic(magic_le)),
    };
    let mut db = Db {
        data,
        page_size: 0,
        pages: 0,
        declared: 0,
        big_endian,
    };
    let version = db.u32_at(data, 16).unwrap_or(0);
    if !(7..=10).contains(&version) {
        return Err(BdbError::Version(version));
    }
    let page_size = db.u32_at(data, 20).unwrap_or(0);
    if !(512..=65536).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(BdbError::PageSize(page_size));
    }
    if data[24] != 0 {
        return Err(BdbError::Encrypted);
    }
    if data[25] != P_HASHMETA {
        return Err(BdbError::NotMeta(data[25]));
    }
    let last = db.u32_at(data, 32).unwrap_or(0) as usize;
    db.page_size = page_size as usize;
    db.declared = last.saturating_add(1);
    db.pages = (data.len() / db.page_size).min(db.declared);
    Ok(db)
}

/// Item `i` of a hash page, type byte first.
fn item<'a>(db: &Db<'a>, page: &'a [u8], entries: usize, i: usize) -> Result<&'a [u8], String> {
    let offset = |k: usize| db.u16_at(page, PAGE_HEADER + 2 * k).map(usize::from);
    let start = offset(i).ok_or("item offset past the page")?;
    let end = if i == 0 {
        db.page_size
    } else {
        offset(i - 1).ok_or("item offset past the page")?
    };
    if start < PAGE_HEADER + 2 * entries || start >= end || end > db.page_size {
        return Err(format!("item {i} spans {start}..{end}, outside the page's item area"));
    }
    Ok(&page[start..end])
}

/// Reads `len` bytes from the overflow chain starting at page `first` into `buf`.
fn overflow(db: &Db<'_>, first: u32, len: usize, buf: &mut Vec<u8>) -> Result<(), String> {
    if len > MAX_BLOB {
        return Err(format!("value of {len} bytes is past the cap of {MAX_BLOB}"));
    }
    if len > db.data.len() {
        return Err(format!("value of {len} bytes is larger than the file"));
    }
    buf.clear();
    buf.reserve(len);
    let mut n = first as usize;
    // A chain visits each page at most once: more hops than pages is a loop.
    for _ in 0..db.pages {
        let page = db
            .page(n)
            .ok_or_else(|| format!("overflow chain reaches page {n}, past the file"))?;
        if page[25] != P_OVERFLOW {
            return Err(format!("overflow chain reaches page {n} of type {}", page[25]));
        }
        let here = db.u16_at(page, 22).map(usize::from).unwrap_or(0);
        let bytes = page
            .get(PAGE_HEADER..PAGE_HEADER + here)
            .ok_or_else(|| format!("overflow page {n} claims {here} bytes"))?;
        if buf.len() + bytes.len() > len {
            return Err(format!(
                "overflow chain holds more than the {len} bytes its item claims"
            ));
        }
        buf.extend_from_slice(bytes);
        let next = db.u32_at(page, 16).unwrap_or(0) as usize;
        if next == 0 {
            return if buf.len() == len {
                Ok(())
            } else {
                Err(format!("overflow chain ends after {} of {len} bytes", buf.len()))
            };
        }
        n = next;
    }
    Err("overflow chain loops".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Made by Berkeley DB 5.3's db_load from the headers of a real rpmdb (1 KiB pages, so each
    /// header spans a chain of overflow pages), and read back by rpm's bdb_ro backend.
    const LE: &[u8] = include_bytes!("../../tests/fixtures/rpm/centos7/var/lib/rpm/Packages");
    /// The same, written big-endian (`db_lorder=4321`) with 512-byte pages.
    const BE: &[u8] = include_bytes!("../../tests/fixtures/rpm/bdb-bigendian/var/lib/rpm/Packages");

    fn collect(data: &[u8]) -> Result<(Vec<Vec<u8>>, Vec<String>), BdbError> {
        let (mut ok, mut bad) = (Vec::new(), Vec::new());
        read_bdb(data, &mut |r| match r {
            Ok(b) => ok.push(b.to_vec()),
            Err(e) => bad.push(e),
        })?;
        Ok((ok, bad))
    }

    fn names(blobs: &[Vec<u8>]) -> Vec<String> {
        let mut v: Vec<String> = blobs
            .iter()
            .map(|b| super::super::parse_header::parse_entry(b).expect("header").name)
            .collect();
        v.sort();
        v
    }

    #[test]
    fn reads_both_byte_orders() {
        for data in [LE, BE] {
            let (ok, bad) = collect(data).expect("bdb");
            assert!(bad.is_empty(), "{bad:?}");
            assert_eq!(names(&ok), vec!["epochal", "hello-vigil"]);
        }
    }

    #[test]
    fn rejects_what_is_not_a_hash_database() {
        assert_eq!(collect(&[0u8; 100]).err(), Some(BdbError::TooShort(100)));
        assert!(matches!(collect(&[0u8; 4096]).err(), Some(BdbError::BadMagic(0))));
        let mut btree = LE.to_vec();
        btree[12..16].copy_from_slice(&BTREE_MAGIC.to_le_bytes());
        assert_eq!(collect(&btree).err(), Some(BdbError::Btree));
        let mut enc = LE.to_vec();
        enc[24] = 1;
        assert_eq!(collect(&enc).err(), Some(BdbError::Encrypted));
        let mut ps = LE.to_vec();
        ps[20..24].copy_from_slice(&1000u32.to_le_bytes());
        assert_eq!(collect(&ps).err(), Some(BdbError::PageSize(1000)));
    }

    /// Page numbers of the overflow pages in the little-endian fixture.
    fn overflow_pages(data: &[u8]) -> Vec<usize> {
        (1..data.len() / 1024)
            .filter(|&n| data[n * 1024 + 25] == P_OVERFLOW)
            .collect()
    }

    #[test]
    fn truncated_files_and_broken_chains_are_reported_per_record() {
        let (ok, bad) = collect(&LE[..LE.len() - 1024]).expect("metadata still fine");
        assert_eq!(ok.len(), 1);
        assert_eq!(bad.len(), 2);
        assert!(bad[0].contains("holds 7 of its 8 pages"), "{bad:?}");
        assert!(bad[1].contains("past the file"), "{bad:?}");

        // An overflow page that points back at itself.
        let mut looped = LE.to_vec();
        let p = overflow_pages(LE)[0];
        looped[p * 1024 + 16..p * 1024 + 20].copy_from_slice(&(p as u32).to_le_bytes());
        let (_, bad) = collect(&looped).expect("bdb");
        assert!(
            bad.iter().any(|e| e.contains("more than") || e.contains("loops")),
            "{bad:?}"
        );
    }

    #[test]
    fn absurd_lengths_and_offsets_do_not_allocate() {
        let mut data = LE.to_vec();
        // Every off-page item claims 4 GiB.
        for n in 1..data.len() / 1024 {
            let page = n * 1024;
            if data[page + 25] != P_HASH {
                continue;
            }
            let entries = u16::from_le_bytes([data[page + 20], data[page + 21]]) as usize;
            for i in 0..entries {
                let at = u16::from_le_bytes([data[page + 26 + 2 * i], data[page + 27 + 2 * i]]) as usize;
                if data[page + at] == H_OFFPAGE {
                    data[page + at + 8..page + at + 12].copy_from_slice(&u32::MAX.to_le_bytes());
                }
            }
        }
        let (ok, bad) = collect(&data).expect("bdb");
        assert!(ok.is_empty());
        assert_eq!(bad.len(), 2, "{bad:?}");
        // An item offset array that claims more entries than the page holds.
        let mut data = LE.to_vec();
        let hash_page = (1..data.len() / 1024)
            .find(|&n| data[n * 1024 + 25] == P_HASH)
            .expect("hash page");
        data[hash_page * 1024 + 20..hash_page * 1024 + 22].copy_from_slice(&u16::MAX.to_le_bytes());
        let (_, bad) = collect(&data).expect("bdb");
        assert!(bad[0].contains("do not fit"), "{bad:?}");
    }
}
