//! Just enough of ELF to find a named section and to read bytes at a virtual address: the Go and
//! Rust binary catalogers need no more. Every offset and count comes from the file, so every
//! read is bounds-checked; lookups cost O(number of sections), never a scan of the file.

/// ELF files start with these four bytes.
pub(crate) const MAGIC: &[u8; 4] = b"\x7fELF";

/// Smallest executable worth opening: real Go and Rust programs are hundreds of KB.
const MIN_EXEC_SIZE: u64 = 4096;

const SHT_NOBITS: u32 = 8;
const PT_LOAD: u32 = 1;
const PF_W: u32 = 2;
/// `e_shstrndx` escape: the real index is in section 0's `sh_link`.
const SHN_XINDEX: u32 = 0xffff;

/// Whether a regular file could be a program: any execute bit, and not tiny. Cheap enough to
/// call for every file of every layer.
pub(crate) fn is_exec_candidate(mode: u32, size: u64) -> bool {
    mode & 0o111 != 0 && size >= MIN_EXEC_SIZE
}

/// Why a file with the ELF magic could not be read as ELF.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum ElfError {
    #[error("ELF header is truncated")]
    Truncated,
    #[error("unknown ELF class {0} (neither 32- nor 64-bit)")]
    Class(u8),
    #[error("unknown ELF data encoding {0}")]
    Encoding(u8),
    #[error("the {0} table lies outside the file or has a bad entry size")]
    Table(&'static str),
    #[error("section {0} lies outside the file")]
    SectionBounds(String),
}

#[derive(Clone, Copy, Debug, Default)]
struct Table {
    off: usize,
    entsize: usize,
    count: usize,
}

impl Table {
    /// The table, checked to lie inside `len` bytes with entries of at least `min` bytes.
    fn checked(
        off: u64,
        entsize: u16,
        count: u64,
        min: usize,
        len: usize,
        what: &'static str,
    ) -> Result<Table, ElfError> {
        if count == 0 {
            return Ok(Table::default());
        }
        let entsize = usize::from(entsize);
        let bad = || ElfError::Table(what);
        if entsize < min {
            return Err(bad());
        }
        let off = usize::try_from(off).map_err(|_| bad())?;
        let count = usize::try_from(count).map_err(|_| bad())?;
        let end = count
            .checked_mul(entsize)
            .and_then(|n| n.checked_add(off))
            .ok_or_else(bad)?;
        if end > len {
            return Err(bad());
        }
        Ok(Table { off, entsize, count })
    }
}

/// One section header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Section {
    pub name: u32,
    pub ty: u32,
    pub addr: u64,
    pub offset: u64,
    pub size: u64,
    pub link: u32,
}

/// One program header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Segment {
    pub ty: u32,
    pub flags: u32,
    pub offset: u64,
    pub vaddr: u64,
    pub filesz: u64,
}

impl Segment {
    pub fn is_writable_load(&self) -> bool {
        self.ty == PT_LOAD && self.flags & PF_W != 0
    }
}

/// A parsed ELF header with its (checked) section and program header tables.
pub(crate) struct Elf<'a> {
    data: &'a [u8],
    wide: bool,
    big: bool,
    machine: u16,
    sh: Table,
    ph: Table,
    shstrndx: usize,
}

