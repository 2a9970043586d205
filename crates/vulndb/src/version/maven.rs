//! Maven versions, parsed and ordered as Maven 3.8's `ComparableVersion`.
//!
//! A version is lowercased and cut into items: numbers and strings, split
//! on `.` and `-` and on every change between digits and letters. `-`, and a
//! change between digits and letters, opens a nested list for the rest of
//! the version; so does a string after `.` (`1.0.0.x1` is read as
//! `1.0.0-x1`). An empty item before a separator is `0`. Each list then
//! loses its trailing "null" items (`0`, the release qualifiers `ga`/`final`/
//! `release`/``, empty lists): `1.0 == 1`, `1-0 == 1`, `1.0-rc == 1-rc`.
//!
//! Strings are qualifiers: `alpha` (`a` before a digit) < `beta` (`b`) <
//! `milestone` (`m`) < `rc` = `cr` < `snapshot` < `` = `ga` = `final` =
//! `release` < `sp`, then unknown qualifiers in byte order. Between kinds:
//! number > list > string. A list that runs out compares its missing items
//! as null: a number against null is greater unless 0, a qualifier is
//! compared with the release qualifier, a list by its first non-null item.
//!
//! This order is Maven's, corner cases included: it is not transitive for
//! versions that keep a null item in the middle of a list (`1.ga.sp.1`
//! ranks above `1`, `1` above `1.0.alpha.1`, yet `1.ga.sp.1` below
//! `1.0.alpha.1`, because the release qualifier `ga` is a string and `0` a
//! number, while both equal a missing item). Characters outside printable
//! ASCII are rejected.
//!
//! Nested lists are stored flat (each list's sub-list is always its last
//! item), so neither parsing nor comparing recurses, however many `-` a
//! hostile string has.

use std::cmp::Ordering;

use super::num::Num;
use super::{Scheme, VersionError};

/// A parsed Maven version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MavenVersion {
    items: Box<[Item]>,
}

/// One item of the flattened item tree. `Sub` opens the nested list that
/// holds every item after it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Item {
    Int(Num),
    Str(Qualifier),
    Sub,
}

/// A string item: known qualifiers by rank, then unknown ones by bytes
/// (the derived order).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Qualifier {
    Known(u8),
    Unknown(Box<str>),
}

const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
const RELEASE: u8 = 5;

impl Qualifier {
    fn new(value: &str, followed_by_digit: bool) -> Qualifier {
        let value = match (followed_by_digit, value) {
            (true, "a") => "alpha",
            (true, "b") => "beta",
            (true, "m") => "milestone",
            (_, "ga" | "final" | "release") => "",
            (_, "cr") => "rc",
            (_, other) => other,
        };
        match QUALIFIERS.iter().position(|&q| q == value) {
            Some(i) => Qualifier::Known(i as u8),
            None => Qualifier::Unknown(value.into()),
        }
    }
}

impl Item {
    fn parse(digits: bool, text: &str) -> Item {
        if digits {
            Item::Int(Num::from_digits(text))
        } else {
            Item::Str(Qualifier::new(text, false))
        }
    }

    fn is_null(&self) -> bool {
        match self {
            Item::Int(n) => n.is_zero(),
            Item::Str(q) => *q == Qualifier::Known(RELEASE),
            Item::Sub => false,
        }
    }

    /// This item against a missing one.
    fn cmp_null(&self) -> Ordering {
        match self {
            Item::Int(n) if n.is_zero() => Ordering::Equal,
            Item::Int(_) => Ordering::Greater,
            Item::Str(Qualifier::Known(i)) => i.cmp(&RELEASE),
            Item::Str(Qualifier::Unknown(_)) => Ordering::Greater,
            Item::Sub => Ordering::Equal,
        }
    }
}

impl MavenVersion {
    /// Parses a Maven version string.
    pub fn parse(input: &str) -> Result<Self, VersionError> {
        parse(input).map_err(|reason| VersionError::invalid(Scheme::Maven, input, reason))
    }
}

fn parse(input: &str) -> Result<MavenVersion, &'static str> {
    if input.is_empty() {
        return Err("version string is empty");
    }
    if input.bytes().any(|b| !(0x21..=0x7e).contains(&b)) {
        return Err("whitespace, control or non-ASCII character in version");
    }
    let s = input.to_ascii_lowercase();
    // levels[k] holds the own items of the k-th nested list.
    let mut levels: Vec<Vec<Item>> = vec![Vec::new()];
    let mut digits = false;
    let mut start = 0;
    for (i, c) in s.bytes().enumerate() {
        match c {
            b'.' | b'-' => {
                let item = if i == start {
                    Item::Int(Num::ZERO)
                } else {
                    Item::parse(digits, &s[start..i])
                };
                current(&mut levels).push(item);
                start = i + 1;
                if c == b'-' {
                    levels.push(Vec::new());
                }
            }
            b'0'..=b'9' => {
                if !digits && i > start {
                    if !current(&mut levels).is_empty() {
                        levels.push(Vec::new());
                    }
                    let q = Qualifier::new(&s[start..i], true);
                    current(&mut levels).push(Item::Str(q));
                    start = i;
                    levels.push(Vec::new());
                }
                digits = true;
            }
            _ => {
                if digits && i > start {
                    current(&mut levels).push(Item::parse(true, &s[start..i]));
                    start = i;
                    levels.push(Vec::new());
                }
                digits = false;
            }
        }
    }
    if s.len() > start {
        if !digits && !current(&mut levels).is_empty() {
            levels.push(Vec::new());
        }
        current(&mut levels).push(Item::parse(digits, &s[start..]));
    }
    Ok(MavenVersion { items: flatten(levels) })
}

