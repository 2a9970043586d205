//! The Go build information blob that the Go linker (1.13 and later) writes into every
//! executable, in the `.go.buildinfo` section.
//!
//! Layout: a 32-byte header — the 14-byte magic `\xff Go buildinf:`, the pointer size (4 or 8),
//! a flags byte (bit 0: big-endian pointers, bit 1: inline strings) — then either
//! - (Go 1.18 and later, flag bit 1) the runtime version and the module information as two
//!   strings, each prefixed by its length as an unsigned varint; or
//! - (older) at offset 16, two pointers to Go string headers (`{data pointer, length}`) for the
//!   version and the module information, resolved through the file's address map.
//!
//! The module information is wrapped in two 16-byte sentinels, removed here.

use memchr::memmem;

use crate::elf::Elf;

/// The magic that starts the build information blob.
pub(crate) const MAGIC: &[u8; 14] = b"\xff Go buildinf:";
const HEADER_LEN: usize = 32;
const FLAG_BIG_ENDIAN: u8 = 0x1;
const FLAG_INLINE: u8 = 0x2;
/// Longest runtime version string accepted (`go1.22.1 X:boringcrypto` is 23 bytes).
const MAX_VERSION_LEN: u64 = 1024;
/// Longest module information accepted: a thousand dependencies fit in a few hundred KB.
const MAX_MODINFO_LEN: u64 = 16 << 20;
/// Length of each sentinel around the module information.
const SENTINEL_LEN: usize = 16;

/// The two strings of the blob, as the binary holds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawBuildInfo {
    /// The Go toolchain that built the program, e.g. `go1.22.1`.
    pub go_version: String,
    /// The module information (`path`, `mod`, `dep`, `=>`, `build` lines), sentinels removed.
    pub modinfo: String,
}

/// Why a binary that carries Go build information could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum BuildInfoError {
    #[error("Go build information does not start with the magic")]
    Magic,
    #[error("Go build information header is truncated")]
    Truncated,
    #[error("Go build information has pointer size {0} (not 4 or 8)")]
    PointerSize(u8),
    #[error("Go build information has a malformed length varint")]
    Varint,
    #[error("Go build information {what} is {len} bytes long, past the cap of {cap}")]
    TooLong { what: &'static str, len: u64, cap: u64 },
    #[error("Go build information {0} runs past the end of the file")]
    Bounds(&'static str),
    #[error("Go build information pointer {0:#x} is not mapped by the file")]
    Unmapped(u64),
    #[error("Go build information runtime version is not text")]
    NotText,
}

/// Finds and decodes the build information of an ELF file. `Ok(None)` for an ELF file that is
/// not a Go program; an error when it claims to be one but its build information is corrupt.
pub(crate) fn read_elf(elf: &Elf<'_>) -> Result<Option<RawBuildInfo>, BuildInfoError> {
    if elf.has_sections() {
        // The normal case: O(number of sections). A file with a section table but without the
        // section is not a Go program (or predates Go 1.13): no scan.
        let Some(sec) = elf.section_by_name(b".go.buildinfo") else {
            return Ok(None);
        };
        // The strings of the inline format follow the header inside the section; read from the
        // section's start to the end of the file so a wrong `sh_size` cannot hide them.
        let blob = usize::try_from(sec.offset)
            .ok()
            .and_then(|o| elf.data().get(o..))
            .ok_or(BuildInfoError::Bounds("section"))?;
        return decode(blob, &|addr, len| elf.read_vaddr(addr, len), elf.big_endian()).map(Some);
    }
    // No section table (stripped by a packer, or garbled): look for the magic in the writable
    // loadable segments, where the linker puts the blob at the start of the data.
    for seg in elf.segments().filter(|s| s.is_writable_load()) {
        let Some(bytes) = elf.file_range(seg.offset, seg.filesz) else {
            continue;
        };
        if let Some(at) = memmem::find(bytes, MAGIC) {
            return decode(&bytes[at..], &|addr, len| elf.read_vaddr(addr, len), elf.big_endian()).map(Some);
        }
    }
    Ok(None)
}

/// Decodes the blob that starts at `blob[0]`. `resolve(addr, len)` reads memory of the program
/// for the pointer format; `big_endian` is the file's byte order, used when the header does not
/// say.
pub(crate) fn decode<'a>(
    blob: &'a [u8],
    resolve: &dyn Fn(u64, u64) -> Option<&'a [u8]>,
    big_endian: bool,
) -> Result<RawBuildInfo, BuildInfoError> {
    if !blob.starts_with(MAGIC) {
        return Err(BuildInfoError::Magic);
    }
    let header = blob.get(..HEADER_LEN).ok_or(BuildInfoError::Truncated)?;
    let ptr_size = header[14];
    let flags = header[15];
    let (version, modinfo) = if flags & FLAG_INLINE != 0 {
        let rest = &blob[HEADER_LEN..];
        let (version, rest) = varint_string(rest, "runtime version", MAX_VERSION_LEN)?;
        let (modinfo, _) = varint_string(rest, "module information", MAX_MODINFO_LEN)?;
        (version, modinfo)
    } else {
        if ptr_size != 4 && ptr_size != 8 {
            return Err(BuildInfoError::PointerSize(ptr_size));
        }
        let big = flags & FLAG_BIG_ENDIAN != 0 || big_endian;
        let ps = usize::from(ptr_size);
        let ptrs = blob.get(16..16 + 2 * ps).ok_or(BuildInfoError::Truncated)?;
        let (vp, mp) = ptrs.split_at(ps);
        let version = go_string(uint(vp, big), ps, big, resolve, "runtime version", MAX_VERSION_LEN)?;
        let modinfo = go_string(uint(mp, big), ps, big, resolve, "module information", MAX_MODINFO_LEN)?;
        (version, modinfo)
    };
    let go_version = std::str::from_utf8(version)
        .map_err(|_| BuildInfoError::NotText)?
        .to_string();
    Ok(RawBuildInfo {
        go_version,
        modinfo: String::from_utf8_lossy(strip_sentinels(modinfo)).into_owned(),
    })
}