impl<'a> Elf<'a> {
    /// Reads the ELF header. `Ok(None)` when `data` does not start with the ELF magic (an O(1)
    /// check); an error when it does but the header or its tables do not fit the file.
    pub fn parse(data: &'a [u8]) -> Result<Option<Elf<'a>>, ElfError> {
        if !data.starts_with(MAGIC) {
            return Ok(None);
        }
        let ident = data.get(..16).ok_or(ElfError::Truncated)?;
        let wide = match ident[4] {
            1 => false,
            2 => true,
            c => return Err(ElfError::Class(c)),
        };
        let big = match ident[5] {
            1 => false,
            2 => true,
            e => return Err(ElfError::Encoding(e)),
        };
        let mut elf = Elf {
            data,
            wide,
            big,
            machine: 0,
            sh: Table::default(),
            ph: Table::default(),
            shstrndx: 0,
        };
        let hdr = data.get(..if wide { 64 } else { 52 }).ok_or(ElfError::Truncated)?;
        elf.machine = elf.u16_at(hdr, 18);
        // Offsets of (phoff, shoff, phentsize, phnum, shentsize, shnum, shstrndx) by class.
        let (phoff, shoff, rest) = if wide {
            (elf.u64_at(hdr, 32), elf.u64_at(hdr, 40), 54)
        } else {
            (u64::from(elf.u32_at(hdr, 28)), u64::from(elf.u32_at(hdr, 32)), 42)
        };
        let phentsize = elf.u16_at(hdr, rest);
        let phnum = elf.u16_at(hdr, rest + 2);
        let shentsize = elf.u16_at(hdr, rest + 4);
        let shnum = elf.u16_at(hdr, rest + 6);
        let shstrndx = elf.u16_at(hdr, rest + 8);
        let (sh_min, ph_min) = if wide { (64, 56) } else { (40, 32) };
        elf.ph = Table::checked(phoff, phentsize, u64::from(phnum), ph_min, data.len(), "program header")?;
        if shoff != 0 {
            // Section 0 carries the real count and string table index when they overflow 16 bits.
            let first = Table::checked(shoff, shentsize, 1, sh_min, data.len(), "section header")?;
            elf.sh = first;
            let zero = elf.section(0);
            let count = if shnum == 0 {
                zero.map_or(0, |s| s.size)
            } else {
                u64::from(shnum)
            };
            elf.sh = Table::checked(shoff, shentsize, count, sh_min, data.len(), "section header")?;
            let idx = if u32::from(shstrndx) == SHN_XINDEX {
                zero.map_or(0, |s| s.link)
            } else {
                u32::from(shstrndx)
            };
            elf.shstrndx = idx as usize;
        }
        Ok(Some(elf))
    }

    /// Whether multi-byte fields are big-endian.
    pub fn big_endian(&self) -> bool {
        self.big
    }

    /// Whether the file has a section table.
    pub fn has_sections(&self) -> bool {
        self.sh.count > 0
    }

    /// The whole file.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// Reads an unsigned integer of `b.len()` bytes (1 to 8) in the file's byte order.
    pub fn uint(&self, b: &[u8]) -> u64 {
        let mut v = 0u64;
        if self.big {
            for &x in b.iter().take(8) {
                v = (v << 8) | u64::from(x);
            }
        } else {
            for &x in b.iter().take(8).rev() {
                v = (v << 8) | u64::from(x);
            }
        }
        v
    }

    fn u16_at(&self, b: &[u8], at: usize) -> u16 {
        b.get(at..at + 2).map_or(0, |x| self.uint(x) as u16)
    }

    fn u32_at(&self, b: &[u8], at: usize) -> u32 {
        b.get(at..at + 4).map_or(0, |x| self.uint(x) as u32)
    }

    fn u64_at(&self, b: &[u8], at: usize) -> u64 {
        b.get(at..at + 8).map_or(0, |x| self.uint(x))
    }

    fn entry(&self, t: Table, i: usize) -> Option<&'a [u8]> {
        if i >= t.count {
            return None;
        }
        // In bounds: `Table::checked` verified off + count * entsize <= len.
        let start = t.off + i * t.entsize;
        self.data.get(start..start + t.entsize)
    }

    /// Section header `i`.
    pub fn section(&self, i: usize) -> Option<Section> {
        let b = self.entry(self.sh, i)?;
        Some(if self.wide {
            Section {
                name: self.u32_at(b, 0),
                ty: self.u32_at(b, 4),
                addr: self.u64_at(b, 16),
                offset: self.u64_at(b, 24),
                size: self.u64_at(b, 32),
                link: self.u32_at(b, 40),
            }
        } else {
            Section {
                name: self.u32_at(b, 0),
                ty: self.u32_at(b, 4),
                addr: u64::from(self.u32_at(b, 12)),
                offset: u64::from(self.u32_at(b, 16)),
                size: u64::from(self.u32_at(b, 20)),
                link: self.u32_at(b, 24),
            }
        })
    }

    /// Program header `i`.
    pub fn segment(&self, i: usize) -> Option<Segment> {
        let b = self.entry(self.ph, i)?;
        Some(if self.wide {
            Segment {
                ty: self.u32_at(b, 0),
                flags: self.u32_at(b, 4),
                offset: self.u64_at(b, 8),
                vaddr: self.u64_at(b, 16),
                filesz: self.u64_at(b, 32),
            }
        } else {
            Segment {
                ty: self.u32_at(b, 0),
                offset: u64::from(self.u32_at(b, 4)),
                vaddr: u64::from(self.u32_at(b, 8)),
                filesz: u64::from(self.u32_at(b, 16)),
                flags: self.u32_at(b, 24),
            }
        })
    }

