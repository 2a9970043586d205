//! rpm's ndb database, `Packages.db` (SUSE Linux Enterprise 15 and openSUSE before their move to
//! SQLite). All integers are little-endian:
//!
//! - a 32-byte header: magic `RpmP`, version 0, generation, number of slot pages, next package
//!   index;
//! - slot pages (4096 bytes each, the header occupying the first two slots) of 16-byte slots:
//!   magic `Slot`, package index (0 for a free slot), offset and length of its blob in 16-byte
//!   blocks;
//! - each blob: magic `BlbS`, package index, generation, length, then the header blob itself
//!   (and padding and a checksummed tail, which are not needed to read it).

const PAGE: usize = 4096;
const SLOT: usize = 16;
const BLOCK: usize = 16;
const BLOB_HEAD: usize = 16;
const MAGIC: u32 = u32::from_le_bytes(*b"RpmP");
const SLOT_MAGIC: u32 = u32::from_le_bytes(*b"Slot");
const BLOB_MAGIC: u32 = u32::from_le_bytes(*b"BlbS");

/// Why an ndb file could not be read at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NdbError {
    #[error("file of {0} bytes is too short for an ndb header")]
    TooShort(usize),
    #[error("not an ndb rpm database (magic {0:#010x})")]
    BadMagic(u32),
    #[error("unsupported ndb version {0}")]
    Version(u32),
    #[error("{pages} slot pages do not fit in a file of {len} bytes")]
    SlotPages { pages: u32, len: usize },
    #[error("slot {0} is corrupt (no slot magic)")]
    BadSlot(usize),
}

fn le32(b: &[u8], at: usize) -> Option<u32> {
    let s: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(s))
}

/// Calls `each` with every header blob of the database, or with why one slot holds none.
pub fn read_ndb(data: &[u8], each: &mut dyn FnMut(super::Record<'_>)) -> Result<(), NdbError> {
    let (Some(magic), Some(version), Some(pages)) = (le32(data, 0), le32(data, 4), le32(data, 12)) else {
        return Err(NdbError::TooShort(data.len()));
    };
    if magic != MAGIC {
        return Err(NdbError::BadMagic(magic));
    }
    if version != 0 {
        return Err(NdbError::Version(version));
    }
    let slots_end = (pages as usize)
        .checked_mul(PAGE)
        .filter(|&end| pages > 0 && end <= data.len())
        .ok_or(NdbError::SlotPages { pages, len: data.len() })?;
    // Blob block ranges already claimed, to refuse slots that share blocks.
    let mut claimed: Vec<(usize, usize)> = Vec::new();
    for (i, at) in (32..slots_end).step_by(SLOT).enumerate() {
        let slot = i + 2;
        let field = |k: usize| le32(data, at + 4 * k).unwrap_or(0);
        if field(0) != SLOT_MAGIC {
            return Err(NdbError::BadSlot(slot));
        }
        let (index, offset, count) = (field(1), field(2) as usize, field(3) as usize);
        if index == 0 {
            continue;
        }
        match blob(data, slots_end, index, offset, count, &mut claimed) {
            Ok(b) => each(Ok(b)),
            Err(e) => each(Err(format!("slot {slot} (package {index}): {e}"))),
        }
    }
    Ok(())
}

fn blob<'a>(
    data: &'a [u8],
    slots_end: usize,
    index: u32,
    offset: usize,
    count: usize,
    claimed: &mut Vec<(usize, usize)>,
) -> Result<&'a [u8], String> {
    let start = offset.checked_mul(BLOCK).ok_or("block offset overflows")?;
    let end = count
        .checked_mul(BLOCK)
        .and_then(|n| n.checked_add(start))
        .ok_or("block count overflows")?;
    if start < slots_end || end > data.len() || end < start + BLOB_HEAD {
        return Err(format!("blocks {offset}+{count} lie outside the blob area"));
    }
    if claimed.iter().any(|&(s, e)| start < e && s < end) {
        return Err("blocks overlap another slot's".to_string());
    }
    claimed.push((start, end));
    let head = |k: usize| le32(data, start + 4 * k).unwrap_or(0);
    if head(0) != BLOB_MAGIC {
        return Err("no blob magic at its blocks".to_string());
    }
    if head(1) != index {
        return Err(format!("blob belongs to package {}", head(1)));
    }
    let len = head(3) as usize;
    let body = start + BLOB_HEAD;
    if len > end - body {
        return Err(format!("blob of {len} bytes does not fit its {count} blocks"));
    }
    Ok(&data[body..body + len])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Laid out by tests/fixtures/rpm/make_ndb.py from the headers of a real rpmdb.sqlite.
    const NDB: &[u8] = include_bytes!("../../tests/fixtures/rpm/sles15/var/lib/rpm/Packages.db");

    fn collect(data: &[u8]) -> Result<(Vec<Vec<u8>>, Vec<String>), NdbError> {
        let (mut ok, mut bad) = (Vec::new(), Vec::new());
        read_ndb(data, &mut |r| match r {
            Ok(b) => ok.push(b.to_vec()),
            Err(e) => bad.push(e),
        })?;
        Ok((ok, bad))
    }

    #[test]
    fn reads_the_blobs() {
        let (ok, bad) = collect(NDB).expect("ndb");
        assert!(bad.is_empty(), "{bad:?}");
        let names: Vec<String> = ok
            .iter()
            .map(|b| super::super::parse_header::parse_entry(b).expect("header").name)
            .collect();
        assert_eq!(names, vec!["hello-vigil", "epochal"]);
    }

    #[test]
    fn rejects_other_files() {
        assert_eq!(collect(b"RpmP").err(), Some(NdbError::TooShort(4)));
        assert!(matches!(collect(&[0u8; 64]).err(), Some(NdbError::BadMagic(0))));
        let mut v = NDB.to_vec();
        v[4] = 9;
        assert_eq!(collect(&v).err(), Some(NdbError::Version(9)));
        let mut v = NDB.to_vec();
        v[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(collect(&v).err(), Some(NdbError::SlotPages { .. })));
        assert!(matches!(collect(&NDB[..4000]).err(), Some(NdbError::SlotPages { .. })));
        let mut v = NDB.to_vec();
        v[64] = b'X';
        assert_eq!(collect(&v).err(), Some(NdbError::BadSlot(4)));
    }

    #[test]
    fn bad_slots_are_reported_and_skipped() {
        // Truncated: the second blob runs past the end.
        let (ok, bad) = collect(&NDB[..NDB.len() - 100]).expect("ndb");
        assert_eq!((ok.len(), bad.len()), (1, 1), "{bad:?}");
        // The second slot claims the first slot's blocks, then an absurd count.
        let mut v = NDB.to_vec();
        v.copy_within(32 + 8..32 + 12, 48 + 8);
        let (ok, bad) = collect(&v).expect("ndb");
        assert_eq!(ok.len(), 1);
        assert!(bad[0].contains("overlap"), "{bad:?}");
        let mut v = NDB.to_vec();
        v[48 + 12..48 + 16].copy_from_slice(&u32::MAX.to_le_bytes());
        let (_, bad) = collect(&v).expect("ndb");
        assert!(bad[0].contains("outside"), "{bad:?}");
    }
}