/// Removes the 16-byte sentinels the linker puts around the module information.
fn strip_sentinels(m: &[u8]) -> &[u8] {
    if m.len() > 2 * SENTINEL_LEN && m[m.len() - SENTINEL_LEN - 1] == b'\n' {
        &m[SENTINEL_LEN..m.len() - SENTINEL_LEN]
    } else {
        m
    }
}

fn uint(b: &[u8], big: bool) -> u64 {
    let mut v = 0u64;
    if big {
        b.iter().for_each(|&x| v = (v << 8) | u64::from(x));
    } else {
        b.iter().rev().for_each(|&x| v = (v << 8) | u64::from(x));
    }
    v
}

/// An unsigned LEB128 varint as Go's `binary.Uvarint` reads it: at most 10 bytes, at most 64 bits.
pub(crate) fn uvarint(b: &[u8]) -> Option<(u64, usize)> {
    let mut v = 0u64;
    for (i, &x) in b.iter().enumerate().take(10) {
        if i == 9 && x > 1 {
            return None; // overflows 64 bits
        }
        v |= u64::from(x & 0x7f) << (7 * i);
        if x & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

/// A varint-length-prefixed string at the start of `b`, and what follows it.
fn varint_string<'a>(b: &'a [u8], what: &'static str, cap: u64) -> Result<(&'a [u8], &'a [u8]), BuildInfoError> {
    let (len, n) = uvarint(b).ok_or(BuildInfoError::Varint)?;
    if len > cap {
        return Err(BuildInfoError::TooLong { what, len, cap });
    }
    let rest = &b[n..];
    // `len <= cap` fits in usize on every supported target.
    let len = len as usize;
    if len > rest.len() {
        return Err(BuildInfoError::Bounds(what));
    }
    Ok(rest.split_at(len))
}

/// Reads the Go string header at `addr` (`{data pointer, length}`) and then its bytes.
fn go_string<'a>(
    addr: u64,
    ps: usize,
    big: bool,
    resolve: &dyn Fn(u64, u64) -> Option<&'a [u8]>,
    what: &'static str,
    cap: u64,
) -> Result<&'a [u8], BuildInfoError> {
    let hdr = resolve(addr, 2 * ps as u64).ok_or(BuildInfoError::Unmapped(addr))?;
    let (data, len) = hdr.split_at(ps);
    let (data, len) = (uint(data, big), uint(len, big));
    if len > cap {
        return Err(BuildInfoError::TooLong { what, len, cap });
    }
    if len == 0 {
        return Ok(&[]);
    }
    resolve(data, len).ok_or(BuildInfoError::Unmapped(data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elf::build;

    const START: &[u8] = b"0w\xaf\x0c\x92t\x08\x02A\xe1\xc1\x07\xe6\xd6\x18\xe6";
    const END: &[u8] = b"\xf92C1\x86\x18 r\x00\x82B\x10A\x16\xd8\xf2";

    fn wrapped(m: &str) -> Vec<u8> {
        [START, m.as_bytes(), END].concat()
    }

    fn inline_blob(version: &str, modinfo: &[u8]) -> Vec<u8> {
        let mut b = MAGIC.to_vec();
        b.extend_from_slice(&[8, FLAG_INLINE]);
        b.resize(HEADER_LEN, 0);
        b.push(version.len() as u8);
        b.extend_from_slice(version.as_bytes());
        let mut n = modinfo.len();
        while n >= 0x80 {
            b.push((n as u8) | 0x80);
            n >>= 7;
        }
        b.push(n as u8);
        b.extend_from_slice(modinfo);
        b
    }

    #[test]
    fn decodes_the_inline_format() {
        let m = "path\texample.com/app\nmod\texample.com/app\t(devel)\t\n";
        let blob = inline_blob("go1.22.1", &wrapped(m));
        let elf = build::elf64(&[(".text", b"\xc3"), (".go.buildinfo", &blob)], Some(0x40_0000));
        let elf = Elf::parse(&elf).expect("ok").expect("elf");
        let info = read_elf(&elf).expect("ok").expect("go");
        assert_eq!(info.go_version, "go1.22.1");
        assert_eq!(info.modinfo, m);
    }

    /// Go 1.13 to 1.17: the header holds pointers to string headers elsewhere in the file.
    #[test]
    fn decodes_the_pointer_format() {
        let load = 0x40_0000u64;
        let version = b"go1.16.15";
        let modinfo = wrapped("path\tgithub.com/x/tool\nmod\tgithub.com/x/tool\tv1.2.3\th1:abc=\n");
        // Layout of .rodata: [version bytes][modinfo bytes]; of .data: the two string headers.
        let rodata = [&version[..], &modinfo].concat();
        // Offsets are known from build::elf64's layout: sections start 16-aligned after the
        // headers (64 + 56 bytes), in order.
        let rodata_off = 128u64;
        let data_off = (rodata_off + rodata.len() as u64).div_ceil(16) * 16;
        let bi_off = (data_off + 32).div_ceil(16) * 16;
        let mut strings = Vec::new();
        strings.extend_from_slice(&(load + rodata_off).to_le_bytes());
        strings.extend_from_slice(&(version.len() as u64).to_le_bytes());
        strings.extend_from_slice(&(load + rodata_off + version.len() as u64).to_le_bytes());
        strings.extend_from_slice(&(modinfo.len() as u64).to_le_bytes());
        let mut blob = MAGIC.to_vec();
        blob.extend_from_slice(&[8, 0]);
        blob.extend_from_slice(&(load + data_off).to_le_bytes());
        blob.extend_from_slice(&(load + data_off + 16).to_le_bytes());
        let file = build::elf64(
            &[(".rodata", &rodata), (".data", &strings), (".go.buildinfo", &blob)],
            Some(load),
        );
        let elf = Elf::parse(&file).expect("ok").expect("elf");
        let sec = elf.section_by_name(b".go.buildinfo").expect("section");
        assert_eq!(sec.offset, bi_off, "layout assumption");
        let info = read_elf(&elf).expect("ok").expect("go");
        assert_eq!(info.go_version, "go1.16.15");
        assert!(
            info.modinfo.starts_with("path\tgithub.com/x/tool\n"),
            "{:?}",
            info.modinfo
        );

        // The same blob with a pointer into nowhere is corrupt, not absent.
        let mut bad = blob.clone();
        bad[16..24].copy_from_slice(&0xdead_0000u64.to_le_bytes());
        let file = build::elf64(
            &[(".rodata", &rodata), (".data", &strings), (".go.buildinfo", &bad)],
            Some(load),
        );
        let elf = Elf::parse(&file).expect("ok").expect("elf");
        assert_eq!(read_elf(&elf), Err(BuildInfoError::Unmapped(0xdead_0000)));
    }

    #[test]
    fn finds_the_magic_without_a_section_table() {
        let blob = inline_blob("go1.21.0", &wrapped("path\tcmd/x\n"));
        let mut file = build::elf64(&[(".go.buildinfo", &blob)], Some(0x1000));
        // Drop the section table: e_shoff = 0, e_shnum = 0.
        file[40..48].copy_from_slice(&0u64.to_le_bytes());
        file[60..62].copy_from_slice(&0u16.to_le_bytes());
        let elf = Elf::parse(&file).expect("ok").expect("elf");
        assert!(!elf.has_sections());
        let info = read_elf(&elf).expect("ok").expect("go");
        assert_eq!(info.go_version, "go1.21.0");
        assert_eq!(info.modinfo, "path\tcmd/x\n");
    }

    #[test]
    fn a_non_go_elf_is_not_go() {
        let file = build::elf64(
            &[(".text", b"\xc3"), (".data", b"\xff Go buildinf: mention")],
            Some(0x1000),
        );
        let elf = Elf::parse(&file).expect("ok").expect("elf");
        assert_eq!(read_elf(&elf), Ok(None));
    }

    #[test]
    fn corrupt_blobs_are_errors() {
        let none = |_: u64, _: u64| None;
        let mut over = MAGIC.to_vec();
        over.extend_from_slice(&[8, FLAG_INLINE]);
        over.resize(HEADER_LEN, 0);
        over.extend_from_slice(&[0xff; 11]);
        assert_eq!(decode(&over, &none, false), Err(BuildInfoError::Varint));
        let mut huge = over[..HEADER_LEN].to_vec();
        huge.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert!(matches!(
            decode(&huge, &none, false),
            Err(BuildInfoError::TooLong { .. })
        ));
        let mut short = over[..HEADER_LEN].to_vec();
        short.extend_from_slice(&[40, b'g', b'o']);
        assert_eq!(
            decode(&short, &none, false),
            Err(BuildInfoError::Bounds("runtime version"))
        );
        assert_eq!(decode(&MAGIC[..], &none, false), Err(BuildInfoError::Truncated));
        let mut ptr = MAGIC.to_vec();
        ptr.extend_from_slice(&[3, 0]);
        ptr.resize(HEADER_LEN, 0);
        assert_eq!(decode(&ptr, &none, false), Err(BuildInfoError::PointerSize(3)));
        assert_eq!(
            decode(b"not magic at all, not at all....", &none, false),
            Err(BuildInfoError::Magic)
        );
    }

    #[test]
    fn varints() {
        assert_eq!(uvarint(&[0x05]), Some((5, 1)));
        assert_eq!(uvarint(&[0xcd, 0x02]), Some((333, 2)));
        assert_eq!(
            uvarint(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
            Some((u64::MAX, 10))
        );
        assert_eq!(
            uvarint(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]),
            None
        );
        assert_eq!(uvarint(&[0x80]), None);
        assert_eq!(uvarint(&[]), None);
    }
}