    pub fn segments(&self) -> impl Iterator<Item = Segment> + '_ {
        (0..self.ph.count).filter_map(|i| self.segment(i))
    }

    /// The section called `name`, found through the section name table. `None` when there is
    /// no such section or no usable name table.
    pub fn section_by_name(&self, name: &[u8]) -> Option<Section> {
        let names = self
            .section(self.shstrndx)
            .and_then(|s| self.file_range(s.offset, s.size))?;
        (1..self.sh.count).filter_map(|i| self.section(i)).find(|s| {
            let Some(rest) = names.get(s.name as usize..) else {
                return false;
            };
            rest.len() > name.len() && rest.starts_with(name) && rest[name.len()] == 0
        })
    }

    /// The bytes of a section in the file.
    pub fn section_data(&self, s: &Section) -> Result<&'a [u8], ElfError> {
        if s.ty == SHT_NOBITS {
            return Ok(&[]);
        }
        self.file_range(s.offset, s.size)
            .ok_or_else(|| ElfError::SectionBounds(format!("at {:#x} of {} bytes", s.offset, s.size)))
    }

    /// `len` bytes at file offset `off`, if they lie inside the file.
    pub fn file_range(&self, off: u64, len: u64) -> Option<&'a [u8]> {
        let start = usize::try_from(off).ok()?;
        let end = start.checked_add(usize::try_from(len).ok()?)?;
        self.data.get(start..end)
    }

    /// `len` bytes at virtual address `addr`, through the loadable segments (or, in a file
    /// without program headers, the allocated sections).
    pub fn read_vaddr(&self, addr: u64, len: u64) -> Option<&'a [u8]> {
        let within = |base: u64, size: u64, off: u64| {
            let rel = addr.checked_sub(base)?;
            (rel.checked_add(len)? <= size).then(|| self.file_range(off.checked_add(rel)?, len))?
        };
        if self.ph.count > 0 {
            return self
                .segments()
                .filter(|p| p.ty == PT_LOAD)
                .find_map(|p| within(p.vaddr, p.filesz, p.offset));
        }
        (1..self.sh.count)
            .filter_map(|i| self.section(i))
            .filter(|s| s.addr != 0 && s.ty != SHT_NOBITS)
            .find_map(|s| within(s.addr, s.size, s.offset))
    }

    /// The architecture in Go's `GOARCH` spelling, from `e_machine`.
    pub fn go_arch(&self) -> Option<&'static str> {
        Some(match (self.machine, self.wide, self.big) {
            (3, _, _) => "386",
            (62, _, _) => "amd64",
            (40, _, _) => "arm",
            (183, _, _) => "arm64",
            (8, false, true) => "mips",
            (8, false, false) => "mipsle",
            (8, true, true) => "mips64",
            (8, true, false) => "mips64le",
            (21, _, true) => "ppc64",
            (21, _, false) => "ppc64le",
            (22, _, _) => "s390x",
            (243, true, _) => "riscv64",
            (258, _, _) => "loong64",
            _ => return None,
        })
    }
}