fn current(levels: &mut Vec<Vec<Item>>) -> &mut Vec<Item> {
    if levels.is_empty() {
        levels.push(Vec::new());
    }
    let last = levels.len() - 1;
    &mut levels[last]
}

/// Normalises every list (drops trailing null items, and nested lists left
/// empty) and lays the chain of lists out flat.
fn flatten(mut levels: Vec<Vec<Item>>) -> Box<[Item]> {
    for level in &mut levels {
        while level.last().is_some_and(Item::is_null) {
            level.pop();
        }
    }
    // A nested list survives if it or any deeper one kept an item.
    while levels.len() > 1 && levels.last().is_some_and(Vec::is_empty) {
        levels.pop();
    }
    let mut flat = Vec::with_capacity(levels.iter().map(|l| l.len() + 1).sum());
    for (k, level) in levels.into_iter().enumerate() {
        if k > 0 {
            flat.push(Item::Sub);
        }
        flat.extend(level);
    }
    flat.into_boxed_slice()
}

/// A list (flat, from its first item) against a missing item.
fn cmp_null_list(items: &[Item]) -> Ordering {
    items
        .iter()
        .map(Item::cmp_null)
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

fn cmp_items(a: &Item, b: &Item) -> Ordering {
    match (a, b) {
        (Item::Int(x), Item::Int(y)) => x.cmp(y),
        (Item::Str(x), Item::Str(y)) => x.cmp(y),
        (Item::Sub, Item::Sub) => Ordering::Equal,
        // number > list > string
        (Item::Int(_), _) => Ordering::Greater,
        (_, Item::Int(_)) => Ordering::Less,
        (Item::Sub, Item::Str(_)) => Ordering::Greater,
        (Item::Str(_), Item::Sub) => Ordering::Less,
    }
}

impl Ord for MavenVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (&self.items, &other.items);
        let mut i = 0;
        loop {
            let ord = match (a.get(i), b.get(i)) {
                (None, None) => return Ordering::Equal,
                // The rest of one side is a nested list; the other side's
                // list has ended.
                (Some(Item::Sub), None) => return cmp_null_list(&a[i + 1..]),
                (None, Some(Item::Sub)) => return cmp_null_list(&b[i + 1..]).reverse(),
                (Some(x), None) => x.cmp_null(),
                (None, Some(y)) => y.cmp_null().reverse(),
                (Some(x), Some(y)) => cmp_items(x, y),
            };
            if ord.is_ne() {
                return ord;
            }
            i += 1;
        }
    }
}

impl PartialOrd for MavenVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> MavenVersion {
        MavenVersion::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Maven's canonical form, to check parsing against what
    /// `ComparableVersion` prints.
    fn canonical(x: &MavenVersion) -> String {
        let mut out = String::new();
        let mut first = true;
        for item in x.items.iter() {
            match item {
                Item::Sub => {
                    out.push('-');
                    first = true;
                    continue;
                }
                _ if !first => out.push('.'),
                _ => {}
            }
            first = false;
            match item {
                Item::Int(Num::Small(n)) => out.push_str(&n.to_string()),
                Item::Int(Num::Big(d)) => out.push_str(d),
                Item::Str(Qualifier::Known(k)) => out.push_str(QUALIFIERS[*k as usize]),
                Item::Str(Qualifier::Unknown(q)) => out.push_str(q),
                Item::Sub => {}
            }
        }
        out
    }

    #[test]
    fn parses_like_comparable_version() {
        // Canonical forms printed by Maven 3.8.7's ComparableVersion main.
        let cases = [
            ("1.0", "1"),
            ("1-0.alpha", "1--alpha"),
            ("1.0.0.x1", "1-x-1"),
            ("1.ga.sp", "1-sp"),
            ("1-0-1", "1--1"),
            ("1.0-rc", "1-rc"),
            ("1a1", "1-alpha-1"),
            ("1.0a1-SNAPSHOT", "1-alpha-1-snapshot"),
            ("1..1", "1.0.1"),
            ("1-.1", "1-0.1"),
            ("1--1", "1--1"),
            ("1-0.1", "1-0.1"),
        ];
        for (input, want) in cases {
            assert_eq!(canonical(&v(input)), want, "{input}");
        }
    }

    #[test]
    fn qualifier_order() {
        let ascending = [
            "1-alpha-1",
            "1-a2",
            "1-beta",
            "1-milestone-1",
            "1-rc",
            "1-cr2",
            "1-snapshot",
            "1",
            "1-sp",
            "1-abc",
            "1-xyz",
            "1-1",
            "1.1",
        ];
        for pair in ascending.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        assert_eq!(v("1-ga"), v("1"));
        assert_eq!(v("1.0-final"), v("1-RELEASE"));
        assert_eq!(v("1.0.0"), v("1"));
    }

    #[test]
    fn mavens_own_intransitive_corner() {
        // Checked against Maven 3.8.7: 1.ga.sp.1 > 1 > 1.0.alpha.1, and
        // yet 1.0.alpha.1 > 1.ga.sp.1.
        assert!(v("1.ga.sp.1") > v("1"));
        assert!(v("1") > v("1.0.alpha.1"));
        assert!(v("1.0.alpha.1") > v("1.ga.sp.1"));
        assert_eq!(canonical(&v("1.ga.sp.1")), "1..sp.1");
    }

    #[test]
    fn deep_nesting_does_not_recurse() {
        let deep = "1-".repeat(50_000) + "1";
        let a = v(&deep);
        let b = v(&(deep.clone() + "-1"));
        assert!(a < b);
        assert_eq!(a, v(&deep));
    }
}