/// Builds small but well-formed ELF files for tests: named sections, and optionally one
/// loadable segment covering the whole file.
#[cfg(test)]
pub(crate) mod build {
    /// A 64-bit little-endian x86-64 executable with `sections` (name, address, bytes), laid out
    /// back to back after the headers. With `load` a single PT_LOAD maps file offset 0 at
    /// `load`'s address, so `addr = load + offset`.
    pub fn elf64(sections: &[(&str, &[u8])], load: Option<u64>) -> Vec<u8> {
        let phnum: u16 = if load.is_some() { 1 } else { 0 };
        let mut names = vec![0u8];
        let mut name_offs = Vec::new();
        for (n, _) in sections {
            name_offs.push(names.len() as u32);
            names.extend_from_slice(n.as_bytes());
            names.push(0);
        }
        let shstr_name = names.len() as u32;
        names.extend_from_slice(b".shstrtab\0");
        let mut body = Vec::new();
        let base = 64 + 56 * usize::from(phnum);
        let mut offs = Vec::new();
        for (_, d) in sections {
            while (base + body.len()) % 16 != 0 {
                body.push(0);
            }
            offs.push(base + body.len());
            body.extend_from_slice(d);
        }
        let names_off = base + body.len();
        body.extend_from_slice(&names);
        while (base + body.len()) % 8 != 0 {
            body.push(0);
        }
        let shoff = base + body.len();
        let shnum = sections.len() as u16 + 2;
        let total = shoff + 64 * usize::from(shnum);
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0");
        out.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
        out.extend_from_slice(&62u16.to_le_bytes()); // x86-64
        out.extend_from_slice(&1u32.to_le_bytes());
        out.extend_from_slice(&0u64.to_le_bytes()); // entry
        out.extend_from_slice(&(if phnum > 0 { 64u64 } else { 0 }).to_le_bytes());
        out.extend_from_slice(&(shoff as u64).to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        for v in [64u16, 56, phnum, 64, shnum, shnum - 1] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        if let Some(addr) = load {
            out.extend_from_slice(&1u32.to_le_bytes()); // PT_LOAD
            out.extend_from_slice(&6u32.to_le_bytes()); // RW
            out.extend_from_slice(&0u64.to_le_bytes());
            out.extend_from_slice(&addr.to_le_bytes());
            out.extend_from_slice(&addr.to_le_bytes());
            out.extend_from_slice(&(total as u64).to_le_bytes());
            out.extend_from_slice(&(total as u64).to_le_bytes());
            out.extend_from_slice(&0x1000u64.to_le_bytes());
        }
        out.extend_from_slice(&body);
        let mut sh = |name: u32, ty: u32, addr: u64, off: usize, size: usize| {
            out.extend_from_slice(&name.to_le_bytes());
            out.extend_from_slice(&ty.to_le_bytes());
            out.extend_from_slice(&0u64.to_le_bytes());
            out.extend_from_slice(&addr.to_le_bytes());
            out.extend_from_slice(&(off as u64).to_le_bytes());
            out.extend_from_slice(&(size as u64).to_le_bytes());
            out.extend_from_slice(&[0u8; 24]);
        };
        sh(0, 0, 0, 0, 0);
        for (i, (_, d)) in sections.iter().enumerate() {
            let addr = load.map_or(0, |a| a + offs[i] as u64);
            sh(name_offs[i], 1, addr, offs[i], d.len());
        }
        sh(shstr_name, 3, 0, names_off, names.len());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_sections_and_reads_virtual_addresses() {
        let data = build::elf64(&[(".text", b"code"), (".note.x", b"hello world")], Some(0x40_0000));
        let elf = Elf::parse(&data).expect("parses").expect("is elf");
        assert!(!elf.big_endian());
        assert_eq!(elf.go_arch(), Some("amd64"));
        let s = elf.section_by_name(b".note.x").expect("section");
        assert_eq!(elf.section_data(&s).expect("data"), b"hello world");
        assert!(
            elf.section_by_name(b".note").is_none(),
            "prefix of a name is not the name"
        );
        assert!(elf.section_by_name(b".missing").is_none());
        assert_eq!(elf.read_vaddr(s.addr + 6, 5), Some(&b"world"[..]));
        assert_eq!(elf.read_vaddr(s.addr, u64::MAX), None);
        assert_eq!(elf.read_vaddr(0x10, 4), None);
    }

    #[test]
    fn non_elf_is_none_and_garbled_headers_are_errors() {
        assert!(Elf::parse(b"MZ\x90\0").expect("ok").is_none());
        assert!(Elf::parse(b"").expect("ok").is_none());
        assert_eq!(Elf::parse(b"\x7fELF\x02\x01").err(), Some(ElfError::Truncated));
        let mut data = build::elf64(&[(".a", b"x")], None);
        data[4] = 9;
        assert_eq!(Elf::parse(&data).err(), Some(ElfError::Class(9)));
        // Section table pointed past the end of the file.
        let mut data = build::elf64(&[(".a", b"x")], None);
        data[40..48].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(matches!(Elf::parse(&data), Err(ElfError::Table(_))));
        // Absurd section count.
        let mut data = build::elf64(&[(".a", b"x")], None);
        data[60..62].copy_from_slice(&0xfff0u16.to_le_bytes());
        assert!(matches!(Elf::parse(&data), Err(ElfError::Table(_))));
        // Truncated file: the tables no longer fit.
        let data = build::elf64(&[(".a", b"x")], None);
        assert!(Elf::parse(&data[..data.len() - 10]).is_err());
    }

    #[test]
    fn absurd_section_offsets_are_errors_not_panics() {
        let mut data = build::elf64(&[(".dep-v0", b"payload")], None);
        let elf = Elf::parse(&data).expect("ok").expect("elf");
        let s = elf.section_by_name(b".dep-v0").expect("section");
        // Rewrite that section's offset and size to absurd values.
        let shoff = u64::from_le_bytes(data[40..48].try_into().expect("8 bytes")) as usize;
        let entry = shoff + 64;
        data[entry + 24..entry + 32].copy_from_slice(&(u64::MAX - 3).to_le_bytes());
        data[entry + 32..entry + 40].copy_from_slice(&100u64.to_le_bytes());
        let elf = Elf::parse(&data).expect("ok").expect("elf");
        let s2 = elf.section_by_name(b".dep-v0").expect("section");
        assert_ne!(s, s2);
        assert!(matches!(elf.section_data(&s2), Err(ElfError::SectionBounds(_))));
        // Name offset past the name table: simply not found.
        data[entry..entry + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        let elf = Elf::parse(&data).expect("ok").expect("elf");
        assert!(elf.section_by_name(b".dep-v0").is_none());
    }

    #[test]
    fn exec_candidates() {
        assert!(is_exec_candidate(0o755, 1 << 20));
        assert!(is_exec_candidate(0o100, 8192));
        assert!(!is_exec_candidate(0o644, 1 << 20));
        assert!(!is_exec_candidate(0o755, 100));
    }
}
